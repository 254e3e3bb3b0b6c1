//! The configs in examples/: each trains (briefly), and between them they
//! use every section of the config reference, every data kind and both
//! schedule indices, so that a user who copies one finds every knob shown.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{ok, temp};

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

fn examples() -> Vec<(String, toml::Table)> {
    let mut list: Vec<(String, toml::Table)> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), table)
        })
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// Every table path in `t` (`data`, `callbacks.checkpoint`, `tune.params`…).
fn sections(prefix: &str, t: &toml::Table, out: &mut BTreeSet<String>) {
    for (k, v) in t {
        if let toml::Value::Table(sub) = v {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            out.insert(path.clone());
            sections(&path, sub, out);
        }
    }
}

#[test]
fn the_examples_cover_every_section_of_the_reference() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(["config", "--reference", "--json"])
        .output()
        .expect("run");
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut wanted: BTreeSet<String> = reference["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["section"].as_str())
        .filter(|s| s.starts_with('['))
        .map(|s| s.trim_matches(['[', ']']).to_string())
        .collect();
    wanted.extend(["optimizer".to_string(), "schedule".to_string()]);
    let mut used = BTreeSet::new();
    let (mut kinds, mut per, mut input_shape) = (BTreeSet::new(), BTreeSet::new(), false);
    for (_, t) in examples() {
        sections("", &t, &mut used);
        kinds.insert(t["data"]["kind"].as_str().unwrap().to_string());
        if let Some(s) = t.get("schedule") {
            per.insert(s.get("per").and_then(|p| p.as_str()).unwrap_or("step").to_string());
        }
        input_shape |= t.get("model").and_then(|m| m.get("input_shape")).is_some();
    }
    let missing: Vec<_> = wanted.difference(&used).collect();
    assert!(missing.is_empty(), "no example uses {missing:?}");
    assert_eq!(kinds, BTreeSet::from(["csv".into(), "mnist".into(), "synthetic".into()]));
    assert_eq!(per, BTreeSet::from(["epoch".into(), "step".into()]));
    assert!(input_shape, "no example sets model.input_shape");
}

#[test]
#[ignore = "trains every example for an epoch (a few seconds in release)"]
fn every_example_trains() {
    let dir = temp("examples");
    for (name, _) in examples() {
        let out = dir.join(name.trim_end_matches(".toml"));
        let config = root().join("examples").join(&name);
        let args = ["train", config.to_str().unwrap(), "--epochs", "1", "--out", out.to_str().unwrap(), "--quiet"];
        ok(&args, &root());
        assert!(out.join("weights.safetensors").exists(), "{name}: no weights");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
