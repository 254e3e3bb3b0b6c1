//! `origami evaluate MODEL DATA`: a saved model's loss and metrics on data
//! it has not seen, with the preprocessing it was trained with.

use std::path::PathBuf;

use clap::Args;
use origami::data::Dataset;
use origami::saving::load_model;

use super::{compile, json_number, OutputArgs};
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
    if args.data.extension().is_some_and(|e| e == "toml") {
        // a config: its data set's test split (synthetic sets, CSV splits)
        let r = crate::config::load(&args.data)?;
        let d = crate::data::load(&r.config.data, r.config.seed)?;
        return report(args, compile(&file, net)?, d.test);
    }
    let inputs = crate::data::read_inputs(&args.data, &file.preprocessing, &file.model.input_shape)?;
    let y = inputs.y.ok_or_else(|| {
        CliError::data(format!(
            "{} has no targets: a CSV needs the column {:?}.",
            args.data.display(),
            file.preprocessing.target_name.clone().unwrap_or_default()
        ))
    })?;
    report(args, compile(&file, net)?, Dataset::new(inputs.x, y)?)
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
