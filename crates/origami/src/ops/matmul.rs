//! Matrix product, 2-D and batched.

use crate::autograd::{GradAcc, Op};
use crate::kernels::matmul::{gemm, gradient_products, matmul_bias, matmul_bias_then, Product};
use crate::kernels::shape::{numel, Shape};
use crate::ops::elementwise::{unary_backward_into, unary_in_place, UnaryOp};
use crate::{Error, Result, Tensor};

/// An activation fused into [`Tensor::linear_act`]: one whose derivative is a
/// function of its output alone (relu' = [y > 0], tanh' = 1 − y²,
/// σ' = y(1 − y)), so the backward pass needs no pre-activation buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    Relu,
    Tanh,
    Sigmoid,
}

impl Fused {
    /// dL/dz = dL/dy · act'(z) computed from y = act(z), in a pool buffer.
    pub(crate) fn backward(self, y: &[f32], g: &[f32]) -> Vec<f32> {
        let mut dz = crate::tensor::pool::scratch(g.len());
        // every fused activation's derivative reads only y (relu's `x > 0` is `y > 0`)
        unary_backward_into(self.unary(), &mut dz, g, y, y, false);
        dz
    }

    pub(crate) fn unary(self) -> UnaryOp {
        match self {
            Fused::Relu => UnaryOp::Relu,
            Fused::Tanh => UnaryOp::Tanh,
            Fused::Sigmoid => UnaryOp::Sigmoid,
        }
    }
}

/// How the operands of a product line up: `batch` products of m×k by k×n;
/// `a_step`/`b_step` are the operands' strides between batches (0 when shared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MatMulDims {
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a_step: usize,
    b_step: usize,
}

fn dims(a: &[usize], b: &[usize]) -> Result<(MatMulDims, Shape)> {
    let bad = |why| Error::shape("matmul", a, b, why);
    if a.len() < 2 || b.len() < 2 {
        return Err(bad("both operands need at least 2 axes (use reshape to make a vector a 1×n matrix)"));
    }
    let (m, k) = (a[a.len() - 2], a[a.len() - 1]);
    let (k2, n) = (b[b.len() - 2], b[b.len() - 1]);
    if k != k2 {
        return Err(bad("the last axis of the left operand must equal the second-to-last of the right"));
    }
    let (ba, bb) = (&a[..a.len() - 2], &b[..b.len() - 2]);
    let (batch_shape, a_step, b_step) = if ba == bb {
        (ba, m * k, k * n)
    } else if bb.is_empty() {
        (ba, m * k, 0)
    } else if ba.is_empty() {
        (bb, 0, k * n)
    } else {
        return Err(bad("batch axes must be equal, or one operand must be a plain matrix"));
    };
    let mut out: Shape = batch_shape.into();
    out.push(m);
    out.push(n);
    crate::limits::check_shape("matmul", &out)?;
    let d = MatMulDims { batch: numel(batch_shape), m, k, n, a_step, b_step };
    Ok((d, out))
}

impl Tensor {
    /// Matrix product over the last two axes: `[…, m, k] · […, k, n] → […, m, n]`.
    /// Leading (batch) axes must match, or one side is a plain matrix shared by every batch.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let (d, shape) = dims(self.shape(), other.shape())?;
        let mut out = crate::tensor::pool::scratch(numel(&shape));
        crate::ops::elementwise::with2(self, other, |a, b| forward(a, b, &mut out, d));
        let tracked = self.is_tracked() || other.is_tracked();
        Ok(Tensor::from_op(out, shape, tracked, || Op::MatMul(self.clone(), other.clone())))
    }

    /// `x · w + b`, the affine map of a dense layer, as one primitive: promoted
    /// for speed (one node and one buffer instead of two, and the bias added in
    /// place). `x` is `[…, k]`, `w` is `[k, n]`, `b` is `[n]`; gives `[…, n]`.
    pub fn linear(&self, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
        self.linear_with(w, b, None)
    }

    /// `act(x · w + b)` as one primitive, promoted for speed: the activation
    /// runs on each thread's block of the product while it is in cache, and
    /// the graph holds one node instead of two (a playground-sized network
    /// pays per node more than per flop). Same shapes as [`linear`](Self::linear).
    pub fn linear_act(&self, w: &Tensor, b: Option<&Tensor>, act: Fused) -> Result<Tensor> {
        self.linear_with(w, b, Some(act))
    }

    fn linear_with(&self, w: &Tensor, b: Option<&Tensor>, act: Option<Fused>) -> Result<Tensor> {
        let (xs, ws) = (self.shape(), w.shape());
        if xs.is_empty() || ws.len() != 2 || xs[xs.len() - 1] != ws[0] {
            return Err(Error::shape("linear", xs, ws, "the input's last axis must equal the weight matrix's first"));
        }
        let (k, n) = (ws[0], ws[1]);
        if let Some(b) = b {
            if b.shape() != [n] {
                return Err(Error::shape(
                    "linear",
                    ws,
                    b.shape(),
                    "the bias must be a vector with one entry per output column",
                ));
            }
        }
        let m = self.numel() / k.max(1);
        let mut out = crate::tensor::pool::scratch(m * n);
        crate::ops::elementwise::with2(self, w, |x, w| {
            let bias = b.map(|b| b.data());
            affine(x, w, bias.as_deref(), act, &mut out, m, k, n)
        });
        let mut shape: Shape = xs.into();
        *shape.last_mut().expect("rank checked") = n;
        let tracked = self.is_tracked() || w.is_tracked() || b.is_some_and(|b| b.is_tracked());
        Ok(Tensor::from_op(out, shape, tracked, || Op::Linear(self.clone(), w.clone(), b.cloned(), act)))
    }

    /// Swaps the last two axes (a copy).
    pub fn t(&self) -> Result<Tensor> {
        let r = self.rank();
        if r < 2 {
            return Err(Error::arg("t", format!("needs at least 2 axes, the tensor has shape {:?}", self.shape())));
        }
        self.transpose(r - 2, r - 1)
    }
}

