//! The in-memory dataset and its batch iterator.
//!
//! Every sample is one row of `x` and one row of `y` along the first axis, so
//! a batch is a gather of rows: no per-sample objects, no boxing, one copy
//! per batch. Batches are gathered into buffers that the iterator takes back
//! once the caller has dropped the previous batch (its tensors and anything
//! sharing their storage), so a training loop allocates nothing per step in
//! the steady state; a batch still held elsewhere is never overwritten.

use std::sync::Arc;

use crate::{Error, Result, Rng, Tensor};

/// Features `x` (`[n, …]`) and targets `y` (`[n, …]`) of `n` samples.
///
/// Targets are class indices as f32 (`[n]`), one-hot rows (`[n, k]`) or
/// regression values (`[n, k]`). Optional per-sample weights (`[n]`, see
/// [`with_sample_weights`](Self::with_sample_weights)) travel with the
/// samples through subsets, splits, folds and batches. Cloning is cheap:
/// tensors are shared.
#[derive(Clone, Debug)]
pub struct Dataset {
    x: Tensor,
    y: Tensor,
    w: Option<Tensor>,
}

/// The product of every axis after the first: the length of one sample's row.
pub(crate) fn row_len(shape: &[usize]) -> usize {
    shape.iter().skip(1).product()
}

impl Dataset {
    /// Pairs features and targets; both need at least one axis and the same
    /// number of samples along it.
    pub fn new(x: Tensor, y: Tensor) -> Result<Dataset> {
        if x.rank() == 0 || y.rank() == 0 {
            return Err(Error::shape(
                "Dataset::new",
                x.shape(),
                y.shape(),
                "features and targets need a first (sample) axis",
            ));
        }
        if x.shape()[0] != y.shape()[0] {
            return Err(Error::shape(
                "Dataset::new",
                x.shape(),
                y.shape(),
                "features and targets need the same number of samples (first axis)",
            ));
        }
        Ok(Dataset { x, y, w: None })
    }

