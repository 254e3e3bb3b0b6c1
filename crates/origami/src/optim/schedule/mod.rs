//! Learning-rate schedules: η as a function of the step (or the epoch).
//!
//! A constant rate is a compromise: large enough to make progress early,
//! small enough to settle into a minimum late. A schedule starts large and
//! lowers η as training goes (power, exponential, piecewise constant, cosine
//! decay), warms up first to keep early large gradients from doing damage
//! (cosine with warm-up), or goes up and then down (1cycle, which also
//! moves the momentum the opposite way). Performance scheduling, which
//! lowers η when a monitored metric stops improving, depends on what
//! training observes rather than on the step, so it is a stateful object fed
//! once per epoch ([`ReduceLrOnPlateau`]) rather than a [`Schedule`].
//!
//! A schedule is only a function; the [`Driver`](super::Driver) takes one as
//! an option (`with_schedule`, `with_schedule_per_epoch`, or
//! [`Optimizer::set_schedule`]) and sets η (and the momentum, where the
//! schedule gives one) from it before every step, and [`apply_schedule`]
//! does it once, for a training loop that schedules by epoch.

mod decay;
mod one_cycle;
mod plateau;

pub use decay::{Constant, CosineDecay, ExponentialDecay, PiecewiseConstant, PowerDecay};
pub use one_cycle::{OneCycle, OneCycleConfig};
pub use plateau::{PlateauConfig, PlateauMode, ReduceLrOnPlateau};

use super::Optimizer;

/// η (and optionally a momentum coefficient) as a function of the step or epoch index.
pub trait Schedule: Send {
    /// The learning rate at `step` (counting from 0).
    fn lr(&self, step: usize) -> f32;
    /// The momentum at `step`, for schedules that drive it (1cycle); `None` leaves it alone.
    fn momentum(&self, _step: usize) -> Option<f32> {
        None
    }
}

impl<S: Schedule + ?Sized> Schedule for Box<S> {
    fn lr(&self, step: usize) -> f32 {
        (**self).lr(step)
    }
    fn momentum(&self, step: usize) -> Option<f32> {
        (**self).momentum(step)
    }
}

/// Sets `optimizer`'s learning rate (and momentum, where the schedule gives
/// one) to the schedule's values at `index` — a step or an epoch number.
pub fn apply_schedule(optimizer: &mut dyn Optimizer, schedule: &dyn Schedule, index: usize) {
    optimizer.set_learning_rate(schedule.lr(index));
    if let Some(m) = schedule.momentum(index) {
        optimizer.set_momentum(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::{Sgd, SgdConfig};
    use crate::Tensor;

    #[test]
    fn a_scheduled_driver_sets_the_rate_before_each_step() {
        let x = Tensor::zeros(&[1]).requires_grad();
        let schedule = PiecewiseConstant::new(vec![1], vec![1.0, 0.5]).unwrap();
        let mut opt = Sgd::new(SgdConfig::default()).with_schedule(schedule);
        let mut seen = Vec::new();
        for _ in 0..4 {
            let grads = x.sum_all().backward().unwrap();
            opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
            seen.push(opt.learning_rate());
        }
        // Steps 0 and 1 (≤ boundary 1) at 1.0, then 0.5; the gradient is 1.
        assert_eq!(seen, vec![1.0, 1.0, 0.5, 0.5]);
        assert_eq!(x.to_vec(), vec![-3.0]);
        assert_eq!(opt.state().step, 4);
    }

    #[test]
    fn per_epoch_indexes_by_epoch_and_a_failed_step_changes_nothing() {
        let schedule = ExponentialDecay::new(1.0, 1, 0.5).unwrap();
        let mut opt = Sgd::default().with_schedule_per_epoch(schedule, 3).unwrap();
        let x = Tensor::zeros(&[1]).requires_grad();
        let mut seen = Vec::new();
        for _ in 0..7 {
            let grads = x.sum_all().backward().unwrap();
            opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
            seen.push(opt.learning_rate());
        }
        assert_eq!(seen, vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]);
        assert!(Sgd::default().with_schedule_per_epoch(Constant(0.1), 0).is_err());
        // A schedule giving an invalid rate fails the step and leaves the rate as it was.
        let mut opt = Sgd::default().with_schedule(Constant(-1.0));
        let grads = x.sum_all().backward().unwrap();
        assert!(opt.step(&[Param::trainable("x", &x)], &grads).is_err());
        assert_eq!(opt.learning_rate(), 0.01);
        assert_eq!(opt.state().step, 0);
    }

    #[test]
    fn one_cycle_drives_momentum() {
        let schedule = OneCycle::new(OneCycleConfig::new(100, 1.0)).unwrap();
        let mut opt = Sgd::new(SgdConfig { momentum: 0.9, ..Default::default() });
        apply_schedule(&mut opt, &schedule, 45);
        assert_eq!(opt.config.learning_rate, schedule.lr(45));
        assert_eq!(Some(opt.config.momentum), schedule.momentum(45));
    }
}
