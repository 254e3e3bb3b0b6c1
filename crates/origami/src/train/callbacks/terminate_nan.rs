use super::{Callback, Control};
use crate::Result;

/// Stops training at the first batch whose loss is NaN or infinite, naming
/// the epoch and step (both counting from 1), and marks the run as diverged
/// ([`Control::diverged`], [`History::diverged`](crate::train::History::diverged)). `fit` adds it unless
/// `FitConfig::terminate_on_nan` is false.
#[derive(Clone, Debug, Default)]
pub struct TerminateOnNaN;

impl Callback for TerminateOnNaN {
    fn on_batch_end(&mut self, epoch: usize, step: usize, loss: f32, ctl: &mut Control) -> Result<()> {
        if !loss.is_finite() {
            ctl.stop_training(format!(
                "the loss became {loss} at epoch {}, step {}: training stopped (try a lower learning rate, or check the data for NaN)",
                epoch + 1,
                step + 1
            ));
            ctl.diverged = true;
        }
        Ok(())
    }
}
