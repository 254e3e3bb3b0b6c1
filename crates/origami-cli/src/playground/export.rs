//! Export of a playground network: its configuration as TOML and its trained
//! weights as safetensors.
//!
//! The TOML is a run config of `origami train` (crates/origami-cli/src/config.rs):
//! `[data]` (the synthetic set), `[model]` with `[[model.layers]]` tagged by
//! Keras's `type` and options in call syntax (`"l2(0.001)"`), `[training]`,
//! `[optimizer]` and `[schedule]` (per epoch, as the playground schedules).
//! What that format has no place for (the derived input features) is said
//! in a comment. Weights are encoded with `origami::io::tensors_to_bytes` under the
//! model's parameter names (`layers.0.kernel`…).

use std::fmt::Write as _;

use origami::Tensor;

use super::api::{Config, FEATURES};

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn f(v: f32) -> String {
    // TOML floats need a decimal point or an exponent.
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// The configuration as an `origami train` config (crates/origami-cli/src/config.rs).
pub fn config_toml(cfg: &Config) -> String {
    let mut t = String::new();
    let features: Vec<&str> = FEATURES.iter().copied().filter(|x| cfg.features.iter().any(|g| g == x)).collect();
    let w = &mut t;
    let _ = writeln!(w, "# An origami network exported from `origami playground`; run it with `origami train CONFIG`.");
    let _ = writeln!(w, "# Playground: {} / {}, features {}.", cfg.problem, cfg.dataset, features.join(", "));
    if features != ["x1", "x2"] {
        let _ = writeln!(w, "# Note: `origami train` feeds the raw (x1, x2); the playground's derived features");
        let _ = writeln!(w, "# ({}) have no equivalent there, so input_shape below matches the", features.join(", "));
        let _ = writeln!(w, "# exported weights but not the data `origami train` loads.");
    }
    let _ = writeln!(w, "name = \"playground-{}\"", cfg.dataset);
    let _ = writeln!(w, "seed = {}", cfg.seed);
    let _ = writeln!(w, "\n[data]");
    let name = match cfg.dataset.as_str() {
        "gauss" => "gaussian",
        "plane" => "regress_plane",
        "multigauss" => "regress_gaussian",
        other => other,
    };
    if cfg.dataset == "custom" {
        let _ = writeln!(w, "kind = \"csv\"\npath = \"playground.csv\"   # your points, columns x1,x2,label");
        let _ = writeln!(w, "target = \"label\"\ntask = {}", q(&cfg.problem));
    } else {
        let _ = writeln!(w, "kind = \"synthetic\"\nname = {}\nn = {}", q(name), cfg.points);
        let _ = writeln!(w, "noise = {}", f(cfg.noise as f32 / 100.0));
        if matches!(cfg.dataset.as_str(), "blobs" | "spirals") {
            let _ = writeln!(w, "classes = {}", cfg.classes);
        }
    }
    let _ = writeln!(w, "test_fraction = {}", f((100 - cfg.train_pct) as f32 / 100.0));
    let _ = writeln!(w, "standardize = false   # the playground trains on the raw coordinates");
    let _ = writeln!(w, "\n[model]\ninput_shape = [{}]", features.len());
    let reg = match cfg.regularization.as_str() {
        "l1" if cfg.reg_rate > 0.0 => Some(format!("l1({})", cfg.reg_rate)),
        "l2" if cfg.reg_rate > 0.0 => Some(format!("l2({})", cfg.reg_rate)),
        _ => None,
    };
    let dense = |w: &mut String, units: usize, act: &str| {
        let _ = writeln!(w, "\n[[model.layers]]\ntype = \"Dense\"\nunits = {units}\nactivation = {}", q(act));
        if cfg.initializer != "default" {
            let _ = writeln!(w, "kernel_initializer = {}", q(&cfg.initializer));
        }
        if let Some(r) = &reg {
            let _ = writeln!(w, "kernel_regularizer = {}", q(r));
        }
    };
    let act = match cfg.activation.as_str() {
        "leaky_relu" => "leaky_relu(0.01)".to_string(),
        "elu" => "elu(1)".to_string(),
        other => other.to_string(),
    };
    for &units in &cfg.layers {
        dense(w, units, &act);
        if cfg.batch_norm {
            let _ = writeln!(w, "\n[[model.layers]]\ntype = \"BatchNormalization\"");
        }
        if cfg.dropout > 0.0 {
            let _ = writeln!(w, "\n[[model.layers]]\ntype = \"Dropout\"\nrate = {}", f(cfg.dropout));
        }
    }
    let classes = cfg.num_classes();
    dense(w, if classes > 2 { classes } else { 1 }, "linear");
    let loss = if cfg.is_regression() {
        "mse"
    } else if classes > 2 {
        "sparse_categorical_crossentropy_from_logits"
    } else {
        "binary_crossentropy_from_logits"
    };
    let _ = writeln!(w, "\n[training]\nloss = {}", q(loss));
    let _ = writeln!(w, "metrics = [{}]", if cfg.is_regression() { "\"mae\"" } else { "\"accuracy\"" });
    // 1cycle spans the whole run in origami: the run is the page's cycle.
    let epochs = if cfg.schedule == "onecycle" { cfg.decay_epochs } else { 100 };
    let _ = writeln!(w, "epochs = {epochs}\nbatch_size = {}\nshuffle = true", cfg.batch_size);
    let _ = writeln!(w, "\n[optimizer]");
    let (kind, momentum, nesterov) = match cfg.optimizer.as_str() {
        "sgd" => ("sgd", None, None),
        "momentum" => ("sgd", Some(cfg.momentum), Some(false)),
        "nesterov" => ("sgd", Some(cfg.momentum), Some(true)),
        other => (other, None, None),
    };
    let _ = writeln!(w, "type = {}", q(kind));
    let _ = writeln!(w, "learning_rate = {}", f(cfg.learning_rate));
    if let (Some(m), Some(n)) = (momentum, nesterov) {
        let _ = writeln!(w, "momentum = {}\nnesterov = {n}", f(m));
    }
    match kind {
        "adam" | "adamw" | "adamax" | "nadam" => {
            let _ = writeln!(w, "beta_1 = {}\nbeta_2 = {}\nepsilon = {}", f(cfg.beta1), f(cfg.beta2), f(cfg.epsilon));
            if kind == "adam" || kind == "adamw" {
                let _ = writeln!(w, "amsgrad = {}", cfg.amsgrad);
            }
            if kind == "adamw" {
                let _ = writeln!(w, "weight_decay = {}", f(cfg.weight_decay));
            }
        }
        "rmsprop" => {
            let _ = writeln!(w, "rho = {}\nepsilon = {}\ncentered = {}", f(cfg.rho), f(cfg.epsilon), cfg.centered);
        }
        "adagrad" => {
            let _ = writeln!(w, "epsilon = {}", f(cfg.epsilon));
        }
        _ => {}
    }
    let lr = cfg.learning_rate;
    let (r, s) = (cfg.decay_rate, cfg.decay_epochs);
    let schedule = match cfg.schedule.as_str() {
        "power" => Some(format!("type = \"power_decay\"\ndecay_steps = {s}\npower = {}", f(cfg.power))),
        "exponential" => Some(format!("type = \"exponential_decay\"\ndecay_steps = {s}\ndecay_rate = {}", f(r))),
        "piecewise" => Some(format!(
            "type = \"piecewise_constant\"\nboundaries = [{s}, {}]\nvalues = [{}, {}, {}]",
            2 * s,
            f(lr),
            f(lr * r),
            f(lr * r * r)
        )),
        // (the page's decay follows its warm-up; origami's decay_steps include it)
        "cosine" => Some(format!(
            "type = \"cosine_decay\"\ndecay_steps = {}\nwarmup_steps = {}",
            s + cfg.warmup_epochs,
            cfg.warmup_epochs
        )),
        "onecycle" => Some(format!("type = \"one_cycle\"\nmax_lr = {}", f(lr))),
        _ => None,
    };
    if let Some(body) = schedule {
        let _ = writeln!(w, "\n[schedule]\nper = \"epoch\"\n{body}");
    }
    if cfg.schedule == "plateau" {
        let _ = writeln!(w, "\n[callbacks.reduce_lr_on_plateau]\nmonitor = \"val_loss\"");
        let _ = writeln!(w, "factor = {}\npatience = {}", f(cfg.decay_rate.min(0.99)), cfg.patience);
    }
    t
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
    fn toml_lists_every_layer_and_the_optimizer() {
        let cfg = Config {
            layers: vec![8, 4],
            batch_norm: true,
            dropout: 0.1,
            regularization: "l2".into(),
            reg_rate: 0.001,
            optimizer: "adam".into(),
            schedule: "exponential".into(),
            ..Config::default()
        };
        let t = config_toml(&cfg);
        assert_eq!(t.matches("[[model.layers]]").count(), 3 + 2 + 2);
        assert!(t.contains("type = \"adam\""));
        assert!(t.contains("kernel_regularizer = \"l2(0.001)\""));
        assert!(t.contains("[schedule]\nper = \"epoch\"\ntype = \"exponential_decay\""));
        // It parses as TOML.
        let table: toml::Table = t.parse().unwrap();
        assert_eq!(table["data"]["name"].as_str(), Some("circle"));
    }

    /// What the page exports is a config the command accepts, whatever the
    /// optimizer and schedule, and its schedule builds for the run.
    #[test]
    fn every_export_is_a_valid_config() {
        use super::super::api::{OPTIMIZERS, SCHEDULES};
        for optimizer in OPTIMIZERS {
            for schedule in SCHEDULES {
                for (warmup_epochs, decay_epochs) in [(10, 100), (10, 5), (0, 1)] {
                    let cfg = Config {
                        optimizer: optimizer.into(),
                        schedule: schedule.into(),
                        warmup_epochs,
                        decay_epochs,
                        ..Config::default()
                    };
                    let t = config_toml(&cfg);
                    let what = format!("{optimizer}, {schedule}, warm-up {warmup_epochs}, decay {decay_epochs}:\n{t}");
                    let table = crate::config::parse_table(&t, "playground.toml").unwrap();
                    let r = crate::config::resolve(table).unwrap_or_else(|e| panic!("{what}\n{}", e.message));
                    let Some(s) = &r.config.schedule else { continue };
                    let built = s.build(0.01, r.config.training.epochs);
                    // (a cycle of one epoch cannot rise and fall, on the page either)
                    if schedule != "onecycle" || decay_epochs > 1 {
                        built.unwrap_or_else(|e| panic!("{what}\n{e}"));
                    }
                }
            }
        }
    }

    #[test]
    fn weights_round_trip() {
        let t = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
        let bytes = weights_bytes(0, &[("layers.0.bias".into(), t)]).unwrap();
        assert!(bytes.len() > 8);
    }
}
