//! What an optimizer remembers between steps, in a form that leaves the crate.
//!
//! [`OptimizerState`] is deliberately plain — strings, integers and `f32`
//! vectors — so that a checkpoint writer (safetensors, JSON) needs to know
//! nothing about the optimizers. Restoring it must make the next step
//! bitwise identical to the one an uninterrupted run would have taken, so
//! every number that feeds an update (step count, hyperparameters, moments)
//! is in it, and nothing is recomputed or rounded on the way.
//!
//! [`Buffers`] is the in-memory side: one named buffer per parameter,
//! created lazily at the parameter's size the first time it has a gradient.

use crate::{Error, Result, Tensor};

/// An optimizer's complete state: enough to continue a run exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// [`Optimizer::name`](super::Optimizer::name) of the optimizer that wrote it.
    pub optimizer: String,
    /// Number of steps taken (Adam's `t` in its bias correction).
    pub step: u64,
    /// Hyperparameters by name (flags as 0.0 / 1.0), e.g. `("learning_rate", 1e-3)`.
    pub hyperparameters: Vec<(String, f32)>,
    /// Per-parameter buffers named `"<kind>.<index>"`, e.g. `"m.3"` for the
    /// first moment of the fourth parameter; a parameter that has never had
    /// a gradient has none.
    pub buffers: Vec<(String, Vec<f32>)>,
}

