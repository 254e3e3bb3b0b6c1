//! The subcommands, one file each, and what they share: building a model
//! from a config and its data, and printing for people or scripts.

pub mod callbacks;
pub mod config_ref;
pub mod evaluate;
pub mod export;
pub mod import;
pub mod lr_find;
pub mod plot;
pub mod predict;
pub mod summary;
pub mod train;
pub mod tune;

use origami::nn::{Conv2DConfig, DenseConfig, NoConfig, PoolConfig, Sequential};
use origami::spec::{LayerSpec, ModelFile, ModelSpec};
use origami::train::Model;
use origami::Rng;

use crate::config::{Resolved, TaskName};
use crate::data::Loaded;
use crate::error::CliResult;

/// Flags every command that prints takes.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct OutputArgs {
    /// Print only errors (and the --json line).
    #[arg(long, short)]
    pub quiet: bool,
    /// End with one JSON line of the results, for scripts.
    #[arg(long)]
    pub json: bool,
}

impl OutputArgs {
    /// Prints a line for people (to stderr when --json keeps stdout for the JSON line).
    pub fn say(&self, line: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        if self.json {
            eprintln!("{}", line.as_ref());
        } else {
            println!("{}", line.as_ref());
        }
    }
}

/// The model origami picks when a config lists no layers: the CNN of the
/// default run for images, a one-hidden-layer MLP of 100 ReLUs for
/// features (scikit-learn's `MLPClassifier`/`MLPRegressor` default).
pub fn default_layers(images: bool, outputs: usize) -> Vec<LayerSpec> {
    let relu = origami::nn::Activation::Relu;
    let out = LayerSpec::Dense(DenseConfig { units: outputs, ..Default::default() });
    if images {
        let conv = |f| LayerSpec::Conv2D(Conv2DConfig { filters: f, activation: relu, ..Default::default() });
        vec![
            conv(16),
            LayerSpec::MaxPool2D(PoolConfig::default()),
            conv(32),
            LayerSpec::MaxPool2D(PoolConfig::default()),
            LayerSpec::Flatten(NoConfig {}),
            LayerSpec::Dense(DenseConfig { units: 64, activation: relu, ..Default::default() }),
            out,
        ]
    } else {
        vec![LayerSpec::Dense(DenseConfig { units: 100, activation: relu, ..Default::default() }), out]
    }
}

/// The model file (spec, training, seed, preprocessing) for a config and its data.
pub fn model_file(r: &Resolved, data: &Loaded) -> CliResult<ModelFile> {
    let classification = data.task == TaskName::Classification;
    let input_shape = r.config.model.input_shape.clone().unwrap_or_else(|| data.train.x().shape()[1..].to_vec());
    let layers = if r.layers.is_empty() { default_layers(data.images, data.outputs) } else { r.layers.clone() };
    let mut f = ModelFile::new(ModelSpec { input_shape, layers }, r.training_spec(classification)?, r.config.seed);
    f.preprocessing = data.preprocessing.clone();
    Ok(f)
}

/// Builds the network of a model file (fresh weights from its seed).
pub fn build_net(f: &ModelFile) -> CliResult<Sequential> {
    Ok(f.model.build(&mut Rng::seed(f.seed))?)
}

/// A compiled model around `net`.
pub fn compile(f: &ModelFile, net: Sequential) -> CliResult<Model> {
    let t = f.training.build()?;
    Ok(Model { net: Box::new(net), optimizer: t.optimizer, loss: t.loss, metrics: t.metrics })
}

/// A number for people: `x` to `digits` significant digits, in plain
/// decimals where that is short (0.03, 0.001235, 123500), scientific for
/// the tiny and the huge (1.500e-9). Tune's values, lr-find's rates and
/// the plots' labels all print through it.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let decimals = digits - 1 - x.abs().log10().floor() as i32;
    if (0..=8).contains(&decimals) {
        let s = format!("{x:.*}", decimals as usize);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else if (-5..0).contains(&decimals) {
        format!("{}", (x / 10f64.powi(-decimals)).round() * 10f64.powi(-decimals))
    } else {
        format!("{x:.*e}", (digits - 1) as usize)
    }
}

/// `1234.5` → `"1234.5"`, NaN → null, for JSON lines.
pub fn json_number(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}
