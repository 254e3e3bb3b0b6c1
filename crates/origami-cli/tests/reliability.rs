//! The command under hostile input (issue #15): sizes refused before they
//! are allocated, files that do not fit the model refused with their place,
//! and the exit-code contract (2 usage or config, 3 bad data, 4 failed run).
//! Each test here failed before its fix.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{ok, origami, temp};

/// Runs `origami ARGS` under a 3 GB address-space limit (`ulimit -v`), so
/// that an allocation past what the limits allow aborts rather than pages.
fn bounded(args: &[&str], cwd: &Path) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 3000000; exec '{}' {}", env!("CARGO_BIN_EXE_origami"), quoted.join(" ")))
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .output()
        .expect("run origami")
}

/// The exit code and stderr of a run that must fail with `code`.
fn fails(out: Output, code: i32, args: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args}: {err}");
    assert!(!err.contains("panicked") && err.lines().count() <= 3, "{args}: {err}");
    err
}

const CIRCLE: &str = r#"
name = "circle"
seed = 3
[data]
kind = "synthetic"
name = "circle"
n = 200
noise = 0.05
[[model.layers]]
type = "Dense"
units = 8
activation = "tanh"
[[model.layers]]
type = "Dense"
units = 2
[training]
epochs = 2
batch_size = 16
"#;

/// Two classes named "left" and "right" in the columns a, b.
fn named_classes_csv(path: &Path) {
    let mut s = String::from("a,b,label\n");
    for i in 0..60 {
        let c = if i % 2 == 0 { "left" } else { "right" };
        s.push_str(&format!("{}.5,{}.25,{c}\n", i % 7, i % 5));
    }
    std::fs::write(path, s).unwrap();
}

/// A config asking for a billion units, a hundred billion points or a
/// billion-unit model to summarise is an error naming the key, not an abort.
#[test]
fn oversized_configs_are_config_errors_not_aborts() {
    let d = temp("sizes");
    let cases = [
        ("units = 8", "units = 1000000000", "model.layers[0]"),
        ("n = 200", "n = 100000000000", "data"),
        (
            "[training]",
            "[[model.layers]]\ntype = \"Embedding\"\ninput_dim = 1000000000\noutput_dim = 8\n[training]",
            "model.layers[2]",
        ),
    ];
    for (from, to, key) in cases {
        std::fs::write(d.join("big.toml"), CIRCLE.replacen(from, to, 1)).unwrap();
        for cmd in ["train", "summary"] {
            let err = fails(bounded(&[cmd, "big.toml"], &d), 2, to);
            assert!(err.contains(key) && err.contains("limit"), "{cmd} {to}: {err}");
        }
    }
    std::fs::remove_dir_all(&d).ok();
}

