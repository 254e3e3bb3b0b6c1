//! Activation functions, as functions of a tensor and as the [`Activation`]
//! option of Dense and Conv2D (which is also a layer of its own).
//!
//! The engine has fused primitives only where speed or stability needs them
//! (relu, sigmoid, tanh, exp, softmax); the others are composed here, so
//! their gradients come from the chain rule with no new backward code.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::init::Initializer;
use super::layers::Check;
use super::module::{Layer, Param};
use crate::spec::names::{named, ActivationName};
use crate::{Result, Rng, Tensor};

/// SELU's α, from Klambauer et al. (2017): with λ it makes zero mean and
/// unit variance a fixed point of a layer with LeCun-normal weights.
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// SELU's λ (scale).
pub const SELU_SCALE: f32 = 1.050_701;
/// SELU's α in full precision, for code that computes in f64.
pub const SELU_ALPHA_F64: f64 = 1.673_263_242_354_377_2;
/// SELU's λ in full precision.
pub const SELU_SCALE_F64: f64 = 1.050_700_987_355_480_5;

/// Leaky ReLU's slope when a config writes `"leaky_relu"` without one: 0.3,
/// the default of Keras's `LeakyReLU` layer. (Keras's function
/// `keras.activations.leaky_relu`, which Keras itself uses for
/// `activation="leaky_relu"`, defaults to 0.2; PyTorch's `LeakyReLU` to 0.01.)
/// The parser ([`crate::spec::names::activations`]) reads it from here.
pub const LEAKY_RELU_NEGATIVE_SLOPE: f32 = 0.3;

/// An activation function, chosen by value in a layer's config.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    /// The identity.
    #[default]
    Linear,
    /// max(x, 0).
    Relu,
    /// x for x > 0, αx otherwise (α written out; the call-syntax default is
    /// [`LEAKY_RELU_NEGATIVE_SLOPE`]).
    LeakyRelu(f32),
    /// 1 / (1 + e^−x).
    Sigmoid,
    /// tanh x.
    Tanh,
    /// Softmax over the last axis.
    Softmax,
    /// x for x > 0, α(eˣ − 1) otherwise.
    Elu(f32),
    /// λ·ELU_α(x) with the self-normalising constants.
    Selu,
    /// x·Φ(x), by the tanh approximation (see [`gelu`]).
    Gelu,
    /// ln(1 + eˣ).
    Softplus,
    /// x·σ(x), also called swish.
    Silu,
}

impl Activation {
    /// Applies the function to `x`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        match *self {
            Activation::Linear => Ok(x.clone()),
            Activation::Relu => Ok(x.relu()),
            Activation::LeakyRelu(a) => leaky_relu(x, a),
            Activation::Sigmoid => Ok(x.sigmoid()),
            Activation::Tanh => Ok(x.tanh()),
            Activation::Softmax => softmax(x),
            Activation::Elu(a) => elu(x, a),
            Activation::Selu => selu(x),
            Activation::Gelu => gelu(x),
            Activation::Softplus => softplus(x),
            Activation::Silu => silu(x),
        }
    }

    /// This activation as one that [`Tensor::linear_act`] (and the
    /// convolution) can fuse into the product, if it is one.
    pub fn fused(&self) -> Option<crate::ops::matmul::Fused> {
        use crate::ops::matmul::Fused;
        match self {
            Activation::Relu => Some(Fused::Relu),
            Activation::Tanh => Some(Fused::Tanh),
            Activation::Sigmoid => Some(Fused::Sigmoid),
            _ => None,
        }
    }

    /// The lower-case name (`relu`, `leaky_relu`…).
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::Elu(_) => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Softplus => "softplus",
            Activation::Silu => "silu",
        }
    }

    /// The weight initializer that keeps the variance of the signal stable
    /// through this activation (the lecture's Tables 11-3/11-4, Géron ch. 11):
    ///
    /// * He (variance 2/fan_in) for the ReLU family — ReLU, leaky ReLU, ELU,
    ///   GELU, SiLU/swish and softplus: they zero (or nearly) half of the
    ///   signal, so the weights must double its variance;
    /// * LeCun (1/fan_in) for SELU, whose self-normalisation assumes it;
    /// * Glorot (1/fan_avg) for linear, tanh, sigmoid and softmax.
    ///
    /// He and LeCun in their normal form, as the lecture writes them; Glorot
    /// uniform, Keras's default.
    pub fn default_initializer(&self) -> Initializer {
        match self {
            Activation::Relu
            | Activation::LeakyRelu(_)
            | Activation::Elu(_)
            | Activation::Gelu
            | Activation::Silu
            | Activation::Softplus => Initializer::HeNormal,
            Activation::Selu => Initializer::LecunNormal,
            Activation::Linear | Activation::Sigmoid | Activation::Tanh | Activation::Softmax => {
                Initializer::GlorotUniform
            }
        }
    }
}

