//! [`TrainingSpec`]: loss, metrics, optimizer, schedule and clipping as data.
//!
//! The optimizer is an [`OptimizerSpec`] (`spec/optimizer.rs`, wrapping the
//! optimizers' own configs), the schedule a [`ScheduleSpec`]
//! (`spec/schedule.rs`). In both, a tuner can address
//! `optimizer.learning_rate` or `schedule.max_lr` whatever the type.

use serde::{Deserialize, Serialize};

use super::names::named;
use super::optimizer::OptimizerSpec;
use super::schedule::ScheduleSpec;
use crate::nn::Loss;

/// How the network is trained; stored in `architecture.json` so that a
/// loaded model can be evaluated, and resumed, as it was trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSpec {
    /// `"sparse_categorical_crossentropy_from_logits"`, `"mse"`, `"huber(1)"`…
    #[serde(with = "named")]
    pub loss: Loss,
    /// Metric names: `accuracy` (resolved against the loss), `mae`, `mse`,
    /// `rmse`, `r2`, `top_k(5)`, `binary_accuracy`…
    pub metrics: Vec<MetricSpec>,
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// The learning-rate schedule, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleSpec>,
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            loss: Loss::MeanSquaredError,
            metrics: Vec::new(),
            optimizer: OptimizerSpec::default(),
            schedule: None,
        }
    }
}

/// A metric by name (see [`TrainingSpec::metrics`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetricSpec(pub String);

impl From<&str> for MetricSpec {
    fn from(s: &str) -> Self {
        MetricSpec(s.to_string())
    }
}

/// Reduce-on-plateau settings (for callers that keep them beside a spec).
pub type PlateauSpec = crate::optim::PlateauConfig;
