//! [`OptimizerSpec`]: the optimizer of a training spec, as data — and the
//! one registry of optimizers.
//!
//! Every optimizer's config derives serde itself (Keras's option names and
//! defaults, `deny_unknown_fields`) and a JSON schema; the spec wraps the
//! configs instead of mirroring their fields. The [`optimizers!`] invocation
//! below is the only list of them: it generates [`OptimizerConfig`], its
//! names, its parsing, its building and [`OptimizerSpec::schema`], so a new
//! optimizer is its file in `optim/` plus one line here.
//!
//! A config reads `[optimizer] type = "adam"  learning_rate = 3e-3`, with
//! Keras's clipping keys (`clipnorm`, `clipvalue`, `global_clipnorm`) beside
//! any optimizer's options. Serde's tagged enums buffer their content and
//! lose the key path, so [`OptimizerSpec::deserialize_kind`] reads the
//! options of a known type straight into its config (a path-tracking
//! deserializer then reports `optimizer.beta_1: …`); the plain `Deserialize`
//! (for `architecture.json`) buffers, reads `type`, and calls it.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::optim::{
    AdaGradConfig, AdaMaxConfig, AdamConfig, AdamWConfig, Clip, Driver, Invalid, LionConfig, NadamConfig, Optimizer,
    RmsPropConfig, Rule, SgdConfig,
};

/// Generates [`OptimizerConfig`] and everything that lists the optimizers.
macro_rules! optimizers {
    ($($variant:ident($config:ident) = $name:literal $(| $alias:literal)*,)*) => {
        /// Which optimizer, with its options: one variant per optimizer,
        /// wrapping that optimizer's own config.
        #[derive(Clone, Debug, PartialEq)]
        pub enum OptimizerConfig {
            $(
                #[doc = concat!("`type = \"", $name, "\"`: [`", stringify!($config), "`].")]
                $variant($config),
            )*
        }

        impl OptimizerConfig {
            /// Every optimizer's `type`, in the registry's order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The `type` of this optimizer.
            pub fn name(&self) -> &'static str {
                match self {
                    $(OptimizerConfig::$variant(_) => $name,)*
                }
            }

            /// The optimizer called `name` (or an alias, any case) with Keras's defaults.
            pub fn named(name: &str) -> Option<OptimizerConfig> {
                Some(match canonical(name)? {
                    $($name => OptimizerConfig::$variant($config::default()),)*
                    _ => return None,
                })
            }

            fn rule(&self) -> &dyn AnyRule {
                match self {
                    $(OptimizerConfig::$variant(c) => c,)*
                }
            }

            fn rule_mut(&mut self) -> &mut dyn AnyRule {
                match self {
                    $(OptimizerConfig::$variant(c) => c,)*
                }
            }

            fn serialize_with<S: Serializer>(&self, clip: Option<Clip>, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(OptimizerConfig::$variant(c) => Flat::new($name, c, clip).serialize(s),)*
                }
            }

            fn deserialize_options<'de, A: MapAccess<'de>>(
                name: &'static str,
                map: A,
            ) -> Result<(Self, Option<Clip>), A::Error> {
                let mut options = Options { map, owner: name, fields: &[], clip: None };
                let config = match name {
                    $($name => {
                        options.fields = fields::<$config>();
                        OptimizerConfig::$variant($config::deserialize(MapAccessDeserializer::new(&mut options))?)
                    })*
                    _ => return Err(de::Error::custom(format!("unknown optimizer {}", crate::quote(name)))),
                };
                Ok((config, options.clip))
            }

            fn entries() -> Vec<Value> {
                vec![$(entry::<$config>($name, &[$($alias),*]),)*]
            }
        }

        $(
            impl From<$config> for OptimizerSpec {
                fn from(config: $config) -> Self {
                    OptimizerSpec { config: OptimizerConfig::$variant(config), clip: None }
                }
            }
        )*

        /// The registry name for `name`: itself, or the one it is an alias of (any case).
        fn canonical(name: &str) -> Option<&'static str> {
            let n = name.to_ascii_lowercase();
            $(if n == $name $(|| n == $alias)* {
                return Some($name);
            })*
            None
        }
    };
}

// The registry: `Variant(Config) = "type" | "alias", …`.
optimizers! {
    Sgd(SgdConfig) = "sgd",
    Adam(AdamConfig) = "adam",
    AdamW(AdamWConfig) = "adamw" | "adam_w",
    RmsProp(RmsPropConfig) = "rmsprop" | "rms_prop",
    AdaGrad(AdaGradConfig) = "adagrad" | "ada_grad",
    AdaMax(AdaMaxConfig) = "adamax" | "ada_max",
    Nadam(NadamConfig) = "nadam",
    Lion(LionConfig) = "lion",
}

