//! `origami train`: a config (or the embedded MNIST default, or a CSV file)
//! to a run directory holding the model, its history and its checkpoint.
//!
//! The run directory *is* a model directory (see `origami::saving::save_model`)
//! plus `config.toml` (the config as run, data paths made absolute, so that
//! `--resume` needs nothing else), `history.csv` and `metrics.json`.
//! Resuming rebuilds the network from its seed, loads the weights and the
//! optimizer state, replays the history into the callbacks and calls `fit`
//! from the next epoch: `fit` derives each epoch's shuffle from (seed,
//! epoch) and schedules read the global step, so the final weights equal an
//! uninterrupted run's. The layers' random streams (Dropout's masks) are
//! saved in every checkpoint's `progress.json` and restored, so a model
//! with Dropout resumes bitwise too.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use origami::io::write_atomic;
use origami::optim::Optimizer as _;
use origami::saving::{
    load_checkpoint, load_model, restore_rng_states, rng_states, save_checkpoint, Checkpoint, Progress, OPTIMIZER_FILE,
    PROGRESS_FILE,
};
use origami::train::callbacks::{
    EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLrOnPlateau, SchedulePer,
};
use origami::train::{Callback, FitConfig, History, Validation, Verbosity};
use origami::Rng;

use super::callbacks::{RunCheckpoint, StopAfter};
use super::{build_net, compile, json_number, model_file, OutputArgs};
use crate::config::{self, Resolved, TaskName};
use crate::error::{CliError, CliResult};

/// Train a network; print its test metrics; save it to a run directory.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami train                                  # the default: a CNN on data/mnist, ~97-98% in under a minute
  origami train examples/circle.toml --epochs 20
  origami train --csv iris.csv --target species  # tabular data, no config needed
  origami train --resume runs/mnist-cnn          # continue an interrupted run
  origami train --resume runs/mnist-cnn --epochs 20  # train a finished run further, to 20 epochs")]
pub struct TrainArgs {
    /// The TOML config (default: the embedded MNIST CNN).
    pub config: Option<PathBuf>,
    /// Train a default MLP on this CSV file instead of a config.
    #[arg(long, conflicts_with = "config", requires = "target")]
    pub csv: Option<PathBuf>,
    /// The CSV's target column.
    #[arg(long, requires = "csv")]
    pub target: Option<String>,
    /// Force classification or regression (default: decided from the target column).
    #[arg(long, value_enum, requires = "csv")]
    pub task: Option<TaskName>,
    /// Continue the run in this directory from its last checkpoint.
    #[arg(long, conflicts_with_all = ["config", "csv"])]
    pub resume: Option<PathBuf>,
    /// Override training.epochs; with --resume, the new total (a finished run trains on to it).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Override training.batch_size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Override the seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override optimizer.learning_rate; with --resume, the resumed run continues at this rate
    /// (e.g. after the run diverged).
    #[arg(long)]
    pub learning_rate: Option<f32>,
    /// Write the run to exactly this directory (default: OUTPUT_DIR/NAME-or-timestamp).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stop after this epoch, leaving a checkpoint to --resume (epochs count over the whole run).
    #[arg(long)]
    pub stop_after: Option<usize>,
    /// Print the config this run would use, with a CSV's inferred column kinds
    /// written out in [data.columns], and exit without training: a start to edit.
    #[arg(long, conflicts_with = "resume")]
    pub print_config: bool,
    /// Weigh classes in the loss: `balanced` gives each class the same total weight
    /// (scikit-learn's rule; for rare classes). Sets training.class_weight.
    #[arg(long, value_enum, conflicts_with = "resume")]
    pub class_weight: Option<ClassWeightRule>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The rules `--class-weight` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassWeightRule {
    /// n_samples / (n_classes · count of the class), as scikit-learn.
    Balanced,
}

/// The config table of `--csv FILE --target COLUMN`: scikit-learn's
/// default MLP recipe — 100 ReLUs, Adam 10⁻³, up to 200 epochs, in batches
/// of 32 — and a stratified 20% test split. Early stopping (patience 10,
/// min_delta 10⁻⁴) watches, as scikit-learn's `early_stopping=True` does,
/// the loss on a stratified 10% validation split carved from the training
/// split, restoring the best epoch's weights, when that split holds at
/// least 50 rows (tables of 625 rows or more); on smaller tables it watches
/// the training loss, as scikit-learn's default does. Measured
/// (BENCHMARKS.md): a validation split of 12 iris flowers picks the best
/// epoch by noise (0.943 against 0.960 over 10 seeds), and batches of
/// min(200, n) under-train small tables in 200 epochs.
fn csv_table(path: &Path, target: &str, task: Option<TaskName>) -> CliResult<toml::Table> {
    let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "csv".into());
    let task_line = match task {
        Some(TaskName::Classification) => "task = \"classification\"\n",
        Some(TaskName::Regression) => "task = \"regression\"\n",
        None => "",
    };
    let stopping = if rows_about(path) >= CSV_VALIDATION_ROWS {
        "validation_split = 0.1\n[callbacks.early_stopping]\nmonitor = \"val_loss\"\nrestore_best_weights = true\n"
    } else {
        "validation_split = 0.0\n[callbacks.early_stopping]\nmonitor = \"loss\"\nrestore_best_weights = false\n"
    };
    let text = format!(
        "name = {name:?}\n[data]\nkind = \"csv\"\npath = {:?}\ntarget = {target:?}\n{task_line}\
         [optimizer]\ntype = \"adam\"\nlearning_rate = 0.001\n\
         [training]\nepochs = 200\nbatch_size = 32\n{stopping}patience = 10\nmin_delta = 0.0001\n",
        path.display().to_string()
    );
    config::parse_table(&text, "--csv")
}

