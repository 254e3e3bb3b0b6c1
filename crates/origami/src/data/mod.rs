//! Data in, batches out: everything between a file on disk (or a seeded
//! generator) and the tensors a training step consumes.
//!
//! Training code wants one thing from data: `[batch, …]` feature and target
//! tensors, shuffled each epoch, cheaply. Everything here exists to produce
//! exactly that from the sources this project uses:
//!
//! - [`Dataset`] holds a feature tensor `x` (`[n, …]`) and a target tensor
//!   `y` (`[n]` class indices as f32, or `[n, k]` one-hot / regression
//!   targets) and hands out batches ([`Dataset::batches`]).
//! - [`mnist`] reads the real MNIST IDX files (gzip or raw).
//! - [`csv`] reads tabular data with a named or numbered target column.
//! - [`scale`] fits z-score or min-max scaling on the training split only,
//!   so no statistic of the validation or test data leaks into training.
//! - [`split`] makes seeded (optionally stratified) train/validation/test
//!   splits and k-fold cross-validation indices.
//! - [`synthetic`] generates TensorFlow Playground's 2-D datasets.
//! - [`one_hot`] turns class indices into one-hot rows.
//!
//! Labels are class indices 0, 1, … stored as f32 (a tensor holds f32 only);
//! they are exact integers up to 2^24, far beyond any class count.
//!
//! ```
//! use origami::data::{synthetic, Dataset};
//! use origami::Rng;
//! let mut rng = Rng::seed(0);
//! let data: Dataset = synthetic::circle(1001, 0.0, &mut rng)?;
//! let mut batches = 0;
//! for (x, y) in data.batches(200, Some(&mut rng))? {
//!     assert_eq!(x.shape()[1], 2);
//!     assert_eq!(x.shape()[0], y.shape()[0]);
//!     batches += 1;
//! }
//! assert_eq!(batches, 6); // five full batches of 200 and a last one of 1
//! # Ok::<(), origami::Error>(())
//! ```

pub mod csv;
mod dataset;
pub mod mnist;
mod onehot;
pub mod scale;
pub mod split;
pub mod synthetic;
pub mod table;

pub use dataset::{BatchIter, Dataset};
pub use onehot::{one_hot, one_hot_indices};
pub use scale::{MinMaxScaler, Standardizer};
pub use split::{kfold, train_val_test, Fold, Split, Splits};

#[cfg(test)]
pub(crate) mod testutil {
    use std::path::PathBuf;

    /// A fresh, empty directory under the system temp dir, its own on every
    /// call (tests run in parallel, and two may share a helper and a name).
    pub fn temp_dir(test: &str) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("origami-data-{}-{test}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }
}
