//! [`ScheduleSpec`]: a learning-rate schedule as data.
//!
//! The schedule spec is a flat struct with a `type` and optional fields
//! rather than an enum of the schedules' structs: a schedule's lengths and
//! rates left out are taken from the run (its length, the optimizer's
//! learning rate) when it is built, which the schedules' own constructors
//! cannot know. A config reads `[schedule] type = "cosine_decay"
//! warmup_steps = 100`, and a field that the chosen type does not have is a
//! clear validation error ("constant has no option decay_rate").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::optim::{
    Constant, CosineDecay, ExponentialDecay, OneCycle, OneCycleConfig, PiecewiseConstant, PowerDecay, Schedule,
};
use crate::Result;

/// The learning-rate schedules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// η stays the optimizer's learning rate.
    #[default]
    Constant,
    /// η₀ · r^(t/s): tenfold lower every s steps for r = 0.1.
    ExponentialDecay,
    /// η₀ / (1 + t/s)^c: a fast drop that then slows down.
    PowerDecay,
    /// `values[0]` up to step `boundaries[0]`, then `values[1]`, … (Keras's convention).
    PiecewiseConstant,
    /// A linear warm-up, then a half cosine down to α·η₀.
    CosineDecay,
    /// 1cycle (Smith 2018): η up then down, momentum the other way, then a short anneal.
    #[serde(alias = "1cycle", alias = "onecycle")]
    OneCycle,
}

impl ScheduleKind {
    /// Every schedule, in order.
    pub const ALL: [ScheduleKind; 6] = [
        ScheduleKind::Constant,
        ScheduleKind::ExponentialDecay,
        ScheduleKind::PowerDecay,
        ScheduleKind::PiecewiseConstant,
        ScheduleKind::CosineDecay,
        ScheduleKind::OneCycle,
    ];

    /// The `type` of this schedule (`"cosine_decay"`).
    pub fn name(&self) -> &'static str {
        match self {
            ScheduleKind::Constant => "constant",
            ScheduleKind::ExponentialDecay => "exponential_decay",
            ScheduleKind::PowerDecay => "power_decay",
            ScheduleKind::PiecewiseConstant => "piecewise_constant",
            ScheduleKind::CosineDecay => "cosine_decay",
            ScheduleKind::OneCycle => "one_cycle",
        }
    }

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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSpec {
    /// Which schedule.
    #[serde(rename = "type")]
    pub kind: ScheduleKind,
    /// `"step"` (default) or `"epoch"`: what the schedule's index counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Steps (or epochs) per decay: s. Default: the whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_steps: Option<usize>,
    /// Exponential decay's r in (0, 1]. Default: 0.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_rate: Option<f32>,
    /// Exponential decay in whole stairs, η₀·r^⌊t/s⌋. Default: false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staircase: Option<bool>,
    /// Power decay's exponent c. Default: 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<f32>,
    /// Piecewise constant: the last step of each value but the last, increasing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<Vec<usize>>,
    /// Piecewise constant: one more rate than boundaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f32>>,
    /// Cosine decay: steps of linear warm-up from start_lr. Default: 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_steps: Option<usize>,
    /// Cosine decay: the floor, as a fraction of η₀. Default: 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f32>,
    /// 1cycle: the peak η₁. Default: the optimizer's learning rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_lr: Option<f32>,
    /// Cosine warm-up's first rate (default 0), or 1cycle's η₀ (default max_lr/10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_lr: Option<f32>,
    /// 1cycle: the rate the anneal ends at. Default: start_lr/1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_lr: Option<f32>,
    /// 1cycle: the share of the run spent annealing. Default: 0.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annealing_fraction: Option<f32>,
    /// 1cycle: the momentum (or β₁) at the start and end. Default: 0.95.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_momentum: Option<f32>,
    /// 1cycle: the momentum (or β₁) at the peak of η. Default: 0.85.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_momentum: Option<f32>,
}

