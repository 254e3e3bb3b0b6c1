//! Global average pooling: each channel's mean over the whole image, the
//! usual bridge from convolutions to a classifier head (fewer parameters
//! than Flatten + Dense, and indifferent to the image size).

use crate::nn::module::{Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// `[n, h, w, c] → [n, c]`, the mean over height and width.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GlobalAveragePooling2D;

impl GlobalAveragePooling2D {
    /// The layer.
    pub fn new() -> Self {
        GlobalAveragePooling2D
    }
}

impl Layer for GlobalAveragePooling2D {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        match input_shape {
            &[h, w, c] if h > 0 && w > 0 => Ok(vec![c]),
            _ => Err(Error::arg(
                "GlobalAveragePooling2D",
                format!("needs images [height, width, channels], got {input_shape:?}"),
            )),
        }
    }
    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let &[n, h, w, c] = x.shape() else {
            return Err(Error::arg(
                "GlobalAveragePooling2D",
                format!("needs an NHWC batch, got shape {:?}", x.shape()),
            ));
        };
        x.reshape(&[n, h * w, c])?.mean_axis(1, false)
    }
    fn params(&self) -> Vec<Param> {
        Vec::new()
    }
    fn kind(&self) -> &'static str {
        "GlobalAveragePooling2D"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_means() {
        let mut g = GlobalAveragePooling2D::new();
        assert_eq!(g.build(&[2, 2, 2], &mut Rng::seed(0)).unwrap(), vec![2]);
        let x = Tensor::from_vec((0..8).map(|v| v as f32).collect(), &[1, 2, 2, 2]).unwrap();
        assert_eq!(g.forward(&x, false).unwrap().to_vec(), vec![3.0, 4.0]);
        assert!(g.forward(&Tensor::ones(&[2, 3]), false).is_err());
    }
}