fn forward(a: &[f32], b: &[f32], c: &mut [f32], d: MatMulDims) {
    if d.b_step == 0 {
        // A shared right operand: all batches are one tall product.
        return gemm(a, b, c, d.batch * d.m, d.k, d.n, false, false, false);
    }
    for i in 0..d.batch {
        gemm(&a[i * d.a_step..], &b[i * d.b_step..], &mut c[i * d.m * d.n..], d.m, d.k, d.n, false, false, false);
    }
}

/// C = A·B ⇒ dA = dC·Bᵀ, dB = Aᵀ·dC (summed over batches where an operand is shared).
/// The transposes are read through strides by the GEMM, never copied.
pub(crate) fn matmul_backward(a: &Tensor, b: &Tensor, g: &[f32], acc: &mut GradAcc) {
    let Ok((d, _)) = dims(a.shape(), b.shape()) else { return };
    let mn = d.m * d.n;
    if acc.wants(a) {
        let bd = b.data();
        let (da, add) = acc.slot_or_fresh(a).expect("wanted");
        if d.batch == 0 && !add {
            da.fill(0.0);
        }
        if d.b_step == 0 {
            gemm(g, &bd, da, d.batch * d.m, d.n, d.k, false, true, add);
        } else {
            for i in 0..d.batch {
                // A shared `a` (a_step 0) sums the batches' products.
                let add = add || (d.a_step == 0 && i > 0);
                gemm(&g[i * mn..], &bd[i * d.b_step..], &mut da[i * d.a_step..], d.m, d.n, d.k, false, true, add);
            }
        }
    }
    if acc.wants(b) {
        let ad = a.data();
        let (db, add) = acc.slot_or_fresh(b).expect("wanted");
        if d.b_step == 0 {
            gemm(&ad, g, db, d.k, d.batch * d.m, d.n, true, false, add);
        } else {
            for i in 0..d.batch {
                gemm(&ad[i * d.a_step..], &g[i * mn..], &mut db[i * d.b_step..], d.k, d.m, d.n, true, false, add);
            }
        }
    }
}

/// `out[m×n] = act(x·w + bias)` (the bias and the activation optional): the
/// forward product of `linear` and of the convolution.
#[allow(clippy::too_many_arguments)]
pub(crate) fn affine(
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    act: Option<Fused>,
    out: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) {
    match (act, bias) {
        (Some(act), _) => {
            let op = act.unary();
            matmul_bias_then(x, w, bias, out, m, k, n, &|c| unary_in_place(op, c))
        }
        (None, Some(b)) => matmul_bias(x, w, b, out, m, k, n),
        (None, None) => gemm(x, w, out, m, k, n, false, false, false),
    }
}

/// A bias's gradient: `db += Σ_rows g` over the rows of g (each `db.len()` wide).
pub(crate) fn add_row_sums(db: &mut [f32], g: &[f32]) {
    for row in g.chunks_exact(db.len().max(1)) {
        db.iter_mut().zip(row).for_each(|(d, &g)| *d += g);
    }
}

/// y = act(z), z = x·W + b ⇒ dz = g·act'(z) (a function of y, see [`Fused`]),
/// then dx = dz·Wᵀ, dW = xᵀ·dz, db = Σ_rows dz.
pub(crate) fn linear_backward(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    act: Option<Fused>,
    y: &[f32],
    g: &[f32],
    acc: &mut GradAcc,
) {
    let dz = act.map(|act| act.backward(y, g));
    let g = dz.as_deref().unwrap_or(g);
    let (k, n) = (w.shape()[0], w.shape()[1]);
    let m = x.numel() / k.max(1);
    // Both gradients wanted (of two different tensors): the kernel decides
    // how the two products share the threads.
    if acc.wants(x) && acc.wants(w) && x.id() != w.id() {
        let (wd, xd) = (w.data(), x.data());
        let (mut dx, add_x) = acc.take_or_fresh(x).expect("wanted");
        let (mut dw, add_w) = acc.take_or_fresh(w).expect("wanted");
        gradient_products(
            Product { a: g, b: &wd, c: &mut dx, m, k: n, n: k, ta: false, tb: true, accumulate: add_x },
            Product { a: &xd, b: g, c: &mut dw, m: k, k: m, n, ta: true, tb: false, accumulate: add_w },
        );
        acc.put(x, dx);
        acc.put(w, dw);
    } else {
        linear_backward_products(x, w, g, m, k, n, acc);
    }
    if let Some(db) = b.and_then(|b| acc.slot(b)) {
        add_row_sums(db, g);
    }
    if let Some(dz) = dz {
        crate::tensor::pool::give(dz);
    }
}

/// dx = g·Wᵀ and dW = xᵀ·g, when only one is wanted (or x is W).
fn linear_backward_products(x: &Tensor, w: &Tensor, g: &[f32], m: usize, k: usize, n: usize, acc: &mut GradAcc) {
    if acc.wants(x) {
        let wd = w.data();
        let (dx, add) = acc.slot_or_fresh(x).expect("wanted");
        gemm(g, &wd, dx, m, n, k, false, true, add);
    }
    if acc.wants(w) {
        let xd = x.data();
        let (dw, add) = acc.slot_or_fresh(w).expect("wanted");
        gemm(&xd, g, dw, k, m, n, true, false, add);
    }
}
