//! The playground's JSON requests and their validation.
//!
//! Everything a browser sends is untrusted: every field has a default (so a
//! partial request is fine), unknown fields are rejected (so a typo is an
//! error rather than a silent no-op), and [`Config::validate`] bounds every
//! number and names every choice before anything is built from it. A request
//! that fails here gets a 400 with the message; nothing downstream has to
//! guard against absurd sizes.

use origami::data::synthetic;
use origami::nn::{Activation, BatchNormalizationConfig, DenseConfig, DropoutConfig, Loss, Regularizer};
use origami::optim::{PlateauConfig, ReduceLrOnPlateau};
use origami::spec::{self, LayerSpec, ModelSpec, OptimizerSpec, ScheduleSpec, TrainingSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Most hidden layers (the Playground's own limit).
pub const MAX_LAYERS: usize = 6;
/// Most neurons in a hidden layer (the Playground allows 8).
pub const MAX_NEURONS: usize = 16;
/// Most points of a generated set.
pub const MAX_POINTS: usize = 2000;
/// Most points of a user's own data set.
pub const MAX_CUSTOM_POINTS: usize = 2000;
/// Most classes of a multi-class set.
pub const MAX_CLASSES: usize = 5;

/// Largest seed (2⁵³, the page's largest exact integer).
pub const MAX_SEED: u64 = 1 << 53;

/// The input features, in the order the network sees them.
pub const FEATURES: [&str; 7] = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
/// The user's own points, beside the library's generated sets.
pub const CUSTOM: &str = "custom";
/// The initializer choice that leaves it to the layer (chosen from the activation).
pub const DEFAULT_INITIALIZER: &str = "default";
/// The regularization choice of none.
pub const NO_REGULARIZATION: &str = "none";
/// The schedule choice of a constant rate.
pub const CONSTANT: &str = "constant";
/// The schedule choice that is Keras's `ReduceLROnPlateau` on the test loss.
pub const PLATEAU: &str = "reduce_lr_on_plateau";

/// A whole playground configuration: data, features, network, training.
///
/// Names are the library's own (`origami::spec`): a data set is one of
/// `origami::data::synthetic::NAMES` (or `custom`), the activation,
/// initializer and regularizer are the call-syntax names of a config file,
/// the optimizer is an `[optimizer]` `type` with its options by their config
/// names, the schedule a `[schedule]` `type` (counted in epochs) with its
/// options. The page learns every list, default and doc from
/// `GET /api/schema`, so a name added to the library appears here with no
/// edit. [`Config::model_spec`] and [`Config::training_spec`] turn a
/// configuration into the specs the engine builds and the export writes.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `classification` or `regression`: which data sets the page offers (a generated set decides it).
    pub problem: String,
    /// A generated set (circle, xor, gaussian, spiral, blobs, spirals, regress_plane, regress_gaussian) or `custom`.
    pub dataset: String,
    /// Classes of `blobs` and `spirals` (3 to 5); the output layer then has one unit per class and a softmax.
    pub classes: usize,
    /// Your own points `[x1, x2, label]` for `dataset = "custom"` (label 0…4 for classification, a number for regression); axes are rescaled into the square.
    pub custom: Vec<[f32; 3]>,
    /// How many points to generate (training and test together).
    pub points: usize,
    /// The share of the points used for training (10 to 90 %); the rest is the test set, never trained on, which shows generalization.
    pub train_pct: u32,
    /// Noise, 0 to 50 (divided by 100 for the generators): label noise, the spread of the Gaussians, the jitter of the spirals.
    pub noise: u32,
    /// Points per gradient step (1 to 100). Small batches: noisy but many steps; large: smooth but few steps per epoch.
    pub batch_size: usize,
    /// Seed of the data (regenerate draws a new one).
    pub data_seed: u64,
    /// Seed of the initial weights, dropout masks and batch order: the same seed gives the same run.
    pub seed: u64,
    /// The network's inputs, computed from the point (x1, x2), from x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2: hand-made features can make a problem linear.
    pub features: Vec<String>,
    /// Neurons of each hidden layer (up to 6 layers of 16); each layer combines the previous layer's outputs.
    pub layers: Vec<usize>,
    /// The non-linearity of every hidden neuron, a = g(Σᵢ wᵢxᵢ + b), in call syntax (`relu`, `leaky_relu(0.1)`); without one the network is a linear model.
    pub activation: String,
    /// How the initial weights are drawn (`default`: the layer's choice from the activation: He for the ReLU family, LeCun for SELU, Glorot otherwise).
    pub initializer: String,
    /// `none` or a penalty on the kernels (`l1`: λΣ|w| pushes weights to exactly 0; `l2`: λΣw² shrinks them all), each factor `reg_rate`.
    pub regularization: String,
    /// λ, the strength of the penalty (0 to 10).
    pub reg_rate: f32,
    /// During training each hidden neuron is zeroed with this probability (below 0.9), the survivors scaled by 1/(1 − p).
    pub dropout: f32,
    /// Batch normalization after each hidden layer: each neuron normalized over the batch, then scaled and shifted by a learned γ, β.
    pub batch_norm: bool,
    /// How a gradient becomes a change of the weights: an optimizer's `type`.
    pub optimizer: String,
    /// η, the step size (1e-6 to 10). Too small: slow. Too large: the loss oscillates or diverges.
    pub learning_rate: f32,
    /// The optimizer's other options by their config names (`momentum`, `beta_1`…); left out: the library's (Keras's) defaults.
    pub optimizer_options: Map<String, Value>,
    /// How η changes over epochs: `constant`, a schedule's `type` (its steps are epochs here) or `reduce_lr_on_plateau` (on the test loss).
    pub schedule: String,
    /// The schedule's options by their config names (steps counted in epochs), or the plateau's (`factor`, `patience`…).
    pub schedule_options: Map<String, Value>,
    /// The epochs a schedule plans for: its length where `decay_steps` is left out, and 1cycle's whole cycle.
    pub schedule_epochs: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            problem: "classification".into(),
            dataset: "circle".into(),
            classes: 3,
            custom: Vec::new(),
            points: 500,
            train_pct: 50,
            noise: 0,
            batch_size: 10,
            data_seed: 1,
            seed: 1,
            features: vec!["x1".into(), "x2".into()],
            layers: vec![4, 2],
            activation: "tanh".into(),
            initializer: DEFAULT_INITIALIZER.into(),
            regularization: NO_REGULARIZATION.into(),
            reg_rate: 0.0,
            dropout: 0.0,
            batch_norm: false,
            optimizer: "sgd".into(),
            learning_rate: 0.03,
            optimizer_options: Map::new(),
            schedule: CONSTANT.into(),
            schedule_options: Map::new(),
            schedule_epochs: 100,
        }
    }
}

