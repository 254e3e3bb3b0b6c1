//! The layers, one file each. Every one implements [`Layer`](super::Layer)
//! and has a config beside it: a plain serde struct with Keras's option
//! names and defaults and a `validate` method, which
//! [`LayerSpec`](crate::spec::LayerSpec) wraps as it is (one registry line
//! per layer in `spec/layer.rs`).

mod alpha_dropout;
mod attention;
mod batch_norm;
mod config;
mod conv1d;
mod conv2d;
mod dense;
mod dropout;
mod embedding;
mod flatten;
mod global_pooling;
mod gru;
mod layer_norm;
mod lstm;
mod pooling;
mod pooling1d;
mod positional;
mod recurrent;
mod reshape;
mod simple_rnn;
mod weights;

pub use alpha_dropout::AlphaDropout;
pub use attention::{MultiHeadAttention, MultiHeadAttentionConfig};
pub use batch_norm::{BatchNormalization, BatchNormalizationConfig};
pub use config::{Check, NoConfig};
pub use conv1d::{Conv1D, Conv1DConfig, Padding1D};
pub use conv2d::{Conv2D, Conv2DConfig};
pub use dense::{Dense, DenseConfig};
pub use dropout::{Dropout, DropoutConfig};
pub use embedding::{Embedding, EmbeddingConfig};
pub use flatten::Flatten;
pub use global_pooling::{GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D};
pub use gru::{GRUConfig, GRU};
pub use layer_norm::{LayerNormalization, LayerNormalizationConfig};
pub use lstm::{LSTMConfig, LSTM};
pub use pooling::{AvgPool2D, MaxPool2D, PoolConfig};
pub use pooling1d::{AvgPool1D, MaxPool1D, Pool1DConfig};
pub use positional::{sinusoidal_positional_encoding, PositionalEncoding, PositionalEncodingConfig};
pub use reshape::{Reshape, ReshapeConfig};
pub use simple_rnn::{SimpleRNN, SimpleRNNConfig};
