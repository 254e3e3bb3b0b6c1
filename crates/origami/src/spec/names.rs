//! Call-syntax names for the option enums: `"relu"`, `"leaky_relu(0.1)"`,
//! `"l2(1e-4)"`. One small grammar — a name, then optional numbers in
//! parentheses — covers every parameterised option, reads like Keras code
//! and survives JSON and TOML as a plain string. Numbers are written back
//! with Rust's shortest round-trip formatting, so a saved spec reloads to
//! bitwise the same values.
//!
//! Each enum's names are one table ([`activations`], [`initializers`],
//! [`regularizers`], [`constraints`], [`losses`]): the name, its aliases, its
//! arguments with their defaults, and a one-line doc. Parsing reads the
//! table, so a default (leaky ReLU's slope) is written once and a config
//! reference or the playground lists exactly what the parser accepts.
//!
//! This is also the serialized form of the layers' configs in [`crate::nn`]
//! (`#[serde(with = "named")]`): the one module of `spec` that `nn` uses.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::nn::activation::LEAKY_RELU_NEGATIVE_SLOPE;
use crate::nn::{Activation, Constraint, Initializer, Loss, Padding1D, Regularizer};
use crate::{quote, Padding};

/// A numeric argument of a name: Keras's argument name and its default
/// (`None`: required).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Arg {
    /// Keras's name of the argument (`negative_slope`, `stddev`).
    pub name: &'static str,
    /// The value when it is left out; `None` if it must be given.
    pub default: Option<f32>,
}

const fn arg(name: &'static str, default: f32) -> Arg {
    Arg { name, default: Some(default) }
}

const fn required(name: &'static str) -> Arg {
    Arg { name, default: None }
}

/// One name of an option enum `T`: how to write it and what it means.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Name<T: 'static> {
    /// The name, lower case (`leaky_relu`).
    pub name: &'static str,
    /// Other spellings accepted (`swish` for `silu`).
    pub aliases: &'static [&'static str],
    /// The numbers it takes in parentheses, in order.
    pub args: &'static [Arg],
    /// One line: what it is, and whose convention it follows.
    pub doc: &'static str,
    #[serde(skip)]
    make: fn(&[f32]) -> T,
}

impl<T> Name<T> {
    /// `name(arg, …)`, the way a config writes it with every argument.
    pub fn signature(&self) -> String {
        if self.args.is_empty() {
            return self.name.to_string();
        }
        let a: Vec<String> = self
            .args
            .iter()
            .map(|a| match a.default {
                Some(d) => format!("{}={d}", a.name),
                None => a.name.to_string(),
            })
            .collect();
        format!("{}({})", self.name, a.join(", "))
    }
}

const fn name<T>(
    name: &'static str,
    aliases: &'static [&'static str],
    args: &'static [Arg],
    doc: &'static str,
    make: fn(&[f32]) -> T,
) -> Name<T> {
    Name { name, aliases, args, doc, make }
}

static ACTIVATIONS: &[Name<Activation>] = &[
    name("linear", &["none", "identity"], &[], "The identity; derivative 1. A stack of linear layers is one linear map.", |_| Activation::Linear),
    name("relu", &[], &[], "max(x, 0); derivative 1 for x > 0, else 0 (a unit whose input stays negative is dead).", |_| Activation::Relu),
    name(
        "leaky_relu",
        &[],
        &[arg("negative_slope", LEAKY_RELU_NEGATIVE_SLOPE)],
        "x for x > 0, negative_slope·x otherwise (derivative 1 or negative_slope); the default 0.3 is Keras's LeakyReLU layer's \
         (keras.activations.leaky_relu, which Keras uses for activation=\"leaky_relu\", has 0.2; PyTorch 0.01).",
        |a| Activation::LeakyRelu(a[0]),
    ),
    name("sigmoid", &[], &[], "σ(x) = 1 / (1 + e^−x); derivative σ(x)(1 − σ(x)) ≤ 1/4.", |_| Activation::Sigmoid),
    name("tanh", &[], &[], "tanh x, zero-centred in (−1, 1); derivative 1 − tanh² x.", |_| Activation::Tanh),
    name("softmax", &[], &[], "Softmax over the last axis.", |_| Activation::Softmax),
    name("elu", &[], &[arg("alpha", 1.0)], "x for x > 0, alpha·(eˣ − 1) otherwise; derivative 1, or elu(x) + alpha.", |a| Activation::Elu(a[0])),
    name("selu", &[], &[], "λ·elu(x, α) with Klambauer et al.'s λ ≈ 1.0507, α ≈ 1.6733; self-normalizing with lecun_normal weights.", |_| {
        Activation::Selu
    }),
    name(
        "gelu",
        &[],
        &[],
        "x·Φ(x) (derivative Φ(x) + x·φ(x)) by the tanh approximation (Keras's gelu(approximate=True), PyTorch's GELU(approximate=\"tanh\"); \
         both frameworks default to the exact erf form).",
        |_| Activation::Gelu,
    ),
    name("softplus", &[], &[], "ln(1 + eˣ), a smooth relu; derivative σ(x).", |_| Activation::Softplus),
    name("silu", &["swish"], &[], "x·σ(x); derivative σ(x)(1 + x(1 − σ(x))).", |_| Activation::Silu),
];

