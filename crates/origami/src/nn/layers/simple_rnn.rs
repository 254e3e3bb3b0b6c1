//! The fully connected recurrent layer (Elman 1990), as Keras's `SimpleRNN`:
//!
//! ```text
//! h_t = tanh(x_t·W + h_{t−1}·U + b)
//! ```
//!
//! (tanh is `activation`.) The kernel is `[features, units]`, the recurrent
//! kernel `[units, units]` and the bias `[units]`, as Keras's. Keras's
//! `return_state` is not offered: a layer here returns one tensor (for
//! this layer the state is the last output anyway).

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, required, Check};
use super::recurrent::{project, recur, unroll, Recurrent, State};
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{Layer, Param, RngStream};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{named, opt_named, ActivationName, ConstraintName, InitializerName, RegularizerName};
use crate::{Result, Rng, Tensor};

/// Options of a [`SimpleRNN`] layer: Keras's `SimpleRNN` arguments, names and
/// defaults. `units` has no default (Keras requires it): `Default` holds
/// 0, which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = units_required)]
pub struct SimpleRNNConfig {
    /// Size of the state and of each output (required).
    pub units: usize,
    /// Of the new state: `"tanh"`.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
    /// Whether to add a bias.
    pub use_bias: bool,
    /// Of the input kernel `[features, units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub kernel_initializer: Initializer,
    /// Of the recurrent kernel `[units, units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub recurrent_initializer: Initializer,
    /// Of the bias `[units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub bias_initializer: Initializer,
    /// Penalty on the input kernel.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the recurrent kernel.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub recurrent_regularizer: Option<Regularizer>,
    /// Penalty on the bias.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub bias_regularizer: Option<Regularizer>,
    /// Penalty on the layer's output (of the last training forward pass).
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RegularizerName>")]
    pub activity_regularizer: Option<Regularizer>,
    /// Imposed on the input kernel after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub kernel_constraint: Option<Constraint>,
    /// Imposed on the recurrent kernel after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub recurrent_constraint: Option<Constraint>,
    /// Imposed on the bias after each step.
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ConstraintName>")]
    pub bias_constraint: Option<Constraint>,
    /// Fraction of the input features dropped in training, in [0, 1): one
    /// mask per sequence, the same at every step.
    pub dropout: f32,
    /// Fraction of the state dropped where it enters the recurrent product,
    /// in training, in [0, 1): one mask per sequence.
    pub recurrent_dropout: f32,
    /// Return every step's output `[steps, units]`, not only the last `[units]`.
    pub return_sequences: bool,
    /// Process the steps from last to first (and return the outputs in that order).
    pub go_backwards: bool,
}

/// The schema lists `units` as required.
fn units_required(schema: &mut Schema) {
    required(schema, &["units"]);
}

impl Default for SimpleRNNConfig {
    fn default() -> Self {
        SimpleRNNConfig {
            units: 0,
            activation: Activation::Tanh,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            recurrent_initializer: Initializer::Orthogonal { gain: 1.0 },
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            recurrent_regularizer: None,
            bias_regularizer: None,
            activity_regularizer: None,
            kernel_constraint: None,
            recurrent_constraint: None,
            bias_constraint: None,
            dropout: 0.0,
            recurrent_dropout: 0.0,
            return_sequences: false,
            go_backwards: false,
        }
    }
}

impl SimpleRNNConfig {
    /// `units` must be positive and both dropout rates in [0, 1).
    pub fn validate(&self) -> Check {
        super::recurrent::validate(self.units, self.dropout, self.recurrent_dropout)
    }
}

/// A SimpleRNN over sequences `[n, steps, features]`: `[n, units]`, or
/// `[n, steps, units]` with `return_sequences`.
#[derive(Debug)]
pub struct SimpleRNN {
    /// The options (changing them takes effect at the next build).
    pub config: SimpleRNNConfig,
    cell: Recurrent,
}