/// Starting options of each schedule in the playground (counted in epochs,
/// for a run of [`Config::schedule_epochs`]): the page fills them in when a
/// schedule is chosen. A schedule missing here starts from the library's
/// defaults.
pub fn schedule_presets(learning_rate: f32) -> Value {
    let lr = learning_rate;
    json!({
        "exponential_decay": {"decay_steps": 100, "decay_rate": 0.5},
        "power_decay": {"decay_steps": 100, "power": 1.0},
        "piecewise_constant": {"boundaries": [100, 200], "values": [lr, lr / 2.0, lr / 4.0]},
        // a floor of 5 % of the rate, so that training slows but never freezes
        "cosine_decay": {"warmup_steps": 10, "alpha": 0.05},
        "one_cycle": {},
        PLATEAU: {"factor": 0.5, "patience": 10},
    })
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("{field} must be one of {}, got {}", allowed.join(", "), origami::quote(value)))
    }
}

fn within<T: PartialOrd + std::fmt::Display>(field: &str, v: T, lo: T, hi: T) -> Result<(), String> {
    // `!(a <= b)` rather than `a > b` so that NaN is rejected too.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    if !(lo <= v && v <= hi) {
        return Err(format!("{field} must lie in [{lo}, {hi}], got {v}"));
    }
    Ok(())
}

