//! Tabular data from CSV: numeric feature columns and one target column.
//!
//! The common case is a spreadsheet export with a header row and a class
//! column of strings ("setosa") or integers, or a numeric regression target.
//! Anything the reader cannot turn into a number is an error naming the
//! file, the line and the column (both counted from 1, as editors do), so a
//! bad cell is fixed in the file rather than silently becoming NaN. Missing
//! values are not supported: an empty cell is such an error too.
//!
//! Quoting is RFC 4180's: a quoted cell may hold the delimiter, line breaks
//! and doubled quotes (`"say ""hi"", then go"`), kept as written; lines end
//! in LF or CRLF; unquoted cells are trimmed; blank lines and a UTF-8 byte
//! order mark are skipped. [`read_records`] gives the cells as text, for
//! readers of other layouts. (A small splitter of our own rather than the
//! `csv` crate, whose record positions are off by one after a CRLF or a
//! blank line: errors must name the right line.)

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use super::Dataset;
use crate::{quote, Error, Result, Tensor};

/// Which column holds the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The column with this header name (needs a header row).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
    /// The last column.
    Last,
}

impl From<&str> for Target {
    fn from(s: &str) -> Target {
        Target::Name(s.to_string())
    }
}

impl From<usize> for Target {
    fn from(i: usize) -> Target {
        Target::Index(i)
    }
}

/// What the target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Classes, as strings or integers, mapped to indices 0..k. Integer
    /// classes are ordered numerically, others lexicographically, so
    /// integer classes 0..k keep their values.
    Classification,
    /// A number, kept as is in a `[n, 1]` target.
    Regression,
}

/// Whether the first row names the columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// A header if any cell of the first row, other than the target's when
    /// that is given by index, is not a number.
    Auto,
    /// The first row is a header.
    Present,
    /// Every row is data; columns are named `col0`, `col1`, ….
    Absent,
}

/// How to read a CSV file.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    pub target: Target,
    pub task: Task,
    pub header: Header,
    /// The field separator, `b','` by default.
    pub delimiter: u8,
}

impl CsvOptions {
    /// Classification on `target`, header detected, comma-separated.
    pub fn classification(target: impl Into<Target>) -> CsvOptions {
        CsvOptions { target: target.into(), task: Task::Classification, header: Header::Auto, delimiter: b',' }
    }

    /// Regression on `target`, header detected, comma-separated.
    pub fn regression(target: impl Into<Target>) -> CsvOptions {
        CsvOptions { task: Task::Regression, ..CsvOptions::classification(target) }
    }
}

/// A parsed table: names, classes and the data.
#[derive(Clone, Debug)]
pub struct Table {
    /// The feature columns' names, in the order of `data.x()`'s columns.
    pub feature_names: Vec<String>,
    /// The target column's name.
    pub target_name: String,
    /// For classification, the class of each index (`class_names[i]` is
    /// class `i`); `None` for regression.
    pub class_names: Option<Vec<String>>,
    /// `x` is `[n, features]`; `y` is `[n]` class indices or `[n, 1]` values.
    pub data: Dataset,
}

/// Reads the CSV file at `path`.
pub fn read(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Table> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(file, path, opts)
}

/// A record of a CSV file: the line it starts on (from 1) and its cells.
pub type Record = (u64, Vec<String>);

/// The records of the CSV file at `path`, cells as trimmed text (quotes
/// resolved), rows of any width; blank lines are skipped. Errors name the
/// file and the line.
pub fn read_records(path: impl AsRef<Path>, delimiter: u8) -> Result<Vec<Record>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    records_from(file, path, delimiter)
}

