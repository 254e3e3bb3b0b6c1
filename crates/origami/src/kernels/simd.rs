//! Run-time choice of vector width for the loops of elementwise kernels.
//!
//! The crate is built for plain x86-64 (SSE2, 4 lanes): a binary must run on
//! every machine, so `target-cpu=native` is ruled out. [`multiversion!`]
//! compiles a loop three times, with AVX-512, with AVX2 and for the baseline,
//! and runs the widest the CPU has (asked once), so that LLVM vectorises it 16
//! or 8 lanes wide. This matters where a loop is bound by arithmetic
//! rather than memory: divisions and square roots (Adam's update), the
//! rational tanh, exp. The GEMM crate dispatches on its own.
//!
//! The results do not depend on the path taken: Rust never contracts `a * b + c`
//! into a fused multiply-add on its own, and `+ − × ÷ √` are correctly rounded
//! at every width, so each lane computes exactly what the scalar loop would.

use std::sync::OnceLock;

/// The widest vector unit this CPU offers, as far as [`multiversion!`] cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// AVX-512F: 16 f32 lanes.
    Avx512,
    /// AVX2 with FMA: 8 lanes.
    Avx2,
    /// The baseline the crate is built for.
    Baseline,
}

/// Detected once; `ORIGAMI_SIMD=baseline|avx2` caps it (for tests and comparisons).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cap = std::env::var("ORIGAMI_SIMD").unwrap_or_default();
        detect(&cap)
    })
}

#[cfg(target_arch = "x86_64")]
fn detect(cap: &str) -> Level {
    if cap == "baseline" {
        return Level::Baseline;
    }
    if cap != "avx2" && is_x86_feature_detected!("avx512f") {
        return Level::Avx512;
    }
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        return Level::Avx2;
    }
    Level::Baseline
}

#[cfg(not(target_arch = "x86_64"))]
fn detect(_cap: &str) -> Level {
    Level::Baseline
}

/// Defines a function whose body is compiled three times — for AVX-512, for
/// AVX2 + FMA and for the baseline — and which runs the widest variant the
/// CPU has. The body is written once, textually inside each variant, so the
/// vectoriser sees it with the wider registers whatever the inliner decides.
///
/// ```
/// origami::multiversion! {
///     /// Multiplies every element by `a`.
///     pub fn scale(x: &mut [f32], a: f32) {
///         for v in x {
///             *v *= a
///         }
///     }
/// }
/// let mut x = [1.0, 2.0, 3.0];
/// scale(&mut x, 2.0);
/// assert_eq!(x, [2.0, 4.0, 6.0]);
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx2,fma")]
            unsafe fn avx512($($arg: $ty),*) {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2($($arg: $ty),*) {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            {
                use $crate::kernels::simd::{level, Level};
                match level() {
                    // SAFETY: `level` reported the features these variants are compiled for.
                    Level::Avx512 => unsafe { avx512($($arg),*) },
                    Level::Avx2 => unsafe { avx2($($arg),*) },
                    Level::Baseline => body($($arg),*),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            body($($arg),*)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::multiversion! {
        fn kernel(x: &[f32], out: &mut [f32]) {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = (v * 1.7 + 0.3) / (v.sqrt() + 1e-7);
            }
        }
    }

    #[test]
    fn every_path_gives_the_scalar_result() {
        // Division, square root and a product-sum: the operations a vector
        // unit could round differently if it were allowed to fuse them.
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 3.0 + 3.5).collect();
        let scalar: Vec<f32> = x.iter().map(|&v| (v * 1.7 + 0.3) / (v.sqrt() + 1e-7)).collect();
        let mut out = vec![0.0; x.len()];
        kernel(&x, &mut out);
        assert_eq!(out, scalar, "{:?}", level());
    }
}
