//! One playground model: its data, features, network, optimizer and what the
//! page draws of it (heatmaps, weights, loss history).
//!
//! Everything is built from a validated [`Config`] through the library's
//! specs (`Config::model_spec`, `Config::training_spec`: the names a config
//! file uses, resolved by `origami::spec`) and trained by the library's own
//! training step (`origami::train::step`, what `fit` runs), seeded (data from `data_seed`, weights and batches from
//! `seed`), so that a shared URL reproduces the same run. An [`Engine`] is
//! `Send`: a session's worker thread owns one, and the experiments (train N
//! times, the timeline) build fresh ones on other threads.

use origami::data::synthetic;
use origami::data::Dataset;
use origami::nn::{Loss, Sequential};
use origami::optim::{Optimizer, ReduceLrOnPlateau};
use origami::{Rng, Tensor};
use serde::Serialize;

use super::api::Config;

/// The data's square is [−DOMAIN, DOMAIN]², as the Playground's.
pub const DOMAIN: f32 = 6.0;
/// Cells per side of the output heatmap (drawn smoothed, 3 pixels a cell).
pub const OUTPUT_RES: usize = 100;
/// Cells per side of each neuron's heatmap.
pub const NEURON_RES: usize = 16;

type Res<T> = Result<T, String>;

fn err(e: origami::Error) -> String {
    e.to_string()
}

/// Points as the page draws them: `[x1, x2, target]`.
pub type Points = Vec<[f32; 3]>;

/// The generated (or user's) points, shuffled, train first.
pub fn generate(cfg: &Config) -> Res<(Points, Points)> {
    let mut rng = Rng::seed(cfg.data_seed);
    let noise = cfg.noise as f32 / 100.0;
    let n = cfg.points;
    if cfg.dataset == super::api::CUSTOM {
        return Ok(split(custom_points(cfg, &mut rng), cfg.train_pct));
    }
    let ds: Dataset = synthetic::by_name(&cfg.dataset, n, cfg.classes, noise, &mut rng).map_err(err)?;
    let x = ds.x().to_vec();
    let y = ds.y().to_vec();
    let pts = x.chunks_exact(2).zip(y).map(|(p, t)| [p[0], p[1], t]).collect();
    Ok(split(pts, cfg.train_pct))
}

/// The user's points, each axis scaled into [−5, 5] (their units are
/// arbitrary; the view is the Playground's square), regression targets into
/// [−1, 1], label −1 read as class 0, then shuffled.
fn custom_points(cfg: &Config, rng: &mut Rng) -> Points {
    let scale = |k: usize, to: f32| {
        let lo = cfg.custom.iter().map(|p| p[k]).fold(f32::INFINITY, f32::min);
        let hi = cfg.custom.iter().map(|p| p[k]).fold(f32::NEG_INFINITY, f32::max);
        let mid = (lo + hi) / 2.0;
        let half = ((hi - lo) / 2.0).max(1e-6);
        move |v: f32| (v - mid) / half * to
    };
    let (sx, sy, st) = (scale(0, 5.0), scale(1, 5.0), scale(2, 1.0));
    let mut pts: Points = cfg
        .custom
        .iter()
        .map(|p| [sx(p[0]), sy(p[1]), if cfg.is_regression() { st(p[2]) } else { p[2].max(0.0) }])
        .collect();
    rng.shuffle(&mut pts);
    pts
}

fn split(mut pts: Points, train_pct: u32) -> (Points, Points) {
    let n_train = ((pts.len() * train_pct as usize) / 100).clamp(1, pts.len().saturating_sub(1).max(1));
    let test = pts.split_off(n_train);
    (pts, test)
}

