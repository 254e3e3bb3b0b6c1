//! Tensor operations: the forward pass of every primitive as a `Tensor`
//! method, with its backward function beside it. `autograd::Op` lists the
//! primitives and dispatches to those backward functions.

pub mod elementwise;
pub mod layout;
pub mod loss;
pub mod matmul;
pub mod nn;
pub mod reduce;
