//! 2-D convolution layer on NHWC images.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, pair, positive, positive_pair, required, Check, PairSchema};
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{built, check_input, Layer, Param};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{
    named, opt_named, ActivationName, ConstraintName, InitializerName, PaddingName, RegularizerName,
};
use crate::{Error, Padding, Result, Rng, Tensor};

/// Options of a [`Conv2D`] layer: Keras's `Conv2D` arguments, names and
/// defaults. `filters` has no default (Keras requires it): `Default` holds
/// 0, which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = filters_required)]
pub struct Conv2DConfig {
    /// Number of output channels (required).
    pub filters: usize,
    /// (height, width) of the window: `3` or `[3, 3]`.
    #[serde(with = "pair")]
    #[schemars(with = "PairSchema")]
    pub kernel_size: (usize, usize),
    /// (vertical, horizontal) step: `1` or `[2, 1]`.
    #[serde(with = "pair")]
    #[schemars(with = "PairSchema")]
    pub strides: (usize, usize),
    /// `"valid"` (no padding) or `"same"` (output ⌈input / stride⌉).
    #[serde(with = "named")]
    #[schemars(with = "PaddingName")]
    pub padding: Padding,
    /// Applied to the convolution plus bias.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
    /// Whether to add a bias per filter.
    pub use_bias: bool,
    /// None: chosen from the activation (see [`Activation::default_initializer`]).
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<InitializerName>")]
    pub kernel_initializer: Option<Initializer>,
    /// Of the bias.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub bias_initializer: Initializer,
    /// Penalty on the kernel.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub bias_regularizer: Option<Regularizer>,
    /// Penalty on the output (of the last training forward pass).
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub activity_regularizer: Option<Regularizer>,
    /// Imposed on the kernel (each filter's weights) after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub kernel_constraint: Option<Constraint>,
    /// Imposed on the bias after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub bias_constraint: Option<Constraint>,
}

/// The schema lists `filters` as required.
fn filters_required(schema: &mut Schema) {
    required(schema, &["filters"]);
}

