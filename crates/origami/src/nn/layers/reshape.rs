//! Reshape: each sample to a new shape with the same number of elements.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, Check};
use crate::nn::module::{check_input, Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// Options of [`Reshape`]: Keras's `target_shape` (required), −1 for the
/// one axis to infer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReshapeConfig {
    /// The shape of one output sample, batch axis excluded; one entry may
    /// be −1, inferred from the element count (required).
    pub target_shape: Vec<i64>,
}

impl ReshapeConfig {
    /// Positive sizes, at most one −1.
    pub fn validate(&self) -> Check {
        let t = &self.target_shape;
        let holes = t.iter().filter(|&&d| d == -1).count();
        if t.is_empty() || holes > 1 || t.iter().any(|&d| d == 0 || d < -1) {
            return Err(("target_shape", format!("expected positive sizes with at most one -1, found {t:?}")));
        }
        Ok(())
    }
}

/// `[n, …] → [n, target…]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reshape {
    /// The options.
    pub config: ReshapeConfig,
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
}

impl Reshape {
    /// Reshape samples to `target`; one axis may be `usize::MAX`, to be
    /// inferred (Keras's −1).
    pub fn new(target: &[usize]) -> Self {
        let target_shape = target.iter().map(|&d| if d == usize::MAX { -1 } else { d as i64 }).collect();
        Reshape::from_config(ReshapeConfig { target_shape })
    }

    /// With the given options.
    pub fn from_config(config: ReshapeConfig) -> Self {
        Reshape { config, input_shape: Vec::new(), output_shape: Vec::new() }
    }
}

impl Layer for Reshape {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        self.config.validate().map_err(|e| invalid("Reshape", e))?;
        let target = &self.config.target_shape;
        let n: usize = input_shape.iter().product();
        let known: usize = target.iter().filter(|&&d| d != -1).map(|&d| d as usize).product();
        let fits = if target.contains(&-1) { known > 0 && n % known == 0 } else { known == n };
        let out: Vec<usize> = target.iter().map(|&d| if d == -1 { n / known.max(1) } else { d as usize }).collect();
        if !fits {
            let want: Vec<usize> = target.iter().map(|&d| if d == -1 { 0 } else { d as usize }).collect();
            return Err(Error::shape(
                "Reshape",
                input_shape,
                &want,
                "the samples' element counts differ (at most one axis may be inferred, shown as 0)",
            ));
        }
        self.input_shape = input_shape.to_vec();
        self.output_shape = out.clone();
        Ok(out)
    }
    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        check_input("Reshape", x, &self.input_shape)?;
        let mut s = vec![x.shape()[0]];
        s.extend_from_slice(&self.output_shape);
        x.reshape(&s)
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "Reshape"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshapes_and_infers() {
        let mut rng = Rng::seed(0);
        let mut r = Reshape::new(&[28, 28, 1]);
        assert_eq!(r.build(&[784], &mut rng).unwrap(), vec![28, 28, 1]);
        assert_eq!(r.forward(&Tensor::ones(&[3, 784]), false).unwrap().shape(), &[3, 28, 28, 1]);
        let mut i = Reshape::new(&[usize::MAX, 4]);
        assert_eq!(i.build(&[2, 6], &mut rng).unwrap(), vec![3, 4]);
        assert!(Reshape::new(&[5]).build(&[2, 3], &mut rng).is_err());
        assert!(Reshape::new(&[usize::MAX, 5]).build(&[2, 3], &mut rng).is_err());
    }
}
