//! A trained [`Sequential`] as an ONNX graph, layer by layer.
//!
//! Each layer of the spec is lowered to ONNX operators from its options and
//! its weights (by their `layers.{i}.…` names). origami's images are NHWC,
//! ONNX's convolutions NCHW: the graph transposes once where the first
//! convolution-like layer meets an image and once back where a layer needs
//! the channels last again (Flatten, Dense, the graph's output), and the
//! kernels are laid out for NCHW here, so no layer pays a transpose of its
//! own. Recurrent layers become ONNX's own LSTM, GRU and RNN (their gate
//! blocks reordered: ONNX's LSTM is i, o, f, c where Keras's is i, f, c, o);
//! attention is a composition of MatMul, Softmax and reshapes.

mod sequence;

use std::collections::HashMap;

use self::sequence::{recurrent_act, window, Recurrence};
use super::graph::{float, int, ints, Graph};
use super::proto::{self, AttributeProto};
use crate::nn::activation::{SELU_ALPHA, SELU_SCALE};
use crate::nn::layers::sinusoidal_positional_encoding;
use crate::nn::{Activation, Loss, Sequential};
use crate::spec::{LayerSpec, ModelFile};
use crate::{Error, Result, Tensor};

/// What [`super::export`] adds to the network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportOptions {
    /// Apply softmax (or, with one output, the sigmoid) to the outputs when
    /// the model's loss takes logits, so that the ONNX model gives the class
    /// probabilities `origami predict` prints; without it the outputs are
    /// the network's raw outputs (`predict --raw`).
    pub probabilities: bool,
}

/// The graph's input name.
pub const INPUT_NAME: &str = "input";
/// The graph's output name.
pub const OUTPUT_NAME: &str = "output";

const OP: &str = "onnx::export";

/// Lowering state: the graph so far and the tensor the next layer reads.
struct Lowering {
    g: Graph,
    params: HashMap<String, Tensor>,
    /// The current tensor's name.
    cur: String,
    /// Its per-sample shape in origami's layout (images `[h, w, c]`).
    shape: Vec<usize>,
    /// Whether the current (image) tensor is laid out NCHW in the graph.
    nchw: bool,
}

/// The ONNX graph (nodes, initializers, the input's and output's
/// per-sample shapes) of `net`, described by `file`.
pub(super) fn lower(file: &ModelFile, net: &Sequential, options: &ExportOptions) -> Result<(Graph, Vec<usize>)> {
    if !net.is_built() {
        return Err(Error::arg(OP, "the model is not built"));
    }
    let specs = &file.model.layers;
    let summary = net.summary();
    if specs.len() != summary.rows.len() {
        return Err(Error::arg(
            OP,
            format!("the spec has {} layers but the network {}", specs.len(), summary.rows.len()),
        ));
    }
    let params = net.params().into_iter().map(|p| (p.name, p.value)).collect();
    let mut l = Lowering {
        g: Graph::default(),
        params,
        cur: INPUT_NAME.into(),
        shape: net.input_shape().to_vec(),
        nchw: false,
    };
    l.g.scope = "preprocessing".into();
    let pre = &file.preprocessing;
    if let Some(table) = &pre.table {
        // number columns only: the graph takes them in order, NaN for a gap
        let (median, mean, std) = number_columns(table)?;
        let dims = l.shape.clone();
        let fill = l.g.constant("median", &dims, &median);
        let gap = l.g.node("IsNaN", &[&l.cur], vec![]);
        let filled = l.g.node("Where", &[&gap, &fill, &l.cur], vec![]);
        let mean = l.g.constant("mean", &dims, &mean);
        let std = l.g.constant("std", &dims, &std);
        let centred = l.g.node("Sub", &[&filled, &mean], vec![]);
        l.cur = l.g.node("Div", &[&centred, &std], vec![]);
    }
    if !pre.mean.is_empty() {
        let dims = l.shape.clone();
        let mean = l.g.constant("mean", &dims, &pre.mean);
        let std = l.g.constant("std", &dims, &pre.std);
        let centred = l.g.node("Sub", &[&l.cur, &mean], vec![]);
        l.cur = l.g.node("Div", &[&centred, &std], vec![]);
    }
    for (i, (spec, row)) in specs.iter().zip(&summary.rows).enumerate() {
        l.g.scope = format!("layers.{i}");
        l.layer(i, spec, &row.output_shape).map_err(|e| match e {
            Error::InvalidArgument { msg, .. } => Error::arg(OP, format!("layers[{i}] ({}): {msg}", spec.kind())),
            e => e,
        })?;
        l.shape = row.output_shape.clone();
    }
    l.g.scope = "output".into();
    l.make_nhwc();
    if options.probabilities {
        let k = l.shape.last().copied().unwrap_or(1);
        match file.training.loss {
            Loss::BinaryCrossentropy { from_logits: true } if k == 1 => {
                l.cur = l.g.node("Sigmoid", &[&l.cur], vec![]);
            }
            Loss::SparseCategoricalCrossentropy { from_logits: true }
            | Loss::CategoricalCrossentropy { from_logits: true } => {
                l.cur = l.g.node("Softmax", &[&l.cur], vec![int("axis", -1)]);
            }
            ref loss => {
                return Err(Error::arg(
                    OP,
                    format!(
                        "probabilities: the model's loss ({}) does not take logits, so its outputs need no softmax",
                        crate::spec::names::loss_name(loss)
                    ),
                ))
            }
        }
    }
    // the last node's output becomes the graph's output
    match l.g.nodes.last_mut() {
        Some(n) if n.output.first() == Some(&l.cur) => n.output[0] = OUTPUT_NAME.into(),
        _ => {
            let cur = l.cur.clone();
            l.cur = l.g.node("Identity", &[&cur], vec![]);
            l.g.nodes.last_mut().expect("just pushed").output[0] = OUTPUT_NAME.into();
        }
    }
    Ok((l.g, l.shape))
}

