//! The playground's JSON requests and their validation.
//!
//! Everything a browser sends is untrusted: every field has a default (so a
//! partial request is fine), unknown fields are rejected (so a typo is an
//! error rather than a silent no-op), and [`Config::validate`] bounds every
//! number and names every choice before anything is built from it. A request
//! that fails here gets a 400 with the message; nothing downstream has to
//! guard against absurd sizes.

use serde::{Deserialize, Serialize};

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

/// The input features, in the order the network sees them.
pub const FEATURES: [&str; 7] = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
/// Classification sets; `blobs` and `spirals` have `classes` classes.
pub const CLASSIFICATION_SETS: [&str; 7] = ["circle", "xor", "gauss", "spiral", "blobs", "spirals", "custom"];
/// Regression sets.
pub const REGRESSION_SETS: [&str; 3] = ["plane", "multigauss", "custom"];
/// Hidden-layer activations.
pub const ACTIVATIONS: [&str; 8] = ["relu", "tanh", "sigmoid", "linear", "elu", "selu", "gelu", "leaky_relu"];
/// Kernel initializers (`default`: the activation's own choice).
pub const INITIALIZERS: [&str; 8] =
    ["default", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "zeros"];
/// Optimizers.
pub const OPTIMIZERS: [&str; 9] =
    ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax", "nadam", "adamw"];
/// Learning-rate schedules.
pub const SCHEDULES: [&str; 7] = ["constant", "power", "exponential", "piecewise", "cosine", "onecycle", "plateau"];

/// A whole playground configuration: data, features, network, training.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `classification` or `regression`.
    pub problem: String,
    /// One of [`CLASSIFICATION_SETS`] or [`REGRESSION_SETS`].
    pub dataset: String,
    /// Classes of `blobs` and `spirals` (3 to 5).
    pub classes: usize,
    /// The user's own points `[x1, x2, label]` for `dataset = "custom"`.
    pub custom: Vec<[f32; 3]>,
    /// Points generated (training and test together).
    pub points: usize,
    /// Percentage of the points used for training, 10 to 90.
    pub train_pct: u32,
    /// The Playground's noise, 0 to 50 (divided by 100 for the generators).
    pub noise: u32,
    /// Mini-batch size, 1 to 100.
    pub batch_size: usize,
    /// Seed of the data (regenerate picks a new one).
    pub data_seed: u64,
    /// Seed of the weights, dropout masks and shuffling.
    pub seed: u64,
    /// Input features that are on, from [`FEATURES`].
    pub features: Vec<String>,
    /// Neurons of each hidden layer.
    pub layers: Vec<usize>,
    /// Hidden activation, one of [`ACTIVATIONS`].
    pub activation: String,
    /// Kernel initializer, one of [`INITIALIZERS`].
    pub initializer: String,
    /// `none`, `l1` or `l2`.
    pub regularization: String,
    /// The regularization rate λ.
    pub reg_rate: f32,
    /// Dropout rate after each hidden layer (0 = none), below 0.9.
    pub dropout: f32,
    /// Batch normalization after each hidden layer.
    pub batch_norm: bool,
    /// One of [`OPTIMIZERS`].
    pub optimizer: String,
    /// η.
    pub learning_rate: f32,
    /// Momentum (momentum, nesterov, rmsprop).
    pub momentum: f32,
    /// β₁ (Adam family).
    pub beta1: f32,
    /// β₂ (Adam family).
    pub beta2: f32,
    /// ρ (RMSProp).
    pub rho: f32,
    /// ε (adaptive optimizers).
    pub epsilon: f32,
    /// Decoupled weight decay (AdamW).
    pub weight_decay: f32,
    /// AMSGrad (Adam, AdamW).
    pub amsgrad: bool,
    /// Centred RMSProp.
    pub centered: bool,
    /// One of [`SCHEDULES`]; indexed by epoch.
    pub schedule: String,
    /// Epochs over which a decay acts (power, exponential, cosine, 1cycle).
    pub decay_epochs: usize,
    /// Exponential decay rate, or the piecewise/plateau factor.
    pub decay_rate: f32,
    /// Power of the power schedule.
    pub power: f32,
    /// Warm-up epochs of the cosine schedule.
    pub warmup_epochs: usize,
    /// Plateau patience in epochs.
    pub patience: usize,
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
            initializer: "default".into(),
            regularization: "none".into(),
            reg_rate: 0.0,
            dropout: 0.0,
            batch_norm: false,
            optimizer: "sgd".into(),
            learning_rate: 0.03,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            rho: 0.9,
            epsilon: 1e-7,
            weight_decay: 0.004,
            amsgrad: false,
            centered: false,
            schedule: "constant".into(),
            decay_epochs: 100,
            decay_rate: 0.5,
            power: 1.0,
            warmup_epochs: 10,
            patience: 10,
        }
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("{field} must be one of {}, got {value:?}", allowed.join(", ")))
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

