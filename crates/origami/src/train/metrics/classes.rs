//! The confusion matrix and what is read from it: per-class precision,
//! recall, F1 and support, their macro averages, accuracy.

use super::{predicted_classes, rows, same_count, target_labels};
use crate::{Result, Tensor};

/// Confusion matrix: `m[true][predicted]` counts, `classes × classes`
/// (`sklearn.metrics.confusion_matrix(y, ŷ, labels=range(classes))`).
/// A single prediction column is class 1 above 0.5 (above 0 `from_logits`).
pub fn confusion_matrix(pred: &Tensor, target: &Tensor, classes: usize, from_logits: bool) -> Result<Vec<Vec<usize>>> {
    let (n, _) = rows("confusion_matrix", pred)?;
    same_count("confusion_matrix", pred, target, n)?;
    let t = target_labels("confusion_matrix", target, classes)?;
    let p = predicted_classes(pred, from_logits)?;
    let mut m = vec![vec![0usize; classes]; classes];
    for (&ti, &pi) in t.iter().zip(&p) {
        if pi < classes {
            m[ti][pi] += 1;
        }
    }
    Ok(m)
}

/// Per-class precision, recall, F1 and support (true samples) from a
/// confusion matrix, with accuracy and the macro averages, as
/// `sklearn.metrics.classification_report`: a class never predicted has
/// precision 0 and one never present recall 0 (`zero_division=0`); the
/// macro averages are unweighted means over the classes that occur in the
/// targets or the predictions (scikit-learn's default `labels`), so a class
/// the data never mentions does not pull them down.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassReport {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub f1: Vec<f64>,
    pub support: Vec<usize>,
    pub accuracy: f64,
    pub macro_precision: f64,
    pub macro_recall: f64,
    pub macro_f1: f64,
}

/// Precision, recall and F1 per class and macro-averaged (see [`ClassReport`]).
pub fn class_report(confusion: &[Vec<usize>]) -> ClassReport {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let mut r = ClassReport {
        precision: vec![],
        recall: vec![],
        f1: vec![],
        support: vec![],
        accuracy: 0.0,
        macro_precision: 0.0,
        macro_recall: 0.0,
        macro_f1: 0.0,
    };
    let mut seen = Vec::new();
    for (c, row) in confusion.iter().enumerate() {
        let tp = row[c];
        let predicted: usize = confusion.iter().map(|r| r[c]).sum();
        let actual: usize = row.iter().sum();
        let (p, rc) = (ratio(tp, predicted), ratio(tp, actual));
        r.precision.push(p);
        r.recall.push(rc);
        r.f1.push(if p + rc == 0.0 { 0.0 } else { 2.0 * p * rc / (p + rc) });
        r.support.push(actual);
        seen.push(predicted + actual > 0);
    }
    let present = seen.iter().filter(|&&s| s).count().max(1) as f64;
    let mean = |v: &[f64]| v.iter().zip(&seen).filter(|(_, &s)| s).map(|(x, _)| x).sum::<f64>() / present;
    r.macro_precision = mean(&r.precision);
    r.macro_recall = mean(&r.recall);
    r.macro_f1 = mean(&r.f1);
    let total: usize = r.support.iter().sum();
    r.accuracy = ratio((0..confusion.len()).map(|c| confusion[c][c]).sum(), total);
    r
}

/// Macro-averaged F1 of a classifier's predictions
/// (`sklearn.metrics.f1_score(y, ŷ, average="macro")`, see [`ClassReport`]).
pub fn f1_macro(pred: &Tensor, target: &Tensor, from_logits: bool) -> Result<f64> {
    let (_, k) = rows("f1_macro", pred)?;
    Ok(class_report(&confusion_matrix(pred, target, k.max(2), from_logits)?).macro_f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }

    #[test]
    fn confusion_and_f1() {
        // true: 0 0 1 1 1, predicted: 0 1 1 1 0
        let p = t(&[0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4], &[5, 2]);
        let y = t(&[0., 0., 1., 1., 1.], &[5]);
        let m = confusion_matrix(&p, &y, 2, false).unwrap();
        assert_eq!(m, vec![vec![1, 1], vec![1, 2]]);
        let r = class_report(&m);
        // class 1: precision 2/3, recall 2/3, F1 2/3; class 0: 1/2, 1/2, 1/2
        assert!((r.f1[1] - 2.0 / 3.0).abs() < 1e-12 && (r.f1[0] - 0.5).abs() < 1e-12);
        assert!((r.macro_f1 - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(r.support, vec![2, 3]);
        assert!((r.accuracy - 0.6).abs() < 1e-12);
        // one logit column: class 1 above 0
        let m = confusion_matrix(&t(&[-1., 0.5, 2., -0.2], &[4, 1]), &t(&[0., 0., 1., 1.], &[4]), 2, true).unwrap();
        assert_eq!(m, vec![vec![1, 1], vec![1, 1]]);
    }

    /// scikit-learn 1.9.1, y = [0, 1, 2, 2, 1, 0, 2], ŷ = [0, 2, 2, 2, 1, 1, 0]:
    /// `precision_recall_fscore_support(y, ŷ)` = precision [0.5, 0.5,
    /// 0.6666666666666666], recall [0.5, 0.5, 0.6666666666666666], F1 the
    /// same, support [2, 2, 3]; `f1_score(y, ŷ, average="macro")` =
    /// 0.5555555555555555. With 4 model classes and class 3 never seen,
    /// `f1_score` (default labels: those present) still gives 0.5555….
    #[test]
    fn per_class_and_macro_match_scikit_learn() {
        let hat = [0usize, 2, 2, 2, 1, 1, 0];
        let mut p = vec![0.0f32; 7 * 4];
        for (i, &c) in hat.iter().enumerate() {
            p[i * 4 + c] = 1.0;
        }
        let p = t(&p, &[7, 4]);
        let y = t(&[0., 1., 2., 2., 1., 0., 2.], &[7]);
        let r = class_report(&confusion_matrix(&p, &y, 4, false).unwrap());
        for (got, want) in [(&r.precision, [0.5, 0.5, 2.0 / 3.0, 0.0]), (&r.recall, [0.5, 0.5, 2.0 / 3.0, 0.0])] {
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{got:?}");
            }
        }
        assert_eq!(r.support, vec![2, 2, 3, 0]);
        assert!((r.macro_f1 - 0.5555555555555555).abs() < 1e-12, "{}", r.macro_f1);
        assert!((f1_macro(&p, &y, false).unwrap() - 0.5555555555555555).abs() < 1e-12);
    }
}
