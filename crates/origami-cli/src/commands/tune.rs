//! `origami tune CONFIG`: hyperparameter search.
//!
//! The config's `[tune.params]` maps key paths to candidate values — a list
//! (`"optimizer.learning_rate" = [1e-3, 3e-3]`) or, for random search, a
//! range (`{ min = 1e-4, max = 1e-1, log = true }`). Grid search tries every
//! combination, random search `trials` draws. A trial is the config with
//! those keys set, scored by K-fold cross-validation (`folds`) or on a
//! validation split of the training set, never on the test set; features
//! are standardised per fold, fitted on the fold's training part. Trials run
//! in parallel, one per core, each with one kernel thread (small models
//! gain more from running side by side than from splitting their GEMMs).
//! The table of trials sorted by score, `results.csv` and `best.toml` (the
//! config with the best values, ready for `origami train`) go to the tune
//! directory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Args;
use origami::data::{kfold, Dataset};
use origami::io::write_atomic;
use origami::train::{FitConfig, Validation, Verbosity};
use origami::Rng;

use super::{build_net, compile, json_number, model_file, OutputArgs};
use crate::config::{self, Resolved, TaskName};
use crate::error::{CliError, CliResult};

/// Search hyperparameters listed in the config's [tune] section.
#[derive(Args, Debug)]
#[command(after_help = "Example config section:
  [tune]
  method = \"grid\"            # or \"random\" (with trials = N)
  folds = 3                  # K-fold cross-validation; 0: a validation split
  [tune.params]
  \"optimizer.learning_rate\" = [0.001, 0.01]
  \"model.layers[0].units\" = [8, 32]

Example:
  origami tune my_config.toml --parallel 2")]
