//! Max and average pooling layers (windows over height and width of NHWC images).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, opt_pair, pair, positive_pair, Check, PairSchema};
use super::conv2d::sweep;
use crate::nn::module::{check_input, Layer, Param};
use crate::spec::names::{named, PaddingName};
use crate::{Error, Padding, Result, Rng, Tensor};

/// Options of [`MaxPool2D`] and [`AvgPool2D`]: Keras's `MaxPooling2D` /
/// `AveragePooling2D` arguments, names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PoolConfig {
    /// (height, width) of the window: `2` or `[2, 2]`.
    #[serde(with = "pair")]
    #[schemars(with = "PairSchema")]
    pub pool_size: (usize, usize),
    /// The step; None: the window size (Keras's default), so windows do not overlap.
    #[serde(with = "opt_pair", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<PairSchema>")]
    pub strides: Option<(usize, usize)>,
    /// `"valid"` or `"same"`.
    #[serde(with = "named")]
    #[schemars(with = "PaddingName")]
    pub padding: Padding,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig { pool_size: (2, 2), strides: None, padding: Padding::Valid }
    }
}

impl PoolConfig {
    /// The window and the step must be positive.
    pub fn validate(&self) -> Check {
        positive_pair("pool_size", self.pool_size)?;
        self.strides.map_or(Ok(()), |s| positive_pair("strides", s))
    }

    /// The step: `strides`, or the window size.
    pub fn step(&self) -> (usize, usize) {
        self.strides.unwrap_or(self.pool_size)
    }
}

/// Output shape of a pooling window sweep over `[h, w, c]` samples.
fn pooled(op: &'static str, input: &[usize], k: (usize, usize), s: (usize, usize), p: Padding) -> Result<Vec<usize>> {
    let &[h, w, c] = input else {
        return Err(Error::arg(op, format!("needs images [height, width, channels], got {input:?}")));
    };
    match (sweep(h, k.0, s.0, p), sweep(w, k.1, s.1, p)) {
        (Some(oh), Some(ow)) => Ok(vec![oh, ow, c]),
        _ => Err(Error::arg(
            op,
            format!(
                "a {}x{} window with stride {}x{} and {p:?} padding does not fit {h}x{w} images",
                k.0, k.1, s.0, s.1
            ),
        )),
    }
}

macro_rules! pool_layer {
    ($name:ident, $kind:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// The options.
            pub config: PoolConfig,
            input_shape: Vec<usize>,
        }

        impl $name {
            /// Non-overlapping `pool_size` windows, valid padding.
            pub fn new(pool_size: (usize, usize)) -> Self {
                $name::from_config(PoolConfig { pool_size, ..Default::default() })
            }
            /// With the given options.
            pub fn from_config(config: PoolConfig) -> Self {
                $name { config, input_shape: Vec::new() }
            }
            /// Builder: the strides.
            pub fn strides(mut self, s: (usize, usize)) -> Self {
                self.config.strides = Some(s);
                self
            }
            /// Builder: the padding.
            pub fn padding(mut self, p: Padding) -> Self {
                self.config.padding = p;
                self
            }
        }

        impl Layer for $name {
            fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
                let c = &self.config;
                c.validate().map_err(|e| invalid($kind, e))?;
                let out = pooled($kind, input_shape, c.pool_size, c.step(), c.padding)?;
                self.input_shape = input_shape.to_vec();
                Ok(out)
            }
            fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
                check_input($kind, x, &self.input_shape)?;
                let c = &self.config;
                x.$method(c.pool_size, c.step(), c.padding)
            }
            fn params(&self) -> Vec<Param> {
                Vec::new()
            }
            fn kind(&self) -> &'static str {
                $kind
            }
        }
    };
}

pool_layer!(MaxPool2D, "MaxPool2D", max_pool2d, "The maximum of each window, per channel.");
pool_layer!(
    AvgPool2D,
    "AvgPool2D",
    avg_pool2d,
    "The mean of each window, per channel (at a `Same` border, of the pixels inside)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_values() {
        let mut rng = Rng::seed(0);
        let x = Tensor::from_vec((0..16).map(|v| v as f32).collect(), &[1, 4, 4, 1]).unwrap();
        let mut m = MaxPool2D::new((2, 2));
        assert_eq!(m.build(&[4, 4, 1], &mut rng).unwrap(), vec![2, 2, 1]);
        assert_eq!(m.forward(&x, false).unwrap().to_vec(), vec![5.0, 7.0, 13.0, 15.0]);
        let mut a = AvgPool2D::new((2, 2));
        a.build(&[4, 4, 1], &mut rng).unwrap();
        assert_eq!(a.forward(&x, false).unwrap().to_vec(), vec![2.5, 4.5, 10.5, 12.5]);
        let mut s = MaxPool2D::new((3, 3)).strides((2, 2)).padding(Padding::Same);
        assert_eq!(s.build(&[5, 5, 3], &mut rng).unwrap(), vec![3, 3, 3]);
        assert!(MaxPool2D::new((5, 5)).build(&[4, 4, 1], &mut rng).is_err());
        assert!(m.forward(&Tensor::ones(&[1, 4, 4, 2]), false).is_err());
    }
}
