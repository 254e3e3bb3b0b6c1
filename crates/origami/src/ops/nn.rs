//! Primitives made for neural networks: softmax and log-softmax (fused for
//! numerical stability), 2-D convolution and pooling (fused for speed; a
//! composition would materialise every window).

use crate::autograd::{GradAcc, Op};
use crate::kernels::conv::{col2im, im2col, Geometry};
use crate::kernels::matmul::{gemm, gradient_products, Product};
use crate::kernels::pool::{avg_pool, avg_pool_backward, max_pool, max_pool_backward};
use crate::kernels::shape::{check_axis, split_at_axis, Shape};
use crate::kernels::softmax::{log_softmax, log_softmax_backward, softmax, softmax_backward};
use crate::ops::matmul::{add_row_sums, affine, Fused};
use crate::{Error, Result, Tensor};

/// How a window sweep treats the border.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding: windows lie wholly inside the input.
    #[default]
    Valid,
    /// Zero padding so that the output has `ceil(input / stride)` pixels.
    Same,
}

impl Tensor {
    /// Softmax along `axis`: exp(x − max) / Σ exp(x − max).
    pub fn softmax(&self, axis: usize) -> Result<Tensor> {
        check_axis("softmax", axis, self.shape())?;
        let (o, l, i) = split_at_axis(self.shape(), axis);
        let mut out = crate::tensor::pool::scratch(self.numel());
        softmax(&self.data(), o, l, i, &mut out);
        Ok(Tensor::from_op(out, self.0.shape.clone(), self.is_tracked(), || Op::Softmax(self.clone(), axis)))
    }

    /// Log-softmax along `axis`: x − logsumexp(x), exact for huge logits.
    pub fn log_softmax(&self, axis: usize) -> Result<Tensor> {
        check_axis("log_softmax", axis, self.shape())?;
        let (o, l, i) = split_at_axis(self.shape(), axis);
        let mut out = crate::tensor::pool::scratch(self.numel());
        log_softmax(&self.data(), o, l, i, &mut out);
        Ok(Tensor::from_op(out, self.0.shape.clone(), self.is_tracked(), || Op::LogSoftmax(self.clone(), axis)))
    }

    /// 2-D convolution (cross-correlation, as every framework) of an NHWC
    /// input `[n, h, w, c]` with a kernel `[kh, kw, c, f]` and an optional
    /// bias `[f]` (added in place: one node, not two), giving `[n, oh, ow, f]`.
    pub fn conv2d(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        stride: (usize, usize),
        padding: Padding,
    ) -> Result<Tensor> {
        self.conv2d_with(kernel, bias, stride, padding, None)
    }

    /// `act(conv2d(…))` as one primitive, for speed: the activation runs on
    /// each thread's block of the product while it is in cache, instead of
    /// as a second pass (and node) over the whole output. See [`Fused`].
    pub fn conv2d_act(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        stride: (usize, usize),
        padding: Padding,
        act: Fused,
    ) -> Result<Tensor> {
        self.conv2d_with(kernel, bias, stride, padding, Some(act))
    }

    fn conv2d_with(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        stride: (usize, usize),
        padding: Padding,
        act: Option<Fused>,
    ) -> Result<Tensor> {
        let (x, w) = (self.shape(), kernel.shape());
        if x.len() != 4 || w.len() != 4 || x[3] != w[2] {
            return Err(Error::shape(
                "conv2d",
                x,
                w,
                "the input must be [batch, height, width, channels] and the kernel [kh, kw, channels, filters] with equal channels",
            ));
        }
        let f = w[3];
        if let Some(b) = bias {
            if b.shape() != [f] {
                return Err(Error::shape(
                    "conv2d",
                    w,
                    b.shape(),
                    "the bias must be a vector with one entry per filter",
                ));
            }
        }
        let g = geometry("conv2d", x, (w[0], w[1]), stride, padding)?;
        let mut cols = crate::tensor::pool::scratch(g.pixels() * g.patch());
        im2col(&self.data(), &g, &mut cols);
        let mut out = crate::tensor::pool::scratch(g.pixels() * f);
        let (kd, bd) = (kernel.data(), bias.map(|b| b.data()));
        let (m, k) = (g.pixels(), g.patch());
        affine(&cols, &kd, bd.as_deref(), act, &mut out, m, k, f);
        drop((kd, bd));
        let shape: Shape = [g.n, g.oh, g.ow, f].as_slice().into();
        let tracked = self.is_tracked() || kernel.is_tracked() || bias.is_some_and(|b| b.is_tracked());
        Ok(Tensor::from_op(out, shape, tracked, || Op::Conv2d {
            x: self.clone(),
            w: kernel.clone(),
            b: bias.cloned(),
            g,
            cols: crate::tensor::pool::Buf::new(cols),
            act,
        }))
    }

    /// Max pooling of an NHWC tensor over `kernel`-sized windows.
    pub fn max_pool2d(&self, kernel: (usize, usize), stride: (usize, usize), padding: Padding) -> Result<Tensor> {
        let g = pool_geometry("max_pool2d", self.shape(), kernel, stride, padding)?;
        let mut out = crate::tensor::pool::scratch(g.pixels() * g.c);
        max_pool(&self.data(), &g, &mut out);
        let shape: Shape = [g.n, g.oh, g.ow, g.c].as_slice().into();
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::MaxPool2d(self.clone(), g)))
    }

    /// Average pooling of an NHWC tensor; windows at a `same` border average
    /// only the pixels inside the input.
    pub fn avg_pool2d(&self, kernel: (usize, usize), stride: (usize, usize), padding: Padding) -> Result<Tensor> {
        let g = pool_geometry("avg_pool2d", self.shape(), kernel, stride, padding)?;
        let mut out = crate::tensor::pool::scratch(g.pixels() * g.c);
        avg_pool(&self.data(), &g, &mut out);
        let shape: Shape = [g.n, g.oh, g.ow, g.c].as_slice().into();
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::AvgPool2d(self.clone(), g)))
    }
}