pub struct TuneArgs {
    /// The TOML config with a [tune] section.
    pub config: PathBuf,
    /// Trials run at once (default: the number of cores).
    #[arg(long)]
    pub parallel: Option<usize>,
    /// Directory for results.csv and best.toml (default: OUTPUT_DIR/NAME-tune).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One hyperparameter's candidates.
#[derive(Clone, Debug)]
enum Space {
    List(Vec<toml::Value>),
    Range { min: f64, max: f64, log: bool, integer: bool },
}

struct Plan {
    method: String,
    trials: usize,
    folds: usize,
    metric: Option<String>,
    params: Vec<(String, Space)>,
}

fn plan(table: &toml::Table) -> CliResult<Plan> {
    let t = table
        .get("tune")
        .and_then(|v| v.as_table())
        .ok_or_else(|| CliError::usage("tune: the config has no [tune] section."))?;
    let mut p = Plan { method: "grid".into(), trials: 10, folds: 0, metric: None, params: Vec::new() };
    for (k, v) in t {
        let bad = |what: &str| CliError::usage(format!("tune.{k}: expected {what}, found {v}"));
        match k.as_str() {
            "method" => {
                p.method = v
                    .as_str()
                    .filter(|m| *m == "grid" || *m == "random")
                    .ok_or_else(|| bad("\"grid\" or \"random\""))?
                    .into()
            }
            "trials" => p.trials = v.as_integer().filter(|&n| n > 0).ok_or_else(|| bad("a positive integer"))? as usize,
            "folds" => {
                p.folds =
                    v.as_integer().filter(|&n| n == 0 || n >= 2).ok_or_else(|| bad("0 or an integer ≥ 2"))? as usize
            }
            "metric" => {
                p.metric = Some(v.as_str().ok_or_else(|| bad("a logged name such as \"val_accuracy\""))?.into())
            }
            "params" => {
                let ps = v.as_table().ok_or_else(|| bad("a table of key paths"))?;
                for (path, space) in ps {
                    let bad =
                        |what: &str| CliError::usage(format!("tune.params.\"{path}\": expected {what}, found {space}"));
                    let s = match space {
                        toml::Value::Array(a) if !a.is_empty() => Space::List(a.clone()),
                        toml::Value::Table(r) => {
                            let num =
                                |k: &str| r.get(k).and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
                            let (Some(min), Some(max)) = (num("min"), num("max")) else {
                                return Err(bad("a list, or a range { min, max, log, integer }"));
                            };
                            let log = r.get("log").and_then(|v| v.as_bool()).unwrap_or(false);
                            let integer = r.get("integer").and_then(|v| v.as_bool()).unwrap_or(false);
                            if max < min || (log && min <= 0.0) {
                                return Err(bad("min ≤ max (and min > 0 with log)"));
                            }
                            Space::Range { min, max, log, integer }
                        }
                        _ => return Err(bad("a non-empty list, or a range { min, max }")),
                    };
                    p.params.push((path.clone(), s));
                }
            }
            _ => {
                let known = origami::spec::field_names::<crate::config::TuneConfig>().join(", ");
                return Err(CliError::usage(format!("tune: unknown key {k:?} (expected {known})")));
            }
        }
    }
    if p.params.is_empty() {
        return Err(CliError::usage("tune.params: list at least one hyperparameter to search."));
    }
    if p.method == "grid" && p.params.iter().any(|(_, s)| matches!(s, Space::Range { .. })) {
        return Err(CliError::usage("tune.method: a grid needs lists; ranges need method = \"random\"."));
    }
    Ok(p)
}

/// The trials: each a list of (path, value).
fn trials(p: &Plan, seed: u64) -> Vec<Vec<(String, toml::Value)>> {
    if p.method == "grid" {
        let mut out: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
        for (path, s) in &p.params {
            let Space::List(vals) = s else { continue };
            out = out
                .into_iter()
                .flat_map(|t| {
                    vals.iter().map(move |v| {
                        let mut t = t.clone();
                        t.push((path.clone(), v.clone()));
                        t
                    })
                })
                .collect();
        }
        return out;
    }
    let mut rng = Rng::seed(seed ^ 0x7E57);
    (0..p.trials)
        .map(|_| {
            p.params
                .iter()
                .map(|(path, s)| {
                    let v = match s {
                        Space::List(vals) => vals[(rng.uniform() * vals.len() as f32) as usize % vals.len()].clone(),
                        Space::Range { min, max, log, integer } => {
                            let u = rng.uniform() as f64;
                            let x =
                                if *log { (min.ln() + u * (max.ln() - min.ln())).exp() } else { min + u * (max - min) };
                            if *integer {
                                toml::Value::Integer(x.round() as i64)
                            } else {
                                toml::Value::Float(x)
                            }
                        }
                    };
                    (path.clone(), v)
                })
                .collect()
        })
        .collect()
}

/// The trial's config (with its [tune] section removed).
fn trial_config(base: &toml::Table, values: &[(String, toml::Value)]) -> CliResult<Resolved> {
    let mut t = base.clone();
    t.remove("tune");
    for (path, v) in values {
        config::set_path(&mut t, path, v.clone())?;
    }
    config::resolve(t)
}

/// The (training, held-out) pairs a trial is scored on: K folds of the
/// training set, or one validation split of it. The data comes unscaled;
/// with `standardize` each pair's scaler is fitted on its training part
/// alone and applied to its held-out part, so no statistic of the part
/// that scores the trial leaks into its training (fitting on the whole
/// training set before folding would).
///
/// For a CSV table, each pair's encoder (medians, levels, scales) is
/// refitted on its training part from the table as read.
fn parts(
    train: &Dataset,
    table: Option<&crate::data::TableSource>,
    classification: bool,
    folds: usize,
    validation_split: f32,
    seed: u64,
    standardize: bool,
) -> CliResult<Vec<(Dataset, Dataset)>> {
    let indices: Vec<(Vec<usize>, Vec<usize>)> = if folds >= 2 {
        let labels = if classification { Some(train.labels()?) } else { None };
        kfold(train.len(), folds, Some(&mut Rng::seed(seed)), labels.as_deref())?
            .into_iter()
            .map(|f| (f.train, f.val))
            .collect()
    } else {
        let frac = if validation_split > 0.0 { validation_split as f64 } else { 0.2 };
        let labels = if classification { Some(train.labels()?) } else { None };
        let s = origami::data::train_val_test(train.len(), frac, 0.0, &mut Rng::seed(seed), labels.as_deref())?;
        vec![(s.train, s.val)]
    };
    let raw: Vec<(Dataset, Dataset)> = indices
        .iter()
        .map(|(fit, held_out)| match table {
            Some(t) => t.refit(fit, held_out, train),
            None => Ok((train.subset(fit)?, train.subset(held_out)?)),
        })
        .collect::<CliResult<_>>()?;
    if !standardize {
        return Ok(raw);
    }
    raw.iter()
        .map(|(tr, held_out)| crate::data::standardize_split(tr, held_out).map(|(tr, held_out, _)| (tr, held_out)))
        .collect()
}

/// A trial's validation score: its mean and standard deviation over the
/// folds (0 for a single split) and how many parts it was scored on.
#[derive(Clone, Copy, Debug)]
struct Score {
    mean: f64,
    std: f64,
    parts: usize,
}

/// The validation score of one trial over the folds (or the split).
fn score(r: &Resolved, metric: &str, folds: usize) -> CliResult<Score> {
    let c = &r.config;
    let data = crate::data::load_unscaled(&c.data, c.seed)?;
    let file = model_file(r, &data)?;
    let classification = data.task == TaskName::Classification;
    let standardize = crate::data::standardizes(&c.data, &data);
    let parts = parts(
        &data.train,
        data.table.as_deref(),
        classification,
        folds,
        c.training.validation_split,
        c.seed,
        standardize,
    )?;
    let mut scores = Vec::with_capacity(parts.len());
    for (train, val) in &parts {
        let mut model = compile(&file, build_net(&file)?)?;
        let cfg = FitConfig {
            epochs: c.training.epochs,
            batch_size: c.training.batch_size,
            shuffle: c.training.shuffle,
            seed: c.seed,
            validation: Validation::None,
            verbosity: Verbosity::Silent,
            class_weight: crate::class_weight::for_fit(c, &data)?,
            ..Default::default()
        };
        let mut cbs: Vec<Box<dyn origami::train::Callback>> = Vec::new();
        if let Some(s) = &file.training.schedule {
            let steps = train.len().div_ceil(c.training.batch_size).max(1);
            let total = if s.per_epoch() { c.training.epochs } else { c.training.epochs * steps };
            let per = if s.per_epoch() {
                origami::train::callbacks::SchedulePer::Epoch
            } else {
                origami::train::callbacks::SchedulePer::Step
            };
            let schedule = s.build(file.training.optimizer.learning_rate(), total)?;
            cbs.push(Box::new(origami::train::callbacks::LearningRateScheduler { schedule, per }));
        }
        let mut refs: Vec<&mut dyn origami::train::Callback> = cbs.iter_mut().map(|b| &mut **b as _).collect();
        model.fit(train, &cfg, &mut refs).map_err(|e| CliError::failed(format!("a trial failed: {e}")))?;
        let ev = model.evaluate(val, 512)?;
        let name = metric.strip_prefix("val_").unwrap_or(metric);
        scores.push(
            ev.get(name)
                .ok_or_else(|| CliError::usage(format!("tune.metric: {metric:?} is not logged by this model")))?
                as f64,
        );
    }
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    // The sample standard deviation (n − 1; scikit-learn's std_test_score divides by n).
    let std = if scores.len() > 1 {
        (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Ok(Score { mean, std, parts: scores.len() })
}

/// A hyperparameter's value for people: floats to 4 significant digits.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => super::significant(*x, 4),
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `mean ± std` (just the mean for one part).
fn show_score(s: &Score) -> String {
    if s.parts > 1 {
        format!("{:.4} ± {:.4}", s.mean, s.std)
    } else {
        format!("{:.4}", s.mean)
    }
}

pub fn run(args: &TuneArgs) -> CliResult<()> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| CliError::usage(format!("cannot read the config {}: {e}.", args.config.display())))?;
    let base = config::parse_table(&text, &args.config.display().to_string())?;
    let p = plan(&base)?;
    let first = trial_config(&base, &[])?;
    let classification = crate::data::load(&first.config.data, first.config.seed)?.task == TaskName::Classification;
    let metric =
        p.metric.clone().unwrap_or_else(|| if classification { "val_accuracy".into() } else { "val_loss".into() });
    let maximize = origami::train::metrics::maximized(&metric);
    let all = trials(&p, first.config.seed);
    // Check every trial's config before spending time on any.
    let configs = all.iter().map(|t| trial_config(&base, t)).collect::<CliResult<Vec<_>>>()?;
    let workers = args
        .parallel
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, configs.len().min(origami::parallel::max_threads()));
    let o = args.output;
    // The results' folder, chosen (and claimed) before any trial runs: never one that holds results.
    let c = &first.config;
    let dir = match &args.out {
        Some(d) if d.join("results.csv").exists() => {
            return Err(CliError::usage(format!(
                "--out {}: it holds the results of an earlier search; choose another folder",
                d.display()
            )))
        }
        Some(d) => d.clone(),
        None => {
            super::train::fresh_dir(&c.output_dir, &format!("{}-tune", c.name.clone().unwrap_or_else(|| "run".into())))
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| origami::Error::io(&dir, e))?;
    o.say(format!(
        "{} search: {} trials scored by {} on {}, {workers} at a time",
        p.method,
        configs.len(),
        metric,
        if p.folds >= 2 { format!("{}-fold cross-validation", p.folds) } else { "a validation split".into() }
    ));
    if workers > 1 {
        origami::set_num_threads(1);
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CliResult<Score>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= configs.len() {
                    break;
                }
                let r = score(&configs[i], &metric, p.folds);
                if let Ok(v) = &r {
                    let params: Vec<String> = all[i].iter().map(|(k, x)| format!("{k} = {}", show(x))).collect();
                    o.say(format!(
                        "  trial {}/{}: {} → {metric} = {}",
                        i + 1,
                        configs.len(),
                        params.join(", "),
                        show_score(v)
                    ));
                }
                results.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
            });
        }
    });
    let mut rows = Vec::new();
    for (i, r) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        rows.push((i, r?));
    }
    rows.sort_by(|a, b| {
        let o = a.1.mean.partial_cmp(&b.1.mean).unwrap_or(std::cmp::Ordering::Equal);
        if maximize {
            o.reverse()
        } else {
            o
        }
    });
    let names: Vec<&str> = p.params.iter().map(|(n, _)| n.as_str()).collect();
    let mut csv = format!("rank,{},{metric},{metric}_std,parts\n", names.join(","));
    let mut table = format!(
        "{:>4}  {}  {metric}\n",
        "rank",
        names.iter().map(|n| format!("{n:>24}")).collect::<Vec<_>>().join("  ")
    );
    for (rank, (i, v)) in rows.iter().enumerate() {
        let vals: Vec<String> = all[*i].iter().map(|(_, x)| x.to_string()).collect();
        csv.push_str(&format!("{},{},{},{},{}\n", rank + 1, vals.join(","), v.mean, v.std, v.parts));
        table.push_str(&format!(
            "{:>4}  {}  {}\n",
            rank + 1,
            all[*i].iter().map(|(_, x)| format!("{:>24}", show(x))).collect::<Vec<_>>().join("  "),
            show_score(v)
        ));
    }
    o.say(table.trim_end());
    write_atomic(&dir.join("results.csv"), csv.as_bytes())?;
    let (best_i, best) = rows[0];
    let best_v = best.mean;
    let mut best_table = base.clone();
    best_table.remove("tune");
    for (path, v) in &all[best_i] {
        config::set_path(&mut best_table, path, v.clone())?;
    }
    let best_text =
        toml::to_string(&best_table).map_err(|e| CliError::failed(format!("cannot write best.toml: {e}")))?;
    write_atomic(
        &dir.join("best.toml"),
        format!("# best of origami tune: {metric} = {best_v}\n{best_text}").as_bytes(),
    )?;
    o.say(format!(
        "best: {} ({metric} = {}); wrote {}\nthe best config: {} (train it with `origami train {}`)",
        all[best_i].iter().map(|(k, v)| format!("{k} = {}", show(v))).collect::<Vec<_>>().join(", "),
        show_score(&best),
        dir.join("results.csv").display(),
        dir.join("best.toml").display(),
        dir.join("best.toml").display()
    ));
    if o.json {
        let params: serde_json::Map<String, serde_json::Value> =
            all[best_i].iter().map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default())).collect();
        let line = serde_json::json!({"metric": metric, "best_score": json_number(best_v), "best_score_std": json_number(best.std), "best_params": params, "trials": rows.len(), "out_dir": dir.display().to_string()});
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn values_are_shown_rounded() {
        assert_eq!(super::super::significant(0.029999999329447746, 4), "0.03");
        assert_eq!(super::super::significant(0.0012345678, 4), "0.001235");
        assert_eq!(super::super::significant(123456.0, 4), "123500");
        assert_eq!(super::super::significant(1.5e-9, 4), "1.500e-9");
        assert_eq!(show(&toml::Value::Integer(16)), "16");
        let s = Score { mean: 0.5, std: 0.01234, parts: 3 };
        assert_eq!(show_score(&s), "0.5000 ± 0.0123");
    }

    /// The reference documents `[tune]` from `config::TuneConfig`; the
    /// parser here must read exactly its keys.
    #[test]
    fn the_parser_reads_every_documented_key() {
        let value = |k: &str| -> toml::Value {
            match k {
                "method" => "random".into(),
                "trials" | "folds" => toml::Value::Integer(3),
                "metric" => "val_loss".into(),
                _ => toml::Value::Table(toml::Table::new()),
            }
        };
        for k in origami::spec::field_names::<crate::config::TuneConfig>() {
            let mut tune = toml::Table::new();
            tune.insert((*k).into(), value(k));
            let mut params = toml::Table::new();
            params.insert("optimizer.learning_rate".into(), toml::Value::Array(vec![0.1.into()]));
            tune.entry("params").or_insert(toml::Value::Table(params.clone()));
            if tune["params"].as_table().is_some_and(|t| t.is_empty()) {
                tune.insert("params".into(), toml::Value::Table(params));
            }
            let mut table = toml::Table::new();
            table.insert("tune".into(), toml::Value::Table(tune));
            if let Err(e) = plan(&table) {
                panic!("tune.{k}: {}", e.message);
            }
        }
    }

    use super::*;
    use origami::Tensor;

    /// A one-feature set: ten values near 0 in class 0 and ten near 0 in
    /// class 1, plus one far outlier (1000) that lands in one held-out fold.
    fn data() -> Dataset {
        let mut x: Vec<f32> = (0..20).map(|i| (i % 10) as f32 * 0.1).collect();
        x.push(1000.0);
        let y: Vec<f32> = (0..21).map(|i| (i % 2) as f32).collect();
        Dataset::new(Tensor::from_vec(x, &[21, 1]).unwrap(), Tensor::from_vec(y, &[21]).unwrap()).unwrap()
    }

    fn mean_std(v: &[f32]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().map(|&a| a as f64).sum::<f64>() / n;
        (m, (v.iter().map(|&a| (a as f64 - m).powi(2)).sum::<f64>() / n).sqrt())
    }

    #[test]
    fn each_fold_is_scaled_by_its_training_part_alone() {
        let raw = data();
        let scaled = parts(&raw, None, true, 3, 0.0, 7, true).unwrap();
        let plain = parts(&raw, None, true, 3, 0.0, 7, false).unwrap();
        assert_eq!(scaled.len(), 3);
        for ((tr, held_out), (raw_tr, raw_held_out)) in scaled.iter().zip(&plain) {
            // the training part is standardised exactly by its own statistics
            let (m, s) = mean_std(&tr.x().to_vec());
            assert!(m.abs() < 1e-5 && (s - 1.0).abs() < 1e-4, "training part: mean {m}, std {s}");
            // the held-out part is mapped with the training part's mean and
            // std: its own values (the outlier) play no part
            let (rm, rs) = mean_std(&raw_tr.x().to_vec());
            for (&a, &b) in held_out.x().to_vec().iter().zip(&raw_held_out.x().to_vec()) {
                let want = ((b as f64 - rm) / rs) as f32;
                assert!((a - want).abs() <= 1e-3 * want.abs().max(1.0), "held out {b} → {a}, want {want}");
            }
        }
        // the fold that holds the outlier out was scaled without it: its
        // training part spans about ±1.7 and the outlier lies thousands of sds away
        let outlier = scaled.iter().find(|(_, v)| v.x().to_vec().iter().any(|&a| a > 100.0)).expect("outlier held out");
        assert!(outlier.0.x().to_vec().iter().all(|a| a.abs() < 2.0));
        // a validation split (folds = 0) gets the same treatment
        let split = parts(&raw, None, true, 0, 0.25, 7, true).unwrap();
        let (m, s) = mean_std(&split[0].0.x().to_vec());
        assert!(m.abs() < 1e-5 && (s - 1.0).abs() < 1e-4, "split: mean {m}, std {s}");
    }
}
