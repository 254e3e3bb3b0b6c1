//! The one optimizer driver: everything an optimizer does besides its maths.
//!
//! An optimizer is its per-parameter update rule ([`Rule`]: a config whose
//! `update` is a few lines beside the published formula). What every rule
//! needs around it lives here once, in [`Driver`]: checking the parameters,
//! gradients and hyperparameters before anything changes; the state buffers
//! of each parameter, keyed by the parameter's *name* (so that passing the
//! parameters in another order, or rebuilding the model in another process,
//! finds each one's moments again); splitting a large tensor's update across
//! the thread pool; saving and restoring [`OptimizerState`], checked against
//! the parameters; and, as options, gradient clipping and a learning-rate
//! schedule.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use smallvec::SmallVec;

use super::schedule::Schedule;
use super::{Clip, Optimizer, OptimizerState};
use crate::nn::Param;
use crate::{Error, Grads, Result, Tensor};

/// A hyperparameter that is out of range: `(field, message)`, e.g.
/// `("beta_1", "expected a number in [0, 1), found 1.5")`.
pub type Invalid = (&'static str, String);

/// An optimizer's update rule. The implementing type is the optimizer's
/// config (its hyperparameters, serde-named as Keras names them); the
/// [`Driver`] calls [`prepare`](Self::prepare) once per step and
/// [`update`](Self::update) on runs of elements of every parameter.
pub trait Rule:
    Clone + fmt::Debug + PartialEq + Default + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The optimizer's lowercase name (`"adam"`), also written in its state.
    const NAME: &'static str;
    /// The update rule in one line, as the lecture writes it (for references and the playground).
    const FORMULA: &'static str;
    /// The kinds of per-parameter state, in the order [`update`](Self::update)
    /// receives them (`["m", "v"]`); they name the saved buffers.
    const SLOTS: &'static [&'static str];
    /// What [`prepare`](Self::prepare) computes once per step (bias corrections…).
    type Step: Send + Sync;

    /// Checks the hyperparameters (the driver calls it before every step and on load).
    fn validate(&self) -> std::result::Result<(), Invalid>;
    /// Whether slot `slot` is used with these hyperparameters (SGD without
    /// momentum keeps nothing); an unused slot that was never created is an
    /// empty slice in [`update`](Self::update).
    fn uses(&self, _slot: usize) -> bool {
        true
    }
    /// The value every element of a new buffer of `slot` starts from.
    fn init(&self, _slot: usize) -> f32 {
        0.0
    }
    /// The per-step constants of step `t` (1 at the first step).
    fn prepare(&self, t: u64) -> Self::Step;
    /// Updates one run of elements in place: `theta` and its gradient `g`
    /// have the same length, and `state[i]` is that run of slot `i`'s buffer
    /// (empty when unused). Every element's update must depend on that
    /// element only, so that any split of the tensor gives the same result.
    fn update(step: &Self::Step, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]);

    /// η.
    fn learning_rate(&self) -> f32;
    /// Sets η.
    fn set_learning_rate(&mut self, lr: f32);
    /// The coefficient 1cycle varies (a momentum, or β₁), if the rule has one.
    fn momentum(&self) -> Option<f32> {
        None
    }
    /// Sets the coefficient of [`momentum`](Self::momentum); ignored without one.
    fn set_momentum(&mut self, _momentum: f32) {}
}

/// Implements [`Rule`]'s learning-rate accessors on a config's
/// `learning_rate` field, and with a field name its momentum accessors.
macro_rules! knobs {
    () => {
        fn learning_rate(&self) -> f32 {
            self.learning_rate
        }
        fn set_learning_rate(&mut self, lr: f32) {
            self.learning_rate = lr;
        }
    };
    ($momentum:ident) => {
        $crate::optim::driver::knobs!();
        fn momentum(&self) -> Option<f32> {
            Some(self.$momentum)
        }
        fn set_momentum(&mut self, momentum: f32) {
            self.$momentum = momentum;
        }
    };
}
pub(crate) use knobs;

/// Range checks shared by the rules, in the spec's wording.
pub(crate) mod check {
    use super::Invalid;

    type Checked = std::result::Result<(), Invalid>;

