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
//! any optimizer; the [`Driver`](super::Driver) does it inside `step` when
//! given a [`Clip`] (`with_clip`, or `clipnorm = …` in a spec).

use super::driver::{checked_grad, repeated};
use crate::{Error, Grads, Result, Tensor};

/// A clipping rule; an option of the [`Driver`](super::Driver) (Keras's
/// `clipvalue`, `clipnorm` and `global_clipnorm`).
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
        self.check()?;
        self.clip(&grads_of("clip", params, grads)?);
        Ok(())
    }

    /// The bound c.
    pub fn bound(&self) -> f32 {
        match *self {
            Clip::Value(c) | Clip::Norm(c) | Clip::GlobalNorm(c) => c,
        }
    }

    /// Fails unless the bound is finite and positive.
    pub(crate) fn check(&self) -> Result<()> {
        let c = self.bound();
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::arg("clip", format!("the clipping bound must be finite and positive, got {c}")));
        }
        Ok(())
    }

    /// Clips `grads` in place (the bound checked); returns the global norm
    /// before clipping for [`Clip::GlobalNorm`], 0 otherwise.
    pub(crate) fn clip(&self, grads: &[&Tensor]) -> f32 {
        match *self {
            Clip::Value(c) => {
                for g in grads {
                    g.data_mut().iter_mut().for_each(|x| *x = x.clamp(-c, c));
                }
                0.0
            }
            Clip::Norm(c) => {
                for g in grads {
                    let mut g = g.data_mut();
                    let norm = sum_squares(&g).sqrt();
                    if norm > c as f64 {
                        let scale = (c as f64 / norm) as f32;
                        g.iter_mut().for_each(|x| *x *= scale);
                    }
                }
                0.0
            }
            Clip::GlobalNorm(c) => {
                let norm = grads.iter().map(|g| sum_squares(&g.data())).sum::<f64>().sqrt();
                if norm.is_finite() && norm > c as f64 {
                    let scale = (c as f64 / norm) as f32;
                    for g in grads {
                        g.data_mut().iter_mut().for_each(|x| *x *= scale);
                    }
                }
                norm as f32
            }
        }
    }
}

/// The gradients of `params` that exist, checked.
fn grads_of<'a>(op: &'static str, params: &[Tensor], grads: &'a Grads) -> Result<Vec<&'a Tensor>> {
    if let Some(i) = repeated(&params.iter().collect::<Vec<_>>()) {
        return Err(Error::arg(op, format!("parameter {i} appears twice in the parameter list")));
    }
    let mut out = Vec::with_capacity(params.len());
    for (i, p) in params.iter().enumerate() {
        out.extend(checked_grad(op, &i, p, grads)?);
    }
    Ok(out)
}

/// Clamps every component of the gradients of `params` to [−c, c], in place.
pub fn clip_by_value(grads: &Grads, params: &[Tensor], clip_value: f32) -> Result<()> {
    Clip::Value(clip_value).apply(grads, params)
}

/// Rescales each parameter's gradient separately to L2 norm at most `max_norm`, in place.
pub fn clip_by_norm(grads: &Grads, params: &[Tensor], max_norm: f32) -> Result<()> {
    Clip::Norm(max_norm).apply(grads, params)
}

/// Rescales all the gradients of `params` by one factor so that their joint
/// L2 norm √(Σ‖gᵢ‖²) is at most `max_norm`, in place. Returns the norm
/// before clipping (handy to log). A non-finite norm leaves the gradients
/// as they are: there is no meaningful direction to keep, and the training
/// loop's check of the loss is the place to catch it.
pub fn clip_by_global_norm(grads: &Grads, params: &[Tensor], max_norm: f32) -> Result<f32> {
    let clip = Clip::GlobalNorm(max_norm);
    clip.check()?;
    Ok(clip.clip(&grads_of("clip_by_global_norm", params, grads)?))
}

/// Σx², accumulated in f64 so that many small gradients are not lost.
fn sum_squares(xs: &[f32]) -> f64 {
    xs.iter().map(|&x| (x as f64) * (x as f64)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::{Optimizer, Sgd, SgdConfig};

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
        let mut opt = Sgd::default().with_clip(Clip::Norm(0.0));
        let x = Param::trainable("x", &p[0]);
        assert!(opt.step(&[x], &g).is_err());
        assert!(opt.set_clip(Some(Clip::Value(-1.0))).is_err());
    }

    #[test]
    fn clipped_optimizer_steps_with_the_clipped_gradient() {
        let (p, g) = setup(&[30.0, 40.0], &[0.0]);
        let mut opt = Sgd::new(SgdConfig { learning_rate: 1.0, ..Default::default() }).with_clip(Clip::GlobalNorm(5.0));
        let named = [Param::trainable("x", &p[0]), Param::trainable("y", &p[1])];
        opt.step(&named, &g).unwrap();
        assert_eq!(p[0].to_vec(), vec![-3.0, -4.0]);
        assert_eq!(opt.state().optimizer, "sgd");
    }
}