/// Fails with `(field, message)` for the first option that is set but
/// not in `allowed`.
fn only(
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
        only(self.kind.name(), self.kind.options(), &set)?;
        if self.kind == ScheduleKind::PiecewiseConstant && (self.boundaries.is_none() || self.values.is_none()) {
            return Err(("values", "piecewise_constant needs boundaries and values".into()));
        }
        if self.decay_steps == Some(0) {
            return Err(("decay_steps", "expected a positive integer, found 0".into()));
        }
        // Every number with the range its schedule's constructor accepts,
        // so that a bad one is refused with its key path before the run.
        let within = |name: &'static str, v: Option<f32>, ok: fn(f32) -> bool, range: &str| match v {
            Some(v) if !ok(v) => Err((name, format!("expected a number in {range}, found {v}"))),
            _ => Ok(()),
        };
        let rate = |name: &'static str, v: Option<f32>| match v {
            Some(v) if !(v.is_finite() && v >= 0.0) => {
                Err((name, format!("expected a finite non-negative learning rate, found {v}")))
            }
            _ => Ok(()),
        };
        within("decay_rate", self.decay_rate, |v| v > 0.0 && v <= 1.0, "(0, 1]")?;
        if let Some(v) = self.power.filter(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(("power", format!("expected a finite non-negative number, found {v}")));
        }
        within("alpha", self.alpha, |v| (0.0..=1.0).contains(&v), "[0, 1]")?;
        if let Some(v) = self.max_lr.filter(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(("max_lr", format!("expected a finite positive learning rate, found {v}")));
        }
        rate("start_lr", self.start_lr)?;
        rate("final_lr", self.final_lr)?;
        within("annealing_fraction", self.annealing_fraction, |v| (0.0..1.0).contains(&v), "[0, 1)")?;
        within("max_momentum", self.max_momentum, |v| (0.0..1.0).contains(&v), "[0, 1)")?;
        within("min_momentum", self.min_momentum, |v| (0.0..1.0).contains(&v), "[0, 1)")?;
        if let Some(b) = &self.boundaries {
            if let Some(w) = b.windows(2).find(|w| w[0] >= w[1]) {
                return Err((
                    "boundaries",
                    format!("expected strictly increasing steps, found {} then {}", w[0], w[1]),
                ));
            }
            if let Some(values) = self.values.as_ref().filter(|v| v.len() != b.len() + 1) {
                return Err((
                    "values",
                    format!("{} boundaries need {} values, found {}", b.len(), b.len() + 1, values.len()),
                ));
            }
        }
        if let Some((i, v)) = self.values.iter().flatten().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
            return Err(("values", format!("expected finite non-negative learning rates, found {v} at index {i}")));
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

