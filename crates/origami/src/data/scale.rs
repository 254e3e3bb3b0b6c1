//! Feature scaling fitted on the training split only.
//!
//! Gradient descent converges faster when features share a scale, but the
//! statistics must come from the training data alone: fitting on all the
//! data leaks the test set into training and flatters the test score. So a
//! scaler is fitted once ([`Standardizer::fit`]) and then applied to every
//! split ([`Standardizer::transform`]). Its parameters are public plain
//! vectors so that a saved model can carry them and rebuild the scaler.
//!
//! Statistics are per feature: every position after the first (sample) axis
//! is a feature, so `[n, 28, 28, 1]` images get 784 means. They are computed
//! in f64 so that a large n does not lose precision.

use super::dataset::row_len;
use super::Dataset;
use crate::{Error, Result, Tensor};

/// Z-score scaling: `(x - mean) / std` per feature.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// The mean of each feature over the fitted samples.
    pub mean: Vec<f32>,
    /// The population standard deviation (divisor n) of each feature; a
    /// constant feature gets 1 so that it maps to 0 instead of NaN (as in
    /// scikit-learn).
    pub std: Vec<f32>,
}

/// Min-max scaling to [0, 1]: `(x - min) / (max - min)` per feature.
#[derive(Clone, Debug, PartialEq)]
pub struct MinMaxScaler {
    /// The smallest value of each feature over the fitted samples.
    pub min: Vec<f32>,
    /// The largest value of each feature over the fitted samples.
    pub max: Vec<f32>,
}

/// `(samples, features)` of a tensor seen as rows along its first axis.
fn rows(x: &Tensor) -> (usize, usize) {
    let f = row_len(x.shape());
    let n = x.numel().checked_div(f).unwrap_or(0);
    (n, f)
}

/// Applies `(v - shift[j]) / scale[j]` (or its inverse) to each feature `j`.
fn apply(op: &'static str, x: &Tensor, shift: &[f32], scale: &[f32], inverse: bool) -> Result<Tensor> {
    let (_, f) = rows(x);
    if f != shift.len() {
        return Err(Error::arg(
            op,
            format!("the scaler was fitted on {} features, a tensor of shape {:?} has {f}", shift.len(), x.shape()),
        ));
    }
    let data = x.data();
    let mut out = Vec::with_capacity(data.len());
    for row in data.chunks_exact(f.max(1)) {
        for ((&v, &s), &k) in row.iter().zip(shift).zip(scale) {
            out.push(if inverse { v * k + s } else { (v - s) / k });
        }
    }
    Tensor::from_vec(out, x.shape())
}

fn check_params(op: &'static str, a: &[f32], b: &[f32]) -> Result<()> {
    if a.len() != b.len() {
        return Err(Error::arg(op, format!("{} and {} parameters do not pair up", a.len(), b.len())));
    }
    if let Some(j) = a.iter().chain(b).position(|v| !v.is_finite()) {
        return Err(Error::arg(op, format!("parameter {} is not finite", j % a.len().max(1))));
    }
    Ok(())
}

