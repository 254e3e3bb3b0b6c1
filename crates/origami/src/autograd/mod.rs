//! Reverse-mode automatic differentiation.
//!
//! Every tensor computed while recording holds an [`Op`]: which primitive made
//! it and handles to its inputs. [`Tensor::backward`] walks the graph from the
//! loss down in reverse creation order, handing each node's gradient to the
//! backward function of its op, which adds its inputs' shares into their
//! gradient buffers. A tensor used twice therefore receives the sum of both
//! contributions.
//!
//! Node ids count up as tensors are created, and an op's inputs exist before
//! its output, so every input has a smaller id than its consumers: visiting
//! nodes by decreasing id (a max-heap seeded with the loss) is a topological
//! order, found without a separate sort or a visited set. When a node is
//! popped, every consumer of it has been processed and its gradient is
//! complete.
//!
//! `Op` below is the one list of primitives; everything else (mean, variance,
//! the activations, the losses) composes them.

mod gradcheck;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use std::sync::Arc;

use smallvec::SmallVec;

use crate::kernels::conv::Geometry;
use crate::kernels::shape::Shape;
use crate::ops::elementwise::{binary_backward, unary_backward, BinaryOp, UnaryOp};
use crate::ops::layout::{self, Indices};
use crate::ops::{loss, matmul, nn, reduce};
use crate::tensor::TensorId;
use crate::{Error, Result, Tensor};

pub use gradcheck::{check_gradients, GradCheck};

/// The primitive operations, each with what its backward pass needs.
pub(crate) enum Op {
    /// a ∘ b elementwise, broadcasting.
    Binary(BinaryOp, Tensor, Tensor),
    /// f(x) elementwise.
    Unary(UnaryOp, Tensor),
    /// Σ over one axis.
    Sum(Tensor, usize),
    /// c·Σ over every element (c = 1/n makes a mean: one node instead of two).
    SumAll(Tensor, f32),
    /// Elements picked by flat index (max, min).
    Gather1(Tensor, Vec<usize>),
    /// Batched matrix product.
    MatMul(Tensor, Tensor),
    /// act(x·W + b), the activation optional (fused for speed).
    Linear(Tensor, Tensor, Option<Tensor>, Option<matmul::Fused>),
    /// Same data, new shape.
    Reshape(Tensor),
    /// Axes reordered.
    Permute(Tensor, Shape),
    /// Joined along an axis.
    Concat(Vec<Tensor>, usize),
    /// A slice of an axis: (input, axis, start).
    Narrow(Tensor, usize, usize),
    /// Entries of an axis picked by index.
    IndexSelect(Tensor, usize, Indices),
    /// Per-position picks along an axis.
    Gather(Tensor, usize, Indices),
    /// mask ? a : b.
    Where(Tensor, Tensor, Tensor),
    /// Softmax along an axis.
    Softmax(Tensor, usize),
    /// Log-softmax along an axis.
    LogSoftmax(Tensor, usize),
    /// NHWC convolution; keeps the im2col matrix for the backward pass.
    /// The activation is optional (fused for speed, as in `Linear`).
    Conv2d {
        x: Tensor,
        w: Tensor,
        b: Option<Tensor>,
        g: Geometry,
        cols: crate::tensor::pool::Buf,
        act: Option<matmul::Fused>,
    },
    /// Max pooling (promoted for speed: the winners are found again in the
    /// backward pass instead of being stored as gather indices).
    MaxPool2d(Tensor, Geometry),
    /// Average pooling.
    AvgPool2d(Tensor, Geometry),
    /// Binary cross-entropy of probabilities (p, targets, eps), fused for stability.
    Bce(Tensor, Tensor, f32),
    /// Binary cross-entropy of logits (z, targets), fused for stability.
    BceLogits(Tensor, Tensor),
    /// Softmax cross-entropy of logits against labels, fused for speed
    /// (one node instead of four); keeps each row's max and ln Σ exp.
    SoftmaxCe(Tensor, Indices, crate::tensor::pool::Buf),
}

