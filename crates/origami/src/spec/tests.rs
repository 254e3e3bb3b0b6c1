use super::*;
use crate::nn::{
    Activation, Conv2DConfig, DenseConfig, DropoutConfig, Initializer, Loss, NoConfig, PoolConfig, Regularizer,
};
use crate::{Rng, Tensor};

fn cnn() -> ModelSpec {
    ModelSpec {
        input_shape: vec![8, 8, 1],
        layers: vec![
            LayerSpec::Conv2D(Conv2DConfig {
                filters: 4,
                kernel_size: (3, 3),
                padding: crate::Padding::Same,
                activation: Activation::Relu,
                kernel_regularizer: Some(Regularizer::L2(1e-4)),
                ..Default::default()
            }),
            LayerSpec::MaxPool2D(PoolConfig::default()),
            LayerSpec::BatchNormalization(Default::default()),
            LayerSpec::Flatten(NoConfig {}),
            LayerSpec::Dropout(DropoutConfig { rate: 0.25 }),
            LayerSpec::Dense(DenseConfig {
                units: 3,
                activation: Activation::LeakyRelu(0.1),
                kernel_initializer: Some(Initializer::RandomNormal { mean: 0.0, std: 0.05 }),
                ..Default::default()
            }),
        ],
    }
}

#[test]
fn specs_round_trip_through_json_and_build() {
    let spec = cnn();
    let json = serde_json::to_string_pretty(&spec).unwrap();
    assert!(json.contains("\"type\": \"Conv2D\"") && json.contains("\"l2(0.0001)\""), "{json}");
    assert!(json.contains("leaky_relu(0.1)") && json.contains("random_normal(0, 0.05)"), "{json}");
    let back: ModelSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
    let mut net = back.build(&mut Rng::seed(0)).unwrap();
    assert_eq!(net.output_shape(), Some(&[3usize][..]));
    let y = net.forward(&Tensor::ones(&[2, 8, 8, 1]), false).unwrap();
    assert_eq!(y.shape(), &[2, 3]);
    // the same seed builds the same weights
    let net2 = spec.build(&mut Rng::seed(0)).unwrap();
    assert_eq!(net.params()[0].value.to_vec(), net2.params()[0].value.to_vec());
}

#[test]
fn option_names_parse_and_print_back() {
    for s in ["relu", "leaky_relu(0.1)", "elu(1)", "softmax", "silu"] {
        let a = parse_activation(s).unwrap();
        assert_eq!(parse_activation(&names::activation_name(&a)).unwrap(), a);
    }
    assert_eq!(parse_activation("LeakY_ReLU").unwrap(), Activation::LeakyRelu(0.3));
    assert!(parse_activation("rellu").unwrap_err().contains("unknown activation"));
    assert!(parse_activation("relu(3)").is_err());
    assert_eq!(parse_regularizer("l1_l2(0.1, 0.2)").unwrap(), Regularizer::L1L2 { l1: 0.1, l2: 0.2 });
    assert_eq!(
        parse_loss("sparse_categorical_crossentropy_from_logits").unwrap(),
        Loss::SparseCategoricalCrossentropy { from_logits: true }
    );
    assert_eq!(parse_loss("huber(2)").unwrap(), Loss::Huber { delta: 2.0 });
    assert!(parse_loss("mse_from_logits").is_err());
    assert!(parse_initializer("he_normal(1)").is_err());
    assert!(parse_constraint("max_norm(1, 2)").is_err());
    assert!(parse_call("l2(0.1").is_err());
    // arguments are finite numbers: a NaN slope used to train to NaN silently
    for bad in ["leaky_relu(nan)", "elu(inf)", "l2(-inf)", "max_norm(NaN)"] {
        let e = parse_call(bad).unwrap_err();
        assert!(e.contains("is not a finite number") && e.contains(bad), "{bad}: {e}");
    }
    assert!(parse_activation("leaky_relu(nan)").is_err());
}

