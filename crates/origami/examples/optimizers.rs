//! The optimizer race: every optimizer of `origami::optim` on three problems,
//! measured — a version of the lecture's Table 11-2 ("optimizer comparison")
//! with numbers instead of stars.
//!
//! * an elongated bowl J = ½(x² + 100y²), where plain gradient descent must
//!   use a rate small enough for the steep y direction and so crawls along x;
//! * Rosenbrock's valley J = (1 − x)² + 100(y − x²)², a curved, flat-bottomed
//!   valley;
//! * a small tanh MLP (2 → 16 → 1, built from raw tensors) fitting
//!   sin(x₁)·cos(x₂) on 128 generated points, full batch.
//!
//! Every optimizer gets its best learning rate from a small grid (fewest
//! iterations to the threshold, then lowest final loss), so the race compares
//! optimizers rather than one arbitrary η. At the end, the learning-rate
//! finder picks η for 1cycle on the MLP.
//!
//! Run with `cargo run --release --example optimizers`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use origami::nn::Param;
use origami::optim::{
    lr_find, AdaGrad, AdaGradConfig, AdaMax, AdaMaxConfig, Adam, AdamConfig, AdamW, AdamWConfig, Lion, LionConfig,
    LrFinderConfig, Nadam, NadamConfig, OneCycle, OneCycleConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};
use origami::{Result, Rng, Tensor};

type MakeOptimizer = fn(f32) -> Box<dyn Optimizer>;

/// The contestants, each built at a given learning rate (other settings Keras's defaults).
const OPTIMIZERS: &[(&str, MakeOptimizer)] = &[
    ("SGD", |lr| Box::new(Sgd::new(SgdConfig { learning_rate: lr, ..Default::default() }))),
    ("Momentum 0.9", |lr| Box::new(Sgd::new(SgdConfig { learning_rate: lr, momentum: 0.9, nesterov: false }))),
    ("Nesterov 0.9", |lr| Box::new(Sgd::new(SgdConfig { learning_rate: lr, momentum: 0.9, nesterov: true }))),
    ("AdaGrad", |lr| Box::new(AdaGrad::new(AdaGradConfig { learning_rate: lr, ..Default::default() }))),
    ("RMSProp", |lr| Box::new(RmsProp::new(RmsPropConfig { learning_rate: lr, ..Default::default() }))),
    ("Adam", |lr| Box::new(Adam::new(AdamConfig { learning_rate: lr, ..Default::default() }))),
    ("AMSGrad", |lr| Box::new(Adam::new(AdamConfig { learning_rate: lr, amsgrad: true, ..Default::default() }))),
    ("AdaMax", |lr| Box::new(AdaMax::new(AdaMaxConfig { learning_rate: lr, ..Default::default() }))),
    ("Nadam", |lr| Box::new(Nadam::new(NadamConfig { learning_rate: lr, ..Default::default() }))),
    ("AdamW", |lr| Box::new(AdamW::new(AdamWConfig { learning_rate: lr, ..Default::default() }))),
    ("Lion", |lr| Box::new(Lion::new(LionConfig { learning_rate: lr, ..Default::default() }))),
];

const RATES: &[f32] = &[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0];

type Init = Box<dyn Fn() -> Vec<Tensor> + Sync>;
type LossFn = Box<dyn Fn(&[Tensor]) -> Result<Tensor> + Sync>;

/// A race track: fresh parameters, the loss, and the finish line.
struct Problem {
    name: &'static str,
    init: Init,
    loss: LossFn,
    threshold: f32,
    max_iters: usize,
}

/// The raw tensors as named parameters, `p0`, `p1`, … (the optimizers key their state by name).
fn named(params: &[Tensor]) -> Vec<Param> {
    params.iter().enumerate().map(|(i, t)| Param::trainable(&format!("p{i}"), t)).collect()
}

fn scalar_param(v: f32) -> Tensor {
    Tensor::scalar(v).requires_grad()
}

