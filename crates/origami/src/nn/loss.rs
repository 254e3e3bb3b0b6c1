//! Loss functions: regression (MSE, MAE, Huber) and classification
//! (binary, categorical and sparse categorical cross-entropy).
//!
//! Every loss is computed in two steps, as in Keras: a per-sample loss (the
//! prediction's shape without its last axis; a rank-1 prediction counts each
//! element as a sample), then a [`Reduction`] with optional sample weights.
//! The cross-entropies from logits never form probabilities: they use the
//! fused log-softmax (categorical) or max(z,0) − zy + ln(1+e^−|z|) (binary),
//! which stay exact at logits of ±10⁴ where a softmax followed by a log
//! would give −∞ and NaN gradients.
//!
//! The categorical cross-entropies of probabilities (categorical and
//! sparse) follow Keras 3: the predictions are first divided by their sum
//! over the class axis, then clipped to [ε, 1 − ε] with ε = 10⁻⁷, then
//! logged. So predictions that do not sum to 1 are treated as the
//! distribution they are proportional to, not as a sub- or
//! super-distribution. (PyTorch has no such loss: its `NLLLoss` takes log
//! probabilities as given.)

use crate::{Error, Result, Tensor};

/// Probabilities are clipped into [EPS, 1 − EPS] before a log (Keras's
/// `backend.epsilon()`).
const EPS: f32 = 1e-7;

/// How per-sample losses become one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Σ wᵢ·lᵢ / (number of losses), Keras's `sum_over_batch_size`.
    #[default]
    Mean,
    /// Σ wᵢ·lᵢ.
    Sum,
}

/// A loss, chosen by value in a training config.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Loss {
    /// Mean of (ŷ − y)² over the last axis.
    #[default]
    MeanSquaredError,
    /// Mean of |ŷ − y| over the last axis.
    MeanAbsoluteError,
    /// ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond; mean over the last axis.
    Huber { delta: f32 },
    /// Binary cross-entropy; targets in [0, 1], same shape as predictions;
    /// probabilities clipped to [ε, 1 − ε] as Keras.
    BinaryCrossentropy { from_logits: bool },
    /// Cross-entropy against one-hot (or soft) targets of the predictions'
    /// shape; probabilities renormalised to sum 1 and clipped, as Keras
    /// (module docs).
    CategoricalCrossentropy { from_logits: bool },
    /// Cross-entropy against class indices: targets hold one index (as an
    /// f32) per sample, in the predictions' shape without the class axis
    /// (or with a class axis of size 1); probabilities renormalised and
    /// clipped as `CategoricalCrossentropy`.
    SparseCategoricalCrossentropy { from_logits: bool },
}

impl Loss {
    /// The mean loss over the batch.
    pub fn compute(&self, y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
        self.compute_with(y_pred, y_true, Reduction::Mean, None)
    }

    /// The loss with a chosen reduction and optional per-sample weights
    /// (shape `[n]`, or the per-sample losses' shape).
    pub fn compute_with(
        &self,
        y_pred: &Tensor,
        y_true: &Tensor,
        reduction: Reduction,
        sample_weight: Option<&Tensor>,
    ) -> Result<Tensor> {
        // The mean of per-sample means over equal-sized samples is the mean
        // of all elements: one reduction instead of two (and two fewer graph
        // nodes per step, which a playground-sized network notices).
        if reduction == Reduction::Mean && sample_weight.is_none() {
            if let Some(per_elem) = self.per_element(y_pred, y_true)? {
                return Ok(per_elem.mean_all());
            }
        }
        reduce(&self.per_sample(y_pred, y_true)?, reduction, sample_weight)
    }

