//! Real-world tables with no code: columns of numbers, categories and
//! booleans with gaps, ID columns and free text, read once and turned into
//! features by a preprocessing that travels with the model.
//!
//! [`read`] streams a CSV file into typed columns ([`column`]), parsing each
//! cell once. [`prepare`] infers each column's kind ([`infer`]: the rules are
//! stated there and in the data report), splits the rows (stratified for
//! classes), fits a [`TableEncoder`] on the training rows alone and encodes
//! both parts. The encoder is saved in the model directory and encodes raw
//! CSV files at predict time ([`TableEncoder::open`]), columns in any order,
//! batch by batch.

pub mod column;
mod encoder;
pub mod infer;
pub mod reader;
mod report;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use column::{Column, Value};
pub use encoder::{number_stats, ColumnPlan, Encoding};
pub use infer::{ColumnKind, Inferred};
pub use reader::{Cells, Records};
pub use report::{ColumnReport, TableReport};

use super::csv::{check_unique_names, list_names, Task};
use super::{train_val_test, Dataset};
use crate::{quote, Error, Result, Rng, Tensor};

/// The texts read as a missing value by default (compared in any case).
pub const MISSING_MARKERS: [&str; 7] = ["", "NA", "N/A", "NaN", "null", "?", "-"];

/// How to read and encode a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableOptions {
    /// The field separator.
    pub delimiter: u8,
    /// Cells that mean "missing" (compared in any case; trimmed cells).
    pub missing: Vec<String>,
    /// Categories with more levels keep one-hot slots for this many of the
    /// most frequent, and a frequency feature.
    pub max_one_hot: usize,
    /// Kinds set by the user, by column name (win over inference).
    pub columns: BTreeMap<String, ColumnKind>,
    /// Columns to leave out.
    pub drop: Vec<String>,
    /// Standardise number and boolean columns (else they keep their
    /// values, median-filled).
    pub standardize: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            delimiter: b',',
            missing: MISSING_MARKERS.iter().map(|s| s.to_string()).collect(),
            max_one_hot: 32,
            columns: BTreeMap::new(),
            drop: Vec::new(),
            standardize: true,
        }
    }
}

impl TableOptions {
    fn is_missing(&self, cell: &str) -> bool {
        self.missing.iter().any(|m| m.eq_ignore_ascii_case(cell))
    }
}

/// A table as read: its columns and the line each row starts on.
#[derive(Clone, Debug)]
pub struct RawTable {
    pub source: PathBuf,
    pub columns: Vec<Column>,
    /// Line (from 1) of each row.
    pub lines: Vec<u64>,
}

impl RawTable {
    /// Rows read.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.columns.iter().position(|c| c.name == name).ok_or_else(|| {
            let names: Vec<String> = self.columns.iter().map(|c| c.name.clone()).collect();
            Error::data(&self.source, format!("has no column {}; the header has {}", quote(name), list_names(&names)))
        })
    }
}

/// Whether the first record is a header: some cell is not a number.
fn is_header(cells: &Cells, opts: &TableOptions) -> bool {
    (0..cells.len()).filter_map(|i| cells.get(i)).any(|c| column::parse_number(c).is_none() && !opts.is_missing(c))
}

/// Reads the CSV file at `path` into columns.
pub fn read(path: impl AsRef<Path>, opts: &TableOptions) -> Result<RawTable> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(std::io::BufReader::with_capacity(1 << 16, file), path, opts)
}

