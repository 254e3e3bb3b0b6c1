//! A model on disk: a directory that a person, Python and `origami` can read.
//!
//! ```text
//! architecture.json    the ModelFile: layers and options, loss, metrics,
//!                      optimizer, schedule, seed, input preprocessing
//! weights.safetensors  parameters under their names (layers.0.kernel, …)
//! optimizer.json       optimizer name, step count, hyperparameters   ┐ written by
//! optimizer.safetensors its buffers by parameter (m.layers.0.kernel) │ save_checkpoint,
//! history.json         the epochs so far                             │ for resuming
//! progress.json        epochs completed, finished?, fingerprint,     ┘
//!                      the layers' random streams (dropout masks)
//! ```
//!
//! Every file is written atomically, and a checkpoint — several files —
//! switches as a whole: its files are first written and synced into
//! `.checkpoint.tmp/`, that folder is renamed to `.checkpoint.ready/` (the
//! commit point: from here on the new generation is complete), then its
//! files are renamed one by one over the old ones, `progress.json` last, and
//! the folder removed. A crash before the commit point leaves the old
//! checkpoint untouched (the half-written folder is deleted on the next
//! load); a crash after it is finished by the next load ([`recover`]), which
//! moves the files that are left. `progress.json` also holds a fingerprint of
//! the weights and optimizer files, checked on resume.
//! Weights are safetensors so that numpy users read them with
//! `safetensors.numpy.load_file` and no origami code.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::io::{load_params, load_tensors, save_params, save_tensors, write_atomic};
use crate::nn::{Param, RngStream, Sequential};
use crate::optim::OptimizerState;
use crate::spec::{ModelFile, OptimizerSpec};
use crate::train::History;
use crate::{Error, Result, Rng, RngState, Tensor};

/// `architecture.json`.
pub const ARCHITECTURE_FILE: &str = "architecture.json";
/// `weights.safetensors`.
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// `optimizer.json`.
pub const OPTIMIZER_FILE: &str = "optimizer.json";
/// `optimizer.safetensors`.
pub const OPTIMIZER_BUFFERS_FILE: &str = "optimizer.safetensors";
/// `history.json`.
pub const HISTORY_FILE: &str = "history.json";
/// `progress.json`.
pub const PROGRESS_FILE: &str = "progress.json";

/// Where a training run stands, for resuming it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Epochs trained so far (the next epoch to run, counting from 0).
    pub epochs_completed: usize,
    /// Whether the run ended (all epochs, or stopped by a callback).
    pub finished: bool,
    /// FNV-1a of the weights and optimizer files this progress belongs to.
    #[serde(default)]
    pub fingerprint: String,
    /// Where each layer's random stream stands (`layers.2.rng`: Dropout's
    /// masks), from [`rng_states`]; written in the same file as the epoch
    /// count, so the two always belong together.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rng_streams: BTreeMap<String, RngState>,
}

/// The states of `streams` by name, for [`Progress::rng_streams`].
pub fn rng_states(streams: &[RngStream]) -> BTreeMap<String, RngState> {
    streams.iter().map(|s| (s.name.clone(), s.state())).collect()
}

/// Puts each of `streams` at its state in `saved` (from the checkpoint
/// `source`). A saved stream that no layer has is an error; a layer's stream
/// that was not saved (a checkpoint of an older origami) keeps its state.
pub fn restore_rng_states(
    streams: &[RngStream],
    saved: &BTreeMap<String, RngState>,
    source: impl AsRef<Path>,
) -> Result<()> {
    for (name, state) in saved {
        let s = streams.iter().find(|s| &s.name == name).ok_or_else(|| {
            let have: Vec<&str> = streams.iter().map(|s| s.name.as_str()).collect();
            Error::format(
                source.as_ref(),
                format!("has the random stream {}, but the model's streams are {have:?}", crate::quote(name)),
            )
        })?;
        s.set_state(state)
            .map_err(|e| Error::format(source.as_ref(), format!("random stream {}: {e}", crate::quote(name))))?;
    }
    Ok(())
}

/// A checkpoint's non-weight state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checkpoint {
    /// Epochs completed and whether the run is over.
    pub progress: Progress,
    /// The optimizer's complete state.
    pub optimizer: OptimizerState,
    /// The epochs so far.
    pub history: History,
}

