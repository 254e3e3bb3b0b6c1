//! Loading the data a config names: MNIST directories, CSV files and the
//! synthetic 2-D sets, split into training and test sets, with the
//! preprocessing (standardisation, class names) that a saved model needs.

use std::path::Path;

use origami::data::{self, csv, table, Dataset, Standardizer};
use origami::spec::Preprocessing;
use origami::{quote, Rng, Tensor};

use crate::config::{DataConfig, DataKind, TaskName};
use crate::error::{CliError, CliResult};

/// Training and test sets and what the model needs to know about them.
pub struct Loaded {
    pub train: Dataset,
    pub test: Dataset,
    pub task: TaskName,
    /// Number of classes (classification) or target columns (regression).
    pub outputs: usize,
    pub preprocessing: Preprocessing,
    /// Images (a CNN default) rather than feature vectors.
    pub images: bool,
    /// A CSV table: what was read and how each column is encoded.
    pub report: Option<table::TableReport>,
    /// A CSV table as read, for refitting its encoder on other rows
    /// (tune's folds).
    pub table: Option<std::sync::Arc<TableSource>>,
}

/// A CSV table as read and how its training rows were chosen.
pub struct TableSource {
    pub raw: table::RawTable,
    pub options: table::TableOptions,
    pub target: String,
    /// `train`'s sample `i` is `raw`'s row `train_rows[i]`.
    pub train_rows: Vec<usize>,
}

impl TableSource {
    /// Fits the encoder on the training samples `fit` and encodes them and
    /// `held_out` (indices into the training set): nothing of a fold's
    /// held-out rows reaches its preprocessing.
    pub fn refit(&self, fit: &[usize], held_out: &[usize], train: &Dataset) -> CliResult<(Dataset, Dataset)> {
        let rows = |idx: &[usize]| idx.iter().map(|&i| self.train_rows[i]).collect::<Vec<_>>();
        let (fit_rows, held_rows) = (rows(fit), rows(held_out));
        let (enc, _) = table::TableEncoder::fit(&self.raw, &self.target, &fit_rows, &self.options)?;
        // the targets of the samples `idx` (a sample's row of `y`: one class or its values)
        let (y, y_shape) = (train.y().to_vec(), train.y().shape().to_vec());
        let k = y_shape[1..].iter().product::<usize>();
        let part = |idx: &[usize], rows: &[usize]| -> CliResult<Dataset> {
            let ys: Vec<f32> = idx.iter().flat_map(|&i| y[i * k..(i + 1) * k].iter().copied()).collect();
            let mut shape = y_shape.clone();
            shape[0] = idx.len();
            Ok(Dataset::new(enc.encode(&self.raw, rows)?, Tensor::from_vec(ys, &shape)?)?)
        };
        Ok((part(fit, &fit_rows)?, part(held_out, &held_rows)?))
    }
}

/// The table options of a data config.
pub fn table_options(c: &DataConfig) -> table::TableOptions {
    let mut o = table::TableOptions::default();
    if let Some(m) = &c.missing {
        o.missing = m.clone();
    }
    if let Some(k) = &c.columns {
        o.columns = k.clone();
    }
    if let Some(d) = &c.drop {
        o.drop = d.clone();
    }
    if let Some(m) = c.max_one_hot {
        o.max_one_hot = m;
    }
    o.standardize = c.standardize.unwrap_or(true);
    o
}

fn first(d: &Dataset, limit: Option<usize>) -> CliResult<Dataset> {
    match limit {
        Some(n) if n < d.len() => Ok(d.subset(&(0..n).collect::<Vec<_>>())?),
        _ => Ok(d.clone()),
    }
}

/// Loads the data of a config, standardised (if the config asks for it,
/// the default for features) with statistics of the training split alone.
pub fn load(c: &DataConfig, seed: u64) -> CliResult<Loaded> {
    let mut loaded = load_unscaled(c, seed)?;
    if standardizes(c, &loaded) {
        let (train, test, s) = standardize_split(&loaded.train, &loaded.test)?;
        (loaded.train, loaded.test) = (train, test);
        loaded.preprocessing.mean = s.mean;
        loaded.preprocessing.std = s.std;
    }
    Ok(loaded)
}