/// The clipping keys accepted beside every optimizer's options, with their docs.
const CLIP_KEYS: [(&str, &str); 3] = [
    ("clipnorm", "Rescale each parameter's gradient to L2 norm at most this (Keras's clipnorm)."),
    ("clipvalue", "Clamp every gradient component to [−c, c] (Keras's clipvalue)."),
    ("global_clipnorm", "Rescale all gradients together to global L2 norm at most this (Keras's global_clipnorm)."),
];

fn clip_key(c: Clip) -> &'static str {
    match c {
        Clip::Norm(_) => CLIP_KEYS[0].0,
        Clip::Value(_) => CLIP_KEYS[1].0,
        Clip::GlobalNorm(_) => CLIP_KEYS[2].0,
    }
}

/// An optimizer and its hyperparameters, and the gradient clipping applied before its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerSpec {
    /// The optimizer (`type`) and its options.
    pub config: OptimizerConfig,
    /// `clipnorm`, `clipvalue` or `global_clipnorm` (at most one).
    pub clip: Option<Clip>,
}

impl Default for OptimizerSpec {
    /// Adam with Keras's defaults.
    fn default() -> Self {
        OptimizerSpec::from(AdamConfig::default())
    }
}

/// Gradient clipping chosen in an [`OptimizerSpec`].
pub type ClipSpec = Clip;

impl OptimizerSpec {
    /// Every optimizer's `type`, in the registry's order.
    pub const NAMES: &'static [&'static str] = OptimizerConfig::NAMES;

    /// The optimizer called `name` (or an alias such as `adam_w`, any case)
    /// with its (Keras's) defaults and no clipping.
    pub fn named(name: &str) -> Option<OptimizerSpec> {
        Some(OptimizerSpec { config: OptimizerConfig::named(name)?, clip: None })
    }

    /// The optimizer's `type`.
    pub fn name(&self) -> &'static str {
        self.config.name()
    }

    /// η, the learning rate the optimizer starts from.
    pub fn learning_rate(&self) -> f32 {
        self.config.rule().learning_rate()
    }

    /// Sets η.
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.config.rule_mut().set_learning_rate(lr)
    }

    /// This spec with η = `lr`.
    pub fn with_learning_rate(mut self, lr: f32) -> Self {
        self.set_learning_rate(lr);
        self
    }

    /// Checks the numbers: `Err((field, message))`, e.g.
    /// `("beta_1", "expected a number in [0, 1), found 1.5")`. A spec's
    /// learning rate must be positive.
    pub fn validate(&self) -> Result<(), Invalid> {
        let lr = self.learning_rate();
        if !(lr.is_finite() && lr > 0.0) {
            return Err(("learning_rate", format!("expected a positive number, found {lr}")));
        }
        self.config.rule().validate()?;
        if let Some(c) = self.clip {
            let b = c.bound();
            if !(b.is_finite() && b > 0.0) {
                return Err((clip_key(c), format!("expected a positive number, found {b}")));
            }
        }
        Ok(())
    }

    /// The optimizer, clipping if a clip is set. Call [`validate`](Self::validate)
    /// first for a readable error: bad values fail at the first step.
    pub fn build(&self) -> Box<dyn Optimizer> {
        self.config.rule().build(self.clip)
    }

    /// Reads the options of an optimizer whose `type` is `kind` (the map
    /// without its `type` key): the config's own fields plus the clipping
    /// keys. An option the optimizer does not have is an error raised at its
    /// key ("adam has no option rho (it takes: …)"), so that a path-tracking
    /// deserializer names it.
    pub fn deserialize_kind<'de, D: Deserializer<'de>>(kind: &str, d: D) -> Result<OptimizerSpec, D::Error> {
        let Some(name) = canonical(kind) else {
            return Err(de::Error::custom(format!(
                "unknown optimizer {}; expected one of {}",
                crate::quote(kind),
                Self::NAMES.join(", ")
            )));
        };
        d.deserialize_map(KindVisitor(name))
    }

    /// Every optimizer with its options, as JSON, for references and UIs:
    ///
    /// ```json
    /// {"optimizers": [{"type": "adam", "aliases": [], "description": "Adam (…): …",
    ///                  "rule": "m ← β₁m + (1 − β₁)∇J; …", "momentum": "beta_1",
    ///                  "options": [{"name": "learning_rate", "type": "number",
    ///                               "default": 0.001, "description": "η, …"}, …],
    ///                  "json_schema": {…}}, …],
    ///  "clipping": [{"name": "clipnorm", "type": "number", "description": "…"}, …]}
    /// ```
    ///
    /// `description` is the first paragraph of the config's doc comment,
    /// each option's that of its field; `rule` is the update in one line;
    /// `momentum` names the option 1cycle
    /// drives (or is null); `json_schema` is the config's full JSON schema.
    pub fn schema() -> Value {
        let clipping: Vec<Value> =
            CLIP_KEYS.iter().map(|(name, doc)| json!({"name": name, "type": "number", "description": doc})).collect();
        json!({"optimizers": OptimizerConfig::entries(), "clipping": clipping})
    }
}

