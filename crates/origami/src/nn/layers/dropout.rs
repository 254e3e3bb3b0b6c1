//! Inverted dropout: in training each unit is zeroed with probability
//! `rate` and the survivors are scaled by 1/(1 − rate), so that the expected
//! activation is unchanged and inference is the identity (no rescaling to
//! remember at test time).

use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, rate, Check};
use crate::nn::module::{lock_rng, Layer, Param, RngStream};
use crate::{Result, Rng, Tensor};

/// Options of [`Dropout`] and [`AlphaDropout`](super::AlphaDropout):
/// Keras's `rate`, which Keras requires, so a config must write it (no
/// serde default; `Default`'s 0 drops nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropoutConfig {
    /// Probability of dropping a unit, in [0, 1) (required).
    pub rate: f32,
}

impl DropoutConfig {
    /// `rate` must be in [0, 1).
    pub fn validate(&self) -> Check {
        rate("rate", self.rate)
    }
}

/// Dropout of rate `rate` (the probability of dropping a unit).
#[derive(Debug)]
pub struct Dropout {
    /// The options (the rate may change between steps).
    pub config: DropoutConfig,
    /// Forked from the build `Rng`: masks are reproducible from the model's
    /// seed. Shared with [`RngStream`] handles so that checkpoints save it.
    rng: Arc<Mutex<Rng>>,
}

impl Dropout {
    /// Dropout with drop probability `rate`.
    pub fn new(rate: f32) -> Self {
        Dropout::from_config(DropoutConfig { rate })
    }

    /// With the given options.
    pub fn from_config(config: DropoutConfig) -> Self {
        Dropout { config, rng: Arc::new(Mutex::new(Rng::seed(0))) }
    }
}

/// A clone draws the same masks from its own copy of the stream.
impl Clone for Dropout {
    fn clone(&self) -> Self {
        Dropout { config: self.config.clone(), rng: Arc::new(Mutex::new(lock_rng(&self.rng).clone())) }
    }
}

/// Checks a drop rate.
pub(crate) fn check_rate(op: &'static str, config: &DropoutConfig) -> Result<()> {
    config.validate().map_err(|e| invalid(op, e))
}

/// A keep-mask of `shape`: 1 with probability `keep`, else 0.
pub(crate) fn keep_mask(shape: &[usize], keep: f32, rng: &mut Rng) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let v = (0..n).map(|_| if rng.uniform() < keep { 1.0 } else { 0.0 }).collect();
    Tensor::from_vec(v, shape)
}

impl Layer for Dropout {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        check_rate("Dropout", &self.config)?;
        *lock_rng(&self.rng) = rng.fork();
        Ok(input_shape.to_vec())
    }
    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        check_rate("Dropout", &self.config)?;
        let rate = self.config.rate;
        if !training || rate == 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 - rate;
        let mask = keep_mask(x.shape(), keep, &mut lock_rng(&self.rng))?.mul_scalar(1.0 / keep);
        x.mul(&mask)
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "Dropout"
    }
    fn rng_streams(&self) -> Vec<RngStream> {
        vec![RngStream::new("rng", &self.rng)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_expected_sum_in_training_and_is_the_identity_at_inference() {
        let mut d = Dropout::new(0.3);
        d.build(&[1000], &mut Rng::seed(3)).unwrap();
        let x = Tensor::ones(&[200, 1000]);
        let y = d.forward(&x, true).unwrap().to_vec();
        let n = y.len() as f64;
        // E[sum] = n; each unit is 0 or 1/0.7 with sd √(0.3/0.7)≈0.65, so the
        // sum's sd is 0.65·√n ≈ 293 on n = 200,000: 1% is ~7 sd.
        let sum: f64 = y.iter().map(|&v| v as f64).sum();
        assert!((sum / n - 1.0).abs() < 0.01, "mean activation {}", sum / n);
        let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64 / n;
        assert!((zeros - 0.3).abs() < 0.01, "dropped {zeros}");
        assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6));
        // inference: the very same values
        let x = Tensor::randn(&[4, 1000], 0.0, 1.0, &mut Rng::seed(1));
        assert_eq!(d.forward(&x, false).unwrap().to_vec(), x.to_vec());
        // two training passes draw different masks
        let a = d.forward(&x, true).unwrap().to_vec();
        assert_ne!(a, d.forward(&x, true).unwrap().to_vec());
        assert!(Dropout::new(1.0).build(&[3], &mut Rng::seed(0)).is_err());
    }

    #[test]
    fn a_restored_stream_draws_the_same_masks() {
        let mut d = Dropout::new(0.5);
        d.build(&[64], &mut Rng::seed(9)).unwrap();
        let x = Tensor::ones(&[4, 64]);
        d.forward(&x, true).unwrap();
        let saved = d.rng_streams()[0].state();
        let next = d.forward(&x, true).unwrap().to_vec();
        // a layer built from another seed, put at the saved state, continues exactly
        let mut e = Dropout::new(0.5);
        e.build(&[64], &mut Rng::seed(10)).unwrap();
        e.rng_streams()[0].set_state(&saved).unwrap();
        // a clone owns a copy of the stream: drawing from one leaves the other's
        let mut twin = e.clone();
        assert_eq!(e.forward(&x, true).unwrap().to_vec(), next);
        assert_eq!(twin.forward(&x, true).unwrap().to_vec(), next);
    }

    #[test]
    fn gradient_flows_through_kept_units_only() {
        let mut d = Dropout::new(0.5);
        d.build(&[10], &mut Rng::seed(0)).unwrap();
        let x = Tensor::ones(&[1, 10]).requires_grad();
        let y = d.forward(&x, true).unwrap();
        let g = y.sum_all().backward().unwrap().wrt(&x).unwrap().to_vec();
        assert_eq!(g, y.to_vec());
    }
}
