//! The importer's layers of several nodes or weights to rearrange: Dense,
//! Conv2D, Flatten/Reshape and the recurrent layers.

use super::{attr_f, attr_i, attr_ints, attr_s, padding, pair, transpose, Importer, Rec, Step};
use crate::nn::{
    Activation, Conv2DConfig, DenseConfig, GRUConfig, LSTMConfig, NoConfig, ReshapeConfig, SimpleRNNConfig,
};
use crate::spec::LayerSpec;
use crate::Padding;

use super::super::proto::NodeProto;

/// The output length of a window `k` with stride `s` over `size`.
pub(super) fn out_len(size: usize, k: usize, s: usize, p: Padding) -> std::result::Result<usize, String> {
    match p {
        Padding::Same => Ok(size.div_ceil(s)),
        Padding::Valid if size >= k => Ok((size - k) / s + 1),
        Padding::Valid => Err(format!("a window of {k} does not fit {size}")),
    }
}

/// origami's activation for an ONNX recurrent activation name.
fn rec_act(name: &str) -> std::result::Result<Activation, String> {
    match name {
        "Sigmoid" => Ok(Activation::Sigmoid),
        "Tanh" => Ok(Activation::Tanh),
        "Relu" => Ok(Activation::Relu),
        other => Err(format!("the recurrent activation {other}")),
    }
}

impl Importer {
    /// Gemm, or MatMul (its bias, an Add, comes next): a Dense layer.
    pub(super) fn dense(&mut self, node: &NodeProto, op: &str, rank: usize) -> Step {
        if self.nchw {
            return Err(format!("{op} of NCHW images"));
        }
        let d = *self.shape.last().unwrap_or(&0);
        let (s, w) = self.constant(node.input.get(1).map(String::as_str).unwrap_or(""))?;
        let trans_b = op == "Gemm" && attr_i(node, "transB", 0) != 0;
        if op == "Gemm"
            && (attr_i(node, "transA", 0) != 0 || attr_f(node, "alpha", 1.0) != 1.0 || attr_f(node, "beta", 1.0) != 1.0)
        {
            return Err("a Gemm with transA, alpha or beta (a Dense is x·W + b)".into());
        }
        if op == "Gemm" && rank != 1 {
            return Err(format!("a Gemm of a {rank}-D sample"));
        }
        let [r, c] = s[..] else { return Err(format!("a weight of shape {s:?}")) };
        let (rows, units, mut kernel) = if trans_b { (c, r, transpose(&w, r, c)) } else { (r, c, w) };
        if rows != d {
            return Err(format!("a weight of shape {s:?} for {d} input features"));
        }
        if let Some(perm) = self.flat_perm.take() {
            // rows in ONNX's NCHW flattening → origami's NHWC
            let onnx = kernel;
            kernel = perm.iter().flat_map(|&src| onnx[src * units..(src + 1) * units].iter().copied()).collect();
        }
        let mut weights = vec![("kernel", vec![d, units], kernel)];
        let bias = node.input.get(2).filter(|s| !s.is_empty());
        if let Some(b) = bias {
            let (bs, bv) = self.constant(b)?;
            if bv.len() != units {
                return Err(format!("a bias of shape {bs:?} for {units} units"));
            }
            weights.push(("bias", vec![units], bv));
        }
        let c = DenseConfig { units, use_bias: bias.is_some(), ..Default::default() };
        self.push(LayerSpec::Dense(c), weights);
        *self.shape.last_mut().expect("rank ≥ 1") = units;
        Ok(())
    }

