//! The tensor: an n-dimensional array of f32 that remembers how it was made.
//!
//! A [`Tensor`] is a cheap handle (`Arc`) to a node holding its shape, its
//! storage and — when gradients are being recorded — the [`Op`] that produced
//! it with handles to its inputs. The graph is therefore the tensors
//! themselves (define-by-run, as micrograd and PyTorch): nothing is recorded
//! when no input requires a gradient or inside [`no_grad`].
//!
//! Memory layout: always contiguous, row-major (C order). Views that would
//! need strides (transpose, permute) copy instead; reshape shares storage.
//! This keeps every kernel a plain loop over `&[f32]`.

pub(crate) mod pool;
pub use crate::kernels::shape;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::autograd::{grad_enabled, Op};
use crate::kernels::shape::{checked_numel, numel};
use crate::{Error, Result, Rng};
pub use shape::Shape;

/// Identity of a tensor node, unique for the process's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
    /// The raw number (for hashing and debugging).
    pub fn get(self) -> u64 {
        self.0
    }
}

pub(crate) type Storage = Arc<RwLock<pool::Buf>>;

pub(crate) struct Node {
    pub(crate) id: TensorId,
    pub(crate) shape: Shape,
    pub(crate) storage: Storage,
    /// How this tensor was computed; `None` for leaves and untracked results.
    pub(crate) op: Option<Op>,
    /// A leaf that wants a gradient, or a result that depends on one.
    pub(crate) tracked: bool,
}

/// An n-dimensional f32 array; see the module docs.
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Node>);

/// Read access to a tensor's elements.
pub struct Data<'a>(RwLockReadGuard<'a, pool::Buf>);
impl Deref for Data<'_> {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

/// Write access to a tensor's elements (for optimizers and initialisers).
pub struct DataMut<'a>(RwLockWriteGuard<'a, pool::Buf>);
impl Deref for DataMut<'_> {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}
impl DerefMut for DataMut<'_> {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.data();
        let shown: Vec<f32> = d.iter().take(8).copied().collect();
        write!(f, "Tensor{:?} {:?}{}", self.shape(), shown, if d.len() > 8 { " …" } else { "" })
    }
}

impl Tensor {
    // ----- construction -------------------------------------------------

    /// Wraps a computed buffer; records `op` only if gradients are on and an
    /// input is tracked (`op` is built lazily so that inference pays nothing).
    pub(crate) fn from_op(data: Vec<f32>, shape: Shape, tracked: bool, op: impl FnOnce() -> Op) -> Tensor {
        debug_assert_eq!(data.len(), numel(&shape));
        let record = tracked && grad_enabled();
        Tensor(Arc::new(Node {
            id: TensorId::next(),
            shape,
            storage: Arc::new(RwLock::new(pool::Buf::new(data))),
            op: if record { Some(op()) } else { None },
            tracked: record,
        }))
    }

    /// A result sharing `self`'s storage with a new shape (reshape).
    pub(crate) fn share(&self, shape: Shape, op: impl FnOnce() -> Op) -> Tensor {
        let record = self.0.tracked && grad_enabled();
        Tensor(Arc::new(Node {
            id: TensorId::next(),
            shape,
            storage: self.0.storage.clone(),
            op: if record { Some(op()) } else { None },
            tracked: record,
        }))
    }

    pub(crate) fn leaf(data: Vec<f32>, shape: Shape) -> Tensor {
        Tensor(Arc::new(Node {
            id: TensorId::next(),
            shape,
            storage: Arc::new(RwLock::new(pool::Buf::new(data))),
            op: None,
            tracked: false,
        }))
    }