    /// The same samples, each weighted in the training loss by `w[i]`
    /// (`[n]`, finite, ≥ 0): Keras's `sample_weight`.
    pub fn with_sample_weights(&self, w: Tensor) -> Result<Dataset> {
        if w.shape() != [self.len()] {
            return Err(Error::shape(
                "Dataset::with_sample_weights",
                self.x.shape(),
                w.shape(),
                "one weight per sample, shape [n]",
            ));
        }
        if let Some(i) = w.data().iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::arg(
                "Dataset::with_sample_weights",
                format!("the weight of sample {i} is {}; weights must be finite and ≥ 0", w.data()[i]),
            ));
        }
        Ok(Dataset { x: self.x.clone(), y: self.y.clone(), w: Some(w) })
    }

    /// The per-sample weights, `[n]`, if any.
    pub fn sample_weights(&self) -> Option<&Tensor> {
        self.w.as_ref()
    }

    /// The features, `[n, …]`.
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The targets, `[n, …]`.
    pub fn y(&self) -> &Tensor {
        &self.y
    }

    /// The features and targets, by value.
    pub fn into_parts(self) -> (Tensor, Tensor) {
        (self.x, self.y)
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.shape()[0]
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples at `indices`, in that order (repeats allowed).
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        let n = self.len();
        if let Some(pos) = indices.iter().position(|&i| i >= n) {
            return Err(Error::arg(
                "Dataset::subset",
                format!("index {} (at position {pos}) is out of range for a dataset of {n} samples", indices[pos]),
            ));
        }
        let w = self.w.as_ref().map(|w| gather_rows(w, indices, None)).transpose()?;
        Ok(Dataset { x: gather_rows(&self.x, indices, None)?, y: gather_rows(&self.y, indices, None)?, w })
    }

    /// The same data with every feature axis after the first flattened:
    /// `[n, 28, 28, 1]` becomes `[n, 784]` (storage is shared, not copied).
    pub fn flatten(&self) -> Result<Dataset> {
        let n = self.len();
        let x = self.x.reshape(&[n, row_len(self.x.shape())])?;
        Ok(Dataset { x, y: self.y.clone(), w: self.w.clone() })
    }

    /// The same features (and weights) with targets replaced by `y` (same sample count).
    pub fn with_targets(&self, y: Tensor) -> Result<Dataset> {
        Ok(Dataset { w: self.w.clone(), ..Dataset::new(self.x.clone(), y)? })
    }

    /// The class of each sample: the value itself for `[n]` or `[n, 1]`
    /// targets (which must then be non-negative integers), the arg-max of
    /// each row for `[n, k]` one-hot targets.
    pub fn labels(&self) -> Result<Vec<usize>> {
        let k = row_len(self.y.shape());
        let y = self.y.data();
        if k <= 1 {
            return y
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 {
                        Ok(v as usize)
                    } else {
                        Err(Error::arg(
                            "Dataset::labels",
                            format!("target {v} of sample {i} is not a non-negative integer class"),
                        ))
                    }
                })
                .collect();
        }
        Ok(y.chunks_exact(k)
            .map(|row| {
                // First maximum, as numpy's argmax.
                let mut best = 0;
                for (j, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect())
    }

    /// The number of classes: `k` for `[n, k]` targets with `k > 1`, else
    /// the largest class index plus one (0 for an empty dataset).
    pub fn num_classes(&self) -> Result<usize> {
        let k = row_len(self.y.shape());
        if k > 1 {
            return Ok(k);
        }
        Ok(self.labels()?.into_iter().max().map_or(0, |m| m + 1))
    }

    /// The number of batches [`batches`](Self::batches) yields:
    /// `ceil(n / batch_size)`.
    pub fn num_batches(&self, batch_size: usize) -> Result<usize> {
        check_batch_size(batch_size)?;
        Ok(self.len().div_ceil(batch_size))
    }

    /// Iterates over `(x, y)` batches of `batch_size` samples, in a fresh
    /// random order when `shuffle` is given (the generator is used here, at
    /// the call, and not borrowed further), else in storage order.
    ///
    /// The last batch is smaller when `batch_size` does not divide the sample
    /// count (Keras semantics, nothing dropped): 1000 samples at batch 200 are
    /// 5 batches, 1001 are 6, the last holding one sample. A batch size above
    /// the sample count gives one batch of everything; an empty dataset gives
    /// none. A batch size of 0 is an error.
    pub fn batches(&self, batch_size: usize, shuffle: Option<&mut Rng>) -> Result<BatchIter> {
        check_batch_size(batch_size)?;
        let mut order: Vec<usize> = (0..self.len()).collect();
        if let Some(rng) = shuffle {
            rng.shuffle(&mut order);
        }
        Ok(BatchIter {
            x: self.x.clone(),
            y: self.y.clone(),
            w: self.w.clone(),
            weights: None,
            order,
            batch_size,
            pos: 0,
            last: None,
        })
    }
}

fn check_batch_size(batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::arg("Dataset::batches", "the batch size is 0; it must be at least 1"));
    }
    Ok(())
}

/// Rows `indices` of `t` as a tensor of shape `[indices.len(), …]`. `last`
/// (the previous batch) is recycled: written into when nothing else holds it
/// and it has this batch's shape, else its buffer is reused if it can be
/// taken back. Indices must be in range.
fn gather_rows(t: &Tensor, indices: &[usize], mut last: Option<Tensor>) -> Result<Tensor> {
    let row = row_len(t.shape());
    let n = indices.len() * row;
    let data = t.data();
    let fill = |buf: &mut [f32]| {
        let copy = |dst: &mut [f32], i: usize| crate::kernels::layout::copy_row(dst, &data[i * row..(i + 1) * row]);
        if crate::parallel::should_split(n, 1 << 16) {
            // A batch of images (256 × 784 floats) is worth two threads: on one
            // it was a measurable share of a W1 step (BENCHMARKS.md).
            use rayon::prelude::*;
            crate::parallel::pool()
                .install(|| buf.par_chunks_mut(row.max(1)).zip(indices.par_iter()).for_each(|(d, &i)| copy(d, i)));
        } else {
            buf.chunks_exact_mut(row.max(1)).zip(indices).for_each(|(d, &i)| copy(d, i));
        }
    };
    if let Some(buf) = last.as_mut().filter(|l| l.shape().first() == Some(&indices.len())).and_then(Tensor::unique_buf)
    {
        fill(&mut buf[..]);
        return Ok(last.expect("matched above"));
    }
    let mut buf = last.map(reclaim).unwrap_or_default();
    // Every element is written below, so a reused buffer of the right length
    // (every full batch after the first) is not cleared first.
    if buf.len() != n {
        buf.clear();
        buf.resize(n, 0.0);
    }
    fill(&mut buf);
    drop(data);
    let mut shape = t.shape().to_vec();
    shape[0] = indices.len();
    Tensor::from_vec(buf, &shape)
}

