//! `origami config --reference`: the config reference, generated.
//!
//! Every section's keys, types, defaults and docs come from the config
//! structs of `config.rs` (schemars reads their doc comments and serde
//! attributes); layers, optimizers, schedules and the name tables come from
//! the library's registries (`LayerSpec::schema`, `OptimizerSpec::schema`,
//! `ScheduleSpec::schema`, `names::reference`). docs/config.md is this
//! command's output, and a test fails when the two differ, so the reference
//! cannot drift from the code. Output is deterministic: registry and field
//! order, no timestamps.

use clap::Args;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use origami::spec::{field_names, LayerSpec, OptimizerSpec, ScheduleSpec};

use crate::config::{
    CallbacksConfig, CheckpointConfig, Config, DataConfig, EarlyStoppingConfig, ModelConfig, PlateauConfig,
    TrainConfig, TuneConfig,
};
use crate::error::{CliError, CliResult};

/// Prints the config reference.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  origami config --reference > docs/config.md
  origami config --reference --json")]
pub struct ConfigArgs {
    /// Print every section and key with its type, default, allowed values and doc (markdown).
    #[arg(long)]
    pub reference: bool,
    /// The reference as one JSON document instead of markdown.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ConfigArgs) -> CliResult<()> {
    if !args.reference && !args.json {
        return Err(CliError::usage("origami config: pass --reference (markdown) or --json."));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reference_json()).unwrap_or_default());
    } else {
        print!("{}", reference_markdown());
    }
    Ok(())
}

/// The metrics `[training] metrics` accepts, as `origami::spec::resolve_metric`
/// reads them (a test checks the two agree).
pub const METRICS: [(&str, &str, &str); 12] = [
    ("accuracy", "acc", "Binary, categorical or sparse accuracy, chosen by the loss (as Keras)."),
    ("binary_accuracy", "", "Share of outputs on the right side of 0.5."),
    ("categorical_accuracy", "", "Share of samples whose largest output is the one-hot label's."),
    ("sparse_accuracy", "sparse_categorical_accuracy", "Share of samples whose largest output is the integer label."),
    ("top_k(K)", "top_k_accuracy(K), top_K_accuracy", "Share of samples whose label is among the K largest outputs."),
    ("auc", "roc_auc", "ROC AUC (binary), or one-vs-rest macro AUC for k classes, as scikit-learn's roc_auc_score."),
    ("f1_macro", "macro_f1", "F1 of each class, averaged with equal weights (scikit-learn's average=\"macro\")."),
    (
        "log_loss",
        "",
        "Mean −ln p of the true class, probabilities clipped to [ε, 1 − ε], ε = 2⁻²³ (scikit-learn's log_loss).",
    ),
    ("mae", "mean_absolute_error", "Mean absolute error."),
    ("mse", "mean_squared_error", "Mean squared error."),
    ("rmse", "", "Root of the mean squared error."),
    ("r2", "", "Coefficient of determination (1 is perfect)."),
];

/// The config's sections: (heading, the struct's keys).
fn sections() -> Vec<(&'static str, Value)> {
    vec![
        ("top level", keys::<Config>()),
        ("[data]", keys::<DataConfig>()),
        ("[model]", keys::<ModelConfig>()),
        ("[training]", keys::<TrainConfig>()),
        ("[callbacks]", keys::<CallbacksConfig>()),
        ("[callbacks.early_stopping]", keys::<EarlyStoppingConfig>()),
        ("[callbacks.reduce_lr_on_plateau]", keys::<PlateauConfig>()),
        ("[callbacks.checkpoint]", keys::<CheckpointConfig>()),
        ("[tune]", keys::<TuneConfig>()),
    ]
}

/// The whole reference as JSON: `{"sections": [{"section", "keys": [{"name",
/// "type", "required", "default"?, "allowed"?, "names"?, "doc"}]}], "layers",
/// "optimizers", "schedules", "names", "metrics"}`.
pub fn reference_json() -> Value {
    let sections: Vec<Value> = sections().into_iter().map(|(s, k)| json!({"section": s, "keys": k})).collect();
    let metrics: Vec<Value> = METRICS.iter().map(|(n, a, d)| json!({"signature": n, "aliases": a, "doc": d})).collect();
    json!({
        "sections": sections,
        "layers": LayerSpec::schema(),
        "optimizers": OptimizerSpec::schema(),
        "schedules": ScheduleSpec::schema(),
        "names": origami::spec::names::reference(),
        "metrics": metrics,
    })
}