/// [`read`] from `reader`; `source` names it in errors.
pub fn read_from(reader: impl BufRead, source: impl AsRef<Path>, opts: &TableOptions) -> Result<RawTable> {
    let src = source.as_ref();
    let mut records = Records::new(reader, src, opts.delimiter);
    let mut cells = Cells::default();
    let Some(first_line) = records.next_into(&mut cells)? else {
        return Err(Error::data(src, "the file holds no rows"));
    };
    let width = cells.len();
    let header = is_header(&cells, opts);
    let names: Vec<String> = if header {
        (0..width)
            .map(|j| cells.get(j).filter(|n| !n.is_empty()).map_or_else(|| format!("col{j}"), str::to_string))
            .collect()
    } else {
        (0..width).map(|j| format!("col{j}")).collect()
    };
    check_unique_names(src, first_line, &names)?;
    let mut columns: Vec<Column> =
        names.iter().map(|n| Column::new(n.clone(), opts.columns.get(n) == Some(&ColumnKind::Category))).collect();
    let mut lines = Vec::new();
    let mut push_row = |line: u64, cells: &Cells, columns: &mut [Column]| -> Result<()> {
        if cells.len() != width {
            return Err(Error::data_at_line(
                src,
                line,
                format!("the row has {} fields, but the header has {width}", cells.len()),
            ));
        }
        for (j, col) in columns.iter_mut().enumerate() {
            let cell = cells.get(j).unwrap_or_default();
            if opts.is_missing(cell) {
                col.push_missing();
            } else {
                col.push(cell, line);
            }
        }
        lines.push(line);
        Ok(())
    };
    if !header {
        push_row(first_line, &cells, &mut columns)?;
    }
    while let Some(line) = records.next_into(&mut cells)? {
        push_row(line, &cells, &mut columns)?;
    }
    if lines.is_empty() {
        return Err(Error::data(src, "the file holds a header but no data rows"));
    }
    for name in opts.columns.keys().chain(&opts.drop) {
        if !names.contains(name) {
            return Err(Error::data(
                src,
                format!(
                    "the config names a column {} that the file lacks; the header has {}",
                    quote(name),
                    list_names(&names)
                ),
            ));
        }
    }
    Ok(RawTable { source: src.to_path_buf(), columns, lines })
}

/// The target of a table: which rows have one, and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Targets {
    pub name: String,
    pub task: Task,
    /// Class `i`'s name (classification).
    pub class_names: Vec<String>,
    /// The rows with a target, in file order.
    pub rows: Vec<usize>,
    /// Class indices or values, one per row of `rows`.
    pub y: Vec<f32>,
}

/// Reads the target column: classification when `task` says so, or (unset)
/// when it holds text or a few distinct whole numbers (at most 20, and at
/// most a tenth of the rows when there are 200 or more). Integer classes
/// are ordered numerically, others as text. Rows without a target are left
/// out (and counted in the report).
pub fn targets(raw: &RawTable, name: &str, task: Option<Task>) -> Result<Targets> {
    let col = &raw.columns[raw.column(name)?];
    let rows: Vec<usize> = (0..raw.rows()).filter(|&r| col.value(r) != Value::Missing).collect();
    if rows.is_empty() {
        return Err(Error::data(&raw.source, format!("the target column {} has no values", quote(name))));
    }
    let numbers = col.numbers();
    let all_numbers = col.all_numbers() && col.non_numeric == 0;
    let task = task.unwrap_or_else(|| {
        if !all_numbers {
            return Task::Classification;
        }
        let whole = rows.iter().all(|&r| numbers[r].fract() == 0.0);
        let distinct = col.distinct().unwrap_or(usize::MAX);
        let n = rows.len();
        if whole && distinct <= 20 && (n < 200 || distinct * 10 <= n) {
            Task::Classification
        } else {
            Task::Regression
        }
    });
    match task {
        Task::Regression => {
            if let Some(&r) = rows.iter().find(|&&r| numbers[r].is_nan()) {
                let cell = match col.value(r) {
                    Value::Text(t) => quote(t),
                    _ => String::new(),
                };
                return Err(Error::data_at_cell(
                    &raw.source,
                    raw.lines[r],
                    raw.column(name)? + 1,
                    name,
                    format!("{cell} is not a number, and regression needs one"),
                ));
            }
            Ok(Targets {
                name: name.into(),
                task,
                class_names: Vec::new(),
                y: rows.iter().map(|&r| numbers[r]).collect(),
                rows,
            })
        }
        Task::Classification => {
            // a class is its text, borrowed from the column (a number only
            // in a column of many distinct numbers)
            let text = |r: usize| -> std::borrow::Cow<'_, str> {
                match col.value(r) {
                    Value::Text(t) => t.into(),
                    Value::Number(v) => v.to_string().into(),
                    Value::Missing => "".into(),
                }
            };
            let mut names: Vec<String> = rows
                .iter()
                .map(|&r| text(r))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|t| t.into_owned())
                .collect();
            if all_numbers {
                names.sort_by(|a, b| {
                    let (x, y) = (column::parse_number(a).unwrap_or(0.0), column::parse_number(b).unwrap_or(0.0));
                    x.total_cmp(&y)
                });
            }
            let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
            let y = rows.iter().map(|&r| index[&*text(r)] as f32).collect();
            Ok(Targets { name: name.into(), task, class_names: names, rows, y })
        }
    }
}