    /// A tensor of `shape` holding `data` (row-major). A shape whose element
    /// count overflows is an error, as is a count that differs from `data`'s.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
        let n = checked_numel(shape).ok_or_else(|| {
            Error::arg("from_vec", format!("shape {shape:?} has more elements than a buffer can hold"))
        })?;
        if data.len() != n {
            return Err(Error::arg(
                "from_vec",
                format!("{} values cannot fill shape {shape:?} ({n} elements)", data.len()),
            ));
        }
        Ok(Tensor::leaf(data, shape.into()))
    }

    /// A tensor of `shape` copied from a slice.
    pub fn from_slice(data: &[f32], shape: &[usize]) -> Result<Tensor> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A rank-0 tensor.
    pub fn scalar(v: f32) -> Tensor {
        Tensor::leaf(vec![v], Shape::new())
    }

    /// All zeros.
    ///
    /// # Panics
    ///
    /// If `shape`'s element count overflows `usize` (as `vec!` does on such
    /// a length). A shape within `usize` is allocated as asked, however
    /// large: the infallible constructors are for shapes the program chose
    /// or has checked ([`crate::limits::check_shape`]; origami's layers
    /// claim their parameters through it). For a shape from outside use
    /// [`try_zeros`](Self::try_zeros) and the other `try_` constructors,
    /// which return an error for an overflowing shape or one past
    /// [`crate::limits::max_elements`] before anything is allocated.
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 0.0)
    }

    /// All ones (panics as [`zeros`](Self::zeros) does; see [`try_ones`](Self::try_ones)).
    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 1.0)
    }

    /// Every element `v` (panics as [`zeros`](Self::zeros) does; see [`try_full`](Self::try_full)).
    pub fn full(shape: &[usize], v: f32) -> Tensor {
        Tensor::leaf(vec![v; numel_or_panic("full", shape)], shape.into())
    }

    /// All zeros, or an error when `shape` is too large ([`crate::limits`]).
    pub fn try_zeros(shape: &[usize]) -> Result<Tensor> {
        Tensor::checked_full("zeros", shape, 0.0)
    }

    /// All ones, or an error when `shape` is too large ([`crate::limits`]).
    pub fn try_ones(shape: &[usize]) -> Result<Tensor> {
        Tensor::checked_full("ones", shape, 1.0)
    }

    /// Every element `v`, or an error naming the shape when its element
    /// count overflows or passes [`crate::limits::max_elements`]: checked
    /// before anything is allocated.
    pub fn try_full(shape: &[usize], v: f32) -> Result<Tensor> {
        Tensor::checked_full("full", shape, v)
    }

    fn checked_full(op: &'static str, shape: &[usize], v: f32) -> Result<Tensor> {
        let n = crate::limits::check_shape(op, shape)?;
        Ok(Tensor::leaf(vec![v; n], shape.into()))
    }

    /// `start, start+step, …` below `end` (above it for a negative step), as a 1-D tensor.
    pub fn arange(start: f32, end: f32, step: f32) -> Result<Tensor> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !end.is_finite() {
            return Err(Error::arg(
                "arange",
                format!("needs finite bounds and a non-zero step, got {start}..{end} by {step}"),
            ));
        }
        // in f64: the count of a long range (1e30 steps) is exact enough to refuse
        let count = ((end as f64 - start as f64) / step as f64).ceil().max(0.0);
        if count > crate::limits::max_elements() as f64 {
            return Err(Error::arg(
                "arange",
                format!("{start}..{end} by {step} {}", crate::limits::too_many(count.min(usize::MAX as f64) as usize)),
            ));
        }
        let n = count as usize;
        let v: Vec<f32> = (0..n).map(|i| start + i as f32 * step).collect();
        let len = v.len();
        Ok(Tensor::leaf(v, [len].as_slice().into()))
    }

    /// Normal samples with the given mean and standard deviation (panics as
    /// [`zeros`](Self::zeros) does; see [`try_randn`](Self::try_randn)).
    pub fn randn(shape: &[usize], mean: f32, std: f32, rng: &mut Rng) -> Tensor {
        Tensor::normal_samples(numel_or_panic("randn", shape), shape, mean, std, rng)
    }

    /// Uniform samples in [lo, hi) (panics as [`zeros`](Self::zeros) does;
    /// see [`try_rand_uniform`](Self::try_rand_uniform)).
    pub fn rand_uniform(shape: &[usize], lo: f32, hi: f32, rng: &mut Rng) -> Tensor {
        Tensor::uniform_samples(numel_or_panic("rand_uniform", shape), shape, lo, hi, rng)
    }

    /// [`randn`](Self::randn), or an error when `shape` is too large
    /// ([`crate::limits`]), checked before anything is drawn or allocated.
    pub fn try_randn(shape: &[usize], mean: f32, std: f32, rng: &mut Rng) -> Result<Tensor> {
        let n = crate::limits::check_shape("randn", shape)?;
        Ok(Tensor::normal_samples(n, shape, mean, std, rng))
    }

    /// [`rand_uniform`](Self::rand_uniform), or an error when `shape` is too
    /// large ([`crate::limits`]), checked before anything is drawn or allocated.
    pub fn try_rand_uniform(shape: &[usize], lo: f32, hi: f32, rng: &mut Rng) -> Result<Tensor> {
        let n = crate::limits::check_shape("rand_uniform", shape)?;
        Ok(Tensor::uniform_samples(n, shape, lo, hi, rng))
    }

    fn normal_samples(n: usize, shape: &[usize], mean: f32, std: f32, rng: &mut Rng) -> Tensor {
        Tensor::leaf((0..n).map(|_| mean + std * rng.normal()).collect(), shape.into())
    }

    fn uniform_samples(n: usize, shape: &[usize], lo: f32, hi: f32, rng: &mut Rng) -> Tensor {
        Tensor::leaf((0..n).map(|_| rng.uniform_range(lo, hi)).collect(), shape.into())
    }

    /// This tensor as a leaf that wants its gradient (a parameter).
    /// Shares storage with `self`.
    pub fn requires_grad(self) -> Tensor {
        if self.0.tracked && self.0.op.is_none() {
            return self;
        }
        Tensor(Arc::new(Node {
            id: TensorId::next(),
            shape: self.0.shape.clone(),
            storage: self.0.storage.clone(),
            op: None,
            tracked: true,
        }))
    }

    /// The same values cut from the graph: a leaf that wants no gradient.
    /// Shares storage with `self`.
    pub fn detach(&self) -> Tensor {
        Tensor(Arc::new(Node {
            id: TensorId::next(),
            shape: self.0.shape.clone(),
            storage: self.0.storage.clone(),
            op: None,
            tracked: false,
        }))
    }

    /// A copy with its own storage, cut from the graph.
    pub fn deep_clone(&self) -> Tensor {
        Tensor::leaf(self.to_vec(), self.0.shape.clone())
    }

    // ----- inspection ---------------------------------------------------

    /// The dimensions, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.shape.len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        numel(&self.0.shape)
    }

    /// Size of axis `axis`.
    pub fn dim(&self, axis: usize) -> Result<usize> {
        self.0.shape.get(axis).copied().ok_or_else(|| Error::axis("dim", axis, self.shape()))
    }

    /// This node's identity.
    pub fn id(&self) -> TensorId {
        self.0.id
    }

    /// Whether gradients flow to or through this tensor.
    pub fn is_tracked(&self) -> bool {
        self.0.tracked
    }

    /// Read access to the elements, row-major.
    pub fn data(&self) -> Data<'_> {
        Data(self.0.storage.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Write access to the elements, for in-place updates of parameters.
    /// Changing a tensor that a live graph still needs for its backward pass
    /// changes that pass's result: update parameters after `backward`.
    pub fn data_mut(&self) -> DataMut<'_> {
        DataMut(self.0.storage.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// The elements as a new vector.
    pub fn to_vec(&self) -> Vec<f32> {
        self.data().to_vec()
    }

    /// The value of a one-element tensor.
    pub fn item(&self) -> Result<f32> {
        if self.numel() != 1 {
            return Err(Error::arg("item", format!("needs a single element, the tensor has shape {:?}", self.shape())));
        }
        Ok(self.data()[0])
    }

    /// Overwrites the elements with `values` (same count).
    pub fn assign(&self, values: &[f32]) -> Result<()> {
        let mut d = self.data_mut();
        if d.len() != values.len() {
            return Err(Error::arg(
                "assign",
                format!("{} values for a tensor of shape {:?}", values.len(), self.shape()),
            ));
        }
        d.copy_from_slice(values);
        Ok(())
    }

    /// The buffer of a tensor that nothing else holds (no clone, graph node
    /// or view sharing its storage), to be written in place — how the batch
    /// iterator and the backward pass recycle last step's tensors.
    pub(crate) fn unique_buf(&mut self) -> Option<&mut Vec<f32>> {
        let node = Arc::get_mut(&mut self.0)?;
        let lock = Arc::get_mut(&mut node.storage)?;
        Some(lock.get_mut().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether two tensors share a node (not merely equal values).
    pub fn same(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The element count of a shape handed to an infallible constructor, which
/// panics (naming the shape) rather than allocate a wrapped count.
fn numel_or_panic(op: &str, shape: &[usize]) -> usize {
    checked_numel(shape).unwrap_or_else(|| panic!("Tensor::{op}: shape {shape:?} has more elements than fit in usize"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_checks_shape() {
        let t = Tensor::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]).unwrap();
        assert_eq!(t.shape(), &[2, 3]);
        let e = Tensor::from_vec(vec![1., 2.], &[3]).unwrap_err().to_string();
        assert!(e.contains("2 values") && e.contains("[3]"), "{e}");
        assert_eq!(Tensor::arange(0.0, 1.0, 0.25).unwrap().to_vec(), vec![0.0, 0.25, 0.5, 0.75]);
        assert!(Tensor::arange(0.0, 1.0, 0.0).is_err());
        assert_eq!(Tensor::full(&[2], 3.0).to_vec(), vec![3.0, 3.0]);
    }

    /// Shapes whose element count overflows, or that ask for more than the
    /// limit, are errors of every fallible constructor (in release builds a
    /// wrapped product used to let `from_vec(vec![], [2³², 2³²])` through).
    #[test]
    fn impossible_shapes_are_errors() {
        let huge = [1usize << 32, 1 << 32];
        let e = Tensor::from_vec(vec![], &huge).unwrap_err().to_string();
        assert!(e.contains("from_vec") && e.contains("4294967296"), "{e}");
        assert!(Tensor::from_vec(vec![], &[0, 1 << 40, 1 << 40]).is_err());
        assert!(Tensor::try_zeros(&huge).is_err());
        let e = Tensor::try_full(&[2, 1_000_000_000], 1.0).unwrap_err().to_string();
        assert!(e.contains("[2, 1000000000]") && e.contains("limit"), "{e}");
        assert_eq!(Tensor::try_zeros(&[2, 2]).unwrap().to_vec(), vec![0.0; 4]);
        let e = Tensor::arange(0.0, 1.0, 1e-30).unwrap_err().to_string();
        assert!(e.contains("arange") && e.contains("limit"), "{e}");
        assert!(std::panic::catch_unwind(|| Tensor::zeros(&huge)).is_err(), "zeros panics, never wraps");
        let t = Tensor::zeros(&[0]);
        assert!(t.reshape(&[0, 1 << 40, 1 << 40]).is_err());
        // start + len past usize::MAX is out of range, not a wrapped small end
        let e = Tensor::zeros(&[3]).narrow(0, 2, usize::MAX).unwrap_err().to_string();
        assert!(e.contains("past the end"), "{e}");
    }

    /// Every constructor has a checked variant for shapes from outside.
    #[test]
    fn checked_constructors_refuse_before_allocating() {
        let huge = [1usize << 32, 1 << 32];
        let big = [2, 1_000_000_000];
        let rng = &mut Rng::seed(1);
        for (what, r) in [
            ("ones", Tensor::try_ones(&huge)),
            ("randn", Tensor::try_randn(&huge, 0.0, 1.0, rng)),
            ("rand_uniform", Tensor::try_rand_uniform(&huge, 0.0, 1.0, rng)),
        ] {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("overflows") && e.contains("4294967296"), "{what}: {e}");
        }
        for (what, r) in [
            ("ones", Tensor::try_ones(&big)),
            ("randn", Tensor::try_randn(&big, 0.0, 1.0, rng)),
            ("rand_uniform", Tensor::try_rand_uniform(&big, 0.0, 1.0, rng)),
        ] {
            let e = r.unwrap_err().to_string();
            assert!(e.contains(what) && e.contains("[2, 1000000000]") && e.contains("limit"), "{what}: {e}");
        }
        assert_eq!(Tensor::try_ones(&[2]).unwrap().to_vec(), vec![1.0, 1.0]);
        let a = Tensor::try_randn(&[50], 0.0, 1.0, &mut Rng::seed(5)).unwrap().to_vec();
        assert_eq!(a, Tensor::randn(&[50], 0.0, 1.0, &mut Rng::seed(5)).to_vec(), "the same draws");
        let u = Tensor::try_rand_uniform(&[50], -2.0, 3.0, &mut Rng::seed(1)).unwrap().to_vec();
        assert_eq!(u, Tensor::rand_uniform(&[50], -2.0, 3.0, &mut Rng::seed(1)).to_vec());
        assert!(std::panic::catch_unwind(|| Tensor::randn(&huge, 0.0, 1.0, &mut Rng::seed(1))).is_err());
    }

    /// Shapes that operations compute — broadcasting, a matrix product, a
    /// concatenation — are checked as a constructor's are: empty tensors
    /// whose shapes multiply past `usize` used to give, in release builds,
    /// a tensor whose wrapped element count claimed 0 (and a debug panic).
    #[test]
    fn computed_shapes_are_checked() {
        let empty = |shape: &[usize]| Tensor::from_vec(vec![], shape).unwrap();
        let (a, b) = (empty(&[1 << 40, 1, 0]), empty(&[1, 1 << 40, 0]));
        let e = a.add(&b).unwrap_err().to_string();
        assert!(e.contains("add") && e.contains("overflows"), "{e}");
        assert!(a.gt(&b).is_err());
        let e = empty(&[1 << 40, 0]).matmul(&empty(&[0, 1 << 40])).unwrap_err().to_string();
        assert!(e.contains("matmul") && e.contains("overflows"), "{e}");
        let e = empty(&[1 << 16, 0]).matmul(&empty(&[0, 1 << 16])).unwrap_err().to_string();
        assert!(e.contains("matmul") && e.contains("limit"), "{e}");
        let half = empty(&[1 << 63, 0]);
        let e = Tensor::concat(&[half.clone(), half], 0).unwrap_err().to_string();
        assert!(e.contains("concat") && e.contains("overflows"), "{e}");
        // what fits still works
        assert_eq!(empty(&[3, 1, 0]).add(&empty(&[1, 4, 0])).unwrap().shape(), &[3, 4, 0]);
        assert_eq!(Tensor::ones(&[2, 0]).matmul(&Tensor::ones(&[0, 3])).unwrap().to_vec(), vec![0.0; 6]);
    }

    #[test]
    fn seeded_random_is_reproducible() {
        let a = Tensor::randn(&[100], 0.0, 1.0, &mut Rng::seed(5)).to_vec();
        let b = Tensor::randn(&[100], 0.0, 1.0, &mut Rng::seed(5)).to_vec();
        assert_eq!(a, b);
        let u = Tensor::rand_uniform(&[1000], -2.0, 3.0, &mut Rng::seed(1)).to_vec();
        assert!(u.iter().all(|&x| (-2.0..3.0).contains(&x)));
    }
}