/// Takes back the buffer of a batch tensor once nothing else holds it: not
/// the caller, not a graph, not a reshape sharing its storage.
fn reclaim(t: Tensor) -> Vec<f32> {
    Arc::try_unwrap(t.0)
        .ok()
        .and_then(|node| Arc::try_unwrap(node.storage).ok())
        .map(|lock| lock.into_inner().unwrap_or_else(|e| e.into_inner()).into_vec())
        .unwrap_or_default()
}

/// The iterator of [`Dataset::batches`]: yields `(x, y)` pairs.
#[derive(Debug)]
pub struct BatchIter {
    x: Tensor,
    y: Tensor,
    w: Option<Tensor>,
    /// The weights of the batch `next` returned last.
    weights: Option<Tensor>,
    order: Vec<usize>,
    batch_size: usize,
    pos: usize,
    /// The previous batch, kept to recycle its buffers.
    last: Option<(Tensor, Tensor)>,
}

impl BatchIter {
    /// The sample indices of the epoch, in the order batches take them.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The per-sample weights (`[batch]`) of the batch `next` returned
    /// last, when the dataset has weights.
    pub fn weights(&self) -> Option<&Tensor> {
        self.weights.as_ref()
    }
}

impl Iterator for BatchIter {
    type Item = (Tensor, Tensor);

    fn next(&mut self) -> Option<(Tensor, Tensor)> {
        if self.pos >= self.order.len() {
            self.last = None;
            return None;
        }
        let end = (self.pos + self.batch_size).min(self.order.len());
        let idx = &self.order[self.pos..end];
        self.pos = end;
        let (bx, by) = self.last.take().unzip();
        // Indices come from 0..n and the buffer is sized here, so the
        // construction cannot fail; `ok()` keeps a panic out regardless.
        let x = gather_rows(&self.x, idx, bx).ok()?;
        let y = gather_rows(&self.y, idx, by).ok()?;
        self.weights = self.w.as_ref().and_then(|w| gather_rows(w, idx, None).ok());
        self.last = Some((x.clone(), y.clone()));
        Some((x, y))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.order.len() - self.pos).div_ceil(self.batch_size);
        (left, Some(left))
    }
}

