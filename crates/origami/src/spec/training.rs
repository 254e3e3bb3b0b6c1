//! [`TrainingSpec`]: loss, metrics, optimizer, schedule and clipping as data.
//!
//! The optimizer and schedule specs are flat structs with a `type` and
//! optional fields rather than enums of structs: a config then reads
//! `[optimizer] type = "adam"  learning_rate = 3e-3`, a tuner can address
//! `optimizer.learning_rate` whatever the type, and a field that the chosen
//! type does not have is a clear validation error ("adam has no option rho")
//! instead of a confusing "no variant matched".

use serde::{Deserialize, Serialize};

use super::names::named;
use crate::nn::Loss;

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

/// The optimizers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Sgd,
    #[default]
    Adam,
    #[serde(alias = "adam_w")]
    AdamW,
    #[serde(alias = "rms_prop")]
    RmsProp,
    #[serde(alias = "ada_grad")]
    AdaGrad,
    #[serde(alias = "ada_max")]
    AdaMax,
    Nadam,
}

impl OptimizerKind {
    /// The lowercase name.
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::AdaGrad => "adagrad",
            OptimizerKind::AdaMax => "adamax",
            OptimizerKind::Nadam => "nadam",
        }
    }

    /// The options this optimizer takes besides `learning_rate` and clipping.
    pub fn options(&self) -> &'static [&'static str] {
        match self {
            OptimizerKind::Sgd => &["momentum", "nesterov"],
            OptimizerKind::Adam => &["beta_1", "beta_2", "epsilon", "amsgrad"],
            OptimizerKind::AdamW => &["beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay"],
            OptimizerKind::RmsProp => &["rho", "momentum", "epsilon", "centered"],
            OptimizerKind::AdaGrad => &["initial_accumulator_value", "epsilon"],
            OptimizerKind::AdaMax | OptimizerKind::Nadam => &["beta_1", "beta_2", "epsilon"],
        }
    }
}

/// An optimizer and its hyperparameters; `None` means the optimizer's
/// (Keras's) default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerSpec {
    /// Which optimizer (`"adam"` by default).
    #[serde(rename = "type")]
    pub kind: OptimizerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nesterov: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta_1: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta_2: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amsgrad: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_accumulator_value: Option<f32>,
    /// Gradient clipping, Keras's names (at most one of the three).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clipnorm: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clipvalue: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_clipnorm: Option<f32>,
}

/// Gradient clipping chosen in an [`OptimizerSpec`].
pub type ClipSpec = crate::optim::Clip;

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

impl OptimizerSpec {
    /// An optimizer of `kind` with its defaults and learning rate `lr`.
    pub fn new(kind: OptimizerKind, learning_rate: f32) -> Self {
        OptimizerSpec { kind, learning_rate: Some(learning_rate), ..Default::default() }
    }

    /// Checks that every option set belongs to this optimizer and that
    /// numbers are in range; `Err((field, message))`.
    pub fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        let set = [
            ("momentum", self.momentum.is_some()),
            ("nesterov", self.nesterov.is_some()),
            ("beta_1", self.beta_1.is_some()),
            ("beta_2", self.beta_2.is_some()),
            ("epsilon", self.epsilon.is_some()),
            ("amsgrad", self.amsgrad.is_some()),
            ("weight_decay", self.weight_decay.is_some()),
            ("rho", self.rho.is_some()),
            ("centered", self.centered.is_some()),
            ("initial_accumulator_value", self.initial_accumulator_value.is_some()),
        ];
        only(self.kind.name(), self.kind.options(), &set)?;
        if let Some(lr) = self.learning_rate {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(("learning_rate", format!("expected a positive number, found {lr}")));
            }
        }
        for (name, v) in [("beta_1", self.beta_1), ("beta_2", self.beta_2), ("rho", self.rho)] {
            if let Some(v) = v {
                if !(0.0..1.0).contains(&v) {
                    return Err((name, format!("expected a number in [0, 1), found {v}")));
                }
            }
        }
        if let Some(m) = self.momentum {
            if !(0.0..1.0).contains(&m) {
                return Err(("momentum", format!("expected a number in [0, 1), found {m}")));
            }
        }
        let clips =
            [("clipnorm", self.clipnorm), ("clipvalue", self.clipvalue), ("global_clipnorm", self.global_clipnorm)];
        if clips.iter().filter(|(_, v)| v.is_some()).count() > 1 {
            return Err(("clipnorm", "set at most one of clipnorm, clipvalue and global_clipnorm".into()));
        }
        for (name, v) in clips {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    return Err((name, format!("expected a positive number, found {v}")));
                }
            }
        }
        Ok(())
    }

    /// The clipping rule, if one is set.
    pub fn clip(&self) -> Option<ClipSpec> {
        use crate::optim::Clip;
        self.clipnorm.map(Clip::Norm).or(self.clipvalue.map(Clip::Value)).or(self.global_clipnorm.map(Clip::GlobalNorm))
    }
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
