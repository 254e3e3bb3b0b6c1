//! What a column is: the rules that read a raw column as a number, a
//! category, a boolean, or something to drop, each stated so that the data
//! report can say which rule decided.

use serde::{Deserialize, Serialize};

use super::column::{Column, Store};

/// What a column is taken for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// A measurement: imputed, standardised.
    Number,
    /// Labels: one-hot encoded.
    Category,
    /// Two values (`yes/no`, `true/false`, `0/1`, …): one 0/1 feature.
    Boolean,
    /// Unique per row (a row number, a name): dropped.
    Identifier,
    /// One value, or none: dropped.
    Constant,
    /// Free text, or too many distinct values to be labels: dropped.
    Text,
    /// Dropped because the config says so.
    #[serde(alias = "drop")]
    Dropped,
}

impl ColumnKind {
    /// Whether the column becomes features.
    pub fn is_kept(self) -> bool {
        matches!(self, ColumnKind::Number | ColumnKind::Category | ColumnKind::Boolean)
    }

    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Number => "number",
            ColumnKind::Category => "category",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Identifier => "identifier",
            ColumnKind::Constant => "constant",
            ColumnKind::Text => "text",
            ColumnKind::Dropped => "dropped",
        }
    }
}

/// Pairs of texts read as booleans (compared in lower case); the second is true.
pub const BOOLEAN_PAIRS: [(&str, &str); 6] =
    [("no", "yes"), ("false", "true"), ("n", "y"), ("f", "t"), ("0", "1"), ("0.0", "1.0")];

/// Whole numbers with at most this many distinct values that skip values
/// (1, 2, 5, 9) are codes, read as categories.
pub const INTEGER_CODES_MAX: usize = 10;

/// The smallest table on which uniqueness marks an identifier (in a table of
/// 5 rows, 5 distinct values say nothing).
pub const IDENTIFIER_MIN_ROWS: usize = 20;

/// A column's kind and the rule that gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    pub kind: ColumnKind,
    pub rule: String,
    /// For booleans: the false and the true text (lower case).
    pub boolean: Option<(String, String)>,
}

fn inferred(kind: ColumnKind, rule: impl Into<String>) -> Inferred {
    Inferred { kind, rule: rule.into(), boolean: None }
}

/// The boolean pair that the column's texts make, if any.
fn boolean_pair(levels: &[String]) -> Option<(String, String)> {
    let lower: Vec<String> = levels.iter().map(|l| l.to_lowercase()).collect();
    let has = |t: &str| lower.iter().any(|l| l == t);
    BOOLEAN_PAIRS
        .iter()
        .find(|(f, t)| lower.iter().all(|l| l == f || l == t) && (has(f) || has(t)))
        .map(|(f, t)| (f.to_string(), t.to_string()))
}