/// A map of options plus its `type` (and more keys), as a config table.
fn table(kind: &str, options: &Map<String, Value>, extra: &[(&str, Value)]) -> Value {
    let mut m = options.clone();
    m.insert("type".into(), Value::from(kind));
    for (k, v) in extra {
        m.insert((*k).into(), v.clone());
    }
    Value::Object(m)
}

impl Config {
    /// Whether the problem is regression.
    pub fn is_regression(&self) -> bool {
        self.problem == "regression"
    }

    /// Checks every field; the message names the first bad one. Every
    /// library name is checked by building what it names.
    pub fn validate(&self) -> Result<(), String> {
        one_of("problem", &self.problem, &["classification", "regression"])?;
        if self.dataset != CUSTOM {
            one_of("dataset", &self.dataset, &synthetic::NAMES)?;
            if synthetic::is_regression(&self.dataset) != self.is_regression() {
                return Err(format!("dataset {} is not a {} set", self.dataset, self.problem));
            }
        }
        within("classes", self.classes, 3, MAX_CLASSES)?;
        within("points", self.points, 20, MAX_POINTS)?;
        within("train_pct", self.train_pct, 10, 90)?;
        within("noise", self.noise, 0, 50)?;
        within("batch_size", self.batch_size, 1, 100)?;
        // The page's numbers are doubles: larger seeds would not survive a link.
        within("seed", self.seed, 0, MAX_SEED)?;
        within("data_seed", self.data_seed, 0, MAX_SEED)?;
        if self.dataset == CUSTOM {
            within("custom points", self.custom.len(), 4, MAX_CUSTOM_POINTS)?;
            for (i, p) in self.custom.iter().enumerate() {
                if !p.iter().all(|v| v.is_finite() && v.abs() <= 1e6) {
                    return Err(format!("custom point {i} has a value that is not a finite number below 1e6"));
                }
                let is_class = p[2] == -1.0 || (p[2] >= 0.0 && p[2] < MAX_CLASSES as f32 && p[2].fract() == 0.0);
                if !self.is_regression() && !is_class {
                    return Err(format!(
                        "custom point {i}: a class label must be an integer 0 to {} (or -1 for class 0), got {}",
                        MAX_CLASSES - 1,
                        p[2]
                    ));
                }
            }
        } else if !self.custom.is_empty() {
            return Err("custom points are only read when dataset is \"custom\"".into());
        }
        if self.features.is_empty() {
            return Err("at least one input feature must be on".into());
        }
        for (i, f) in self.features.iter().enumerate() {
            one_of("features", f, &FEATURES)?;
            if self.features[..i].contains(f) {
                return Err(format!("feature {f} is listed twice"));
            }
        }
        within("number of hidden layers", self.layers.len(), 0, MAX_LAYERS)?;
        for &n in &self.layers {
            within("neurons in a layer", n, 1, MAX_NEURONS)?;
        }
        within("reg_rate", self.reg_rate, 0.0, 10.0)?;
        within("dropout", self.dropout, 0.0, 0.9)?;
        within("learning_rate", self.learning_rate, 1e-6, 10.0)?;
        within("schedule_epochs", self.schedule_epochs, 1, 100_000)?;
        self.model_spec()?.validate().map_err(|e| e.to_string())?;
        let training = self.training_spec()?;
        if let Some(s) = &training.schedule {
            s.build(self.learning_rate, self.schedule_epochs).map_err(|e| format!("schedule: {e}"))?;
        }
        if let Some(p) = self.plateau()? {
            ReduceLrOnPlateau::new(p).map_err(|e| format!("schedule: {e}"))?;
        }
        Ok(())
    }

    /// Number of output classes (1 for a binary or regression head's single unit).
    pub fn num_classes(&self) -> usize {
        if self.is_regression() {
            return 1;
        }
        match self.dataset.as_str() {
            "blobs" | "spirals" => self.classes,
            CUSTOM => {
                let max = self.custom.iter().map(|p| p[2].max(0.0) as usize).max().unwrap_or(1);
                (max + 1).max(2)
            }
            _ => 2,
        }
    }

