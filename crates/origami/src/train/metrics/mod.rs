//! Metrics: numbers that tell a person how good a model is, computed from
//! predictions and targets without recording any graph.
//!
//! Predictions are a model's outputs: probabilities or logits `[n, k]` for k
//! classes (the arg-max is the predicted class, so either works), a single
//! column `[n]`/`[n, 1]` for binary problems (a probability above 0.5, or a
//! logit above 0, is class 1), or values for regression. Targets are class
//! indices `[n]` (sparse), one-hot rows `[n, k]` (categorical), 0/1 (binary)
//! or values (regression).
//!
//! The metrics that people report follow scikit-learn's definitions
//! (`roc_auc_score`, `log_loss`, `f1_score(average="macro")`,
//! `r2_score`, …; each function's doc names its counterpart), because those
//! are the numbers a reader compares with. Those that need probabilities (AUC,
//! log loss) take `from_logits`, resolved from the loss by
//! [`resolve_metric`](crate::spec::resolve_metric), and turn logits into
//! probabilities themselves (softmax, or the sigmoid of one column).

mod auc;
mod basic;
mod classes;
mod log_loss;

pub use auc::{binary_auc, roc_auc};
pub use basic::{binary_accuracy, categorical_accuracy, mae, mse, r2, rmse, sparse_accuracy, top_k_accuracy};
pub use classes::{class_report, confusion_matrix, f1_macro, ClassReport};
pub use log_loss::{log_loss, probabilities, LOG_LOSS_EPS};

use crate::{Error, Result, Tensor};

/// A metric that `fit` and `evaluate` report by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Binary accuracy: prediction > 0.5 (probabilities) equals the 0/1 target.
    BinaryAccuracy,
    /// Arg-max of the prediction equals the arg-max of a one-hot target.
    CategoricalAccuracy,
    /// Arg-max of the prediction equals the class-index target.
    SparseAccuracy,
    /// The class-index target is among the k highest predictions.
    TopK(usize),
    /// Mean absolute error.
    Mae,
    /// Mean squared error.
    Mse,
    /// Root mean squared error (per output, averaged over outputs).
    Rmse,
    /// Coefficient of determination (per output, averaged over outputs).
    R2,
    /// ROC AUC: binary, or one-vs-rest macro over k classes ([`roc_auc`]).
    Auc { from_logits: bool },
    /// Macro-averaged F1 ([`f1_macro`]).
    F1Macro { from_logits: bool },
    /// Cross-entropy of the predicted probabilities ([`log_loss`]).
    LogLoss { from_logits: bool },
}

impl Metric {
    /// The name used in histories, logs and JSON (Keras's names where they
    /// exist; `auc`, `f1_macro`, `log_loss` otherwise).
    pub fn name(&self) -> String {
        match self {
            Metric::BinaryAccuracy | Metric::CategoricalAccuracy | Metric::SparseAccuracy => "accuracy".into(),
            Metric::TopK(k) => format!("top_{k}_accuracy"),
            Metric::Mae => "mae".into(),
            Metric::Mse => "mse".into(),
            Metric::Rmse => "rmse".into(),
            Metric::R2 => "r2".into(),
            Metric::Auc { .. } => "auc".into(),
            Metric::F1Macro { .. } => "f1_macro".into(),
            Metric::LogLoss { .. } => "log_loss".into(),
        }
    }

    /// Whether a larger value is better (for early stopping and checkpoints).
    pub fn higher_is_better(&self) -> bool {
        maximized(&self.name())
    }

    /// Whether the metric must be computed over a whole set at once: the
    /// mean of its per-batch values is not its value on the epoch (a rank
    /// statistic, a ratio of sums, a root). `fit` collects an epoch's
    /// outputs for these; the others are averaged over batches, weighted by
    /// batch size, which is exact for means.
    pub fn whole_set(&self) -> bool {
        matches!(self, Metric::Rmse | Metric::R2 | Metric::Auc { .. } | Metric::F1Macro { .. })
    }