    /// η: finite and non-negative (a schedule may reach 0).
    pub(crate) fn learning_rate(v: f32) -> Checked {
        nonneg("learning_rate", v)
    }

    /// A decay rate or momentum in [0, 1).
    pub(crate) fn unit(name: &'static str, v: f32) -> Checked {
        if !(0.0..1.0).contains(&v) {
            return Err((name, format!("expected a number in [0, 1), found {v}")));
        }
        Ok(())
    }

    /// The four numbers of the Adam family: η, β₁, β₂ and ε.
    pub(crate) fn moments(learning_rate: f32, beta_1: f32, beta_2: f32, epsilon: f32) -> Checked {
        self::learning_rate(learning_rate)?;
        unit("beta_1", beta_1)?;
        unit("beta_2", beta_2)?;
        nonneg("epsilon", epsilon)
    }

    /// ε, a weight decay, …: finite and non-negative.
    pub(crate) fn nonneg(name: &'static str, v: f32) -> Checked {
        if !(v.is_finite() && v >= 0.0) {
            return Err((name, format!("expected a finite non-negative number, found {v}")));
        }
        Ok(())
    }
}

/// A schedule the driver follows: read before each step at the step's index,
/// or its epoch's.
struct Scheduling {
    schedule: Box<dyn Schedule>,
    steps_per_epoch: u64,
}

/// One parameter's buffers, one per slot of the rule (`None` until used).
#[derive(Clone, Debug, PartialEq)]
struct Slots {
    /// The parameter's shape; unknown after a restore until the parameter is
    /// next seen, and meanwhile only the length is checked.
    shape: Option<Vec<usize>>,
    len: usize,
    buffers: Vec<Option<Vec<f32>>>,
}

impl Slots {
    /// Fails unless `p` fits the buffers made (or loaded) for parameter `name`.
    fn check(&self, op: &'static str, name: &str, p: &Tensor) -> Result<()> {
        let fits = match &self.shape {
            Some(s) => s.as_slice() == p.shape(),
            None => self.len == p.numel(),
        };
        if fits {
            return Ok(());
        }
        let was = match &self.shape {
            Some(s) => format!("shape {s:?}"),
            None => format!("{} elements", self.len),
        };
        Err(Error::arg(
            op,
            format!("parameter {name:?} has shape {:?} but its optimizer state was made for {was}", p.shape()),
        ))
    }
}

/// Runs an optimizer [`Rule`] over named parameters; see the module docs.
///
/// ```
/// use origami::nn::Param;
/// use origami::optim::{Adam, AdamConfig, Clip, Optimizer};
/// use origami::Tensor;
/// let w = Tensor::from_vec(vec![1.0, -2.0], &[2])?.requires_grad();
/// let params = [Param::trainable("w", &w)];
/// let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() }).with_clip(Clip::Norm(1.0));
/// for _ in 0..100 {
///     opt.step(&params, &w.square().sum_all().backward()?)?;
/// }
/// assert!(w.to_vec().iter().all(|x| x.abs() < 0.1));
/// # Ok::<(), origami::Error>(())
/// ```
pub struct Driver<R: Rule> {
    /// The hyperparameters; may be changed between steps (a schedule sets η
    /// here before each step).
    pub config: R,
    clip: Option<Clip>,
    schedule: Option<Scheduling>,
    step: u64,
    params: BTreeMap<String, Slots>,
    /// Set by a load until the next step has checked the loaded buffers
    /// against the parameters.
    unchecked: bool,
}

impl<R: Rule> Driver<R> {
    /// A driver for `config`, with no state yet, no clipping and no schedule.
    pub fn new(config: R) -> Self {
        Driver { config, clip: None, schedule: None, step: 0, params: BTreeMap::new(), unchecked: false }
    }

    /// Clips the gradients (in place) with `clip` before every step.
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Sets η (and the momentum, where the schedule gives one) from
    /// `schedule` before every step, at the step's index.
    pub fn with_schedule(mut self, schedule: impl Schedule + 'static) -> Self {
        self.schedule = Some(Scheduling { schedule: Box::new(schedule), steps_per_epoch: 1 });
        self
    }

