//! The layers, one file each. Every one implements [`Layer`](super::Layer).

mod alpha_dropout;
mod attention;
mod batch_norm;
mod conv2d;
mod dense;
mod dropout;
mod embedding;
mod flatten;
mod global_pooling;
mod layer_norm;
mod pooling;
mod positional;
mod reshape;
mod weights;

pub use alpha_dropout::AlphaDropout;
pub use attention::{MultiHeadAttention, MultiHeadAttentionConfig};
pub use batch_norm::{BatchNormalization, BatchNormalizationConfig};
pub use conv2d::{Conv2D, Conv2DConfig};
pub use dense::{Dense, DenseConfig};
pub use dropout::Dropout;
pub use embedding::{Embedding, EmbeddingConfig};
pub use flatten::Flatten;
pub use global_pooling::GlobalAveragePooling2D;
pub use layer_norm::{LayerNormalization, LayerNormalizationConfig};
pub use pooling::{AvgPool2D, MaxPool2D};
pub use positional::{sinusoidal_positional_encoding, PositionalEncoding};
pub use reshape::Reshape;
