//! Batch normalization (Ioffe & Szegedy 2015) over the last (channel) axis.
//!
//! Training normalizes with the batch's own mean and variance (so gradients
//! flow through them) and folds them into running averages; inference uses
//! the running averages, so a prediction does not depend on the rest of its
//! batch. The running statistics are non-trainable parameters: they are
//! saved with the model but no optimizer touches them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive_number, rate, Check};
use crate::nn::init::Initializer;
use crate::nn::module::{built, check_input, Layer, Param};
use crate::{no_grad, Error, Result, Rng, Tensor};

/// Options of [`BatchNormalization`]: Keras's names and defaults
/// (momentum 0.99, ε = 10⁻³), over the last axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BatchNormalizationConfig {
    /// Weight of the old running value, in [0, 1): running = m·running + (1 − m)·batch.
    pub momentum: f32,
    /// Added to the variance before the square root.
    pub epsilon: f32,
    /// Learn a shift β.
    pub center: bool,
    /// Learn a scale γ.
    pub scale: bool,
}

impl BatchNormalizationConfig {
    /// `momentum` in [0, 1), `epsilon` positive.
    pub fn validate(&self) -> Check {
        rate("momentum", self.momentum)?;
        positive_number("epsilon", self.epsilon)
    }
}

impl Default for BatchNormalizationConfig {
    fn default() -> Self {
        BatchNormalizationConfig { momentum: 0.99, epsilon: 1e-3, center: true, scale: true }
    }
}

/// Normalizes each channel (last axis) over the batch and every other axis.
pub struct BatchNormalization {
    /// The options.
    pub config: BatchNormalizationConfig,
    gamma: Option<Tensor>,
    beta: Option<Tensor>,
    moving_mean: Option<Tensor>,
    moving_variance: Option<Tensor>,
    input_shape: Vec<usize>,
}

impl BatchNormalization {
    /// With Keras's defaults (momentum 0.99, ε = 10⁻³).
    pub fn new() -> Self {
        BatchNormalization::from_config(BatchNormalizationConfig::default())
    }

    /// With the given options.
    pub fn from_config(config: BatchNormalizationConfig) -> Self {
        BatchNormalization {
            config,
            gamma: None,
            beta: None,
            moving_mean: None,
            moving_variance: None,
            input_shape: Vec::new(),
        }
    }

    /// Builder: the momentum.
    pub fn momentum(mut self, m: f32) -> Self {
        self.config.momentum = m;
        self
    }

    /// The running mean, once built.
    pub fn moving_mean(&self) -> Option<&Tensor> {
        self.moving_mean.as_ref()
    }

    /// The running variance, once built.
    pub fn moving_variance(&self) -> Option<&Tensor> {
        self.moving_variance.as_ref()
    }
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization::new()
    }
}

