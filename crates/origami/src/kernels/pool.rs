//! Max and average pooling over NHWC tensors (see `conv` for the layout).

use super::conv::Geometry;

/// Max over each window; `arg` receives the flat input index of each maximum
/// (for the backward pass). Padding never wins; NaN propagates. The inner loop
/// runs over the channels of one pixel, which are contiguous in NHWC.
pub fn max_pool(x: &[f32], g: &Geometry, out: &mut [f32], arg: &mut [usize]) {
    // Split by sample: each writes its own slice of `out` and `arg`; indices
    // are made global by the sample's offset.
    let (x_len, o_len) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    let mut pairs: Vec<(&mut [f32], &mut [usize])> =
        out.chunks_mut(o_len.max(1)).zip(arg.chunks_mut(o_len.max(1))).collect();
    let offsets: Vec<usize> = (0..g.n).map(|n| n * x_len).collect();
    let work = g.n * (x_len + o_len);
    super::conv::per_sample(g, 1, 1, work, &offsets, &mut pairs, |off, one, pair| {
        let (o, a) = &mut pair[0];
        max_pool_one(&x[off[0]..off[0] + x_len], off[0], one, o, a)
    });
}

fn max_pool_one(x: &[f32], base: usize, g: &Geometry, out: &mut [f32], arg: &mut [usize]) {
    let c = g.c;
    let mut o = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let best = &mut out[o..o + c];
                let at = &mut arg[o..o + c];
                o += c;
                let mut first = true;
                for ky in 0..g.kh {
                    let y = (oy * g.sh + ky) as isize - g.pad_top as isize;
                    if y < 0 || y >= g.h as isize {
                        continue;
                    }
                    for kx in 0..g.kw {
                        let xx = (ox * g.sw + kx) as isize - g.pad_left as isize;
                        if xx < 0 || xx >= g.w as isize {
                            continue;
                        }
                        let i = ((n * g.h + y as usize) * g.w + xx as usize) * c;
                        let src = &x[i..i + c];
                        if first {
                            best.copy_from_slice(src);
                            for (ch, a) in at.iter_mut().enumerate() {
                                *a = base + i + ch;
                            }
                            first = false;
                            continue;
                        }
                        // branch-free so that the channel loop vectorises
                        for ch in 0..c {
                            let (v, b) = (src[ch], best[ch]);
                            let take = v > b || (v.is_nan() & !b.is_nan());
                            best[ch] = if take { v } else { b };
                            at[ch] = if take { base + i + ch } else { at[ch] };
                        }
                    }
                }
            }
        }
    }
}

/// Mean over each window, counting only the input pixels inside it (TensorFlow's rule).
pub fn avg_pool(x: &[f32], g: &Geometry, out: &mut [f32]) {
    window_sweep(g, |o, i, count| {
        if i == usize::MAX {
            out[o] = 0.0;
        } else {
            out[o] += x[i] / count as f32;
        }
    });
}

/// Adjoint of [`avg_pool`].
pub fn avg_pool_backward(g_out: &[f32], g: &Geometry, dx: &mut [f32]) {
    window_sweep(g, |o, i, count| {
        if i != usize::MAX {
            dx[i] += g_out[o] / count as f32;
        }
    });
}

/// Calls `f(out_index, usize::MAX, count)` once per output to start it, then
/// `f(out_index, in_index, count)` for each input pixel of its window.
fn window_sweep(g: &Geometry, mut f: impl FnMut(usize, usize, usize)) {
    let mut o = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            let y0 = (oy * g.sh) as isize - g.pad_top as isize;
            let ys = y0.max(0) as usize..((y0 + g.kh as isize).min(g.h as isize)).max(0) as usize;
            for ox in 0..g.ow {
                let x0 = (ox * g.sw) as isize - g.pad_left as isize;
                let xs = x0.max(0) as usize..((x0 + g.kw as isize).min(g.w as isize)).max(0) as usize;
                let count = ys.len() * xs.len();
                for c in 0..g.c {
                    f(o + c, usize::MAX, count);
                    for y in ys.clone() {
                        for xx in xs.clone() {
                            f(o + c, ((n * g.h + y) * g.w + xx) * g.c + c, count);
                        }
                    }
                }
                o += g.c;
            }
        }
    }
}
