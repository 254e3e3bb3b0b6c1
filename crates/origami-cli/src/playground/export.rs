//! Export of a playground network: its configuration as TOML and its trained
//! weights as safetensors.
//!
//! The TOML is a run config of `origami train`: the command's own config
//! type (`crate::config::Config`) filled from the playground's specs
//! (`Config::model_spec`, `Config::training_spec`) and serialized, so what
//! is written is exactly what `origami train` reads — no TOML is written by
//! hand. The schedule keeps its epochs (`per = "epoch"`), the run lasts
//! `schedule_epochs`, and what the format has no place for (the derived
//! input features) is said in a comment. Weights are encoded with
//! `origami::io::tensors_to_bytes` under the model's parameter names
//! (`layers.0.kernel`…).

use origami::Tensor;

use super::api::{Config, CUSTOM, PLATEAU};
use crate::config::{self as run, DataConfig, DataKind, ModelConfig, TaskName, TrainConfig};

fn toml_err(e: impl std::fmt::Display) -> String {
    format!("cannot write the configuration as TOML: {e}")
}

/// A serializable value as a TOML table (a layer, a plateau rule).
fn as_table<T: serde::Serialize>(v: &T) -> Result<toml::Table, String> {
    toml::Table::try_from(v).map_err(toml_err)
}

/// The configuration as an `origami train` config.
pub fn config_toml(cfg: &Config) -> Result<String, String> {
    let model = cfg.model_spec()?;
    let training = cfg.training_spec()?;
    let loss = serde_json::to_value(&training).map_err(toml_err)?["loss"].as_str().unwrap_or_default().to_string();
    let custom = cfg.dataset == CUSTOM;
    let data = DataConfig {
        kind: if custom { DataKind::Csv } else { DataKind::Synthetic },
        path: custom.then(|| "playground.csv".into()),
        target: custom.then(|| "label".into()),
        task: custom.then_some(if cfg.is_regression() { TaskName::Regression } else { TaskName::Classification }),
        name: (!custom).then(|| cfg.dataset.clone()),
        n: (!custom).then_some(cfg.points),
        noise: (!custom).then_some(cfg.noise as f32 / 100.0),
        classes: (!custom && matches!(cfg.dataset.as_str(), "blobs" | "spirals")).then_some(cfg.classes),
        test_fraction: Some(f64::from(100 - cfg.train_pct) / 100.0),
        train_limit: None,
        test_limit: None,
        standardize: Some(false),
        missing: None,
        columns: None,
        drop: None,
        max_one_hot: None,
    };
    let mut callbacks = run::CallbacksConfig::default();
    if let Some(p) = cfg.plateau()? {
        callbacks.reduce_lr_on_plateau = Some(run::PlateauConfig {
            monitor: "val_loss".into(),
            factor: p.factor,
            patience: p.patience,
            min_delta: p.min_delta,
            cooldown: p.cooldown,
            min_lr: p.min_lr,
        });
    }
    let file = run::Config {
        name: Some(format!("playground-{}", cfg.dataset)),
        seed: cfg.seed,
        output_dir: "runs".into(),
        data,
        model: ModelConfig {
            input_shape: Some(model.input_shape.clone()),
            layers: model.layers.iter().map(as_table).collect::<Result<_, _>>()?,
        },
        training: TrainConfig {
            loss: Some(loss),
            metrics: Some(training.metrics.iter().map(|m| m.0.clone()).collect()),
            epochs: cfg.schedule_epochs,
            batch_size: cfg.batch_size,
            validation_split: 0.0,
            shuffle: true,
            class_weight: None,
        },
        optimizer: training.optimizer,
        schedule: training.schedule,
        callbacks,
        tune: None,
    };
    let features = cfg.features_on();
    let mut t = String::new();
    t.push_str("# An origami network exported from `origami playground`; run it with `origami train CONFIG`.\n");
    t.push_str(&format!("# Playground: {} / {}, features {}.\n", cfg.problem, cfg.dataset, features.join(", ")));
    if features != ["x1", "x2"] {
        t.push_str("# Note: `origami train` feeds the raw (x1, x2); the playground's derived features\n");
        t.push_str(&format!(
            "# ({}) have no equivalent there, so input_shape below matches the\n",
            features.join(", ")
        ));
        t.push_str("# exported weights but not the data `origami train` loads.\n");
    }
    if custom {
        t.push_str("# data.path: your points as a CSV file with the columns x1,x2,label.\n");
    }
    if cfg.schedule == PLATEAU {
        t.push_str("# The playground's plateau rule watches the test loss; here it watches val_loss.\n");
    }
    t.push_str("# standardize = false: the playground trains on the raw coordinates.\n\n");
    t.push_str(&shortest_floats(&toml::to_string(&file).map_err(toml_err)?));
    Ok(t)
}

