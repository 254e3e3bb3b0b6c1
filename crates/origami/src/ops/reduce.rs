//! Reductions over one axis or over everything.

use crate::autograd::{GradAcc, Op};
use crate::kernels::reduce::{arg_extreme_axis, sum_axis};
use crate::kernels::shape::{check_axis, split_at_axis, Shape};
use crate::{Error, Result, Tensor};

fn reduced_shape(shape: &[usize], axis: usize, keepdim: bool) -> Shape {
    let mut s: Shape = shape.into();
    if keepdim {
        s[axis] = 1;
    } else {
        s.remove(axis);
    }
    s
}

impl Tensor {
    /// Sum along `axis` (kept as size 1 with `keepdim`).
    pub fn sum_axis(&self, axis: usize, keepdim: bool) -> Result<Tensor> {
        check_axis("sum", axis, self.shape())?;
        let (o, l, i) = split_at_axis(self.shape(), axis);
        let mut out = crate::tensor::pool::zeros(o * i);
        sum_axis(&self.data(), o, l, i, &mut out);
        let shape = reduced_shape(self.shape(), axis, keepdim);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::Sum(self.clone(), axis)))
    }

    /// Sum of every element, as a rank-0 tensor.
    pub fn sum_all(&self) -> Tensor {
        self.scaled_sum_all(1.0)
    }

    /// c·Σx as one node (a mean is a scaled sum; one node less per loss).
    fn scaled_sum_all(&self, c: f32) -> Tensor {
        let s: f32 = self.data().iter().sum();
        let y = if c == 1.0 { s } else { s * c };
        Tensor::from_op(vec![y], Shape::new(), self.is_tracked(), || Op::SumAll(self.clone(), c))
    }

    /// Mean along `axis`.
    pub fn mean_axis(&self, axis: usize, keepdim: bool) -> Result<Tensor> {
        let n = self.dim(axis).map_err(|_| Error::axis("mean", axis, self.shape()))?;
        Ok(self.sum_axis(axis, keepdim)?.mul_scalar(1.0 / n as f32))
    }

    /// Mean of every element.
    pub fn mean_all(&self) -> Tensor {
        self.scaled_sum_all(1.0 / self.numel().max(1) as f32)
    }

    /// Population variance along `axis`: mean((x − mean x)²).
    pub fn var_axis(&self, axis: usize, keepdim: bool) -> Result<Tensor> {
        let mu = self.mean_axis(axis, true)?;
        self.sub(&mu)?.square().mean_axis(axis, keepdim)
    }

    /// Population variance of every element.
    pub fn var_all(&self) -> Result<Tensor> {
        let mu = self.mean_all();
        Ok(self.sub(&mu)?.square().mean_all())
    }

    fn extreme(&self, axis: Option<usize>, keepdim: bool, min: bool) -> Result<Tensor> {
        let name = if min { "min" } else { "max" };
        if self.numel() == 0 {
            return Err(Error::arg(name, "of an empty tensor"));
        }
        let (o, l, i, shape) = match axis {
            Some(a) => {
                check_axis(name, a, self.shape())?;
                let (o, l, i) = split_at_axis(self.shape(), a);
                (o, l, i, reduced_shape(self.shape(), a, keepdim))
            }
            None => (1, self.numel(), 1, Shape::new()),
        };
        let mut idx = vec![0usize; o * i];
        let mut out = crate::tensor::pool::zeros(o * i);
        arg_extreme_axis(&self.data(), o, l, i, min, &mut idx, &mut out);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || {
            // flat input index of each winner
            let flat = idx.iter().enumerate().map(|(j, &at)| (j / i) * l * i + at * i + j % i).collect();
            Op::Gather1(self.clone(), flat)
        }))
    }

    /// Maximum along `axis`; the gradient flows to the (first) maximum.
    pub fn max_axis(&self, axis: usize, keepdim: bool) -> Result<Tensor> {
        self.extreme(Some(axis), keepdim, false)
    }
    /// Minimum along `axis`.
    pub fn min_axis(&self, axis: usize, keepdim: bool) -> Result<Tensor> {
        self.extreme(Some(axis), keepdim, true)
    }
    /// Maximum of every element.
    pub fn max_all(&self) -> Result<Tensor> {
        self.extreme(None, false, false)
    }
    /// Minimum of every element.
    pub fn min_all(&self) -> Result<Tensor> {
        self.extreme(None, false, true)
    }

    /// Index of the maximum along `axis` (first on ties); the result has the
    /// input's shape without that axis, in row-major order.
    pub fn argmax(&self, axis: usize) -> Result<Vec<usize>> {
        self.arg_extreme(axis, false)
    }
    /// Index of the minimum along `axis`.
    pub fn argmin(&self, axis: usize) -> Result<Vec<usize>> {
        self.arg_extreme(axis, true)
    }
    fn arg_extreme(&self, axis: usize, min: bool) -> Result<Vec<usize>> {
        check_axis(if min { "argmin" } else { "argmax" }, axis, self.shape())?;
        let (o, l, i) = split_at_axis(self.shape(), axis);
        if l == 0 {
            return Err(Error::arg("argmax", "along an empty axis"));
        }
        let mut idx = vec![0usize; o * i];
        let mut val = vec![0.0; o * i];
        arg_extreme_axis(&self.data(), o, l, i, min, &mut idx, &mut val);
        Ok(idx)
    }
}

/// Backward of a sum: every summed element receives the output's gradient.
pub(crate) fn sum_backward(x: &Tensor, axis: usize, g: &[f32], acc: &mut GradAcc) {
    let Some(dx) = acc.slot(x) else { return };
    let (o, l, i) = split_at_axis(x.shape(), axis);
    for oo in 0..o {
        for ll in 0..l {
            let d = &mut dx[(oo * l + ll) * i..(oo * l + ll + 1) * i];
            d.iter_mut().zip(&g[oo * i..(oo + 1) * i]).for_each(|(d, &g)| *d += g);
        }
    }
}

/// y = c·Σx ⇒ ∂y/∂xᵢ = c.
pub(crate) fn sum_all_backward(x: &Tensor, c: f32, g: &[f32], acc: &mut GradAcc) {
    let Some(dx) = acc.slot(x) else { return };
    let d = if c == 1.0 { g[0] } else { g[0] * c };
    dx.iter_mut().for_each(|x| *x += d);
}

/// Backward of picking elements by flat index (max, min): `dx[idx[j]] += g[j]`.
pub(crate) fn gather1_backward(x: &Tensor, idx: &[usize], g: &[f32], acc: &mut GradAcc) {
    if let Some(dx) = acc.slot(x) {
        for (j, &at) in idx.iter().enumerate() {
            dx[at] += g[j];
        }
    }
}