/// The fitted preprocessing of a table (see [`encoder`] for the rules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableEncoder {
    /// The cells read as missing.
    pub missing: Vec<String>,
    /// Every column of the training file but the target, in feature order.
    pub columns: Vec<ColumnPlan>,
}

impl TableEncoder {
    /// Features per row.
    pub fn width(&self) -> usize {
        self.columns.iter().map(ColumnPlan::width).sum()
    }

    /// Names of the features.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns.iter().flat_map(ColumnPlan::feature_names).collect()
    }

    /// Fits the encoding of every column of `raw` but `target` on `rows`.
    pub fn fit(
        raw: &RawTable,
        target: &str,
        rows: &[usize],
        opts: &TableOptions,
    ) -> Result<(TableEncoder, TableReport)> {
        let mut plans = Vec::new();
        let mut report = TableReport::default();
        for col in &raw.columns {
            if col.name == target {
                continue;
            }
            let forced = if opts.drop.contains(&col.name) {
                Some(ColumnKind::Dropped)
            } else {
                opts.columns.get(&col.name).copied()
            };
            let inferred = infer::infer(col, raw.rows(), forced);
            let encoding = encode_plan(raw, col, &inferred, rows, opts)?;
            let plan = ColumnPlan { name: col.name.clone(), kind: inferred.kind, encoding };
            report.columns.push(ColumnReport::new(col, &inferred, &plan));
            plans.push(plan);
        }
        let enc = TableEncoder { missing: opts.missing.clone(), columns: plans };
        if enc.width() == 0 {
            return Err(Error::data(
                &raw.source,
                format!("no column is left to learn from: {}", report.dropped_summary()),
            ));
        }
        Ok((enc, report))
    }

    /// Encodes `rows` of `raw` (which has every column of the encoder).
    pub fn encode(&self, raw: &RawTable, rows: &[usize]) -> Result<Tensor> {
        let width = self.width();
        let cols: Vec<usize> = self.columns.iter().map(|p| raw.column(&p.name)).collect::<Result<_>>()?;
        let mut out = vec![0.0f32; rows.len() * width];
        for (i, &r) in rows.iter().enumerate() {
            let mut at = i * width;
            for (plan, &c) in self.columns.iter().zip(&cols) {
                let w = plan.width();
                plan.write(raw.columns[c].value(r), &mut out[at..at + w])
                    .map_err(|msg| Error::data_at_cell(&raw.source, raw.lines[r], c + 1, &plan.name, msg))?;
                at += w;
            }
        }
        Tensor::from_vec(out, &[rows.len(), width])
    }

    /// Opens a raw CSV file for encoding, batch by batch: its header must
    /// name every column of the encoder (in any order; others are ignored),
    /// and `target` too when given (with the model's class names, or none
    /// for values).
    pub fn open<'a>(&'a self, path: &Path, target: Option<(&'a str, &'a [String])>) -> Result<EncodedRows<'a>> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut records =
            Records::new(Box::new(std::io::BufReader::with_capacity(1 << 16, file)) as Box<dyn BufRead>, path, b',');
        let mut cells = Cells::default();
        let Some(line) = records.next_into(&mut cells)? else {
            return Err(Error::data(path, "the file is empty"));
        };
        let header = cells.to_vec();
        check_unique_names(path, line, &header)?;
        let find = |n: &str| {
            header.iter().position(|h| h == n).ok_or_else(|| {
                Error::data_at_line(
                    path,
                    line,
                    format!(
                        "has no column {}, which the model reads; the header has {}",
                        quote(n),
                        list_names(&header)
                    ),
                )
            })
        };
        let cols = self
            .columns
            .iter()
            .map(|p| if p.width() == 0 { Ok(usize::MAX) } else { find(&p.name) })
            .collect::<Result<Vec<_>>>()?;
        let target = match target {
            Some((name, classes)) => Some((find(name)?, name, classes)),
            None => None,
        };
        Ok(EncodedRows { encoder: self, records, cells, cols, target, width: header.len() })
    }
}

