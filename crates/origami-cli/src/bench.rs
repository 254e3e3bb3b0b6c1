//! `origami bench`: the workloads of bench/WORKLOADS.md, measured the
//! way the peers' harness measures them (median of 3 runs, each run the
//! median of many repetitions), printed as JSON lines.

use std::time::Instant;

use clap::{Args, ValueEnum};
use origami::data::{mnist, synthetic, Dataset};
use origami::nn::{Activation, Conv2D, Dense, Flatten, Loss, MaxPool2D, Sequential, LSTM};
use origami::optim::{Adam, AdamConfig, Sgd, SgdConfig};
use origami::train::{FitConfig, Model, Verbosity};
use origami::{Result, Rng, Tensor};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Workload {
    #[value(name = "W1-mlp")]
    W1Mlp,
    #[value(name = "W2-cnn")]
    W2Cnn,
    #[value(name = "W3-tiny")]
    W3Tiny,
    #[value(name = "W4-gemm")]
    W4Gemm,
    #[value(name = "W6-lstm")]
    W6Lstm,
    #[value(name = "W7-infer")]
    W7Infer,
    #[value(name = "overhead")]
    Overhead,
    /// A raw CSV table of 1M rows × 20 columns read and preprocessed.
    #[value(name = "table")]
    Table,
    #[value(name = "all")]
    All,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Which workload to run.
    #[arg(value_enum)]
    workload: Workload,
    /// A short smoke run (what CI runs, so that the command cannot rot); its figures mean nothing.
    #[arg(long)]
    quick: bool,
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let w = args.workload;
    if matches!(w, Workload::W1Mlp | Workload::All) {
        w1(args.quick)?;
    }
    if matches!(w, Workload::W2Cnn | Workload::All) {
        w2(args.quick)?;
    }
    if matches!(w, Workload::W3Tiny | Workload::All) {
        w3(args.quick)?;
    }
    if matches!(w, Workload::W4Gemm | Workload::All) {
        gemm(args.quick)?;
    }
    if matches!(w, Workload::W6Lstm | Workload::All) {
        w6(args.quick)?;
    }
    if matches!(w, Workload::W7Infer | Workload::All) {
        w7(args.quick)?;
    }
    if matches!(w, Workload::Overhead | Workload::All) {
        overhead(args.quick)?;
    }
    if matches!(w, Workload::Table | Workload::All) {
        table(args.quick)?;
    }
    Ok(())
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn min_max(xs: &[f64]) -> (f64, f64) {
    xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

fn round(x: f64) -> f64 {
    // two decimals for rates, four for fractions (accuracy)
    let scale = if x.abs() < 1.0 { 10_000.0 } else { 100.0 };
    (x * scale).round() / scale
}

fn emit(mut line: serde_json::Value, metric: &str, runs: &[f64]) {
    let (lo, hi) = min_max(runs);
    let obj = line.as_object_mut().expect("an object");
    obj.insert("framework".into(), json!("origami"));
    obj.insert("threads".into(), json!(origami::num_threads()));
    obj.insert(metric.into(), json!(round(median(runs))));
    obj.insert("min".into(), json!(round(lo)));
    obj.insert("max".into(), json!(round(hi)));
    obj.insert("runs".into(), json!(runs.iter().map(|&r| round(r)).collect::<Vec<_>>()));
    obj.insert("peak_rss_mb".into(), json!(round(peak_rss_mb())));
    println!("{line}");
}

/// W4: C = A·B for the four shapes, as numpy_gemm.py times it.
fn gemm(quick: bool) -> Result<()> {
    let shapes = [(256, 784, 256), (64, 800, 128), (1024, 1024, 1024), (2048, 2048, 2048)];
    let budget = if quick { 0.02 } else { 0.8 };
    let mut rng = Rng::seed(0);
    for &(m, k, n) in &shapes {
        if quick && m * k * n > 1 << 24 {
            continue;
        }
        let a = Tensor::rand_uniform(&[m, k], -1.0, 1.0, &mut rng);
        let b = Tensor::rand_uniform(&[k, n], -1.0, 1.0, &mut rng);
        let flop = 2.0 * (m * k * n) as f64;
        let (ad, bd) = (a.data(), b.data());
        let mut c = vec![0.0f32; m * n];
        let mut once = || origami::kernels::matmul::matmul(&ad, &bd, &mut c, m, k, n, false, false, false);
        once()?;
        let runs: Vec<f64> = (0..3)
            .map(|_| {
                for _ in 0..3 {
                    let _ = once();
                }
                let t = Instant::now();
                let _ = once();
                let est = t.elapsed().as_secs_f64().max(1e-6);
                let reps = ((budget / est) as usize).clamp(if quick { 2 } else { 7 }, 3000);
                let times: Vec<f64> = (0..reps)
                    .map(|_| {
                        let t = Instant::now();
                        let _ = once();
                        t.elapsed().as_secs_f64()
                    })
                    .collect();
                flop / median(&times) / 1e9
            })
            .collect();
        emit(json!({"workload": "W4-gemm", "shape": [m, k, n]}), "gflops", &runs);
    }
    Ok(())
}

/// Framework overhead: a 2→8→8→1 tanh MLP at batch 10, forward, MSE loss,
/// backward and an SGD update, written with the raw tensor API.
fn overhead(quick: bool) -> Result<()> {
    let mut rng = Rng::seed(1);
    let x = Tensor::randn(&[10, 2], 0.0, 1.0, &mut rng);
    let y = Tensor::randn(&[10, 1], 0.0, 1.0, &mut rng);
    let params = [
        Tensor::randn(&[2, 8], 0.0, 0.5, &mut rng).requires_grad(),
        Tensor::zeros(&[8]).requires_grad(),
        Tensor::randn(&[8, 8], 0.0, 0.35, &mut rng).requires_grad(),
        Tensor::zeros(&[8]).requires_grad(),
        Tensor::randn(&[8, 1], 0.0, 0.35, &mut rng).requires_grad(),
        Tensor::zeros(&[1]).requires_grad(),
    ];
    let lr = 0.03f32;
    let step = || -> Result<f32> {
        let [w1, b1, w2, b2, w3, b3] = &params;
        let h = x.linear(w1, Some(b1))?.tanh();
        let h = h.linear(w2, Some(b2))?.tanh();
        let out = h.linear(w3, Some(b3))?;
        let loss = out.sub(&y)?.square().mean_all();
        let grads = loss.backward()?;
        for p in &params {
            if let Some(g) = grads.get(p) {
                let g = g.data();
                let mut d = p.data_mut();
                d.iter_mut().zip(g.iter()).for_each(|(w, g)| *w -= lr * g);
            }
        }
        loss.item()
    };
    let (warm, timed) = if quick { (10, 200) } else { (100, 20_000) };
    let mut runs = Vec::new();
    for _ in 0..3 {
        for _ in 0..warm {
            step()?;
        }
        let t = Instant::now();
        for _ in 0..timed {
            step()?;
        }
        runs.push(timed as f64 / t.elapsed().as_secs_f64());
    }
    emit(json!({"workload": "overhead", "batch": 10, "model": "2-8-8-1 tanh, MSE, SGD"}), "steps_per_s", &runs);
    Ok(())
}

const SEED: u64 = 0;

/// W7: inference of W1's MLP (weights from the seed, no training) on one
/// thread: batch 1 median latency over 5,000 calls after 500 warm-up, and
/// batch 256 samples/s over 200 calls. The thread count is restored after.
fn w7(quick: bool) -> Result<()> {
    let before = origami::num_threads();
    origami::set_num_threads(1);
    let result = (|| -> Result<()> {
        let mut net = Sequential::new(&[784], vec![])
            .add(Dense::new(256).activation(Activation::Relu))
            .add(Dense::new(128).activation(Activation::Relu))
            .add(Dense::new(10));
        net.build(&mut Rng::seed(SEED))?;
        let mut rng = Rng::seed(SEED + 1);
        let one = Tensor::randn(&[1, 784], 0.0, 1.0, &mut rng);
        let batch = Tensor::randn(&[256, 784], 0.0, 1.0, &mut rng);
        let (warm, calls, batch_calls) = if quick { (20, 200, 10) } else { (500, 5_000, 200) };
        let (mut latency, mut throughput) = (Vec::new(), Vec::new());
        origami::no_grad(|| -> Result<()> {
            for _ in 0..3 {
                for _ in 0..warm {
                    net.forward(&one, false)?;
                }
                let mut each = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    std::hint::black_box(net.forward(&one, false)?);
                    each.push(t.elapsed().as_secs_f64() * 1e6);
                }
                latency.push(median(&each));
                net.forward(&batch, false)?;
                let t = Instant::now();
                for _ in 0..batch_calls {
                    std::hint::black_box(net.forward(&batch, false)?);
                }
                throughput.push((256 * batch_calls) as f64 / t.elapsed().as_secs_f64());
            }
            Ok(())
        })?;
        emit(json!({"workload": "W7-infer", "batch": 1}), "latency_us", &latency);
        emit(json!({"workload": "W7-infer", "batch": 256}), "samples_per_s", &throughput);
        Ok(())
    })();
    origami::set_num_threads(before);
    result
}

fn adam() -> Adam {
    Adam::new(AdamConfig { learning_rate: 1e-3, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, ..Default::default() })
}

fn sparse_ce() -> Loss {
    Loss::SparseCategoricalCrossentropy { from_logits: true }
}

/// Trains `model` for `epochs` more epochs of `data` and returns the seconds it took.
fn timed_fit(model: &mut Model, data: &Dataset, batch: usize, from: usize, to: usize, seed: u64) -> Result<f64> {
    let cfg = FitConfig {
        epochs: to,
        initial_epoch: from,
        batch_size: batch,
        seed,
        verbosity: Verbosity::Silent,
        ..Default::default()
    };
    let t = Instant::now();
    model.fit(data, &cfg, &mut [])?;
    Ok(t.elapsed().as_secs_f64())
}

/// W1: 784→256→128→10 MLP, Adam; samples/s over 2 epochs after a warm-up
/// epoch, at batch 32 and 256.
fn w1(quick: bool) -> Result<()> {
    let mut data = mnist::load(mnist::default_dir())?.flatten()?.train;
    if quick {
        data = data.subset(&(0..512).collect::<Vec<_>>())?;
    }
    for batch in [32, 256] {
        let mut runs = Vec::new();
        for r in 0..3 {
            let mut net = Sequential::new(&[784], vec![])
                .add(Dense::new(256).activation(Activation::Relu))
                .add(Dense::new(128).activation(Activation::Relu))
                .add(Dense::new(10));
            net.build(&mut Rng::seed(SEED + r))?;
            let mut model = Model::new(net, adam(), sparse_ce(), vec![]);
            timed_fit(&mut model, &data, batch, 0, 1, SEED + r)?;
            let secs = timed_fit(&mut model, &data, batch, 1, 3, SEED + r)?;
            runs.push(2.0 * data.len() as f64 / secs);
        }
        emit(json!({"workload": "W1-mlp", "batch": batch}), "samples_per_s", &runs);
    }
    // The accuracy figure: 5 epochs at batch 32 (1 in --quick), tested on the 2,000 test digits.
    let test = mnist::load(mnist::default_dir())?.flatten()?.test;
    let mut net = Sequential::new(&[784], vec![])
        .add(Dense::new(256).activation(Activation::Relu))
        .add(Dense::new(128).activation(Activation::Relu))
        .add(Dense::new(10));
    net.build(&mut Rng::seed(SEED))?;
    let mut model = Model::new(net, adam(), sparse_ce(), vec![origami::train::Metric::SparseAccuracy]);
    timed_fit(&mut model, &data, 32, 0, if quick { 1 } else { 5 }, SEED)?;
    let acc = model.evaluate(&test, 500)?.get("accuracy").unwrap_or(f32::NAN) as f64;
    emit(json!({"workload": "W1-mlp-accuracy", "batch": 32, "epochs": if quick { 1 } else { 5 }}), "accuracy", &[acc]);
    Ok(())
}

/// W2: the small CNN of WORKLOADS.md, Adam, batch 64; samples/s over one
/// epoch after 20 warm-up steps.
fn w2(quick: bool) -> Result<()> {
    let mut data = mnist::load(mnist::default_dir())?.train;
    if quick {
        data = data.subset(&(0..256).collect::<Vec<_>>())?;
    }
    let warm = data.subset(&(0..(20 * 64).min(data.len())).collect::<Vec<_>>())?;
    let mut runs = Vec::new();
    for r in 0..3 {
        let mut net = Sequential::new(&[28, 28, 1], vec![])
            .add(Conv2D::new(16, (3, 3)).activation(Activation::Relu))
            .add(MaxPool2D::new((2, 2)))
            .add(Conv2D::new(32, (3, 3)).activation(Activation::Relu))
            .add(MaxPool2D::new((2, 2)))
            .add(Flatten::new())
            .add(Dense::new(128).activation(Activation::Relu))
            .add(Dense::new(10));
        net.build(&mut Rng::seed(SEED + r))?;
        let mut model = Model::new(net, adam(), sparse_ce(), vec![]);
        timed_fit(&mut model, &warm, 64, 0, 1, SEED + r)?;
        let secs = timed_fit(&mut model, &data, 64, 1, 2, SEED + r)?;
        runs.push(data.len() as f64 / secs);
    }
    emit(json!({"workload": "W2-cnn", "batch": 64}), "samples_per_s", &runs);
    Ok(())
}

/// W3: TensorFlow-Playground-sized 2→8→8→1 tanh/sigmoid net, binary
/// cross-entropy, SGD 0.03, batch 10, on the 500-point circle set;
/// optimizer steps/s over 2,000 steps after 100 warm-up steps.
fn w3(quick: bool) -> Result<()> {
    let data = synthetic::w3_tiny(&mut Rng::seed(SEED))?;
    let steps_per_epoch = data.len().div_ceil(10);
    let timed_epochs = if quick { 2 } else { 2000 / steps_per_epoch };
    let mut runs = Vec::new();
    for r in 0..3 {
        let mut net = Sequential::new(&[2], vec![])
            .add(Dense::new(8).activation(Activation::Tanh))
            .add(Dense::new(8).activation(Activation::Tanh))
            .add(Dense::new(1).activation(Activation::Sigmoid));
        net.build(&mut Rng::seed(SEED + r))?;
        let sgd = Sgd::new(SgdConfig { learning_rate: 0.03, ..Default::default() });
        let mut model = Model::new(net, sgd, Loss::BinaryCrossentropy { from_logits: false }, vec![]);
        timed_fit(&mut model, &data, 10, 0, 100 / steps_per_epoch, SEED + r)?;
        let from = 100 / steps_per_epoch;
        let secs = timed_fit(&mut model, &data, 10, from, from + timed_epochs, SEED + r)?;
        runs.push((timed_epochs * steps_per_epoch) as f64 / secs);
    }
    emit(json!({"workload": "W3-tiny", "batch": 10}), "steps_per_s", &runs);
    Ok(())
}

/// W6: sequence regression, [64, 50, 8] → LSTM 64 (last output, forget
/// bias 1) → Dense 1, MSE, Adam 1e-3, on 4,096 standard normal sequences
/// with target mean_t x[:, t, 0]·x[:, t, 1]; samples/s over 200 steps after
/// 20 warm-up steps. The sequences come from origami's `Rng` seeded 0, not
/// numpy's `default_rng(0)` (same distribution, other numbers: the figure is
/// a speed, which the values do not change).
fn w6(quick: bool) -> Result<()> {
    let (n, steps, features, batch) = (if quick { 256 } else { 4096 }, 50, 8, 64);
    let x = Tensor::randn(&[n, steps, features], 0.0, 1.0, &mut Rng::seed(SEED));
    let y: Vec<f32> = {
        let v = x.data();
        (0..n)
            .map(|i| {
                (0..steps).map(|t| v[(i * steps + t) * features] * v[(i * steps + t) * features + 1]).sum::<f32>()
                    / steps as f32
            })
            .collect()
    };
    let data = Dataset::new(x, Tensor::from_vec(y, &[n, 1])?)?;
    let (warm_steps, timed_steps) = if quick { (2, 6) } else { (20, 200) };
    let first = |k: usize| data.subset(&(0..k * batch).collect::<Vec<_>>());
    let warm = first(warm_steps)?;
    // the timed steps as whole epochs of the data plus an epoch of a prefix
    let per_epoch = n / batch;
    let (epochs, rest) = (timed_steps / per_epoch, timed_steps % per_epoch);
    let tail = first(rest)?;
    let mut runs = Vec::new();
    for r in 0..3 {
        let mut net = Sequential::new(&[steps, features], vec![]).add(LSTM::new(64)).add(Dense::new(1));
        net.build(&mut Rng::seed(SEED + r))?;
        let mut model = Model::new(net, adam(), Loss::MeanSquaredError, vec![]);
        timed_fit(&mut model, &warm, batch, 0, 1, SEED + r)?;
        let mut secs = timed_fit(&mut model, &data, batch, 1, 1 + epochs, SEED + r)?;
        if rest > 0 {
            secs += timed_fit(&mut model, &tail, batch, 1 + epochs, 2 + epochs, SEED + r)?;
        }
        runs.push((timed_steps * batch) as f64 / secs);
    }
    emit(json!({"workload": "W6-lstm", "batch": batch}), "samples_per_s", &runs);
    Ok(())
}

/// A raw table read and preprocessed (issue #16): 1M rows × 20 columns
/// (14 numbers with 5% gaps, 4 categories of 3–40 levels, a yes/no column
/// and a class target), written to a temporary file, then `data::table::read`
/// and `prepare` (inference, a stratified 80/20 split, the encoder fitted on
/// the training rows, both parts encoded) timed as `origami train --csv`
/// runs them. Rows per second of the whole load.
fn table(quick: bool) -> Result<()> {
    use origami::data::{csv::Task, table};
    use std::fmt::Write as _;
    let rows = if quick { 20_000 } else { 1_000_000 };
    let path = std::env::temp_dir().join(format!("origami-bench-table-{}.csv", std::process::id()));
    let mut rng = Rng::seed(7);
    let mut text = String::with_capacity(rows * 120);
    let head: Vec<String> = (0..14)
        .map(|j| format!("x{j}"))
        .chain((0..4).map(|j| format!("c{j}")))
        .chain(["flag".to_string(), "y".to_string()])
        .collect();
    let _ = writeln!(text, "{}", head.join(","));
    for _ in 0..rows {
        for _ in 0..14 {
            if rng.uniform() < 0.05 {
                text.push(',');
            } else {
                let _ = write!(text, "{:.4},", rng.normal() * 3.0 + 1.0);
            }
        }
        for levels in [3usize, 8, 15, 40] {
            let _ = write!(text, "level{},", (rng.uniform() * levels as f32) as usize);
        }
        let _ = writeln!(text, "{},{}", if rng.uniform() < 0.5 { "yes" } else { "no" }, (rng.uniform() * 3.0) as usize);
    }
    origami::io::write_atomic(&path, text.as_bytes())?;
    let megabytes = text.len() as f64 / 1e6;
    drop(text);
    let mut runs = Vec::new();
    for _ in 0..if quick { 1 } else { 3 } {
        let t = Instant::now();
        let opts = table::TableOptions::default();
        let raw = table::read(&path, &opts)?;
        let p = table::prepare(&raw, "y", Some(Task::Classification), 0.2, &mut Rng::seed(0), &opts)?;
        std::hint::black_box(&p.train);
        runs.push(rows as f64 / t.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_file(&path);
    emit(
        json!({"workload": "table-load", "rows": rows, "columns": 20, "file_mb": round(megabytes)}),
        "samples_per_s",
        &runs,
    );
    Ok(())
}