/// Reads `col` (of a table with `rows` rows). `forced` is the config's
/// choice, which wins over every rule.
pub fn infer(col: &Column, rows: usize, forced: Option<ColumnKind>) -> Inferred {
    let present = rows - col.missing;
    let distinct = col.distinct();
    if let Some(kind) = forced {
        let mut i = inferred(kind, "set in the config");
        if kind == ColumnKind::Boolean {
            i.boolean = match &col.store {
                Store::Dict { levels, .. } => boolean_pair(levels),
                _ => None,
            };
        }
        return i;
    }
    match distinct {
        Some(0) => return inferred(ColumnKind::Constant, "every cell is missing"),
        Some(1) if col.missing == 0 => return inferred(ColumnKind::Constant, "a single value"),
        _ => {}
    }
    let Some(distinct) = distinct else {
        return inferred(
            ColumnKind::Text,
            format!(
                "more than {} distinct texts: free text (set it to \"category\" to keep it)",
                super::column::TEXT_CAP
            ),
        );
    };
    if let Store::Dict { levels, .. } = &col.store {
        if let Some(pair) = boolean_pair(levels) {
            let rule = if distinct == 1 { "one boolean value and missing cells" } else { "two boolean values" };
            return Inferred { kind: ColumnKind::Boolean, rule: rule.into(), boolean: Some(pair) };
        }
        if distinct == 1 {
            // one value or nothing: whether the cell is filled is the information
            return inferred(ColumnKind::Category, "a single value and missing cells: present or not");
        }
    }
    let unique = distinct == present && col.missing == 0 && rows >= IDENTIFIER_MIN_ROWS;
    if col.all_numbers() {
        let mut v: Vec<f32> = col.numbers().into_iter().filter(|x| !x.is_nan()).collect();
        let whole = v.iter().all(|x| x.fract() == 0.0);
        if whole && unique {
            v.sort_unstable_by(f32::total_cmp);
            let span = v.last().copied().unwrap_or(0.0) as f64 - v.first().copied().unwrap_or(0.0) as f64 + 1.0;
            if span == v.len() as f64 {
                return inferred(
                    ColumnKind::Identifier,
                    "whole numbers, one per row, a run without gaps: a row number",
                );
            }
        }
        if whole && (3..=INTEGER_CODES_MAX).contains(&distinct) {
            v.sort_unstable_by(f32::total_cmp);
            v.dedup();
            let span = v.last().copied().unwrap_or(0.0) as f64 - v.first().copied().unwrap_or(0.0) as f64 + 1.0;
            if span > distinct as f64 && present >= 5 * distinct {
                return inferred(
                    ColumnKind::Category,
                    format!("{distinct} whole numbers that skip values: codes, not counts"),
                );
            }
        }
        let rule = if col.non_numeric > 0 {
            let (line, text) = col.first_non_numeric.clone().unwrap_or_default();
            format!(
                "numbers; {} cells are not numbers and are read as missing (first: line {line}, {})",
                col.non_numeric,
                crate::quote(&text)
            )
        } else {
            "numbers".into()
        };
        return inferred(ColumnKind::Number, rule);
    }
    if unique {
        return inferred(ColumnKind::Identifier, "texts, one per row: a name or a key");
    }
    if distinct > 50 && distinct * 2 > present {
        return inferred(
            ColumnKind::Text,
            format!("{distinct} distinct texts in {present} cells: free text (set it to \"category\" to keep it)"),
        );
    }
    inferred(ColumnKind::Category, format!("{distinct} distinct texts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(cells: &[&str]) -> Column {
        let mut c = Column::new("c".into(), false);
        for (i, &cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                c.push_missing();
            } else {
                c.push(cell, i as u64 + 2);
            }
        }
        c
    }

    fn kind(cells: &[&str]) -> ColumnKind {
        infer(&col(cells), cells.len(), None).kind
    }

    fn repeat(cells: &[&str], times: usize) -> Vec<String> {
        (0..times).flat_map(|_| cells.iter().map(|s| s.to_string())).collect()
    }

    #[test]
    fn every_rule() {
        let strs = |v: &[String]| -> ColumnKind { kind(&v.iter().map(String::as_str).collect::<Vec<_>>()) };
        assert_eq!(kind(&["1.5", "2", "", "3.25"]), ColumnKind::Number);
        assert_eq!(kind(&["a", "b", "a", ""]), ColumnKind::Category);
        assert_eq!(kind(&["Yes", "no", "yes", ""]), ColumnKind::Boolean);
        assert_eq!(kind(&["0", "1", "1"]), ColumnKind::Boolean);
        assert_eq!(kind(&["x", "x", "x"]), ColumnKind::Constant);
        assert_eq!(kind(&["", "", ""]), ColumnKind::Constant);
        // one value and holes: whether it is there is the information
        assert_eq!(kind(&["C85", "", "", "C85"]), ColumnKind::Category);
        let ids: Vec<String> = (1..=30).map(|i| (i * 7).to_string()).collect();
        assert_eq!(strs(&ids), ColumnKind::Number, "distinct whole numbers with gaps are measurements");
        let rows: Vec<String> = (101..=130).map(|i| i.to_string()).collect();
        assert_eq!(strs(&rows), ColumnKind::Identifier);
        let names: Vec<String> = (0..30).map(|i| format!("name {i}")).collect();
        assert_eq!(strs(&names), ColumnKind::Identifier);
        let mut text: Vec<String> = (0..100).map(|i| format!("word {i}")).collect();
        text.extend(repeat(&["word 1"], 20));
        assert_eq!(strs(&text), ColumnKind::Text);
        assert_eq!(strs(&repeat(&["1", "2", "5", "9"], 10)), ColumnKind::Category);
        assert_eq!(strs(&repeat(&["1", "2", "3", "4"], 10)), ColumnKind::Number, "a run of whole numbers is a count");
        let forced = infer(&col(&["1", "2"]), 2, Some(ColumnKind::Category));
        assert_eq!((forced.kind, forced.rule.as_str()), (ColumnKind::Category, "set in the config"));
        let b = infer(&col(&["TRUE", "false"]), 2, None);
        assert_eq!(b.boolean, Some(("false".into(), "true".into())));
    }
}