    /// The features that are on, in [`FEATURES`] order (the network's input order).
    pub fn features_on(&self) -> Vec<&'static str> {
        FEATURES.iter().copied().filter(|f| self.features.iter().any(|g| g == f)).collect()
    }

    /// The network as the library's spec: hidden Dense layers (each
    /// optionally followed by batch normalization and dropout) and a linear
    /// output unit per class (one for binary classification and
    /// regression); the loss applies the sigmoid or softmax (`from_logits`),
    /// which is numerically safer.
    pub fn model_spec(&self) -> Result<ModelSpec, String> {
        let activation = spec::parse_activation(&self.activation).map_err(|e| format!("activation: {e}"))?;
        let kernel_initializer = if self.initializer == DEFAULT_INITIALIZER {
            None
        } else {
            Some(spec::parse_initializer(&self.initializer).map_err(|e| format!("initializer: {e}"))?)
        };
        let kernel_regularizer = self.regularizer()?;
        let dense = |units, activation| {
            LayerSpec::Dense(DenseConfig {
                units,
                activation,
                kernel_initializer,
                kernel_regularizer,
                ..DenseConfig::default()
            })
        };
        let mut layers = Vec::new();
        for &units in &self.layers {
            layers.push(dense(units, activation));
            if self.batch_norm {
                layers.push(LayerSpec::BatchNormalization(BatchNormalizationConfig::default()));
            }
            if self.dropout > 0.0 {
                layers.push(LayerSpec::Dropout(DropoutConfig { rate: self.dropout }));
            }
        }
        let classes = self.num_classes();
        layers.push(dense(if classes > 2 { classes } else { 1 }, Activation::Linear));
        Ok(ModelSpec { input_shape: vec![self.features.len()], layers })
    }

    /// The kernels' penalty: the regularizer named with every factor `reg_rate` (none at rate 0).
    fn regularizer(&self) -> Result<Option<Regularizer>, String> {
        if self.regularization == NO_REGULARIZATION {
            return Ok(None);
        }
        let names = spec::names::regularizers();
        let Some(entry) = names.iter().find(|n| n.name == self.regularization) else {
            let mut all: Vec<&str> = vec![NO_REGULARIZATION];
            all.extend(names.iter().map(|n| n.name));
            return Err(format!(
                "regularization must be one of {}, got {}",
                all.join(", "),
                origami::quote(&self.regularization)
            ));
        };
        if self.reg_rate == 0.0 {
            return Ok(None);
        }
        let args = vec![self.reg_rate.to_string(); entry.args.len()].join(", ");
        spec::parse_regularizer(&format!("{}({args})", entry.name))
            .map(Some)
            .map_err(|e| format!("regularization: {e}"))
    }

    /// The optimizer as the library's spec, its options read as an `[optimizer]` table.
    pub fn optimizer_spec(&self) -> Result<OptimizerSpec, String> {
        let t = table(&self.optimizer, &self.optimizer_options, &[("learning_rate", Value::from(self.learning_rate))]);
        let spec = OptimizerSpec::deserialize(t).map_err(|e| format!("optimizer: {e}"))?;
        spec.validate().map_err(|(field, msg)| format!("optimizer.{field}: {msg}"))?;
        Ok(spec)
    }

    /// The schedule as the library's spec (per epoch), or none for
    /// `constant` and the plateau rule.
    pub fn schedule_spec(&self) -> Result<Option<ScheduleSpec>, String> {
        if self.schedule == PLATEAU {
            return Ok(None);
        }
        if !ScheduleSpec::NAMES.contains(&self.schedule.as_str()) {
            let mut all = ScheduleSpec::NAMES.to_vec();
            all.push(PLATEAU);
            return Err(format!("schedule must be one of {}, got {}", all.join(", "), origami::quote(&self.schedule)));
        }
        if self.schedule == CONSTANT && self.schedule_options.is_empty() {
            return Ok(None);
        }
        let t = table(&self.schedule, &self.schedule_options, &[("per", Value::from("epoch"))]);
        let spec = ScheduleSpec::deserialize(t).map_err(|e| format!("schedule: {e}"))?;
        spec.validate().map_err(|(field, msg)| format!("schedule.{field}: {msg}"))?;
        Ok(Some(spec))
    }

    /// Keras's reduce-on-plateau rule on the test loss, when it is the schedule.
    pub fn plateau(&self) -> Result<Option<PlateauConfig>, String> {
        if self.schedule != PLATEAU {
            return Ok(None);
        }
        PlateauConfig::deserialize(Value::Object(self.schedule_options.clone()))
            .map(Some)
            .map_err(|e| format!("schedule ({PLATEAU}): {e}"))
    }

    /// Loss, metric, optimizer and schedule as the library's training spec.
    pub fn training_spec(&self) -> Result<TrainingSpec, String> {
        let classes = self.num_classes();
        let (loss, metric) = if self.is_regression() {
            (Loss::MeanSquaredError, "mae")
        } else if classes > 2 {
            (Loss::SparseCategoricalCrossentropy { from_logits: true }, "accuracy")
        } else {
            (Loss::BinaryCrossentropy { from_logits: true }, "accuracy")
        };
        Ok(TrainingSpec {
            loss,
            metrics: vec![metric.into()],
            optimizer: self.optimizer_spec()?,
            schedule: self.schedule_spec()?,
        })
    }
}

