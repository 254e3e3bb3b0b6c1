//! ROC AUC from ranks: the Mann–Whitney U statistic, ties averaged.
//!
//! The area under the ROC curve is the probability that a random positive
//! scores above a random negative, ties counting one half. Ranking every
//! score once (average ranks for ties) gives it exactly in O(n log n), with
//! no threshold grid: `sklearn.metrics.roc_auc_score` computes the same
//! number from its exact curve.

use super::{probabilities, rows, same_count, target_labels};
use crate::{Error, Result, Tensor};

/// The AUC of `scores` for the `positive` rows against the others
/// (Mann–Whitney: (R₊ − n₊(n₊+1)/2) / (n₊·n₋), R₊ the positives' rank sum
/// with ties given their average rank). Undefined when either side is
/// empty: an error, as scikit-learn's ("Only one class is present in
/// y_true").
pub fn binary_auc(scores: &[f64], positive: &[bool]) -> Result<f64> {
    if scores.len() != positive.len() {
        return Err(Error::arg("roc_auc", format!("{} scores for {} targets", scores.len(), positive.len())));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::arg("roc_auc", format!("score {} at row {i} is not finite", scores[i])));
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        let only = if n_pos == 0 { "negative" } else { "positive" };
        return Err(Error::arg(
            "roc_auc",
            format!(
                "ROC AUC is undefined: all {} targets are {only} (it compares positives with negatives)",
                positive.len()
            ),
        ));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // ranks i+1 ..= j+1 share their mean
        let mean_rank = (i + j + 2) as f64 / 2.0;
        rank_sum += mean_rank * order[i..=j].iter().filter(|&&r| positive[r]).count() as f64;
        i = j + 1;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// ROC AUC of a classifier's predictions, as `sklearn.metrics.roc_auc_score`:
/// for two classes the AUC of class 1's score; for k > 2 the one-vs-rest
/// AUC of each class's probability, averaged with equal weights
/// (`multi_class="ovr", average="macro"`).
///
/// Scores are ranked, so any strictly increasing map of them gives the same
/// AUC: a binary model's single logit (or the difference of its two logits)
/// is ranked as it is, which avoids the ties a sigmoid rounded to 1.0 in
/// f32 would make. For k > 2 the probabilities are the softmax of logits in
/// f64 (`from_logits`), or the predictions as given.
///
/// Targets are class indices (or one-hot rows). A class absent from the
/// targets makes its one-vs-rest AUC undefined: an error naming it
/// (scikit-learn raises too), never a silent average over fewer classes.
pub fn roc_auc(pred: &Tensor, target: &Tensor, from_logits: bool) -> Result<f64> {
    let (n, k) = rows("roc_auc", pred)?;
    same_count("roc_auc", pred, target, n)?;
    let classes = k.max(2);
    let labels = target_labels("roc_auc", target, classes)?;
    let v = pred.data();
    if k <= 2 {
        let scores: Vec<f64> = match (k, from_logits) {
            (1, _) => v.iter().map(|&x| x as f64).collect(),
            (_, true) => v.chunks_exact(2).map(|r| r[1] as f64 - r[0] as f64).collect(),
            (_, false) => v.chunks_exact(2).map(|r| r[1] as f64).collect(),
        };
        drop(v);
        let positive: Vec<bool> = labels.iter().map(|&c| c == 1).collect();
        return binary_auc(&scores, &positive);
    }
    drop(v);
    let (p, k) = probabilities(pred, from_logits)?;
    let mut total = 0.0;
    for c in 0..k {
        let positive: Vec<bool> = labels.iter().map(|&l| l == c).collect();
        if !positive.contains(&true) {
            return Err(Error::arg(
                "roc_auc",
                format!(
                    "class {c} has no sample among the {n} targets: its one-vs-rest ROC AUC, and so the macro \
                     average, is undefined"
                ),
            ));
        }
        let scores: Vec<f64> = (0..n).map(|i| p[i * k + c]).collect();
        total += binary_auc(&scores, &positive)?;
    }
    Ok(total / k as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }

    /// scikit-learn 1.9.1:
    /// `roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])` = 0.75;
    /// with ties, `roc_auc_score([0, 1, 0, 1, 1, 0], [.2, .5, .5, .9, .2, .1])`
    /// = 0.7777777777777778 (9 positive–negative pairs: 6 won, 2 tied
    /// counting ½ each → 7/9).
    #[test]
    fn binary_auc_matches_scikit_learn() {
        let a = roc_auc(&t(&[0.1, 0.4, 0.35, 0.8], &[4]), &t(&[0., 0., 1., 1.], &[4]), false).unwrap();
        assert!((a - 0.75).abs() < 1e-12, "{a}");
        let a =
            roc_auc(&t(&[0.2, 0.5, 0.5, 0.9, 0.2, 0.1], &[6, 1]), &t(&[0., 1., 0., 1., 1., 0.], &[6]), false).unwrap();
        assert!((a - 0.7777777777777778).abs() < 1e-12, "{a}");
        // two logit columns rank by their difference; the sigmoid of huge
        // logits would round to 1.0 and tie, the logits themselves do not
        let two = t(&[0., 30., 0., 20., 0., 40.], &[3, 2]);
        assert_eq!(roc_auc(&two, &t(&[1., 0., 1.], &[3]), true).unwrap(), 1.0);
        assert_eq!(roc_auc(&t(&[30., 20., 40.], &[3]), &t(&[1., 0., 1.], &[3]), true).unwrap(), 1.0);
    }

    /// scikit-learn 1.9.1, `roc_auc_score(y, p, multi_class="ovr")` with
    /// y = [0, 1, 2, 2, 1, 0] and p = [[.6, .3, .1], [.2, .5, .3],
    /// [.1, .3, .6], [.3, .3, .4], [.5, .2, .3], [.4, .4, .2]]:
    /// 0.7916666666666666 (class AUCs 0.875, 0.5, 1.0, each by
    /// `roc_auc_score(y == c, p[:, c])`).
    #[test]
    fn one_vs_rest_macro_matches_scikit_learn() {
        let p = t(&[0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.3, 0.3, 0.4, 0.5, 0.2, 0.3, 0.4, 0.4, 0.2], &[6, 3]);
        let y = t(&[0., 1., 2., 2., 1., 0.], &[6]);
        let a = roc_auc(&p, &y, false).unwrap();
        assert!((a - 0.7916666666666666).abs() < 1e-7, "{a}");
        // from logits: ln p + c has softmax p, so the same AUC
        let l: Vec<f32> = p.to_vec().iter().map(|v| v.ln() - 1.0).collect();
        assert!((roc_auc(&t(&l, &[6, 3]), &y, true).unwrap() - a).abs() < 1e-7);
    }

    #[test]
    fn undefined_cases_are_clear_errors() {
        // all one class (binary): sklearn "Only one class is present in y_true"
        let e = roc_auc(&t(&[0.2, 0.7], &[2]), &t(&[1., 1.], &[2]), false).unwrap_err().to_string();
        assert!(e.contains("undefined") && e.contains("all 2 targets are positive"), "{e}");
        // a class absent from the targets (k = 3)
        let p = t(&[0.6, 0.3, 0.1, 0.2, 0.5, 0.3], &[2, 3]);
        let e = roc_auc(&p, &t(&[0., 1.], &[2]), false).unwrap_err().to_string();
        assert!(e.contains("class 2 has no sample") && e.contains("undefined"), "{e}");
        let e = roc_auc(&t(&[0.5, f32::INFINITY], &[2]), &t(&[0., 1.], &[2]), false).unwrap_err().to_string();
        assert!(e.contains("not finite") || e.contains("probability"), "{e}");
    }
}