#[test]
fn validation_names_the_bad_option() {
    let mut spec = cnn();
    if let LayerSpec::Dense(d) = &mut spec.layers[5] {
        d.units = 0;
    }
    let e = spec.validate().unwrap_err().to_string();
    assert!(e.contains("layers[5].units: expected a positive integer, found 0"), "{e}");
    let mut spec = cnn();
    spec.layers[4] = LayerSpec::Dropout(DropoutConfig { rate: 1.5 });
    assert!(spec.validate().unwrap_err().to_string().contains("layers[4].rate"));
    // a layer that cannot take its input is an error naming it
    let bad = ModelSpec {
        input_shape: vec![4],
        layers: vec![LayerSpec::Conv2D(Conv2DConfig { filters: 2, ..Default::default() })],
    };
    assert!(bad.build(&mut Rng::seed(0)).err().expect("an error").to_string().contains("layers[0]"));
}

#[test]
fn training_specs_validate_and_build() {
    let mut t = TrainingSpec {
        loss: Loss::SparseCategoricalCrossentropy { from_logits: true },
        metrics: vec!["accuracy".into(), "top_k(2)".into()],
        optimizer: OptimizerSpec::from(crate::optim::AdamConfig { beta_1: 1.5, ..Default::default() })
            .with_learning_rate(0.01),
        schedule: None,
    };
    let e = t.validate().unwrap_err().to_string();
    assert!(e.contains("optimizer.beta_1: expected a number in [0, 1), found 1.5"), "{e}");
    t.optimizer = OptimizerSpec::named("adam").unwrap().with_learning_rate(0.01);
    t.optimizer.clip = Some(ClipSpec::Norm(1.0));
    let built = t.build().unwrap();
    assert_eq!(built.optimizer.learning_rate(), 0.01);
    assert_eq!(built.metrics, vec![crate::train::Metric::SparseAccuracy, crate::train::Metric::TopK(2)]);
    t.metrics = vec!["accurracy".into()];
    assert!(t.validate().unwrap_err().to_string().contains("metrics[0]"));
    let s = ScheduleSpec { kind: ScheduleKind::OneCycle, max_lr: Some(0.1), ..Default::default() };
    let sched = s.build(0.01, 100).unwrap();
    assert!(sched.lr(45) > sched.lr(0) && sched.lr(99) < sched.lr(0));
    let bad = ScheduleSpec { kind: ScheduleKind::Constant, decay_rate: Some(0.5), ..Default::default() };
    assert!(bad.validate().unwrap_err().1.contains("no option decay_rate"));
    // every optimizer builds
    for k in ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "lion"] {
        let o: OptimizerSpec = serde_json::from_str(&format!("{{\"type\": \"{k}\"}}")).unwrap();
        assert_eq!(o.build().name(), k);
    }
}

#[test]
fn layers_deserialize_by_kind_with_keras_aliases() {
    let v = serde_json::json!({"units": 3, "activation": "relu"});
    let l = LayerSpec::deserialize_kind("dense", v).unwrap();
    assert_eq!(l.kind(), "Dense");
    let p = LayerSpec::deserialize_kind("MaxPooling2D", serde_json::json!({"pool_size": 3})).unwrap();
    assert_eq!(p, LayerSpec::MaxPool2D(PoolConfig { pool_size: (3, 3), ..Default::default() }));
    assert!(LayerSpec::deserialize_kind("Dense", serde_json::json!({"unit": 3})).is_err());
    assert!(LayerSpec::deserialize_kind("Flatten", serde_json::json!({"x": 1})).is_err());
    let e = LayerSpec::deserialize_kind("Dence", serde_json::json!({})).unwrap_err().to_string();
    assert!(e.contains("unknown layer type"), "{e}");
}

