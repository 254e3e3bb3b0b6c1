//! Global pooling: each channel's mean or maximum over the whole image
//! (`[n, h, w, c] → [n, c]`) or the whole sequence (`[n, steps, c] → [n, c]`),
//! the usual bridge from convolutions to a classifier head (fewer parameters
//! than Flatten + Dense, and indifferent to the image size or sequence
//! length). The maximum's gradient goes to the first maximum of each channel.

use crate::nn::module::{Layer, Param};
use crate::{Error, Result, Rng, Tensor};

macro_rules! global_pool {
    ($name:ident, $rank:literal, $what:literal, $doc:literal, |$x:ident| $reduce:expr) => {
        #[doc = $doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name;

        impl $name {
            /// The layer.
            pub fn new() -> Self {
                $name
            }
        }

        impl Layer for $name {
            fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
                match input_shape {
                    s if s.len() == $rank && s[..$rank - 1].iter().all(|&d| d > 0) => Ok(vec![s[$rank - 1]]),
                    _ => Err(Error::arg(stringify!($name), format!("needs {}, got {input_shape:?}", $what))),
                }
            }
            fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
                if x.rank() != $rank + 1 {
                    return Err(Error::arg(
                        stringify!($name),
                        format!("needs a batch of {}, got shape {:?}", $what, x.shape()),
                    ));
                }
                // every axis between the batch and the channels as one
                let (n, c) = (x.shape()[0], x.shape()[$rank]);
                let $x = x.reshape(&[n, x.numel() / (n * c).max(1), c])?;
                $reduce
            }
            fn params(&self) -> Vec<Param> {
                Vec::new()
            }
            fn kind(&self) -> &'static str {
                stringify!($name)
            }
        }
    };
}

global_pool!(
    GlobalAveragePooling2D,
    3,
    "images [height, width, channels]",
    "`[n, h, w, c] → [n, c]`, the mean over height and width.",
    |x| x.mean_axis(1, false)
);
global_pool!(
    GlobalMaxPooling2D,
    3,
    "images [height, width, channels]",
    "`[n, h, w, c] → [n, c]`, the maximum over height and width.",
    |x| x.max_axis(1, false)
);
global_pool!(
    GlobalAveragePooling1D,
    2,
    "sequences [steps, channels]",
    "`[n, steps, c] → [n, c]`, the mean over the steps.",
    |x| x.mean_axis(1, false)
);
global_pool!(
    GlobalMaxPooling1D,
    2,
    "sequences [steps, channels]",
    "`[n, steps, c] → [n, c]`, the maximum over the steps.",
    |x| x.max_axis(1, false)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::{check_layer, check_layer_untied};

    #[test]
    fn channel_means_and_maxima() {
        let mut rng = Rng::seed(0);
        let mut g = GlobalAveragePooling2D::new();
        assert_eq!(g.build(&[2, 2, 2], &mut rng).unwrap(), vec![2]);
        let x = Tensor::from_vec((0..8).map(|v| v as f32).collect(), &[1, 2, 2, 2]).unwrap();
        assert_eq!(g.forward(&x, false).unwrap().to_vec(), vec![3.0, 4.0]);
        assert!(g.forward(&Tensor::ones(&[2, 3]), false).is_err());
        let mut m = GlobalMaxPooling2D::new();
        assert_eq!(m.build(&[2, 2, 2], &mut rng).unwrap(), vec![2]);
        assert_eq!(m.forward(&x, false).unwrap().to_vec(), vec![6.0, 7.0]);
        // sequences [1, 4, 2]: channel 0 is 0, 2, 4, 6 and channel 1 is 1, 3, 5, 7
        let s = x.reshape(&[1, 4, 2]).unwrap();
        let mut a = GlobalAveragePooling1D::new();
        assert_eq!(a.build(&[4, 2], &mut rng).unwrap(), vec![2]);
        assert_eq!(a.forward(&s, false).unwrap().to_vec(), vec![3.0, 4.0]);
        let mut m1 = GlobalMaxPooling1D::new();
        assert_eq!(m1.forward(&s, false).unwrap().to_vec(), vec![6.0, 7.0]);
        assert!(m1.build(&[2, 2, 2], &mut rng).is_err());
        assert!(a.build(&[0, 2], &mut rng).is_err());
        assert!(m1.forward(&x, false).is_err());
    }

    #[test]
    fn gradient_check() {
        check_layer(&mut GlobalAveragePooling1D::new(), &[4, 3], 2, false);
        check_layer_untied(&mut GlobalMaxPooling1D::new(), &[4, 3], 2);
        check_layer_untied(&mut GlobalMaxPooling2D::new(), &[2, 3, 2], 2);
    }
}
