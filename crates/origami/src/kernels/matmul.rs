//! Matrix products: `C (+)= op(A) · op(B)` with optional transposes.
//!
//! Large products go to the `gemm-f32` crate, which picks AVX2/AVX-512/NEON
//! micro-kernels at run time. Its own threading splits work finely and loses
//! 10–20% on two cores (measured, see BENCHMARKS.md), so we thread it
//! ourselves: the columns of C are cut into one contiguous block per thread
//! and each block is a single-threaded GEMM. Tiny products (a playground
//! network) skip the crate: its dispatch costs more than the arithmetic.
//! Transposed operands are read through strides; nothing is copied.

use gemm_common::Parallelism;

use crate::parallel::{num_threads, pool};

/// Below this many multiply-adds a plain loop is faster than the crate's set-up.
const SMALL_MACS: usize = 8 * 1024;
/// Below this many multiply-adds one thread does the whole product.
const PAR_MACS: usize = 96 * 1024;

#[derive(Clone, Copy)]
struct Ptr(*mut f32);
// SAFETY: each thread writes a disjoint block of C (see `matmul`).
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}
impl Ptr {
    /// A copy; a closure calling this captures the whole `Ptr` (which is
    /// `Sync`), not its raw pointer field (which is not).
    fn copy(&self) -> Ptr {
        Ptr(self.0)
    }
}

/// `c[m×n] = op(a)·op(b)` (or `+=` when `accumulate`), where `op(a)` is m×k
/// (`a` stored k×m when `ta`) and `op(b)` is k×n (`b` stored n×k when `tb`):
/// the crate's own product, for a caller that measures it on raw slices.
/// Slices shorter than the sizes say (or sizes whose products overflow) are
/// an error naming them; tensors' products are [`crate::Tensor::matmul`].
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
    accumulate: bool,
) -> crate::Result<()> {
    for (what, len, r, s) in [("a", a.len(), m, k), ("b", b.len(), k, n), ("c", c.len(), m, n)] {
        if !r.checked_mul(s).is_some_and(|need| need <= len) {
            return Err(crate::Error::arg(
                "kernels::matmul",
                format!("{what} holds {len} values, fewer than its {r}x{s} (m = {m}, k = {k}, n = {n})"),
            ));
        }
    }
    if m.checked_mul(k).and_then(|x| x.checked_mul(n)).is_none() {
        return Err(crate::Error::arg("kernels::matmul", format!("{m}x{k}x{n} multiply-adds overflow")));
    }
    gemm(a, b, c, m, k, n, ta, tb, accumulate);
    Ok(())
}

/// [`matmul`] for the crate's ops, which pass lengths they have checked.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
    accumulate: bool,
) {
    product(a, b, c, m, k, n, ta, tb, accumulate, None, None, usize::MAX);
}

/// One matrix product `c = op(a)·op(b)` (`+=` when `accumulate`), with
/// [`matmul`]'s arguments, as data: a layer's backward pass hands two of them
/// to [`gradient_products`], which decides how they share the threads.
pub(crate) struct Product<'a> {
    pub a: &'a [f32],
    pub b: &'a [f32],
    pub c: &'a mut [f32],
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub ta: bool,
    pub tb: bool,
    pub accumulate: bool,
}

impl Product<'_> {
    /// The product on up to `max_threads` threads.
    fn run(self, max_threads: usize) {
        let Product { a, b, c, m, k, n, ta, tb, accumulate } = self;
        product(a, b, c, m, k, n, ta, tb, accumulate, None, None, max_threads);
    }
}

/// A layer's two gradient products (its input's and its weights'), which
/// read the same output gradient and are independent of each other.
///
/// When each has at least 1M multiply-adds and there are two threads or
/// more, they run side by side, one whole product per thread: split across
/// the threads instead, each thread would pack the shared operand again
/// (the measurements are in BENCHMARKS.md). Otherwise they run one after the
/// other, each split across the threads by [`matmul`]'s rule. Either way each
/// product's sums are formed in the same order, so the result is the same.
pub(crate) fn gradient_products(first: Product<'_>, second: Product<'_>) {
    let macs = (first.m * first.k * first.n).min(second.m * second.k * second.n);
    if macs >= 1 << 20 && num_threads() > 1 {
        crate::parallel::join(|| first.run(1), || second.run(1));
    } else {
        first.run(usize::MAX);
        second.run(usize::MAX);
    }
}

