//! What [`SimpleRNN`](super::SimpleRNN), [`LSTM`](super::LSTM) and
//! [`GRU`](super::GRU) share: their weights (Keras's `kernel`
//! `[features, gates·units]`, `recurrent_kernel` `[units, gates·units]` and
//! `bias`), their dropout masks, and the loop over time.
//!
//! The recurrence is composed from differentiable ops, so autograd gives
//! the backward pass through time:
//!
//! * the inputs of every step are projected at once, x·W + b as **one**
//!   product over all batch rows and time steps (time-major, so that a
//!   step's rows are one contiguous block), and only h·U is left per step:
//!   one product per step for all the gates together (the gates are then
//!   column blocks of it, in Keras's order);
//! * the state starts at zeros; `go_backwards` walks the steps from the last
//!   to the first and, as Keras, returns the outputs in that (reversed)
//!   order; `return_sequences` stacks every step's output `[n, T, units]`,
//!   otherwise the layer returns the last one `[n, units]`.
//!
//! Dropout follows Keras's variational form: in training one mask per
//! sequence of the inputs (`dropout`, `[n, features]`) and one of the state
//! where it enters the recurrent product (`recurrent_dropout`, `[n, units]`),
//! the same at every step, inverted (kept units scaled by 1/(1 − rate)), and
//! drawn from the layer's own stream (forked from the build `Rng`, saved by
//! checkpoints as Dropout's is). Keras 3 shares one input mask among the
//! gates unless `recurrent_dropout` is set, and then draws one mask per gate
//! (its "implementation 1", a product per gate); origami keeps one mask of
//! each kind for all gates, so that a step stays one product. The state
//! carried to the next step (and LSTM's cell) is never dropped.

use std::sync::{Arc, Mutex};

use super::config::{positive, rate, Check};
use super::dropout::keep_mask;
use crate::nn::init::Initializer;
use crate::nn::module::{add_penalties, built, check_input, lock_rng, Param, RngStream};
use crate::nn::regularizer::{penalty, Constraint, Regularizer};
use crate::{Error, Result, Rng, Tensor};

/// The checks every recurrent config makes: `units` positive, both dropout
/// rates in [0, 1).
pub(super) fn validate(units: usize, dropout: f32, recurrent_dropout: f32) -> Check {
    positive("units", units)?;
    rate("dropout", dropout)?;
    rate("recurrent_dropout", recurrent_dropout)
}

/// A recurrent layer's tensors and random stream.
#[derive(Debug)]
pub(super) struct Recurrent {
    pub kernel: Option<Tensor>,
    pub recurrent_kernel: Option<Tensor>,
    pub bias: Option<Tensor>,
    /// The input shape `[steps, features]` it was built for.
    pub input_shape: Vec<usize>,
    /// The dropout masks' stream.
    pub rng: Arc<Mutex<Rng>>,
    /// The activity regularizer's penalty of the last training pass.
    pub activity_penalty: Option<Tensor>,
}

impl Recurrent {
    pub fn new() -> Recurrent {
        Recurrent {
            kernel: None,
            recurrent_kernel: None,
            bias: None,
            input_shape: Vec::new(),
            rng: Arc::new(Mutex::new(Rng::seed(0))),
            activity_penalty: None,
        }
    }

