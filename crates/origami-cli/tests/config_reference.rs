//! docs/config.md is `origami config --reference`: fails when it is stale.

use std::process::Command;

#[test]
fn the_checked_in_reference_is_the_generated_one() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new(env!("CARGO_BIN_EXE_origami")).args(["config", "--reference"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    let checked_in = std::fs::read_to_string(format!("{root}/docs/config.md")).expect("docs/config.md");
    assert!(
        generated == checked_in,
        "docs/config.md is stale: run `cargo run --release -q -p origami-cli -- config --reference > docs/config.md`"
    );
}