fn to_json<T: Serialize>(path: &Path, v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(v).map_err(|e| Error::format(path, format!("cannot encode JSON: {e}")))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        let msg = crate::shorten_message(&e.to_string());
        Error::format(path, format!("line {}, column {}: {msg}", e.line(), e.column()))
    })
}

/// Writes `architecture.json` and `weights.safetensors` into `dir` (created
/// if needed).
pub fn save_model(dir: impl AsRef<Path>, file: &ModelFile, params: &[Param]) -> Result<()> {
    let dir = dir.as_ref();
    let arch = dir.join(ARCHITECTURE_FILE);
    write_atomic(&arch, &to_json(&arch, file)?)?;
    save_params(dir.join(WEIGHTS_FILE), params)
}

/// Reads `architecture.json`, rebuilds the network and loads its weights.
///
/// The network is built within what `weights.safetensors` can hold (4 bytes
/// a weight): an `architecture.json` that declares more parameters than the
/// file has room for is refused before they are allocated, naming both
/// files. The weights are checked to be finite (see [`load_params`]).
pub fn load_model(dir: impl AsRef<Path>) -> Result<(ModelFile, Sequential)> {
    let dir = dir.as_ref();
    let file = load_architecture(dir)?;
    let weights = dir.join(WEIGHTS_FILE);
    let bytes = std::fs::metadata(&weights).map_err(|e| Error::io(&weights, e))?.len();
    let room = usize::try_from(bytes / 4).unwrap_or(usize::MAX);
    let source = format!("{} holds {} bytes", weights.display(), crate::limits::thousands(bytes as usize));
    let net = crate::limits::with_parameter_budget(room, &source, || {
        let net = file.model.build(&mut Rng::seed(file.seed))?;
        file.preprocessing.check(net.input_shape(), net.output_shape().unwrap_or_default())?;
        Ok(net)
    })
    .map_err(|e| Error::format(dir.join(ARCHITECTURE_FILE), e.to_string()))?;
    load_params(&weights, &net.params())?;
    Ok((file, net))
}

/// Reads and checks `architecture.json` alone.
pub fn load_architecture(dir: impl AsRef<Path>) -> Result<ModelFile> {
    let dir = dir.as_ref();
    recover(dir)?;
    let path = dir.join(ARCHITECTURE_FILE);
    if !path.is_file() {
        return Err(Error::io(
            &path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not found: is this an origami model directory?"),
        ));
    }
    let file: ModelFile = read_json(&path)?;
    if file.format != ModelFile::FORMAT {
        return Err(Error::format(
            &path,
            format!("format is {}, not {:?}", crate::quote(&file.format), ModelFile::FORMAT),
        ));
    }
    if file.version != 1 {
        return Err(Error::format(&path, format!("version {} is newer than this origami reads (1)", file.version)));
    }
    file.model.validate().map_err(|e| Error::format(&path, e.to_string()))?;
    Ok(file)
}

/// Writes the optimizer's state: `optimizer.json` and `optimizer.safetensors`.
pub fn save_optimizer_state(dir: impl AsRef<Path>, state: &OptimizerState) -> Result<()> {
    let dir = dir.as_ref();
    let tensors = state
        .buffers
        .iter()
        .map(|(n, v)| Ok((n.clone(), Tensor::from_vec(v.clone(), &[v.len()])?)))
        .collect::<Result<Vec<_>>>()?;
    save_tensors(dir.join(OPTIMIZER_BUFFERS_FILE), &tensors)?;
    let meta = serde_json::json!({
        "optimizer": state.optimizer,
        "step": state.step,
        "hyperparameters": state.hyperparameters,
        "buffers": state.buffers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
    });
    let path = dir.join(OPTIMIZER_FILE);
    write_atomic(&path, &to_json(&path, &meta)?)
}

#[derive(Deserialize)]
struct OptimizerMeta {
    optimizer: String,
    step: u64,
    hyperparameters: Vec<(String, f32)>,
    buffers: Vec<String>,
}

