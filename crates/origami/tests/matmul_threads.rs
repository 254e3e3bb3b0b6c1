//! Matrix products and the thread count, in a process of their own (the
//! tests change the global thread count, which other tests must not see).

use origami::kernels::matmul::matmul;
use origami::{set_num_threads, Rng};

/// The thread count is global: the tests here take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// With a given thread count, a product is bitwise reproducible. Across
/// thread counts it may differ in the last bits: each thread's block is a
/// separate call of the GEMM crate, whose cache blocking along k depends on
/// the block's shape, so the order of the k-sum can change.
#[test]
fn results_are_reproducible_for_a_thread_count_and_close_across_counts() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let mut r = Rng::seed(9);
    for &(m, k, n) in &[(64, 800, 128), (256, 784, 256), (300, 64, 20), (9, 20_000, 16)] {
        let a: Vec<f32> = (0..m * k).map(|_| r.normal()).collect();
        let b: Vec<f32> = (0..k * n).map(|_| r.normal()).collect();
        let run = |threads: usize| {
            set_num_threads(threads);
            let mut c = vec![0.0f32; m * n];
            matmul(&a, &b, &mut c, m, k, n, false, false, false).unwrap();
            c
        };
        let (one, two, two_again) = (run(1), run(2), run(2));
        assert!(two.iter().zip(&two_again).all(|(x, y)| x.to_bits() == y.to_bits()), "{m}x{k}x{n}");
        // |c| ~ sqrt(k); f32 rounding of a k-term sum is ~k·ε·|terms|
        let tol = 1e-3 * (k as f32 / 800.0).max(1.0);
        assert!(one.iter().zip(&two).all(|(x, y)| (x - y).abs() <= tol), "{m}x{k}x{n}");
    }
}

/// A large dense layer's input and weight gradients run side by side on two
/// threads (one whole product each) and one after the other on one thread:
/// the same gradients either way, whatever the machine's core count.
#[test]
fn a_dense_layers_gradients_agree_on_one_and_two_threads() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    use origami::Tensor;
    let mut r = Rng::seed(10);
    let x = Tensor::randn(&[64, 128], 0.0, 1.0, &mut r);
    let w = Tensor::randn(&[128, 128], 0.0, 0.1, &mut r);
    let grads = |threads: usize| {
        set_num_threads(threads);
        let (x, w) = (x.clone().requires_grad(), w.clone().requires_grad());
        let g = x.linear(&w, None).unwrap().tanh().sum_all().backward().unwrap();
        [g.wrt(&x).unwrap().to_vec(), g.wrt(&w).unwrap().to_vec()]
    };
    let (one, two) = (grads(1), grads(2));
    for (a, b) in one.iter().zip(&two) {
        assert!(a.iter().zip(b).all(|(p, q)| (p - q).abs() <= 1e-4 * (1.0 + p.abs())));
    }
}

/// The public product checks its slices: a short one (or sizes whose
/// product overflows) is an error, where the kernel used to assert.
#[test]
fn the_public_product_refuses_short_slices() {
    let (a, b, mut c) = (vec![0.0; 6], vec![0.0; 6], vec![0.0; 4]);
    matmul(&a, &b, &mut c, 2, 3, 2, false, false, false).unwrap();
    let e = matmul(&a, &b, &mut c, 2, 4, 2, false, false, false).unwrap_err().to_string();
    assert!(e.contains("a holds 6 values") && e.contains("2x4"), "{e}");
    assert!(matmul(&a, &b, &mut c, usize::MAX, 2, 0, false, false, false).is_err());
    assert!(matmul(&[], &[], &mut [], 1 << 40, 0, 1 << 40, false, false, false).is_err());
}
