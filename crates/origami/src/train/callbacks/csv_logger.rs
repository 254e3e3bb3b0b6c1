use std::io::Write;
use std::path::PathBuf;

use super::{Callback, Control};
use crate::train::history::EpochLog;
use crate::{Error, Result};

/// Appends one CSV row per epoch to a file as training goes (the header
/// first), flushed at once so that a crash keeps every finished epoch.
#[derive(Debug)]
pub struct CsvLogger {
    pub path: PathBuf,
    file: Option<std::fs::File>,
}

impl CsvLogger {
    /// Logs to `path`, replacing an existing file.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLogger { path: path.into(), file: None }
    }
}

impl Callback for CsvLogger {
    fn on_epoch_end(&mut self, log: &EpochLog, _ctl: &mut Control) -> Result<()> {
        let path = self.path.clone();
        let io = |e| Error::io(&path, e);
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut f = std::fs::File::create(&self.path).map_err(io)?;
            let header: Vec<&str> =
                std::iter::once("epoch").chain(log.values.iter().map(|(n, _)| n.as_str())).collect();
            writeln!(f, "{}", header.join(",")).map_err(io)?;
            self.file = Some(f);
        }
        let f = self.file.as_mut().expect("opened above");
        let row: Vec<String> =
            std::iter::once(log.epoch.to_string()).chain(log.values.iter().map(|(_, v)| v.to_string())).collect();
        writeln!(f, "{}", row.join(",")).map_err(io)?;
        f.flush().map_err(io)
    }
}