impl Default for Conv2DConfig {
    fn default() -> Self {
        Conv2DConfig {
            filters: 0,
            kernel_size: (3, 3),
            strides: (1, 1),
            padding: Padding::Valid,
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

impl Conv2DConfig {
    /// `filters`, both kernel sizes and both strides must be positive.
    pub fn validate(&self) -> Check {
        positive("filters", self.filters)?;
        positive_pair("kernel_size", self.kernel_size)?;
        positive_pair("strides", self.strides)
    }
}

/// A convolution `[n, h, w, c] → [n, h', w', filters]` with a kernel
/// `[kh, kw, c, filters]`.
pub struct Conv2D {
    /// The options (changing them takes effect at the next build).
    pub config: Conv2DConfig,
    kernel: Option<Tensor>,
    bias: Option<Tensor>,
    input_shape: Vec<usize>,
    activity_penalty: Option<Tensor>,
}

/// Output size of a window sweep along one axis (None if it does not fit).
pub(crate) fn sweep(size: usize, k: usize, s: usize, p: Padding) -> Option<usize> {
    if k == 0 || s == 0 || size == 0 {
        return None;
    }
    match p {
        Padding::Same => Some(size.div_ceil(s)),
        Padding::Valid => (size >= k).then(|| (size - k) / s + 1),
    }
}

impl Conv2D {
    /// `filters` output channels, a `kernel_size` window, stride 1, valid padding.
    pub fn new(filters: usize, kernel_size: (usize, usize)) -> Conv2D {
        Conv2D::from_config(Conv2DConfig { filters, kernel_size, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: Conv2DConfig) -> Conv2D {
        Conv2D { config, kernel: None, bias: None, input_shape: Vec::new(), activity_penalty: None }
    }

    /// Builder: the activation.
    pub fn activation(mut self, a: Activation) -> Conv2D {
        self.config.activation = a;
        self
    }

    /// Builder: the strides.
    pub fn strides(mut self, s: (usize, usize)) -> Conv2D {
        self.config.strides = s;
        self
    }

    /// Builder: the padding.
    pub fn padding(mut self, p: Padding) -> Conv2D {
        self.config.padding = p;
        self
    }

    /// Builder: the kernel initializer.
    pub fn kernel_initializer(mut self, i: Initializer) -> Conv2D {
        self.config.kernel_initializer = Some(i);
        self
    }

    /// Builder: a penalty on the kernel.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Conv2D {
        self.config.kernel_regularizer = Some(r);
        self
    }

    /// Builder: a constraint on the kernel.
    pub fn kernel_constraint(mut self, c: Constraint) -> Conv2D {
        self.config.kernel_constraint = Some(c);
        self
    }

    /// The kernel `[kh, kw, c, filters]`, once built.
    pub fn kernel(&self) -> Option<&Tensor> {
        self.kernel.as_ref()
    }
}

impl Layer for Conv2D {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("Conv2D", e))?;
        let &[h, w, ch] = input_shape else {
            return Err(Error::arg("Conv2D", format!("needs images [height, width, channels], got {input_shape:?}")));
        };
        let (kh, kw) = c.kernel_size;
        let (sh, sw) = c.strides;
        let (Some(oh), Some(ow)) = (sweep(h, kh, sh, c.padding), sweep(w, kw, sw, c.padding)) else {
            return Err(Error::arg(
                "Conv2D",
                format!(
                    "a {kh}x{kw} window with stride {sh}x{sw} and {:?} padding does not fit {h}x{w} images",
                    c.padding
                ),
            ));
        };
        if ch == 0 {
            return Err(Error::arg("Conv2D", "needs a positive number of input channels, found 0"));
        }
        let init = c.kernel_initializer.unwrap_or_else(|| c.activation.default_initializer());
        self.kernel = Some(init.init(&[kh, kw, ch, c.filters], rng)?.requires_grad());
        self.bias =
            c.use_bias.then(|| c.bias_initializer.init(&[c.filters], rng)).transpose()?.map(Tensor::requires_grad);
        self.input_shape = input_shape.to_vec();
        Ok(vec![oh, ow, c.filters])
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let w = built(&self.kernel, "Conv2D")?;
        check_input("Conv2D", x, &self.input_shape)?;
        // the bias (and the activation, when it is one the primitive fuses)
        // inside the convolution primitive: one node, not two or three
        let (b, s, p) = (self.bias.as_ref(), self.config.strides, self.config.padding);
        let y = match self.config.activation.fused() {
            Some(act) => x.conv2d_act(w, b, s, p, act)?,
            None => self.config.activation.apply(&x.conv2d(w, b, s, p)?)?,
        };
        self.activity_penalty = if training { penalty(&self.config.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        super::weights::params(&self.kernel, &self.bias)
    }

    fn kind(&self) -> &'static str {
        "Conv2D"
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
        check_layer(&mut Conv2D::new(3, (3, 2)).activation(Activation::Tanh), &[5, 4, 2], 2, true);
        check_layer(&mut Conv2D::new(2, (3, 3)).strides((2, 2)).padding(Padding::Same), &[5, 5, 2], 1, false);
    }

    #[test]
    fn output_shapes_and_param_count() {
        let mut rng = Rng::seed(0);
        let mut c = Conv2D::new(16, (3, 3));
        assert_eq!(c.build(&[28, 28, 1], &mut rng).unwrap(), vec![26, 26, 16]);
        assert_eq!(c.param_count(), (3 * 3 * 16 + 16, 0));
        let mut s = Conv2D::new(4, (3, 3)).strides((2, 2)).padding(Padding::Same);
        assert_eq!(s.build(&[7, 8, 3], &mut rng).unwrap(), vec![4, 4, 4]);
        let y = s.forward(&Tensor::ones(&[2, 7, 8, 3]), false).unwrap();
        assert_eq!(y.shape(), &[2, 4, 4, 4]);
        assert!(Conv2D::new(4, (9, 9)).build(&[7, 8, 3], &mut rng).is_err());
        assert!(Conv2D::new(4, (3, 3)).build(&[7, 8], &mut rng).is_err());
        assert!(s.forward(&Tensor::ones(&[2, 7, 8, 2]), false).is_err());
    }

    #[test]
    fn max_norm_per_filter() {
        let mut c = Conv2D::new(2, (2, 2))
            .kernel_initializer(Initializer::Constant(1.0))
            .kernel_constraint(Constraint::max_norm(1.0));
        c.build(&[3, 3, 4], &mut Rng::seed(0)).unwrap();
        c.apply_constraints().unwrap();
        // each filter has 2·2·4 = 16 weights of 1 (norm 4), now 1/4 each
        assert!(c.kernel().unwrap().to_vec().iter().all(|&w| (w - 0.25).abs() < 1e-6));
    }
}
