//! Import of graphs in the form `torch.onnx.export` writes (an MLP, a CNN on
//! NCHW input, a batch-first LSTM; scripts/make_onnx_fixtures.py made them
//! and their expected outputs with onnxruntime): origami's imported network
//! must give onnxruntime's outputs within 1e-5 (relative, 1e-6 absolute).

use origami::io::onnx;
use origami::{no_grad, Tensor};

fn check(name: &str, nchw: bool) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/onnx");
    let (file, mut net) = onnx::import(format!("{dir}/{name}.onnx")).unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap()).unwrap();
    let floats =
        |k: &str| -> Vec<f32> { j[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect() };
    let shape: Vec<usize> = j["input_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let mut x = Tensor::from_vec(floats("input"), &shape).unwrap();
    if nchw {
        // the fixture's input is PyTorch's NCHW; origami's model takes NHWC
        x = x.permute(&[0, 2, 3, 1]).unwrap();
        assert_eq!(file.model.input_shape, [shape[2], shape[3], shape[1]]);
    }
    let got = no_grad(|| net.forward(&x, false)).unwrap().to_vec();
    let want = floats("output");
    assert_eq!(got.len(), want.len(), "{name}");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-6 + 1e-5 * w.abs(), "{name}: output {i}: origami {g}, onnxruntime {w}");
    }
}

#[test]
fn a_torch_style_mlp_imports() {
    check("torch_mlp", false);
}

#[test]
fn a_torch_style_cnn_on_nchw_imports_with_its_flatten_reordered() {
    check("torch_cnn", true);
}

#[test]
fn a_torch_style_batch_first_lstm_imports() {
    check("torch_lstm", false);
}