    /// Checks the input shape `[steps, features]` and creates the kernel
    /// `[features, gates·units]` and the recurrent kernel
    /// `[units, gates·units]` (the bias is the layer's: its shape and
    /// initial value differ). Returns the output shape.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        &mut self,
        kind: &'static str,
        input_shape: &[usize],
        units: usize,
        gates: usize,
        kernel_initializer: Initializer,
        recurrent_initializer: Initializer,
        return_sequences: bool,
        rng: &mut Rng,
    ) -> Result<Vec<usize>> {
        let &[steps, features] = input_shape else {
            return Err(Error::arg(kind, format!("needs sequences [time steps, features], got {input_shape:?}")));
        };
        if steps == 0 || features == 0 {
            return Err(Error::arg(kind, format!("needs at least one time step and one feature, got {input_shape:?}")));
        }
        self.kernel = Some(kernel_initializer.init(&[features, gates * units], rng)?.requires_grad());
        self.recurrent_kernel = Some(recurrent_initializer.init(&[units, gates * units], rng)?.requires_grad());
        *lock_rng(&self.rng) = rng.fork();
        self.input_shape = input_shape.to_vec();
        Ok(if return_sequences { vec![steps, units] } else { vec![units] })
    }

    /// `kernel`, `recurrent_kernel`, `bias` (Keras's names).
    pub fn params(&self) -> Vec<Param> {
        [("kernel", &self.kernel), ("recurrent_kernel", &self.recurrent_kernel), ("bias", &self.bias)]
            .into_iter()
            .filter_map(|(name, t)| t.as_ref().map(|t| Param::trainable(name, t)))
            .collect()
    }

    /// The dropout masks' stream, as Dropout's.
    pub fn rng_streams(&self) -> Vec<RngStream> {
        vec![RngStream::new("rng", &self.rng)]
    }

    /// The weights' penalties and the last outputs', summed.
    pub fn penalties(&self, regularizers: [&Option<Regularizer>; 3]) -> Result<Option<Tensor>> {
        let [k, r, b] = regularizers;
        add_penalties([
            penalty(k, self.kernel.as_ref())?,
            penalty(r, self.recurrent_kernel.as_ref())?,
            penalty(b, self.bias.as_ref())?,
            self.activity_penalty.clone(),
        ])
    }

    /// Re-imposes the kernel's, the recurrent kernel's and the bias's constraints.
    pub fn constrain(&self, constraints: [&Option<Constraint>; 3]) -> Result<()> {
        for (c, t) in constraints.into_iter().zip([&self.kernel, &self.recurrent_kernel, &self.bias]) {
            if let (Some(c), Some(t)) = (c, t) {
                c.apply(t)?;
            }
        }
        Ok(())
    }

    /// The built kernel and recurrent kernel, after checking that `x` is a
    /// batch of the sequences the layer was built for.
    pub fn weights(&self, kind: &'static str, x: &Tensor) -> Result<(&Tensor, &Tensor)> {
        let k = built(&self.kernel, kind)?;
        let u = built(&self.recurrent_kernel, kind)?;
        check_input(kind, x, &self.input_shape)?;
        Ok((k, u))
    }

    /// The inverted dropout masks of one pass (`None` outside training or
    /// at rate 0): the inputs' `[n, 1, features]` (broadcast over time),
    /// then the state's `[n, units]`, drawn in that order.
    pub fn masks(
        &self,
        x: &Tensor,
        units: usize,
        dropout: f32,
        recurrent_dropout: f32,
        training: bool,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (n, features) = (x.shape()[0], x.shape()[2]);
        let mut rng = lock_rng(&self.rng);
        let mut draw = |shape: &[usize], rate: f32| -> Result<Option<Tensor>> {
            if !training || rate == 0.0 {
                return Ok(None);
            }
            let keep = 1.0 - rate;
            Ok(Some(keep_mask(shape, keep, &mut rng)?.mul_scalar(1.0 / keep)))
        };
        let input = draw(&[n, 1, features], dropout)?;
        let state = draw(&[n, units], recurrent_dropout)?;
        Ok((input, state))
    }
}

/// The inputs of every step projected at once, time-major: `x` `[n, T, F]`
/// (times its dropout mask) to `x·W + b` `[T, n, width]` — one product
/// instead of one per step.
pub(super) fn project(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>, mask: Option<&Tensor>) -> Result<Tensor> {
    let x = match mask {
        Some(m) => x.mul(m)?,
        None => x.clone(),
    };
    x.permute(&[1, 0, 2])?.linear(kernel, bias)
}

