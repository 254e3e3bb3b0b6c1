//! An ONNX graph back to a [`Sequential`] and its [`ModelFile`].
//!
//! The graph is read node by node along one path, from the input to the
//! output, and each run of nodes that is one of origami's layers becomes
//! that layer: Gemm (either `transB`) or MatMul + Add → Dense; Conv,
//! MaxPool, AveragePool (NCHW, the kernels laid out back to NHWC) → Conv2D
//! and the poolings; GlobalAveragePool/GlobalMaxPool or ReduceMean/ReduceMax
//! → the global poolings; Flatten, Reshape; the activations (fused into the
//! Dense or Conv2D before them when it has none); BatchNormalization,
//! LayerNormalization; Cast + Gather → Embedding; LSTM, GRU and RNN (one
//! direction) with the transposes and squeezes around them → LSTM, GRU,
//! SimpleRNN; Dropout and Identity are dropped; a Sub and Div of constants
//! at the input → the standardisation. A PyTorch CNN flattens NCHW: the
//! Dense after its Flatten gets its kernel rows reordered to origami's
//! NHWC flattening, and a 4-D input read first by a convolution or pooling
//! is taken as NCHW: the imported model takes origami's NHWC images. Any
//! other operator, or an attribute origami cannot
//! honour, is an error naming the node and its operator. Compositions that
//! the export writes for attention, GELU, SiLU and softplus are not
//! recognised.

mod layers;

use std::collections::HashMap;
use std::path::Path;

use self::layers::out_len;

use super::proto::{self, AttributeProto, ModelProto, NodeProto, TensorProto};
use crate::nn::activation::{SELU_ALPHA, SELU_SCALE};
use crate::nn::{
    Activation, ActivationConfig, BatchNormalizationConfig, EmbeddingConfig, LayerNormalizationConfig, NoConfig,
    PoolConfig, Sequential,
};
use crate::spec::{LayerSpec, ModelFile, ModelSpec, Preprocessing, TrainingSpec};
use crate::{Error, Padding, Result, Rng};

/// What the graph's metadata (written by [`super::export`]) says.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Meta {
    preprocessing: Preprocessing,
    training: Option<TrainingSpec>,
    seed: u64,
    probabilities: bool,
}

