//! candle 0.9 (CPU backend: its own gemm-based matmul and im2col convolution).

use candle_core::{DType, Device, Module, Result, Tensor, D};
use candle_nn::{
    conv2d, linear, loss, AdamW, Conv2d, Conv2dConfig, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap, SGD,
};

use crate::{circle, timed, Batches, Bench, Mnist};

pub struct Candle;

struct Mlp(Linear, Linear, Linear);
impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.2.forward(&self.1.forward(&self.0.forward(x)?.relu()?)?.relu()?)
    }
}

struct Cnn(Conv2d, Conv2d, Linear, Linear);
impl Module for Cnn {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.0.forward(x)?.relu()?.max_pool2d(2)?;
        let x = self.1.forward(&x)?.relu()?.max_pool2d(2)?.flatten_from(1)?;
        self.3.forward(&self.2.forward(&x)?.relu()?)
    }
}

struct Tiny(Linear, Linear, Linear);
impl Module for Tiny {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        // logits: the sigmoid sits inside the loss (binary_cross_entropy_with_logit)
        self.2.forward(&self.1.forward(&self.0.forward(x)?.tanh()?)?.tanh()?)
    }
}

fn adam(vars: &VarMap) -> Result<AdamW> {
    AdamW::new(vars.all_vars(), ParamsAdamW { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.0 })
}

/// `steps` optimizer steps of `model` on batches of (x, y) from `it`.
fn steps<M: Module, O: Optimizer>(
    model: &M,
    opt: &mut O,
    x: &Tensor,
    y: &Tensor,
    it: &mut Batches,
    n: usize,
    lossf: fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> Result<()> {
    for _ in 0..n {
        let idx = it.next_batch();
        let idx = Tensor::from_vec(idx.clone(), idx.len(), x.device())?;
        let (xb, yb) = (x.index_select(&idx, 0)?, y.index_select(&idx, 0)?);
        opt.backward_step(&lossf(&model.forward(&xb)?, &yb)?)?;
    }
    Ok(())
}

fn mlp(seed: u64) -> Result<(Mlp, VarMap)> {
    let dev = Device::Cpu;
    // candle cannot seed its CPU device (set_seed errs): initial weights differ between runs
    let _ = dev.set_seed(seed);
    let vars = VarMap::new();
    let vb = VarBuilder::from_varmap(&vars, DType::F32, &dev);
    let m = Mlp(linear(784, 256, vb.pp("l1"))?, linear(256, 128, vb.pp("l2"))?, linear(128, 10, vb.pp("l3"))?);
    Ok((m, vars))
}

fn images(data: &Mnist, nchw: bool) -> Result<(Tensor, Tensor)> {
    let n = data.y.len();
    let shape: &[usize] = if nchw { &[n, 1, 28, 28] } else { &[n, 784] };
    Ok((Tensor::from_slice(&data.x, shape, &Device::Cpu)?, Tensor::from_slice(&data.y, n, &Device::Cpu)?))
}

impl Bench for Candle {
    fn w1(&self, data: &Mnist, batch: usize, seed: u64, quick: bool) -> (f64, usize) {
        let go = || -> Result<(f64, usize)> {
            let (x, y) = images(data, false)?;
            let (model, vars) = mlp(seed)?;
            let mut opt = adam(&vars)?;
            let mut it = Batches::new(data.y.len(), batch, seed);
            let spe = if quick { 4 } else { it.steps_per_epoch() };
            steps(&model, &mut opt, &x, &y, &mut it, spe, loss::cross_entropy)?;
            let mut r = Ok(());
            let s = timed(|| r = steps(&model, &mut opt, &x, &y, &mut it, 2 * spe, loss::cross_entropy));
            r?;
            Ok((s, if quick { 2 * spe * batch } else { 2 * data.y.len() }))
        };
        go().expect("candle W1")
    }

    fn w1_accuracy(&self, data: &Mnist, quick: bool) -> f64 {
        let go = || -> Result<f64> {
            let (x, y) = images(data, false)?;
            let (model, vars) = mlp(0)?;
            let mut opt = adam(&vars)?;
            let mut it = Batches::new(data.y.len(), 32, 0);
            let n = if quick { 8 } else { 5 * it.steps_per_epoch() };
            steps(&model, &mut opt, &x, &y, &mut it, n, loss::cross_entropy)?;
            let xt = Tensor::from_slice(&data.test_x, (data.test_y.len(), 784), &Device::Cpu)?;
            let pred: Vec<u32> = model.forward(&xt)?.argmax(D::Minus1)?.to_vec1()?;
            Ok(pred.iter().zip(&data.test_y).filter(|(p, y)| p == y).count() as f64 / pred.len() as f64)
        };
        go().expect("candle W1 accuracy")
    }

    fn w2(&self, data: &Mnist, seed: u64, quick: bool) -> (f64, usize) {
        let go = || -> Result<(f64, usize)> {
            let (x, y) = images(data, true)?;
            let dev = Device::Cpu;
            // candle cannot seed its CPU device (set_seed errs): initial weights differ between runs
            let _ = dev.set_seed(seed);
            let vars = VarMap::new();
            let vb = VarBuilder::from_varmap(&vars, DType::F32, &dev);
            let c = Conv2dConfig::default();
            let model = Cnn(
                conv2d(1, 16, 3, c, vb.pp("c1"))?,
                conv2d(16, 32, 3, c, vb.pp("c2"))?,
                linear(800, 128, vb.pp("l1"))?,
                linear(128, 10, vb.pp("l2"))?,
            );
            let mut opt = adam(&vars)?;
            let mut it = Batches::new(data.y.len(), 64, seed);
            let spe = if quick { 2 } else { it.steps_per_epoch() };
            steps(&model, &mut opt, &x, &y, &mut it, if quick { 2 } else { 20 }, loss::cross_entropy)?;
            let mut r = Ok(());
            let s = timed(|| r = steps(&model, &mut opt, &x, &y, &mut it, spe, loss::cross_entropy));
            r?;
            Ok((s, spe * 64))
        };
        go().expect("candle W2")
    }

    fn w3(&self, seed: u64, quick: bool) -> (f64, usize) {
        let go = || -> Result<(f64, usize)> {
            let (xs, ys) = circle(seed);
            let dev = Device::Cpu;
            // candle cannot seed its CPU device (set_seed errs): initial weights differ between runs
            let _ = dev.set_seed(seed);
            let (x, y) = (Tensor::from_vec(xs, (500, 2), &dev)?, Tensor::from_vec(ys, (500, 1), &dev)?);
            let vars = VarMap::new();
            let vb = VarBuilder::from_varmap(&vars, DType::F32, &dev);
            let model = Tiny(linear(2, 8, vb.pp("l1"))?, linear(8, 8, vb.pp("l2"))?, linear(8, 1, vb.pp("l3"))?);
            let mut opt = SGD::new(vars.all_vars(), 0.03)?;
            let mut it = Batches::new(500, 10, seed);
            let timed_steps = if quick { 50 } else { 2000 };
            steps(&model, &mut opt, &x, &y, &mut it, 100, loss::binary_cross_entropy_with_logit)?;
            let mut r = Ok(());
            let s = timed(|| {
                r = steps(&model, &mut opt, &x, &y, &mut it, timed_steps, loss::binary_cross_entropy_with_logit)
            });
            r?;
            Ok((s, timed_steps))
        };
        go().expect("candle W3")
    }
}
