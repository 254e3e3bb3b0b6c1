//! The refactoring guard of the architecture issue: W1-mlp (bench/WORKLOADS.md)
//! trained for 5 epochs with `fit` must give bitwise the weights it gave
//! before the spec/optimizer/training-step refactor. The reference hash was
//! computed by this very test on the code of commit dbeffc8 (before any of
//! that refactor), on an AMD EPYC with AVX-512 (the same on 1 and 2 threads).
//!
//! gemm-f32 picks its micro-kernels at run time (AVX-512 or AVX2+FMA), and the
//! two round differently, so the hash is known only for CPUs that take the
//! AVX-512 path; elsewhere the test prints its hash and compares nothing.

use origami::data::mnist;
use origami::nn::{Activation, Dense, Loss, Sequential};
use origami::optim::{Adam, AdamConfig};
use origami::train::{FitConfig, Metric, Model, Verbosity};
use origami::Rng;

/// FNV-1a over every parameter's name and f32 bit patterns, in the net's order.
fn weights_hash(model: &Model) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for p in model.params() {
        p.name.bytes().for_each(&mut eat);
        for x in p.value.to_vec() {
            x.to_bits().to_le_bytes().into_iter().for_each(&mut eat);
        }
    }
    h
}

/// The hash on a CPU whose gemm path is AVX-512 (dbeffc8, before the refactor).
const AVX512_HASH: u64 = 0x2ce8_282f_307e_5091;

fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

#[test]
#[ignore = "trains for ~10 s in release; run with --include-ignored"]
fn w1_weights_are_bitwise_those_from_before_the_refactor() {
    // The same on one thread and two: the products' split never changes a sum's order.
    for threads in [1, 2] {
        origami::set_num_threads(threads);
        check_w1();
    }
}

fn check_w1() {
    let data = mnist::load(mnist::default_dir()).unwrap().flatten().unwrap();
    let mut net = Sequential::new(&[784], vec![])
        .add(Dense::new(256).activation(Activation::Relu))
        .add(Dense::new(128).activation(Activation::Relu))
        .add(Dense::new(10));
    net.build(&mut Rng::seed(42)).unwrap();
    let adam = Adam::new(AdamConfig { learning_rate: 1e-3, ..Default::default() });
    let mut model =
        Model::new(net, adam, Loss::SparseCategoricalCrossentropy { from_logits: true }, vec![Metric::SparseAccuracy]);
    let cfg = FitConfig { epochs: 5, batch_size: 32, seed: 42, verbosity: Verbosity::Silent, ..Default::default() };
    model.fit(&data.train, &cfg, &mut []).unwrap();
    let got = weights_hash(&model);
    println!("W1 5-epoch weights hash: {got:#018x}");
    if avx512() {
        assert_eq!(got, AVX512_HASH, "W1's weights changed: got {got:#018x}, expected {AVX512_HASH:#018x}");
    } else {
        println!("no AVX-512 on this CPU: gemm rounds differently here, nothing to compare with");
    }
}
