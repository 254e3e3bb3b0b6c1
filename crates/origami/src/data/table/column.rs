//! One column of a table as it is read: each cell parsed once, stored in
//! the cheapest form that keeps what inference and encoding need.
//!
//! A column starts as a dictionary (distinct texts and a code per row): that
//! is what categories, booleans and few-valued numbers need, and it parses
//! each distinct text as a number once. When a column of numbers passes
//! [`NUMERIC_DICT_CAP`] distinct values it becomes plain numbers (a
//! measurement, not a set of labels); a column of texts that passes
//! [`TEXT_CAP`] keeps only its counts (free text, dropped by inference).

use foldhash::HashMap;

/// Distinct values a numeric column keeps as a dictionary.
pub const NUMERIC_DICT_CAP: usize = 256;
/// Distinct texts a column keeps before it is taken for free text.
pub const TEXT_CAP: usize = 65_536;
/// A row's code for a missing cell.
pub const MISSING: u32 = u32::MAX;

/// What one cell of a column holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Missing,
    Number(f32),
    Text(&'a str),
}

/// The cells of one column.
#[derive(Clone, Debug)]
pub enum Store {
    /// `levels[codes[r]]` is row r's text; `numbers[l]` level l read as a
    /// number, if it is one.
    Dict { codes: Vec<u32>, levels: Vec<String>, numbers: Vec<Option<f32>>, index: HashMap<String, u32> },
    /// Numbers (NaN: missing, or a cell that is not a number).
    Numbers { values: Vec<f32> },
    /// More distinct texts than [`TEXT_CAP`]: only the row count is kept.
    Text { rows: usize },
}

/// A column read from a table.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub store: Store,
    /// Missing cells (a missing marker).
    pub missing: usize,
    /// Cells of a numbers column that are not numbers, and the first one
    /// (its line and text).
    pub non_numeric: usize,
    pub first_non_numeric: Option<(u64, String)>,
    /// Keep a dictionary however many texts (the config says "category").
    pub keep_texts: bool,
    /// [`Column::distinct`], counted once (a sort of the column).
    distinct: std::sync::OnceLock<Option<usize>>,
}

/// A cell as a finite number, if it is one.
pub fn parse_number(cell: &str) -> Option<f32> {
    cell.parse::<f32>().ok().filter(|v| v.is_finite())
}

impl Column {
    pub fn new(name: String, keep_texts: bool) -> Column {
        Column {
            name,
            store: Store::Dict {
                codes: Vec::new(),
                levels: Vec::new(),
                numbers: Vec::new(),
                index: HashMap::default(),
            },
            missing: 0,
            non_numeric: 0,
            first_non_numeric: None,
            keep_texts,
            distinct: std::sync::OnceLock::new(),
        }
    }

