//! [`Model`]: a network with its optimizer, loss and metrics, and `fit`,
//! `evaluate` and `predict`.

use std::time::Instant;

use super::callbacks::{Callback, Control, TerminateOnNaN};
use super::class_weight::ClassWeight;
use super::history::{EpochLog, History};
use super::metrics::Metric;
use super::progress::Progress;
use crate::data::Dataset;
use crate::nn::{Layer, Loss, Param, Reduction};
use crate::optim::Optimizer;
use crate::{no_grad, Error, Result, Rng, Tensor};

/// A network ready to train: Keras's compiled model.
pub struct Model {
    /// The network (built: its parameters exist).
    pub net: Box<dyn Layer>,
    /// Updates the trainable parameters.
    pub optimizer: Box<dyn Optimizer>,
    /// What training minimises.
    pub loss: Loss,
    /// What `fit` and `evaluate` report beside the loss.
    pub metrics: Vec<Metric>,
}

/// Where validation data comes from.
#[derive(Clone, Debug, Default)]
pub enum Validation {
    /// No validation.
    #[default]
    None,
    /// The last `fraction` of the training samples, taken before any
    /// shuffling (Keras's `validation_split`).
    Split(f32),
    /// A random `fraction` of the samples that keeps every class's share
    /// (scikit-learn's `train_test_split(stratify=y)`), drawn from a stream
    /// of the fit's seed: as many samples as `Split` holds out. For
    /// classification targets ([`Dataset::labels`]).
    StratifiedSplit(f32),
    /// A separate dataset.
    Data(Dataset),
}

/// How much `fit` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing.
    Silent,
    /// A progress bar on a terminal, one line per epoch otherwise.
    #[default]
    Progress,
    /// One line per epoch.
    Lines,
    /// One bar over the epochs on a terminal, and a line at the end: for
    /// runs of many quick epochs (small tables).
    Summary,
}

/// `fit`'s settings; `FitConfig { epochs: 5, ..Default::default() }`.
#[derive(Clone, Debug)]
pub struct FitConfig {
    /// Last epoch (exclusive, counting from 0): trains epochs `initial_epoch..epochs`.
    pub epochs: usize,
    /// Samples per parameter update. The last batch of an epoch holds the
    /// remainder: 1000 samples at batch 200 make 5 updates, 1001 make 6.
    pub batch_size: usize,
    /// Reshuffle the training samples at every epoch.
    pub shuffle: bool,
    /// Seeds the shuffling; epoch e uses a stream derived from (seed, e), so a
    /// resumed run shuffles exactly as an uninterrupted one.
    pub seed: u64,
    /// Validation data, checked after every epoch.
    pub validation: Validation,
    /// First epoch to run (to resume a run).
    pub initial_epoch: usize,
    /// The epochs an earlier process ran (to resume a run): replayed into
    /// every callback ([`Callback::replay`]) before the first new epoch. Not
    /// part of the returned history, which holds this call's epochs only.
    pub prior_history: History,
    /// Stop at the first non-finite batch loss, naming the epoch and step.
    pub terminate_on_nan: bool,
    /// What to print.
    pub verbosity: Verbosity,
    /// Weights of the classes in the training loss (Keras's
    /// `class_weight`), multiplied into the samples' own weights
    /// ([`Dataset::with_sample_weights`]). Computed on the training part,
    /// after the validation split; validation is not class-weighted.
    ///
    /// Weighted batch losses are reduced as Keras 3's default
    /// `"sum_over_batch_size"`: Σ wᵢ·lᵢ / batch size (not / Σ wᵢ, PyTorch's
    /// weighted mean), so balanced weights keep the loss's scale.
    pub class_weight: Option<ClassWeight>,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation: Validation::None,
            initial_epoch: 0,
            prior_history: History::default(),
            terminate_on_nan: true,
            verbosity: Verbosity::Progress,
            class_weight: None,
        }
    }
}