/// Whether the config standardises this data (default: features yes,
/// images no) with a [`Standardizer`]; a table's encoder standardises its
/// own number columns.
pub fn standardizes(c: &DataConfig, loaded: &Loaded) -> bool {
    loaded.table.is_none() && c.standardize.unwrap_or(!loaded.images)
}

/// Fits a [`Standardizer`] on `train` alone and applies it to both sets:
/// nothing of the held-out set (a test split, a cross-validation fold)
/// reaches training.
pub fn standardize_split(train: &Dataset, held_out: &Dataset) -> CliResult<(Dataset, Dataset, Standardizer)> {
    let s = Standardizer::fit(train.x());
    Ok((s.transform_dataset(train)?, s.transform_dataset(held_out)?, s))
}

/// The data of a config, split but not standardised: what `tune` folds
/// before fitting a scaler on each fold's training part.
pub fn load_unscaled(c: &DataConfig, seed: u64) -> CliResult<Loaded> {
    let mut loaded = match c.kind {
        DataKind::Mnist => {
            let dir = c.path.clone().unwrap_or_else(data::mnist::default_dir);
            let m = data::mnist::load(&dir)?;
            Loaded {
                train: m.train,
                test: m.test,
                task: TaskName::Classification,
                outputs: 10,
                preprocessing: Preprocessing {
                    class_names: (0..10).map(|d| d.to_string()).collect(),
                    ..Default::default()
                },
                images: true,
                report: None,
                table: None,
            }
        }
        DataKind::Csv => {
            let path = c.path.clone().unwrap_or_default();
            let target = c.target.clone().unwrap_or_default();
            load_table(c, &path, &target, seed)?
        }
        DataKind::Synthetic => {
            let name = c.name.clone().unwrap_or_default();
            let (d, task) = synthetic(&name, c.n.unwrap_or(500), c.noise.unwrap_or(0.0), c.classes, seed)?;
            let classes = if task == TaskName::Classification { Some(Vec::new()) } else { None };
            split(d, task, c.test_fraction, seed, classes, vec!["x1".into(), "x2".into()], Some("y".into()))?
        }
    };
    loaded.train = first(&loaded.train, c.train_limit)?;
    loaded.test = first(&loaded.test, c.test_limit)?;
    Ok(loaded)
}

/// A CSV table: read once, its columns' kinds inferred, split (stratified
/// for classes), encoded with a preprocessing fitted on the training rows.
fn load_table(c: &DataConfig, path: &Path, target: &str, seed: u64) -> CliResult<Loaded> {
    if !path.is_file() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        return Err(origami::Error::io(path, missing).into());
    }
    let options = table_options(c);
    let raw = table::read(path, &options)?;
    let task = c.task.map(|t| match t {
        TaskName::Classification => csv::Task::Classification,
        TaskName::Regression => csv::Task::Regression,
    });
    let rng = &mut Rng::seed(seed ^ 0x5EED);
    let p = table::prepare(&raw, target, task, c.test_fraction.unwrap_or(0.2), rng, &options)?;
    let classification = p.targets.task == csv::Task::Classification;
    if classification && p.targets.class_names.len() < 2 {
        return Err(CliError::data(format!(
            "{}: the target column {} holds a single class {}; classification needs at least 2 \
             (or set task = \"regression\")",
            origami::shorten_path(&path.display().to_string()),
            quote(target),
            p.targets.class_names.first().map_or_else(|| "\"\"".into(), |k| quote(k))
        )));
    }
    let table::Prepared { train, test, encoder, report, targets, train_rows, .. } = p;
    Ok(Loaded {
        task: if classification { TaskName::Classification } else { TaskName::Regression },
        outputs: if classification { targets.class_names.len() } else { 1 },
        preprocessing: Preprocessing {
            target_name: Some(target.to_string()),
            feature_names: encoder.feature_names(),
            class_names: targets.class_names,
            table: Some(encoder),
            ..Default::default()
        },
        images: false,
        report: Some(report),
        table: Some(std::sync::Arc::new(TableSource { raw, options, target: target.to_string(), train_rows })),
        train,
        test,
    })
}

