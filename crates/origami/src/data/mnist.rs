//! MNIST in its own IDX format, gzip-compressed or raw.
//!
//! The files are read as published (`train-images-idx3-ubyte.gz` and so on),
//! so the same loader reads the project's 10,000-digit subset in `data/mnist`
//! and the full 70,000-digit MNIST. IDX is a big-endian header (a magic
//! number whose last byte is the number of dimensions, then one u32 per
//! dimension) followed by unsigned bytes. Images become `[n, 28, 28, 1]`
//! (NHWC, the layout of the engine's convolutions) scaled to [0, 1]; labels
//! become f32 class indices `[n]`.
//!
//! A bad file is an error naming the file and the byte offset (counted in
//! the decompressed stream for a .gz file), never a panic or a silently
//! short dataset.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::Dataset;
use crate::{Error, Result, Tensor};

/// Magic number of an IDX file of unsigned bytes in 3 dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes in 1 dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The MNIST training and test sets.
#[derive(Clone, Debug)]
pub struct Mnist {
    /// 60,000 digits in full MNIST (8,000 in the project's subset).
    pub train: Dataset,
    /// 10,000 digits in full MNIST (2,000 in the project's subset).
    pub test: Dataset,
}

impl Mnist {
    /// Both sets with images flattened to `[n, 784]`, for dense networks.
    pub fn flatten(&self) -> Result<Mnist> {
        Ok(Mnist { train: self.train.flatten()?, test: self.test.flatten()? })
    }
}

/// Loads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` from `dir`, each
/// with or without a `.gz` suffix (the gzip one is preferred when both exist).
pub fn load(dir: impl AsRef<Path>) -> Result<Mnist> {
    let dir = dir.as_ref();
    Ok(Mnist { train: load_set(dir, "train")?, test: load_set(dir, "t10k")? })
}

/// Loads one set by its file prefix, `"train"` or `"t10k"`.
pub fn load_set(dir: impl AsRef<Path>, prefix: &str) -> Result<Dataset> {
    let dir = dir.as_ref();
    let images_path = find(dir, &format!("{prefix}-images-idx3-ubyte"))?;
    let labels_path = find(dir, &format!("{prefix}-labels-idx1-ubyte"))?;
    let images = read_images(&images_path)?;
    let labels = read_labels(&labels_path)?;
    let (ni, nl) = (images.shape()[0], labels.shape()[0]);
    if ni != nl {
        return Err(Error::data(
            &labels_path,
            format!("byte offset 4: the label count is {nl} but {} holds {ni} images", images_path.display()),
        ));
    }
    Dataset::new(images, labels)
}

/// The directory of the project's MNIST files: `$ORIGAMI_DATA/mnist` (or
/// `$ORIGAMI_DATA` itself when it holds the files) if the variable is set,
/// else `data/mnist` at the workspace root (found from `CARGO_MANIFEST_DIR`,
/// at run time under cargo, else at build time), else `./data/mnist`.
/// The result may not exist; [`load`] then says which file is missing.
pub fn default_dir() -> PathBuf {
    resolve_dir(
        std::env::var_os("ORIGAMI_DATA").map(PathBuf::from),
        &[std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from), Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")))],
    )
}

fn resolve_dir(data_root: Option<PathBuf>, manifest_dirs: &[Option<PathBuf>]) -> PathBuf {
    if let Some(root) = data_root {
        let sub = root.join("mnist");
        return if sub.is_dir() { sub } else { root };
    }
    for m in manifest_dirs.iter().flatten() {
        let d = m.join("..").join("..").join("data").join("mnist");
        if d.is_dir() {
            return d;
        }
    }
    PathBuf::from("data").join("mnist")
}

/// `dir/name.gz` if it exists, else `dir/name`; an error naming both if neither.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(name);
    if raw.is_file() {
        return Ok(raw);
    }
    Err(Error::io(
        &gz,
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "not found, nor {} (set ORIGAMI_DATA to the data directory)",
                crate::shorten_path(&raw.display().to_string())
            ),
        ),
    ))
}

/// Slack read past the end that a header declares, to say how many bytes
/// follow it (a few, not the rest of a huge file).
const TRAILING_SLACK: u64 = 4096;