impl Layer for BatchNormalization {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        let Some(&ch) = input_shape.last() else {
            return Err(Error::arg("BatchNormalization", "needs inputs with a channel axis"));
        };
        c.validate().map_err(|e| invalid("BatchNormalization", e))?;
        self.gamma = c.scale.then(|| Initializer::Ones.init(&[ch], rng)).transpose()?.map(Tensor::requires_grad);
        self.beta = c.center.then(|| Initializer::Zeros.init(&[ch], rng)).transpose()?.map(Tensor::requires_grad);
        self.moving_mean = Some(Initializer::Zeros.init(&[ch], rng)?);
        self.moving_variance = Some(Initializer::Ones.init(&[ch], rng)?);
        self.input_shape = input_shape.to_vec();
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        let mm = built(&self.moving_mean, "BatchNormalization")?;
        let mv = built(&self.moving_variance, "BatchNormalization")?;
        check_input("BatchNormalization", x, &self.input_shape)?;
        let ch = mm.numel();
        // every axis but the channels is a sample of the statistics
        let rows = x.reshape(&[usize::MAX, ch])?;
        let (mean, var) = if training {
            if rows.shape()[0] < 2 {
                return Err(Error::arg(
                    "BatchNormalization",
                    "training needs at least 2 values per channel to estimate a variance",
                ));
            }
            let mean = rows.mean_axis(0, false)?;
            let var = rows.var_axis(0, false)?;
            let m = self.config.momentum;
            no_grad(|| -> Result<()> {
                mm.assign(&mm.mul_scalar(m).add(&mean.mul_scalar(1.0 - m))?.to_vec())?;
                mv.assign(&mv.mul_scalar(m).add(&var.mul_scalar(1.0 - m))?.to_vec())
            })?;
            (mean, var)
        } else {
            (mm.clone(), mv.clone())
        };
        let inv_std = var.add_scalar(self.config.epsilon).powf(-0.5);
        let mut y = rows.sub(&mean)?.mul(&inv_std)?;
        if let Some(g) = &self.gamma {
            y = y.mul(g)?;
        }
        if let Some(b) = &self.beta {
            y = y.add(b)?;
        }
        y.reshape(x.shape())
    }

    fn params(&self) -> Vec<Param> {
        let mut p = Vec::new();
        if let Some(g) = &self.gamma {
            p.push(Param::trainable("gamma", g));
        }
        if let Some(b) = &self.beta {
            p.push(Param::trainable("beta", b));
        }
        if let (Some(m), Some(v)) = (&self.moving_mean, &self.moving_variance) {
            p.push(Param::frozen("moving_mean", m));
            p.push(Param::frozen("moving_variance", v));
        }
        p
    }

    fn kind(&self) -> &'static str {
        "BatchNormalization"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::{check_built_layer, check_layer};

    #[test]
    fn gradient_check_in_training_and_inference() {
        check_layer(&mut BatchNormalization::new(), &[3], 5, true);
        check_layer(&mut BatchNormalization::new(), &[2, 2, 3], 2, true);
        // inference, with non-trivial running statistics
        let mut bn = BatchNormalization::new();
        bn.build(&[3], &mut Rng::seed(0)).unwrap();
        bn.moving_mean.as_ref().unwrap().assign(&[0.5, -0.2, 0.1]).unwrap();
        bn.moving_variance.as_ref().unwrap().assign(&[2.0, 0.5, 1.5]).unwrap();
        bn.gamma.as_ref().unwrap().assign(&[1.5, 0.7, -1.0]).unwrap();
        let x = Tensor::randn(&[4, 3], 0.0, 1.0, &mut Rng::seed(1));
        check_built_layer(&mut bn, &x, false, true);
    }

    #[test]
    fn batch_statistics_in_training_running_statistics_at_inference() {
        let mut bn = BatchNormalization::new().momentum(0.9);
        bn.build(&[2], &mut Rng::seed(0)).unwrap();
        // channel 0: 1, 3 (mean 2, var 1); channel 1: 10, 30 (mean 20, var 100)
        let x = Tensor::from_slice(&[1.0, 10.0, 3.0, 30.0], &[2, 2]).unwrap();
        let y = bn.forward(&x, true).unwrap().to_vec();
        let s0 = 1.0 / (1.0f32 + 1e-3).sqrt();
        let s1 = 10.0 / (100.0f32 + 1e-3).sqrt();
        let want = [-s0, -s1, s0, s1];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{y:?}");
        }
        // running = 0.9·(0, 1) + 0.1·batch
        let mm = bn.moving_mean().unwrap().to_vec();
        let mv = bn.moving_variance().unwrap().to_vec();
        assert!((mm[0] - 0.2).abs() < 1e-6 && (mm[1] - 2.0).abs() < 1e-5, "{mm:?}");
        assert!((mv[0] - 1.0).abs() < 1e-6 && (mv[1] - 10.9).abs() < 1e-4, "{mv:?}");
        // inference uses the running statistics, whatever the batch
        let z = bn.forward(&x, false).unwrap().to_vec();
        let want = [(1.0 - mm[0]) / (mv[0] + 1e-3).sqrt(), (10.0 - mm[1]) / (mv[1] + 1e-3).sqrt()];
        assert!((z[0] - want[0]).abs() < 1e-5 && (z[1] - want[1]).abs() < 1e-5, "{z:?}");
        // and does not change them
        assert_eq!(bn.moving_mean().unwrap().to_vec(), mm);
        let single = bn.forward(&x.narrow(0, 0, 1).unwrap(), false).unwrap().to_vec();
        assert_eq!(single, z[..2].to_vec());
        // running statistics are not trainable
        let p = bn.params();
        assert_eq!(p.iter().filter(|p| p.trainable).count(), 2);
        assert!(p.iter().any(|p| p.name == "moving_variance" && !p.trainable));
        assert!(bn.forward(&x.narrow(0, 0, 1).unwrap(), true).is_err());
    }
}
