//! The TOML run config of `origami train`, `lr-find`, `tune` and `summary`.
//!
//! A config is parsed in three steps so that every mistake names its key:
//! TOML text → a `toml::Table` (syntax errors with line and column), then
//! typed structs through `serde_path_to_error` with `deny_unknown_fields`
//! (unknown keys and wrong types with their path), then the library's
//! `validate` (values serde cannot judge). Layers go through
//! `LayerSpec::deserialize_kind` one by one because serde's tagged enums
//! buffer their content and lose the path. `tune` edits the `toml::Table`
//! (by key path) before the typed step, so a trial is just another config.

use std::path::{Path, PathBuf};

use origami::spec::{LayerSpec, ModelSpec, OptimizerSpec, ScheduleSpec, TrainingSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The config `origami train` runs without arguments: a small CNN on the
/// MNIST subset in data/mnist (see BENCHMARKS.md, "Default `origami train`").
pub const DEFAULT_CONFIG: &str = include_str!("default_mnist.toml");

/// The whole config file.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Names the run directory (default: a timestamp).
    #[serde(default)]
    pub name: Option<String>,
    /// Seeds the weights, the shuffling and the splits: any u64 (TOML's
    /// integers stop at 2⁶³ − 1, so a larger seed is written as a string of
    /// digits, `seed = "18446744073709551615"`).
    #[serde(default, deserialize_with = "seed_u64")]
    pub seed: u64,
    /// Where run directories go (default `runs`).
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// `[data]`: where the samples come from.
    pub data: DataConfig,
    /// `[model]`: the input shape and the layers.
    #[serde(default)]
    pub model: ModelConfig,
    /// `[training]`: loss, metrics, epochs, batches, validation.
    #[serde(default)]
    pub training: TrainConfig,
    /// `[optimizer]`: its `type` (default `adam`) and options.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub optimizer: OptimizerSpec,
    /// `[schedule]`: the learning-rate schedule (default: none, a constant rate).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub schedule: Option<ScheduleSpec>,
    /// `[callbacks.*]`: early stopping, plateau, checkpoint.
    #[serde(default)]
    pub callbacks: CallbacksConfig,
    /// `[tune]`: the hyperparameter search; read by `origami tune` only.
    #[serde(default)]
    #[schemars(with = "Option<TuneConfig>")]
    pub tune: Option<toml::Table>,
}

fn default_output_dir() -> PathBuf {
    PathBuf::from("runs")
}

/// A seed from a TOML integer ≥ 0 or a string of digits (for seeds beyond
/// TOML's i64).
fn seed_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Seed;
    impl serde::de::Visitor<'_> for Seed {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("u64")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            v.trim().parse().map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(Seed)
}

/// The TOML value of a seed: an integer where TOML has one, else digits.
pub fn seed_value(seed: u64) -> toml::Value {
    match i64::try_from(seed) {
        Ok(i) => toml::Value::Integer(i),
        Err(_) => toml::Value::String(seed.to_string()),
    }
}

/// Where the data comes from.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// `mnist` (an IDX directory), `csv` or `synthetic`.
    pub kind: DataKind,
    /// The MNIST directory or the CSV file (relative to the working directory).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// CSV: the target column's name.
    #[serde(default)]
    pub target: Option<String>,
    /// CSV: `classification` or `regression` (default: decided from the target).
    #[serde(default)]
    pub task: Option<TaskName>,
    /// Synthetic: `circle`, `xor`, `gaussian`, `spiral`, `blobs`, `spirals`,
    /// `regress_plane`, `regress_gaussian`.
    #[serde(default)]
    #[schemars(schema_with = "synthetic_names")]
    pub name: Option<String>,
    /// Synthetic: number of points.
    #[serde(default)]
    pub n: Option<usize>,
    /// Synthetic: noise, 0 to 0.5.
    #[serde(default)]
    pub noise: Option<f32>,
    /// Synthetic `blobs`/`spirals`: number of classes.
    #[serde(default)]
    pub classes: Option<usize>,
    /// CSV and synthetic: the held-out test share (default 0.2, stratified).
    #[serde(default)]
    pub test_fraction: Option<f64>,
    /// Use only the first N training samples (quick experiments, tests).
    #[serde(default)]
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    #[serde(default)]
    pub test_limit: Option<usize>,
    /// Standardise features on the training split (default: true for CSV
    /// and synthetic data, false for images). For a CSV, number and boolean
    /// columns; one-hot features stay 0/1.
    #[serde(default)]
    pub standardize: Option<bool>,
    /// CSV: cells read as missing, compared in any case (default: empty,
    /// `NA`, `N/A`, `NaN`, `null`, `?`, `-`).
    #[serde(default)]
    pub missing: Option<Vec<String>>,
    /// CSV: a column's kind by name, overriding what is inferred
    /// (`number`, `category`, `boolean` or `drop`), e.g. `{ pclass = "category" }`.
    #[serde(default)]
    pub columns: Option<std::collections::BTreeMap<String, origami::data::table::ColumnKind>>,
    /// CSV: columns to leave out.
    #[serde(default)]
    pub drop: Option<Vec<String>>,
    /// CSV: a category with more levels one-hot encodes only this many of
    /// the most frequent (plus "other" and a frequency feature). Default 32.
    #[serde(default)]
    pub max_one_hot: Option<usize>,
}

