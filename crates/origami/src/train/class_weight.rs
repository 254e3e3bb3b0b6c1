//! Class weights: how much each class's samples count in the loss, so a
//! rare class is not drowned by a common one.
//!
//! Keras's `fit(class_weight=…)` takes a weight per class and multiplies
//! it into each sample's weight (with any per-sample weights); `"balanced"`
//! is scikit-learn's rule for choosing them. `fit` applies them to the
//! training samples only: validation losses stay unweighted by class, as
//! Keras's.

use crate::{Error, Result};

/// The weight of each class in the training loss.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassWeight {
    /// n_samples / (n_classes · count_c) for each class c present in the
    /// training labels (scikit-learn's `compute_class_weight("balanced",
    /// classes=np.unique(y), y=y)`): every class then carries the same total
    /// weight, n_samples / n_classes.
    Balanced,
    /// One weight per class index (finite, ≥ 0).
    PerClass(Vec<f32>),
}

impl ClassWeight {
    /// The weight of every class `0..classes` for training `labels`.
    /// Classes absent from the labels get weight 1 (no sample carries it).
    pub fn weights(&self, labels: &[usize], classes: usize) -> Result<Vec<f32>> {
        match self {
            ClassWeight::Balanced => balanced(labels, classes),
            ClassWeight::PerClass(w) => {
                if w.len() != classes {
                    return Err(Error::arg(
                        "class_weight",
                        format!("{} class weights for {classes} classes: give one per class", w.len()),
                    ));
                }
                if let Some(c) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                    return Err(Error::arg(
                        "class_weight",
                        format!("the weight of class {c} is {}; weights must be finite and ≥ 0", w[c]),
                    ));
                }
                Ok(w.clone())
            }
        }
    }

    /// The weight of each sample: its class's weight.
    pub fn per_sample(&self, labels: &[usize], classes: usize) -> Result<Vec<f32>> {
        let w = self.weights(labels, classes)?;
        labels
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                w.get(c).copied().ok_or_else(|| {
                    Error::arg("class_weight", format!("sample {i} has class {c}, beyond the {classes} classes"))
                })
            })
            .collect()
    }
}

/// scikit-learn's balanced class weights (see [`ClassWeight::Balanced`]).
pub fn balanced(labels: &[usize], classes: usize) -> Result<Vec<f32>> {
    let mut counts = vec![0usize; classes];
    for (i, &c) in labels.iter().enumerate() {
        *counts.get_mut(c).ok_or_else(|| {
            Error::arg("class_weight", format!("sample {i} has class {c}, beyond the {classes} classes"))
        })? += 1;
    }
    let present = counts.iter().filter(|&&c| c > 0).count();
    if present == 0 {
        return Err(Error::arg("class_weight", "balanced class weights need at least one labelled sample"));
    }
    let n = labels.len() as f64;
    Ok(counts.iter().map(|&c| if c == 0 { 1.0 } else { (n / (present as f64 * c as f64)) as f32 }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scikit-learn 1.9.1: `compute_class_weight("balanced",
    /// classes=np.array([0, 1, 2]), y=[0]*6 + [1]*3 + [2])` =
    /// [0.5555555555555556, 1.1111111111111112, 3.3333333333333335]
    /// (10 / (3·6), 10 / (3·3), 10 / (3·1)); and for a 2% minority,
    /// y = [0]*98 + [1]*2: [0.5102040816326531, 25.0] (100 / (2·98), 100 / (2·2)).
    #[test]
    fn balanced_matches_scikit_learn() {
        let y: Vec<usize> = [vec![0; 6], vec![1; 3], vec![2]].concat();
        let w = balanced(&y, 3).unwrap();
        for (g, want) in w.iter().zip([0.555_555_6_f32, 1.111_111, 3.333_333_3]) {
            assert!((g - want).abs() < 1e-6, "{w:?}");
        }
        let y: Vec<usize> = [vec![0; 98], vec![1; 2]].concat();
        assert_eq!(balanced(&y, 2).unwrap(), vec![0.510_204_1_f32, 25.0]);
        // every class carries n / n_classes in total
        let per = ClassWeight::Balanced.per_sample(&y, 2).unwrap();
        assert!((per[..98].iter().sum::<f32>() - 50.0).abs() < 1e-4 && per[98..].iter().sum::<f32>() == 50.0);
        // a class absent from the labels: n_classes counts the classes present
        assert_eq!(balanced(&[0, 0, 2, 2], 3).unwrap(), vec![1.0, 1.0, 1.0]);
    }

    #[test]
    fn explicit_weights_are_checked() {
        let cw = ClassWeight::PerClass(vec![1.0, 4.0]);
        assert_eq!(cw.per_sample(&[1, 0, 1], 2).unwrap(), vec![4.0, 1.0, 4.0]);
        let e = cw.weights(&[0], 3).unwrap_err().to_string();
        assert!(e.contains("2 class weights for 3 classes"), "{e}");
        let e = ClassWeight::PerClass(vec![1.0, -2.0]).weights(&[0], 2).unwrap_err().to_string();
        assert!(e.contains("class 1 is -2"), "{e}");
        let e = balanced(&[0, 5], 2).unwrap_err().to_string();
        assert!(e.contains("sample 1 has class 5"), "{e}");
    }
}