/// [`read_records`] from `reader`; `source` names it in error messages.
pub fn records_from(mut reader: impl Read, source: impl AsRef<Path>, delimiter: u8) -> Result<Vec<Record>> {
    let src = source.as_ref();
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| Error::io(src, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        Error::data_at_line(src, line as u64, "the text is not UTF-8 (save the file as UTF-8)")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    split_records(text, delimiter as char).map_err(|(line, msg)| Error::data_at_line(src, line, msg))
}

/// RFC 4180 records of `text`, each with the line it starts on; an error is
/// a line and a message.
fn split_records(text: &str, delim: char) -> std::result::Result<Vec<Record>, (u64, String)> {
    let mut records = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    // `open`: inside quotes (since `open_line`); `closed`: this cell's quotes are closed.
    let (mut open, mut closed, mut any_quoted) = (false, false, false);
    let (mut line, mut start, mut open_line) = (1u64, 1u64, 1u64);
    let mut chars = text.chars().peekable();
    let finish_cell = |cells: &mut Vec<String>, cell: &mut String, closed: &mut bool| {
        let c = std::mem::take(cell);
        cells.push(if *closed { c } else { c.trim().to_string() });
        *closed = false;
    };
    while let Some(c) = chars.next() {
        if open {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => (open, closed) = (false, true),
                '\n' => {
                    line += 1;
                    cell.push(c);
                }
                _ => cell.push(c),
            }
        } else if c == delim {
            finish_cell(&mut cells, &mut cell, &mut closed);
        } else if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            finish_cell(&mut cells, &mut cell, &mut closed);
            let row = std::mem::take(&mut cells);
            if any_quoted || row.len() > 1 || !row[0].is_empty() {
                records.push((start, row));
            }
            any_quoted = false;
            line += 1;
            start = line;
        } else if c == '"' && !closed && cell.trim().is_empty() {
            (open, any_quoted, open_line) = (true, true, line);
            cell.clear();
        } else if closed {
            if !c.is_whitespace() {
                return Err((
                    line,
                    format!("{c:?} after the closing quote of a cell (a quote inside quotes is written \"\")"),
                ));
            }
        } else {
            cell.push(c);
        }
    }
    if open {
        return Err((open_line, "a quoted cell opened here is never closed (a \" is missing)".into()));
    }
    if any_quoted || !cells.is_empty() || !cell.trim().is_empty() {
        finish_cell(&mut cells, &mut cell, &mut closed);
        records.push((start, cells));
    }
    Ok(records)
}

/// Reads CSV from `reader`; `source` names it in error messages.
pub fn read_from(reader: impl Read, source: impl AsRef<Path>, opts: &CsvOptions) -> Result<Table> {
    let src = source.as_ref();
    let rows = records_from(reader, src, opts.delimiter)?;
    let Some((first_line, first)) = rows.first().cloned() else {
        return Err(Error::data(src, "the file holds no rows"));
    };
    let width = first.len();
    let named_index = match &opts.target {
        Target::Index(i) if *i >= width => {
            return Err(Error::data_at_line(src, first_line, format!("target column {i} is past the {width} columns")))
        }
        Target::Index(i) => Some(*i),
        Target::Last => Some(width - 1),
        Target::Name(_) => None,
    };
    let has_header = match (opts.header, &opts.target) {
        (Header::Absent, Target::Name(name)) => {
            return Err(Error::data(
                src,
                format!("target column {} is named, but the options say there is no header", quote(name)),
            ))
        }
        (Header::Present, _) | (_, Target::Name(_)) => true,
        (Header::Absent, _) => false,
        (Header::Auto, _) => {
            first.iter().enumerate().any(|(j, cell)| Some(j) != named_index && parse_number(cell).is_none())
        }
    };
    let names: Vec<String> = if has_header { first.clone() } else { (0..width).map(|j| format!("col{j}")).collect() };
    check_unique_names(src, first_line, &names)?;
    let target = match &opts.target {
        Target::Name(name) => names.iter().position(|n| n == name).ok_or_else(|| {
            Error::data_at_line(
                src,
                first_line,
                format!("no column is named {}; the header has {}", quote(name), list_names(&names)),
            )
        })?,
        // Index and Last are resolved (and checked) above.
        _ => named_index.unwrap_or(0),
    };
    let data_rows = if has_header { &rows[1..] } else { &rows[..] };
    if data_rows.is_empty() {
        return Err(Error::data(src, "the file holds a header but no data rows"));
    }

    let cell_error = |line: u64, j: usize, what: String| Error::data_at_cell(src, line, j + 1, &names[j], what);
    let n = data_rows.len();
    let nf = width - 1;
    let mut x = Vec::with_capacity(n * nf);
    let mut raw_targets = Vec::with_capacity(n);
    for (line, row) in data_rows {
        if row.len() != width {
            return Err(Error::data_at_line(
                src,
                *line,
                format!("{} fields, but the first row has {width} (a ragged row)", row.len()),
            ));
        }
        for (j, cell) in row.iter().enumerate() {
            if j == target {
                raw_targets.push((*line, cell.as_str()));
                continue;
            }
            x.push(parse_cell(src, *line, j, &names[j], cell)?);
        }
    }

    let (y, class_names) = match opts.task {
        Task::Regression => {
            let mut y = Vec::with_capacity(n);
            for &(line, cell) in &raw_targets {
                y.push(parse_cell(src, line, target, &names[target], cell)?);
            }
            (Tensor::from_vec(y, &[n, 1])?, None)
        }
        Task::Classification => {
            if let Some(&(line, _)) = raw_targets.iter().find(|(_, c)| c.is_empty()) {
                return Err(cell_error(line, target, "the class is empty".into()));
            }
            // "NaN", "inf", "1e309": a missing or broken number, not a class
            if let Some(&(line, c)) = raw_targets.iter().find(|(_, c)| c.parse::<f64>().is_ok_and(|v| !v.is_finite())) {
                return Err(cell_error(line, target, format!("{} is not a class (a missing value?)", quote(c))));
            }
            let classes = class_order(raw_targets.iter().map(|&(_, c)| c));
            let y = raw_targets
                .iter()
                .map(|&(_, c)| classes.binary_search_by(|k| class_cmp(k, c)).map_or(0.0, |i| i as f32))
                .collect();
            (Tensor::from_vec(y, &[n])?, Some(classes))
        }
    };
    let mut feature_names = names.clone();
    let target_name = feature_names.remove(target);
    Ok(Table { feature_names, target_name, class_names, data: Dataset::new(Tensor::from_vec(x, &[n, nf])?, y)? })
}