fn pool_geometry(op: &'static str, x: &[usize], k: (usize, usize), s: (usize, usize), p: Padding) -> Result<Geometry> {
    if x.len() != 4 {
        return Err(Error::arg(op, format!("needs an NHWC input [batch, height, width, channels], got shape {x:?}")));
    }
    geometry(op, x, k, s, p)
}

fn geometry(op: &'static str, x: &[usize], k: (usize, usize), s: (usize, usize), p: Padding) -> Result<Geometry> {
    Geometry::new(x[0], x[1], x[2], x[3], k.0, k.1, s.0, s.1, p == Padding::Same).ok_or_else(|| {
        Error::arg(
            op,
            format!(
                "a {}x{} window with stride {}x{} and {p:?} padding does not fit an input of shape {x:?}",
                k.0, k.1, s.0, s.1
            ),
        )
    })
}

/// y = softmax(x) ⇒ dx = y ⊙ (g − ⟨g, y⟩) along the axis.
pub(crate) fn softmax_bw(x: &Tensor, axis: usize, y: &[f32], g: &[f32], acc: &mut GradAcc) {
    let (o, l, i) = split_at_axis(x.shape(), axis);
    let mut dx = vec![0.0; g.len()];
    softmax_backward(y, g, o, l, i, &mut dx);
    if let Some(slot) = acc.slot(x) {
        slot.iter_mut().zip(&dx).for_each(|(s, &d)| *s += d);
    }
}

/// y = x − logsumexp(x) ⇒ dx = g − softmax(x)·Σg, with softmax(x) = exp(y).
pub(crate) fn log_softmax_bw(x: &Tensor, axis: usize, y: &[f32], g: &[f32], acc: &mut GradAcc) {
    let (o, l, i) = split_at_axis(x.shape(), axis);
    let mut dx = vec![0.0; g.len()];
    log_softmax_backward(y, g, o, l, i, &mut dx);
    if let Some(slot) = acc.slot(x) {
        slot.iter_mut().zip(&dx).for_each(|(s, &d)| *s += d);
    }
}

/// out = cols · W + b ⇒ dW = colsᵀ · g, db = Σ_pixels g and dcols = g · Wᵀ,
/// then col2im adds each patch's gradient back onto the pixels it was cut from.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv2d_bw(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    g: &Geometry,
    cols: &[f32],
    act: Option<Fused>,
    y: &[f32],
    grad: &[f32],
    acc: &mut GradAcc,
) {
    // a fused activation first: dz = dy·act'(z), a function of y (see `Fused`)
    let dz = act.map(|act| act.backward(y, grad));
    let grad = dz.as_deref().unwrap_or(grad);
    let (f, patch, pixels) = (w.shape()[3], g.patch(), g.pixels());
    // both gradients wanted: the kernel decides how the two products share
    // the threads, as for a dense layer's (see `linear_backward`)
    let mut dcols = None;
    if acc.wants(x) && acc.wants(w) && x.id() != w.id() {
        let (mut dw, add) = acc.take_or_fresh(w).expect("wanted");
        let mut dc = crate::tensor::pool::scratch(cols.len());
        let wd = w.data();
        gradient_products(
            Product { a: cols, b: grad, c: &mut dw, m: patch, k: pixels, n: f, ta: true, tb: false, accumulate: add },
            Product { a: grad, b: &wd, c: &mut dc, m: pixels, k: f, n: patch, ta: false, tb: true, accumulate: false },
        );
        acc.put(w, dw);
        dcols = Some(dc);
    } else if let Some((dw, add)) = acc.slot_or_fresh(w) {
        gemm(cols, grad, dw, patch, pixels, f, true, false, add);
    }
    if let Some(db) = b.and_then(|b| acc.slot(b)) {
        add_row_sums(db, grad);
    }
    if acc.wants(x) {
        let dcols = dcols.unwrap_or_else(|| {
            let mut dc = crate::tensor::pool::scratch(cols.len());
            gemm(grad, &w.data(), &mut dc, pixels, f, patch, false, true, false);
            dc
        });
        if let Some(dx) = acc.slot(x) {
            col2im(&dcols, g, dx);
        }
        crate::tensor::pool::give(dcols);
    }
    if let Some(dz) = dz {
        crate::tensor::pool::give(dz);
    }
}

/// y = max over each window ⇒ ∂y/∂x is 1 at the window's (first) maximum and
/// 0 elsewhere: dx[winner] += dy. The winner is found again by comparing the
/// window with y (see `kernels::pool::max_pool_backward`).
pub(crate) fn max_pool2d_bw(x: &Tensor, y: &[f32], g: &Geometry, grad: &[f32], acc: &mut GradAcc) {
    let xd = x.data();
    if let Some((dx, add)) = acc.slot_or_fresh(x) {
        max_pool_backward(&xd, y, grad, g, dx, add);
    }
}

pub(crate) fn avg_pool2d_bw(x: &Tensor, g: &Geometry, grad: &[f32], acc: &mut GradAcc) {
    if let Some(dx) = acc.slot(x) {
        avg_pool_backward(grad, g, dx);
    }
}
