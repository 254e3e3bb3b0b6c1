//! Numeric kernels on plain `&[f32]` slices.
//!
//! Nothing here knows about tensors' graphs or gradients: a kernel takes
//! slices and sizes and writes into a slice it is given. This keeps them easy
//! to test, to benchmark and to make fast.
//!
//! The kernels trust their callers (`ops/`) for slice lengths and index
//! ranges, so they are private to the crate. What stays public cannot be
//! misused into a panic: shapes' arithmetic ([`shape`], also
//! `tensor::shape`), the vector-width choice ([`simd`], which the exported
//! `multiversion!` macro needs) and a checked matrix product
//! ([`matmul::matmul`], for benchmarks of the raw GEMM).

pub(crate) mod conv;
pub(crate) mod elementwise;
pub(crate) mod layout;
pub mod matmul;
pub(crate) mod pool;
pub(crate) mod reduce;
pub mod shape;
pub mod simd;
pub(crate) mod softmax;