/// A function applied in place to runs of C's elements once they are final
/// (a fused activation): each thread applies it to its own block's rows right
/// after computing them, while they are still in cache.
pub(crate) type Epilogue<'a> = &'a (dyn Fn(&mut [f32]) + Sync);

/// `c[m×n] = a·b + bias` (the bias row added to every row), with the bias
/// written into each thread's block of C just before its GEMM accumulates
/// onto it: no separate pass over C, and it is split across threads too.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_bias(a: &[f32], b: &[f32], bias: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(bias.len() >= n);
    product(a, b, c, m, k, n, false, false, false, Some(bias), None, usize::MAX);
}

/// `c[m×n] = f(a·b (+ bias))`: the product, the bias row if any, then the
/// epilogue `f` applied in place to every element (see [`Epilogue`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_bias_then(
    a: &[f32],
    b: &[f32],
    bias: Option<&[f32]>,
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    f: Epilogue<'_>,
) {
    assert!(bias.map_or(true, |b| b.len() >= n));
    product(a, b, c, m, k, n, false, false, false, bias, Some(f), usize::MAX);
}

/// Applies `f` to rows r0..r1, columns c0..c1 of the m×n C, a row at a time
/// (the whole block at once when it spans full rows).
///
/// SAFETY: the block must lie inside C's storage.
unsafe fn apply_epilogue(c: Ptr, n: usize, f: Epilogue<'_>, r0: usize, r1: usize, c0: usize, c1: usize) {
    if c0 == 0 && c1 == n {
        f(std::slice::from_raw_parts_mut(c.0.add(r0 * n), (r1 - r0) * n));
        return;
    }
    for r in r0..r1 {
        f(std::slice::from_raw_parts_mut(c.0.add(r * n + c0), c1 - c0));
    }
}

/// Writes the bias row into rows r0..r1, columns c0..c1 of the m×n C.
///
/// SAFETY: the block must lie inside C's storage.
unsafe fn fill_bias(c: Ptr, n: usize, bias: &[f32], r0: usize, r1: usize, c0: usize, c1: usize) {
    for r in r0..r1 {
        let row = std::slice::from_raw_parts_mut(c.0.add(r * n + c0), c1 - c0);
        row.copy_from_slice(&bias[c0..c1]);
    }
}

#[allow(clippy::too_many_arguments)]
fn product(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
    accumulate: bool,
    bias: Option<&[f32]>,
    epilogue: Option<Epilogue<'_>>,
    max_threads: usize,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    let macs = m * k * n;
    // Split across threads below; otherwise one call covers the whole of C.
    let threads = if macs >= PAR_MACS && k > 0 { num_threads().min(max_threads) } else { 1 };
    let parallel = threads > 1;
    // With a bias, C (or each thread's block of it) is first set to the bias
    // row and the product added.
    // (The tiny products' loop adds the bias as it stores each row instead.)
    let tiny = k > 0 && macs < SMALL_MACS;
    if tiny {
        small(a, b, c, m, k, n, ta, tb, accumulate, bias);
        if let Some(f) = epilogue {
            f(&mut c[..m * n]);
        }
        return;
    }
    let accumulate = accumulate || bias.is_some();
    if let (Some(bias), false) = (bias, parallel) {
        // SAFETY: the whole of C, checked above.
        unsafe { fill_bias(Ptr(c.as_mut_ptr()), n, bias, 0, m, 0, n) };
    }
    if k == 0 || !parallel {
        if k == 0 {
            if !accumulate {
                c[..m * n].iter_mut().for_each(|x| *x = 0.0);
            }
        } else {
            // SAFETY: slices checked above; strides describe in-bounds storage.
            unsafe { block(a, b, Ptr(c.as_mut_ptr()), m, k, n, ta, tb, accumulate, Span::whole(m, n, k)) };
        }
        if let Some(f) = epilogue {
            f(&mut c[..m * n]);
        }
        return;
    }
    if m * n <= SPLIT_K_MAX_MN && k >= SPLIT_K_MIN_K {
        return split_k(a, b, c, m, k, n, ta, tb, accumulate, bias, epilogue, threads);
    }
    // Cut along n in multiples of 16 (a micro-kernel's width) when n is wide
    // enough, else along m. (Cutting the larger operand instead — rows when
    // m > n — measured no better on W1's shapes: within ±5% either way,
    // interleaved in one process, BENCHMARKS.md.)
    let by_rows = !(n >= 32 * threads || n >= m);
    let (len, align) = if by_rows { (m, 8) } else { (n, 16) };
    let parts = threads.min(len.div_ceil(align)).max(1);
    let step = len.div_ceil(parts).div_ceil(align) * align;
    let cp = Ptr(c.as_mut_ptr());
    // A parallel iterator rather than a scope: rayon splits it with `join`,
    // which runs one half on the calling thread and allocates no job boxes.
    pool().install(|| {
        use rayon::prelude::*;
        (0..parts).into_par_iter().with_max_len(1).for_each(|t| {
            let (lo, hi) = (t * step, ((t + 1) * step).min(len));
            if lo >= hi {
                return;
            }
            let (r0, r1, c0, c1) = if by_rows { (lo, hi, 0, n) } else { (0, m, lo, hi) };
            let span = Span { r0, r1, c0, c1, ..Span::whole(m, n, k) };
            // SAFETY: blocks [r0,r1)×[c0,c1) are disjoint between threads.
            unsafe {
                if let Some(bias) = bias {
                    fill_bias(cp.copy(), n, bias, r0, r1, c0, c1);
                }
                block(a, b, cp.copy(), m, k, n, ta, tb, accumulate, span);
                if let Some(f) = epilogue {
                    apply_epilogue(cp.copy(), n, f, r0, r1, c0, c1);
                }
            };
        })
    });
}