/// An IDX file's dimensions and body, read through a bounded reader: the
/// header is read and checked first (magic, then `item_dims` more sizes per
/// item after the count), the body's size it declares is checked against
/// [`crate::limits`], and no more than that size and a few bytes is ever
/// read or — for a gzip file (the content decides, not the name) —
/// decompressed. A 3 MB gzip bomb declaring 1,000 images inflates 784,000
/// bytes and a few, then stops.
fn read_idx(path: &Path, magic: u32, what: &str) -> Result<(Vec<usize>, Vec<u8>)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut raw = std::io::BufReader::new(file);
    let gzip = {
        use std::io::BufRead;
        raw.fill_buf().map_err(|e| Error::io(path, e))?.starts_with(&[0x1f, 0x8b])
    };
    let mut reader: Box<dyn Read> = if gzip { Box::new(flate2::read::MultiGzDecoder::new(raw)) } else { Box::new(raw) };
    let read_err = |e: std::io::Error| {
        if gzip {
            Error::data(path, format!("corrupt gzip data: {e}"))
        } else {
            Error::io(path, e)
        }
    };
    // the magic number, then one u32 per dimension
    let mut head = Vec::new();
    (&mut reader).take(4).read_to_end(&mut head).map_err(read_err)?;
    let dims = header(path, &head, magic, what, &mut reader).map_err(|e| match e {
        HeaderError::Io(e) => read_err(e),
        HeaderError::Bad(e) => e,
    })?;
    let header_len = 4 + 4 * dims.len();
    let item_len = dims[1..].iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let body = item_len.and_then(|l| l.checked_mul(dims[0]));
    let Some(body) = body.filter(|&b| b <= crate::limits::max_elements()) else {
        let n = body.map_or("more than fit in memory".to_string(), crate::limits::thousands);
        return Err(Error::data(
            path,
            format!(
                "byte offset 4: the header declares {dims:?} {what}, {n} bytes that would become as many floats, \
                 more than the limit of {} (the environment variable ORIGAMI_MAX_ELEMENTS sets it)",
                crate::limits::thousands(crate::limits::max_elements())
            ),
        ));
    };
    let mut bytes = Vec::new();
    reader.take(body as u64 + TRAILING_SLACK).read_to_end(&mut bytes).map_err(read_err)?;
    let item_len = item_len.unwrap_or(1);
    let (got, need) = (header_len + bytes.len(), header_len + body);
    if bytes.len() < body {
        let complete = bytes.len() / item_len.max(1);
        return Err(Error::data(
            path,
            format!(
                "truncated at byte offset {got}: the header promises {} {what} ({need} bytes), \
                 the data ends inside item {complete}",
                dims[0]
            ),
        ));
    }
    if bytes.len() > body {
        let extra = bytes.len() - body;
        let more = if extra as u64 == TRAILING_SLACK { "at least " } else { "" };
        return Err(Error::data(
            path,
            format!("byte offset {need}: {more}{extra} unexpected bytes after the last of {} {what}", dims[0]),
        ));
    }
    Ok((dims, bytes))
}

enum HeaderError {
    Io(std::io::Error),
    Bad(Error),
}

/// Checks the magic number in `magic_bytes` (what the file's first 4 bytes
/// were) and reads the dimensions that follow it from `rest`.
fn header(
    path: &Path,
    magic_bytes: &[u8],
    magic: u32,
    what: &str,
    rest: &mut dyn Read,
) -> std::result::Result<Vec<usize>, HeaderError> {
    let bad = |msg: String| HeaderError::Bad(Error::data(path, msg));
    if magic_bytes.len() < 4 {
        return Err(bad(format!(
            "truncated at byte offset {}: the 4-byte magic number is incomplete",
            magic_bytes.len()
        )));
    }
    let found = u32::from_be_bytes([magic_bytes[0], magic_bytes[1], magic_bytes[2], magic_bytes[3]]);
    if found != magic {
        let hint = match found {
            IMAGES_MAGIC => " (this is an image file)",
            LABELS_MAGIC => " (this is a label file)",
            _ if magic_bytes.starts_with(&[0x1f, 0x8b]) => " (gzip data inside gzip?)",
            _ => "",
        };
        return Err(bad(format!(
            "byte offset 0: wrong magic number {found:#010x}, expected {magic:#010x} for IDX {what}{hint}"
        )));
    }
    let rank = (magic & 0xff) as usize;
    let end = 4 + 4 * rank;
    let mut dims = Vec::new();
    rest.take(4 * rank as u64).read_to_end(&mut dims).map_err(HeaderError::Io)?;
    if dims.len() < 4 * rank {
        return Err(bad(format!(
            "truncated at byte offset {}: the header of {rank} dimensions needs {end} bytes",
            4 + dims.len()
        )));
    }
    Ok(dims.chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).collect())
}

/// Reads an IDX image file into `[n, rows, cols, 1]` pixels in [0, 1].
pub fn read_images(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let (dims, bytes) = read_idx(path, IMAGES_MAGIC, "images")?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(Error::data(path, format!("byte offset 8: image size {rows}x{cols} is empty")));
    }
    let pixels: Vec<f32> = bytes.iter().map(|&b| b as f32 / 255.0).collect();
    Tensor::from_vec(pixels, &[n, rows, cols, 1])
}