    /// Like [`with_schedule`](Self::with_schedule), indexed by epoch (`steps_per_epoch` steps each).
    pub fn with_schedule_per_epoch(
        mut self,
        schedule: impl Schedule + 'static,
        steps_per_epoch: usize,
    ) -> Result<Self> {
        self.set_schedule(Some(Box::new(schedule)), steps_per_epoch)?;
        Ok(self)
    }

    /// The clipping rule, if any.
    pub fn clip(&self) -> Option<Clip> {
        self.clip
    }

    /// Steps taken (the `t` of bias corrections; a schedule's position counts from it).
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The index the schedule will be read at on the next step.
    pub fn position(&self) -> usize {
        let per = self.schedule.as_ref().map_or(1, |s| s.steps_per_epoch);
        (self.step / per) as usize
    }

    /// After a load, every loaded buffer must belong to a parameter of this
    /// step and have its size: a model with other parameters (or a state
    /// keyed by position, from before names) is refused here, once.
    fn check_loaded(&self, params: &[Param]) -> Result<()> {
        let op = R::NAME;
        for (name, slots) in &self.params {
            let Some(p) = params.iter().find(|p| p.trainable && &p.name == name) else {
                let known: Vec<&str> = params.iter().filter(|p| p.trainable).map(|p| p.name.as_str()).collect();
                let hint = if name.chars().all(|c| c.is_ascii_digit()) {
                    "; states written before optimizers keyed parameters by name (buffers such as \"m.3\") \
                     cannot be loaded: start the optimizer afresh"
                } else {
                    ""
                };
                return Err(Error::arg(
                    op,
                    format!(
                        "the loaded state has buffers for parameter {name:?}, which is not among the parameters \
                         ({}){hint}",
                        known.join(", ")
                    ),
                ));
            };
            slots.check(op, name, &p.value)?;
        }
        Ok(())
    }
}

