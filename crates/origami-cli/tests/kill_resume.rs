//! A run killed with SIGKILL at random moments (seeded) — while it trains,
//! while it writes a checkpoint, while it resumes — and resumed each time
//! until it finishes must end with bitwise the weights of a run that was
//! never interrupted, and must never be left unresumable. This is what
//! `saving::save_checkpoint`'s generations (write beside, sync, one rename,
//! roll forward on load) promise; see RELIABILITY.md.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A few hundred milliseconds of training with a checkpoint every epoch;
/// Dropout (a random stream in the checkpoint), a schedule and a plateau
/// callback (state replayed on resume) included.
const CONFIG: &str = r#"name = "kill"
seed = 11
[data]
kind = "synthetic"
name = "spiral"
n = 3000
noise = 0.1
[[model.layers]]
type = "Dense"
units = 16
activation = "tanh"
[[model.layers]]
type = "Dropout"
rate = 0.2
[[model.layers]]
type = "Dense"
units = 2
[training]
epochs = 25
batch_size = 8
validation_split = 0.2
[optimizer]
type = "adam"
learning_rate = 0.01
[schedule]
type = "cosine_decay"
decay_steps = 1000
[callbacks.reduce_lr_on_plateau]
patience = 2
"#;

fn start(cwd: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .args(["--quiet"])
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run origami")
}

/// Waits for `child` up to `kill_after`, then kills it (SIGKILL on Unix).
/// `Ok(exit code)` if it ended by itself, `Err(())` if it was killed.
fn run_until(mut child: Child, kill_after: Duration) -> Result<(i32, String), ()> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return Ok((status.code().unwrap_or(-1), err));
        }
        if started.elapsed() >= kill_after {
            let _ = child.kill();
            let _ = child.wait();
            return Err(());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// xorshift64, seeded.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Whether `run` holds a checkpoint (committed, or complete and waiting to
/// be moved into place by the next load).
fn has_checkpoint(run: &Path) -> bool {
    run.join("progress.json").is_file() || run.join(".checkpoint.ready/progress.json").is_file()
}

#[test]
#[ignore]
fn runs_killed_at_random_moments_resume_to_the_uninterrupted_weights() {
    let d = std::env::temp_dir().join(format!("origami-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("c.toml"), CONFIG).unwrap();
    let started = Instant::now();
    let (code, err) = run_until(start(&d, &["train", "c.toml", "--out", "full"]), Duration::from_secs(60)).unwrap();
    assert_eq!(code, 0, "{err}");
    let full = started.elapsed();
    let want = std::fs::read(d.join("full/weights.safetensors")).unwrap();

    let mut rng = XorShift(0x5EED_0FC0_FFEE);
    let (mut kills, mut rounds, mut resumes) = (0, 0, 0);
    while kills < 60 || rounds < 12 {
        rounds += 1;
        let run = d.join(format!("run-{rounds}"));
        let name = run.file_name().unwrap().to_string_lossy().into_owned();
        let mut resuming = false;
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts < 200, "round {rounds} never finished");
            let args: Vec<&str> =
                if resuming { vec!["train", "--resume", &name] } else { vec!["train", "c.toml", "--out", &name] };
            // kill at a random moment of the run's length, often early (a
            // resumed run is shorter), sometimes not at all
            let at = full.mul_f64(rng.uniform() * rng.uniform() * 1.3);
            let spare = rng.uniform() < 0.15 || attempts > 40;
            let limit = if spare { Duration::from_secs(60) } else { at };
            match run_until(start(&d, &args), limit) {
                Err(()) => {
                    kills += 1;
                    // a checkpoint, once written, is never lost: resume from it
                    resuming = resuming || has_checkpoint(&run);
                    if resuming {
                        assert!(has_checkpoint(&run), "round {rounds}: the checkpoint vanished");
                    }
                }
                Ok((0, _)) => break,
                // killed after its last output was written: complete, says resume
                Ok((2, err)) if err.contains("finished training after") && run.join("metrics.json").is_file() => break,
                Ok((code, err)) => panic!("round {rounds}, attempt {attempts}: exit {code}, unresumable: {err}"),
            }
            resumes += resuming as usize;
        }
        let got = std::fs::read(run.join("weights.safetensors")).unwrap();
        assert!(got == want, "round {rounds}: the resumed weights differ from the uninterrupted run's");
        let progress = std::fs::read_to_string(run.join("progress.json")).unwrap();
        assert!(progress.contains("\"finished\": true") && progress.contains("\"epochs_completed\": 25"), "{progress}");
        let leftovers: Vec<String> = std::fs::read_dir(&run)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "round {rounds} left {leftovers:?}");
        assert!(run.join("metrics.json").is_file() && run.join("history.csv").is_file(), "round {rounds}");
    }
    println!(
        "kill-resume: {kills} kills over {rounds} runs ({resumes} resumed starts), every final weights file equal \
         to the uninterrupted run's ({:.1} s; one run takes {:.0} ms)",
        started.elapsed().as_secs_f64(),
        full.as_secs_f64() * 1e3
    );
    std::fs::remove_dir_all(&d).ok();
}