/// Rows of a table from which the CSV mode validates on a split of 10%
/// (of the 80% training split: 50 rows).
const CSV_VALIDATION_ROWS: usize = 625;

/// The rows of a CSV, about: its line breaks less the header (a quoted cell
/// may hold a line break; for a threshold this is near enough, and a byte
/// count costs nothing beside parsing).
fn rows_about(path: &Path) -> usize {
    use std::io::Read as _;
    let Ok(mut f) = std::fs::File::open(path) else { return 0 };
    let (mut buf, mut lines) = (vec![0u8; 1 << 16], 0usize);
    while let Ok(n) = f.read(&mut buf) {
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }
    lines.saturating_sub(1)
}

/// `--print-config`: the resolved config, and for a CSV every column's
/// kind as inferred (`drop` for what is dropped), so that the printed file
/// trains exactly as this run would.
fn print_config(r: config::Resolved) -> CliResult<()> {
    let mut table = r.table;
    let data = crate::data::load(&r.config.data, r.config.seed)?;
    if let (Some(report), Some(toml::Value::Table(d))) = (&data.report, table.get_mut("data")) {
        let mut columns = toml::Table::new();
        for c in &report.columns {
            let kind = if c.kind.is_kept() { c.kind.name() } else { "drop" };
            columns.insert(c.name.clone(), toml::Value::String(kind.into()));
        }
        d.insert("columns".into(), toml::Value::Table(columns));
    }
    print!("{}", toml::to_string(&table).map_err(|e| CliError::usage(format!("cannot print the config: {e}")))?);
    Ok(())
}

/// Makes `data.path` absolute so that the saved config works from anywhere.
fn absolute_data_path(table: &mut toml::Table) -> CliResult<()> {
    let p = table.get("data").and_then(|d| d.get("path")).and_then(|p| p.as_str()).map(PathBuf::from);
    if let Some(p) = p {
        if p.is_relative() {
            if let Ok(abs) = std::path::absolute(&p) {
                config::set_path(table, "data.path", toml::Value::String(abs.display().to_string()))?;
            }
        }
    }
    Ok(())
}

