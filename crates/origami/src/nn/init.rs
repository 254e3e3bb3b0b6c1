//! Weight initializers, all drawn from the caller's seeded [`Rng`].
//!
//! The variance-scaling family (Glorot, He, LeCun) sets the weights'
//! variance from the layer's fan-in and fan-out so that the signal's
//! variance neither explodes nor vanishes through depth (Glorot & Bengio
//! 2010; He et al. 2015). [`fans`] reads them off the kernel's shape the way
//! Keras does, which is right for Dense (`[in, out]`) and Conv2D
//! (`[kh, kw, c, f]`: fan_in = kh·kw·c, fan_out = kh·kw·f).
//!
//! [`Initializer::Orthogonal`] (Saxe et al. 2014), the recurrent layers'
//! default for their recurrent kernels, keeps the norm of a state through
//! many steps of h·U instead of scaling it by a random matrix's spread of
//! singular values.

use crate::{Result, Rng, Tensor};

/// How to fill a new parameter tensor.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Initializer {
    /// All 0 (Keras's default for biases).
    #[default]
    Zeros,
    /// All 1.
    Ones,
    /// Every element the given value.
    Constant(f32),
    /// N(mean, std²).
    RandomNormal { mean: f32, std: f32 },
    /// U[lo, hi).
    RandomUniform { lo: f32, hi: f32 },
    /// N(mean, std²) with samples beyond 2·std redrawn (as Keras); the
    /// variance is then ≈ 0.774·std².
    TruncatedNormal { mean: f32, std: f32 },
    /// Variance 2/(fan_in + fan_out), truncated normal.
    GlorotNormal,
    /// U[−√(6/(fan_in+fan_out)), +…]: variance 2/(fan_in + fan_out).
    GlorotUniform,
    /// Variance 2/fan_in, truncated normal.
    HeNormal,
    /// U[−√(6/fan_in), +…]: variance 2/fan_in.
    HeUniform,
    /// Variance 1/fan_in, truncated normal.
    LecunNormal,
    /// U[−√(3/fan_in), +…]: variance 1/fan_in.
    LecunUniform,
    /// `gain` times a matrix with orthonormal columns (or rows, when it is
    /// wider than tall), as Keras's `Orthogonal`: the Q of the QR
    /// factorisation of a standard normal matrix, signs fixed so that R's
    /// diagonal is positive (which makes Q uniformly distributed). The
    /// tensor is read as a matrix of (product of all axes but the last) rows
    /// and (the last axis) columns.
    Orthogonal { gain: f32 },
}

/// Standard deviation of a standard normal truncated to [−2, 2]: the
/// variance-scaling normals divide by it so that their variance is the
/// formula's exactly (Keras does the same).
const TRUNCATED_STD: f32 = 0.879_625_7;

/// (fan_in, fan_out) of a kernel: the last axis is the output units, the
/// second-to-last the input units, and any axes before them a receptive
/// field that multiplies both (so `[kh, kw, c, f]` gives kh·kw·c and
/// kh·kw·f). A vector counts its length for both; a scalar 1.
pub fn fans(shape: &[usize]) -> (usize, usize) {
    // (saturating: a shape too large for a buffer has fans too large to
    // matter, never wrapped small ones)
    match shape.len() {
        0 => (1, 1),
        1 => (shape[0], shape[0]),
        r => {
            let field = shape[..r - 2].iter().fold(1usize, |a, &d| a.saturating_mul(d));
            (shape[r - 2].saturating_mul(field), shape[r - 1].saturating_mul(field))
        }
    }
}

