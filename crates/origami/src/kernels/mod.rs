//! Numeric kernels on plain `&[f32]` slices.
//!
//! Nothing here knows about tensors' graphs or gradients: a kernel takes
//! slices and sizes and writes into a slice it is given. This keeps them easy
//! to test, to benchmark and to make fast.

pub mod conv;
pub mod elementwise;
pub mod layout;
pub mod matmul;
pub mod pool;
pub mod reduce;
pub mod shape;
pub mod simd;
pub mod softmax;