/// The TOML text with every float that is an f32 written as the shortest
/// decimal that reads back as that f32 (`0.03`, not serde's f64 widening
/// `0.029999999329447746`). Strings are left alone.
fn shortest_floats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some((_, e)) = chars.next() {
                    out.push(e);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
            continue;
        }
        let starts_number = c.is_ascii_digit() || (c == '-' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()));
        let after_word = out.chars().last().is_some_and(|p| p.is_alphanumeric() || p == '_');
        if !starts_number || after_word {
            out.push(c);
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let token = &text[i..end];
        let is_float = token.contains(['.', 'e', 'E']);
        match token.parse::<f64>() {
            Ok(v) if is_float && v.is_finite() && f64::from(v as f32) == v => {
                let short = format!("{:?}", v as f32);
                out.push_str(&short);
            }
            _ => out.push_str(token),
        }
    }
    out
}

/// Whether a TOML text is a run config that `origami train` accepts (for the tests).
#[cfg(test)]
fn reads_back(text: &str) -> Result<serde_json::Value, String> {
    // what `origami train` does with a config: parse, then resolve (every check)
    let table = run::parse_table(text, "playground.toml").map_err(|e| e.to_string())?;
    let resolved = run::resolve(table).map_err(|e| e.to_string())?;
    serde_json::to_value(&resolved.config).map_err(|e| e.to_string())
}

/// The parameters as the bytes of a safetensors file, encoded in memory:
/// the server writes nothing to disk (a planted file or symlink in a
/// temporary folder can be neither read nor overwritten through it).
pub fn weights_bytes(_session: u64, params: &[(String, Tensor)]) -> Result<Vec<u8>, String> {
    origami::io::tensors_to_bytes(params).map_err(|e| format!("cannot encode the weights: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_lists_every_layer_and_the_optimizer_and_reads_back() {
        let mut cfg = Config {
            layers: vec![8, 4],
            batch_norm: true,
            dropout: 0.1,
            regularization: "l2".into(),
            reg_rate: 0.001,
            optimizer: "adam".into(),
            schedule: "exponential_decay".into(),
            ..Config::default()
        };
        cfg.optimizer_options.insert("beta_1".into(), 0.8.into());
        cfg.schedule_options.insert("decay_rate".into(), 0.5.into());
        cfg.validate().unwrap();
        let t = config_toml(&cfg).unwrap();
        assert_eq!(t.matches("[[model.layers]]").count(), 3 + 2 + 2, "{t}");
        assert!(t.contains("type = \"adam\""), "{t}");
        assert!(t.contains("beta_1 = 0.8"), "{t}");
        assert!(t.contains("kernel_regularizer = \"l2(0.001)\""), "{t}");
        assert!(t.contains("per = \"epoch\""), "{t}");
        let back = reads_back(&t).unwrap();
        assert_eq!(back["data"]["name"], "circle");
        assert_eq!(back["schedule"]["type"], "exponential_decay");
        assert_eq!(back["training"]["loss"], "binary_crossentropy_from_logits");
        // The layers are the model spec's, bitwise.
        let layers: Vec<origami::spec::LayerSpec> = serde_json::from_value(back["model"]["layers"].clone()).unwrap();
        assert_eq!(layers, cfg.model_spec().unwrap().layers);
    }

    #[test]
    fn every_optimizer_and_schedule_exports_to_a_config_that_reads_back() {
        let presets = super::super::api::schedule_presets(0.03);
        for opt in origami::spec::OptimizerSpec::NAMES {
            for sched in origami::spec::ScheduleSpec::NAMES.iter().chain([&PLATEAU]) {
                let cfg = Config {
                    optimizer: (*opt).into(),
                    schedule: (*sched).into(),
                    schedule_options: presets[*sched].as_object().cloned().unwrap_or_default(),
                    dataset: "spirals".into(),
                    ..Config::default()
                };
                cfg.validate().unwrap();
                let back = reads_back(&config_toml(&cfg).unwrap()).unwrap_or_else(|e| panic!("{opt}/{sched}: {e}"));
                assert_eq!(back["optimizer"]["type"], *opt);
                assert_eq!(back["data"]["classes"], 3);
            }
        }
    }

    #[test]
    fn floats_are_written_short_and_strings_are_left_alone() {
        let t =
            "a = 0.029999999329447746\nb = \"0.029999999329447746\"\nc = [0.5, 100, -0.10000000149011612]\nd = 0.1\n";
        assert_eq!(shortest_floats(t), "a = 0.03\nb = \"0.029999999329447746\"\nc = [0.5, 100, -0.1]\nd = 0.1\n");
        assert_eq!(shortest_floats("e = 0.00000010000000116860974\n"), "e = 1e-7\n");
        // A float that is no f32 (an f64 test fraction) stays as it is.
        assert_eq!(shortest_floats("f = 0.1234567890123\n"), "f = 0.1234567890123\n");
        let v: toml::Table = shortest_floats("e = 0.00000010000000116860974\n").parse().unwrap();
        assert_eq!(v["e"].as_float().map(|x| x as f32), Some(1e-7f32));
    }

    #[test]
    fn weights_round_trip() {
        let t = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
        let bytes = weights_bytes(0, &[("layers.0.bias".into(), t)]).unwrap();
        assert!(bytes.len() > 8);
    }
}