impl Initializer {
    /// A new tensor of `shape` filled by this rule (not yet a gradient leaf).
    /// Every layer creates its parameters here, so that a size past
    /// [`crate::limits`] (or past the weights file a model is loaded from)
    /// is an error before anything is allocated.
    pub fn init(&self, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        // (checked here, so the infallible constructors below cannot panic)
        crate::limits::claim_parameter(shape)?;
        let (fan_in, fan_out) = fans(shape);
        let (fan_in, fan_avg) = (fan_in.max(1) as f32, (fan_in.saturating_add(fan_out) as f32 / 2.0).max(1.0));
        Ok(match *self {
            Initializer::Zeros => Tensor::zeros(shape),
            Initializer::Ones => Tensor::ones(shape),
            Initializer::Constant(v) => Tensor::full(shape, v),
            Initializer::RandomNormal { mean, std } => Tensor::randn(shape, mean, std, rng),
            Initializer::RandomUniform { lo, hi } => Tensor::rand_uniform(shape, lo, hi, rng),
            Initializer::TruncatedNormal { mean, std } => truncated(shape, mean, std, rng),
            Initializer::GlorotNormal => truncated(shape, 0.0, (1.0 / fan_avg).sqrt() / TRUNCATED_STD, rng),
            Initializer::HeNormal => truncated(shape, 0.0, (2.0 / fan_in).sqrt() / TRUNCATED_STD, rng),
            Initializer::LecunNormal => truncated(shape, 0.0, (1.0 / fan_in).sqrt() / TRUNCATED_STD, rng),
            // U[−l, l] has variance l²/3, hence l = √(3·variance).
            Initializer::GlorotUniform => uniform(shape, (3.0 / fan_avg).sqrt(), rng),
            Initializer::HeUniform => uniform(shape, (6.0 / fan_in).sqrt(), rng),
            Initializer::LecunUniform => uniform(shape, (3.0 / fan_in).sqrt(), rng),
            Initializer::Orthogonal { gain } => orthogonal(shape, gain, rng)?,
        })
    }

    /// The variance this rule gives a kernel of `shape` (for tests and docs).
    pub fn variance(&self, shape: &[usize]) -> f32 {
        let (fan_in, fan_out) = fans(shape);
        let (fan_in, fan_avg) = (fan_in.max(1) as f32, (fan_in.saturating_add(fan_out) as f32 / 2.0).max(1.0));
        match *self {
            Initializer::Zeros | Initializer::Ones | Initializer::Constant(_) => 0.0,
            Initializer::RandomNormal { std, .. } => std * std,
            Initializer::RandomUniform { lo, hi } => (hi - lo) * (hi - lo) / 12.0,
            Initializer::TruncatedNormal { std, .. } => (std * TRUNCATED_STD).powi(2),
            Initializer::GlorotNormal | Initializer::GlorotUniform => 1.0 / fan_avg,
            Initializer::HeNormal | Initializer::HeUniform => 2.0 / fan_in,
            Initializer::LecunNormal | Initializer::LecunUniform => 1.0 / fan_in,
            // n columns of unit norm (or rows) in a rows×cols matrix: the mean
            // square is exactly 1/max(rows, cols), the mean ≈ 0
            Initializer::Orthogonal { gain } => {
                let (rows, cols) = matrix_dims(shape);
                gain * gain / rows.max(cols).max(1) as f32
            }
        }
    }
}

/// (rows, cols) of a tensor read as a matrix: every axis but the last, and the last.
fn matrix_dims(shape: &[usize]) -> (usize, usize) {
    match shape.split_last() {
        Some((&cols, rest)) => (rest.iter().product(), cols),
        None => (1, 1),
    }
}

