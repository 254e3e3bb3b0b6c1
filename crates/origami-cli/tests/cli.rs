//! End-to-end tests: the built `origami` binary on small synthetic data.

mod common;

use std::path::Path;
use std::process::Command;

use common::{ok, origami, temp, CIRCLE};

/// The last line of stdout, as JSON.
fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.lines().last().expect("a line")).expect("JSON")
}

#[test]
fn train_evaluate_predict_summary_plot() {
    let d = temp("pipeline");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let t = json(&ok(&["train", "c.toml", "--out", "run", "--json"], &d));
    assert!(t["test_accuracy"].as_f64().is_some() && t["test_loss"].as_f64().is_some(), "{t}");
    assert_eq!(t["epochs"], 2);
    for f in ["architecture.json", "weights.safetensors", "optimizer.json", "history.json", "progress.json"] {
        assert!(d.join("run").join(f).is_file(), "{f}");
    }
    let e = json(&ok(&["evaluate", "run", "c.toml", "--json"], &d));
    let (a, b) = (e["test_accuracy"].as_f64().unwrap(), t["test_accuracy"].as_f64().unwrap());
    assert!((a - b).abs() < 1e-6, "evaluate {a} vs train {b}");
    std::fs::write(d.join("in.csv"), "x1,x2\n0.1,0.2\n4.0,-3.5\n-0.3,0.0\n").unwrap();
    let p = ok(&["predict", "run", "in.csv"], &d);
    let lines: Vec<&str> = p.lines().collect();
    assert_eq!(lines[0], "prediction,p_0,p_1");
    assert_eq!(lines.len(), 4, "{p}");
    let raw = ok(&["predict", "run", "in.csv", "--raw"], &d);
    assert!(raw.starts_with("output_0,output_1\n"), "{raw}");
    let s = json(&ok(&["summary", "run", "--json"], &d));
    assert_eq!(s["total_params"], 2 * 8 + 8 + 8 * 2 + 2);
    assert_eq!(s["trainable_params"], 42);
    let s2 = json(&ok(&["summary", "c.toml", "--json"], &d));
    assert_eq!(s2["total_params"], 42);
    ok(&["plot", "run"], &d);
    let png = std::fs::read(d.join("run/training.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} bytes", png.len());
    let svg = std::fs::read_to_string(d.join("run/training.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("polyline") && svg.contains("best epoch"), "blank SVG");
    std::fs::remove_dir_all(&d).ok();
}

/// export --onnx, then import: the imported model directory predicts what
/// the trained one does (onnxruntime's side is scripts/onnx_check.sh), and a
/// layer without an ONNX form is an error naming it.
#[test]
fn export_onnx_and_import_it_back() {
    let d = temp("onnx");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    ok(&["train", "c.toml", "--out", "run", "--quiet"], &d);
    let j = json(&ok(&["export", "run", "--onnx", "m.onnx", "--probabilities", "--json"], &d));
    assert_eq!(j["opset"], 17, "{j}");
    ok(&["import", "m.onnx", "back", "--quiet"], &d);
    std::fs::write(d.join("in.csv"), "x1,x2\n0.1,0.2\n4.0,-3.5\n-0.3,0.0\n").unwrap();
    let (a, b) = (ok(&["predict", "run", "in.csv"], &d), ok(&["predict", "back", "in.csv"], &d));
    assert_eq!(a, b, "the imported model predicts differently");
    let conv1d = "[data]\nkind = \"synthetic\"\nname = \"circle\"\nn = 100\n[[model.layers]]\ntype = \"Reshape\"\ntarget_shape = [2, 1]\n[[model.layers]]\ntype = \"Conv1D\"\nfilters = 2\nkernel_size = 1\n[[model.layers]]\ntype = \"Flatten\"\n[[model.layers]]\ntype = \"Dense\"\nunits = 2\n[training]\nloss = \"sparse_categorical_crossentropy_from_logits\"\nepochs = 1\n";
    std::fs::write(d.join("c1.toml"), conv1d).unwrap();
    ok(&["train", "c1.toml", "--out", "c1", "--quiet"], &d);
    let out = origami(&["export", "c1", "--onnx", "c1.onnx"], &d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("layers[1] (Conv1D)"), "{err}");
    assert!(!d.join("c1.onnx").exists());
    std::fs::remove_dir_all(&d).ok();
}

/// Trains `cfg` for 4 epochs in one go and as 2 + 2 (`--stop-after`, then
/// `--resume`) in `d`; the two must end with bitwise the same weights and history.
fn assert_resume_is_exact(d: &Path, cfg: &str) {
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    ok(&["train", "c.toml", "--out", "full", "--quiet"], d);
    let j = json(&ok(&["train", "c.toml", "--out", "part", "--stop-after", "2", "--json"], d));
    assert_eq!(j["finished"], false);
    let progress = std::fs::read_to_string(d.join("part/progress.json")).unwrap();
    assert!(progress.contains("\"epochs_completed\": 2"), "{progress}");
    ok(&["train", "--resume", "part", "--quiet"], d);
    let a = std::fs::read(d.join("full/weights.safetensors")).unwrap();
    let b = std::fs::read(d.join("part/weights.safetensors")).unwrap();
    assert_eq!(a, b, "resumed weights differ from the uninterrupted run");
    let ha = std::fs::read_to_string(d.join("full/history.csv")).unwrap();
    let hb = std::fs::read_to_string(d.join("part/history.csv")).unwrap();
    let drop_time = |s: &str| s.lines().map(|l| l.rsplit_once(',').map_or(l, |x| x.0).to_string()).collect::<Vec<_>>();
    assert_eq!(drop_time(&ha), drop_time(&hb));
    // a finished run cannot be resumed
    assert_eq!(origami(&["train", "--resume", "part"], d).status.code(), Some(2));
}

#[test]
fn resume_ends_with_the_weights_of_an_uninterrupted_run() {
    let d = temp("resume");
    let cfg = CIRCLE.replace("epochs = 2", "epochs = 4")
        + "[schedule]\ntype = \"one_cycle\"\nmax_lr = 0.02\n[callbacks.reduce_lr_on_plateau]\npatience = 1\n";
    assert_resume_is_exact(&d, &cfg);
    std::fs::remove_dir_all(&d).ok();
}

/// A finished run trained further (`--resume RUN --epochs N`, Keras's second
/// `fit`) ends bitwise where one run of N epochs ends (a config whose rate
/// does not depend on the run's length), with Dropout's streams carried on.
#[test]
fn a_finished_run_continued_with_more_epochs_equals_one_longer_run() {
    let d = temp("continue");
    let cfg = CIRCLE.replacen(
        "[[model.layers]]\ntype = \"Dense\"\nunits = 2\n[training]",
        "[[model.layers]]\ntype = \"Dropout\"\nrate = 0.2\n[[model.layers]]\ntype = \"Dense\"\nunits = 2\n[training]",
        1,
    );
    std::fs::write(d.join("c.toml"), cfg.replace("epochs = 2", "epochs = 5")).unwrap();
    std::fs::write(d.join("short.toml"), cfg.replace("epochs = 2", "epochs = 3")).unwrap();
    ok(&["train", "c.toml", "--out", "long", "--quiet"], &d);
    ok(&["train", "short.toml", "--out", "more", "--quiet"], &d);
    // not further than it went: a clear usage error naming the way on
    let err =
        String::from_utf8_lossy(&origami(&["train", "--resume", "more", "--epochs", "3"], &d).stderr).into_owned();
    assert!(err.contains("finished training after 3 epochs") && err.contains("--epochs N (N > 3)"), "{err}");
    let j = json(&ok(&["train", "--resume", "more", "--epochs", "5", "--json"], &d));
    assert_eq!(j["epochs"], 5);
    let a = std::fs::read(d.join("long/weights.safetensors")).unwrap();
    let b = std::fs::read(d.join("more/weights.safetensors")).unwrap();
    assert_eq!(a, b, "3 + 2 epochs differ from 5");
    let history = std::fs::read_to_string(d.join("more/history.csv")).unwrap();
    assert_eq!(history.lines().count(), 1 + 5, "{history}");
    assert!(std::fs::read_to_string(d.join("more/config.toml")).unwrap().contains("epochs = 5"));
    std::fs::remove_dir_all(&d).ok();
}

/// The loops compiled per vector width (Adam, tanh and its derivative, the
/// tiny matmuls) must give the same bits on every path: the same run under
/// each `ORIGAMI_SIMD` cap ends with identical weights.
#[test]
fn every_simd_path_trains_to_the_same_weights() {
    let d = temp("simd");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let mut weights = Vec::new();
    for cap in ["baseline", "avx2", ""] {
        let out = Command::new(env!("CARGO_BIN_EXE_origami"))
            .args(["train", "c.toml", "--out", &format!("run-{cap}"), "--quiet"])
            .current_dir(&d)
            .env("ORIGAMI_NUM_THREADS", "1")
            .env("ORIGAMI_SIMD", cap)
            .output()
            .expect("run origami");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        weights.push(std::fs::read(d.join(format!("run-{cap}/weights.safetensors"))).unwrap());
    }
    assert_eq!(weights[0], weights[1], "baseline and AVX2 paths differ");
    assert_eq!(weights[0], weights[2], "baseline and the widest path differ");
    std::fs::remove_dir_all(&d).ok();
}

/// Dropout draws its masks from a stream inside the layer: the checkpoint
/// must carry where it stands, or the resumed run drops other units.
#[test]
fn resume_with_dropout_ends_with_the_weights_of_an_uninterrupted_run() {
    let d = temp("resume-dropout");
    let dropout = "[[model.layers]]\ntype = \"Dropout\"\nrate = 0.3\n[[model.layers]]\ntype = \"Dense\"\nunits = 8\n\
                   activation = \"selu\"\n[[model.layers]]\ntype = \"AlphaDropout\"\nrate = 0.2\n[[model.layers]]\n\
                   type = \"Dense\"\nunits = 2\n[training]";
    let cfg = CIRCLE.replace("epochs = 2", "epochs = 4").replacen(
        "[[model.layers]]\ntype = \"Dense\"\nunits = 2\n[training]",
        dropout,
        1,
    );
    assert!(cfg.contains("AlphaDropout"), "{cfg}");
    assert_resume_is_exact(&d, &cfg);
    let progress = std::fs::read_to_string(d.join("part/progress.json")).unwrap();
    assert!(progress.contains("layers.1.rng") && progress.contains("layers.3.rng"), "{progress}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn tune_runs_a_two_by_two_grid() {
    let d = temp("tune");
    let cfg = CIRCLE.to_string()
        + "[tune]\nmethod = \"grid\"\nfolds = 2\n[tune.params]\n\"optimizer.learning_rate\" = [0.003, 0.03]\n\"model.layers[0].units\" = [4, 8]\n";
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    let j = json(&ok(&["tune", "c.toml", "--out", "tuned", "--parallel", "2", "--json"], &d));
    assert_eq!(j["trials"], 4);
    assert!(j["best_score"].as_f64().is_some());
    let results = std::fs::read_to_string(d.join("tuned/results.csv")).unwrap();
    assert_eq!(results.lines().count(), 5, "{results}");
    let scores: Vec<f64> = results.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "sorted best first: {scores:?}");
    let best = std::fs::read_to_string(d.join("tuned/best.toml")).unwrap();
    assert!(!best.contains("[tune"), "{best}");
    // the best config trains
    ok(&["train", "tuned/best.toml", "--out", "best", "--quiet"], &d);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn bad_configs_are_errors_that_name_the_key() {
    let d = temp("bad");
    let cases: &[(&str, &str, &str)] = &[
        ("units = 8", "units = -3", "model.layers[0].units: expected a positive integer, found -3"),
        ("units = 8", "units = 0", "model.layers[0].units: expected a positive integer, found 0"),
        ("units = 8", "unitz = 8", "model.layers[0]: unknown key \"unitz\""),
        ("activation = \"tanh\"", "activation = \"tanhh\"", "model.layers[0].activation: unknown activation"),
        ("type = \"Dense\"\nunits = 8", "type = \"Dence\"\nunits = 8", "model.layers[0]: unknown layer type \"Dence\""),
        ("epochs = 2", "epochs = 0", "training.epochs: expected a positive integer, found 0"),
        ("epochs = 2", "epochz = 2", "training: unknown key \"epochz\""),
        ("learning_rate = 0.01", "learning_rate = 0.01\nrho = 0.9", "optimizer.rho: adam has no option rho"),
        ("learning_rate = 0.01", "learning_rate = -1.0", "optimizer.learning_rate: expected a positive number"),
        ("validation_split = 0.2", "validation_split = 1.5", "training.validation_split: expected a number in [0, 1)"),
        ("name = \"circle\"\nn", "name = \"cirkle\"\nn", "data.name: unknown synthetic set \"cirkle\""),
        ("[training]", "[trainin]", "unknown key \"trainin\""),
        ("batch_size = 16", "batch_size = \"big\"", "training.batch_size: "),
    ];
    for (from, to, want) in cases {
        let bad = CIRCLE.replacen(from, to, 1);
        assert_ne!(bad, CIRCLE, "{from}");
        std::fs::write(d.join("bad.toml"), bad).unwrap();
        let out = origami(&["train", "bad.toml", "--out", "r"], &d);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains(want), "{to}: wanted {want:?} in {err:?}");
        assert!(err.lines().count() <= 2, "{err}");
    }
    // a syntax error names the line
    std::fs::write(d.join("bad.toml"), "[data\nkind = 1").unwrap();
    let out = origami(&["train", "bad.toml"], &d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    // missing data is exit code 3, a usage error 2
    let out = origami(&["train", "--csv", "nope.csv", "--target", "y"], &d);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(origami(&["train", "--target", "y"], &d).status.code(), Some(2));
    assert_eq!(origami(&["evaluate", "nowhere", "x.csv"], &d).status.code(), Some(3));
    std::fs::remove_dir_all(&d).ok();
}

/// Two Gaussian classes named "left" and "right" in 4 features (two useless).
fn two_class_csv(path: &Path) {
    let mut s = String::from("a,b,noise1,noise2,label\n");
    let mut x: u64 = 12345;
    let mut u = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 1_000_000) as f64 / 1_000_000.0
    };
    for i in 0..300 {
        let c = i % 2;
        let shift = if c == 1 { 1.5 } else { -1.5 };
        let g = |u: &mut dyn FnMut() -> f64| (u() + u() + u() - 1.5) * 2.0;
        let (a, b) = (g(&mut u) + shift, g(&mut u) - shift);
        let (n1, n2) = (g(&mut u) * 10.0, g(&mut u) + 100.0);
        s.push_str(&format!("{a:.4},{b:.4},{n1:.4},{n2:.4},{}\n", if c == 1 { "right" } else { "left" }));
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn csv_mode_classifies_and_regresses_without_a_config() {
    let d = temp("csv");
    two_class_csv(&d.join("two.csv"));
    let j = json(&ok(&["train", "--csv", "two.csv", "--target", "label", "--out", "cls", "--json", "--quiet"], &d));
    assert!(j["test_accuracy"].as_f64().unwrap() >= 0.9, "{j}");
    let p = ok(&["predict", "cls", "two.csv"], &d);
    assert!(p.starts_with("prediction,p_left,p_right\n"), "{p}");
    assert!(p.lines().nth(1).unwrap().starts_with("left,") || p.lines().nth(1).unwrap().starts_with("right,"));
    let e = json(&ok(&["evaluate", "cls", "two.csv", "--json"], &d));
    assert!(e["test_accuracy"].as_f64().unwrap() >= 0.9, "{e}");
    // the same rows with quoted cells (RFC 4180) and CRLF line ends predict the same
    let plain = std::fs::read_to_string(d.join("two.csv")).unwrap();
    let quoted: String = plain
        .lines()
        .map(|l| l.split(',').map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",") + "\r\n")
        .collect();
    assert!(quoted.starts_with("\"a\",\"b\",") && quoted.contains("\"right\"\r\n"));
    std::fs::write(d.join("quoted.csv"), &quoted).unwrap();
    assert_eq!(ok(&["predict", "cls", "quoted.csv"], &d), p);
    let eq = json(&ok(&["evaluate", "cls", "quoted.csv", "--json"], &d));
    assert_eq!(eq["test_accuracy"], e["test_accuracy"]);
    // a quoted cell may hold the delimiter; a bad cell names the file and line
    std::fs::write(d.join("bad.csv"), "a,b,noise1,noise2,label\r\n1,2,3,4,left\r\n1,\"2,5\",3,4,left\r\n").unwrap();
    let out = origami(&["predict", "cls", "bad.csv"], &d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("bad.csv") && err.contains("line 3, column 2") && err.contains("\"2,5\""), "{err}");
    // regression: y = 2a - b + noise
    let mut s = String::from("a,b,y\n");
    for i in 0..200 {
        let (a, b) = ((i % 17) as f64 / 4.0, (i % 11) as f64 / 3.0);
        s.push_str(&format!("{a},{b},{}\n", 2.0 * a - b + ((i * 7919) % 13) as f64 / 100.0));
    }
    std::fs::write(d.join("reg.csv"), s).unwrap();
    let j = json(&ok(&["train", "--csv", "reg.csv", "--target", "y", "--out", "reg", "--json", "--quiet"], &d));
    assert!(j["test_r2"].as_f64().unwrap() > 0.9 && j["test_rmse"].as_f64().is_some(), "{j}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn lr_find_plots_and_suggests() {
    let d = temp("lrfind");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let j = json(&ok(&["lr-find", "c.toml", "--steps", "40", "--out", "lr", "--json"], &d));
    assert!(j["suggested_lr"].as_f64().unwrap() > 0.0, "{j}");
    assert!(d.join("lr/lr-find.png").is_file() && d.join("lr/lr-find.svg").is_file());
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn every_command_has_help_with_an_example() {
    let d = std::env::temp_dir();
    for cmd in ["train", "evaluate", "predict", "summary", "export", "import", "plot", "lr-find", "tune"] {
        let h = ok(&[cmd, "--help"], &d);
        assert!(h.contains("Example"), "{cmd} --help has no example:\n{h}");
    }
    let out = origami(&["no-such-command"], &d);
    assert_eq!(out.status.code(), Some(2));
}

/// The default `origami train`: the CNN on data/mnist must reach 97% (about 30 s in release).
#[test]
#[ignore]
fn default_train_reaches_97_percent_on_mnist() {
    let d = temp("default");
    let j = json(&ok(&["--threads", "2", "train", "--out", "run", "--json", "--quiet"], &d));
    assert!(j["test_accuracy"].as_f64().unwrap() >= 0.97, "{j}");
    std::fs::remove_dir_all(&d).ok();
}

/// A run whose rate jumps to 1000 at epoch 4 diverges: exit 4 naming the
/// epoch and step, the checkpoint of epoch 3 kept (finite, not finished),
/// and resumable at a lower rate.
#[test]
fn a_diverged_run_fails_and_keeps_its_last_good_checkpoint() {
    let d = temp("diverge");
    let cfg = CIRCLE
        .replace("epochs = 2", "epochs = 6")
        .replace("validation_split = 0.2", "validation_split = 0.0")
        .replace("type = \"adam\"", "type = \"sgd\"")
        .replace("activation = \"tanh\"", "activation = \"linear\"")
        + "[schedule]\ntype = \"piecewise_constant\"\nper = \"epoch\"\nboundaries = [2]\nvalues = [0.1, 1e30]\n";
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    let out = origami(&["train", "c.toml", "--out", "run"], &d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("diverged") && err.contains("at epoch 4, step") && err.contains("epoch 3 is kept"), "{err}");
    let progress = std::fs::read_to_string(d.join("run/progress.json")).unwrap();
    assert!(progress.contains("\"epochs_completed\": 3") && progress.contains("\"finished\": false"), "{progress}");
    let w = std::fs::read(d.join("run/weights.safetensors")).unwrap();
    let header = u64::from_le_bytes(w[..8].try_into().unwrap()) as usize;
    let floats: Vec<f32> = w[8 + header..].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    assert!(!floats.is_empty() && floats.iter().all(|v| v.is_finite()), "the kept weights are finite");
    // the same run continued at a sane rate (the schedule off) finishes
    let c = std::fs::read_to_string(d.join("run/config.toml")).unwrap();
    let cut = c.find("[schedule]").unwrap();
    let rest = &c[cut + 10..];
    let next = rest.find("\n[").map_or(rest.len(), |i| i + 1);
    std::fs::write(d.join("run/config.toml"), format!("{}{}", &c[..cut], &rest[next..])).unwrap();
    ok(&["train", "--resume", "run", "--learning-rate", "0.001", "--quiet"], &d);
    assert!(std::fs::read_to_string(d.join("run/progress.json")).unwrap().contains("\"finished\": true"));
    std::fs::remove_dir_all(&d).ok();
}