/// The serialized form is the one the `*Spec` mirrors had: a spec written
/// before the configs derived serde reads to the same layers.
#[test]
fn files_written_before_the_registry_read_the_same() {
    let old = serde_json::json!([
        {"type": "Conv2D", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
         "activation": "relu", "use_bias": true, "bias_initializer": "zeros", "kernel_regularizer": "l2(0.0001)"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "BatchNormalization", "epsilon": 0.001, "center": true, "scale": true},
        {"type": "Flatten"},
        {"type": "Dropout", "rate": 0.25},
        {"type": "Dense", "units": 3, "activation": "leaky_relu(0.1)", "use_bias": true,
         "kernel_initializer": "random_normal(0, 0.05)", "bias_initializer": "zeros"},
    ]);
    let layers: Vec<LayerSpec> = serde_json::from_value(old).unwrap();
    assert_eq!(layers, cnn().layers);
    // BatchNormalization's momentum, unset then, is Keras's 0.99 now as it was at build
    let LayerSpec::BatchNormalization(bn) = &layers[2] else { panic!("{:?}", layers[2]) };
    assert_eq!(bn.momentum, 0.99);
    // the other layers, with their old options
    let more = serde_json::json!([
        {"type": "Reshape", "target_shape": [4, -1]},
        {"type": "AveragePooling2D", "pool_size": [2, 1], "strides": [1, 1], "padding": "valid"},
        {"type": "GlobalAveragePooling2D"},
        {"type": "AlphaDropout", "rate": 0.1},
        {"type": "LayerNormalization", "epsilon": 0.001, "center": true, "scale": false},
        {"type": "Activation", "activation": "gelu"},
        {"type": "Embedding", "input_dim": 10, "output_dim": 4, "embeddings_initializer": "random_uniform(-0.05, 0.05)"},
        {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 3, "use_bias": true, "causal": true,
         "kernel_initializer": "glorot_uniform"},
        {"type": "PositionalEncoding", "max_length": 8},
    ]);
    let layers: Vec<LayerSpec> = serde_json::from_value(more.clone()).unwrap();
    let kinds: Vec<&str> = layers.iter().map(|l| l.kind()).collect();
    assert_eq!(
        kinds,
        [
            "Reshape",
            "AvgPool2D",
            "GlobalAveragePooling2D",
            "AlphaDropout",
            "LayerNormalization",
            "Activation",
            "Embedding",
            "MultiHeadAttention",
            "PositionalEncoding"
        ]
    );
    for l in &layers {
        l.validate().unwrap();
        assert_eq!(l.to_layer().kind(), l.kind());
        // each prints and reads back to itself
        let back: LayerSpec = serde_json::from_value(serde_json::to_value(l).unwrap()).unwrap();
        assert_eq!(&back, l);
    }
    // Keras's call-time name of the causal flag is accepted too
    let v = serde_json::json!({"type": "MultiHeadAttention", "num_heads": 1, "key_dim": 2, "use_causal_mask": true});
    let LayerSpec::MultiHeadAttention(m) = serde_json::from_value::<LayerSpec>(v).unwrap() else { panic!() };
    assert!(m.causal);
    // LayerNormalization never had a momentum: still an error, now serde's
    let v = serde_json::json!({"type": "LayerNormalization", "momentum": 0.9});
    assert!(serde_json::from_value::<LayerSpec>(v).unwrap_err().to_string().contains("momentum"));
}

/// Keras requires Dense's `units`: leaving it out is the validation error
/// naming it, not a layer of 0 or 1 units; Dropout's `rate` is required by serde.
#[test]
fn options_keras_requires_have_no_silent_default() {
    let spec: ModelSpec = serde_json::from_value(serde_json::json!({
        "input_shape": [4], "layers": [{"type": "Dense", "activation": "relu"}]
    }))
    .unwrap();
    let e = spec.validate().unwrap_err().to_string();
    assert!(e.contains("layers[0].units: expected a positive integer, found 0"), "{e}");
    assert_eq!(DenseConfig::default().units, 0);
    let e = serde_json::from_value::<LayerSpec>(serde_json::json!({"type": "Dropout"})).unwrap_err().to_string();
    assert!(e.contains("missing field `rate`"), "{e}");
    let e = serde_json::from_value::<LayerSpec>(serde_json::json!({"type": "Activation"})).unwrap_err().to_string();
    assert!(e.contains("missing field `activation`"), "{e}");
}