static INITIALIZERS: &[Name<Initializer>] = &[
    name("zeros", &[], &[], "All 0 (Keras's default for biases).", |_| Initializer::Zeros),
    name("ones", &[], &[], "All 1.", |_| Initializer::Ones),
    name("constant", &[], &[required("value")], "Every element `value`.", |a| Initializer::Constant(a[0])),
    name("random_normal", &[], &[arg("mean", 0.0), arg("stddev", 0.05)], "N(mean, stddev²), Keras's defaults.", |a| {
        Initializer::RandomNormal { mean: a[0], std: a[1] }
    }),
    name(
        "random_uniform",
        &[],
        &[arg("minval", -0.05), arg("maxval", 0.05)],
        "U[minval, maxval), Keras's defaults.",
        |a| Initializer::RandomUniform { lo: a[0], hi: a[1] },
    ),
    name(
        "truncated_normal",
        &[],
        &[arg("mean", 0.0), arg("stddev", 0.05)],
        "N(mean, stddev²) redrawn beyond 2·stddev, as Keras.",
        |a| Initializer::TruncatedNormal { mean: a[0], std: a[1] },
    ),
    name("glorot_normal", &["xavier_normal"], &[], "Variance 2/(fan_in + fan_out), truncated normal as Keras.", |_| {
        Initializer::GlorotNormal
    }),
    name(
        "glorot_uniform",
        &["xavier_uniform"],
        &[],
        "Uniform with variance 2/(fan_in + fan_out) (Keras's default kernel initializer).",
        |_| Initializer::GlorotUniform,
    ),
    name(
        "he_normal",
        &["kaiming_normal"],
        &[],
        "Variance 2/fan_in, truncated normal as Keras (PyTorch's kaiming_normal_ is not truncated).",
        |_| Initializer::HeNormal,
    ),
    name("he_uniform", &["kaiming_uniform"], &[], "Uniform with variance 2/fan_in.", |_| Initializer::HeUniform),
    name("lecun_normal", &[], &[], "Variance 1/fan_in, truncated normal as Keras.", |_| Initializer::LecunNormal),
    name("lecun_uniform", &[], &[], "Uniform with variance 1/fan_in.", |_| Initializer::LecunUniform),
    name(
        "orthogonal",
        &[],
        &[arg("gain", 1.0)],
        "gain × an orthonormal matrix (QR of a normal one, signs fixed; Keras's default recurrent initializer).",
        |a| Initializer::Orthogonal { gain: a[0] },
    ),
];

static REGULARIZERS: &[Name<Regularizer>] = &[
    name("l1", &[], &[arg("l1", 0.01)], "l1·Σ|w| (Keras's default factor).", |a| Regularizer::L1(a[0])),
    name("l2", &[], &[arg("l2", 0.01)], "l2·Σw², no ½ (Keras's default factor).", |a| Regularizer::L2(a[0])),
    name(
        "l1_l2",
        &[],
        &[arg("l1", 0.01), arg("l2", 0.01)],
        "l1·Σ|w| + l2·Σw²; defaults 0.01 as l1 and l2 (Keras's L1L2 class defaults to 0).",
        |a| Regularizer::L1L2 { l1: a[0], l2: a[1] },
    ),
];