/// A fresh run directory under `base`: `name`, or `name-2`, … if taken.
pub(crate) fn fresh_dir(base: &Path, name: &str) -> PathBuf {
    let mut dir = base.join(name);
    let mut k = 2;
    while dir.exists() {
        dir = base.join(format!("{name}-{k}"));
        k += 1;
    }
    dir
}

/// UTC `YYYYmmdd-HHMMSS`.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86400) as i64, secs % 86400);
    // civil-from-days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub fn run(args: &TrainArgs) -> CliResult<()> {
    let out = args.output;
    let source = match (&args.resume, &args.csv, &args.config) {
        (Some(dir), _, _) => dir.join("config.toml").display().to_string(),
        (None, Some(_), _) => "--csv".to_string(),
        (None, None, Some(path)) => path.display().to_string(),
        (None, None, None) => "the default config".to_string(),
    };
    let (mut table, resume_dir) = match (&args.resume, &args.csv, &args.config) {
        (Some(dir), _, _) => {
            let path = dir.join("config.toml");
            let text = std::fs::read_to_string(&path).map_err(|e| {
                CliError::usage(format!(
                    "cannot resume {}: {e} (is it a run directory of origami train?)",
                    dir.display()
                ))
            })?;
            (config::parse_table(&text, &path.display().to_string())?, Some(dir.clone()))
        }
        (None, Some(csv), _) => (csv_table(csv, args.target.as_deref().unwrap_or_default(), args.task)?, None),
        (None, None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::usage(format!("cannot read the config {}: {e}.", path.display())))?;
            (config::parse_table(&text, &path.display().to_string())?, None)
        }
        (None, None, None) => (config::parse_table(config::DEFAULT_CONFIG, "the default config")?, None),
    };
    if resume_dir.is_some() && (args.batch_size.is_some() || args.seed.is_some()) {
        return Err(CliError::usage(
            "--resume continues the run as configured; --batch-size and --seed cannot change it (--epochs can).",
        ));
    }
    if args.stop_after == Some(0) {
        return Err(CliError::usage("--stop-after: expected an epoch of at least 1, found 0"));
    }
    if let Some(e) = args.epochs {
        config::set_path(&mut table, "training.epochs", toml::Value::Integer(e as i64))?;
    }
    if let Some(b) = args.batch_size {
        config::set_path(&mut table, "training.batch_size", toml::Value::Integer(b as i64))?;
    }
    if let Some(s) = args.seed {
        config::set_path(&mut table, "seed", config::seed_value(s))?;
    }
    if let Some(lr) = args.learning_rate {
        config::set_path(&mut table, "optimizer.learning_rate", toml::Value::Float(lr as f64))?;
    }
    if args.class_weight == Some(ClassWeightRule::Balanced) {
        config::set_path(&mut table, "training.class_weight", toml::Value::String("balanced".into()))?;
    }
    absolute_data_path(&mut table)?;
    let resolved = config::resolve(table).map_err(|e| config::in_file(e, &source))?;
    if args.print_config {
        return print_config(resolved);
    }
    let dir = match (&resume_dir, &args.out) {
        (Some(d), _) => d.clone(),
        (None, Some(o)) => o.clone(),
        (None, None) => {
            let c = &resolved.config;
            fresh_dir(&c.output_dir, &c.name.clone().unwrap_or_else(timestamp))
        }
    };
    let existed = dir.exists();
    let result = train(&resolved, &dir, resume_dir.is_some(), args.stop_after, args.learning_rate, out);
    // A run that failed before its first checkpoint leaves nothing to resume:
    // the directory it created (holding config.toml at most) goes again.
    if result.is_err() && !existed && resume_dir.is_none() && !dir.join(PROGRESS_FILE).exists() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Refuses data too small for the run's splits: the test split (and the
