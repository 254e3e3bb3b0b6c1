//! 1-D convolution over sequences `[n, steps, channels]`, as Keras's `Conv1D`.
//!
//! Run by the 2-D convolution primitive on a height-1 image
//! `[n, 1, steps, channels]` with the kernel `[1, k, channels, filters]`
//! (a reshape: the same storage), so it shares that primitive's im2col,
//! GEMM and fused bias and activation. `causal` padding is `k_eff − 1`
//! zeros before the first step, then a valid convolution (Keras's), so
//! output t sees inputs ≤ t only. A dilation d spreads the kernel's taps d
//! steps apart: the kernel is widened to k_eff = (k − 1)·d + 1 taps with
//! zeros between them (a differentiable concatenation, so the zeros get no
//! gradient and the weights stay the `[k, channels, filters]` Keras stores),
//! at the cost of k_eff/k times the products.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, required, Check};
use super::conv2d::sweep;
use crate::nn::activation::Activation;
use crate::nn::init::Initializer;
use crate::nn::module::{built, check_input, Layer, Param};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::spec::names::{
    named, opt_named, ActivationName, ConstraintName, InitializerName, Padding1DName, RegularizerName,
};
use crate::{Error, Padding, Result, Rng, Tensor};

/// How a 1-D window sweep treats the ends of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding1D {
    /// No padding: windows lie wholly inside the sequence.
    #[default]
    Valid,
    /// Zeros on both sides so that the output has ⌈steps / stride⌉ steps.
    Same,
    /// Zeros before the first step only: output t depends on inputs ≤ t.
    Causal,
}

