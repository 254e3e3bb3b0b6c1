//! A per-thread pool of f32 buffers, so that a training step allocates
//! nothing once the first step has run: the buffers of one step's tensors and
//! gradients come back here when those tensors drop, and the next step's
//! identical shapes take them again.
//!
//! Bounded (per length at most `PER_LEN` buffers, at most `MAX_BYTES` in all
//! per thread), so memory does not grow over epochs; a buffer that does not
//! fit goes back to the allocator.

use std::cell::RefCell;

const PER_LEN: usize = 16;
const MAX_BYTES: usize = 256 << 20;
const MAX_LENS: usize = 64;
/// Buffers shorter than this are kept by length in a directly indexed table
/// (a playground-sized network's buffers are all small, and a search of the
/// bins, or the allocator's zeroing path, cost more than the work on them).
const SMALL: usize = 256;

#[derive(Default)]
struct Pool {
    /// (length, free buffers of exactly that length), for lengths ≥ `SMALL`
    bins: Vec<(usize, Vec<Vec<f32>>)>,
    bytes: usize,
    /// `small[n]`: free buffers of length n < `SMALL` (at most `PER_LEN` each)
    small: Vec<Vec<Vec<f32>>>,
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// A zero-filled buffer of `n` floats, reused when one is free.
pub(crate) fn zeros(n: usize) -> Vec<f32> {
    let mut v = scratch(n);
    v.iter_mut().for_each(|x| *x = 0.0);
    v
}

/// A buffer of `n` floats whose contents are unspecified (stale values of an
/// earlier tensor, or zeros): for outputs the caller overwrites entirely.
/// Skipping the zero fill matters for the large buffers of convolutions.
pub(crate) fn scratch(n: usize) -> Vec<f32> {
    let reused = POOL
        .try_with(|p| {
            let mut p = p.borrow_mut();
            if n < SMALL {
                return p.small.get_mut(n)?.pop();
            }
            let i = p.bins.iter().position(|(len, _)| *len == n)?;
            let v = p.bins[i].1.pop()?;
            p.bytes -= v.capacity() * 4;
            Some(v)
        })
        .ok()
        .flatten();
    reused.unwrap_or_else(|| vec![0.0; n])
}

/// Returns a buffer to the pool (or to the allocator when the pool is full).
pub(crate) fn give(v: Vec<f32>) {
    let n = v.len();
    if n == 0 || v.capacity() != n {
        return;
    }
    let _ = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        if n < SMALL {
            if p.small.is_empty() {
                p.small.resize_with(SMALL, Vec::new);
            }
            if p.small[n].len() < PER_LEN {
                p.small[n].push(v);
            }
            return;
        }
        if p.bytes + n * 4 > MAX_BYTES {
            return;
        }
        let i = match p.bins.iter().position(|(len, _)| *len == n) {
            Some(i) => i,
            None if p.bins.len() < MAX_LENS => {
                p.bins.push((n, Vec::new()));
                p.bins.len() - 1
            }
            None => return,
        };
        if p.bins[i].1.len() < PER_LEN {
            p.bins[i].1.push(v);
            p.bytes += n * 4;
        }
    });
}

/// A tensor's buffer: it returns to the pool when its tensor drops.
#[derive(Debug, Default)]
pub(crate) struct Buf(Vec<f32>);

impl Buf {
    pub(crate) fn new(v: Vec<f32>) -> Self {
        Buf(v)
    }
    /// Takes the vector out (it then bypasses the pool).
    pub(crate) fn into_vec(mut self) -> Vec<f32> {
        std::mem::take(&mut self.0)
    }
}

impl std::ops::Deref for Buf {
    type Target = Vec<f32>;
    fn deref(&self) -> &Vec<f32> {
        &self.0
    }
}

impl std::ops::DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut Vec<f32> {
        &mut self.0
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_zeroed() {
        let mut v = zeros(1000);
        v[3] = 5.0;
        let p = v.as_ptr();
        give(v);
        let w = zeros(1000);
        assert_eq!(w.as_ptr(), p, "the same allocation comes back");
        assert!(w.iter().all(|&x| x == 0.0));
    }
}
