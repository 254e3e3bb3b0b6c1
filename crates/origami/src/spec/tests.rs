use super::*;
use crate::nn::{Activation, Initializer, Loss, Regularizer};
use crate::{Rng, Tensor};

fn cnn() -> ModelSpec {
    ModelSpec {
        input_shape: vec![8, 8, 1],
        layers: vec![
            LayerSpec::Conv2D(Conv2DSpec {
                filters: 4,
                kernel_size: (3, 3),
                padding: crate::Padding::Same,
                activation: Activation::Relu,
                kernel_regularizer: Some(Regularizer::L2(1e-4)),
                ..Default::default()
            }),
            LayerSpec::MaxPool2D(PoolSpec::default()),
            LayerSpec::BatchNormalization(NormSpec::default()),
            LayerSpec::Flatten(EmptySpec {}),
            LayerSpec::Dropout(DropoutSpec { rate: 0.25 }),
            LayerSpec::Dense(DenseSpec {
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
    assert!(parse_constraint("max_norm").is_err());
    assert!(parse_call("l2(0.1").is_err());
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
    spec.layers[4] = LayerSpec::Dropout(DropoutSpec { rate: 1.5 });
    assert!(spec.validate().unwrap_err().to_string().contains("layers[4].rate"));
    // a layer that cannot take its input is an error naming it
    let bad = ModelSpec {
        input_shape: vec![4],
        layers: vec![LayerSpec::Conv2D(Conv2DSpec { filters: 2, ..Default::default() })],
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
    assert_eq!(p, LayerSpec::MaxPool2D(PoolSpec { pool_size: (3, 3), ..Default::default() }));
    assert!(LayerSpec::deserialize_kind("Dense", serde_json::json!({"unit": 3})).is_err());
    assert!(LayerSpec::deserialize_kind("Flatten", serde_json::json!({"x": 1})).is_err());
    let e = LayerSpec::deserialize_kind("Dence", serde_json::json!({})).unwrap_err().to_string();
    assert!(e.contains("unknown layer type"), "{e}");
}
