//! Real tables with no code (issue #16): a committed passenger list
//! (tests/data/passengers.csv, written by tests/data/make_tables.py) holds an
//! ID column, a unique name, free-text notes, a constant column, a yes/no
//! column, categories with `?` gaps and a number with a quarter of its cells
//! empty or `NA`.

mod common;

use std::path::PathBuf;

use common::{ok, origami, temp};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn json_line(out: &str) -> serde_json::Value {
    serde_json::from_str(out.lines().rev().find(|l| l.starts_with('{')).expect("a JSON line")).unwrap()
}

#[test]
fn a_raw_table_trains_predicts_and_evaluates_with_no_code() {
    let d = temp("tables");
    let csv = data("passengers.csv");
    let csv = csv.to_str().unwrap();
    let out = ok(&["train", "--csv", csv, "--target", "survived", "--out", "run", "--json", "--quiet"], &d);
    let j = json_line(&out);
    // the data report: each column's kind, and what is dropped
    let kinds: Vec<(String, String)> = j["data_report"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["kind"].as_str().unwrap().to_string()))
        .collect();
    let want = [
        ("id", "identifier"),
        ("name", "identifier"),
        ("pclass", "number"),
        ("sex", "category"),
        ("age", "number"),
        ("fare", "number"),
        ("embarked", "category"),
        ("alone", "boolean"),
        ("ocean", "constant"),
        ("notes", "identifier"),
    ];
    assert_eq!(kinds, want.map(|(a, b)| (a.to_string(), b.to_string())));
    let age = &j["data_report"]["columns"][4];
    assert_eq!(age["missing"], 99, "{age}");
    assert!(d.join("run/data_report.json").is_file());
    // survival follows sex, class and age: far above the majority's 54%
    let acc = j["test_accuracy"].as_f64().unwrap();
    assert!(acc > 0.7, "{j}");

    // new rows: columns shuffled, an extra column, no target, a port never seen
    let new = data("passengers_new.csv");
    let preds = ok(&["predict", "run", new.to_str().unwrap()], &d);
    let lines: Vec<&str> = preds.lines().collect();
    assert_eq!(lines[0], "prediction,p_0,p_1");
    assert_eq!(lines.len(), 31, "{preds}");
    // evaluate reads the raw training file as training did
    let ev = json_line(&ok(&["evaluate", "run", csv, "--json"], &d));
    assert!(ev["test_accuracy"].as_f64().unwrap() > 0.7, "{ev}");

    // a column the model reads is missing: named, with the header
    std::fs::write(d.join("short.csv"), "sex,age\nmale,3\n").unwrap();
    let out = origami(&["predict", "run", "short.csv"], &d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("short.csv") && err.contains("has no column \"pclass\""), "{err}");
    // ONNX has no lowering of one-hot columns yet: a clear error naming the first
    let out = origami(&["export", "run", "--onnx", "m.onnx"], &d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("column \"sex\""), "{err}");
    assert!(!d.join("m.onnx").exists());
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn the_printed_config_trains_exactly_as_the_csv_mode() {
    let d = temp("print-config");
    let csv = data("passengers.csv");
    let csv = csv.to_str().unwrap();
    let printed = ok(&["train", "--csv", csv, "--target", "survived", "--print-config"], &d);
    assert!(printed.contains("[data.columns]") && printed.contains("id = \"drop\""), "{printed}");
    // 400 rows: too few for a validation split of 50 rows, so the training loss
    assert!(printed.contains("alone = \"boolean\"") && printed.contains("monitor = \"loss\""), "{printed}");
    std::fs::write(d.join("p.toml"), &printed).unwrap();
    let a = json_line(&ok(&["train", "--csv", csv, "--target", "survived", "--out", "a", "--json", "--quiet"], &d));
    let b = json_line(&ok(&["train", "p.toml", "--out", "b", "--json", "--quiet"], &d));
    assert_eq!(a["test_loss"], b["test_loss"]);
    // an edit: pclass read as a category gives three one-hot slots and "other"
    std::fs::write(d.join("p.toml"), printed.replace("pclass = \"number\"", "pclass = \"category\"")).unwrap();
    ok(&["train", "p.toml", "--out", "c", "--quiet"], &d);
    let arch = std::fs::read_to_string(d.join("c/architecture.json")).unwrap();
    assert!(arch.contains("\"pclass=3\"") && arch.contains("\"pclass (other)\""), "{arch}");
    std::fs::remove_dir_all(&d).ok();
}
