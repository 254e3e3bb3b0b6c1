//! `origami evaluate MODEL DATA`: a saved model's loss and metrics on data
//! it has not seen, with the preprocessing it was trained with.

use std::path::{Path, PathBuf};

use clap::Args;
use origami::data::Dataset;
use origami::nn::{Loss, Sequential};
use origami::saving::load_model;
use origami::spec::ModelFile;
use origami::Tensor;

use super::{compile, json_number, OutputArgs};
use crate::config::TaskName;
use crate::error::{CliError, CliResult};

/// Loss and metrics of a saved model on a data set.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami evaluate runs/mnist-cnn data/mnist      # an MNIST directory: its t10k test set
  origami evaluate runs/iris held_out.csv --json  # a CSV with the target column")]
pub struct EvaluateArgs {
    /// A model directory (a run directory of origami train).
    pub model: PathBuf,
    /// An MNIST-format directory, a CSV file with the model's feature and target columns,
    /// or a TOML config (its data set's test split).
    pub data: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &EvaluateArgs) -> CliResult<()> {
    let (file, net) = load_model(&args.model)?;
    let fit = ModelTask::of(&file, &net);
    if args.data.extension().is_some_and(|e| e == "toml") {
        // a config: its data set's test split (synthetic sets, CSV splits)
        let r = crate::config::load(&args.data)?;
        let d = crate::data::load(&r.config.data, r.config.seed)?;
        fit.check(&args.data, d.task == TaskName::Classification, d.test.y())?;
        let (ours, theirs) = (&file.preprocessing.class_names, &d.preprocessing.class_names);
        if !ours.is_empty() && !theirs.is_empty() && ours != theirs {
            return Err(CliError::data(format!(
                "{}: the data's classes {} are not the model's {}.",
                args.data.display(),
                origami::data::csv::list_names(theirs),
                origami::data::csv::list_names(ours)
            )));
        }
        return report(args, compile(&file, net)?, d.test);
    }
    let inputs = crate::data::read_inputs(&args.data, &file.preprocessing, &file.model.input_shape, true)?;
    let y = inputs.y.ok_or_else(|| {
        let path = args.data.display();
        CliError::data(match &file.preprocessing.target_name {
            _ if crate::data::idx_kind(&args.data).is_some() => format!(
                "{path} holds images without their labels: evaluate needs both. Give the MNIST directory \
                 (it reads t10k-images and t10k-labels), or a CSV with the target column."
            ),
            Some(t) => {
                format!("{path} has no column {}, the model's target: evaluate compares with it.", origami::quote(t))
            }
            None => format!(
                "{path} has no targets: this model was trained on images; give an MNIST directory (images and labels)."
            ),
        })
    })?;
    // a CSV's targets were read as the model's (its class names or numbers)
    let classification = if file.preprocessing.target_name.is_some() { fit.classification } else { y.rank() == 1 };
    fit.check(&args.data, classification, &y)?;
    report(args, compile(&file, net)?, Dataset::new(inputs.x, y)?)
}

/// What a saved model predicts: classes (how many) or values (how many).
struct ModelTask {
    classification: bool,
    /// Classes (a binary model's one output: 2), or values per sample.
    outputs: usize,
}

impl ModelTask {
    fn of(file: &ModelFile, net: &Sequential) -> ModelTask {
        let classification = matches!(
            file.training.loss,
            Loss::SparseCategoricalCrossentropy { .. }
                | Loss::CategoricalCrossentropy { .. }
                | Loss::BinaryCrossentropy { .. }
        ) || !file.preprocessing.class_names.is_empty();
        let k = net.output_shape().and_then(|s| s.last().copied()).unwrap_or(1);
        ModelTask { classification, outputs: if classification && k == 1 { 2 } else { k } }
    }

    /// Whether targets `y` of data `source` (classes when `classification`)
    /// are what the model predicts: the same task, class indices below its
    /// number of classes, as many values as it outputs. Exit code 3 else,
    /// naming the data (evaluate used to exit 0 with a meaningless loss).
    fn check(&self, source: &Path, classification: bool, y: &Tensor) -> CliResult<()> {
        let src = source.display();
        match (self.classification, classification) {
            (true, false) => {
                return Err(CliError::data(format!(
                    "{src}: the data's targets are values (regression), but the model predicts {} classes.",
                    self.outputs
                )))
            }
            (false, true) => {
                return Err(CliError::data(format!(
                    "{src}: the data's targets are classes, but the model predicts {} value(s) (regression).",
                    self.outputs
                )))
            }
            _ => {}
        }
        if classification {
            let v = y.to_vec();
            let bad = if y.rank() == 1 || y.shape().get(1) == Some(&1) {
                v.iter().position(|&c| !(c >= 0.0 && c.fract() == 0.0 && (c as usize) < self.outputs))
            } else {
                (y.shape()[1] > self.outputs).then_some(0)
            };
            if let Some(i) = bad {
                return Err(CliError::data(format!(
                    "{src}: sample {} has class {}, but the model knows classes 0 to {} only.",
                    i + 1,
                    v.get(i).copied().unwrap_or(f32::NAN),
                    self.outputs - 1
                )));
            }
        } else {
            let k = y.shape().get(1).copied().unwrap_or(1);
            if k != self.outputs {
                return Err(CliError::data(format!(
                    "{src}: the data has {k} target value(s) per sample, the model predicts {}.",
                    self.outputs
                )));
            }
        }
        Ok(())
    }
}

fn report(args: &EvaluateArgs, mut model: origami::train::Model, data: Dataset) -> CliResult<()> {
    let n = data.len();
    let ev = model.evaluate(&data, 512)?;
    let mut results = serde_json::Map::new();
    results.insert("test_loss".into(), json_number(ev.loss as f64));
    for (k, v) in &ev.metrics {
        results.insert(format!("test_{k}"), json_number(*v as f64));
    }
    let shown: Vec<String> = std::iter::once(format!("loss {:.4}", ev.loss))
        .chain(ev.metrics.iter().map(|(k, v)| {
            if k.contains("accuracy") {
                format!("{k} {:.2}%", v * 100.0)
            } else {
                format!("{k} {v:.4}")
            }
        }))
        .collect();
    args.output.say(format!("{} samples: {}", n, shown.join(", ")));
    if args.output.json {
        println!("{}", serde_json::Value::Object(results));
    }
    Ok(())
}
