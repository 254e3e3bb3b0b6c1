//! Experiments that train fresh copies of a session's configuration, apart
//! from its live model: "train N times" (how much the seed matters) and the
//! decision-boundary timeline (before training, early, a good fit, overfit,
//! with the early-stopping point).
//!
//! They run on the server's blocking pool, never on the session's worker,
//! so the live model keeps training meanwhile. Their cost is bounded up
//! front by counting optimizer steps, so a request cannot occupy the server
//! for minutes.

use serde::Serialize;

use super::api::Config;
use super::engine::Engine;
use super::session::downsample;

/// Most optimizer steps one experiment may take (all runs together).
pub const MAX_STEPS: usize = 400_000;
/// Cells per side of an experiment's small heatmaps.
pub const SMALL_RES: usize = 30;

fn check_work(cfg: &Config, runs: usize, epochs: usize) -> Result<(), String> {
    let train = cfg.points * cfg.train_pct as usize / 100;
    let steps = runs * epochs * train.div_ceil(cfg.batch_size).max(1);
    if steps > MAX_STEPS {
        return Err(format!(
            "that is {steps} optimizer steps, more than the {MAX_STEPS} allowed: fewer epochs or runs, or a larger batch"
        ));
    }
    Ok(())
}

/// One of the N trainings.
#[derive(Serialize)]
pub struct Run {
    pub seed: u64,
    pub train_loss: f32,
    pub test_loss: f32,
    pub test_acc: Option<f32>,
    /// `[epoch, train, test]`, downsampled.
    pub history: Vec<[f32; 3]>,
    /// The final output heatmap, `SMALL_RES`², base64 as in the snapshot.
    pub output: String,
    pub error: Option<String>,
    /// `[epoch, seconds]` when the test loss first fell below the threshold.
    pub solved: Option<[f32; 2]>,
}

/// The N trainings and the spread of their final test loss.
#[derive(Serialize)]
pub struct Runs {
    pub res: usize,
    pub runs: Vec<Run>,
    pub min: f32,
    pub median: f32,
    pub max: f32,
    pub mean: f32,
    pub std: f32,
    /// The threshold of time to solution, how many runs reached it, and
    /// the median epoch at which they did (null if none did).
    pub threshold: f32,
    pub solved_runs: usize,
    pub median_solved_epoch: Option<f32>,
}

/// Trains `cfg` with seeds `seed … seed+n−1` side by side (one thread each) for `epochs`.
pub fn train_n_times(cfg: &Config, n: usize, epochs: usize, threshold: f32) -> Result<Runs, String> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(format!("threshold must be a positive number, got {threshold}"));
    }
    if !(1..=12).contains(&n) || !(1..=1000).contains(&epochs) {
        return Err(format!("n must lie in [1, 12] and epochs in [1, 1000], got {n} and {epochs}"));
    }
    check_work(cfg, n, epochs)?;
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n as u64)
            .map(|k| {
                let cfg = Config { seed: cfg.seed.wrapping_add(k), ..cfg.clone() };
                s.spawn(move || one_run(cfg, epochs, threshold))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| Run {
                    seed: 0,
                    train_loss: f32::NAN,
                    test_loss: f32::NAN,
                    test_acc: None,
                    history: Vec::new(),
                    output: String::new(),
                    error: Some("the training thread failed".into()),
                    solved: None,
                })
            })
            .collect()
    });
    let mut finals: Vec<f32> = runs.iter().map(|r| r.test_loss).filter(|v| v.is_finite()).collect();
    finals.sort_by(f32::total_cmp);
    let (min, max) = (finals.first().copied().unwrap_or(f32::NAN), finals.last().copied().unwrap_or(f32::NAN));
    let median = if finals.is_empty() { f32::NAN } else { finals[finals.len() / 2] };
    let mean = finals.iter().sum::<f32>() / finals.len().max(1) as f32;
    let var = finals.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / finals.len().max(1) as f32;
    let mut at: Vec<f32> = runs.iter().filter_map(|r| r.solved.map(|s| s[0])).collect();
    at.sort_by(f32::total_cmp);
    let median_solved_epoch = (!at.is_empty()).then(|| at[at.len() / 2]);
    Ok(Runs {
        res: SMALL_RES,
        solved_runs: at.len(),
        runs,
        min,
        median,
        max,
        mean,
        std: var.sqrt(),
        threshold,
        median_solved_epoch,
    })
}