/// Keras's `Orthogonal`: a standard normal matrix of max(rows, cols) ×
/// min(rows, cols), drawn row by row, orthonormalised column by column by
/// Gram–Schmidt (each column twice, in f64, so that the columns are
/// orthogonal to rounding even when the matrix is square), transposed when
/// the tensor is wider than tall. Gram–Schmidt's R has a positive diagonal
/// by construction, so its Q is the one Keras gets from a Householder QR
/// after multiplying each column by the sign of R's diagonal entry.
fn orthogonal(shape: &[usize], gain: f32, rng: &mut Rng) -> Result<Tensor> {
    if shape.len() < 2 {
        return Err(crate::Error::arg(
            "orthogonal",
            format!("needs a tensor of at least 2 axes (a matrix), got shape {shape:?}"),
        ));
    }
    let (rows, cols) = matrix_dims(shape);
    let (tall, short) = (rows.max(cols), rows.min(cols));
    if short == 0 {
        return Ok(Tensor::zeros(shape));
    }
    // a[i * short + j]: row i, column j of the tall × short normal matrix
    let a: Vec<f64> = (0..tall * short).map(|_| rng.normal() as f64).collect();
    // q[j]: column j, orthonormalised
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(short);
    for j in 0..short {
        let mut v: Vec<f64> = (0..tall).map(|i| a[i * short + j]).collect();
        for _pass in 0..2 {
            for qk in &q {
                let dot: f64 = qk.iter().zip(&v).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(qk).for_each(|(y, x)| *y -= dot * x);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm.is_nan() || norm <= 1e-12 {
            return Err(crate::Error::arg("orthogonal", "the random matrix drawn is singular (draw again)"));
        }
        v.iter_mut().for_each(|x| *x /= norm);
        q.push(v);
    }
    let g = gain as f64;
    let v = if rows >= cols {
        (0..rows * cols).map(|e| (g * q[e % cols][e / cols]) as f32).collect()
    } else {
        (0..rows * cols).map(|e| (g * q[e / cols][e % cols]) as f32).collect()
    };
    Tensor::from_vec(v, shape)
}

fn uniform(shape: &[usize], limit: f32, rng: &mut Rng) -> Tensor {
    Tensor::rand_uniform(shape, -limit, limit, rng)
}

fn truncated(shape: &[usize], mean: f32, std: f32, rng: &mut Rng) -> Tensor {
    let n = crate::kernels::shape::numel(shape);
    let v = (0..n)
        .map(|_| loop {
            let z = rng.normal();
            if z.abs() <= 2.0 {
                break mean + std * z;
            }
        })
        .collect();
    Tensor::from_vec(v, shape).unwrap_or_else(|_| Tensor::zeros(shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fans of a shape no buffer can have saturate (they used to wrap
    /// in release builds, to a small variance, and panic in debug ones);
    /// such a shape is refused by `init` before anything is allocated.
    #[test]
    fn fans_of_impossible_shapes_saturate() {
        assert_eq!(fans(&[3, 3, 8, 16]), (72, 144));
        assert_eq!(fans(&[1 << 40, 1 << 40, 2, 2]), (usize::MAX, usize::MAX));
        assert!(Initializer::GlorotUniform.variance(&[1 << 40, 1 << 40, 2, 2]) < 1e-18);
        let e = Initializer::GlorotUniform.init(&[1 << 40, 1 << 40, 2, 2], &mut Rng::seed(1)).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
    }

    fn moments(t: &Tensor) -> (f64, f64) {
        let v = t.to_vec();
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn fans_of_dense_and_conv_kernels() {
        assert_eq!(fans(&[48, 8]), (48, 8));
        assert_eq!(fans(&[3, 5, 4, 16]), (60, 240));
        assert_eq!(fans(&[7]), (7, 7));
    }

    /// Sample variance within 3% of the formula. With n ≈ 100k samples the
    /// relative standard error of a variance is √(2/n) ≈ 0.45% for a normal
    /// (less for a uniform), so 3% is over six standard errors.
    #[test]
    fn sample_variance_matches_the_formula() {
        let shapes: [&[usize]; 2] = [&[400, 250], &[5, 5, 40, 100]];
        let rules = [
            Initializer::RandomNormal { mean: 0.0, std: 0.3 },
            Initializer::RandomUniform { lo: -0.2, hi: 0.6 },
            Initializer::TruncatedNormal { mean: 0.0, std: 0.5 },
            Initializer::GlorotNormal,
            Initializer::GlorotUniform,
            Initializer::HeNormal,
            Initializer::HeUniform,
            Initializer::LecunNormal,
            Initializer::LecunUniform,
        ];
        let mut rng = Rng::seed(42);
        for shape in shapes {
            for rule in rules {
                let t = rule.init(shape, &mut rng).unwrap();
                assert_eq!(t.shape(), shape);
                let (_, var) = moments(&t);
                let want = rule.variance(shape) as f64;
                assert!((var / want - 1.0).abs() < 0.03, "{rule:?} on {shape:?}: variance {var}, formula {want}");
            }
        }
        // explicit formulas for the Dense case [400, 250]
        assert!((Initializer::HeNormal.variance(&[400, 250]) - 2.0 / 400.0).abs() < 1e-9);
        assert!((Initializer::GlorotUniform.variance(&[400, 250]) - 2.0 / 650.0).abs() < 1e-9);
        assert!((Initializer::LecunUniform.variance(&[400, 250]) - 1.0 / 400.0).abs() < 1e-9);
        // and the Conv2D case: fan_in = 5·5·40 = 1000
        assert!((Initializer::HeUniform.variance(&[5, 5, 40, 100]) - 2.0 / 1000.0).abs() < 1e-9);
    }

    /// QᵀQ = I for a tall matrix, QQᵀ = I for a wide one (an LSTM's
    /// recurrent kernel [u, 4u]: orthonormal rows), times the gain², and a
    /// kernel of more than two axes read as (all but last) × last.
    #[test]
    fn orthogonal_has_orthonormal_columns_or_rows() {
        let gram = |m: &[f32], rows: usize, cols: usize, by_columns: bool| -> Vec<Vec<f64>> {
            let (n, len) = if by_columns { (cols, rows) } else { (rows, cols) };
            let at = |v: usize, i: usize| if by_columns { m[i * cols + v] } else { m[v * cols + i] } as f64;
            (0..n).map(|a| (0..n).map(|b| (0..len).map(|i| at(a, i) * at(b, i)).sum()).collect()).collect()
        };
        let mut rng = Rng::seed(3);
        for (shape, gain) in [(vec![12, 5], 1.0f32), (vec![6, 24], 1.0), (vec![16, 16], 2.0), (vec![2, 3, 4, 5], 1.0)] {
            let t = Initializer::Orthogonal { gain }.init(&shape, &mut rng).unwrap();
            assert_eq!(t.shape(), &shape[..]);
            let (rows, cols) = matrix_dims(&shape);
            let g = gram(&t.to_vec(), rows, cols, rows >= cols);
            for (a, row) in g.iter().enumerate() {
                for (b, &v) in row.iter().enumerate() {
                    let want = if a == b { (gain * gain) as f64 } else { 0.0 };
                    assert!((v - want).abs() < 1e-5, "{shape:?}: (QᵀQ)[{a}][{b}] = {v}");
                }
            }
            let (_, var) = moments(&t);
            let want = Initializer::Orthogonal { gain }.variance(&shape) as f64;
            assert!((var / want - 1.0).abs() < 0.1, "{shape:?}: variance {var}, formula {want}");
        }
        // seeded, and a vector is not a matrix
        let a = Initializer::Orthogonal { gain: 1.0 }.init(&[4, 8], &mut Rng::seed(1)).unwrap().to_vec();
        assert_eq!(a, Initializer::Orthogonal { gain: 1.0 }.init(&[4, 8], &mut Rng::seed(1)).unwrap().to_vec());
        assert!(Initializer::Orthogonal { gain: 1.0 }.init(&[4], &mut rng).is_err());
    }

    #[test]
    fn constants_and_bounds() {
        let mut rng = Rng::seed(1);
        assert!(Initializer::Zeros.init(&[3, 2], &mut rng).unwrap().to_vec().iter().all(|&v| v == 0.0));
        assert!(Initializer::Ones.init(&[3], &mut rng).unwrap().to_vec().iter().all(|&v| v == 1.0));
        assert!(Initializer::Constant(0.5).init(&[3], &mut rng).unwrap().to_vec().iter().all(|&v| v == 0.5));
        let t = Initializer::TruncatedNormal { mean: 1.0, std: 0.1 }.init(&[10_000], &mut rng).unwrap().to_vec();
        assert!(t.iter().all(|&v| (v - 1.0).abs() <= 0.2 + 1e-6));
        let l = (6.0f32 / 30.0).sqrt();
        let u = Initializer::GlorotUniform.init(&[10, 20], &mut rng).unwrap().to_vec();
        assert!(u.iter().all(|&v| v.abs() <= l));
        // seeded: the same seed, the same weights
        let a = Initializer::HeNormal.init(&[4, 4], &mut Rng::seed(9)).unwrap().to_vec();
        assert_eq!(a, Initializer::HeNormal.init(&[4, 4], &mut Rng::seed(9)).unwrap().to_vec());
    }
}