/// Options of a [`Conv1D`] layer: Keras's `Conv1D` arguments, names and
/// defaults. `filters` has no default (Keras requires it): `Default` holds
/// 0, which [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = filters_required)]
pub struct Conv1DConfig {
    /// Number of output channels (required).
    pub filters: usize,
    /// Length of the window, in steps.
    pub kernel_size: usize,
    /// The step between windows.
    pub strides: usize,
    /// `"valid"` (no padding), `"same"` (output ⌈steps / stride⌉) or
    /// `"causal"` (zeros before the start only).
    #[serde(with = "named")]
    #[schemars(with = "Padding1DName")]
    pub padding: Padding1D,
    /// Spacing of the window's taps (1: adjacent steps).
    pub dilation_rate: usize,
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

impl Default for Conv1DConfig {
    fn default() -> Self {
        Conv1DConfig {
            filters: 0,
            kernel_size: 3,
            strides: 1,
            padding: Padding1D::Valid,
            dilation_rate: 1,
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

impl Conv1DConfig {
    /// `filters`, `kernel_size`, `strides` and `dilation_rate` must be positive.
    pub fn validate(&self) -> Check {
        positive("filters", self.filters)?;
        positive("kernel_size", self.kernel_size)?;
        positive("strides", self.strides)?;
        positive("dilation_rate", self.dilation_rate)
    }

    /// The window's span in steps, dilation included: (k − 1)·d + 1.
    pub fn span(&self) -> usize {
        (self.kernel_size.saturating_sub(1)).saturating_mul(self.dilation_rate).saturating_add(1)
    }
}

/// A convolution `[n, steps, c] → [n, steps', filters]` with a kernel
/// `[kernel_size, c, filters]`.
pub struct Conv1D {
    /// The options (changing them takes effect at the next build).
    pub config: Conv1DConfig,
    kernel: Option<Tensor>,
    bias: Option<Tensor>,
    input_shape: Vec<usize>,
    activity_penalty: Option<Tensor>,
}

impl Conv1D {
    /// `filters` output channels over windows of `kernel_size` steps,
    /// stride 1, valid padding.
    pub fn new(filters: usize, kernel_size: usize) -> Conv1D {
        Conv1D::from_config(Conv1DConfig { filters, kernel_size, ..Default::default() })
    }

    /// A layer with the given options.
    pub fn from_config(config: Conv1DConfig) -> Conv1D {
        Conv1D { config, kernel: None, bias: None, input_shape: Vec::new(), activity_penalty: None }
    }

    /// Builder: the activation.
    pub fn activation(mut self, a: Activation) -> Conv1D {
        self.config.activation = a;
        self
    }

    /// Builder: the stride.
    pub fn strides(mut self, s: usize) -> Conv1D {
        self.config.strides = s;
        self
    }

    /// Builder: the padding.
    pub fn padding(mut self, p: Padding1D) -> Conv1D {
        self.config.padding = p;
        self
    }

    /// Builder: the dilation.
    pub fn dilation_rate(mut self, d: usize) -> Conv1D {
        self.config.dilation_rate = d;
        self
    }

    /// The kernel `[kernel_size, c, filters]`, once built.
    pub fn kernel(&self) -> Option<&Tensor> {
        self.kernel.as_ref()
    }

    /// The kernel as the 2-D primitive takes it: `[1, span, c, filters]`,
    /// zeros between the taps when dilated.
    fn kernel_2d(&self, k: &Tensor) -> Result<Tensor> {
        let &[taps, c, f] = k.shape() else {
            return Err(Error::arg("Conv1D", format!("the kernel must be [k, c, filters], found {:?}", k.shape())));
        };
        let k = k.reshape(&[1, taps, c, f])?;
        let d = self.config.dilation_rate;
        if d == 1 || taps == 1 {
            return Ok(k);
        }
        let gap = Tensor::zeros(&[1, d - 1, c, f]);
        let mut parts = Vec::with_capacity(2 * taps - 1);
        for j in 0..taps {
            if j > 0 {
                parts.push(gap.clone());
            }
            parts.push(k.narrow(1, j, 1)?);
        }
        Tensor::concat(&parts, 1)
    }
}

impl Layer for Conv1D {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("Conv1D", e))?;
        let &[steps, ch] = input_shape else {
            return Err(Error::arg("Conv1D", format!("needs sequences [steps, channels], got {input_shape:?}")));
        };
        let span = c.span();
        let out = match c.padding {
            Padding1D::Valid => sweep(steps, span, c.strides, Padding::Valid),
            Padding1D::Same | Padding1D::Causal => sweep(steps, span, c.strides, Padding::Same),
        };
        let Some(out) = out else {
            return Err(Error::arg(
                "Conv1D",
                format!(
                    "a window of {} steps (dilation {}) with stride {} and {:?} padding does not fit {steps} steps",
                    c.kernel_size, c.dilation_rate, c.strides, c.padding
                ),
            ));
        };
        if ch == 0 {
            return Err(Error::arg("Conv1D", "needs a positive number of input channels, found 0"));
        }
        let init = c.kernel_initializer.unwrap_or_else(|| c.activation.default_initializer());
        self.kernel = Some(init.init(&[c.kernel_size, ch, c.filters], rng)?.requires_grad());
        self.bias =
            c.use_bias.then(|| c.bias_initializer.init(&[c.filters], rng)).transpose()?.map(Tensor::requires_grad);
        self.input_shape = input_shape.to_vec();
        Ok(vec![out, c.filters])
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let k = built(&self.kernel, "Conv1D")?;
        check_input("Conv1D", x, &self.input_shape)?;
        let (n, ch) = (x.shape()[0], x.shape()[2]);
        let w = self.kernel_2d(k)?;
        let c = &self.config;
        let (x, padding) = match c.padding {
            Padding1D::Valid => (x.clone(), Padding::Valid),
            Padding1D::Same => (x.clone(), Padding::Same),
            Padding1D::Causal if c.span() > 1 => {
                (Tensor::concat(&[Tensor::zeros(&[n, c.span() - 1, ch]), x.clone()], 1)?, Padding::Valid)
            }
            Padding1D::Causal => (x.clone(), Padding::Valid),
        };
        let len = x.shape()[1];
        let x = x.reshape(&[n, 1, len, ch])?;
        let (b, s) = (self.bias.as_ref(), (1, c.strides));
        let y = match c.activation.fused() {
            Some(act) => x.conv2d_act(&w, b, s, padding, act)?,
            None => c.activation.apply(&x.conv2d(&w, b, s, padding)?)?,
        };
        let (out, f) = (y.shape()[2], y.shape()[3]);
        let y = y.reshape(&[n, out, f])?;
        self.activity_penalty = if training { penalty(&c.activity_regularizer, Some(&y))? } else { None };
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        super::weights::params(&self.kernel, &self.bias)
    }

    fn kind(&self) -> &'static str {
        "Conv1D"
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

    fn conv(filters: usize, k: usize, s: usize, p: Padding1D, d: usize) -> Conv1D {
        Conv1D::from_config(Conv1DConfig {
            filters,
            kernel_size: k,
            strides: s,
            padding: p,
            dilation_rate: d,
            bias_initializer: Initializer::RandomNormal { mean: 0.0, std: 0.5 },
            ..Default::default()
        })
    }

    /// The convolution written out: out[b, t, f] = bias[f] + Σ_j Σ_c
    /// x[b, t·s + j·d − left, c] · w[j, c, f], zero outside the sequence.
    fn direct(x: &Tensor, l: &Conv1D) -> Vec<f64> {
        let c = &l.config;
        let (n, steps, ch) = (x.shape()[0], x.shape()[1], x.shape()[2]);
        let (k, s, d, f) = (c.kernel_size, c.strides, c.dilation_rate, c.filters);
        let span = c.span();
        let (out, left) = match c.padding {
            Padding1D::Valid => ((steps - span) / s + 1, 0),
            Padding1D::Same => {
                let out = steps.div_ceil(s);
                (out, ((out - 1) * s + span).saturating_sub(steps) / 2)
            }
            Padding1D::Causal => (steps.div_ceil(s), span - 1),
        };
        let (xv, w) = (x.to_vec(), l.kernel().unwrap().to_vec());
        let b = l.params()[1].value.to_vec();
        let mut y = Vec::new();
        for bi in 0..n {
            for t in 0..out {
                for fi in 0..f {
                    let mut acc = b[fi] as f64;
                    for j in 0..k {
                        let at = (t * s + j * d) as isize - left as isize;
                        if at < 0 || at >= steps as isize {
                            continue;
                        }
                        for ci in 0..ch {
                            acc += xv[(bi * steps + at as usize) * ch + ci] as f64 * w[(j * ch + ci) * f + fi] as f64;
                        }
                    }
                    y.push(acc);
                }
            }
        }
        y
    }

    #[test]
    fn values_match_the_convolution_written_out() {
        let x = Tensor::randn(&[2, 9, 3], 0.0, 1.0, &mut Rng::seed(1));
        for p in [Padding1D::Valid, Padding1D::Same, Padding1D::Causal] {
            for (k, s, d) in [(3, 1, 1), (3, 2, 1), (2, 1, 3), (4, 3, 2), (1, 1, 1)] {
                let mut l = conv(4, k, s, p, d);
                let shape = l.build(&[9, 3], &mut Rng::seed(2)).unwrap();
                let y = l.forward(&x, false).unwrap();
                assert_eq!(&y.shape()[1..], &shape[..]);
                let want = direct(&x, &l);
                assert_eq!(y.numel(), want.len(), "{p:?} k{k} s{s} d{d}");
                for (i, (&g, &w)) in y.to_vec().iter().zip(&want).enumerate() {
                    assert!((g as f64 - w).abs() < 1e-4, "{p:?} k{k} s{s} d{d}: element {i}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn causal_outputs_see_only_the_past() {
        let mut l = conv(2, 3, 1, Padding1D::Causal, 2);
        l.build(&[8, 1], &mut Rng::seed(0)).unwrap();
        let a = Tensor::randn(&[1, 8, 1], 0.0, 1.0, &mut Rng::seed(1));
        let mut v = a.to_vec();
        v[5] += 1.0;
        let b = Tensor::from_vec(v, &[1, 8, 1]).unwrap();
        let (ya, yb) = (l.forward(&a, false).unwrap().to_vec(), l.forward(&b, false).unwrap().to_vec());
        // steps 0..5 (two filters each) unchanged, step 5 changed
        assert_eq!(ya[..10], yb[..10]);
        assert_ne!(ya[10..12], yb[10..12]);
    }

    #[test]
    fn gradient_check() {
        check_layer(&mut conv(3, 3, 1, Padding1D::Valid, 1).activation(Activation::Tanh), &[6, 2], 2, true);
        check_layer(&mut conv(2, 3, 2, Padding1D::Same, 1), &[7, 2], 2, false);
        check_layer(&mut conv(2, 2, 1, Padding1D::Causal, 2).activation(Activation::Elu(1.0)), &[6, 3], 2, false);
    }

    #[test]
    fn shapes_params_and_errors() {
        let mut rng = Rng::seed(0);
        let mut l = Conv1D::new(8, 5);
        assert_eq!(l.build(&[20, 3], &mut rng).unwrap(), vec![16, 8]);
        assert_eq!(l.param_count(), (5 * 3 * 8 + 8, 0));
        assert_eq!(conv(8, 5, 2, Padding1D::Same, 1).build(&[20, 3], &mut rng).unwrap(), vec![10, 8]);
        assert_eq!(conv(8, 5, 1, Padding1D::Causal, 4).build(&[20, 3], &mut rng).unwrap(), vec![20, 8]);
        assert!(conv(8, 5, 1, Padding1D::Valid, 5).build(&[20, 3], &mut rng).is_err());
        assert!(Conv1D::new(8, 5).build(&[20, 3, 1], &mut rng).is_err());
        assert!(l.forward(&Tensor::ones(&[2, 20, 4]), false).is_err());
        let e = serde_json::from_str::<Conv1DConfig>(r#"{"filters": 4, "padding": "full"}"#).unwrap_err().to_string();
        assert!(e.contains("unknown padding") && e.contains("causal"), "{e}");
        let e = serde_json::from_str::<Conv1DConfig>(r#"{"filters": 4, "dilation": 2}"#).unwrap_err().to_string();
        assert!(e.contains("unknown field `dilation`"), "{e}");
        let c: Conv1DConfig =
            serde_json::from_str(r#"{"filters": 4, "padding": "Causal", "dilation_rate": 2}"#).unwrap();
        assert_eq!((c.padding, c.span()), (Padding1D::Causal, 5));
        assert_eq!(Conv1DConfig { filters: 1, strides: 0, ..Default::default() }.validate().unwrap_err().0, "strides");
    }
}
