//! The fitted preprocessing of a table: from raw cells to the network's
//! input features, saved with the model as plain JSON.
//!
//! Fitted on the training rows only, it is what scikit-learn users build
//! by hand with a `ColumnTransformer`:
//!
//! - **number**: the training median fills missing cells, a 0/1
//!   "missing" feature follows where training had any, then
//!   `(x - mean) / std` with the mean and population std of the filled
//!   training values (std 0 becomes 1);
//! - **boolean**: 0/1 (texts compared in lower case), then as a number;
//! - **category**: one-hot over the training levels, most frequent first.
//!   Past `max_one_hot` levels only the most frequent keep a slot, and a
//!   "frequency" feature (the level's share of the training rows) carries
//!   the rest, as scikit-learn's `OneHotEncoder(max_categories=…)` groups
//!   infrequent levels. An "other" slot takes levels never seen in training
//!   (and infrequent ones) at predict time, without error; missing cells get
//!   a slot of their own where training had any.
//!
//! In JSON (`preprocessing.table` of `architecture.json`), columns in the
//! network's feature order: `{"name", "kind", "encoding": {"type": …}}`,
//! with the fields of [`Encoding`]. Reading it in Python takes a loop over
//! `columns` and the few lines of each rule above.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::column::{parse_number, Value};
use super::infer::ColumnKind;

/// How one column becomes features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Encoding {
    /// `[(x or median - mean) / std, missing?]`.
    Number {
        median: f32,
        mean: f32,
        std: f32,
        /// A 0/1 feature "was missing" follows.
        missing_indicator: bool,
        /// Training read non-numbers as missing (else they are an error).
        #[serde(default)]
        non_numbers_missing: bool,
    },
    /// `false_value` → 0, `true_value` → 1 (lower case), then as a number.
    Boolean { false_value: String, true_value: String, median: f32, mean: f32, std: f32, missing_indicator: bool },
    /// One slot per level, then "other", then "missing" (if
    /// `missing_slot`), then "frequency" (if `frequencies` is not empty).
    OneHot {
        levels: Vec<String>,
        missing_slot: bool,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        frequencies: BTreeMap<String, f32>,
    },
    /// No features.
    Dropped { reason: String },
}

/// One column's name, kind and encoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub name: String,
    pub kind: ColumnKind,
    pub encoding: Encoding,
}

/// What went wrong with one cell, for the caller to place (file, line).
pub type CellError = String;

impl ColumnPlan {
    /// Features this column gives.
    pub fn width(&self) -> usize {
        match &self.encoding {
            Encoding::Number { missing_indicator, .. } | Encoding::Boolean { missing_indicator, .. } => {
                1 + *missing_indicator as usize
            }
            Encoding::OneHot { levels, missing_slot, frequencies } => {
                levels.len() + 1 + *missing_slot as usize + !frequencies.is_empty() as usize
            }
            Encoding::Dropped { .. } => 0,
        }
    }

    /// The names of its features.
    pub fn feature_names(&self) -> Vec<String> {
        let n = &self.name;
        match &self.encoding {
            Encoding::Number { missing_indicator, .. } | Encoding::Boolean { missing_indicator, .. } => {
                let mut v = vec![n.clone()];
                if *missing_indicator {
                    v.push(format!("{n} (missing)"));
                }
                v
            }
            Encoding::OneHot { levels, missing_slot, frequencies } => {
                let mut v: Vec<String> = levels.iter().map(|l| format!("{n}={l}")).collect();
                v.push(format!("{n} (other)"));
                if *missing_slot {
                    v.push(format!("{n} (missing)"));
                }
                if !frequencies.is_empty() {
                    v.push(format!("{n} (frequency)"));
                }
                v
            }
            Encoding::Dropped { .. } => Vec::new(),
        }
    }

    /// Writes the features of one cell into `out` (`width()` long, zeroed).
    pub fn write(&self, value: Value<'_>, out: &mut [f32]) -> Result<(), CellError> {
        match &self.encoding {
            Encoding::Number { median, mean, std, missing_indicator, non_numbers_missing } => {
                let v = match value {
                    Value::Number(v) => Some(v),
                    Value::Text(t) => match parse_number(t) {
                        Some(v) => Some(v),
                        None if *non_numbers_missing => None,
                        None => return Err(format!("{} is not a finite number", crate::quote(t))),
                    },
                    Value::Missing => None,
                };
                fill(v, *median, *mean, *std, *missing_indicator, out);
            }
            Encoding::Boolean { false_value, true_value, median, mean, std, missing_indicator } => {
                let v = match value {
                    Value::Missing => None,
                    Value::Number(v) if v == 0.0 || v == 1.0 => Some(v),
                    Value::Text(t) if t.eq_ignore_ascii_case(false_value) => Some(0.0),
                    Value::Text(t) if t.eq_ignore_ascii_case(true_value) => Some(1.0),
                    other => {
                        let shown = match other {
                            Value::Text(t) => crate::quote(t),
                            Value::Number(v) => v.to_string(),
                            Value::Missing => String::new(),
                        };
                        return Err(format!(
                            "{shown} is neither {} nor {} (the column is boolean)",
                            crate::quote(false_value),
                            crate::quote(true_value)
                        ));
                    }
                };
                fill(v, *median, *mean, *std, *missing_indicator, out);
            }
            Encoding::OneHot { levels, missing_slot, frequencies } => {
                let other = levels.len();
                let text;
                let t: Option<&str> = match value {
                    Value::Text(t) => Some(t),
                    Value::Number(v) => {
                        text = v.to_string();
                        Some(&text)
                    }
                    Value::Missing => None,
                };
                match t {
                    None if *missing_slot => out[other + 1] = 1.0,
                    None => out[other] = 1.0,
                    Some(t) => match levels.iter().position(|l| l == t) {
                        Some(i) => out[i] = 1.0,
                        None => out[other] = 1.0,
                    },
                }
                if !frequencies.is_empty() {
                    let f = t.and_then(|t| frequencies.get(t)).copied().unwrap_or(0.0);
                    out[other + 1 + *missing_slot as usize] = f;
                }
            }
            Encoding::Dropped { .. } => {}
        }
        Ok(())
    }
}

