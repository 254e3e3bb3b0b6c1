//! Neural-network building blocks: layers, activations, initializers,
//! losses, regularizers and the [`Sequential`] container.
//!
//! The design follows Keras because that is what the course teaches and what
//! a reader of its notebooks expects:
//!
//! * A [`Layer`] is built lazily: `Dense::new(64)` does not know its input
//!   size until [`Layer::build`] is handed the shape of one sample (batch
//!   axis excluded). Building creates the parameters from a seeded [`Rng`],
//!   so a model is reproducible bit for bit.
//! * Training versus inference is the `training` argument of
//!   [`Layer::forward`], never a global switch, so that two models (or two
//!   threads) cannot disagree about the mode.
//! * Parameters are [`Param`]s: a name (`kernel`, `bias`, `gamma`,
//!   `moving_mean`…), a tensor handle that shares storage with the layer, and
//!   whether an optimizer may change it. [`Sequential`] prefixes the names
//!   (`layers.0.kernel`), which become the tensor names of a checkpoint.
//! * Anything that is not a stack of layers is plain Rust: a struct that
//!   owns layers and calls them (see the residual block and the two-input
//!   model in `sequential.rs`'s tests, and [`prefix_params`]).
//!
//! [`Rng`]: crate::Rng

pub mod activation;
pub mod init;
pub mod layers;
pub mod loss;
mod module;
pub mod regularizer;
mod sequential;
pub mod summary;

#[cfg(test)]
mod testutil;

pub use activation::{Activation, ActivationConfig};
pub use init::Initializer;
pub use layers::{
    AlphaDropout, AvgPool1D, AvgPool2D, BatchNormalization, BatchNormalizationConfig, Check, Conv1D, Conv1DConfig,
    Conv2D, Conv2DConfig, Dense, DenseConfig, Dropout, DropoutConfig, Embedding, EmbeddingConfig, Flatten, GRUConfig,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, LSTMConfig,
    LayerNormalization, LayerNormalizationConfig, MaxPool1D, MaxPool2D, MultiHeadAttention, MultiHeadAttentionConfig,
    NoConfig, Padding1D, Pool1DConfig, PoolConfig, PositionalEncoding, PositionalEncodingConfig, Reshape,
    ReshapeConfig, SimpleRNN, SimpleRNNConfig, GRU, LSTM,
};
pub use loss::{Loss, Reduction};
pub use module::{prefix_params, prefix_streams, Layer, Param, RngStream};
pub use regularizer::{Constraint, Regularizer};
pub use sequential::Sequential;
pub use summary::{Summary, SummaryRow};