impl Standardizer {
    /// Mean and standard deviation of each feature of `x` (`[n, …]`). An
    /// empty `x` gives mean 0 and std 1.
    pub fn fit(x: &Tensor) -> Standardizer {
        let (n, f) = rows(x);
        let data = x.data();
        let mut sum = vec![0f64; f];
        for row in data.chunks_exact(f.max(1)) {
            row.iter().zip(&mut sum).for_each(|(&v, s)| *s += v as f64);
        }
        let mean: Vec<f64> = sum.iter().map(|s| if n == 0 { 0.0 } else { s / n as f64 }).collect();
        // Two passes: the sum of squared deviations, not E[x²] - E[x]², which
        // cancels catastrophically for features far from zero.
        let mut ss = vec![0f64; f];
        for row in data.chunks_exact(f.max(1)) {
            for ((&v, m), s) in row.iter().zip(&mean).zip(&mut ss) {
                *s += (v as f64 - m).powi(2);
            }
        }
        let std = ss
            .iter()
            .map(|s| {
                let sd = if n == 0 { 0.0 } else { (s / n as f64).sqrt() };
                if sd > 0.0 && sd.is_finite() {
                    sd as f32
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer { mean: mean.into_iter().map(|m| m as f32).collect(), std }
    }

    /// A scaler from saved parameters; every std must be positive.
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Result<Standardizer> {
        check_params("Standardizer::new", &mean, &std)?;
        if let Some(j) = std.iter().position(|&s| s <= 0.0) {
            return Err(Error::arg(
                "Standardizer::new",
                format!("std of feature {j} is {}, it must be positive", std[j]),
            ));
        }
        Ok(Standardizer { mean, std })
    }

    /// `(x - mean) / std`; `x` needs as many features as the fitted data.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        apply("Standardizer::transform", x, &self.mean, &self.std, false)
    }

    /// `x * std + mean`: back to the original units.
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Tensor> {
        apply("Standardizer::inverse_transform", x, &self.mean, &self.std, true)
    }

    /// The dataset with its features transformed, targets untouched.
    pub fn transform_dataset(&self, d: &Dataset) -> Result<Dataset> {
        Dataset::new(self.transform(d.x())?, d.y().clone())
    }
}

impl MinMaxScaler {
    /// Minimum and maximum of each feature of `x` (`[n, …]`). An empty `x`
    /// gives min 0 and max 1.
    pub fn fit(x: &Tensor) -> MinMaxScaler {
        let (n, f) = rows(x);
        let data = x.data();
        let (mut min, mut max) = (vec![f32::INFINITY; f], vec![f32::NEG_INFINITY; f]);
        for row in data.chunks_exact(f.max(1)) {
            for (j, &v) in row.iter().enumerate() {
                min[j] = min[j].min(v);
                max[j] = max[j].max(v);
            }
        }
        if n == 0 {
            (min, max) = (vec![0.0; f], vec![1.0; f]);
        }
        MinMaxScaler { min, max }
    }

    /// A scaler from saved parameters; every max must be at least its min.
    pub fn new(min: Vec<f32>, max: Vec<f32>) -> Result<MinMaxScaler> {
        check_params("MinMaxScaler::new", &min, &max)?;
        if let Some(j) = min.iter().zip(&max).position(|(a, b)| a > b) {
            return Err(Error::arg(
                "MinMaxScaler::new",
                format!("feature {j} has min {} above max {}", min[j], max[j]),
            ));
        }
        Ok(MinMaxScaler { min, max })
    }

    /// `max - min`, or 1 for a constant feature (which then maps to 0).
    fn range(&self) -> Vec<f32> {
        self.min.iter().zip(&self.max).map(|(a, b)| if b > a { b - a } else { 1.0 }).collect()
    }

    /// `(x - min) / (max - min)`: the fitted data lands in [0, 1]; other data
    /// may fall outside (it is not clipped).
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        apply("MinMaxScaler::transform", x, &self.min, &self.range(), false)
    }

    /// `x * (max - min) + min`: back to the original units.
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Tensor> {
        apply("MinMaxScaler::inverse_transform", x, &self.min, &self.range(), true)
    }

    /// The dataset with its features transformed, targets untouched.
    pub fn transform_dataset(&self, d: &Dataset) -> Result<Dataset> {
        Dataset::new(self.transform(d.x())?, d.y().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
    }

    #[test]
    fn standardizer_fits_train_and_round_trips() {
        let train = Tensor::from_vec(vec![1., 10., 3., 10., 5., 10.], &[3, 2]).unwrap();
        let s = Standardizer::fit(&train);
        assert!(close(&s.mean, &[3.0, 10.0]));
        assert!(close(&s.std, &[(8.0f32 / 3.0).sqrt(), 1.0]), "constant feature gets std 1");
        let z = s.transform(&train).unwrap();
        let zs = z.to_vec();
        assert!(close(&[zs[0] + zs[2] + zs[4]], &[0.0]));
        assert_eq!([zs[1], zs[3], zs[5]], [0.0; 3]);
        assert!(close(&s.inverse_transform(&z).unwrap().to_vec(), &train.to_vec()));
        // Test data uses the training statistics.
        let test = Tensor::from_vec(vec![3.0, 12.0], &[1, 2]).unwrap();
        assert!(close(&s.transform(&test).unwrap().to_vec(), &[0.0, 2.0]));
        let e = s.transform(&Tensor::zeros(&[2, 3])).unwrap_err().to_string();
        assert!(e.contains("2 features") && e.contains("[2, 3]"), "{e}");
        let r = Standardizer::new(s.mean.clone(), s.std.clone()).unwrap();
        assert_eq!(r, s);
        assert!(Standardizer::new(vec![0.0], vec![0.0]).is_err());
        assert!(Standardizer::new(vec![0.0], vec![1.0, 2.0]).is_err());
    }

    #[test]
    fn standardizer_is_precise_far_from_zero_and_per_pixel() {
        let x = Tensor::from_vec(vec![1e6 + 1.0, 1e6 - 1.0], &[2, 1]).unwrap();
        let s = Standardizer::fit(&x);
        assert!(close(&s.std, &[1.0]) && s.mean == [1e6], "{s:?}");
        let imgs = Tensor::from_vec((0..16).map(|v| v as f32).collect(), &[2, 2, 2, 2]).unwrap();
        let s = Standardizer::fit(&imgs);
        assert_eq!(s.mean.len(), 8);
        assert_eq!(s.transform(&imgs).unwrap().shape(), &[2, 2, 2, 2]);
        let empty = Standardizer::fit(&Tensor::zeros(&[0, 3]));
        assert_eq!((empty.mean, empty.std), (vec![0.0; 3], vec![1.0; 3]));
    }

    #[test]
    fn min_max_scaler() {
        let train = Tensor::from_vec(vec![-1., 5., 3., 5., 1., 5.], &[3, 2]).unwrap();
        let m = MinMaxScaler::fit(&train);
        assert_eq!((m.min.clone(), m.max.clone()), (vec![-1.0, 5.0], vec![3.0, 5.0]));
        let t = m.transform(&train).unwrap();
        assert!(close(&t.to_vec(), &[0.0, 0.0, 1.0, 0.0, 0.5, 0.0]));
        assert!(close(&m.inverse_transform(&t).unwrap().to_vec(), &train.to_vec()));
        let d = Dataset::new(train.clone(), Tensor::zeros(&[3])).unwrap();
        assert!(close(&m.transform_dataset(&d).unwrap().x().to_vec(), &t.to_vec()));
        assert!(MinMaxScaler::new(vec![2.0], vec![1.0]).is_err());
        assert!(MinMaxScaler::new(vec![f32::NAN], vec![1.0]).is_err());
    }
}