/// Products with a small C and a long k (a convolution's weight gradient:
/// 9×43,264·43,264×16 in W2) are split along k instead: C has too few rows
/// and columns to share out (its 16 columns make one part, and cut by rows it
/// was slower still); along k it takes half the time (BENCHMARKS.md). Part 0 sums
/// its slice of k into C, the others into buffers of their own, added to C
/// in a fixed order.
const SPLIT_K_MAX_MN: usize = 64 * 64;
const SPLIT_K_MIN_K: usize = 8 * 1024;

#[allow(clippy::too_many_arguments)]
fn split_k(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
    accumulate: bool,
    bias: Option<&[f32]>,
    epilogue: Option<Epilogue<'_>>,
    threads: usize,
) {
    let step = k.div_ceil(threads);
    let mut partials: Vec<Vec<f32>> = (1..threads).map(|_| vec![0.0; m * n]).collect();
    let mut dst: Vec<Ptr> = vec![Ptr(c.as_mut_ptr())];
    dst.extend(partials.iter_mut().map(|p| Ptr(p.as_mut_ptr())));
    if let Some(bias) = bias {
        // SAFETY: the whole of C.
        unsafe { fill_bias(dst[0].copy(), n, bias, 0, m, 0, n) };
    }
    pool().install(|| {
        use rayon::prelude::*;
        (0..threads).into_par_iter().with_max_len(1).for_each(|t| {
            let span = Span { k0: t * step, k1: ((t + 1) * step).min(k), ..Span::whole(m, n, k) };
            if span.k0 < span.k1 {
                // SAFETY: each part writes its own m×n buffer (part 0: C).
                unsafe { block(a, b, dst[t].copy(), m, k, n, ta, tb, t == 0 && accumulate, span) };
            }
        })
    });
    for p in &partials {
        c[..m * n].iter_mut().zip(p).for_each(|(c, &p)| *c += p);
    }
    if let Some(f) = epilogue {
        f(&mut c[..m * n]);
    }
}

/// The part of a product one call computes: rows r0..r1 and columns c0..c1
/// of C, summed over k0..k1.
#[derive(Clone, Copy)]
struct Span {
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
    k0: usize,
    k1: usize,
}

impl Span {
    /// All of an m×n C, summed over all of k.
    fn whole(m: usize, n: usize, k: usize) -> Span {
        Span { r0: 0, r1: m, c0: 0, c1: n, k0: 0, k1: k }
    }
}