impl SimpleRNN {
    /// `units` units, Keras's defaults, the last output only.
    pub fn new(units: usize) -> SimpleRNN {
        SimpleRNN::from_config(SimpleRNNConfig { units, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: SimpleRNNConfig) -> SimpleRNN {
        SimpleRNN { config, cell: Recurrent::new() }
    }

    /// Builder: return every step's output.
    pub fn return_sequences(mut self, yes: bool) -> SimpleRNN {
        self.config.return_sequences = yes;
        self
    }

    /// Builder: process the steps from last to first.
    pub fn go_backwards(mut self, yes: bool) -> SimpleRNN {
        self.config.go_backwards = yes;
        self
    }

    /// Builder: the input and recurrent dropout rates.
    pub fn dropout(mut self, dropout: f32, recurrent_dropout: f32) -> SimpleRNN {
        self.config.dropout = dropout;
        self.config.recurrent_dropout = recurrent_dropout;
        self
    }
}

impl Layer for SimpleRNN {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("SimpleRNN", e))?;
        let u = c.units;
        let out = self.cell.build(
            "SimpleRNN",
            input_shape,
            u,
            1,
            c.kernel_initializer,
            c.recurrent_initializer,
            c.return_sequences,
            rng,
        )?;
        self.cell.bias = c.use_bias.then(|| c.bias_initializer.init(&[u], rng)).transpose()?.map(Tensor::requires_grad);
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let c = &self.config;
        let (kernel, u) = self.cell.weights("SimpleRNN", x)?;
        let (x_mask, h_mask) = self.cell.masks(x, c.units, c.dropout, c.recurrent_dropout, training)?;
        let xw = project(x, kernel, self.cell.bias.as_ref(), x_mask.as_ref())?;
        let act = c.activation;
        let y = unroll(&xw, c.units, c.go_backwards, c.return_sequences, |xw_t, s| {
            let h = act.apply(&xw_t.add(&recur(&s.h, h_mask.as_ref(), u)?)?)?;
            Ok(State { h, c: None })
        })?;
        self.cell.activity_penalty = if training { penalty(&c.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        self.cell.params()
    }

    fn kind(&self) -> &'static str {
        "SimpleRNN"
    }

    fn rng_streams(&self) -> Vec<RngStream> {
        self.cell.rng_streams()
    }

    fn regularization_loss(&self) -> Result<Option<Tensor>> {
        let c = &self.config;
        self.cell.penalties([&c.kernel_regularizer, &c.recurrent_regularizer, &c.bias_regularizer])
    }

    fn apply_constraints(&mut self) -> Result<()> {
        let c = &self.config;
        self.cell.constrain([&c.kernel_constraint, &c.recurrent_constraint, &c.bias_constraint])
    }
}

#[cfg(test)]
mod tests {
    use super::super::recurrent::reference::{assert_close, row_times, run};
    use super::*;
    use crate::nn::testutil::{check_built_layer, check_layer, Replay};

    fn rnn(units: usize, back: bool, seq: bool) -> SimpleRNN {
        SimpleRNN::from_config(SimpleRNNConfig {
            units,
            go_backwards: back,
            return_sequences: seq,
            bias_initializer: Initializer::RandomNormal { mean: 0.0, std: 0.5 },
            ..Default::default()
        })
    }

    #[test]
    fn gradient_check_through_time_both_directions() {
        for back in [false, true] {
            for seq in [false, true] {
                check_layer(&mut rnn(3, back, seq), &[4, 2], 2, false);
            }
        }
        let mut l = Replay::new(rnn(3, false, true).dropout(0.3, 0.4));
        l.build(&[4, 3], &mut Rng::seed(1)).unwrap();
        let x = Tensor::randn(&[3, 4, 3], 0.0, 1.0, &mut Rng::seed(2));
        check_built_layer(&mut l, &x, true, true);
        let relu = SimpleRNNConfig { units: 2, activation: Activation::Relu, use_bias: false, ..Default::default() };
        check_layer(&mut SimpleRNN::from_config(relu), &[3, 3], 2, false);
    }

    #[test]
    fn forward_matches_a_hand_unrolled_rnn() {
        let (n, steps, features, u) = (2, 5, 3, 4);
        let x = Tensor::randn(&[n, steps, features], 0.0, 1.0, &mut Rng::seed(5));
        for back in [false, true] {
            for seq in [false, true] {
                let mut l = rnn(u, back, seq);
                l.build(&[steps, features], &mut Rng::seed(6)).unwrap();
                let p = l.params();
                let (k, r, b) = (p[0].value.to_vec(), p[1].value.to_vec(), p[2].value.to_vec());
                let cell = |xt: &[f64], h: &[f64], c: &[f64]| {
                    let (xk, hr) = (row_times(xt, 0, features, &k, u), row_times(h, 0, u, &r, u));
                    ((0..u).map(|j| (xk[j] + hr[j] + b[j] as f64).tanh()).collect(), c.to_vec())
                };
                let want = run(&x.to_vec(), (n, steps, features), u, back, seq, &cell);
                assert_close(&l.forward(&x, false).unwrap().to_vec(), &want, 1e-5);
            }
        }
    }

    #[test]
    fn shapes_and_bad_options() {
        let mut l = SimpleRNN::new(6);
        assert_eq!(l.build(&[4, 2], &mut Rng::seed(0)).unwrap(), vec![6]);
        assert_eq!(l.param_count(), (2 * 6 + 6 * 6 + 6, 0));
        assert_eq!(l.forward(&Tensor::ones(&[3, 4, 2]), false).unwrap().shape(), &[3, 6]);
        assert!(l.forward(&Tensor::ones(&[3, 4, 2, 1]), false).is_err());
        let e = serde_json::from_str::<SimpleRNNConfig>(r#"{"units": 4, "recurrent_activation": "sigmoid"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `recurrent_activation`"), "{e}");
        let e =
            serde_json::from_str::<SimpleRNNConfig>(r#"{"units": 4, "activation": "tanhh"}"#).unwrap_err().to_string();
        assert!(e.contains("unknown activation"), "{e}");
    }
}