static CONSTRAINTS: &[Name<Constraint>] = &[
    name(
        "max_norm",
        &[],
        &[arg("max_value", 2.0)],
        "Each unit's incoming weights rescaled to norm ≤ max_value after every step (Keras's default 2).",
        |a| Constraint::MaxNorm { max_value: a[0] },
    ),
    name("non_neg", &[], &[], "Negative weights set to 0 after every step.", |_| Constraint::NonNeg),
];

static LOSSES: &[Name<Loss>] = &[
    name("mse", &["mean_squared_error"], &[], "Mean of (ŷ − y)².", |_| Loss::MeanSquaredError),
    name("mae", &["mean_absolute_error"], &[], "Mean of |ŷ − y|.", |_| Loss::MeanAbsoluteError),
    name("huber", &[], &[arg("delta", 1.0)], "½e² for |e| ≤ delta, delta·(|e| − ½delta) beyond.", |a| {
        Loss::Huber { delta: a[0] }
    }),
    name("binary_crossentropy", &[], &[], "Of probabilities clipped to [1e-7, 1 − 1e-7], as Keras.", |_| {
        Loss::BinaryCrossentropy { from_logits: false }
    }),
    name(
        "binary_crossentropy_from_logits",
        &[],
        &[],
        "Of logits, exact at any logit (the sigmoid inside the loss).",
        |_| Loss::BinaryCrossentropy { from_logits: true },
    ),
    name(
        "categorical_crossentropy",
        &[],
        &[],
        "Against one-hot targets, of probabilities renormalised to sum 1 and clipped to [1e-7, 1 − 1e-7], as Keras.",
        |_| Loss::CategoricalCrossentropy { from_logits: false },
    ),
    name(
        "categorical_crossentropy_from_logits",
        &[],
        &[],
        "Against one-hot targets, of logits (log-softmax inside the loss).",
        |_| Loss::CategoricalCrossentropy { from_logits: true },
    ),
    name(
        "sparse_categorical_crossentropy",
        &[],
        &[],
        "Against class indices, of probabilities renormalised and clipped as categorical_crossentropy.",
        |_| Loss::SparseCategoricalCrossentropy { from_logits: false },
    ),
    name(
        "sparse_categorical_crossentropy_from_logits",
        &[],
        &[],
        "Against class indices, of logits (one fused softmax cross-entropy).",
        |_| Loss::SparseCategoricalCrossentropy { from_logits: true },
    ),
];

/// Every activation name, with its arguments and doc.
pub fn activations() -> &'static [Name<Activation>] {
    ACTIVATIONS
}

/// Every initializer name.
pub fn initializers() -> &'static [Name<Initializer>] {
    INITIALIZERS
}

/// Every regularizer name.
pub fn regularizers() -> &'static [Name<Regularizer>] {
    REGULARIZERS
}

/// Every constraint name.
pub fn constraints() -> &'static [Name<Constraint>] {
    CONSTRAINTS
}

/// Every loss name.
pub fn losses() -> &'static [Name<Loss>] {
    LOSSES
}

/// The five tables as JSON, `{"activations": [{"name", "aliases", "args":
/// [{"name", "default"}], "doc", "signature"}], "initializers": …,
/// "regularizers": …, "constraints": …, "losses": …}`, for a config
/// reference or the playground.
pub fn reference() -> serde_json::Value {
    fn list<T>(t: &'static [Name<T>]) -> serde_json::Value {
        t.iter()
            .map(|n| {
                let mut v = serde_json::to_value(n).unwrap_or_default();
                v["signature"] = n.signature().into();
                v
            })
            .collect()
    }
    serde_json::json!({
        "activations": list(ACTIVATIONS),
        "initializers": list(INITIALIZERS),
        "regularizers": list(REGULARIZERS),
        "constraints": list(CONSTRAINTS),
        "losses": list(LOSSES),
    })
}

