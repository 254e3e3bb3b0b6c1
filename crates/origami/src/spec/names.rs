//! Call-syntax names for the option enums: `"relu"`, `"leaky_relu(0.1)"`,
//! `"l2(1e-4)"`. One small grammar — a name, then optional numbers in
//! parentheses — covers every parameterised option, reads like Keras code
//! and survives JSON and TOML as a plain string. Numbers are written back
//! with Rust's shortest round-trip formatting, so a saved spec reloads to
//! bitwise the same values.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use crate::nn::{Activation, Constraint, Initializer, Loss, Regularizer};
use crate::Padding;

/// Splits `"name(1, 2.5)"` into `("name", [1.0, 2.5])`; a bare name has no
/// numbers. Names are lowercased; spaces are ignored.
pub fn parse_call(s: &str) -> Result<(String, Vec<f32>), String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let Some(open) = t.find('(') else {
        return Ok((t, Vec::new()));
    };
    if !t.ends_with(')') {
        return Err(format!("{s:?} is missing its closing parenthesis"));
    }
    let name = t[..open].to_string();
    let inner = &t[open + 1..t.len() - 1];
    let args = if inner.is_empty() {
        Vec::new()
    } else {
        inner
            .split(',')
            .map(|a| a.parse::<f32>().map_err(|_| format!("{a:?} in {s:?} is not a number")))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok((name, args))
}

/// The arguments, or the defaults for those left out; too many is an error.
fn args<const N: usize>(name: &str, given: &[f32], defaults: [f32; N]) -> Result<[f32; N], String> {
    if given.len() > N {
        return Err(format!("{name} takes at most {N} argument(s), found {}", given.len()));
    }
    let mut out = defaults;
    out[..given.len()].copy_from_slice(given);
    Ok(out)
}

/// A required single argument.
fn one(name: &str, given: &[f32]) -> Result<f32, String> {
    match given {
        [v] => Ok(*v),
        _ => Err(format!("{name} needs one number, e.g. {name}(0.01)")),
    }
}

fn unknown(what: &str, s: &str, known: &str) -> String {
    format!("unknown {what} {s:?}; expected one of {known}")
}

/// Parses an activation: `relu`, `leaky_relu(0.1)` (α defaults to 0.3),
/// `elu(1.0)`, `selu`, `gelu`, `sigmoid`, `tanh`, `softmax`, `softplus`,
/// `silu` (or `swish`), `linear`.
pub fn parse_activation(s: &str) -> Result<Activation, String> {
    let (name, a) = parse_call(s)?;
    let bare = |v: Activation| if a.is_empty() { Ok(v) } else { Err(format!("{name} takes no arguments")) };
    match name.as_str() {
        "linear" | "none" | "identity" => bare(Activation::Linear),
        "relu" => bare(Activation::Relu),
        "leaky_relu" => Ok(Activation::LeakyRelu(args(&name, &a, [0.3])?[0])),
        "sigmoid" => bare(Activation::Sigmoid),
        "tanh" => bare(Activation::Tanh),
        "softmax" => bare(Activation::Softmax),
        "elu" => Ok(Activation::Elu(args(&name, &a, [1.0])?[0])),
        "selu" => bare(Activation::Selu),
        "gelu" => bare(Activation::Gelu),
        "softplus" => bare(Activation::Softplus),
        "silu" | "swish" => bare(Activation::Silu),
        _ => Err(unknown(
            "activation",
            s,
            "linear, relu, leaky_relu(α), sigmoid, tanh, softmax, elu(α), selu, gelu, softplus, silu",
        )),
    }
}

/// The call-syntax name of an activation.
pub(crate) fn activation_name(a: &Activation) -> String {
    match a {
        Activation::Linear => "linear".into(),
        Activation::Relu => "relu".into(),
        Activation::LeakyRelu(x) => format!("leaky_relu({x})"),
        Activation::Sigmoid => "sigmoid".into(),
        Activation::Tanh => "tanh".into(),
        Activation::Softmax => "softmax".into(),
        Activation::Elu(x) => format!("elu({x})"),
        Activation::Selu => "selu".into(),
        Activation::Gelu => "gelu".into(),
        Activation::Softplus => "softplus".into(),
        Activation::Silu => "silu".into(),
    }
}

