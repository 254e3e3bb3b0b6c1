//! Gradient clipping: a cap on the gradient before the optimizer sees it.
//!
//! One bad batch, or a recurrent net's exploding gradients, can produce a
//! gradient so large that a single step throws the parameters far off.
//! Clipping bounds the step. By *value* clamps every component to [−c, c],
//! which can change the gradient's direction; by *norm* rescales a tensor's
//! gradient to length at most c; by *global norm* rescales all gradients
//! together so that their joint length is at most c, which keeps the
//! direction — usually the one to use.
//!
//! The functions modify the gradient tensors held by `grads` in place (the
//! tensors are fresh from `backward` and owned by it), so they compose with
//! any optimizer; [`Clipped`] does it inside `step`.

use super::{with_grads, Optimizer, OptimizerState};
use crate::{Error, Grads, Result, Tensor};

/// A clipping rule, for [`Clipped`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// Every component clamped to [−c, c] (Keras's `clipvalue`).
    Value(f32),
    /// Each parameter's gradient rescaled to L2 norm at most c (Keras's `clipnorm`).
    Norm(f32),
    /// All gradients rescaled together to global L2 norm at most c (Keras's `global_clipnorm`).
    GlobalNorm(f32),
}

impl Clip {
    /// Applies this rule to the gradients of `params` in `grads`.
    pub fn apply(&self, grads: &Grads, params: &[Tensor]) -> Result<()> {
        match *self {
            Clip::Value(c) => clip_by_value(grads, params, c),
            Clip::Norm(c) => clip_by_norm(grads, params, c),
            Clip::GlobalNorm(c) => clip_by_global_norm(grads, params, c).map(|_| ()),
        }
    }
}

fn check_bound(op: &'static str, c: f32) -> Result<()> {
    if !(c.is_finite() && c > 0.0) {
        return Err(Error::arg(op, format!("the clipping bound must be finite and positive, got {c}")));
    }
    Ok(())
}

/// Clamps every component of the gradients of `params` to [−c, c], in place.
pub fn clip_by_value(grads: &Grads, params: &[Tensor], clip_value: f32) -> Result<()> {
    const OP: &str = "clip_by_value";
    check_bound(OP, clip_value)?;
    for (_, _, g) in with_grads(OP, params, grads)? {
        g.data_mut().iter_mut().for_each(|x| *x = x.clamp(-clip_value, clip_value));
    }
    Ok(())
}

/// Rescales each parameter's gradient separately to L2 norm at most `max_norm`, in place.
pub fn clip_by_norm(grads: &Grads, params: &[Tensor], max_norm: f32) -> Result<()> {
    const OP: &str = "clip_by_norm";
    check_bound(OP, max_norm)?;
    for (_, _, g) in with_grads(OP, params, grads)? {
        let mut g = g.data_mut();
        let norm = sum_squares(&g).sqrt();
        if norm > max_norm as f64 {
            let scale = (max_norm as f64 / norm) as f32;
            g.iter_mut().for_each(|x| *x *= scale);
        }
    }
    Ok(())
}

/// Rescales all the gradients of `params` by one factor so that their joint
/// L2 norm √(Σ‖gᵢ‖²) is at most `max_norm`, in place. Returns the norm
/// before clipping (handy to log). A non-finite norm leaves the gradients
/// as they are: there is no meaningful direction to keep, and the training
/// loop's check of the loss is the place to catch it.
pub fn clip_by_global_norm(grads: &Grads, params: &[Tensor], max_norm: f32) -> Result<f32> {
    const OP: &str = "clip_by_global_norm";
    check_bound(OP, max_norm)?;
    let items = with_grads(OP, params, grads)?;
    let norm = items.iter().map(|(_, _, g)| sum_squares(&g.data())).sum::<f64>().sqrt();
    if norm.is_finite() && norm > max_norm as f64 {
        let scale = (max_norm as f64 / norm) as f32;
        for (_, _, g) in &items {
            g.data_mut().iter_mut().for_each(|x| *x *= scale);
        }
    }
    Ok(norm as f32)
}

/// Σx², accumulated in f64 so that many small gradients are not lost.
fn sum_squares(xs: &[f32]) -> f64 {
    xs.iter().map(|&x| (x as f64) * (x as f64)).sum()
}

/// An optimizer that clips the gradients (in place) before every step.
///
/// ```
/// use origami::optim::{Clip, Clipped, Optimizer, Sgd};
/// let opt = Clipped::new(Sgd::default(), Clip::GlobalNorm(1.0));
/// assert_eq!(opt.name(), "sgd");
/// ```
#[derive(Clone, Debug)]
pub struct Clipped<O> {
    /// The optimizer that takes the clipped step.
    pub inner: O,
    /// The rule applied before each step.
    pub clip: Clip,
}

