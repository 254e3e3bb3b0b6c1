//! burn 0.20 on its CPU backend, ndarray (matrixmultiply GEMM, rayon), with
//! autodiff.

use burn::backend::{Autodiff, NdArray};
use burn::module::{AutodiffModule, Module};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::{BinaryCrossEntropyLossConfig, CrossEntropyLossConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, Optimizer, SgdConfig};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

use crate::{circle, timed, Batches, Bench, Mnist};

type AB = Autodiff<NdArray<f32>>;
type Dev = <AB as Backend>::Device;

pub struct Burn;

#[derive(Module, Debug)]
struct Mlp<B: Backend> {
    l1: Linear<B>,
    l2: Linear<B>,
    l3: Linear<B>,
}

impl<B: Backend> Mlp<B> {
    fn new(dev: &B::Device) -> Self {
        Mlp {
            l1: LinearConfig::new(784, 256).init(dev),
            l2: LinearConfig::new(256, 128).init(dev),
            l3: LinearConfig::new(128, 10).init(dev),
        }
    }
    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.l3.forward(relu(self.l2.forward(relu(self.l1.forward(x)))))
    }
}

#[derive(Module, Debug)]
struct Cnn<B: Backend> {
    c1: Conv2d<B>,
    c2: Conv2d<B>,
    pool: MaxPool2d,
    l1: Linear<B>,
    l2: Linear<B>,
}

impl<B: Backend> Cnn<B> {
    fn new(dev: &B::Device) -> Self {
        Cnn {
            c1: Conv2dConfig::new([1, 16], [3, 3]).init(dev),
            c2: Conv2dConfig::new([16, 32], [3, 3]).init(dev),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            l1: LinearConfig::new(800, 128).init(dev),
            l2: LinearConfig::new(128, 10).init(dev),
        }
    }
    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = self.pool.forward(relu(self.c1.forward(x)));
        let x: Tensor<B, 2> = self.pool.forward(relu(self.c2.forward(x))).flatten(1, 3);
        self.l2.forward(relu(self.l1.forward(x)))
    }
}

#[derive(Module, Debug)]
struct Tiny<B: Backend> {
    l1: Linear<B>,
    l2: Linear<B>,
    l3: Linear<B>,
}

impl<B: Backend> Tiny<B> {
    fn new(dev: &B::Device) -> Self {
        Tiny {
            l1: LinearConfig::new(2, 8).init(dev),
            l2: LinearConfig::new(8, 8).init(dev),
            l3: LinearConfig::new(8, 1).init(dev),
        }
    }
    /// Logits: the sigmoid sits inside the loss (BCE with `logits: true`).
    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.l3.forward(tanh(self.l2.forward(tanh(self.l1.forward(x)))))
    }
}

fn labels(y: &[u32], idx: &[u32], dev: &Dev) -> Tensor<AB, 1, Int> {
    let v: Vec<i64> = idx.iter().map(|&i| y[i as usize] as i64).collect();
    Tensor::from_data(TensorData::new(v, [idx.len()]), dev)
}

/// Rows `idx` of `x` (rows of `width` floats) as a tensor of `shape` (batch first).
fn rows<const D: usize>(x: &[f32], width: usize, idx: &[u32], mut shape: [usize; D], dev: &Dev) -> Tensor<AB, D> {
    let mut v = Vec::with_capacity(idx.len() * width);
    for &i in idx {
        v.extend_from_slice(&x[i as usize * width..(i as usize + 1) * width]);
    }
    shape[0] = idx.len();
    Tensor::from_data(TensorData::new(v, shape), dev)
}

fn adam() -> AdamConfig {
    AdamConfig::new().with_beta_1(0.9).with_beta_2(0.999).with_epsilon(1e-7)
}

/// `n` optimizer steps on batches from `it`; `loss` gives a batch's loss.
/// Batches are gathered on the host and made tensors each step, as burn's
/// `Batcher` does: `select` on a tensor of the whole training set copied all
/// of it every step on the ndarray backend (its storage is shared, so the op
/// takes an owned copy first), which made W1 30× slower.
fn steps<M: AutodiffModule<AB>, O: Optimizer<M, AB>>(
    mut model: M,
    opt: &mut O,
    lr: f64,
    it: &mut Batches,
    n: usize,
    loss: &dyn Fn(&M, &[u32]) -> Tensor<AB, 1>,
) -> M {
    for _ in 0..n {
        let l = loss(&model, &it.next_batch());
        let grads = GradientsParams::from_grads(l.backward(), &model);
        model = opt.step(lr, model, grads);
    }
    model
}

