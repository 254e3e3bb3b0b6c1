//! Elementwise primitives: each one's forward map and its derivative side by side.

use crate::autograd::{GradAcc, Op};
use crate::kernels::elementwise::{broadcast_zip, for_each_index, is_suffix, map_chunks, sum_to_shape};
use crate::kernels::shape::{broadcast_shapes, broadcast_strides, numel};
use crate::{Result, Tensor};

/// Binary primitives, broadcasting NumPy-style.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
}

impl BinaryOp {
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }

    #[inline(always)]
    fn f(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Maximum => a.max(b),
            BinaryOp::Minimum => a.min(b),
        }
    }

    /// (∂y/∂a, ∂y/∂b) at (a, b) with y = f(a, b).
    #[inline(always)]
    fn partials(self, a: f32, b: f32, y: f32) -> (f32, f32) {
        match self {
            // d(a+b) = da + db
            BinaryOp::Add => (1.0, 1.0),
            // d(a−b) = da − db
            BinaryOp::Sub => (1.0, -1.0),
            // d(ab) = b da + a db
            BinaryOp::Mul => (b, a),
            // d(a/b) = da/b − a/b² db = (da − y db)/b
            BinaryOp::Div => (1.0 / b, -y / b),
            // the winner takes the gradient; a tie goes to a
            BinaryOp::Maximum => {
                if a >= b {
                    (1.0, 0.0)
                } else {
                    (0.0, 1.0)
                }
            }
            BinaryOp::Minimum => {
                if a <= b {
                    (1.0, 0.0)
                } else {
                    (0.0, 1.0)
                }
            }
        }
    }
}

/// Unary primitives. Each is here for speed or numerical stability; the rest
/// of the activations compose them (see `nn::activation`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Abs,
    Tanh,
    /// 1/(1+e^−x), computed without overflow for large |x|.
    Sigmoid,
    /// max(x, 0); its derivative at 0 is taken as 0.
    Relu,
    /// x^p for a constant p.
    Powf(f32),
    /// a·x + b for constants a, b (scalar add, scalar multiply).
    Affine(f32, f32),
    /// max(x, c) for a constant c.
    ClampMin(f32),
    /// min(x, c) for a constant c.
    ClampMax(f32),
}

impl UnaryOp {
    #[inline(always)]
    fn f(self, x: f32) -> f32 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Exp => x.exp(),
            UnaryOp::Log => x.ln(),
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Abs => x.abs(),
            UnaryOp::Tanh => tanh(x),
            UnaryOp::Sigmoid => sigmoid(x),
            UnaryOp::Relu => x.max(0.0),
            UnaryOp::Powf(2.0) => x * x,
            UnaryOp::Powf(p) => x.powf(p),
            UnaryOp::Affine(a, b) => a * x + b,
            UnaryOp::ClampMin(c) => x.max(c),
            UnaryOp::ClampMax(c) => x.min(c),
        }
    }

    /// dy/dx at input x with output y = f(x).
    #[inline(always)]
    fn df(self, x: f32, y: f32) -> f32 {
        match self {
            UnaryOp::Neg => -1.0,
            // (eˣ)' = eˣ = y
            UnaryOp::Exp => y,
            // (ln x)' = 1/x
            UnaryOp::Log => 1.0 / x,
            // (√x)' = 1/(2√x)
            UnaryOp::Sqrt => 0.5 / y,
            // |x|' = sign(x), 0 at 0
            UnaryOp::Abs => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
            // tanh' = 1 − tanh²
            UnaryOp::Tanh => 1.0 - y * y,
            // σ' = σ(1 − σ)
            UnaryOp::Sigmoid => y * (1.0 - y),
            UnaryOp::Relu => (x > 0.0) as u8 as f32,
            // (xᵖ)' = p xᵖ⁻¹
            UnaryOp::Powf(2.0) => 2.0 * x,
            UnaryOp::Powf(p) => p * x.powf(p - 1.0),
            UnaryOp::Affine(a, _) => a,
            // the gradient passes where the clamp is not active (inclusive, as PyTorch)
            UnaryOp::ClampMin(c) => (x >= c) as u8 as f32,
            UnaryOp::ClampMax(c) => (x <= c) as u8 as f32,
        }
    }
}

