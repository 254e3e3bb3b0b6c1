//! A streaming RFC 4180 record reader: one record at a time from any
//! `BufRead`, each cell parsed once, no allocation per cell.
//!
//! The rules are those of [`crate::data::csv::read_records`] (which holds a
//! whole file as `String`s and suits small files): a quoted cell may hold the
//! delimiter, line breaks and doubled quotes, kept as written; unquoted cells
//! are trimmed; lines end in LF or CRLF; blank lines and a UTF-8 byte order
//! mark are skipped. Here the file is never in memory whole: a 1M-row table
//! is read in the memory of its parsed columns, and `predict` encodes a
//! large CSV batch by batch.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The cells of one record, in one buffer.
#[derive(Debug, Default)]
pub struct Cells {
    text: String,
    /// `ends[i]` is where cell `i` ends in `text`.
    ends: Vec<usize>,
}

impl Cells {
    /// How many cells the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no cells (never true of a record read).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i`, trimmed unless it was quoted.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    /// The cells as owned strings (a header).
    pub fn to_vec(&self) -> Vec<String> {
        (0..self.len()).filter_map(|i| self.get(i)).map(str::to_string).collect()
    }
}

/// Reads records from `reader` one at a time.
pub struct Records<R> {
    reader: R,
    source: PathBuf,
    delimiter: u8,
    /// The physical line read last (from 1).
    line: u64,
    raw: Vec<u8>,
    bytes: Vec<u8>,
    first: bool,
}

impl<R: BufRead> Records<R> {
    /// A reader of `reader`; `source` names it in errors.
    pub fn new(reader: R, source: impl AsRef<Path>, delimiter: u8) -> Records<R> {
        Records {
            reader,
            source: source.as_ref().to_path_buf(),
            delimiter,
            line: 0,
            raw: Vec::new(),
            bytes: Vec::new(),
            first: true,
        }
    }

    /// The file this reads, for messages.
    pub fn source(&self) -> &Path {
        &self.source
    }

    fn read_line(&mut self) -> Result<bool> {
        self.raw.clear();
        let n = self.reader.read_until(b'\n', &mut self.raw).map_err(|e| Error::io(&self.source, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.first {
            self.first = false;
            if self.raw.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.raw.drain(..3);
            }
        }
        Ok(true)
    }

    /// Reads the next record into `cells`; returns the line it starts on,
    /// or `None` at the end of the input.
    pub fn next_into(&mut self, cells: &mut Cells) -> Result<Option<u64>> {
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            let start = self.line;
            self.bytes.clear();
            cells.ends.clear();
            let (mut open, mut closed, mut any_quoted) = (false, false, false);
            let mut cell_start = 0usize;
            loop {
                let mut i = 0;
                let raw = std::mem::take(&mut self.raw);
                let body = strip_newline(&raw);
                while i < body.len() {
                    let b = body[i];
                    if open {
                        if b == b'"' {
                            if body.get(i + 1) == Some(&b'"') {
                                self.bytes.push(b'"');
                                i += 1;
                            } else {
                                (open, closed) = (false, true);
                            }
                        } else {
                            self.bytes.push(b);
                        }
                    } else if b == self.delimiter {
                        finish(&mut self.bytes, &mut cells.ends, cell_start, closed);
                        cell_start = self.bytes.len();
                        closed = false;
                    } else if b == b'"' && !closed && self.bytes[cell_start..].iter().all(u8::is_ascii_whitespace) {
                        self.bytes.truncate(cell_start);
                        (open, any_quoted) = (true, true);
                    } else if closed {
                        if !b.is_ascii_whitespace() {
                            return Err(Error::data_at_line(
                                &self.source,
                                self.line,
                                format!(
                                    "{:?} after the closing quote of a cell (a quote inside quotes is written \"\")",
                                    b as char
                                ),
                            ));
                        }
                    } else {
                        self.bytes.push(b);
                    }
                    i += 1;
                }
                if open {
                    // the quoted cell goes on: keep the line break as written
                    self.bytes.extend_from_slice(&raw[body.len()..]);
                    self.raw = raw;
                    if !self.read_line()? {
                        return Err(Error::data_at_line(
                            &self.source,
                            start,
                            "a quoted cell opened on this line is never closed (a \" is missing)",
                        ));
                    }
                    continue;
                }
                self.raw = raw;
                break;
            }
            finish(&mut self.bytes, &mut cells.ends, cell_start, closed);
            if !any_quoted && cells.ends.len() == 1 && cells.ends[0] == 0 {
                continue; // a blank line
            }
            let bytes = std::mem::take(&mut self.bytes);
            let mut text = std::mem::take(&mut cells.text).into_bytes();
            text.clear();
            text.extend_from_slice(&bytes);
            self.bytes = bytes;
            cells.text = String::from_utf8(text).map_err(|_| {
                Error::data_at_line(&self.source, start, "the text is not UTF-8 (save the file as UTF-8)")
            })?;
            // a cell boundary inside a multi-byte character cannot happen: the
            // delimiter and the quote are ASCII, and trimming removes ASCII only
            return Ok(Some(start));
        }
    }
}

