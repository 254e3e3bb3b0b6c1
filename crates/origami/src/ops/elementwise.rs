//! Elementwise primitives: each one's forward map and its derivative side by side.

use crate::autograd::{GradAcc, Op};
use crate::kernels::elementwise::{broadcast_zip, for_each_index, map, sum_to_shape};
use crate::tensor::shape::{broadcast_shapes, broadcast_strides, numel, Shape};
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
            BinaryOp::Maximum => if a >= b { (1.0, 0.0) } else { (0.0, 1.0) },
            BinaryOp::Minimum => if a <= b { (1.0, 0.0) } else { (0.0, 1.0) },
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
            UnaryOp::Tanh => x.tanh(),
            UnaryOp::Sigmoid => sigmoid(x),
            UnaryOp::Relu => x.max(0.0),
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
            UnaryOp::Powf(p) => p * x.powf(p - 1.0),
            UnaryOp::Affine(a, _) => a,
            // the gradient passes where the clamp is not active (inclusive, as PyTorch)
            UnaryOp::ClampMin(c) => (x >= c) as u8 as f32,
            UnaryOp::ClampMax(c) => (x <= c) as u8 as f32,
        }
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
        let mut out = vec![0.0; numel(&shape)];
        with2(self, other, |a, b| {
            broadcast_zip(a, self.shape(), b, other.shape(), &mut out, &shape, |x, y| op.f(x, y))
        });
        let tracked = self.is_tracked() || other.is_tracked();
        Ok(Tensor::from_op(out, shape, tracked, || Op::Binary(op, self.clone(), other.clone())))
    }

    pub(crate) fn unary(&self, op: UnaryOp) -> Tensor {
        let mut out = vec![0.0; self.numel()];
        map(&self.data(), &mut out, |x| op.f(x));
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
        let mut out = vec![0.0; numel(&shape)];
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
pub(crate) fn binary_backward(op: BinaryOp, a: &Tensor, b: &Tensor, y: &[f32], out_shape: &[usize], g: &[f32], acc: &mut GradAcc) {
    let same = a.shape() == out_shape && b.shape() == out_shape;
    let (ta, tb): (Shape, Shape) = if same {
        (Shape::new(), Shape::new())
    } else {
        (broadcast_strides(a.shape(), out_shape), broadcast_strides(b.shape(), out_shape))
    };
    for (side, x) in [(0, a), (1, b)] {
        if !acc.wants(x) {
            continue;
        }
        let pick = |p: (f32, f32)| if side == 0 { p.0 } else { p.1 };
        let contrib: Vec<f32> = with2(a, b, |ad, bd| {
            let mut t = vec![0.0; g.len()];
            if same {
                for i in 0..g.len() {
                    t[i] = g[i] * pick(op.partials(ad[i], bd[i], y[i]));
                }
            } else {
                for_each_index(out_shape, [&ta, &tb], |i, [ia, ib]| {
                    t[i] = g[i] * pick(op.partials(ad[ia], bd[ib], y[i]))
                });
            }
            t
        });
        if let Some(slot) = acc.slot(x) {
            sum_to_shape(&contrib, out_shape, x.shape(), slot);
        }
    }
}

/// Backward of a unary primitive: `gx += g · f'(x)`.
pub(crate) fn unary_backward(op: UnaryOp, x: &Tensor, y: &[f32], g: &[f32], acc: &mut GradAcc) {
    let xd = x.data();
    if let Some(slot) = acc.slot(x) {
        for i in 0..g.len() {
            slot[i] += g[i] * op.df(xd[i], y[i]);
        }
    }
}