/// The network's inputs for points `(x1, x2)`: the features that are on, in [`FEATURES`](super::api::FEATURES) order.
pub fn features(cfg: &Config, pts: impl Iterator<Item = (f32, f32)>) -> Res<Tensor> {
    let on = cfg.features_on();
    let mut data = Vec::new();
    let mut n = 0;
    for (a, b) in pts {
        n += 1;
        for f in &on {
            data.push(match *f {
                "x1" => a,
                "x2" => b,
                "x1sq" => a * a,
                "x2sq" => b * b,
                "x1x2" => a * b,
                "sinx1" => a.sin(),
                _ => b.sin(),
            });
        }
    }
    Tensor::from_vec(data, &[n, on.len()]).map_err(err)
}

/// Cell centres of a `res`×`res` grid over the square, row 0 at the top (x2 = +6).
pub fn grid(res: usize) -> impl Iterator<Item = (f32, f32)> {
    let step = 2.0 * DOMAIN / res as f32;
    (0..res)
        .flat_map(move |r| (0..res).map(move |c| (-DOMAIN + (c as f32 + 0.5) * step, DOMAIN - (r as f32 + 0.5) * step)))
}

/// The network built from the config's model spec, its weights drawn from `seed`.
pub fn network(cfg: &Config) -> Res<Sequential> {
    cfg.model_spec()?.build(&mut Rng::seed(cfg.seed)).map_err(err)
}

/// The optimizer of the config's training spec, its schedule indexed by
/// epoch (`steps_per_epoch` steps each).
pub fn optimizer(cfg: &Config, steps_per_epoch: usize) -> Res<Box<dyn Optimizer>> {
    let training = cfg.training_spec()?;
    let mut opt = training.optimizer.build();
    if let Some(s) = &training.schedule {
        let schedule = s.build(cfg.learning_rate, cfg.schedule_epochs).map_err(err)?;
        opt.set_schedule(Some(schedule), steps_per_epoch).map_err(err)?;
    }
    Ok(opt)
}

/// A Dense layer's weights as the page draws its links.
#[derive(Serialize, Clone)]
pub struct LayerWeights {
    /// Inputs (rows of the kernel).
    pub inputs: usize,
    /// Units (columns).
    pub units: usize,
    /// The kernel, row-major `[inputs, units]`.
    pub kernel: Vec<f32>,
    /// The biases.
    pub bias: Vec<f32>,
}

/// What the page needs to draw the model at one moment.
#[derive(Serialize, Clone, Default)]
pub struct View {
    /// Output heatmap, `OUTPUT_RES`² bytes (2 per cell for multi-class: class, confidence), base64.
    pub output: String,
    /// Each hidden layer's neurons' heatmaps, `NEURON_RES`² bytes each, base64.
    pub neurons: Vec<Vec<String>>,
    /// Every Dense layer's weights, input side first.
    pub weights: Vec<LayerWeights>,
}

/// A trainable playground model.
pub struct Engine {
    pub cfg: Config,
    pub train: Points,
    pub test: Points,
    train_set: Dataset,
    test_x: Tensor,
    test_y: Tensor,
    net: Sequential,
    opt: Box<dyn Optimizer>,
    plateau: Option<ReduceLrOnPlateau>,
    loss: Loss,
    rng: Rng,
    pub epoch: usize,
    /// `[epoch, train loss, test loss]` after every epoch (epoch 0: before training).
    pub history: Vec<[f32; 3]>,
    /// Seconds spent training up to each entry of `history` (0 at epoch 0).
    pub seconds: Vec<f32>,
}