/// validation split, if any) must each get a sample and leave one to train
/// on. The error says how many samples are needed (exit 3 for a file, 2 for
/// a synthetic set's `data.n`); a one-row CSV used to train and then fail.
fn enough_samples(c: &config::Config, data: &crate::data::Loaded) -> CliResult<()> {
    let (train, test) = (data.train.len(), data.test.len());
    let vs = c.training.validation_split as f64;
    let val = (train as f32 * c.training.validation_split).round() as usize;
    if test > 0 && train > 0 && (vs == 0.0 || (val > 0 && val < train)) {
        return Ok(());
    }
    let tf = c.data.test_fraction.unwrap_or(0.2);
    // the fewest samples for which both splits work out, as they round
    let fits = |n: usize| {
        let t = (n as f64 * tf).round() as usize;
        let tr = n - t.min(n);
        let v = (tr as f32 * c.training.validation_split).round() as usize;
        t > 0 && tr > 0 && (vs == 0.0 || (v > 0 && v < tr))
    };
    let need = (1..100_000).find(|&n| fits(n)).unwrap_or(100_000);
    let splits = if vs > 0.0 {
        format!("a test split of {tf} and a validation split of {vs}")
    } else {
        format!("a test split of {tf}")
    };
    let found = format!(
        "{} samples ({train} to train on, {test} to test) are too few for {splits}: at least {need} are needed",
        train + test
    );
    match c.data.kind {
        config::DataKind::Synthetic => Err(CliError::usage(format!("data.n: {found}."))),
        _ => {
            let source = c.data.path.clone().unwrap_or_else(origami::data::mnist::default_dir);
            Err(CliError::data(format!("{}: {found}.", origami::shorten_path(&source.display().to_string()))))
        }
    }
}

/// A classifier needs one output per class (one output for two classes
/// with a binary loss): fewer fail when training reaches a label past them,
/// more leave classes without a name.
fn outputs_fit_classes(r: &Resolved, data: &crate::data::Loaded, net: &origami::nn::Sequential) -> CliResult<()> {
    if data.task != TaskName::Classification {
        return Ok(());
    }
    let k = net.output_shape().and_then(|s| s.last().copied()).unwrap_or(1);
    let classes = data.outputs;
    if k == classes || (k == 1 && classes == 2) {
        return Ok(());
    }
    let last = r.layers.len().saturating_sub(1);
    Err(CliError::usage(format!(
        "model.layers[{last}]: the model has {k} outputs, but the data has {classes} classes; give the last layer \
         {classes} units"
    )))
}

/// Categorical cross-entropy wants one-hot rows; class indices (what a CSV
/// or MNIST gives) need the sparse loss. Said before training, with the fix.
fn loss_fits_targets(model: &origami::train::Model, data: &crate::data::Loaded) -> CliResult<()> {
    if let origami::nn::Loss::CategoricalCrossentropy { from_logits } = model.loss {
        if data.train.y().rank() == 1 {
            let sparse = if from_logits {
                "sparse_categorical_crossentropy_from_logits"
            } else {
                "sparse_categorical_crossentropy"
            };
            return Err(CliError::usage(format!(
                "training.loss: categorical cross-entropy compares with one-hot rows, but the data's targets are \
                 class indices; use loss = \"{sparse}\""
            )));
        }
    }
    Ok(())
}

/// Every callback's `monitor` must be a value the run logs (`loss`, the
/// metrics, their `val_` forms when there is a validation split, `lr`):
/// found when the config is checked (exit 2), not after the first epoch.
fn monitors_are_logged(c: &config::Config, model: &origami::train::Model) -> CliResult<()> {
    let mut logged: Vec<String> = vec!["loss".into()];
    logged.extend(model.metrics.iter().map(|m| m.name()));
    if c.training.validation_split > 0.0 {
        let val: Vec<String> = logged.iter().map(|n| format!("val_{n}")).collect();
        logged.extend(val);
    }
    logged.push("lr".into());
    let cb = &c.callbacks;
    let monitors = [
        ("callbacks.early_stopping.monitor", cb.early_stopping.as_ref().map(|e| &e.monitor)),
        ("callbacks.reduce_lr_on_plateau.monitor", cb.reduce_lr_on_plateau.as_ref().map(|p| &p.monitor)),
        ("callbacks.checkpoint.monitor", cb.checkpoint.as_ref().map(|k| &k.monitor)),
    ];
    for (key, m) in monitors {
        let Some(m) = m else { continue };
        if !logged.contains(m) {
            let hint = if m.starts_with("val_") && c.training.validation_split == 0.0 {
                " (val_ values need training.validation_split > 0)"
            } else {
                ""
            };
            return Err(CliError::usage(format!(
                "{key}: {} is not logged by this run{hint}; it logs {}",
                origami::quote(m),
                logged.join(", ")
            )));
        }
    }
    Ok(())
}