/// Splits `"name(1, 2.5)"` into `("name", [1.0, 2.5])`; a bare name has no
/// numbers. Names are lowercased; spaces are ignored.
pub fn parse_call(s: &str) -> Result<(String, Vec<f32>), String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let Some(open) = t.find('(') else {
        return Ok((t, Vec::new()));
    };
    if !t.ends_with(')') {
        return Err(format!("{} is missing its closing parenthesis", quote(s)));
    }
    let name = t[..open].to_string();
    let inner = &t[open + 1..t.len() - 1];
    let args = if inner.is_empty() {
        Vec::new()
    } else {
        inner
            .split(',')
            .map(|a| match a.parse::<f32>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(format!("{} in {} is not a finite number", quote(a), quote(s))),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok((name, args))
}

/// Parses `s` against a table: the name (or an alias), then its arguments,
/// defaults filling those left out.
fn parse_in<T>(what: &str, table: &'static [Name<T>], s: &str) -> Result<T, String> {
    let (name, given) = parse_call(s)?;
    let Some(e) = table.iter().find(|e| e.name == name || e.aliases.contains(&name.as_str())) else {
        let known: Vec<String> = table.iter().map(|e| e.signature()).collect();
        return Err(format!("unknown {what} {}; expected one of {}", quote(s), known.join(", ")));
    };
    if given.len() > e.args.len() {
        return Err(match e.args.len() {
            0 => format!("{name} takes no arguments"),
            n => format!("{name} takes at most {n} argument(s), found {}", given.len()),
        });
    }
    let mut values = Vec::with_capacity(e.args.len());
    for (i, a) in e.args.iter().enumerate() {
        match given.get(i).copied().or(a.default) {
            Some(v) => values.push(v),
            None => return Err(format!("{name} needs its {} argument, e.g. {name}(1)", a.name)),
        }
    }
    Ok((e.make)(&values))
}

/// Parses an activation: one of [`activations`] (`relu`,
/// `leaky_relu(0.1)`…).
pub fn parse_activation(s: &str) -> Result<Activation, String> {
    parse_in("activation", ACTIVATIONS, s)
}

/// The call-syntax name of an activation.
pub(crate) fn activation_name(a: &Activation) -> String {
    match a {
        Activation::LeakyRelu(x) => format!("leaky_relu({x})"),
        Activation::Elu(x) => format!("elu({x})"),
        other => other.name().into(),
    }
}

/// Parses an initializer: one of [`initializers`] (`he_normal`,
/// `random_normal(0, 0.05)`…).
pub fn parse_initializer(s: &str) -> Result<Initializer, String> {
    parse_in("initializer", INITIALIZERS, s)
}

pub(crate) fn initializer_name(i: &Initializer) -> String {
    match i {
        Initializer::Zeros => "zeros".into(),
        Initializer::Ones => "ones".into(),
        Initializer::Constant(v) => format!("constant({v})"),
        Initializer::RandomNormal { mean, std } => format!("random_normal({mean}, {std})"),
        Initializer::RandomUniform { lo, hi } => format!("random_uniform({lo}, {hi})"),
        Initializer::TruncatedNormal { mean, std } => format!("truncated_normal({mean}, {std})"),
        Initializer::GlorotNormal => "glorot_normal".into(),
        Initializer::GlorotUniform => "glorot_uniform".into(),
        Initializer::HeNormal => "he_normal".into(),
        Initializer::HeUniform => "he_uniform".into(),
        Initializer::LecunNormal => "lecun_normal".into(),
        Initializer::LecunUniform => "lecun_uniform".into(),
        Initializer::Orthogonal { gain } => format!("orthogonal({gain})"),
    }
}

/// Parses a penalty: one of [`regularizers`] (`l2(1e-4)`…).
pub fn parse_regularizer(s: &str) -> Result<Regularizer, String> {
    parse_in("regularizer", REGULARIZERS, s)
}

pub(crate) fn regularizer_name(r: &Regularizer) -> String {
    match r {
        Regularizer::L1(c) => format!("l1({c})"),
        Regularizer::L2(c) => format!("l2({c})"),
        Regularizer::L1L2 { l1, l2 } => format!("l1_l2({l1}, {l2})"),
    }
}

/// Parses a constraint: one of [`constraints`] (`max_norm(3)`, `non_neg`).
pub fn parse_constraint(s: &str) -> Result<Constraint, String> {
    parse_in("constraint", CONSTRAINTS, s)
}

pub(crate) fn constraint_name(c: &Constraint) -> String {
    match c {
        Constraint::MaxNorm { max_value } => format!("max_norm({max_value})"),
        Constraint::NonNeg => "non_neg".into(),
    }
}

/// Parses a loss: one of [`losses`] (`mse`, `huber(2)`,
/// `sparse_categorical_crossentropy_from_logits`…).
pub fn parse_loss(s: &str) -> Result<Loss, String> {
    parse_in("loss", LOSSES, s)
}

pub(crate) fn loss_name(l: &Loss) -> String {
    let logits = |f: bool| if f { "_from_logits" } else { "" };
    match l {
        Loss::MeanSquaredError => "mse".into(),
        Loss::MeanAbsoluteError => "mae".into(),
        Loss::Huber { delta } => format!("huber({delta})"),
        Loss::BinaryCrossentropy { from_logits } => format!("binary_crossentropy{}", logits(*from_logits)),
        Loss::CategoricalCrossentropy { from_logits } => format!("categorical_crossentropy{}", logits(*from_logits)),
        Loss::SparseCategoricalCrossentropy { from_logits } => {
            format!("sparse_categorical_crossentropy{}", logits(*from_logits))
        }
    }
}

/// Parses `valid` or `same`.
pub(crate) fn parse_padding(s: &str) -> Result<Padding, String> {
    match s.trim().to_lowercase().as_str() {
        "valid" => Ok(Padding::Valid),
        "same" => Ok(Padding::Same),
        _ => Err(format!("unknown padding {}; expected one of valid, same", quote(s))),
    }
}

pub(crate) fn padding_name(p: &Padding) -> String {
    match p {
        Padding::Valid => "valid".into(),
        Padding::Same => "same".into(),
    }
}

/// Parses `valid`, `same` or `causal` (Conv1D's padding).
pub(crate) fn parse_padding_1d(s: &str) -> Result<Padding1D, String> {
    match s.trim().to_lowercase().as_str() {
        "valid" => Ok(Padding1D::Valid),
        "same" => Ok(Padding1D::Same),
        "causal" => Ok(Padding1D::Causal),
        _ => Err(format!("unknown padding {}; expected one of valid, same, causal", quote(s))),
    }
}

pub(crate) fn padding_1d_name(p: &Padding1D) -> String {
    match p {
        Padding1D::Valid => "valid".into(),
        Padding1D::Same => "same".into(),
        Padding1D::Causal => "causal".into(),
    }
}

/// An option enum written as a call-syntax string.
pub(crate) trait Named: Sized {
    fn to_name(&self) -> String;
    fn from_name(s: &str) -> Result<Self, String>;
}

macro_rules! named {
    ($t:ty, $to:ident, $from:ident) => {
        impl Named for $t {
            fn to_name(&self) -> String {
                $to(self)
            }
            fn from_name(s: &str) -> Result<Self, String> {
                $from(s)
            }
        }
    };
}
named!(Activation, activation_name, parse_activation);
named!(Initializer, initializer_name, parse_initializer);
named!(Regularizer, regularizer_name, parse_regularizer);
named!(Constraint, constraint_name, parse_constraint);
named!(Loss, loss_name, parse_loss);
named!(Padding, padding_name, parse_padding);
named!(Padding1D, padding_1d_name, parse_padding_1d);

/// `#[serde(with = "named")]`: the value as its call-syntax string.
pub(crate) mod named {
    use super::*;
    pub fn serialize<T: Named, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_name())
    }
    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        T::from_name(&s).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "opt_named")]`: an optional value as its string.
pub(crate) mod opt_named {
    use super::*;
    pub fn serialize<T: Named, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&v.to_name()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| T::from_name(&s).map_err(D::Error::custom)).transpose()
    }
}

/// JSON-Schema stand-ins for the call-syntax strings
/// (`#[schemars(with = "names::ActivationName")]`): a string, with
/// `"x-names"` saying which table of this module lists its values.
macro_rules! name_schema {
    ($ty:ident, $list:literal) => {
        #[doc = concat!("The JSON Schema of a name from [`", $list, "`].")]
        pub(crate) struct $ty;
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({"type": "string", "x-names": $list})
            }
        }
    };
}
name_schema!(ActivationName, "activations");
name_schema!(InitializerName, "initializers");
name_schema!(RegularizerName, "regularizers");
name_schema!(ConstraintName, "constraints");

