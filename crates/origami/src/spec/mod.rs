//! Serializable descriptions of models and training: the "spec".
//!
//! A trained network must outlive the process that trained it, and a person
//! must be able to write one down in a config file. Layers are Rust objects
//! holding tensors, so they cannot be serialized themselves; a [`ModelSpec`]
//! is the plain data they are built from (layer kinds and every option),
//! and a [`TrainingSpec`] the loss, metrics, optimizer and schedule. Both are
//! plain serde types: the model directory stores them as JSON
//! (`architecture.json`, see [`crate::saving::save_model`]) and the `origami`
//! command reads them from TOML. Building ([`ModelSpec::build`]) turns a
//! spec into layers again, with parameters from a seeded [`Rng`](crate::Rng).
//!
//! A layer's options are its own config type from [`crate::nn`]
//! (`LayerSpec::Dense(DenseConfig)`), serde-derived with Keras's names and
//! defaults; [`LayerSpec`] is the registry of layers and lists them with
//! their options ([`LayerSpec::schema`]).
//!
//! Options that are enums with parameters (activations, initializers,
//! regularizers, constraints, losses) are written as short strings in call
//! syntax — `"relu"`, `"leaky_relu(0.1)"`, `"l2(1e-4)"`, `"max_norm(3)"`,
//! `"random_normal(0, 0.05)"` — so that a config reads like Keras code; they
//! print back to what parses to the same value, and [`names`] lists every
//! name with its arguments, defaults and doc.
//!
//! Checks that serde cannot make (a positive number of units, a rate in
//! [0, 1)) are in `validate` methods, whose errors start with the key path
//! of the bad value (`layers[2].units: …`) so that a caller can prefix its
//! own path (`model.`).

mod build;
mod layer;
pub mod names;
mod optimizer;
mod schedule;
mod training;

pub use build::{resolve_metric, BuiltTraining};
pub use layer::{field_names, LayerSpec};
pub use names::{parse_activation, parse_call, parse_constraint, parse_initializer, parse_loss, parse_regularizer};
pub use optimizer::{ClipSpec, OptimizerConfig, OptimizerSpec};
pub use schedule::{ScheduleKind, ScheduleSpec};
pub use training::{MetricSpec, PlateauSpec, TrainingSpec};

use serde::{Deserialize, Serialize};

use crate::nn::Sequential;
use crate::{Result, Rng};

/// A sequential network: the shape of one input sample and its layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The shape of one sample, batch axis excluded (`[28, 28, 1]`, `[4]`).
    pub input_shape: Vec<usize>,
    /// The layers, in order; their parameters are named `layers.{i}.…`.
    pub layers: Vec<LayerSpec>,
}

/// How raw inputs become the network's inputs and outputs become answers:
/// the feature scaling fitted on the training split and the names of the
/// classes. Saved with the model so that `predict` on new raw data is right.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Preprocessing {
    /// Per-feature mean subtracted before the network (empty: none).
    pub mean: Vec<f32>,
    /// Per-feature standard deviation divided by (empty: none).
    pub std: Vec<f32>,
    /// The input columns' names, in order (tabular data).
    pub feature_names: Vec<String>,
    /// The target column's name (tabular data).
    pub target_name: Option<String>,
    /// Class `i`'s name (classification); empty for regression.
    pub class_names: Vec<String>,
    /// A table's columns and how each becomes features (imputation,
    /// one-hot, standardisation: [`crate::data::table`]); `feature_names`
    /// are then the encoded features, and `mean`/`std` are empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<crate::data::table::TableEncoder>,
}

