//! A Keras-like table of a model: each layer's name, type, output shape and
//! parameter count, with the totals.

use std::fmt;

/// One row of a [`Summary`].
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// The layer's name within the model (`layers.0`), the prefix of its parameters.
    pub name: String,
    /// The layer's type (`Dense`).
    pub kind: String,
    /// Output shape of one sample (batch axis excluded).
    pub output_shape: Vec<usize>,
    /// Number of scalar parameters, trainable and not.
    pub params: usize,
}

/// What `model.summary()` prints.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The model's name (`Sequential`).
    pub model: String,
    /// The rows, in order.
    pub rows: Vec<SummaryRow>,
    /// Scalars an optimizer updates.
    pub trainable_params: usize,
    /// Scalars it does not (batch normalization's running statistics).
    pub non_trainable_params: usize,
}

impl Summary {
    /// All parameters.
    pub fn total_params(&self) -> usize {
        self.trainable_params + self.non_trainable_params
    }
}

/// A shape as Keras prints it, with `None` for the batch axis: `(None, 8)`.
fn shape_text(s: &[usize]) -> String {
    let mut t = String::from("(None");
    for d in s {
        t.push_str(&format!(", {d}"));
    }
    t.push(')');
    t
}

/// 1234567 → "1,234,567".
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = ["Layer (type)", "Output Shape", "Param #"];
        let cells: Vec<[String; 3]> = self
            .rows
            .iter()
            .map(|r| [format!("{} ({})", r.name, r.kind), shape_text(&r.output_shape), thousands(r.params)])
            .collect();
        let mut w = head.map(|h| h.chars().count());
        for c in &cells {
            for i in 0..3 {
                w[i] = w[i].max(c[i].chars().count());
            }
        }
        let width = w[0] + w[1] + w[2] + 6;
        writeln!(f, "Model: \"{}\"", self.model)?;
        writeln!(f, "{}", "━".repeat(width))?;
        writeln!(f, "{:<a$}   {:<b$}   {:>c$}", head[0], head[1], head[2], a = w[0], b = w[1], c = w[2])?;
        writeln!(f, "{}", "━".repeat(width))?;
        for (i, c) in cells.iter().enumerate() {
            writeln!(f, "{:<a$}   {:<b$}   {:>c$}", c[0], c[1], c[2], a = w[0], b = w[1], c = w[2])?;
            let rule = if i + 1 == cells.len() { "━" } else { "─" };
            writeln!(f, "{}", rule.repeat(width))?;
        }
        writeln!(f, " Total params: {}", thousands(self.total_params()))?;
        writeln!(f, " Trainable params: {}", thousands(self.trainable_params))?;
        write!(f, " Non-trainable params: {}", thousands(self.non_trainable_params))
    }
}
