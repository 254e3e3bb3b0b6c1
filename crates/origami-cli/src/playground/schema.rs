//! `GET /api/schema`: every choice the page offers, with its defaults and
//! help text, from the library's registries.
//!
//! The page repeats no list of names: data sets come from
//! `origami::data::synthetic::SETS`, activations, initializers and
//! regularizers from `origami::spec::names`, optimizers (with their options,
//! defaults and update rules) from `OptimizerSpec::schema`, schedules from
//! `ScheduleSpec::schema`, and the help of every field of [`Config`] from
//! its doc comments. A name added to the library is on the page at the next
//! start of the server.

use origami::data::synthetic;
use origami::optim::PlateauConfig;
use origami::spec::{self, OptimizerSpec, ScheduleSpec};
use serde_json::{json, Value};

use super::api::{
    schedule_presets, Config, CONSTANT, CUSTOM, DEFAULT_INITIALIZER, FEATURES, MAX_CLASSES, MAX_CUSTOM_POINTS,
    MAX_LAYERS, MAX_NEURONS, MAX_POINTS, NO_REGULARIZATION, PLATEAU,
};

/// A name table of `origami::spec::names` as `[{name, signature, doc}]`.
fn names<T>(list: &[spec::names::Name<T>]) -> Vec<Value> {
    list.iter().map(|n| json!({"name": n.name, "signature": n.signature(), "doc": n.doc})).collect()
}

/// Each property's description in a schemars schema, by name.
fn descriptions(schema: &Value) -> Value {
    let props = schema["properties"].as_object().cloned().unwrap_or_default();
    props.into_iter().map(|(k, v)| (k, v["description"].clone())).collect::<serde_json::Map<_, _>>().into()
}

/// The plateau rule as one more schedule entry, its options from its config.
fn plateau_entry() -> Value {
    let schema = schemars::schema_for!(PlateauConfig).to_value();
    let defaults = serde_json::to_value(PlateauConfig::default()).unwrap_or(Value::Null);
    let options: Vec<Value> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.as_str() != "mode")
        .map(|(name, p)| {
            json!({"name": name, "type": p["type"], "default": defaults[name], "description": p["description"]})
        })
        .collect();
    json!({
        "type": PLATEAU,
        "aliases": [],
        "description": "Keras's ReduceLROnPlateau on the test loss: η ← η·factor after `patience` epochs \
                        without an improvement larger than min_delta.",
        "options": options,
    })
}

/// The whole schema (see the module doc).
pub fn schema() -> Value {
    let config = schemars::schema_for!(Config).to_value();
    let mut datasets: Vec<Value> = synthetic::SETS.iter().map(|s| json!(s)).collect();
    // a small picture of each set for its button: 150 points, no noise
    for d in &mut datasets {
        let name = d["name"].as_str().unwrap_or_default().to_string();
        if let Ok(set) = synthetic::by_name(&name, 150, 3, 0.0, &mut origami::Rng::seed(1)) {
            let (x, y) = (set.x().to_vec(), set.y().to_vec());
            let pts: Vec<[f32; 3]> = x.chunks_exact(2).zip(y).map(|(p, t)| [p[0], p[1], t]).collect();
            d["preview"] = json!(pts);
        }
    }
    for regression in [false, true] {
        datasets.push(json!({
            "name": CUSTOM, "title": "Your data", "takes_classes": false, "regression": regression,
            "doc": "Your own points, one x1,x2,label per line."
        }));
    }
    let mut initializers = vec![json!({
        "name": DEFAULT_INITIALIZER, "signature": DEFAULT_INITIALIZER,
        "doc": "The layer's own choice from the activation: He for the ReLU family, LeCun for SELU, Glorot uniform otherwise."
    })];
    // Initializers that need an argument (constant(value)) have no place in a list of choices.
    let usable: Vec<_> =
        spec::names::initializers().iter().filter(|i| i.args.iter().all(|a| a.default.is_some())).copied().collect();
    initializers.extend(names(&usable));
    let mut regularizers =
        vec![json!({"name": NO_REGULARIZATION, "signature": NO_REGULARIZATION, "doc": "No penalty."})];
    regularizers.extend(names(spec::names::regularizers()));
    let mut schedules: Vec<Value> = ScheduleSpec::schema()["schedules"].as_array().cloned().unwrap_or_default();
    schedules.push(plateau_entry());
    let defaults = Config::default();
    // through the text form: f32s at their shortest (0.03), not widened to f64
    let defaults_json: Value =
        serde_json::to_string(&defaults).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
    json!({
        "defaults": defaults_json,
        "help": descriptions(&config),
        "features": FEATURES,
        "datasets": datasets,
        "activations": names(spec::names::activations()),
        "initializers": initializers,
        "regularizers": regularizers,
        "optimizers": OptimizerSpec::schema()["optimizers"],
        "schedules": schedules,
        "constant_schedule": CONSTANT,
        "schedule_presets": schedule_presets(defaults.learning_rate),
        "limits": {
            "layers": MAX_LAYERS, "neurons": MAX_NEURONS, "points": MAX_POINTS,
            "custom_points": MAX_CUSTOM_POINTS, "classes": MAX_CLASSES,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_lists_the_library_and_documents_every_field() {
        let s = schema();
        let names = |k: &str, key: &str| -> Vec<String> {
            s[k].as_array().unwrap().iter().map(|v| v[key].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names("optimizers", "type"), OptimizerSpec::NAMES);
        assert!(names("optimizers", "type").contains(&"lion".to_string()));
        for o in s["optimizers"].as_array().unwrap() {
            assert!(!o["rule"].as_str().unwrap().is_empty(), "{o}");
        }
        let schedules = names("schedules", "type");
        assert_eq!(&schedules[..6], ScheduleSpec::NAMES);
        assert_eq!(schedules[6], PLATEAU);
        assert!(names("activations", "name").contains(&"leaky_relu".to_string()));
        assert!(names("datasets", "name").contains(&"regress_gaussian".to_string()));
        assert_eq!(s["datasets"][0]["preview"].as_array().unwrap().len(), 150);
        // Every config field has help text, and the defaults are the config's.
        let fields = spec::field_names::<Config>();
        for f in fields {
            assert!(s["help"][f].as_str().is_some_and(|d| !d.is_empty()), "no help for {f}");
        }
        let back: Config = serde_json::from_value(s["defaults"].clone()).unwrap();
        assert_eq!(back, Config::default());
        assert_eq!(s["defaults"]["learning_rate"], json!(0.03), "f32s at their shortest");
        // The plateau's options are its config's.
        let plateau = &s["schedules"][6]["options"];
        assert!(plateau.as_array().unwrap().iter().any(|o| o["name"] == "patience" && o["default"] == 10));
    }
}