fn fill(v: Option<f32>, median: f32, mean: f32, std: f32, indicator: bool, out: &mut [f32]) {
    out[0] = (v.unwrap_or(median) - mean) / std;
    if indicator {
        out[1] = v.is_none() as u8 as f32;
    }
}

/// Median, mean and population std (0 → 1) of `values` after filling the
/// missing ones (NaN) with the median. `values` holds at least one number.
pub fn number_stats(values: &[f32]) -> (f32, f32, f32) {
    let mut present: Vec<f32> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let m = present.len();
    let median = if m == 0 {
        0.0
    } else {
        // selection, not a sort: O(m)
        let (below, &mut upper, _) = present.select_nth_unstable_by(m / 2, f32::total_cmp);
        if m % 2 == 1 {
            upper
        } else {
            let lower = below.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            ((lower as f64 + upper as f64) / 2.0) as f32
        }
    };
    let filled = values.iter().map(|&v| if v.is_nan() { median } else { v } as f64);
    let n = values.len().max(1) as f64;
    let mean = filled.clone().sum::<f64>() / n;
    let var = filled.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    (median, mean as f32, if std > 1e-12 { std as f32 } else { 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_fill_with_the_median() {
        // values 1, 3, NaN, 10: median of the three present is 3; filled
        // 1, 3, 3, 10: mean 4.25, population variance (10.5625 + 1.5625 +
        // 1.5625 + 33.0625) / 4 = 11.6875, std 3.41869
        let (median, mean, std) = number_stats(&[1.0, 3.0, f32::NAN, 10.0]);
        assert_eq!((median, mean), (3.0, 4.25));
        assert!((std - 3.418_699).abs() < 1e-5, "{std}");
        assert_eq!(number_stats(&[2.0, 4.0]).0, 3.0);
        assert_eq!(number_stats(&[5.0, 5.0]).2, 1.0);
    }

    #[test]
    fn unseen_levels_go_to_other_and_missing_to_its_slot() {
        let p = ColumnPlan {
            name: "port".into(),
            kind: ColumnKind::Category,
            encoding: Encoding::OneHot {
                levels: vec!["S".into(), "C".into()],
                missing_slot: true,
                frequencies: BTreeMap::from([("S".into(), 0.7), ("C".into(), 0.2), ("Q".into(), 0.1)]),
            },
        };
        assert_eq!(p.width(), 5);
        assert_eq!(p.feature_names(), ["port=S", "port=C", "port (other)", "port (missing)", "port (frequency)"]);
        let enc = |v: Value| {
            let mut out = vec![0.0; 5];
            p.write(v, &mut out).unwrap();
            out
        };
        assert_eq!(enc(Value::Text("C")), [0.0, 1.0, 0.0, 0.0, 0.2]);
        assert_eq!(enc(Value::Text("Q")), [0.0, 0.0, 1.0, 0.0, 0.1], "infrequent: other, with its frequency");
        assert_eq!(enc(Value::Text("Z")), [0.0, 0.0, 1.0, 0.0, 0.0], "never seen: other, frequency 0");
        assert_eq!(enc(Value::Missing), [0.0, 0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn numbers_and_booleans() {
        let n = ColumnPlan {
            name: "age".into(),
            kind: ColumnKind::Number,
            encoding: Encoding::Number {
                median: 28.0,
                mean: 30.0,
                std: 2.0,
                missing_indicator: true,
                non_numbers_missing: false,
            },
        };
        let mut out = [0.0; 2];
        n.write(Value::Text("34"), &mut out).unwrap();
        assert_eq!(out, [2.0, 0.0]);
        n.write(Value::Missing, &mut out).unwrap();
        assert_eq!(out, [-1.0, 1.0]);
        let e = n.write(Value::Text("old"), &mut out).unwrap_err();
        assert_eq!(e, "\"old\" is not a finite number");
        let b = ColumnPlan {
            name: "student".into(),
            kind: ColumnKind::Boolean,
            encoding: Encoding::Boolean {
                false_value: "no".into(),
                true_value: "yes".into(),
                median: 0.0,
                mean: 0.5,
                std: 0.5,
                missing_indicator: false,
            },
        };
        let mut one = [0.0];
        b.write(Value::Text("YES"), &mut one).unwrap();
        assert_eq!(one, [1.0]);
        let e = b.write(Value::Text("maybe"), &mut one).unwrap_err();
        assert!(e.contains("\"maybe\" is neither \"no\" nor \"yes\""), "{e}");
    }
}