    /// Conv on NCHW images: a Conv2D with its kernel back to `[kh, kw, c_in, c_out]`.
    pub(super) fn conv(&mut self, node: &NodeProto) -> Step {
        if !self.nchw {
            return Err("Conv of an image that is not NCHW".into());
        }
        if attr_i(node, "group", 1) != 1 || attr_ints(node, "dilations").is_some_and(|d| d.iter().any(|&v| v != 1)) {
            return Err("a grouped or dilated Conv (origami's Conv2D is neither)".into());
        }
        let (s, w) = self.constant(node.input.get(1).map(String::as_str).unwrap_or(""))?;
        let [co, ci, kh, kw] = s[..] else { return Err(format!("a kernel of shape {s:?}")) };
        if ci != self.shape[2] {
            return Err(format!("a kernel of shape {s:?} for {} channels", self.shape[2]));
        }
        let mut kernel = vec![0.0; w.len()];
        for o in 0..co {
            for c in 0..ci {
                for y in 0..kh {
                    for x in 0..kw {
                        kernel[((y * kw + x) * ci + c) * co + o] = w[((o * ci + c) * kh + y) * kw + x];
                    }
                }
            }
        }
        let strides = pair(attr_ints(node, "strides"), (1, 1))?;
        let p = padding(node, &self.shape, (kh, kw), strides)?;
        let mut weights = vec![("kernel", vec![kh, kw, ci, co], kernel)];
        let bias = node.input.get(2).filter(|s| !s.is_empty());
        if let Some(b) = bias {
            weights.push(("bias", vec![co], self.constant(b)?.1));
        }
        let c = Conv2DConfig {
            filters: co,
            kernel_size: (kh, kw),
            strides,
            padding: p,
            use_bias: bias.is_some(),
            ..Default::default()
        };
        self.push(LayerSpec::Conv2D(c), weights);
        self.shape = vec![out_len(self.shape[0], kh, strides.0, p)?, out_len(self.shape[1], kw, strides.1, p)?, co];
        Ok(())
    }

    /// Flatten (axis 1) or a Reshape that keeps the batch axis.
    pub(super) fn flatten_or_reshape(&mut self, node: &NodeProto, op: &str) -> Step {
        let n: usize = self.shape.iter().product();
        let target: Vec<usize> = if op == "Flatten" {
            if attr_i(node, "axis", 1) != 1 {
                return Err("a Flatten that does not keep the batch axis".into());
            }
            vec![n]
        } else if op == "Squeeze" {
            return Err("a Squeeze of a sample".into());
        } else {
            let dims = self.ints_of(node.input.get(1).map(String::as_str).unwrap_or(""))?;
            let mut known = 1usize;
            let mut out = Vec::new();
            for (k, &d) in dims.iter().enumerate().skip(1) {
                let d = match d {
                    0 => *self.shape.get(k - 1).ok_or("a Reshape copying an axis the sample has not")?,
                    -1 => 0,
                    d if d > 0 => d as usize,
                    _ => return Err(format!("a Reshape to {dims:?}")),
                };
                known *= d.max(1);
                out.push(d);
            }
            if !matches!(dims.first(), Some(0 | -1)) {
                return Err(format!("a Reshape to {dims:?} that does not keep the batch axis"));
            }
            for d in out.iter_mut().filter(|d| **d == 0) {
                *d = n / known.max(1);
            }
            out
        };
        if self.nchw {
            // ONNX flattens NCHW: remember where each NHWC element is
            let &[h, w, c] = self.shape.as_slice() else { unreachable!("nchw images are 3-D") };
            if target.len() != 1 {
                return Err("a Reshape of NCHW images".into());
            }
            self.flat_perm = Some((0..h * w * c).map(|i| (i % c) * h * w + i / c).collect());
            self.nchw = false;
        }
        if target.iter().product::<usize>() != n {
            return Err(format!("a Reshape of {n} values to {target:?}"));
        }
        let spec = if op == "Flatten" || target.len() == 1 && self.shape.len() > 1 {
            LayerSpec::Flatten(NoConfig {})
        } else {
            LayerSpec::Reshape(ReshapeConfig { target_shape: target.iter().map(|&d| d as i64).collect() })
        };
        if target != self.shape {
            self.push(spec, vec![]);
        }
        self.shape = target;
        Ok(())
    }

