//! `fit`'s semantics and one test per callback showing its effect.

use super::callbacks::*;
use super::*;
use crate::data::Dataset;
use crate::nn::{Activation, Dense, Loss, Sequential};
use crate::optim::schedule::{ExponentialDecay, PlateauConfig};
use crate::optim::{Sgd, SgdConfig};
use crate::{Rng, Tensor};

/// Two Gaussian blobs in 2-D, labels 0/1 (as f32), `n` samples.
fn blobs(n: usize, seed: u64, flip: bool) -> Dataset {
    let mut r = Rng::seed(seed);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = (i % 2) as f32;
        x.push(r.normal() * 0.5 + 2.0 * c - 1.0);
        x.push(r.normal() * 0.5 + 2.0 * c - 1.0);
        y.push(if flip { 1.0 - c } else { c });
    }
    Dataset::new(Tensor::from_vec(x, &[n, 2]).unwrap(), Tensor::from_vec(y, &[n]).unwrap()).unwrap()
}

fn model(seed: u64, lr: f32) -> Model {
    let mut net = Sequential::new(&[2], vec![]).add(Dense::new(8).activation(Activation::Tanh)).add(Dense::new(2));
    net.build(&mut Rng::seed(seed)).unwrap();
    let opt = Sgd::new(SgdConfig { learning_rate: lr, ..Default::default() });
    Model::new(net, opt, Loss::SparseCategoricalCrossentropy { from_logits: true }, vec![Metric::SparseAccuracy])
}

fn quiet(epochs: usize, batch_size: usize) -> FitConfig {
    FitConfig { epochs, batch_size, verbosity: Verbosity::Silent, ..Default::default() }
}

#[derive(Default)]
struct Counter {
    batches: Vec<usize>,
    weights: Vec<Vec<Vec<f32>>>,
}
impl Callback for Counter {
    fn on_epoch_begin(&mut self, _e: usize, _c: &mut Control) -> crate::Result<()> {
        self.batches.push(0);
        Ok(())
    }
    fn on_batch_end(&mut self, _e: usize, _s: usize, _l: f32, _c: &mut Control) -> crate::Result<()> {
        *self.batches.last_mut().unwrap() += 1;
        Ok(())
    }
    fn on_epoch_end(&mut self, _log: &EpochLog, c: &mut Control) -> crate::Result<()> {
        self.weights.push(c.snapshot());
        Ok(())
    }
}

#[test]
fn updates_per_epoch_follow_the_lecture() {
    for (n, bs, want) in [(1000, 200, 5), (1001, 200, 6)] {
        let mut m = model(1, 0.1);
        let mut c = Counter::default();
        let h = m.fit(&blobs(n, 2, false), &quiet(2, bs), &mut [&mut c]).unwrap();
        assert_eq!(c.batches, vec![want, want], "{n} samples at batch {bs}");
        assert_eq!(h.epochs.len(), 2);
    }
    let e = model(1, 0.1).fit(&blobs(10, 2, false), &quiet(1, 0), &mut []).unwrap_err().to_string();
    assert!(e.contains("batch size is 0"), "{e}");
}

#[test]
fn training_learns_and_history_is_complete() {
    let mut m = model(3, 0.5);
    let cfg = FitConfig { validation: Validation::Split(0.2), ..quiet(10, 32) };
    let h = m.fit(&blobs(500, 4, false), &cfg, &mut []).unwrap();
    let loss = h.series("loss");
    assert!(loss[9] < loss[0] * 0.5, "{loss:?}");
    assert!(h.last().unwrap().get("val_accuracy").unwrap() > 0.95);
    for name in ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "time_s"] {
        assert!(h.last().unwrap().get(name).is_some(), "{name} missing");
    }
    let ev = m.evaluate(&blobs(200, 5, false), 64).unwrap();
    assert!(ev.get("accuracy").unwrap() > 0.95);
    let p = m.predict(&blobs(7, 5, false).x().clone(), 3).unwrap();
    assert_eq!(p.shape(), &[7, 2]);
}

