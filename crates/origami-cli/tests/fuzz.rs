//! Seeded random mutations of every input format origami reads, asserting
//! that none makes it panic, abort, hang or grow past bounded memory, and
//! that every refusal is an error naming the file with the documented exit
//! code (2 usage or config, 3 bad data, 4 failed run).
//!
//! Mutations: bit flips, truncations, deletions, splices of another valid
//! input, huge and non-finite numbers put where numbers are, big integers
//! written into binary headers, and deep nesting. The readers of the library
//! are fuzzed in this process (thousands of cases a target, each under
//! `catch_unwind`); the command's own targets (TOML configs, CSV and IDX
//! inputs of predict/evaluate, the files of a model directory under
//! `train --resume`) run the binary as a subprocess under `ulimit -v` with a
//! low `ORIGAMI_MAX_ELEMENTS`, so that an allocation the limits miss ends
//! the case (an abort) instead of paging the machine.
//!
//! `cargo test --release -p origami-cli --test fuzz -- --ignored --nocapture`
//! prints the case counts. A failing case's input is written beside the
//! report (its path is in the message) to replay it.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limit the subprocesses run under (64 MB of floats) and their address space.
const MAX_ELEMENTS: &str = "16777216";
const ULIMIT_KB: usize = 1_500_000;

/// xorshift64*: seeded, no dependency.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const HUGE: &[&str] = &[
    "99999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "4294967296",
    "4000000000",
    "2147483648",
    "1000000000",
    "1e309",
    "-1e309",
    "1e38",
    "1e-45",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
];

/// One to three mutations of `base`; `donor` is another valid input to splice from.
fn mutate(rng: &mut XorShift, base: &[u8], donor: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(v.len() + 1);
        match rng.below(9) {
            // bit flips
            0 | 1 => {
                for _ in 0..1 + rng.below(4) {
                    if !v.is_empty() {
                        let i = rng.below(v.len());
                        v[i] ^= 1 << rng.below(8);
                    }
                }
            }
            // truncation
            2 => v.truncate(at),
            // deletion of a range
            3 => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                if at < end {
                    v.drain(at..end);
                }
            }
            // a splice of another valid input
            4 => {
                let from = rng.below(donor.len() + 1);
                let to = (from + rng.below(256)).min(donor.len());
                v.splice(at..at, donor[from..to].iter().copied());
            }
            // a huge or non-finite number over a run of digits
            5 | 6 => {
                let digits: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_ascii_digit()).collect();
                if let Some(&i) = (!digits.is_empty()).then(|| rng.pick(&digits)) {
                    let mut end = i;
                    while end < v.len() && (v[end].is_ascii_digit() || v[end] == b'.') {
                        end += 1;
                    }
                    v.splice(i..end, rng.pick(HUGE).bytes());
                }
            }
            // a big integer written into a binary header (IDX dims, safetensors' length)
            7 => {
                let word: [u8; 8] = match rng.below(4) {
                    0 => u64::MAX.to_le_bytes(),
                    1 => (u32::MAX as u64).to_be_bytes(),
                    2 => (1u64 << 31).to_le_bytes(),
                    _ => rng.next().to_le_bytes(),
                };
                let n = if rng.below(2) == 0 { 4 } else { 8 };
                let at = at.min(v.len().saturating_sub(n));
                for (k, b) in word.iter().take(n).enumerate() {
                    if at + k < v.len() {
                        v[at + k] = *b;
                    }
                }
            }
            // deep nesting (or a run of quotes, for CSV)
            _ => {
                let (open, close) = *rng.pick(&[("[", "]"), ("{", "}"), ("[[", "]]"), ("\"", "\""), ("{\"a\":", "}")]);
                let depth = 100 + rng.below(20_000);
                let mut s = open.repeat(depth);
                if rng.below(2) == 0 {
                    s.push_str(&close.repeat(depth));
                }
                v.splice(at..at, s.bytes());
            }
        }
    }
    v
}

/// Failures: which target, which case, what happened, where its input is
/// (the first few of each target are kept).
struct Failures(Mutex<Vec<(String, String)>>);

impl Failures {
    fn add(&self, dir: &Path, target: &str, case: usize, input: &[u8], what: String) {
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let shown = f.iter().filter(|(t, _)| t == target).count() < 5;
        let what: String = what.chars().take(1500).collect();
        let mut line = format!("{target} case {case}: {what}");
        if shown {
            let path = dir.join(format!("failing-{}-{case}", target.replace(' ', "-")));
            let _ = std::fs::write(&path, input);
            line = format!("{target} case {case} ({}): {what}", path.display());
        }
        f.push((target.to_string(), if shown { line } else { String::new() }));
    }
}

