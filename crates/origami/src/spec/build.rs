//! From specs to objects: layers, a built [`Sequential`], metrics, and the
//! training (the optimizer is built in `spec/optimizer.rs`, the schedule in
//! `spec/training.rs`).

use super::layer::LayerSpec;
use super::training::TrainingSpec;
use super::{spec_err, ModelSpec};
use crate::nn::{
    AlphaDropout, AvgPool2D, BatchNormalization, BatchNormalizationConfig, Conv2D, Conv2DConfig, Dense, DenseConfig,
    Dropout, Embedding, EmbeddingConfig, Flatten, GlobalAveragePooling2D, Layer, LayerNormalization,
    LayerNormalizationConfig, Loss, MaxPool2D, MultiHeadAttention, MultiHeadAttentionConfig, PositionalEncoding,
    Reshape, Sequential,
};
use crate::optim::Optimizer;
use crate::train::Metric;
use crate::{Result, Rng};

/// What a [`TrainingSpec`] builds: the optimizer, loss and metrics of a
/// [`Model`](crate::train::Model).
pub struct BuiltTraining {
    pub optimizer: Box<dyn Optimizer>,
    pub loss: Loss,
    pub metrics: Vec<Metric>,
}

impl LayerSpec {
    /// A new, unbuilt layer with these options.
    pub fn to_layer(&self) -> Box<dyn Layer> {
        match self {
            LayerSpec::Dense(s) => Box::new(Dense::from_config(DenseConfig {
                units: s.units,
                activation: s.activation,
                use_bias: s.use_bias,
                kernel_initializer: s.kernel_initializer,
                bias_initializer: s.bias_initializer,
                kernel_regularizer: s.kernel_regularizer,
                bias_regularizer: s.bias_regularizer,
                activity_regularizer: s.activity_regularizer,
                kernel_constraint: s.kernel_constraint,
                bias_constraint: s.bias_constraint,
            })),
            LayerSpec::Conv2D(s) => Box::new(Conv2D::from_config(Conv2DConfig {
                filters: s.filters,
                kernel_size: s.kernel_size,
                strides: s.strides,
                padding: s.padding,
                activation: s.activation,
                use_bias: s.use_bias,
                kernel_initializer: s.kernel_initializer,
                bias_initializer: s.bias_initializer,
                kernel_regularizer: s.kernel_regularizer,
                bias_regularizer: s.bias_regularizer,
                activity_regularizer: s.activity_regularizer,
                kernel_constraint: s.kernel_constraint,
                bias_constraint: s.bias_constraint,
            })),
            LayerSpec::MaxPool2D(s) => {
                Box::new(MaxPool2D::new(s.pool_size).strides(s.strides.unwrap_or(s.pool_size)).padding(s.padding))
            }
            LayerSpec::AvgPool2D(s) => {
                Box::new(AvgPool2D::new(s.pool_size).strides(s.strides.unwrap_or(s.pool_size)).padding(s.padding))
            }
            LayerSpec::GlobalAveragePooling2D(_) => Box::new(GlobalAveragePooling2D::new()),
            LayerSpec::Flatten(_) => Box::new(Flatten::new()),
            LayerSpec::Reshape(s) => {
                let target: Vec<usize> =
                    s.target_shape.iter().map(|&d| if d < 0 { usize::MAX } else { d as usize }).collect();
                Box::new(Reshape::new(&target))
            }
            LayerSpec::Dropout(s) => Box::new(Dropout::new(s.rate)),
            LayerSpec::AlphaDropout(s) => Box::new(AlphaDropout::new(s.rate)),
            LayerSpec::BatchNormalization(s) => Box::new(BatchNormalization::from_config(BatchNormalizationConfig {
                momentum: s.momentum.unwrap_or(0.99),
                epsilon: s.epsilon,
                center: s.center,
                scale: s.scale,
            })),
            LayerSpec::LayerNormalization(s) => Box::new(LayerNormalization::from_config(LayerNormalizationConfig {
                epsilon: s.epsilon,
                center: s.center,
                scale: s.scale,
            })),
            LayerSpec::Activation(s) => Box::new(s.activation),
            LayerSpec::Embedding(s) => Box::new(Embedding::from_config(EmbeddingConfig {
                input_dim: s.input_dim,
                output_dim: s.output_dim,
                initializer: s.embeddings_initializer,
            })),
            LayerSpec::MultiHeadAttention(s) => Box::new(MultiHeadAttention::from_config(MultiHeadAttentionConfig {
                num_heads: s.num_heads,
                key_dim: s.key_dim,
                value_dim: s.value_dim,
                use_bias: s.use_bias,
                causal: s.causal,
                kernel_initializer: s.kernel_initializer,
            })),
            LayerSpec::PositionalEncoding(s) => Box::new(PositionalEncoding::new(s.max_length)),
        }
    }
}