/// Options of an `Activation` layer (Keras's `Activation(activation)`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationConfig {
    /// The function (required, as in Keras): `"relu"`, `"leaky_relu(0.1)"`…
    #[serde(with = "named")]
    #[schemars(with = "ActivationName")]
    pub activation: Activation,
}

impl ActivationConfig {
    /// Every activation is valid.
    pub fn validate(&self) -> Check {
        Ok(())
    }
}

/// An activation used as a layer of its own (no parameters).
impl Layer for Activation {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        Ok(input_shape.to_vec())
    }
    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        self.apply(x)
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "Activation"
    }
}

/// Mask (1.0 / 0.0) of the positive elements.
fn positive(x: &Tensor) -> Result<Tensor> {
    x.gt(&Tensor::scalar(0.0))
}

/// max(x, 0).
pub fn relu(x: &Tensor) -> Tensor {
    x.relu()
}

/// x for x > 0, `alpha`·x otherwise.
pub fn leaky_relu(x: &Tensor, alpha: f32) -> Result<Tensor> {
    Tensor::where_cond(&positive(x)?, x, &x.mul_scalar(alpha))
}

/// The logistic function.
pub fn sigmoid(x: &Tensor) -> Tensor {
    x.sigmoid()
}

/// Hyperbolic tangent.
pub fn tanh(x: &Tensor) -> Tensor {
    x.tanh()
}

/// Softmax over the last axis (the class axis).
pub fn softmax(x: &Tensor) -> Result<Tensor> {
    x.softmax(x.rank().saturating_sub(1))
}

/// x for x > 0, `alpha`·(eˣ − 1) otherwise.
pub fn elu(x: &Tensor, alpha: f32) -> Result<Tensor> {
    // exp of min(x, 0): the branch not taken must not overflow, or its
    // zero gradient times an infinite derivative would give NaN.
    let neg = x.min_scalar(0.0).exp().affine(alpha, -alpha);
    Tensor::where_cond(&positive(x)?, x, &neg)
}

/// λ·ELU_α(x) with α ≈ 1.6733, λ ≈ 1.0507 (see [`SELU_ALPHA`]).
pub fn selu(x: &Tensor) -> Result<Tensor> {
    Ok(elu(x, SELU_ALPHA)?.mul_scalar(SELU_SCALE))
}

/// GELU by the tanh approximation (Hendrycks & Gimpel):
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³))), within 1e-3 of x·Φ(x). That is
/// Keras's `gelu(x, approximate=True)` and PyTorch's
/// `GELU(approximate="tanh")`; both frameworks default to the exact erf form.
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    let c = (2.0 / std::f32::consts::PI).sqrt();
    let cube = x.mul(x)?.mul(x)?;
    let inner = x.add(&cube.mul_scalar(0.044_715))?.mul_scalar(c);
    x.mul(&inner.tanh().affine(0.5, 0.5))
}

/// ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so that it neither
/// overflows for large x nor loses precision.
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    x.relu().add(&x.abs().neg().exp().add_scalar(1.0).log())
}

/// x·σ(x) (SiLU, also called swish).
pub fn silu(x: &Tensor) -> Result<Tensor> {
    x.mul(&x.sigmoid())
}