/// Reads `m` (from the file `source`, for messages).
pub(super) fn from_model(m: &ModelProto, source: &Path) -> Result<(ModelFile, Sequential)> {
    let err = |msg: String| Error::format(source, msg);
    let g = m.graph.as_ref().ok_or_else(|| err("has no graph".into()))?;
    if let Some(op) = m.opset_import.iter().find(|o| !o.domain.as_deref().unwrap_or("").is_empty()) {
        return Err(err(format!(
            "imports the operator set {}, which origami does not read",
            crate::quote(op.domain.as_deref().unwrap_or(""))
        )));
    }
    let meta: Meta = m
        .metadata_props
        .iter()
        .find(|p| p.key.as_deref() == Some(super::METADATA_KEY))
        .and_then(|p| p.value.as_deref())
        .map(|v| serde_json::from_str(v).map_err(|e| err(format!("metadata {}: {e}", super::METADATA_KEY))))
        .transpose()?
        .unwrap_or_default();
    let mut consts = HashMap::new();
    for t in &g.initializer {
        consts.insert(t.name.clone().unwrap_or_default(), t.clone());
    }
    let inputs: Vec<_> = g.input.iter().filter(|v| !consts.contains_key(v.name.as_deref().unwrap_or(""))).collect();
    let [input] = inputs.as_slice() else {
        return Err(err(format!("has {} graph inputs; origami reads models of one input", inputs.len())));
    };
    let [output] = g.output.as_slice() else {
        return Err(err(format!("has {} graph outputs; origami reads models of one output", g.output.len())));
    };
    let dims = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()).and_then(|t| t.shape.as_ref());
    let dims = dims.map(|s| s.dim.as_slice()).unwrap_or(&[]);
    let input_shape: Vec<usize> = dims
        .iter()
        .skip(1)
        .map(|d| d.dim_value.filter(|&v| v > 0).map(|v| v as usize))
        .collect::<Option<_>>()
        .filter(|s: &Vec<usize>| !s.is_empty() && dims.len() >= 2)
        .ok_or_else(|| err("the input needs a fixed shape beside its batch axis".into()))?;
    // a 4-D input that a convolution or pooling reads first is NCHW (PyTorch's):
    // the imported model takes origami's NHWC images
    let first = g.node.iter().find(|n| n.input.first() == input.name.as_ref()).and_then(|n| n.op_type.as_deref());
    let nchw_input = input_shape.len() == 3 && matches!(first, Some("Conv" | "MaxPool" | "AveragePool"));
    let input_shape = if nchw_input { vec![input_shape[1], input_shape[2], input_shape[0]] } else { input_shape };
    let mut im = Importer {
        consts,
        layers: Vec::new(),
        weights: Vec::new(),
        cur: input.name.clone().unwrap_or_default(),
        shape: input_shape.clone(),
        nchw: nchw_input,
        time_major: false,
        fusable: false,
        rec: None,
        flat_perm: None,
        mean: None,
        std: None,
        reversal: false,
        gap: None,
        filled: false,
    };
    let out_name = output.name.clone().unwrap_or_default();
    let last = g.node.len();
    for (i, node) in g.node.iter().enumerate() {
        let op = node.op_type.as_deref().unwrap_or("");
        // the export's --probabilities ends in a softmax or sigmoid that is not a layer
        if meta.probabilities && i + 1 == last && matches!(op, "Softmax" | "Sigmoid") {
            im.cur = node.output.first().cloned().unwrap_or_default();
            continue;
        }
        im.node(node).map_err(|msg| {
            let name = node.name.as_deref().unwrap_or("");
            err(format!("node {i} ({} {op}): {msg}", crate::quote(name)))
        })?;
    }
    if im.cur != out_name || im.nchw || im.time_major {
        return Err(err(format!(
            "the graph's output {} is not the end of one path of layers from its input",
            crate::quote(&out_name)
        )));
    }
    let mut pre = meta.preprocessing;
    if pre.table.is_some() {
        // the table (in the metadata) holds the fill, the means and scales
        if !im.filled {
            return Err(err("the metadata holds a table encoding, but the graph fills no gaps (IsNaN, Where)".into()));
        }
    } else if im.filled {
        return Err(
            err("the graph fills gaps (IsNaN, Where) but has no origami table encoding in its metadata".into()),
        );
    } else {
        pre.mean = im.mean.take().unwrap_or_default();
        pre.std = im.std.take().unwrap_or_default();
    }
    let spec = ModelSpec { input_shape, layers: im.layers };
    let mut file = ModelFile::new(spec, meta.training.unwrap_or_default(), meta.seed);
    file.preprocessing = pre;
    let net = file.model.build(&mut Rng::seed(file.seed))?;
    let mut have: HashMap<String, (Vec<usize>, Vec<f32>)> =
        im.weights.into_iter().map(|(n, s, v)| (n, (s, v))).collect();
    for p in net.params() {
        let (shape, v) =
            have.remove(&p.name).ok_or_else(|| err(format!("gives no weights for the parameter {}", p.name)))?;
        if shape != p.value.shape() {
            return Err(err(format!(
                "{}: weights of shape {shape:?} for a parameter of shape {:?}",
                p.name,
                p.value.shape()
            )));
        }
        p.value.assign(&v)?;
    }
    if let Some(name) = have.keys().next() {
        return Err(err(format!("has weights {name} that the rebuilt network does not use")));
    }
    let outputs = net.output_shape().unwrap_or(&[]).to_vec();
    file.preprocessing.check(net.input_shape(), &outputs)?;
    Ok((file, net))
}

/// A recurrent layer whose outputs are still to be read.
struct Rec {
    layer: usize,
    y: String,
    y_h: String,
    reverse: bool,
}