/// `{"action": …}`: play, pause, step, reset (same seed), regenerate (new
/// data), pace (`{"action": "pace", "epochs_per_second": 30}`) or threshold
/// (`{"action": "threshold", "threshold": 0.1}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// What to do.
    pub action: String,
    /// For `pace`: epochs per second while playing (0.1 to 10,000), or
    /// absent / null for as fast as the machine goes.
    #[serde(default)]
    pub epochs_per_second: Option<f32>,
    /// For `threshold`: the test loss that counts as solved (time to solution), above 0.
    #[serde(default)]
    pub threshold: Option<f32>,
}

/// `POST …/weight`: one weight of the network (the page's "click a link").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightEdit {
    /// The Dense layer, 0 for the first hidden one.
    pub layer: usize,
    /// The input (a row of the kernel); absent for the unit's bias.
    #[serde(default)]
    pub input: Option<usize>,
    /// The unit (a column of the kernel).
    pub unit: usize,
    /// The new value.
    pub value: f32,
}

/// Train the session's configuration `n` times with seeds seed, seed+1, ….
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsRequest {
    /// Trainings, 1 to 12.
    pub n: usize,
    /// Epochs each, 1 to 1000.
    pub epochs: usize,
    /// The test loss that counts as solved (default 0.1): each run reports
    /// when it first got there.
    #[serde(default)]
    pub threshold: Option<f32>,
}

/// Train the session's configuration from scratch, snapshotting the output at `epochs`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineRequest {
    /// Epochs to snapshot (1 to 8 of them, each at most 2000; 0 = before training).
    pub epochs: Vec<usize>,
}

/// A ball in the race: an optimizer with its learning rate and options.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Racer {
    /// The ball's name in the legend (`momentum`); also the optimizer's `type` when `optimizer` is left out.
    pub name: String,
    /// An optimizer's `type`; default: `name`.
    #[serde(default)]
    pub optimizer: Option<String>,
    /// η for this ball.
    pub learning_rate: f32,
    /// The optimizer's other options (`{"momentum": 0.9}`); left out: its defaults.
    #[serde(default)]
    pub options: Map<String, Value>,
}

impl Racer {
    /// The ball's optimizer, read as an `[optimizer]` table and checked.
    pub fn spec(&self) -> Result<OptimizerSpec, String> {
        let kind = self.optimizer.as_deref().unwrap_or(&self.name);
        let t = table(kind, &self.options, &[("learning_rate", Value::from(self.learning_rate))]);
        let spec = OptimizerSpec::deserialize(t).map_err(|e| format!("racer {}: {e}", origami::quote(&self.name)))?;
        spec.validate().map_err(|(f, m)| format!("racer {}: {f}: {m}", origami::quote(&self.name)))?;
        Ok(spec)
    }
}

