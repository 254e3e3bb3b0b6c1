//! The data report: what was read and what is done with each column,
//! printed before training and saved beside the model (`data_report.json`).

use std::fmt;

use serde::Serialize;

use super::column::Column;
use super::encoder::{ColumnPlan, Encoding};
use super::infer::{ColumnKind, Inferred};

/// One column of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnReport {
    pub name: String,
    pub kind: ColumnKind,
    /// Missing cells in the whole file.
    pub missing: usize,
    /// Distinct values present (`None`: more than the reader counts).
    pub distinct: Option<usize>,
    /// The rule that gave the kind.
    pub rule: String,
    /// What is done with it.
    pub action: String,
    /// Features it gives.
    pub features: usize,
}

impl ColumnReport {
    pub fn new(col: &Column, inferred: &Inferred, plan: &ColumnPlan) -> ColumnReport {
        let action = match &plan.encoding {
            Encoding::Number { missing_indicator, .. } => {
                if *missing_indicator {
                    "median-filled, + missing flag, standardised".into()
                } else {
                    "standardised".into()
                }
            }
            Encoding::Boolean { false_value, true_value, missing_indicator, .. } => format!(
                "{false_value} → 0, {true_value} → 1{}, standardised",
                if *missing_indicator { ", median-filled + missing flag" } else { "" }
            ),
            Encoding::OneHot { levels, frequencies, missing_slot } => {
                let mut a = if frequencies.is_empty() {
                    format!("one-hot ({} levels + other)", levels.len())
                } else {
                    format!(
                        "one-hot of the {} most frequent of {} levels + other + frequency",
                        levels.len(),
                        frequencies.len()
                    )
                };
                if *missing_slot {
                    a.push_str(" + missing");
                }
                a
            }
            Encoding::Dropped { .. } => "dropped".into(),
        };
        ColumnReport {
            name: col.name.clone(),
            kind: inferred.kind,
            missing: col.missing,
            distinct: col.distinct(),
            rule: inferred.rule.clone(),
            action,
            features: plan.width(),
        }
    }
}

/// What a table held and how it is read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableReport {
    pub rows: usize,
    /// Rows left out because their target cell is missing.
    pub rows_without_target: usize,
    pub target: String,
    /// `classification` or `regression`.
    pub task: String,
    /// Rows per class (classification), in class order.
    pub class_counts: Vec<(String, usize)>,
    /// Features the network gets.
    pub features: usize,
    pub columns: Vec<ColumnReport>,
}

impl TableReport {
    /// The dropped columns and why, in one line.
    pub fn dropped_summary(&self) -> String {
        let d: Vec<String> =
            self.columns.iter().filter(|c| c.features == 0).map(|c| format!("{} ({})", c.name, c.rule)).collect();
        if d.is_empty() {
            "the file has no column but the target".into()
        } else {
            format!("dropped {}", d.join(", "))
        }
    }
}

impl fmt::Display for TableReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = self.columns.iter().filter(|c| c.features > 0).count();
        write!(f, "data: {} rows, {} columns read as {} features", self.rows, kept, self.features)?;
        if self.rows_without_target > 0 {
            write!(f, "; {} rows without a target left out", self.rows_without_target)?;
        }
        writeln!(f)?;
        let classes = if self.class_counts.is_empty() {
            String::new()
        } else {
            let c: Vec<String> = self.class_counts.iter().map(|(n, k)| format!("{n}: {k}")).collect();
            format!(", {} classes ({})", c.len(), c.join(", "))
        };
        writeln!(f, "  target {}: {}{classes}", self.target, self.task)?;
        let w = self.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0).max(6);
        writeln!(f, "  {:<w$}  {:<10}  {:>7}  {:>8}  what is done", "column", "kind", "missing", "distinct")?;
        for c in &self.columns {
            let distinct = c.distinct.map_or_else(|| "many".to_string(), |d| d.to_string());
            let what = if c.features == 0 { format!("dropped: {}", c.rule) } else { c.action.clone() };
            writeln!(f, "  {:<w$}  {:<10}  {:>7}  {:>8}  {what}", c.name, c.kind.name(), c.missing, distinct)?;
        }
        Ok(())
    }
}
