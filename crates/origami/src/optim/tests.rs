//! The contract every optimizer shares (the driver's): exact save/restore,
//! state keyed by name, lazily created and checked state, skipped
//! parameters, errors that change nothing.

use super::testing::{loss, param, run_from};
use super::*;
use crate::{Rng, Tensor};

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
        Box::new(Lion::new(LionConfig { learning_rate: 0.02, weight_decay: 0.1, ..Default::default() })),
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
        "lion" => Box::new(Lion::default()),
        other => panic!("no optimizer {other}"),
    }
}

fn bits(v: &[Vec<f32>]) -> Vec<Vec<u32>> {
    v.iter().map(|r| r.iter().map(|x| x.to_bits()).collect()).collect()
}

fn named(name: &str, t: &Tensor) -> Param {
    Param::trainable(name, t)
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

/// Two same-shaped parameters passed in the other order keep their own moments.
#[test]
fn state_follows_the_name_not_the_position() {
    for k in 0..all().len() {
        let (mut a_opt, mut b_opt) = (all().remove(k), all().remove(k));
        let (a1, b1, a2, b2) = (param(), param().mul_scalar(-0.5).detach().requires_grad(), param(), param());
        b2.assign(&b1.to_vec()).unwrap();
        for step in 0..6 {
            let total = |a: &Tensor, b: &Tensor| loss(a).add(&loss(b).mul_scalar(3.0)).unwrap();
            a_opt.step(&[named("a", &a1), named("b", &b1)], &total(&a1, &b1).backward().unwrap()).unwrap();
            let swapped =
                if step % 2 == 0 { [named("b", &b2), named("a", &a2)] } else { [named("a", &a2), named("b", &b2)] };
            b_opt.step(&swapped, &total(&a2, &b2).backward().unwrap()).unwrap();
        }
        let name = a_opt.name();
        assert_eq!(bits(&[a1.to_vec(), b1.to_vec()]), bits(&[a2.to_vec(), b2.to_vec()]), "{name}");
        assert_eq!(a_opt.state(), b_opt.state(), "{name}");
    }
}

#[test]
fn parameters_without_a_gradient_or_frozen_are_skipped() {
    for mut opt in all() {
        let used = param();
        let unused = Tensor::ones(&[2]).requires_grad();
        let frozen = param();
        let grads = loss(&used).add(&loss(&frozen)).unwrap().backward().unwrap();
        let params = [named("unused", &unused), named("used", &used), Param::frozen("frozen", &frozen)];
        opt.step(&params, &grads).unwrap();
        assert_eq!(unused.to_vec(), vec![1.0, 1.0], "{}", opt.name());
        assert_eq!(frozen.to_vec(), param().to_vec(), "{}", opt.name());
        assert_ne!(used.to_vec(), param().to_vec(), "{}", opt.name());
        // State exists for "used" only, named after it.
        let s = opt.state();
        assert!(s.buffers.iter().all(|(n, _)| n.ends_with(".used")), "{}: {:?}", opt.name(), s.buffers);
        assert_eq!(s.step, 1);
    }
}

#[test]
fn a_changed_shape_is_an_error_naming_the_parameter_and_changes_nothing() {
    for mut opt in all() {
        let a = Tensor::ones(&[2]).requires_grad();
        let b = Tensor::ones(&[2, 3]).requires_grad();
        let grads = a.sum_all().add(&b.sum_all()).unwrap().backward().unwrap();
        opt.step(&[named("a", &a), named("b", &b)], &grads).unwrap();
        let stateless = opt.state().buffers.is_empty();
        let before = opt.state();

        let c = Tensor::ones(&[3, 2]).requires_grad();
        let grads = a.sum_all().add(&c.sum_all()).unwrap().backward().unwrap();
        let a_before = a.to_vec();
        let r = opt.step(&[named("a", &a), named("b", &c)], &grads);
        if stateless {
            // Plain SGD keeps nothing per parameter, so nothing can mismatch.
            assert!(r.is_ok());
            continue;
        }
        let e = r.unwrap_err().to_string();
        assert!(e.contains("\"b\"") && e.contains("[3, 2]") && e.contains("[2, 3]"), "{}: {e}", opt.name());
        assert_eq!(a.to_vec(), a_before, "{}: parameter a was updated before the error", opt.name());
        assert_eq!(opt.state(), before, "{}: state changed on error", opt.name());
    }
}

#[test]
fn duplicate_parameters_and_foreign_states_are_errors() {
    let x = param();
    let grads = loss(&x).backward().unwrap();
    let mut adam = Adam::default();
    let e = adam.step(&[named("x", &x), named("y", &x)], &grads).unwrap_err().to_string();
    assert!(e.contains("twice"), "{e}");
    let y = param();
    let e = adam.step(&[named("x", &x), named("x", &y)], &grads).unwrap_err().to_string();
    assert!(e.contains("two parameters are named \"x\""), "{e}");
    let sgd_state = Sgd::default().state();
    let e = adam.load_state(&sgd_state).unwrap_err().to_string();
    assert!(e.contains("sgd") && e.contains("adam"), "{e}");
    assert_eq!(adam.state().step, 0, "nothing changed");
}

/// A crafted or stale state is refused with a message, never a panic.
#[test]
fn loaded_states_are_checked_against_the_parameters() {
    let x = param();
    let mut adam = Adam::default();
    run_from(&mut adam, &x, 2);
    let good = adam.state();
    let grads = || loss(&x).backward().unwrap();

    let refuse_load = |s: &OptimizerState, want: &str| {
        let e = Adam::default().load_state(s).unwrap_err().to_string();
        assert!(e.contains(want), "wanted {want:?} in {e}");
    };
    let mut s = good.clone();
    s.buffers.push(("momentum.theta".into(), vec![0.0; 3]));
    refuse_load(&s, "unexpected buffer \"momentum.theta\"");
    let mut s = good.clone();
    s.buffers.push(("m".into(), vec![0.0; 3]));
    refuse_load(&s, "unexpected buffer \"m\"");
    let mut s = good.clone();
    s.buffers[0].1.pop();
    refuse_load(&s, "disagree");
    let mut s = good.clone();
    s.hyperparameters.retain(|(n, _)| n != "beta_2");
    refuse_load(&s, "no hyperparameter \"beta_2\"");
    let mut s = good.clone();
    s.hyperparameters.iter_mut().for_each(|(n, v)| *v = if n == "beta_1" { 1.5 } else { *v });
    refuse_load(&s, "beta_1");

    // Loadable, but not for these parameters: refused at the next step, which changes nothing.
    let refuse_step = |s: &OptimizerState, want: &str| {
        let mut opt = Adam::default();
        opt.load_state(s).unwrap();
        let before = x.to_vec();
        let e = opt.step(&[named("theta", &x)], &grads()).unwrap_err().to_string();
        assert!(e.contains(want), "wanted {want:?} in {e}");
        assert_eq!(x.to_vec(), before);
        assert_eq!(&opt.state(), s);
    };
    let mut s = good.clone();
    s.buffers.iter_mut().for_each(|(n, v)| {
        *n = n.replace(".theta", ".other");
        v.push(0.0);
    });
    refuse_step(&s, "parameter \"other\", which is not among the parameters (theta)");
    let mut s = good.clone();
    s.buffers.iter_mut().for_each(|(n, _)| *n = n.replace(".theta", ".0"));
    refuse_step(&s, "keyed parameters by name");
    let mut s = good.clone();
    s.buffers.iter_mut().for_each(|(_, v)| v.push(0.0));
    refuse_step(&s, "was made for 4 elements");
    // A state listing fewer buffers than the rule uses would restart a moment silently.
    let mut s = good.clone();
    s.buffers.retain(|(n, _)| !n.starts_with("v."));
    refuse_step(&s, "no buffer \"v.theta\"");
    // The good state loads and steps.
    let mut opt = Adam::default();
    opt.load_state(&good).unwrap();
    opt.step(&[named("theta", &x)], &grads()).unwrap();
}

#[test]
fn every_optimizer_descends_a_random_quadratic() {
    let mut rng = Rng::seed(3);
    for mut opt in all() {
        let x = Tensor::randn(&[10], 0.0, 1.0, &mut rng).requires_grad();
        let start = x.square().sum_all().item().unwrap();
        for _ in 0..200 {
            let grads = x.square().sum_all().backward().unwrap();
            opt.step(&[named("x", &x)], &grads).unwrap();
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
    let mut lion = Lion::default();
    lion.set_momentum(0.8);
    assert_eq!(lion.config.beta_1, 0.8);
    let mut ada = AdaGrad::default();
    assert_eq!(ada.momentum(), None);
    ada.set_momentum(0.5);
    assert_eq!(ada.state().hyperparameter("learning_rate"), Some(0.001));
}