/// tanh as a clamped 13/6 rational function (the approximation Eigen and
/// XLA use): branch-free, so a loop over a tensor vectorises, and within a
/// few ulp of the true value (see the test below). Small networks spend most
/// of their time here when it calls libm's `tanhf` per element.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let saturated = x.abs() >= 9.0; // tanh(9) rounds to 1 in f32
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let p = -2.760_768_5e-16f32;
    let p = p * x2 + 2.000_188e-13;
    let p = p * x2 + -8.604_672e-11;
    let p = p * x2 + 5.122_297e-8;
    let p = p * x2 + 1.485_722_4e-5;
    let p = p * x2 + 6.372_619_3e-4;
    let p = p * x2 + 4.893_524_6e-3;
    let q = 1.198_258_4e-6f32;
    let q = q * x2 + 1.185_347_1e-4;
    let q = q * x2 + 2.268_434_6e-3;
    let q = q * x2 + 4.893_525e-3;
    if saturated {
        1f32.copysign(x)
    } else {
        x * p / q
    }
}

/// The logistic function, stable for large |x|.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Runs `$body` with `$k` bound to `$op` re-built from its own variant, so that
/// each arm's loop sees a compile-time variant and `f`/`df` inline to one
/// tight (vectorisable) loop instead of a `match` per element.
macro_rules! specialise_unary {
    ($op:expr, $k:ident => $body:expr) => {
        match $op {
            UnaryOp::Neg => {
                let $k = UnaryOp::Neg;
                $body
            }
            UnaryOp::Exp => {
                let $k = UnaryOp::Exp;
                $body
            }
            UnaryOp::Log => {
                let $k = UnaryOp::Log;
                $body
            }
            UnaryOp::Sqrt => {
                let $k = UnaryOp::Sqrt;
                $body
            }
            UnaryOp::Abs => {
                let $k = UnaryOp::Abs;
                $body
            }
            UnaryOp::Tanh => {
                let $k = UnaryOp::Tanh;
                $body
            }
            UnaryOp::Sigmoid => {
                let $k = UnaryOp::Sigmoid;
                $body
            }
            UnaryOp::Relu => {
                let $k = UnaryOp::Relu;
                $body
            }
            UnaryOp::Powf(p) => {
                let $k = UnaryOp::Powf(p);
                $body
            }
            UnaryOp::Affine(a, b) => {
                let $k = UnaryOp::Affine(a, b);
                $body
            }
            UnaryOp::ClampMin(c) => {
                let $k = UnaryOp::ClampMin(c);
                $body
            }
            UnaryOp::ClampMax(c) => {
                let $k = UnaryOp::ClampMax(c);
                $body
            }
        }
    };
}

/// The same for binary ops.
macro_rules! specialise_binary {
    ($op:expr, $k:ident => $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $k = BinaryOp::Add;
                $body
            }
            BinaryOp::Sub => {
                let $k = BinaryOp::Sub;
                $body
            }
            BinaryOp::Mul => {
                let $k = BinaryOp::Mul;
                $body
            }
            BinaryOp::Div => {
                let $k = BinaryOp::Div;
                $body
            }
            BinaryOp::Maximum => {
                let $k = BinaryOp::Maximum;
                $body
            }
            BinaryOp::Minimum => {
                let $k = BinaryOp::Minimum;
                $body
            }
        }
    };
}

/// Runs `f` with both tensors' data, reading once when they share storage.
pub(crate) fn with2<R>(a: &Tensor, b: &Tensor, f: impl FnOnce(&[f32], &[f32]) -> R) -> R {
    if std::sync::Arc::ptr_eq(&a.0.storage, &b.0.storage) {
        let d = a.data();
        f(&d, &d)
    } else {
        let (x, y) = (a.data(), b.data());
        f(&x, &y)
    }
}

impl Tensor {
    fn binary(&self, other: &Tensor, op: BinaryOp) -> Result<Tensor> {
        let shape = broadcast_shapes(op.name(), self.shape(), other.shape())?;
        let mut out = crate::tensor::pool::scratch(numel(&shape));
        with2(
            self,
            other,
            |a, b| specialise_binary!(op, k => broadcast_zip(a, self.shape(), b, other.shape(), &mut out, &shape, |x, y| k.f(x, y))),
        );
        let tracked = self.is_tracked() || other.is_tracked();
        Ok(Tensor::from_op(out, shape, tracked, || Op::Binary(op, self.clone(), other.clone())))
    }

    pub(crate) fn unary(&self, op: UnaryOp) -> Tensor {
        let mut out = crate::tensor::pool::scratch(self.numel());
        map_chunks(&self.data(), &mut out, &|x, o| unary_forward(op, x, o));
        Tensor::from_op(out, self.0.shape.clone(), self.is_tracked(), || Op::Unary(op, self.clone()))
    }

