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
