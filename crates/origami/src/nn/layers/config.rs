//! What the layers' configs share: the checks behind their `validate`
//! methods, the written form of a size pair, and the config of a layer that
//! has no options.
//!
//! A config's `validate` returns `Err((option, message))` rather than an
//! [`Error`] so that the caller can put its own key path in front
//! (`layers[2].units: expected a positive integer, found 0`); a layer's
//! `build` turns the same check into an [`Error`] naming the layer
//! ([`invalid`]), so a config built in Rust and one read from a file are held
//! to one rule.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

use crate::Error;

/// The outcome of a config's `validate`: `Err((option, message))`.
pub type Check = std::result::Result<(), (&'static str, String)>;

/// A layer's build error for a config that fails its `validate`.
pub(crate) fn invalid(kind: &'static str, (option, msg): (&'static str, String)) -> Error {
    Error::arg(kind, format!("{option}: {msg}"))
}

/// `v` must be positive (a size that Keras requires and has no default for
/// is 0 in `Default`, so leaving it out is this error).
pub(crate) fn positive(option: &'static str, v: usize) -> Check {
    if v == 0 {
        return Err((option, "expected a positive integer, found 0".into()));
    }
    Ok(())
}

/// Both sizes of a pair must be positive.
pub(crate) fn positive_pair(option: &'static str, v: (usize, usize)) -> Check {
    if v.0 == 0 || v.1 == 0 {
        return Err((option, format!("expected positive sizes, found [{}, {}]", v.0, v.1)));
    }
    Ok(())
}

/// A probability-like rate in [0, 1).
pub(crate) fn rate(option: &'static str, r: f32) -> Check {
    if !(0.0..1.0).contains(&r) {
        return Err((option, format!("expected a number in [0, 1), found {r}")));
    }
    Ok(())
}

/// A positive, finite number (an ε).
pub(crate) fn positive_number(option: &'static str, v: f32) -> Check {
    if !(v.is_finite() && v > 0.0) {
        return Err((option, format!("expected a positive number, found {v}")));
    }
    Ok(())
}

/// The config of a layer without options (Flatten, GlobalAveragePooling2D):
/// written as nothing but the layer's `type`; any option is an error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoConfig {}

impl NoConfig {
    /// Nothing to check.
    pub fn validate(&self) -> Check {
        Ok(())
    }
}

/// A size pair written as one integer (`3`, Keras's shorthand for `[3, 3]`)
/// or two (`[3, 2]`); written back as two.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a positive integer or a list of two")]
enum PairRepr {
    One(usize),
    Two([usize; 2]),
}

impl From<PairRepr> for (usize, usize) {
    fn from(p: PairRepr) -> Self {
        match p {
            PairRepr::One(a) => (a, a),
            PairRepr::Two([a, b]) => (a, b),
        }
    }
}

/// `#[serde(with = "pair")]`: a `(usize, usize)` as `3` or `[3, 2]`.
pub(crate) mod pair {
    use super::*;
    pub fn serialize<S: Serializer>(v: &(usize, usize), s: S) -> Result<S::Ok, S::Error> {
        [v.0, v.1].serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(usize, usize), D::Error> {
        PairRepr::deserialize(d).map(Into::into)
    }
}

/// `#[serde(with = "opt_pair")]`: an optional size pair.
pub(crate) mod opt_pair {
    use super::*;
    pub fn serialize<S: Serializer>(v: &Option<(usize, usize)>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|v| [v.0, v.1]).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(usize, usize)>, D::Error> {
        Ok(Option::<PairRepr>::deserialize(d)?.map(Into::into))
    }
}

/// The JSON Schema of a size pair as [`pair`] reads it.
pub(crate) struct PairSchema;

impl JsonSchema for PairSchema {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "SizePair".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 2}
            ]
        })
    }
}

/// For the schema of a config whose `Default` holds 0 for the options Keras
/// requires (`#[schemars(transform = …)]` with a function calling this):
/// lists them as required, without the placeholder default (which
/// `validate` rejects).
pub(crate) fn required(schema: &mut Schema, options: &[&str]) {
    if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for o in options {
            if let Some(p) = props.get_mut(*o).and_then(|p| p.as_object_mut()) {
                p.remove("default");
            }
        }
    }
    let list: Vec<serde_json::Value> = options.iter().map(|o| serde_json::Value::from(*o)).collect();
    schema.insert("required".into(), serde_json::Value::Array(list));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_one_or_two_integers() {
        #[derive(Deserialize, Serialize)]
        struct P {
            #[serde(with = "pair")]
            k: (usize, usize),
        }
        let p: P = serde_json::from_str(r#"{"k": 3}"#).unwrap();
        assert_eq!(p.k, (3, 3));
        let p: P = serde_json::from_str(r#"{"k": [3, 2]}"#).unwrap();
        assert_eq!(p.k, (3, 2));
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"k":[3,2]}"#);
        assert!(serde_json::from_str::<P>(r#"{"k": [1, 2, 3]}"#).is_err());
        assert!(serde_json::from_str::<NoConfig>(r#"{"x": 1}"#).is_err());
    }

    #[test]
    fn checks_name_the_option() {
        assert_eq!(positive("units", 0).unwrap_err(), ("units", "expected a positive integer, found 0".into()));
        assert!(positive("units", 1).is_ok());
        assert!(positive_pair("strides", (1, 0)).unwrap_err().1.contains("[1, 0]"));
        assert!(rate("rate", 1.0).is_err() && rate("rate", 0.0).is_ok());
        assert!(positive_number("epsilon", 0.0).is_err() && positive_number("epsilon", f32::NAN).is_err());
        let e = invalid("Dense", positive("units", 0).unwrap_err()).to_string();
        assert!(e.contains("Dense") && e.contains("units: expected a positive integer"), "{e}");
    }
}
