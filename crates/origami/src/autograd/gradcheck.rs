//! Gradient checking against central finite differences.

use crate::{no_grad, Error, Result, Rng, Tensor};

/// The worst disagreement between autodiff and finite differences.
#[derive(Clone, Debug)]
pub struct GradCheck {
    /// max over all elements of |analytic − numeric| / max(1, |analytic|, |numeric|).
    pub max_error: f32,
    /// Which input and which element of it gave `max_error`.
    pub input: usize,
    pub index: usize,
    pub analytic: f32,
    pub numeric: f32,
}

/// Compares the gradients of `f` at `inputs` with central differences of step `eps`.
///
/// A non-scalar output is first projected to a scalar with fixed random
/// weights (⟨f(x), r⟩), which checks the whole Jacobian-vector product.
/// Each input is used as given and re-created as a leaf that requires a
/// gradient.
pub fn check_gradients(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor], eps: f32) -> Result<GradCheck> {
    let xs: Vec<Tensor> = inputs.iter().map(|x| x.deep_clone().requires_grad()).collect();
    let probe = f(&xs)?;
    let weights = Tensor::randn(probe.shape(), 0.0, 1.0, &mut Rng::seed(0x5eed));
    let scalar = |xs: &[Tensor]| -> Result<Tensor> {
        let y = f(xs)?;
        if y.numel() == 1 {
            Ok(y.reshape(&[])?)
        } else {
            Ok(y.mul(&weights)?.sum_all())
        }
    };
    let grads = scalar(&xs)?.backward()?;
    let mut worst = GradCheck { max_error: 0.0, input: 0, index: 0, analytic: 0.0, numeric: 0.0 };
    for (i, x) in xs.iter().enumerate() {
        let analytic = match grads.get(x) {
            Some(g) => g.to_vec(),
            None => vec![0.0; x.numel()],
        };
        for (j, &a) in analytic.iter().enumerate() {
            let orig = x.data()[j];
            let eval = |v: f32| -> Result<f64> {
                x.data_mut()[j] = v;
                let r = no_grad(|| scalar(&xs))?.item()?;
                Ok(r as f64)
            };
            let plus = eval(orig + eps)?;
            let minus = eval(orig - eps)?;
            x.data_mut()[j] = orig;
            let numeric = ((plus - minus) / (2.0 * eps as f64)) as f32;
            if !numeric.is_finite() || !a.is_finite() {
                return Err(Error::arg(
                    "check_gradients",
                    format!("non-finite gradient at input {i} element {j}: analytic {a}, numeric {numeric}"),
                ));
            }
            let err = (a - numeric).abs() / 1f32.max(a.abs()).max(numeric.abs());
            if err > worst.max_error {
                worst = GradCheck { max_error: err, input: i, index: j, analytic: a, numeric };
            }
        }
    }
    Ok(worst)
}