/// One optimizer's entry of [`OptimizerSpec::schema`].
fn entry<C: Rule + schemars::JsonSchema>(name: &str, aliases: &[&str]) -> Value {
    let schema = schemars::schema_for!(C).to_value();
    let defaults = serde_json::to_value(C::default()).unwrap_or(Value::Null);
    let properties = &schema["properties"];
    let options: Vec<Value> = fields::<C>()
        .iter()
        .map(|f| {
            json!({
                "name": f,
                "type": properties[f]["type"],
                "default": shortest(&defaults[f]),
                "description": first_paragraph(properties[f]["description"].as_str().unwrap_or("")),
            })
        })
        .collect();
    // The field 1cycle drives: the one whose value is the momentum.
    let d = C::default();
    let mut probe = d.clone();
    probe.set_momentum(0.123_456);
    let probed = serde_json::to_value(&probe).unwrap_or(Value::Null);
    let momentum = fields::<C>().iter().find(|f| probed[**f] != defaults[**f]).copied();
    json!({
        "type": name,
        "aliases": aliases,
        "description": first_paragraph(schema["description"].as_str().unwrap_or("")),
        "rule": C::FORMULA,
        "momentum": momentum,
        "options": options,
        "json_schema": schema,
    })
}

/// An f32 default as the shortest decimal that reads back as it (0.001,
/// not 0.0010000000474974513); other values as they are.
fn shortest(v: &Value) -> Value {
    match v.as_f64() {
        Some(x) if v.is_f64() => format!("{}", x as f32).parse::<f64>().map_or(v.clone(), Value::from),
        _ => v.clone(),
    }
}

/// The first paragraph of a doc comment, on one line.
fn first_paragraph(doc: &str) -> String {
    doc.split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the spec needs of a rule, object-safe.
trait AnyRule {
    fn learning_rate(&self) -> f32;
    fn set_learning_rate(&mut self, lr: f32);
    fn validate(&self) -> Result<(), Invalid>;
    fn build(&self, clip: Option<Clip>) -> Box<dyn Optimizer>;
}

impl<R: Rule> AnyRule for R {
    fn learning_rate(&self) -> f32 {
        Rule::learning_rate(self)
    }
    fn set_learning_rate(&mut self, lr: f32) {
        Rule::set_learning_rate(self, lr)
    }
    fn validate(&self) -> Result<(), Invalid> {
        Rule::validate(self)
    }
    fn build(&self, clip: Option<Clip>) -> Box<dyn Optimizer> {
        let driver = Driver::new(self.clone());
        Box::new(match clip {
            Some(c) => driver.with_clip(c),
            None => driver,
        })
    }
}

// ----- serde -------------------------------------------------------------

/// What a spec serializes as: `type`, the config's fields, the clipping key.
#[derive(Serialize)]
struct Flat<'a, C: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    config: &'a C,
    #[serde(skip_serializing_if = "Option::is_none")]
    clipnorm: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    clipvalue: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    global_clipnorm: Option<f32>,
}

impl<'a, C: Serialize> Flat<'a, C> {
    fn new(kind: &'static str, config: &'a C, clip: Option<Clip>) -> Self {
        let of = |key: &str| clip.filter(|&c| clip_key(c) == key).map(|c| c.bound());
        Flat {
            kind,
            config,
            clipnorm: of("clipnorm"),
            clipvalue: of("clipvalue"),
            global_clipnorm: of("global_clipnorm"),
        }
    }
}

impl Serialize for OptimizerSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.config.serialize_with(self.clip, s)
    }
}

