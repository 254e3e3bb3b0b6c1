//! Reductions along one axis, on the (outer, len, inner) view of a tensor.

/// `out[o, i] = Σ_l x[o, l, i]`.
pub fn sum_axis(x: &[f32], outer: usize, len: usize, inner: usize, out: &mut [f32]) {
    if inner == 1 {
        for (o, row) in out.iter_mut().zip(x.chunks_exact(len.max(1))) {
            *o = row.iter().sum();
        }
        return;
    }
    out.iter_mut().for_each(|o| *o = 0.0);
    for o in 0..outer {
        let dst = &mut out[o * inner..(o + 1) * inner];
        for l in 0..len {
            let src = &x[(o * len + l) * inner..(o * len + l + 1) * inner];
            dst.iter_mut().zip(src).for_each(|(d, &s)| *d += s);
        }
    }
}

/// Position (0..len) and value of the maximum (or minimum with `min`) along
/// the axis; the first one wins a tie, NaN propagates.
pub fn arg_extreme_axis(
    x: &[f32],
    outer: usize,
    len: usize,
    inner: usize,
    min: bool,
    idx: &mut [usize],
    val: &mut [f32],
) {
    for o in 0..outer {
        for i in 0..inner {
            let base = o * len * inner + i;
            let mut best = x[base];
            let mut at = 0;
            for l in 1..len {
                let v = x[base + l * inner];
                if best.is_nan() {
                    break;
                }
                let better = if min { v < best } else { v > best };
                if better || v.is_nan() {
                    best = v;
                    at = l;
                }
            }
            idx[o * inner + i] = at;
            val[o * inner + i] = best;
        }
    }
}
