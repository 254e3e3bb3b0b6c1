//! [`LayerSpec`]: one layer's kind and options, as data.
//!
//! Each variant's options mirror the layer's `*Config` with Keras's names
//! and defaults, so a Keras user can write `units`, `activation`,
//! `kernel_size`, `padding`, `kernel_regularizer` and be understood. Unknown
//! options are errors (`deny_unknown_fields`), never silently ignored.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::names::{named, opt_named};
use crate::nn::{Activation, Constraint, Initializer, Regularizer};
use crate::Padding;

/// One layer of a [`ModelSpec`](super::ModelSpec), tagged by `type` with
/// Keras's class name (`{"type": "Dense", "units": 64}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LayerSpec {
    /// Fully connected layer.
    Dense(DenseSpec),
    /// 2-D convolution on NHWC images.
    Conv2D(Conv2DSpec),
    /// Max pooling.
    #[serde(alias = "MaxPooling2D")]
    MaxPool2D(PoolSpec),
    /// Average pooling.
    #[serde(alias = "AveragePooling2D")]
    AvgPool2D(PoolSpec),
    /// Mean over height and width.
    GlobalAveragePooling2D(EmptySpec),
    /// Each sample to one axis.
    Flatten(EmptySpec),
    /// Each sample to a new shape.
    Reshape(ReshapeSpec),
    /// Inverted dropout.
    Dropout(DropoutSpec),
    /// SELU-preserving dropout.
    AlphaDropout(DropoutSpec),
    /// Batch normalization over the last axis.
    BatchNormalization(NormSpec),
    /// Layer normalization over the last axis.
    LayerNormalization(NormSpec),
    /// An activation function as a layer.
    Activation(ActivationSpec),
    /// A trainable table of vectors.
    Embedding(EmbeddingSpec),
    /// Multi-head self-attention.
    MultiHeadAttention(MultiHeadAttentionSpec),
    /// Sinusoidal positional encoding.
    PositionalEncoding(PositionalSpec),
}

/// Options of a Dense layer (see [`DenseConfig`](crate::nn::DenseConfig)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DenseSpec {
    pub units: usize,
    #[serde(with = "named")]
    pub activation: Activation,
    pub use_bias: bool,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_initializer: Option<Initializer>,
    #[serde(with = "named")]
    pub bias_initializer: Initializer,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub bias_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub activity_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_constraint: Option<Constraint>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub bias_constraint: Option<Constraint>,
}

impl Default for DenseSpec {
    fn default() -> Self {
        DenseSpec {
            units: 0,
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: None,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            activity_regularizer: None,
            kernel_constraint: None,
            bias_constraint: None,
        }
    }
}

/// Options of a Conv2D layer (see [`Conv2DConfig`](crate::nn::Conv2DConfig)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Conv2DSpec {
    pub filters: usize,
    /// `3` or `[3, 3]`.
    #[serde(with = "pair")]
    pub kernel_size: (usize, usize),
    #[serde(with = "pair")]
    pub strides: (usize, usize),
    #[serde(with = "named")]
    pub padding: Padding,
    #[serde(with = "named")]
    pub activation: Activation,
    pub use_bias: bool,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_initializer: Option<Initializer>,
    #[serde(with = "named")]
    pub bias_initializer: Initializer,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub bias_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub activity_regularizer: Option<Regularizer>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub kernel_constraint: Option<Constraint>,
    #[serde(with = "opt_named", skip_serializing_if = "Option::is_none")]
    pub bias_constraint: Option<Constraint>,
}

impl Default for Conv2DSpec {
    fn default() -> Self {
        Conv2DSpec {
            filters: 0,
            kernel_size: (3, 3),
            strides: (1, 1),
            padding: Padding::Valid,
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: None,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            activity_regularizer: None,
            kernel_constraint: None,
            bias_constraint: None,
        }
    }
}

/// Options of MaxPool2D and AvgPool2D.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PoolSpec {
    /// `2` or `[2, 2]`.
    #[serde(with = "pair")]
    pub pool_size: (usize, usize),
    /// `None`: the pool size (Keras's default).
    #[serde(with = "opt_pair", skip_serializing_if = "Option::is_none")]
    pub strides: Option<(usize, usize)>,
    #[serde(with = "named")]
    pub padding: Padding,
}

impl Default for PoolSpec {
    fn default() -> Self {
        PoolSpec { pool_size: (2, 2), strides: None, padding: Padding::Valid }
    }
}

/// A layer without options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptySpec {}

/// Options of Reshape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReshapeSpec {
    /// The shape of one output sample; one entry may be −1 (inferred).
    pub target_shape: Vec<i64>,
}

/// Options of Dropout and AlphaDropout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropoutSpec {
    /// Probability of dropping a unit, in [0, 1).
    pub rate: f32,
}

