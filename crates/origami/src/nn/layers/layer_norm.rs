//! Layer normalization (Ba et al. 2016): each sample normalized over its
//! last axis. Unlike batch normalization it does not depend on the batch,
//! so training and inference agree and it suits sequences (Transformers).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive_number, Check};
use crate::nn::init::Initializer;
use crate::nn::module::{built, Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// Options of [`LayerNormalization`]: Keras's names and defaults
/// (ε = 10⁻³), over the last axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LayerNormalizationConfig {
    /// Added to the variance before the square root.
    pub epsilon: f32,
    /// Learn a shift β.
    pub center: bool,
    /// Learn a scale γ.
    pub scale: bool,
}

impl Default for LayerNormalizationConfig {
    fn default() -> Self {
        LayerNormalizationConfig { epsilon: 1e-3, center: true, scale: true }
    }
}

impl LayerNormalizationConfig {
    /// `epsilon` positive.
    pub fn validate(&self) -> Check {
        positive_number("epsilon", self.epsilon)
    }
}

/// (x − mean) / √(var + ε) · γ + β over the last axis of each sample.
pub struct LayerNormalization {
    /// The options.
    pub config: LayerNormalizationConfig,
    gamma: Option<Tensor>,
    beta: Option<Tensor>,
    features: Option<usize>,
}

impl LayerNormalization {
    /// With Keras's defaults (ε = 10⁻³).
    pub fn new() -> Self {
        LayerNormalization::from_config(LayerNormalizationConfig::default())
    }

    /// With the given options.
    pub fn from_config(config: LayerNormalizationConfig) -> Self {
        LayerNormalization { config, gamma: None, beta: None, features: None }
    }
}

impl Default for LayerNormalization {
    fn default() -> Self {
        LayerNormalization::new()
    }
}

impl Layer for LayerNormalization {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let Some(&d) = input_shape.last() else {
            return Err(Error::arg("LayerNormalization", "needs inputs with a feature axis"));
        };
        self.config.validate().map_err(|e| invalid("LayerNormalization", e))?;
        self.gamma =
            self.config.scale.then(|| Initializer::Ones.init(&[d], rng)).transpose()?.map(Tensor::requires_grad);
        self.beta =
            self.config.center.then(|| Initializer::Zeros.init(&[d], rng)).transpose()?.map(Tensor::requires_grad);
        self.features = Some(d);
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let d = self
            .features
            .ok_or_else(|| Error::arg("LayerNormalization", "the layer is not built: call build first"))?;
        if x.rank() < 2 || x.shape()[x.rank() - 1] != d {
            return Err(Error::shape(
                "LayerNormalization",
                x.shape(),
                &[d],
                "the input's last axis must be the features the layer was built for",
            ));
        }
        let last = x.rank() - 1;
        let mean = x.mean_axis(last, true)?;
        let var = x.var_axis(last, true)?;
        let mut y = x.sub(&mean)?.mul(&var.add_scalar(self.config.epsilon).powf(-0.5))?;
        if self.config.scale {
            y = y.mul(built(&self.gamma, "LayerNormalization")?)?;
        }
        if self.config.center {
            y = y.add(built(&self.beta, "LayerNormalization")?)?;
        }
        Ok(y)
    }

    fn params(&self) -> Vec<Param> {
        let mut p = Vec::new();
        if let Some(g) = &self.gamma {
            p.push(Param::trainable("gamma", g));
        }
        if let Some(b) = &self.beta {
            p.push(Param::trainable("beta", b));
        }
        p
    }

    fn kind(&self) -> &'static str {
        "LayerNormalization"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::check_layer;

    #[test]
    fn gradient_check() {
        check_layer(&mut LayerNormalization::new(), &[5], 3, false);
        check_layer(&mut LayerNormalization::new(), &[2, 4], 2, true);
    }

    #[test]
    fn normalizes_each_sample() {
        let mut ln = LayerNormalization::new();
        ln.build(&[4], &mut Rng::seed(0)).unwrap();
        let x = Tensor::from_slice(&[1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 14.0], &[2, 4]).unwrap();
        let y = ln.forward(&x, false).unwrap().to_vec();
        for row in y.chunks(4) {
            let m: f32 = row.iter().sum::<f32>() / 4.0;
            let v: f32 = row.iter().map(|a| (a - m) * (a - m)).sum::<f32>() / 4.0;
            assert!(m.abs() < 1e-5 && (v - 1.0).abs() < 2e-3, "{row:?}");
        }
        assert!(ln.forward(&Tensor::ones(&[2, 3]), false).is_err());
    }
}
