//! Loss primitives, promoted from compositions for numerical stability and
//! speed: binary cross-entropy from probabilities (10 elementwise ops when
//! composed) and from logits (6), both elementwise, and softmax
//! cross-entropy of logits against class labels (log-softmax, gather,
//! reshape and negation when composed: four nodes and three buffers the size
//! of the logits' per step). The targets get no gradient.

use crate::autograd::{GradAcc, Op};
use crate::ops::elementwise::sigmoid;
use crate::{Error, Result, Tensor};

impl Tensor {
    /// Per-element binary cross-entropy of probabilities `self` against
    /// targets `y` (same shape): −[y ln p + (1−y) ln(1−p)], with p clamped to
    /// [eps, 1−eps] as Keras does.
    pub fn binary_cross_entropy(&self, y: &Tensor, eps: f32) -> Result<Tensor> {
        check_same("binary_cross_entropy", self, y)?;
        let (p, t) = (self.data(), y.data());
        let mut out = crate::tensor::pool::scratch(p.len());
        for i in 0..out.len() {
            let q = p[i].clamp(eps, 1.0 - eps);
            // a hard 0/1 target needs one logarithm: the other term is an
            // exact zero (or 0·∞ = NaN with eps = 0 and q at 0 or 1, where
            // the loss itself is finite)
            out[i] = -match t[i] {
                1.0 => q.ln(),
                0.0 => (1.0 - q).ln(),
                t => t * q.ln() + (1.0 - t) * (1.0 - q).ln(),
            };
        }
        drop((p, t));
        Ok(Tensor::from_op(out, self.0.shape.clone(), self.is_tracked(), || Op::Bce(self.clone(), untracked(y), eps)))
    }

    /// Per-element binary cross-entropy of logits `self` against targets `y`:
    /// max(z, 0) − z·y + ln(1 + e^−|z|), exact for any finite z.
    pub fn binary_cross_entropy_with_logits(&self, y: &Tensor) -> Result<Tensor> {
        check_same("binary_cross_entropy_with_logits", self, y)?;
        let (z, t) = (self.data(), y.data());
        let mut out = crate::tensor::pool::scratch(z.len());
        for i in 0..out.len() {
            out[i] = z[i].max(0.0) - z[i] * t[i] + (-z[i].abs()).exp().ln_1p();
        }
        drop((z, t));
        Ok(Tensor::from_op(out, self.0.shape.clone(), self.is_tracked(), || Op::BceLogits(self.clone(), untracked(y))))
    }

    /// Softmax cross-entropy of logits `self` (`[…, classes]`) against one
    /// class index per row: `−log_softmax(self)[label]`, shape `[…]`. One
    /// primitive instead of four, equal to the composition to the bit, forward
    /// and backward (tested).
    pub fn softmax_cross_entropy(&self, labels: &[usize]) -> Result<Tensor> {
        let shape = self.shape();
        let Some((&classes, outer)) = shape.split_last() else {
            return Err(Error::arg("softmax_cross_entropy", "the logits need a class axis"));
        };
        let rows = self.numel() / classes.max(1);
        if labels.len() != rows || classes == 0 {
            return Err(Error::arg(
                "softmax_cross_entropy",
                format!("{} labels for {rows} rows of logits of shape {shape:?}", labels.len()),
            ));
        }
        if let Some(&bad) = labels.iter().find(|&&l| l >= classes) {
            return Err(Error::arg(
                "softmax_cross_entropy",
                format!("label {bad} is not a class index in 0..{classes}"),
            ));
        }
        let mut loss = crate::tensor::pool::scratch(rows);
        let mut stats = crate::tensor::pool::scratch(2 * rows);
        crate::kernels::softmax::softmax_ce(&self.data(), classes, labels, &mut loss, &mut stats);
        let tracked = self.is_tracked();
        Ok(Tensor::from_op(loss, outer.into(), tracked, || {
            Op::SoftmaxCe(self.clone(), labels.into(), crate::tensor::pool::Buf::new(stats))
        }))
    }
}

/// ℓ = ln Σₖ e^{z_k} − z_l ⇒ ∂ℓ/∂z_j = softmax(z)_j − [j = l].
pub(crate) fn softmax_ce_backward(z: &Tensor, labels: &[usize], stats: &[f32], g: &[f32], acc: &mut GradAcc) {
    let zd = z.data();
    let classes = z.shape().last().copied().unwrap_or(1);
    if let Some(dz) = acc.slot(z) {
        crate::kernels::softmax::softmax_ce_backward(&zd, classes, labels, stats, g, dz);
    }
}

/// The targets as the op keeps them: they get no gradient, so a tracked
/// target is detached (an untracked one, the usual case, is kept as is).
fn untracked(y: &Tensor) -> Tensor {
    if y.is_tracked() {
        y.detach()
    } else {
        y.clone()
    }
}

fn check_same(op: &'static str, p: &Tensor, y: &Tensor) -> Result<()> {
    if p.shape() != y.shape() {
        return Err(Error::shape(op, p.shape(), y.shape(), "predictions and targets must have the same shape"));
    }
    Ok(())
}

/// ℓ = −[y ln q + (1−y) ln(1−q)], q = clamp(p) ⇒ dℓ/dp = (q − y) / (q(1 − q))
/// inside the clamp, 0 where the clamp is active.
pub(crate) fn bce_backward(p: &Tensor, y: &Tensor, eps: f32, g: &[f32], acc: &mut GradAcc) {
    let (pd, t) = (p.data(), y.data());
    if let Some(dp) = acc.slot(p) {
        for i in 0..g.len() {
            let q = pd[i];
            if q >= eps && q <= 1.0 - eps {
                dp[i] += g[i] * (q - t[i]) / (q * (1.0 - q));
            }
        }
    }
}

/// ℓ = max(z,0) − zy + ln(1+e^−|z|) ⇒ dℓ/dz = σ(z) − y.
pub(crate) fn bce_logits_backward(z: &Tensor, y: &Tensor, g: &[f32], acc: &mut GradAcc) {
    let (zd, t) = (z.data(), y.data());
    if let Some(dz) = acc.slot(z) {
        for i in 0..g.len() {
            dz[i] += g[i] * (sigmoid(zd[i]) - t[i]);
        }
    }
}