fn one_run(cfg: Config, epochs: usize, threshold: f32) -> Run {
    let seed = cfg.seed;
    let result = (|| -> Result<Run, String> {
        let mut e = Engine::new(cfg)?;
        let mut error = None;
        for _ in 0..epochs {
            if let Err(m) = e.train_epoch() {
                error = Some(m);
                break;
            }
        }
        let last = *e.history.last().unwrap_or(&[0.0, f32::NAN, f32::NAN]);
        Ok(Run {
            seed,
            train_loss: last[1],
            test_loss: last[2],
            test_acc: e.accuracies()?.map(|a| a.1),
            history: downsample(&e.history, 100),
            output: e.output_map(SMALL_RES)?,
            error,
            solved: e.solved(threshold).map(|(ep, secs)| [ep as f32, secs]),
        })
    })();
    result.unwrap_or_else(|m| Run {
        seed,
        train_loss: f32::NAN,
        test_loss: f32::NAN,
        test_acc: None,
        history: Vec::new(),
        output: String::new(),
        error: Some(m),
        solved: None,
    })
}

/// The output at one chosen epoch.
#[derive(Serialize)]
pub struct Frame {
    pub epoch: usize,
    pub train_loss: f32,
    pub test_loss: f32,
    pub output: String,
}

/// Snapshots at chosen epochs and the whole train/validation curve.
#[derive(Serialize)]
pub struct Timeline {
    pub res: usize,
    pub frames: Vec<Frame>,
    /// `[epoch, train, test]` at every epoch.
    pub history: Vec<[f32; 3]>,
    /// The epoch of least test (validation) loss: where early stopping would stop.
    pub best_epoch: usize,
    pub best_test_loss: f32,
    pub error: Option<String>,
}

/// Trains `cfg` from scratch up to the largest of `epochs`, keeping the output at each.
pub fn timeline(cfg: &Config, epochs: &[usize]) -> Result<Timeline, String> {
    if epochs.is_empty() || epochs.len() > 8 || epochs.iter().any(|&e| e > 2000) {
        return Err("epochs must list 1 to 8 epochs, each at most 2000".into());
    }
    let mut wanted = epochs.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let last = *wanted.last().unwrap_or(&0);
    check_work(cfg, 1, last)?;
    let mut e = Engine::new(cfg.clone())?;
    let mut frames = Vec::new();
    let mut error = None;
    for &target in &wanted {
        while e.epoch < target && error.is_none() {
            if let Err(m) = e.train_epoch() {
                error = Some(m);
            }
        }
        if error.is_some() {
            break;
        }
        let h = e.history.last().copied().unwrap_or([0.0, f32::NAN, f32::NAN]);
        frames.push(Frame { epoch: e.epoch, train_loss: h[1], test_loss: h[2], output: e.output_map(SMALL_RES)? });
    }
    let best = e.history.iter().filter(|h| h[2].is_finite()).min_by(|a, b| a[2].total_cmp(&b[2])).copied();
    let (best_epoch, best_test_loss) = best.map(|h| (h[0] as usize, h[2])).unwrap_or((0, f32::NAN));
    Ok(Timeline { res: SMALL_RES, frames, history: e.history, best_epoch, best_test_loss, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_differ_by_seed_and_report_a_spread() {
        let cfg = Config { points: 100, layers: vec![3], ..Config::default() };
        let r = train_n_times(&cfg, 3, 5, 0.1).unwrap();
        assert_eq!(r.runs.len(), 3);
        assert!(r.min <= r.median && r.median <= r.max);
        assert_ne!(r.runs[0].test_loss, r.runs[1].test_loss);
        // a threshold every run passes at once: solved at epoch 0 by all
        let easy = train_n_times(&cfg, 3, 5, 1e9).unwrap();
        assert_eq!((easy.solved_runs, easy.median_solved_epoch), (3, Some(0.0)));
        let never = train_n_times(&cfg, 2, 2, 1e-9).unwrap();
        assert_eq!((never.solved_runs, never.median_solved_epoch), (0, None));
        assert!(train_n_times(&cfg, 2, 2, f32::NAN).is_err());
    }

    #[test]
    fn timeline_marks_the_best_epoch() {
        let cfg = Config { points: 100, ..Config::default() };
        let t = timeline(&cfg, &[0, 3, 10]).unwrap();
        assert_eq!(t.frames.iter().map(|f| f.epoch).collect::<Vec<_>>(), vec![0, 3, 10]);
        assert_eq!(t.history.len(), 11);
        assert!(t.best_epoch <= 10);
        assert!(timeline(&cfg, &[5000]).is_err());
        let big = Config { points: 2000, batch_size: 1, ..Config::default() };
        assert!(matches!(train_n_times(&big, 12, 1000, 0.1), Err(e) if e.contains("steps")));
    }
}