impl<R: Rule> Driver<R> {
    /// A loaded state that has taken steps must hold every buffer the rule
    /// uses for every parameter that has a gradient (`names`): a missing one
    /// would silently restart that moment from its initial value. (Every
    /// trainable parameter of a model gets a gradient at every step, so a
    /// state written by a run has them all.)
    fn check_complete(&self, config: &R, names: &[&str]) -> Result<()> {
        if self.step == 0 {
            return Ok(());
        }
        for name in names {
            for (i, kind) in R::SLOTS.iter().enumerate() {
                let has = self.params.get(*name).is_some_and(|s| s.buffers[i].is_some());
                if config.uses(i) && !has {
                    return Err(Error::arg(
                        R::NAME,
                        format!(
                            "the loaded state has taken {} steps but has no buffer \"{kind}.{name}\": it lists fewer \
                             buffers than the model needs (edited, or from another model)",
                            self.step
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl<R: Rule> Default for Driver<R> {
    fn default() -> Self {
        Driver::new(R::default())
    }
}

impl<R: Rule> fmt::Debug for Driver<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("config", &self.config)
            .field("clip", &self.clip)
            .field("scheduled", &self.schedule.is_some())
            .field("step", &self.step)
            .field("parameters", &self.params.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<R: Rule> Optimizer for Driver<R> {
    fn step(&mut self, params: &[Param], grads: &Grads) -> Result<()> {
        let op = R::NAME;
        // Everything is checked on copies first: an error changes nothing.
        let mut config = self.config.clone();
        if let Some(s) = &self.schedule {
            let index = self.position();
            config.set_learning_rate(s.schedule.lr(index));
            if let Some(m) = s.schedule.momentum(index) {
                config.set_momentum(m);
            }
        }
        config.validate().map_err(|(field, msg)| Error::arg(op, format!("{field}: {msg}")))?;
        if let Some(c) = self.clip {
            c.check()?;
        }
        let items = with_grads(op, params, grads)?;
        if self.unchecked {
            self.check_loaded(params)?;
            let names: Vec<&str> = items.iter().map(|&(name, _, _)| name).collect();
            self.check_complete(&config, &names)?;
        }
        for &(name, p, _) in &items {
            if let Some(slots) = self.params.get(name) {
                slots.check(op, name, p)?;
            }
        }
        if let Some(c) = self.clip {
            c.clip(&items.iter().map(|&(_, _, g)| g).collect::<Vec<_>>());
        }
        self.config = config;
        self.unchecked = false;
        self.step += 1;
        let consts = self.config.prepare(self.step);
        let config = &self.config;
        let uses_any = (0..R::SLOTS.len()).any(|i| config.uses(i));
        for (name, p, g) in items {
            let n = p.numel();
            // A rule that keeps nothing for this parameter gets no entry.
            let slots = match self.params.get_mut(name) {
                Some(slots) => Some(slots),
                None if uses_any => Some(self.params.entry(name.to_string()).or_insert(Slots {
                    shape: None,
                    len: n,
                    buffers: vec![None; R::SLOTS.len()],
                })),
                None => None,
            };
            let mut state: SmallVec<[&mut [f32]; 4]> = SmallVec::new();
            match slots {
                Some(slots) => {
                    slots.shape = Some(p.shape().to_vec());
                    for (i, b) in slots.buffers.iter_mut().enumerate() {
                        if b.is_none() && config.uses(i) {
                            *b = Some(vec![config.init(i); n]);
                        }
                        state.push(b.as_deref_mut().unwrap_or_default());
                    }
                }
                None => state.extend(R::SLOTS.iter().map(|_| <&mut [f32]>::default())),
            }
            let g = g.data();
            let mut theta = p.data_mut();
            split_update::<R>(&consts, &mut theta, &g, &mut state);
        }
        Ok(())
    }

    fn learning_rate(&self) -> f32 {
        self.config.learning_rate()
    }
    /// With a schedule, the schedule overrides it at the next step.
    fn set_learning_rate(&mut self, lr: f32) {
        self.config.set_learning_rate(lr)
    }
    fn momentum(&self) -> Option<f32> {
        self.config.momentum()
    }
    fn set_momentum(&mut self, momentum: f32) {
        self.config.set_momentum(momentum)
    }

    fn state(&self) -> OptimizerState {
        let mut buffers = Vec::new();
        for (name, slots) in &self.params {
            for (kind, b) in R::SLOTS.iter().zip(&slots.buffers) {
                if let Some(b) = b {
                    buffers.push((format!("{kind}.{name}"), b.clone()));
                }
            }
        }
        OptimizerState {
            optimizer: R::NAME.to_string(),
            step: self.step,
            hyperparameters: super::state::to_hyperparameters(&self.config),
            buffers,
        }
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        const OP: &str = "load_state";
        s.expect_optimizer(R::NAME)?;
        let config: R = super::state::from_hyperparameters(s)?;
        config.validate().map_err(|(field, msg)| {
            Error::arg(OP, format!("the {} state's hyperparameter {field} is invalid: {msg}", R::NAME))
        })?;
        let mut params: BTreeMap<String, Slots> = BTreeMap::new();
        for (buffer, values) in &s.buffers {
            let slot = buffer
                .split_once('.')
                .and_then(|(kind, name)| Some((R::SLOTS.iter().position(|k| *k == kind)?, name)))
                .filter(|(_, name)| !name.is_empty());
            let Some((slot, name)) = slot else {
                return Err(Error::arg(
                    OP,
                    format!(
                        "the {} state has an unexpected buffer {buffer:?} (expected \"<kind>.<parameter>\" with a \
                         kind in {:?})",
                        R::NAME,
                        R::SLOTS
                    ),
                ));
            };
            let slots = params.entry(name.to_string()).or_insert_with(|| Slots {
                shape: None,
                len: values.len(),
                buffers: vec![None; R::SLOTS.len()],
            });
            if slots.len != values.len() || slots.buffers[slot].is_some() {
                return Err(Error::arg(
                    OP,
                    format!("the {} state's buffers of parameter {name:?} disagree (size or repetition)", R::NAME),
                ));
            }
            slots.buffers[slot] = Some(values.clone());
        }
        self.config = config;
        self.step = s.step;
        self.params = params;
        self.unchecked = true;
        Ok(())
    }

    fn name(&self) -> &'static str {
        R::NAME
    }

    fn set_clip(&mut self, clip: Option<Clip>) -> Result<()> {
        if let Some(c) = clip {
            c.check()?;
        }
        self.clip = clip;
        Ok(())
    }

    fn set_schedule(&mut self, schedule: Option<Box<dyn Schedule>>, steps_per_epoch: usize) -> Result<()> {
        if steps_per_epoch == 0 {
            return Err(Error::arg(R::NAME, "a schedule's steps_per_epoch must be positive"));
        }
        self.schedule = schedule.map(|schedule| Scheduling { schedule, steps_per_epoch: steps_per_epoch as u64 });
        Ok(())
    }
}

/// Runs `R::update` over a parameter and its buffers, split into chunks
/// across the thread pool when the parameter is large. Each element's update
/// is independent, so the split changes nothing but speed.
fn split_update<R: Rule>(c: &R::Step, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 14;
    if !crate::parallel::should_split(theta.len(), 2 * CHUNK) {
        return R::update(c, theta, g, state);
    }
    let mut parts: Vec<SmallVec<[&mut [f32]; 4]>> = (0..theta.len().div_ceil(CHUNK)).map(|_| SmallVec::new()).collect();
    for buffer in state.iter_mut() {
        if buffer.is_empty() {
            parts.iter_mut().for_each(|p| p.push(Default::default()));
        } else {
            parts.iter_mut().zip(buffer.chunks_mut(CHUNK)).for_each(|(p, chunk)| p.push(chunk));
        }
    }
    crate::parallel::pool().install(|| {
        theta
            .par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(parts.into_par_iter())
            .for_each(|((t, g), mut s)| R::update(c, t, g, &mut s))
    });
}

/// The trainable parameters that have a gradient, as `(name, parameter,
/// gradient)`, after checking everything that could make a later update
/// fail half-way. Parameters that are not trainable are skipped.
pub(crate) fn with_grads<'a>(
    op: &'static str,
    params: &'a [Param],
    grads: &'a Grads,
) -> Result<Vec<(&'a str, &'a Tensor, &'a Tensor)>> {
    let trainable: Vec<&Param> = params.iter().filter(|p| p.trainable).collect();
    if let Some(i) = repeated(&trainable.iter().map(|p| &p.value).collect::<Vec<_>>()) {
        return Err(Error::arg(op, format!("parameter {:?} appears twice in the parameter list", trainable[i].name)));
    }
    let mut names: Vec<&str> = trainable.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::arg(op, format!("two parameters are named {:?}; names key the optimizer state", w[0])));
    }
    let mut out = Vec::with_capacity(trainable.len());
    for p in trainable {
        if let Some(g) = checked_grad(op, &p.name, &p.value, grads)? {
            out.push((p.name.as_str(), &p.value, g));
        }
    }
    Ok(out)
}

/// `p`'s gradient in `grads` (`None` without one), checked to fit `p`.
pub(crate) fn checked_grad<'a>(
    op: &'static str,
    label: &dyn fmt::Debug,
    p: &Tensor,
    grads: &'a Grads,
) -> Result<Option<&'a Tensor>> {
    let Some(g) = grads.get(p) else { return Ok(None) };
    if g.shape() != p.shape() {
        return Err(Error::shape(op, p.shape(), g.shape(), "a parameter and its gradient must have the same shape"));
    }
    // Reading the gradient while writing the parameter would deadlock on
    // one storage; only a hand-built `Grads` could do this.
    if Arc::ptr_eq(&p.0.storage, &g.0.storage) {
        return Err(Error::arg(op, format!("parameter {label:?} shares its storage with its own gradient")));
    }
    Ok(Some(g))
}

/// The index of a tensor that appears earlier in the list too, if any.
/// Runs every step: a few comparisons for a small model, a sort for a big one.
pub(crate) fn repeated(params: &[&Tensor]) -> Option<usize> {
    if params.len() <= 16 {
        return (1..params.len()).find(|&j| params[..j].iter().any(|p| p.id() == params[j].id()));
    }
    let mut ids: Vec<(crate::tensor::TensorId, usize)> = params.iter().enumerate().map(|(i, p)| (p.id(), i)).collect();
    ids.sort_unstable();
    ids.windows(2).find(|w| w[0].0 == w[1].0).map(|w| w[0].1.max(w[1].1))
}

/// β^t, computed in f64 so that the bias correction does not drift with t.
pub(crate) fn pow_t(beta: f32, t: u64) -> f64 {
    (beta as f64).powf(t as f64)
}
