//! `origami predict MODEL INPUT`: predictions as CSV, one row per sample.
//!
//! Classification prints the predicted class and the class probabilities
//! (softmax or sigmoid of the logits when the loss takes logits);
//! regression prints the values. `--raw` prints the network's outputs
//! untouched, which is what a reimplementation (see
//! scripts/python_interop.sh) compares against.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use origami::io::write_atomic;
use origami::nn::Loss;
use origami::saving::load_model;
use origami::train::Model;

use super::compile;
use crate::error::CliResult;

/// Predictions of a saved model, as CSV.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami predict runs/mnist-cnn data/mnist/t10k-images-idx3-ubyte.gz -o preds.csv
  origami predict runs/iris new_flowers.csv          # a CSV of the feature columns
  origami predict runs/iris new_flowers.csv --raw    # the network's raw outputs")]
pub struct PredictArgs {
    /// A model directory (a run directory of origami train).
    pub model: PathBuf,
    /// A CSV file of features, an IDX images file, or an MNIST directory (its test images).
    pub input: PathBuf,
    /// Write the CSV here instead of to standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// The network's raw outputs (logits) instead of classes and probabilities.
    #[arg(long)]
    pub raw: bool,
}

pub fn run(args: &PredictArgs) -> CliResult<()> {
    let (file, net) = load_model(&args.model)?;
    let mut csv = String::new();
    let table = file.preprocessing.table.as_ref().filter(|_| args.input.is_file());
    let mut model: Model = compile(&file, net)?;
    let rows =
        Rows { raw: args.raw, classes: &file.preprocessing.class_names, logits: from_logits(&file.training.loss) };
    if let Some(enc) = table {
        // a table streams: each batch is read, encoded, predicted and written
        let mut batches = enc.open(&args.input, None)?;
        let mut first = true;
        while let Some((x, _)) = batches.next_batch(8192)? {
            rows.write(&mut csv, &model.predict(&x, 512)?, first);
            first = false;
        }
        if first {
            return Err(crate::error::CliError::data(format!("{}: the file holds no rows.", args.input.display())));
        }
    } else {
        let inputs = crate::data::read_inputs(&args.input, &file.preprocessing, &file.model.input_shape, false)?;
        rows.write(&mut csv, &model.predict(&inputs.x, 512)?, true);
    }
    match &args.output {
        Some(p) => write_atomic(p, csv.as_bytes())?,
        None => {
            // a closed pipe (`| head`) ends the output quietly
            use std::io::Write as _;
            let _ = std::io::stdout().lock().write_all(csv.as_bytes());
        }
    }
    Ok(())
}

fn from_logits(loss: &Loss) -> bool {
    matches!(
        loss,
        Loss::SparseCategoricalCrossentropy { from_logits: true }
            | Loss::CategoricalCrossentropy { from_logits: true }
            | Loss::BinaryCrossentropy { from_logits: true }
    )
}

/// How outputs become CSV rows.
struct Rows<'a> {
    raw: bool,
    classes: &'a [String],
    logits: bool,
}

impl Rows<'_> {
    /// Appends a row per sample of `out` to `csv`, after the header if `header`.
    fn write(&self, csv: &mut String, out: &origami::Tensor, header: bool) {
        let n = out.shape()[0];
        let k = out.numel() / n.max(1);
        let v = out.to_vec();
        let classes = self.classes;
        // Plain decimals, the shortest that read back as the same f32.
        let f = |x: f32| format!("{x}");
        if self.raw || classes.is_empty() {
            if header {
                let head: Vec<String> =
                    (0..k).map(|j| if k == 1 { "prediction".into() } else { format!("output_{j}") }).collect();
                let _ = writeln!(csv, "{}", head.join(","));
            }
            for row in v.chunks(k) {
                let _ = writeln!(csv, "{}", row.iter().map(|&x| f(x)).collect::<Vec<_>>().join(","));
            }
            return;
        }
        let binary = k == 1;
        if header {
            let names: Vec<String> = if binary {
                vec![classes.get(1).cloned().unwrap_or_else(|| "1".into())]
            } else {
                (0..k).map(|j| classes.get(j).cloned().unwrap_or_else(|| j.to_string())).collect()
            };
            let _ =
                writeln!(csv, "prediction,{}", names.iter().map(|c| format!("p_{c}")).collect::<Vec<_>>().join(","));
        }
        for row in v.chunks(k) {
            let probs: Vec<f32> = if binary {
                vec![if self.logits { 1.0 / (1.0 + (-row[0]).exp()) } else { row[0] }]
            } else if self.logits {
                let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                let e: Vec<f32> = row.iter().map(|x| (x - m).exp()).collect();
                let s: f32 = e.iter().sum();
                e.iter().map(|x| x / s).collect()
            } else {
                row.to_vec()
            };
            let class = if binary {
                (probs[0] > 0.5) as usize
            } else {
                probs.iter().enumerate().fold(0, |b, (j, p)| if *p > probs[b] { j } else { b })
            };
            let name = classes.get(class).cloned().unwrap_or_else(|| class.to_string());
            let _ = writeln!(csv, "{name},{}", probs.iter().map(|&p| format!("{p:.6}")).collect::<Vec<_>>().join(","));
        }
    }
}