    /// The metric over a whole set of predictions.
    pub fn compute(&self, pred: &Tensor, target: &Tensor) -> Result<f32> {
        match *self {
            Metric::BinaryAccuracy => binary_accuracy(pred, target),
            Metric::CategoricalAccuracy => categorical_accuracy(pred, target),
            Metric::SparseAccuracy => sparse_accuracy(pred, target),
            Metric::TopK(k) => top_k_accuracy(pred, target, k),
            Metric::Mae => mae(pred, target),
            Metric::Mse => mse(pred, target),
            Metric::Rmse => rmse(pred, target),
            Metric::R2 => r2(pred, target),
            Metric::Auc { from_logits } => roc_auc(pred, target, from_logits).map(|v| v as f32),
            Metric::F1Macro { from_logits } => f1_macro(pred, target, from_logits).map(|v| v as f32),
            Metric::LogLoss { from_logits } => log_loss(pred, target, from_logits).map(|v| v as f32),
        }
    }
}

/// Whether a larger value of the logged quantity `name` (`val_auc`,
/// `loss`, …) is better: names holding `acc`, `auc`, `r2`, `precision`,
/// `recall` or `f1` are maximised, everything else (losses, errors,
/// `log_loss`) minimised. Keras's `mode="auto"` rule, extended to the
/// metrics above; early stopping, checkpoints and the CLI's tuner share it.
pub fn maximized(name: &str) -> bool {
    ["acc", "auc", "r2", "precision", "recall", "f1"].iter().any(|k| name.contains(k))
}

fn rows(op: &'static str, pred: &Tensor) -> Result<(usize, usize)> {
    match pred.shape() {
        [n] => Ok((*n, 1)),
        [n, k] => Ok((*n, *k)),
        s => Err(Error::arg(op, format!("predictions must be [n] or [n, classes], got shape {s:?}"))),
    }
}

fn same_count(op: &'static str, pred: &Tensor, target: &Tensor, n: usize) -> Result<()> {
    if target.shape().first().copied().unwrap_or(1) != n {
        return Err(Error::shape(
            op,
            pred.shape(),
            target.shape(),
            "predictions and targets must have the same number of rows",
        ));
    }
    Ok(())
}

/// Class labels from integer-valued targets, checked against the class count.
pub fn class_indices(op: &'static str, target: &Tensor, classes: usize) -> Result<Vec<usize>> {
    target
        .data()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v >= 0.0 && v.fract() == 0.0 && (v as usize) < classes {
                Ok(v as usize)
            } else {
                Err(Error::arg(op, format!("label {v} at row {i} is not a class index below {classes}")))
            }
        })
        .collect()
}

/// The class of each target row: the value of `[n]`/`[n, 1]` class indices
/// (checked below `classes`), the arg-max of one-hot `[n, k]` rows.
pub fn target_labels(op: &'static str, target: &Tensor, classes: usize) -> Result<Vec<usize>> {
    match target.shape() {
        [_, k] if *k > 1 => {
            if *k != classes {
                return Err(Error::arg(op, format!("one-hot targets of {k} classes for predictions of {classes}")));
            }
            target.argmax(1)
        }
        _ => class_indices(op, target, classes),
    }
}

/// The predicted class of each row: the arg-max of `[n, k]`, or for one
/// column a probability above 0.5 (a logit above 0, `from_logits`).
fn predicted_classes(pred: &Tensor, from_logits: bool) -> Result<Vec<usize>> {
    let (_, k) = rows("predicted classes", pred)?;
    if k == 1 {
        let cut = if from_logits { 0.0 } else { 0.5 };
        Ok(pred.data().iter().map(|&p| (p > cut) as usize).collect())
    } else {
        pred.argmax(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_and_whole_set_metrics() {
        for n in ["val_auc", "auc", "f1_macro", "val_accuracy", "r2", "top_5_accuracy"] {
            assert!(maximized(n), "{n}");
        }
        for n in ["val_loss", "log_loss", "val_log_loss", "mae", "rmse", "lr"] {
            assert!(!maximized(n), "{n}");
        }
        assert!(Metric::Auc { from_logits: true }.higher_is_better());
        assert!(!Metric::LogLoss { from_logits: false }.higher_is_better());
        assert!(Metric::R2.whole_set() && !Metric::Mae.whole_set() && !Metric::SparseAccuracy.whole_set());
    }
}