#[test]
fn the_schema_lists_every_layer_with_its_options() {
    let s = LayerSpec::schema();
    let layers = s.as_array().unwrap();
    let kinds: Vec<&str> = layers.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, LayerSpec::KINDS);
    let dense = &layers[0];
    assert_eq!(dense["aliases"], serde_json::json!(["Linear"]));
    assert_eq!(dense["doc"], "A fully connected layer on the last axis.");
    let opts = dense["options"].as_array().unwrap();
    let names: Vec<&str> = opts.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names[..3], ["units", "activation", "use_bias"]);
    assert_eq!(names.len(), 10);
    let units = &opts[0];
    assert_eq!(units["required"], true);
    assert_eq!(units["type"], "integer");
    assert!(units.get("default").is_none(), "{units}");
    assert!(units["doc"].as_str().unwrap().starts_with("Number of output units"));
    let act = &opts[1];
    assert_eq!(
        (&act["default"], &act["names"], &act["type"]),
        (&"linear".into(), &"activations".into(), &"string".into())
    );
    assert_eq!(opts[2]["default"], true);
    let init = &opts[3];
    assert_eq!((&init["default"], &init["type"]), (&serde_json::Value::Null, &"string | null".into()));
    assert_eq!(init["names"], "initializers");
    // a size pair, a padding, Dropout's required rate, an empty config
    let conv = &layers[1]["options"];
    assert_eq!(conv[1]["name"], "kernel_size");
    assert_eq!(conv[1]["type"], "integer | [integer, integer]");
    assert_eq!(conv[1]["default"], serde_json::json!([3, 3]));
    assert_eq!(conv[3]["schema"]["enum"], serde_json::json!(["valid", "same"]));
    let dropout = &layers[7]["options"][0];
    assert_eq!(
        (&dropout["name"], &dropout["required"], &dropout["type"]),
        (&"rate".into(), &true.into(), &"number".into())
    );
    assert_eq!(layers[5]["options"], serde_json::json!([]));
    // f32 defaults as written (0.99, not 0.9900000095367432), docs as one plain line
    let bn = &layers[9]["options"];
    assert_eq!((&bn[0]["default"], &bn[1]["default"]), (&serde_json::json!(0.99), &serde_json::json!(0.001)));
    let doc = opts[3]["doc"].as_str().unwrap();
    assert!(
        doc.contains("see `Activation::default_initializer`") && !doc.contains('\n') && !doc.contains('['),
        "{doc}"
    );
    // every option of every layer has a doc
    for l in layers {
        for o in l["options"].as_array().unwrap() {
            assert!(!o["doc"].as_str().unwrap().is_empty(), "{}.{}", l["type"], o["name"]);
        }
    }
}

/// A layer of a billion units is refused before its 8 GB are allocated,
/// as a spec error naming the layer (it used to abort the process).
#[test]
fn oversized_layers_are_spec_errors_before_allocation() {
    let dense = |units| LayerSpec::Dense(DenseConfig { units, ..Default::default() });
    let spec = ModelSpec { input_shape: vec![2], layers: vec![dense(4), dense(1_000_000_000)] };
    match spec.build(&mut Rng::seed(0)) {
        Err(crate::Error::Spec { path, msg }) => {
            assert_eq!(path, "layers[1]");
            assert!(msg.contains("[4, 1000000000]") && msg.contains("limit"), "{msg}");
        }
        Err(e) => panic!("not a spec error: {e}"),
        Ok(_) => panic!("built a billion units"),
    }
    // the parameters of the whole model count against one budget
    let wide = ModelSpec { input_shape: vec![2], layers: vec![dense(4), dense(100)] };
    let r = crate::limits::with_parameter_budget(30, "a budget of 30", || wide.build(&mut Rng::seed(0)));
    let e = r.err().expect("over budget").to_string();
    assert!(e.starts_with("layers[1]:") && e.contains("a budget of 30"), "{e}");
    let small = ModelSpec { input_shape: vec![2], layers: vec![dense(4), dense(3)] };
    crate::limits::with_parameter_budget(27, "27", || small.build(&mut Rng::seed(0))).unwrap();
    assert!(crate::limits::with_parameter_budget(26, "26", || small.build(&mut Rng::seed(0))).is_err());
}