/// Reads the optimizer's state written by [`save_optimizer_state`].
pub fn load_optimizer_state(dir: impl AsRef<Path>) -> Result<OptimizerState> {
    let dir = dir.as_ref();
    let path = dir.join(OPTIMIZER_FILE);
    let meta: OptimizerMeta = read_json(&path)?;
    let tensors = load_tensors(dir.join(OPTIMIZER_BUFFERS_FILE))?;
    let buffers = meta
        .buffers
        .iter()
        .map(|n| {
            tensors.iter().find(|(t, _)| t == n).map(|(_, t)| (n.clone(), t.to_vec())).ok_or_else(|| {
                Error::format(dir.join(OPTIMIZER_BUFFERS_FILE), format!("has no buffer {}", crate::quote(n)))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let state =
        OptimizerState { optimizer: meta.optimizer, step: meta.step, hyperparameters: meta.hyperparameters, buffers };
    check_optimizer_state(&state).map_err(|msg| Error::format(&path, msg))?;
    Ok(state)
}

/// Refuses a state that no optimizer of origami would load, before anything
/// is built from it: an unknown optimizer, a hyperparameter missing,
/// unknown, not finite or out of range (each named), buffers that are not
/// `<kind>.<parameter>` or disagree in size. Whether the buffers fit the
/// model is checked when the state is loaded into the model's optimizer.
fn check_optimizer_state(s: &OptimizerState) -> std::result::Result<(), String> {
    let Some(spec) = OptimizerSpec::named(&s.optimizer).filter(|o| o.name() == s.optimizer) else {
        return Err(format!(
            "names optimizer {}, which is not one of {}",
            crate::quote(&s.optimizer),
            OptimizerSpec::NAMES.join(", ")
        ));
    };
    match spec.build().load_state(s) {
        Ok(()) => Ok(()),
        Err(Error::InvalidArgument { msg, .. }) => Err(crate::shorten_message(&msg)),
        Err(e) => Err(crate::shorten_message(&e.to_string())),
    }
}

/// Where a checkpoint is written before it is complete.
const STAGING_DIR: &str = ".checkpoint.tmp";
/// A complete checkpoint whose files are being moved into place.
const READY_DIR: &str = ".checkpoint.ready";
/// The files of a checkpoint, in the order they are moved into place
/// (`progress.json`, which names the generation, last).
const CHECKPOINT_FILES: [&str; 6] =
    [ARCHITECTURE_FILE, WEIGHTS_FILE, OPTIMIZER_BUFFERS_FILE, OPTIMIZER_FILE, HISTORY_FILE, PROGRESS_FILE];

/// Finishes or discards a checkpoint that a crash interrupted: a complete
/// one (`.checkpoint.ready/`) is moved into place, a partial one
/// (`.checkpoint.tmp/`) deleted, and temporary files of dead writers
/// removed. Loading a model or a checkpoint calls it first; it does nothing
/// to a directory without such leftovers.
pub fn recover(dir: impl AsRef<Path>) -> Result<()> {
    let dir = dir.as_ref();
    let ready = dir.join(READY_DIR);
    if ready.is_dir() {
        commit(dir, &ready)?;
    }
    let staging = dir.join(STAGING_DIR);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    // `write_atomic`'s `.NAME.PID.tmp`, left by a killed process (not ours: a
    // write of this process is never in flight while it loads)
    let ours = format!(".{}.tmp", std::process::id());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") && !name.ends_with(&ours) && e.path().is_file() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// Moves the files of the complete checkpoint in `ready` into `dir`.
/// Idempotent: a file already moved is no longer in `ready`.
fn commit(dir: &Path, ready: &Path) -> Result<()> {
    for name in CHECKPOINT_FILES {
        let from = ready.join(name);
        if from.exists() {
            std::fs::rename(&from, dir.join(name)).map_err(|e| Error::io(dir.join(name), e))?;
        }
    }
    crate::io::sync_dir(dir).map_err(|e| Error::io(dir, e))?;
    std::fs::remove_dir_all(ready).map_err(|e| Error::io(ready, e))?;
    crate::io::sync_dir(dir).map_err(|e| Error::io(dir, e))
}

/// FNV-1a (64 bits) of the files' bytes, in hex.
fn fingerprint(paths: &[&Path]) -> Result<String> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in paths {
        for b in std::fs::read(p).map_err(|e| Error::io(p, e))? {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("{h:016x}"))
}

/// Writes a full checkpoint — the model, the optimizer state, the history
/// and `progress.json` with a fingerprint of the rest — as one generation
/// that replaces the previous one as a whole (see the module's docs). On an
/// error (a full disk) the previous checkpoint is left as it was.
pub fn save_checkpoint(dir: impl AsRef<Path>, file: &ModelFile, params: &[Param], ckpt: &Checkpoint) -> Result<()> {
    let dir = dir.as_ref();
    recover(dir)?;
    let staging = dir.join(STAGING_DIR);
    let written = (|| {
        std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        save_model(&staging, file, params)?;
        save_optimizer_state(&staging, &ckpt.optimizer)?;
        write_atomic(&staging.join(HISTORY_FILE), ckpt.history.to_json().as_bytes())?;
        let mut progress = ckpt.progress.clone();
        progress.fingerprint = fingerprint(&[&staging.join(WEIGHTS_FILE), &staging.join(OPTIMIZER_BUFFERS_FILE)])?;
        let path = staging.join(PROGRESS_FILE);
        write_atomic(&path, &to_json(&path, &progress)?)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let ready = dir.join(READY_DIR);
    if let Err(e) = std::fs::rename(&staging, &ready) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::io(&ready, e));
    }
    crate::io::sync_dir(dir).map_err(|e| Error::io(dir, e))?;
    commit(dir, &ready)
}

/// Reads the checkpoint of `dir` (weights are loaded by [`load_model`]);
/// an error if a save was interrupted half-way, or if `progress.json`'s
/// epoch count disagrees with the history's (an edited file).
pub fn load_checkpoint(dir: impl AsRef<Path>) -> Result<Checkpoint> {
    let dir = dir.as_ref();
    recover(dir)?;
    let path = dir.join(PROGRESS_FILE);
    let progress: Progress = read_json(&path)?;
    let now = fingerprint(&[&dir.join(WEIGHTS_FILE), &dir.join(OPTIMIZER_BUFFERS_FILE)])?;
    if progress.fingerprint != now {
        return Err(Error::format(
            &path,
            "does not match the weights and optimizer files (a save was interrupted); the checkpoint cannot be resumed",
        ));
    }
    let history = History::load_json(dir.join(HISTORY_FILE))?;
    // (a caller that keeps no history saves an empty one)
    if !history.epochs.is_empty() && history.epochs.len() != progress.epochs_completed {
        return Err(Error::format(
            &path,
            format!(
                "says {} epochs are completed, but {} holds {}; the checkpoint cannot be resumed",
                progress.epochs_completed,
                HISTORY_FILE,
                history.epochs.len()
            ),
        ));
    }
    Ok(Checkpoint { progress, optimizer: load_optimizer_state(dir)?, history })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::DenseConfig;
    use crate::nn::Loss;
    use crate::optim::{Adam, Optimizer};
    use crate::spec::{LayerSpec, ModelSpec, OptimizerSpec, TrainingSpec};

    fn file() -> ModelFile {
        let model = ModelSpec {
            input_shape: vec![3],
            layers: vec![
                LayerSpec::Dense(DenseConfig {
                    units: 4,
                    activation: crate::nn::Activation::Relu,
                    ..Default::default()
                }),
                LayerSpec::Dense(DenseConfig { units: 2, ..Default::default() }),
            ],
        };
        let training = TrainingSpec {
            loss: Loss::SparseCategoricalCrossentropy { from_logits: true },
            metrics: vec!["accuracy".into()],
            optimizer: OptimizerSpec::default(),
            schedule: None,
        };
        ModelFile::new(model, training, 7)
    }

    #[test]
    fn a_model_and_checkpoint_round_trip() {
        let dir = crate::data::testutil::temp_dir("model-dir-round-trip");
        let f = file();
        let mut net = f.model.build(&mut Rng::seed(1)).unwrap();
        let x = Tensor::ones(&[2, 3]);
        let y = net.forward(&x, false).unwrap().to_vec();
        let params = net.params();
        let mut opt = Adam::default();
        let g = net.forward(&x, true).unwrap().sum_all().backward().unwrap();
        opt.step(&net.params(), &g).unwrap();
        let y2 = net.forward(&x, false).unwrap().to_vec();
        assert_ne!(y, y2);
        let ckpt = Checkpoint {
            progress: Progress { epochs_completed: 3, ..Default::default() },
            optimizer: opt.state(),
            history: History::default(),
        };
        save_checkpoint(&dir, &f, &params, &ckpt).unwrap();
        let (f2, mut net2) = load_model(&dir).unwrap();
        assert_eq!(f2, f);
        assert_eq!(net2.forward(&x, false).unwrap().to_vec(), y2);
        let c2 = load_checkpoint(&dir).unwrap();
        assert_eq!(c2.optimizer, opt.state());
        assert_eq!(c2.progress.epochs_completed, 3);
        // a weights file changed after the checkpoint is detected
        save_params(dir.join(WEIGHTS_FILE), &net.params()).unwrap();
        save_tensors(dir.join(OPTIMIZER_BUFFERS_FILE), &[("m.layers.0.bias".into(), Tensor::ones(&[1]))]).unwrap();
        assert!(load_checkpoint(&dir).is_err());
        // a progress.json whose epoch count the history does not bear out is refused
        let mut history = History::default();
        for epoch in 0..3 {
            history.epochs.push(crate::train::EpochLog { epoch, values: vec![("loss".into(), 1.0)] });
        }
        let mut ckpt = Checkpoint { history, ..ckpt };
        save_checkpoint(&dir, &f, &params, &ckpt).unwrap();
        assert_eq!(load_checkpoint(&dir).unwrap().progress.epochs_completed, 3);
        ckpt.progress.epochs_completed = 999;
        save_checkpoint(&dir, &f, &params, &ckpt).unwrap();
        let e = load_checkpoint(&dir).unwrap_err().to_string();
        assert!(e.contains("progress.json") && e.contains("999 epochs") && e.contains("holds 3"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A crafted `optimizer.json` is refused when the checkpoint is read,
    /// naming the file and the hyperparameter, not when training starts.
    #[test]
    fn a_crafted_optimizer_json_is_refused_on_load() {
        let dir = crate::data::testutil::temp_dir("model-dir-optimizer-json");
        let f = file();
        let net = f.model.build(&mut Rng::seed(1)).unwrap();
        let ckpt = Checkpoint {
            progress: Progress::default(),
            optimizer: Adam::default().state(),
            history: History::default(),
        };
        save_checkpoint(&dir, &f, &net.params(), &ckpt).unwrap();
        let path = dir.join(OPTIMIZER_FILE);
        let good = std::fs::read_to_string(&path).unwrap();
        load_checkpoint(&dir).unwrap();
        let edit = |field: &str, value: &str| {
            let v: serde_json::Value = serde_json::from_str(&good).unwrap();
            let mut text = serde_json::to_string(&v).unwrap();
            let i = text.find(&format!("[\"{field}\",")).unwrap_or_else(|| panic!("no {field} in {text}"));
            let start = i + field.len() + 4;
            let end = start + text[start..].find(']').unwrap();
            text.replace_range(start..end, value);
            write_atomic(&path, text.as_bytes()).unwrap();
            load_checkpoint(&dir).err().map(|e| e.to_string())
        };
        for (field, value, says) in [
            ("beta_1", "1e39", "not a finite number"),
            ("beta_1", "1.5", "[0, 1)"),
            ("beta_2", "-0.1", "[0, 1)"),
            ("learning_rate", "-1", "learning_rate"),
            ("epsilon", "1e300", "not a finite number"),
        ] {
            let e = edit(field, value).unwrap_or_else(|| panic!("{field} = {value} was accepted"));
            assert!(e.contains("optimizer.json") && e.contains(field) && e.contains(says), "{field} = {value}: {e}");
        }
        let renamed = good.replace("\"adam\"", "\"adamx\"");
        write_atomic(&path, renamed.as_bytes()).unwrap();
        let e = load_checkpoint(&dir).unwrap_err().to_string();
        assert!(e.contains("optimizer.json") && e.contains("\"adamx\""), "{e}");
        write_atomic(&path, good.as_bytes()).unwrap();
        load_checkpoint(&dir).unwrap();
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn dropout_streams_round_trip_through_progress() {
        use crate::nn::DropoutConfig;
        let dir = crate::data::testutil::temp_dir("model-dir-rng");
        let mut f = file();
        f.model.layers.insert(1, LayerSpec::Dropout(DropoutConfig { rate: 0.5 }));
        let mut net = f.model.build(&mut Rng::seed(1)).unwrap();
        let x = Tensor::ones(&[8, 3]);
        net.forward(&x, true).unwrap();
        let streams = net.rng_streams();
        assert_eq!(streams.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["layers.1.rng"]);
        let ckpt = Checkpoint {
            progress: Progress { epochs_completed: 1, rng_streams: rng_states(&streams), ..Default::default() },
            optimizer: Adam::default().state(),
            history: History::default(),
        };
        save_checkpoint(&dir, &f, &net.params(), &ckpt).unwrap();
        let next = net.forward(&x, true).unwrap().to_vec();
        // a rebuilt model draws other masks until its stream is restored
        let (_, mut net2) = load_model(&dir).unwrap();
        let c2 = load_checkpoint(&dir).unwrap();
        restore_rng_states(&net2.rng_streams(), &c2.progress.rng_streams, dir.join(PROGRESS_FILE)).unwrap();
        assert_eq!(net2.forward(&x, true).unwrap().to_vec(), next);
        // a stream the model lacks is an error naming it
        let plain = file().model.build(&mut Rng::seed(1)).unwrap();
        let e = restore_rng_states(&plain.rng_streams(), &c2.progress.rng_streams, "p.json").unwrap_err().to_string();
        assert!(e.contains("p.json") && e.contains("layers.1.rng"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_or_foreign_directories_are_errors() {
        let dir = crate::data::testutil::temp_dir("model-dir-missing");
        let e = load_model(&dir).err().expect("an error").to_string();
        assert!(e.contains("architecture.json"), "{e}");
        write_atomic(&dir.join(ARCHITECTURE_FILE), b"{\"format\": \"other\"}").unwrap();
        assert!(load_model(&dir).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// An `architecture.json` edited to more units than `weights.safetensors`
    /// holds is refused before the network is built (it used to allocate
    /// the random weights of a billion units, then fail on the file).
    #[test]
    fn an_architecture_larger_than_its_weights_is_refused_before_building() {
        let dir = crate::data::testutil::temp_dir("model-dir-oversized");
        let f = file();
        let net = f.model.build(&mut Rng::seed(1)).unwrap();
        save_model(&dir, &f, &net.params()).unwrap();
        let arch = std::fs::read_to_string(dir.join(ARCHITECTURE_FILE)).unwrap();
        for units in ["1000", "1000000000"] {
            let edited = arch.replacen("\"units\": 4", &format!("\"units\": {units}"), 1);
            assert_ne!(edited, arch);
            std::fs::write(dir.join(ARCHITECTURE_FILE), edited).unwrap();
            let e = load_model(&dir).err().expect("refused").to_string();
            assert!(e.contains(ARCHITECTURE_FILE) && e.contains("layers[0]"), "{e}");
            assert!(e.contains(WEIGHTS_FILE) || e.contains("limit"), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// An `architecture.json` whose class names do not match the outputs
    /// (predict's header mixed names and indices) is refused on loading.
    #[test]
    fn preprocessing_that_does_not_fit_the_network_is_refused() {
        let dir = crate::data::testutil::temp_dir("model-dir-preprocessing");
        let mut f = file();
        let net = f.model.build(&mut Rng::seed(1)).unwrap();
        f.preprocessing.class_names = vec!["a".into(), "b".into()];
        save_model(&dir, &f, &net.params()).unwrap();
        load_model(&dir).unwrap();
        for (names, mean, want) in [
            (vec!["a", "b", "c"], vec![], "preprocessing.class_names: has 3 names"),
            (vec!["a", "a"], vec![], "names \"a\" twice"),
            (vec!["a", "b"], vec![0.0, 1.0], "preprocessing.mean: has 2 entries"),
        ] {
            f.preprocessing.class_names = names.into_iter().map(String::from).collect();
            f.preprocessing.std = vec![1.0; mean.len()];
            f.preprocessing.mean = mean;
            save_model(&dir, &f, &net.params()).unwrap();
            let e = load_model(&dir).err().expect("refused").to_string();
            assert!(e.contains(ARCHITECTURE_FILE) && e.contains(want), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Every crash point of a checkpoint switch leaves a directory that loads
    /// as the old generation or as the new one, never a mix.
    #[test]
    fn a_checkpoint_switches_as_a_whole_at_every_crash_point() {
        let dir = crate::data::testutil::temp_dir("model-dir-generations");
        let f = file();
        let net = f.model.build(&mut Rng::seed(1)).unwrap();
        let ckpt = |epochs| Checkpoint {
            progress: Progress { epochs_completed: epochs, ..Default::default() },
            optimizer: Adam::default().state(),
            history: History::default(),
        };
        save_checkpoint(&dir, &f, &net.params(), &ckpt(1)).unwrap();
        let old_weights = std::fs::read(dir.join(WEIGHTS_FILE)).unwrap();
        // the new generation, with other weights, staged in a second directory
        let other = f.model.build(&mut Rng::seed(2)).unwrap();
        let gen2 = crate::data::testutil::temp_dir("model-dir-generation-2");
        save_checkpoint(&gen2, &f, &other.params(), &ckpt(2)).unwrap();
        let new_weights = std::fs::read(gen2.join(WEIGHTS_FILE)).unwrap();
        assert_ne!(old_weights, new_weights);
        let stage = |into: &str, moved: usize| {
            let d = dir.join(into);
            std::fs::create_dir_all(&d).unwrap();
            for (i, name) in CHECKPOINT_FILES.iter().enumerate() {
                let target = if i < moved { dir.join(name) } else { d.join(name) };
                std::fs::copy(gen2.join(name), target).unwrap();
            }
        };
        // killed before the commit point: a partial staging folder and a stale temporary
        stage(STAGING_DIR, 0);
        std::fs::remove_file(dir.join(STAGING_DIR).join(PROGRESS_FILE)).unwrap();
        std::fs::write(dir.join(".weights.safetensors.999999.tmp"), b"half").unwrap();
        assert_eq!(load_checkpoint(&dir).unwrap().progress.epochs_completed, 1);
        assert_eq!(std::fs::read(dir.join(WEIGHTS_FILE)).unwrap(), old_weights);
        assert!(!dir.join(STAGING_DIR).exists() && !dir.join(".weights.safetensors.999999.tmp").exists());
        // killed after it, with 0..all files moved: the next load finishes the switch
        for moved in 0..CHECKPOINT_FILES.len() {
            save_checkpoint(&dir, &f, &net.params(), &ckpt(1)).unwrap();
            stage(READY_DIR, moved);
            let c = load_checkpoint(&dir).unwrap();
            assert_eq!(c.progress.epochs_completed, 2, "{moved} files moved");
            assert_eq!(std::fs::read(dir.join(WEIGHTS_FILE)).unwrap(), new_weights);
            assert!(!dir.join(READY_DIR).exists());
        }
        std::fs::remove_dir_all(&dir).ok();
        std::fs::remove_dir_all(&gen2).ok();
    }

    /// A write that fails half-way (here: the staging folder's place is taken
    /// by a file, as a full disk would fail it) leaves the old checkpoint.
    #[test]
    fn a_failed_checkpoint_keeps_the_previous_one() {
        let dir = crate::data::testutil::temp_dir("model-dir-failed-save");
        let f = file();
        let net = f.model.build(&mut Rng::seed(1)).unwrap();
        let ckpt =
            Checkpoint { progress: Progress { epochs_completed: 1, ..Default::default() }, ..Default::default() };
        let ckpt = Checkpoint { optimizer: Adam::default().state(), ..ckpt };
        save_checkpoint(&dir, &f, &net.params(), &ckpt).unwrap();
        let before = std::fs::read(dir.join(WEIGHTS_FILE)).unwrap();
        let ready = dir.join(READY_DIR);
        std::fs::write(&ready, b"in the way").unwrap();
        let other = f.model.build(&mut Rng::seed(2)).unwrap();
        assert!(save_checkpoint(&dir, &f, &other.params(), &ckpt).is_err());
        std::fs::remove_file(&ready).unwrap();
        assert_eq!(std::fs::read(dir.join(WEIGHTS_FILE)).unwrap(), before);
        assert_eq!(load_checkpoint(&dir).unwrap().progress.epochs_completed, 1);
        std::fs::remove_dir_all(&dir).ok();
    }
}