impl<'de> Deserialize<'de> for OptimizerSpec {
    /// Buffers the table, takes `type` (default `"adam"`) and reads the rest
    /// with [`OptimizerSpec::deserialize_kind`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = serde_json::Map::<String, Value>::deserialize(d)?;
        let kind = match map.remove("type") {
            None => "adam".to_string(),
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "type: expected an optimizer name such as \"adam\", found {other}"
                )))
            }
        };
        OptimizerSpec::deserialize_kind(&kind, Value::Object(map)).map_err(de::Error::custom)
    }
}

struct KindVisitor(&'static str);

impl<'de> Visitor<'de> for KindVisitor {
    type Value = OptimizerSpec;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the options of optimizer {}", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OptimizerSpec, A::Error> {
        let (config, clip) = OptimizerConfig::deserialize_options(self.0, map)?;
        Ok(OptimizerSpec { config, clip })
    }
}

/// An optimizer's options as its config's derive sees them: unknown keys
/// are refused at the key, and the clipping keys are taken out on the way.
struct Options<A> {
    map: A,
    owner: &'static str,
    fields: &'static [&'static str],
    clip: Option<Clip>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Options<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key_seed(KeySeed { owner: self.owner, fields: self.fields })? else {
                return Ok(None);
            };
            if CLIP_KEYS.iter().any(|(k, _)| *k == key) {
                let bound = self.map.next_value_seed(ClipSeed(self.clip))?;
                self.clip = Some(match key.as_str() {
                    "clipnorm" => Clip::Norm(bound),
                    "clipvalue" => Clip::Value(bound),
                    _ => Clip::GlobalNorm(bound),
                });
                continue;
            }
            return seed.deserialize(de::value::StringDeserializer::new(key)).map(Some);
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key of an optimizer's table: one of its fields or a clipping key.
struct KeySeed {
    owner: &'static str,
    fields: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an option name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if self.fields.contains(&v) || CLIP_KEYS.iter().any(|(k, _)| *k == v) {
            return Ok(v.to_string());
        }
        Err(E::custom(format!(
            "{} has no option {v} (it takes: {}; and clipnorm, clipvalue or global_clipnorm)",
            self.owner,
            self.fields.join(", ")
        )))
    }
}

/// A clipping bound; a second clipping key is refused at its key.
struct ClipSeed(Option<Clip>);

impl<'de> DeserializeSeed<'de> for ClipSeed {
    type Value = f32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<f32, D::Error> {
        let v = f32::deserialize(d)?;
        match self.0 {
            Some(c) => Err(de::Error::custom(format!(
                "set at most one of clipnorm, clipvalue and global_clipnorm ({} is set too)",
                clip_key(c)
            ))),
            None => Ok(v),
        }
    }
}

/// A config's field names in declaration order, as its serde derive lists them.
fn fields<C: DeserializeOwned>() -> &'static [&'static str] {
    match C::deserialize(FieldCatcher) {
        Err(Caught(Some(fields))) => fields,
        _ => &[],
    }
}

/// A deserializer that only records the fields a struct asks for.
struct FieldCatcher;

#[derive(Debug)]
struct Caught(Option<&'static [&'static str]>);

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("only a struct's field names are read")
    }
}

impl std::error::Error for Caught {}

impl de::Error for Caught {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Caught(None)
    }
}