#[allow(clippy::too_many_arguments)]
fn split(
    d: Dataset,
    task: TaskName,
    test_fraction: Option<f64>,
    seed: u64,
    class_names: Option<Vec<String>>,
    feature_names: Vec<String>,
    target_name: Option<String>,
) -> CliResult<Loaded> {
    let classification = task == TaskName::Classification;
    let outputs = if classification { d.num_classes()? } else { d.y().shape().get(1).copied().unwrap_or(1) };
    let s = d.split(0.0, test_fraction.unwrap_or(0.2), &mut Rng::seed(seed ^ 0x5EED), classification)?;
    let class_names = match class_names {
        Some(n) if n.is_empty() => (0..outputs).map(|c| c.to_string()).collect(),
        Some(n) => n,
        None => Vec::new(),
    };
    Ok(Loaded {
        train: s.train,
        test: s.test,
        task,
        outputs,
        preprocessing: Preprocessing { feature_names, target_name, class_names, ..Default::default() },
        images: false,
        report: None,
        table: None,
    })
}

fn synthetic(name: &str, n: usize, noise: f32, classes: Option<usize>, seed: u64) -> CliResult<(Dataset, TaskName)> {
    use data::synthetic as s;
    if !s::NAMES.contains(&name) {
        return Err(CliError::usage(format!(
            "data.name: unknown synthetic set {}; expected one of {}",
            quote(name),
            s::NAMES.join(", ")
        )));
    }
    // every argument of a generator is the config's
    let d = s::by_name(name, n, classes.unwrap_or(3), noise, &mut Rng::seed(seed))
        .map_err(|e| CliError::usage(format!("data: {e}")))?;
    Ok((d, if s::is_regression(name) { TaskName::Regression } else { TaskName::Classification }))
}

/// Inputs for `predict`/`evaluate` on a saved model: an MNIST directory
/// (its test set), an IDX images file, or a CSV file (features by the
/// model's column names when it has a header).
pub struct Inputs {
    pub x: Tensor,
    /// Targets, when asked for and the file has them (CSV with the target
    /// column, MNIST).
    pub y: Option<Tensor>,
}

/// Reads model inputs from `path`, applying the model's preprocessing; the
/// targets too when `with_targets` (evaluate: a CSV's target column, read
/// as the model's classes), else a CSV's target column is not read at all
/// (predict: it may be missing, empty or `?`).
pub fn read_inputs(path: &Path, p: &Preprocessing, input_shape: &[usize], with_targets: bool) -> CliResult<Inputs> {
    if let (Some(enc), false) = (&p.table, path.is_dir()) {
        not_an_input(path)?;
        let target = p.target_name.as_deref().filter(|_| with_targets).map(|t| (t, &p.class_names[..]));
        let mut rows = enc.open(path, target)?;
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        while let Some((x, y)) = rows.next_batch(65_536)? {
            xs.push(x);
            ys.extend(y);
        }
        if xs.is_empty() {
            return Err(CliError::data(format!("{}: the file holds no rows.", path.display())));
        }
        let x = Tensor::concat(&xs, 0)?;
        let y = if ys.is_empty() { None } else { Some(Tensor::concat(&ys, 0)?) };
        return Ok(Inputs { x, y });
    }
    let mut inputs = if path.is_dir() {
        let d = data::mnist::load_set(path, "t10k")?;
        Inputs { x: d.x().clone(), y: Some(d.y().clone()) }
    } else if is_idx(path) {
        Inputs { x: data::mnist::read_images(path)?, y: None }
    } else {
        not_an_input(path)?;
        read_feature_csv(path, p, with_targets)?
    };
    if !p.mean.is_empty() {
        let s = Standardizer::new(p.mean.clone(), p.std.clone())?;
        inputs.x = s.transform(&inputs.x).map_err(|_| {
            CliError::data(format!(
                "{}: samples have shape {:?}, but the model takes {} features.",
                path.display(),
                &inputs.x.shape()[1..],
                p.mean.len()
            ))
        })?;
    }
    let want = origami::limits::checked_numel(input_shape).unwrap_or(usize::MAX);
    let n = inputs.x.shape()[0];
    if n.checked_mul(want) != Some(inputs.x.numel()) {
        return Err(CliError::data(format!(
            "{}: samples have shape {:?}, but the model takes {:?}.",
            path.display(),
            &inputs.x.shape()[1..],
            input_shape
        )));
    }
    let mut shape = vec![n];
    shape.extend_from_slice(input_shape);
    inputs.x = inputs.x.reshape(&shape)?;
    Ok(inputs)
}

