//! [`LayerSpec`]: one layer's kind and options, as data — the registry of
//! layers.
//!
//! Each variant wraps the layer's own config (`LayerSpec::Dense(DenseConfig)`),
//! which derives serde itself with Keras's option names and defaults, so a
//! Keras user can write `units`, `activation`, `kernel_size`, `padding`,
//! `kernel_regularizer` and be understood, and there is no second copy of
//! the options to drift. Unknown options are errors (`deny_unknown_fields`),
//! never silently ignored.
//!
//! The one `layers!` list below generates the enum (tagged by `type` with
//! Keras's class name, aliases kept), [`LayerSpec::kind`],
//! [`LayerSpec::KINDS`], [`LayerSpec::to_layer`], `validate`,
//! [`LayerSpec::deserialize_kind`] and [`LayerSpec::schema`]. A new layer is
//! its file under `nn/layers/` (layer, config with `validate`, tests) and
//! one line here.

use schemars::Schema;
use serde::de::{DeserializeOwned, Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use crate::nn::layers::Check;
use crate::nn::{
    Activation, ActivationConfig, AlphaDropout, AvgPool1D, AvgPool2D, BatchNormalization, BatchNormalizationConfig,
    Conv1D, Conv1DConfig, Conv2D, Conv2DConfig, Dense, DenseConfig, Dropout, DropoutConfig, Embedding, EmbeddingConfig,
    Flatten, GRUConfig, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    LSTMConfig, Layer, LayerNormalization, LayerNormalizationConfig, MaxPool1D, MaxPool2D, MultiHeadAttention,
    MultiHeadAttentionConfig, NoConfig, Pool1DConfig, PoolConfig, PositionalEncoding, PositionalEncodingConfig,
    Reshape, ReshapeConfig, SimpleRNN, SimpleRNNConfig, GRU, LSTM,
};

/// The registry: `Kind(Config) ["Alias", …] => constructor from the config;`
/// with the variant's one-line doc above it.
macro_rules! layers {
    ($(
        #[doc = $doc:literal]
        $kind:ident($config:ty) $([$($alias:literal),+])? => $make:expr;
    )+) => {
        /// One layer of a [`ModelSpec`](super::ModelSpec), tagged by `type`
        /// with Keras's class name (`{"type": "Dense", "units": 64}`); the
        /// options are the layer's config.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        #[allow(clippy::upper_case_acronyms)] // Keras's class names (LSTM, GRU)
        pub enum LayerSpec {
            $(
                #[doc = $doc]
                $($(#[serde(alias = $alias)])+)?
                $kind($config),
            )+
        }

        impl LayerSpec {
            /// Every accepted `type` name (aliases aside), in registry order.
            pub const KINDS: &'static [&'static str] = &[$(stringify!($kind)),+];

            /// Keras's class name of the layer (the `type` tag).
            pub fn kind(&self) -> &'static str {
                match self {
                    $(LayerSpec::$kind(_) => stringify!($kind),)+
                }
            }

            /// A new, unbuilt layer with these options.
            pub fn to_layer(&self) -> Box<dyn Layer> {
                match self {
                    $(LayerSpec::$kind(c) => Box::new(($make)(c.clone())),)+
                }
            }

            /// Checks the options serde cannot: `Err((option, message))`.
            pub(crate) fn validate(&self) -> Check {
                match self {
                    $(LayerSpec::$kind(c) => c.validate(),)+
                }
            }

            /// Deserializes the options of a layer of type `kind` from `d` (a
            /// map without the `type` key). Going through the variant's own
            /// config keeps a path-tracking deserializer's path intact down to
            /// the option (`layers[2].units`), which serde's buffered tagged
            /// enums lose. `kind` is matched ignoring case and underscores,
            /// with the aliases (`MaxPooling2D`).
            pub fn deserialize_kind<'de, D: Deserializer<'de>>(
                kind: &str,
                d: D,
            ) -> std::result::Result<LayerSpec, D::Error> {
                let k = loose(kind);
                $(
                    if k == loose(stringify!($kind)) $($(|| k == loose($alias))+)? {
                        return Ok(LayerSpec::$kind(<$config>::deserialize(d)?));
                    }
                )+
                Err(D::Error::custom(format!(
                    "unknown layer type {}; expected one of {}",
                    crate::quote(kind),
                    Self::KINDS.join(", ")
                )))
            }

            /// Every layer and its options as JSON, for a config reference or
            /// the playground: an array of
            /// `{"type", "aliases", "doc", "options": [{"name", "type",
            /// "required", "default"?, "names"?, "doc", "schema"}]}` in
            /// registry order, options in the config's order. `type` is a
            /// short form of the option's JSON Schema (`"integer"`,
            /// `"integer | [integer, integer]"`, `"string | null"`), `names`
            /// the table of [`names::reference`](super::names::reference)
            /// its strings come from (`"activations"`), `default` the value a
            /// config that leaves the option out gets (absent when the option
            /// is required; `null` for "none"), and `schema` the option's full
            /// JSON Schema (schemars).
            pub fn schema() -> Value {
                Value::Array(vec![$(
                    layer_schema::<$config>(stringify!($kind), &[$($($alias),+)?], $doc),
                )+])
            }
        }
    };
}

layers! {
    /// A fully connected layer on the last axis.
    Dense(DenseConfig) ["Linear"] => Dense::from_config;
    /// 2-D convolution on NHWC images.
    Conv2D(Conv2DConfig) ["Convolution2D"] => Conv2D::from_config;
    /// Max pooling over height and width.
    MaxPool2D(PoolConfig) ["MaxPooling2D"] => MaxPool2D::from_config;
    /// Average pooling over height and width.
    AvgPool2D(PoolConfig) ["AveragePooling2D"] => AvgPool2D::from_config;
    /// The mean of each channel over height and width.
    GlobalAveragePooling2D(NoConfig) => |_| GlobalAveragePooling2D::new();
    /// Each sample to one axis.
    Flatten(NoConfig) => |_| Flatten::new();
    /// Each sample to a new shape.
    Reshape(ReshapeConfig) => Reshape::from_config;
    /// Inverted dropout (identity at inference).
    Dropout(DropoutConfig) => Dropout::from_config;
    /// SELU-preserving dropout (Klambauer et al.).
    AlphaDropout(DropoutConfig) => AlphaDropout::from_config;
    /// Batch normalization over the last axis.
    BatchNormalization(BatchNormalizationConfig) ["BatchNorm"] => BatchNormalization::from_config;
    /// Layer normalization over the last axis.
    LayerNormalization(LayerNormalizationConfig) ["LayerNorm"] => LayerNormalization::from_config;
    /// An activation function as a layer.
    Activation(ActivationConfig) => |c: ActivationConfig| -> Activation { c.activation };
    /// A trainable table of vectors, one per token id.
    Embedding(EmbeddingConfig) => Embedding::from_config;
    /// Multi-head self-attention.
    MultiHeadAttention(MultiHeadAttentionConfig) => MultiHeadAttention::from_config;
    /// Sinusoidal positional encoding added to a sequence.
    PositionalEncoding(PositionalEncodingConfig) => PositionalEncoding::from_config;
    /// Long short-term memory over sequences (gates i, f, c, o).
    LSTM(LSTMConfig) => LSTM::from_config;
    /// Gated recurrent unit over sequences (gates z, r, h; reset after the product).
    GRU(GRUConfig) => GRU::from_config;
    /// Fully connected recurrent layer over sequences.
    SimpleRNN(SimpleRNNConfig) => SimpleRNN::from_config;
    /// The maximum of each channel over height and width.
    GlobalMaxPooling2D(NoConfig) ["GlobalMaxPool2D"] => |_| GlobalMaxPooling2D::new();
    /// 1-D convolution over sequences (valid, same or causal padding; dilation).
    Conv1D(Conv1DConfig) ["Convolution1D"] => Conv1D::from_config;
    /// Max pooling over the steps of a sequence.
    MaxPool1D(Pool1DConfig) ["MaxPooling1D"] => MaxPool1D::from_config;
    /// Average pooling over the steps of a sequence.
    AvgPool1D(Pool1DConfig) ["AveragePooling1D"] => AvgPool1D::from_config;
    /// The mean of each channel over the steps of a sequence.
    GlobalAveragePooling1D(NoConfig) ["GlobalAvgPool1D"] => |_| GlobalAveragePooling1D::new();
    /// The maximum of each channel over the steps of a sequence.
    GlobalMaxPooling1D(NoConfig) ["GlobalMaxPool1D"] => |_| GlobalMaxPooling1D::new();
}

/// Lower case without underscores: how `deserialize_kind` compares names.
fn loose(s: &str) -> String {
    s.chars().filter(|c| *c != '_').collect::<String>().to_lowercase()
}

/// One layer's entry of [`LayerSpec::schema`].
fn layer_schema<C: schemars::JsonSchema + DeserializeOwned>(kind: &str, aliases: &[&str], doc: &str) -> Value {
    let schema: Schema = schemars::schema_for!(C);
    let props = schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let options: Vec<Value> = field_names::<C>()
        .iter()
        .filter_map(|name| {
            let mut p = props.get(*name)?.as_object()?.clone();
            let doc = plain(p.remove("description").as_ref().and_then(Value::as_str).unwrap_or(""));
            let mut o = json!({
                "name": name,
                "type": type_name(&Value::Object(p.clone())),
                "required": required.contains(name),
                "doc": doc,
            });
            if let Some(d) = p.remove("default") {
                o["default"] = as_f32(d);
            } else if !required.contains(name) {
                o["default"] = Value::Null;
            }
            if let Some(n) = p.get("x-names") {
                o["names"] = n.clone();
            }
            o["schema"] = Value::Object(p);
            Some(o)
        })
        .collect();
    json!({"type": kind, "aliases": aliases, "doc": doc.trim(), "options": options})
}

/// A doc comment as one plain line: lines joined, rustdoc links
/// (`` [`x`](path) ``, `` [`x`] ``) reduced to their text.
fn plain(doc: &str) -> String {
    let joined = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(open) = rest.find("[`") {
        let Some(close) = rest[open..].find("`]").map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close + 1]);
        rest = &rest[close + 2..];
        if rest.starts_with('(') {
            rest = rest.find(')').map_or("", |c| &rest[c + 1..]);
        }
    }
    out.push_str(rest);
    out
}