impl Engine {
    /// Builds everything from a validated config.
    pub fn new(cfg: Config) -> Res<Engine> {
        let (train, test) = generate(&cfg)?;
        let classes = cfg.num_classes();
        let targets = |pts: &Points| -> Res<Tensor> {
            let y: Vec<f32> = pts.iter().map(|p| p[2]).collect();
            let n = y.len();
            if classes > 2 {
                Tensor::from_vec(y, &[n]).map_err(err)
            } else {
                Tensor::from_vec(y, &[n, 1]).map_err(err)
            }
        };
        let xs = |pts: &Points| features(&cfg, pts.iter().map(|p| (p[0], p[1])));
        let train_set = Dataset::new(xs(&train)?, targets(&train)?).map_err(err)?;
        let (test_x, test_y) = (xs(&test)?, targets(&test)?);
        let loss = cfg.training_spec()?.loss;
        let steps = train.len().div_ceil(cfg.batch_size);
        let plateau = cfg.plateau()?.map(ReduceLrOnPlateau::new).transpose().map_err(err)?;
        let mut e = Engine {
            net: network(&cfg)?,
            opt: optimizer(&cfg, steps)?,
            rng: Rng::seed(cfg.seed.wrapping_add(0x9e37_79b9)),
            cfg,
            train,
            test,
            train_set,
            test_x,
            test_y,
            plateau,
            loss,
            epoch: 0,
            history: Vec::new(),
            seconds: vec![0.0],
        };
        let (tr, te) = e.losses()?;
        e.history.push([0.0, tr, te]);
        Ok(e)
    }

    /// One pass over the training data in shuffled mini-batches.
    pub fn train_epoch(&mut self) -> Res<()> {
        let started = std::time::Instant::now();
        let batches = self.train_set.batches(self.cfg.batch_size, Some(&mut self.rng)).map_err(err)?;
        for (x, y) in batches {
            origami::train::step(&mut self.net, &mut *self.opt, &self.loss, &x, &y).map_err(err)?;
        }
        let so_far = self.seconds.last().copied().unwrap_or(0.0);
        self.seconds.push(so_far + started.elapsed().as_secs_f32());
        self.epoch += 1;
        let (tr, te) = self.losses()?;
        self.history.push([self.epoch as f32, tr, te]);
        if let Some(p) = &mut self.plateau {
            p.step(te, &mut *self.opt);
        }
        if !(tr.is_finite() && te.is_finite()) {
            return Err("training diverged (the loss is not a finite number): lower the learning rate".into());
        }
        Ok(())
    }

    /// Takes `cfg` without a restart when it changes what TensorFlow
    /// Playground changes live — the optimizer and its rate and options, the
    /// schedule, the penalty and its rate, dropout's rate, the batch size —
    /// and returns whether it did. The weights (and batch norm's statistics)
    /// go on, and so does the epoch count. The same optimizer keeps its
    /// moments and step count under new options (a schedule, indexed by
    /// epoch, keeps its place); another optimizer starts its own state (and a
    /// schedule from its start). A change of the data, the features, the
    /// seed or the network's shape (layers, activation, initializer, batch
    /// norm, dropout on or off) needs a new engine: `false`. With a schedule,
    /// a new batch size restarts too (the schedule counts steps).
    pub fn adjust(&mut self, cfg: &Config) -> Res<bool> {
        let old = &self.cfg;
        let same_data = (&cfg.problem, &cfg.dataset, cfg.classes, &cfg.custom, cfg.points, cfg.train_pct, cfg.noise)
            == (&old.problem, &old.dataset, old.classes, &old.custom, old.points, old.train_pct, old.noise)
            && (cfg.data_seed, cfg.seed, &cfg.features) == (old.data_seed, old.seed, &old.features);
        let same_shape = (&cfg.layers, &cfg.activation, &cfg.initializer, cfg.batch_norm, cfg.dropout > 0.0)
            == (&old.layers, &old.activation, &old.initializer, old.batch_norm, old.dropout > 0.0);
        if !same_data || !same_shape {
            return Ok(false);
        }
        let training = cfg.training_spec()?;
        let before = old.training_spec()?;
        let scheduled = training.schedule.is_some() || before.schedule.is_some();
        if cfg.batch_size != old.batch_size && scheduled {
            return Ok(false);
        }
        // The network: rebuilt from the new spec (penalties, dropout's rate),
        // the old values put in by name; a mismatch would be a new shape.
        let (reg, rate) = ((&cfg.regularization, cfg.reg_rate), (&old.regularization, old.reg_rate));
        if reg != rate || cfg.dropout != old.dropout {
            let net = network(cfg)?;
            let (now, new) = (self.net.params(), net.params());
            if now.len() != new.len() {
                return Ok(false);
            }
            for (a, b) in now.iter().zip(&new) {
                if a.name != b.name || a.value.shape() != b.value.shape() {
                    return Ok(false);
                }
                b.value.assign(&a.value.to_vec()).map_err(err)?;
            }
            self.net = net;
        }
        // The optimizer: the same one keeps its state under new options.
        let steps = self.train.len().div_ceil(cfg.batch_size).max(1);
        if training.optimizer != before.optimizer || training.schedule != before.schedule {
            let mut opt = training.optimizer.build();
            if opt.name() == self.opt.name() {
                let mut state = self.opt.state();
                state.hyperparameters = opt.state().hyperparameters;
                opt.load_state(&state).map_err(err)?;
            }
            if let Some(s) = &training.schedule {
                let schedule = s.build(cfg.learning_rate, cfg.schedule_epochs).map_err(err)?;
                opt.set_schedule(Some(schedule), steps).map_err(err)?;
            }
            self.opt = opt;
        }
        let plateau = cfg.plateau()?;
        if plateau != old.plateau()? {
            self.plateau = plateau.map(ReduceLrOnPlateau::new).transpose().map_err(err)?;
        }
        self.cfg = cfg.clone();
        Ok(true)
    }

