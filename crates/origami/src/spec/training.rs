//! [`TrainingSpec`]: loss, metrics, optimizer, schedule and clipping as data.
//!
//! The optimizer is an [`OptimizerSpec`] (`spec/optimizer.rs`, wrapping the
//! optimizers' own configs). The schedule spec is a flat struct with a
//! `type` and optional fields: a config reads `[schedule] type =
//! "cosine_decay"  warmup_steps = 100`, and a field that the chosen type does
//! not have is a clear validation error ("constant has no option
//! decay_rate"). In both, a tuner can address `optimizer.learning_rate`
//! whatever the type.

use serde::{Deserialize, Serialize};

use super::names::named;
use super::optimizer::OptimizerSpec;
use crate::nn::Loss;
use crate::optim::{
    Constant, CosineDecay, ExponentialDecay, OneCycle, OneCycleConfig, PiecewiseConstant, PowerDecay, Schedule,
};
use crate::Result;

/// How the network is trained; stored in `architecture.json` so that a
/// loaded model can be evaluated, and resumed, as it was trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSpec {
    /// `"sparse_categorical_crossentropy_from_logits"`, `"mse"`, `"huber(1)"`…
    #[serde(with = "named")]
    pub loss: Loss,
    /// Metric names: `accuracy` (resolved against the loss), `mae`, `mse`,
    /// `rmse`, `r2`, `top_k(5)`, `binary_accuracy`…
    pub metrics: Vec<MetricSpec>,
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// The learning-rate schedule, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleSpec>,
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            loss: Loss::MeanSquaredError,
            metrics: Vec::new(),
            optimizer: OptimizerSpec::default(),
            schedule: None,
        }
    }
}

/// A metric by name (see [`TrainingSpec::metrics`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetricSpec(pub String);

impl From<&str> for MetricSpec {
    fn from(s: &str) -> Self {
        MetricSpec(s.to_string())
    }
}

/// The learning-rate schedules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    #[default]
    Constant,
    ExponentialDecay,
    PowerDecay,
    PiecewiseConstant,
    CosineDecay,
    #[serde(alias = "1cycle", alias = "onecycle")]
    OneCycle,
}

impl ScheduleKind {
    /// The options this schedule takes besides `per`.
    pub fn options(&self) -> &'static [&'static str] {
        match self {
            ScheduleKind::Constant => &[],
            ScheduleKind::ExponentialDecay => &["decay_steps", "decay_rate", "staircase"],
            ScheduleKind::PowerDecay => &["decay_steps", "power"],
            ScheduleKind::PiecewiseConstant => &["boundaries", "values"],
            ScheduleKind::CosineDecay => &["decay_steps", "warmup_steps", "start_lr", "alpha"],
            ScheduleKind::OneCycle => {
                &["max_lr", "start_lr", "final_lr", "annealing_fraction", "max_momentum", "min_momentum"]
            }
        }
    }
}

/// A learning-rate schedule. Steps count optimizer updates (or epochs with
/// `per = "epoch"`); lengths left out default to the whole run, and rates
/// left out to the optimizer's learning rate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSpec {
    /// Which schedule.
    #[serde(rename = "type")]
    pub kind: ScheduleKind,
    /// `"step"` (default) or `"epoch"`: what the schedule's index counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_steps: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_rate: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staircase: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_steps: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_lr: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_lr: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_lr: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annealing_fraction: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_momentum: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_momentum: Option<f32>,
}

/// Reduce-on-plateau settings (for callers that keep them beside a spec).
pub type PlateauSpec = crate::optim::PlateauConfig;

/// Fails with `(field, message)` for the first option that is set but
/// not in `allowed`.
pub(crate) fn only(
    owner: &str,
    allowed: &[&str],
    set: &[(&'static str, bool)],
) -> std::result::Result<(), (&'static str, String)> {
    for &(name, is_set) in set {
        if is_set && !allowed.contains(&name) {
            return Err((name, format!("{owner} has no option {name} (it takes: {})", allowed.join(", "))));
        }
    }
    Ok(())
}

impl ScheduleSpec {
    /// Whether the schedule's index counts epochs rather than steps.
    pub fn per_epoch(&self) -> bool {
        self.per.as_deref() == Some("epoch")
    }

    /// Checks the options; `Err((field, message))`.
    pub fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        if let Some(p) = &self.per {
            if p != "step" && p != "epoch" {
                return Err(("per", format!("expected \"step\" or \"epoch\", found {p:?}")));
            }
        }
        let set = [
            ("decay_steps", self.decay_steps.is_some()),
            ("decay_rate", self.decay_rate.is_some()),
            ("staircase", self.staircase.is_some()),
            ("power", self.power.is_some()),
            ("boundaries", self.boundaries.is_some()),
            ("values", self.values.is_some()),
            ("warmup_steps", self.warmup_steps.is_some()),
            ("alpha", self.alpha.is_some()),
            ("max_lr", self.max_lr.is_some()),
            ("start_lr", self.start_lr.is_some()),
            ("final_lr", self.final_lr.is_some()),
            ("annealing_fraction", self.annealing_fraction.is_some()),
            ("max_momentum", self.max_momentum.is_some()),
            ("min_momentum", self.min_momentum.is_some()),
        ];
        let name = serde_json::to_value(self.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        only(&name, self.kind.options(), &set)?;
        if self.kind == ScheduleKind::PiecewiseConstant && (self.boundaries.is_none() || self.values.is_none()) {
            return Err(("values", "piecewise_constant needs boundaries and values".into()));
        }
        if self.decay_steps == Some(0) {
            return Err(("decay_steps", "expected a positive integer, found 0".into()));
        }
        Ok(())
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