    /// The unreduced losses: one per sample (per position of a sequence).
    pub fn per_sample(&self, y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
        match *self {
            Loss::SparseCategoricalCrossentropy { from_logits } => {
                let labels = labels_from_tensor(y_pred, y_true)?;
                sparse_ce(y_pred, &labels, from_logits)
            }
            Loss::CategoricalCrossentropy { from_logits } => {
                let y_true = &keras_column(y_pred, y_true)?;
                check_same_shape(self.name(), y_pred, y_true)?;
                let logp = log_probs(y_pred, from_logits)?;
                let last = last_axis(y_pred)?;
                y_true.mul(&logp)?.sum_axis(last, false).map(|t| t.neg())
            }
            _ => {
                let per_elem = self.per_element(y_pred, y_true)?.expect("an elementwise loss");
                if y_pred.rank() <= 1 {
                    Ok(per_elem)
                } else {
                    per_elem.mean_axis(y_pred.rank() - 1, false)
                }
            }
        }
    }

    /// The loss of every output element, for the losses that have one (all
    /// but the cross-entropies over classes, which are per sample).
    fn per_element(&self, y_pred: &Tensor, y_true: &Tensor) -> Result<Option<Tensor>> {
        match *self {
            Loss::SparseCategoricalCrossentropy { .. } | Loss::CategoricalCrossentropy { .. } => Ok(None),
            _ => {
                let y_true = &keras_column(y_pred, y_true)?;
                check_same_shape(self.name(), y_pred, y_true)?;
                Ok(Some(match *self {
                    Loss::MeanSquaredError => y_pred.sub(y_true)?.square(),
                    Loss::MeanAbsoluteError => y_pred.sub(y_true)?.abs(),
                    Loss::Huber { delta } => {
                        if delta.is_nan() || delta <= 0.0 {
                            return Err(Error::arg("huber", format!("δ must be positive, got {delta}")));
                        }
                        // with a = |e| and q = min(a, δ): ½q² + δ(a − q) is
                        // ½e² inside and δ(|e| − ½δ) outside, with no branch.
                        let a = y_pred.sub(y_true)?.abs();
                        let q = a.min_scalar(delta);
                        q.square().mul_scalar(0.5).add(&a.sub(&q)?.mul_scalar(delta))?
                    }
                    // max(z,0) − z·y + ln(1 + e^−|z|), one fused primitive
                    Loss::BinaryCrossentropy { from_logits: true } => {
                        y_pred.binary_cross_entropy_with_logits(y_true)?
                    }
                    // −[y ln p + (1−y) ln(1−p)] with p clamped to [ε, 1−ε], one fused primitive
                    Loss::BinaryCrossentropy { from_logits: false } => y_pred.binary_cross_entropy(y_true, EPS)?,
                    Loss::CategoricalCrossentropy { .. } | Loss::SparseCategoricalCrossentropy { .. } => {
                        unreachable!("handled above")
                    }
                }))
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Loss::MeanSquaredError => "mse",
            Loss::MeanAbsoluteError => "mae",
            Loss::Huber { .. } => "huber",
            Loss::BinaryCrossentropy { .. } => "binary_crossentropy",
            Loss::CategoricalCrossentropy { .. } => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy { .. } => "sparse_categorical_crossentropy",
        }
    }
}

/// Reduces per-sample `losses` to a scalar. `sample_weight` of shape `[n]`
/// weighs whole samples (every position of a sequence sample); any other
/// shape must broadcast against the losses.
pub fn reduce(losses: &Tensor, reduction: Reduction, sample_weight: Option<&Tensor>) -> Result<Tensor> {
    let weighted = match sample_weight {
        None => losses.clone(),
        Some(w) => {
            let w = if w.rank() == 1 && losses.rank() > 1 && w.shape()[0] == losses.shape()[0] {
                let mut s = vec![1; losses.rank()];
                s[0] = w.shape()[0];
                w.reshape(&s)?
            } else {
                w.clone()
            };
            let out = losses.mul(&w)?;
            if out.shape() != losses.shape() {
                return Err(Error::shape(
                    "loss",
                    losses.shape(),
                    w.shape(),
                    "sample weights must broadcast to the per-sample losses",
                ));
            }
            out
        }
    };
    Ok(match reduction {
        Reduction::Mean => weighted.mean_all(),
        Reduction::Sum => weighted.sum_all(),
    })
}

/// Keras's rule: targets [n] against predictions [n, 1] (one output unit)
/// are the same column.
fn keras_column(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    if y_pred.rank() == y_true.rank() + 1
        && y_pred.shape().last() == Some(&1)
        && y_pred.shape()[..y_true.rank()] == *y_true.shape()
    {
        y_true.reshape(y_pred.shape())
    } else {
        Ok(y_true.clone())
    }
}

fn check_same_shape(op: &'static str, y_pred: &Tensor, y_true: &Tensor) -> Result<()> {
    if y_pred.shape() != y_true.shape() {
        return Err(Error::shape(
            op,
            y_pred.shape(),
            y_true.shape(),
            "predictions and targets must have the same shape",
        ));
    }
    Ok(())
}

fn last_axis(y_pred: &Tensor) -> Result<usize> {
    if y_pred.rank() == 0 {
        return Err(Error::arg("crossentropy", "predictions need a class axis"));
    }
    Ok(y_pred.rank() - 1)
}

/// ln p over the last axis: log-softmax of logits, or, as Keras 3, the log
/// of probabilities divided by their sum over the classes and clipped to
/// [ε, 1 − ε].
fn log_probs(y_pred: &Tensor, from_logits: bool) -> Result<Tensor> {
    let last = last_axis(y_pred)?;
    if from_logits {
        y_pred.log_softmax(last)
    } else {
        let total = y_pred.sum_axis(last, true)?;
        Ok(y_pred.div(&total)?.clamp(EPS, 1.0 - EPS).log())
    }
}

/// Class indices from an f32 tensor, checked to be whole numbers in range.
fn labels_from_tensor(y_pred: &Tensor, y_true: &Tensor) -> Result<Vec<usize>> {
    let last = last_axis(y_pred)?;
    let outer = &y_pred.shape()[..last];
    let fits = y_true.shape() == outer
        || (y_true.shape().len() == last + 1 && &y_true.shape()[..last] == outer && y_true.shape()[last] == 1);
    if !fits {
        return Err(Error::shape(
            "sparse_categorical_crossentropy",
            y_pred.shape(),
            y_true.shape(),
            "the labels must have the predictions' shape without the class axis (one index per sample)",
        ));
    }
    let classes = y_pred.shape()[last];
    y_true
        .data()
        .iter()
        .map(|&v| {
            if v >= 0.0 && v.fract() == 0.0 && (v as usize) < classes {
                Ok(v as usize)
            } else {
                Err(Error::arg(
                    "sparse_categorical_crossentropy",
                    format!("label {v} is not a class index in 0..{classes}"),
                ))
            }
        })
        .collect()
}

/// −ln p[label] per sample, picked with `gather` from the log-probabilities.
fn sparse_ce(y_pred: &Tensor, labels: &[usize], from_logits: bool) -> Result<Tensor> {
    let last = last_axis(y_pred)?;
    let classes = y_pred.shape()[last];
    let samples = y_pred.numel() / classes.max(1);
    if labels.len() != samples {
        return Err(Error::arg(
            "sparse_categorical_crossentropy",
            format!("{} labels for {samples} predictions of shape {:?}", labels.len(), y_pred.shape()),
        ));
    }
    if let Some(&bad) = labels.iter().find(|&&l| l >= classes) {
        return Err(Error::arg(
            "sparse_categorical_crossentropy",
            format!("label {bad} is not a class index in 0..{classes}"),
        ));
    }
    if from_logits {
        // one fused primitive, equal to the composition below to the bit
        return y_pred.softmax_cross_entropy(labels);
    }
    let picked = log_probs(y_pred, from_logits)?.gather(last, labels)?;
    Ok(picked.reshape(&y_pred.shape()[..last])?.neg())
}

/// Mean squared error.
pub fn mse(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::MeanSquaredError.compute(y_pred, y_true)
}

/// Mean absolute error.
pub fn mae(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::MeanAbsoluteError.compute(y_pred, y_true)
}

/// Huber loss with threshold `delta` (Keras's default is 1).
pub fn huber(y_pred: &Tensor, y_true: &Tensor, delta: f32) -> Result<Tensor> {
    Loss::Huber { delta }.compute(y_pred, y_true)
}

/// Binary cross-entropy of probabilities.
pub fn binary_crossentropy(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::BinaryCrossentropy { from_logits: false }.compute(y_pred, y_true)
}

/// Binary cross-entropy of logits (stable for any logit).
pub fn binary_crossentropy_with_logits(logits: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::BinaryCrossentropy { from_logits: true }.compute(logits, y_true)
}

/// Categorical cross-entropy of probabilities (renormalised and clipped, as
/// Keras) against one-hot targets.
pub fn categorical_crossentropy(y_pred: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::CategoricalCrossentropy { from_logits: false }.compute(y_pred, y_true)
}

/// Categorical cross-entropy of logits against one-hot targets (fused log-softmax).
pub fn categorical_crossentropy_with_logits(logits: &Tensor, y_true: &Tensor) -> Result<Tensor> {
    Loss::CategoricalCrossentropy { from_logits: true }.compute(logits, y_true)
}

/// Sparse categorical cross-entropy of probabilities (renormalised and
/// clipped, as Keras), labels as an f32 tensor.
pub fn sparse_categorical_crossentropy(y_pred: &Tensor, labels: &Tensor) -> Result<Tensor> {
    Loss::SparseCategoricalCrossentropy { from_logits: false }.compute(y_pred, labels)
}

/// Sparse categorical cross-entropy of logits, labels as an f32 tensor.
pub fn sparse_categorical_crossentropy_with_logits(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    Loss::SparseCategoricalCrossentropy { from_logits: true }.compute(logits, labels)
}

/// Sparse categorical cross-entropy with labels as indices (one per
/// sample, in row-major order of the predictions without their class axis),
/// reduced as asked.
pub fn sparse_categorical_crossentropy_indices(
    y_pred: &Tensor,
    labels: &[usize],
    from_logits: bool,
    reduction: Reduction,
) -> Result<Tensor> {
    reduce(&sparse_ce(y_pred, labels, from_logits)?, reduction, None)
}

/// One-hot rows `[n, classes]` for class indices.
pub fn one_hot(labels: &[usize], classes: usize) -> Result<Tensor> {
    let mut v = vec![0.0; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        if l >= classes {
            return Err(Error::arg("one_hot", format!("label {l} is not a class index in 0..{classes}")));
        }
        v[i * classes + l] = 1.0;
    }
    Tensor::from_vec(v, &[labels.len(), classes])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_gradients;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }
    fn val(r: Result<Tensor>) -> f32 {
        r.unwrap().item().unwrap()
    }
    #[track_caller]
    fn close(a: f32, b: f32, tol: f32) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn targets_of_shape_n_match_one_output_column() {
        // BCE(p=0.8, y=1) = −ln 0.8; BCE(p=0.4, y=0) = −ln 0.6
        let l = Loss::BinaryCrossentropy { from_logits: false };
        let want = -(0.8f32.ln() + 0.6f32.ln()) / 2.0;
        close(val(l.compute(&t(&[0.8, 0.4], &[2, 1]), &t(&[1.0, 0.0], &[2]))), want, 1e-6);
        // any other mismatch is still an error naming both shapes
        let e = l.compute(&t(&[0.8, 0.4], &[2, 1]), &t(&[1.0, 0.0, 1.0], &[3])).unwrap_err().to_string();
        assert!(e.contains("[2, 1]") && e.contains("[3]"), "{e}");
    }