fn is_idx(path: &Path) -> bool {
    idx_kind(path) == Some(3)
}

/// Whether `path` is an IDX file, and of how many dimensions (1: labels,
/// 3: images), by its name (`…-idx1-ubyte[.gz]`) or, uncompressed, by its
/// magic number (0x0000_08_0D: unsigned bytes, D dimensions).
pub fn idx_kind(path: &Path) -> Option<u8> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    for d in [1u8, 3] {
        if name.contains(&format!("idx{d}-ubyte")) {
            return Some(d);
        }
    }
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(path).ok()?;
    std::io::Read::read_exact(&mut f, &mut head).ok()?;
    (head[..3] == [0, 0, 8] && (1..=4).contains(&head[3])).then_some(head[3])
}

/// Refuses files that are not model inputs before reading them as text: an
/// IDX labels file, or any gzip file that is no IDX images file.
fn not_an_input(path: &Path) -> CliResult<()> {
    let what = match idx_kind(path) {
        Some(1) => "an IDX labels file (idx1-ubyte)".to_string(),
        Some(d) if d != 3 => format!("an IDX file of {d} dimensions"),
        Some(_) => return Ok(()),
        None => {
            let mut head = [0u8; 2];
            let gz = std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
                .is_ok_and(|_| head == [0x1f, 0x8b]);
            if !gz {
                return Ok(());
            }
            "a gzip file that is no IDX images file".to_string()
        }
    };
    Err(CliError::data(format!(
        "{} is {what}; the inputs of a model are an MNIST directory, an IDX images file \
         (…-idx3-ubyte or .gz) or a CSV file.",
        path.display()
    )))
}