    /// LSTM, GRU or RNN of a time-major sequence: the layer, with its gate
    /// blocks back in Keras's order; its outputs are read next.
    pub(super) fn recurrent(&mut self, node: &NodeProto, op: &str) -> Step {
        if !self.time_major {
            return Err(format!("{op} of a sequence that is not time-major (a Transpose [1, 0, 2] first)"));
        }
        let &[steps, f] = self.shape.as_slice() else { return Err(format!("{op} of a {:?} sample", self.shape)) };
        let u = attr_i(node, "hidden_size", 0) as usize;
        let dir = attr_s(node, "direction").unwrap_or_else(|| "forward".into());
        if dir == "bidirectional" {
            return Err("a bidirectional layer".into());
        }
        if attr(node, "clip").is_some() || attr_i(node, "input_forget", 0) != 0 || attr_i(node, "layout", 0) != 0 {
            return Err("clip, input_forget or layout (origami's recurrent layers have none)".into());
        }
        for k in 4..node.input.len() {
            let name = &node.input[k];
            if !name.is_empty() && self.constant(name).map(|(_, v)| v.iter().any(|&x| x != 0.0)).unwrap_or(true) {
                return Err("sequence lengths, initial states or peepholes (origami starts from zero states)".into());
            }
        }
        let (gates, order): (usize, &[usize]) = match op {
            "LSTM" => (4, &[0, 2, 3, 1]), // origami block b (i, f, c, o) is ONNX's block order[b] (i, o, f, c)
            "GRU" => (3, &[0, 1, 2]),
            _ => (1, &[0]),
        };
        let acts: Vec<String> = super::attr(node, "activations")
            .map(|a| a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect())
            .unwrap_or_default();
        let act = |k: usize, default: &str| rec_act(acts.get(k).map(String::as_str).unwrap_or(default));
        let (ws, w) = self.constant(node.input.get(1).map(String::as_str).unwrap_or(""))?;
        let (rs, r) = self.constant(node.input.get(2).map(String::as_str).unwrap_or(""))?;
        let width = gates * u;
        if ws != [1, width, f] || rs != [1, width, u] {
            return Err(format!("weights W {ws:?} and R {rs:?} for {u} units of {f} features"));
        }
        // [blocks·u, rows] (ONNX) → [rows, blocks·u] with origami's block order
        let columns = |v: &[f32], rows: usize| -> Vec<f32> {
            let mut out = vec![0.0; v.len()];
            for (b, &src) in order.iter().enumerate() {
                for j in 0..u {
                    for row in 0..rows {
                        out[row * width + b * u + j] = v[(src * u + j) * rows + row];
                    }
                }
            }
            out
        };
        let reorder = |v: &[f32]| -> Vec<f32> {
            order.iter().flat_map(|&src| v[src * u..(src + 1) * u].iter().copied()).collect()
        };
        let mut weights =
            vec![("kernel", vec![f, width], columns(&w, f)), ("recurrent_kernel", vec![u, width], columns(&r, u))];
        let bias = node.input.get(3).filter(|s| !s.is_empty());
        let linear_before_reset = attr_i(node, "linear_before_reset", 0) != 0;
        if let Some(b) = bias {
            let (bs, b) = self.constant(b)?;
            if bs != [1, 2 * width] {
                return Err(format!("a bias of shape {bs:?} for {u} units"));
            }
            let (wb, rb) = (reorder(&b[..width]), reorder(&b[width..]));
            if op == "GRU" && linear_before_reset {
                weights.push(("bias", vec![2, width], wb.into_iter().chain(rb).collect()));
            } else {
                weights.push(("bias", vec![width], wb.iter().zip(&rb).map(|(a, b)| a + b).collect()));
            }
        }
        let (use_bias, go_backwards) = (bias.is_some(), dir == "reverse");
        let spec = match op {
            "LSTM" => {
                let (f_act, g_act, h_act) = (act(0, "Sigmoid")?, act(1, "Tanh")?, act(2, "Tanh")?);
                if g_act != h_act {
                    return Err("an LSTM whose cell and output activations differ".into());
                }
                let c = LSTMConfig {
                    units: u,
                    activation: g_act,
                    recurrent_activation: f_act,
                    use_bias,
                    go_backwards,
                    unit_forget_bias: false,
                    ..Default::default()
                };
                LayerSpec::LSTM(c)
            }
            "GRU" => {
                let c = GRUConfig {
                    units: u,
                    activation: act(1, "Tanh")?,
                    recurrent_activation: act(0, "Sigmoid")?,
                    use_bias,
                    go_backwards,
                    reset_after: linear_before_reset,
                    ..Default::default()
                };
                LayerSpec::GRU(c)
            }
            _ => LayerSpec::SimpleRNN(SimpleRNNConfig {
                units: u,
                activation: act(0, "Tanh")?,
                use_bias,
                go_backwards,
                ..Default::default()
            }),
        };
        self.push(spec, weights);
        let _ = steps;
        self.rec = Some(Rec {
            layer: self.layers.len() - 1,
            y: node.output.first().cloned().unwrap_or_default(),
            y_h: node.output.get(1).cloned().unwrap_or_default(),
            reverse: go_backwards,
        });
        Ok(())
    }