    #[test]
    fn regression_losses_by_hand() {
        let p = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
        let y = t(&[1.5, 2.0, 0.0, 4.0], &[2, 2]);
        // errors: −0.5, 0, 3, 0
        close(val(mse(&p, &y)), (0.25 + 9.0) / 4.0, 1e-6);
        close(val(mae(&p, &y)), 3.5 / 4.0, 1e-6);
        // huber δ=1: ½·0.25 = 0.125, 0, 1·(3 − 0.5) = 2.5, 0
        close(val(huber(&p, &y, 1.0)), 2.625 / 4.0, 1e-6);
        let per = Loss::MeanSquaredError.per_sample(&p, &y).unwrap().to_vec();
        assert_eq!(per, vec![0.125, 4.5]);
        close(val(Loss::MeanSquaredError.compute_with(&p, &y, Reduction::Sum, None)), 4.625, 1e-6);
        // sample weights [2, 0]: (2·0.125 + 0)/2
        let w = t(&[2.0, 0.0], &[2]);
        close(val(Loss::MeanSquaredError.compute_with(&p, &y, Reduction::Mean, Some(&w))), 0.125, 1e-6);
        assert!(mse(&p, &t(&[1.0], &[1])).is_err());
        assert!(huber(&p, &y, 0.0).is_err());
    }