/// Numbers that are f32 values widened to f64 (`0.9900000095367432`) written
/// as the f32 they are (`0.99`), as a config writes them.
fn as_f32(v: Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            let short: f64 = (x as f32).to_string().parse().unwrap_or(x);
            if (x as f32) as f64 == x {
                Value::from(short)
            } else {
                Value::from(x)
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(as_f32).collect()),
        other => other,
    }
}

/// A short, readable form of a JSON Schema's type.
fn type_name(s: &Value) -> String {
    let alternatives = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array);
    if let Some(alts) = alternatives {
        return alts.iter().map(type_name).collect::<Vec<_>>().join(" | ");
    }
    let one = |t: &str| -> String {
        if t != "array" {
            return t.to_string();
        }
        let item = s.get("items").map(type_name).unwrap_or_else(|| "any".into());
        match (s.get("minItems"), s.get("maxItems")) {
            (Some(a), Some(b)) if a == b && a.as_u64().is_some() => {
                format!("[{}]", vec![item; a.as_u64().unwrap_or(0) as usize].join(", "))
            }
            _ => format!("[{item}, …]"),
        }
    };
    match s.get("type") {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(one).collect::<Vec<_>>().join(" | "),
        _ => "any".into(),
    }
}

/// The field names of a derived struct `T`, in declaration order, from what
/// its `Deserialize` hands `deserialize_struct` (JSON objects, schemars's
/// included, do not keep that order). Public for the CLI's config reference,
/// which orders its own sections' keys the same way.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields;
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field names")
        }
    }
    impl std::error::Error for Found {}
    impl serde::de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }
    impl<'de> Deserializer<'de> for Fields {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    match T::deserialize(Fields) {
        Err(Found(f)) => f,
        Ok(_) => &[],
    }
}
