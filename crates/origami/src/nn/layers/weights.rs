//! What `Dense` and `Conv2D` share: a kernel and an optional bias, with their
//! regularizers and constraints. One place, so that the two layers cannot
//! drift apart in how they name, penalise or constrain their weights.

use crate::nn::module::{add_penalties, Param};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::{Result, Tensor};

/// `kernel` then `bias`, as the layers name them (and checkpoints store them).
pub(super) fn params(kernel: &Option<Tensor>, bias: &Option<Tensor>) -> Vec<Param> {
    let mut p = Vec::new();
    if let Some(k) = kernel {
        p.push(Param::trainable("kernel", k));
    }
    if let Some(b) = bias {
        p.push(Param::trainable("bias", b));
    }
    p
}

/// The kernel's, the bias's and the last activations' penalties, summed.
pub(super) fn penalties(
    kernel_regularizer: &Option<Regularizer>,
    bias_regularizer: &Option<Regularizer>,
    kernel: &Option<Tensor>,
    bias: &Option<Tensor>,
    activity: &Option<Tensor>,
) -> Result<Option<Tensor>> {
    if kernel_regularizer.is_none() && bias_regularizer.is_none() && activity.is_none() {
        return Ok(None);
    }
    add_penalties([
        penalty(kernel_regularizer, kernel.as_ref())?,
        penalty(bias_regularizer, bias.as_ref())?,
        activity.clone(),
    ])
}

/// Re-imposes the kernel's and the bias's constraints.
pub(super) fn constrain(
    kernel_constraint: &Option<Constraint>,
    bias_constraint: &Option<Constraint>,
    kernel: &Option<Tensor>,
    bias: &Option<Tensor>,
) -> Result<()> {
    if let (Some(c), Some(k)) = (kernel_constraint, kernel) {
        c.apply(k)?;
    }
    if let (Some(c), Some(b)) = (bias_constraint, bias) {
        c.apply(b)?;
    }
    Ok(())
}