impl OptimizerState {
    /// The hyperparameter called `name`, if present.
    pub fn hyperparameter(&self, name: &str) -> Option<f32> {
        self.hyperparameters.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// The buffer called `name` (e.g. `"v.0"`), if present.
    pub fn buffer(&self, name: &str) -> Option<&[f32]> {
        self.buffers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// A state for `optimizer` with the given hyperparameters and no buffers yet.
    pub(crate) fn new(optimizer: &'static str, step: u64, hyperparameters: &[(&str, f32)]) -> Self {
        OptimizerState {
            optimizer: optimizer.to_string(),
            step,
            hyperparameters: hyperparameters.iter().map(|&(n, v)| (n.to_string(), v)).collect(),
            buffers: Vec::new(),
        }
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

    /// The hyperparameter `name`, or an error saying it is missing.
    pub(crate) fn require(&self, name: &str) -> Result<f32> {
        self.hyperparameter(name).ok_or_else(|| {
            Error::arg("load_state", format!("the {} state has no hyperparameter {name:?}", self.optimizer))
        })
    }

    /// A flag stored as 0.0 / 1.0.
    pub(crate) fn require_flag(&self, name: &str) -> Result<bool> {
        Ok(self.require(name)? != 0.0)
    }

    /// Fails if a buffer's kind (the part before the dot) is not in `kinds`,
    /// or its name is malformed, so that a typo does not silently drop state.
    pub(crate) fn expect_buffer_kinds(&self, kinds: &[&str]) -> Result<()> {
        for (name, _) in &self.buffers {
            let known = parse_name(name).is_some_and(|(k, _)| kinds.contains(&k));
            if !known {
                return Err(Error::arg(
                    "load_state",
                    format!(
                        "the {} state has an unexpected buffer {name:?} (expected kinds {kinds:?})",
                        self.optimizer
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `"m.3"` → `("m", 3)`.
fn parse_name(name: &str) -> Option<(&str, usize)> {
    let (kind, index) = name.rsplit_once('.')?;
    Some((kind, index.parse().ok()?))
}

/// One kind of per-parameter buffer (all first moments, say), by parameter index.
#[derive(Clone, Debug)]
pub(crate) struct Buffers {
    kind: &'static str,
    init: f32,
    slots: Vec<Option<Slot>>,
}

/// One parameter's buffer.
#[derive(Clone, Debug)]
struct Slot {
    /// The parameter's shape; unknown after a restore until the parameter is
    /// next seen, and meanwhile only the length is checked.
    shape: Option<Vec<usize>>,
    values: Vec<f32>,
}

impl Buffers {
    /// Buffers called `kind`, each starting with every element `init`.
    pub(crate) fn new(kind: &'static str, init: f32) -> Self {
        Buffers { kind, init, slots: Vec::new() }
    }

    /// Changes the starting value of buffers created from now on.
    pub(crate) fn set_init(&mut self, init: f32) {
        self.init = init;
    }

    /// Fails if parameter `index` already has a buffer of another shape.
    pub(crate) fn check(&self, op: &'static str, index: usize, param: &Tensor) -> Result<()> {
        let Some(Some(Slot { shape, values })) = self.slots.get(index) else {
            return Ok(());
        };
        let fits = match shape {
            Some(s) => s.as_slice() == param.shape(),
            None => values.len() == param.numel(),
        };
        if fits {
            return Ok(());
        }
        let was = match shape {
            Some(s) => format!("shape {s:?}"),
            None => format!("{} elements", values.len()),
        };
        Err(Error::arg(
            op,
            format!(
                "parameter {index} has shape {:?} but its {:?} state was made for {was}; \
                 the parameters must be passed in the same order at every step",
                param.shape(),
                self.kind
            ),
        ))
    }

    /// Parameter `index`'s buffer, created on first use. Call [`check`](Self::check)
    /// first: a buffer of the wrong size is an error here too, never a panic.
    pub(crate) fn get(&mut self, op: &'static str, index: usize, param: &Tensor) -> Result<&mut [f32]> {
        self.check(op, index, param)?;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        let init = self.init;
        let slot = self.slots[index].get_or_insert_with(|| Slot { shape: None, values: vec![init; param.numel()] });
        if slot.shape.is_none() {
            slot.shape = Some(param.shape().to_vec());
        }
        Ok(&mut slot.values)
    }

    /// Appends `"<kind>.<index>"` for every buffer that exists.
    pub(crate) fn save(&self, out: &mut Vec<(String, Vec<f32>)>) {
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(slot) = slot {
                out.push((format!("{}.{i}", self.kind), slot.values.clone()));
            }
        }
    }

    /// Replaces every buffer with those of this kind in `state` (none if it has none).
    pub(crate) fn load(&mut self, state: &OptimizerState) {
        self.slots.clear();
        for (name, values) in &state.buffers {
            let Some((kind, index)) = parse_name(name) else { continue };
            if kind != self.kind {
                continue;
            }
            if self.slots.len() <= index {
                self.slots.resize(index + 1, None);
            }
            self.slots[index] = Some(Slot { shape: None, values: values.clone() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_lazy_checked_and_round_trip() {
        let a = Tensor::zeros(&[2, 3]);
        let mut b = Buffers::new("m", 0.5);
        b.get("t", 2, &a).unwrap()[0] = 7.0;
        let mut out = Vec::new();
        b.save(&mut out);
        assert_eq!(out, vec![("m.2".to_string(), vec![7.0, 0.5, 0.5, 0.5, 0.5, 0.5])]);

        let e = b.check("t", 2, &Tensor::zeros(&[3, 2])).unwrap_err().to_string();
        assert!(e.contains("parameter 2") && e.contains("[3, 2]") && e.contains("[2, 3]"), "{e}");

        let state = OptimizerState { buffers: out, ..Default::default() };
        let mut c = Buffers::new("m", 0.0);
        c.load(&state);
        // After a restore only the length is known: same size passes, another fails.
        assert!(c.check("t", 2, &Tensor::zeros(&[6])).is_ok());
        assert!(c.check("t", 2, &Tensor::zeros(&[5])).is_err());
        assert_eq!(c.get("t", 2, &a).unwrap()[0], 7.0);
    }

    #[test]
    fn state_lookups_and_errors() {
        let mut s = OptimizerState::new("adam", 3, &[("learning_rate", 0.1)]);
        s.buffers.push(("m.0".into(), vec![1.0]));
        assert_eq!(s.hyperparameter("learning_rate"), Some(0.1));
        assert_eq!(s.buffer("m.0"), Some([1.0].as_slice()));
        assert!(s.require("beta_1").is_err());
        assert!(s.expect_optimizer("sgd").is_err());
        assert!(s.expect_buffer_kinds(&["m", "v"]).is_ok());
        s.buffers.push(("velocity.x".into(), vec![]));
        assert!(s.expect_buffer_kinds(&["m", "v"]).is_err());
    }
}