/// The kind of a data set.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    /// The IDX files of MNIST (default directory: data/mnist or $ORIGAMI_DATA).
    Mnist,
    /// A CSV file with a header row: `path` and `target`.
    Csv,
    /// A generated 2-D set of the playground: `name`, `n`, `noise`.
    Synthetic,
}

fn class_weight_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "object", "null"]})
}

fn synthetic_names(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "null"], "enum": origami::data::synthetic::NAMES})
}

/// What a model predicts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, clap::ValueEnum, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskName {
    /// Class labels (text, or a few distinct whole numbers).
    Classification,
    /// Real-valued targets.
    Regression,
}

/// `[model]`: the layers (as tables, typed later) and the input shape.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Default: the data's sample shape.
    #[serde(default)]
    pub input_shape: Option<Vec<usize>>,
    /// `[[model.layers]]`, each with a `type` (see Layers). Default: a CNN
    /// for images, an MLP otherwise.
    #[serde(default)]
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub layers: Vec<toml::Table>,
}

/// `[training]`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Default: sparse cross-entropy from logits (classification) or MSE.
    #[schemars(extend("x-names" = "losses"))]
    pub loss: Option<String>,
    /// Default: `accuracy` (classification) or `mae`, `r2`.
    #[schemars(extend("x-names" = "metrics"))]
    pub metrics: Option<Vec<String>>,
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per gradient step.
    pub batch_size: usize,
    /// Share of the training data held out for validation (0: none).
    pub validation_split: f32,
    /// Reshuffle the training data every epoch (seeded by seed and epoch).
    pub shuffle: bool,
    /// Classification: weigh each class's samples in the training loss,
    /// `"balanced"` (scikit-learn's n_samples / (n_classes · count), for
    /// rare classes) or a table `{ CLASS = WEIGHT }` by class name or
    /// index (classes left out weigh 1). Default: every sample weighs 1.
    #[schemars(schema_with = "class_weight_schema")]
    pub class_weight: Option<crate::class_weight::ClassWeightConfig>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            loss: None,
            metrics: None,
            epochs: 10,
            batch_size: 32,
            validation_split: 0.0,
            shuffle: true,
            class_weight: None,
        }
    }
}

/// `[callbacks]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbacksConfig {
    /// `[callbacks.early_stopping]`: stop when the monitored value stops improving.
    #[serde(default)]
    pub early_stopping: Option<EarlyStoppingConfig>,
    /// `[callbacks.reduce_lr_on_plateau]`: cut the learning rate on a plateau (Keras's rule).
    #[serde(default)]
    pub reduce_lr_on_plateau: Option<PlateauConfig>,
    /// `[callbacks.checkpoint]`: keep the best weights in `best.safetensors`.
    #[serde(default)]
    pub checkpoint: Option<CheckpointConfig>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// `[callbacks.early_stopping]`, as Keras's `EarlyStopping`.
pub struct EarlyStoppingConfig {
    /// The logged value watched (`val_loss`, `val_accuracy`, `loss`…).
    pub monitor: String,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Go back to the best epoch's weights when stopping.
    pub restore_best_weights: bool,
}