    #[test]
    fn binary_crossentropy_by_hand_and_at_extreme_logits() {
        let p = t(&[0.9, 0.2], &[2, 1]);
        let y = t(&[1.0, 0.0], &[2, 1]);
        close(val(binary_crossentropy(&p, &y)), -(0.9f32.ln() + 0.8f32.ln()) / 2.0, 1e-6);
        // logits of the same probabilities give the same loss
        let z = t(&[(0.9f32 / 0.1).ln(), (0.2f32 / 0.8).ln()], &[2, 1]);
        close(val(binary_crossentropy_with_logits(&z, &y)), -(0.9f32.ln() + 0.8f32.ln()) / 2.0, 1e-5);
        // ±1e4: right answers give 0, wrong ones give 1e4, never NaN
        let z = t(&[1e4, -1e4, 1e4, -1e4], &[4]);
        let y = t(&[1.0, 0.0, 0.0, 1.0], &[4]);
        let per = Loss::BinaryCrossentropy { from_logits: true }.per_sample(&z, &y).unwrap().to_vec();
        assert_eq!(per, vec![0.0, 0.0, 1e4, 1e4]);
        let zg = z.requires_grad();
        let g = binary_crossentropy_with_logits(&zg, &y).unwrap().backward().unwrap();
        // d/dz = (σ(z) − y)/n
        assert_eq!(g.wrt(&zg).unwrap().to_vec(), vec![0.0, 0.0, 0.25, -0.25]);
        // probabilities of exactly 0 and 1 are clipped, not ln 0
        let l = val(binary_crossentropy(&t(&[0.0, 1.0], &[2]), &t(&[1.0, 0.0], &[2])));
        assert!(l.is_finite() && l > 10.0);
    }

