//! Files: atomic writes and tensors in the safetensors format. Below
//! `train` (which writes its history and checkpoints through it); model
//! directories, which need the spec and the history, are in
//! [`crate::saving`]. ONNX files ([`onnx`]) are the exception: they
//! describe a whole model, and that module reads the spec.
//!
//! Every write goes to a temporary file in the target's directory, is synced,
//! then renamed over the target: a crash mid-save leaves the old file or the
//! new one, never half of one.

pub mod onnx;
mod weights;

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

pub use weights::{load_params, load_tensors, save_params, save_tensors, tensors_to_bytes};

/// Writes `bytes` to `path` atomically: a temporary file beside the target,
/// created exclusively (`create_new`: a planted file or symlink there is
/// never followed), written, synced, renamed over the target, and the
/// directory synced, so that a crash leaves the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let create = || std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp);
    let result = (|| {
        let mut f = match create() {
            // left by an earlier process with our pid, dead since
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp)?;
                create()?
            }
            other => other?,
        };
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Makes a directory's entries (a rename into it) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("origami-io-{}", std::process::id()));
        let p = dir.join("sub").join("x.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
