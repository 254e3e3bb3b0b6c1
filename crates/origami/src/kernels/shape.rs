//! Shapes, strides and broadcasting rules: index arithmetic on `&[usize]`,
//! below the tensors (which re-export it as `tensor::shape`) so that kernels
//! can use it without knowing what a tensor is.
//!
//! Tensors are always contiguous and row-major (C order), so a shape alone
//! fixes the layout; strides are derived when a kernel needs them.

use smallvec::SmallVec;

use crate::{Error, Result};

/// A tensor's dimensions, outermost first. Up to four live inline.
pub type Shape = SmallVec<[usize; 4]>;

/// Number of elements of a shape (1 for a scalar of rank 0). For the shape
/// of an existing tensor, whose count is known to fit: a shape from outside
/// goes through [`checked_numel`] (every public constructor of a tensor
/// does, and so does every operation that computes a larger shape), so
/// that an overflow is an error rather than a wrapped count.
///
/// # Panics
///
/// If the count overflows `usize`, in release builds too: a wrapped count
/// would be a wrong answer, not an error.
pub fn numel(shape: &[usize]) -> usize {
    checked_numel(shape).unwrap_or_else(|| panic!("shape {shape:?} has more elements than fit in usize"))
}

/// The number of elements of `shape`, or `None` when the product of its
/// non-zero sizes overflows `usize` (a shape no buffer can have: even with
/// a zero somewhere, the strides of the other axes would overflow).
pub fn checked_numel(shape: &[usize]) -> Option<usize> {
    let nonzero = shape.iter().filter(|&&d| d != 0).try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    Some(if shape.contains(&0) { 0 } else { nonzero })
}

/// Row-major strides of a contiguous tensor.
pub fn strides(shape: &[usize]) -> Shape {
    let mut s: Shape = smallvec::smallvec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// NumPy broadcasting: align at the right, each pair of sizes equal or one of them 1.
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Shape> {
    let r = a.len().max(b.len());
    let mut out: Shape = smallvec::smallvec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r { a[i + a.len() - r] } else { 1 };
        let db = if i + b.len() >= r { b[i + b.len() - r] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(Error::shape(
                op,
                a,
                b,
                "they cannot be broadcast (aligned at the right, each pair of sizes must be equal or one of them 1)",
            )),
        };
    }
    // (two small tensors can broadcast to a huge one: [n, 1] with [1, n])
    crate::limits::check_shape(op, &out)?;
    Ok(out)
}

/// Strides of `shape` seen from a broadcast `out` shape: 0 where the input is repeated.
pub(crate) fn broadcast_strides(shape: &[usize], out: &[usize]) -> Shape {
    let st = strides(shape);
    let off = out.len() - shape.len();
    (0..out.len()).map(|i| if i < off || shape[i - off] == 1 { 0 } else { st[i - off] }).collect()
}

/// Splits a shape around `axis` into (outer, len, inner) sizes, the view every
/// axis-wise kernel works on.
pub(crate) fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (numel(&shape[..axis]), shape[axis], numel(&shape[axis + 1..]))
}

/// Checks that `axis` exists in `shape`.
pub fn check_axis(op: &'static str, axis: usize, shape: &[usize]) -> Result<()> {
    if axis < shape.len() {
        Ok(())
    } else {
        Err(Error::axis(op, axis, shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_rules() {
        assert_eq!(&broadcast_shapes("t", &[2, 3], &[3]).unwrap()[..], &[2, 3]);
        assert_eq!(&broadcast_shapes("t", &[4, 1, 3], &[2, 1]).unwrap()[..], &[4, 2, 3]);
        assert_eq!(&broadcast_shapes("t", &[], &[5]).unwrap()[..], &[5]);
        let e = broadcast_shapes("add", &[2, 3], &[2]).unwrap_err().to_string();
        assert!(e.contains("add") && e.contains("[2, 3]") && e.contains("[2]"), "{e}");
    }

    #[test]
    fn strides_and_broadcast_strides() {
        assert_eq!(&strides(&[2, 3, 4])[..], &[12, 4, 1]);
        assert_eq!(&broadcast_strides(&[3, 1], &[2, 3, 4])[..], &[0, 1, 0]);
    }
}