/// The loss and metrics of a model on a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f32,
    /// `(name, value)` per metric, in the model's order.
    pub metrics: Vec<(String, f32)>,
}

impl Evaluation {
    /// The value of the metric named `name` (or `"loss"`).
    pub fn get(&self, name: &str) -> Option<f32> {
        if name == "loss" {
            return Some(self.loss);
        }
        self.metrics.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }
}

impl Model {
    /// A model from a built network.
    pub fn new(
        net: impl Layer + 'static,
        optimizer: impl Optimizer + 'static,
        loss: Loss,
        metrics: Vec<Metric>,
    ) -> Model {
        Model { net: Box::new(net), optimizer: Box::new(optimizer), loss, metrics }
    }

    /// Every parameter of the network, by name.
    pub fn params(&self) -> Vec<Param> {
        self.net.params()
    }

    /// One training step on the batch `(x, y)`, the one `fit` runs for every
    /// batch: the forward pass in training mode, the loss plus the layers'
    /// penalties (regularizers), the backward pass, one update of every
    /// trainable parameter, then the layers' constraints. For a caller that
    /// drives training itself (the playground, the examples); `fit` adds
    /// batching, metrics, validation and callbacks around it.
    pub fn train_step(&mut self, x: &Tensor, y: &Tensor) -> Result<Step> {
        step(&mut *self.net, &mut *self.optimizer, &self.loss, x, y)
    }

    /// Trains on `train`; see [`FitConfig`]. Returns the history even when a
    /// callback stops training early (the reason is in `stop_reason`).
    ///
    /// The logged `loss` (per batch to the callbacks, and the epoch's mean in
    /// the [`History`]) is the loss that was minimised: the data loss plus
    /// the layers' regularization penalties, as Keras's `logs["loss"]`.
    /// `val_loss` and [`Model::evaluate`] are the data loss alone (Keras adds
    /// the penalties there too).
    pub fn fit(&mut self, train: &Dataset, cfg: &FitConfig, callbacks: &mut [&mut dyn Callback]) -> Result<History> {
        // Train on one of the pool's own threads: a kernel that splits its work
        // then runs one part on this thread and the others on the pool's other
        // threads, so n threads means n busy cores, not n workers spinning
        // beside a driving thread (measured: 2 threads were slower than 1).
        // Tiny networks never split an op, and measured slower on a pool
        // thread (W3, BENCHMARKS.md): they stay on the caller.
        let params: usize = self.net.params().iter().map(|p| p.value.numel()).sum();
        if params < 4096 || crate::parallel::num_threads() == 1 {
            return self.fit_on_pool(train, cfg, callbacks);
        }
        let pool = crate::parallel::pool();
        pool.install(|| self.fit_on_pool(train, cfg, callbacks))
    }

