//! A small builder of ONNX graphs: nodes with fresh output names,
//! constants as initializers, attributes by kind.

use super::proto::{self, AttributeProto, NodeProto, TensorProto};

/// Nodes and initializers under construction, in topological order (each
/// node is pushed after the nodes that make its inputs).
#[derive(Default)]
pub(super) struct Graph {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
    /// The prefix of the names made now (`layers.3`), so that a node and
    /// its tensors say which layer they come from.
    pub scope: String,
    counter: usize,
}

impl Graph {
    /// A new tensor name in the current scope, `layers.3/MatMul_7`.
    pub fn fresh(&mut self, hint: &str) -> String {
        self.counter += 1;
        if self.scope.is_empty() {
            format!("{hint}_{}", self.counter)
        } else {
            format!("{}/{hint}_{}", self.scope, self.counter)
        }
    }

    /// An f32 constant of shape `dims` (little-endian `raw_data`, as
    /// PyTorch writes them).
    pub fn constant(&mut self, hint: &str, dims: &[usize], data: &[f32]) -> String {
        debug_assert_eq!(dims.iter().product::<usize>(), data.len());
        let name = self.fresh(hint);
        let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(tensor(&name, proto::FLOAT, dims, raw));
        name
    }

    /// An int64 constant (shapes, axes, slice bounds).
    pub fn constant_i64(&mut self, hint: &str, data: &[i64]) -> String {
        let name = self.fresh(hint);
        let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(tensor(&name, proto::INT64, &[data.len()], raw));
        name
    }

    /// A boolean constant (an attention mask).
    pub fn constant_bool(&mut self, hint: &str, dims: &[usize], data: &[bool]) -> String {
        let name = self.fresh(hint);
        let raw = data.iter().map(|&b| u8::from(b)).collect();
        self.initializers.push(tensor(&name, proto::BOOL, dims, raw));
        name
    }

    /// Appends an `op` node of `inputs` (an empty name is an omitted
    /// optional input) and returns the names of its `outputs` new outputs.
    pub fn node_n(&mut self, op: &str, inputs: &[&str], outputs: usize, attrs: Vec<AttributeProto>) -> Vec<String> {
        let out: Vec<String> = (0..outputs).map(|_| self.fresh(op)).collect();
        let name = self.fresh(&format!("{op}_node"));
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: out.clone(),
            name: Some(name),
            op_type: Some(op.into()),
            attribute: attrs,
            ..Default::default()
        });
        out
    }

    /// [`node_n`](Self::node_n) with one output.
    pub fn node(&mut self, op: &str, inputs: &[&str], attrs: Vec<AttributeProto>) -> String {
        self.node_n(op, inputs, 1, attrs).remove(0)
    }
}

fn tensor(name: &str, data_type: i32, dims: &[usize], raw: Vec<u8>) -> TensorProto {
    TensorProto {
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(data_type),
        name: Some(name.into()),
        raw_data: Some(raw),
        ..Default::default()
    }
}

/// An int attribute.
pub(super) fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(proto::attribute_type::INT),
        i: Some(v),
        ..Default::default()
    }
}

/// A float attribute.
pub(super) fn float(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(proto::attribute_type::FLOAT),
        f: Some(v),
        ..Default::default()
    }
}

/// A list-of-ints attribute.
pub(super) fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(proto::attribute_type::INTS),
        ints: v.to_vec(),
        ..Default::default()
    }
}

/// A string attribute.
pub(super) fn string(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(proto::attribute_type::STRING),
        s: Some(v.as_bytes().to_vec()),
        ..Default::default()
    }
}

/// A list-of-strings attribute.
pub(super) fn strings(name: &str, v: &[&str]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(proto::attribute_type::STRINGS),
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}