    /// Time to solution: the first epoch whose test loss fell below
    /// `threshold`, and the seconds of training it took (the lecture's
    /// exercise 2 compares activations by it). `None` until it happens.
    pub fn solved(&self, threshold: f32) -> Option<(usize, f32)> {
        solved(&self.history, &self.seconds, threshold)
    }

    /// The current learning rate.
    pub fn learning_rate(&self) -> f32 {
        self.opt.learning_rate()
    }

    fn predict(&mut self, x: &Tensor) -> Res<Tensor> {
        let net = &mut self.net;
        origami::no_grad(|| net.forward(x, false)).map_err(err)
    }

    /// (training loss, test loss), without the regularization penalty.
    pub fn losses(&mut self) -> Res<(f32, f32)> {
        let (x, y) = (self.train_set.x().clone(), self.train_set.y().clone());
        let tr = self.predict(&x).and_then(|p| self.loss.compute(&p, &y).and_then(|l| l.item()).map_err(err))?;
        let (x, y) = (self.test_x.clone(), self.test_y.clone());
        let te = if x.shape()[0] == 0 {
            f32::NAN
        } else {
            self.predict(&x).and_then(|p| self.loss.compute(&p, &y).and_then(|l| l.item()).map_err(err))?
        };
        Ok((tr, te))
    }

    /// Fraction of the training and test points classified right (classification only).
    pub fn accuracies(&mut self) -> Res<Option<(f32, f32)>> {
        if self.cfg.is_regression() {
            return Ok(None);
        }
        let (train, x) = (self.train.clone(), self.train_set.x().clone());
        let tr = self.accuracy(&train, &x)?;
        let (test, x) = (self.test.clone(), self.test_x.clone());
        Ok(Some((tr, self.accuracy(&test, &x)?)))
    }

    fn accuracy(&mut self, pts: &Points, x: &Tensor) -> Res<f32> {
        if pts.is_empty() {
            return Ok(f32::NAN);
        }
        let p = self.predict(x)?;
        let classes = decode_classes(&p.to_vec(), pts.len());
        let right = classes.iter().zip(pts).filter(|(c, p)| **c as f32 == p[2]).count();
        Ok(right as f32 / pts.len() as f32)
    }

