//! Metrics: numbers that tell a person how good a model is, computed from
//! predictions and targets without recording any graph.
//!
//! Predictions are a model's outputs: probabilities or logits `[n, k]` for k
//! classes (the arg-max is the predicted class, so either works), a single
//! column `[n]`/`[n, 1]` of probabilities for binary problems (threshold 0.5),
//! or values for regression. Targets are class indices `[n]` (sparse),
//! one-hot rows `[n, k]` (categorical), 0/1 (binary) or values (regression).

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
    /// Root mean squared error.
    Rmse,
    /// Coefficient of determination.
    R2,
}

impl Metric {
    /// The name used in histories, logs and JSON (Keras's names where they exist).
    pub fn name(&self) -> String {
        match self {
            Metric::BinaryAccuracy | Metric::CategoricalAccuracy | Metric::SparseAccuracy => "accuracy".into(),
            Metric::TopK(k) => format!("top_{k}_accuracy"),
            Metric::Mae => "mae".into(),
            Metric::Mse => "mse".into(),
            Metric::Rmse => "rmse".into(),
            Metric::R2 => "r2".into(),
        }
    }

    /// Whether a larger value is better (for early stopping and checkpoints).
    pub fn higher_is_better(&self) -> bool {
        !matches!(self, Metric::Mae | Metric::Mse | Metric::Rmse)
    }

    /// The metric over a whole set of predictions.
    pub fn compute(&self, pred: &Tensor, target: &Tensor) -> Result<f32> {
        match self {
            Metric::BinaryAccuracy => binary_accuracy(pred, target),
            Metric::CategoricalAccuracy => categorical_accuracy(pred, target),
            Metric::SparseAccuracy => sparse_accuracy(pred, target),
            Metric::TopK(k) => top_k_accuracy(pred, target, *k),
            Metric::Mae => mae(pred, target),
            Metric::Mse => mse(pred, target),
            Metric::Rmse => Ok(mse(pred, target)?.sqrt()),
            Metric::R2 => r2(pred, target),
        }
    }
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

fn predicted_classes(pred: &Tensor) -> Result<Vec<usize>> {
    let (_, k) = rows("predicted classes", pred)?;
    if k == 1 {
        Ok(pred.data().iter().map(|&p| (p > 0.5) as usize).collect())
    } else {
        pred.argmax(1)
    }
}

/// Fraction of rows whose thresholded probability (> 0.5) equals the 0/1 target.
pub fn binary_accuracy(pred: &Tensor, target: &Tensor) -> Result<f32> {
    if pred.numel() != target.numel() {
        return Err(Error::shape("binary_accuracy", pred.shape(), target.shape(), "one prediction per target"));
    }
    let (p, t) = (pred.data(), target.data());
    let hits = p.iter().zip(t.iter()).filter(|(&p, &t)| (p > 0.5) == (t > 0.5)).count();
    Ok(hits as f32 / p.len().max(1) as f32)
}

/// Fraction of rows whose arg-max matches the one-hot target's arg-max.
pub fn categorical_accuracy(pred: &Tensor, target: &Tensor) -> Result<f32> {
    if pred.shape() != target.shape() {
        return Err(Error::shape(
            "categorical_accuracy",
            pred.shape(),
            target.shape(),
            "one-hot targets have the predictions' shape",
        ));
    }
    let (p, t) = (predicted_classes(pred)?, target.argmax(1)?);
    Ok(p.iter().zip(&t).filter(|(a, b)| a == b).count() as f32 / p.len().max(1) as f32)
}

/// Fraction of rows whose arg-max equals the class-index target.
pub fn sparse_accuracy(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (n, k) = rows("sparse_accuracy", pred)?;
    same_count("sparse_accuracy", pred, target, n)?;
    let t = class_indices("sparse_accuracy", target, k.max(2))?;
    let p = predicted_classes(pred)?;
    Ok(p.iter().zip(&t).filter(|(a, b)| a == b).count() as f32 / n.max(1) as f32)
}

/// Fraction of rows whose class-index target is among the `k` highest
/// predictions (ties counted in the target's favour, as Keras).
pub fn top_k_accuracy(pred: &Tensor, target: &Tensor, k: usize) -> Result<f32> {
    let (n, c) = rows("top_k_accuracy", pred)?;
    same_count("top_k_accuracy", pred, target, n)?;
    let t = class_indices("top_k_accuracy", target, c)?;
    let p = pred.data();
    let hits = (0..n)
        .filter(|&i| {
            let row = &p[i * c..(i + 1) * c];
            let mine = row[t[i]];
            row.iter().filter(|&&v| v > mine).count() < k
        })
        .count();
    Ok(hits as f32 / n.max(1) as f32)
}

fn paired(op: &'static str, pred: &Tensor, target: &Tensor) -> Result<(Vec<f32>, Vec<f32>)> {
    if pred.numel() != target.numel() {
        return Err(Error::shape(op, pred.shape(), target.shape(), "one prediction per target"));
    }
    Ok((pred.to_vec(), target.to_vec()))
}

/// Mean absolute error.
pub fn mae(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t) = paired("mae", pred, target)?;
    Ok((p.iter().zip(&t).map(|(a, b)| (a - b).abs() as f64).sum::<f64>() / p.len().max(1) as f64) as f32)
}

/// Mean squared error.
pub fn mse(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t) = paired("mse", pred, target)?;
    Ok((p.iter().zip(&t).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>() / p.len().max(1) as f64) as f32)
}

