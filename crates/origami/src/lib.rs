//! # origami
//!
//! Neural networks on the CPU, from tensors up: f32 tensors with fast
//! kernels, reverse-mode automatic differentiation, and (in later modules)
//! layers, optimizers and a Keras-like training loop.
//!
//! ```
//! use origami::{Rng, Tensor};
//! let mut rng = Rng::seed(0);
//! let w = Tensor::randn(&[3, 2], 0.0, 1.0, &mut rng).requires_grad();
//! let x = Tensor::ones(&[4, 3]);
//! let loss = x.matmul(&w)?.tanh().square().mean_all();
//! let grads = loss.backward()?;
//! assert_eq!(grads.wrt(&w)?.shape(), &[3, 2]);
//! # Ok::<(), origami::Error>(())
//! ```
//!
//! See ARCHITECTURE.md at the repository's root for the map of the code.

pub mod autograd;
pub mod data;
mod error;
pub mod io;
pub mod kernels;
pub mod limits;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod parallel;
mod rng;
pub mod saving;
pub mod spec;
pub mod tensor;
pub mod train;

pub use autograd::{check_gradients, grad_enabled, no_grad, GradCheck, Grads};
pub use error::{quote, shorten, shorten_message, shorten_path, Error, Result};
pub use ops::nn::Padding;
pub use parallel::{num_threads, set_num_threads};
pub use rng::{Rng, RngState};
pub use tensor::{Tensor, TensorId};
