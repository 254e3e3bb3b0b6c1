//! The sequence layers' lowering: attention as a composition, the
//! recurrent layers on ONNX's LSTM, GRU and RNN, and the windows of the
//! convolutions and poolings.

use super::super::graph::{ints, string, strings};
use super::super::proto::AttributeProto;
use super::{Lowering, OP};
use crate::nn::{Activation, MultiHeadAttentionConfig};
use crate::{Error, Padding, Result};

/// A convolution's or pooling's `strides` and explicit `pads` on an
/// `[h, w, c]` image: TensorFlow's `same` (out = ⌈in / stride⌉, the odd
/// pixel at the bottom/right, as `kernels::conv::Geometry`) or none.
pub(super) fn window(image: &[usize], k: (usize, usize), s: (usize, usize), padding: Padding) -> Vec<AttributeProto> {
    let pad = |size: usize, k: usize, s: usize| -> (i64, i64) {
        if padding != Padding::Same {
            return (0, 0);
        }
        let out = size.div_ceil(s);
        let total = (out.saturating_sub(1) * s + k).saturating_sub(size);
        ((total / 2) as i64, (total - total / 2) as i64)
    };
    let (h, w) = (image.first().copied().unwrap_or(1), image.get(1).copied().unwrap_or(1));
    let (top, bottom) = pad(h, k.0, s.0);
    let (left, right) = pad(w, k.1, s.1);
    vec![ints("strides", &[s.0 as i64, s.1 as i64]), ints("pads", &[top, left, bottom, right])]
}

/// The name of `a` among ONNX's recurrent activations.
pub(super) fn recurrent_act(a: Activation) -> Result<&'static str> {
    match a {
        Activation::Sigmoid => Ok("Sigmoid"),
        Activation::Tanh => Ok("Tanh"),
        Activation::Relu => Ok("Relu"),
        other => Err(Error::arg(
            OP,
            format!(
                "the activation {} is not among the ONNX recurrent activations origami writes (sigmoid, tanh, relu)",
                other.name()
            ),
        )),
    }
}

/// One recurrent layer's ONNX form.
pub(super) struct Recurrence<'a> {
    /// `LSTM`, `GRU` or `RNN`.
    pub op: &'static str,
    /// ONNX's gate block `b` is origami's (Keras's) block `gates[b]`.
    pub gates: &'a [usize],
    pub units: usize,
    /// The `activations` attribute.
    pub acts: &'a [&'a str],
    pub extra: Vec<AttributeProto>,
}

/// `[rows, blocks·u]` (blocks of columns) → `[blocks·u, rows]` with ONNX's
/// block `b` from origami's block `order[b]`.
fn gate_rows(v: &[f32], rows: usize, order: &[usize], u: usize) -> Vec<f32> {
    let width = order.len() * u;
    let mut out = Vec::with_capacity(v.len());
    for &src in order {
        for j in 0..u {
            let col = src * u + j;
            out.extend((0..rows).map(|r| v[r * width + col]));
        }
    }
    out
}

/// A bias `[blocks·u]` reordered by `order`.
fn gate_bias(v: &[f32], order: &[usize], u: usize) -> Vec<f32> {
    order.iter().flat_map(|&src| v[src * u..(src + 1) * u].iter().copied()).collect()
}

impl Lowering {
    /// Layer `i`, a SimpleRNN, LSTM or GRU: `[n, t, f]` → ONNX's `[t, n, f]`
    /// layout (onnxruntime runs no `layout = 1`), the op, and back.
    /// `two_biases`: GRU's `[2, 3·units]` bias with `reset_after` (input
    /// and recurrent rows, ONNX's `Wb` and `Rb`).
    pub(super) fn recurrent(
        &mut self,
        i: usize,
        r: &Recurrence,
        return_sequences: bool,
        go_backwards: bool,
        two_biases: bool,
    ) -> Result<()> {
        let &[_, f] = self.shape.as_slice() else {
            return Err(Error::arg(OP, format!("needs sequences [steps, features], got {:?}", self.shape)));
        };
        let (u, g) = (r.units, r.gates.len());
        let kernel = self.weight(i, "kernel")?.to_vec();
        let rec = self.weight(i, "recurrent_kernel")?.to_vec();
        let w = self.g.constant("W", &[1, g * u, f], &gate_rows(&kernel, f, r.gates, u));
        let rk = self.g.constant("R", &[1, g * u, u], &gate_rows(&rec, u, r.gates, u));
        let bias = match self.opt_weight(i, "bias").map(|b| b.to_vec()) {
            None => String::new(),
            Some(b) => {
                let width = g * u;
                let (wb, rb) = if two_biases {
                    (gate_bias(&b[..width], r.gates, u), gate_bias(&b[width..], r.gates, u))
                } else {
                    (gate_bias(&b, r.gates, u), vec![0.0; width])
                };
                let both: Vec<f32> = wb.into_iter().chain(rb).collect();
                self.g.constant("B", &[1, 2 * width], &both)
            }
        };
        let x = self.g.node("Transpose", &[&self.cur], vec![ints("perm", &[1, 0, 2])]);
        let mut attrs = vec![
            super::int("hidden_size", u as i64),
            string("direction", if go_backwards { "reverse" } else { "forward" }),
            strings("activations", r.acts),
        ];
        attrs.extend(r.extra.iter().cloned());
        let inputs: Vec<&str> = if bias.is_empty() { vec![&x, &w, &rk] } else { vec![&x, &w, &rk, &bias] };
        let outs = self.g.node_n(r.op, &inputs, 2, attrs);
        if return_sequences {
            // Y [t, 1, n, u] → [t, n, u]; Keras returns a backward layer's
            // outputs in the order processed, ONNX by position
            let axis = self.g.constant_i64("axis", &[1]);
            let mut y = self.g.node("Squeeze", &[&outs[0], &axis], vec![]);
            if go_backwards {
                let start = self.g.constant_i64("start", &[-1]);
                let end = self.g.constant_i64("end", &[i64::MIN]);
                let axes = self.g.constant_i64("axes", &[0]);
                let step = self.g.constant_i64("step", &[-1]);
                y = self.g.node("Slice", &[&y, &start, &end, &axes, &step], vec![]);
            }
            self.cur = self.g.node("Transpose", &[&y], vec![ints("perm", &[1, 0, 2])]);
        } else {
            let axis = self.g.constant_i64("axis", &[0]);
            self.cur = self.g.node("Squeeze", &[&outs[1], &axis], vec![]);
        }
        Ok(())
    }