/// Runs `cases` mutations of `seeds` through `check`, in this process:
/// `check` returns `Ok(())` for an accepted input, `Err(message)` for a
/// refusal, which must name `name` (the file). A panic is a failure.
fn in_process(
    target: &str,
    cases: usize,
    seeds: &[Vec<u8>],
    name: &str,
    failures: &Failures,
    dir: &Path,
    check: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> usize {
    let (mut refused, started) = (0, Instant::now());
    for case in 0..cases {
        let mut rng = XorShift::new(0xF0F0 ^ (case as u64) << 8 ^ target.len() as u64);
        let base = rng.pick(seeds).clone();
        let donor = rng.pick(seeds).clone();
        let input = mutate(&mut rng, &base, &donor);
        match catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => {
                refused += 1;
                if !msg.contains(name) {
                    failures.add(dir, target, case, &input, format!("the error does not name {name}: {msg}"));
                }
                if msg.len() > 2000 {
                    failures.add(dir, target, case, &input, format!("a {} byte message", msg.len()));
                }
            }
            Err(_) => failures.add(dir, target, case, &input, "panicked".into()),
        }
    }
    println!(
        "fuzz: {target}: {cases} cases, {refused} refused, {} accepted ({:.1} s)",
        cases - refused,
        started.elapsed().as_secs_f64()
    );
    cases
}

/// The outcome of one run of the binary.
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// `origami ARGS` in `cwd` under the memory limits, killed after `timeout`.
fn origami(cwd: &Path, args: &[&str], timeout: Duration) -> Run {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {ULIMIT_KB}; exec '{}' {}", env!("CARGO_BIN_EXE_origami"), quoted.join(" ")))
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .env("ORIGAMI_MAX_ELEMENTS", MAX_ELEMENTS)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run origami");
    let started = Instant::now();
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut s);
        s
    });
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            _ if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Some(-1);
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    Run { code, stderr: String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned() }
}

/// Writes a case's input into a worker's directory; returns the arguments.
type Prepare<'a> = dyn Fn(&Path, &[u8], usize) -> Vec<String> + Sync + 'a;

/// A command-level target: `prepare(dir, input)` writes the mutated input
/// (and whatever it needs) into a worker's directory and returns the
/// arguments; the exit code must be one of `codes`, and a refusal must name
/// one of `names`.
struct CliTarget<'a> {
    name: &'a str,
    cases: usize,
    seeds: Vec<Vec<u8>>,
    codes: &'a [i32],
    names: &'a [&'a str],
    prepare: &'a Prepare<'a>,
}

fn run_cli_target(t: &CliTarget, work: &Path, failures: &Failures) -> usize {
    const WORKERS: usize = 3;
    let started = Instant::now();
    let refused = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..WORKERS {
            let (refused, dir) = (&refused, work.join(format!("{}-{w}", t.name)));
            s.spawn(move || {
                std::fs::create_dir_all(&dir).unwrap();
                for case in (w..t.cases).step_by(WORKERS) {
                    let mut rng = XorShift::new(0xC11 ^ (case as u64) << 8 ^ t.name.len() as u64);
                    let base = rng.pick(&t.seeds).clone();
                    let donor = rng.pick(&t.seeds).clone();
                    let input = mutate(&mut rng, &base, &donor);
                    let args = (t.prepare)(&dir, &input, case);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let run = origami(&dir, &args, Duration::from_secs(20));
                    let first = run.stderr.lines().find(|l| l.starts_with("error: ")).unwrap_or("");
                    match run.code {
                        Some(0) => {}
                        Some(c) if t.codes.contains(&c) => {
                            refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if !t.names.iter().any(|n| first.contains(n)) {
                                let what = format!("exit {c}, the error names none of {:?}: {}", t.names, run.stderr);
                                failures.add(work, t.name, case, &input, what);
                            }
                            if run.stderr.len() > 4000 {
                                let what = format!("a {} byte stderr", run.stderr.len());
                                failures.add(work, t.name, case, &input, what);
                            }
                        }
                        Some(-1) => failures.add(work, t.name, case, &input, "ran past 20 s".into()),
                        other => {
                            let tail: String =
                                run.stderr.chars().rev().take(600).collect::<Vec<_>>().into_iter().rev().collect();
                            failures.add(work, t.name, case, &input, format!("exit {other:?}: {tail}"));
                        }
                    }
                }
            });
        }
    });
    let refused = refused.into_inner();
    println!(
        "fuzz: {} (origami subprocess): {} cases, {refused} refused, {} accepted ({:.1} s)",
        t.name,
        t.cases,
        t.cases - refused,
        started.elapsed().as_secs_f64()
    );
    t.cases
}

fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    // a stored (uncompressed) gzip member: no compression crate needed here
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks: Vec<&[u8]> = bytes.chunks(65_535).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.push((i == last) as u8);
        out.extend_from_slice(&(chunk.len() as u16).to_le_bytes());
        out.extend_from_slice(&(!(chunk.len() as u16)).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(bytes).to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

fn ok(cwd: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .current_dir(cwd)
        .env("ORIGAMI_NUM_THREADS", "1")
        .output()
        .expect("run origami");
    assert!(out.status.success(), "origami {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

const CIRCLE: &str = r#"name = "circle"
seed = 3
[data]
kind = "synthetic"
name = "circle"
n = 120
noise = 0.05
[[model.layers]]
type = "Dense"
units = 8
activation = "tanh"
[[model.layers]]
type = "Dropout"
rate = 0.1
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

/// The valid inputs mutations start from, made once in `dir`.
struct Seeds {
    toml: Vec<Vec<u8>>,
    csv: Vec<Vec<u8>>,
    images: Vec<u8>,
    labels: Vec<u8>,
    /// A trained run, interrupted after one epoch: file name → bytes.
    run: Vec<(String, Vec<u8>)>,
}

fn seeds(dir: &Path) -> Seeds {
    let mut csv = String::from("x1,x2,label\n");
    let mut r = XorShift::new(7);
    for i in 0..40 {
        let (a, b) = ((r.below(1000) as f64) / 100.0 - 5.0, (r.below(1000) as f64) / 100.0 - 5.0);
        csv.push_str(&format!("{a},{b},{}\n", ["left", "right"][i % 2]));
    }
    let quoted = "\"x1\",\"x2\",\"label\"\r\n\"1.5\",\" 2 \",\"left, wild\"\r\n-3,4e-1,right\r\n";
    std::fs::write(dir.join("table.csv"), &csv).unwrap();
    // a tiny MNIST-format directory of 4x4 images
    let mnist = dir.join("mnist");
    std::fs::create_dir_all(&mnist).unwrap();
    let pixels: Vec<u8> = (0..60 * 16).map(|_| r.below(256) as u8).collect();
    let digits: Vec<u8> = (0..60).map(|i| (i % 10) as u8).collect();
    for (prefix, n) in [("train", 40usize), ("t10k", 20)] {
        let images = idx(0x803, &[n as u32, 4, 4], &pixels[..n * 16]);
        std::fs::write(mnist.join(format!("{prefix}-images-idx3-ubyte")), &images).unwrap();
        std::fs::write(
            mnist.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            gz(&idx(0x801, &[n as u32], &digits[..n])),
        )
        .unwrap();
    }
    let images_cfg = format!(
        "name = \"digits\"\n[data]\nkind = \"mnist\"\npath = \"{}\"\n[[model.layers]]\ntype = \"Flatten\"\n\
         [[model.layers]]\ntype = \"Dense\"\nunits = 10\n[training]\nepochs = 1\n",
        mnist.display()
    );
    let csv_cfg = format!(
        "name = \"table\"\n[data]\nkind = \"csv\"\npath = \"{}\"\ntarget = \"label\"\n[training]\nepochs = 1\n\
         [callbacks.early_stopping]\nmonitor = \"loss\"\npatience = 2\n",
        dir.join("table.csv").display()
    );
    let scheduled = CIRCLE.to_string()
        + "[schedule]\ntype = \"one_cycle\"\nmax_lr = 0.02\n[callbacks.reduce_lr_on_plateau]\npatience = 1\n\
           [tune]\nmethod = \"grid\"\n[tune.params]\n\"optimizer.learning_rate\" = [0.003, 0.03]\n";
    for (name, text) in
        [("circle.toml", CIRCLE.to_string()), ("digits.toml", images_cfg.clone()), ("table.toml", csv_cfg.clone())]
    {
        std::fs::write(dir.join(name), text).unwrap();
    }
    ok(dir, &["train", "circle.toml", "--out", "run", "--stop-after", "1", "--quiet"]);
    ok(dir, &["train", "digits.toml", "--out", "digits", "--quiet"]);
    ok(dir, &["train", "table.toml", "--out", "table", "--quiet"]);
    let run = std::fs::read_dir(dir.join("run"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    Seeds {
        toml: vec![CIRCLE.into(), scheduled.into(), images_cfg.into(), csv_cfg.into()],
        csv: vec![csv.into(), quoted.into(), "1.5,2\n-1,0\n".into()],
        images: idx(0x803, &[20, 4, 4], &pixels[..20 * 16]),
        labels: idx(0x801, &[20], &digits[..20]),
        run,
    }
}

fn file<'a>(run: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &run.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("the run has no {name}")).1
}

/// Writes the run's files into `dir` afresh, `name` replaced by `input`.
fn fresh_run(dir: &Path, run: &[(String, Vec<u8>)], name: &str, input: &[u8]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (n, bytes) in run {
        let mut f = std::fs::File::create(dir.join(n)).unwrap();
        f.write_all(if n == name { input } else { bytes }).unwrap();
    }
}

/// The library's readers in this process: thousands of cases each.
fn library_targets(dir: &Path, s: &Seeds, failures: &Failures) -> usize {
    use origami::data::{csv, mnist};
    let mut total = 0;
    let csv_seeds = s.csv.clone();
    total += in_process("csv", 6000, &csv_seeds, "fuzz.csv", failures, dir, &mut |b| {
        // as classes by name; as numbers by position (its error must name the file too)
        let numbers = csv::read_from(b, "fuzz.csv", &csv::CsvOptions::regression(csv::Target::Index(0)));
        if let Err(e) = numbers
            .map_err(|e| e.to_string())
            .and(csv::records_from(b, "fuzz.csv", b';').map(drop).map_err(|e| e.to_string()))
        {
            if !e.contains("fuzz.csv") {
                return Err(e);
            }
        }
        csv::read_from(b, "fuzz.csv", &csv::CsvOptions::classification("label")).map(drop).map_err(|e| e.to_string())
    });
    let path = dir.join("fuzz-idx3-ubyte");
    let images = vec![s.images.clone(), s.labels.clone()];
    for (target, compress) in [("idx raw", false), ("idx gzip", true)] {
        total += in_process(target, 4000, &images, "fuzz-idx3-ubyte", failures, dir, &mut |b| {
            std::fs::write(&path, if compress { gz(b) } else { b.to_vec() }).unwrap();
            // accepted as one of the two kinds, or refused as both
            let images = mnist::read_images(&path).map(drop).map_err(|e| e.to_string());
            let labels = mnist::read_labels(&path).map(drop).map_err(|e| e.to_string());
            images.or(labels)
        });
    }
    // the gzip stream itself mutated (its checksums, lengths and blocks)
    let zipped = vec![gz(&s.images), gz(&s.labels)];
    total += in_process("idx gzip stream", 3000, &zipped, "fuzz-idx3-ubyte", failures, dir, &mut |b| {
        std::fs::write(&path, b).unwrap();
        let images = mnist::read_images(&path).map(drop).map_err(|e| e.to_string());
        images.or(mnist::read_labels(&path).map(drop).map_err(|e| e.to_string()))
    });
    // a model directory's files, one mutated at a time
    let model = dir.join("fuzz-model");
    for name in [
        "weights.safetensors",
        "architecture.json",
        "optimizer.json",
        "optimizer.safetensors",
        "progress.json",
        "history.json",
    ] {
        let seeds = vec![file(&s.run, name).to_vec()];
        // an error names a file of the directory (a mutated file can show
        // as a mismatch with another: weights that the architecture lacks)
        let tag = model.display().to_string();
        total += in_process(name, 2500, &seeds, &tag, failures, dir, &mut |b| {
            fresh_run(&model, &s.run, name, b);
            origami::saving::load_model(&model).map_err(|e| e.to_string())?;
            origami::saving::load_checkpoint(&model).map(drop).map_err(|e| e.to_string())
        });
    }
    total
}

/// The command's own targets, as subprocesses under the memory limits.
fn command_targets(dir: &Path, s: &Seeds, failures: &Failures) -> usize {
    let mut total = 0;
    let (digits, table) = (dir.join("digits"), dir.join("table"));
    let toml = |d: &Path, b: &[u8], _: usize| {
        std::fs::write(d.join("fuzz.toml"), b).unwrap();
        vec!["summary".into(), "fuzz.toml".into()]
    };
    // a config names its errors by key path (`model.layers[0].units: …`), its syntax errors by file
    // (or a data file's path, which the config names)
    let keys = ["fuzz.toml", "data.", "data:", "model.", "training.", "optimizer.", "schedule.", "callbacks.", "/"];
    total += run_cli_target(
        &CliTarget { name: "toml", cases: 1500, seeds: s.toml.clone(), codes: &[2, 3], names: &keys, prepare: &toml },
        dir,
        failures,
    );
    let csv = |d: &Path, b: &[u8], case: usize| {
        std::fs::write(d.join("fuzz.csv"), b).unwrap();
        let cmd = if case % 2 == 0 { "predict" } else { "evaluate" };
        vec![cmd.into(), table.display().to_string(), "fuzz.csv".into()]
    };
    total += run_cli_target(
        &CliTarget { name: "csv", cases: 1200, seeds: s.csv.clone(), codes: &[3], names: &["fuzz.csv"], prepare: &csv },
        dir,
        failures,
    );
    for (name, compress) in [("idx-raw", false), ("idx-gzip", true)] {
        let digits = &digits;
        let idx = move |d: &Path, b: &[u8], _: usize| {
            let f = d.join("t-idx3-ubyte");
            std::fs::write(&f, if compress { gz(b) } else { b.to_vec() }).unwrap();
            vec!["predict".into(), digits.display().to_string(), f.display().to_string()]
        };
        let seeds = vec![s.images.clone()];
        total += run_cli_target(
            &CliTarget { name, cases: 600, seeds, codes: &[3], names: &["t-idx3-ubyte"], prepare: &idx },
            dir,
            failures,
        );
    }
    // a model directory's files under resume (training goes on: a finite
    // but absurd weight may diverge, exit 4) and predict
    std::fs::write(dir.join("in.csv"), "x1,x2\n0.5,-1\n3,2\n").unwrap();
    let inputs = dir.join("in.csv");
    for name in ["architecture.json", "weights.safetensors", "optimizer.json", "progress.json", "history.json"] {
        let run = &s.run;
        let inputs = &inputs;
        let model = move |d: &Path, b: &[u8], case: usize| {
            let r = d.join("fuzzrun");
            fresh_run(&r, run, name, b);
            if case % 3 == 0 {
                vec!["predict".into(), "fuzzrun".into(), inputs.display().to_string()]
            } else {
                vec!["train".into(), "--resume".into(), "fuzzrun".into(), "--quiet".into()]
            }
        };
        let seeds = vec![file(&s.run, name).to_vec()];
        // a hyperparameter made absurd (beta_1 = inf) is refused by the
        // optimizer when training starts: a failed run (4), by the optimizer's name
        let names = ["fuzzrun", "training failed", "training diverged"];
        let t = CliTarget { name, cases: 300, seeds, codes: &[2, 3, 4], names: &names, prepare: &model };
        total += run_cli_target(&t, dir, failures);
    }
    total
}

/// Every input format, mutated: no panic, no abort, no hang, bounded
/// memory, errors naming the file with the documented exit codes. About a
/// minute in release mode on two cores.
#[test]
#[ignore]
fn fuzz_every_input_format() {
    // the in-process readers run under the same low limit as the subprocesses
    // (read once by the library; set before its first use, no threads yet)
    std::env::set_var("ORIGAMI_MAX_ELEMENTS", MAX_ELEMENTS);
    let dir = std::env::temp_dir().join(format!("origami-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    let s = seeds(&dir);
    let failures = Failures(Mutex::new(Vec::new()));
    // quiet the default hook: a caught panic is reported as a failure below
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let lib = library_targets(&dir, &s, &failures);
    std::panic::set_hook(hook);
    let cli = command_targets(&dir, &s, &failures);
    println!(
        "fuzz: {} cases in all ({lib} in process, {cli} as origami subprocesses), {:.1} s",
        lib + cli,
        started.elapsed().as_secs_f64()
    );
    let f = failures.0.into_inner().unwrap_or_else(|e| e.into_inner());
    let shown: Vec<&str> = f.iter().map(|(_, l)| l.as_str()).filter(|l| !l.is_empty()).collect();
    assert!(f.is_empty(), "{} failures (inputs kept in {}):\n{}", f.len(), dir.display(), shown.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}
