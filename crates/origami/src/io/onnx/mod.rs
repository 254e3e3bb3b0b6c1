//! ONNX files: origami's models for every other runtime, and back.
//!
//! ONNX is the exchange format of inference runtimes (onnxruntime, browsers,
//! phones, other frameworks). [`export`] writes a trained [`Sequential`]
//! with the input preprocessing of its model directory (standardisation
//! as `Sub`/`Div` nodes), so that the ONNX model takes the raw features
//! `origami predict` takes; its input is `input` and its output `output`,
//! both with a symbolic batch axis `batch`. Operators are ONNX's default
//! domain at **opset 17** (IR version 8), which every maintained runtime
//! reads; see `export.rs` for the operators each layer becomes.
//!
//! This module sits above [`crate::spec`] and [`crate::saving`] (it reads a
//! [`ModelFile`]), unlike the rest of [`crate::io`], which is below them.
//! The protobuf messages are prost-derived structs ([`proto`]): prost does
//! the wire encoding, and the build needs no `protoc`.

mod export;
mod graph;
mod import;
pub mod proto;

use std::path::Path;

use prost::Message;

pub use export::{ExportOptions, INPUT_NAME, OUTPUT_NAME};

use crate::nn::Sequential;
use crate::spec::ModelFile;
use crate::Result;
use proto::{
    Dimension, GraphProto, ModelProto, OperatorSetIdProto, StringStringEntryProto, TensorShapeProto, TypeProto,
    TypeProtoTensor, ValueInfoProto,
};

/// The operator set the exported graphs use (ONNX's default domain).
pub const OPSET: i64 = 17;
/// The IR version of opset 17 (ONNX 1.12).
pub const IR_VERSION: i64 = 8;
/// The name of the batch axis in the graph's input and output types.
pub const BATCH_AXIS: &str = "batch";
/// The metadata key under which [`export`] stores `architecture.json`'s
/// preprocessing and training spec (as JSON), so that an import gets the
/// loss and class names back; the layers are read from the graph.
pub const METADATA_KEY: &str = "origami.model";

/// The ONNX model of `net` (built, with weights), described by `file`.
/// An error names the first layer that has no ONNX form.
pub fn to_model(file: &ModelFile, net: &Sequential, options: &ExportOptions) -> Result<ModelProto> {
    let (g, out_shape) = export::lower(file, net, options)?;
    let value = |name: &str, shape: &[usize]| {
        let mut dim = vec![Dimension { dim_value: None, dim_param: Some(BATCH_AXIS.into()) }];
        dim.extend(shape.iter().map(|&d| Dimension { dim_value: Some(d as i64), dim_param: None }));
        ValueInfoProto {
            name: Some(name.into()),
            r#type: Some(TypeProto {
                tensor_type: Some(TypeProtoTensor {
                    elem_type: Some(proto::FLOAT),
                    shape: Some(TensorShapeProto { dim }),
                }),
            }),
            doc_string: None,
        }
    };
    let meta = serde_json::json!({
        "preprocessing": file.preprocessing,
        "training": file.training,
        "seed": file.seed,
        "probabilities": options.probabilities,
    });
    Ok(ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
        producer_name: Some("origami".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(GraphProto {
            node: g.nodes,
            name: Some("origami".into()),
            initializer: g.initializers,
            input: vec![value(INPUT_NAME, net.input_shape())],
            output: vec![value(OUTPUT_NAME, &out_shape)],
            ..Default::default()
        }),
        metadata_props: vec![StringStringEntryProto { key: Some(METADATA_KEY.into()), value: Some(meta.to_string()) }],
        ..Default::default()
    })
}

/// [`to_model`] as the bytes of an `.onnx` file.
pub fn to_bytes(file: &ModelFile, net: &Sequential, options: &ExportOptions) -> Result<Vec<u8>> {
    Ok(to_model(file, net, options)?.encode_to_vec())
}

/// Writes the ONNX model of `net` to `path`, atomically.
pub fn export(file: &ModelFile, net: &Sequential, path: impl AsRef<Path>, options: &ExportOptions) -> Result<()> {
    super::write_atomic(path.as_ref(), &to_bytes(file, net, options)?)
}

/// Reads an ONNX model: the network (built, with the file's weights) and
/// its [`ModelFile`]. The operators must be those [`export`] writes for
/// origami's layers, in the patterns it and PyTorch's `torch.onnx.export`
/// write them (see `import.rs`); any other is an error naming the node and
/// its operator. A file written by [`export`] also gives back the loss,
/// metrics, optimizer, seed and class names (its metadata); another gets
/// [`TrainingSpec::default`](crate::spec::TrainingSpec) and seed 0.
pub fn import(path: impl AsRef<Path>) -> Result<(ModelFile, Sequential)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    from_bytes(&bytes, path)
}

/// [`import`] of the bytes of an `.onnx` file (`source` names it in errors).
pub fn from_bytes(bytes: &[u8], source: impl AsRef<Path>) -> Result<(ModelFile, Sequential)> {
    let source = source.as_ref();
    let model = ModelProto::decode(bytes)
        .map_err(|e| crate::Error::format(source, format!("is not an ONNX model (protobuf): {e}")))?;
    import::from_model(&model, source)
}

#[cfg(test)]
mod tests;
