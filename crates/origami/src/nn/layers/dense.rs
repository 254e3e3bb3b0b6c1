//! Dense (fully connected) layer: y = activation(x·W + b).

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, required, Check};
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{built, Layer, Param};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{named, opt_named, ActivationName, ConstraintName, InitializerName, RegularizerName};
use crate::{Error, Result, Rng, Tensor};

/// Options of a [`Dense`] layer: Keras's `Dense` arguments, names and
/// defaults. `units` has no default (Keras requires it): `Default` holds 0,
/// which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = units_required)]
pub struct DenseConfig {
    /// Number of output units (required).
    pub units: usize,
    /// Applied to x·W + b: `"relu"`, `"leaky_relu(0.1)"`…
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
    /// Whether to add a bias.
    pub use_bias: bool,
    /// None: chosen from the activation (He for the ReLU family, LeCun for
    /// SELU, Glorot uniform otherwise; see [`Activation::default_initializer`]).
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<InitializerName>")]
    pub kernel_initializer: Option<Initializer>,
    /// Of the bias.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub bias_initializer: Initializer,
    /// Penalty on the kernel: `"l2(1e-4)"`…
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub bias_regularizer: Option<Regularizer>,
    /// Penalty on the layer's output (of the last training forward pass).
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub activity_regularizer: Option<Regularizer>,
    /// Imposed on the kernel after each step: `"max_norm(3)"`…
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub kernel_constraint: Option<Constraint>,
    /// Imposed on the bias after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub bias_constraint: Option<Constraint>,
}

/// The schema lists `units` as required.
fn units_required(schema: &mut Schema) {
    required(schema, &["units"]);
}

impl Default for DenseConfig {
    fn default() -> Self {
        DenseConfig {
            units: 0,
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: None,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            activity_regularizer: None,
            kernel_constraint: None,
            bias_constraint: None,
        }
    }
}

impl DenseConfig {
    /// `units` must be positive.
    pub fn validate(&self) -> Check {
        positive("units", self.units)
    }
}

/// A fully connected layer on the last axis: `[n, …, d] → [n, …, units]`.
pub struct Dense {
    /// The options (changing them takes effect at the next build).
    pub config: DenseConfig,
    kernel: Option<Tensor>,
    bias: Option<Tensor>,
    activity_penalty: Option<Tensor>,
}

impl Dense {
    /// `units` outputs, linear, with a bias.
    pub fn new(units: usize) -> Dense {
        Dense::from_config(DenseConfig { units, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: DenseConfig) -> Dense {
        Dense { config, kernel: None, bias: None, activity_penalty: None }
    }

    /// Builder: the activation.
    pub fn activation(mut self, a: Activation) -> Dense {
        self.config.activation = a;
        self
    }

    /// Builder: no bias.
    pub fn no_bias(mut self) -> Dense {
        self.config.use_bias = false;
        self
    }

    /// Builder: the kernel initializer.
    pub fn kernel_initializer(mut self, i: Initializer) -> Dense {
        self.config.kernel_initializer = Some(i);
        self
    }

    /// Builder: a penalty on the kernel.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Dense {
        self.config.kernel_regularizer = Some(r);
        self
    }

    /// Builder: a constraint on the kernel.
    pub fn kernel_constraint(mut self, c: Constraint) -> Dense {
        self.config.kernel_constraint = Some(c);
        self
    }

    /// The kernel `[in, units]`, once built.
    pub fn kernel(&self) -> Option<&Tensor> {
        self.kernel.as_ref()
    }

    /// The bias `[units]`, once built with a bias.
    pub fn bias(&self) -> Option<&Tensor> {
        self.bias.as_ref()
    }
}

impl Layer for Dense {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        let Some(&d) = input_shape.last() else {
            return Err(Error::arg("Dense", "needs inputs with at least one axis (besides the batch)"));
        };
        c.validate().map_err(|e| invalid("Dense", e))?;
        if d == 0 {
            return Err(Error::arg("Dense", "needs a positive number of inputs, found 0"));
        }
        let init = c.kernel_initializer.unwrap_or_else(|| c.activation.default_initializer());
        self.kernel = Some(init.init(&[d, c.units], rng)?.requires_grad());
        self.bias =
            c.use_bias.then(|| c.bias_initializer.init(&[c.units], rng)).transpose()?.map(Tensor::requires_grad);
        let mut out = input_shape.to_vec();
        *out.last_mut().expect("non-empty") = c.units;
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let w = built(&self.kernel, "Dense")?;
        let d = w.shape()[0];
        if x.rank() < 2 || x.shape()[x.rank() - 1] != d {
            return Err(Error::shape(
                "Dense",
                x.shape(),
                w.shape(),
                "the input's last axis must equal the kernel's first",
            ));
        }
        // x·W + b in one fused primitive (every leading axis folds into rows),
        // with the activation inside it when it is one the primitive fuses
        let b = self.bias.as_ref();
        let y = match self.config.activation.fused() {
            Some(act) => x.linear_act(w, b, act)?,
            None => self.config.activation.apply(&x.linear(w, b)?)?,
        };
        self.activity_penalty = if training { penalty(&self.config.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        super::weights::params(&self.kernel, &self.bias)
    }

    fn kind(&self) -> &'static str {
        "Dense"
    }

