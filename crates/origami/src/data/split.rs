//! Train/validation/test splits and k-fold cross-validation, as indices.
//!
//! Splits are index lists rather than copies so that the same split can be
//! applied to several aligned arrays and saved or printed; [`Dataset::split`]
//! and [`Dataset::fold`] turn them into datasets. Everything random takes the
//! caller's [`Rng`], so a seed fixes the split.
//!
//! Stratification keeps each class's share in every part. Per-class counts
//! are whole numbers, so they are apportioned by largest remainder: the part
//! sizes are exactly those of the unstratified split, and each class's count
//! in a part is within one of its exact share.

use std::collections::BTreeMap;

use super::Dataset;
use crate::{Error, Result, Rng};

/// Indices of a train/validation/test split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// Indices of one cross-validation fold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
}

/// A dataset split in three.
#[derive(Clone, Debug)]
pub struct Splits {
    pub train: Dataset,
    pub val: Dataset,
    pub test: Dataset,
}

/// Splits `0..n` at random: `round(n * test_frac)` test indices,
/// `round(n * val_frac)` validation indices, the rest for training. With
/// `stratify` (one class label per index) every part keeps the class
/// proportions. Each part comes out in random order.
pub fn train_val_test(
    n: usize,
    val_frac: f64,
    test_frac: f64,
    rng: &mut Rng,
    stratify: Option<&[usize]>,
) -> Result<Split> {
    let op = "train_val_test";
    for (name, f) in [("validation", val_frac), ("test", test_frac)] {
        if !(0.0..1.0).contains(&f) {
            return Err(Error::arg(op, format!("the {name} fraction {f} is not in [0, 1)")));
        }
    }
    if val_frac + test_frac >= 1.0 {
        return Err(Error::arg(op, format!("validation {val_frac} + test {test_frac} leave nothing to train on")));
    }
    let n_test = (n as f64 * test_frac).round() as usize;
    let n_val = ((n as f64 * val_frac).round() as usize).min(n - n_test);
    let mut split = Split { train: Vec::new(), val: Vec::new(), test: Vec::new() };
    match stratify {
        None => {
            let mut all: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut all);
            split.test = all[..n_test].to_vec();
            split.val = all[n_test..n_test + n_val].to_vec();
            split.train = all[n_test + n_val..].to_vec();
        }
        Some(labels) => {
            let classes = group(op, n, labels)?;
            let counts: Vec<usize> = classes.iter().map(Vec::len).collect();
            let test_q = apportion(&counts, test_frac, n_test, &counts);
            let room: Vec<usize> = counts.iter().zip(&test_q).map(|(c, t)| c - t).collect();
            let val_q = apportion(&counts, val_frac, n_val, &room);
            for ((mut members, t), v) in classes.into_iter().zip(test_q).zip(val_q) {
                rng.shuffle(&mut members);
                split.test.extend_from_slice(&members[..t]);
                split.val.extend_from_slice(&members[t..t + v]);
                split.train.extend_from_slice(&members[t + v..]);
            }
            rng.shuffle(&mut split.train);
            rng.shuffle(&mut split.val);
            rng.shuffle(&mut split.test);
        }
    }
    Ok(split)
}

/// `k` folds over `0..n`: every index is in exactly one fold's validation
/// part and in the other folds' training parts. Fold sizes differ by at most
/// one (the first `n % k` folds are larger). `shuffle` randomises which
/// indices go together; `stratify` (one class label per index) deals each
/// class round-robin over the folds so that every fold keeps the class
/// proportions.
pub fn kfold(n: usize, k: usize, shuffle: Option<&mut Rng>, stratify: Option<&[usize]>) -> Result<Vec<Fold>> {
    let op = "kfold";
    if k < 2 || k > n {
        return Err(Error::arg(
            op,
            format!("{k} folds of {n} samples: k must be at least 2 and at most the sample count"),
        ));
    }
    let mut rng = shuffle;
    // `order` lists the indices; position p goes to fold `fold_of(p)`.
    let (order, fold_of): (Vec<usize>, Box<dyn Fn(usize) -> usize>) = match stratify {
        None => {
            let mut order: Vec<usize> = (0..n).collect();
            if let Some(r) = rng.as_deref_mut() {
                r.shuffle(&mut order);
            }
            let (small, big) = (n / k, n % k);
            // The first `big` folds hold small + 1 indices.
            let cut = big * (small + 1);
            let f = move |p: usize| {
                if p < cut {
                    p / (small + 1)
                } else {
                    big + (p - cut) / small
                }
            };
            (order, Box::new(f))
        }
        Some(labels) => {
            let mut order = Vec::with_capacity(n);
            for mut members in group(op, n, labels)? {
                if let Some(r) = rng.as_deref_mut() {
                    r.shuffle(&mut members);
                }
                order.extend(members);
            }
            (order, Box::new(move |p: usize| p % k))
        }
    };
    let mut folds = vec![Fold { train: Vec::new(), val: Vec::new() }; k];
    for (p, &i) in order.iter().enumerate() {
        let f = fold_of(p);
        for (g, fold) in folds.iter_mut().enumerate() {
            if g == f {
                fold.val.push(i);
            } else {
                fold.train.push(i);
            }
        }
    }
    Ok(folds)
}

