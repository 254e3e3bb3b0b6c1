//! Gradient checks of whole layers: like [`crate::check_gradients`], but the
//! parameters are perturbed in place inside the layer (they share storage
//! with `Layer::params`), so the layer's own forward pass is what is checked.

use super::{Layer, Param, RngStream};
use crate::{no_grad, Result, Rng, RngState, Tensor};

pub(crate) const EPS: f32 = 1e-2;
pub(crate) const TOL: f32 = 2e-3;

/// Builds `layer` for samples of `sample` and checks the gradients of its
/// forward pass on a random batch with respect to the input and every
/// trainable parameter.
#[track_caller]
pub(crate) fn check_layer(layer: &mut dyn Layer, sample: &[usize], batch: usize, training: bool) {
    layer.build(sample, &mut Rng::seed(7)).unwrap();
    let mut shape = vec![batch];
    shape.extend_from_slice(sample);
    let x = Tensor::randn(&shape, 0.0, 1.0, &mut Rng::seed(8));
    check_built_layer(layer, &x, training, true);
}

/// Builds `layer` and checks it on a batch whose values are distinct and
/// 0.1 apart (a shuffled ramp), for layers that pick a maximum: the
/// finite differences' ±ε must not change which element wins.
#[track_caller]
pub(crate) fn check_layer_untied(layer: &mut dyn Layer, sample: &[usize], batch: usize) {
    layer.build(sample, &mut Rng::seed(7)).unwrap();
    let mut shape = vec![batch];
    shape.extend_from_slice(sample);
    let n: usize = shape.iter().product();
    let mut v: Vec<f32> = (0..n).map(|i| 0.1 * i as f32 - 0.05 * n as f32).collect();
    Rng::seed(8).shuffle(&mut v);
    check_built_layer(layer, &Tensor::from_vec(v, &shape).unwrap(), false, true);
}

/// Checks a built layer at input `x`; `wrt_input` also checks the input's
/// gradient (not for integer inputs such as token ids).
#[track_caller]
pub(crate) fn check_built_layer(layer: &mut dyn Layer, x: &Tensor, training: bool, wrt_input: bool) {
    let x = if wrt_input { x.deep_clone().requires_grad() } else { x.clone() };
    let mut targets: Vec<Tensor> = layer.params().into_iter().filter(|p| p.trainable).map(|p| p.value).collect();
    if wrt_input {
        targets.insert(0, x.clone());
    }
    let y = layer.forward(&x, training).unwrap();
    let weights = Tensor::randn(y.shape(), 0.0, 1.0, &mut Rng::seed(0x5eed));
    let grads = y.mul(&weights).unwrap().sum_all().backward().unwrap();
    let eval = |layer: &mut dyn Layer| -> f64 {
        no_grad(|| layer.forward(&x, training).unwrap().mul(&weights).unwrap().sum_all().item().unwrap()) as f64
    };
    for (i, t) in targets.iter().enumerate() {
        let analytic = grads.get(t).map(|g| g.to_vec()).unwrap_or_else(|| vec![0.0; t.numel()]);
        for (j, &a) in analytic.iter().enumerate() {
            let orig = t.data()[j];
            t.data_mut()[j] = orig + EPS;
            let plus = eval(layer);
            t.data_mut()[j] = orig - EPS;
            let minus = eval(layer);
            t.data_mut()[j] = orig;
            let numeric = ((plus - minus) / (2.0 * EPS as f64)) as f32;
            let err = (a - numeric).abs() / 1f32.max(a.abs()).max(numeric.abs());
            assert!(
                err < TOL,
                "{} (training: {training}): target {i} element {j}: analytic {a}, numeric {numeric}",
                layer.kind()
            );
        }
    }
}

/// A layer whose random streams are put back before every forward pass, so
/// that a gradient check of a layer with dropout sees the same masks at
/// every evaluation.
pub(crate) struct Replay<L: Layer> {
    inner: L,
    saved: Vec<RngState>,
}

impl<L: Layer> Replay<L> {
    pub(crate) fn new(inner: L) -> Self {
        Replay { inner, saved: Vec::new() }
    }
}

impl<L: Layer> Layer for Replay<L> {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let out = self.inner.build(input_shape, rng)?;
        self.saved = self.inner.rng_streams().iter().map(RngStream::state).collect();
        Ok(out)
    }
    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        for (s, state) in self.inner.rng_streams().iter().zip(&self.saved) {
            s.set_state(state)?;
        }
        self.inner.forward(x, training)
    }
    fn params(&self) -> Vec<Param> {
        self.inner.params()
    }
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}