impl ScheduleSpec {
    /// Every schedule's `type`, in order.
    pub const NAMES: [&'static str; 6] =
        ["constant", "exponential_decay", "power_decay", "piecewise_constant", "cosine_decay", "one_cycle"];

    /// Every schedule with its options, as JSON, for references and UIs:
    /// `{"schedules": [{"type": "one_cycle", "aliases": ["1cycle", "onecycle"],
    /// "description": "…", "options": [{"name": "max_lr", "type": "number",
    /// "description": "…"}, …]}, …], "common": [{"name": "per", …}]}`. The
    /// options' defaults depend on the run; their descriptions say them.
    pub fn schema() -> Value {
        let spec = schemars::schema_for!(ScheduleSpec).to_value();
        let kinds = schemars::schema_for!(ScheduleKind).to_value();
        let option = |name: &str| {
            let p = &spec["properties"][name];
            let ty = match &p["type"] {
                Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
                t => t.clone(),
            };
            json!({"name": name, "type": ty, "description": p["description"]})
        };
        let describe = |name: &str| {
            let list = kinds["oneOf"].as_array().cloned().unwrap_or_default();
            list.iter().find(|v| v["const"] == name).map_or(Value::Null, |v| v["description"].clone())
        };
        let schedules: Vec<Value> = ScheduleKind::ALL
            .iter()
            .map(|k| {
                let aliases: &[&str] = if *k == ScheduleKind::OneCycle { &["1cycle", "onecycle"] } else { &[] };
                json!({
                    "type": k.name(),
                    "aliases": aliases,
                    "description": describe(k.name()),
                    "options": k.options().iter().map(|o| option(o)).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"schedules": schedules, "common": [option("per")]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_is_checked_with_its_field() {
        let ok = |s: ScheduleSpec| s.validate().unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
        let bad = |s: ScheduleSpec, field: &str, says: &str| {
            let (f, m) = s.validate().expect_err(&format!("{s:?} passed"));
            assert_eq!(f, field, "{m}");
            assert!(m.contains(says), "{field}: {m}");
        };
        let of = |kind| ScheduleSpec { kind, ..Default::default() };
        let one = || of(ScheduleKind::OneCycle);
        let cos = || of(ScheduleKind::CosineDecay);
        let exp = || of(ScheduleKind::ExponentialDecay);
        ok(ScheduleSpec { max_lr: Some(0.1), start_lr: Some(0.0), final_lr: Some(1e-6), ..one() });
        ok(ScheduleSpec { annealing_fraction: Some(0.0), max_momentum: Some(0.95), min_momentum: Some(0.0), ..one() });
        for v in [-1.0, 0.0, f32::NAN, f32::INFINITY] {
            bad(ScheduleSpec { max_lr: Some(v), ..one() }, "max_lr", &format!("found {v}"));
        }
        bad(ScheduleSpec { start_lr: Some(-0.1), ..one() }, "start_lr", "non-negative");
        bad(ScheduleSpec { final_lr: Some(f32::NAN), ..one() }, "final_lr", "NaN");
        bad(ScheduleSpec { annealing_fraction: Some(1.0), ..one() }, "annealing_fraction", "[0, 1)");
        bad(ScheduleSpec { max_momentum: Some(1.5), ..one() }, "max_momentum", "[0, 1)");
        bad(ScheduleSpec { min_momentum: Some(-0.1), ..one() }, "min_momentum", "[0, 1)");
        ok(ScheduleSpec { decay_rate: Some(1.0), decay_steps: Some(3), ..exp() });
        for v in [0.0, 1.5, -0.5, f32::NAN] {
            bad(ScheduleSpec { decay_rate: Some(v), ..exp() }, "decay_rate", "(0, 1]");
        }
        let power = ScheduleSpec { power: Some(-1.0), ..of(ScheduleKind::PowerDecay) };
        bad(power, "power", "non-negative");
        ok(ScheduleSpec {
            alpha: Some(1.0),
            warmup_steps: Some(9),
            decay_steps: Some(10),
            start_lr: Some(0.0),
            ..cos()
        });
        bad(ScheduleSpec { alpha: Some(1.01), ..cos() }, "alpha", "[0, 1]");
        bad(ScheduleSpec { start_lr: Some(f32::NEG_INFINITY), ..cos() }, "start_lr", "-inf");
        let pw = |b: Vec<usize>, v: Vec<f32>| ScheduleSpec {
            boundaries: Some(b),
            values: Some(v),
            ..of(ScheduleKind::PiecewiseConstant)
        };
        ok(pw(vec![2, 5], vec![0.1, 0.01, 0.0]));
        bad(pw(vec![5, 5], vec![0.1, 0.01, 0.001]), "boundaries", "5 then 5");
        bad(pw(vec![2], vec![0.1]), "values", "1 boundaries need 2 values, found 1");
        bad(pw(vec![2], vec![0.1, -1.0]), "values", "found -1 at index 1");
        bad(pw(vec![2], vec![f32::NAN, 0.1]), "values", "NaN at index 0");
    }

    #[test]
    fn names_agree_with_serde_and_the_schema_lists_every_option() {
        for (k, name) in ScheduleKind::ALL.iter().zip(ScheduleSpec::NAMES) {
            assert_eq!(k.name(), name);
            assert_eq!(serde_json::to_value(k).unwrap(), name);
        }
        let s = ScheduleSpec::schema();
        let list = s["schedules"].as_array().unwrap();
        assert_eq!(list.len(), 6);
        for (entry, k) in list.iter().zip(ScheduleKind::ALL) {
            assert!(entry["description"].as_str().is_some_and(|d| !d.is_empty()), "{entry}");
            let options = entry["options"].as_array().unwrap();
            assert_eq!(options.len(), k.options().len());
            for o in options {
                assert!(o["description"].as_str().is_some_and(|d| !d.is_empty()), "{o}");
                assert!(!o["type"].is_null(), "{o}");
            }
        }
        assert_eq!(list[5]["options"][0]["name"], "max_lr");
        assert_eq!(list[5]["options"][0]["type"], "number");
        assert_eq!(list[3]["options"][0]["type"], "array");
        assert_eq!(s["common"][0]["name"], "per");
    }
}
