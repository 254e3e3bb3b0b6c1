//! Accuracies and the regression errors.

use super::{class_indices, predicted_classes, rows, same_count};
use crate::{Error, Result, Tensor};

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
    let (p, t) = (predicted_classes(pred, false)?, target.argmax(1)?);
    Ok(p.iter().zip(&t).filter(|(a, b)| a == b).count() as f32 / p.len().max(1) as f32)
}

/// Fraction of rows whose arg-max equals the class-index target.
pub fn sparse_accuracy(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (n, k) = rows("sparse_accuracy", pred)?;
    same_count("sparse_accuracy", pred, target, n)?;
    let t = class_indices("sparse_accuracy", target, k.max(2))?;
    let p = predicted_classes(pred, false)?;
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

/// Predictions and targets as `(rows, outputs)` columns of f64: `[n]`,
/// `[n, 1]` and `[n]` against `[n, 1]` are one output.
fn columns(op: &'static str, pred: &Tensor, target: &Tensor) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    if pred.numel() != target.numel() {
        return Err(Error::shape(op, pred.shape(), target.shape(), "one prediction per target"));
    }
    let k = match pred.shape() {
        [_, k] if *k > 0 => *k,
        _ => 1,
    };
    let f = |t: &Tensor| t.data().iter().map(|&v| v as f64).collect::<Vec<f64>>();
    Ok((f(pred), f(target), k))
}

/// The mean over outputs of `per(prediction column, target column)`:
/// scikit-learn's `multioutput="uniform_average"`.
fn per_output(p: &[f64], t: &[f64], k: usize, per: impl Fn(&[(f64, f64)]) -> f64) -> f64 {
    let n = p.len() / k.max(1);
    let mut total = 0.0;
    for j in 0..k {
        let pairs: Vec<(f64, f64)> = (0..n).map(|i| (p[i * k + j], t[i * k + j])).collect();
        total += per(&pairs);
    }
    total / k.max(1) as f64
}

/// Mean absolute error (`sklearn.metrics.mean_absolute_error`).
pub fn mae(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t, _) = columns("mae", pred, target)?;
    Ok((p.iter().zip(&t).map(|(a, b)| (a - b).abs()).sum::<f64>() / p.len().max(1) as f64) as f32)
}

/// Mean squared error (`sklearn.metrics.mean_squared_error`).
pub fn mse(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t, _) = columns("mse", pred, target)?;
    Ok((p.iter().zip(&t).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / p.len().max(1) as f64) as f32)
}

/// Root mean squared error of each output, averaged over outputs
/// (`sklearn.metrics.root_mean_squared_error`; one output: √MSE).
pub fn rmse(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t, k) = columns("rmse", pred, target)?;
    let v =
        per_output(&p, &t, k, |c| (c.iter().map(|(a, b)| (a - b).powi(2)).sum::<f64>() / c.len().max(1) as f64).sqrt());
    Ok(v as f32)
}

/// R² = 1 − SS_res / SS_tot of each output (1 is perfect, 0 is predicting
/// the mean), averaged over outputs, as `sklearn.metrics.r2_score`; a
/// constant target column scores 1 if predicted exactly, else 0
/// (scikit-learn's `force_finite=True`).
pub fn r2(pred: &Tensor, target: &Tensor) -> Result<f32> {
    let (p, t, k) = columns("r2", pred, target)?;
    let v = per_output(&p, &t, k, |c| {
        let mean = c.iter().map(|&(_, b)| b).sum::<f64>() / c.len().max(1) as f64;
        let ss_res: f64 = c.iter().map(|(a, b)| (a - b).powi(2)).sum();
        let ss_tot: f64 = c.iter().map(|&(_, b)| (b - mean).powi(2)).sum();
        match (ss_tot == 0.0, ss_res == 0.0) {
            (true, true) => 1.0,
            (true, false) => 0.0,
            _ => 1.0 - ss_res / ss_tot,
        }
    });
    Ok(v as f32)
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
        assert!((rmse(&p, &y).unwrap() - (5.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert!((r2(&p, &y).unwrap() + 1.5).abs() < 1e-6);
    }

    /// Two outputs are scored each on its own and averaged, as
    /// scikit-learn's `multioutput="uniform_average"` (scikit-learn 1.9.1
    /// gives the two numbers below: 0.73 and 1.105171715522539):
    /// y = [[1, 10], [2, 20], [3, 30]], ŷ = [[1, 12], [2, 18], [4, 30]];
    /// `r2_score(y, ŷ)` = (0.5 + 0.96) / 2 = 0.73 (column 1: SS_res 1,
    /// SS_tot 2; column 2: SS_res 8, SS_tot 200);
    /// `root_mean_squared_error(y, ŷ)` = (√(1/3) + √(8/3)) / 2 = 1.105171;
    /// a constant column predicted exactly scores R² 1, else 0.
    #[test]
    fn multi_output_regression_is_averaged_per_output() {
        let y = t(&[1., 10., 2., 20., 3., 30.], &[3, 2]);
        let p = t(&[1., 12., 2., 18., 4., 30.], &[3, 2]);
        assert!((r2(&p, &y).unwrap() - 0.73).abs() < 1e-6);
        assert!((rmse(&p, &y).unwrap() - 1.105171).abs() < 1e-5);
        let c = t(&[5., 5., 5.], &[3]);
        assert_eq!(r2(&c, &c).unwrap(), 1.0);
        assert_eq!(r2(&t(&[5., 5., 6.], &[3]), &c).unwrap(), 0.0);
    }
}