/// Reads an IDX label file into f32 class indices `[n]`; a label above 9 is
/// an error naming its byte offset.
pub fn read_labels(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let (dims, bytes) = read_idx(path, LABELS_MAGIC, "labels")?;
    if let Some(i) = bytes.iter().position(|&b| b > 9) {
        return Err(Error::data(path, format!("byte offset {}: label {} is not a digit 0-9", 8 + i, bytes[i])));
    }
    Tensor::from_vec(bytes.iter().map(|&b| b as f32).collect(), &[dims[0]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testutil::temp_dir;
    use std::io::Write;

    fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_the_real_mnist_subset() {
        let dir = default_dir();
        let m = load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
        assert_eq!(m.train.len(), 8000);
        assert_eq!(m.test.len(), 2000);
        assert_eq!(m.train.x().shape(), &[8000, 28, 28, 1]);
        assert_eq!(m.test.y().shape(), &[2000]);
        for set in [&m.train, &m.test] {
            let x = set.x().data();
            assert!(x.iter().all(|&p| (0.0..=1.0).contains(&p)));
            assert!(x.contains(&1.0) && x.contains(&0.0));
            let labels = set.labels().unwrap();
            let mut counts = [0usize; 10];
            labels.iter().for_each(|&l| counts[l] += 1);
            assert!(counts.iter().all(|&c| c > 100), "every digit present: {counts:?}");
        }
        // The files' first labels (read with xxd).
        assert_eq!(&m.train.labels().unwrap()[..4], &[2, 9, 7, 7]);
        assert_eq!(&m.test.labels().unwrap()[..4], &[1, 7, 5, 3]);
        let flat = m.flatten().unwrap();
        assert_eq!(flat.train.x().shape(), &[8000, 784]);
        assert_eq!(flat.test.x().shape(), &[2000, 784]);
    }

    #[test]
    fn raw_and_gzip_round_trip() {
        let dir = temp_dir("mnist-roundtrip");
        let pixels: Vec<u8> = (0..2 * 2 * 3).map(|v| (v * 20) as u8).collect();
        let images = idx(IMAGES_MAGIC, &[2, 2, 3], &pixels);
        let labels = idx(LABELS_MAGIC, &[2], &[7, 0]);
        std::fs::write(dir.join("train-images-idx3-ubyte"), &images).unwrap();
        std::fs::write(dir.join("train-labels-idx1-ubyte.gz"), gz(&labels)).unwrap();
        let d = load_set(&dir, "train").unwrap();
        assert_eq!(d.x().shape(), &[2, 2, 3, 1]);
        let want: Vec<f32> = pixels.iter().map(|&b| b as f32 / 255.0).collect();
        assert_eq!(d.x().to_vec(), want);
        assert_eq!(d.y().to_vec(), vec![7.0, 0.0]);
        // Content, not name, decides compression.
        std::fs::write(dir.join("x.gz"), &labels).unwrap();
        assert_eq!(read_labels(dir.join("x.gz")).unwrap().to_vec(), vec![7.0, 0.0]);
    }

    fn err_of(r: Result<Tensor>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn bad_files_name_the_file_and_the_offset() {
        let dir = temp_dir("mnist-bad");
        let p = dir.join("wrong-magic");
        std::fs::write(&p, idx(LABELS_MAGIC, &[1, 1, 1], &[0])).unwrap();
        let e = err_of(read_images(&p));
        assert!(e.contains("wrong-magic") && e.contains("byte offset 0") && e.contains("0x00000801"), "{e}");
        assert!(e.contains("expected 0x00000803") && e.contains("label file"), "{e}");

        let p = dir.join("short-header.gz");
        std::fs::write(&p, gz(&idx(IMAGES_MAGIC, &[5], &[]))).unwrap();
        let e = err_of(read_images(&p));
        assert!(e.contains("short-header.gz") && e.contains("truncated at byte offset 8"), "{e}");
        // an image size of 0 is caught before the length
        let p = dir.join("empty-images");
        std::fs::write(&p, idx(IMAGES_MAGIC, &[3, 0, 2], &[])).unwrap();
        assert!(err_of(read_images(&p)).contains("image size 0x2 is empty"));

        let p = dir.join("truncated");
        std::fs::write(&p, idx(IMAGES_MAGIC, &[3, 2, 2], &[0; 10])).unwrap();
        let e = err_of(read_images(&p));
        assert!(e.contains("truncated") && e.contains("truncated at byte offset 26"), "{e}");
        assert!(e.contains("3 images") && e.contains("item 2"), "{e}");

        let p = dir.join("trailing");
        std::fs::write(&p, idx(LABELS_MAGIC, &[2], &[1, 2, 3])).unwrap();
        let e = err_of(read_labels(&p));
        assert!(e.contains("trailing") && e.contains("byte offset 10") && e.contains("1 unexpected"), "{e}");

        let p = dir.join("big-label");
        std::fs::write(&p, idx(LABELS_MAGIC, &[3], &[1, 12, 3])).unwrap();
        let e = err_of(read_labels(&p));
        assert!(e.contains("big-label") && e.contains("byte offset 9") && e.contains("label 12"), "{e}");
        // a malformed IDX file is a data error (its place, a byte offset, is in the message)
        let r = read_labels(&p);
        assert!(matches!(&r, Err(Error::Data { file, line: None, .. }) if file.ends_with("big-label")), "{r:?}");

        let p = dir.join("tiny");
        std::fs::write(&p, [0u8, 0]).unwrap();
        let e = err_of(read_labels(&p));
        assert!(e.contains("tiny") && e.contains("truncated at byte offset 2"), "{e}");

        let p = dir.join("bad.gz");
        let mut z = gz(&idx(LABELS_MAGIC, &[1], &[1]));
        z.truncate(z.len() - 6);
        std::fs::write(&p, z).unwrap();
        let e = err_of(read_labels(&p));
        assert!(e.contains("bad.gz") && e.contains("gzip"), "{e}");
    }

    /// A gzip bomb (a small file that inflates to gigabytes) and a header
    /// that declares more than the limit are refused after reading the
    /// header and what it declares, never inflating the rest (the reader
    /// used to inflate 6.3 GB before looking at the header).
    #[test]
    fn a_gzip_bomb_is_refused_without_inflating_it() {
        let dir = temp_dir("mnist-bomb");
        // the header declares 10 images of 28x28; the stream holds 256 MB of zeros
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&idx(IMAGES_MAGIC, &[10, 28, 28], &[])).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..256 {
            e.write_all(&chunk).unwrap();
        }
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        let p = dir.join("bomb.gz");
        std::fs::write(&p, &bomb).unwrap();
        let started = std::time::Instant::now();
        let e = err_of(read_images(&p));
        assert!(e.contains("bomb.gz") && e.contains("byte offset 7856: at least 4096 unexpected bytes"), "{e}");
        assert!(started.elapsed().as_secs_f64() < 1.0, "inflated the bomb: {:?}", started.elapsed());
        // a header past the limit, raw or compressed, is refused from the header alone
        for (name, bytes) in [
            ("huge", idx(IMAGES_MAGIC, &[u32::MAX, 28, 28], &[])),
            ("huge.gz", gz(&idx(LABELS_MAGIC, &[u32::MAX], &[]))),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            let r = if name.ends_with("gz") { read_labels(&p) } else { read_images(&p) };
            let e = err_of(r);
            assert!(e.contains(name) && e.contains("byte offset 4") && e.contains("limit"), "{e}");
        }
    }

    #[test]
    fn count_mismatch_and_missing_files() {
        let dir = temp_dir("mnist-mismatch");
        std::fs::write(dir.join("t10k-images-idx3-ubyte"), idx(IMAGES_MAGIC, &[2, 1, 1], &[0, 255])).unwrap();
        std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx(LABELS_MAGIC, &[3], &[0, 1, 2])).unwrap();
        let e = load_set(&dir, "t10k").unwrap_err().to_string();
        assert!(e.contains("t10k-labels-idx1-ubyte") && e.contains("byte offset 4"), "{e}");
        assert!(e.contains("label count is 3") && e.contains("2 images") && e.contains("t10k-images"), "{e}");
        let e = load(&dir).unwrap_err().to_string();
        assert!(e.contains("train-images-idx3-ubyte.gz") && e.contains("not found"), "{e}");
        assert!(matches!(load(&dir), Err(Error::Io { .. })), "a missing file is an I/O error");
        assert!(matches!(load_set(&dir, "t10k"), Err(Error::Data { .. })));
    }

    #[test]
    fn default_dir_resolution() {
        let dir = temp_dir("mnist-dirs");
        std::fs::create_dir_all(dir.join("root/mnist")).unwrap();
        std::fs::create_dir_all(dir.join("ws/data/mnist")).unwrap();
        std::fs::create_dir_all(dir.join("ws/crates/x")).unwrap();
        assert_eq!(resolve_dir(Some(dir.join("root")), &[]), dir.join("root/mnist"));
        assert_eq!(resolve_dir(Some(dir.join("plain")), &[]), dir.join("plain"));
        let found = resolve_dir(None, &[None, Some(dir.join("ws/crates/x"))]);
        assert!(found.ends_with("data/mnist") && found.is_dir(), "{}", found.display());
        assert_eq!(resolve_dir(None, &[Some(dir.join("nowhere"))]), PathBuf::from("data/mnist"));
        assert!(default_dir().join("train-images-idx3-ubyte.gz").is_file());
    }
}
