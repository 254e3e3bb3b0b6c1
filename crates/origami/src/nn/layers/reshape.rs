//! Reshape: each sample to a new shape with the same number of elements.

use crate::nn::module::{check_input, Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// `[n, …] → [n, target…]`. One axis of `target` may be `usize::MAX`, to be
/// inferred (Keras's −1).
#[derive(Clone, Debug, PartialEq)]
pub struct Reshape {
    /// The shape of one output sample.
    pub target: Vec<usize>,
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
}

impl Reshape {
    /// Reshape samples to `target`.
    pub fn new(target: &[usize]) -> Self {
        Reshape { target: target.to_vec(), input_shape: Vec::new(), output_shape: Vec::new() }
    }
}

impl Layer for Reshape {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        let n: usize = input_shape.iter().product();
        let holes = self.target.iter().filter(|&&d| d == usize::MAX).count();
        let known: usize = self.target.iter().filter(|&&d| d != usize::MAX).product();
        let mut out = self.target.clone();
        let fits = match holes {
            0 => known == n,
            1 if known > 0 && n % known == 0 => {
                out.iter_mut().filter(|d| **d == usize::MAX).for_each(|d| *d = n / known);
                true
            }
            _ => false,
        };
        if !fits {
            return Err(Error::shape(
                "Reshape",
                input_shape,
                &self.target,
                "the samples' element counts differ (at most one axis may be inferred)",
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