/// One single-threaded GEMM on the part `s` of C (m×n, row-major at `c`).
#[allow(clippy::too_many_arguments)]
unsafe fn block(
    a: &[f32],
    b: &[f32],
    c: Ptr,
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
    accumulate: bool,
    s: Span,
) {
    // Element (i, p) of op(a): a[i*k + p], or a[p*m + i] when transposed.
    let (a_rs, a_cs) = if ta { (1, m as isize) } else { (k as isize, 1) };
    // Element (p, j) of op(b): b[p*n + j], or b[j*k + p] when transposed.
    let (b_rs, b_cs) = if tb { (1, k as isize) } else { (n as isize, 1) };
    let a_ptr = a.as_ptr().offset(s.r0 as isize * a_rs + s.k0 as isize * a_cs);
    let b_ptr = b.as_ptr().offset(s.c0 as isize * b_cs + s.k0 as isize * b_rs);
    let c_ptr = c.0.add(s.r0 * n + s.c0);
    let (r0, r1, c0, c1) = (s.r0, s.r1, s.c0, s.c1);
    // The crate's micro-kernels want a column-major destination; C is row
    // major, so compute Cᵀ = Bᵀ·Aᵀ instead (the same memory, read through
    // swapped strides). This is what the `gemm` crate's front end does, and
    // without it the product runs at half speed.
    gemm_f32::gemm::f32::get_gemm_fn()(
        c1 - c0,
        r1 - r0,
        s.k1 - s.k0,
        c_ptr,
        n as isize,
        1,
        accumulate,
        b_ptr,
        b_rs,
        b_cs,
        a_ptr,
        a_rs,
        a_cs,
        // dst = alpha·dst + beta·A·B; alpha is only read when dst is.
        if accumulate { 1.0 } else { 0.0 },
        1.0,
        false,
        false,
        false,
        Parallelism::None,
    );
}

crate::multiversion! {
    /// Tiny products: C is cut into column blocks of 16, 8, 4, 2, 1; each
    /// block's row is accumulated in registers (a fixed-size array the
    /// compiler keeps in vectors), so a 10×8·8×8 product costs a few dozen
    /// vector operations, not a loop set-up per element. Compiled per vector
    /// width: 16 columns are one AVX-512 register or two AVX2 ones. A
    /// transposed B is transposed once into a stack buffer; a transposed A is
    /// read through strides. With a bias, each row of C is set to bias + A·B.
    #[allow(clippy::too_many_arguments)]
    fn small(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        ta: bool,
        tb: bool,
        acc: bool,
        bias: Option<&[f32]>,
    ) {
        // Bᵀ transposed into a stack buffer (a heap one when large), written
        // in full before it is read, so it needs no zero fill.
        let mut stack = [std::mem::MaybeUninit::<f32>::uninit(); 512];
        let mut heap = Vec::new();
        let b: &[f32] = if tb {
            let bt: &mut [std::mem::MaybeUninit<f32>] = if k * n <= stack.len() {
                &mut stack[..k * n]
            } else {
                heap.resize(k * n, std::mem::MaybeUninit::uninit());
                &mut heap
            };
            for j in 0..n {
                for p in 0..k {
                    bt[p * n + j] = std::mem::MaybeUninit::new(b[j * k + p]);
                }
            }
            // SAFETY: the loops above wrote every one of the k·n elements.
            unsafe { &*(bt as *const [std::mem::MaybeUninit<f32>] as *const [f32]) }
        } else {
            &b[..k * n]
        };
        let (a_rs, a_cs) = if ta { (1, m) } else { (k, 1) };
        let mut j0 = 0;
        while j0 < n {
            let w = match n - j0 {
                r if r >= 16 => 16,
                r if r >= 8 => 8,
                r if r >= 4 => 4,
                r if r >= 2 => 2,
                _ => 1,
            };
            match w {
                16 => block_cols::<16>(a, a_rs, a_cs, b, c, m, k, n, j0, acc, bias),
                8 => block_cols::<8>(a, a_rs, a_cs, b, c, m, k, n, j0, acc, bias),
                4 => block_cols::<4>(a, a_rs, a_cs, b, c, m, k, n, j0, acc, bias),
                2 => block_cols::<2>(a, a_rs, a_cs, b, c, m, k, n, j0, acc, bias),
                _ => block_cols::<1>(a, a_rs, a_cs, b, c, m, k, n, j0, acc, bias),
            }
            j0 += w;
        }
    }
}

/// `C[:, j0..j0+N] (+)= A · B[:, j0..j0+N]` with B row-major `k×n`.
/// Indexes without bounds checks (they were most of the instructions of a
/// playground-sized product) after one check of the lengths.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn block_cols<const N: usize>(
    a: &[f32],
    a_rs: usize,
    a_cs: usize,
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    j0: usize,
    acc: bool,
    bias: Option<&[f32]>,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n && j0 + N <= n);
    assert!(bias.map_or(true, |b| b.len() >= n));
    let bias = bias.map(|b| b.as_ptr());
    let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    // Four rows at a time share each load of B's row; the rest one by one.
    let mut i = 0;
    while i + 4 <= m {
        // SAFETY: rows i..i+4 < m, with the lengths asserted above.
        unsafe { rows::<N, 4>(a, a_rs, a_cs, b, c, k, n, j0, i, acc, bias) };
        i += 4;
    }
    while i < m {
        // SAFETY: row i < m, with the lengths asserted above.
        unsafe { rows::<N, 1>(a, a_rs, a_cs, b, c, k, n, j0, i, acc, bias) };
        i += 1;
    }
}