/// A numeric CSV: with a header, columns are picked by the model's feature
/// names (and, `with_targets`, the target column becomes `y`); without one,
/// every column is a feature. Cells are read as training reads them
/// (`csv::parse_cell`: NaN, infinities and `1e309` are errors naming the
/// file, line and column), a header naming two columns alike is refused,
/// and a class must be one of the model's class names as written (a
/// numeric cell is never taken for a class index). Quoted cells and CRLF
/// line ends are read as RFC 4180 says (the library's CSV reader).
fn read_feature_csv(path: &Path, p: &Preprocessing, with_targets: bool) -> CliResult<Inputs> {
    let records = csv::read_records(path, b',')?;
    let Some((first_line, first)) = records.first() else {
        return Err(CliError::data(format!("{}: the file is empty.", path.display())));
    };
    // a row with a cell that is no number at all is a header ("NaN" is a
    // number, refused below with its place)
    let header = first.iter().any(|c| c.trim().parse::<f32>().is_err());
    if header {
        csv::check_unique_names(path, *first_line, first)?;
    }
    let name_of = |c: usize| if header { first[c].clone() } else { format!("col{c}") };
    let (cols, target): (Vec<usize>, Option<usize>) = if header && !p.feature_names.is_empty() {
        let find = |n: &str| first.iter().position(|c| c == n);
        let cols = p
            .feature_names
            .iter()
            .map(|n| {
                find(n).ok_or_else(|| {
                    CliError::from(origami::Error::data_at_line(
                        path,
                        *first_line,
                        format!("has no column {}; the header has {}", quote(n), csv::list_names(first)),
                    ))
                })
            })
            .collect::<CliResult<Vec<_>>>()?;
        (cols, p.target_name.as_deref().filter(|_| with_targets).and_then(find))
    } else {
        ((0..first.len()).collect(), None)
    };
    let body = if header { &records[1..] } else { &records[..] };
    let n = body.len();
    if n == 0 {
        return Err(CliError::data(format!("{}: the file holds no rows.", path.display())));
    }
    let field = |line: u64, row: &[String], c: usize| -> CliResult<String> {
        row.get(c).cloned().ok_or_else(|| {
            CliError::from(origami::Error::data_at_line(
                path,
                line,
                format!("the row has {} fields, but column {} is field {}", row.len(), quote(&name_of(c)), c + 1),
            ))
        })
    };
    let mut x = Vec::with_capacity(n * cols.len());
    let mut y = Vec::new();
    for (line, row) in body {
        for &c in &cols {
            x.push(csv::parse_cell(path, *line, c, &name_of(c), &field(*line, row, c)?)?);
        }
        if let Some(t) = target {
            let cell = field(*line, row, t)?;
            let v = if p.class_names.is_empty() {
                csv::parse_cell(path, *line, t, &name_of(t), &cell)?
            } else {
                let cell = cell.trim();
                match p.class_names.iter().position(|c| c == cell) {
                    Some(i) => i as f32,
                    None => {
                        return Err(origami::Error::data_at_cell(
                            path,
                            *line,
                            t + 1,
                            name_of(t),
                            format!(
                                "{} is not one of the model's classes {}",
                                quote(cell),
                                csv::list_names(&p.class_names)
                            ),
                        )
                        .into())
                    }
                }
            };
            y.push(v);
        }
    }
    let x = Tensor::from_vec(x, &[n, cols.len()])?;
    let y = match target {
        Some(_) if p.class_names.is_empty() => Some(Tensor::from_vec(y, &[n, 1])?),
        Some(_) => Some(Tensor::from_vec(y, &[n])?),
        None => None,
    };
    Ok(Inputs { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task_of(name: &str, text: &str) -> CliResult<TaskName> {
        let dir = std::env::temp_dir().join(format!("origami-cli-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let c = DataConfig {
            kind: DataKind::Csv,
            path: Some(p.clone()),
            target: Some("y".into()),
            task: None,
            name: None,
            n: None,
            noise: None,
            classes: None,
            test_fraction: None,
            train_limit: None,
            test_limit: None,
            standardize: None,
            missing: None,
            columns: None,
            drop: None,
            max_one_hot: None,
        };
        load(&c, 0).map(|l| l.task)
    }

    #[test]
    fn the_target_column_decides_the_task() {
        assert_eq!(task_of("text.csv", "a,y\n1,cat\n2,dog\n3,cat\n4,dog\n").unwrap(), TaskName::Classification);
        assert_eq!(task_of("whole.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n").unwrap(), TaskName::Classification);
        assert_eq!(task_of("real.csv", "a,y\n1,0.5\n2,1.25\n3,2\n4,3\n").unwrap(), TaskName::Regression);
        // a missing target: the row is left out
        assert_eq!(task_of("hole.csv", "a,y\n1,0.5\n2,\n3,1.5\n4,2.5\n5,3.5\n").unwrap(), TaskName::Regression);
        // a feature that is text is a category, not an error
        assert_eq!(task_of("feature.csv", "a,y\nx,cat\nz,dog\nx,cat\nz,dog\n").unwrap(), TaskName::Classification);
        let e = task_of("one.csv", "a,y\n1,cat\n2,cat\n").unwrap_err();
        assert!(e.message.contains("single class"), "{e}");
    }
}