impl Default for EarlyStoppingConfig {
    fn default() -> Self {
        EarlyStoppingConfig { monitor: "val_loss".into(), patience: 5, min_delta: 0.0, restore_best_weights: true }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// `[callbacks.reduce_lr_on_plateau]`, as Keras's `ReduceLROnPlateau`.
pub struct PlateauConfig {
    /// The logged value watched (`val_loss`, `val_accuracy`, `loss`…).
    pub monitor: String,
    /// The learning rate is multiplied by this on a plateau (0 < factor < 1).
    pub factor: f32,
    /// Epochs without improvement before a cut.
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f32,
    /// Epochs after a cut before watching again.
    pub cooldown: usize,
    /// The learning rate is never cut below this.
    pub min_lr: f32,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        let d = origami::optim::PlateauConfig::default();
        PlateauConfig {
            monitor: "val_loss".into(),
            factor: d.factor,
            patience: d.patience,
            min_delta: d.min_delta,
            cooldown: d.cooldown,
            min_lr: d.min_lr,
        }
    }
}

/// Saves `best.safetensors` whenever the monitored value improves.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointConfig {
    /// The logged value watched (`val_loss`, `val_accuracy`, `loss`…).
    pub monitor: String,
    /// Write only when the monitored value improves (false: every epoch).
    pub save_best_only: bool,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig { monitor: "val_loss".into(), save_best_only: true }
    }
}

/// `[tune]` as `origami tune` reads it (`commands/tune.rs` parses the
/// table itself, so a trial can edit any key); this struct documents it for
/// `origami config --reference`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TuneConfig {
    /// `grid` (every combination of the lists) or `random` (`trials` draws).
    #[schemars(extend("enum" = ["grid", "random"]))]
    pub method: String,
    /// Random search: the number of draws.
    pub trials: usize,
    /// K-fold cross-validation with this many folds (0: a validation split).
    pub folds: usize,
    /// The logged value that scores a trial (default: val_accuracy for classification, else val_loss; accuracies, auc, f1_macro and r2 are maximised, losses and errors minimised).
    pub metric: Option<String>,
    /// `[tune.params]`: key paths (`"optimizer.learning_rate"`, `"model.layers[0].units"`) to a list of
    /// candidates or, for random search, a range `{ min, max, log, integer }`.
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub params: toml::Table,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig { method: "grid".into(), trials: 10, folds: 0, metric: None, params: toml::Table::new() }
    }
}

/// A config with its layers typed and everything validated.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub config: Config,
    /// The layers given in the file (empty: the data's default model).
    pub layers: Vec<LayerSpec>,
    /// The TOML the config came from (after tuning overrides).
    pub table: toml::Table,
}

/// Reads and checks a config file.
pub fn load(path: &Path) -> Result<Resolved, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read the config {}: {e}.", path.display())))?;
    let table = parse_table(&text, &path.display().to_string())?;
    resolve(table).map_err(|e| in_file(e, &path.display().to_string()))
}

/// A config error (exit code 2) as `source: key.path: message`, naming the
/// file the config came from; other errors are returned as they are.
pub fn in_file(e: CliError, source: &str) -> CliError {
    if e.code == 2 && !e.message.starts_with(source) {
        CliError::usage(format!("{source}: {}", e.message))
    } else {
        e
    }
}

/// TOML text to a table; a syntax error names the line and column (and
/// does not quote the line, which may be megabytes long).
pub fn parse_table(text: &str, source: &str) -> Result<toml::Table, CliError> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let place = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: ")
        });
        CliError::usage(format!(
            "{source}: {}{}",
            place.unwrap_or_default(),
            origami::shorten_message(e.message().trim())
        ))
    })
}