    /// The output heatmap alone (for the experiments' small pictures).
    pub fn output_map(&mut self, res: usize) -> Res<String> {
        let x = features(&self.cfg, grid(res))?;
        let out = self.predict(&x)?;
        Ok(encode_output(&out, self.cfg.num_classes(), self.cfg.is_regression()))
    }

    /// Heatmaps of the output and of every hidden neuron, and the weights.
    pub fn view(&mut self) -> Res<View> {
        let output = self.output_map(OUTPUT_RES)?;
        let x = features(&self.cfg, grid(NEURON_RES))?;
        let mut hidden = Vec::new();
        let layers = self.net.layers_mut();
        let dense_count = layers.iter().filter(|l| l.kind() == "Dense").count();
        origami::no_grad(|| -> origami::Result<()> {
            let mut h = x;
            for layer in layers.iter_mut() {
                h = layer.forward(&h, false)?;
                if layer.kind() == "Dense" && hidden.len() + 1 < dense_count {
                    hidden.push(h.clone());
                }
            }
            Ok(())
        })
        .map_err(err)?;
        let cells = NEURON_RES * NEURON_RES;
        let neurons = hidden
            .iter()
            .map(|h| {
                let v = h.to_vec();
                let units = v.len() / cells;
                (0..units).map(|u| encode((0..cells).map(|i| v[i * units + u]))).collect()
            })
            .collect();
        Ok(View { output, neurons, weights: self.weights() })
    }

    fn weights(&self) -> Vec<LayerWeights> {
        self.net
            .layers()
            .iter()
            .filter(|l| l.kind() == "Dense")
            .filter_map(|l| {
                let ps = l.params();
                let k = ps.iter().find(|p| p.name == "kernel")?;
                let b = ps.iter().find(|p| p.name == "bias").map(|p| p.value.to_vec()).unwrap_or_default();
                let s = k.value.shape();
                Some(LayerWeights { inputs: s[0], units: s[1], kernel: k.value.to_vec(), bias: b })
            })
            .collect()
    }

    /// Sets one weight of the `layer`-th Dense layer (0: the first hidden
    /// one): the kernel's `[input, unit]` element, or with `input = None`
    /// the unit's bias — the playground's "click a link to edit its weight".
    pub fn set_weight(&mut self, layer: usize, input: Option<usize>, unit: usize, value: f32) -> Res<()> {
        if !value.is_finite() || value.abs() > 1e6 {
            return Err(format!("a weight must be a finite number below 1e6, got {value}"));
        }
        let dense: Vec<_> = self.net.layers().iter().filter(|l| l.kind() == "Dense").collect();
        let count = dense.len();
        let d = dense
            .get(layer)
            .ok_or_else(|| format!("layer {layer} does not exist: the network has {count} Dense layers"))?;
        let params = d.params();
        let name = if input.is_some() { "kernel" } else { "bias" };
        let p = params.iter().find(|p| p.name == name).ok_or_else(|| format!("layer {layer} has no {name}"))?;
        let shape = p.value.shape().to_vec();
        let index = match (input, shape.as_slice()) {
            (Some(i), [rows, cols]) if i < *rows && unit < *cols => i * cols + unit,
            (None, [n]) if unit < *n => unit,
            _ => return Err(format!("no {name} element ({input:?}, {unit}) in a {name} of shape {shape:?}")),
        };
        let mut values = p.value.to_vec();
        values[index] = value;
        p.value.assign(&values).map_err(err)?;
        Ok(())
    }

    /// Deep copies of every parameter under its checkpoint name.
    pub fn named_params(&self) -> Vec<(String, Tensor)> {
        self.net.params().into_iter().map(|p| (p.name, p.value.deep_clone())).collect()
    }
}

/// The first entry of `history` with a test loss below `threshold`: its
/// epoch and the training seconds up to it (`seconds` aligned with `history`).
pub fn solved(history: &[[f32; 3]], seconds: &[f32], threshold: f32) -> Option<(usize, f32)> {
    let i = history.iter().position(|h| h[2] < threshold)?;
    Some((history[i][0] as usize, seconds.get(i).copied().unwrap_or(f32::NAN)))
}

