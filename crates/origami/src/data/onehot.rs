//! One-hot encoding: class indices to rows with a single 1.
//!
//! Losses that take class indices need no encoding; this is for losses and
//! metrics that want `[n, k]` targets (mean squared error on classes, label
//! smoothing). An out-of-range label is an error, never a silently empty row.

use super::Dataset;
use crate::{Error, Result, Tensor};

/// `[n]` (or `[n, 1]`) f32 class indices to `[n, num_classes]` one-hot rows.
/// A label that is not an integer in `0..num_classes` is an error naming the
/// label, its position and the class count.
pub fn one_hot(labels: &Tensor, num_classes: usize) -> Result<Tensor> {
    let shape = labels.shape();
    let n = match shape {
        [n] | [n, 1] => *n,
        _ => return Err(Error::arg("one_hot", format!("labels need shape [n] or [n, 1], got {shape:?}"))),
    };
    let data = labels.data();
    let mut out = vec![0.0f32; n * num_classes];
    for (i, &v) in data.iter().enumerate() {
        if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && (v as usize) < num_classes) {
            return Err(out_of_range(v, i, num_classes));
        }
        out[i * num_classes + v as usize] = 1.0;
    }
    Tensor::from_vec(out, &[n, num_classes])
}

/// Class indices as integers to `[n, num_classes]` one-hot rows.
pub fn one_hot_indices(labels: &[usize], num_classes: usize) -> Result<Tensor> {
    let mut out = vec![0.0f32; labels.len() * num_classes];
    for (i, &c) in labels.iter().enumerate() {
        if c >= num_classes {
            return Err(out_of_range(c as f32, i, num_classes));
        }
        out[i * num_classes + c] = 1.0;
    }
    Tensor::from_vec(out, &[labels.len(), num_classes])
}

fn out_of_range(label: f32, at: usize, k: usize) -> Error {
    let range = if k == 0 { "there are no classes".to_string() } else { format!("valid labels are 0..={}", k - 1) };
    Error::arg("one_hot", format!("label {label} at index {at} is out of range for {k} classes ({range})"))
}

impl Dataset {
    /// The same features with class-index targets replaced by one-hot rows.
    pub fn one_hot(&self, num_classes: usize) -> Result<Dataset> {
        self.with_targets(one_hot(self.y(), num_classes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_round_trips_through_labels() {
        let y = Tensor::from_vec(vec![2., 0., 1.], &[3]).unwrap();
        let oh = one_hot(&y, 3).unwrap();
        assert_eq!(oh.shape(), &[3, 3]);
        assert_eq!(oh.to_vec(), vec![0., 0., 1., 1., 0., 0., 0., 1., 0.]);
        assert_eq!(one_hot_indices(&[2, 0, 1], 3).unwrap().to_vec(), oh.to_vec());
        let d = Dataset::new(Tensor::zeros(&[3, 2]), y).unwrap().one_hot(3).unwrap();
        assert_eq!(d.labels().unwrap(), vec![2, 0, 1]);
    }

    #[test]
    fn out_of_range_names_label_and_class_count() {
        let y = Tensor::from_vec(vec![0., 10.], &[2]).unwrap();
        let e = one_hot(&y, 10).unwrap_err().to_string();
        assert!(e.contains("label 10") && e.contains("index 1") && e.contains("10 classes"), "{e}");
        let e = one_hot(&Tensor::from_vec(vec![-1.], &[1]).unwrap(), 3).unwrap_err().to_string();
        assert!(e.contains("label -1") && e.contains("3 classes"), "{e}");
        let e = one_hot(&Tensor::from_vec(vec![1.5], &[1]).unwrap(), 3).unwrap_err().to_string();
        assert!(e.contains("label 1.5"), "{e}");
        let e = one_hot_indices(&[3], 3).unwrap_err().to_string();
        assert!(e.contains("label 3") && e.contains("0..=2"), "{e}");
        assert!(one_hot(&Tensor::zeros(&[2, 2]), 3).is_err());
    }
}
