//! Embedding: a trainable table of vectors, one row per token id.
//!
//! Ids arrive as f32 tensors (the engine has one element type); they must
//! hold whole numbers in `0..input_dim`, checked on every call.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, required, Check};
use crate::nn::init::Initializer;
use crate::nn::module::{built, Layer, Param};
use crate::spec::names::{named, InitializerName};
use crate::{Error, Result, Rng, Tensor};

/// Options of an [`Embedding`]: Keras's names and defaults. Both sizes have
/// no default (Keras requires them): `Default` holds 0, which
/// [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = sizes_required)]
pub struct EmbeddingConfig {
    /// Number of distinct ids, the vocabulary size (required).
    pub input_dim: usize,
    /// Length of each vector (required).
    pub output_dim: usize,
    /// Of the table; Keras's default U[−0.05, 0.05].
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub embeddings_initializer: Initializer,
}

/// The schema lists `input_dim`, `output_dim` as required.
fn sizes_required(schema: &mut Schema) {
    required(schema, &["input_dim", "output_dim"]);
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig {
            input_dim: 0,
            output_dim: 0,
            embeddings_initializer: Initializer::RandomUniform { lo: -0.05, hi: 0.05 },
        }
    }
}

impl EmbeddingConfig {
    /// Both sizes must be positive.
    pub fn validate(&self) -> Check {
        positive("input_dim", self.input_dim)?;
        positive("output_dim", self.output_dim)
    }
}

/// `[n, …] ids → [n, …, output_dim]` vectors.
pub struct Embedding {
    /// The options.
    pub config: EmbeddingConfig,
    table: Option<Tensor>,
}

impl Embedding {
    /// `input_dim` ids mapped to vectors of `output_dim`.
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        Embedding::from_config(EmbeddingConfig { input_dim, output_dim, ..Default::default() })
    }

    /// With the given options.
    pub fn from_config(config: EmbeddingConfig) -> Self {
        Embedding { config, table: None }
    }

    /// The vectors of `ids`, shaped `[ids.len(), output_dim]`.
    pub fn lookup(&self, ids: &[usize]) -> Result<Tensor> {
        built(&self.table, "Embedding")?.index_select(0, ids)
    }
}

impl Layer for Embedding {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        c.validate().map_err(|e| invalid("Embedding", e))?;
        self.table = Some(c.embeddings_initializer.init(&[c.input_dim, c.output_dim], rng)?.requires_grad());
        let mut out = input_shape.to_vec();
        out.push(c.output_dim);
        Ok(out)
    }

    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let vocab = self.config.input_dim;
        let ids = x
            .data()
            .iter()
            .map(|&v| {
                if v >= 0.0 && v.fract() == 0.0 && (v as usize) < vocab {
                    Ok(v as usize)
                } else {
                    Err(Error::arg("Embedding", format!("id {v} is not a whole number in 0..{vocab}")))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut shape = x.shape().to_vec();
        shape.push(self.config.output_dim);
        self.lookup(&ids)?.reshape(&shape)
    }

    fn params(&self) -> Vec<Param> {
        self.table.iter().map(|t| Param::trainable("embeddings", t)).collect()
    }

    fn kind(&self) -> &'static str {
        "Embedding"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::check_built_layer;

    #[test]
    fn looks_up_rows_and_checks_gradients() {
        let mut e = Embedding::new(5, 3);
        assert_eq!(e.build(&[4], &mut Rng::seed(0)).unwrap(), vec![4, 3]);
        let ids = Tensor::from_slice(&[1.0, 4.0, 1.0, 0.0, 2.0, 2.0, 3.0, 0.0], &[2, 4]).unwrap();
        let y = e.forward(&ids, false).unwrap();
        assert_eq!(y.shape(), &[2, 4, 3]);
        let table = e.params()[0].value.to_vec();
        assert_eq!(&y.to_vec()[3..6], &table[12..15]);
        check_built_layer(&mut e, &ids, true, false);
        assert!(e.forward(&Tensor::from_slice(&[5.0], &[1, 1]).unwrap(), false).is_err());
        assert!(e.forward(&Tensor::from_slice(&[0.5], &[1, 1]).unwrap(), false).is_err());
        assert!(e.forward(&Tensor::from_slice(&[-1.0], &[1, 1]).unwrap(), false).is_err());
    }
}
