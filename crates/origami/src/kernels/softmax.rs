//! Softmax and log-softmax along an axis, stable for any finite logits.
//!
//! Both subtract the row maximum before exponentiating, so `exp` never sees
//! a positive argument: logits of 1e4 give exact answers, not inf/inf.

/// `out = softmax(x)` along the axis of the (outer, len, inner) view.
pub fn softmax(x: &[f32], outer: usize, len: usize, inner: usize, out: &mut [f32]) {
    for o in 0..outer {
        for i in 0..inner {
            let at = |l: usize| o * len * inner + l * inner + i;
            let m = (0..len).map(|l| x[at(l)]).fold(f32::NEG_INFINITY, f32::max);
            let mut s = 0.0;
            for l in 0..len {
                let e = (x[at(l)] - m).exp();
                out[at(l)] = e;
                s += e;
            }
            let r = 1.0 / s;
            for l in 0..len {
                out[at(l)] *= r;
            }
        }
    }
}

/// `out = x − logsumexp(x)` along the axis.
pub fn log_softmax(x: &[f32], outer: usize, len: usize, inner: usize, out: &mut [f32]) {
    for o in 0..outer {
        for i in 0..inner {
            let at = |l: usize| o * len * inner + l * inner + i;
            let m = (0..len).map(|l| x[at(l)]).fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = (0..len).map(|l| (x[at(l)] - m).exp()).sum();
            // (x − m) − ln s rather than x − (m + ln s): exact when x = m, even at 1e4.
            let ls = s.ln();
            for l in 0..len {
                out[at(l)] = (x[at(l)] - m) - ls;
            }
        }
    }
}

/// Backward of softmax given its output y: `dx = y ⊙ (g − Σ g⊙y)`.
pub fn softmax_backward(y: &[f32], g: &[f32], outer: usize, len: usize, inner: usize, dx: &mut [f32]) {
    for o in 0..outer {
        for i in 0..inner {
            let at = |l: usize| o * len * inner + l * inner + i;
            let dot: f32 = (0..len).map(|l| g[at(l)] * y[at(l)]).sum();
            for l in 0..len {
                dx[at(l)] = y[at(l)] * (g[at(l)] - dot);
            }
        }
    }
}

/// Backward of log-softmax given its output y: `dx = g − exp(y) Σ g`.
pub fn log_softmax_backward(y: &[f32], g: &[f32], outer: usize, len: usize, inner: usize, dx: &mut [f32]) {
    for o in 0..outer {
        for i in 0..inner {
            let at = |l: usize| o * len * inner + l * inner + i;
            let s: f32 = (0..len).map(|l| g[at(l)]).sum();
            for l in 0..len {
                dx[at(l)] = g[at(l)] - y[at(l)].exp() * s;
            }
        }
    }
}

/// Softmax cross-entropy of each row of `z` (`rows × classes` logits)
/// against its label: `loss[r] = −((z[r, l] − m) − ln s)`, with m the row's
/// maximum and s = Σ exp(z − m) — the value of `−log_softmax(z)[l]`, to the
/// bit. Keeps (m, ln s) per row in `stats` for the backward pass.
pub fn softmax_ce(z: &[f32], classes: usize, labels: &[usize], loss: &mut [f32], stats: &mut [f32]) {
    for (r, row) in z.chunks_exact(classes).enumerate() {
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let s: f32 = row.iter().map(|&x| (x - m).exp()).sum();
        let ls = s.ln();
        loss[r] = -((row[labels[r]] - m) - ls);
        stats[2 * r] = m;
        stats[2 * r + 1] = ls;
    }
}

/// Backward of [`softmax_ce`]: `dz[r, j] += g[r]·(softmax(z)[r, j] − [j = l])`,
/// with softmax(z) = exp((z − m) − ln s) from the kept statistics.
pub fn softmax_ce_backward(z: &[f32], classes: usize, labels: &[usize], stats: &[f32], g: &[f32], dz: &mut [f32]) {
    let rows = z.chunks_exact(classes).zip(dz.chunks_exact_mut(classes));
    for (r, (row, d)) in rows.enumerate() {
        let (m, ls, gr) = (stats[2 * r], stats[2 * r + 1], g[r]);
        for (j, (d, &x)) in d.iter_mut().zip(row).enumerate() {
            let p = ((x - m) - ls).exp() * gr;
            *d += if j == labels[r] { p - gr } else { p };
        }
    }
}
