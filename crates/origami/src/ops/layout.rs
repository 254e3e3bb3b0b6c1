//! Shape and indexing primitives: reshape, permute, concat, narrow,
//! index-select, gather and where. Their backward passes move gradients back
//! to where the values came from.

use std::sync::Arc;

use crate::autograd::{GradAcc, Op};
use crate::kernels::elementwise::{for_each_index, sum_to_shape};
use crate::kernels::layout::{gather, index_add, index_select, narrow_add_back, narrow_copy, permute, scatter_add};
use crate::kernels::shape::{
    broadcast_shapes, broadcast_strides, check_axis, checked_numel, numel, split_at_axis, Shape,
};
use crate::{Error, Result, Tensor};

impl Tensor {
    /// The same elements in a new shape (storage is shared). One axis may be
    /// given as `usize::MAX` to be inferred.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor> {
        let mut s: Shape = shape.into();
        let sizes: Shape = s.iter().copied().filter(|&d| d != usize::MAX).collect();
        let known = checked_numel(&sizes)
            .ok_or_else(|| Error::shape("reshape", self.shape(), shape, "the new shape's element count overflows"))?;
        let holes = s.iter().filter(|&&d| d == usize::MAX).count();
        if holes > 1 {
            return Err(Error::arg("reshape", "at most one axis can be inferred"));
        }
        if holes == 1 {
            if known == 0 || self.numel() % known != 0 {
                return Err(Error::shape("reshape", self.shape(), shape, "the element count does not divide"));
            }
            let at = s.iter().position(|&d| d == usize::MAX).expect("one hole");
            s[at] = self.numel() / known;
        }
        if checked_numel(&s) != Some(self.numel()) {
            return Err(Error::shape("reshape", self.shape(), &s, "the element counts differ"));
        }
        Ok(self.share(s, || Op::Reshape(self.clone())))
    }

    /// Flattens every axis after the first: `[n, …] → [n, ∏…]`.
    pub fn flatten_batch(&self) -> Result<Tensor> {
        let n = self.dim(0)?;
        let rest = self.numel().checked_div(n).unwrap_or(0);
        self.reshape(&[n, rest])
    }

    /// Inserts an axis of size 1 at `axis`.
    pub fn unsqueeze(&self, axis: usize) -> Result<Tensor> {
        if axis > self.rank() {
            return Err(Error::axis("unsqueeze", axis, self.shape()));
        }
        let mut s: Shape = self.shape().into();
        s.insert(axis, 1);
        self.reshape(&s)
    }

    /// Removes an axis of size 1.
    pub fn squeeze(&self, axis: usize) -> Result<Tensor> {
        check_axis("squeeze", axis, self.shape())?;
        if self.shape()[axis] != 1 {
            return Err(Error::arg(
                "squeeze",
                format!("axis {axis} of shape {:?} has size {}, not 1", self.shape(), self.shape()[axis]),
            ));
        }
        let mut s: Shape = self.shape().into();
        s.remove(axis);
        self.reshape(&s)
    }

    /// Reorders the axes: output axis i is input axis `perm[i]` (a copy).
    pub fn permute(&self, perm: &[usize]) -> Result<Tensor> {
        let r = self.rank();
        let mut seen = vec![false; r];
        if perm.len() != r || perm.iter().any(|&p| p >= r || std::mem::replace(&mut seen[p], true)) {
            return Err(Error::arg(
                "permute",
                format!("{perm:?} is not a permutation of the {r} axes of shape {:?}", self.shape()),
            ));
        }
        let shape: Shape = perm.iter().map(|&p| self.shape()[p]).collect();
        let mut out = crate::tensor::pool::scratch(self.numel());
        permute(&self.data(), self.shape(), perm, &mut out);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::Permute(self.clone(), perm.into())))
    }

    /// Swaps two axes (a copy).
    pub fn transpose(&self, a: usize, b: usize) -> Result<Tensor> {
        check_axis("transpose", a, self.shape())?;
        check_axis("transpose", b, self.shape())?;
        let mut perm: Vec<usize> = (0..self.rank()).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// Joins tensors along `axis`; every other axis must agree.
    pub fn concat(xs: &[Tensor], axis: usize) -> Result<Tensor> {
        let first = xs.first().ok_or_else(|| Error::arg("concat", "needs at least one tensor"))?;
        check_axis("concat", axis, first.shape())?;
        let mut shape: Shape = first.shape().into();
        shape[axis] = 0;
        for x in xs {
            let ok = x.rank() == first.rank()
                && x.shape().iter().zip(first.shape()).enumerate().all(|(i, (a, b))| i == axis || a == b);
            if !ok {
                return Err(Error::shape(
                    "concat",
                    first.shape(),
                    x.shape(),
                    "all axes but the joined one must be equal",
                ));
            }
            shape[axis] = shape[axis].checked_add(x.shape()[axis]).ok_or_else(|| {
                Error::shape("concat", first.shape(), x.shape(), "the joined axis's length overflows")
            })?;
        }
        crate::limits::check_shape("concat", &shape)?;
        let (outer, total, inner) = split_at_axis(&shape, axis);
        let mut out = crate::tensor::pool::zeros(numel(&shape));
        let mut start = 0;
        for x in xs {
            let len = x.shape()[axis];
            narrow_add_back(&x.data(), outer, total, inner, start, len, &mut out);
            start += len;
        }
        let tracked = xs.iter().any(|x| x.is_tracked());
        Ok(Tensor::from_op(out, shape, tracked, || Op::Concat(xs.to_vec(), axis)))
    }

    /// Stacks equal-shaped tensors along a new axis.
    pub fn stack(xs: &[Tensor], axis: usize) -> Result<Tensor> {
        let ys = xs.iter().map(|x| x.unsqueeze(axis)).collect::<Result<Vec<_>>>()?;
        Tensor::concat(&ys, axis)
    }

    /// The slice `start..start+len` of `axis` (a copy).
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Tensor> {
        check_axis("narrow", axis, self.shape())?;
        let size = self.shape()[axis];
        if !start.checked_add(len).is_some_and(|end| end <= size) {
            return Err(Error::arg(
                "narrow",
                format!(
                    "{start}..{start}+{len} is past the end of axis {axis} (size {size}) of shape {:?}",
                    self.shape()
                ),
            ));
        }
        let (outer, _, inner) = split_at_axis(self.shape(), axis);
        let mut shape: Shape = self.shape().into();
        shape[axis] = len;
        let mut out = crate::tensor::pool::scratch(numel(&shape));
        narrow_copy(&self.data(), outer, size, inner, start, len, &mut out);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::Narrow(self.clone(), axis, start)))
    }

    /// Cuts `axis` into pieces of `size` (the last may be shorter).
    pub fn split(&self, axis: usize, size: usize) -> Result<Vec<Tensor>> {
        check_axis("split", axis, self.shape())?;
        if size == 0 {
            return Err(Error::arg("split", "pieces of size 0"));
        }
        let total = self.shape()[axis];
        (0..total).step_by(size).map(|s| self.narrow(axis, s, size.min(total - s))).collect()
    }

    /// Picks entries `idx` of `axis` (rows of an embedding table, a batch).
    pub fn index_select(&self, axis: usize, idx: &[usize]) -> Result<Tensor> {
        check_axis("index_select", axis, self.shape())?;
        let size = self.shape()[axis];
        if let Some(&bad) = idx.iter().find(|&&i| i >= size) {
            return Err(Error::arg(
                "index_select",
                format!("index {bad} is out of range for axis {axis} of size {size}"),
            ));
        }
        let (outer, _, inner) = split_at_axis(self.shape(), axis);
        let mut shape: Shape = self.shape().into();
        shape[axis] = idx.len();
        let mut out = crate::tensor::pool::scratch(numel(&shape));
        index_select(&self.data(), outer, size, inner, idx, &mut out);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::IndexSelect(self.clone(), axis, idx.into())))
    }

    /// `out[…, j, …] = self[…, idx[…, j, …], …]` along `axis` (PyTorch's gather).
    /// `idx` is laid out in the output's shape: the input's shape with `axis`
    /// of size `idx.len() / (other axes' product)`. Picks the label's
    /// log-probability in sparse cross-entropy.
    pub fn gather(&self, axis: usize, idx: &[usize]) -> Result<Tensor> {
        check_axis("gather", axis, self.shape())?;
        let (outer, size, inner) = split_at_axis(self.shape(), axis);
        let others = outer * inner;
        if others == 0 || idx.len() % others != 0 {
            return Err(Error::arg(
                "gather",
                format!("{} indices do not fill whole rows of shape {:?} along axis {axis}", idx.len(), self.shape()),
            ));
        }
        if let Some(&bad) = idx.iter().find(|&&i| i >= size) {
            return Err(Error::arg("gather", format!("index {bad} is out of range for axis {axis} of size {size}")));
        }
        let k = idx.len() / others;
        let mut shape: Shape = self.shape().into();
        shape[axis] = k;
        let mut out = crate::tensor::pool::scratch(idx.len());
        gather(&self.data(), outer, size, inner, k, idx, &mut out);
        Ok(Tensor::from_op(out, shape, self.is_tracked(), || Op::Gather(self.clone(), axis, idx.into())))
    }

    /// Elementwise `if mask != 0 { on_true } else { on_false }`, all three
    /// broadcasting together. The mask gets no gradient.
    pub fn where_cond(mask: &Tensor, on_true: &Tensor, on_false: &Tensor) -> Result<Tensor> {
        let s = broadcast_shapes("where", on_true.shape(), on_false.shape())?;
        let shape = broadcast_shapes("where", mask.shape(), &s)?;
        let (tm, ta, tb) = (
            broadcast_strides(mask.shape(), &shape),
            broadcast_strides(on_true.shape(), &shape),
            broadcast_strides(on_false.shape(), &shape),
        );
        let mut out = crate::tensor::pool::scratch(numel(&shape));
        {
            let (m, a, b) = (mask.data(), on_true.data(), on_false.data());
            for_each_index(&shape, [&tm, &ta, &tb], |i, [im, ia, ib]| {
                out[i] = if m[im] != 0.0 { a[ia] } else { b[ib] }
            });
        }
        let tracked = on_true.is_tracked() || on_false.is_tracked();
        Ok(Tensor::from_op(out, shape, tracked, || Op::Where(mask.detach(), on_true.clone(), on_false.clone())))
    }

    /// `value` where `mask` is non-zero, `self` elsewhere (mask broadcasts).
    /// With `value = −∞` before a softmax this hides attention to masked keys.
    pub fn masked_fill(&self, mask: &Tensor, value: f32) -> Result<Tensor> {
        let shape = broadcast_shapes("masked_fill", mask.shape(), self.shape())?;
        if shape.as_slice() != self.shape() {
            return Err(Error::shape(
                "masked_fill",
                self.shape(),
                mask.shape(),
                "the mask must broadcast to the tensor's shape",
            ));
        }
        Tensor::where_cond(mask, &Tensor::scalar(value), self)
    }
}

