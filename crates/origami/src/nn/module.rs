//! The contract every layer keeps: [`Layer`], its parameters ([`Param`])
//! and its random streams ([`RngStream`]).

use std::sync::{Arc, Mutex};

use crate::{Result, Rng, RngState, Tensor};

/// A named tensor owned by a layer.
///
/// `value` is a handle sharing storage with the layer: writing into it
/// (`value.assign(..)`, `value.data_mut()`) changes the layer, which is how
/// optimizers update weights and how checkpoints are loaded. Trainable
/// parameters are gradient leaves ([`Tensor::requires_grad`]); the others
/// (BatchNormalization's running statistics) are plain tensors that the layer
/// updates itself.
#[derive(Clone, Debug)]
pub struct Param {
    /// `kernel`, `bias`, `gamma`, `moving_mean`…; prefixed by containers.
    pub name: String,
    /// The parameter's tensor (shares storage with the layer).
    pub value: Tensor,
    /// Whether an optimizer may change it.
    pub trainable: bool,
}

impl Param {
    /// A trainable parameter.
    pub fn trainable(name: &str, value: &Tensor) -> Param {
        Param { name: name.into(), value: value.clone(), trainable: true }
    }
    /// A parameter that the layer maintains itself (not updated by gradients).
    pub fn frozen(name: &str, value: &Tensor) -> Param {
        Param { name: name.into(), value: value.clone(), trainable: false }
    }
}

/// Prefixes every parameter's name with `prefix.`: how a container of
/// layers (a [`Sequential`](super::Sequential), a hand-written block) names
/// the parameters of its parts.
pub fn prefix_params(prefix: &str, params: Vec<Param>) -> Vec<Param> {
    params
        .into_iter()
        .map(|mut p| {
            p.name = format!("{prefix}.{}", p.name);
            p
        })
        .collect()
}

/// A random stream owned by a layer (Dropout's masks), shared with the layer
/// as a [`Param`]'s tensor is: reading it tells where the layer's stream
/// stands, setting it moves the layer's stream. Checkpoints save these so
/// that a resumed run draws the masks an uninterrupted one would have.
#[derive(Clone, Debug)]
pub struct RngStream {
    /// `rng`; prefixed by containers like parameter names (`layers.2.rng`).
    pub name: String,
    /// The layer's generator.
    pub rng: Arc<Mutex<Rng>>,
}

impl RngStream {
    /// A stream named `name` sharing the layer's generator.
    pub fn new(name: &str, rng: &Arc<Mutex<Rng>>) -> RngStream {
        RngStream { name: name.into(), rng: rng.clone() }
    }
    /// Where the stream stands.
    pub fn state(&self) -> RngState {
        lock_rng(&self.rng).state()
    }
    /// Moves the layer's stream to `state`.
    pub fn set_state(&self, state: &RngState) -> Result<()> {
        *lock_rng(&self.rng) = Rng::from_state(state)?;
        Ok(())
    }
}

/// The generator behind a stream (a panic elsewhere cannot leave it half-written).
pub(crate) fn lock_rng(rng: &Mutex<Rng>) -> std::sync::MutexGuard<'_, Rng> {
    rng.lock().unwrap_or_else(|e| e.into_inner())
}

/// Prefixes every stream's name with `prefix.` (as [`prefix_params`]).
pub fn prefix_streams(prefix: &str, streams: Vec<RngStream>) -> Vec<RngStream> {
    streams
        .into_iter()
        .map(|mut s| {
            s.name = format!("{prefix}.{}", s.name);
            s
        })
        .collect()
}

/// A layer of a network: a function of one input with parameters.
///
/// Shapes handed to [`build`](Layer::build) and returned by it exclude the
/// batch axis; tensors handed to [`forward`](Layer::forward) include it.
/// `forward` takes `&mut self` because some layers change state while they
/// run (dropout's random stream, batch normalization's running statistics).
pub trait Layer: Send {
    /// Creates the parameters for inputs of `input_shape` (one sample) and
    /// returns the output shape of one sample. Building again re-creates
    /// the parameters.
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>>;

    /// The output for a batch `x`; `training` selects dropout and batch
    /// statistics.
    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor>;

    /// The parameters, trainable and not, in a fixed order (empty before
    /// `build`).
    fn params(&self) -> Vec<Param>;

    /// The layer's type, as Keras names it (`Dense`, `Conv2D`…).
    fn kind(&self) -> &'static str;

    /// The random streams the layer draws from in training (dropout), as
    /// handles sharing its state; empty for deterministic layers.
    fn rng_streams(&self) -> Vec<RngStream> {
        Vec::new()
    }

    /// The penalty of this layer's regularizers, to add to the training
    /// loss; `None` when it has none.
    fn regularization_loss(&self) -> Result<Option<Tensor>> {
        Ok(None)
    }

    /// Re-imposes weight constraints (max-norm); call after each optimizer step.
    fn apply_constraints(&mut self) -> Result<()> {
        Ok(())
    }

    /// Number of scalar parameters: (trainable, non-trainable).
    fn param_count(&self) -> (usize, usize) {
        self.params().iter().fold(
            (0, 0),
            |(t, n), p| {
                if p.trainable {
                    (t + p.value.numel(), n)
                } else {
                    (t, n + p.value.numel())
                }
            },
        )
    }
}

/// Sums optional penalties (helper for layers and containers).
pub(crate) fn add_penalties(penalties: impl IntoIterator<Item = Option<Tensor>>) -> Result<Option<Tensor>> {
    let mut total: Option<Tensor> = None;
    for p in penalties.into_iter().flatten() {
        total = Some(match total {
            None => p,
            Some(t) => t.add(&p)?,
        });
    }
    Ok(total)
}

/// The parameter of a layer that is used before being built.
pub(crate) fn built<'a>(t: &'a Option<Tensor>, op: &'static str) -> Result<&'a Tensor> {
    t.as_ref().ok_or_else(|| crate::Error::arg(op, "the layer is not built: call build (or Sequential::build) first"))
}

/// Checks that a batch `x` has one sample of shape `expected` per row.
pub(crate) fn check_input(op: &'static str, x: &Tensor, expected: &[usize]) -> Result<()> {
    if x.rank() != expected.len() + 1 || &x.shape()[1..] != expected {
        return Err(crate::Error::shape(
            op,
            x.shape(),
            expected,
            "the input must be a batch of samples of the shape the layer was built for",
        ));
    }
    Ok(())
}