/// Predicted class per row of `logits` (`n` rows; one column is binary).
fn decode_classes(logits: &[f32], n: usize) -> Vec<usize> {
    let k = logits.len() / n.max(1);
    logits
        .chunks_exact(k.max(1))
        .map(|row| {
            if k == 1 {
                usize::from(row[0] > 0.0)
            } else {
                (0..k).fold(0, |best, j| if row[j] > row[best] { j } else { best })
            }
        })
        .collect()
}

/// Output values as bytes: binary `2p − 1`, regression the value (both
/// clamped to [−1, 1]), multi-class `(class, confidence)` per cell.
fn encode_output(out: &Tensor, classes: usize, regression: bool) -> String {
    let v = out.to_vec();
    if regression {
        return encode(v.into_iter());
    }
    if classes <= 2 {
        return encode(v.into_iter().map(|z| 2.0 / (1.0 + (-z).exp()) - 1.0));
    }
    let mut bytes = Vec::with_capacity(v.len() / classes * 2);
    for row in v.chunks_exact(classes) {
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = row.iter().map(|z| (z - m).exp()).sum();
        let best = (0..classes).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        bytes.push(best as u8);
        bytes.push(((1.0 / sum) * 255.0).round().clamp(0.0, 255.0) as u8);
    }
    base64(&bytes)
}

