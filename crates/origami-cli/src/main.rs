//! The `origami` command. It uses only the library's public API.

mod bench;
mod class_weight;
mod commands;
mod config;
mod data;
mod error;
mod playground;

use std::process::ExitCode;

/// See Cargo.toml: small allocations are a measurable share of a tiny network's step.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

use commands::{config_ref, evaluate, export, import, lr_find, plot, predict, summary, train, tune};

/// The version and the commit it was built from (build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ORIGAMI_COMMIT"), ")");

/// origami: neural networks on the CPU.
#[derive(Parser)]
#[command(
    name = "origami",
    version = VERSION,
    about = "Neural networks on the CPU: train, evaluate, predict and serve them from one command",
    long_about = None,
    after_help = "Start with `origami train`: a CNN on the MNIST digits in data/mnist, in under a minute.\n\
                  Exit codes: 0 success, 2 usage or config error, 3 bad data, 4 failed run."
)]
struct Cli {
    /// Threads for the kernels (default: ORIGAMI_NUM_THREADS, else all cores; at most 4x the cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a network (default: a CNN on MNIST) and save it to a run directory.
    ///
    /// Example: `origami train` or `origami train --csv data.csv --target label`
    Train(train::TrainArgs),
    /// Loss and metrics of a saved model on a data set.
    ///
    /// Example: `origami evaluate runs/mnist-cnn data/mnist`
    Evaluate(evaluate::EvaluateArgs),
    /// Predictions of a saved model, as CSV.
    ///
    /// Example: `origami predict runs/mnist-cnn data/mnist/t10k-images-idx3-ubyte.gz`
    Predict(predict::PredictArgs),
    /// Write a saved model as ONNX, for onnxruntime and other runtimes.
    ///
    /// Example: `origami export runs/mnist-cnn --onnx mnist.onnx`
    Export(export::ExportArgs),
    /// Read an ONNX model (origami's export, a PyTorch MLP/CNN/LSTM) into a model directory.
    ///
    /// Example: `origami import mnist.onnx runs/mnist-imported`
    Import(import::ImportArgs),
    /// The parameter table of a config or a saved model.
    ///
    /// Example: `origami summary runs/mnist-cnn`
    Summary(summary::SummaryArgs),
    /// Plot a run's loss, metrics and learning rate by epoch (PNG and SVG).
    ///
    /// Example: `origami plot runs/mnist-cnn`
    Plot(plot::PlotArgs),
    /// Find a good learning rate for a config (plot and suggestion).
    ///
    /// Example: `origami lr-find my_config.toml`
    LrFind(lr_find::LrFindArgs),
    /// Search hyperparameters listed in a config's [tune] section.
    ///
    /// Example: `origami tune my_config.toml`
    Tune(tune::TuneArgs),
    /// The config reference: every section, key, layer, optimizer and name (docs/config.md).
    ///
    /// Example: `origami config --reference`
    Config(config_ref::ConfigArgs),
    /// Measure origami on the workloads of bench/WORKLOADS.md; one JSON line per figure.
    ///
    /// Example: `origami bench W4-gemm --threads 2`
    Bench(bench::BenchArgs),
    /// Serve TensorFlow Playground, trained by origami, on 127.0.0.1.
    ///
    /// Example: `origami playground --port 0` (prints the URL)
    Playground(playground::PlaygroundArgs),
    /// Shell completions on stdout.
    ///
    /// Example: `origami completions bash > ~/.local/share/bash-completion/completions/origami`
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// The man page (roff) on stdout.
    ///
    /// Example: `origami man > origami.1 && man ./origami.1`
    Man,
}

/// Exit codes: 0 success, 2 usage error (clap, config), 3 bad data, 4 failed run.
fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(2);
        }
        let used = origami::set_num_threads(n);
        if used < n {
            eprintln!("note: --threads {n} is more than 4x this machine's cores; using {used} threads");
        }
    }
    let result = match cli.command {
        Command::Train(args) => train::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Predict(args) => predict::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Summary(args) => summary::run(&args),
        Command::Plot(args) => plot::run(&args),
        Command::LrFind(args) => lr_find::run(&args),
        Command::Tune(args) => tune::run(&args),
        Command::Config(args) => config_ref::run(&args),
        Command::Bench(args) => bench::run(&args).map_err(error::CliError::from),
        Command::Playground(args) => playground::run(&args).map_err(error::CliError::from),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "origami",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut std::io::stdout())
            .map_err(|e| error::CliError::failed(format!("cannot write the man page: {e}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code)
        }
    }
}