/// The JSON Schema of a padding name.
pub(crate) struct PaddingName;

impl JsonSchema for PaddingName {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "PaddingName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "enum": ["valid", "same"]})
    }
}

/// The JSON Schema of a 1-D padding name (Conv1D's).
pub(crate) struct Padding1DName;

impl JsonSchema for Padding1DName {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Padding1DName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "enum": ["valid", "same", "causal"]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name with its defaults (or 1 for a required argument) parses,
    /// prints and parses back to the same value.
    fn round_trip<T: Named + PartialEq + std::fmt::Debug>(table: &'static [Name<T>]) {
        for e in table {
            let args: Vec<String> = e.args.iter().map(|a| a.default.unwrap_or(1.0).to_string()).collect();
            let call = if args.is_empty() { e.name.to_string() } else { format!("{}({})", e.name, args.join(", ")) };
            let v = T::from_name(&call).unwrap();
            assert_eq!(T::from_name(&v.to_name()).unwrap(), v, "{call}");
            for a in e.aliases {
                let alias = call.replacen(e.name, a, 1);
                assert_eq!(T::from_name(&alias).unwrap(), v, "{alias}");
            }
            assert!(!e.doc.is_empty() && e.doc.ends_with('.'), "{}: {}", e.name, e.doc);
        }
    }