/// `architecture.json` edited to a billion units: predict refuses it from
/// the weights file's size, before building (it used to take 23 GB).
#[test]
fn an_edited_architecture_is_refused_before_building() {
    let d = temp("arch");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    ok(&["train", "c.toml", "--out", "run", "--quiet"], &d);
    std::fs::write(d.join("in.csv"), "x1,x2\n0.1,0.2\n").unwrap();
    let arch = std::fs::read_to_string(d.join("run/architecture.json")).unwrap();
    for units in ["100000", "1000000000"] {
        let edited = arch.replacen("\"units\": 8", &format!("\"units\": {units}"), 1);
        assert_ne!(edited, arch);
        std::fs::write(d.join("run/architecture.json"), edited).unwrap();
        let err = fails(bounded(&["predict", "run", "in.csv"], &d), 3, units);
        assert!(err.contains("architecture.json") && err.contains("layers[0]"), "{err}");
    }
    // class names that do not match the outputs are refused too
    let edited = arch.replacen("\"class_names\": [", "\"class_names\": [\"extra\", ", 1);
    assert_ne!(edited, arch);
    std::fs::write(d.join("run/architecture.json"), edited).unwrap();
    let err = fails(origami(&["predict", "run", "in.csv"], &d), 3, "class_names");
    assert!(err.contains("preprocessing.class_names: has 3 names"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

/// NaN weights (an edited or damaged file) are refused naming the file and
/// the tensor; evaluate and predict used to print NaN and exit 0.
#[test]
fn non_finite_weights_are_refused() {
    let d = temp("nan-weights");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    ok(&["train", "c.toml", "--out", "run", "--quiet"], &d);
    let path = d.join("run/weights.safetensors");
    let mut w = std::fs::read(&path).unwrap();
    let header = u64::from_le_bytes(w[..8].try_into().unwrap()) as usize;
    w[8 + header..8 + header + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&path, w).unwrap();
    std::fs::write(d.join("in.csv"), "x1,x2\n0.1,0.2\n").unwrap();
    for args in [&["predict", "run", "in.csv"][..], &["evaluate", "run", "c.toml"], &["summary", "run"]] {
        let err = fails(origami(args, &d), 3, &args.join(" "));
        assert!(err.contains("weights.safetensors") && err.contains("layers.") && err.contains("NaN"), "{err}");
    }
    std::fs::remove_dir_all(&d).ok();
}

/// predict needs no target column; evaluate reads it as the model's class
/// names; bad cells (NaN, inf, 1e309), duplicate names and short rows are
/// errors naming the file, line and column (exit 3).
#[test]
fn predict_and_evaluate_read_files_as_training_does() {
    let d = temp("inputs");
    named_classes_csv(&d.join("two.csv"));
    ok(&["train", "--csv", "two.csv", "--target", "label", "--out", "cls", "--quiet", "--epochs", "3"], &d);
    let full = ok(&["predict", "cls", "two.csv"], &d);
    // no target column, or targets that are empty or `?`: the same predictions
    let text = std::fs::read_to_string(d.join("two.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    let without: String = rows.iter().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    std::fs::write(d.join("features.csv"), &without).unwrap();
    assert_eq!(ok(&["predict", "cls", "features.csv"], &d), full);
    let unknown: String = rows
        .iter()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l}\n"),
            _ => format!("{},{}\n", l.rsplit_once(',').unwrap().0, if i % 2 == 0 { "?" } else { "" }),
        })
        .collect();
    std::fs::write(d.join("unknown.csv"), &unknown).unwrap();
    assert_eq!(ok(&["predict", "cls", "unknown.csv"], &d), full);
    // "NaN" is a missing marker: filled with the training median
    std::fs::write(d.join("gap.csv"), "a,b,label\n1,NaN,left\n").unwrap();
    assert!(ok(&["predict", "cls", "gap.csv"], &d).starts_with("prediction,p_left,p_right\n"));
    let cases: &[(&str, &[&str], &str)] = &[
        ("a,b,label\n1,inf,left\n", &["evaluate"], "line 2, column 2 (\"b\"): \"inf\" is not a finite number"),
        ("a,b\n1e309,1\n", &["predict"], "line 2, column 1 (\"a\"): \"1e309\" is not a finite number"),
        ("a,b,label\n1,2,1\n", &["evaluate"], "line 2, column 3 (\"label\"): \"1\" is not one of the model's classes"),
        ("a,b,label\n1,2,NaN\n", &["evaluate"], "\"NaN\" is not one of the model's classes"),
        ("a,a,label\n1,2,left\n", &["predict", "evaluate"], "line 1: columns 1 and 2 are both named \"a\""),
        ("a,b,label\n1,2\n", &["evaluate"], "line 2: the row has 2 fields, but the header has 3"),
        ("b,label\n1,left\n", &["predict"], "has no column \"a\""),
    ];
    for (text, cmds, want) in cases {
        std::fs::write(d.join("bad.csv"), text).unwrap();
        for cmd in *cmds {
            let err = fails(origami(&[cmd, "cls", "bad.csv"], &d), 3, &format!("{cmd} {text:?}"));
            assert!(err.contains("bad.csv") && err.contains(want), "{cmd} {text:?}: wanted {want:?} in {err}");
        }
    }
    // a 5 MB cell is quoted by its first 80 characters
    std::fs::write(d.join("bad.csv"), format!("a,b\n1,{}\n", "9x".repeat(2_500_000))).unwrap();
    let err = fails(origami(&["predict", "cls", "bad.csv"], &d), 3, "a long cell");
    assert!(err.len() < 400 && err.contains("5000000 characters"), "{} bytes", err.len());
    std::fs::remove_dir_all(&d).ok();
}

/// evaluate checks that the data fits the model: task, classes, names.
#[test]
fn evaluate_refuses_data_the_model_does_not_predict() {
    let d = temp("fit");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let reg = "name = \"r\"\n[data]\nkind = \"synthetic\"\nname = \"regress_plane\"\nn = 100\n[training]\nepochs = 1\n";
    std::fs::write(d.join("reg.toml"), reg).unwrap();
    let blobs = CIRCLE.replace("name = \"circle\"\nn", "name = \"blobs\"\nclasses = 4\nn");
    std::fs::write(d.join("blobs.toml"), blobs).unwrap();
    ok(&["train", "c.toml", "--out", "cls", "--quiet"], &d);
    ok(&["train", "reg.toml", "--out", "reg", "--quiet"], &d);
    let cases = [
        ("reg", "c.toml", "the data's targets are classes, but the model predicts 1 value(s)"),
        ("cls", "reg.toml", "the data's targets are values (regression), but the model predicts 2 classes"),
        ("cls", "blobs.toml", "the model knows classes 0 to 1 only"),
    ];
    for (model, data, want) in cases {
        let err = fails(origami(&["evaluate", model, data], &d), 3, data);
        assert!(err.contains(data) && err.contains(want), "{model} on {data}: {err}");
    }
    ok(&["evaluate", "cls", "c.toml"], &d);
    std::fs::remove_dir_all(&d).ok();
}

/// The documented exit codes for the cases that used to get them wrong.
#[test]
fn the_exit_code_contract() {
    let d = temp("codes");
    std::fs::write(d.join("one.csv"), "a,b,label\n1,2,x\n3,4,y\n").unwrap();
    let err = fails(origami(&["train", "--csv", "one.csv", "--target", "label", "--out", "r"], &d), 3, "two rows");
    assert!(err.contains("one.csv") && err.contains("are needed"), "{err}");
    std::fs::write(d.join("single.csv"), "a,label\n1,x\n2,x\n3,x\n4,x\n").unwrap();
    let err = fails(origami(&["train", "--csv", "single.csv", "--target", "label", "--out", "r"], &d), 3, "1 class");
    assert!(err.contains("single class \"x\""), "{err}");
    // a target of "NaN" is missing: its row is left out, and the report says so
    std::fs::write(d.join("nan.csv"), "a,label\n1,x\n2,NaN\n3,y\n4,x\n5,y\n6,x\n7,y\n").unwrap();
    let out = origami(&["train", "--csv", "nan.csv", "--target", "label", "--out", "r", "--json", "--quiet"], &d);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("\"rows_without_target\":1"), "{text}");
    let configs = [
        ("n = 200", "n = 200\nclasses = 1", "data.classes: expected at least 2 classes, found 1"),
        ("noise = 0.05", "noise = nan", "data.noise: expected a finite number"),
        ("activation = \"tanh\"", "activation = \"leaky_relu(nan)\"", "model.layers[0].activation: \"nan\""),
        ("epochs = 2", "epochs = \"two\"", "training.epochs: expected a positive integer, found string \"two\""),
        ("n = 200", "n = 2", "data.n: 2 samples"),
        ("units = 2", "units = 3", "model.layers[1]: the model has 3 outputs, but the data has 2 classes"),
        (
            "batch_size = 16",
            "batch_size = 16\n[schedule]\ntype = \"one_cycle\"\nmax_lr = -1",
            "schedule.max_lr: expected a finite positive learning rate, found -1",
        ),
        (
            "batch_size = 16",
            "batch_size = 16\n[schedule]\ntype = \"one_cycle\"\nannealing_fraction = 1.5",
            "schedule.annealing_fraction: expected a number in [0, 1), found 1.5",
        ),
        (
            "batch_size = 16",
            "batch_size = 16\n[schedule]\ntype = \"piecewise_constant\"\nboundaries = [1]\nvalues = [0.1, nan]",
            "schedule.values: expected finite non-negative learning rates, found NaN at index 1",
        ),
    ];
    for (from, to, want) in configs {
        std::fs::write(d.join("c.toml"), CIRCLE.replacen(from, to, 1)).unwrap();
        let err = fails(origami(&["train", "c.toml", "--out", "r"], &d), 2, to);
        assert!(err.contains(want), "{to}: wanted {want:?} in {err}");
    }
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let err = fails(origami(&["train", "c.toml", "--stop-after", "0", "--out", "r"], &d), 2, "--stop-after 0");
    assert!(err.contains("--stop-after"), "{err}");
    // every u64 is a seed, and a resumed run keeps it
    ok(&["train", "c.toml", "--seed", "18446744073709551615", "--out", "seeded", "--stop-after", "1", "-q"], &d);
    ok(&["train", "--resume", "seeded", "-q"], &d);
    let arch = std::fs::read_to_string(d.join("seeded/architecture.json")).unwrap();
    assert!(arch.contains("18446744073709551615"), "{arch}");
    std::fs::remove_dir_all(&d).ok();
}

/// A progress.json claiming more epochs than the run has is refused on
/// resume (it used to resume as finished).
#[test]
fn a_tampered_progress_file_is_refused() {
    let d = temp("progress");
    std::fs::write(d.join("c.toml"), CIRCLE.replace("epochs = 2", "epochs = 4")).unwrap();
    ok(&["train", "c.toml", "--out", "run", "--stop-after", "1", "-q"], &d);
    let path = d.join("run/progress.json");
    let p = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, p.replace("\"epochs_completed\": 1", "\"epochs_completed\": 999")).unwrap();
    let err = fails(origami(&["train", "--resume", "run"], &d), 3, "999 epochs");
    assert!(err.contains("progress.json") && err.contains("999"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

/// An optimizer.json edited to an impossible hyperparameter (β₁ = 1e39, inf
/// as an f32; β₁ = 1.5) is refused as bad data when the run directory is
/// read, naming the file and the field, before any model is built.
#[test]
fn a_crafted_optimizer_file_is_refused_on_resume() {
    let d = temp("optimizer-json");
    std::fs::write(d.join("c.toml"), CIRCLE.replace("epochs = 2", "epochs = 4")).unwrap();
    ok(&["train", "c.toml", "--out", "run", "--stop-after", "1", "-q"], &d);
    let path = d.join("run/optimizer.json");
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for value in [1e39, 1.5] {
        let mut v = good.clone();
        let hp = v["hyperparameters"].as_array_mut().unwrap();
        let beta = hp.iter_mut().find(|p| p[0] == "beta_1").expect("an Adam state");
        beta[1] = serde_json::json!(value);
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let out = origami(&["train", "--resume", "run"], &d);
        let err = fails(out, 3, "a crafted beta_1");
        assert!(err.contains("optimizer.json") && err.contains("beta_1"), "{value}: {err}");
    }
    std::fs::write(&path, serde_json::to_string(&good).unwrap()).unwrap();
    ok(&["train", "--resume", "run", "-q"], &d);
    std::fs::remove_dir_all(&d).ok();
}

/// Messages of early stopping and --stop-after are printed once, on one
/// stream; --threads is bounded with a note.
#[test]
fn stop_messages_print_once_and_threads_are_bounded() {
    let d = temp("once");
    let cfg = CIRCLE.replace("epochs = 2", "epochs = 30")
        + "[callbacks.early_stopping]\nmonitor = \"loss\"\npatience = 1\nmin_delta = 10.0\n";
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    for (args, said) in [
        (&["train", "c.toml", "--out", "es"][..], "early stopping at epoch"),
        (&["train", "c.toml", "--out", "sa", "--stop-after", "1"], "stopped after epoch 1"),
        (&["train", "c.toml", "--out", "js", "--stop-after", "1", "--json"], "stopped after epoch 1"),
    ] {
        let out = origami(args, &d);
        assert!(out.status.success());
        let all = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(all.matches(said).count(), 1, "{args:?}: {all}");
    }
    let started = std::time::Instant::now();
    let out = origami(&["--threads", "100000", "summary", "c.toml"], &d);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 4x"));
    assert!(started.elapsed().as_secs_f64() < 10.0, "{:?}", started.elapsed());
    std::fs::remove_dir_all(&d).ok();
}

/// A run killed after its last checkpoint but before its test metrics were
/// written is finished by --resume (no epoch runs, the weights stay); one
/// that wrote everything says there is nothing to resume (exit 2).
#[test]
fn a_run_killed_after_its_last_checkpoint_is_completed_by_resume() {
    let d = temp("finish");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    ok(&["train", "c.toml", "--out", "run", "-q"], &d);
    let weights = std::fs::read(d.join("run/weights.safetensors")).unwrap();
    let err = fails(origami(&["train", "--resume", "run"], &d), 2, "finished");
    assert!(err.contains("finished training after"), "{err}");
    std::fs::remove_file(d.join("run/metrics.json")).unwrap();
    ok(&["train", "--resume", "run", "-q"], &d);
    assert!(d.join("run/metrics.json").is_file());
    assert_eq!(std::fs::read(d.join("run/weights.safetensors")).unwrap(), weights);
    std::fs::remove_dir_all(&d).ok();
}