struct Importer {
    consts: HashMap<String, TensorProto>,
    layers: Vec<LayerSpec>,
    weights: Vec<(String, Vec<usize>, Vec<f32>)>,
    cur: String,
    /// The current tensor's per-sample shape, origami's layout.
    shape: Vec<usize>,
    nchw: bool,
    /// The current sequence is `[t, n, f]` (ONNX's recurrent layout).
    time_major: bool,
    /// The last layer is a Dense or Conv2D whose activation may be fused.
    fusable: bool,
    rec: Option<Rec>,
    /// After a Flatten of NCHW images: origami's flat index → ONNX's.
    flat_perm: Option<Vec<usize>>,
    mean: Option<Vec<f32>>,
    std: Option<Vec<f32>>,
    /// A reverse recurrent layer's outputs by position: a Slice reversing
    /// the steps is next.
    reversal: bool,
    /// A table's gap mask (IsNaN of the input), and whether a Where filled it.
    gap: Option<String>,
    filled: bool,
}

type Step = std::result::Result<(), String>;

fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute.iter().find(|a| a.name.as_deref() == Some(name))
}
fn attr_i(node: &NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).and_then(|a| a.i).unwrap_or(default)
}
fn attr_f(node: &NodeProto, name: &str, default: f32) -> f32 {
    attr(node, name).and_then(|a| a.f).unwrap_or(default)
}
fn attr_ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(node, name).map(|a| a.ints.clone())
}
fn attr_s(node: &NodeProto, name: &str) -> Option<String> {
    attr(node, name).and_then(|a| a.s.as_ref()).map(|s| String::from_utf8_lossy(s).into_owned())
}

/// An f32 tensor's shape and values.
fn floats(t: &TensorProto) -> std::result::Result<(Vec<usize>, Vec<f32>), String> {
    let shape: Vec<usize> = t.dims.iter().map(|&d| d.max(0) as usize).collect();
    if t.data_type != Some(proto::FLOAT) {
        return Err(format!("the constant {} is not float32", crate::quote(t.name.as_deref().unwrap_or(""))));
    }
    if t.data_location == Some(1) {
        return Err("a constant stored in an external file".into());
    }
    let v: Vec<f32> = match &t.raw_data {
        Some(raw) => raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        None => t.float_data.clone(),
    };
    if v.len() != shape.iter().product::<usize>() {
        return Err(format!(
            "the constant {} has {} values for the shape {shape:?}",
            crate::quote(t.name.as_deref().unwrap_or("")),
            v.len()
        ));
    }
    Ok((shape, v))
}

/// An integer tensor's values.
fn integers(t: &TensorProto) -> std::result::Result<Vec<i64>, String> {
    match (t.data_type, &t.raw_data) {
        (Some(proto::INT64), Some(raw)) => {
            Ok(raw.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
        }
        (Some(proto::INT64), None) => Ok(t.int64_data.clone()),
        (Some(proto::INT32), Some(raw)) => {
            Ok(raw.chunks_exact(4).map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")) as i64).collect())
        }
        (Some(proto::INT32), None) => Ok(t.int32_data.iter().map(|&v| v as i64).collect()),
        _ => Err(format!("the constant {} is not an integer tensor", crate::quote(t.name.as_deref().unwrap_or("")))),
    }
}

/// `[rows, cols]` → `[cols, rows]`.
fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; v.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = v[r * cols + c];
        }
    }
    t
}

