//! Export → import round trips (the same predictions), the graph's form,
//! and the errors. onnxruntime's agreement with origami is checked by
//! scripts/onnx_check.sh; PyTorch-style graphs by the fixtures in
//! crates/origami/tests/.

use prost::Message;
use serde_json::json;

use super::proto::ModelProto;
use super::*;
use crate::nn::Loss;
use crate::spec::{LayerSpec, ModelSpec, TrainingSpec};
use crate::{Rng, Tensor};

fn model(input_shape: &[usize], layers: serde_json::Value, loss: Loss) -> (ModelFile, Sequential) {
    let layers: Vec<LayerSpec> = serde_json::from_value(layers).unwrap();
    let spec = ModelSpec { input_shape: input_shape.to_vec(), layers };
    let training = TrainingSpec { loss, ..Default::default() };
    let file = ModelFile::new(spec, training, 3);
    let net = file.model.build(&mut Rng::seed(3)).unwrap();
    // non-trivial statistics and biases, so that a swapped or dropped tensor shows
    let mut rng = Rng::seed(9);
    for p in net.params() {
        let v = Tensor::randn(p.value.shape(), 0.0, 0.5, &mut rng).to_vec();
        let v: Vec<f32> =
            if p.name.ends_with("moving_variance") { v.iter().map(|x| x.abs() + 0.5).collect() } else { v };
        p.value.assign(&v).unwrap();
    }
    (file, net)
}

fn predict(net: &mut Sequential, x: &Tensor) -> Vec<f32> {
    crate::no_grad(|| net.forward(x, false)).unwrap().to_vec()
}

/// Exports, imports, and compares the two networks' outputs on `x`.
fn round_trip(file: &ModelFile, mut net: Sequential, x: &Tensor) -> ModelFile {
    let bytes = to_bytes(file, &net, &ExportOptions::default()).unwrap();
    let (back, mut net2) = from_bytes(&bytes, "test.onnx").unwrap();
    let (a, b) = (predict(&mut net, x), predict(&mut net2, x));
    assert_eq!(a.len(), b.len());
    // LSTM's and GRU's two ONNX biases are summed back into one: a rounding apart
    let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs() / (1e-3 + p.abs())).fold(0.0, f32::max);
    assert!(worst <= 1e-5, "worst relative difference {worst}: {a:?} vs {b:?}");
    back
}

fn inputs(shape: &[usize], seed: u64) -> Tensor {
    Tensor::randn(shape, 0.0, 1.0, &mut Rng::seed(seed))
}

#[test]
fn mlp_with_norms_and_preprocessing_round_trips() {
    let (mut file, net) = model(
        &[4],
        json!([
            {"type": "Dense", "units": 8, "activation": "relu"},
            {"type": "BatchNormalization"},
            {"type": "Dropout", "rate": 0.5},
            {"type": "Dense", "units": 6, "activation": "leaky_relu(0.2)"},
            {"type": "LayerNormalization", "center": false},
            {"type": "Dense", "units": 5, "activation": "elu(0.5)"},
            {"type": "Dense", "units": 5, "use_bias": false},
            {"type": "Activation", "activation": "selu"},
            {"type": "Activation", "activation": "tanh"},
            {"type": "Dense", "units": 3, "activation": "softmax"}
        ]),
        Loss::SparseCategoricalCrossentropy { from_logits: false },
    );
    file.preprocessing.mean = vec![1.0, 2.0, 3.0, 4.0];
    file.preprocessing.std = vec![0.5, 1.0, 2.0, 4.0];
    file.preprocessing.class_names = vec!["a".into(), "b".into(), "c".into()];
    let back = round_trip(&file, net, &inputs(&[7, 4], 1));
    assert_eq!(back.preprocessing, file.preprocessing);
    assert_eq!(back.training, file.training);
    // Dropout is gone, the selu fused into the Dense before it (which had
    // none), the tanh after that a layer of its own
    let kinds: Vec<&str> = back.model.layers.iter().map(LayerSpec::kind).collect();
    assert_eq!(
        kinds,
        ["Dense", "BatchNormalization", "Dense", "LayerNormalization", "Dense", "Dense", "Activation", "Dense"],
        "{back:?}"
    );
    assert!(matches!(&back.model.layers[5], LayerSpec::Dense(c) if c.activation == crate::nn::Activation::Selu));
}

#[test]
fn cnn_round_trips_through_nchw() {
    for tail in
        [json!({"type": "Flatten"}), json!({"type": "GlobalAveragePooling2D"}), json!({"type": "GlobalMaxPooling2D"})]
    {
        let (file, net) = model(
            &[9, 8, 2],
            json!([
                {"type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same", "activation": "relu"},
                {"type": "BatchNormalization"},
                {"type": "MaxPool2D", "pool_size": 2, "padding": "same"},
                {"type": "Conv2D", "filters": 4, "kernel_size": [2, 3], "strides": [2, 1]},
                {"type": "AvgPool2D", "pool_size": 2, "strides": 1},
                tail,
                {"type": "Dense", "units": 3}
            ]),
            Loss::SparseCategoricalCrossentropy { from_logits: true },
        );
        round_trip(&file, net, &inputs(&[5, 9, 8, 2], 2));
    }
}