/// A table to a typed, validated config.
pub fn resolve(table: toml::Table) -> Result<Resolved, CliError> {
    // The optimizer's table is typed by its `type`, like a layer's, to keep the key path.
    let mut rest = table.clone();
    let optimizer = rest.remove("optimizer").map(optimizer_spec).transpose()?;
    let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(rest))
        .map_err(|e| CliError::usage(path_message(&e.path().to_string(), &e.inner().to_string())))?;
    if let Some(o) = optimizer {
        config.optimizer = o;
    }
    let mut layers = Vec::new();
    for (i, t) in config.model.layers.iter().enumerate() {
        let mut rest = t.clone();
        let kind = match rest.remove("type") {
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(CliError::usage(format!(
                    "model.layers[{i}].type: expected a layer name such as \"Dense\", found {other}"
                )))
            }
            None => {
                return Err(CliError::usage(format!(
                    "model.layers[{i}].type: missing; every layer needs a type such as \"Dense\" or \"Conv2D\""
                )))
            }
        };
        let mut track = serde_path_to_error::Track::new();
        let de = serde_path_to_error::Deserializer::new(toml::Value::Table(rest), &mut track);
        let spec = LayerSpec::deserialize_kind(&kind, de).map_err(|e| {
            let sub = track.path().to_string();
            let path = if sub == "." || sub.is_empty() {
                format!("model.layers[{i}]")
            } else {
                format!("model.layers[{i}].{sub}")
            };
            CliError::usage(path_message(&path, &e.to_string()))
        })?;
        layers.push(spec);
    }
    let r = Resolved { config, layers, table };
    r.validate()?;
    Ok(r)
}

/// `[optimizer]`: its `type` (default `adam`) chooses the options read.
fn optimizer_spec(value: toml::Value) -> Result<OptimizerSpec, CliError> {
    let toml::Value::Table(mut rest) = value else {
        return Err(CliError::usage("optimizer: expected a table such as [optimizer] type = \"adam\""));
    };
    let kind = match rest.remove("type") {
        Some(toml::Value::String(s)) => s,
        Some(other) => {
            return Err(CliError::usage(format!(
                "optimizer.type: expected an optimizer name such as \"adam\", found {other}"
            )))
        }
        None => "adam".into(),
    };
    if OptimizerSpec::named(&kind).is_none() {
        return Err(CliError::usage(format!(
            "optimizer.type: unknown optimizer {}; expected one of {}",
            origami::quote(&kind),
            OptimizerSpec::NAMES.join(", ")
        )));
    }
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(toml::Value::Table(rest), &mut track);
    OptimizerSpec::deserialize_kind(&kind, de).map_err(|e| {
        let sub = track.path().to_string();
        let path = if sub == "." || sub.is_empty() { "optimizer".to_string() } else { format!("optimizer.{sub}") };
        CliError::usage(path_message(&path, &e.to_string()))
    })
}

impl Resolved {
    fn validate(&self) -> Result<(), CliError> {
        let c = &self.config;
        let t = &c.training;
        if t.epochs == 0 {
            return Err(CliError::usage("training.epochs: expected a positive integer, found 0"));
        }
        if t.batch_size == 0 {
            return Err(CliError::usage("training.batch_size: expected a positive integer, found 0"));
        }
        if !(0.0..1.0).contains(&t.validation_split) {
            return Err(CliError::usage(format!(
                "training.validation_split: expected a number in [0, 1), found {}",
                t.validation_split
            )));
        }
        if let Some(cw) = &t.class_weight {
            cw.validate()?;
        }
        if let Some(f) = c.data.test_fraction {
            if !(f > 0.0 && f < 1.0) {
                return Err(CliError::usage(format!("data.test_fraction: expected a number in (0, 1), found {f}")));
            }
        }
        match c.data.kind {
            DataKind::Csv if c.data.path.is_none() => {
                return Err(CliError::usage("data.path: missing; a csv data set needs the file's path"))
            }
            DataKind::Csv if c.data.target.is_none() => {
                return Err(CliError::usage("data.target: missing; a csv data set needs the target column's name"))
            }
            DataKind::Synthetic if c.data.name.is_none() => {
                return Err(CliError::usage("data.name: missing; e.g. name = \"circle\""))
            }
            _ => {}
        }
        let d = &c.data;
        if let Some(k) = d.classes.filter(|&k| k < 2) {
            return Err(CliError::usage(format!("data.classes: expected at least 2 classes, found {k}")));
        }
        if let Some(v) = d.noise.filter(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(CliError::usage(format!("data.noise: expected a finite number ≥ 0 (0 to 0.5), found {v}")));
        }
        for (key, v) in [("n", d.n), ("train_limit", d.train_limit), ("test_limit", d.test_limit)] {
            if v == Some(0) {
                return Err(CliError::usage(format!("data.{key}: expected a positive integer, found 0")));
            }
        }
        if !self.layers.is_empty() {
            let spec =
                ModelSpec { input_shape: c.model.input_shape.clone().unwrap_or(vec![1]), layers: self.layers.clone() };
            spec.validate()?;
        }
        c.optimizer.validate().map_err(|(f, m)| CliError::usage(format!("optimizer.{f}: {m}")))?;
        if let Some(s) = &c.schedule {
            s.validate().map_err(|(f, m)| CliError::usage(format!("schedule.{f}: {m}")))?;
        }
        if let Some(l) = &t.loss {
            origami::spec::parse_loss(l).map_err(|m| CliError::usage(format!("training.loss: {m}")))?;
        }
        Ok(())
    }

