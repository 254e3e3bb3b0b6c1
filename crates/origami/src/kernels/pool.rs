//! Max and average pooling over NHWC tensors (see `conv` for the layout).

use super::conv::Geometry;

/// Max over each window. Padding never wins; NaN propagates. The inner loop
/// runs over the channels of one pixel, which are contiguous in NHWC. No
/// winner indices are kept: the backward pass finds them again (see
/// [`max_pool_backward`]), which costs one more read of the input but saves
/// an index per output and keeps this loop a plain vectorised max.
pub fn max_pool(x: &[f32], g: &Geometry, out: &mut [f32]) {
    let (x_len, o_len) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    let work = g.n * (x_len + o_len);
    super::conv::per_sample(g, x_len, o_len, work, x, out, max_pool_one);
}

/// The window of output pixel (oy, ox): input rows and columns inside the image.
fn window(g: &Geometry, oy: usize, ox: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let y0 = (oy * g.sh) as isize - g.pad_top as isize;
    let x0 = (ox * g.sw) as isize - g.pad_left as isize;
    let ys = y0.max(0) as usize..((y0 + g.kh as isize).min(g.h as isize)).max(0) as usize;
    let xs = x0.max(0) as usize..((x0 + g.kw as isize).min(g.w as isize)).max(0) as usize;
    (ys, xs)
}

