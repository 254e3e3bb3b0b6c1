//! Long short-term memory (Hochreiter & Schmidhuber 1997), as Keras's `LSTM`.
//!
//! With z = x_t·W + h_{t−1}·U + b split into four blocks of `units` in
//! Keras's order **i, f, c (g), o**:
//!
//! ```text
//! i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
//! c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
//! ```
//!
//! (σ is `recurrent_activation`, tanh `activation`.) The kernel is
//! `[features, 4·units]`, the recurrent kernel `[units, 4·units]` and the
//! bias `[4·units]`, laid out as Keras's, so Keras weights load as they are.
//! Keras's `return_state` is not offered: a layer here returns one tensor.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, required, Check};
use super::recurrent::{gate, project, recur, unroll, Recurrent, State};
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{Layer, Param, RngStream};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{named, opt_named, ActivationName, ConstraintName, InitializerName, RegularizerName};
use crate::{Result, Rng, Tensor};

/// Options of an [`LSTM`] layer: Keras's `LSTM` arguments, names and
/// defaults. `units` has no default (Keras requires it): `Default` holds
/// 0, which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = units_required)]
pub struct LSTMConfig {
    /// Size of the state and of each output (required).
    pub units: usize,
    /// Of the candidate cell g and of the cell in the output: `"tanh"`.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
    /// Of the input, forget and output gates: `"sigmoid"`.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub recurrent_activation: Activation,
    /// Whether to add a bias to the gates.
    pub use_bias: bool,
    /// Of the input kernel `[features, 4·units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub kernel_initializer: Initializer,
    /// Of the recurrent kernel `[units, 4·units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub recurrent_initializer: Initializer,
    /// Of the bias `[4·units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub bias_initializer: Initializer,
    /// Start the forget gate's bias at 1 (the rest from `bias_initializer`),
    /// so the cell remembers at first (Jozefowicz et al. 2015).
    pub unit_forget_bias: bool,
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

impl Default for LSTMConfig {
    fn default() -> Self {
        LSTMConfig {
            units: 0,
            activation: Activation::Tanh,
            recurrent_activation: Activation::Sigmoid,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            recurrent_initializer: Initializer::Orthogonal { gain: 1.0 },
            bias_initializer: Initializer::Zeros,
            unit_forget_bias: true,
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

impl LSTMConfig {
    /// `units` must be positive and both dropout rates in [0, 1).
    pub fn validate(&self) -> Check {
        super::recurrent::validate(self.units, self.dropout, self.recurrent_dropout)
    }
}

/// An LSTM over sequences `[n, steps, features]`: `[n, units]`, or
/// `[n, steps, units]` with `return_sequences`.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug)]
pub struct LSTM {
    /// The options (changing them takes effect at the next build).
    pub config: LSTMConfig,
    cell: Recurrent,
}

impl LSTM {
    /// `units` units, Keras's defaults, the last output only.
    pub fn new(units: usize) -> LSTM {
        LSTM::from_config(LSTMConfig { units, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: LSTMConfig) -> LSTM {
        LSTM { config, cell: Recurrent::new() }
    }

    /// Builder: return every step's output.
    pub fn return_sequences(mut self, yes: bool) -> LSTM {
        self.config.return_sequences = yes;
        self
    }

    /// Builder: process the steps from last to first.
    pub fn go_backwards(mut self, yes: bool) -> LSTM {
        self.config.go_backwards = yes;
        self
    }

    /// Builder: the input and recurrent dropout rates.
    pub fn dropout(mut self, dropout: f32, recurrent_dropout: f32) -> LSTM {
        self.config.dropout = dropout;
        self.config.recurrent_dropout = recurrent_dropout;
        self
    }
}

impl Layer for LSTM {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("LSTM", e))?;
        let u = c.units;
        let out = self.cell.build(
            "LSTM",
            input_shape,
            u,
            4,
            c.kernel_initializer,
            c.recurrent_initializer,
            c.return_sequences,
            rng,
        )?;
        self.cell.bias = if !c.use_bias {
            None
        } else if c.unit_forget_bias {
            // Keras: bias_initializer for i, ones for f, bias_initializer for c and o
            let parts = [
                c.bias_initializer.init(&[u], rng)?,
                Initializer::Ones.init(&[u], rng)?,
                c.bias_initializer.init(&[2 * u], rng)?,
            ];
            Some(Tensor::from_vec(parts.iter().flat_map(|p| p.to_vec()).collect(), &[4 * u])?.requires_grad())
        } else {
            Some(c.bias_initializer.init(&[4 * u], rng)?.requires_grad())
        };
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let c = &self.config;
        let (kernel, u) = self.cell.weights("LSTM", x)?;
        let (x_mask, h_mask) = self.cell.masks(x, c.units, c.dropout, c.recurrent_dropout, training)?;
        let xw = project(x, kernel, self.cell.bias.as_ref(), x_mask.as_ref())?;
        let (units, act, rec) = (c.units, c.activation, c.recurrent_activation);
        let y = unroll(&xw, units, c.go_backwards, c.return_sequences, |xw_t, s| {
            // all four gates' pre-activations from one product per step
            let z = xw_t.add(&recur(&s.h, h_mask.as_ref(), u)?)?;
            let i = rec.apply(&gate(&z, 0, units)?)?;
            let f = rec.apply(&gate(&z, 1, units)?)?;
            let g = act.apply(&gate(&z, 2, units)?)?;
            let o = rec.apply(&gate(&z, 3, units)?)?;
            let ig = i.mul(&g)?;
            let cell = match &s.c {
                Some(prev) => f.mul(prev)?.add(&ig)?,
                None => ig, // the zero state: f ⊙ 0 = 0
            };
            let h = o.mul(&act.apply(&cell)?)?;
            Ok(State { h, c: Some(cell) })
        })?;
        self.cell.activity_penalty = if training { penalty(&c.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        self.cell.params()
    }

    fn kind(&self) -> &'static str {
        "LSTM"
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
    use super::super::recurrent::reference::{assert_close, row_times, run, sigmoid};
    use super::*;
    use crate::nn::testutil::{check_built_layer, check_layer, Replay};

    fn lstm(units: usize, back: bool, seq: bool) -> LSTM {
        LSTM::from_config(LSTMConfig {
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
                check_layer(&mut lstm(3, back, seq), &[4, 2], 2, false);
            }
        }
        // without a bias, without the forget bias
        let mut l = LSTM::from_config(LSTMConfig { units: 2, use_bias: false, ..Default::default() });
        check_layer(&mut l, &[3, 3], 2, false);
    }

    #[test]
    fn gradient_check_with_both_dropouts() {
        let mut l = Replay::new(lstm(3, false, true).dropout(0.3, 0.4));
        l.build(&[4, 3], &mut Rng::seed(1)).unwrap();
        let x = Tensor::randn(&[3, 4, 3], 0.0, 1.0, &mut Rng::seed(2));
        check_built_layer(&mut l, &x, true, true);
    }

    /// The layer against a hand-unrolled LSTM in f64 with Keras's gate
    /// order (i, f, c, o), in both directions, last output and sequences.
    #[test]
    fn forward_matches_a_hand_unrolled_lstm() {
        let (n, steps, features, u) = (2, 5, 3, 4);
        let x = Tensor::randn(&[n, steps, features], 0.0, 1.0, &mut Rng::seed(5));
        for back in [false, true] {
            for seq in [false, true] {
                let mut l = lstm(u, back, seq);
                l.build(&[steps, features], &mut Rng::seed(6)).unwrap();
                let p = l.params();
                let (k, r, b) = (p[0].value.to_vec(), p[1].value.to_vec(), p[2].value.to_vec());
                let cell = |xt: &[f64], h: &[f64], c: &[f64]| {
                    let xk = row_times(xt, 0, features, &k, 4 * u);
                    let hr = row_times(h, 0, u, &r, 4 * u);
                    let z: Vec<f64> = (0..4 * u).map(|j| xk[j] + hr[j] + b[j] as f64).collect();
                    let (mut h2, mut c2) = (vec![0.0; u], vec![0.0; u]);
                    for j in 0..u {
                        let (i, f) = (sigmoid(z[j]), sigmoid(z[u + j]));
                        let (g, o) = (z[2 * u + j].tanh(), sigmoid(z[3 * u + j]));
                        c2[j] = f * c[j] + i * g;
                        h2[j] = o * c2[j].tanh();
                    }
                    (h2, c2)
                };
                let want = run(&x.to_vec(), (n, steps, features), u, back, seq, &cell);
                let y = l.forward(&x, false).unwrap();
                let want_shape = if seq { vec![n, steps, u] } else { vec![n, u] };
                assert_eq!(y.shape(), &want_shape[..]);
                assert_close(&y.to_vec(), &want, 1e-5);
            }
        }
    }

    #[test]
    fn keras_weight_shapes_and_forget_bias() {
        let mut l = LSTM::new(5);
        assert_eq!(l.build(&[7, 3], &mut Rng::seed(0)).unwrap(), vec![5]);
        let p = l.params();
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["kernel", "recurrent_kernel", "bias"]);
        assert_eq!(p[0].value.shape(), &[3, 20]);
        assert_eq!(p[1].value.shape(), &[5, 20]);
        // unit_forget_bias: the f block (second of i, f, c, o) is 1, the rest 0
        let b = p[2].value.to_vec();
        assert!(b.iter().enumerate().all(|(j, &v)| v == if (5..10).contains(&j) { 1.0 } else { 0.0 }), "{b:?}");
        assert_eq!(l.param_count(), (3 * 20 + 5 * 20 + 20, 0));
        let mut s = LSTM::new(5).return_sequences(true);
        assert_eq!(s.build(&[7, 3], &mut Rng::seed(0)).unwrap(), vec![7, 5]);
        assert_eq!(s.forward(&Tensor::ones(&[2, 7, 3]), false).unwrap().shape(), &[2, 7, 5]);
        // wrong inputs are errors, not panics
        assert!(s.forward(&Tensor::ones(&[2, 7, 4]), false).is_err());
        assert!(s.forward(&Tensor::ones(&[2, 3]), false).is_err());
        assert!(LSTM::new(5).build(&[3], &mut Rng::seed(0)).is_err());
        assert!(LSTM::new(5).forward(&Tensor::ones(&[2, 7, 3]), false).is_err());
        assert!(LSTM::new(0).build(&[7, 3], &mut Rng::seed(0)).is_err());
    }

    #[test]
    fn dropout_only_in_training_and_from_the_layers_stream() {
        let mut l = lstm(4, false, true).dropout(0.5, 0.5);
        l.build(&[6, 3], &mut Rng::seed(0)).unwrap();
        let x = Tensor::randn(&[2, 6, 3], 0.0, 1.0, &mut Rng::seed(1));
        let plain = l.forward(&x, false).unwrap().to_vec();
        assert_eq!(plain, l.forward(&x, false).unwrap().to_vec());
        let saved = l.rng_streams()[0].state();
        let a = l.forward(&x, true).unwrap().to_vec();
        assert_ne!(a, plain);
        assert_ne!(a, l.forward(&x, true).unwrap().to_vec());
        l.rng_streams()[0].set_state(&saved).unwrap();
        assert_eq!(a, l.forward(&x, true).unwrap().to_vec());
    }

    #[test]
    fn bad_options_are_clear_errors() {
        let e = serde_json::from_str::<LSTMConfig>(r#"{"units": 4, "return_state": true}"#).unwrap_err().to_string();
        assert!(e.contains("unknown field `return_state`"), "{e}");
        let c: LSTMConfig = serde_json::from_str(r#"{"units": 4, "recurrent_initializer": "orthogonal"}"#).unwrap();
        assert_eq!(c, LSTMConfig { units: 4, ..Default::default() });
        let e = LSTMConfig { units: 4, dropout: 1.0, ..Default::default() }.validate().unwrap_err();
        assert_eq!(e.0, "dropout");
        let e = LSTM::from_config(LSTMConfig { units: 4, recurrent_dropout: -0.1, ..Default::default() })
            .build(&[3, 2], &mut Rng::seed(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LSTM") && e.contains("recurrent_dropout"), "{e}");
        assert_eq!(LSTMConfig::default().validate().unwrap_err().0, "units");
    }
}
