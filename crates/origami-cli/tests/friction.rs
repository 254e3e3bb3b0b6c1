//! The command as a new user meets it (issue #23): what it prints, once and
//! plainly, and the errors that point to the fix.

mod common;

use std::path::Path;

use common::{ok, origami, temp, CIRCLE};

fn stderr_of(args: &[&str], cwd: &Path) -> (Option<i32>, String, String) {
    let out = origami(args, cwd);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn callbacks_say_what_they_did_once() {
    let d = temp("events");
    let cfg = CIRCLE.replace("epochs = 2", "epochs = 12").replace("learning_rate = 0.01", "learning_rate = 0.3")
        + "[callbacks.reduce_lr_on_plateau]\npatience = 1\nfactor = 0.5\n\
           [callbacks.early_stopping]\npatience = 3\nrestore_best_weights = true\n";
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    let (code, stdout, stderr) = stderr_of(&["train", "c.toml", "--out", "run"], &d);
    assert_eq!(code, Some(0), "{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("ReduceLROnPlateau reducing learning rate to"), "{all}");
    assert_eq!(all.matches("Restoring model weights from the end of the best epoch").count(), 1, "{all}");
    // the history a person reads counts epochs as the console does
    let csv = std::fs::read_to_string(d.join("run/history.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("1,"), "{csv}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn tune_never_overwrites_and_shows_each_trial() {
    let d = temp("tune");
    let cfg = CIRCLE.to_string()
        + "[tune]\nmethod = \"grid\"\nfolds = 2\n[tune.params]\n\"optimizer.learning_rate\" = [0.003, 0.03]\n";
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    let first = ok(&["tune", "c.toml"], &d);
    assert!(first.contains("optimizer.learning_rate = 0.003 →") && first.contains(" ± "), "{first}");
    assert!(first.contains("the best config: runs/circle-tune/best.toml"), "{first}");
    let before = std::fs::read(d.join("runs/circle-tune/results.csv")).unwrap();
    let second = ok(&["tune", "c.toml"], &d);
    assert!(second.contains("runs/circle-tune-2/best.toml"), "{second}");
    assert_eq!(std::fs::read(d.join("runs/circle-tune/results.csv")).unwrap(), before);
    // an explicit --out that holds results is refused, not overwritten
    let (code, _, err) = stderr_of(&["tune", "c.toml", "--out", "runs/circle-tune"], &d);
    assert_eq!(code, Some(2), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn lr_find_gives_its_suggestion_and_why() {
    let d = temp("lr-find");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let out = ok(&["lr-find", "c.toml"], &d);
    assert!(out.contains("suggested learning rate: ") && out.contains("why: the smoothed loss was lowest"), "{out}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn help_lists_every_command_and_json_stands_alone() {
    let d = temp("help");
    let help = ok(&["--help"], &d);
    for c in [
        "train",
        "evaluate",
        "predict",
        "summary",
        "export",
        "import",
        "plot",
        "lr-find",
        "tune",
        "config",
        "bench",
        "playground",
    ] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{c} "))), "no {c} in\n{help}");
    }
    let version = ok(&["--version"], &d);
    assert!(version.starts_with("origami ") && version.contains('('), "{version}");
    assert!(ok(&["completions", "bash"], &d).contains("_origami"));
    assert!(ok(&["man"], &d).contains(".TH origami 1"));
    // colour when forced, none when NO_COLOR says so (it wins over the force)
    let forced = common::origami_env(&["--help"], &d, &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains('\x1b'), "no colour even when forced: the NO_COLOR check below would prove nothing");
    let plain = common::origami_env(&["--help"], &d, &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(!plain.contains('\x1b'), "colour despite NO_COLOR");
    std::fs::write(d.join("c.toml"), CIRCLE).unwrap();
    let json = ok(&["summary", "c.toml", "--json"], &d);
    assert_eq!(json.lines().count(), 1, "{json}");
    serde_json::from_str::<serde_json::Value>(&json).unwrap();
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn predictions_are_plain_decimals() {
    let d = temp("plain");
    let cfg = CIRCLE
        .replace("name = \"circle\"\nn = 200", "name = \"regress_plane\"\nn = 200")
        .replace("units = 2", "units = 1")
        .replace("sparse_categorical_crossentropy_from_logits", "mse")
        .replace("[\"accuracy\"]", "[\"mae\"]");
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    ok(&["train", "c.toml", "--out", "run", "-q"], &d);
    std::fs::write(d.join("x.csv"), "x1,x2\n1.5,-2\n3,4\n").unwrap();
    let preds = ok(&["predict", "run", "x.csv"], &d);
    let values: Vec<&str> = preds.lines().skip(1).collect();
    assert_eq!(values.len(), 2, "{preds}");
    assert!(values.iter().all(|v| v.parse::<f32>().is_ok() && !v.contains('e')), "{preds}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn misleading_inputs_get_errors_that_point_to_the_fix() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/mnist"));
    let d = temp("errors");
    let images = CIRCLE.replace("kind = \"synthetic\"\nname = \"circle\"\nn = 200\nnoise = 0.05", "kind = \"mnist\"");
    let images = images.replace("units = 8", "units = 8\n[[model.layers]]\ntype = \"Flatten\"").replace(
        "[[model.layers]]\ntype = \"Dense\"\nunits = 8\n[[model.layers]]\ntype = \"Flatten\"",
        "[[model.layers]]\ntype = \"Flatten\"\n[[model.layers]]\ntype = \"Dense\"\nunits = 8",
    );
    let images =
        images.replace("units = 2", "units = 10").replace("[data]", "[data]\ntrain_limit = 200\ntest_limit = 100");
    let images =
        images.replace("kind = \"mnist\"", &format!("kind = \"mnist\"\npath = {:?}", root.display().to_string()));
    std::fs::write(d.join("m.toml"), &images).unwrap();
    ok(&["train", "m.toml", "--out", "mnist", "-q"], &d);
    let labels = root.join("t10k-labels-idx1-ubyte.gz");
    let (code, _, err) = stderr_of(&["predict", "mnist", labels.to_str().unwrap()], &d);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("an IDX labels file") && err.contains("idx3-ubyte"), "{err}");
    let pics = root.join("t10k-images-idx3-ubyte.gz");
    let (code, _, err) = stderr_of(&["evaluate", "mnist", pics.to_str().unwrap()], &d);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("images without their labels") && err.contains("MNIST directory"), "{err}");

    // an unknown monitor and a one-hot loss on class indices: config errors, before training
    let typo = CIRCLE.to_string() + "[callbacks.early_stopping]\nmonitor = \"val_acc\"\n";
    std::fs::write(d.join("typo.toml"), typo).unwrap();
    let (code, _, err) = stderr_of(&["train", "typo.toml", "--out", "typo"], &d);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("callbacks.early_stopping.monitor") && err.contains("val_accuracy"), "{err}");
    assert!(!d.join("typo").exists(), "a run that failed at its config left a directory");
    let onehot = CIRCLE.replace("sparse_categorical_crossentropy_from_logits", "categorical_crossentropy_from_logits");
    std::fs::write(d.join("onehot.toml"), onehot).unwrap();
    let (code, _, err) = stderr_of(&["train", "onehot.toml"], &d);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("sparse_categorical_crossentropy_from_logits"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_run_that_fails_before_its_first_checkpoint_leaves_no_directory() {
    let d = temp("failed-dir");
    let cfg = CIRCLE.replace("type = \"adam\"\nlearning_rate = 0.01", "type = \"sgd\"\nlearning_rate = 1e38");
    std::fs::write(d.join("c.toml"), cfg).unwrap();
    let (code, _, err) = stderr_of(&["train", "c.toml", "--out", "boom"], &d);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("diverged"), "{err}");
    assert!(!d.join("boom").exists(), "the failed run left its directory");
    std::fs::remove_dir_all(&d).ok();
}
