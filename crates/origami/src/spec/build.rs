//! From training specs to objects: an optimizer, a schedule, metrics. (A
//! model spec builds its layers through the registry in `layer.rs` and
//! [`ModelSpec::build`](super::ModelSpec::build).)

use super::spec_err;
use super::training::{OptimizerKind, OptimizerSpec, ScheduleKind, ScheduleSpec, TrainingSpec};
use crate::nn::Loss;
use crate::optim::{
    AdaGrad, AdaGradConfig, AdaMax, AdaMaxConfig, Adam, AdamConfig, AdamW, AdamWConfig, Clipped, Constant, CosineDecay,
    ExponentialDecay, Nadam, NadamConfig, OneCycle, OneCycleConfig, Optimizer, PiecewiseConstant, PowerDecay, RmsProp,
    RmsPropConfig, Schedule, Sgd, SgdConfig,
};
use crate::train::Metric;
use crate::Result;

/// What a [`TrainingSpec`] builds: the optimizer, loss and metrics of a
/// [`Model`](crate::train::Model).
pub struct BuiltTraining {
    pub optimizer: Box<dyn Optimizer>,
    pub loss: Loss,
    pub metrics: Vec<Metric>,
}

fn invalid(field: &str, msg: String) -> crate::Error {
    spec_err(field, msg)
}

impl TrainingSpec {
    /// Checks the loss, metrics, optimizer and schedule; the message starts
    /// with the key path (`optimizer.rho`, `metrics[1]`).
    pub fn validate(&self) -> Result<()> {
        self.optimizer.validate().map_err(|(f, m)| invalid(&format!("optimizer.{f}"), m))?;
        if let Some(s) = &self.schedule {
            s.validate().map_err(|(f, m)| invalid(&format!("schedule.{f}"), m))?;
        }
        for (i, m) in self.metrics.iter().enumerate() {
            resolve_metric(&m.0, &self.loss).map_err(|e| invalid(&format!("metrics[{i}]"), e))?;
        }
        Ok(())
    }

    /// The metrics, with `accuracy` resolved against the loss.
    pub fn build_metrics(&self) -> Result<Vec<Metric>> {
        self.metrics
            .iter()
            .enumerate()
            .map(|(i, m)| resolve_metric(&m.0, &self.loss).map_err(|e| invalid(&format!("metrics[{i}]"), e)))
            .collect()
    }

    /// The optimizer, loss and metrics.
    pub fn build(&self) -> Result<BuiltTraining> {
        self.validate()?;
        Ok(BuiltTraining { optimizer: self.optimizer.build(), loss: self.loss, metrics: self.build_metrics()? })
    }
}

/// The [`Metric`] called `name`, with plain `accuracy` chosen by the loss
/// (binary, categorical or sparse), as Keras does.
pub fn resolve_metric(name: &str, loss: &Loss) -> std::result::Result<Metric, String> {
    let (n, a) = super::names::parse_call(name)?;
    Ok(match (n.as_str(), a.as_slice()) {
        ("accuracy" | "acc", []) => match loss {
            Loss::BinaryCrossentropy { .. } => Metric::BinaryAccuracy,
            Loss::CategoricalCrossentropy { .. } => Metric::CategoricalAccuracy,
            Loss::SparseCategoricalCrossentropy { .. } => Metric::SparseAccuracy,
            _ => return Err("accuracy needs a cross-entropy loss; use mae, mse, rmse or r2 for regression".into()),
        },
        ("binary_accuracy", []) => Metric::BinaryAccuracy,
        ("categorical_accuracy", []) => Metric::CategoricalAccuracy,
        ("sparse_accuracy" | "sparse_categorical_accuracy", []) => Metric::SparseAccuracy,
        ("top_k" | "top_k_accuracy", [k]) if *k >= 1.0 && k.fract() == 0.0 => Metric::TopK(*k as usize),
        ("mae" | "mean_absolute_error", []) => Metric::Mae,
        ("mse" | "mean_squared_error", []) => Metric::Mse,
        ("rmse", []) => Metric::Rmse,
        ("r2", []) => Metric::R2,
        _ => {
            if let Some(k) = n.strip_prefix("top_").and_then(|r| r.strip_suffix("_accuracy")) {
                if let Ok(k) = k.parse::<usize>() {
                    if k >= 1 {
                        return Ok(Metric::TopK(k));
                    }
                }
            }
            return Err(format!(
                "unknown metric {name:?}; expected one of accuracy, binary_accuracy, categorical_accuracy, \
                 sparse_accuracy, top_k(K), mae, mse, rmse, r2"
            ));
        }
    })
}

impl OptimizerSpec {
    /// The learning rate it starts from (the optimizer's default if unset).
    pub fn initial_learning_rate(&self) -> f32 {
        self.learning_rate.unwrap_or(match self.kind {
            OptimizerKind::Sgd => 0.01,
            OptimizerKind::AdaMax => 0.002,
            OptimizerKind::Nadam => 0.001,
            _ => 0.001,
        })
    }