#[test]
fn recurrent_layers_and_embeddings_round_trip() {
    let (file, net) = model(
        &[12],
        json!([
            {"type": "Reshape", "target_shape": [4, 3]},
            {"type": "LSTM", "units": 5, "return_sequences": true},
            {"type": "GRU", "units": 4, "return_sequences": true, "go_backwards": true},
            {"type": "GRU", "units": 4, "reset_after": false, "return_sequences": true},
            {"type": "SimpleRNN", "units": 3, "activation": "relu", "return_sequences": true, "go_backwards": true},
            {"type": "LSTM", "units": 3, "go_backwards": true},
            {"type": "Dense", "units": 2}
        ]),
        Loss::MeanSquaredError,
    );
    round_trip(&file, net, &inputs(&[6, 12], 3));
    let (file, net) = model(
        &[5],
        json!([
            {"type": "Embedding", "input_dim": 7, "output_dim": 3},
            {"type": "GlobalAveragePooling1D"},
            {"type": "Dense", "units": 1}
        ]),
        Loss::BinaryCrossentropy { from_logits: true },
    );
    let ids: Vec<f32> = (0..20).map(|i| ((i * 3) % 7) as f32).collect();
    round_trip(&file, net, &Tensor::from_vec(ids, &[4, 5]).unwrap());
}

#[test]
fn the_graph_has_named_inputs_a_batch_axis_and_opset_17() {
    let (mut file, net) = model(&[3], json!([{"type": "Dense", "units": 2}]), Loss::MeanSquaredError);
    file.preprocessing.mean = vec![0.0, 1.0, 2.0];
    file.preprocessing.std = vec![1.0, 2.0, 3.0];
    let m = ModelProto::decode(to_bytes(&file, &net, &ExportOptions::default()).unwrap().as_slice()).unwrap();
    assert_eq!((m.ir_version, m.opset_import[0].version), (Some(IR_VERSION), Some(17)));
    let g = m.graph.unwrap();
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_deref().unwrap()).collect();
    assert_eq!(ops, ["Sub", "Div", "Gemm"]);
    assert_eq!(g.node[2].output, [OUTPUT_NAME]);
    let dims = &g.input[0].r#type.as_ref().unwrap().tensor_type.as_ref().unwrap().shape.as_ref().unwrap().dim;
    assert_eq!(g.input[0].name.as_deref(), Some(INPUT_NAME));
    assert_eq!(dims[0].dim_param.as_deref(), Some(BATCH_AXIS));
    assert_eq!(dims[1].dim_value, Some(3));
    // the kernel travels as little-endian f32s, [in, out] as origami's
    let kernel = g.initializer.iter().find(|t| t.name.as_deref().unwrap().contains("kernel")).unwrap();
    let raw = kernel.raw_data.as_ref().unwrap();
    let v: Vec<f32> = raw.chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    assert_eq!(kernel.dims, [3, 2]);
    assert_eq!(v, net.params()[0].value.to_vec());
}

#[test]
fn probabilities_end_the_graph_with_softmax_and_import_drops_it() {
    let (file, mut net) =
        model(&[3], json!([{"type": "Dense", "units": 4}]), Loss::SparseCategoricalCrossentropy { from_logits: true });
    let options = ExportOptions { probabilities: true };
    let m = to_model(&file, &net, &options).unwrap();
    let last = m.graph.as_ref().unwrap().node.last().unwrap();
    assert_eq!((last.op_type.as_deref(), last.output[0].as_str()), (Some("Softmax"), OUTPUT_NAME));
    let (_, mut back) = from_bytes(&m.encode_to_vec(), "p.onnx").unwrap();
    let x = inputs(&[2, 3], 4);
    assert_eq!(predict(&mut net, &x), predict(&mut back, &x));
    let (mse, net) = model(&[3], json!([{"type": "Dense", "units": 1}]), Loss::MeanSquaredError);
    let e = to_bytes(&mse, &net, &options).unwrap_err().to_string();
    assert!(e.contains("does not take logits"), "{e}");
}

#[test]
fn a_layer_without_an_onnx_form_is_named() {
    let (file, net) =
        model(&[6, 2], json!([{"type": "Conv1D", "filters": 2, "kernel_size": 2}]), Loss::MeanSquaredError);
    let e = to_bytes(&file, &net, &ExportOptions::default()).unwrap_err().to_string();
    assert!(e.contains("layers[0] (Conv1D)"), "{e}");
    let (file, net) =
        model(&[4, 2], json!([{"type": "LSTM", "units": 2, "activation": "gelu"}]), Loss::MeanSquaredError);
    let e = to_bytes(&file, &net, &ExportOptions::default()).unwrap_err().to_string();
    assert!(e.contains("layers[0] (LSTM)") && e.contains("gelu"), "{e}");
}

#[test]
fn import_names_the_operator_and_node_it_cannot_read() {
    // GELU is exported as a composition the importer does not take apart
    let (file, net) = model(&[3], json!([{"type": "Dense", "units": 2, "activation": "gelu"}]), Loss::MeanSquaredError);
    let bytes = to_bytes(&file, &net, &ExportOptions::default()).unwrap();
    let e = from_bytes(&bytes, "gelu.onnx").err().unwrap().to_string();
    assert!(e.contains("gelu.onnx") && e.contains("node 1") && e.contains("Mul"), "{e}");
    let e = from_bytes(&[0xff, 0xff, 0xff], "junk.onnx").err().unwrap().to_string();
    assert!(e.contains("junk.onnx") && e.contains("not an ONNX model"), "{e}");
}