/// The keys of a config struct, in its declaration order.
fn keys<T: JsonSchema + DeserializeOwned>() -> Value {
    let schema = schemars::schema_for!(T).to_value();
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let keys: Vec<Value> = field_names::<T>()
        .iter()
        .map(|name| {
            let p = &schema["properties"][*name];
            let (ty, allowed) = describe(p, &defs);
            let mut k = json!({"name": name, "type": ty, "required": required.contains(name), "doc": one_line(p)});
            if let Some(d) = p.get("default") {
                k["default"] = d.clone();
            }
            if !allowed.is_empty() {
                k["allowed"] = allowed.into();
            }
            if let Some(n) = p.get("x-names") {
                k["names"] = n.clone();
            }
            k
        })
        .collect();
    Value::Array(keys)
}

/// A property's type in words and its allowed values (enum variants).
fn describe(p: &Value, defs: &Value) -> (String, Vec<Value>) {
    if let Some(r) = p.get("$ref").and_then(Value::as_str) {
        let def = &defs[r.rsplit('/').next().unwrap_or("")];
        return describe(def, defs);
    }
    if let Some(any) = p.get("anyOf").or_else(|| p.get("oneOf")).and_then(Value::as_array) {
        let consts: Vec<Value> = any.iter().filter_map(|v| v.get("const").cloned()).collect();
        if consts.len() == any.len() {
            return ("string".into(), consts);
        }
        let non_null: Vec<&Value> = any.iter().filter(|v| v["type"] != "null").collect();
        if let [one] = non_null.as_slice() {
            return describe(one, defs);
        }
    }
    let allowed = p["enum"].as_array().cloned().unwrap_or_default().into_iter().filter(|v| !v.is_null()).collect();
    let ty = match &p["type"] {
        Value::Array(ts) => ts.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        t => t.clone(),
    };
    let word = match ty.as_str() {
        Some("object") => "table".to_string(),
        Some("array") => match p.get("items") {
            Some(items) if items.get("properties").is_some() || items["type"] == "object" => "array of tables".into(),
            Some(items) => format!("array of {}", describe(items, defs).0),
            None => "array".into(),
        },
        Some(t) => t.to_string(),
        None if p.get("properties").is_some() => "table".into(),
        None => "any".into(),
    };
    (word, allowed)
}