    /// The optimizer (wrapped in gradient clipping when one is set). Call
    /// [`validate`](Self::validate) first for a readable error on bad values.
    pub fn build(&self) -> Box<dyn Optimizer> {
        let lr = self.initial_learning_rate();
        let opt: Box<dyn Optimizer> = match self.kind {
            OptimizerKind::Sgd => {
                let d = SgdConfig::default();
                Box::new(Sgd::new(SgdConfig {
                    learning_rate: lr,
                    momentum: self.momentum.unwrap_or(d.momentum),
                    nesterov: self.nesterov.unwrap_or(d.nesterov),
                }))
            }
            OptimizerKind::Adam => {
                let d = AdamConfig::default();
                Box::new(Adam::new(AdamConfig {
                    learning_rate: lr,
                    beta_1: self.beta_1.unwrap_or(d.beta_1),
                    beta_2: self.beta_2.unwrap_or(d.beta_2),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                    amsgrad: self.amsgrad.unwrap_or(d.amsgrad),
                }))
            }
            OptimizerKind::AdamW => {
                let d = AdamWConfig::default();
                Box::new(AdamW::new(AdamWConfig {
                    learning_rate: lr,
                    weight_decay: self.weight_decay.unwrap_or(d.weight_decay),
                    beta_1: self.beta_1.unwrap_or(d.beta_1),
                    beta_2: self.beta_2.unwrap_or(d.beta_2),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                    amsgrad: self.amsgrad.unwrap_or(d.amsgrad),
                }))
            }
            OptimizerKind::RmsProp => {
                let d = RmsPropConfig::default();
                Box::new(RmsProp::new(RmsPropConfig {
                    learning_rate: lr,
                    rho: self.rho.unwrap_or(d.rho),
                    momentum: self.momentum.unwrap_or(d.momentum),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                    centered: self.centered.unwrap_or(d.centered),
                }))
            }
            OptimizerKind::AdaGrad => {
                let d = AdaGradConfig::default();
                Box::new(AdaGrad::new(AdaGradConfig {
                    learning_rate: lr,
                    initial_accumulator_value: self.initial_accumulator_value.unwrap_or(d.initial_accumulator_value),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                }))
            }
            OptimizerKind::AdaMax => {
                let d = AdaMaxConfig::default();
                Box::new(AdaMax::new(AdaMaxConfig {
                    learning_rate: lr,
                    beta_1: self.beta_1.unwrap_or(d.beta_1),
                    beta_2: self.beta_2.unwrap_or(d.beta_2),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                }))
            }
            OptimizerKind::Nadam => {
                let d = NadamConfig::default();
                Box::new(Nadam::new(NadamConfig {
                    learning_rate: lr,
                    beta_1: self.beta_1.unwrap_or(d.beta_1),
                    beta_2: self.beta_2.unwrap_or(d.beta_2),
                    epsilon: self.epsilon.unwrap_or(d.epsilon),
                }))
            }
        };
        match self.clip() {
            Some(c) => Box::new(Clipped::new(opt, c)),
            None => opt,
        }
    }
}

impl ScheduleSpec {
    /// The schedule for a run of `total` indices (steps, or epochs when
    /// `per = "epoch"`) starting from the optimizer's rate `base_lr`.
    pub fn build(&self, base_lr: f32, total: usize) -> Result<Box<dyn Schedule>> {
        let total = total.max(1);
        let steps = self.decay_steps.unwrap_or(total);
        Ok(match self.kind {
            ScheduleKind::Constant => Box::new(Constant(base_lr)),
            ScheduleKind::ExponentialDecay => Box::new(
                ExponentialDecay::new(base_lr, steps, self.decay_rate.unwrap_or(0.1))?
                    .staircase(self.staircase.unwrap_or(false)),
            ),
            ScheduleKind::PowerDecay => Box::new(PowerDecay::new(base_lr, steps, self.power.unwrap_or(1.0))?),
            ScheduleKind::PiecewiseConstant => Box::new(PiecewiseConstant::new(
                self.boundaries.clone().unwrap_or_default(),
                self.values.clone().unwrap_or_default(),
            )?),
            ScheduleKind::CosineDecay => {
                let warmup = self.warmup_steps.unwrap_or(0);
                let mut c = CosineDecay::new(base_lr, steps.saturating_sub(warmup).max(1))?;
                if warmup > 0 {
                    c = c.with_warmup(warmup, self.start_lr.unwrap_or(0.0))?;
                }
                if let Some(a) = self.alpha {
                    c = c.with_alpha(a)?;
                }
                Box::new(c)
            }
            ScheduleKind::OneCycle => {
                let mut c = OneCycleConfig::new(total, self.max_lr.unwrap_or(base_lr));
                if let Some(v) = self.start_lr {
                    c.start_lr = v;
                    c.final_lr = v / 1000.0;
                }
                if let Some(v) = self.final_lr {
                    c.final_lr = v;
                }
                if let Some(v) = self.annealing_fraction {
                    c.annealing_fraction = v;
                }
                if let Some(v) = self.max_momentum {
                    c.max_momentum = v;
                }
                if let Some(v) = self.min_momentum {
                    c.min_momentum = v;
                }
                Box::new(OneCycle::new(c)?)
            }
        })
    }
}