    /// `self + other`, broadcasting.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Add)
    }
    /// `self − other`, broadcasting.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Sub)
    }
    /// `self × other` elementwise, broadcasting.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Mul)
    }
    /// `self ÷ other` elementwise, broadcasting.
    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Div)
    }
    /// Elementwise maximum, broadcasting.
    pub fn maximum(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Maximum)
    }
    /// Elementwise minimum, broadcasting.
    pub fn minimum(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(other, BinaryOp::Minimum)
    }

    /// −x.
    pub fn neg(&self) -> Tensor {
        self.unary(UnaryOp::Neg)
    }
    /// eˣ.
    pub fn exp(&self) -> Tensor {
        self.unary(UnaryOp::Exp)
    }
    /// Natural logarithm.
    pub fn log(&self) -> Tensor {
        self.unary(UnaryOp::Log)
    }
    /// Square root.
    pub fn sqrt(&self) -> Tensor {
        self.unary(UnaryOp::Sqrt)
    }
    /// |x|.
    pub fn abs(&self) -> Tensor {
        self.unary(UnaryOp::Abs)
    }
    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Tensor {
        self.unary(UnaryOp::Tanh)
    }
    /// Logistic sigmoid 1/(1+e^−x).
    pub fn sigmoid(&self) -> Tensor {
        self.unary(UnaryOp::Sigmoid)
    }
    /// max(x, 0).
    pub fn relu(&self) -> Tensor {
        self.unary(UnaryOp::Relu)
    }
    /// xᵖ.
    pub fn powf(&self, p: f32) -> Tensor {
        self.unary(UnaryOp::Powf(p))
    }
    /// x².
    pub fn square(&self) -> Tensor {
        self.unary(UnaryOp::Powf(2.0))
    }
    /// x + c.
    pub fn add_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::Affine(1.0, c))
    }
    /// x · c.
    pub fn mul_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::Affine(c, 0.0))
    }
    /// a·x + b.
    pub fn affine(&self, a: f32, b: f32) -> Tensor {
        self.unary(UnaryOp::Affine(a, b))
    }
    /// max(x, c).
    pub fn max_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::ClampMin(c))
    }
    /// min(x, c).
    pub fn min_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::ClampMax(c))
    }
    /// Clamps into [lo, hi].
    pub fn clamp(&self, lo: f32, hi: f32) -> Tensor {
        self.max_scalar(lo).min_scalar(hi)
    }

    fn compare(&self, other: &Tensor, name: &'static str, f: fn(f32, f32) -> bool) -> Result<Tensor> {
        let shape = broadcast_shapes(name, self.shape(), other.shape())?;
        let mut out = crate::tensor::pool::zeros(numel(&shape));
        with2(self, other, |a, b| {
            broadcast_zip(a, self.shape(), b, other.shape(), &mut out, &shape, |x, y| f(x, y) as u8 as f32)
        });
        Ok(Tensor::leaf(out, shape))
    }
    /// Mask (1.0 / 0.0) of `self > other`; not differentiable.
    pub fn gt(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "gt", |a, b| a > b)
    }
    /// Mask of `self >= other`.
    pub fn ge(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "ge", |a, b| a >= b)
    }
    /// Mask of `self < other`.
    pub fn lt(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "lt", |a, b| a < b)
    }
    /// Mask of `self <= other`.
    pub fn le(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "le", |a, b| a <= b)
    }
    /// Mask of `self == other`.
    pub fn eq(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "eq", |a, b| a == b)
    }
    /// Mask of `self != other`.
    pub fn ne(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(other, "ne", |a, b| a != b)
    }
}