/// R² = 1 − SS_res / SS_tot (1 is perfect, 0 is predicting the mean).
pub fn r2(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t) = paired("r2", pred, target)?;
    let mean = t.iter().map(|&v| v as f64).sum::<f64>() / t.len().max(1) as f64;
    let ss_res: f64 = p.iter().zip(&t).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
    let ss_tot: f64 = t.iter().map(|&b| (b as f64 - mean).powi(2)).sum();
    Ok(if ss_tot == 0.0 { 0.0 } else { (1.0 - ss_res / ss_tot) as f32 })
}

/// Confusion matrix: `m[true][predicted]` counts.
pub fn confusion_matrix(pred: &Tensor, target: &Tensor, classes: usize) -> Result<Vec<Vec<usize>>> {
    let (n, _) = rows("confusion_matrix", pred)?;
    same_count("confusion_matrix", pred, target, n)?;
    let t = class_indices("confusion_matrix", target, classes)?;
    let p = predicted_classes(pred)?;
    let mut m = vec![vec![0usize; classes]; classes];
    for (&ti, &pi) in t.iter().zip(&p) {
        if pi < classes {
            m[ti][pi] += 1;
        }
    }
    Ok(m)
}

/// Per-class precision, recall and F1 from a confusion matrix, and their
/// macro averages (the unweighted mean over classes). A class never predicted
/// has precision 0, as scikit-learn's `zero_division=0`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassReport {
    pub precision: Vec<f32>,
    pub recall: Vec<f32>,
    pub f1: Vec<f32>,
    pub macro_precision: f32,
    pub macro_recall: f32,
    pub macro_f1: f32,
}

/// Precision, recall and F1 per class and macro-averaged.
pub fn class_report(confusion: &[Vec<usize>]) -> ClassReport {
    let k = confusion.len();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f32 / b as f32 };
    let mut r = ClassReport {
        precision: vec![],
        recall: vec![],
        f1: vec![],
        macro_precision: 0.0,
        macro_recall: 0.0,
        macro_f1: 0.0,
    };
    for (c, row) in confusion.iter().enumerate() {
        let tp = row[c];
        let predicted: usize = confusion.iter().map(|r| r[c]).sum();
        let actual: usize = row.iter().sum();
        let (p, rc) = (ratio(tp, predicted), ratio(tp, actual));
        r.precision.push(p);
        r.recall.push(rc);
        r.f1.push(if p + rc == 0.0 { 0.0 } else { 2.0 * p * rc / (p + rc) });
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / k.max(1) as f32;
    r.macro_precision = mean(&r.precision);
    r.macro_recall = mean(&r.recall);
    r.macro_f1 = mean(&r.f1);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }

    #[test]
    fn accuracies() {
        let p = t(&[0.1, 0.9, 0.8, 0.2, 0.3, 0.7], &[3, 2]);
        assert_eq!(sparse_accuracy(&p, &t(&[1., 0., 0.], &[3])).unwrap(), 2.0 / 3.0);
        assert_eq!(categorical_accuracy(&p, &t(&[0., 1., 1., 0., 0., 1.], &[3, 2])).unwrap(), 1.0);
        assert_eq!(binary_accuracy(&t(&[0.2, 0.6, 0.9], &[3, 1]), &t(&[0., 0., 1.], &[3])).unwrap(), 2.0 / 3.0);
        let p3 = t(&[0.5, 0.3, 0.2, 0.1, 0.2, 0.7], &[2, 3]);
        // row 0: target 1 is 2nd highest; row 1: target 0 is 3rd
        assert_eq!(top_k_accuracy(&p3, &t(&[1., 0.], &[2]), 2).unwrap(), 0.5);
        assert_eq!(top_k_accuracy(&p3, &t(&[1., 0.], &[2]), 3).unwrap(), 1.0);
        let e = sparse_accuracy(&p, &t(&[1., 5., 0.], &[3])).unwrap_err().to_string();
        assert!(e.contains("label 5") && e.contains("row 1"), "{e}");
    }

    #[test]
    fn regression_metrics_against_hand_values() {
        let (p, y) = (t(&[1., 2., 4.], &[3]), t(&[1., 3., 2.], &[3]));
        // errors 0, −1, 2: MAE 1, MSE 5/3; mean y = 2, SS_tot = 2, SS_res = 5 → R² = −1.5
        assert!((mae(&p, &y).unwrap() - 1.0).abs() < 1e-6);
        assert!((mse(&p, &y).unwrap() - 5.0 / 3.0).abs() < 1e-6);
        assert!((Metric::Rmse.compute(&p, &y).unwrap() - (5.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert!((r2(&p, &y).unwrap() + 1.5).abs() < 1e-6);
    }

    #[test]
    fn confusion_and_f1() {
        // true: 0 0 1 1 1, predicted: 0 1 1 1 0
        let p = t(&[0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4], &[5, 2]);
        let y = t(&[0., 0., 1., 1., 1.], &[5]);
        let m = confusion_matrix(&p, &y, 2).unwrap();
        assert_eq!(m, vec![vec![1, 1], vec![1, 2]]);
        let r = class_report(&m);
        // class 1: precision 2/3, recall 2/3, F1 2/3; class 0: 1/2, 1/2, 1/2
        assert!((r.f1[1] - 2.0 / 3.0).abs() < 1e-6 && (r.f1[0] - 0.5).abs() < 1e-6);
        assert!((r.macro_f1 - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-6);
    }
}