impl<O: Optimizer> Clipped<O> {
    /// `inner`, clipping with `clip`.
    pub fn new(inner: O, clip: Clip) -> Self {
        Clipped { inner, clip }
    }
}

impl<O: Optimizer> Optimizer for Clipped<O> {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        self.clip.apply(grads, params)?;
        self.inner.step(params, grads)
    }
    fn learning_rate(&self) -> f32 {
        self.inner.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.inner.set_learning_rate(lr)
    }
    fn momentum(&self) -> Option<f32> {
        self.inner.momentum()
    }
    fn set_momentum(&mut self, momentum: f32) {
        self.inner.set_momentum(momentum)
    }
    fn state(&self) -> OptimizerState {
        self.inner.state()
    }
    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        self.inner.load_state(s)
    }
    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Sgd, SgdConfig};

    /// Two parameters whose gradients are exactly `a` and `b`: J = a·x + b·y.
    fn setup(a: &[f32], b: &[f32]) -> (Vec<Tensor>, Grads) {
        let x = Tensor::zeros(&[a.len()]).requires_grad();
        let y = Tensor::zeros(&[b.len()]).requires_grad();
        let ta = Tensor::from_slice(a, &[a.len()]).unwrap();
        let tb = Tensor::from_slice(b, &[b.len()]).unwrap();
        let loss = x.mul(&ta).unwrap().sum_all().add(&y.mul(&tb).unwrap().sum_all()).unwrap();
        let grads = loss.backward().unwrap();
        (vec![x, y], grads)
    }

    fn grad_of(grads: &Grads, p: &Tensor) -> Vec<f32> {
        grads.get(p).unwrap().to_vec()
    }

    #[test]
    fn by_value_clamps_each_component() {
        let (p, g) = setup(&[0.5, -3.0, 2.0], &[-0.1]);
        clip_by_value(&g, &p, 1.0).unwrap();
        assert_eq!(grad_of(&g, &p[0]), vec![0.5, -1.0, 1.0]);
        assert_eq!(grad_of(&g, &p[1]), vec![-0.1]);
    }

    #[test]
    fn by_norm_rescales_each_tensor() {
        // ‖(3, 4)‖ = 5 → scaled to length 1; ‖(0.6)‖ < 1 untouched.
        let (p, g) = setup(&[3.0, 4.0], &[0.6]);
        clip_by_norm(&g, &p, 1.0).unwrap();
        let a = grad_of(&g, &p[0]);
        assert!((a[0] - 0.6).abs() < 1e-6 && (a[1] - 0.8).abs() < 1e-6, "{a:?}");
        assert_eq!(grad_of(&g, &p[1]), vec![0.6]);
    }

    #[test]
    fn by_global_norm_keeps_the_direction() {
        // Joint norm of (3, 4) and (12) is 13; clip to 6.5 halves everything.
        let (p, g) = setup(&[3.0, 4.0], &[12.0]);
        let norm = clip_by_global_norm(&g, &p, 6.5).unwrap();
        assert!((norm - 13.0).abs() < 1e-6);
        let (a, b) = (grad_of(&g, &p[0]), grad_of(&g, &p[1]));
        assert!((a[0] - 1.5).abs() < 1e-6 && (a[1] - 2.0).abs() < 1e-6 && (b[0] - 6.0).abs() < 1e-6);
        // Under the bound: unchanged.
        let (p, g) = setup(&[3.0, 4.0], &[12.0]);
        clip_by_global_norm(&g, &p, 20.0).unwrap();
        assert_eq!(grad_of(&g, &p[1]), vec![12.0]);
    }

    #[test]
    fn invalid_bounds_are_errors() {
        let (p, g) = setup(&[1.0], &[1.0]);
        assert!(clip_by_value(&g, &p, 0.0).is_err());
        assert!(clip_by_norm(&g, &p, -1.0).is_err());
        assert!(clip_by_global_norm(&g, &p, f32::NAN).is_err());
    }

    #[test]
    fn clipped_optimizer_steps_with_the_clipped_gradient() {
        let (p, g) = setup(&[30.0, 40.0], &[0.0]);
        let mut opt =
            Clipped::new(Sgd::new(SgdConfig { learning_rate: 1.0, ..Default::default() }), Clip::GlobalNorm(5.0));
        opt.step(&p, &g).unwrap();
        assert_eq!(p[0].to_vec(), vec![-3.0, -4.0]);
        assert_eq!(opt.state().optimizer, "sgd");
    }
}