impl Op {
    fn inputs(&self) -> SmallVec<[&Tensor; 3]> {
        use Op::*;
        match self {
            Binary(_, a, b) | MatMul(a, b) => smallvec::smallvec![a, b],
            Conv2d { x, w, b, .. } => [Some(x), Some(w), b.as_ref()].into_iter().flatten().collect(),
            Where(_, a, b) => smallvec::smallvec![a, b],
            Unary(_, x)
            | Sum(x, _)
            | SumAll(x, _)
            | Gather1(x, _)
            | Reshape(x)
            | Permute(x, _)
            | Narrow(x, _, _)
            | IndexSelect(x, _, _)
            | Gather(x, _, _)
            | Softmax(x, _)
            | LogSoftmax(x, _)
            | AvgPool2d(x, _)
            | MaxPool2d(x, _)
            | Bce(x, _, _)
            | BceLogits(x, _)
            | SoftmaxCe(x, _, _) => smallvec::smallvec![x],
            Concat(xs, _) => xs.iter().collect(),
            Linear(x, w, b, _) => [Some(x), Some(w), b.as_ref()].into_iter().flatten().collect(),
        }
    }

    /// Adds the inputs' gradients, given this op's output `out` and its gradient `g`.
    /// Each arm's calculus is documented beside the function it calls.
    fn backward(&self, out: &Tensor, g: &[f32], acc: &mut GradAcc) {
        use Op::*;
        let y = || out.data();
        match self {
            Binary(op, a, b) => binary_backward(*op, a, b, &y(), out.shape(), g, acc),
            Unary(op, x) => unary_backward(*op, x, &y(), g, acc),
            Sum(x, axis) => reduce::sum_backward(x, *axis, g, acc),
            SumAll(x, c) => reduce::sum_all_backward(x, *c, g, acc),
            Gather1(x, idx) => reduce::gather1_backward(x, idx, g, acc),
            MatMul(a, b) => matmul::matmul_backward(a, b, g, acc),
            Linear(x, w, b, act) => matmul::linear_backward(x, w, b.as_ref(), *act, &y(), g, acc),
            Reshape(x) => layout::reshape_backward(x, g, acc),
            Permute(x, perm) => layout::permute_backward(x, perm, out.shape(), g, acc),
            Concat(xs, axis) => layout::concat_backward(xs, *axis, out.shape(), g, acc),
            Narrow(x, axis, start) => layout::narrow_backward(x, *axis, *start, out.shape(), g, acc),
            IndexSelect(x, axis, idx) => layout::index_select_backward(x, *axis, idx, g, acc),
            Gather(x, axis, idx) => layout::gather_backward(x, *axis, idx, g, acc),
            Where(m, a, b) => layout::where_backward(m, a, b, out.shape(), g, acc),
            Softmax(x, axis) => nn::softmax_bw(x, *axis, &y(), g, acc),
            LogSoftmax(x, axis) => nn::log_softmax_bw(x, *axis, &y(), g, acc),
            Conv2d { x, w, b, g: geo, cols, act } => nn::conv2d_bw(x, w, b.as_ref(), geo, cols, *act, &y(), g, acc),
            MaxPool2d(x, geo) => nn::max_pool2d_bw(x, &y(), geo, g, acc),
            AvgPool2d(x, geo) => nn::avg_pool2d_bw(x, geo, g, acc),
            Bce(p, y, eps) => loss::bce_backward(p, y, *eps, g, acc),
            BceLogits(z, y) => loss::bce_logits_backward(z, y, g, acc),
            SoftmaxCe(z, labels, stats) => loss::softmax_ce_backward(z, labels, stats, g, acc),
        }
    }
}

// ----- recording switch ---------------------------------------------------

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether operations on this thread currently record their graph.
pub fn grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Runs `f` without recording any graph on this thread (inference): results
/// carry no op, hold no reference to their inputs and cost nothing extra.
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            GRAD_ENABLED.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GRAD_ENABLED.with(|g| g.replace(false)));
    f()
}

// ----- gradient accumulation ----------------------------------------------

/// Tensor ids are unique counters: they hash to themselves.
#[derive(Default)]
pub(crate) struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 ids are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
type IdMap<V> = HashMap<TensorId, V, BuildHasherDefault<IdHasher>>;

/// Gradient buffers of the nodes being differentiated, by id. Every tensor
/// a backward function is handed is an input of a node on the path from the
/// loss, so "tracked" is all it takes to want a gradient.
pub(crate) struct GradAcc {
    bufs: IdMap<Vec<f32>>,
}