    /// Rows read.
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Dict { codes, .. } => codes.len(),
            Store::Numbers { values } => values.len(),
            Store::Text { rows } => *rows,
        }
    }

    /// Whether no row was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a missing cell.
    pub fn push_missing(&mut self) {
        self.missing += 1;
        match &mut self.store {
            Store::Dict { codes, .. } => codes.push(MISSING),
            Store::Numbers { values } => values.push(f32::NAN),
            Store::Text { rows } => *rows += 1,
        }
    }

    /// Appends a cell that is not missing, read on `line`.
    pub fn push(&mut self, cell: &str, line: u64) {
        match &mut self.store {
            Store::Dict { codes, levels, numbers, index } => {
                if let Some(&c) = index.get(cell) {
                    codes.push(c);
                    return;
                }
                let all_numbers = numbers.iter().all(Option::is_some);
                let number = parse_number(cell);
                if levels.len() >= NUMERIC_DICT_CAP && all_numbers && number.is_some() && !self.keep_texts {
                    let mut values: Vec<f32> = codes
                        .iter()
                        .map(|&c| if c == MISSING { f32::NAN } else { numbers[c as usize].unwrap_or(f32::NAN) })
                        .collect();
                    values.push(number.unwrap_or(f32::NAN));
                    self.store = Store::Numbers { values };
                    return;
                }
                if levels.len() >= TEXT_CAP && !self.keep_texts {
                    self.store = Store::Text { rows: codes.len() + 1 };
                    return;
                }
                let c = levels.len() as u32;
                levels.push(cell.to_string());
                numbers.push(number);
                index.insert(cell.to_string(), c);
                codes.push(c);
            }
            Store::Numbers { values } => match parse_number(cell) {
                Some(v) => values.push(v),
                None => {
                    values.push(f32::NAN);
                    self.non_numeric += 1;
                    if self.first_non_numeric.is_none() {
                        self.first_non_numeric = Some((line, cell.to_string()));
                    }
                }
            },
            Store::Text { rows } => *rows += 1,
        }
    }

    /// Row `r`'s cell.
    pub fn value(&self, r: usize) -> Value<'_> {
        match &self.store {
            Store::Dict { codes, levels, .. } => match codes[r] {
                MISSING => Value::Missing,
                c => Value::Text(&levels[c as usize]),
            },
            Store::Numbers { values } => {
                let v = values[r];
                if v.is_nan() {
                    Value::Missing
                } else {
                    Value::Number(v)
                }
            }
            Store::Text { .. } => Value::Missing,
        }
    }

    /// Distinct values that are not missing (`None`: more than can be told).
    /// Counted once, when the column is read whole.
    pub fn distinct(&self) -> Option<usize> {
        *self.distinct.get_or_init(|| self.count_distinct())
    }

    fn count_distinct(&self) -> Option<usize> {
        match &self.store {
            Store::Dict { levels, .. } => Some(levels.len()),
            Store::Numbers { values } => {
                let mut v: Vec<f32> = values.iter().copied().filter(|x| !x.is_nan()).collect();
                v.sort_unstable_by(f32::total_cmp);
                v.dedup();
                Some(v.len())
            }
            Store::Text { .. } => None,
        }
    }

    /// Whether every value present is a number.
    pub fn all_numbers(&self) -> bool {
        match &self.store {
            Store::Dict { numbers, .. } => numbers.iter().all(Option::is_some),
            Store::Numbers { .. } => true,
            Store::Text { .. } => false,
        }
    }

    /// The values present as numbers, one per row (NaN: missing or not a
    /// number).
    pub fn numbers(&self) -> Vec<f32> {
        (0..self.len())
            .map(|r| match self.value(r) {
                Value::Number(v) => v,
                Value::Text(t) => parse_number(t).unwrap_or(f32::NAN),
                Value::Missing => f32::NAN,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_numbers_become_plain_numbers_and_many_texts_free_text() {
        let mut c = Column::new("x".into(), false);
        for i in 0..1000 {
            if i % 10 == 0 {
                c.push_missing();
            } else {
                c.push(&format!("{}.5", i), i as u64 + 2);
            }
        }
        assert!(matches!(c.store, Store::Numbers { .. }));
        assert_eq!((c.len(), c.missing, c.distinct()), (1000, 100, Some(900)));
        assert_eq!(c.value(1), Value::Number(1.5));
        assert_eq!(c.value(10), Value::Missing);
        c.push("oops", 1002);
        assert_eq!((c.non_numeric, c.first_non_numeric.clone()), (1, Some((1002, "oops".to_string()))));

        let mut t = Column::new("t".into(), false);
        for i in 0..TEXT_CAP + 5 {
            t.push(&format!("word{i}"), 1);
        }
        assert!(matches!(t.store, Store::Text { rows } if rows == TEXT_CAP + 5));
        assert_eq!(t.distinct(), None);

        let mut few = Column::new("k".into(), false);
        for v in ["a", "b", "a", "1"] {
            few.push(v, 1);
        }
        assert_eq!((few.distinct(), few.all_numbers()), (Some(3), false));
        assert_eq!(few.value(2), Value::Text("a"));
    }
}
