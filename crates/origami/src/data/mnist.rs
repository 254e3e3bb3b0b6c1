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
            format!("not found, nor {} (set ORIGAMI_DATA to the data directory)", raw.display()),
        ),
    ))
}

/// The file's bytes, gunzipped when they start with the gzip magic (the
/// content decides, not the name).
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| Error::data(path, format!("corrupt gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Checks the magic number and reads the dimensions of an IDX header.
fn header(path: &Path, bytes: &[u8], magic: u32, what: &str) -> Result<Vec<usize>> {
    let be = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    if bytes.len() < 4 {
        return Err(Error::data(
            path,
            format!("truncated at byte offset {}: the 4-byte magic number is incomplete", bytes.len()),
        ));
    }
    let found = be(0);
    if found != magic {
        let hint = match found {
            IMAGES_MAGIC => " (this is an image file)",
            LABELS_MAGIC => " (this is a label file)",
            _ if bytes.starts_with(&[0x1f, 0x8b]) => " (gzip data inside gzip?)",
            _ => "",
        };
        return Err(Error::data(
            path,
            format!(
                "byte offset 0: wrong magic number {found:#010x}, \
                 expected {magic:#010x} for IDX {what}{hint}"
            ),
        ));
    }
    let rank = (magic & 0xff) as usize;
    let end = 4 + 4 * rank;
    if bytes.len() < end {
        return Err(Error::data(
            path,
            format!("truncated at byte offset {}: the header of {rank} dimensions needs {end} bytes", bytes.len()),
        ));
    }
    Ok((0..rank).map(|d| be(4 + 4 * d) as usize).collect())
}

/// Checks that `bytes` holds exactly `header + items * item_len` bytes.
fn check_length(path: &Path, bytes: &[u8], header: usize, items: usize, item_len: usize, what: &str) -> Result<()> {
    let need = items
        .checked_mul(item_len)
        .and_then(|b| b.checked_add(header))
        .ok_or_else(|| Error::data(path, format!("byte offset 4: {items} {what} is an impossible count")))?;
    if bytes.len() < need {
        let complete = (bytes.len() - header) / item_len.max(1);
        return Err(Error::data(
            path,
            format!(
                "truncated at byte offset {}: the header promises {items} {what} ({need} bytes), \
                 the data ends inside item {complete}",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > need {
        return Err(Error::data(
            path,
            format!("byte offset {need}: {} unexpected bytes after the last of {items} {what}", bytes.len() - need),
        ));
    }
    Ok(())
}

/// Reads an IDX image file into `[n, rows, cols, 1]` pixels in [0, 1].
pub fn read_images(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let dims = header(path, &bytes, IMAGES_MAGIC, "images")?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(Error::data(path, format!("byte offset 8: image size {rows}x{cols} is empty")));
    }
    check_length(path, &bytes, 16, n, rows.saturating_mul(cols), "images")?;
    let pixels: Vec<f32> = bytes[16..].iter().map(|&b| b as f32 / 255.0).collect();
    Tensor::from_vec(pixels, &[n, rows, cols, 1])
}

/// Reads an IDX label file into f32 class indices `[n]`; a label above 9 is
/// an error naming its byte offset.
pub fn read_labels(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let n = header(path, &bytes, LABELS_MAGIC, "labels")?[0];
    check_length(path, &bytes, 8, n, 1, "labels")?;
    if let Some(i) = bytes[8..].iter().position(|&b| b > 9) {
        return Err(Error::data(path, format!("byte offset {}: label {} is not a digit 0-9", 8 + i, bytes[8 + i])));
    }
    Tensor::from_vec(bytes[8..].iter().map(|&b| b as f32).collect(), &[n])
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
