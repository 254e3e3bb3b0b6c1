//! A small convolutional network on the MNIST subset (data/mnist).
//!
//! `cargo run --release --example cnn`. Conv2D(16, 3×3, same) →
//! BatchNormalization → ReLU → MaxPool 2 → Conv2D(32, 3×3, ReLU) → MaxPool 2
//! → Flatten → Dense(64, ReLU) → Dense(10) logits, trained with Adam; prints
//! the first and last loss and the test accuracy.
//!
//! The step after the `mlp` example's hand-written one: `Model::train_step`
//! is the step `fit` runs (forward, loss plus the layers' penalties,
//! backward, update, constraints), here driven batch by batch.

use std::time::Instant;

use origami::data::mnist;
use origami::nn::{Activation, BatchNormalization, Conv2D, Dense, Flatten, Loss, MaxPool2D, Sequential};
use origami::optim::{Adam, AdamConfig};
use origami::train::Model;
use origami::{no_grad, Padding, Result, Rng};

fn main() -> Result<()> {
    let data = mnist::load(mnist::default_dir())?;
    let mut rng = Rng::seed(7);
    let mut net = Sequential::new(&[28, 28, 1], Vec::new())
        .add(Conv2D::new(16, (3, 3)).padding(Padding::Same))
        .add(BatchNormalization::new())
        .add(Activation::Relu)
        .add(MaxPool2D::new((2, 2)))
        .add(Conv2D::new(32, (3, 3)).activation(Activation::Relu))
        .add(MaxPool2D::new((2, 2)))
        .add(Flatten::new())
        .add(Dense::new(64).activation(Activation::Relu))
        .add(Dense::new(10));
    net.build(&mut rng)?;
    println!("{}", net.summary());

    let adam = Adam::new(AdamConfig { learning_rate: 2e-3, ..Default::default() });
    let mut model = Model::new(net, adam, Loss::SparseCategoricalCrossentropy { from_logits: true }, vec![]);
    let start = Instant::now();
    let mut losses = Vec::new();
    for (step, (x, y)) in data.train.batches(64, Some(&mut rng))?.enumerate() {
        losses.push(model.train_step(&x, &y)?.loss);
        if (step + 1) % 25 == 0 {
            println!(
                "step {:>3}: loss {:.4} ({:.1} s)",
                step + 1,
                mean_of_last(&losses, 25),
                start.elapsed().as_secs_f32()
            );
        }
    }
    let accuracy = no_grad(|| -> Result<f32> {
        let labels = data.test.labels()?;
        let mut correct = 0;
        for (x, y) in data.test.batches(500, None)? {
            let pred = model.net.forward(&x, false)?.argmax(1)?;
            let truth: Vec<usize> = y.to_vec().iter().map(|&v| v as usize).collect();
            correct += pred.iter().zip(&truth).filter(|(p, t)| p == t).count();
        }
        Ok(correct as f32 / labels.len() as f32)
    })?;
    let first = losses.first().copied().unwrap_or(f32::NAN);
    println!("first loss {first:.4}, last loss {:.4} (mean of the last 25 batches)", mean_of_last(&losses, 25));
    println!("test accuracy {:.1}% after one epoch", accuracy * 100.0);
    Ok(())
}

/// Mean of the last `k` values (fewer if there are fewer).
fn mean_of_last(xs: &[f32], k: usize) -> f32 {
    let tail = &xs[xs.len().saturating_sub(k)..];
    tail.iter().sum::<f32>() / tail.len().max(1) as f32
}