/// Another name of [`silu`].
pub fn swish(x: &Tensor) -> Result<Tensor> {
    silu(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_gradients;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_slice(v, &[v.len()]).unwrap()
    }

    fn close(a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn selu_constants_are_exact() {
        assert_eq!(SELU_ALPHA, 1.673_263_242_354_377_2_f64 as f32);
        assert_eq!(SELU_SCALE, 1.050_700_987_355_480_5_f64 as f32);
        assert!((SELU_ALPHA_F64 - 1.6732632423543772).abs() < 1e-16);
        assert!((SELU_SCALE_F64 - 1.0507009873554805).abs() < 1e-16);
        // selu(1) = λ, selu(−∞) → −λα
        let y = selu(&t(&[1.0, -50.0])).unwrap().to_vec();
        close(&y, &[SELU_SCALE, -SELU_SCALE * SELU_ALPHA], 1e-6);
    }

    #[test]
    fn values_by_hand() {
        let x = t(&[-2.0, -0.5, 0.0, 0.5, 2.0]);
        close(&leaky_relu(&x, 0.1).unwrap().to_vec(), &[-0.2, -0.05, 0.0, 0.5, 2.0], 1e-6);
        let e = |v: f32| v.exp() - 1.0;
        close(&elu(&x, 1.0).unwrap().to_vec(), &[e(-2.0), e(-0.5), 0.0, 0.5, 2.0], 1e-6);
        let sp = |v: f32| (1.0 + v.exp()).ln();
        close(&softplus(&x).unwrap().to_vec(), &x.to_vec().iter().map(|&v| sp(v)).collect::<Vec<_>>(), 1e-6);
        let si = |v: f32| v / (1.0 + (-v).exp());
        close(&silu(&x).unwrap().to_vec(), &x.to_vec().iter().map(|&v| si(v)).collect::<Vec<_>>(), 1e-6);
        // GELU against x·Φ(x) from a table: Φ(0.5) = 0.691462, Φ(2) = 0.977250
        let g = gelu(&x).unwrap().to_vec();
        close(&g[3..], &[0.5 * 0.691_462, 2.0 * 0.977_25], 1e-3);
        close(&g[..2], &[-2.0 * (1.0 - 0.977_25), -0.5 * (1.0 - 0.691_462)], 1e-3);
        // huge inputs stay finite
        let big = t(&[-1e4, 1e4]);
        for a in [Activation::Elu(1.0), Activation::Selu, Activation::Gelu, Activation::Softplus, Activation::Silu] {
            assert!(a.apply(&big).unwrap().to_vec().iter().all(|v| v.is_finite()), "{a:?}");
        }
        close(&softplus(&big).unwrap().to_vec(), &[0.0, 1e4], 1e-3);
        let s = Activation::Softmax.apply(&Tensor::from_slice(&[1.0, 1.0, 3.0, 3.0], &[2, 2]).unwrap()).unwrap();
        close(&s.to_vec(), &[0.5; 4], 1e-6);
    }

    /// GELU against the tanh form as PyTorch documents `GELU(approximate="tanh")`
    /// (and Keras `gelu(approximate=True)`), computed in f64 here.
    #[test]
    fn gelu_is_the_tanh_approximation() {
        let xs = [-3.0f32, -1.2, -0.3, 0.0, 0.4, 1.1, 2.5];
        let got = gelu(&t(&xs)).unwrap().to_vec();
        for (&x, g) in xs.iter().zip(got) {
            let x = x as f64;
            let want = 0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044_715 * x.powi(3))).tanh());
            assert!((g as f64 - want).abs() < 1e-5, "gelu({x}) = {g}, tanh form {want}");
        }
    }

    #[test]
    fn gradients() {
        // values away from the kink at 0
        let x = Tensor::from_slice(&[-1.3, -0.7, -0.2, 0.3, 0.8, 1.6], &[2, 3]).unwrap();
        let all = [
            Activation::Linear,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Softmax,
            Activation::Elu(1.0),
            Activation::Selu,
            Activation::Gelu,
            Activation::Softplus,
            Activation::Silu,
        ];
        for a in all {
            let r = check_gradients(|xs| a.apply(&xs[0]), std::slice::from_ref(&x), 1e-2).unwrap();
            assert!(r.max_error < 2e-3, "{a:?}: {r:?}");
        }
    }

    #[test]
    fn default_initializers_follow_the_tables() {
        assert_eq!(Activation::Relu.default_initializer(), Initializer::HeNormal);
        assert_eq!(Activation::Elu(1.0).default_initializer(), Initializer::HeNormal);
        assert_eq!(Activation::Selu.default_initializer(), Initializer::LecunNormal);
        assert_eq!(Activation::Tanh.default_initializer(), Initializer::GlorotUniform);
    }
}