    #[test]
    fn categorical_crossentropies_by_hand() {
        let logits = t(&[2.0, 1.0, 0.1, 0.5, 2.5, -1.0], &[2, 3]);
        let lse = |v: [f32; 3]| v.iter().map(|x| x.exp()).sum::<f32>().ln();
        let l0 = lse([2.0, 1.0, 0.1]) - 2.0;
        let l1 = lse([0.5, 2.5, -1.0]) - 2.5;
        let want = (l0 + l1) / 2.0;
        let onehot = one_hot(&[0, 1], 3).unwrap();
        close(val(categorical_crossentropy_with_logits(&logits, &onehot)), want, 1e-6);
        let probs = logits.softmax(1).unwrap();
        close(val(categorical_crossentropy(&probs, &onehot)), want, 1e-6);
        let labels = t(&[0.0, 1.0], &[2]);
        close(val(sparse_categorical_crossentropy_with_logits(&logits, &labels)), want, 1e-6);
        close(val(sparse_categorical_crossentropy(&probs, &labels)), want, 1e-6);
        close(val(sparse_categorical_crossentropy(&probs, &t(&[0.0, 1.0], &[2, 1]))), want, 1e-6);
        close(val(sparse_categorical_crossentropy_indices(&logits, &[0, 1], true, Reduction::Sum)), 2.0 * want, 1e-5);
        // bad labels are errors, not panics
        assert!(sparse_categorical_crossentropy_with_logits(&logits, &t(&[0.0, 3.0], &[2])).is_err());
        assert!(sparse_categorical_crossentropy_with_logits(&logits, &t(&[0.5, 1.0], &[2])).is_err());
        assert!(sparse_categorical_crossentropy_with_logits(&logits, &t(&[0.0, 1.0, 2.0], &[3])).is_err());
        assert!(sparse_categorical_crossentropy_indices(&logits, &[0, 7], true, Reduction::Mean).is_err());
        // a sequence: logits [n, t, k], labels [n, t]
        let seq = t(&[2.0, 1.0, 0.1, 0.5, 2.5, -1.0], &[1, 2, 3]);
        close(val(sparse_categorical_crossentropy_with_logits(&seq, &t(&[0.0, 1.0], &[1, 2]))), want, 1e-6);
    }