/// Parses an initializer: `zeros`, `ones`, `constant(v)`,
/// `random_normal(mean, std)`, `random_uniform(lo, hi)`,
/// `truncated_normal(mean, std)` (defaults 0, 0.05 and −0.05, 0.05 as
/// Keras), `glorot_normal`, `glorot_uniform`, `he_normal`, `he_uniform`,
/// `lecun_normal`, `lecun_uniform`.
pub fn parse_initializer(s: &str) -> Result<Initializer, String> {
    let (name, a) = parse_call(s)?;
    let bare = |v: Initializer| if a.is_empty() { Ok(v) } else { Err(format!("{name} takes no arguments")) };
    match name.as_str() {
        "zeros" => bare(Initializer::Zeros),
        "ones" => bare(Initializer::Ones),
        "constant" => Ok(Initializer::Constant(one(&name, &a)?)),
        "random_normal" => {
            let [mean, std] = args(&name, &a, [0.0, 0.05])?;
            Ok(Initializer::RandomNormal { mean, std })
        }
        "random_uniform" => {
            let [lo, hi] = args(&name, &a, [-0.05, 0.05])?;
            Ok(Initializer::RandomUniform { lo, hi })
        }
        "truncated_normal" => {
            let [mean, std] = args(&name, &a, [0.0, 0.05])?;
            Ok(Initializer::TruncatedNormal { mean, std })
        }
        "glorot_normal" | "xavier_normal" => bare(Initializer::GlorotNormal),
        "glorot_uniform" | "xavier_uniform" => bare(Initializer::GlorotUniform),
        "he_normal" | "kaiming_normal" => bare(Initializer::HeNormal),
        "he_uniform" | "kaiming_uniform" => bare(Initializer::HeUniform),
        "lecun_normal" => bare(Initializer::LecunNormal),
        "lecun_uniform" => bare(Initializer::LecunUniform),
        _ => Err(unknown(
            "initializer",
            s,
            "zeros, ones, constant(v), random_normal(mean, std), random_uniform(lo, hi), truncated_normal(mean, std), \
             glorot_normal, glorot_uniform, he_normal, he_uniform, lecun_normal, lecun_uniform",
        )),
    }
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
    }
}

/// Parses a penalty: `l1(c)`, `l2(c)`, `l1_l2(c1, c2)` (Keras's default
/// factor 0.01 when none is given).
pub fn parse_regularizer(s: &str) -> Result<Regularizer, String> {
    let (name, a) = parse_call(s)?;
    match name.as_str() {
        "l1" => Ok(Regularizer::L1(args(&name, &a, [0.01])?[0])),
        "l2" => Ok(Regularizer::L2(args(&name, &a, [0.01])?[0])),
        "l1_l2" => {
            let [l1, l2] = args(&name, &a, [0.01, 0.01])?;
            Ok(Regularizer::L1L2 { l1, l2 })
        }
        _ => Err(unknown("regularizer", s, "l1(c), l2(c), l1_l2(c1, c2)")),
    }
}

pub(crate) fn regularizer_name(r: &Regularizer) -> String {
    match r {
        Regularizer::L1(c) => format!("l1({c})"),
        Regularizer::L2(c) => format!("l2({c})"),
        Regularizer::L1L2 { l1, l2 } => format!("l1_l2({l1}, {l2})"),
    }
}

/// Parses a constraint: `max_norm(v)` or `non_neg`.
pub fn parse_constraint(s: &str) -> Result<Constraint, String> {
    let (name, a) = parse_call(s)?;
    match name.as_str() {
        "max_norm" => Ok(Constraint::MaxNorm { max_value: one(&name, &a)? }),
        "non_neg" if a.is_empty() => Ok(Constraint::NonNeg),
        _ => Err(unknown("constraint", s, "max_norm(v), non_neg")),
    }
}

pub(crate) fn constraint_name(c: &Constraint) -> String {
    match c {
        Constraint::MaxNorm { max_value } => format!("max_norm({max_value})"),
        Constraint::NonNeg => "non_neg".into(),
    }
}

/// Parses a loss: `mse`, `mae`, `huber(δ)` (δ = 1), `binary_crossentropy`,
/// `categorical_crossentropy`, `sparse_categorical_crossentropy`, each
/// cross-entropy also with the suffix `_from_logits`.
pub fn parse_loss(s: &str) -> Result<Loss, String> {
    let (name, a) = parse_call(s)?;
    let bare = |v: Loss| if a.is_empty() { Ok(v) } else { Err(format!("{name} takes no arguments")) };
    let (base, from_logits) = match name.strip_suffix("_from_logits") {
        Some(b) => (b, true),
        None => (name.as_str(), false),
    };
    match base {
        "mse" | "mean_squared_error" if !from_logits => bare(Loss::MeanSquaredError),
        "mae" | "mean_absolute_error" if !from_logits => bare(Loss::MeanAbsoluteError),
        "huber" if !from_logits => Ok(Loss::Huber { delta: args(&name, &a, [1.0])?[0] }),
        "binary_crossentropy" => bare(Loss::BinaryCrossentropy { from_logits }),
        "categorical_crossentropy" => bare(Loss::CategoricalCrossentropy { from_logits }),
        "sparse_categorical_crossentropy" => bare(Loss::SparseCategoricalCrossentropy { from_logits }),
        _ => Err(unknown(
            "loss",
            s,
            "mse, mae, huber(δ), binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy \
             (the cross-entropies also as NAME_from_logits)",
        )),
    }
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
        _ => Err(unknown("padding", s, "valid, same")),
    }
}

pub(crate) fn padding_name(p: &Padding) -> String {
    match p {
        Padding::Valid => "valid".into(),
        Padding::Same => "same".into(),
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