    fn fit_on_pool(
        &mut self,
        train: &Dataset,
        cfg: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History> {
        if cfg.batch_size == 0 {
            return Err(Error::arg("fit", "the batch size is 0; it must be at least 1"));
        }
        let params = self.net.params();
        let trainable: Vec<Param> = params.iter().filter(|p| p.trainable).cloned().collect();
        if trainable.is_empty() {
            return Err(Error::arg("fit", "the network has no trainable parameters: build it first"));
        }
        let (train, val) = split_validation(train, &cfg.validation, cfg.seed)?;
        if train.is_empty() {
            return Err(Error::arg("fit", "there are no training samples"));
        }
        let train = match &cfg.class_weight {
            None => train,
            Some(cw) => with_class_weights(&train, cw)?,
        };
        let steps_per_epoch = train.num_batches(cfg.batch_size)?;
        let mut nan_guard = TerminateOnNaN;
        let mut progress = Progress::new(cfg.verbosity, cfg.epochs, steps_per_epoch, train.len());
        let mut all: Vec<&mut dyn Callback> = Vec::new();
        if cfg.terminate_on_nan {
            all.push(&mut nan_guard);
        }
        all.extend(callbacks.iter_mut().map(|c| &mut **c));
        all.push(&mut progress);

        let mut history = History::default();
        let mut ctl = Control::new(&params, self.optimizer.as_mut());
        for cb in all.iter_mut() {
            cb.on_train_begin(&mut ctl)?;
        }
        if !cfg.prior_history.epochs.is_empty() {
            for cb in all.iter_mut() {
                cb.replay(&cfg.prior_history)?;
            }
        }
        'epochs: for epoch in cfg.initial_epoch..cfg.epochs {
            let started = Instant::now();
            for cb in all.iter_mut() {
                cb.on_epoch_begin(epoch, &mut ctl)?;
            }
            let mut rng = Rng::seed(cfg.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut batches = train.batches(cfg.batch_size, if cfg.shuffle { Some(&mut rng) } else { None })?;
            let mut sums = Sums::new(&self.metrics);
            let mut step = 0;
            while let Some((bx, by)) = batches.next() {
                let global = epoch * steps_per_epoch + step;
                for cb in all.iter_mut() {
                    cb.on_batch_begin(epoch, global, &mut ctl)?;
                }
                let bw = batches.weights().cloned();
                let Step { loss: total, output: out } =
                    train_step(&mut *self.net, &mut *ctl.optimizer, &self.loss, &trainable, &bx, &by, bw.as_ref())?;
                sums.add(&self.metrics, &out, &by, total)?;
                for cb in all.iter_mut() {
                    cb.on_batch_end(epoch, step, total, &mut ctl)?;
                }
                if ctl.stop {
                    // a NaN (or a callback) stopped mid-epoch: no epoch log to finish
                    break 'epochs;
                }
                step += 1;
            }
            let mut log = EpochLog { epoch, values: Vec::new() };
            sums.finish(&self.metrics, &mut log)?;
            if let Some(v) = &val {
                let ev = no_grad(|| evaluate(&mut *self.net, &self.loss, &self.metrics, v, cfg.batch_size.max(256)))?;
                log.push("val_loss", ev.loss as f64);
                for (n, x) in ev.metrics {
                    log.push(format!("val_{n}"), x as f64);
                }
            }
            log.push("lr", ctl.optimizer.learning_rate() as f64);
            log.push("time_s", started.elapsed().as_secs_f64());
            for cb in all.iter_mut() {
                cb.on_epoch_end(&log, &mut ctl)?;
            }
            history.epochs.push(log);
            if ctl.stop {
                break;
            }
        }
        history.stop_reason = ctl.stop_reason.take();
        history.diverged = ctl.diverged;
        for cb in all.iter_mut() {
            cb.on_train_end(&history, &mut ctl)?;
        }
        history.events = std::mem::take(&mut ctl.events);
        Ok(history)
    }

    /// Loss and metrics over `data`, in inference mode, `batch_size` samples at a time.
    pub fn evaluate(&mut self, data: &Dataset, batch_size: usize) -> Result<Evaluation> {
        no_grad(|| evaluate(&mut *self.net, &self.loss, &self.metrics, data, batch_size))
    }

    /// The network's outputs for `x`, in inference mode, `batch_size` rows at a time.
    pub fn predict(&mut self, x: &Tensor, batch_size: usize) -> Result<Tensor> {
        no_grad(|| predict(&mut *self.net, x, batch_size))
    }
}

/// What one training step did.
#[derive(Clone, Debug)]
pub struct Step {
    /// The loss that was minimised, penalties included (what `fit` logs, as Keras).
    pub loss: f32,
    /// The network's output for the batch (for metrics).
    pub output: Tensor,
}

/// [`Model::train_step`] on borrowed parts, for a caller that keeps its
/// network as a concrete type (the playground reads a [`Sequential`]'s
/// hidden layers between steps): the same step, not a copy of it.
///
/// [`Sequential`]: crate::nn::Sequential
pub fn step(net: &mut dyn Layer, optimizer: &mut dyn Optimizer, loss: &Loss, x: &Tensor, y: &Tensor) -> Result<Step> {
    let trainable: Vec<Param> = net.params().into_iter().filter(|p| p.trainable).collect();
    train_step(net, optimizer, loss, &trainable, x, y, None)
}

/// The training step (see [`Model::train_step`]), on borrowed parts so that
/// `fit` can run it while its callbacks hold the optimizer; `w` weighs the
/// batch's samples (Keras's reduction, see [`FitConfig::class_weight`]).
fn train_step(
    net: &mut dyn Layer,
    optimizer: &mut dyn Optimizer,
    loss_fn: &Loss,
    trainable: &[Param],
    x: &Tensor,
    y: &Tensor,
    w: Option<&Tensor>,
) -> Result<Step> {
    let output = net.forward(x, true)?;
    let mut loss = loss_fn.compute_with(&output, y, Reduction::Mean, w)?;
    if let Some(penalty) = net.regularization_loss()? {
        loss = loss.add(&penalty)?;
    }
    let total = loss.item()?;
    let grads = loss.backward()?;
    drop(loss);
    optimizer.step(trainable, &grads)?;
    drop(grads);
    net.apply_constraints()?;
    Ok(Step { loss: total, output })
}

fn predict(net: &mut dyn Layer, x: &Tensor, batch_size: usize) -> Result<Tensor> {
    if batch_size == 0 {
        return Err(Error::arg("predict", "the batch size is 0; it must be at least 1"));
    }
    let n = x.dim(0).map_err(|_| Error::arg("predict", "the input needs a batch axis"))?;
    if n == 0 {
        return Err(Error::arg("predict", "the input holds no samples"));
    }
    let outs = x.split(0, batch_size)?.iter().map(|b| net.forward(b, false)).collect::<Result<Vec<_>>>()?;
    Tensor::concat(&outs, 0)
}

fn evaluate(
    net: &mut dyn Layer,
    loss: &Loss,
    metrics: &[Metric],
    data: &Dataset,
    batch_size: usize,
) -> Result<Evaluation> {
    let pred = predict(net, data.x(), batch_size)?;
    let l = loss.compute_with(&pred, data.y(), Reduction::Mean, data.sample_weights())?.item()?;
    let metrics = metrics.iter().map(|m| Ok((m.name(), m.compute(&pred, data.y())?))).collect::<Result<Vec<_>>>()?;
    Ok(Evaluation { loss: l, metrics })
}

/// The training samples weighted by their class (times their own weights).
fn with_class_weights(train: &Dataset, cw: &ClassWeight) -> Result<Dataset> {
    let labels = train.labels()?;
    let classes = train.num_classes()?;
    let mut w = cw.per_sample(&labels, classes)?;
    if let Some(own) = train.sample_weights() {
        w.iter_mut().zip(own.data().iter()).for_each(|(a, b)| *a *= b);
    }
    train.with_sample_weights(Tensor::from_vec(w, &[labels.len()])?)
}

fn split_validation(data: &Dataset, v: &Validation, seed: u64) -> Result<(Dataset, Option<Dataset>)> {
    match v {
        Validation::None => Ok((data.clone(), None)),
        Validation::Data(d) => Ok((data.clone(), Some(d.clone()))),
        Validation::Split(f) | Validation::StratifiedSplit(f) => {
            if !(*f > 0.0 && *f < 1.0) {
                return Err(Error::arg("fit", format!("the validation split must be between 0 and 1, got {f}")));
            }
            let n = data.len();
            let n_val = ((n as f32) * f).round() as usize;
            if n_val == 0 || n_val >= n {
                return Err(Error::arg(
                    "fit",
                    format!("a validation split of {f} of {n} samples leaves no training or no validation data"),
                ));
            }
            let (train, val) = if let Validation::StratifiedSplit(_) = v {
                let labels = data.labels()?;
                // n · (n_val / n) rounds back to n_val: the same count as Split
                let frac = n_val as f64 / n as f64;
                let mut rng = Rng::seed(seed ^ 0x5741_7469_6669_6564);
                let s = crate::data::train_val_test(n, frac, 0.0, &mut rng, Some(&labels))?;
                (s.train, s.val)
            } else {
                let cut = n - n_val;
                ((0..cut).collect(), (cut..n).collect())
            };
            Ok((data.subset(&train)?, Some(data.subset(&val)?)))
        }
    }
}

/// Running sums of the batch loss and metrics, weighted by batch size; the
/// epoch's outputs and targets too when a metric needs the whole set
/// ([`Metric::whole_set`]).
/// An epoch's outputs and targets, each with its row shape.
type Kept = (Vec<f32>, Vec<usize>, Vec<f32>, Vec<usize>);

struct Sums {
    loss: f64,
    metrics: Vec<f64>,
    samples: usize,
    /// (outputs, their row shape, targets, their row shape), kept only for whole-set metrics
    kept: Option<Kept>,
}

impl Sums {
    fn new(metrics: &[Metric]) -> Self {
        let kept = metrics.iter().any(Metric::whole_set).then(Default::default);
        Sums { loss: 0.0, metrics: vec![0.0; metrics.len()], samples: 0, kept }
    }
    fn add(&mut self, metrics: &[Metric], out: &Tensor, y: &Tensor, loss: f32) -> Result<()> {
        let n = out.dim(0).unwrap_or(1);
        self.loss += loss as f64 * n as f64;
        for (s, m) in self.metrics.iter_mut().zip(metrics) {
            if !m.whole_set() {
                *s += m.compute(out, y)? as f64 * n as f64;
            }
        }
        if let Some((o, os, t, ts)) = &mut self.kept {
            o.extend_from_slice(&out.data());
            t.extend_from_slice(&y.data());
            *os = out.shape()[1..].to_vec();
            *ts = y.shape()[1..].to_vec();
        }
        self.samples += n;
        Ok(())
    }
    fn finish(&self, metrics: &[Metric], log: &mut EpochLog) -> Result<()> {
        let n = self.samples.max(1) as f64;
        log.push("loss", self.loss / n);
        let whole = match &self.kept {
            Some((o, os, t, ts)) => {
                let shape = |row: &[usize]| [&[self.samples][..], row].concat();
                Some((Tensor::from_slice(o, &shape(os))?, Tensor::from_slice(t, &shape(ts))?))
            }
            None => None,
        };
        for (s, m) in self.metrics.iter().zip(metrics) {
            let v = match &whole {
                Some((o, t)) if m.whole_set() => m.compute(o, t)? as f64,
                _ => s / n,
            };
            log.push(m.name(), v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 90 samples of class 0 then 10 of class 1: Keras's split holds out
    /// the last fifth (10 of each), the stratified split a fifth of each
    /// class (18 and 2), of the same size.
    #[test]
    fn a_stratified_validation_split_keeps_class_shares() {
        let y: Vec<f32> = (0..100).map(|i| (i >= 90) as u8 as f32).collect();
        let x: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let data = Dataset::new(Tensor::from_vec(x, &[100, 1]).unwrap(), Tensor::from_vec(y, &[100]).unwrap()).unwrap();
        let ones = |d: &Dataset| d.labels().unwrap().iter().filter(|&&c| c == 1).count();
        let (tr, val) = split_validation(&data, &Validation::Split(0.2), 1).unwrap();
        assert_eq!((tr.len(), val.as_ref().map(Dataset::len), ones(val.as_ref().unwrap())), (80, Some(20), 10));
        let (tr, val) = split_validation(&data, &Validation::StratifiedSplit(0.2), 1).unwrap();
        let val = val.unwrap();
        assert_eq!((tr.len(), val.len(), ones(&val), ones(&tr)), (80, 20, 2, 8));
        // seeded: the same seed draws the same samples
        let again = split_validation(&data, &Validation::StratifiedSplit(0.2), 1).unwrap().1.unwrap();
        assert_eq!(again.x().to_vec(), val.x().to_vec());
    }
}
