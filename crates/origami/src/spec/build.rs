//! From training specs to objects: metrics and the whole training (the
//! optimizer is built in `spec/optimizer.rs`, the schedule in
//! `spec/schedule.rs`, the layers through the registry in `spec/layer.rs`).

use super::spec_err;
use super::training::TrainingSpec;
use crate::nn::Loss;
use crate::optim::Optimizer;
use crate::train::Metric;
use crate::Result;

/// What a [`TrainingSpec`] builds: the optimizer, loss and metrics of a
/// [`Model`](crate::train::Model).
pub struct BuiltTraining {
    pub optimizer: Box<dyn Optimizer>,
    pub loss: Loss,
    pub metrics: Vec<Metric>,
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
/// (binary, categorical or sparse), as Keras does. `auc`, `f1_macro` and
/// `log_loss` read logits or probabilities as the loss's `from_logits` says.
pub fn resolve_metric(name: &str, loss: &Loss) -> std::result::Result<Metric, String> {
    let (n, a) = super::names::parse_call(name)?;
    let from_logits = match loss {
        Loss::BinaryCrossentropy { from_logits }
        | Loss::CategoricalCrossentropy { from_logits }
        | Loss::SparseCategoricalCrossentropy { from_logits } => Some(*from_logits),
        _ => None,
    };
    let classes = |m: fn(bool) -> Metric| match from_logits {
        Some(f) => Ok(m(f)),
        None => Err(format!("{n} needs a cross-entropy loss (a classifier); use mae, mse, rmse or r2 for regression")),
    };
    Ok(match (n.as_str(), a.as_slice()) {
        ("auc" | "roc_auc", []) => classes(|from_logits| Metric::Auc { from_logits })?,
        ("f1_macro" | "macro_f1", []) => classes(|from_logits| Metric::F1Macro { from_logits })?,
        ("log_loss", []) => classes(|from_logits| Metric::LogLoss { from_logits })?,
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
                 sparse_accuracy, top_k(K), auc, f1_macro, log_loss, mae, mse, rmse, r2"
            ));
        }
    })
}