/// Values clamped to [−1, 1], one byte each (0 ↔ −1, 255 ↔ +1), base64.
pub fn encode(v: impl Iterator<Item = f32>) -> String {
    let bytes: Vec<u8> =
        v.map(|x| if x.is_nan() { 127 } else { ((x.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8 }).collect();
    base64(&bytes)
}

/// Standard base64 with padding (the browser's `atob` reads it).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_rate_and_the_batch_size_change_without_a_restart() {
        let cfg = Config { features: vec!["x1sq".into(), "x2sq".into()], ..Config::default() };
        let mut e = Engine::new(cfg.clone()).unwrap();
        for _ in 0..3 {
            e.train_epoch().unwrap();
        }
        let weights = e.named_params()[0].1.to_vec();
        assert!(e.adjust(&Config { learning_rate: 0.3, batch_size: 20, ..cfg.clone() }).unwrap());
        assert_eq!((e.epoch, e.learning_rate(), e.cfg.batch_size), (3, 0.3, 20));
        assert_eq!(e.named_params()[0].1.to_vec(), weights, "the weights go on");
        e.train_epoch().unwrap();
        assert_eq!(e.epoch, 4);
        // a new architecture is no live change, nor new data or a new seed
        assert!(!e.adjust(&Config { layers: vec![3], ..cfg.clone() }).unwrap());
        assert!(!e.adjust(&Config { noise: 10, ..cfg.clone() }).unwrap());
        assert!(!e.adjust(&Config { seed: 7, ..cfg.clone() }).unwrap());
        // the penalty, the optimizer and its options change under the running model
        let trained = e.named_params();
        let l2 = Config { regularization: "l2".into(), reg_rate: 0.01, ..e.cfg.clone() };
        assert!(e.adjust(&l2).unwrap());
        assert_eq!(e.named_params()[0].1.to_vec(), trained[0].1.to_vec(), "the weights go on under a penalty");
        let mut adam = Config { optimizer: "adam".into(), ..l2.clone() };
        assert!(e.adjust(&adam).unwrap());
        e.train_epoch().unwrap();
        let moments = e.opt.state();
        adam.optimizer_options.insert("beta_1".into(), 0.5.into());
        assert!(e.adjust(&adam).unwrap());
        let kept = e.opt.state();
        assert_eq!((kept.step, &kept.buffers), (moments.step, &moments.buffers), "Adam keeps its moments");
        assert!(kept.hyperparameters.iter().any(|(n, v)| n == "beta_1" && *v == 0.5));
        assert_eq!(e.epoch, 5);
        // a schedule is rebuilt around the new rate at the epoch reached
        let sched = Config { schedule: "exponential_decay".into(), ..cfg.clone() };
        let mut e = Engine::new(Config {
            schedule_options: serde_json::json!({"decay_steps": 1, "decay_rate": 0.5}).as_object().unwrap().clone(),
            ..sched.clone()
        })
        .unwrap();
        e.train_epoch().unwrap();
        e.train_epoch().unwrap();
        let mut faster = e.cfg.clone();
        faster.learning_rate = 0.3;
        assert!(e.adjust(&faster).unwrap());
        e.train_epoch().unwrap();
        // epoch 2 of η₀·0.5^t at η₀ = 0.3: 0.075
        assert!((e.learning_rate() - 0.075).abs() < 1e-6, "{}", e.learning_rate());
    }

    #[test]
    fn one_weight_or_bias_can_be_edited() {
        let mut e = Engine::new(Config::default()).unwrap();
        e.set_weight(0, Some(1), 2, 0.75).unwrap();
        e.set_weight(1, None, 1, -0.5).unwrap();
        let w = e.weights();
        assert_eq!(w[0].kernel[w[0].units + 2], 0.75);
        assert_eq!(w[1].bias[1], -0.5);
        assert!(e.set_weight(0, Some(2), 0, 1.0).unwrap_err().contains("shape [2, 4]"));
        assert!(e.set_weight(5, None, 0, 1.0).unwrap_err().contains("3 Dense layers"));
        assert!(e.set_weight(0, None, 0, f32::NAN).is_err());
    }

    #[test]
    fn training_lowers_the_loss_on_circle() {
        let cfg = Config { features: vec!["x1sq".into(), "x2sq".into()], ..Config::default() };
        let mut e = Engine::new(cfg).unwrap();
        let before = e.history[0][2];
        for _ in 0..20 {
            e.train_epoch().unwrap();
        }
        let after = e.history.last().unwrap()[2];
        assert!(after < before * 0.7, "{before} -> {after}");
        // time to solution: the first epoch below a threshold, with its seconds
        let (epoch, secs) = e.solved(before * 0.9).unwrap();
        assert!((1..=20).contains(&epoch) && secs > 0.0, "{epoch} {secs}");
        assert_eq!(e.history[epoch][0] as usize, epoch);
        assert!(e.history[..epoch].iter().all(|h| h[2] >= before * 0.9));
        assert_eq!(e.solved(0.0), None);
        let v = e.view().unwrap();
        assert_eq!(v.neurons.len(), 2);
        assert_eq!(v.neurons[0].len(), 4);
        assert_eq!(v.weights.len(), 3);
    }

    #[test]
    fn every_optimizer_schedule_and_option_builds_and_trains() {
        let presets = super::super::api::schedule_presets(0.03);
        let plateau = super::super::api::PLATEAU;
        for opt in origami::spec::OptimizerSpec::NAMES {
            for sched in origami::spec::ScheduleSpec::NAMES.iter().chain([&plateau]) {
                let cfg = Config {
                    optimizer: (*opt).into(),
                    schedule: (*sched).into(),
                    schedule_options: presets[*sched].as_object().cloned().unwrap_or_default(),
                    points: 60,
                    dataset: "spirals".into(),
                    classes: 4,
                    dropout: 0.2,
                    batch_norm: true,
                    regularization: "l1".into(),
                    reg_rate: 0.001,
                    activation: "selu".into(),
                    initializer: "lecun_normal".into(),
                    ..Config::default()
                };
                cfg.validate().unwrap();
                let mut e = Engine::new(cfg).unwrap();
                e.train_epoch().unwrap();
                e.view().unwrap();
                assert!(e.accuracies().unwrap().is_some());
            }
        }
    }
}