impl Lowering {
    fn weight(&self, i: usize, name: &str) -> Result<&Tensor> {
        let key = format!("layers.{i}.{name}");
        self.params.get(&key).ok_or_else(|| Error::arg(OP, format!("the network has no parameter {key}")))
    }

    fn opt_weight(&self, i: usize, name: &str) -> Option<&Tensor> {
        self.params.get(&format!("layers.{i}.{name}"))
    }

    /// Transposes an image to NCHW (once, before the first layer that wants it).
    fn make_nchw(&mut self) {
        if self.shape.len() == 3 && !self.nchw {
            self.cur = self.g.node("Transpose", &[&self.cur], vec![ints("perm", &[0, 3, 1, 2])]);
            self.nchw = true;
        }
    }

    /// Transposes an NCHW image back to NHWC.
    fn make_nhwc(&mut self) {
        if self.nchw {
            self.cur = self.g.node("Transpose", &[&self.cur], vec![ints("perm", &[0, 2, 3, 1])]);
            self.nchw = false;
        }
    }

    fn unary(&mut self, op: &str, attrs: Vec<AttributeProto>) {
        self.cur = self.g.node(op, &[&self.cur], attrs);
    }

    /// Lowers layer `i`, whose per-sample output shape is `out`.
    fn layer(&mut self, i: usize, spec: &LayerSpec, out: &[usize]) -> Result<()> {
        match spec {
            LayerSpec::Dense(c) => {
                self.make_nhwc();
                let w = self.weight(i, "kernel")?.clone();
                let kernel = self.g.constant("kernel", w.shape(), &w.to_vec());
                let bias = self.opt_weight(i, "bias").cloned().map(|b| self.g.constant("bias", b.shape(), &b.to_vec()));
                if self.shape.len() == 1 {
                    let mut inputs = vec![self.cur.as_str(), kernel.as_str()];
                    inputs.extend(bias.as_deref());
                    self.cur = self.g.node("Gemm", &inputs, vec![]);
                } else {
                    self.cur = self.g.node("MatMul", &[&self.cur, &kernel], vec![]);
                    if let Some(b) = bias {
                        self.cur = self.g.node("Add", &[&self.cur, &b], vec![]);
                    }
                }
                self.activation(c.activation)
            }
            LayerSpec::Conv2D(c) => {
                self.make_nchw();
                let w = self.weight(i, "kernel")?.clone();
                let &[kh, kw, ci, co] = w.shape() else {
                    return Err(Error::arg(OP, format!("a kernel of shape {:?}", w.shape())));
                };
                // [kh, kw, c_in, c_out] → [c_out, c_in, kh, kw]
                let v = w.to_vec();
                let mut t = vec![0.0; v.len()];
                for (idx, &x) in v.iter().enumerate() {
                    let (o, rest) = (idx % co, idx / co);
                    let (c_in, rest) = (rest % ci, rest / ci);
                    let (x_, y_) = (rest % kw, rest / kw);
                    t[((o * ci + c_in) * kh + y_) * kw + x_] = x;
                }
                let kernel = self.g.constant("kernel", &[co, ci, kh, kw], &t);
                let bias = self.opt_weight(i, "bias").cloned().map(|b| self.g.constant("bias", b.shape(), &b.to_vec()));
                let mut inputs = vec![self.cur.as_str(), kernel.as_str()];
                inputs.extend(bias.as_deref());
                let mut attrs = vec![ints("kernel_shape", &[kh as i64, kw as i64])];
                attrs.extend(window(&self.shape, c.kernel_size, c.strides, c.padding));
                self.cur = self.g.node("Conv", &inputs, attrs);
                self.activation(c.activation)
            }
            LayerSpec::MaxPool2D(c) | LayerSpec::AvgPool2D(c) => {
                self.make_nchw();
                let (k, s) = (c.pool_size, c.step());
                let mut attrs = vec![ints("kernel_shape", &[k.0 as i64, k.1 as i64])];
                attrs.extend(window(&self.shape, k, s, c.padding));
                if matches!(spec, LayerSpec::MaxPool2D(_)) {
                    self.unary("MaxPool", attrs);
                } else {
                    // origami averages the pixels inside the image at a `same` border
                    attrs.push(int("count_include_pad", 0));
                    self.unary("AveragePool", attrs);
                }
                Ok(())
            }
            LayerSpec::GlobalAveragePooling2D(_) | LayerSpec::GlobalMaxPooling2D(_) => {
                let max = matches!(spec, LayerSpec::GlobalMaxPooling2D(_));
                if self.nchw {
                    self.unary(if max { "GlobalMaxPool" } else { "GlobalAveragePool" }, vec![]);
                    self.unary("Flatten", vec![int("axis", 1)]);
                    self.nchw = false;
                } else {
                    let op = if max { "ReduceMax" } else { "ReduceMean" };
                    self.unary(op, vec![ints("axes", &[1, 2]), int("keepdims", 0)]);
                }
                Ok(())
            }
            LayerSpec::GlobalAveragePooling1D(_) | LayerSpec::GlobalMaxPooling1D(_) => {
                let op = if matches!(spec, LayerSpec::GlobalMaxPooling1D(_)) { "ReduceMax" } else { "ReduceMean" };
                self.unary(op, vec![ints("axes", &[1]), int("keepdims", 0)]);
                Ok(())
            }
            LayerSpec::Flatten(_) => {
                self.make_nhwc();
                self.unary("Flatten", vec![int("axis", 1)]);
                Ok(())
            }
            LayerSpec::Reshape(_) => {
                self.make_nhwc();
                let mut dims = vec![-1i64];
                dims.extend(out.iter().map(|&d| d as i64));
                let shape = self.g.constant_i64("shape", &dims);
                self.cur = self.g.node("Reshape", &[&self.cur, &shape], vec![]);
                Ok(())
            }
            LayerSpec::Dropout(_) | LayerSpec::AlphaDropout(_) => Ok(()), // identity at inference
            LayerSpec::Activation(c) => self.activation(c.activation),
            LayerSpec::BatchNormalization(c) => {
                let ch = *self.shape.last().unwrap_or(&1);
                let mean = self.weight(i, "moving_mean")?.to_vec();
                let var = self.weight(i, "moving_variance")?.to_vec();
                let gamma = self.opt_weight(i, "gamma").map(Tensor::to_vec);
                let beta = self.opt_weight(i, "beta").map(Tensor::to_vec);
                if self.shape.len() == 2 {
                    // sequences [n, t, d]: ONNX's op normalizes axis 1, origami the last
                    let inv: Vec<f32> = var.iter().map(|v| (v + c.epsilon).powf(-0.5)).collect();
                    let (m, s) = (self.g.constant("mean", &[ch], &mean), self.g.constant("inv_std", &[ch], &inv));
                    self.cur = self.g.node("Sub", &[&self.cur, &m], vec![]);
                    self.cur = self.g.node("Mul", &[&self.cur, &s], vec![]);
                    if let Some(g) = gamma {
                        let g = self.g.constant("gamma", &[ch], &g);
                        self.cur = self.g.node("Mul", &[&self.cur, &g], vec![]);
                    }
                    if let Some(b) = beta {
                        let b = self.g.constant("beta", &[ch], &b);
                        self.cur = self.g.node("Add", &[&self.cur, &b], vec![]);
                    }
                } else {
                    self.make_nchw();
                    let scale = self.g.constant("gamma", &[ch], &gamma.unwrap_or_else(|| vec![1.0; ch]));
                    let bias = self.g.constant("beta", &[ch], &beta.unwrap_or_else(|| vec![0.0; ch]));
                    let (m, v) =
                        (self.g.constant("moving_mean", &[ch], &mean), self.g.constant("moving_variance", &[ch], &var));
                    self.cur = self.g.node(
                        "BatchNormalization",
                        &[&self.cur, &scale, &bias, &m, &v],
                        vec![float("epsilon", c.epsilon)],
                    );
                }
                Ok(())
            }
            LayerSpec::LayerNormalization(c) => {
                self.make_nhwc();
                let d = *self.shape.last().unwrap_or(&1);
                let gamma = self.opt_weight(i, "gamma").map(Tensor::to_vec).unwrap_or_else(|| vec![1.0; d]);
                let scale = self.g.constant("gamma", &[d], &gamma);
                let bias = self.opt_weight(i, "beta").cloned().map(|b| self.g.constant("beta", &[d], &b.to_vec()));
                let mut inputs = vec![self.cur.as_str(), scale.as_str()];
                inputs.extend(bias.as_deref());
                self.cur =
                    self.g.node("LayerNormalization", &inputs, vec![int("axis", -1), float("epsilon", c.epsilon)]);
                Ok(())
            }
            LayerSpec::Embedding(_) => {
                let table = self.weight(i, "embeddings")?.clone();
                let table = self.g.constant("embeddings", table.shape(), &table.to_vec());
                let ids = self.g.node("Cast", &[&self.cur], vec![int("to", proto::INT64 as i64)]);
                self.cur = self.g.node("Gather", &[&table, &ids], vec![int("axis", 0)]);
                Ok(())
            }
            LayerSpec::PositionalEncoding(c) => {
                let &[t, d] = self.shape.as_slice() else {
                    return Err(Error::arg(OP, format!("sequences [length, features], got {:?}", self.shape)));
                };
                let table = sinusoidal_positional_encoding(c.max_length, d).to_vec();
                let pe = self.g.constant("encoding", &[t, d], &table[..t * d]);
                self.cur = self.g.node("Add", &[&self.cur, &pe], vec![]);
                Ok(())
            }
            LayerSpec::MultiHeadAttention(c) => self.attention(i, c),
            LayerSpec::LSTM(c) => {
                let acts = [
                    recurrent_act(c.recurrent_activation)?,
                    recurrent_act(c.activation)?,
                    recurrent_act(c.activation)?,
                ];
                let rec = Recurrence { op: "LSTM", gates: &[0, 3, 1, 2], units: c.units, acts: &acts, extra: vec![] };
                self.recurrent(i, &rec, c.return_sequences, c.go_backwards, false)
            }
            LayerSpec::GRU(c) => {
                let acts = [recurrent_act(c.recurrent_activation)?, recurrent_act(c.activation)?];
                let extra = vec![int("linear_before_reset", i64::from(c.reset_after))];
                let rec = Recurrence { op: "GRU", gates: &[0, 1, 2], units: c.units, acts: &acts, extra };
                self.recurrent(i, &rec, c.return_sequences, c.go_backwards, c.reset_after)
            }
            LayerSpec::SimpleRNN(c) => {
                let acts = [recurrent_act(c.activation)?];
                let rec = Recurrence { op: "RNN", gates: &[0], units: c.units, acts: &acts, extra: vec![] };
                self.recurrent(i, &rec, c.return_sequences, c.go_backwards, false)
            }
            LayerSpec::Conv1D(_) | LayerSpec::MaxPool1D(_) | LayerSpec::AvgPool1D(_) => {
                Err(Error::arg(OP, "has no ONNX export yet"))
            }
        }
    }

