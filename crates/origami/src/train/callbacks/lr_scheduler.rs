use super::{Callback, Control};
use crate::optim::schedule::Schedule;
use crate::Result;

/// When a schedule is consulted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchedulePer {
    /// Before every batch, with the global step (1cycle, warm-up).
    #[default]
    Step,
    /// Before every epoch, with the epoch number.
    Epoch,
}

/// Sets the learning rate (and the momentum, for schedules that drive it)
/// from any [`Schedule`].
pub struct LearningRateScheduler {
    pub schedule: Box<dyn Schedule>,
    pub per: SchedulePer,
}

impl LearningRateScheduler {
    /// Drives the rate from `schedule`, consulted per step or per epoch.
    pub fn new(schedule: impl Schedule + 'static, per: SchedulePer) -> Self {
        LearningRateScheduler { schedule: Box::new(schedule), per }
    }

    fn apply(&self, t: usize, ctl: &mut Control) {
        ctl.set_learning_rate(self.schedule.lr(t));
        if let Some(m) = self.schedule.momentum(t) {
            ctl.set_momentum(m);
        }
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, ctl: &mut Control) -> Result<()> {
        if self.per == SchedulePer::Epoch {
            self.apply(epoch, ctl);
        }
        Ok(())
    }

    fn on_batch_begin(&mut self, _epoch: usize, global_step: usize, ctl: &mut Control) -> Result<()> {
        if self.per == SchedulePer::Step {
            self.apply(global_step, ctl);
        }
        Ok(())
    }
}