/// Trains the config `r` into `dir` (resuming its checkpoint if `resume`).
pub fn train(
    r: &Resolved,
    dir: &Path,
    resume: bool,
    stop_after: Option<usize>,
    learning_rate: Option<f32>,
    out: OutputArgs,
) -> CliResult<()> {
    let c = &r.config;
    let data = crate::data::load(&c.data, c.seed)?;
    enough_samples(c, &data)?;
    let file = model_file(r, &data)?;
    let (net, ckpt) = if resume {
        let ckpt = load_checkpoint(dir)?;
        // killed after its last checkpoint, a finished run may lack its test
        // metrics: resuming it writes them (no epoch runs)
        let done = ckpt.progress.epochs_completed;
        if ckpt.progress.finished && dir.join("metrics.json").is_file() && c.training.epochs <= done {
            return Err(CliError::usage(format!(
                "{} finished training after {done} epochs; to train it further, give the new total: \
                 origami train --resume {} --epochs N (N > {done})",
                dir.display(),
                dir.display()
            )));
        }
        if ckpt.progress.epochs_completed > c.training.epochs {
            return Err(CliError::data(format!(
                "{}: says {} epochs are completed, but config.toml trains {}; the checkpoint cannot be resumed.",
                dir.join(PROGRESS_FILE).display(),
                ckpt.progress.epochs_completed,
                c.training.epochs
            )));
        }
        let (saved, net) = load_model(dir)?;
        if saved.model != file.model {
            return Err(CliError::usage(format!(
                "{}: the saved architecture differs from config.toml.",
                dir.display()
            )));
        }
        restore_rng_states(&net.rng_streams(), &ckpt.progress.rng_streams, dir.join(PROGRESS_FILE))?;
        (net, Some(ckpt))
    } else {
        (build_net(&file)?, None)
    };
    outputs_fit_classes(r, &data, &net)?;
    let streams = net.rng_streams();
    let summary = net.summary();
    let mut model = compile(&file, net)?;
    loss_fits_targets(&model, &data)?;
    monitors_are_logged(c, &model)?;
    let class_weight = crate::class_weight::for_fit(c, &data)?;
    let initial_epoch = ckpt.as_ref().map_or(0, |k| k.progress.epochs_completed);
    let prior = ckpt.as_ref().map(|k| k.history.clone()).unwrap_or_default();
    // A finished run trained further is Keras's second `fit` call: the
    // weights, the optimizer and the random streams go on, the callbacks
    // start afresh (an interrupted run replays its epochs into them instead).
    let continued = ckpt.as_ref().is_some_and(|k| k.progress.finished);
    if let Some(k) = &ckpt {
        model.optimizer.load_state(&k.optimizer).map_err(|e| {
            // (the optimizer's messages quote the file's values whole: cut here)
            let file = origami::shorten_path(&dir.join(OPTIMIZER_FILE).display().to_string());
            CliError::data(format!("{file}: {}", origami::shorten_message(&e.to_string())))
        })?;
        if let Some(lr) = learning_rate {
            model.optimizer.set_learning_rate(lr);
        }
    }
    write_atomic(&dir.join("config.toml"), toml::to_string(&r.table).unwrap_or_default().as_bytes())?;
    out.say(format!("run directory: {}", dir.display()));
    if let Some(report) = &data.report {
        out.say(report.to_string().trim_end());
        write_atomic(
            &dir.join("data_report.json"),
            serde_json::to_string_pretty(report).unwrap_or_default().as_bytes(),
        )?;
    }
    if !out.quiet && !out.json {
        println!("{summary}");
    }

    // callbacks
    let t = &c.training;
    // a validation split carved from the training split, stratified for
    // classes (Keras's validation_split takes the last rows as they come)
    let (train_set, validation) = if t.validation_split > 0.0 {
        let classification = data.task == TaskName::Classification;
        let s = data.train.split(t.validation_split as f64, 0.0, &mut Rng::seed(c.seed ^ 0x7A11D), classification)?;
        (s.train, Validation::Data(s.val))
    } else {
        (data.train.clone(), Validation::None)
    };
    let n_train = train_set.len();
    let steps_per_epoch = n_train.div_ceil(t.batch_size).max(1);
    let mut cbs: Vec<Box<dyn Callback>> = Vec::new();
    if let Some(s) = &file.training.schedule {
        let per_epoch = s.per_epoch();
        let total = if per_epoch { t.epochs } else { t.epochs * steps_per_epoch };
        let schedule = s.build(file.training.optimizer.learning_rate(), total)?;
        let per = if per_epoch { SchedulePer::Epoch } else { SchedulePer::Step };
        cbs.push(Box::new(LearningRateScheduler { schedule, per }));
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    if let Some(p) = &c.callbacks.reduce_lr_on_plateau {
        let cfg = origami::optim::PlateauConfig {
            factor: p.factor,
            patience: p.patience,
            min_delta: p.min_delta,
            cooldown: p.cooldown,
            min_lr: p.min_lr,
            ..Default::default()
        };
        // the rule's checks now, as a usage error, rather than when training starts
        origami::optim::ReduceLrOnPlateau::new(cfg.clone())
            .map_err(|e| CliError::usage(format!("callbacks.reduce_lr_on_plateau: {e}")))?;
        cbs.push(Box::new(ReduceLrOnPlateau::new(&p.monitor, cfg)));
    }
    if let Some(e) = &c.callbacks.early_stopping {
        let mut es = EarlyStopping::new(&e.monitor, e.patience).min_delta(e.min_delta);
        if e.restore_best_weights {
            es = es.restore_best_weights().best_weights_path(dir.join("best.safetensors"));
        }
        cbs.push(Box::new(es));
    }
    if let Some(k) = &c.callbacks.checkpoint {
        cbs.push(Box::new(ModelCheckpoint::new(dir.join("best.safetensors"), &k.monitor, k.save_best_only)));
    }
    if let Some(n) = stop_after {
        cbs.push(Box::new(StopAfter { epochs: n, stopped: interrupted.clone() }));
    }
    cbs.push(Box::new(RunCheckpoint {
        dir: dir.to_path_buf(),
        file: file.clone(),
        history: prior.clone(),
        streams: streams.clone(),
    }));

    let fit_cfg = FitConfig {
        epochs: t.epochs,
        batch_size: t.batch_size,
        shuffle: t.shuffle,
        seed: c.seed,
        validation,
        initial_epoch,
        prior_history: if continued { History::default() } else { prior.clone() },
        terminate_on_nan: true,
        verbosity: match (out.quiet, &data.report) {
            (true, _) => Verbosity::Silent,
            // a small table's epochs take milliseconds: one bar, one line
            (false, Some(_)) if n_train <= 100_000 => Verbosity::Summary,
            _ => Verbosity::Progress,
        },
        class_weight,
    };
    let started = Instant::now();
    let mut refs: Vec<&mut dyn Callback> = cbs.iter_mut().map(|b| &mut **b as &mut dyn Callback).collect();
    let new = if initial_epoch < t.epochs {
        model.fit(&train_set, &fit_cfg, &mut refs).map_err(|e| match e {
            origami::Error::Io { .. } => CliError::data(e.to_string()),
            _ => CliError::failed(format!("training failed: {e}")),
        })?
    } else {
        History::default()
    };
    drop(refs);
    let seconds = started.elapsed().as_secs_f64();
    let mut history = prior;
    history.epochs.extend(new.epochs);
    if initial_epoch < t.epochs {
        history.stop_reason = new.stop_reason.clone();
    }
    if new.diverged {
        let kept = history.epochs.len();
        let reason = new.stop_reason.as_deref().unwrap_or("the loss is not finite");
        return Err(CliError::failed(if kept > 0 {
            format!(
                "training diverged: {reason}. The checkpoint of epoch {kept} is kept; continue it at a lower rate with: \
                 origami train --resume {} --learning-rate RATE",
                dir.display()
            )
        } else {
            format!("training diverged: {reason}. No epoch completed, so there is no checkpoint to keep.")
        }));
    }
    // why training stopped early was printed by fit's progress (once); with
    // --quiet it is in history.json
    let stopped_early = interrupted.load(Ordering::Relaxed);
    if stopped_early {
        out.say(format!("checkpoint saved; continue with: origami train --resume {}", dir.display()));
        if out.json {
            let line = serde_json::json!({"run_dir": dir.display().to_string(), "epochs": history.epochs.len(), "finished": false});
            println!("{line}");
        }
        return Ok(());
    }
    if history.epochs.last().and_then(|e| e.get("loss")).is_some_and(|l| !l.is_finite()) {
        return Err(CliError::failed("training diverged: the loss is not finite. Lower the learning rate."));
    }
    let ckpt = Checkpoint {
        progress: Progress {
            epochs_completed: history.epochs.len(),
            finished: true,
            rng_streams: rng_states(&streams),
            ..Default::default()
        },
        optimizer: model.optimizer.state(),
        history: history.clone(),
    };
    save_checkpoint(dir, &file, &model.params(), &ckpt)?;
    history.save_csv(dir.join("history.csv"))?;

    // test metrics
    let ev = model.evaluate(&data.test, 512)?;
    let mut results = serde_json::Map::new();
    results.insert("test_loss".into(), json_number(ev.loss as f64));
    for (n, v) in &ev.metrics {
        results.insert(format!("test_{n}"), json_number(*v as f64));
    }
    if data.task == TaskName::Regression {
        // RMSE beside R² for regression, whatever metrics were chosen
        let pred = model.predict(data.test.x(), 512)?;
        let rmse = origami::train::metrics::mse(&pred, data.test.y())?.sqrt();
        let r2 = origami::train::metrics::r2(&pred, data.test.y())?;
        results.insert("test_rmse".into(), json_number(rmse as f64));
        results.insert("test_r2".into(), json_number(r2 as f64));
    }
    results.insert("train_seconds".into(), json_number(seconds));
    results.insert("epochs".into(), history.epochs.len().into());
    results.insert("run_dir".into(), dir.display().to_string().into());
    write_atomic(&dir.join("metrics.json"), serde_json::to_string_pretty(&results).unwrap_or_default().as_bytes())?;
    if let Some(report) = &data.report {
        results.insert("data_report".into(), serde_json::to_value(report).unwrap_or_default());
    }
    let shown: Vec<String> = results
        .iter()
        .filter(|(k, _)| k.starts_with("test_"))
        .map(|(k, v)| match (k.as_str(), v.as_f64()) {
            (k, Some(x)) if k.contains("accuracy") => format!("{k} {:.2}%", x * 100.0),
            (k, Some(x)) => format!("{k} {x:.4}"),
            (k, None) => format!("{k} -"),
        })
        .collect();
    out.say(format!("{} ({} test samples, {:.1} s of training)", shown.join(", "), data.test.len(), seconds));
    out.say(format!("saved the model, its history and checkpoint to {}", dir.display()));
    if out.json {
        println!("{}", serde_json::Value::Object(results));
    }
    Ok(())
}