/// A finite number (spaces around it allowed, as in a quoted `" 2 "`), or
/// `None`: NaN, infinities and numbers past f32's range (`1e309`) are not.
pub fn parse_number(cell: &str) -> Option<f32> {
    cell.trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

/// The number in the cell at `line` (from 1) and 0-based `column`, named
/// `name`, of `source`; else an [`Error::Data`] at the cell that quotes it
/// (cut, see [`crate::quote`]) — every reader of numeric cells uses it, so
/// training, `evaluate` and `predict` accept and refuse the same cells.
pub fn parse_cell(source: impl AsRef<Path>, line: u64, column: usize, name: &str, cell: &str) -> Result<f32> {
    parse_number(cell).ok_or_else(|| {
        let why = if cell.is_empty() {
            "the cell is empty (missing values are not supported)".to_string()
        } else {
            format!("{} is not a finite number", quote(cell))
        };
        Error::data_at_cell(source, line, column + 1, name, why)
    })
}

/// Refuses a header that names two columns alike (`a,a,label`): columns are
/// picked by name, and the second of two equal names would never be, so a
/// model would read the first twice. The error names both positions.
pub fn check_unique_names(source: impl AsRef<Path>, line: u64, names: &[String]) -> Result<()> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (j, n) in names.iter().enumerate() {
        if let Some(first) = seen.insert(n.as_str(), j) {
            return Err(Error::data_at_line(
                source,
                line,
                format!("columns {} and {} are both named {}; column names must differ", first + 1, j + 1, quote(n)),
            ));
        }
    }
    Ok(())
}

/// The header's names for a message: quoted, at most 20 of them.
pub fn list_names(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(20).map(|n| quote(n)).collect();
    let more = if names.len() > 20 { format!(" and {} more", names.len() - 20) } else { String::new() };
    format!("[{}]{more}", shown.join(", "))
}

/// The distinct classes, integers in numeric order when all are integers,
/// else strings in lexicographic order.
fn class_order<'a>(cells: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: BTreeSet<&str> = cells.collect();
    let mut v: Vec<String> = set.into_iter().map(str::to_string).collect();
    v.sort_by(|a, b| class_cmp(a, b));
    v
}

