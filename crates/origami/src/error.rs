//! The one error type of origami.
//!
//! Every fallible public call returns [`Result<T>`]. Messages are written for a
//! person: they name the operation and the shapes (or the file and the byte)
//! so that the fix is obvious without a debugger.

use std::fmt;

/// Everything that can go wrong in origami.
#[derive(Debug)]
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
    /// A file whose content is not what it should be.
    Format { path: String, msg: String },
    /// Training could not go on (a NaN loss, say).
    Training { msg: String },
}

/// `std::result::Result` with origami's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

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
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Format { path, msg } => write!(f, "{path}: {msg}"),
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