impl<'de> Deserializer<'de> for FieldCatcher {
    type Error = Caught;
    fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Caught> {
        Err(Caught(None))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, Caught> {
        Err(Caught(Some(fields)))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<OptimizerSpec, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_name_and_alias_parses_builds_and_round_trips() {
        for (name, alias) in
            [("adamw", "adam_w"), ("rmsprop", "rms_prop"), ("adagrad", "ada_grad"), ("adamax", "ada_max")]
        {
            assert_eq!(parse(&format!("{{\"type\": \"{alias}\"}}")).unwrap().name(), name);
        }
        assert_eq!(parse("{\"type\": \"AdamW\"}").unwrap().name(), "adamw");
        assert_eq!(parse("{}").unwrap(), OptimizerSpec::default());
        for &name in OptimizerSpec::NAMES {
            let mut spec = OptimizerSpec::named(name).unwrap().with_learning_rate(0.02);
            spec.clip = Some(Clip::GlobalNorm(2.0));
            assert_eq!(spec.validate(), Ok(()));
            let opt = spec.build();
            assert_eq!((opt.name(), opt.learning_rate()), (name, 0.02));
            let json = serde_json::to_string(&spec).unwrap();
            assert!(json.starts_with(&format!("{{\"type\":\"{name}\",\"learning_rate\":0.02")), "{json}");
            assert!(json.ends_with(",\"global_clipnorm\":2.0}"), "{json}");
            assert_eq!(parse(&json).unwrap(), spec);
        }
    }

    #[test]
    fn old_files_parse_and_defaults_are_the_configs() {
        let s = parse("{\"type\": \"adam\", \"learning_rate\": 0.003, \"amsgrad\": true, \"clipnorm\": 1.0}").unwrap();
        let want = AdamConfig { learning_rate: 0.003, amsgrad: true, ..Default::default() };
        assert_eq!(s, OptimizerSpec { config: OptimizerConfig::Adam(want), clip: Some(Clip::Norm(1.0)) });
        let s = parse("{\"type\": \"sgd\", \"momentum\": 0.9, \"nesterov\": true, \"clipvalue\": 0.5}").unwrap();
        assert_eq!(s.clip, Some(Clip::Value(0.5)));
        assert_eq!(s.learning_rate(), 0.01);
        assert_eq!(OptimizerSpec::named("lion").unwrap().learning_rate(), 0.001);
        assert_eq!(OptimizerSpec::named("adamax").unwrap().learning_rate(), AdaMaxConfig::default().learning_rate);
    }

    #[test]
    fn bad_options_are_errors_naming_them() {
        let e = parse("{\"type\": \"adam\", \"rho\": 0.9}").unwrap_err();
        assert!(
            e.starts_with("adam has no option rho (it takes: learning_rate, beta_1, beta_2, epsilon, amsgrad;"),
            "{e}"
        );
        let e = parse("{\"type\": \"adamm\"}").unwrap_err();
        assert!(e.contains("unknown optimizer \"adamm\"; expected one of sgd, adam, adamw"), "{e}");
        let e = parse("{\"type\": \"sgd\", \"clipnorm\": 1, \"global_clipnorm\": 1}").unwrap_err();
        assert!(e.contains("set at most one of clipnorm, clipvalue and global_clipnorm"), "{e}");
        assert!(parse("{\"type\": 3}").unwrap_err().contains("type: expected an optimizer name"));
        assert!(parse("{\"beta_1\": \"big\"}").is_err());
        let bad = |json: &str| parse(json).unwrap().validate().unwrap_err();
        assert_eq!(bad("{\"beta_1\": 1.5}"), ("beta_1", "expected a number in [0, 1), found 1.5".into()));
        assert_eq!(bad("{\"learning_rate\": 0}"), ("learning_rate", "expected a positive number, found 0".into()));
        assert_eq!(bad("{\"type\": \"lion\", \"weight_decay\": -1}").0, "weight_decay");
        assert_eq!(bad("{\"clipnorm\": -1}"), ("clipnorm", "expected a positive number, found -1".into()));
    }

    #[test]
    fn the_schema_lists_every_optimizer_with_options_defaults_and_docs() {
        let schema = OptimizerSpec::schema();
        let list = schema["optimizers"].as_array().unwrap();
        let names: Vec<&str> = list.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(names, OptimizerSpec::NAMES);
        assert!(names.contains(&"lion"));
        for o in list {
            let options = o["options"].as_array().unwrap();
            assert_eq!(options[0]["name"], "learning_rate", "{o}");
            for opt in options {
                assert!(opt["type"] == "number" || opt["type"] == "boolean", "{opt}");
                assert!(!opt["default"].is_null() && !opt["description"].as_str().unwrap().is_empty(), "{opt}");
            }
            assert!(o["description"].as_str().unwrap().len() > 20, "{o}");
        }
        let adam = &list[1];
        assert_eq!(adam["momentum"], "beta_1");
        assert_eq!(adam["options"][4]["name"], "amsgrad");
        assert_eq!(adam["options"][4]["default"], false);
        assert_eq!(adam["options"][0]["default"], 0.001);
        assert_eq!(adam["options"][3]["default"], 1e-7);
        assert!(adam["description"].as_str().unwrap().starts_with("Adam (Kingma & Ba 2015)"), "{adam}");
        assert_eq!(list[0]["momentum"], "momentum");
        assert_eq!(list[4]["momentum"], Value::Null, "adagrad has none");
        assert_eq!(list[2]["aliases"], json!(["adam_w"]));
        assert_eq!(schema["clipping"].as_array().unwrap().len(), 3);
    }
}