impl GradAcc {
    /// Whether `t` takes part in this backward pass.
    pub(crate) fn wants(&self, t: &Tensor) -> bool {
        t.is_tracked()
    }

    /// `t`'s gradient buffer to add into (zeros on first use), or `None` when
    /// `t` needs no gradient.
    pub(crate) fn slot(&mut self, t: &Tensor) -> Option<&mut [f32]> {
        if !t.is_tracked() {
            return None;
        }
        Some(self.bufs.entry(t.id()).or_insert_with(|| crate::tensor::pool::zeros(t.numel())))
    }

    /// `t`'s buffer taken out of the map (or a fresh one, not zeroed, with the
    /// flag `false`, as [`slot_or_fresh`](Self::slot_or_fresh) gives), for a
    /// caller that fills two buffers at once; [`put`](Self::put) returns it.
    pub(crate) fn take_or_fresh(&mut self, t: &Tensor) -> Option<(Vec<f32>, bool)> {
        if !t.is_tracked() {
            return None;
        }
        Some(match self.bufs.remove(&t.id()) {
            Some(buf) => (buf, true),
            None => (crate::tensor::pool::scratch(t.numel()), false),
        })
    }

    /// Puts back a buffer from [`take_or_fresh`](Self::take_or_fresh).
    pub(crate) fn put(&mut self, t: &Tensor, buf: Vec<f32>) {
        self.bufs.insert(t.id(), buf);
    }

    /// Like [`slot`](Self::slot), for a caller that can either overwrite or
    /// add (a GEMM's β): on first use the buffer is not zeroed and the flag is
    /// `false` — the caller must write every element. Saves a memset of the
    /// largest gradients (a weight matrix's) on every step.
    pub(crate) fn slot_or_fresh(&mut self, t: &Tensor) -> Option<(&mut [f32], bool)> {
        if !t.is_tracked() {
            return None;
        }
        match self.bufs.entry(t.id()) {
            std::collections::hash_map::Entry::Occupied(e) => Some((e.into_mut(), true)),
            std::collections::hash_map::Entry::Vacant(e) => {
                Some((e.insert(crate::tensor::pool::scratch(t.numel())), false))
            }
        }
    }
}

/// A node in the backward queue, ordered by id: the newest pops first. The
/// id is kept beside the handle so that the heap compares without following
/// pointers.
struct Newest(TensorId, Tensor);
impl Newest {
    fn of(t: &Tensor) -> Newest {
        Newest(t.id(), t.clone())
    }
}
impl PartialEq for Newest {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Newest {}
impl PartialOrd for Newest {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Newest {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp(&o.0)
    }
}

/// Gradients of the leaves that asked for one, by tensor.
#[derive(Default)]
pub struct Grads {
    map: IdMap<Tensor>,
}

// The hash maps and the queue of a backward pass, kept per thread between
// passes, and the last pass's gradient tensors once their `Grads` is
// dropped: the next pass writes its gradients into them when nothing else
// holds them. Allocating, growing and freeing these was a measurable share
// of a playground-sized step's instructions (callgrind on W3, BENCHMARKS.md).
#[derive(Default)]
struct Spare {
    acc: IdMap<Vec<f32>>,
    queue: std::collections::BinaryHeap<Newest>,
    /// The last dropped `Grads`' tensors, by the leaf they belong to.
    last: IdMap<Tensor>,
    /// An empty map with capacity, for the next `Grads`.
    empty: IdMap<Tensor>,
}

thread_local! {
    /// Taken out whole by a backward pass and put back when it ends.
    static SPARE: Cell<Spare> = Cell::new(Spare::default());
}

/// Kept for reuse only below this many gradient elements in all.
const KEEP_ELEMS: usize = 8 << 20;

impl Drop for Grads {
    fn drop(&mut self) {
        let mut map = std::mem::take(&mut self.map);
        if map.values().map(|t| t.numel()).sum::<usize>() > KEEP_ELEMS {
            return;
        }
        // the tensors a caller still holds are not reusable: let them go now
        map.retain(|_, t| Arc::strong_count(&t.0) == 1);
        let _ = SPARE.try_with(|c| {
            let mut spare = c.take();
            spare.last = map;
            c.set(spare);
        });
    }
}

/// A gradient tensor for a leaf of `shape` holding `g`: the previous pass's
/// tensor for the same leaf when nothing but the spare map held it, else a
/// new one.
fn grad_tensor(old: Option<Tensor>, g: Vec<f32>, shape: &[usize]) -> Tensor {
    if let Some(mut t) = old.filter(|t| t.shape() == shape) {
        if let Some(buf) = t.unique_buf() {
            crate::tensor::pool::give(std::mem::replace(buf, g));
            return t;
        }
    }
    Tensor::leaf(g, shape.into())
}

impl std::fmt::Debug for Grads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Grads({} tensors)", self.map.len())
    }
}

