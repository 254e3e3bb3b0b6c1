//! `origami import model.onnx RUN_DIR`: an ONNX model (origami's own export,
//! or an MLP, CNN or LSTM of `torch.onnx.export`) as a model directory that
//! `predict`, `evaluate` and `summary` read (see `origami::io::onnx::import`
//! for the operators it reads). A file origami exported keeps its loss,
//! metrics and class names; another gets `--loss` (default mse).

use std::path::PathBuf;

use clap::Args;
use origami::io::onnx;
use origami::saving::save_model;

use super::OutputArgs;
use crate::error::{CliError, CliResult};

/// Read an ONNX model into a model directory.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami import mnist.onnx runs/mnist-imported
  origami import torch_mlp.onnx runs/torch-mlp --loss sparse_categorical_crossentropy_from_logits")]
pub struct ImportArgs {
    /// The ONNX file.
    pub onnx: PathBuf,
    /// The model directory to write (architecture.json, weights.safetensors).
    pub model: PathBuf,
    /// The loss of the model directory, replacing the file's (origami's exports carry theirs).
    #[arg(long)]
    pub loss: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &ImportArgs) -> CliResult<()> {
    let (mut file, net) = onnx::import(&args.onnx)?;
    if let Some(l) = &args.loss {
        file.training.loss = origami::spec::parse_loss(l).map_err(|e| CliError::usage(format!("--loss {l}: {e}")))?;
    }
    save_model(&args.model, &file, &net.params())?;
    let layers = file.model.layers.len();
    args.output.say(format!("wrote {} ({layers} layers from {})", args.model.display(), args.onnx.display()));
    if args.output.json {
        println!("{}", serde_json::json!({"model": args.model, "layers": layers}));
    }
    Ok(())
}