fn strip_newline(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    if end > 0 && raw[end - 1] == b'\n' {
        end -= 1;
    }
    if end > 0 && raw[end - 1] == b'\r' {
        end -= 1;
    }
    &raw[..end]
}

/// Ends the cell that began at `start`: an unquoted cell is trimmed.
fn finish(bytes: &mut Vec<u8>, ends: &mut Vec<usize>, start: usize, quoted: bool) {
    if !quoted {
        let cell = &bytes[start..];
        let lead = cell.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = cell[lead..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
        let keep = cell.len() - lead - trail;
        bytes.copy_within(start + lead..start + lead + keep, start);
        bytes.truncate(start + keep);
    }
    ends.push(bytes.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<(u64, Vec<String>)>> {
        let mut r = Records::new(text.as_bytes(), "t.csv", b',');
        let mut cells = Cells::default();
        let mut out = Vec::new();
        while let Some(line) = r.next_into(&mut cells)? {
            out.push((line, cells.to_vec()));
        }
        Ok(out)
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_what_the_whole_file_reader_reads() {
        let text = "\u{feff}a, b ,c\r\n\n 1,\"x, \"\"y\"\"\" ,3\n\"multi\nline\",,\n  \n";
        let got = all(text).unwrap();
        assert_eq!(
            got,
            vec![(1, row(&["a", "b", "c"])), (3, row(&["1", "x, \"y\"", "3"])), (4, row(&["multi\nline", "", ""]))]
        );
        let whole = crate::data::csv::records_from(text.as_bytes(), "t.csv", b',').unwrap();
        assert_eq!(got, whole);
    }

    #[test]
    fn errors_name_the_line() {
        let e = all("a,b\n1,\"open\n2,3\n").unwrap_err().to_string();
        assert!(e.contains("t.csv") && e.contains("line 2") && e.contains("never closed"), "{e}");
        let e = all("a,b\n1,\"x\"y\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("closing quote"), "{e}");
        let e = all("a,b\n1,\u{0}\n3,\"\u{e9}\"\n").map(|r| r.len()).unwrap();
        assert_eq!(e, 3);
        let mut bad = b"a,b\n1,2\n3,".to_vec();
        bad.push(0xff);
        let mut r = Records::new(&bad[..], "t.csv", b',');
        let mut cells = Cells::default();
        assert_eq!(r.next_into(&mut cells).unwrap(), Some(1));
        assert_eq!(r.next_into(&mut cells).unwrap(), Some(2));
        let e = r.next_into(&mut cells).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn other_delimiters_and_no_final_newline() {
        let mut r = Records::new("a;b\n1;2".as_bytes(), "t.csv", b';');
        let mut cells = Cells::default();
        r.next_into(&mut cells).unwrap();
        assert_eq!(cells.to_vec(), row(&["a", "b"]));
        assert_eq!(r.next_into(&mut cells).unwrap(), Some(2));
        assert_eq!((cells.get(0), cells.get(1), cells.get(2)), (Some("1"), Some("2"), None));
        assert_eq!(r.next_into(&mut cells).unwrap(), None);
    }
}
