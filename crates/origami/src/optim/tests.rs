//! The contract every optimizer shares: exact save/restore, lazily created
//! and checked state, skipped parameters, errors that change nothing.

use super::testing::{loss, param, run_from};
use super::*;
use crate::Rng;

/// One of each, with non-default options so that every buffer kind is used.
fn all() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::new(SgdConfig { learning_rate: 0.05, ..Default::default() })),
        Box::new(Sgd::new(SgdConfig { learning_rate: 0.05, momentum: 0.9, nesterov: false })),
        Box::new(Sgd::new(SgdConfig { learning_rate: 0.05, momentum: 0.9, nesterov: true })),
        Box::new(AdaGrad::new(AdaGradConfig { learning_rate: 0.3, ..Default::default() })),
        Box::new(RmsProp::new(RmsPropConfig { learning_rate: 0.01, ..Default::default() })),
        Box::new(RmsProp::new(RmsPropConfig {
            learning_rate: 0.01,
            momentum: 0.5,
            centered: true,
            ..Default::default()
        })),
        Box::new(Adam::new(AdamConfig { learning_rate: 0.05, ..Default::default() })),
        Box::new(Adam::new(AdamConfig { learning_rate: 0.05, amsgrad: true, ..Default::default() })),
        Box::new(AdaMax::new(AdaMaxConfig { learning_rate: 0.05, ..Default::default() })),
        Box::new(Nadam::new(NadamConfig { learning_rate: 0.05, ..Default::default() })),
        Box::new(AdamW::new(AdamWConfig { learning_rate: 0.05, weight_decay: 0.1, ..Default::default() })),
    ]
}

/// A fresh optimizer of the same kind but with default hyperparameters:
/// loading a state must bring back the saved ones.
fn fresh(name: &str) -> Box<dyn Optimizer> {
    match name {
        "sgd" => Box::new(Sgd::default()),
        "adagrad" => Box::new(AdaGrad::default()),
        "rmsprop" => Box::new(RmsProp::default()),
        "adam" => Box::new(Adam::default()),
        "adamax" => Box::new(AdaMax::default()),
        "nadam" => Box::new(Nadam::default()),
        "adamw" => Box::new(AdamW::default()),
        other => panic!("no optimizer {other}"),
    }
}

fn bits(v: &[Vec<f32>]) -> Vec<Vec<u32>> {
    v.iter().map(|r| r.iter().map(|x| x.to_bits()).collect()).collect()
}

#[test]
fn save_and_restore_mid_run_continues_bitwise_identically() {
    for k in 0..all().len() {
        let mut straight = all().remove(k);
        let name = straight.name();
        let uninterrupted = run_from(&mut straight, &param(), 10);

        let mut first = all().remove(k);
        let theta = param();
        let mut resumed = run_from(&mut first, &theta, 4);
        let saved = first.state();
        let values = theta.to_vec();
        drop(first);

        // A default-configured optimizer and a rebuilt parameter: the state
        // alone must bring back the hyperparameters, moments and step count.
        let mut second = fresh(name);
        second.load_state(&saved).unwrap();
        let theta = Tensor::from_vec(values, &[3]).unwrap().requires_grad();
        resumed.extend(run_from(&mut second, &theta, 6));
        assert_eq!(bits(&resumed), bits(&uninterrupted), "{name}: the resumed run differs");
        assert_eq!(second.state(), straight.state(), "{name}: the final states differ");
    }
}

#[test]
fn parameters_without_a_gradient_are_skipped() {
    for mut opt in all() {
        let used = param();
        let unused = Tensor::ones(&[2]).requires_grad();
        let grads = loss(&used).backward().unwrap();
        opt.step(&[unused.clone(), used.clone()], &grads).unwrap();
        assert_eq!(unused.to_vec(), vec![1.0, 1.0], "{}", opt.name());
        assert_ne!(used.to_vec(), param().to_vec(), "{}", opt.name());
        // State exists for parameter 1 only.
        let s = opt.state();
        assert!(s.buffers.iter().all(|(n, _)| n.ends_with(".1")), "{}: {:?}", opt.name(), s.buffers);
        assert_eq!(s.step, 1);
    }
}

#[test]
fn a_changed_shape_is_an_error_naming_the_parameter_and_changes_nothing() {
    for mut opt in all() {
        let a = Tensor::ones(&[2]).requires_grad();
        let b = Tensor::ones(&[2, 3]).requires_grad();
        let grads = a.sum_all().add(&b.sum_all()).unwrap().backward().unwrap();
        opt.step(&[a.clone(), b.clone()], &grads).unwrap();
        let stateless = opt.state().buffers.is_empty();
        let before = opt.state();

        let c = Tensor::ones(&[3, 2]).requires_grad();
        let grads = a.sum_all().add(&c.sum_all()).unwrap().backward().unwrap();
        let a_before = a.to_vec();
        let r = opt.step(&[a.clone(), c.clone()], &grads);
        if stateless {
            // Plain SGD keeps nothing per parameter, so nothing can mismatch.
            assert!(r.is_ok());
            continue;
        }
        let e = r.unwrap_err().to_string();
        assert!(e.contains("parameter 1") && e.contains("[3, 2]") && e.contains("[2, 3]"), "{}: {e}", opt.name());
        assert_eq!(a.to_vec(), a_before, "{}: parameter 0 was updated before the error", opt.name());
        assert_eq!(opt.state(), before, "{}: state changed on error", opt.name());
    }
}

#[test]
fn duplicate_parameters_and_foreign_states_are_errors() {
    let x = param();
    let grads = loss(&x).backward().unwrap();
    let mut adam = Adam::default();
    let e = adam.step(&[x.clone(), x.clone()], &grads).unwrap_err().to_string();
    assert!(e.contains("twice"), "{e}");
    let sgd_state = Sgd::default().state();
    let e = adam.load_state(&sgd_state).unwrap_err().to_string();
    assert!(e.contains("sgd") && e.contains("adam"), "{e}");
    let mut s = adam.state();
    s.buffers.push(("momentum.0".into(), vec![0.0; 3]));
    assert!(adam.load_state(&s).is_err());
}

#[test]
fn every_optimizer_descends_a_random_quadratic() {
    let mut rng = Rng::seed(3);
    for mut opt in all() {
        let x = Tensor::randn(&[10], 0.0, 1.0, &mut rng).requires_grad();
        let start = x.square().sum_all().item().unwrap();
        for _ in 0..200 {
            let grads = x.square().sum_all().backward().unwrap();
            opt.step(std::slice::from_ref(&x), &grads).unwrap();
        }
        let end = x.square().sum_all().item().unwrap();
        assert!(end < 0.5 * start, "{}: {start} → {end}", opt.name());
    }
}

#[test]
fn momentum_is_exposed_where_it_exists() {
    let mut adam = Adam::default();
    assert_eq!(adam.momentum(), Some(0.9));
    adam.set_momentum(0.85);
    assert_eq!(adam.config.beta_1, 0.85);
    let mut ada = AdaGrad::default();
    assert_eq!(ada.momentum(), None);
    ada.set_momentum(0.5);
    assert_eq!(ada.state().hyperparameter("learning_rate"), Some(0.001));
}