/// A property's doc comment as one line (its first paragraph).
fn one_line(p: &Value) -> String {
    let d = p["description"].as_str().unwrap_or("");
    d.split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value as TOML would spell it: f32 defaults at their shortest
/// (0.1, not 0.10000000149011612), none for null.
fn toml_value(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            let short = x as f32;
            if f64::from(short) == x {
                format!("{short:?}")
            } else {
                format!("{x:?}")
            }
        }
        Value::Array(a) => format!("[{}]", a.iter().map(toml_value).collect::<Vec<_>>().join(", ")),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

/// A markdown table cell: no pipes or newlines.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The name table a key's strings come from, as a link to its heading.
fn names_link(table: &str) -> String {
    let mut t = table.to_string();
    if let Some(f) = t.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    format!("see [{t}](#{table})")
}

fn allowed_cell(k: &Value) -> String {
    if let Some(n) = k["names"].as_str() {
        return names_link(n);
    }
    let vals: Vec<String> =
        k["allowed"].as_array().into_iter().flatten().map(|v| format!("`{}`", toml_value(v))).collect();
    vals.join(", ")
}

fn default_cell(k: &Value) -> String {
    if k["required"] == true {
        return "required".into();
    }
    match k.get("default") {
        // a section's defaults are listed under its own heading
        Some(Value::Object(_)) => "see its section".into(),
        Some(d) => format!("`{}`", toml_value(d)),
        None => "none".into(),
    }
}

/// The reference as markdown (docs/config.md).
pub fn reference_markdown() -> String {
    let r = reference_json();
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line("# Config reference");
    line("");
    line("<!-- Generated by `origami config --reference`; do not edit. scripts/test.sh and");
    line("     crates/origami-cli/tests/config_reference.rs fail when this file is stale. -->");
    line("");
    line("A run config is a TOML file (`origami train CONFIG`, `summary`, `lr-find`, `tune`).");
    line("Unknown keys are errors naming their path. Examples: `examples/*.toml`.");
    line("A default of `none` means the key is optional and unset unless given.");
    line("");
    line("## Sections");
    for s in r["sections"].as_array().into_iter().flatten() {
        line("");
        line(&format!("### {}", s["section"].as_str().unwrap_or("")));
        line("");
        line("| key | type | default | allowed | doc |");
        line("|---|---|---|---|---|");
        for k in s["keys"].as_array().into_iter().flatten() {
            line(&format!(
                "| `{}` | {} | {} | {} | {} |",
                k["name"].as_str().unwrap_or(""),
                cell(k["type"].as_str().unwrap_or("")),
                cell(&default_cell(k)),
                cell(&allowed_cell(k)),
                cell(k["doc"].as_str().unwrap_or("")),
            ));
        }
    }
    layers_md(&r["layers"], &mut line);
    optimizers_md(&r["optimizers"], &mut line);
    schedules_md(&r["schedules"], &mut line);
    names_md(&r["names"], &r["metrics"], &mut line);
    out
}

fn layers_md(layers: &Value, line: &mut impl FnMut(&str)) {
    line("");
    line("## Layers");
    line("");
    line("Each `[[model.layers]]` table has a `type` (any case; aliases accepted) and these options.");
    for l in layers.as_array().into_iter().flatten() {
        line("");
        line(&format!("### {}", l["type"].as_str().unwrap_or("")));
        line("");
        let aliases = join_strs(&l["aliases"]);
        let also = if aliases.is_empty() { String::new() } else { format!(" Also: {aliases}.") };
        line(&format!("{}{also}", l["doc"].as_str().unwrap_or("")));
        let options = l["options"].as_array().cloned().unwrap_or_default();
        if options.is_empty() {
            line("");
            line("No options.");
            continue;
        }
        line("");
        line("| option | type | default | allowed | doc |");
        line("|---|---|---|---|---|");
        for o in &options {
            let allowed = match o["names"].as_str() {
                Some(n) => names_link(n),
                None => o["schema"]["enum"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| format!("`{}`", toml_value(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            line(&format!(
                "| `{}` | {} | {} | {} | {} |",
                o["name"].as_str().unwrap_or(""),
                cell(o["type"].as_str().unwrap_or("")),
                cell(&default_cell(o)),
                cell(&allowed),
                cell(o["doc"].as_str().unwrap_or("")),
            ));
        }
    }
}

fn optimizers_md(o: &Value, line: &mut impl FnMut(&str)) {
    line("");
    line("## Optimizers");
    line("");
    line("`[optimizer]` takes a `type` (default `adam`; any case, aliases accepted), that optimizer's options");
    line("and at most one clipping key.");
    for opt in o["optimizers"].as_array().into_iter().flatten() {
        line("");
        line(&format!("### {}", opt["type"].as_str().unwrap_or("")));
        line("");
        let aliases = join_strs(&opt["aliases"]);
        let also = if aliases.is_empty() { String::new() } else { format!(" Also: {aliases}.") };
        line(&format!("{}{also}", opt["description"].as_str().unwrap_or("")));
        line(&format!("Update: {}", opt["rule"].as_str().unwrap_or("")));
        if let Some(m) = opt["momentum"].as_str() {
            line(&format!("The one_cycle schedule drives `{m}` as its momentum."));
        }
        line("");
        line("| option | type | default | doc |");
        line("|---|---|---|---|");
        for p in opt["options"].as_array().into_iter().flatten() {
            line(&format!(
                "| `{}` | {} | `{}` | {} |",
                p["name"].as_str().unwrap_or(""),
                cell(&type_word(&p["type"])),
                toml_value(&p["default"]),
                cell(p["description"].as_str().unwrap_or("")),
            ));
        }
    }
    line("");
    line("### Clipping (every optimizer)");
    line("");
    line("| option | type | default | doc |");
    line("|---|---|---|---|");
    for c in o["clipping"].as_array().into_iter().flatten() {
        line(&format!(
            "| `{}` | {} | none | {} |",
            c["name"].as_str().unwrap_or(""),
            cell(&type_word(&c["type"])),
            cell(c["description"].as_str().unwrap_or("")),
        ));
    }
}

fn schedules_md(s: &Value, line: &mut impl FnMut(&str)) {
    line("");
    line("## Schedules");
    line("");
    line("`[schedule]` takes a `type`, that schedule's options and the common `per`. Options left out");
    line("default as their docs say (lengths: the whole run; rates: the optimizer's learning rate).");
    let common: Vec<Value> = s["common"].as_array().cloned().unwrap_or_default();
    for sch in s["schedules"].as_array().into_iter().flatten() {
        line("");
        line(&format!("### {}", sch["type"].as_str().unwrap_or("")));
        line("");
        let aliases = join_strs(&sch["aliases"]);
        let also = if aliases.is_empty() { String::new() } else { format!(" Also: {aliases}.") };
        line(&format!("{}{also}", one_line(sch)));
        line("");
        line("| option | type | doc |");
        line("|---|---|---|");
        for p in sch["options"].as_array().into_iter().flatten().chain(&common) {
            line(&format!(
                "| `{}` | {} | {} |",
                p["name"].as_str().unwrap_or(""),
                cell(&type_word(&p["type"])),
                cell(&one_line(p)),
            ));
        }
    }
}

fn names_md(names: &Value, metrics: &Value, line: &mut impl FnMut(&str)) {
    line("");
    line("## Names");
    line("");
    line("Options that take a function name use call syntax: `\"relu\"`, `\"leaky_relu(0.1)\"`, `\"l2(1e-4)\"`;");
    line("arguments left out take the defaults shown.");
    for table in ["activations", "initializers", "regularizers", "constraints", "losses"] {
        line("");
        let mut title = table.to_string();
        if let Some(f) = title.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        line(&format!("### {title}"));
        line("");
        line("| name | aliases | doc |");
        line("|---|---|---|");
        for n in names[table].as_array().into_iter().flatten() {
            line(&format!(
                "| `{}` | {} | {} |",
                n["signature"].as_str().unwrap_or(""),
                cell(&join_strs(&n["aliases"])),
                cell(n["doc"].as_str().unwrap_or("")),
            ));
        }
    }
    line("");
    line("### Metrics");
    line("");
    line("| name | aliases | doc |");
    line("|---|---|---|");
    for m in metrics.as_array().into_iter().flatten() {
        line(&format!(
            "| `{}` | {} | {} |",
            m["signature"].as_str().unwrap_or(""),
            cell(m["aliases"].as_str().unwrap_or("")),
            cell(m["doc"].as_str().unwrap_or("")),
        ));
    }
}

/// `["a", "b"]` → "`a`, `b`".
fn join_strs(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON Schema `type` (a string or a list with null) as one word.
fn type_word(t: &Value) -> String {
    match t {
        Value::Array(ts) => {
            ts.iter().filter(|t| *t != "null").filter_map(Value::as_str).collect::<Vec<_>>().join(" | ")
        }
        Value::String(s) => s.clone(),
        _ => "any".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_type_and_a_doc() {
        for (section, keys) in sections() {
            let keys = keys.as_array().unwrap();
            assert!(!keys.is_empty(), "{section}");
            for k in keys {
                assert!(k["doc"].as_str().is_some_and(|d| !d.is_empty()), "{section}: {k}");
                assert!(k["type"].as_str().is_some_and(|t| t != "any"), "{section}: {k}");
            }
        }
    }

    #[test]
    fn defaults_and_allowed_values_come_from_the_code() {
        let s = sections();
        let find = |sec: &str, key: &str| {
            let keys = &s.iter().find(|(n, _)| *n == sec).unwrap().1;
            keys.as_array().unwrap().iter().find(|k| k["name"] == key).unwrap().clone()
        };
        assert_eq!(find("[training]", "batch_size")["default"], TrainConfig::default().batch_size);
        assert_eq!(find("[data]", "kind")["allowed"], json!(["mnist", "csv", "synthetic"]));
        assert_eq!(find("[data]", "kind")["required"], true);
        assert_eq!(find("[data]", "name")["allowed"], json!(origami::data::synthetic::NAMES));
        assert_eq!(find("[tune]", "method")["allowed"], json!(["grid", "random"]));
        assert_eq!(find("top level", "output_dir")["default"], "runs");
        let md = reference_markdown();
        assert!(md.contains("| `factor` | number | `0.1` |"), "{md}");
        assert!(md.contains("\n### lion\n"), "every registered optimizer is listed");
        assert_eq!(md, reference_markdown(), "deterministic");
    }

    #[test]
    fn every_synthetic_name_loads() {
        for name in origami::data::synthetic::NAMES {
            let text = format!("[data]\nkind = \"synthetic\"\nname = \"{name}\"\nn = 40\n");
            let r = crate::config::resolve(crate::config::parse_table(&text, "t").unwrap()).unwrap();
            crate::data::load(&r.config.data, 0).unwrap_or_else(|e| panic!("{name}: {}", e.message));
        }
    }

    #[test]
    fn the_metrics_table_is_what_resolve_metric_accepts() {
        use origami::nn::Loss;
        let loss = Loss::SparseCategoricalCrossentropy { from_logits: true };
        let Err(e) = origami::spec::resolve_metric("nope", &loss) else { panic!("accepted") };
        let listed = e.split("expected one of ").nth(1).unwrap().replace('\n', " ");
        let listed: Vec<String> = listed.split(',').map(|s| s.split_whitespace().collect::<String>()).collect();
        let ours: Vec<String> = METRICS.iter().map(|m| m.0.to_string()).collect();
        assert_eq!(listed, ours);
        for (name, aliases, _) in METRICS {
            for n in std::iter::once(name).chain(aliases.split(", ").filter(|a| !a.is_empty())) {
                let n = n.replace("(K)", "(3)").replace("_K_", "_3_");
                origami::spec::resolve_metric(&n, &loss).unwrap_or_else(|e| panic!("{n}: {e}"));
            }
        }
    }
}
