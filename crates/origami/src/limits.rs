//! How much memory one request may ask for, checked before it is allocated.
//!
//! Rust ends the process when an allocation fails (an abort, exit code 134),
//! and an `f32` count that overflows `usize` silently wraps in a release
//! build. Sizes that come from outside — a config's `units = 1000000000`, an
//! IDX header declaring 10¹² images, an `architecture.json` edited to a
//! billion units, `arange(0, 1, 1e-30)` — are therefore checked here first,
//! and refused with an error that says what was asked and what the limit is.
//!
//! The limit is [`max_elements`] floats per request (one tensor, one data
//! set, the parameters of one model): 2³⁰ (4 GiB) unless the environment
//! variable `ORIGAMI_MAX_ELEMENTS` sets another (read once). While a model
//! is being loaded from a directory, its parameters must moreover fit in the
//! weights file they are read from ([`with_parameter_budget`]): a file of
//! 1 KB cannot hold a billion weights, so nothing of that size is built.

use std::cell::RefCell;
use std::sync::OnceLock;

pub use crate::kernels::shape::checked_numel;
use crate::{Error, Result};

/// The limit when `ORIGAMI_MAX_ELEMENTS` is not set: 2³⁰ floats, 4 GiB.
pub const DEFAULT_MAX_ELEMENTS: usize = 1 << 30;

/// The most floats one request may allocate: `ORIGAMI_MAX_ELEMENTS` if it is
/// set to a positive integer, else [`DEFAULT_MAX_ELEMENTS`].
pub fn max_elements() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("ORIGAMI_MAX_ELEMENTS")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_ELEMENTS)
    })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `bytes` in GB or MB, for messages.
fn human_bytes(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

/// Why `elements` floats are refused, for a message: "needs N floats (X GB),
/// more than the limit of M (ORIGAMI_MAX_ELEMENTS)".
pub fn too_many(elements: usize) -> String {
    format!(
        "needs {} floats ({}), more than the limit of {} ({}; the environment variable ORIGAMI_MAX_ELEMENTS sets it)",
        thousands(elements),
        human_bytes(elements as f64 * 4.0),
        thousands(max_elements()),
        human_bytes(max_elements() as f64 * 4.0),
    )
}

/// Checks that `shape` has a representable element count within
/// [`max_elements`]; the error names `op` and the shape.
pub fn check_shape(op: &'static str, shape: &[usize]) -> Result<usize> {
    let n = checked_numel(shape).ok_or_else(|| {
        Error::arg(op, format!("shape {shape:?} has more elements than a buffer can hold (the product overflows)"))
    })?;
    check_elements(op, &format!("shape {shape:?}"), n)?;
    Ok(n)
}

/// Checks that `elements` floats for `what` are within [`max_elements`].
pub fn check_elements(op: &'static str, what: &str, elements: usize) -> Result<()> {
    if elements > max_elements() {
        return Err(Error::arg(op, format!("{what} {}", too_many(elements))));
    }
    Ok(())
}

/// What a model being built may still allocate for its parameters.
struct Budget {
    left: usize,
    /// Says where the budget comes from, for the error message.
    source: String,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Runs `f` (a model's build) with at most `elements` floats of parameters
/// allowed in all, `source` saying why (`"weights.safetensors holds 1,024
/// bytes"`): every parameter a layer creates through
/// [`Initializer::init`](crate::nn::Initializer::init) is counted, and the
/// first that does not fit is refused before it is allocated. Nested calls
/// keep the tighter budget.
pub fn with_parameter_budget<T>(elements: usize, source: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    /// Puts the outer budget back (less what the inner call used), even if `f` panics.
    struct Restore {
        outer: Option<Budget>,
        start: usize,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            let left = BUDGET.with(|b| b.borrow_mut().take()).map_or(self.start, |b| b.left);
            if let Some(mut o) = self.outer.take() {
                o.left -= (self.start - left).min(o.left);
                BUDGET.with(|b| *b.borrow_mut() = Some(o));
            }
        }
    }
    let outer = BUDGET.with(|b| b.borrow_mut().take());
    let inner = match &outer {
        Some(o) if o.left <= elements => Budget { left: o.left, source: o.source.clone() },
        _ => Budget { left: elements, source: source.to_string() },
    };
    let _restore = Restore { start: inner.left, outer };
    BUDGET.with(|b| *b.borrow_mut() = Some(inner));
    f()
}

/// Claims room for a new parameter of `shape`: checks its size (see
/// [`check_shape`]) and takes it from the current parameter budget, if any.
pub(crate) fn claim_parameter(shape: &[usize]) -> Result<()> {
    let n = check_shape("build", shape)?;
    BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        match b.as_mut() {
            Some(budget) if n > budget.left => Err(Error::arg(
                "build",
                format!(
                    "a parameter of shape {shape:?} ({} floats) does not fit: {}, and only {} floats are left",
                    thousands(n),
                    budget.source,
                    thousands(budget.left)
                ),
            )),
            Some(budget) => {
                budget.left -= n;
                Ok(())
            }
            None => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_numel_refuses_overflow() {
        assert_eq!(checked_numel(&[]), Some(1));
        assert_eq!(checked_numel(&[2, 3]), Some(6));
        assert_eq!(checked_numel(&[0, 3]), Some(0));
        assert_eq!(checked_numel(&[1 << 32, 1 << 32]), None);
        assert_eq!(checked_numel(&[0, 1 << 32, 1 << 32]), None);
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn sizes_past_the_limit_are_errors_that_say_so() {
        let e = check_shape("t", &[2, 1_000_000_000]).unwrap_err().to_string();
        assert!(
            e.contains("2,000,000,000 floats") && e.contains("8.0 GB") && e.contains("ORIGAMI_MAX_ELEMENTS"),
            "{e}"
        );
        assert!(check_shape("t", &[1 << 40, 1 << 40]).unwrap_err().to_string().contains("overflows"));
        assert_eq!(check_shape("t", &[3, 4]).unwrap(), 12);
    }

    #[test]
    fn a_budget_refuses_what_does_not_fit_and_nests() {
        let r = with_parameter_budget(10, "the file holds 40 bytes", || {
            claim_parameter(&[2, 3])?;
            claim_parameter(&[5])
        });
        let e = r.unwrap_err().to_string();
        assert!(e.contains("[5]") && e.contains("the file holds 40 bytes") && e.contains("4 floats are left"), "{e}");
        // outside a budget only the limit applies
        claim_parameter(&[100]).unwrap();
        // an inner budget larger than the outer one keeps the outer
        let r = with_parameter_budget(4, "outer", || {
            with_parameter_budget(100, "inner", || claim_parameter(&[3]))?;
            claim_parameter(&[2])
        });
        assert!(r.unwrap_err().to_string().contains("outer"));
    }
}
