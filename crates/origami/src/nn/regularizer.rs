//! Weight penalties (L1, L2) and weight constraints (max-norm).
//!
//! A [`Regularizer`] adds a term to the training loss, so it acts through
//! the gradient; a [`Constraint`] is imposed directly on the weights after
//! each optimizer step, which is how max-norm regularization is defined
//! (Srivastava et al. 2014) and what Keras's `kernel_constraint` does.

use crate::{Error, Result, Tensor};

/// A penalty on a tensor (a kernel, a bias or a layer's output).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Regularizer {
    /// l1 · Σ|w|.
    L1(f32),
    /// l2 · Σw² (no ½, as Keras).
    L2(f32),
    /// l1 · Σ|w| + l2 · Σw².
    L1L2 { l1: f32, l2: f32 },
}

impl Regularizer {
    /// The penalty of `w`, a scalar tensor that carries gradients to `w`.
    pub fn penalty(&self, w: &Tensor) -> Result<Tensor> {
        let l1 = |c: f32| w.abs().sum_all().mul_scalar(c);
        let l2 = |c: f32| w.square().sum_all().mul_scalar(c);
        match *self {
            Regularizer::L1(c) => Ok(l1(c)),
            Regularizer::L2(c) => Ok(l2(c)),
            Regularizer::L1L2 { l1: a, l2: b } => l1(a).add(&l2(b)),
        }
    }
}

/// The penalty of an optional regularizer on `w`.
pub(crate) fn penalty(r: &Option<Regularizer>, w: Option<&Tensor>) -> Result<Option<Tensor>> {
    match (r, w) {
        (Some(r), Some(w)) => r.penalty(w).map(Some),
        _ => Ok(None),
    }
}

/// A rule imposed on weights after each update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Constraint {
    /// Rescales each unit's incoming weights — every slice along the last
    /// (output) axis, so a column of a Dense kernel `[in, out]` or a filter of
    /// a Conv2D kernel `[kh, kw, c, f]` — to Euclidean norm `max_value` when
    /// its norm exceeds it.
    MaxNorm { max_value: f32 },
    /// Sets negative weights to zero.
    NonNeg,
}

impl Constraint {
    /// Max-norm with the given bound.
    pub fn max_norm(max_value: f32) -> Constraint {
        Constraint::MaxNorm { max_value }
    }

    /// Imposes the constraint on `w` in place.
    pub fn apply(&self, w: &Tensor) -> Result<()> {
        match *self {
            Constraint::MaxNorm { max_value } => {
                if max_value.is_nan() || max_value <= 0.0 {
                    return Err(Error::arg("MaxNorm", format!("the bound must be positive, got {max_value}")));
                }
                let units = w.shape().last().copied().unwrap_or(1).max(1);
                let mut d = w.data_mut();
                let mut norms = vec![0.0f32; units];
                for (i, v) in d.iter().enumerate() {
                    norms[i % units] += v * v;
                }
                let scale: Vec<f32> = norms
                    .iter()
                    .map(|&n| {
                        let n = n.sqrt();
                        if n > max_value {
                            max_value / n
                        } else {
                            1.0
                        }
                    })
                    .collect();
                for (i, v) in d.iter_mut().enumerate() {
                    *v *= scale[i % units];
                }
            }
            Constraint::NonNeg => w.data_mut().iter_mut().for_each(|v| *v = v.max(0.0)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_by_hand() {
        let w = Tensor::from_slice(&[1.0, -2.0, 3.0], &[3]).unwrap();
        assert_eq!(Regularizer::L1(0.1).penalty(&w).unwrap().item().unwrap(), 0.6);
        assert!((Regularizer::L2(0.01).penalty(&w).unwrap().item().unwrap() - 0.14).abs() < 1e-7);
        let both = Regularizer::L1L2 { l1: 0.1, l2: 0.01 }.penalty(&w).unwrap().item().unwrap();
        assert!((both - 0.74).abs() < 1e-6);
        // the gradient of L2 is 2·l2·w
        let w = w.requires_grad();
        let g = Regularizer::L2(0.5).penalty(&w).unwrap().backward().unwrap();
        assert_eq!(g.wrt(&w).unwrap().to_vec(), vec![1.0, -2.0, 3.0]);
    }

    #[test]
    fn max_norm_rescales_only_the_long_columns() {
        // columns: (3, 4) has norm 5, (0.6, 0.8) has norm 1
        let w = Tensor::from_slice(&[3.0, 0.6, 4.0, 0.8], &[2, 2]).unwrap();
        Constraint::max_norm(2.0).apply(&w).unwrap();
        let v = w.to_vec();
        let expect = [1.2, 0.6, 1.6, 0.8];
        for (a, b) in v.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{v:?}");
        }
        assert!(Constraint::max_norm(0.0).apply(&w).is_err());
        let n = Tensor::from_slice(&[-1.0, 2.0], &[2]).unwrap();
        Constraint::NonNeg.apply(&n).unwrap();
        assert_eq!(n.to_vec(), vec![0.0, 2.0]);
    }
}