    /// Layer `i`, multi-head self-attention, as nn::layers::attention
    /// computes it: projections, heads `[n, h, t, dim]`,
    /// softmax(q·kᵀ·(1/√key_dim)) with causally hidden scores set to −10⁹,
    /// the weighted values and the output projection.
    pub(super) fn attention(&mut self, i: usize, c: &MultiHeadAttentionConfig) -> Result<()> {
        let &[t, _] = self.shape.as_slice() else {
            return Err(Error::arg(OP, format!("needs sequences [length, features], got {:?}", self.shape)));
        };
        let (h, kd) = (c.num_heads as i64, c.key_dim);
        let vd = c.value_dim.unwrap_or(kd);
        let x = self.cur.clone();
        let project = |l: &mut Lowering, name: &str, input: &str| -> Result<String> {
            let k = l.weight(i, &format!("{name}_kernel"))?.clone();
            let kernel = l.g.constant(&format!("{name}_kernel"), k.shape(), &k.to_vec());
            let mut y = l.g.node("MatMul", &[input, &kernel], vec![]);
            if let Some(b) = l.opt_weight(i, &format!("{name}_bias")).cloned() {
                let b = l.g.constant(&format!("{name}_bias"), b.shape(), &b.to_vec());
                y = l.g.node("Add", &[&y, &b], vec![]);
            }
            Ok(y)
        };
        let q = project(self, "query", &x)?;
        let k = project(self, "key", &x)?;
        let v = project(self, "value", &x)?;
        let split_k = self.g.constant_i64("heads", &[0, 0, h, kd as i64]);
        let split_v = self.g.constant_i64("heads", &[0, 0, h, vd as i64]);
        let heads = |l: &mut Lowering, y: &str, split: &str, perm: &[i64]| {
            let r = l.g.node("Reshape", &[y, split], vec![]);
            l.g.node("Transpose", &[&r], vec![ints("perm", perm)])
        };
        let qh = heads(self, &q, &split_k, &[0, 2, 1, 3]);
        let kt = heads(self, &k, &split_k, &[0, 2, 3, 1]); // kᵀ: [n, h, dim, t]
        let vh = heads(self, &v, &split_v, &[0, 2, 1, 3]);
        let raw = self.g.node("MatMul", &[&qh, &kt], vec![]);
        let scale = self.g.constant("scale", &[], &[1.0 / (kd as f32).sqrt()]);
        let mut scores = self.g.node("Mul", &[&raw, &scale], vec![]);
        if c.causal {
            // self-attention: query i sees keys j ≤ i
            let hide: Vec<bool> = (0..t * t).map(|idx| idx % t > idx / t).collect();
            let mask = self.g.constant_bool("causal_mask", &[t, t], &hide);
            let big = self.g.constant("hidden", &[], &[-1e9]);
            scores = self.g.node("Where", &[&mask, &big, &scores], vec![]);
        }
        let weights = self.g.node("Softmax", &[&scores], vec![super::int("axis", -1)]);
        let ctx = self.g.node("MatMul", &[&weights, &vh], vec![]);
        let ctx = self.g.node("Transpose", &[&ctx], vec![ints("perm", &[0, 2, 1, 3])]);
        let merge = self.g.constant_i64("merge", &[0, 0, h * vd as i64]);
        let ctx = self.g.node("Reshape", &[&ctx, &merge], vec![]);
        self.cur = project(self, "output", &ctx)?;
        Ok(())
    }
}
