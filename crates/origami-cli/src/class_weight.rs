//! `training.class_weight`: `"balanced"` or a table of class → weight, read
//! against the data's class names and handed to `fit` as the library's
//! `ClassWeight`.
//!
//! A table's keys are class names as the data spells them (a CSV's labels)
//! or class indices (`"0"`, `"1"`, … in the order of the model's outputs);
//! classes it leaves out weigh 1, as scikit-learn's dict form.

use std::collections::BTreeMap;

use origami::train::ClassWeight;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::TaskName;
use crate::error::{CliError, CliResult};

const KEY: &str = "training.class_weight";

/// `"balanced"` (scikit-learn's n_samples / (n_classes · count)) or
/// `{ CLASS = WEIGHT, … }` by class name or index.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ClassWeightConfig {
    /// `"balanced"`.
    Rule(String),
    /// Class name (or index) → weight; classes not listed weigh 1.
    PerClass(BTreeMap<String, f32>),
}

impl ClassWeightConfig {
    /// What serde cannot check: the rule's name, the weights' values.
    pub fn validate(&self) -> CliResult<()> {
        match self {
            ClassWeightConfig::Rule(r) if r == "balanced" => Ok(()),
            ClassWeightConfig::Rule(r) => Err(CliError::usage(format!(
                "{KEY}: expected \"balanced\" or a table of class = weight, found {}",
                origami::quote(r)
            ))),
            ClassWeightConfig::PerClass(t) => {
                if let Some((k, v)) = t.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                    return Err(CliError::usage(format!("{KEY}.{k}: expected a finite weight ≥ 0, found {v}")));
                }
                Ok(())
            }
        }
    }

    /// The library's class weights for data of `task` whose classes are
    /// `names` (index order; empty: the indices `0..classes`).
    pub fn resolve(&self, task: TaskName, names: &[String], classes: usize) -> CliResult<ClassWeight> {
        if task != TaskName::Classification {
            return Err(CliError::usage(format!(
                "{KEY}: class weights need a classification task, but the data's targets are values (regression)"
            )));
        }
        let ClassWeightConfig::PerClass(table) = self else { return Ok(ClassWeight::Balanced) };
        let mut w = vec![1.0f32; classes];
        for (k, &v) in table {
            let index = names.iter().position(|n| n == k).or_else(|| k.parse::<usize>().ok().filter(|&i| i < classes));
            let Some(i) = index else {
                let known: Vec<String> =
                    if names.is_empty() { (0..classes).map(|c| c.to_string()).collect() } else { names.to_vec() };
                return Err(CliError::usage(format!(
                    "{KEY}: {} is not a class of the data; its classes are {}",
                    origami::quote(k),
                    origami::data::csv::list_names(&known)
                )));
            };
            w[i] = v;
        }
        Ok(ClassWeight::PerClass(w))
    }
}

/// The class weights `fit` gets for config `c` on `data` (None: unweighted).
pub fn for_fit(c: &crate::config::Config, data: &crate::data::Loaded) -> CliResult<Option<ClassWeight>> {
    let Some(cw) = &c.training.class_weight else { return Ok(None) };
    cw.resolve(data.task, &data.preprocessing.class_names, data.outputs).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, f32)]) -> ClassWeightConfig {
        ClassWeightConfig::PerClass(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }

    #[test]
    fn names_and_indices_pick_the_class() {
        let names: Vec<String> = ["ok", "fraud"].iter().map(|s| s.to_string()).collect();
        let c = TaskName::Classification;
        assert_eq!(table(&[("fraud", 10.0)]).resolve(c, &names, 2).unwrap(), ClassWeight::PerClass(vec![1.0, 10.0]));
        assert_eq!(table(&[("0", 0.5)]).resolve(c, &names, 2).unwrap(), ClassWeight::PerClass(vec![0.5, 1.0]));
        let e = table(&[("frod", 2.0)]).resolve(c, &names, 2).unwrap_err().message;
        assert!(e.contains("\"frod\" is not a class") && e.contains("fraud"), "{e}");
        let balanced = ClassWeightConfig::Rule("balanced".into());
        assert_eq!(balanced.resolve(c, &names, 2).unwrap(), ClassWeight::Balanced);
        let e = balanced.resolve(TaskName::Regression, &[], 1).unwrap_err().message;
        assert!(e.starts_with("training.class_weight: class weights need a classification task"), "{e}");
        let e = ClassWeightConfig::Rule("balance".into()).validate().unwrap_err().message;
        assert!(e.contains("expected \"balanced\""), "{e}");
        let e = table(&[("ok", -1.0)]).validate().unwrap_err().message;
        assert_eq!(e, "training.class_weight.ok: expected a finite weight ≥ 0, found -1");
    }
}