/// An optimizer race on a 2-D surface.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaceRequest {
    /// `bowl`, `rosenbrock`, `saddle`, `beale` or `wells`.
    pub surface: String,
    /// Steps, 1 to 2000.
    pub steps: usize,
    /// The balls, 1 to `race::MAX_RACERS`.
    pub racers: Vec<Racer>,
    /// Starting point; the surface's default when absent.
    #[serde(default)]
    pub start: Option<[f32; 2]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = |f: &dyn Fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            c.validate().err().unwrap_or_else(|| panic!("accepted: {c:?}"))
        };
        assert!(bad(&|c| c.layers = vec![4; 7]).contains("hidden layers"));
        assert!(bad(&|c| c.layers = vec![17]).contains("neurons"));
        assert!(bad(&|c| c.learning_rate = f32::NAN).contains("learning_rate"));
        assert!(bad(&|c| c.dataset = "plane".into()).contains("dataset"));
        assert!(bad(&|c| c.dataset = "regress_plane".into()).contains("not a classification set"));
        assert!(bad(&|c| c.features = vec![]).contains("feature"));
        assert!(bad(&|c| c.features = vec!["x1".into(), "x1".into()]).contains("twice"));
        assert!(bad(&|c| c.activation = "softmaxx".into()).contains("activation"));
        assert!(bad(&|c| c.activation = "leaky_relu(nan)".into()).contains("activation"));
        assert!(bad(&|c| c.initializer = "he".into()).contains("initializer"));
        assert!(bad(&|c| c.regularization = "l3".into()).contains("regularization"));
        assert!(bad(&|c| c.optimizer = "adamm".into()).contains("optimizer"));
        assert!(bad(&|c| {
            c.optimizer = "adam".into();
            c.optimizer_options.insert("rho".into(), 0.9.into());
        })
        .contains("adam has no option rho"));
        assert!(bad(&|c| {
            c.optimizer = "adam".into();
            c.optimizer_options.insert("beta_1".into(), 1.5.into());
        })
        .contains("beta_1"));
        assert!(bad(&|c| c.schedule = "exponential".into()).contains("schedule"));
        assert!(bad(&|c| {
            c.schedule = "piecewise_constant".into();
            c.schedule_options = json!({"boundaries": [10], "values": [0.1]}).as_object().unwrap().clone();
        })
        .contains("schedule"));
        assert!(bad(&|c| {
            c.schedule = PLATEAU.into();
            c.schedule_options.insert("factor".into(), 2.0.into());
        })
        .contains("factor"));
        assert!(bad(&|c| c.points = 1_000_000).contains("points"));
        assert!(bad(&|c| {
            c.dataset = "custom".into();
            c.custom = vec![[0.0, 0.0, 7.0]; 10];
        })
        .contains("label"));
    }

    #[test]
    fn every_library_name_is_accepted() {
        let ok = |f: &dyn Fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            c.validate().unwrap_or_else(|e| panic!("{c:?}: {e}"));
        };
        for a in spec::names::activations() {
            ok(&|c| c.activation = a.name.into());
        }
        for i in spec::names::initializers().iter().filter(|i| i.args.iter().all(|a| a.default.is_some())) {
            ok(&|c| c.initializer = i.name.into());
        }
        for r in spec::names::regularizers() {
            ok(&|c| {
                c.regularization = r.name.into();
                c.reg_rate = 0.01;
            });
        }
        for o in OptimizerSpec::NAMES {
            ok(&|c| c.optimizer = (*o).into());
        }
        let presets = schedule_presets(0.03);
        for s in ScheduleSpec::NAMES.iter().chain([&PLATEAU]) {
            ok(&|c| {
                c.schedule = (*s).into();
                c.schedule_options = presets[*s].as_object().cloned().unwrap_or_default();
            });
        }
        for d in synthetic::SETS {
            ok(&|c| {
                c.dataset = d.name.into();
                c.problem = if d.regression { "regression" } else { "classification" }.into();
            });
        }
    }

    #[test]
    fn custom_classes_are_counted() {
        let c =
            Config { dataset: "custom".into(), custom: vec![[0.0, 0.0, 2.0], [1.0, 1.0, 0.0]], ..Config::default() };
        assert_eq!(c.num_classes(), 3);
    }
}
