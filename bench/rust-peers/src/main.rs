//! burn and candle on the workloads of bench/WORKLOADS.md (W1–W3),
//! measured as the peers' harness and `origami bench` measure them: 3 runs,
//! each a fresh model with seed = run, the median with min and max, one JSON
//! line per figure on stdout.
//!
//!   cargo run --release --features candle -- candle [W1|W2|W3|all] [--quick]
//!   cargo run --release --features burn -- burn [W1|W2|W3|all] [--quick]
//!
//! Images are NCHW here (both frameworks' native layout); the data is the
//! project's MNIST subset, pixels scaled to [0, 1].

use std::io::Read;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

#[cfg(feature = "burn")]
mod burn_bench;
#[cfg(feature = "candle")]
mod candle_bench;

/// MNIST in memory: images as rows of 784 floats, labels as class indices.
pub struct Mnist {
    pub x: Vec<f32>,
    pub y: Vec<u32>,
    pub test_x: Vec<f32>,
    pub test_y: Vec<u32>,
}

fn idx(path: &str) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut out).unwrap_or_else(|e| panic!("{path}: {e}"));
    out
}

pub fn mnist() -> Mnist {
    let dir = std::env::var("MNIST_DIR").unwrap_or_else(|_| "../../data/mnist".into());
    let images = |f: &str| idx(&format!("{dir}/{f}"))[16..].iter().map(|&p| p as f32 / 255.0).collect::<Vec<f32>>();
    let labels = |f: &str| idx(&format!("{dir}/{f}"))[8..].iter().map(|&l| l as u32).collect::<Vec<u32>>();
    Mnist {
        x: images("train-images-idx3-ubyte.gz"),
        y: labels("train-labels-idx1-ubyte.gz"),
        test_x: images("t10k-images-idx3-ubyte.gz"),
        test_y: labels("t10k-labels-idx1-ubyte.gz"),
    }
}

/// The W3 set: 500 points, half inside radius 2.5 (class 1), half on the
/// ring 3.5..5 (class 0), at uniform angles.
pub fn circle(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..500 {
        let inside = i % 2 == 0;
        let r = if inside { rng.gen_range(0.0..2.5f32) } else { rng.gen_range(3.5..5.0f32) };
        let a = rng.gen_range(0.0..std::f32::consts::TAU);
        x.extend([r * a.cos(), r * a.sin()]);
        y.push(inside as u8 as f32);
    }
    (x, y)
}

/// An endless stream of index batches, reshuffled every epoch, the last
/// partial batch kept (the peers' harness's `batches`).
pub struct Batches {
    n: usize,
    bs: usize,
    perm: Vec<u32>,
    pos: usize,
    rng: StdRng,
}

impl Batches {
    pub fn new(n: usize, bs: usize, seed: u64) -> Batches {
        Batches { n, bs, perm: Vec::new(), pos: n, rng: StdRng::seed_from_u64(seed) }
    }

    pub fn next_batch(&mut self) -> Vec<u32> {
        if self.pos >= self.n {
            self.perm = (0..self.n as u32).collect();
            self.perm.shuffle(&mut self.rng);
            self.pos = 0;
        }
        let end = (self.pos + self.bs).min(self.n);
        let b = self.perm[self.pos..end].to_vec();
        self.pos = end;
        b
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.n.div_ceil(self.bs)
    }
}

/// What a framework module provides: seconds for the timed part of one run.
pub trait Bench {
    /// W1 at `batch`: (seconds of 2 epochs after 1 warm-up epoch, samples timed).
    fn w1(&self, data: &Mnist, batch: usize, seed: u64, quick: bool) -> (f64, usize);
    /// W1's accuracy after 5 epochs at batch 32.
    fn w1_accuracy(&self, data: &Mnist, quick: bool) -> f64;
    /// W2: (seconds of 1 epoch after 20 warm-up steps, samples timed).
    fn w2(&self, data: &Mnist, seed: u64, quick: bool) -> (f64, usize);
    /// W3: (seconds of 2,000 steps after 100 warm-up steps, steps timed).
    fn w3(&self, seed: u64, quick: bool) -> (f64, usize);
}

fn emit(framework: &str, workload: &str, batch: usize, metric: &str, runs: &[f64]) {
    let mut v = runs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let digits = if metric == "accuracy" { 4 } else { 2 };
    let list: Vec<String> = runs.iter().map(|r| format!("{r:.digits$}")).collect();
    println!(
        "{{\"framework\":\"{framework}\",\"workload\":\"{workload}\",\"batch\":{batch},\"threads\":{},\"{metric}\":{:.digits$},\"min\":{:.digits$},\"max\":{:.digits$},\"runs\":[{}]}}",
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "2".into()),
        v[v.len() / 2],
        v[0],
        v[v.len() - 1],
        list.join(",")
    );
}

fn run(name: &str, b: &dyn Bench, which: &str, quick: bool) {
    let all = which == "all";
    if all || which == "W1" {
        let data = mnist();
        for batch in [32, 256] {
            let runs: Vec<f64> = (0..3)
                .map(|r| {
                    let (s, n) = b.w1(&data, batch, r, quick);
                    n as f64 / s
                })
                .collect();
            emit(name, "W1-mlp", batch, "samples_per_s", &runs);
        }
        emit(name, "W1-mlp-accuracy", 32, "accuracy", &[b.w1_accuracy(&data, quick)]);
    }
    if all || which == "W2" {
        let data = mnist();
        let runs: Vec<f64> = (0..3)
            .map(|r| {
                let (s, n) = b.w2(&data, r, quick);
                n as f64 / s
            })
            .collect();
        emit(name, "W2-cnn", 64, "samples_per_s", &runs);
    }
    if all || which == "W3" {
        let runs: Vec<f64> = (0..3)
            .map(|r| {
                let (s, n) = b.w3(r, quick);
                n as f64 / s
            })
            .collect();
        emit(name, "W3-tiny", 10, "steps_per_s", &runs);
    }
}

/// Times `f`.
pub fn timed(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let framework = args.first().map(String::as_str).unwrap_or("candle");
    let which = args.get(1).map(String::as_str).unwrap_or("all");
    let quick = args.iter().any(|a| a == "--quick");
    match framework {
        #[cfg(feature = "candle")]
        "candle" => run("candle", &candle_bench::Candle, which, quick),
        #[cfg(feature = "burn")]
        "burn" => run("burn", &burn_bench::Burn, which, quick),
        other => {
            eprintln!("{other}: not built (cargo build --release --features {other})");
            std::process::exit(2);
        }
    }
}