/// A sequence model written as JSON — token ids through Embedding, Conv1D,
/// pooling and the three recurrent layers — builds, runs and round-trips,
/// with Keras's type names and aliases.
#[test]
fn sequence_models_build_from_json() {
    let json = r#"{
        "input_shape": [12],
        "layers": [
            {"type": "Embedding", "input_dim": 20, "output_dim": 6},
            {"type": "Conv1D", "filters": 5, "kernel_size": 3, "padding": "causal", "dilation_rate": 2, "activation": "relu"},
            {"type": "MaxPooling1D", "pool_size": 2},
            {"type": "LSTM", "units": 8, "return_sequences": true, "dropout": 0.1},
            {"type": "GRU", "units": 4, "go_backwards": true, "return_sequences": true},
            {"type": "SimpleRNN", "units": 3, "return_sequences": true},
            {"type": "GlobalAveragePooling1D"},
            {"type": "Dense", "units": 2}
        ]
    }"#;
    let spec: ModelSpec = serde_json::from_str(json).unwrap();
    assert_eq!(spec.layers[2].kind(), "MaxPool1D");
    let back: ModelSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
    assert_eq!(back, spec);
    let mut net = spec.build(&mut Rng::seed(0)).unwrap();
    assert_eq!(net.output_shape(), Some(&[2usize][..]));
    let ids = Tensor::from_vec((0..36).map(|i| (i % 20) as f32).collect(), &[3, 12]).unwrap();
    assert_eq!(net.forward(&ids, true).unwrap().shape(), &[3, 2]);
    let names: Vec<String> = net.params().iter().map(|p| p.name.clone()).collect();
    assert!(names.contains(&"layers.3.recurrent_kernel".to_string()), "{names:?}");
    assert_eq!(net.rng_streams().len(), 3);

    // Embedding → LSTM → Dense, the LSTM's options by their Keras names
    let small: ModelSpec = serde_json::from_str(
        r#"{"input_shape": [5], "layers": [
            {"type": "Embedding", "input_dim": 10, "output_dim": 4},
            {"type": "LSTM", "units": 6, "recurrent_initializer": "orthogonal(1.5)", "unit_forget_bias": false},
            {"type": "Dense", "units": 1}
        ]}"#,
    )
    .unwrap();
    let net = small.build(&mut Rng::seed(1)).unwrap();
    assert_eq!(net.output_shape(), Some(&[1usize][..]));
    assert_eq!(net.params()[2].value.shape(), &[6, 24]);

    // a bad option is an error naming it, with its path through the typed reader
    let e = serde_json::from_str::<ModelSpec>(
        r#"{"input_shape": [5, 2], "layers": [{"type": "LSTM", "units": 3, "return_state": true}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("return_state"), "{e}");
    let bad = ModelSpec {
        input_shape: vec![5, 2],
        layers: vec![LayerSpec::GRU(crate::nn::GRUConfig { units: 3, recurrent_dropout: 1.0, ..Default::default() })],
    };
    assert!(bad.validate().unwrap_err().to_string().contains("layers[0].recurrent_dropout"));
    // an LSTM after a flat input is an error naming the layer
    let flat = ModelSpec {
        input_shape: vec![4],
        layers: vec![LayerSpec::LSTM(crate::nn::LSTMConfig { units: 2, ..Default::default() })],
    };
    assert!(flat.build(&mut Rng::seed(0)).err().expect("an error").to_string().contains("layers[0]"));
}