fn encode_plan(
    raw: &RawTable,
    col: &Column,
    inferred: &Inferred,
    rows: &[usize],
    opts: &TableOptions,
) -> Result<Encoding> {
    let missing_in = |rows: &[usize]| rows.iter().any(|&r| col.value(r) == Value::Missing);
    Ok(match inferred.kind {
        ColumnKind::Number => {
            let all = col.numbers();
            let values: Vec<f32> = rows.iter().map(|&r| all[r]).collect();
            if values.iter().all(|v| v.is_nan()) {
                return Ok(Encoding::Dropped { reason: "no number in the training rows".into() });
            }
            let (median, mean, std) = scaled(number_stats(&values), opts);
            Encoding::Number {
                median,
                mean,
                std,
                missing_indicator: values.iter().any(|v| v.is_nan()),
                non_numbers_missing: col.non_numeric > 0,
            }
        }
        ColumnKind::Boolean => {
            let Some((f, t)) = inferred.boolean.clone() else {
                return Err(Error::data(
                    &raw.source,
                    format!(
                        "column {} is set to boolean, but its values are not a pair such as yes/no, true/false or 0/1",
                        quote(&col.name)
                    ),
                ));
            };
            let values: Vec<f32> = rows
                .iter()
                .map(|&r| match col.value(r) {
                    Value::Text(x) if x.eq_ignore_ascii_case(&t) => 1.0,
                    Value::Text(_) => 0.0,
                    Value::Number(v) => v,
                    Value::Missing => f32::NAN,
                })
                .collect();
            let (median, mean, std) = scaled(number_stats(&values), opts);
            Encoding::Boolean {
                false_value: f,
                true_value: t,
                median,
                mean,
                std,
                missing_indicator: values.iter().any(|v| v.is_nan()),
            }
        }
        ColumnKind::Category => {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for &r in rows {
                match col.value(r) {
                    Value::Text(t) => *counts.entry(t.to_string()).or_default() += 1,
                    Value::Number(v) => *counts.entry(v.to_string()).or_default() += 1,
                    Value::Missing => {}
                }
            }
            let mut levels: Vec<(String, usize)> = counts.into_iter().collect();
            // most frequent first; ties in text order (the map's)
            levels.sort_by_key(|l| std::cmp::Reverse(l.1));
            let n = rows.len().max(1) as f32;
            let frequencies = if levels.len() > opts.max_one_hot {
                levels.iter().map(|(l, c)| (l.clone(), *c as f32 / n)).collect()
            } else {
                BTreeMap::new()
            };
            levels.truncate(opts.max_one_hot);
            Encoding::OneHot {
                levels: levels.into_iter().map(|(l, _)| l).collect(),
                missing_slot: missing_in(rows),
                frequencies,
            }
        }
        kind => Encoding::Dropped { reason: format!("{}: {}", kind.name(), inferred.rule) },
    })
}

/// The statistics to apply: no scaling unless the options standardise.
fn scaled((median, mean, std): (f32, f32, f32), opts: &TableOptions) -> (f32, f32, f32) {
    if opts.standardize {
        (median, mean, std)
    } else {
        (median, 0.0, 1.0)
    }
}

/// A raw CSV file being encoded (from [`TableEncoder::open`]).
pub struct EncodedRows<'a> {
    encoder: &'a TableEncoder,
    records: Records<Box<dyn BufRead>>,
    cells: Cells,
    /// The file's column of each encoder column (`usize::MAX`: dropped).
    cols: Vec<usize>,
    target: Option<(usize, &'a str, &'a [String])>,
    width: usize,
}

