//! The `origami` command. It uses only the library's public API.

mod bench;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// origami: neural networks on the CPU.
#[derive(Parser)]
#[command(name = "origami", version, about, long_about = None)]
struct Cli {
    /// Threads for the kernels (default: ORIGAMI_NUM_THREADS, else all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure origami on the workloads of shared/bench/WORKLOADS.md; one JSON line per figure.
    ///
    /// Example: `origami bench W4-gemm --threads 2`
    Bench(bench::BenchArgs),
}

/// Exit codes: 0 success, 2 usage error (clap), 3 bad data, 4 failed run.
fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(2);
        }
        origami::set_num_threads(n);
    }
    let result = match cli.command {
        Command::Bench(args) => bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(4)
        }
    }
}