/// Options of BatchNormalization (momentum is ignored by LayerNormalization).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormSpec {
    /// Weight of the old running value (BatchNormalization only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f32>,
    pub epsilon: f32,
    pub center: bool,
    pub scale: bool,
}

impl Default for NormSpec {
    fn default() -> Self {
        NormSpec { momentum: None, epsilon: 1e-3, center: true, scale: true }
    }
}

/// Options of an Activation layer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationSpec {
    #[serde(with = "named")]
    pub activation: Activation,
}

/// Options of Embedding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddingSpec {
    pub input_dim: usize,
    pub output_dim: usize,
    #[serde(with = "named")]
    pub embeddings_initializer: Initializer,
}

impl Default for EmbeddingSpec {
    fn default() -> Self {
        EmbeddingSpec {
            input_dim: 0,
            output_dim: 0,
            embeddings_initializer: Initializer::RandomUniform { lo: -0.05, hi: 0.05 },
        }
    }
}

/// Options of MultiHeadAttention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultiHeadAttentionSpec {
    pub num_heads: usize,
    pub key_dim: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_dim: Option<usize>,
    pub use_bias: bool,
    pub causal: bool,
    #[serde(with = "named")]
    pub kernel_initializer: Initializer,
}

impl Default for MultiHeadAttentionSpec {
    fn default() -> Self {
        MultiHeadAttentionSpec {
            num_heads: 0,
            key_dim: 0,
            value_dim: None,
            use_bias: true,
            causal: false,
            kernel_initializer: Initializer::GlorotUniform,
        }
    }
}

/// Options of PositionalEncoding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionalSpec {
    pub max_length: usize,
}