fn class_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        // Integers before strings keeps the order total on mixed columns.
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testutil::temp_dir;

    fn parse(text: &str, opts: &CsvOptions) -> Result<Table> {
        read_from(text.as_bytes(), "mem.csv", opts)
    }

    #[test]
    fn string_classes_with_header_by_name() {
        let t = parse(
            "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n\
             6.3, 6.0 ,virginica\n4.9,1.5,setosa\n",
            &CsvOptions::classification("species"),
        )
        .unwrap();
        assert_eq!(t.feature_names, vec!["sepal", "petal"]);
        assert_eq!(t.target_name, "species");
        assert_eq!(t.class_names.as_deref().unwrap(), ["setosa", "versicolor", "virginica"]);
        assert_eq!(t.data.x().shape(), &[4, 2]);
        assert_eq!(t.data.x().to_vec(), vec![5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.5]);
        assert_eq!(t.data.y().to_vec(), vec![0., 1., 2., 0.]);
    }

    #[test]
    fn integer_classes_no_header_by_index() {
        let t = parse("10,0.5,1\n2,0.25,0.5\n10,1,2\n", &CsvOptions::classification(0)).unwrap();
        assert_eq!(t.class_names.as_deref().unwrap(), ["2", "10"], "numeric order");
        assert_eq!(t.data.y().to_vec(), vec![1., 0., 1.]);
        assert_eq!(t.feature_names, vec!["col1", "col2"]);
        assert_eq!(t.target_name, "col0");
        let t = parse("a,b,label\n1,2,0\n3,4,1\n", &CsvOptions::classification(Target::Last)).unwrap();
        assert_eq!(t.class_names.as_deref().unwrap(), ["0", "1"]);
        assert_eq!(t.data.y().to_vec(), vec![0., 1.]);
    }

    #[test]
    fn regression_and_file_round_trip() {
        let dir = temp_dir("csv-roundtrip");
        let p = dir.join("houses.csv");
        std::fs::write(&p, "rooms;area;price\n3;70.5;250000\n5;120;410000.5\n").unwrap();
        let opts = CsvOptions { delimiter: b';', ..CsvOptions::regression("price") };
        let t = read(&p, &opts).unwrap();
        assert!(t.class_names.is_none());
        assert_eq!(t.data.y().shape(), &[2, 1]);
        assert_eq!(t.data.y().to_vec(), vec![250000.0, 410000.5]);
        assert_eq!(t.data.x().to_vec(), vec![3.0, 70.5, 5.0, 120.0]);
        let e = read(dir.join("missing.csv"), &opts).unwrap_err().to_string();
        assert!(e.contains("missing.csv"), "{e}");
    }

    #[test]
    fn quoted_fields_and_crlf_line_ends() {
        // RFC 4180: a quoted cell holds the delimiter, a line break and
        // doubled quotes; lines end in CRLF; the header is quoted too.
        let text = "\"petal, cm\",\"wid\"\"th\",species\r\n1.5,\"0.25\",\"setosa, wild\"\r\n\
                    2.5 , 1,\"vir\"\"gi\"\"nica\"\r\n\r\n3,\" 2 \",\"two\r\nlines\"\r\n";
        let t = parse(text, &CsvOptions::classification("species")).unwrap();
        assert_eq!(t.feature_names, vec!["petal, cm", "wid\"th"]);
        assert_eq!(t.data.x().to_vec(), vec![1.5, 0.25, 2.5, 1.0, 3.0, 2.0]);
        assert_eq!(t.class_names.as_deref().unwrap(), ["setosa, wild", "two\r\nlines", "vir\"gi\"nica"]);
        assert_eq!(t.data.y().to_vec(), vec![0., 2., 1.]);
        // records keep the line each starts on, counting the quoted line break
        let rows = records_from(text.as_bytes(), "mem.csv", b',').unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 5]);
        // an error after a multi-line cell names the right line
        let e = parse(&format!("{text}4,x,y\r\n"), &CsvOptions::classification("species")).unwrap_err().to_string();
        assert!(e.contains("mem.csv") && e.contains("line 7, column 2"), "{e}");
        // a byte order mark (spreadsheet exports) is not part of the first name
        let t = parse("\u{feff}a,y\n1,b\n", &CsvOptions::classification("y")).unwrap();
        assert_eq!(t.feature_names, vec!["a"]);
        // an unclosed quote and text after a closing quote are errors with their line
        let e = parse("a,y\n1,b\n2,\"open\n3,c\n", &CsvOptions::classification("y")).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("never closed"), "{e}");
        let e = parse("a,y\n1,\"b\"c\n", &CsvOptions::classification("y")).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("closing quote"), "{e}");
    }

    #[test]
    fn record_splitting_edge_cases() {
        let rows = |t: &str| split_records(t, ',').unwrap();
        assert_eq!(rows("a,b"), vec![(1, vec!["a".to_string(), "b".into()])], "no final line break");
        assert_eq!(
            rows("x\n\n  \n\"\"\n,\n"),
            vec![(1, vec!["x".into()]), (4, vec!["".into()]), (5, vec!["".into(), "".into()])]
        );
        assert_eq!(rows(" \"a\"\"b\" , c \r\n"), vec![(1, vec!["a\"b".into(), "c".into()])]);
        assert_eq!(
            rows("5\",6\n"),
            vec![(1, vec!["5\"".into(), "6".into()])],
            "a quote inside an unquoted cell is text"
        );
        assert_eq!(split_records("a;\"b;c\"\n", ';').unwrap(), vec![(1, vec!["a".into(), "b;c".into()])]);
    }

    fn err(text: &str, opts: &CsvOptions) -> String {
        let dir = temp_dir("csv-errors");
        let p = dir.join("bad.csv");
        std::fs::write(&p, text).unwrap();
        let e = read(&p, opts).unwrap_err().to_string();
        assert!(e.contains("bad.csv"), "{e}");
        e
    }

    #[test]
    fn bad_input_names_file_line_and_column() {
        let cls = CsvOptions::classification("y");
        let e = err("a,b,y\n1,2,x\n3,4\n", &cls);
        assert!(e.contains("line 3") && e.contains("2 fields") && e.contains("3"), "{e}");
        let e = err("a,b,y\n1,2,x\n3,oops,z\n", &cls);
        assert!(e.contains("line 3, column 2 (\"b\")") && e.contains("\"oops\""), "{e}");
        let e = err("a,b,y\n1,,x\n", &cls);
        assert!(e.contains("line 2, column 2") && e.contains("empty"), "{e}");
        let e = err("a,b,y\n1,2,x\n1,inf,x\n", &cls);
        assert!(e.contains("line 3, column 2") && e.contains("\"inf\""), "{e}");
        let e = err("a,b,y\n1,2,3\n1,2,high\n", &CsvOptions::regression("y"));
        assert!(e.contains("line 3, column 3 (\"y\")") && e.contains("\"high\""), "{e}");
        let e = err("a,b,c\n1,2,3\n", &cls);
        assert!(e.contains("no column is named \"y\""), "{e}");
        let e = err("1,2\n", &CsvOptions::classification(5));
        assert!(e.contains("target column 5") && e.contains("2 columns"), "{e}");
        let e = err("a,y\n", &cls);
        assert!(e.contains("no data rows"), "{e}");
        let e = err("", &cls);
        assert!(e.contains("no rows"), "{e}");
        let opts = CsvOptions { header: Header::Absent, ..cls.clone() };
        assert!(err("1,2,3\n", &opts).contains("no header"));
        // NaN, infinities and numbers beyond f32 are not numbers, nor classes
        let e = err("a,b,y\n1,2,x\n1e309,2,x\n", &cls);
        assert!(e.contains("line 3, column 1") && e.contains("\"1e309\" is not a finite number"), "{e}");
        let e = err("a,b,y\n1,2,x\n1,2,NaN\n", &cls);
        assert!(e.contains("line 3, column 3 (\"y\")") && e.contains("\"NaN\" is not a class"), "{e}");
        let e = err("a,b,y\n1,2,3\n1,2,nan\n", &CsvOptions::regression("y"));
        assert!(e.contains("line 3, column 3") && e.contains("\"nan\" is not a finite number"), "{e}");
    }

    /// `a,a,label` used to train on both columns by position while predict
    /// picked the first `a` twice by name.
    #[test]
    fn duplicate_column_names_are_refused_naming_both() {
        let e = err("a,b,a,y\n1,2,3,x\n", &CsvOptions::classification("y"));
        assert!(e.contains("line 1") && e.contains("columns 1 and 3 are both named \"a\""), "{e}");
        // without a header the generated names are distinct
        assert!(parse("1,2,1\n3,4,0\n", &CsvOptions::classification(Target::Last)).is_ok());
    }

    /// A 50 MB cell is quoted by its first 80 characters, not whole.
    #[test]
    fn a_huge_bad_cell_is_quoted_short() {
        let cell = "z".repeat(5_000_000);
        let e = parse(&format!("a,y\n{cell},x\n"), &CsvOptions::classification("y")).unwrap_err().to_string();
        assert!(e.len() < 300 && e.contains("5000000 characters"), "{} bytes", e.len());
    }

    #[test]
    fn bad_input_is_a_data_error_with_its_place() {
        let cls = CsvOptions::classification("y");
        match parse("a,b,y\n1,2,x\n\n3,oops,z\n", &cls) {
            Err(Error::Data { file, line, column, column_name, msg }) => {
                assert_eq!(file, "mem.csv");
                assert_eq!((line, column, column_name.as_deref()), (Some(4), Some(2), Some("b")));
                assert_eq!(msg, "\"oops\" is not a finite number");
            }
            other => panic!("not a data error: {other:?}"),
        }
        let ragged = parse("a,b,y\n1,2,x\n3,4\n", &cls);
        assert!(matches!(ragged, Err(Error::Data { line: Some(3), column: None, .. })), "{ragged:?}");
        let unclosed = parse("a,y\n1,b\n2,\"open\n3,c\n", &cls);
        assert!(matches!(unclosed, Err(Error::Data { line: Some(3), column: None, .. })), "{unclosed:?}");
        let empty = parse("", &cls);
        assert!(matches!(empty, Err(Error::Data { line: None, .. })), "{empty:?}");
        // a target that is not a number, for regression: the target's column
        let target = parse("a,y\n1,2\n3,high\n", &CsvOptions::regression("y"));
        assert!(
            matches!(&target, Err(Error::Data { line: Some(3), column: Some(2), column_name: Some(n), .. }) if n == "y"),
            "{target:?}"
        );
    }
}