impl ExactSizeIterator for BatchIter {}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> Dataset {
        let x: Vec<f32> = (0..n * 3).map(|v| v as f32).collect();
        let y: Vec<f32> = (0..n).map(|v| (v % 2) as f32).collect();
        Dataset::new(Tensor::from_vec(x, &[n, 3]).unwrap(), Tensor::from_vec(y, &[n]).unwrap()).unwrap()
    }

    #[test]
    fn new_checks_sample_counts() {
        let e = Dataset::new(Tensor::zeros(&[4, 2]), Tensor::zeros(&[3])).unwrap_err().to_string();
        assert!(e.contains("[4, 2]") && e.contains("[3]") && e.contains("same number of samples"), "{e}");
        assert!(Dataset::new(Tensor::scalar(1.0), Tensor::zeros(&[1])).is_err());
    }

    #[test]
    fn keras_last_partial_batch_rule() {
        for (n, bs, want) in [(1000, 200, 5), (1001, 200, 6), (3, 10, 1), (0, 4, 0), (7, 1, 7)] {
            let d = toy(n);
            let it = d.batches(bs, None).unwrap();
            assert_eq!(it.len(), want);
            let sizes: Vec<usize> = it
                .map(|(x, y)| {
                    assert_eq!(x.shape()[0], y.shape()[0]);
                    x.shape()[0]
                })
                .collect();
            assert_eq!(sizes.len(), want, "n {n} batch {bs}");
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert_eq!(d.num_batches(bs).unwrap(), want);
        }
        assert_eq!(toy(1001).batches(200, None).unwrap().last().unwrap().0.shape(), &[1, 3]);
    }

    #[test]
    fn batch_size_zero_is_an_error() {
        let e = toy(5).batches(0, None).unwrap_err().to_string();
        assert!(e.contains("batch size is 0"), "{e}");
        assert!(toy(5).num_batches(0).is_err());
    }

    #[test]
    fn shuffled_batches_cover_every_sample_once_and_rows_stay_paired() {
        let d = toy(23);
        let mut seen = Vec::new();
        for (x, y) in d.batches(5, Some(&mut Rng::seed(3))).unwrap() {
            let xs = x.to_vec();
            for (r, &label) in xs.chunks(3).zip(y.to_vec().iter()) {
                let i = (r[0] / 3.0) as usize;
                assert_eq!(r, &[3.0 * i as f32, 3.0 * i as f32 + 1.0, 3.0 * i as f32 + 2.0]);
                assert_eq!(label, (i % 2) as f32);
                seen.push(i);
            }
        }
        assert_ne!(seen, (0..23).collect::<Vec<_>>(), "shuffled");
        seen.sort();
        assert_eq!(seen, (0..23).collect::<Vec<_>>());
        // Same seed, same order; no shuffle, storage order.
        let a = d.batches(5, Some(&mut Rng::seed(3))).unwrap().order().to_vec();
        let b = d.batches(5, Some(&mut Rng::seed(3))).unwrap().order().to_vec();
        assert_eq!(a, b);
        assert_eq!(d.batches(5, None).unwrap().order(), (0..23).collect::<Vec<_>>().as_slice());
    }

    #[test]
    fn buffers_are_reused_only_when_released() {
        let d = toy(40);
        let mut it = d.batches(10, None).unwrap();
        let (x0, _) = it.next().unwrap();
        let p0 = x0.data().as_ptr();
        drop(x0);
        let (x1, y1) = it.next().unwrap();
        assert_eq!(x1.data().as_ptr(), p0, "released buffer is reused");
        // Held batches are not overwritten.
        let (x2, _) = it.next().unwrap();
        assert_eq!(x1.to_vec()[0], 30.0);
        assert_eq!(y1.shape(), &[10]);
        assert_eq!(x2.to_vec()[0], 60.0);
        assert_ne!(x2.data().as_ptr(), x1.data().as_ptr());
    }

    #[test]
    fn sample_weights_travel_with_their_samples() {
        let d = toy(7);
        let w: Vec<f32> = (0..7).map(|i| i as f32 * 10.0).collect();
        let d = d.with_sample_weights(Tensor::from_vec(w, &[7]).unwrap()).unwrap();
        let mut it = d.batches(3, Some(&mut Rng::seed(5))).unwrap();
        let mut seen = 0;
        while let Some((x, _)) = it.next() {
            let w = it.weights().expect("weights").to_vec();
            for (r, wi) in x.to_vec().chunks(3).zip(&w) {
                assert_eq!(*wi, r[0] / 3.0 * 10.0, "sample {} weighs {wi}", r[0] / 3.0);
                seen += 1;
            }
        }
        assert_eq!(seen, 7);
        assert_eq!(d.subset(&[6, 1]).unwrap().sample_weights().unwrap().to_vec(), vec![60.0, 10.0]);
        assert!(toy(3).batches(2, None).unwrap().weights().is_none());
        let e = toy(3).with_sample_weights(Tensor::zeros(&[2])).unwrap_err().to_string();
        assert!(e.contains("[2]") && e.contains("one weight per sample"), "{e}");
        let e = toy(2).with_sample_weights(Tensor::from_vec(vec![1.0, -1.0], &[2]).unwrap()).unwrap_err();
        assert!(e.to_string().contains("sample 1 is -1"), "{e}");
    }

    #[test]
    fn subset_labels_flatten() {
        let d = toy(6);
        let s = d.subset(&[5, 0, 5]).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.x().to_vec(), vec![15., 16., 17., 0., 1., 2., 15., 16., 17.]);
        assert_eq!(s.labels().unwrap(), vec![1, 0, 1]);
        let e = d.subset(&[1, 6]).unwrap_err().to_string();
        assert!(e.contains("index 6") && e.contains("6 samples"), "{e}");
        let img = Dataset::new(Tensor::zeros(&[4, 2, 2, 1]), Tensor::zeros(&[4])).unwrap();
        assert_eq!(img.flatten().unwrap().x().shape(), &[4, 4]);
        let oh = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![0., 1., 0., 1., 0., 0.], &[2, 3]).unwrap())
            .unwrap();
        assert_eq!(oh.labels().unwrap(), vec![1, 0]);
        assert_eq!(oh.num_classes().unwrap(), 3);
        assert_eq!(d.num_classes().unwrap(), 2);
        let bad = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![0.5, 1.0], &[2]).unwrap()).unwrap();
        let e = bad.labels().unwrap_err().to_string();
        assert!(e.contains("0.5") && e.contains("sample 0"), "{e}");
    }
}