type Check = std::result::Result<(), (&'static str, String)>;

fn positive(field: &'static str, v: usize) -> Check {
    if v == 0 {
        return Err((field, "expected a positive integer, found 0".into()));
    }
    Ok(())
}

fn positive_pair(field: &'static str, v: (usize, usize)) -> Check {
    if v.0 == 0 || v.1 == 0 {
        return Err((field, format!("expected positive sizes, found [{}, {}]", v.0, v.1)));
    }
    Ok(())
}

fn rate(field: &'static str, r: f32) -> Check {
    if !(0.0..1.0).contains(&r) {
        return Err((field, format!("expected a number in [0, 1), found {r}")));
    }
    Ok(())
}

impl LayerSpec {
    /// Keras's class name of the layer (the `type` tag).
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense(_) => "Dense",
            LayerSpec::Conv2D(_) => "Conv2D",
            LayerSpec::MaxPool2D(_) => "MaxPool2D",
            LayerSpec::AvgPool2D(_) => "AvgPool2D",
            LayerSpec::GlobalAveragePooling2D(_) => "GlobalAveragePooling2D",
            LayerSpec::Flatten(_) => "Flatten",
            LayerSpec::Reshape(_) => "Reshape",
            LayerSpec::Dropout(_) => "Dropout",
            LayerSpec::AlphaDropout(_) => "AlphaDropout",
            LayerSpec::BatchNormalization(_) => "BatchNormalization",
            LayerSpec::LayerNormalization(_) => "LayerNormalization",
            LayerSpec::Activation(_) => "Activation",
            LayerSpec::Embedding(_) => "Embedding",
            LayerSpec::MultiHeadAttention(_) => "MultiHeadAttention",
            LayerSpec::PositionalEncoding(_) => "PositionalEncoding",
        }
    }

    /// Every accepted `type` name.
    pub const KINDS: &'static [&'static str] = &[
        "Dense",
        "Conv2D",
        "MaxPool2D",
        "AvgPool2D",
        "GlobalAveragePooling2D",
        "Flatten",
        "Reshape",
        "Dropout",
        "AlphaDropout",
        "BatchNormalization",
        "LayerNormalization",
        "Activation",
        "Embedding",
        "MultiHeadAttention",
        "PositionalEncoding",
    ];

    /// Deserializes the options of a layer of type `kind` from `d` (a map
    /// without the `type` key). Going through the variant's own struct keeps
    /// a path-tracking deserializer's path intact down to the option
    /// (`layers[2].units`), which serde's buffered tagged enums lose. `kind`
    /// is matched ignoring case and underscores, with Keras's aliases
    /// (`MaxPooling2D`).
    pub fn deserialize_kind<'de, D: Deserializer<'de>>(kind: &str, d: D) -> std::result::Result<LayerSpec, D::Error> {
        let k: String = kind.chars().filter(|c| *c != '_').collect::<String>().to_lowercase();
        Ok(match k.as_str() {
            "dense" | "linear" => LayerSpec::Dense(DenseSpec::deserialize(d)?),
            "conv2d" | "convolution2d" => LayerSpec::Conv2D(Conv2DSpec::deserialize(d)?),
            "maxpool2d" | "maxpooling2d" => LayerSpec::MaxPool2D(PoolSpec::deserialize(d)?),
            "avgpool2d" | "averagepooling2d" => LayerSpec::AvgPool2D(PoolSpec::deserialize(d)?),
            "globalaveragepooling2d" => LayerSpec::GlobalAveragePooling2D(EmptySpec::deserialize(d)?),
            "flatten" => LayerSpec::Flatten(EmptySpec::deserialize(d)?),
            "reshape" => LayerSpec::Reshape(ReshapeSpec::deserialize(d)?),
            "dropout" => LayerSpec::Dropout(DropoutSpec::deserialize(d)?),
            "alphadropout" => LayerSpec::AlphaDropout(DropoutSpec::deserialize(d)?),
            "batchnormalization" | "batchnorm" => LayerSpec::BatchNormalization(NormSpec::deserialize(d)?),
            "layernormalization" | "layernorm" => LayerSpec::LayerNormalization(NormSpec::deserialize(d)?),
            "activation" => LayerSpec::Activation(ActivationSpec::deserialize(d)?),
            "embedding" => LayerSpec::Embedding(EmbeddingSpec::deserialize(d)?),
            "multiheadattention" => LayerSpec::MultiHeadAttention(MultiHeadAttentionSpec::deserialize(d)?),
            "positionalencoding" => LayerSpec::PositionalEncoding(PositionalSpec::deserialize(d)?),
            _ => {
                return Err(D::Error::custom(format!(
                    "unknown layer type {kind:?}; expected one of {}",
                    Self::KINDS.join(", ")
                )))
            }
        })
    }

    /// Checks the options serde cannot: `Err((field, message))`.
    pub(crate) fn validate(&self) -> Check {
        match self {
            LayerSpec::Dense(s) => positive("units", s.units),
            LayerSpec::Conv2D(s) => {
                positive("filters", s.filters)?;
                positive_pair("kernel_size", s.kernel_size)?;
                positive_pair("strides", s.strides)
            }
            LayerSpec::MaxPool2D(s) | LayerSpec::AvgPool2D(s) => {
                positive_pair("pool_size", s.pool_size)?;
                s.strides.map_or(Ok(()), |st| positive_pair("strides", st))
            }
            LayerSpec::Reshape(s) => {
                let holes = s.target_shape.iter().filter(|&&d| d == -1).count();
                if s.target_shape.is_empty() || holes > 1 || s.target_shape.iter().any(|&d| d == 0 || d < -1) {
                    return Err((
                        "target_shape",
                        format!("expected positive sizes with at most one -1, found {:?}", s.target_shape),
                    ));
                }
                Ok(())
            }
            LayerSpec::Dropout(s) | LayerSpec::AlphaDropout(s) => rate("rate", s.rate),
            LayerSpec::BatchNormalization(s) | LayerSpec::LayerNormalization(s) => {
                if let Some(m) = s.momentum {
                    if matches!(self, LayerSpec::LayerNormalization(_)) {
                        return Err(("momentum", "LayerNormalization has no momentum".into()));
                    }
                    rate("momentum", m)?;
                }
                if !(s.epsilon.is_finite() && s.epsilon > 0.0) {
                    return Err(("epsilon", format!("expected a positive number, found {}", s.epsilon)));
                }
                Ok(())
            }
            LayerSpec::Embedding(s) => {
                positive("input_dim", s.input_dim)?;
                positive("output_dim", s.output_dim)
            }
            LayerSpec::MultiHeadAttention(s) => {
                positive("num_heads", s.num_heads)?;
                positive("key_dim", s.key_dim)?;
                s.value_dim.map_or(Ok(()), |v| positive("value_dim", v))
            }
            LayerSpec::PositionalEncoding(s) => positive("max_length", s.max_length),
            LayerSpec::GlobalAveragePooling2D(_) | LayerSpec::Flatten(_) | LayerSpec::Activation(_) => Ok(()),
        }
    }
}

/// A size pair written as one integer (`3`) or two (`[3, 2]`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "a positive integer or a list of two")]
enum PairRepr {
    One(usize),
    Two([usize; 2]),
}

impl From<PairRepr> for (usize, usize) {
    fn from(p: PairRepr) -> Self {
        match p {
            PairRepr::One(a) => (a, a),
            PairRepr::Two([a, b]) => (a, b),
        }
    }
}

mod pair {
    use super::*;
    pub fn serialize<S: Serializer>(v: &(usize, usize), s: S) -> Result<S::Ok, S::Error> {
        [v.0, v.1].serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(usize, usize), D::Error> {
        PairRepr::deserialize(d).map(Into::into)
    }
}

mod opt_pair {
    use super::*;
    pub fn serialize<S: Serializer>(v: &Option<(usize, usize)>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|v| [v.0, v.1]).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(usize, usize)>, D::Error> {
        Ok(Option::<PairRepr>::deserialize(d)?.map(Into::into))
    }
}