    #[test]
    fn every_listed_name_parses_and_prints_back() {
        round_trip(activations());
        round_trip(initializers());
        round_trip(regularizers());
        round_trip(constraints());
        round_trip(losses());
        assert_eq!(losses().len(), 9);
    }

    #[test]
    fn defaults_and_arity_come_from_the_table() {
        // leaky ReLU's slope is resolved here once: Keras's LeakyReLU layer's 0.3
        assert_eq!(LEAKY_RELU_NEGATIVE_SLOPE, 0.3);
        assert_eq!(parse_activation("leaky_relu").unwrap(), Activation::LeakyRelu(0.3));
        assert_eq!(activations()[2].signature(), "leaky_relu(negative_slope=0.3)");
        assert_eq!(parse_initializer("random_normal").unwrap(), Initializer::RandomNormal { mean: 0.0, std: 0.05 });
        assert_eq!(parse_initializer("random_normal(1)").unwrap(), Initializer::RandomNormal { mean: 1.0, std: 0.05 });
        assert_eq!(parse_constraint("max_norm").unwrap(), Constraint::MaxNorm { max_value: 2.0 });
        let e = parse_initializer("constant").unwrap_err();
        assert!(e.contains("needs its value argument"), "{e}");
        assert!(parse_activation("relu(1)").unwrap_err().contains("takes no arguments"));
        assert!(parse_regularizer("l1(1, 2)").unwrap_err().contains("at most 1"));
        let e = parse_loss("mse_from_logits").unwrap_err();
        assert!(e.contains("unknown loss") && e.contains("huber(delta=1)"), "{e}");
    }

    #[test]
    fn the_reference_lists_every_table() {
        let r = reference();
        assert_eq!(r["activations"].as_array().unwrap().len(), activations().len());
        let leaky = &r["activations"][2];
        assert_eq!(leaky["name"], "leaky_relu");
        assert_eq!(leaky["args"][0]["name"], "negative_slope");
        assert!((leaky["args"][0]["default"].as_f64().unwrap() - 0.3).abs() < 1e-7);
        assert_eq!(r["constraints"][0]["signature"], "max_norm(max_value=2)");
        assert_eq!(r["initializers"][2]["args"][0]["default"], serde_json::Value::Null);
        assert_eq!(r["losses"].as_array().unwrap().len(), 9);
    }
}
