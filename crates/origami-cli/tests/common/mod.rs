//! What the command's end-to-end tests share: running the built binary,
//! fresh temporary folders, and the small circle config they train.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `origami ARGS` in `cwd`, on one kernel thread.
pub fn origami(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .output()
        .expect("run origami")
}

/// `origami ARGS` with extra environment variables; stdout and stderr together.
pub fn origami_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run origami");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// [`origami`] that must succeed; its stdout.
pub fn ok(args: &[&str], cwd: &Path) -> String {
    let out = origami(args, cwd);
    let (so, se) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "origami {args:?} failed ({:?}):\n{so}\n{se}", out.status.code());
    so.into_owned()
}

/// An empty folder for `test` of this process.
pub fn temp(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("origami-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two epochs of a small classifier on the synthetic circle.
pub const CIRCLE: &str = r#"
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
loss = "sparse_categorical_crossentropy_from_logits"
metrics = ["accuracy"]
epochs = 2
batch_size = 16
validation_split = 0.2
[optimizer]
type = "adam"
learning_rate = 0.01
"#;
