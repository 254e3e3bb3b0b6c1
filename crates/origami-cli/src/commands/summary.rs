//! `origami summary CONFIG|MODEL`: the Keras-like table of layers, output
//! shapes and parameter counts, of a config (built on its data's shape) or
//! of a saved model directory.

use std::path::PathBuf;

use clap::Args;

use super::{build_net, model_file, OutputArgs};
use crate::error::CliResult;

/// The parameter table of a config or a saved model.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami summary runs/mnist-cnn
  origami summary my_config.toml --json")]
pub struct SummaryArgs {
    /// A TOML config or a model directory.
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &SummaryArgs) -> CliResult<()> {
    let net = if args.path.is_dir() {
        origami::saving::load_model(&args.path)?.1
    } else {
        let r = crate::config::load(&args.path)?;
        let data = crate::data::load(&r.config.data, r.config.seed)?;
        build_net(&model_file(&r, &data)?)?
    };
    let s = net.summary();
    // With --json the JSON line is the whole answer.
    if !args.output.json {
        args.output.say(s.to_string());
    }
    if args.output.json {
        let layers: Vec<serde_json::Value> = s
            .rows
            .iter()
            .map(|r| serde_json::json!({"name": r.name, "type": r.kind, "output_shape": r.output_shape, "params": r.params}))
            .collect();
        let line = serde_json::json!({
            "total_params": s.total_params(),
            "trainable_params": s.trainable_params,
            "non_trainable_params": s.non_trainable_params,
            "layers": layers,
        });
        println!("{line}");
    }
    Ok(())
}
