//! 2-D convolution as im2col + GEMM, in NHWC layout.
//!
//! Why NHWC (channels last, as Keras): a patch of the input is then
//! `kh` runs of `kw·C` contiguous floats, so im2col is a few `memcpy`s per
//! output pixel, and the GEMM `[N·OH·OW, KH·KW·C] × [KH·KW·C, F]` writes the
//! output directly in NHWC — no transpose before or after. Kernels are stored
//! `[KH, KW, C, F]`, Keras's layout, so a kernel reshaped to `[KH·KW·C, F]`
//! is the GEMM's right operand as it lies in memory.

/// Geometry of one convolution or pooling window sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    /// Padding added at the top and left (bottom/right get what `oh`, `ow` need).
    pub pad_top: usize,
    pub pad_left: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Geometry {
    /// TensorFlow's rules: `valid` uses no padding, `same` pads so that
    /// `out = ceil(in / stride)`, putting the odd pixel at the bottom/right.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n: usize,
        h: usize,
        w: usize,
        c: usize,
        kh: usize,
        kw: usize,
        sh: usize,
        sw: usize,
        same: bool,
    ) -> Option<Self> {
        let (oh, pt) = out_len(h, kh, sh, same)?;
        let (ow, pl) = out_len(w, kw, sw, same)?;
        Some(Geometry { n, h, w, c, kh, kw, sh, sw, pad_top: pt, pad_left: pl, oh, ow })
    }

    /// Width of one im2col row: `kh·kw·c`.
    pub fn patch(&self) -> usize {
        self.kh * self.kw * self.c
    }

    /// Number of output pixels over the batch: `n·oh·ow`.
    pub fn pixels(&self) -> usize {
        self.n * self.oh * self.ow
    }
}

fn out_len(i: usize, k: usize, s: usize, same: bool) -> Option<(usize, usize)> {
    if k == 0 || s == 0 {
        return None;
    }
    if same {
        let o = i.div_ceil(s);
        let total = ((o.saturating_sub(1)) * s + k).saturating_sub(i);
        Some((o, total / 2))
    } else if i >= k {
        Some(((i - k) / s + 1, 0))
    } else {
        None
    }
}

/// Fills `cols` (`[pixels, patch]`) with the input patches; padding reads as 0.
/// Samples are independent: large batches are split across the thread pool.
pub fn im2col(x: &[f32], g: &Geometry, cols: &mut [f32]) {
    let (x_len, c_len) = (g.h * g.w * g.c, g.oh * g.ow * g.patch());
    per_sample(g, x_len, c_len, g.n * c_len, x, cols, im2col_one);
}

/// Runs `f(input of one sample, output of one sample)` for every sample of
/// the batch, in parallel when the batch's `work` (elements touched) pays for it.
pub(crate) fn per_sample<T: Send, U: Sync>(
    g: &Geometry,
    in_len: usize,
    out_len: usize,
    work: usize,
    input: &[U],
    out: &mut [T],
    f: impl Fn(&[U], &Geometry, &mut [T]) + Sync,
) {
    use rayon::prelude::*;
    let one = Geometry { n: 1, ..*g };
    if g.n > 1 && crate::parallel::should_split(work, 1 << 15) {
        crate::parallel::pool().install(|| {
            out.par_chunks_mut(out_len.max(1)).zip(input.par_chunks(in_len.max(1))).for_each(|(o, x)| f(x, &one, o))
        });
    } else {
        for (o, x) in out.chunks_mut(out_len.max(1)).zip(input.chunks(in_len.max(1))) {
            f(x, &one, o);
        }
    }
}

fn im2col_one(x: &[f32], g: &Geometry, cols: &mut [f32]) {
    let row_len = g.kw * g.c;
    let mut r = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let row = &mut cols[r * g.patch()..(r + 1) * g.patch()];
                r += 1;
                let x0 = (ox * g.sw) as isize - g.pad_left as isize;
                for ky in 0..g.kh {
                    let y = (oy * g.sh + ky) as isize - g.pad_top as isize;
                    let dst = &mut row[ky * row_len..(ky + 1) * row_len];
                    if y < 0 || y >= g.h as isize {
                        dst.iter_mut().for_each(|v| *v = 0.0);
                        continue;
                    }
                    let base = (n * g.h + y as usize) * g.w;
                    if x0 >= 0 && x0 as usize + g.kw <= g.w {
                        let s = (base + x0 as usize) * g.c;
                        super::layout::copy_row(dst, &x[s..s + row_len]);
                    } else {
                        for kx in 0..g.kw {
                            let xx = x0 + kx as isize;
                            let d = &mut dst[kx * g.c..(kx + 1) * g.c];
                            if xx < 0 || xx >= g.w as isize {
                                d.iter_mut().for_each(|v| *v = 0.0);
                            } else {
                                let s = (base + xx as usize) * g.c;
                                d.copy_from_slice(&x[s..s + g.c]);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adjoint of [`im2col`]: adds every patch row back onto the input gradient.
pub fn col2im(cols: &[f32], g: &Geometry, dx: &mut [f32]) {
    let (x_len, c_len) = (g.h * g.w * g.c, g.oh * g.ow * g.patch());
    per_sample(g, c_len, x_len, g.n * c_len, cols, dx, col2im_one);
}

fn col2im_one(cols: &[f32], g: &Geometry, dx: &mut [f32]) {
    let mut r = 0;
    for n in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let row = &cols[r * g.patch()..(r + 1) * g.patch()];
                r += 1;
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
                        let d = ((n * g.h + y as usize) * g.w + xx as usize) * g.c;
                        let s = (ky * g.kw + kx) * g.c;
                        dx[d..d + g.c].iter_mut().zip(&row[s..s + g.c]).for_each(|(d, &v)| *d += v);
                    }
                }
            }
        }
    }
}