crate::multiversion! {
    fn max_pool_one(x: &[f32], g: &Geometry, out: &mut [f32]) {
        let c = g.c;
        if whole_blocks_inside(g) {
            return max_pool_blocks(x, g, out);
        }
        let mut o = 0;
        for n in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let best = &mut out[o..o + c];
                    o += c;
                    let (ys, xs) = window(g, oy, ox);
                    let mut first = true;
                    for y in ys {
                        for xx in xs.clone() {
                            let i = ((n * g.h + y) * g.w + xx) * c;
                            let src = &x[i..i + c];
                            if first {
                                best.copy_from_slice(src);
                                first = false;
                                continue;
                            }
                            // whole blocks as fixed-size arrays: one vector
                            // operation each, no bounds checks per channel
                            let mut bs = best.chunks_exact_mut(BLOCK);
                            let mut ss = src.chunks_exact(BLOCK);
                            for (b, v) in (&mut bs).zip(&mut ss) {
                                max_into::<BLOCK>(b.try_into().expect("a block"), v.try_into().expect("a block"));
                            }
                            for (b, &v) in bs.into_remainder().iter_mut().zip(ss.remainder()) {
                                *b = max_lane(*b, v);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Whether every window lies inside the image (no padding taken) and the
/// channels are whole blocks: the pooling loops' fast paths.
fn whole_blocks_inside(g: &Geometry) -> bool {
    g.c % BLOCK == 0
        && g.pad_top == 0
        && g.pad_left == 0
        && (g.oh == 0 || (g.oh - 1) * g.sh + g.kh <= g.h)
        && (g.ow == 0 || (g.ow - 1) * g.sw + g.kw <= g.w)
}

/// [`max_pool_one`] when every window lies inside the image and the
/// channels are whole blocks: each
/// block's running max stays in registers for the whole window, instead of
/// being stored and reloaded after every pixel.
#[inline(always)]
fn max_pool_blocks(x: &[f32], g: &Geometry, out: &mut [f32]) {
    let (c, row) = (g.c, g.w * g.c);
    let mut o = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                // the window's top-left pixel
                let base = ((n * g.h + oy * g.sh) * g.w + ox * g.sw) * c;
                for c0 in (0..c).step_by(BLOCK) {
                    let at = |i: usize| -> [f32; BLOCK] { x[i..i + BLOCK].try_into().expect("a block") };
                    let mut best = at(base + c0);
                    for dy in 0..g.kh {
                        for dx in 0..g.kw {
                            if dy + dx > 0 {
                                max_into::<BLOCK>(&mut best, &at(base + dy * row + dx * c + c0));
                            }
                        }
                    }
                    out[o + c0..o + c0 + BLOCK].copy_from_slice(&best);
                }
                o += c;
            }
        }
    }
}

/// `best = max(best, v)` per lane, NaN winning.
#[inline(always)]
fn max_into<const N: usize>(best: &mut [f32; N], v: &[f32; N]) {
    for ch in 0..N {
        best[ch] = max_lane(best[ch], v[ch]);
    }
}

/// The forward pass's one rule: the larger, a NaN winning (`f32::max` would
/// drop it), ties keeping the earlier pixel.
#[inline(always)]
fn max_lane(best: f32, v: f32) -> f32 {
    if v > best || v.is_nan() {
        v
    } else {
        best
    }
}

/// Adjoint of [`max_pool`]: each window's gradient goes to the first input
/// (in row-major window order) equal to the window's max `y` — NaN matching
/// NaN — which is the element the forward pass kept. Ties therefore go to
/// one element, as when winners are recorded. `dx` is added to, or, when
/// `add` is false, overwritten (its contents may be anything): windows that
/// do not overlap then write their elements directly and only the pixels no
/// window covers are zeroed, which saves clearing and re-reading the buffer.
pub fn max_pool_backward(x: &[f32], y: &[f32], g_out: &[f32], g: &Geometry, dx: &mut [f32], add: bool) {
    let (x_len, o_len) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    let disjoint = g.sh >= g.kh && g.sw >= g.kw;
    if !add && !disjoint {
        dx.fill(0.0);
    }
    let write = !add && disjoint;
    let samples: Vec<usize> = (0..g.n).collect();
    let work = g.n * (x_len + o_len);
    let mut dxs: Vec<&mut [f32]> = dx.chunks_mut(x_len.max(1)).collect();
    super::conv::per_sample(g, 1, 1, work, &samples, &mut dxs, |s, one, dx| {
        let (x, o) = (&x[s[0] * x_len..(s[0] + 1) * x_len], s[0] * o_len..(s[0] + 1) * o_len);
        let dx = &mut *dx[0];
        if write {
            zero_uncovered(one, dx);
        }
        max_pool_backward_one(x, &y[o.clone()], &g_out[o], one, dx, write);
    });
}

/// Zeroes the pixels of one sample that no window covers (between or after
/// windows when the stride exceeds the window, or past the last window).
fn zero_uncovered(g: &Geometry, dx: &mut [f32]) {
    let covered = |p: usize, pad: usize, s: usize, k: usize, out: usize| {
        let q = p + pad;
        q / s < out && q % s < k
    };
    for yy in 0..g.h {
        let row_covered = covered(yy, g.pad_top, g.sh, g.kh, g.oh);
        for xx in 0..g.w {
            if !(row_covered && covered(xx, g.pad_left, g.sw, g.kw, g.ow)) {
                dx[(yy * g.w + xx) * g.c..(yy * g.w + xx + 1) * g.c].fill(0.0);
            }
        }
    }
}

/// Channels handled together in the backward search (a vector's worth).
const BLOCK: usize = 16;

crate::multiversion! {
    fn max_pool_backward_one(x: &[f32], y: &[f32], g_out: &[f32], g: &Geometry, dx: &mut [f32], write: bool) {
        let c = g.c;
        if whole_blocks_inside(g) {
            return max_pool_backward_blocks(x, y, g_out, g, dx, write);
        }
        let mut o = 0;
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let (ys, xs) = window(g, oy, ox);
                for c0 in (0..c).step_by(BLOCK) {
                    let w = BLOCK.min(c - c0);
                    // 1.0 until the channel's winner has been found.
                    let mut open = [1.0f32; BLOCK];
                    let (yo, go) = (&y[o + c0..o + c0 + w], &g_out[o + c0..o + c0 + w]);
                    for yy in ys.clone() {
                        for xx in xs.clone() {
                            let i = (yy * g.w + xx) * c + c0;
                            let (src, d) = (&x[i..i + w], &mut dx[i..i + w]);
                            if w == BLOCK {
                                // a whole block as fixed-size arrays: vector
                                // operations, no bounds checks per channel
                                let arr = |s: &[f32]| -> [f32; BLOCK] { s.try_into().expect("a block") };
                                let d: &mut [f32; BLOCK] = d.try_into().expect("a block");
                                route(&arr(src), &arr(yo), &arr(go), d, &mut open, write);
                            } else {
                                route_slices(src, yo, go, d, &mut open[..w], write);
                            }
                        }
                    }
                }
                o += c;
            }
        }
    }
}