/// The recurrent product of the state `h` `[n, units]` (times its dropout
/// mask) with `u`.
pub(super) fn recur(h: &Tensor, mask: Option<&Tensor>, u: &Tensor) -> Result<Tensor> {
    match mask {
        Some(m) => h.mul(m)?.matmul(u),
        None => h.matmul(u),
    }
}

/// Gate `k` (a block of `units` columns) of the pre-activations `z` `[n, gates·units]`.
pub(super) fn gate(z: &Tensor, k: usize, units: usize) -> Result<Tensor> {
    z.narrow(1, k * units, units)
}

/// The state between steps: the output `h` and, for LSTM, the cell `c`.
pub(super) struct State {
    pub h: Tensor,
    pub c: Option<Tensor>,
}

/// Runs `step` over the projected inputs `xw` `[T, n, width]` from the zero
/// state (`h` zeros, `c` none: a cell reads none as zeros), forwards or
/// backwards, and returns every output `[n, T, units]` in the order
/// processed or the last `[n, units]`.
pub(super) fn unroll(
    xw: &Tensor,
    units: usize,
    go_backwards: bool,
    return_sequences: bool,
    mut step: impl FnMut(&Tensor, &State) -> Result<State>,
) -> Result<Tensor> {
    let (steps, n, width) = (xw.shape()[0], xw.shape()[1], xw.shape()[2]);
    let mut state = State { h: Tensor::zeros(&[n, units]), c: None };
    let mut outputs = Vec::with_capacity(if return_sequences { steps } else { 0 });
    for s in 0..steps {
        let t = if go_backwards { steps - 1 - s } else { s };
        let xw_t = xw.narrow(0, t, 1)?.reshape(&[n, width])?;
        state = step(&xw_t, &state)?;
        if return_sequences {
            outputs.push(state.h.clone());
        }
    }
    if return_sequences {
        Tensor::stack(&outputs, 1)
    } else {
        Ok(state.h)
    }
}

#[cfg(test)]
pub(super) mod reference {
    //! An independent recurrence for the layers' tests: plain f64 loops over
    //! row-major weights, the cell given as a function of one sample's
    //! projected input and state.

    /// `a` `[rows, k]` times `b` `[k, cols]`, one row `r` of the result.
    pub fn row_times(a: &[f64], r: usize, k: usize, b: &[f32], cols: usize) -> Vec<f64> {
        (0..cols).map(|j| (0..k).map(|i| a[r * k + i] * b[i * cols + j] as f64).sum()).collect()
    }

    pub fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// Runs `cell(x_t, h, c) -> (h, c)` over each sample of `x` `[n, T, F]`
    /// from zero states; returns every output (in the order processed)
    /// or the last, flattened as the layer's output is.
    #[allow(clippy::type_complexity)]
    pub fn run(
        x: &[f32],
        (n, steps, features): (usize, usize, usize),
        units: usize,
        go_backwards: bool,
        return_sequences: bool,
        cell: &dyn Fn(&[f64], &[f64], &[f64]) -> (Vec<f64>, Vec<f64>),
    ) -> Vec<f64> {
        let mut out = Vec::new();
        for b in 0..n {
            let (mut h, mut c) = (vec![0.0; units], vec![0.0; units]);
            for s in 0..steps {
                let t = if go_backwards { steps - 1 - s } else { s };
                let at = (b * steps + t) * features;
                let xt: Vec<f64> = x[at..at + features].iter().map(|&v| v as f64).collect();
                (h, c) = cell(&xt, &h, &c);
                if return_sequences {
                    out.extend_from_slice(&h);
                }
            }
            if !return_sequences {
                out.extend_from_slice(&h);
            }
        }
        out
    }

    /// Asserts that the layer's output equals the reference to `tol`.
    #[track_caller]
    pub fn assert_close(got: &[f32], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!((g as f64 - w).abs() < tol, "element {i}: layer {g}, reference {w}");
        }
    }
}
