//! Every optimizer's update splits a large tensor across the thread pool
//! (the driver does it for all rules); the result must be bitwise the same
//! on one thread and two. In a process of its own: it changes the global
//! thread count.

use origami::nn::Param;
use origami::spec::OptimizerSpec;
use origami::{set_num_threads, Rng, Tensor};

#[test]
fn every_registered_optimizer_gives_the_same_bits_on_one_thread_and_two() {
    let start = Tensor::randn(&[70_001], 0.0, 1.0, &mut Rng::seed(5));
    let mut specs: Vec<OptimizerSpec> = OptimizerSpec::NAMES.iter().map(|n| OptimizerSpec::named(n).unwrap()).collect();
    for json in [
        r#"{"type": "adam", "amsgrad": true}"#,
        r#"{"type": "sgd", "momentum": 0.9, "nesterov": true}"#,
        r#"{"type": "rmsprop", "momentum": 0.5, "centered": true, "global_clipnorm": 10}"#,
    ] {
        specs.push(serde_json::from_str(json).unwrap());
    }
    for spec in specs {
        let run = |threads: usize| {
            set_num_threads(threads);
            let mut opt = spec.build();
            let x = Tensor::from_vec(start.to_vec(), &[70_001]).unwrap().requires_grad();
            for _ in 0..3 {
                let grads = x.square().sum_all().backward().unwrap();
                opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
            }
            (x.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>(), opt.state())
        };
        let (one, two) = (run(1), run(2));
        assert!(
            one.0 != start.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{}: nothing moved",
            spec.name()
        );
        let diff = one.0.iter().zip(&two.0).position(|(a, b)| a != b);
        assert!(
            diff.is_none(),
            "{}: one and two threads differ at {diff:?}: {} vs {}",
            spec.name(),
            f32::from_bits(one.0[diff.unwrap_or(0)]),
            f32::from_bits(two.0[diff.unwrap_or(0)])
        );
        assert_eq!(one.1, two.1, "{}", spec.name());
    }
}