    /// The training spec, with defaults chosen for the task.
    pub fn training_spec(&self, classification: bool) -> Result<TrainingSpec, CliError> {
        let t = &self.config.training;
        let loss = match &t.loss {
            Some(l) => origami::spec::parse_loss(l).map_err(|m| CliError::usage(format!("training.loss: {m}")))?,
            None if classification => origami::nn::Loss::SparseCategoricalCrossentropy { from_logits: true },
            None => origami::nn::Loss::MeanSquaredError,
        };
        let metrics = match &t.metrics {
            Some(m) => m.clone(),
            None if classification => vec!["accuracy".into()],
            None => vec!["mae".into(), "r2".into()],
        };
        let spec = TrainingSpec {
            loss,
            metrics: metrics.iter().map(|m| m.as_str().into()).collect(),
            optimizer: self.config.optimizer.clone(),
            schedule: self.config.schedule.clone(),
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// A library spec error with its key path as the config spells it: the
/// model spec's keys (`layers[2].units`) sit under `[model]`, the training
/// spec's `metrics` under `[training]`, its `optimizer` and `schedule` at the
/// top. Other errors are returned as they are.
pub fn at_config_path(e: origami::Error) -> origami::Error {
    let prefix = match &e {
        origami::Error::Spec { path, .. } if path.starts_with("metrics") => "training.",
        origami::Error::Spec { path, .. } if path.starts_with("optimizer") || path.starts_with("schedule") => "",
        origami::Error::Spec { .. } => "model.",
        _ => return e,
    };
    e.with_path_prefix(prefix)
}

/// `path: message`, with serde's wording made plain.
fn path_message(path: &str, msg: &str) -> String {
    // serde puts an unknown key in the path; name its table instead
    let path = if msg.starts_with("unknown field") { path.rsplit_once('.').map_or("", |p| p.0) } else { path };
    let field = path.rsplit('.').next().unwrap_or(path);
    let msg = humanize(field, msg);
    if path.is_empty() || path == "." {
        msg
    } else {
        format!("{path}: {msg}")
    }
}

/// Rewrites serde's "invalid value: integer `-3`, expected usize" as
/// "expected a positive integer, found -3" (and "invalid type: string
/// \"two\", expected usize" as "…, found string \"two\""), every value cut
/// to a readable length.
fn humanize(field: &str, msg: &str) -> String {
    let msg = msg.split('\n').next().unwrap_or(msg);
    let msg = msg.split(" in `").next().unwrap_or(msg).trim();
    let found = found_value(msg).unwrap_or_default();
    let wants = |t: &str| msg.ends_with(&format!("expected {t}"));
    if wants("usize") || wants("u64") || wants("u32") {
        let positive = ["units", "filters", "epochs", "batch_size", "n", "classes", "num_heads", "key_dim"];
        let what = if positive.contains(&field) { "a positive integer" } else { "a non-negative integer" };
        return format!("expected {what}, found {found}");
    }
    if wants("f32") || wants("f64") {
        return format!("expected a number, found {found}");
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        return format!("unknown key {}", origami::shorten_message(rest).replace('`', "\""));
    }
    origami::shorten_message(msg)
}

/// What serde's "invalid type: X, expected Y" found: `-3` for
/// "integer `-3`", `string "two"` for a string (cut, see
/// [`origami::shorten`]).
fn found_value(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("invalid type: ").or_else(|| msg.strip_prefix("invalid value: "))?;
    let unexpected = &rest[..rest.rfind(", expected ")?];
    Some(match unexpected.split_once('`') {
        Some((_, v)) => origami::shorten(v.trim_end_matches('`')),
        None => origami::shorten(unexpected),
    })
}

/// Sets `value` at a key path such as `optimizer.learning_rate` or
/// `model.layers[0].units` in `table` (creating tables on the way).
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), CliError> {
    let bad = || CliError::usage(format!("tune: cannot set {path:?} in the config"));
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur: &mut toml::Table = table;
    for (k, part) in parts.iter().enumerate() {
        let last = k + 1 == parts.len();
        let (name, index) = match part.find('[') {
            Some(o) => {
                let idx: usize = part[o + 1..].trim_end_matches(']').parse().map_err(|_| bad())?;
                (&part[..o], Some(idx))
            }
            None => (*part, None),
        };
        match index {
            None if last => {
                cur.insert(name.to_string(), value);
                return Ok(());
            }
            None => {
                let entry = cur.entry(name.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                cur = entry.as_table_mut().ok_or_else(bad)?;
            }
            Some(i) => {
                let arr = cur.get_mut(name).and_then(|v| v.as_array_mut()).ok_or_else(bad)?;
                let item = arr.get_mut(i).ok_or_else(bad)?;
                if last {
                    *item = value;
                    return Ok(());
                }
                cur = item.as_table_mut().ok_or_else(bad)?;
            }
        }
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse_table(text, "test.toml").and_then(resolve) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.message,
        }
    }

    const BASE: &str = "[data]\nkind = \"synthetic\"\nname = \"circle\"\n";

    #[test]
    fn the_default_config_is_valid() {
        let r = resolve(parse_table(DEFAULT_CONFIG, "default").unwrap()).unwrap();
        assert!(!r.layers.is_empty());
    }

    #[test]
    fn errors_name_the_key_path() {
        let layers = "[[model.layers]]\ntype = \"Dense\"\nunits = 4\n[[model.layers]]\ntype = \"Dense\"\nunits = 4\n";
        let e = err(&format!("{BASE}{layers}[[model.layers]]\ntype = \"Dense\"\nunits = -3\n"));
        assert_eq!(e, "model.layers[2].units: expected a positive integer, found -3");
        let e = err(&format!("{BASE}[[model.layers]]\ntype = \"Dense\"\nunits = 0\n"));
        assert_eq!(e, "model.layers[0].units: expected a positive integer, found 0");
        let e = err(&format!("{BASE}[[model.layers]]\ntype = \"Dense\"\nunitz = 3\n"));
        assert!(e.starts_with("model.layers[0]: unknown key \"unitz\""), "{e}");
        let e = err(&format!("{BASE}[[model.layers]]\ntype = \"Dence\"\n"));
        assert!(e.starts_with("model.layers[0]: unknown layer type \"Dence\""), "{e}");
        let e = err(&format!("{BASE}[training]\nepochz = 3\n"));
        assert!(e.starts_with("training: unknown key \"epochz\""), "{e}");
        let e = err(&format!("{BASE}[optimizer]\ntype = \"adam\"\nrho = 0.9\n"));
        assert!(e.starts_with("optimizer.rho: adam has no option rho"), "{e}");
        let e = err(&format!("{BASE}[optimizer]\nbeta_1 = \"big\"\n"));
        assert!(e.starts_with("optimizer.beta_1: expected a number"), "{e}");
        let e = err(&format!("{BASE}[optimizer]\nbeta_1 = 1.5\n"));
        assert_eq!(e, "optimizer.beta_1: expected a number in [0, 1), found 1.5");
        let e = err(&format!("{BASE}[optimizer]\ntype = \"lion\"\nclipnorm = 1.0\nclipvalue = 2.0\n"));
        assert!(e.starts_with("optimizer.clipvalue: set at most one of clipnorm"), "{e}");
        let e = err(&format!("{BASE}[optimizer]\ntype = \"adamm\"\n"));
        assert!(e.starts_with("optimizer.type: unknown optimizer \"adamm\"; expected one of sgd, adam"), "{e}");
        let e = err(&format!("{BASE}[[model.layers]]\ntype = \"Dense\"\nunits = 3\nactivation = \"rellu\"\n"));
        assert!(e.starts_with("model.layers[0].activation: unknown activation"), "{e}");
        let e = err(&format!("{BASE}[training]\nepochs = 0\n"));
        assert_eq!(e, "training.epochs: expected a positive integer, found 0");
        assert!(err("[data]\nkind = \"mnist\"\n[training\n").starts_with("test.toml: line 3, column "));
        // the value found is shown, not lost
        let e = err(&format!("{BASE}[training]\nepochs = \"two\"\n"));
        assert_eq!(e, "training.epochs: expected a positive integer, found string \"two\"");
        let e = err(&format!("{BASE}[optimizer]\nlearning_rate = \"fast\"\n"));
        assert_eq!(e, "optimizer.learning_rate: expected a number, found string \"fast\"");
        // synthetic data's values are checked with their key
        let e = err("[data]\nkind = \"synthetic\"\nname = \"blobs\"\nclasses = 1\n");
        assert_eq!(e, "data.classes: expected at least 2 classes, found 1");
        let e = err(&format!("{BASE}noise = nan\n"));
        assert!(e.starts_with("data.noise: expected a finite number") && e.ends_with("found NaN"), "{e}");
        assert!(err(&format!("{BASE}n = 0\n")).starts_with("data.n: expected a positive integer"));
        assert!(err(&format!(
            "{BASE}[[model.layers]]\ntype = \"Dense\"\nunits = 2\nactivation = \"leaky_relu(nan)\"\n"
        ))
        .starts_with("model.layers[0].activation: \"nan\" in \"leaky_relu(nan)\" is not a finite number"));
    }

    /// A 50 MB value in a config gives a line of stderr, not 50 MB.
    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(1_000_000);
        for text in [
            format!("{BASE}[training]\nepochs = \"{long}\"\n"),
            format!("{BASE}[[model.layers]]\ntype = \"{long}\"\n"),
            format!("{BASE}[[model.layers]]\ntype = \"Dense\"\nunits = 2\nactivation = \"{long}\"\n"),
            format!("{BASE}[training]\nepochs = {long}\n"),
            format!("{BASE}{long} = 1\n"),
        ] {
            let e = err(&text);
            assert!(e.len() < 1000, "{} bytes: {}", e.len(), &e[..200]);
        }
    }

    #[test]
    fn seeds_take_every_u64() {
        let r = resolve(parse_table(&format!("seed = \"18446744073709551615\"\n{BASE}"), "t").unwrap()).unwrap();
        assert_eq!(r.config.seed, u64::MAX);
        let mut t = parse_table(BASE, "t").unwrap();
        set_path(&mut t, "seed", seed_value(u64::MAX)).unwrap();
        assert_eq!(resolve(t).unwrap().config.seed, u64::MAX);
        assert_eq!(err(&format!("seed = -1\n{BASE}")), "seed: expected a non-negative integer, found -1");
    }

    #[test]
    fn every_registered_optimizer_is_accepted_with_clipping() {
        for &name in OptimizerSpec::NAMES.iter().chain(&["rms_prop", "adam_w"]) {
            let text = format!("{BASE}[optimizer]\ntype = \"{name}\"\nlearning_rate = 0.02\nclipnorm = 1.0\n");
            let r = resolve(parse_table(&text, "t").unwrap()).unwrap();
            assert_eq!(r.config.optimizer.learning_rate(), 0.02);
            assert_eq!(r.config.optimizer.clip, Some(origami::optim::Clip::Norm(1.0)));
            assert_eq!(r.config.optimizer.build().name(), OptimizerSpec::named(name).unwrap().name());
        }
    }

    #[test]
    fn set_path_edits_nested_keys() {
        let mut t = parse_table(&format!("{BASE}[[model.layers]]\ntype = \"Dense\"\nunits = 4\n"), "t").unwrap();
        set_path(&mut t, "model.layers[0].units", toml::Value::Integer(9)).unwrap();
        set_path(&mut t, "optimizer.learning_rate", toml::Value::Float(0.5)).unwrap();
        let r = resolve(t).unwrap();
        assert_eq!(r.config.optimizer.learning_rate(), 0.5);
        assert!(matches!(&r.layers[0], LayerSpec::Dense(d) if d.units == 9));
    }
}