/// Reshape moves no data: its gradient is the output's, read in the input's shape.
pub(crate) fn reshape_backward(x: &Tensor, g: &[f32], acc: &mut GradAcc) {
    if let Some(dx) = acc.slot(x) {
        dx.iter_mut().zip(g).for_each(|(d, &g)| *d += g);
    }
}

/// The adjoint of a permutation is the inverse permutation.
pub(crate) fn permute_backward(x: &Tensor, perm: &[usize], out_shape: &[usize], g: &[f32], acc: &mut GradAcc) {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    let mut back = vec![0.0; g.len()];
    permute(g, out_shape, &inv, &mut back);
    if let Some(dx) = acc.slot(x) {
        dx.iter_mut().zip(&back).for_each(|(d, &g)| *d += g);
    }
}

/// Each input receives its own slice of the gradient.
pub(crate) fn concat_backward(xs: &[Tensor], axis: usize, out_shape: &[usize], g: &[f32], acc: &mut GradAcc) {
    let (outer, total, inner) = split_at_axis(out_shape, axis);
    let mut start = 0;
    for x in xs {
        let len = x.shape()[axis];
        if let Some(dx) = acc.slot(x) {
            let mut part = vec![0.0; dx.len()];
            narrow_copy(g, outer, total, inner, start, len, &mut part);
            dx.iter_mut().zip(&part).for_each(|(d, &p)| *d += p);
        }
        start += len;
    }
}

