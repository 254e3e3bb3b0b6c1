//! Callbacks: code that `fit` calls at fixed points to watch and steer training.
//!
//! Implement [`Callback`] for your own; every method has a default that does
//! nothing. A callback steers through [`Control`]: it can stop training, read
//! and set the learning rate, and read or overwrite the weights.

mod checkpoint;
mod csv_logger;
mod early_stopping;
mod lr_scheduler;
mod monitor;
mod reduce_lr;
mod terminate_nan;

pub use checkpoint::ModelCheckpoint;
pub use csv_logger::CsvLogger;
pub use early_stopping::EarlyStopping;
pub use lr_scheduler::{LearningRateScheduler, SchedulePer};
pub use monitor::{Mode, Monitor};
pub use reduce_lr::ReduceLrOnPlateau;
pub use terminate_nan::TerminateOnNaN;

use super::history::{EpochLog, History};
use crate::nn::Param;
use crate::optim::Optimizer;
use crate::Result;

/// What a callback may touch while training runs.
pub struct Control<'a> {
    /// The model's parameters (handles sharing storage with the model).
    pub params: &'a [Param],
    pub(crate) optimizer: &'a mut dyn Optimizer,
    /// Set to end training after the current batch or epoch.
    pub stop: bool,
    /// Why training was stopped, for the history and the log.
    pub stop_reason: Option<String>,
    /// Training was stopped to be resumed later ([`interrupt`](Self::interrupt)):
    /// callbacks that finish a run (restoring the best weights) leave it as it is.
    pub interrupted: bool,
    /// Training was stopped because it diverged (a loss that is not finite,
    /// [`TerminateOnNaN`]): the weights are not worth keeping.
    pub diverged: bool,
    /// What callbacks did that a person should know (a lowered rate,
    /// restored weights), in order; `fit`'s progress prints each once and
    /// the history keeps them ([`History::events`]).
    pub events: Vec<String>,
}

impl<'a> Control<'a> {
    pub(crate) fn new(params: &'a [Param], optimizer: &'a mut dyn Optimizer) -> Self {
        Control {
            params,
            optimizer,
            stop: false,
            stop_reason: None,
            interrupted: false,
            diverged: false,
            events: Vec::new(),
        }
    }

    /// Asks `fit` to stop, with the reason it will report.
    pub fn stop_training(&mut self, reason: impl Into<String>) {
        self.stop = true;
        self.stop_reason = Some(reason.into());
    }

    /// Stops training to be continued later (`origami train --stop-after`,
    /// then `--resume`): like [`stop_training`](Self::stop_training), but the
    /// run is not finished, so nothing that ends a run happens (EarlyStopping
    /// does not put back the best weights).
    pub fn interrupt(&mut self, reason: impl Into<String>) {
        self.stop_training(reason);
        self.interrupted = true;
    }

    /// Reports what a callback did (Keras's verbose callback lines:
    /// "Epoch 5: ReduceLROnPlateau reducing learning rate to 0.0005.").
    pub fn report(&mut self, event: impl Into<String>) {
        self.events.push(event.into());
    }

    /// The optimizer's learning rate.
    pub fn learning_rate(&self) -> f32 {
        self.optimizer.learning_rate()
    }

    /// Sets the optimizer's learning rate.
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.optimizer.set_learning_rate(lr)
    }

    /// Sets the optimizer's momentum-like coefficient (1cycle), if it has one.
    pub fn set_momentum(&mut self, m: f32) {
        self.optimizer.set_momentum(m)
    }

    /// The optimizer's complete state (for a checkpoint that can be resumed).
    pub fn optimizer_state(&self) -> crate::optim::OptimizerState {
        self.optimizer.state()
    }

    /// A copy of every parameter's values.
    pub fn snapshot(&self) -> Vec<Vec<f32>> {
        self.params.iter().map(|p| p.value.to_vec()).collect()
    }

    /// Puts back values taken by [`snapshot`](Self::snapshot).
    pub fn restore(&self, values: &[Vec<f32>]) -> Result<()> {
        for (p, v) in self.params.iter().zip(values) {
            p.value.assign(v)?;
        }
        Ok(())
    }
}

/// Hooks into `fit`. Steps count from 0; `on_batch_begin` gets the global
/// step (batches since epoch 0), `on_batch_end` the step within the epoch.
pub trait Callback: Send {
    fn on_train_begin(&mut self, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    fn on_epoch_begin(&mut self, _epoch: usize, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    fn on_batch_begin(&mut self, _epoch: usize, _global_step: usize, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    fn on_batch_end(&mut self, _epoch: usize, _step: usize, _loss: f32, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    fn on_epoch_end(&mut self, _log: &EpochLog, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    fn on_train_end(&mut self, _history: &History, _ctl: &mut Control) -> Result<()> {
        Ok(())
    }
    /// Rebuilds this callback's state (counters, best values, best weights)
    /// from the epochs an earlier process already ran, so that a resumed run
    /// continues exactly as an uninterrupted one. `fit` calls it after
    /// `on_train_begin` with [`FitConfig::prior_history`](crate::train::FitConfig::prior_history)
    /// when that holds epochs. A callback with no state across epochs keeps
    /// the default, which does nothing.
    fn replay(&mut self, _history: &History) -> Result<()> {
        Ok(())
    }
}