    /// The node after a recurrent layer: a Squeeze of its outputs `Y`
    /// (every step, `return_sequences`) or `Y_h` (the last state).
    pub(super) fn after_recurrent(&mut self, node: &NodeProto, rec: Rec) -> Step {
        let op = node.op_type.as_deref().unwrap_or("");
        let x = node.input.first().cloned().unwrap_or_default();
        let axes = |k: usize| -> std::result::Result<Vec<i64>, String> {
            match node.input.get(k) {
                Some(a) => self.ints_of(a),
                None => Ok(attr_ints(node, "axes").unwrap_or_default()),
            }
        };
        let u = self.layers_units(rec.layer);
        let last_state = match op {
            "Squeeze" => axes(1)? == [0],
            // PyTorch's h_n[-1] of a one-layer LSTM
            "Gather" => {
                attr_i(node, "axis", 0) == 0
                    && matches!(
                        self.ints_of(node.input.get(1).map(String::as_str).unwrap_or("")).as_deref(),
                        Ok([0] | [-1])
                    )
            }
            _ => false,
        };
        if !rec.y_h.is_empty() && x == rec.y_h && last_state {
            self.set_return_sequences(rec.layer, false);
            self.time_major = false;
            self.shape = vec![u];
        } else if x == rec.y && op == "Squeeze" && axes(1)? == [1] {
            self.set_return_sequences(rec.layer, true);
            self.shape = vec![self.shape[0], u];
            if rec.reverse {
                // ONNX gives a reverse layer's outputs by position, Keras in the order processed
                self.reversal = true;
            }
        } else {
            return Err(format!("{op} of a recurrent layer's outputs (origami reads a Squeeze of Y or Y_h)"));
        }
        self.cur = node.output.first().cloned().unwrap_or_default();
        Ok(())
    }
}

impl Importer {
    fn layers_units(&self, layer: usize) -> usize {
        match &self.layers[layer] {
            LayerSpec::LSTM(c) => c.units,
            LayerSpec::GRU(c) => c.units,
            LayerSpec::SimpleRNN(c) => c.units,
            _ => 0,
        }
    }

    fn set_return_sequences(&mut self, layer: usize, yes: bool) {
        match &mut self.layers[layer] {
            LayerSpec::LSTM(c) => c.return_sequences = yes,
            LayerSpec::GRU(c) => c.return_sequences = yes,
            LayerSpec::SimpleRNN(c) => c.return_sequences = yes,
            _ => {}
        }
    }
}

fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n super::AttributeProto> {
    super::attr(node, name)
}