/// Rows i0..i0+R, columns j0..j0+N of C, accumulated in registers over p in
/// increasing order (the same order, so the same bits, whatever R is).
///
/// SAFETY: rows i0..i0+R of op(A) (m×k, strides a_rs/a_cs), rows 0..k,
/// columns j0..j0+N of the k×n B, the same block of the m×n C and entries
/// j0..j0+N of the bias (if any) must lie inside the storage the pointers
/// address. With a bias, C's block is set to bias + A·B.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn rows<const N: usize, const R: usize>(
    a: *const f32,
    a_rs: usize,
    a_cs: usize,
    b: *const f32,
    c: *mut f32,
    k: usize,
    n: usize,
    j0: usize,
    i0: usize,
    acc: bool,
    bias: Option<*const f32>,
) {
    let mut s = [[0f32; N]; R];
    for p in 0..k {
        let bp = &*(b.add(p * n + j0) as *const [f32; N]);
        for (r, sr) in s.iter_mut().enumerate() {
            let x = *a.add((i0 + r) * a_rs + p * a_cs);
            for j in 0..N {
                sr[j] += x * bp[j];
            }
        }
    }
    for (r, s) in s.iter().enumerate() {
        let ci = &mut *(c.add((i0 + r) * n + j0) as *mut [f32; N]);
        if let Some(bias) = bias {
            let bj = &*(bias.add(j0) as *const [f32; N]);
            for j in 0..N {
                ci[j] = bj[j] + s[j];
            }
        } else if acc {
            for j in 0..N {
                ci[j] += s[j];
            }
        } else {
            *ci = *s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, ta: bool, tb: bool) -> Vec<f64> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    let x = if ta { a[p * m + i] } else { a[i * k + p] };
                    let y = if tb { b[j * k + p] } else { b[p * n + j] };
                    c[i * n + j] += x as f64 * y as f64;
                }
            }
        }
        c
    }

    #[test]
    fn every_path_matches_naive() {
        let mut r = Rng::seed(3);
        // tiny (loops; one with a transposed B too big for the stack buffer),
        // medium (one single-threaded gemm), large (split by cols and by rows;
        // a small C with a long k split along k)
        let shapes =
            [(3, 4, 5), (1, 100, 60), (20, 30, 40), (40, 50, 60), (64, 100, 256), (300, 64, 20), (9, 9000, 16)];
        for &(m, k, n) in &shapes {
            // a k-term sum of products of normals is ~√k in size, its f32 rounding ~k·ε
            let tol = 1e-3 * (k as f64 / 100.0).max(1.0);
            for ta in [false, true] {
                for tb in [false, true] {
                    let a: Vec<f32> = (0..m * k).map(|_| r.normal()).collect();
                    let b: Vec<f32> = (0..k * n).map(|_| r.normal()).collect();
                    let want = naive(&a, &b, m, k, n, ta, tb);
                    let mut c = vec![1.0f32; m * n];
                    gemm(&a, &b, &mut c, m, k, n, ta, tb, true);
                    for i in 0..m * n {
                        assert!((c[i] as f64 - want[i] - 1.0).abs() < tol, "{m}x{k}x{n} {ta} {tb}");
                    }
                    gemm(&a, &b, &mut c, m, k, n, ta, tb, false);
                    for i in 0..m * n {
                        assert!((c[i] as f64 - want[i]).abs() < tol);
                    }
                    if !ta && !tb {
                        let bias: Vec<f32> = (0..n).map(|j| j as f32 - 2.5).collect();
                        let mut c = vec![f32::NAN; m * n];
                        matmul_bias(&a, &b, &bias, &mut c, m, k, n);
                        for i in 0..m * n {
                            assert!((c[i] as f64 - want[i] - bias[i % n] as f64).abs() < tol, "{m}x{k}x{n} bias");
                        }
                        // the same with an epilogue applied once to every element
                        let mut c = vec![f32::NAN; m * n];
                        matmul_bias_then(&a, &b, Some(&bias), &mut c, m, k, n, &|c| {
                            c.iter_mut().for_each(|x| *x *= 2.0)
                        });
                        for i in 0..m * n {
                            let want = 2.0 * (want[i] + bias[i % n] as f64);
                            assert!((c[i] as f64 - want).abs() < 2.0 * tol, "{m}x{k}x{n} epilogue");
                        }
                    }
                }
            }
        }
    }
}