/// The padding (`valid` or TensorFlow's `same`) that gives `pads`
/// `[top, left, bottom, right]` on an `[h, w]` image.
fn padding(
    node: &NodeProto,
    image: &[usize],
    k: (usize, usize),
    s: (usize, usize),
) -> std::result::Result<Padding, String> {
    match attr_s(node, "auto_pad").as_deref() {
        None | Some("NOTSET") | Some("VALID") => {}
        Some("SAME_UPPER") => return Ok(Padding::Same),
        Some(other) => return Err(format!("auto_pad {other} (origami pads as SAME_UPPER)")),
    }
    let pads = attr_ints(node, "pads").unwrap_or_else(|| vec![0; 4]);
    if attr_s(node, "auto_pad").as_deref() == Some("VALID") || pads.iter().all(|&p| p == 0) {
        return Ok(Padding::Valid);
    }
    let same = |size: usize, k: usize, s: usize| {
        let total = (size.div_ceil(s).saturating_sub(1) * s + k).saturating_sub(size) as i64;
        (total / 2, total - total / 2)
    };
    let (t, b) = same(image[0], k.0, s.0);
    let (l, r) = same(image[1], k.1, s.1);
    if pads == [t, l, b, r] {
        Ok(Padding::Same)
    } else {
        Err(format!("pads {pads:?} are neither none nor TensorFlow's same padding ({:?})", [t, l, b, r]))
    }
}

fn pair(v: Option<Vec<i64>>, default: (usize, usize)) -> std::result::Result<(usize, usize), String> {
    match v.as_deref() {
        None => Ok(default),
        Some(&[a, b]) if a > 0 && b > 0 => Ok((a as usize, b as usize)),
        Some(other) => Err(format!("a 2-D window {other:?}")),
    }
}

/// origami's activation for an ONNX activation node.
fn activation(node: &NodeProto, nchw: bool, rank: usize) -> std::result::Result<Option<Activation>, String> {
    Ok(Some(match node.op_type.as_deref().unwrap_or("") {
        "Relu" => Activation::Relu,
        "Sigmoid" => Activation::Sigmoid,
        "Tanh" => Activation::Tanh,
        "Softplus" => Activation::Softplus,
        "LeakyRelu" => Activation::LeakyRelu(attr_f(node, "alpha", 0.01)),
        "Elu" => Activation::Elu(attr_f(node, "alpha", 1.0)),
        "Selu" => {
            let (a, g) = (attr_f(node, "alpha", 1.673_263_2), attr_f(node, "gamma", 1.050_701));
            if (a - SELU_ALPHA).abs() > 1e-6 || (g - SELU_SCALE).abs() > 1e-6 {
                return Err(format!("Selu with alpha {a}, gamma {g} (origami's are {SELU_ALPHA}, {SELU_SCALE})"));
            }
            Activation::Selu
        }
        "Softmax" => {
            let axis = attr_i(node, "axis", -1);
            let channels = if nchw { 1 } else { rank as i64 };
            if axis != -1 && axis != channels {
                return Err(format!("softmax over axis {axis}; origami's is over the channels"));
            }
            Activation::Softmax
        }
        _ => return Ok(None),
    }))
}

impl Importer {
    fn constant(&self, name: &str) -> std::result::Result<(Vec<usize>, Vec<f32>), String> {
        let t = self.consts.get(name).ok_or_else(|| format!("the input {} is not a constant", crate::quote(name)))?;
        floats(t)
    }

    fn ints_of(&self, name: &str) -> std::result::Result<Vec<i64>, String> {
        let t = self.consts.get(name).ok_or_else(|| format!("the input {} is not a constant", crate::quote(name)))?;
        integers(t)
    }

    fn push(&mut self, spec: LayerSpec, weights: Vec<(&str, Vec<usize>, Vec<f32>)>) {
        let i = self.layers.len();
        for (name, shape, v) in weights {
            self.weights.push((format!("layers.{i}.{name}"), shape, v));
        }
        self.fusable = matches!(spec, LayerSpec::Dense(_) | LayerSpec::Conv2D(_));
        self.layers.push(spec);
    }