impl Bench for Burn {
    fn w1(&self, data: &Mnist, batch: usize, seed: u64, quick: bool) -> (f64, usize) {
        let dev = Dev::default();
        AB::seed(&dev, seed);
        let n = data.y.len();
        let ce = CrossEntropyLossConfig::new().init(&dev);
        let loss = |m: &Mlp<AB>, idx: &[u32]| {
            ce.forward(m.forward(rows(&data.x, 784, idx, [0, 784], &dev)), labels(&data.y, idx, &dev))
        };
        let mut opt = adam().init();
        let mut it = Batches::new(n, batch, seed);
        let spe = if quick { 4 } else { it.steps_per_epoch() };
        let mut model = steps(Mlp::new(&dev), &mut opt, 1e-3, &mut it, spe, &loss);
        let s = timed(|| model = steps(model.clone(), &mut opt, 1e-3, &mut it, 2 * spe, &loss));
        (s, if quick { 2 * spe * batch } else { 2 * n })
    }

    fn w1_accuracy(&self, data: &Mnist, quick: bool) -> f64 {
        let dev = Dev::default();
        AB::seed(&dev, 0);
        let n = data.y.len();
        let ce = CrossEntropyLossConfig::new().init(&dev);
        let loss = |m: &Mlp<AB>, idx: &[u32]| {
            ce.forward(m.forward(rows(&data.x, 784, idx, [0, 784], &dev)), labels(&data.y, idx, &dev))
        };
        let mut opt = adam().init();
        let mut it = Batches::new(n, 32, 0);
        let steps_n = if quick { 8 } else { 5 * it.steps_per_epoch() };
        let model = steps(Mlp::new(&dev), &mut opt, 1e-3, &mut it, steps_n, &loss);
        let nt = data.test_y.len();
        let xt: Tensor<AB, 2> = Tensor::from_data(TensorData::new(data.test_x.clone(), [nt, 784]), &dev);
        let pred = model.forward(xt).argmax(1).into_data().convert::<i64>().to_vec::<i64>().expect("i64 labels");
        pred.iter().zip(&data.test_y).filter(|(p, y)| **p == **y as i64).count() as f64 / nt as f64
    }

    fn w2(&self, data: &Mnist, seed: u64, quick: bool) -> (f64, usize) {
        let dev = Dev::default();
        AB::seed(&dev, seed);
        let n = data.y.len();
        let ce = CrossEntropyLossConfig::new().init(&dev);
        let loss = |m: &Cnn<AB>, idx: &[u32]| {
            ce.forward(m.forward(rows(&data.x, 784, idx, [0, 1, 28, 28], &dev)), labels(&data.y, idx, &dev))
        };
        let mut opt = adam().init();
        let mut it = Batches::new(n, 64, seed);
        let spe = if quick { 2 } else { it.steps_per_epoch() };
        let warm = if quick { 2 } else { 20 };
        let mut model = steps(Cnn::new(&dev), &mut opt, 1e-3, &mut it, warm, &loss);
        let s = timed(|| model = steps(model.clone(), &mut opt, 1e-3, &mut it, spe, &loss));
        (s, spe * 64)
    }

    fn w3(&self, seed: u64, quick: bool) -> (f64, usize) {
        let dev = Dev::default();
        AB::seed(&dev, seed);
        let (xs, ys) = circle(seed);
        let ys: Vec<u32> = ys.iter().map(|&v| v as u32).collect();
        let bce = BinaryCrossEntropyLossConfig::new().with_logits(true).init(&dev);
        let loss = |m: &Tiny<AB>, idx: &[u32]| {
            let z: Tensor<AB, 1> = m.forward(rows(&xs, 2, idx, [0, 2], &dev)).flatten(0, 1);
            bce.forward(z, labels(&ys, idx, &dev))
        };
        let mut opt = SgdConfig::new().init();
        let mut it = Batches::new(500, 10, seed);
        let timed_steps = if quick { 50 } else { 2000 };
        let mut model = steps(Tiny::new(&dev), &mut opt, 0.03, &mut it, 100, &loss);
        let s = timed(|| model = steps(model.clone(), &mut opt, 0.03, &mut it, timed_steps, &loss));
        (s, timed_steps)
    }
}
