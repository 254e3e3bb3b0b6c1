//! Sinusoidal positional encoding (Vaswani et al. 2017).
//!
//! Attention is blind to order; adding to each position p the vector
//! PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d))
//! tells it where each token is, with no parameters, and lets it attend by
//! relative offset (PE[p+k] is a linear function of PE[p]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, Check};
use crate::nn::module::{Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// Options of [`PositionalEncoding`] (Keras has no such core layer; the
/// table is Vaswani et al.'s, with wavelengths up to 10000·2π).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionalEncodingConfig {
    /// The longest sequence it will see (required).
    pub max_length: usize,
}

impl PositionalEncodingConfig {
    /// `max_length` must be positive.
    pub fn validate(&self) -> Check {
        positive("max_length", self.max_length)
    }
}

/// The `[length, d]` table of sinusoidal encodings.
///
/// # Panics
///
/// If `length · d` overflows `usize`. The table is allocated as asked:
/// [`PositionalEncoding`] checks its size against [`crate::limits`] first.
pub fn sinusoidal_positional_encoding(length: usize, d: usize) -> Tensor {
    let n = length
        .checked_mul(d)
        .unwrap_or_else(|| panic!("sinusoidal_positional_encoding: a [{length}, {d}] table does not fit in usize"));
    let mut v = vec![0.0f32; n];
    for p in 0..length {
        for j in 0..d {
            let i = (j / 2) as f64;
            let angle = p as f64 / 10000f64.powf(2.0 * i / d as f64);
            v[p * d + j] = if j % 2 == 0 { angle.sin() } else { angle.cos() } as f32;
        }
    }
    Tensor::from_vec(v, &[length, d]).unwrap_or_else(|_| Tensor::zeros(&[length, d]))
}

/// Adds the sinusoidal encoding to a `[n, t, d]` sequence.
#[derive(Clone, Debug)]
pub struct PositionalEncoding {
    /// The options.
    pub config: PositionalEncodingConfig,
    table: Option<Tensor>,
}

impl PositionalEncoding {
    /// For sequences up to `max_length` positions.
    pub fn new(max_length: usize) -> Self {
        PositionalEncoding::from_config(PositionalEncodingConfig { max_length })
    }

    /// With the given options.
    pub fn from_config(config: PositionalEncodingConfig) -> Self {
        PositionalEncoding { config, table: None }
    }
}

impl Layer for PositionalEncoding {
    fn build(&mut self, input_shape: &[usize], _rng: &mut Rng) -> Result<Vec<usize>> {
        let &[t, d] = input_shape else {
            return Err(Error::arg(
                "PositionalEncoding",
                format!("needs sequences [length, features], got {input_shape:?}"),
            ));
        };
        self.config.validate().map_err(|e| invalid("PositionalEncoding", e))?;
        let max = self.config.max_length;
        if t > max {
            return Err(Error::arg("PositionalEncoding", format!("sequences of {t} exceed max_length {max}")));
        }
        crate::limits::check_shape("PositionalEncoding", &[max, d])?;
        self.table = Some(sinusoidal_positional_encoding(max, d));
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let table = self
            .table
            .as_ref()
            .ok_or_else(|| Error::arg("PositionalEncoding", "the layer is not built: call build first"))?;
        let &[_, t, d] = x.shape() else {
            return Err(Error::arg(
                "PositionalEncoding",
                format!("needs a batch [n, length, features], got {:?}", x.shape()),
            ));
        };
        if t > table.shape()[0] || d != table.shape()[1] {
            return Err(Error::shape(
                "PositionalEncoding",
                x.shape(),
                table.shape(),
                "the sequence is longer or wider than the table",
            ));
        }
        x.add(&table.narrow(0, 0, t)?)
    }

    fn params(&self) -> Vec<Param> {
        Vec::new()
    }

    fn kind(&self) -> &'static str {
        "PositionalEncoding"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table whose size overflows panics at once, naming it (it used to
    /// wrap in release builds and fail only after billions of writes).
    #[test]
    fn an_impossible_table_panics_at_once() {
        let r = std::panic::catch_unwind(|| sinusoidal_positional_encoding(1 << 40, 1 << 40));
        let msg = r.expect_err("a panic").downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(msg.contains("[1099511627776, 1099511627776]"), "{msg}");
        let mut layer = PositionalEncoding::new(1 << 40);
        let e = layer.build(&[4, 1 << 40], &mut Rng::seed(1)).unwrap_err().to_string();
        assert!(e.contains("PositionalEncoding") && e.contains("overflows"), "{e}");
    }

    #[test]
    fn table_values() {
        let pe = sinusoidal_positional_encoding(3, 4).to_vec();
        // position 0: sin 0, cos 0, …
        assert_eq!(&pe[..4], &[0.0, 1.0, 0.0, 1.0]);
        // position 2, pair 1: angle 2/10000^(2/4) = 0.02
        assert!((pe[8 + 2] - 0.02f32.sin()).abs() < 1e-7 && (pe[8 + 3] - 0.02f32.cos()).abs() < 1e-7);
        assert!((pe[8] - 2f32.sin()).abs() < 1e-6);
        let mut l = PositionalEncoding::new(10);
        l.build(&[3, 4], &mut Rng::seed(0)).unwrap();
        let y = l.forward(&Tensor::zeros(&[2, 3, 4]), false).unwrap().to_vec();
        assert_eq!(&y[..12], &pe[..]);
        assert_eq!(&y[12..], &pe[..]);
        assert!(PositionalEncoding::new(2).build(&[3, 4], &mut Rng::seed(0)).is_err());
    }
}