fn bowl() -> Problem {
    Problem {
        name: "elongated bowl",
        init: Box::new(|| vec![scalar_param(-4.0), scalar_param(1.0)]),
        loss: Box::new(|p| p[0].square().add(&p[1].square().mul_scalar(100.0))?.mul_scalar(0.5).sum_all().into_ok()),
        threshold: 1e-4,
        max_iters: 1000,
    }
}

fn rosenbrock() -> Problem {
    Problem {
        name: "Rosenbrock valley",
        init: Box::new(|| vec![scalar_param(-1.2), scalar_param(1.0)]),
        loss: Box::new(|p| {
            let (x, y) = (&p[0], &p[1]);
            let a = x.affine(-1.0, 1.0).square();
            let b = y.sub(&x.square())?.square().mul_scalar(100.0);
            a.add(&b)?.sum_all().into_ok()
        }),
        threshold: 1e-3,
        max_iters: 2000,
    }
}

fn mlp() -> Problem {
    let (n, hidden) = (128, 16);
    let mut rng = Rng::seed(42);
    let x = Tensor::rand_uniform(&[n, 2], -2.0, 2.0, &mut rng);
    let y: Vec<f32> = x.to_vec().chunks(2).map(|r| r[0].sin() * r[1].cos()).collect();
    let y = Tensor::from_vec(y, &[n, 1]).expect("n targets");
    Problem {
        name: "MLP 2-16-1",
        init: Box::new(move || {
            // Glorot-uniform weights from a fixed seed: every run starts alike.
            let mut rng = Rng::seed(7);
            let glorot = |fan_in: usize, fan_out: usize, rng: &mut Rng| {
                let limit = (6.0 / (fan_in + fan_out) as f32).sqrt();
                Tensor::rand_uniform(&[fan_in, fan_out], -limit, limit, rng).requires_grad()
            };
            let w1 = glorot(2, hidden, &mut rng);
            let w2 = glorot(hidden, 1, &mut rng);
            vec![w1, Tensor::zeros(&[hidden]).requires_grad(), w2, Tensor::zeros(&[1]).requires_grad()]
        }),
        loss: Box::new(move |p| {
            let h = x.matmul(&p[0])?.add(&p[1])?.tanh();
            let out = h.matmul(&p[2])?.add(&p[3])?;
            out.sub(&y)?.square().mean_all().into_ok()
        }),
        threshold: 0.01,
        max_iters: 500,
    }
}

/// `Ok` without naming the error type in every closure.
trait IntoOk: Sized {
    fn into_ok(self) -> Result<Self> {
        Ok(self)
    }
}
impl IntoOk for Tensor {}

/// How one (optimizer, η) run went.
#[derive(Clone, Copy)]
struct Outcome {
    lr: f32,
    /// Steps after which the loss stayed below the threshold to the end.
    iters: Option<usize>,
    /// Loss after `max_iters` steps (∞ if it diverged).
    final_loss: f32,
}

impl Outcome {
    /// Fewer iterations wins; without a finish, the lower final loss.
    fn better_than(&self, other: &Outcome) -> bool {
        match (self.iters, other.iters) {
            (Some(a), Some(b)) => a < b || (a == b && self.final_loss < other.final_loss),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => self.final_loss < other.final_loss,
        }
    }
}

fn race(problem: &Problem, opt: &mut dyn Optimizer, lr: f32) -> Result<Outcome> {
    let params = (problem.init)();
    let mut iters = None;
    for i in 0..problem.max_iters {
        let loss = (problem.loss)(&params)?;
        let l = loss.item()?;
        if !l.is_finite() || l > 1e12 {
            return Ok(Outcome { lr, iters, final_loss: f32::INFINITY });
        }
        // Count from the last crossing: a run that dips below the line and
        // bounces out again has not finished.
        if l >= problem.threshold {
            iters = None;
        } else if iters.is_none() {
            iters = Some(i);
        }
        opt.step(&named(&params), &loss.backward()?)?;
    }
    let final_loss = (problem.loss)(&params)?.item()?;
    if final_loss.is_nan() || final_loss >= problem.threshold {
        iters = None;
    }
    let final_loss = if final_loss.is_finite() { final_loss } else { f32::INFINITY };
    Ok(Outcome { lr, iters, final_loss })
}