impl Config {
    /// Whether the problem is regression.
    pub fn is_regression(&self) -> bool {
        self.problem == "regression"
    }

    /// Checks every field; the message names the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        one_of("problem", &self.problem, &["classification", "regression"])?;
        if self.is_regression() {
            one_of("dataset (regression)", &self.dataset, &REGRESSION_SETS)?;
        } else {
            one_of("dataset (classification)", &self.dataset, &CLASSIFICATION_SETS)?;
        }
        within("classes", self.classes, 3, MAX_CLASSES)?;
        within("points", self.points, 20, MAX_POINTS)?;
        within("train_pct", self.train_pct, 10, 90)?;
        within("noise", self.noise, 0, 50)?;
        within("batch_size", self.batch_size, 1, 100)?;
        if self.dataset == "custom" {
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
        one_of("activation", &self.activation, &ACTIVATIONS)?;
        one_of("initializer", &self.initializer, &INITIALIZERS)?;
        one_of("regularization", &self.regularization, &["none", "l1", "l2"])?;
        within("reg_rate", self.reg_rate, 0.0, 10.0)?;
        within("dropout", self.dropout, 0.0, 0.9)?;
        one_of("optimizer", &self.optimizer, &OPTIMIZERS)?;
        within("learning_rate", self.learning_rate, 1e-6, 10.0)?;
        within("momentum", self.momentum, 0.0, 0.999)?;
        within("beta1", self.beta1, 0.0, 0.9999)?;
        within("beta2", self.beta2, 0.0, 0.99999)?;
        within("rho", self.rho, 0.0, 0.9999)?;
        within("epsilon", self.epsilon, 1e-10, 1.0)?;
        within("weight_decay", self.weight_decay, 0.0, 1.0)?;
        one_of("schedule", &self.schedule, &SCHEDULES)?;
        within("decay_epochs", self.decay_epochs, 1, 100_000)?;
        within("decay_rate", self.decay_rate, 0.001, 1.0)?;
        within("power", self.power, 0.01, 10.0)?;
        within("warmup_epochs", self.warmup_epochs, 0, 10_000)?;
        within("patience", self.patience, 1, 1000)?;
        Ok(())
    }

    /// Number of output classes (1 for a binary or regression head's single unit).
    pub fn num_classes(&self) -> usize {
        if self.is_regression() {
            return 1;
        }
        match self.dataset.as_str() {
            "blobs" | "spirals" => self.classes,
            "custom" => {
                let max = self.custom.iter().map(|p| p[2].max(0.0) as usize).max().unwrap_or(1);
                (max + 1).max(2)
            }
            _ => 2,
        }
    }
}

/// `{"action": …}`: play, pause, step, reset (same seed) or regenerate (new data).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// What to do.
    pub action: String,
}

/// Train the session's configuration `n` times with seeds seed, seed+1, ….
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsRequest {
    /// Trainings, 1 to 12.
    pub n: usize,
    /// Epochs each, 1 to 1000.
    pub epochs: usize,
}

/// Train the session's configuration from scratch, snapshotting the output at `epochs`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineRequest {
    /// Epochs to snapshot (1 to 8 of them, each at most 2000; 0 = before training).
    pub epochs: Vec<usize>,
}

/// An optimizer in the race: which and its learning rate.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Racer {
    /// One of [`OPTIMIZERS`].
    pub name: String,
    /// η for this ball.
    pub learning_rate: f32,
}

/// An optimizer race on a 2-D surface.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaceRequest {
    /// `bowl`, `rosenbrock`, `saddle` or `beale`.
    pub surface: String,
    /// Steps, 1 to 2000.
    pub steps: usize,
    /// The balls, 1 to 9.
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
            c.validate().unwrap_err()
        };
        assert!(bad(&|c| c.layers = vec![4; 7]).contains("hidden layers"));
        assert!(bad(&|c| c.layers = vec![17]).contains("neurons"));
        assert!(bad(&|c| c.learning_rate = f32::NAN).contains("learning_rate"));
        assert!(bad(&|c| c.dataset = "plane".into()).contains("dataset"));
        assert!(bad(&|c| c.features = vec![]).contains("feature"));
        assert!(bad(&|c| c.features = vec!["x1".into(), "x1".into()]).contains("twice"));
        assert!(bad(&|c| c.activation = "softmax".into()).contains("activation"));
        assert!(bad(&|c| c.points = 1_000_000).contains("points"));
        assert!(bad(&|c| {
            c.dataset = "custom".into();
            c.custom = vec![[0.0, 0.0, 7.0]; 10];
        })
        .contains("label"));
    }

    #[test]
    fn custom_classes_are_counted() {
        let c =
            Config { dataset: "custom".into(), custom: vec![[0.0, 0.0, 2.0], [1.0, 1.0, 0.0]], ..Config::default() };
        assert_eq!(c.num_classes(), 3);
    }
}
