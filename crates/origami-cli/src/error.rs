//! The command's error: a message for a person and an exit code for a script.
//!
//! Exit codes: 2 usage (bad arguments or config), 3 bad data (a file that
//! is missing or malformed), 4 failed run (training diverged, an internal
//! error). Library errors are sorted into these by kind.

use std::fmt;

/// An error that ends the command.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    /// Bad arguments or config (exit code 2).
    pub fn usage(m: impl Into<String>) -> Self {
        CliError { code: 2, message: m.into() }
    }
    /// Missing or malformed data (exit code 3).
    pub fn data(m: impl Into<String>) -> Self {
        CliError { code: 3, message: m.into() }
    }
    /// The run failed (exit code 4).
    pub fn failed(m: impl Into<String>) -> Self {
        CliError { code: 4, message: m.into() }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// By variant: a spec error is the config's (2, its key path as the config
/// spells it), a missing or malformed file is bad data (3), anything else —
/// [`origami::Error::Training`], a shape that does not fit — a failed run (4).
impl From<origami::Error> for CliError {
    fn from(e: origami::Error) -> Self {
        match e {
            origami::Error::Spec { .. } => CliError::usage(crate::config::at_config_path(e).to_string()),
            origami::Error::Io { .. } | origami::Error::Format { .. } | origami::Error::Data { .. } => {
                CliError::data(e.to_string())
            }
            _ => CliError::failed(e.to_string()),
        }
    }
}

/// Errors of the command.
pub type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_come_from_the_variant() {
        let spec = CliError::from(origami::Error::spec("layers[0].units", "expected a positive integer, found 0"));
        assert_eq!(
            (spec.code, spec.message.as_str()),
            (2, "model.layers[0].units: expected a positive integer, found 0")
        );
        let metric = CliError::from(origami::Error::spec("metrics[1]", "unknown metric"));
        assert_eq!((metric.code, metric.message.as_str()), (2, "training.metrics[1]: unknown metric"));
        let opt = CliError::from(origami::Error::spec("optimizer.rho", "adam has no option rho"));
        assert_eq!((opt.code, opt.message.as_str()), (2, "optimizer.rho: adam has no option rho"));
        let cell = CliError::from(origami::Error::data_at_cell("d.csv", 3, 2, "b", "\"x\" is not a finite number"));
        assert_eq!(
            (cell.code, cell.message.as_str()),
            (3, "d.csv: line 3, column 2 (\"b\"): \"x\" is not a finite number")
        );
        assert_eq!(CliError::from(origami::Error::format("w.safetensors", "truncated")).code, 3);
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(CliError::from(origami::Error::io("x", io)).code, 3);
        assert_eq!(CliError::from(origami::Error::Training { msg: "NaN".into() }).code, 4);
    }
}
