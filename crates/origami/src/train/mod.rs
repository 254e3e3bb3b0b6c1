//! Training: [`Model::fit`], [`Model::evaluate`], [`Model::predict`], the
//! [`History`] they return, [`metrics`] and [`callbacks`].
//!
//! It should feel like Keras: a model is a network, an optimizer, a loss and
//! metrics; `fit` runs epochs of shuffled mini-batches, validates after each
//! epoch and lets callbacks watch and steer (stop early, lower the rate, save
//! the best weights). Unlike Keras it never panics on bad input and the same
//! seed gives bitwise the same history and weights.

pub mod callbacks;
pub mod class_weight;
mod history;
pub mod metrics;
mod model;
mod progress;

pub use callbacks::{Callback, Control};
pub use class_weight::ClassWeight;
pub use history::{EpochLog, History};
pub use metrics::Metric;
pub use model::{step, Evaluation, FitConfig, Model, Step, Validation, Verbosity};

#[cfg(test)]
mod tests;