    fn node(&mut self, node: &NodeProto) -> Step {
        let op = node.op_type.as_deref().unwrap_or("");
        if !node.domain.as_deref().unwrap_or("").is_empty() {
            return Err(format!(
                "the domain {} is not ONNX's default",
                crate::quote(node.domain.as_deref().unwrap_or(""))
            ));
        }
        let out = node.output.first().cloned().unwrap_or_default();
        if op == "Constant" {
            let t = attr(node, "value").and_then(|a| a.t.clone()).ok_or("a Constant without a tensor value")?;
            self.consts.insert(out, t);
            return Ok(());
        }
        // the path runs through a Gather's indices, every other node's first input
        let x = node.input.get(usize::from(op == "Gather")).map(String::as_str).unwrap_or("");
        let arg = |k: usize| node.input.get(k).map(String::as_str).filter(|s| !s.is_empty());
        // a recurrent layer's outputs
        if let Some(rec) = self.rec.take() {
            return self.after_recurrent(node, rec);
        }
        if std::mem::take(&mut self.reversal) {
            let ok = op == "Slice"
                && [(1, vec![-1]), (3, vec![0]), (4, vec![-1])]
                    .iter()
                    .all(|(k, want)| arg(*k).and_then(|a| self.ints_of(a).ok()).as_ref() == Some(want));
            if !ok || x != self.cur {
                return Err(format!("{op} after a reverse recurrent layer, whose outputs origami returns in the order processed (a Slice reversing the steps)"));
            }
            self.cur = out;
            return Ok(());
        }
        // a table's gap fill before the layers: Where(IsNaN(x), median, x)
        if self.layers.is_empty() && !self.nchw && self.mean.is_none() {
            if op == "IsNaN" && x == self.cur && self.gap.is_none() {
                self.gap = Some(out);
                return Ok(());
            }
            if op == "Where" && self.gap.as_deref() == Some(x) && arg(2) == Some(self.cur.as_str()) {
                self.filled = true;
                self.cur = out;
                return Ok(());
            }
        }
        if x != self.cur {
            return Err(format!(
                "{op} does not continue the path of layers (it reads {}, not {})",
                crate::quote(x),
                crate::quote(&self.cur)
            ));
        }
        let rank = self.shape.len();
        let was_fusable = std::mem::replace(&mut self.fusable, false);
        if self.time_major && !matches!(op, "LSTM" | "GRU" | "RNN" | "Transpose" | "Slice") {
            return Err(format!("{op} on a time-major sequence"));
        }
        if self.flat_perm.is_some()
            && !matches!(op, "Gemm" | "MatMul" | "Dropout" | "Identity" | "Relu" | "Sigmoid" | "Tanh")
        {
            return Err(format!("{op} after flattening NCHW images (origami flattens NHWC; only a Dense can follow)"));
        }
        if let Some(a) = activation(node, self.nchw, rank)? {
            if self.flat_perm.is_some() {
                return Err(format!("{op} between the flattening of NCHW images and the Dense after it"));
            }
            match self.layers.last_mut() {
                Some(LayerSpec::Dense(c)) if was_fusable && c.activation == Activation::Linear => c.activation = a,
                Some(LayerSpec::Conv2D(c)) if was_fusable && c.activation == Activation::Linear => c.activation = a,
                _ => {
                    if self.nchw && a == Activation::Softmax && rank != 3 {
                        return Err("softmax over NCHW channels of a non-image".into());
                    }
                    self.push(LayerSpec::Activation(ActivationConfig { activation: a }), vec![]);
                    self.fusable = false;
                }
            }
            self.cur = out;
            return Ok(());
        }
        match op {
            "Identity" | "Dropout" => {
                if node.output.len() > 1 && !node.output[1].is_empty() {
                    return Err("a Dropout whose mask is used".into());
                }
                self.fusable = was_fusable;
            }
            "Sub" | "Div" if self.layers.is_empty() && !self.nchw => {
                let (_, v) = self.constant(arg(1).unwrap_or(""))?;
                let n = self.shape.iter().product::<usize>();
                if v.len() != n {
                    return Err(format!("{op} by {} values; the standardisation needs one per feature ({n})", v.len()));
                }
                match (op, &self.mean, &self.std) {
                    ("Sub", None, None) => self.mean = Some(v),
                    ("Div", Some(_), None) => self.std = Some(v),
                    _ => return Err(format!("{op} is not part of a standardisation (x − mean) / std")),
                }
            }
            "Transpose" => {
                let perm = attr_ints(node, "perm").unwrap_or_default();
                match (perm.as_slice(), rank) {
                    ([0, 3, 1, 2], 3) if !self.nchw => self.nchw = true,
                    ([0, 2, 3, 1], 3) if self.nchw => self.nchw = false,
                    ([1, 0, 2], 2) => self.time_major = !self.time_major,
                    _ => return Err(format!("a transpose {perm:?} of a {rank}-D sample")),
                }
            }
            "Gemm" | "MatMul" => self.dense(node, op, rank)?,
            "Add" => {
                // a bias after MatMul
                let (shape, b) = self.constant(arg(1).unwrap_or(""))?;
                match (self.layers.last_mut(), self.weights.last()) {
                    (Some(LayerSpec::Dense(c)), Some((name, ..)))
                        if was_fusable && !c.use_bias && name.ends_with(".kernel") && shape == [c.units] =>
                    {
                        c.use_bias = true;
                        let i = self.layers.len() - 1;
                        self.weights.push((format!("layers.{i}.bias"), shape, b));
                        self.fusable = true;
                    }
                    _ => return Err("an Add that is not a Dense layer's bias".into()),
                }
            }
            "Conv" => self.conv(node)?,
            "MaxPool" | "AveragePool" => {
                if !self.nchw {
                    return Err(format!("{op} of an image that is not NCHW"));
                }
                if attr_i(node, "ceil_mode", 0) != 0
                    || attr_ints(node, "dilations").is_some_and(|d| d.iter().any(|&v| v != 1))
                {
                    return Err("ceil_mode or dilations (origami pools with neither)".into());
                }
                let k = pair(attr_ints(node, "kernel_shape"), (1, 1))?;
                let s = pair(attr_ints(node, "strides"), (1, 1))?;
                let p = padding(node, &self.shape, k, s)?;
                if op == "AveragePool" && p == Padding::Same && attr_i(node, "count_include_pad", 0) != 0 {
                    return Err("count_include_pad (origami averages the pixels inside the image)".into());
                }
                let c = PoolConfig { pool_size: k, strides: Some(s), padding: p };
                let spec = if op == "MaxPool" { LayerSpec::MaxPool2D(c) } else { LayerSpec::AvgPool2D(c) };
                self.push(spec, vec![]);
                self.shape =
                    vec![out_len(self.shape[0], k.0, s.0, p)?, out_len(self.shape[1], k.1, s.1, p)?, self.shape[2]];
            }
            "GlobalAveragePool" | "GlobalMaxPool" => {
                if !self.nchw {
                    return Err(format!("{op} of an image that is not NCHW"));
                }
                let spec = if op == "GlobalMaxPool" {
                    LayerSpec::GlobalMaxPooling2D(NoConfig {})
                } else {
                    LayerSpec::GlobalAveragePooling2D(NoConfig {})
                };
                self.push(spec, vec![]);
                // [n, c, 1, 1]: the Flatten (or Squeeze, Reshape) after it is part of it
                self.nchw = false;
                self.shape = vec![1, 1, self.shape[2]];
                self.cur = out;
                return Ok(());
            }
            "ReduceMean" | "ReduceMax" => {
                let axes = attr_ints(node, "axes").unwrap_or_default();
                let keep = attr_i(node, "keepdims", 1);
                let max = op == "ReduceMax";
                let spec = match (axes.as_slice(), rank, self.nchw, keep) {
                    ([1, 2], 3, false, 0) if max => LayerSpec::GlobalMaxPooling2D(NoConfig {}),
                    ([1, 2], 3, false, 0) => LayerSpec::GlobalAveragePooling2D(NoConfig {}),
                    ([1], 2, false, 0) if max => LayerSpec::GlobalMaxPooling1D(NoConfig {}),
                    ([1], 2, false, 0) => LayerSpec::GlobalAveragePooling1D(NoConfig {}),
                    _ => return Err(format!("{op} over axes {axes:?} (keepdims {keep}) of a {rank}-D sample")),
                };
                self.push(spec, vec![]);
                self.shape = vec![*self.shape.last().expect("rank checked")];
            }
            "Flatten" | "Squeeze" | "Reshape" if self.shape.len() == 3 && self.shape[..2] == [1, 1] && !self.nchw => {
                // after a global pooling of NCHW images, or origami's 1×1 images
                if matches!(
                    self.layers.last(),
                    Some(LayerSpec::GlobalAveragePooling2D(_) | LayerSpec::GlobalMaxPooling2D(_))
                ) {
                    self.shape = vec![self.shape[2]];
                } else {
                    self.flatten_or_reshape(node, op)?;
                }
            }
            "Flatten" | "Reshape" => self.flatten_or_reshape(node, op)?,
            "BatchNormalization" => {
                let eps = attr_f(node, "epsilon", 1e-5);
                if node.output.len() > 1 || attr_i(node, "training_mode", 0) != 0 {
                    return Err("BatchNormalization in training mode".into());
                }
                if rank == 3 && !self.nchw || rank == 2 {
                    return Err(format!("BatchNormalization of a {rank}-D sample whose channels are not axis 1"));
                }
                let mut w = Vec::new();
                for (k, name) in [(1, "gamma"), (2, "beta"), (3, "moving_mean"), (4, "moving_variance")] {
                    let (s, v) = self.constant(arg(k).unwrap_or(""))?;
                    w.push((name, s, v));
                }
                self.push(
                    LayerSpec::BatchNormalization(BatchNormalizationConfig { epsilon: eps, ..Default::default() }),
                    w,
                );
            }
            "LayerNormalization" => {
                if self.nchw || attr_i(node, "axis", -1) != -1 && attr_i(node, "axis", -1) != rank as i64 {
                    return Err("LayerNormalization over other axes than the last".into());
                }
                let eps = attr_f(node, "epsilon", 1e-5);
                let (s, g) = self.constant(arg(1).unwrap_or(""))?;
                let mut w = vec![("gamma", s, g)];
                let center = arg(2).is_some();
                if let Some(b) = arg(2) {
                    let (s, b) = self.constant(b)?;
                    w.push(("beta", s, b));
                }
                self.push(
                    LayerSpec::LayerNormalization(LayerNormalizationConfig { epsilon: eps, center, scale: true }),
                    w,
                );
            }
            "Cast" => {
                if attr_i(node, "to", 0) != proto::INT64 as i64 && attr_i(node, "to", 0) != proto::INT32 as i64 {
                    return Err("a Cast to anything but integer ids".into());
                }
                self.fusable = false;
                // the ids of an Embedding: its Gather is next
                self.layers.push(LayerSpec::Embedding(EmbeddingConfig::default()));
                self.shape.push(0);
            }
            "Gather" => {
                let Some(LayerSpec::Embedding(c)) =
                    self.layers.last_mut().filter(|_| *self.shape.last().unwrap_or(&1) == 0)
                else {
                    return Err("a Gather that is not an Embedding lookup (Cast, then Gather of a table)".into());
                };
                let table = node.input.first().cloned().unwrap_or_default();
                let (s, v) = floats(self.consts.get(&table).ok_or("the table of an Embedding must be a constant")?)?;
                if s.len() != 2 || attr_i(node, "axis", 0) != 0 || node.input.get(1) != Some(&self.cur) {
                    return Err("a Gather that is not an Embedding lookup".into());
                }
                (c.input_dim, c.output_dim) = (s[0], s[1]);
                let i = self.layers.len() - 1;
                self.weights.push((format!("layers.{i}.embeddings"), s.clone(), v));
                *self.shape.last_mut().expect("pushed") = s[1];
            }
            "LSTM" | "GRU" | "RNN" => self.recurrent(node, op)?,
            _ => return Err(format!("the operator {op} is not among those origami imports")),
        }
        self.cur = out;
        Ok(())
    }
}
