//! A multilayer perceptron on the MNIST subset (data/mnist).
//!
//! `cargo run --release --example mlp`. Flatten → Dense(128, ReLU) →
//! Dropout(0.2) → Dense(10) logits, trained with Adam on sparse categorical
//! cross-entropy from logits; prints the first and last loss and the test
//! accuracy.
//!
//! The training step is written out — forward, loss, backward, update — to
//! show what one is; this network has no regularizers or constraints, which
//! a full step adds (`Model::train_step`, used by the `cnn` example and by
//! `fit`).

use std::time::Instant;

use origami::data::mnist;
use origami::nn::{loss, Activation, Dense, Dropout, Flatten, Sequential};
use origami::optim::{Adam, AdamConfig, Optimizer};
use origami::{no_grad, Result, Rng};

fn main() -> Result<()> {
    let data = mnist::load(mnist::default_dir())?;
    let mut rng = Rng::seed(42);
    let mut model = Sequential::new(&[28, 28, 1], Vec::new())
        .add(Flatten::new())
        .add(Dense::new(128).activation(Activation::Relu))
        .add(Dropout::new(0.2))
        .add(Dense::new(10));
    model.build(&mut rng)?;
    println!("{}", model.summary());

    let params = model.params();
    let mut opt = Adam::new(AdamConfig { learning_rate: 1e-3, ..Default::default() });
    let start = Instant::now();
    let (mut first, mut last) = (None, 0.0);
    for epoch in 1..=3 {
        let (mut sum, mut batches) = (0.0, 0);
        for (x, y) in data.train.batches(64, Some(&mut rng))? {
            let logits = model.forward(&x, true)?;
            let l = loss::sparse_categorical_crossentropy_with_logits(&logits, &y)?;
            let grads = l.backward()?;
            opt.step(&params, &grads)?;
            let v = l.item()?;
            first.get_or_insert(v);
            sum += v;
            batches += 1;
        }
        last = sum / batches as f32;
        println!("epoch {epoch}: mean training loss {last:.4} ({:.1} s)", start.elapsed().as_secs_f32());
    }
    let accuracy = no_grad(|| -> Result<f32> {
        let logits = model.forward(data.test.x(), false)?;
        let pred = logits.argmax(1)?;
        let labels = data.test.labels()?;
        Ok(pred.iter().zip(&labels).filter(|(p, l)| p == l).count() as f32 / labels.len() as f32)
    })?;
    println!("first loss {:.4}, last loss {last:.4}", first.unwrap_or(f32::NAN));
    println!("test accuracy {:.1}%", accuracy * 100.0);
    Ok(())
}