/// [`max_pool_backward_one`] on the fast path of [`whole_blocks_inside`]:
/// a window's max, gradient and open flags stay in registers while its
/// pixels are visited.
#[inline(always)]
fn max_pool_backward_blocks(x: &[f32], y: &[f32], g_out: &[f32], g: &Geometry, dx: &mut [f32], write: bool) {
    let (c, row) = (g.c, g.w * g.c);
    let arr = |v: &[f32], i: usize| -> [f32; BLOCK] { v[i..i + BLOCK].try_into().expect("a block") };
    let mut o = 0;
    for oy in 0..g.oh {
        for ox in 0..g.ow {
            let base = (oy * g.sh * g.w + ox * g.sw) * c;
            for c0 in (0..c).step_by(BLOCK) {
                let (yo, go) = (arr(y, o + c0), arr(g_out, o + c0));
                let mut open = [1.0f32; BLOCK];
                for dy in 0..g.kh {
                    for dxx in 0..g.kw {
                        let i = base + dy * row + dxx * c + c0;
                        let d: &mut [f32; BLOCK] = (&mut dx[i..i + BLOCK]).try_into().expect("a block");
                        route(&arr(x, i), &yo, &go, d, &mut open, write);
                    }
                }
            }
            o += c;
        }
    }
}

/// One input pixel's share of a window's gradient, per channel: the
/// window's gradient where this pixel is the first to equal the max
/// (`open` still 1), else nothing; written or added into `d`.
#[inline(always)]
fn route<const N: usize>(
    src: &[f32; N],
    yo: &[f32; N],
    go: &[f32; N],
    d: &mut [f32; N],
    open: &mut [f32; N],
    write: bool,
) {
    for ch in 0..N {
        route_lane(src[ch], yo[ch], go[ch], &mut d[ch], &mut open[ch], write);
    }
}

/// [`route`] for a partial block.
fn route_slices(src: &[f32], yo: &[f32], go: &[f32], d: &mut [f32], open: &mut [f32], write: bool) {
    for ch in 0..d.len() {
        route_lane(src[ch], yo[ch], go[ch], &mut d[ch], &mut open[ch], write);
    }
}

