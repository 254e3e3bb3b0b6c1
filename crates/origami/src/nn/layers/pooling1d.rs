//! Max and average pooling over the steps of sequences `[n, steps, channels]`,
//! as Keras's `MaxPooling1D` / `AveragePooling1D`: the 2-D pooling
//! primitives on a height-1 image `[n, 1, steps, channels]` (a reshape).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, Check};
use super::conv2d::sweep;
use crate::nn::module::{check_input, Layer, Param};
use crate::spec::names::{named, PaddingName};
use crate::{Error, Padding, Result, Rng, Tensor};

/// Options of [`MaxPool1D`] and [`AvgPool1D`]: Keras's `MaxPooling1D` /
/// `AveragePooling1D` arguments, names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Pool1DConfig {
    /// Length of the window, in steps.
    pub pool_size: usize,
    /// The step; None: the window size (Keras's default), so windows do not overlap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strides: Option<usize>,
    /// `"valid"` or `"same"`.
    #[serde(with = "named")]
    #[schemars(with = "PaddingName")]
    pub padding: Padding,
}

impl Default for Pool1DConfig {
    fn default() -> Self {
        Pool1DConfig { pool_size: 2, strides: None, padding: Padding::Valid }
    }
}

impl Pool1DConfig {
    /// The window and the step must be positive.
    pub fn validate(&self) -> Check {
        positive("pool_size", self.pool_size)?;
        self.strides.map_or(Ok(()), |s| positive("strides", s))
    }

    /// The step: `strides`, or the window size.
    pub fn step(&self) -> usize {
        self.strides.unwrap_or(self.pool_size)
    }
}

macro_rules! pool_1d_layer {
    ($name:ident, $kind:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// The options.
            pub config: Pool1DConfig,
            input_shape: Vec<usize>,
        }

        impl $name {
            /// Non-overlapping windows of `pool_size` steps, valid padding.
            pub fn new(pool_size: usize) -> Self {
                $name::from_config(Pool1DConfig { pool_size, ..Default::default() })
            }
            /// With the given options.
            pub fn from_config(config: Pool1DConfig) -> Self {
                $name { config, input_shape: Vec::new() }
            }
        }

        impl Layer for $name {
            fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
                let c = &self.config;
                c.validate().map_err(|e| invalid($kind, e))?;
                let &[steps, ch] = input_shape else {
                    return Err(Error::arg($kind, format!("needs sequences [steps, channels], got {input_shape:?}")));
                };
                let Some(out) = sweep(steps, c.pool_size, c.step(), c.padding) else {
                    return Err(Error::arg(
                        $kind,
                        format!(
                            "a window of {} with stride {} and {:?} padding does not fit {steps} steps",
                            c.pool_size,
                            c.step(),
                            c.padding
                        ),
                    ));
                };
                self.input_shape = input_shape.to_vec();
                Ok(vec![out, ch])
            }
            fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
                check_input($kind, x, &self.input_shape)?;
                let c = &self.config;
                let (n, steps, ch) = (x.shape()[0], x.shape()[1], x.shape()[2]);
                let y = x.reshape(&[n, 1, steps, ch])?.$method((1, c.pool_size), (1, c.step()), c.padding)?;
                let out = y.shape()[2];
                y.reshape(&[n, out, ch])
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

pool_1d_layer!(MaxPool1D, "MaxPool1D", max_pool2d, "The maximum of each window of steps, per channel.");
pool_1d_layer!(
    AvgPool1D,
    "AvgPool1D",
    avg_pool2d,
    "The mean of each window of steps, per channel (at a `Same` border, of the steps inside)."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::{check_layer, check_layer_untied};

    #[test]
    fn shapes_and_values() {
        let mut rng = Rng::seed(0);
        // two channels: 0..7 and 10·(0..7)
        let v: Vec<f32> = (0..7).flat_map(|t| [t as f32, 10.0 * t as f32]).collect();
        let x = Tensor::from_vec(v, &[1, 7, 2]).unwrap();
        let mut m = MaxPool1D::new(2);
        assert_eq!(m.build(&[7, 2], &mut rng).unwrap(), vec![3, 2]);
        assert_eq!(m.forward(&x, false).unwrap().to_vec(), vec![1.0, 10.0, 3.0, 30.0, 5.0, 50.0]);
        let mut a = AvgPool1D::from_config(Pool1DConfig { pool_size: 3, strides: Some(2), padding: Padding::Same });
        assert_eq!(a.build(&[7, 2], &mut rng).unwrap(), vec![4, 2]);
        // same padding: windows [-1..2), [1..4), [3..6), [5..8) averaged over the steps inside
        assert_eq!(a.forward(&x, false).unwrap().to_vec(), vec![0.5, 5.0, 2.0, 20.0, 4.0, 40.0, 5.5, 55.0]);
        assert!(MaxPool1D::new(8).build(&[7, 2], &mut rng).is_err());
        assert!(MaxPool1D::new(2).build(&[7, 2, 1], &mut rng).is_err());
        assert!(m.forward(&Tensor::ones(&[1, 7, 3]), false).is_err());
        let e = serde_json::from_str::<Pool1DConfig>(r#"{"pool_size": [2, 2]}"#).unwrap_err().to_string();
        assert!(e.contains("invalid type"), "{e}");
        assert_eq!(Pool1DConfig { strides: Some(0), ..Default::default() }.validate().unwrap_err().0, "strides");
    }

    #[test]
    fn gradient_check() {
        check_layer_untied(&mut MaxPool1D::new(2), &[6, 3], 2);
        check_layer(
            &mut AvgPool1D::from_config(Pool1DConfig { pool_size: 3, strides: Some(1), padding: Padding::Same }),
            &[5, 2],
            2,
            false,
        );
    }
}