    fn regularization_loss(&self) -> Result<Option<Tensor>> {
        let c = &self.config;
        super::weights::penalties(
            &c.kernel_regularizer,
            &c.bias_regularizer,
            &self.kernel,
            &self.bias,
            &self.activity_penalty,
        )
    }

    fn apply_constraints(&mut self) -> Result<()> {
        let c = &self.config;
        super::weights::constrain(&c.kernel_constraint, &c.bias_constraint, &self.kernel, &self.bias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::check_layer;

    #[test]
    fn gradient_check() {
        for act in [Activation::Linear, Activation::Tanh, Activation::Selu] {
            let mut l = Dense::new(3).activation(act);
            check_layer(&mut l, &[4], 2, true);
        }
        // on a sequence [n, t, d]
        check_layer(&mut Dense::new(2).no_bias(), &[3, 4], 2, false);
    }

    #[test]
    fn default_initializer_follows_the_activation() {
        let mut rng = Rng::seed(0);
        let mut relu = Dense::new(500).activation(Activation::Relu);
        relu.build(&[400], &mut rng).unwrap();
        let v = relu.kernel().unwrap().to_vec();
        let var = v.iter().map(|x| x * x).sum::<f32>() / v.len() as f32;
        assert!((var / (2.0 / 400.0) - 1.0).abs() < 0.05, "He: {var}");
        assert!(relu.bias().unwrap().to_vec().iter().all(|&b| b == 0.0));
    }

    #[test]
    fn max_norm_and_activity_regularizer() {
        let mut l = Dense::from_config(DenseConfig {
            units: 2,
            kernel_initializer: Some(Initializer::Constant(3.0)),
            kernel_constraint: Some(Constraint::max_norm(1.0)),
            activity_regularizer: Some(Regularizer::L1(0.5)),
            ..Default::default()
        });
        l.build(&[4], &mut Rng::seed(0)).unwrap();
        l.apply_constraints().unwrap();
        // each column (3,3,3,3) had norm 6; now 1
        assert!(l.kernel().unwrap().to_vec().iter().all(|&w| (w - 0.5).abs() < 1e-6));
        let y = l.forward(&Tensor::ones(&[1, 4]), true).unwrap();
        assert_eq!(y.to_vec(), vec![2.0, 2.0]);
        assert_eq!(l.regularization_loss().unwrap().unwrap().item().unwrap(), 2.0);
        l.forward(&Tensor::ones(&[1, 4]), false).unwrap();
        assert!(l.regularization_loss().unwrap().is_none());
    }

    #[test]
    fn shape_errors() {
        let mut l = Dense::new(2);
        assert!(l.forward(&Tensor::ones(&[1, 3]), false).is_err());
        l.build(&[3], &mut Rng::seed(0)).unwrap();
        assert!(l.forward(&Tensor::ones(&[1, 4]), false).is_err());
        assert!(l.build(&[], &mut Rng::seed(0)).is_err());
    }
}