    /// `act(cur)`; softmax over the channels (axis 1 of an NCHW image, else the last).
    fn activation(&mut self, a: Activation) -> Result<()> {
        let x = self.cur.clone();
        self.cur = match a {
            Activation::Linear => x,
            Activation::Relu => self.g.node("Relu", &[&x], vec![]),
            Activation::Sigmoid => self.g.node("Sigmoid", &[&x], vec![]),
            Activation::Tanh => self.g.node("Tanh", &[&x], vec![]),
            Activation::Softmax => {
                let axis = if self.nchw { 1 } else { -1 };
                self.g.node("Softmax", &[&x], vec![int("axis", axis)])
            }
            Activation::LeakyRelu(alpha) => self.g.node("LeakyRelu", &[&x], vec![float("alpha", alpha)]),
            Activation::Elu(alpha) => self.g.node("Elu", &[&x], vec![float("alpha", alpha)]),
            Activation::Selu => {
                self.g.node("Selu", &[&x], vec![float("alpha", SELU_ALPHA), float("gamma", SELU_SCALE)])
            }
            Activation::Softplus => {
                // origami's stable form, relu(x) + ln(1 + e^−|x|)
                let one = self.g.constant("one", &[], &[1.0]);
                let relu = self.g.node("Relu", &[&x], vec![]);
                let abs = self.g.node("Abs", &[&x], vec![]);
                let neg = self.g.node("Neg", &[&abs], vec![]);
                let exp = self.g.node("Exp", &[&neg], vec![]);
                let sum = self.g.node("Add", &[&exp, &one], vec![]);
                let log = self.g.node("Log", &[&sum], vec![]);
                self.g.node("Add", &[&relu, &log], vec![])
            }
            Activation::Silu => {
                let s = self.g.node("Sigmoid", &[&x], vec![]);
                self.g.node("Mul", &[&x, &s], vec![])
            }
            Activation::Gelu => {
                // x · (0.5 + 0.5·tanh(√(2/π)·(x + 0.044715·x³))), as nn::activation::gelu
                // (opset 17 has no Gelu; opset 20's approximate="tanh" is this)
                let c = self.g.constant("sqrt_2_over_pi", &[], &[(2.0 / std::f32::consts::PI).sqrt()]);
                let k = self.g.constant("k", &[], &[0.044_715]);
                let half = self.g.constant("half", &[], &[0.5]);
                let sq = self.g.node("Mul", &[&x, &x], vec![]);
                let cube = self.g.node("Mul", &[&sq, &x], vec![]);
                let kc = self.g.node("Mul", &[&cube, &k], vec![]);
                let sum = self.g.node("Add", &[&x, &kc], vec![]);
                let inner = self.g.node("Mul", &[&sum, &c], vec![]);
                let t = self.g.node("Tanh", &[&inner], vec![]);
                let th = self.g.node("Mul", &[&t, &half], vec![]);
                let gate = self.g.node("Add", &[&th, &half], vec![]);
                self.g.node("Mul", &[&x, &gate], vec![])
            }
        };
        Ok(())
    }
}

/// A table encoding that is per-column arithmetic: number columns (median
/// fill, standardisation) and dropped ones. Booleans, one-hot categories
/// and missing flags have no lowering yet: an error names the column.
fn number_columns(t: &crate::data::table::TableEncoder) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
    use crate::data::table::Encoding;
    let (mut median, mut mean, mut std) = (Vec::new(), Vec::new(), Vec::new());
    for c in &t.columns {
        match &c.encoding {
            Encoding::Number { median: m, mean: mu, std: s, missing_indicator: false, .. } => {
                median.push(*m);
                mean.push(*mu);
                std.push(*s);
            }
            Encoding::Dropped { .. } => {}
            _ => {
                return Err(Error::arg(
                    OP,
                    format!(
                        "column {} is encoded as {} features (a category, a boolean or a missing flag); \
                         only number columns of a table are lowered to ONNX so far",
                        crate::quote(&c.name),
                        c.width()
                    ),
                ))
            }
        }
    }
    Ok((median, mean, std))
}