impl Preprocessing {
    /// Checks that this preprocessing fits a network taking samples of
    /// `input_shape` to outputs of `output_shape`: as many means, standard
    /// deviations and feature names as input features, and a name for every
    /// class (`k` outputs are `k` classes; one output is a binary model's two
    /// classes). An error names the field (`preprocessing.class_names: …`),
    /// so an edited file cannot mix names and indices in predictions.
    pub fn check(&self, input_shape: &[usize], output_shape: &[usize]) -> Result<()> {
        let features = crate::limits::checked_numel(input_shape).unwrap_or(usize::MAX);
        for (field, len) in
            [("mean", self.mean.len()), ("std", self.std.len()), ("feature_names", self.feature_names.len())]
        {
            if len != 0 && len != features {
                return Err(spec_err(
                    &format!("preprocessing.{field}"),
                    format!("has {len} entries, but the model takes {features} input features ({input_shape:?})"),
                ));
            }
        }
        if let Some(t) = &self.table {
            if t.width() != features {
                return Err(spec_err(
                    "preprocessing.table",
                    format!("encodes {} features, but the model takes {features} ({input_shape:?})", t.width()),
                ));
            }
        }
        if self.mean.len() != self.std.len() {
            return Err(spec_err(
                "preprocessing.std",
                format!("has {} entries for {} means", self.std.len(), self.mean.len()),
            ));
        }
        let outputs = output_shape.last().copied().unwrap_or(1);
        let classes = if outputs == 1 { 2 } else { outputs };
        let names = self.class_names.len();
        if names != 0 && names != classes {
            return Err(spec_err(
                "preprocessing.class_names",
                format!("has {names} names, but the model's {outputs} output(s) make {classes} classes"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.class_names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(spec_err("preprocessing.class_names", format!("names {} twice", crate::quote(dup))));
        }
        Ok(())
    }
}

/// Everything `architecture.json` holds: the network, how it is trained,
/// and the preprocessing of its inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always `"origami-model"`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// The network.
    pub model: ModelSpec,
    /// Loss, metrics, optimizer, schedule.
    pub training: TrainingSpec,
    /// Seed the parameters were initialised from.
    pub seed: u64,
    /// Input scaling and class names.
    #[serde(default)]
    pub preprocessing: Preprocessing,
}

impl ModelFile {
    /// The format tag written in every file.
    pub const FORMAT: &'static str = "origami-model";

    /// A file for `model` trained by `training` from `seed`.
    pub fn new(model: ModelSpec, training: TrainingSpec, seed: u64) -> ModelFile {
        ModelFile {
            format: Self::FORMAT.into(),
            version: 1,
            model,
            training,
            seed,
            preprocessing: Preprocessing::default(),
        }
    }
}

impl ModelSpec {
    /// Checks every option; the error's message starts with the path of the
    /// bad value (`input_shape`, `layers[2].units`).
    pub fn validate(&self) -> crate::Result<()> {
        if self.input_shape.is_empty() || self.input_shape.contains(&0) {
            return Err(spec_err(
                "input_shape",
                format!("expected a list of positive sizes, found {:?}", self.input_shape),
            ));
        }
        if self.layers.is_empty() {
            return Err(spec_err("layers", "expected at least one layer, found none"));
        }
        for (i, l) in self.layers.iter().enumerate() {
            l.validate().map_err(|(field, msg)| spec_err(&format!("layers[{i}].{field}"), msg))?;
        }
        Ok(())
    }

    /// Validates, creates the layers and builds them with parameters drawn
    /// from `rng`. A layer that cannot take its input (a Conv2D after a
    /// Flatten) is an error naming the layer, and so is a parameter past the
    /// size limit: the parameters of one model may total at most
    /// [`crate::limits::max_elements`] floats, each checked before it is
    /// allocated.
    pub fn build(&self, rng: &mut Rng) -> Result<Sequential> {
        self.validate()?;
        let mut net = Sequential::new(&self.input_shape, Vec::new());
        for l in &self.layers {
            net.push(l.to_layer());
        }
        let max = crate::limits::max_elements();
        let limit = format!(
            "a model's parameters may total {} floats (the environment variable ORIGAMI_MAX_ELEMENTS sets it)",
            crate::limits::thousands(max)
        );
        crate::limits::with_parameter_budget(max, &limit, || {
            net.build_with(rng, |i, e| spec_err(&format!("layers[{i}]"), e))
        })?;
        Ok(net)
    }
}

/// An invalid-spec error ([`crate::Error::Spec`]) at the key path `path`,
/// shown as `path: msg`.
pub(crate) fn spec_err(path: &str, msg: impl std::fmt::Display) -> crate::Error {
    crate::Error::spec(path, msg.to_string())
}

#[cfg(test)]
mod tests;
