//! Alpha dropout (Klambauer et al. 2017): dropout for SELU networks.
//!
//! Plain dropout zeroes units, but 0 is not SELU's resting value, so the
//! mean and variance that SELU keeps at (0, 1) drift. Alpha dropout sets
//! dropped units to SELU's negative saturation α' = −λα instead, then applies
//! the affine map a·x + b that restores zero mean and unit variance:
//! a = ((1 − p)(1 + p·α'²))^−½ and b = −a·α'·p.

use std::sync::{Arc, Mutex};

use super::dropout::{check_rate, keep_mask, DropoutConfig};
use crate::nn::activation::{SELU_ALPHA, SELU_SCALE};
use crate::nn::module::{lock_rng, Layer, Param, RngStream};
use crate::{Result, Rng, Tensor};

/// Alpha dropout of rate `rate`; the identity at inference.
#[derive(Debug)]
pub struct AlphaDropout {
    /// The options (the rate may change between steps).
    pub config: DropoutConfig,
    /// Forked from the build `Rng`, shared with [`RngStream`] handles (checkpoints).
    rng: Arc<Mutex<Rng>>,
}

impl AlphaDropout {
    /// Alpha dropout with drop probability `rate`.
    pub fn new(rate: f32) -> Self {
        AlphaDropout::from_config(DropoutConfig { rate })
    }

    /// With the given options.
    pub fn from_config(config: DropoutConfig) -> Self {
        AlphaDropout { config, rng: Arc::new(Mutex::new(Rng::seed(0))) }
    }
}

/// A clone draws the same masks from its own copy of the stream.
impl Clone for AlphaDropout {
    fn clone(&self) -> Self {
        AlphaDropout { config: self.config.clone(), rng: Arc::new(Mutex::new(lock_rng(&self.rng).clone())) }
    }
}

impl Layer for AlphaDropout {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        check_rate("AlphaDropout", &self.config)?;
        *lock_rng(&self.rng) = rng.fork();
        Ok(input_shape.to_vec())
    }
    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        check_rate("AlphaDropout", &self.config)?;
        let p = self.config.rate;
        if !training || p == 0.0 {
            return Ok(x.clone());
        }
        let alpha_p = -SELU_SCALE * SELU_ALPHA;
        let a = ((1.0 - p) * (1.0 + p * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * p;
        let keep = keep_mask(x.shape(), 1.0 - p, &mut lock_rng(&self.rng))?;
        // x where kept, α' where dropped: x·m + α'(1 − m)
        let dropped = keep.affine(-alpha_p, alpha_p);
        Ok(x.mul(&keep)?.add(&dropped)?.affine(a, b))
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "AlphaDropout"
    }
    fn rng_streams(&self) -> Vec<RngStream> {
        vec![RngStream::new("rng", &self.rng)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_zero_mean_and_unit_variance() {
        let mut d = AlphaDropout::new(0.2);
        d.build(&[1000], &mut Rng::seed(4)).unwrap();
        let x = Tensor::randn(&[200, 1000], 0.0, 1.0, &mut Rng::seed(5));
        let y = d.forward(&x, true).unwrap().to_vec();
        let n = y.len() as f64;
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = y.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        // standard errors ≈ 0.0022 (mean) and 0.004 (variance) on 200k samples
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
        assert_eq!(d.forward(&x, false).unwrap().to_vec(), x.to_vec());
    }
}
