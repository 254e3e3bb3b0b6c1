//! What `fit` records: one [`EpochLog`] per epoch, exportable as CSV and JSON.

use std::fmt::Write as _;
use std::path::Path;

use crate::{Error, Result};

/// The values logged at the end of one epoch, by name, in a fixed order:
/// `loss`, the metrics, `val_loss`, the validation metrics, `lr`, `time_s`.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochLog {
    /// 0-based epoch number.
    pub epoch: usize,
    /// `(name, value)` pairs.
    pub values: Vec<(String, f64)>,
}

impl EpochLog {
    /// The value logged under `name` (`loss`, `val_accuracy`, `lr`…).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    pub(crate) fn push(&mut self, name: impl Into<String>, v: f64) {
        self.values.push((name.into(), v));
    }
}

/// Per-epoch training and validation loss and metrics, learning rate and epoch time.
/// The training `loss` includes the regularization penalties, as Keras's;
/// `val_loss` does not (see [`Model::fit`](super::Model::fit)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per epoch run, in order.
    pub epochs: Vec<EpochLog>,
    /// Why training ended before its last epoch (early stopping, a NaN loss…).
    pub stop_reason: Option<String>,
    /// Training stopped because the loss stopped being finite (not saved in
    /// the JSON: a run that diverged keeps its last good checkpoint instead).
    pub diverged: bool,
    /// What the callbacks reported, in order (not saved in the JSON):
    /// "Epoch 5: ReduceLROnPlateau reducing learning rate to 0.0005.",
    /// "Restoring model weights from the end of the best epoch: 3.".
    pub events: Vec<String>,
}

impl History {
    /// The series logged under `name`, one value per epoch (NaN where missing).
    pub fn series(&self, name: &str) -> Vec<f64> {
        self.epochs.iter().map(|e| e.get(name).unwrap_or(f64::NAN)).collect()
    }

    /// The last epoch's log.
    pub fn last(&self) -> Option<&EpochLog> {
        self.epochs.last()
    }

    /// Column names: `epoch` then every logged name in first-seen order.
    pub fn columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = Vec::new();
        for e in &self.epochs {
            for (n, _) in &e.values {
                if !cols.contains(n) {
                    cols.push(n.clone());
                }
            }
        }
        cols
    }

    /// CSV text: a header `epoch,loss,…` and one row per epoch, epochs
    /// counted from 1 as the console shows them (Keras's CSVLogger counts
    /// from 0; [`to_json`](Self::to_json) keeps the 0-based index).
    pub fn to_csv(&self) -> String {
        let cols = self.columns();
        let mut s = String::from("epoch");
        for c in &cols {
            s.push(',');
            s.push_str(c);
        }
        s.push('\n');
        for e in &self.epochs {
            let _ = write!(s, "{}", e.epoch + 1);
            for c in &cols {
                match e.get(c) {
                    Some(v) => {
                        let _ = write!(s, ",{v}");
                    }
                    None => s.push(','),
                }
            }
            s.push('\n');
        }
        s
    }

    /// JSON: `{"epochs": [{"epoch": 0, "loss": …}, …], "stop_reason": …}`.
    /// Non-finite values are written as null.
    pub fn to_json(&self) -> String {
        let epochs: Vec<serde_json::Value> = self
            .epochs
            .iter()
            .map(|e| {
                let mut m = serde_json::Map::new();
                m.insert("epoch".into(), e.epoch.into());
                for (n, v) in &e.values {
                    m.insert(n.clone(), serde_json::Number::from_f64(*v).map_or(serde_json::Value::Null, Into::into));
                }
                serde_json::Value::Object(m)
            })
            .collect();
        // "columns" keeps the logged order: JSON objects are unordered.
        serde_json::json!({ "columns": self.columns(), "epochs": epochs, "stop_reason": self.stop_reason }).to_string()
    }

    /// Writes [`to_csv`](Self::to_csv) to `path` atomically.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), self.to_csv().as_bytes())
    }

    /// Writes [`to_json`](Self::to_json) to `path` atomically.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), self.to_json().as_bytes())
    }

    /// Reads a history written by [`save_json`](Self::save_json).
    pub fn load_json(path: impl AsRef<Path>) -> Result<History> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            let msg = crate::shorten_message(&e.to_string());
            Error::format(path, format!("not valid JSON at line {}, column {}: {msg}", e.line(), e.column()))
        })?;
        let mut h = History { stop_reason: v["stop_reason"].as_str().map(String::from), ..Default::default() };
        let order: Vec<String> =
            v["columns"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(String::from)).collect();
        for (i, e) in v["epochs"].as_array().into_iter().flatten().enumerate() {
            let obj = e.as_object().ok_or_else(|| Error::format(path, format!("epochs[{i}] is not an object")))?;
            let mut log = EpochLog {
                epoch: obj.get("epoch").and_then(|x| x.as_u64()).unwrap_or(i as u64) as usize,
                values: vec![],
            };
            let value = |x: &serde_json::Value| x.as_f64().unwrap_or(f64::NAN);
            for name in &order {
                if let Some(x) = obj.get(name) {
                    log.push(name.clone(), value(x));
                }
            }
            for (k, x) in obj {
                if k != "epoch" && !order.contains(k) {
                    log.push(k.clone(), value(x));
                }
            }
            h.epochs.push(log);
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_round_trip() {
        let mut h = History::default();
        for e in 0..2 {
            let mut l = EpochLog { epoch: e, values: vec![] };
            l.push("loss", 1.0 / (e + 1) as f64);
            l.push("val_loss", 2.0);
            h.epochs.push(l);
        }
        assert_eq!(h.to_csv(), "epoch,loss,val_loss\n1,1,2\n2,0.5,2\n");
        let dir = std::env::temp_dir().join(format!("origami-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("h.json");
        h.save_json(&p).unwrap();
        let back = History::load_json(&p).unwrap();
        assert_eq!(back.series("loss"), vec![1.0, 0.5]);
        assert_eq!(back.series("val_loss"), vec![2.0, 2.0]);
        // the logged order survives the round trip (JSON objects have none)
        assert_eq!(back.columns(), vec!["loss", "val_loss"]);
        assert_eq!(back.to_csv(), h.to_csv());
        std::fs::remove_dir_all(&dir).ok();
    }
}