impl EncodedRows<'_> {
    /// The next (at most) `n` rows: features `[rows, width]` and, with a
    /// target, `[rows]` class indices or `[rows, 1]` values. `None` at the end.
    pub fn next_batch(&mut self, n: usize) -> Result<Option<(Tensor, Option<Tensor>)>> {
        let width = self.encoder.width();
        let mut x = Vec::with_capacity(n.min(1 << 16) * width);
        let mut y = Vec::new();
        let mut rows = 0;
        let src = self.records.source().to_path_buf();
        let is_missing = |c: &str| self.encoder.missing.iter().any(|m| m.eq_ignore_ascii_case(c));
        while rows < n {
            let Some(line) = self.records.next_into(&mut self.cells)? else { break };
            if self.cells.len() != self.width {
                return Err(Error::data_at_line(
                    &src,
                    line,
                    format!("the row has {} fields, but the header has {}", self.cells.len(), self.width),
                ));
            }
            let at = x.len();
            x.resize(at + width, 0.0);
            let mut off = at;
            for (plan, &c) in self.encoder.columns.iter().zip(&self.cols) {
                let w = plan.width();
                if w == 0 {
                    continue;
                }
                let cell = self.cells.get(c).unwrap_or_default();
                let v = if is_missing(cell) { Value::Missing } else { Value::Text(cell) };
                plan.write(v, &mut x[off..off + w])
                    .map_err(|m| Error::data_at_cell(&src, line, c + 1, &plan.name, m))?;
                off += w;
            }
            if let Some((t, name, classes)) = self.target {
                let cell = self.cells.get(t).unwrap_or_default();
                let v = if classes.is_empty() {
                    column::parse_number(cell).ok_or_else(|| {
                        Error::data_at_cell(&src, line, t + 1, name, format!("{} is not a number", quote(cell)))
                    })?
                } else {
                    classes.iter().position(|c| c == cell).ok_or_else(|| {
                        Error::data_at_cell(
                            &src,
                            line,
                            t + 1,
                            name,
                            format!("{} is not one of the model's classes {}", quote(cell), list_names(classes)),
                        )
                    })? as f32
                };
                y.push(v);
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let x = Tensor::from_vec(x, &[rows, width])?;
        let y = match self.target {
            Some((_, _, [])) => Some(Tensor::from_vec(y, &[rows, 1])?),
            Some(_) => Some(Tensor::from_vec(y, &[rows])?),
            None => None,
        };
        Ok(Some((x, y)))
    }
}

/// A table split, encoded and described.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub train: Dataset,
    pub test: Dataset,
    pub encoder: TableEncoder,
    pub report: TableReport,
    pub targets: Targets,
    /// The table's row of each training sample, in `train`'s order.
    pub train_rows: Vec<usize>,
    /// The table's row of each test sample.
    pub test_rows: Vec<usize>,
}

/// Reads the target, splits the rows that have one (`test_fraction` of
/// them to the test part, stratified for classes, shuffled by `rng`), fits
/// the encoder on the training part and encodes both.
pub fn prepare(
    raw: &RawTable,
    target: &str,
    task: Option<Task>,
    test_fraction: f64,
    rng: &mut Rng,
    opts: &TableOptions,
) -> Result<Prepared> {
    let targets = targets(raw, target, task)?;
    let labels: Vec<usize> = targets.y.iter().map(|&v| v as usize).collect();
    let stratify = (targets.task == Task::Classification).then_some(&labels[..]);
    let split = train_val_test(targets.rows.len(), 0.0, test_fraction, rng, stratify)?;
    let rows_of = |idx: &[usize]| idx.iter().map(|&i| targets.rows[i]).collect::<Vec<_>>();
    let (train_rows, test_rows) = (rows_of(&split.train), rows_of(&split.test));
    let (encoder, mut report) = TableEncoder::fit(raw, target, &train_rows, opts)?;
    report.rows = raw.rows();
    report.rows_without_target = raw.rows() - targets.rows.len();
    report.target = target.to_string();
    report.task = match targets.task {
        Task::Classification => "classification".into(),
        Task::Regression => "regression".into(),
    };
    report.class_counts = class_counts(&targets);
    report.features = encoder.width();
    let y_of = |idx: &[usize]| -> Result<Tensor> {
        let y: Vec<f32> = idx.iter().map(|&i| targets.y[i]).collect();
        match targets.task {
            Task::Classification => Tensor::from_vec(y, &[idx.len()]),
            Task::Regression => Tensor::from_vec(y, &[idx.len(), 1]),
        }
    };
    let train = Dataset::new(encoder.encode(raw, &train_rows)?, y_of(&split.train)?)?;
    let test = Dataset::new(encoder.encode(raw, &test_rows)?, y_of(&split.test)?)?;
    Ok(Prepared { train, test, encoder, report, targets, train_rows, test_rows })
}

fn class_counts(t: &Targets) -> Vec<(String, usize)> {
    let mut counts = vec![0usize; t.class_names.len()];
    for &v in &t.y {
        if let Some(c) = counts.get_mut(v as usize) {
            *c += 1;
        }
    }
    t.class_names.iter().cloned().zip(counts).collect()
}

#[cfg(test)]
mod tests;
