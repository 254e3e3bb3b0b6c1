//! Seeded random numbers: the same seed gives bitwise the same tensors on
//! every machine and thread count.
//!
//! ChaCha8 (from `rand_chacha`) is portable and its stream is fixed by the
//! crate's stability promise; normals come from the Box–Muller transform in
//! f64 so that they do not depend on a distribution crate's algorithm.
//!
//! [`Rng::state`] captures where a stream stands and [`Rng::from_state`]
//! continues it exactly: checkpoints save the random streams of layers
//! (dropout masks) this way, so a resumed run draws what an uninterrupted
//! one would have.

use rand::{Rng as _, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A seeded random generator. Cloning it forks an identical stream.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: ChaCha8Rng,
    spare_normal: Option<f64>,
}

/// Where an [`Rng`]'s stream stands: its ChaCha8 key, stream and position,
/// and the second normal of the last Box–Muller pair if unused. Plain data
/// (serde) for checkpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RngState {
    /// The 32-byte ChaCha8 key, as 64 hex digits.
    pub key: String,
    /// The ChaCha stream number.
    pub stream: u64,
    /// The position in the stream, in 32-bit words.
    pub word_pos: u128,
    /// A normal drawn but not yet returned.
    pub spare_normal: Option<f64>,
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn seed(seed: u64) -> Self {
        Rng { inner: ChaCha8Rng::seed_from_u64(seed), spare_normal: None }
    }

    /// A new generator derived from this one (for a layer, a worker…).
    pub fn fork(&mut self) -> Rng {
        Rng::seed(self.inner.next_u64())
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        // 24 random bits: every value exactly representable in f32.
        (self.inner.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in [lo, hi).
    pub fn uniform_range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal N(0, 1) by Box–Muller.
    pub fn normal(&mut self) -> f32 {
        if let Some(z) = self.spare_normal.take() {
            return z as f32;
        }
        // u1 in (0, 1] so that ln(u1) is finite.
        let u1 = 1.0 - self.inner.random::<f64>();
        let u2 = self.inner.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        self.spare_normal = Some(r * t.sin());
        (r * t.cos()) as f32
    }

    /// A uniform integer in [0, n). `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        self.inner.random_range(0..n)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }

    /// A raw 64-bit value (to seed something else).
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Where the stream stands; [`Rng::from_state`] continues it exactly.
    pub fn state(&self) -> RngState {
        RngState {
            key: self.inner.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
            stream: self.inner.get_stream(),
            word_pos: self.inner.get_word_pos(),
            spare_normal: self.spare_normal,
        }
    }

    /// The generator at `state`: it draws what the saved one would have drawn next.
    pub fn from_state(state: &RngState) -> Result<Rng> {
        let bad = || {
            Error::arg("Rng::from_state", format!("the key must be 64 hex digits, got {}", crate::quote(&state.key)))
        };
        let hex = state.key.as_bytes();
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut key = [0u8; 32];
        for (k, pair) in key.iter_mut().zip(hex.chunks_exact(2)) {
            let digits = std::str::from_utf8(pair).map_err(|_| bad())?;
            *k = u8::from_str_radix(digits, 16).map_err(|_| bad())?;
        }
        let mut inner = ChaCha8Rng::from_seed(key);
        inner.set_stream(state.stream);
        inner.set_word_pos(state.word_pos);
        Ok(Rng { inner, spare_normal: state.spare_normal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::seed(7);
        let mut b = Rng::seed(7);
        for _ in 0..100 {
            assert_eq!(a.normal().to_bits(), b.normal().to_bits());
            assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
        }
    }

    #[test]
    fn a_saved_state_continues_the_stream_exactly() {
        let mut a = Rng::seed(11);
        for _ in 0..37 {
            a.uniform();
        }
        a.normal(); // leaves a spare normal
        let json = serde_json::to_string(&a.state()).unwrap();
        let mut b = Rng::from_state(&serde_json::from_str(&json).unwrap()).unwrap();
        for _ in 0..50 {
            assert_eq!(a.normal().to_bits(), b.normal().to_bits());
            assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
            assert_eq!(a.below(1000), b.below(1000));
        }
        let mut bad = a.state();
        bad.key = "xyz".into();
        let e = Rng::from_state(&bad).unwrap_err().to_string();
        assert!(e.contains("64 hex digits"), "{e}");
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::seed(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal() as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/sqrt(n) ≈ 0.0022; of the variance ≈ sqrt(2/n) ≈ 0.0032.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
    }
}
