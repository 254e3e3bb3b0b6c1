//! What an optimizer remembers between steps, in a form that leaves the crate.
//!
//! [`OptimizerState`] is deliberately plain — strings, integers and `f32`
//! vectors — so that a checkpoint writer (safetensors, JSON) needs to know
//! nothing about the optimizers. Restoring it must make the next step
//! bitwise identical to the one an uninterrupted run would have taken, so
//! every number that feeds an update (step count, hyperparameters, moments)
//! is in it, and nothing is recomputed or rounded on the way.
//!
//! The hyperparameters are the config's serde fields, so a new optimizer
//! needs no code here.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

/// An optimizer's complete state: enough to continue a run exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// [`Optimizer::name`](super::Optimizer::name) of the optimizer that wrote it.
    pub optimizer: String,
    /// Number of steps taken (Adam's `t` in its bias correction).
    pub step: u64,
    /// Hyperparameters by name (flags as 0.0 / 1.0), e.g. `("learning_rate", 1e-3)`.
    pub hyperparameters: Vec<(String, f32)>,
    /// Per-parameter buffers named `"<kind>.<parameter name>"`, e.g.
    /// `"m.layers.0.kernel"` for the first moment of `layers.0.kernel`; a
    /// parameter that has never had a gradient has none.
    pub buffers: Vec<(String, Vec<f32>)>,
}

impl OptimizerState {
    /// The hyperparameter called `name`, if present.
    pub fn hyperparameter(&self, name: &str) -> Option<f32> {
        self.hyperparameters.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// The buffer called `name` (e.g. `"v.layers.0.bias"`), if present.
    pub fn buffer(&self, name: &str) -> Option<&[f32]> {
        self.buffers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// Fails unless this state was written by the optimizer `op`.
    pub(crate) fn expect_optimizer(&self, op: &'static str) -> Result<()> {
        if self.optimizer != op {
            return Err(Error::arg(
                "load_state",
                format!("the state was saved by optimizer {:?}, it cannot be loaded into {op:?}", self.optimizer),
            ));
        }
        Ok(())
    }
}

/// A config's hyperparameters as `(name, value)`, flags as 0.0 / 1.0,
/// straight from its serde fields (f32 → f64 → f32 is exact). A non-finite
/// value has no JSON number and is left out, so that loading it fails.
pub(crate) fn to_hyperparameters<C: Serialize>(config: &C) -> Vec<(String, f32)> {
    let Ok(Value::Object(fields)) = serde_json::to_value(config) else { return Vec::new() };
    fields
        .into_iter()
        .filter_map(|(name, v)| match v {
            Value::Bool(b) => Some((name, b as u8 as f32)),
            Value::Number(n) => n.as_f64().map(|x| (name, x as f32)),
            _ => None,
        })
        .collect()
}

/// The config written by [`to_hyperparameters`]: every field must be
/// present, and nothing else.
pub(crate) fn from_hyperparameters<C: Serialize + DeserializeOwned + Default>(s: &OptimizerState) -> Result<C> {
    const OP: &str = "load_state";
    let Ok(Value::Object(defaults)) = serde_json::to_value(C::default()) else {
        return Err(Error::arg(OP, "the optimizer's config is not a table of numbers and flags"));
    };
    if let Some((name, _)) = s.hyperparameters.iter().find(|(n, _)| !defaults.contains_key(n)) {
        return Err(Error::arg(OP, format!("the {} state has an unknown hyperparameter {name:?}", s.optimizer)));
    }
    let mut fields = serde_json::Map::new();
    for (name, default) in defaults {
        let v = s
            .hyperparameter(&name)
            .ok_or_else(|| Error::arg(OP, format!("the {} state has no hyperparameter {name:?}", s.optimizer)))?;
        if !v.is_finite() {
            // (JSON's `1e39` is inf as an f32, which JSON cannot write back)
            return Err(Error::arg(
                OP,
                format!("the {} state's hyperparameter {name} is not a finite number (found {v})", s.optimizer),
            ));
        }
        let v = if default.is_boolean() { Value::Bool(v != 0.0) } else { Value::from(v as f64) };
        fields.insert(name, v);
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| Error::arg(OP, format!("the {} state's hyperparameters are invalid: {e}", s.optimizer)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::AdamConfig;

    #[test]
    fn hyperparameters_round_trip_and_errors_name_the_field() {
        let c = AdamConfig { learning_rate: 0.1, amsgrad: true, ..Default::default() };
        let mut s =
            OptimizerState { optimizer: "adam".into(), hyperparameters: to_hyperparameters(&c), ..Default::default() };
        assert_eq!(s.hyperparameter("amsgrad"), Some(1.0));
        assert_eq!(s.hyperparameter("epsilon"), Some(1e-7));
        assert_eq!(from_hyperparameters::<AdamConfig>(&s).unwrap(), c);
        assert!(s.expect_optimizer("sgd").is_err());
        s.hyperparameters.push(("rho".into(), 0.9));
        let e = from_hyperparameters::<AdamConfig>(&s).unwrap_err().to_string();
        assert!(e.contains("unknown hyperparameter \"rho\""), "{e}");
        s.hyperparameters.retain(|(n, _)| n != "rho" && n != "beta_1");
        let e = from_hyperparameters::<AdamConfig>(&s).unwrap_err().to_string();
        assert!(e.contains("no hyperparameter \"beta_1\""), "{e}");
        s.hyperparameters.push(("beta_1".into(), f32::INFINITY));
        let e = from_hyperparameters::<AdamConfig>(&s).unwrap_err().to_string();
        assert!(e.contains("hyperparameter beta_1 is not a finite number (found inf)"), "{e}");
    }
}