/// Every (problem, optimizer, η) run, spread over the machine's cores.
fn run_all(problems: &[Problem]) -> Result<Vec<Vec<Outcome>>> {
    let jobs: Vec<(usize, usize, f32)> = (0..problems.len())
        .flat_map(|p| (0..OPTIMIZERS.len()).flat_map(move |o| RATES.iter().map(move |&lr| (p, o, lr))))
        .collect();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(jobs.len()));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(&(p, o, lr)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let outcome = race(&problems[p], OPTIMIZERS[o].1(lr).as_mut(), lr);
                    results.lock().unwrap_or_else(|e| e.into_inner()).push((p, o, outcome));
                }
            });
        }
    });
    // best[p][o]: the best η's outcome.
    let mut best: Vec<Vec<Option<Outcome>>> = vec![vec![None; OPTIMIZERS.len()]; problems.len()];
    for (p, o, outcome) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let outcome = outcome?;
        let slot = &mut best[p][o];
        if slot.map_or(true, |b| outcome.better_than(&b)) {
            *slot = Some(outcome);
        }
    }
    Ok(best.into_iter().map(|row| row.into_iter().map(|o| o.expect("every job ran")).collect()).collect())
}

fn cell(o: &Outcome) -> String {
    let iters = o.iters.map_or("—".to_string(), |i| i.to_string());
    format!("{:>6} {:>6} {:>10.2e}", o.lr, iters, o.final_loss)
}

fn main() -> Result<()> {
    let started = Instant::now();
    let problems = [bowl(), rosenbrock(), mlp()];
    let best = run_all(&problems)?;

    println!("Iterations after which the loss stays below the threshold, and the loss after the last");
    println!("iteration, at each optimizer's best η from {RATES:?} (— : not reached).\n");
    let mut header = format!("{:<13}", "");
    let mut sub = format!("{:<13}", "optimizer");
    for p in &problems {
        let title = format!("{} (< {:e}, {} it.)", p.name, p.threshold, p.max_iters);
        header.push_str(&format!(" │ {title:^24}"));
        sub.push_str(&format!(" │ {:>6} {:>6} {:>10}", "η", "iters", "final"));
    }
    println!("{header}\n{sub}");
    println!("{}", "─".repeat(sub.chars().count()));
    for (o, (name, _)) in OPTIMIZERS.iter().enumerate() {
        let mut line = format!("{name:<13}");
        for row in &best {
            line.push_str(&format!(" │ {}", cell(&row[o])));
        }
        println!("{line}");
    }

    // The lr finder on the MLP, then 1cycle at its suggestion.
    let problem = &problems[2];
    let params = (problem.init)();
    let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, ..Default::default() });
    let cfg = LrFinderConfig { num_steps: 200, start_lr: 1e-5, ..Default::default() };
    let found = lr_find(&named(&params), &mut sgd, |_| (problem.loss)(&params), cfg)?;
    let schedule = OneCycle::new(OneCycleConfig::new(problem.max_iters, found.suggested_lr))?;
    let mut one_cycle = sgd.with_schedule(schedule);
    let outcome = race(problem, &mut one_cycle, found.suggested_lr)?;
    println!(
        "\nlr finder on the MLP (momentum 0.9): loss lowest at η = {:.3}, suggests η₁ = {:.3}, η₀ = {:.4};",
        found.min_loss_lr, found.suggested_lr, found.suggested_start_lr
    );
    println!(
        "1cycle with it: {} iterations to < {:e}, final loss {:.2e}.",
        outcome.iters.map_or("—".to_string(), |i| i.to_string()),
        problem.threshold,
        outcome.final_loss
    );
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}