#[test]
fn same_seed_same_weights_bitwise() {
    let run = || {
        let mut m = model(7, 0.3);
        m.fit(&blobs(300, 8, false), &FitConfig { seed: 11, ..quiet(3, 16) }, &mut []).unwrap();
        m.params().iter().map(|p| p.value.to_vec()).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

/// Validation labels are the training labels flipped, so the better the fit,
/// the worse val_loss: the best epoch is the first.
fn adversarial() -> (Dataset, FitConfig) {
    let cfg = FitConfig { validation: Validation::Data(blobs(100, 9, true)), ..quiet(20, 20) };
    (blobs(200, 10, false), cfg)
}

#[test]
fn early_stopping_stops_at_the_right_epoch_and_restores_the_best_weights() {
    let (data, cfg) = adversarial();
    let mut m = model(12, 0.5);
    let mut rec = Counter::default();
    let mut es = EarlyStopping::new("val_loss", 2).restore_best_weights();
    let h = m.fit(&data, &cfg, &mut [&mut rec, &mut es]).unwrap();
    let val = h.series("val_loss");
    assert!(val.windows(2).all(|w| w[1] > w[0]), "val_loss should only rise: {val:?}");
    // best at epoch 0; epochs 1 and 2 do not improve; patience 2 stops after epoch 2
    assert_eq!(h.epochs.len(), 3);
    assert_eq!(es.best_epoch(), Some(0));
    assert!(h.stop_reason.as_deref().unwrap().contains("early stopping at epoch 3"));
    let now: Vec<Vec<f32>> = m.params().iter().map(|p| p.value.to_vec()).collect();
    assert_eq!(now, rec.weights[0], "the weights of epoch 0 are restored");
    assert_ne!(now, rec.weights[2]);
    // and says so once, as Keras does
    assert_eq!(h.events, ["Restoring model weights from the end of the best epoch: 1."]);
}

#[test]
fn plateau_lowers_the_learning_rate() {
    let (data, cfg) = adversarial();
    let mut m = model(12, 0.5);
    let cfg_p = PlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
    let mut plateau = ReduceLrOnPlateau::new("val_loss", cfg_p);
    let h = m.fit(&data, &FitConfig { epochs: 4, ..cfg }, &mut [&mut plateau]).unwrap();
    // Epoch 0 improves on nothing; epochs 1, 2, 3 do not improve and, with
    // patience 1, each halves the rate. The log holds the rate each epoch used.
    assert_eq!(h.series("lr"), vec![0.5, 0.5, 0.25, 0.125]);
    assert_eq!(m.optimizer.learning_rate(), 0.5 * 0.5f32.powi(3));
    // each cut reported once, in Keras's words, epochs counted from 1
    assert_eq!(
        h.events,
        [
            "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.25.",
            "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.125.",
            "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.0625.",
        ]
    );
}

#[test]
fn a_nan_loss_stops_training_naming_epoch_and_step() {
    let mut d = blobs(100, 13, false);
    let mut x = d.x().to_vec();
    x[2 * 45] = f32::NAN; // sample 45 sits in batch 4 of 10 (no shuffling)
    d = Dataset::new(Tensor::from_vec(x, &[100, 2]).unwrap(), d.y().clone()).unwrap();
    let mut m = model(14, 0.1);
    let h = m.fit(&d, &FitConfig { shuffle: false, ..quiet(3, 10) }, &mut []).unwrap();
    let r = h.stop_reason.unwrap();
    assert!(r.contains("epoch 1, step 5") && r.contains("NaN"), "{r}");
    assert!(h.epochs.is_empty() && h.diverged);
}

#[test]
fn scheduler_checkpoint_and_csv_logger() {
    let dir = std::env::temp_dir().join(format!("origami-cb-{}", std::process::id()));
    let mut m = model(15, 0.1);
    let mut sched = LearningRateScheduler::new(ExponentialDecay::new(0.2, 2, 0.1).unwrap(), SchedulePer::Epoch);
    let mut ckpt = ModelCheckpoint::new(dir.join("best.safetensors"), "loss", true);
    let mut every = ModelCheckpoint::new(dir.join("e{epoch}.safetensors"), "loss", false);
    let mut csv = CsvLogger::new(dir.join("log.csv"));
    let h = m.fit(&blobs(100, 16, false), &quiet(3, 20), &mut [&mut sched, &mut ckpt, &mut every, &mut csv]).unwrap();
    // η = 0.2 · 0.1^(epoch/2)
    for (e, lr) in h.series("lr").iter().enumerate() {
        let want = 0.2 * 0.1f64.powf(e as f64 / 2.0);
        assert!((lr - want).abs() < 1e-6, "epoch {e}: {lr} vs {want}");
    }
    assert_eq!(every.saved, vec![0, 1, 2]);
    assert!(dir.join("e2.safetensors").exists());
    assert!(!ckpt.saved.is_empty() && ckpt.saved[0] == 0);
    let saved = crate::io::load_tensors(dir.join("best.safetensors")).unwrap();
    assert_eq!(saved.len(), m.params().len());
    let log = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("epoch,loss,accuracy"), "{}", lines[0]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn nets_must_be_built() {
    let net = Sequential::new(&[2], vec![]).add(Dense::new(2));
    let mut m = Model::new(net, Sgd::default(), Loss::MeanSquaredError, vec![]);
    assert!(m.fit(&blobs(10, 1, false), &quiet(1, 5), &mut []).unwrap_err().to_string().contains("build"));
}

/// Interrupts training after `after` epochs of the whole run, as `--stop-after` does.
struct InterruptAfter(usize);

impl Callback for InterruptAfter {
    fn on_epoch_end(&mut self, log: &EpochLog, c: &mut Control) -> crate::Result<()> {
        if log.epoch + 1 == self.0 {
            c.interrupt("interrupted");
        }
        Ok(())
    }
}

/// A run interrupted after epoch 2 and continued with the history replayed
/// stops at the same epoch, with the same best weights restored (read back
/// from the file), as the uninterrupted run; an interrupted run keeps its
/// last weights.
#[test]
fn replayed_callbacks_continue_as_an_uninterrupted_run() {
    let dir = std::env::temp_dir().join(format!("origami-replay-{}", std::process::id()));
    let (data, cfg) = adversarial();
    let mut whole = model(12, 0.5);
    let mut es = EarlyStopping::new("val_loss", 3).restore_best_weights();
    let h = whole.fit(&data, &cfg, &mut [&mut es]).unwrap();
    let want: Vec<Vec<f32>> = whole.params().iter().map(|p| p.value.to_vec()).collect();

    let mut split = model(12, 0.5);
    let best = dir.join("best.safetensors");
    let mut rec = Counter::default();
    let mut es1 = EarlyStopping::new("val_loss", 3).restore_best_weights().best_weights_path(&best);
    let first = split.fit(&data, &cfg, &mut [&mut es1, &mut InterruptAfter(2), &mut rec]).unwrap();
    assert_eq!(first.epochs.len(), 2);
    let last: Vec<Vec<f32>> = split.params().iter().map(|p| p.value.to_vec()).collect();
    assert_eq!(last, rec.weights[1], "an interrupted run keeps its last weights, not the best");
    let mut es2 = EarlyStopping::new("val_loss", 3).restore_best_weights().best_weights_path(&best);
    let resumed = FitConfig { initial_epoch: 2, prior_history: first.clone(), ..cfg };
    let second = split.fit(&data, &resumed, &mut [&mut es2]).unwrap();
    assert_eq!(first.epochs.len() + second.epochs.len(), h.epochs.len());
    assert_eq!(second.stop_reason, h.stop_reason);
    assert_eq!(es2.best_epoch(), es.best_epoch());
    let got: Vec<Vec<f32>> = split.params().iter().map(|p| p.value.to_vec()).collect();
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Records each batch's loss and the weights at the start of each epoch.
#[derive(Default)]
struct LossRecorder {
    batch_losses: Vec<f32>,
    weights_at_begin: Vec<Vec<Vec<f32>>>,
}
impl Callback for LossRecorder {
    fn on_epoch_begin(&mut self, _e: usize, c: &mut Control) -> crate::Result<()> {
        self.weights_at_begin.push(c.snapshot());
        Ok(())
    }
    fn on_batch_end(&mut self, _e: usize, _s: usize, loss: f32, _c: &mut Control) -> crate::Result<()> {
        self.batch_losses.push(loss);
        Ok(())
    }
}

#[test]
fn logged_loss_includes_the_l2_penalty_as_keras() {
    use crate::nn::Regularizer;
    let (n, l2) = (6, 0.05);
    let mut r = Rng::seed(21);
    let x: Vec<f32> = (0..n * 3).map(|_| r.normal()).collect();
    let y: Vec<f32> = (0..n * 2).map(|_| r.normal()).collect();
    let data =
        Dataset::new(Tensor::from_vec(x.clone(), &[n, 3]).unwrap(), Tensor::from_vec(y.clone(), &[n, 2]).unwrap())
            .unwrap();
    let mut net = Sequential::new(&[3], vec![]).add(Dense::new(2).kernel_regularizer(Regularizer::L2(l2)));
    net.build(&mut Rng::seed(22)).unwrap();
    let opt = Sgd::new(SgdConfig { learning_rate: 0.1, ..Default::default() });
    let mut m = Model::new(net, opt, Loss::MeanSquaredError, vec![]);
    let mut rec = LossRecorder::default();
    // one batch per epoch: each epoch's loss is that of its starting weights
    let h = m.fit(&data, &FitConfig { shuffle: false, ..quiet(2, n) }, &mut [&mut rec]).unwrap();
    for (epoch, w) in rec.weights_at_begin.iter().enumerate() {
        // independently, in f64: mean squared error of x·W + b, plus l2 · Σ W²
        let (kernel, bias) = (&w[0], &w[1]);
        let mut data_loss = 0.0;
        for i in 0..n {
            for j in 0..2 {
                let pred = bias[j] as f64 + (0..3).map(|k| x[i * 3 + k] as f64 * kernel[k * 2 + j] as f64).sum::<f64>();
                data_loss += (pred - y[i * 2 + j] as f64).powi(2) / (n * 2) as f64;
            }
        }
        let penalty = l2 as f64 * kernel.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
        let logged = h.epochs[epoch].get("loss").unwrap();
        assert!(penalty > 1e-3, "the penalty must matter: {penalty}");
        assert!((logged - (data_loss + penalty)).abs() < 1e-5, "epoch {epoch}: {logged} vs {data_loss} + {penalty}");
        assert_eq!(rec.batch_losses[epoch] as f64, logged, "the batch loss is the same total");
    }
}

/// AUC, F1 and R² are not means over batches: `fit` computes them on the
/// epoch's outputs. At learning rate 0 those are the model's predictions,
/// so the logged values equal the metrics of `predict` on the training set.
#[test]
fn whole_set_metrics_are_computed_on_the_whole_epoch() {
    let mut m = model(3, 0.0);
    m.metrics = vec![
        Metric::SparseAccuracy,
        Metric::Auc { from_logits: true },
        Metric::F1Macro { from_logits: true },
        Metric::LogLoss { from_logits: true },
    ];
    let data = blobs(101, 4, false);
    let cfg = FitConfig { shuffle: false, validation: Validation::StratifiedSplit(0.2), ..quiet(1, 10) };
    let h = m.fit(&data, &cfg, &mut []).unwrap();
    let log = h.last().unwrap();
    for name in ["auc", "val_auc", "f1_macro", "val_f1_macro", "log_loss", "val_log_loss"] {
        assert!(log.get(name).is_some_and(f64::is_finite), "{name} missing from {:?}", log.values);
    }
    // the training part is 81 of the 101 samples: evaluate the whole set
    // with shuffle off and no validation to compare on the same rows
    let h = m.fit(&data, &FitConfig { shuffle: false, ..quiet(1, 10) }, &mut []).unwrap();
    let log = h.last().unwrap();
    let pred = m.predict(data.x(), 64).unwrap();
    let auc = metrics::roc_auc(&pred, data.y(), true).unwrap();
    let f1 = metrics::f1_macro(&pred, data.y(), true).unwrap();
    assert!((log.get("auc").unwrap() - auc).abs() < 1e-6, "{} vs {auc}", log.get("auc").unwrap());
    assert!((log.get("f1_macro").unwrap() - f1).abs() < 1e-6);
    let ll = metrics::log_loss(&pred, data.y(), true).unwrap();
    assert!((log.get("log_loss").unwrap() - ll).abs() < 1e-5, "batch-averaged mean is exact");
}

/// Per-sample weights scale each sample's loss and the batch is reduced by
/// its size (Keras 3's "sum_over_batch_size"): weights of 2 double the loss.
#[test]
fn sample_weights_reduce_as_keras() {
    let data = blobs(40, 6, false);
    let plain = model(2, 0.0).fit(&data, &quiet(1, 40), &mut []).unwrap();
    let twice = data.with_sample_weights(Tensor::full(&[40], 2.0)).unwrap();
    let weighted = model(2, 0.0).fit(&twice, &quiet(1, 40), &mut []).unwrap();
    let (a, b) = (plain.series("loss")[0], weighted.series("loss")[0]);
    assert!((b - 2.0 * a).abs() < 1e-5 * a, "{b} vs 2 × {a}");
    // one weight of 40 on sample 0, 0 elsewhere: Σ wᵢlᵢ / n = l₀
    let mut w = vec![0.0; 40];
    w[0] = 40.0;
    let one = data.with_sample_weights(Tensor::from_vec(w, &[40]).unwrap()).unwrap();
    let h = model(2, 0.0).fit(&one, &quiet(1, 40), &mut []).unwrap();
    let mut m = model(2, 0.0);
    let first = data.subset(&[0]).unwrap();
    let l0 = m.evaluate(&first, 1).unwrap().loss as f64;
    assert!((h.series("loss")[0] - l0).abs() < 1e-5, "{} vs {l0}", h.series("loss")[0]);
}

/// 2% of the samples in class 1, overlapping class 0: unweighted, the
/// model finds few of them; `ClassWeight::Balanced` finds most.
#[test]
fn balanced_class_weights_raise_minority_recall() {
    let mut r = Rng::seed(11);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..1000 {
        let c = (i % 50 == 0) as usize;
        x.push(r.normal() + 1.2 * c as f32);
        x.push(r.normal() + 1.2 * c as f32);
        y.push(c as f32);
    }
    let data = Dataset::new(Tensor::from_vec(x, &[1000, 2]).unwrap(), Tensor::from_vec(y, &[1000]).unwrap()).unwrap();
    let recall = |cw: Option<ClassWeight>| {
        let mut m = model(5, 0.1);
        m.fit(&data, &FitConfig { class_weight: cw, ..quiet(20, 32) }, &mut []).unwrap();
        let pred = m.predict(data.x(), 256).unwrap();
        let r = metrics::class_report(&metrics::confusion_matrix(&pred, data.y(), 2, true).unwrap());
        r.recall[1]
    };
    let (plain, balanced) = (recall(None), recall(Some(ClassWeight::Balanced)));
    assert!(plain < 0.3 && balanced > plain + 0.4, "minority recall: unweighted {plain}, balanced {balanced}");
}
