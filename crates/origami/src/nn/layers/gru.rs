//! Gated recurrent unit (Cho et al. 2014), as Keras's `GRU`.
//!
//! The gates are three blocks of `units` in Keras's order **z, r, h**
//! (update, reset, candidate); with x_t·W + b_x split into x_z, x_r, x_h:
//!
//! ```text
//! reset_after = true (default):  [a_z, a_r, a_h] = h_{t−1}·U + b_h
//!   z = σ(x_z + a_z)   r = σ(x_r + a_r)   h̃ = tanh(x_h + r ⊙ a_h)
//! reset_after = false:           [a_z, a_r] = h_{t−1}·U_zr
//!   z = σ(x_z + a_z)   r = σ(x_r + a_r)   h̃ = tanh(x_h + (r ⊙ h_{t−1})·U_h)
//! h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃
//! ```
//!
//! (σ is `recurrent_activation`, tanh `activation`.) origami follows Keras
//! 3's default, `reset_after = true` (the reset gate applied after the
//! recurrent product, the "v3" variant of Cho et al.'s paper): it is what
//! Keras 3 and cuDNN compute and what PyTorch's `nn.GRU` computes, so
//! weights and results carry over, and it keeps a step to **one** product
//! h·U for all three gates — resetting before the product needs r first,
//! hence a second product per step. It has two biases, the bias is then
//! `[2, 3·units]` (row 0 for the inputs, row 1 for the state), as Keras's;
//! with `reset_after = false` it is `[3·units]`. The kernel is
//! `[features, 3·units]`, the recurrent kernel `[units, 3·units]`.
//! Keras's `return_state` is not offered: a layer here returns one tensor.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, required, Check};
use super::recurrent::{gate, project, unroll, Recurrent, State};
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{Layer, Param, RngStream};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{named, opt_named, ActivationName, ConstraintName, InitializerName, RegularizerName};
use crate::{Result, Rng, Tensor};

/// Options of an [`GRU`] layer: Keras's `GRU` arguments, names and
/// defaults. `units` has no default (Keras requires it): `Default` holds
/// 0, which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = units_required)]
pub struct GRUConfig {
    /// Size of the state and of each output (required).
    pub units: usize,
    /// Of the candidate state h̃: `"tanh"`.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
    /// Of the update and reset gates: `"sigmoid"`.
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub recurrent_activation: Activation,
    /// Whether to add a bias to the gates.
    pub use_bias: bool,
    /// Of the input kernel `[features, 3·units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub kernel_initializer: Initializer,
    /// Of the recurrent kernel `[units, 3·units]`.
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub recurrent_initializer: Initializer,
    /// Of the bias (`[2, 3·units]`, or `[3·units]` without `reset_after`).
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
    /// Apply the reset gate after the recurrent product (Keras 3's and
    /// PyTorch's form, with a bias for the inputs and one for the state)
    /// rather than before it.
    pub reset_after: bool,
}

/// The schema lists `units` as required.
fn units_required(schema: &mut Schema) {
    required(schema, &["units"]);
}

impl Default for GRUConfig {
    fn default() -> Self {
        GRUConfig {
            units: 0,
            activation: Activation::Tanh,
            recurrent_activation: Activation::Sigmoid,
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
            reset_after: true,
        }
    }
}

impl GRUConfig {
    /// `units` must be positive and both dropout rates in [0, 1).
    pub fn validate(&self) -> Check {
        super::recurrent::validate(self.units, self.dropout, self.recurrent_dropout)
    }
}

/// A GRU over sequences `[n, steps, features]`: `[n, units]`, or
/// `[n, steps, units]` with `return_sequences`.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug)]
pub struct GRU {
    /// The options (changing them takes effect at the next build).
    pub config: GRUConfig,
    cell: Recurrent,
}