/// The indices of each class, classes in ascending label order.
fn group(op: &'static str, n: usize, labels: &[usize]) -> Result<Vec<Vec<usize>>> {
    if labels.len() != n {
        return Err(Error::arg(op, format!("{} stratification labels for {n} samples", labels.len())));
    }
    let mut classes: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in labels.iter().enumerate() {
        classes.entry(c).or_default().push(i);
    }
    Ok(classes.into_values().collect())
}

/// Splits `total` over classes in proportion to `counts * frac`, at most
/// `caps[c]` to class `c`: floors first, then one more to the classes with
/// the largest remainders (lower class first on ties).
fn apportion(counts: &[usize], frac: f64, total: usize, caps: &[usize]) -> Vec<usize> {
    let exact: Vec<f64> = counts.iter().map(|&c| c as f64 * frac).collect();
    let mut q: Vec<usize> = exact.iter().zip(caps).map(|(e, &cap)| (e.floor() as usize).min(cap)).collect();
    let mut left = total.saturating_sub(q.iter().sum());
    let mut order: Vec<usize> = (0..counts.len()).collect();
    let rem = |c: usize| exact[c] - exact[c].floor();
    order.sort_by(|&a, &b| rem(b).total_cmp(&rem(a)).then(a.cmp(&b)));
    while left > 0 {
        let before = left;
        for &c in &order {
            if left > 0 && q[c] < caps[c] {
                q[c] += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }
    q
}

impl Dataset {
    /// Splits into train/validation/test datasets (see [`train_val_test`]);
    /// `stratified` stratifies on [`Dataset::labels`].
    pub fn split(&self, val_frac: f64, test_frac: f64, rng: &mut Rng, stratified: bool) -> Result<Splits> {
        let labels = if stratified { Some(self.labels()?) } else { None };
        let s = train_val_test(self.len(), val_frac, test_frac, rng, labels.as_deref())?;
        Ok(Splits { train: self.subset(&s.train)?, val: self.subset(&s.val)?, test: self.subset(&s.test)? })
    }

    /// The `(train, validation)` datasets of one fold from [`kfold`].
    pub fn fold(&self, fold: &Fold) -> Result<(Dataset, Dataset)> {
        Ok((self.subset(&fold.train)?, self.subset(&fold.val)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;

    fn labels(counts: &[usize]) -> Vec<usize> {
        counts.iter().enumerate().flat_map(|(c, &k)| std::iter::repeat(c).take(k)).collect()
    }

    fn class_counts(idx: &[usize], labels: &[usize], k: usize) -> Vec<usize> {
        let mut c = vec![0; k];
        idx.iter().for_each(|&i| c[labels[i]] += 1);
        c
    }

    fn is_partition(parts: &[&[usize]], n: usize) -> bool {
        let mut all: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        all.sort();
        all == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn split_sizes_and_partition() {
        let s = train_val_test(1001, 0.1, 0.2, &mut Rng::seed(0), None).unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (701, 100, 200));
        assert!(is_partition(&[&s.train, &s.val, &s.test], 1001));
        let again = train_val_test(1001, 0.1, 0.2, &mut Rng::seed(0), None).unwrap();
        assert_eq!(s, again, "same seed, same split");
        assert_ne!(s, train_val_test(1001, 0.1, 0.2, &mut Rng::seed(1), None).unwrap());
        for (v, t) in [(0.5, 0.5), (-0.1, 0.2), (0.1, 1.0), (f64::NAN, 0.0)] {
            assert!(train_val_test(10, v, t, &mut Rng::seed(0), None).is_err(), "{v} {t}");
        }
    }

    #[test]
    fn stratified_split_keeps_class_proportions() {
        let y = labels(&[600, 300, 100]);
        let s = train_val_test(1000, 0.2, 0.2, &mut Rng::seed(5), Some(&y)).unwrap();
        assert!(is_partition(&[&s.train, &s.val, &s.test], 1000));
        assert_eq!(class_counts(&s.test, &y, 3), vec![120, 60, 20]);
        assert_eq!(class_counts(&s.val, &y, 3), vec![120, 60, 20]);
        assert_eq!(class_counts(&s.train, &y, 3), vec![360, 180, 60]);
        // Uneven shares: sizes match the unstratified split, counts within one.
        let y = labels(&[7, 5, 3]);
        let s = train_val_test(15, 0.2, 0.3, &mut Rng::seed(2), Some(&y)).unwrap();
        let u = train_val_test(15, 0.2, 0.3, &mut Rng::seed(2), None).unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (u.train.len(), u.val.len(), u.test.len()));
        for (c, &k) in class_counts(&s.test, &y, 3).iter().zip(&[7.0 * 0.3, 5.0 * 0.3, 3.0 * 0.3]) {
            assert!((*c as f64 - k).abs() < 1.0, "{c} vs {k}");
        }
        assert!(train_val_test(3, 0.2, 0.2, &mut Rng::seed(0), Some(&[0, 1])).is_err());
    }

    #[test]
    fn kfold_covers_every_index_once() {
        for (n, k) in [(10, 3), (12, 4), (7, 7), (100, 5)] {
            let folds = kfold(n, k, Some(&mut Rng::seed(9)), None).unwrap();
            assert_eq!(folds.len(), k);
            let vals: Vec<&[usize]> = folds.iter().map(|f| f.val.as_slice()).collect();
            assert!(is_partition(&vals, n), "n {n} k {k}");
            for f in &folds {
                assert!(is_partition(&[&f.train, &f.val], n));
                assert!(f.val.len() == n / k || f.val.len() == n / k + 1);
            }
        }
        let plain = kfold(5, 2, None, None).unwrap();
        assert_eq!(plain[0].val, vec![0, 1, 2]);
        assert_eq!(plain[1].val, vec![3, 4]);
        assert_eq!(plain[1].train, vec![0, 1, 2]);
        assert!(kfold(5, 1, None, None).is_err());
        let e = kfold(3, 4, None, None).unwrap_err().to_string();
        assert!(e.contains("4 folds of 3 samples"), "{e}");
    }

    #[test]
    fn stratified_kfold_keeps_proportions() {
        let y = labels(&[50, 30, 20]);
        let folds = kfold(100, 5, Some(&mut Rng::seed(1)), Some(&y)).unwrap();
        let vals: Vec<&[usize]> = folds.iter().map(|f| f.val.as_slice()).collect();
        assert!(is_partition(&vals, 100));
        for f in &folds {
            assert_eq!(class_counts(&f.val, &y, 3), vec![10, 6, 4]);
        }
        let a = kfold(100, 5, Some(&mut Rng::seed(1)), Some(&y)).unwrap();
        assert_eq!(folds, a);
    }

    #[test]
    fn dataset_split_and_fold() {
        let n = 50;
        let x = Tensor::from_vec((0..n).map(|v| v as f32).collect(), &[n, 1]).unwrap();
        let y = Tensor::from_vec((0..n).map(|v| (v % 2) as f32).collect(), &[n]).unwrap();
        let d = Dataset::new(x, y).unwrap();
        let s = d.split(0.2, 0.2, &mut Rng::seed(3), true).unwrap();
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (30, 10, 10));
        for part in [&s.train, &s.val, &s.test] {
            // Rows stay paired: label = x mod 2.
            let (xs, ys) = (part.x().to_vec(), part.y().to_vec());
            assert!(xs.iter().zip(&ys).all(|(x, y)| (*x as usize % 2) as f32 == *y));
            assert_eq!(part.labels().unwrap().iter().sum::<usize>() * 2, part.len());
        }
        let folds = kfold(n, 5, None, None).unwrap();
        let (tr, va) = d.fold(&folds[0]).unwrap();
        assert_eq!((tr.len(), va.len()), (40, 10));
    }
}
