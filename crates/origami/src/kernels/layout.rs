//! Moving data without arithmetic: permutes, slices along an axis, gathers.

use crate::kernels::shape::strides;

/// `dst.copy_from_slice(src)`, with short rows copied by fixed-size moves
/// instead of a call to `memcpy`: the rows of a first layer's im2col (one or
/// three channels, a 3- or 5-wide kernel: on MNIST a memcpy call per 3
/// floats) and of a batch of a few features.
#[inline(always)]
pub fn copy_row(dst: &mut [f32], src: &[f32]) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match dst.len() {
                $($n => {
                    let d: &mut [f32; $n] = dst.try_into().expect("length matched");
                    *d = src.try_into().expect("same length");
                })*
                _ => dst.copy_from_slice(src),
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 12 15 16)
}

/// Copies `x` (shape `shape`) into `out` with axes reordered by `perm`:
/// `out` has shape `shape[perm[0]], shape[perm[1]], …`.
pub fn permute(x: &[f32], shape: &[usize], perm: &[usize], out: &mut [f32]) {
    let st = strides(shape);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let src_strides: Vec<usize> = perm.iter().map(|&p| st[p]).collect();
    super::elementwise::for_each_index(&out_shape, [&src_strides], |i, [s]| out[i] = x[s]);
}

/// Copies the slice `start..start+len` of `axis` (of the (outer, size, inner) view)
/// into `out`, or, with `add_back`, adds `out` back into that slice of `x`.
pub fn narrow_copy(x: &[f32], outer: usize, size: usize, inner: usize, start: usize, len: usize, out: &mut [f32]) {
    for o in 0..outer {
        let src = &x[(o * size + start) * inner..(o * size + start + len) * inner];
        out[o * len * inner..(o + 1) * len * inner].copy_from_slice(src);
    }
}

/// `dst[slice] += g` where `g` has the narrowed shape: the adjoint of [`narrow_copy`].
pub fn narrow_add_back(g: &[f32], outer: usize, size: usize, inner: usize, start: usize, len: usize, dst: &mut [f32]) {
    for o in 0..outer {
        let d = &mut dst[(o * size + start) * inner..(o * size + start + len) * inner];
        d.iter_mut().zip(&g[o * len * inner..(o + 1) * len * inner]).for_each(|(d, &g)| *d += g);
    }
}

/// `out[o, j, i] = x[o, idx[j], i]`: pick rows of an axis (embeddings, batches).
pub fn index_select(x: &[f32], outer: usize, size: usize, inner: usize, idx: &[usize], out: &mut [f32]) {
    let k = idx.len();
    for o in 0..outer {
        for (j, &r) in idx.iter().enumerate() {
            let src = &x[(o * size + r) * inner..(o * size + r + 1) * inner];
            out[(o * k + j) * inner..(o * k + j + 1) * inner].copy_from_slice(src);
        }
    }
}

/// Adjoint of [`index_select`]: `dx[o, idx[j], i] += g[o, j, i]` (repeated indices add up).
pub fn index_add(g: &[f32], outer: usize, size: usize, inner: usize, idx: &[usize], dx: &mut [f32]) {
    let k = idx.len();
    for o in 0..outer {
        for (j, &r) in idx.iter().enumerate() {
            let d = &mut dx[(o * size + r) * inner..(o * size + r + 1) * inner];
            d.iter_mut().zip(&g[(o * k + j) * inner..(o * k + j + 1) * inner]).for_each(|(d, &g)| *d += g);
        }
    }
}

/// `out[o, j, i] = x[o, idx[o, j, i], i]` (PyTorch's `gather`).
pub fn gather(x: &[f32], outer: usize, size: usize, inner: usize, k: usize, idx: &[usize], out: &mut [f32]) {
    for o in 0..outer {
        for j in 0..k {
            for i in 0..inner {
                let at = (o * k + j) * inner + i;
                out[at] = x[(o * size + idx[at]) * inner + i];
            }
        }
    }
}

/// Adjoint of [`gather`]: `dx[o, idx[o, j, i], i] += g[o, j, i]`.
pub fn scatter_add(g: &[f32], outer: usize, size: usize, inner: usize, k: usize, idx: &[usize], dx: &mut [f32]) {
    for o in 0..outer {
        for j in 0..k {
            for i in 0..inner {
                let at = (o * k + j) * inner + i;
                dx[(o * size + idx[at]) * inner + i] += g[at];
            }
        }
    }
}
