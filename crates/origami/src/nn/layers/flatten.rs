//! Flatten: every sample to a vector, the bridge from images to Dense layers.

use crate::nn::module::{check_input, Layer, Param};
use crate::{Result, Rng, Tensor};

/// `[n, a, b, …] → [n, a·b·…]` (no copy: reshape shares storage).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flatten {
    input_shape: Vec<usize>,
}

impl Flatten {
    /// The layer.
    pub fn new() -> Self {
        Flatten::default()
    }
}

impl Layer for Flatten {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        self.input_shape = input_shape.to_vec();
        Ok(vec![input_shape.iter().product()])
    }
    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        check_input("Flatten", x, &self.input_shape)?;
        x.flatten_batch()
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "Flatten"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_each_sample() {
        let mut f = Flatten::new();
        assert_eq!(f.build(&[2, 3, 4], &mut Rng::seed(0)).unwrap(), vec![24]);
        assert_eq!(f.forward(&Tensor::ones(&[5, 2, 3, 4]), false).unwrap().shape(), &[5, 24]);
        assert!(f.forward(&Tensor::ones(&[5, 24]), false).is_err());
    }
}