impl Grads {
    /// The gradient of `t`, if it received one.
    pub fn get(&self, t: &Tensor) -> Option<&Tensor> {
        self.map.get(&t.id())
    }

    /// The gradient of `t`, or an error naming it when it has none (it does
    /// not require a gradient, or the loss does not depend on it).
    pub fn wrt(&self, t: &Tensor) -> Result<&Tensor> {
        self.get(t).ok_or_else(|| Error::NoGradient {
            what: format!(
                "a tensor of shape {:?}: {}",
                t.shape(),
                if t.is_tracked() {
                    "the loss does not depend on it"
                } else {
                    "it does not require a gradient (call .requires_grad() on it)"
                }
            ),
        })
    }

    /// Takes `t`'s gradient out.
    pub fn remove(&mut self, t: &Tensor) -> Option<Tensor> {
        self.map.remove(&t.id())
    }

    /// Number of gradients held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no gradient is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Tensor {
    /// Gradients of this scalar with respect to every tensor it depends on
    /// that requires one.
    pub fn backward(&self) -> Result<Grads> {
        if self.numel() != 1 {
            return Err(Error::NonScalarBackward { shape: self.shape().to_vec() });
        }
        self.backward_seeded(vec![1.0])
    }

    /// Like [`backward`](Self::backward) for a non-scalar output, given the
    /// gradient `seed` of some scalar with respect to this tensor.
    pub fn backward_with(&self, seed: &Tensor) -> Result<Grads> {
        if seed.shape() != self.shape() {
            return Err(Error::shape(
                "backward_with",
                self.shape(),
                seed.shape(),
                "the seed gradient must have the output's shape",
            ));
        }
        self.backward_seeded(seed.to_vec())
    }

    fn backward_seeded(&self, seed: Vec<f32>) -> Result<Grads> {
        if !self.is_tracked() {
            return Err(Error::NoGradient {
                what:
                    "this tensor: nothing it was computed from requires a gradient (or it was computed under no_grad)"
                        .into(),
            });
        }
        let Spare { acc: bufs, mut queue, last: mut prev, empty } = SPARE.try_with(Cell::take).unwrap_or_default();
        let mut acc = GradAcc { bufs };
        let mut grads = Grads { map: empty };
        acc.bufs.insert(self.id(), seed);
        queue.push(Newest::of(self));
        let mut last = None;
        while let Some(Newest(_, node)) = queue.pop() {
            // A node reached along several paths is queued once per path.
            if last.replace(node.id()) == Some(node.id()) {
                continue;
            }
            // No gradient: the ops above it do not pass one to this input.
            let Some(g) = acc.bufs.remove(&node.id()) else { continue };
            match &node.0.op {
                Some(op) => {
                    op.backward(&node, &g, &mut acc);
                    crate::tensor::pool::give(g);
                    queue.extend(op.inputs().into_iter().filter(|x| x.is_tracked()).map(Newest::of));
                }
                None => {
                    let old = prev.remove(&node.id());
                    grads.map.insert(node.id(), grad_tensor(old, g, &node.0.shape));
                }
            }
        }
        // Every buffer was taken out (a gradient reaching no leaf stays
        // nowhere: nodes without an op are leaves); keep the containers.
        debug_assert!(acc.bufs.is_empty());
        acc.bufs.clear();
        prev.clear();
        let _ = SPARE.try_with(|c| c.set(Spare { acc: acc.bufs, queue, last: IdMap::default(), empty: prev }));
        Ok(grads)
    }
}