    /// Keras 3's rule for categorical cross-entropy of probabilities
    /// (`keras/src/backend/*/nn.py`: `output / sum(output, -1)`, then
    /// `clip(ε, 1 − ε)`, then `−Σ target·log`), computed in f64 here, on rows
    /// that do not sum to 1 and with a 0 and a 1 that the clip catches.
    #[test]
    fn crossentropy_of_probabilities_renormalises_as_keras() {
        let rows: [[f64; 3]; 3] = [[0.2, 0.2, 0.4], [1.5, 0.3, 0.2], [0.0, 1.0, 0.0]];
        let labels = [2usize, 0, 0];
        let keras: Vec<f64> = rows
            .iter()
            .zip(labels)
            .map(|(r, l)| {
                let s: f64 = r.iter().sum();
                let eps = EPS as f64;
                -(r[l] / s).clamp(eps, 1.0 - eps).ln()
            })
            .collect();
        let p = t(&rows.iter().flatten().map(|&v| v as f32).collect::<Vec<_>>(), &[3, 3]);
        let cce = Loss::CategoricalCrossentropy { from_logits: false };
        let got = cce.per_sample(&p, &one_hot(&labels, 3).unwrap()).unwrap().to_vec();
        let sparse = Loss::SparseCategoricalCrossentropy { from_logits: false };
        let got_sparse = sparse.per_sample(&p, &t(&[2.0, 0.0, 0.0], &[3])).unwrap().to_vec();
        for i in 0..3 {
            // the third row's 0 is clipped to ε: −ln ε ≈ 16.118
            let tol = 1e-6 * keras[i].max(1.0);
            assert!((got[i] as f64 - keras[i]).abs() < tol, "row {i}: {} vs Keras {}", got[i], keras[i]);
            assert!((got_sparse[i] as f64 - keras[i]).abs() < tol, "row {i}: {} vs Keras {}", got_sparse[i], keras[i]);
        }
        // rows 0 and 1 are not distributions: renormalised they give −ln 0.5
        // and −ln 0.75 (as given, −ln 0.4 and the clipped −ln 1)
        assert!((keras[0] - 2f64.ln()).abs() < 1e-12 && (keras[1] + 0.75f64.ln()).abs() < 1e-12);
        // the gradient through the renormalisation
        let q = t(&[0.2, 0.2, 0.4, 1.5, 0.3, 0.2], &[2, 3]);
        let onehot = one_hot(&[2, 0], 3).unwrap();
        let r = check_gradients(|x| cce.compute(&x[0], &onehot), std::slice::from_ref(&q), 1e-3).unwrap();
        assert!(r.max_error < 2e-3, "{r:?}");
        let labels = t(&[2.0, 0.0], &[2]);
        let r = check_gradients(|x| sparse.compute(&x[0], &labels), &[q], 1e-3).unwrap();
        assert!(r.max_error < 2e-3, "{r:?}");
    }