impl GRU {
    /// `units` units, Keras's defaults (`reset_after`), the last output only.
    pub fn new(units: usize) -> GRU {
        GRU::from_config(GRUConfig { units, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: GRUConfig) -> GRU {
        GRU { config, cell: Recurrent::new() }
    }

    /// Builder: return every step's output.
    pub fn return_sequences(mut self, yes: bool) -> GRU {
        self.config.return_sequences = yes;
        self
    }

    /// Builder: process the steps from last to first.
    pub fn go_backwards(mut self, yes: bool) -> GRU {
        self.config.go_backwards = yes;
        self
    }

    /// Builder: the input and recurrent dropout rates.
    pub fn dropout(mut self, dropout: f32, recurrent_dropout: f32) -> GRU {
        self.config.dropout = dropout;
        self.config.recurrent_dropout = recurrent_dropout;
        self
    }
}

impl Layer for GRU {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("GRU", e))?;
        let u = c.units;
        let out = self.cell.build(
            "GRU",
            input_shape,
            u,
            3,
            c.kernel_initializer,
            c.recurrent_initializer,
            c.return_sequences,
            rng,
        )?;
        let shape = if c.reset_after { vec![2, 3 * u] } else { vec![3 * u] };
        self.cell.bias =
            c.use_bias.then(|| c.bias_initializer.init(&shape, rng)).transpose()?.map(Tensor::requires_grad);
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let c = &self.config;
        let (kernel, u) = self.cell.weights("GRU", x)?;
        let (x_mask, h_mask) = self.cell.masks(x, c.units, c.dropout, c.recurrent_dropout, training)?;
        let (units, act, rec) = (c.units, c.activation, c.recurrent_activation);
        let width = 3 * units;
        // reset after: the bias's rows are the inputs' and the state's
        let (x_bias, h_bias) = match (&self.cell.bias, c.reset_after) {
            (Some(b), true) => {
                (Some(b.narrow(0, 0, 1)?.reshape(&[width])?), Some(b.narrow(0, 1, 1)?.reshape(&[width])?))
            }
            (b, _) => (b.clone(), None),
        };
        let xw = project(x, kernel, x_bias.as_ref(), x_mask.as_ref())?;
        // reset before: the candidate's block of U multiplies r ⊙ h, apart
        let (u_zr, u_h) = if c.reset_after {
            (u.clone(), None)
        } else {
            (u.narrow(1, 0, 2 * units)?, Some(u.narrow(1, 2 * units, units)?))
        };
        let y = unroll(&xw, units, c.go_backwards, c.return_sequences, |xw_t, s| {
            let hm = match &h_mask {
                Some(m) => s.h.mul(m)?,
                None => s.h.clone(),
            };
            let mut a = hm.matmul(&u_zr)?;
            if let Some(b) = &h_bias {
                a = a.add(b)?;
            }
            // z and r together: one activation over their 2·units columns
            let zr = rec.apply(&xw_t.narrow(1, 0, 2 * units)?.add(&a.narrow(1, 0, 2 * units)?)?)?;
            let (z, r) = (gate(&zr, 0, units)?, gate(&zr, 1, units)?);
            let a_h = match &u_h {
                None => r.mul(&gate(&a, 2, units)?)?,
                Some(u_h) => r.mul(&hm)?.matmul(u_h)?,
            };
            let candidate = act.apply(&gate(xw_t, 2, units)?.add(&a_h)?)?;
            // z ⊙ h + (1 − z) ⊙ h̃ = h̃ + z ⊙ (h − h̃), with the undropped state
            let h = candidate.add(&z.mul(&s.h.sub(&candidate)?)?)?;
            Ok(State { h, c: None })
        })?;
        self.cell.activity_penalty = if training { penalty(&c.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        self.cell.params()
    }

    fn kind(&self) -> &'static str {
        "GRU"
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

    fn gru(units: usize, back: bool, seq: bool, reset_after: bool) -> GRU {
        GRU::from_config(GRUConfig {
            units,
            go_backwards: back,
            return_sequences: seq,
            reset_after,
            bias_initializer: Initializer::RandomNormal { mean: 0.0, std: 0.5 },
            ..Default::default()
        })
    }

    #[test]
    fn gradient_check_through_time_both_directions_and_resets() {
        for reset_after in [true, false] {
            for back in [false, true] {
                for seq in [false, true] {
                    check_layer(&mut gru(3, back, seq, reset_after), &[4, 2], 2, false);
                }
            }
            let mut l = Replay::new(gru(3, true, true, reset_after).dropout(0.3, 0.4));
            l.build(&[4, 3], &mut Rng::seed(1)).unwrap();
            let x = Tensor::randn(&[3, 4, 3], 0.0, 1.0, &mut Rng::seed(2));
            check_built_layer(&mut l, &x, true, true);
        }
        let mut l = GRU::from_config(GRUConfig { units: 2, use_bias: false, ..Default::default() });
        check_layer(&mut l, &[3, 3], 2, false);
    }

    /// The layer against a hand-unrolled GRU in f64 with Keras's gate order
    /// (z, r, h) and both placements of the reset gate.
    #[test]
    fn forward_matches_a_hand_unrolled_gru() {
        let (n, steps, features, u) = (2, 5, 3, 4);
        let x = Tensor::randn(&[n, steps, features], 0.0, 1.0, &mut Rng::seed(5));
        for reset_after in [true, false] {
            for back in [false, true] {
                for seq in [false, true] {
                    let mut l = gru(u, back, seq, reset_after);
                    l.build(&[steps, features], &mut Rng::seed(6)).unwrap();
                    let p = l.params();
                    let (k, r, b) = (p[0].value.to_vec(), p[1].value.to_vec(), p[2].value.to_vec());
                    let cell = |xt: &[f64], h: &[f64], _: &[f64]| {
                        let xk = row_times(xt, 0, features, &k, 3 * u);
                        let hr = row_times(h, 0, u, &r, 3 * u);
                        let (bx, bh) = if reset_after { (&b[..3 * u], &b[3 * u..]) } else { (&b[..], &[][..]) };
                        let mut out = vec![0.0; u];
                        let zs: Vec<f64> = (0..u)
                            .map(|j| {
                                let rec = |g: usize| hr[g * u + j] + bh.get(g * u + j).map_or(0.0, |&v| v as f64);
                                sigmoid(xk[j] + bx[j] as f64 + rec(0))
                            })
                            .collect();
                        let rs: Vec<f64> = (0..u)
                            .map(|j| {
                                let rec = |g: usize| hr[g * u + j] + bh.get(g * u + j).map_or(0.0, |&v| v as f64);
                                sigmoid(xk[u + j] + bx[u + j] as f64 + rec(1))
                            })
                            .collect();
                        for j in 0..u {
                            let x_h = xk[2 * u + j] + bx[2 * u + j] as f64;
                            let a_h = if reset_after {
                                rs[j] * (hr[2 * u + j] + bh[2 * u + j] as f64)
                            } else {
                                (0..u).map(|i| rs[i] * h[i] * r[i * 3 * u + 2 * u + j] as f64).sum()
                            };
                            let cand = (x_h + a_h).tanh();
                            out[j] = zs[j] * h[j] + (1.0 - zs[j]) * cand;
                        }
                        (out, vec![0.0; u])
                    };
                    let want = run(&x.to_vec(), (n, steps, features), u, back, seq, &cell);
                    assert_close(&l.forward(&x, false).unwrap().to_vec(), &want, 1e-5);
                }
            }
        }
    }

    #[test]
    fn keras_weight_shapes() {
        let mut l = GRU::new(5);
        assert_eq!(l.build(&[7, 3], &mut Rng::seed(0)).unwrap(), vec![5]);
        let shapes: Vec<Vec<usize>> = l.params().iter().map(|p| p.value.shape().to_vec()).collect();
        assert_eq!(shapes, [vec![3, 15], vec![5, 15], vec![2, 15]]);
        let mut b =
            GRU::from_config(GRUConfig { units: 5, reset_after: false, return_sequences: true, ..Default::default() });
        assert_eq!(b.build(&[7, 3], &mut Rng::seed(0)).unwrap(), vec![7, 5]);
        assert_eq!(b.params()[2].value.shape(), &[15]);
        assert_eq!(b.forward(&Tensor::ones(&[2, 7, 3]), false).unwrap().shape(), &[2, 7, 5]);
        assert!(b.forward(&Tensor::ones(&[2, 6, 3]), false).is_err());
        assert!(GRU::new(5).build(&[7, 0], &mut Rng::seed(0)).is_err());
    }

    #[test]
    fn bad_options_are_clear_errors() {
        let e = serde_json::from_str::<GRUConfig>(r#"{"units": 4, "unit_forget_bias": true}"#).unwrap_err().to_string();
        assert!(e.contains("unknown field `unit_forget_bias`"), "{e}");
        let e = serde_json::from_str::<GRUConfig>(r#"{"units": 4, "reset_after": "yes"}"#).unwrap_err().to_string();
        assert!(e.contains("invalid type"), "{e}");
        let e = GRU::from_config(GRUConfig { units: 4, dropout: 1.5, ..Default::default() })
            .build(&[3, 2], &mut Rng::seed(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("GRU") && e.contains("dropout"), "{e}");
    }
}