impl ModelSpec {
    /// Validates, creates the layers and builds them with parameters drawn
    /// from `rng`. A layer that cannot take its input (a Conv2D after a
    /// Flatten) is an error naming the layer.
    pub fn build(&self, rng: &mut Rng) -> Result<Sequential> {
        self.validate()?;
        let mut net = Sequential::new(&self.input_shape, Vec::new());
        for l in &self.layers {
            net.push(l.to_layer());
        }
        // Build layer by layer to say which one failed.
        let mut shape = self.input_shape.clone();
        for (i, layer) in net.layers_mut().iter_mut().enumerate() {
            shape = layer.build(&shape, &mut rng.clone()).map_err(|e| spec_err(&format!("layers[{i}]"), e))?;
        }
        net.build(rng)?;
        Ok(net)
    }
}

fn invalid(field: &str, msg: String) -> crate::Error {
    spec_err(field, msg)
}

impl TrainingSpec {
    /// Checks the loss, metrics, optimizer and schedule; the message starts
    /// with the key path (`optimizer.rho`, `metrics[1]`).
    pub fn validate(&self) -> Result<()> {
        self.optimizer.validate().map_err(|(f, m)| invalid(&format!("optimizer.{f}"), m))?;
        if let Some(s) = &self.schedule {
            s.validate().map_err(|(f, m)| invalid(&format!("schedule.{f}"), m))?;
        }
        for (i, m) in self.metrics.iter().enumerate() {
            resolve_metric(&m.0, &self.loss).map_err(|e| invalid(&format!("metrics[{i}]"), e))?;
        }
        Ok(())
    }

    /// The metrics, with `accuracy` resolved against the loss.
    pub fn build_metrics(&self) -> Result<Vec<Metric>> {
        self.metrics
            .iter()
            .enumerate()
            .map(|(i, m)| resolve_metric(&m.0, &self.loss).map_err(|e| invalid(&format!("metrics[{i}]"), e)))
            .collect()
    }

    /// The optimizer, loss and metrics.
    pub fn build(&self) -> Result<BuiltTraining> {
        self.validate()?;
        Ok(BuiltTraining { optimizer: self.optimizer.build(), loss: self.loss, metrics: self.build_metrics()? })
    }
}

/// The [`Metric`] called `name`, with plain `accuracy` chosen by the loss
/// (binary, categorical or sparse), as Keras does.
pub fn resolve_metric(name: &str, loss: &Loss) -> std::result::Result<Metric, String> {
    let (n, a) = super::names::parse_call(name)?;
    Ok(match (n.as_str(), a.as_slice()) {
        ("accuracy" | "acc", []) => match loss {
            Loss::BinaryCrossentropy { .. } => Metric::BinaryAccuracy,
            Loss::CategoricalCrossentropy { .. } => Metric::CategoricalAccuracy,
            Loss::SparseCategoricalCrossentropy { .. } => Metric::SparseAccuracy,
            _ => return Err("accuracy needs a cross-entropy loss; use mae, mse, rmse or r2 for regression".into()),
        },
        ("binary_accuracy", []) => Metric::BinaryAccuracy,
        ("categorical_accuracy", []) => Metric::CategoricalAccuracy,
        ("sparse_accuracy" | "sparse_categorical_accuracy", []) => Metric::SparseAccuracy,
        ("top_k" | "top_k_accuracy", [k]) if *k >= 1.0 && k.fract() == 0.0 => Metric::TopK(*k as usize),
        ("mae" | "mean_absolute_error", []) => Metric::Mae,
        ("mse" | "mean_squared_error", []) => Metric::Mse,
        ("rmse", []) => Metric::Rmse,
        ("r2", []) => Metric::R2,
        _ => {
            if let Some(k) = n.strip_prefix("top_").and_then(|r| r.strip_suffix("_accuracy")) {
                if let Ok(k) = k.parse::<usize>() {
                    if k >= 1 {
                        return Ok(Metric::TopK(k));
                    }
                }
            }
            return Err(format!(
                "unknown metric {name:?}; expected one of accuracy, binary_accuracy, categorical_accuracy, \
                 sparse_accuracy, top_k(K), mae, mse, rmse, r2"
            ));
        }
    })
}
