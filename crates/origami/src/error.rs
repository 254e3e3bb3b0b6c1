//! The one error type of origami.
//!
//! Every fallible public call returns [`Result<T>`]. Messages are written for a
//! person: they name the operation and the shapes (or the file and the byte)
//! so that the fix is obvious without a debugger. What a program decides on
//! is in the variants' fields, never in the text: a bad spec value is
//! [`Error::Spec`] with its key path, a bad data file is [`Error::Data`]
//! with its line and column, a run that cannot go on is [`Error::Training`].

use std::fmt;

/// Everything that can go wrong in origami. New variants may be added.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that an operation cannot combine.
    ShapeMismatch { op: &'static str, lhs: Vec<usize>, rhs: Vec<usize>, why: &'static str },
    /// An axis that the tensor does not have.
    AxisOutOfRange { op: &'static str, axis: usize, shape: Vec<usize> },
    /// An argument outside its domain (a zero stride, an index past the end…).
    InvalidArgument { op: &'static str, msg: String },
    /// `backward` on a tensor with more than one element and no seed gradient.
    NonScalarBackward { shape: Vec<usize> },
    /// A gradient asked of a tensor that did not receive one.
    NoGradient { what: String },
    /// A file that could not be read or written.
    Io { path: String, source: std::io::Error },
    /// A file whose content is not what it should be (a model directory's
    /// files, weights, a history).
    Format { path: String, msg: String },
    /// A model or training spec with a bad value at `path`, a key path such as
    /// `layers[2].units` or `optimizer.rho`. Shown as `path: msg`.
    Spec { path: String, msg: String },
    /// A data file (CSV, IDX) that cannot be read as data. `line` and
    /// `column` count from 1, as editors do; `column_name` is the column's
    /// header (or `col0`… without one). Shown as `file: line 3, column 2
    /// ("b"): msg`, each part present only when known; an IDX file's
    /// position is a byte offset in `msg`.
    Data { file: String, line: Option<u64>, column: Option<usize>, column_name: Option<String>, msg: String },
    /// Training could not go on (a NaN loss, say).
    Training { msg: String },
}

/// `std::result::Result` with origami's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The most characters of a bad value that a message quotes.
pub const QUOTE_CHARS: usize = 80;

/// `text` (a message's part that already quotes a value, as serde's
/// `invalid type: string "…"` does) cut to its first [`QUOTE_CHARS`]
/// characters with `…` and its full length when longer.
pub fn shorten(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= QUOTE_CHARS {
        return text.to_string();
    }
    format!("{}… ({chars} characters)", text.chars().take(QUOTE_CHARS).collect::<String>())
}

/// A parser's message (serde's "unknown field `…`", "invalid type: string
/// \"…\"") for an error of origami: every `backquoted` value cut by
/// [`shorten`], then the whole cut to four times that (a parser may quote a
/// value in another way).
pub fn shorten_message(msg: &str) -> String {
    let cut: Vec<String> =
        msg.split('`').enumerate().map(|(i, p)| if i % 2 == 1 { shorten(p) } else { p.to_string() }).collect();
    let cut = cut.join("`");
    if cut.chars().count() <= 4 * QUOTE_CHARS {
        return cut;
    }
    format!("{}…", cut.chars().take(4 * QUOTE_CHARS).collect::<String>())
}

/// A file's path for a message: whole up to four times [`QUOTE_CHARS`]
/// characters, else its start and its end (the file's name) around `…` —
/// a path in a config is a value like any other.
pub fn shorten_path(path: &str) -> String {
    let chars = path.chars().count();
    let keep = 2 * QUOTE_CHARS;
    if chars <= 2 * keep {
        return path.to_string();
    }
    let head: String = path.chars().take(keep).collect();
    let tail: String = path.chars().skip(chars - keep).collect();
    format!("{head}…{tail}")
}

/// `value` quoted for an error message: in double quotes with quotes,
/// backslashes and control characters escaped (as Rust's `{:?}`), and cut
/// to its first [`QUOTE_CHARS`] characters with `…` and its full length when
/// longer, so that a 50 MB cell gives a line of stderr, not 50 MB. Every
/// message of origami that shows a value from a file or a config quotes it
/// through here.
pub fn quote(value: &str) -> String {
    let chars = value.chars().count();
    if chars <= QUOTE_CHARS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(QUOTE_CHARS).collect();
    let shown = format!("{head:?}");
    format!("{}…\" ({chars} characters)", &shown[..shown.len() - 1])
}

impl Error {
    pub(crate) fn shape(op: &'static str, lhs: &[usize], rhs: &[usize], why: &'static str) -> Self {
        Error::ShapeMismatch { op, lhs: lhs.to_vec(), rhs: rhs.to_vec(), why }
    }
    pub(crate) fn arg(op: &'static str, msg: impl Into<String>) -> Self {
        Error::InvalidArgument { op, msg: msg.into() }
    }
    pub(crate) fn axis(op: &'static str, axis: usize, shape: &[usize]) -> Self {
        Error::AxisOutOfRange { op, axis, shape: shape.to_vec() }
    }
    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().display().to_string(), source }
    }
    /// Content of `path` that is malformed; `msg` says where and how.
    pub fn format(path: impl AsRef<std::path::Path>, msg: impl Into<String>) -> Self {
        Error::Format { path: path.as_ref().display().to_string(), msg: msg.into() }
    }
    /// A bad spec value at the key path `path`.
    pub fn spec(path: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Spec { path: path.into(), msg: msg.into() }
    }
    /// The same error with `prefix` put before a spec error's key path
    /// (`"model."` makes `layers[0].units` into `model.layers[0].units`), for
    /// a spec that sits inside a larger document; other errors are unchanged.
    pub fn with_path_prefix(self, prefix: &str) -> Self {
        match self {
            Error::Spec { path, msg } => Error::Spec { path: format!("{prefix}{path}"), msg },
            other => other,
        }
    }
    /// A data file `file` that is malformed as a whole, or at a place `msg` names.
    pub fn data(file: impl AsRef<std::path::Path>, msg: impl Into<String>) -> Self {
        Error::Data {
            file: file.as_ref().display().to_string(),
            line: None,
            column: None,
            column_name: None,
            msg: msg.into(),
        }
    }
    /// A data file malformed at `line` (from 1).
    pub fn data_at_line(file: impl AsRef<std::path::Path>, line: u64, msg: impl Into<String>) -> Self {
        let file = file.as_ref().display().to_string();
        Error::Data { file, line: Some(line), column: None, column_name: None, msg: msg.into() }
    }
    /// A data file's bad cell: `line` and `column` from 1, the column named `column_name`.
    pub fn data_at_cell(
        file: impl AsRef<std::path::Path>,
        line: u64,
        column: usize,
        column_name: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Error::Data {
            file: file.as_ref().display().to_string(),
            line: Some(line),
            column: Some(column),
            column_name: Some(column_name.into()),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch { op, lhs, rhs, why } => {
                write!(f, "{op}: shapes {lhs:?} and {rhs:?} do not fit: {why}")
            }
            Error::AxisOutOfRange { op, axis, shape } => {
                write!(f, "{op}: axis {axis} is out of range for a tensor of shape {shape:?} (rank {})", shape.len())
            }
            Error::InvalidArgument { op, msg } => write!(f, "{op}: {msg}"),
            Error::NonScalarBackward { shape } => write!(
                f,
                "backward: the tensor has shape {shape:?}, not a single element; \
                 reduce it to a scalar loss first or pass a seed gradient to backward_with"
            ),
            Error::NoGradient { what } => write!(f, "no gradient for {what}"),
            Error::Io { path, source } => write!(f, "{}: {source}", shorten_path(path)),
            Error::Format { path, msg } => write!(f, "{}: {msg}", shorten_path(path)),
            Error::Spec { path, msg } if path.is_empty() => write!(f, "{msg}"),
            Error::Spec { path, msg } => write!(f, "{path}: {msg}"),
            Error::Data { file, line, column, column_name, msg } => {
                write!(f, "{}: ", shorten_path(file))?;
                let mut place: Vec<String> = line.iter().map(|l| format!("line {l}")).collect();
                place.extend(match (column, column_name) {
                    (Some(c), Some(n)) => Some(format!("column {c} ({})", quote(n))),
                    (Some(c), None) => Some(format!("column {c}")),
                    (None, Some(n)) => Some(format!("column {}", quote(n))),
                    (None, None) => None,
                });
                if !place.is_empty() {
                    write!(f, "{}: ", place.join(", "))?;
                }
                write!(f, "{msg}")
            }
            Error::Training { msg } => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Conv2DConfig, DenseConfig};
    use crate::optim::AdamConfig;
    use crate::spec::{LayerSpec, ModelSpec, OptimizerSpec, TrainingSpec};

    #[test]
    fn a_bad_spec_is_a_spec_error_at_its_key_path() {
        let dense = |units| LayerSpec::Dense(DenseConfig { units, ..Default::default() });
        let spec = ModelSpec { input_shape: vec![4], layers: vec![dense(3), dense(0)] };
        match spec.validate() {
            Err(Error::Spec { path, msg }) => {
                assert_eq!(path, "layers[1].units");
                assert_eq!(msg, "expected a positive integer, found 0");
            }
            other => panic!("not a spec error: {other:?}"),
        }
        let e = spec.validate().unwrap_err();
        assert_eq!(e.to_string(), "layers[1].units: expected a positive integer, found 0");
        let e = e.with_path_prefix("model.");
        assert!(matches!(&e, Error::Spec { path, .. } if path == "model.layers[1].units"), "{e:?}");
        assert_eq!(e.to_string(), "model.layers[1].units: expected a positive integer, found 0");

        let optimizer = OptimizerSpec::from(AdamConfig { beta_1: 1.5, ..Default::default() });
        let t = TrainingSpec { optimizer, ..Default::default() };
        assert!(matches!(t.validate(), Err(Error::Spec { path, .. }) if path == "optimizer.beta_1"));
        // a layer that cannot take its input is a spec error naming the layer
        let conv = LayerSpec::Conv2D(Conv2DConfig { filters: 2, ..Default::default() });
        let bad = ModelSpec { input_shape: vec![4], layers: vec![conv] };
        assert!(matches!(bad.build(&mut crate::Rng::seed(0)), Err(Error::Spec { path, .. }) if path == "layers[0]"));
    }

    #[test]
    fn a_path_prefix_leaves_other_errors_alone() {
        let e = Error::format("w.safetensors", "truncated").with_path_prefix("model.");
        assert_eq!(e.to_string(), "w.safetensors: truncated");
        assert_eq!(Error::spec("", "no layers").to_string(), "no layers");
    }

    #[test]
    fn quoted_values_are_escaped_and_cut() {
        assert_eq!(quote("oops"), "\"oops\"");
        assert_eq!(quote("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        let long = "x".repeat(50_000_000);
        let q = quote(&long);
        assert!(q.len() < 120, "{} bytes", q.len());
        assert_eq!(q, format!("\"{}…\" (50000000 characters)", "x".repeat(80)));
        let m = shorten_message(&format!("unknown field `{}`, expected `a`", "y".repeat(10_000)));
        assert!(m.len() < 200 && m.ends_with("expected `a`"), "{m}");
        assert!(shorten_message(&"z".repeat(10_000)).chars().count() <= 4 * QUOTE_CHARS + 1);
        let long = format!("/{}/data.csv", "d".repeat(100_000));
        let e = Error::data(&long, "the file holds no rows").to_string();
        assert!(e.len() < 400 && e.ends_with("ddd/data.csv: the file holds no rows"), "{e}");
        // cut at a character, not a byte
        let q = quote(&"é".repeat(100));
        assert!(q.starts_with(&format!("\"{}…", "é".repeat(80))), "{q}");
    }

    #[test]
    fn data_errors_show_the_parts_they_have() {
        assert_eq!(Error::data("a.csv", "the file holds no rows").to_string(), "a.csv: the file holds no rows");
        assert_eq!(Error::data_at_line("a.csv", 3, "ragged").to_string(), "a.csv: line 3: ragged");
        let e = Error::data_at_cell("a.csv", 3, 2, "b", "\"x\" is not a finite number");
        assert_eq!(e.to_string(), "a.csv: line 3, column 2 (\"b\"): \"x\" is not a finite number");
        let e = Error::Data {
            file: "a.csv".into(),
            line: None,
            column: None,
            column_name: Some("b".into()),
            msg: "m".into(),
        };
        assert_eq!(e.to_string(), "a.csv: column \"b\": m");
    }
}
