//! Predicted probabilities and the log loss.

use super::{rows, same_count, target_labels};
use crate::{Error, Result, Tensor};

/// Probabilities are clipped into [ε, 1 − ε] before the log, with ε the
/// machine epsilon of f32 (2⁻²³ ≈ 1.19·10⁻⁷): scikit-learn's `log_loss`
/// clips with `np.finfo(y_pred.dtype).eps`, and a model's probabilities
/// are f32.
pub const LOG_LOSS_EPS: f64 = f32::EPSILON as f64;

/// Each row's class probabilities, in f64, row-major `n × classes`: the
/// softmax of logits (`from_logits`) or the values as given for `[n, k]`,
/// `k ≥ 2`; for one column (binary) `[1 − p, p]` with p the value or the
/// sigmoid of the logit, so `classes` is 2. Given probabilities must lie in
/// [0, 1] (scikit-learn refuses others too); rows are not renormalised.
pub fn probabilities(pred: &Tensor, from_logits: bool) -> Result<(Vec<f64>, usize)> {
    let (n, k) = rows("probabilities", pred)?;
    let v: Vec<f64> = pred.data().iter().map(|&x| x as f64).collect();
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::arg("probabilities", format!("prediction {} at row {} is not finite", v[i], i / k.max(1))));
    }
    if !from_logits {
        if let Some(i) = v.iter().position(|x| !(0.0..=1.0).contains(x)) {
            return Err(Error::arg(
                "probabilities",
                format!(
                    "prediction {} at row {} is not a probability in [0, 1]; is the loss from logits?",
                    v[i],
                    i / k.max(1)
                ),
            ));
        }
    }
    if k == 1 {
        let p = |x: f64| if from_logits { 1.0 / (1.0 + (-x).exp()) } else { x };
        return Ok((v.iter().flat_map(|&x| [1.0 - p(x), p(x)]).collect(), 2));
    }
    if !from_logits {
        return Ok((v, k));
    }
    let mut out = Vec::with_capacity(n * k);
    for row in v.chunks_exact(k) {
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = row.iter().map(|x| (x - m).exp()).sum();
        out.extend(row.iter().map(|x| (x - m).exp() / z));
    }
    Ok((out, k))
}

/// The mean negative log-probability of each row's true class,
/// `sklearn.metrics.log_loss(y, p, labels=range(k))`: probabilities (from
/// [`probabilities`]) clipped to [ε, 1 − ε] with ε = [`LOG_LOSS_EPS`].
/// Targets are class indices (or one-hot rows).
pub fn log_loss(pred: &Tensor, target: &Tensor, from_logits: bool) -> Result<f64> {
    let (n, _) = rows("log_loss", pred)?;
    same_count("log_loss", pred, target, n)?;
    let (p, k) = probabilities(pred, from_logits)?;
    let labels = target_labels("log_loss", target, k)?;
    let total: f64 =
        labels.iter().enumerate().map(|(i, &c)| -p[i * k + c].clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS).ln()).sum();
    Ok(total / n.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }

    /// scikit-learn 1.9.1:
    /// `log_loss([0, 2, 1], [[.7, .2, .1], [.1, .3, .6], [.25, .5, .25]])`
    /// = 0.5202159160882228 (= −(ln .7 + ln .6 + ln .5) / 3);
    /// `log_loss([1, 0, 1], [.9, .2, 0.], labels=[0, 1])` clips the 0 to
    /// ε = 1.1920929e-07 for float32 input: 5.4236297607421875 (in f32),
    /// in f64 −(ln .9 + ln .8 + ln ε) / 3 = 5.42362973995026.
    #[test]
    fn log_loss_matches_scikit_learn() {
        let p = t(&[0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25], &[3, 3]);
        let y = t(&[0., 2., 1.], &[3]);
        assert!((log_loss(&p, &y, false).unwrap() - 0.5202159160882228).abs() < 1e-6);
        let b = t(&[0.9, 0.2, 0.0], &[3]);
        let want = -((0.9f64).ln() + (0.8f64).ln() + (f32::EPSILON as f64).ln()) / 3.0;
        assert!((log_loss(&b, &t(&[1., 0., 1.], &[3]), false).unwrap() - want).abs() < 1e-6);
        assert!((want - 5.42362973995026).abs() < 1e-9);
        // one-hot targets are read by their arg-max
        let oh = t(&[1., 0., 0., 0., 0., 1., 0., 1., 0.], &[3, 3]);
        assert!((log_loss(&p, &oh, false).unwrap() - 0.5202159160882228).abs() < 1e-6);
    }

    /// Logits go through softmax (sigmoid for one column) first: logits
    /// ln(.7, .2, .1) are the probabilities above, and a logit 0 is p = ½.
    #[test]
    fn logits_become_probabilities() {
        let l: Vec<f32> = [0.7f32, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25].iter().map(|p| p.ln() + 3.0).collect();
        let v = log_loss(&t(&l, &[3, 3]), &t(&[0., 2., 1.], &[3]), true).unwrap();
        assert!((v - 0.5202159160882228).abs() < 1e-6, "{v}");
        let (p, k) = probabilities(&t(&[0.0, 2.0], &[2, 1]), true).unwrap();
        assert_eq!(k, 2);
        assert!((p[1] - 0.5).abs() < 1e-12 && (p[3] - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-12);
        // probabilities outside [0, 1] are refused, naming the row
        let e = log_loss(&t(&[0.5, 1.5], &[2]), &t(&[0., 1.], &[2]), false).unwrap_err().to_string();
        assert!(e.contains("1.5") && e.contains("row 1") && e.contains("from logits"), "{e}");
        let e = log_loss(&t(&[0.5, f32::NAN], &[2]), &t(&[0., 1.], &[2]), true).unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
    }
}