    #[test]
    fn extreme_logits_give_no_nan() {
        let logits = t(&[1e4, -1e4, 0.0, -1e4, 1e4, 1e4], &[2, 3]);
        let labels = [0usize, 0];
        let per = Loss::SparseCategoricalCrossentropy { from_logits: true }
            .per_sample(&logits, &t(&[0.0, 0.0], &[2]))
            .unwrap()
            .to_vec();
        assert_eq!(per[0], 0.0);
        // −1e4 − ln(2e^{1e4}) = −(2e4 + ln 2)
        close(per[1], 2e4 + std::f32::consts::LN_2, 1e-1);
        let lg = logits.clone().requires_grad();
        let loss = sparse_categorical_crossentropy_indices(&lg, &labels, true, Reduction::Mean).unwrap();
        let g = loss.backward().unwrap();
        assert!(g.wrt(&lg).unwrap().to_vec().iter().all(|v| v.is_finite()));
        let oh = one_hot(&labels, 3).unwrap();
        let l = val(categorical_crossentropy_with_logits(&logits, &oh));
        assert!(l.is_finite());
        let probs = logits.softmax(1).unwrap();
        assert!(val(categorical_crossentropy(&probs, &oh)).is_finite());
    }

    #[test]
    fn gradients() {
        let p = t(&[0.3, -0.8, 1.7, 0.4, -1.2, 0.9], &[2, 3]);
        let y = t(&[0.1, 0.2, 0.3, -0.4, 0.5, 2.9], &[2, 3]);
        let probs = t(&[0.3, 0.3, 0.4, 0.5, 0.2, 0.3], &[2, 3]);
        let onehot = one_hot(&[2, 0], 3).unwrap();
        let bin = t(&[1.0, 0.0, 1.0, 0.0, 0.0, 1.0], &[2, 3]);
        // away from 0 and 1: −ln p has a third derivative of −2/p³, whose
        // finite-difference error would swamp the tolerance near p = 0.1
        let bin_probs = t(&[0.3, 0.6, 0.4, 0.5, 0.7, 0.6], &[2, 3]);
        let labels = t(&[2.0, 0.0], &[2]);
        let cases: Vec<(Loss, Tensor, Tensor)> = vec![
            (Loss::MeanSquaredError, p.clone(), y.clone()),
            (Loss::MeanAbsoluteError, p.clone(), y.clone()),
            (Loss::Huber { delta: 1.0 }, p.clone(), y.clone()),
            (Loss::BinaryCrossentropy { from_logits: true }, p.clone(), bin.clone()),
            (Loss::BinaryCrossentropy { from_logits: false }, bin_probs, bin.clone()),
            (Loss::CategoricalCrossentropy { from_logits: true }, p.clone(), onehot.clone()),
            (Loss::CategoricalCrossentropy { from_logits: false }, probs.clone(), onehot.clone()),
            (Loss::SparseCategoricalCrossentropy { from_logits: true }, p.clone(), labels.clone()),
            (Loss::SparseCategoricalCrossentropy { from_logits: false }, probs.clone(), labels.clone()),
        ];
        for (loss, pred, target) in cases {
            let r = check_gradients(|x| loss.compute(&x[0], &target), &[pred], 1e-2).unwrap();
            assert!(r.max_error < 2e-3, "{loss:?}: {r:?}");
        }
    }
}
