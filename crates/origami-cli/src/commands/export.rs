//! `origami export RUN_DIR --onnx model.onnx`: a trained model as an ONNX
//! file for onnxruntime and every other ONNX runtime (see
//! `origami::io::onnx`; opset 17). The file takes the raw features
//! `origami predict` takes (the model directory's standardisation is in the
//! graph) and gives the raw outputs, or with `--probabilities` the class
//! probabilities of a model trained on logits.

use std::path::PathBuf;

use clap::Args;
use origami::io::onnx::{self, ExportOptions};
use origami::saving::load_model;

use super::OutputArgs;
use crate::error::CliResult;

/// Write a saved model in another format (ONNX).
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami export runs/mnist-cnn --onnx mnist.onnx
  origami export runs/iris --onnx iris.onnx --probabilities")]
pub struct ExportArgs {
    /// A model directory (a run directory of origami train).
    pub model: PathBuf,
    /// Write the model as ONNX (opset 17) to this file.
    #[arg(long, value_name = "FILE")]
    pub onnx: PathBuf,
    /// End the graph with softmax (sigmoid for one output) when the loss takes logits.
    #[arg(long)]
    pub probabilities: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &ExportArgs) -> CliResult<()> {
    let (file, net) = load_model(&args.model)?;
    let options = ExportOptions { probabilities: args.probabilities };
    let bytes = onnx::to_bytes(&file, &net, &options)?;
    origami::io::write_atomic(&args.onnx, &bytes)?;
    args.output.say(format!("wrote {} ({} bytes, ONNX opset {})", args.onnx.display(), bytes.len(), onnx::OPSET));
    if args.output.json {
        println!("{}", serde_json::json!({"onnx": args.onnx, "bytes": bytes.len(), "opset": onnx::OPSET}));
    }
    Ok(())
}