#[inline(always)]
fn route_lane(src: f32, yo: f32, go: f32, d: &mut f32, open: &mut f32, write: bool) {
    let hit = src == yo || (src.is_nan() && yo.is_nan());
    let take = hit && *open != 0.0;
    let share = if take { go } else { 0.0 };
    *d = if write { share } else { *d + share };
    *open = if take { 0.0 } else { *open };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(h: usize, w: usize, c: usize, k: usize, s: usize, same: bool) -> Geometry {
        Geometry::new(1, h, w, c, k, k, s, s, same).expect("fits")
    }

    #[test]
    fn ties_send_the_gradient_to_the_first_maximum_only() {
        // One 2x2 window, 2 channels: channel 0 all equal (a ReLU's zeros),
        // channel 1 with its max twice, at window positions 1 and 3.
        let g = geo(2, 2, 2, 2, 2, false);
        let x = [0.0, 1.0, 0.0, 5.0, 0.0, 2.0, 0.0, 5.0];
        let mut y = [0.0; 2];
        max_pool(&x, &g, &mut y);
        assert_eq!(y, [0.0, 5.0]);
        let mut dx = [0.0; 8];
        max_pool_backward(&x, &y, &[3.0, 7.0], &g, &mut dx, true);
        assert_eq!(dx, [3.0, 0.0, 0.0, 7.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn nan_wins_and_receives_the_gradient() {
        let g = Geometry::new(1, 1, 3, 1, 1, 3, 1, 3, false).expect("fits");
        let x = [1.0, f32::NAN, 9.0];
        let mut y = [0.0];
        max_pool(&x, &g, &mut y);
        assert!(y[0].is_nan());
        let mut dx = [0.0; 3];
        max_pool_backward(&x, &y, &[2.0], &g, &mut dx, true);
        assert_eq!(dx, [0.0, 2.0, 0.0]);
    }

    #[test]
    fn padding_never_wins_and_many_channels_split_into_blocks() {
        // 'same' 2x2 windows with stride 2 on a 3x3 image: the last row and
        // column windows are partly padding; all inputs negative. 20 channels
        // exercise a full block of 16 and a remainder of 4.
        let (h, w, c) = (3, 3, 20);
        let g = geo(h, w, c, 2, 2, true);
        let x: Vec<f32> = (0..h * w * c).map(|i| -1.0 - ((i * 7919) % 101) as f32).collect();
        let mut y = vec![0.0; g.oh * g.ow * c];
        max_pool(&x, &g, &mut y);
        assert!(y.iter().all(|&v| v < 0.0), "padding must not win: {y:?}");
        let gout: Vec<f32> = (0..y.len()).map(|i| i as f32 + 1.0).collect();
        let mut dx = vec![0.0; x.len()];
        max_pool_backward(&x, &y, &gout, &g, &mut dx, true);
        // Overwriting a buffer of garbage gives the same.
        let mut fresh = vec![f32::NAN; x.len()];
        max_pool_backward(&x, &y, &gout, &g, &mut fresh, false);
        assert_eq!(fresh, dx);
        // Each output's gradient lands exactly once, on an input equal to its max.
        assert_eq!(dx.iter().sum::<f32>(), gout.iter().sum::<f32>());
        for (i, &d) in dx.iter().enumerate() {
            if d != 0.0 {
                assert!(y.contains(&x[i]), "gradient on a non-maximum at {i}");
            }
        }
    }

    #[test]
    fn whole_channel_blocks_match_channel_by_channel() {
        // 32 channels (whole blocks: the register path when every window is
        // inside the image) and 36 (two blocks and a remainder), against
        // each channel pooled alone (c = 1: the general loops only), with
        // ties, a NaN and -inf among the inputs; disjoint, overlapping and
        // gapped windows, and 'same' padding on odd sizes (windows past the
        // bottom and right edges).
        // (5 × 6 and 6 × 5: 'same' 2×2/2 windows pass one edge only)
        for (n, h, w, c) in [(2, 5, 6, 32), (2, 6, 5, 32), (2, 5, 7, 36)] {
            for (k, st, same) in [(2, 2, false), (3, 2, false), (2, 3, false), (2, 2, true), (3, 1, true)] {
                let g = Geometry::new(n, h, w, c, k, k, st, st, same).expect("fits");
                let mut x: Vec<f32> = (0..n * h * w * c).map(|i| ((i * 7919) % 13) as f32 - 6.0).collect();
                x[5 * c + 17] = f32::NAN;
                x[c + 3] = f32::NEG_INFINITY;
                let mut y = vec![0.0; n * g.oh * g.ow * c];
                max_pool(&x, &g, &mut y);
                let gout: Vec<f32> = (0..y.len()).map(|i| i as f32 + 1.0).collect();
                let mut dx = vec![f32::NAN; x.len()];
                max_pool_backward(&x, &y, &gout, &g, &mut dx, false);
                let g1 = Geometry::new(n, h, w, 1, k, k, st, st, same).expect("fits");
                for ch in 0..c {
                    let pick = |v: &[f32], i: usize| v[i * c + ch];
                    let x1: Vec<f32> = (0..x.len() / c).map(|i| pick(&x, i)).collect();
                    let go1: Vec<f32> = (0..y.len() / c).map(|i| pick(&gout, i)).collect();
                    let mut y1 = vec![0.0; go1.len()];
                    max_pool(&x1, &g1, &mut y1);
                    let mut dx1 = vec![0.0; x1.len()];
                    max_pool_backward(&x1, &y1, &go1, &g1, &mut dx1, true);
                    let same_bits = |a: f32, b: f32| a == b || (a.is_nan() && b.is_nan());
                    let case = format!("c {c} k {k} s {st} same {same} channel {ch}");
                    assert!((0..y1.len()).all(|i| same_bits(y1[i], pick(&y, i))), "forward, {case}");
                    assert!((0..dx1.len()).all(|i| same_bits(dx1[i], pick(&dx, i))), "backward, {case}");
                }
            }
        }
    }

    #[test]
    fn overwriting_zeroes_the_pixels_no_window_covers() {
        // 5x5 with 2x2 windows: stride 2 leaves the last row and column
        // uncovered, stride 3 leaves gaps between windows; 'same' pads.
        for (k, s, same) in [(2, 2, false), (2, 3, false), (2, 2, true), (3, 2, false)] {
            let (h, w, c) = (5, 5, 3);
            let g = Geometry::new(2, h, w, c, k, k, s, s, same).expect("fits");
            let x: Vec<f32> = (0..2 * h * w * c).map(|i| ((i * 37) % 23) as f32 - 11.0).collect();
            let mut y = vec![0.0; 2 * g.oh * g.ow * c];
            max_pool(&x, &g, &mut y);
            let gout: Vec<f32> = (0..y.len()).map(|i| i as f32 * 0.5 + 1.0).collect();
            let mut added = vec![0.0; x.len()];
            max_pool_backward(&x, &y, &gout, &g, &mut added, true);
            let mut written = vec![f32::NAN; x.len()];
            max_pool_backward(&x, &y, &gout, &g, &mut written, false);
            assert_eq!(written, added, "k {k} s {s} same {same}");
        }
    }
}