/// The slice's gradient lands back in its place; the rest of the input gets 0.
pub(crate) fn narrow_backward(
    x: &Tensor,
    axis: usize,
    start: usize,
    out_shape: &[usize],
    g: &[f32],
    acc: &mut GradAcc,
) {
    let (outer, size, inner) = split_at_axis(x.shape(), axis);
    let len = out_shape[axis];
    if let Some(dx) = acc.slot(x) {
        narrow_add_back(g, outer, size, inner, start, len, dx);
    }
}

/// Picked rows receive their gradients; rows picked twice receive both.
pub(crate) fn index_select_backward(x: &Tensor, axis: usize, idx: &[usize], g: &[f32], acc: &mut GradAcc) {
    let (outer, size, inner) = split_at_axis(x.shape(), axis);
    if let Some(dx) = acc.slot(x) {
        index_add(g, outer, size, inner, idx, dx);
    }
}

/// Gather's adjoint scatters the gradient back, adding on repeats.
pub(crate) fn gather_backward(x: &Tensor, axis: usize, idx: &[usize], g: &[f32], acc: &mut GradAcc) {
    let (outer, size, inner) = split_at_axis(x.shape(), axis);
    let k = idx.len() / (outer * inner);
    if let Some(dx) = acc.slot(x) {
        scatter_add(g, outer, size, inner, k, idx, dx);
    }
}

/// Each branch gets the gradient where it was chosen, summed over broadcasting.
pub(crate) fn where_backward(mask: &Tensor, a: &Tensor, b: &Tensor, out_shape: &[usize], g: &[f32], acc: &mut GradAcc) {
    let tm = broadcast_strides(mask.shape(), out_shape);
    let m = mask.data();
    for (x, keep) in [(a, true), (b, false)] {
        if !acc.wants(x) {
            continue;
        }
        let ones: Shape = smallvec::smallvec![0; out_shape.len()];
        let mut part = vec![0.0; g.len()];
        for_each_index(out_shape, [&tm, &ones], |i, [im, _]| {
            if (m[im] != 0.0) == keep {
                part[i] = g[i];
            }
        });
        if let Some(dx) = acc.slot(x) {
            sum_to_shape(&part, out_shape, x.shape(), dx);
        }
    }
}

pub(crate) type Indices = Arc<[usize]>;