/// Backward of a binary primitive: `ga += Σ_broadcast g·∂y/∂a`, same for b.
pub(crate) fn binary_backward(
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    y: &[f32],
    out_shape: &[usize],
    g: &[f32],
    acc: &mut GradAcc,
) {
    for (side, x) in [(0, a), (1, b)] {
        if !acc.wants(x) {
            continue;
        }
        // Sums and differences pass g through unchanged (up to sign): no partials to compute.
        let contrib: Option<Vec<f32>> = match (op, side) {
            (BinaryOp::Add, _) | (BinaryOp::Sub, 0) => None,
            (BinaryOp::Sub, _) => Some(g.iter().map(|&g| -g).collect()),
            _ => Some(with2(a, b, |ad, bd| {
                let pick = |p: (f32, f32)| if side == 0 { p.0 } else { p.1 };
                let mut t = crate::tensor::pool::zeros(g.len());
                specialise_binary!(op, k => broadcast_each(ad, a.shape(), bd, b.shape(), out_shape, |i, av, bv| {
                    t[i] = g[i] * pick(k.partials(av, bv, y[i]))
                }));
                t
            })),
        };
        if let Some(slot) = acc.slot(x) {
            sum_to_shape(contrib.as_deref().unwrap_or(g), out_shape, x.shape(), slot);
        }
        if let Some(c) = contrib {
            crate::tensor::pool::give(c);
        }
    }
}

/// Calls `f(i, a_i, b_i)` for every output index with both inputs broadcast,
/// with fast paths for equal shapes and for a side that repeats (a bias).
fn broadcast_each(a: &[f32], sa: &[usize], b: &[f32], sb: &[usize], out: &[usize], mut f: impl FnMut(usize, f32, f32)) {
    let n = numel(out);
    if a.len() == n && b.len() == n {
        (0..n).for_each(|i| f(i, a[i], b[i]));
    } else if a.len() == n && is_suffix(sb, out) {
        let m = b.len();
        (0..n).step_by(m.max(1)).for_each(|o| (0..m).for_each(|j| f(o + j, a[o + j], b[j])));
    } else if b.len() == n && is_suffix(sa, out) {
        let m = a.len();
        (0..n).step_by(m.max(1)).for_each(|o| (0..m).for_each(|j| f(o + j, a[j], b[o + j])));
    } else {
        let (ta, tb) = (broadcast_strides(sa, out), broadcast_strides(sb, out));
        for_each_index(out, [&ta, &tb], |i, [ia, ib]| f(i, a[ia], b[ib]));
    }
}

/// Backward of a unary primitive: `gx += g · f'(x)`.
pub(crate) fn unary_backward(op: UnaryOp, x: &Tensor, y: &[f32], g: &[f32], acc: &mut GradAcc) {
    let xd = x.data();
    if let Some((slot, add)) = acc.slot_or_fresh(x) {
        let (slot, xd, y) = (&mut slot[..g.len()], &xd[..g.len()], &y[..g.len()]);
        unary_backward_into(op, slot, g, xd, y, add);
    }
}

// The loops of unary ops, each compiled per vector width. The `match` on the
// op is inside the compiled function and outside the loop, so that every
// arm's loop sees a known op and vectorises (a closure over a run-time op
// passed into the wide variant would be matched per element).
crate::multiversion! {
    fn unary_forward(op: UnaryOp, x: &[f32], out: &mut [f32]) {
        let x = &x[..out.len()];
        specialise_unary!(op, k => {
            for i in 0..out.len() {
                out[i] = k.f(x[i]);
            }
        })
    }
}

crate::multiversion! {
    /// `x = f(x)` in place (a fused activation's epilogue).
    pub(crate) fn unary_in_place(op: UnaryOp, x: &mut [f32]) {
        specialise_unary!(op, k => {
            for v in x.iter_mut() {
                *v = k.f(*v);
            }
        })
    }
}

crate::multiversion! {
    /// `gx += g · f'(x)` (or `=` when `gx` is a fresh buffer), with `y = f(x)`.
    pub(crate) fn unary_backward_into(op: UnaryOp, gx: &mut [f32], g: &[f32], x: &[f32], y: &[f32], add: bool) {
        let n = gx.len();
        let (g, x, y) = (&g[..n], &x[..n], &y[..n]);
        specialise_unary!(op, k => {
            if add {
                for i in 0..n {
                    gx[i] += g[i] * k.df(x[i], y[i]);
                }
            } else {
                for i in 0..n {
                    gx[i] = g[i] * k.df(x[i], y[i]);
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_tanh_is_accurate() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4;
            let want = (x as f64).tanh();
            let got = super::tanh(x) as f64;
            let err = (got - want).abs() / want.abs().max(1e-30);
            worst = worst.max(if x == 0.0 { got.abs() } else { err });
        }
        // f32's own rounding is 6e-8; a few ulp is the bar.
        assert!(worst < 4e-7, "worst relative error {worst}");
        assert_eq!(super::tanh(1e4), 1.0);
        assert_eq!(super::tanh(-1e4), -1.0);
        assert!(super::tanh(f32::NAN).is_nan());
    }
}
