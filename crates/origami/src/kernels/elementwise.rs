//! Elementwise maps, with NumPy broadcasting for binary ones.

use rayon::prelude::*;

use crate::kernels::shape::{broadcast_strides, numel};
use crate::parallel::{pool, should_split};

/// Below this many elements a map runs on the calling thread.
const PAR_ELEMS: usize = 1 << 15;
const CHUNK: usize = 1 << 14;

/// `out[i] = f(x[i])`.
pub fn map(x: &[f32], out: &mut [f32], f: impl Fn(f32) -> f32 + Sync) {
    debug_assert_eq!(x.len(), out.len());
    let serial = |x: &[f32], out: &mut [f32]| out.iter_mut().zip(x).for_each(|(o, &x)| *o = f(x));
    if should_split(x.len(), PAR_ELEMS) {
        par_chunks2(x, x, out, &|x, _, o| serial(x, o));
    } else {
        serial(x, out);
    }
}

/// `f(x_chunk, out_chunk)` over matching chunks of `x` and `out`, on the pool
/// when they are large. For callers whose chunk function is a whole loop
/// compiled per vector width (see `kernels::simd`).
pub fn map_chunks(x: &[f32], out: &mut [f32], f: &(dyn Fn(&[f32], &mut [f32]) + Sync)) {
    debug_assert_eq!(x.len(), out.len());
    if should_split(x.len(), PAR_ELEMS) {
        par_chunks2(x, x, out, &|x, _, o| f(x, o));
    } else {
        f(x, out);
    }
}

/// `out[i] = f(a[i], b[i])` on equal-length slices.
pub fn zip(a: &[f32], b: &[f32], out: &mut [f32], f: impl Fn(f32, f32) -> f32 + Sync) {
    debug_assert!(a.len() == out.len() && b.len() == out.len());
    let serial = |a: &[f32], b: &[f32], out: &mut [f32]| {
        for i in 0..out.len() {
            out[i] = f(a[i], b[i]);
        }
    };
    if should_split(a.len(), PAR_ELEMS) {
        par_chunks2(a, b, out, &serial);
    } else {
        serial(a, b, out);
    }
}

/// Runs `f` over matching chunks of `a`, `b` and `out` on the pool. Not
/// generic (the chunk function is a trait object, called once per 16k
/// elements): one copy of rayon's machinery serves every elementwise op,
/// which keeps the crate's compile time down.
type ChunkFn<'a> = &'a (dyn Fn(&[f32], &[f32], &mut [f32]) + Sync);

fn par_chunks2(a: &[f32], b: &[f32], out: &mut [f32], f: ChunkFn<'_>) {
    pool().install(|| {
        out.par_chunks_mut(CHUNK).zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK))).for_each(|(o, (a, b))| f(a, b, o))
    });
}

/// Binary map with broadcasting: `out` has shape `out_shape`, `a` and `b`
/// broadcast to it. Fast paths for equal shapes, a scalar side, and a side
/// that repeats along leading axes (a bias row).
pub fn broadcast_zip(
    a: &[f32],
    sa: &[usize],
    b: &[f32],
    sb: &[usize],
    out: &mut [f32],
    out_shape: &[usize],
    f: impl Fn(f32, f32) -> f32 + Sync,
) {
    let n = out.len();
    if a.len() == n && b.len() == n {
        return zip(a, b, out, f);
    }
    if b.len() == 1 {
        let y = b[0];
        return map(a, out, |x| f(x, y));
    }
    if a.len() == 1 {
        let x = a[0];
        return map(b, out, |y| f(x, y));
    }
    // b repeats along leading axes: its shape is a suffix of out's.
    if a.len() == n && is_suffix(sb, out_shape) {
        for (o, a) in out.chunks_mut(b.len()).zip(a.chunks(b.len())) {
            for i in 0..o.len() {
                o[i] = f(a[i], b[i]);
            }
        }
        return;
    }
    if b.len() == n && is_suffix(sa, out_shape) {
        for (o, b) in out.chunks_mut(a.len()).zip(b.chunks(a.len())) {
            for i in 0..o.len() {
                o[i] = f(a[i], b[i]);
            }
        }
        return;
    }
    let ta = broadcast_strides(sa, out_shape);
    let tb = broadcast_strides(sb, out_shape);
    for_each_index(out_shape, [&ta, &tb], |i, [ia, ib]| out[i] = f(a[ia], b[ib]));
}

/// Whether `s` (without leading 1s) equals the trailing axes of `out`.
pub(crate) fn is_suffix(s: &[usize], out: &[usize]) -> bool {
    let s = strip_leading_ones(s);
    s.len() <= out.len() && &out[out.len() - s.len()..] == s
}

fn strip_leading_ones(s: &[usize]) -> &[usize] {
    let k = s.iter().take_while(|&&d| d == 1).count();
    &s[k..]
}

/// Walks every index of `shape` in row-major order, calling
/// `f(flat_out, [flat_0, …])` with each input's flat offset given by its strides.
pub fn for_each_index<const N: usize>(shape: &[usize], st: [&[usize]; N], mut f: impl FnMut(usize, [usize; N])) {
    let n = numel(shape);
    if n == 0 {
        return;
    }
    let r = shape.len();
    if r == 0 {
        f(0, [0; N]);
        return;
    }
    let last = shape[r - 1];
    let step: [usize; N] = std::array::from_fn(|k| st[k][r - 1]);
    let mut idx = vec![0usize; r];
    let mut off = [0usize; N];
    let mut i = 0;
    loop {
        for j in 0..last {
            f(i + j, std::array::from_fn(|k| off[k] + j * step[k]));
        }
        i += last;
        if i >= n {
            return;
        }
        // Advance the counter over the leading axes.
        let mut d = r - 1;
        loop {
            d -= 1;
            idx[d] += 1;
            for k in 0..N {
                off[k] += st[k][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for k in 0..N {
                off[k] -= st[k][d] * shape[d];
            }
            idx[d] = 0;
        }
    }
}

/// Sums `g` (of shape `from`) down to `to`, the shape of a broadcast input:
/// the adjoint of broadcasting. `out` (`numel(to)` elements) is added to.
pub fn sum_to_shape(g: &[f32], from: &[usize], to: &[usize], out: &mut [f32]) {
    if out.len() == g.len() {
        out.iter_mut().zip(g).for_each(|(o, &g)| *o += g);
        return;
    }
    if out.len() == 1 {
        out[0] += g.iter().sum::<f32>();
        return;
    }
    if is_suffix(to, from) {
        for chunk in g.chunks(out.len()) {
            for (o, &x) in out.iter_mut().zip(chunk) {
                *o += x;
            }
        }
        return;
    }
    let t = broadcast_strides(to, from);
    for_each_index(from, [&t], |i, [io]| out[io] += g[i]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_broadcast() {
        // a: [2,1,3], b: [1,2,1] -> out [2,2,3]
        let a = [1., 2., 3., 4., 5., 6.];
        let b = [10., 20.];
        let mut out = [0.0; 12];
        broadcast_zip(&a, &[2, 1, 3], &b, &[1, 2, 1], &mut out, &[2, 2, 3], |x, y| x + y);
        assert_eq!(out, [11., 12., 13., 21., 22., 23., 14., 15., 16., 24., 25., 26.]);
        let mut back = [0.0; 2];
        // sum_to_shape adds into its output
        sum_to_shape(&out, &[2, 2, 3], &[1, 2, 1], &mut back);
        // each b entry was used 6 times: sum of a's (21) + 6*b
        assert_eq!(back, [21. + 60., 21. + 120.]);
    }
}
