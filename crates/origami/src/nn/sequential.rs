//! [`Sequential`]: a stack of layers, each fed the previous one's output.
//!
//! It owns its layers as `Box<dyn Layer>`, builds them in order (each
//! learning its input shape from the previous output shape), names their
//! parameters `layers.{i}.{name}` and sums their penalties. Models that are
//! not a stack are plain structs that own layers; see the tests at the end of
//! this file for a residual block and a two-input model.

use super::module::{add_penalties, prefix_params, prefix_streams, Layer, Param, RngStream};
use super::summary::{Summary, SummaryRow};
use crate::{Error, Result, Rng, Tensor};

/// A stack of layers.
pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer>>,
    /// Output shape of each layer, known once built.
    shapes: Vec<Vec<usize>>,
    /// The largest layer output of one sample (floats) and its layer, for
    /// checking a batch's memory before the forward pass allocates it.
    widest: (usize, usize),
    built: bool,
}

impl Sequential {
    /// A model taking samples of `input_shape` (batch axis excluded)
    /// through `layers`, not yet built.
    pub fn new(input_shape: &[usize], layers: Vec<Box<dyn Layer>>) -> Sequential {
        Sequential { input_shape: input_shape.to_vec(), layers, shapes: Vec::new(), widest: (0, 0), built: false }
    }

    /// Builder: appends a layer (Keras's `model.add`; not `std::ops::Add`).
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, layer: impl Layer + 'static) -> Sequential {
        self.push(Box::new(layer));
        self
    }

    /// Appends a layer (the model must be built again).
    pub fn push(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
        self.built = false;
    }

    /// Builds every layer in order; returns the model's output shape.
    pub fn build(&mut self, rng: &mut Rng) -> Result<Vec<usize>> {
        self.build_with(rng, |_, e| e)
    }

    /// [`build`](Self::build), with the error of layer `i` passed through
    /// `at(i, error)` (a spec names the layer's key path).
    pub(crate) fn build_with(&mut self, rng: &mut Rng, at: impl Fn(usize, Error) -> Error) -> Result<Vec<usize>> {
        let mut shape = self.input_shape.clone();
        self.shapes.clear();
        self.built = false;
        self.widest = (0, 0);
        for (i, layer) in self.layers.iter_mut().enumerate() {
            shape = layer.build(&shape, rng).map_err(|e| at(i, e))?;
            let row = crate::limits::check_shape("build", &shape).map_err(|e| at(i, e))?;
            if row > self.widest.0 {
                self.widest = (row, i);
            }
            self.shapes.push(shape.clone());
        }
        self.built = true;
        Ok(shape)
    }

    /// Whether [`build`](Self::build) has run since the last change.
    pub fn is_built(&self) -> bool {
        self.built
    }

    /// The output for a batch `x` (`[n, ..input_shape]`).
    pub fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        if !self.built {
            return Err(Error::arg("Sequential::forward", "the model is not built: call build(&mut rng) first"));
        }
        // a batch whose activations cannot be held is refused before the
        // first layer allocates anything (each layer's output is one buffer)
        let (row, at) = self.widest;
        let n = x.shape().first().copied().unwrap_or(1);
        let need = n.saturating_mul(row);
        if need > crate::limits::max_elements() {
            return Err(Error::arg(
                "Sequential::forward",
                format!(
                    "a batch of {n} samples is too large: the output of layers.{at} {} (use a smaller batch)",
                    crate::limits::too_many(need)
                ),
            ));
        }
        let mut h = x.clone();
        for layer in &mut self.layers {
            h = layer.forward(&h, training)?;
        }
        Ok(h)
    }

    /// Every parameter, named `layers.{i}.{name}`, in layer order.
    pub fn params(&self) -> Vec<Param> {
        self.layers.iter().enumerate().flat_map(|(i, l)| prefix_params(&format!("layers.{i}"), l.params())).collect()
    }

    /// Every layer's random stream, named `layers.{i}.rng`, in layer order.
    pub fn rng_streams(&self) -> Vec<RngStream> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| prefix_streams(&format!("layers.{i}"), l.rng_streams()))
            .collect()
    }

    /// The tensors an optimizer updates, in the order of [`params`](Self::params).
    pub fn trainable_params(&self) -> Vec<Tensor> {
        self.params().into_iter().filter(|p| p.trainable).map(|p| p.value).collect()
    }

    /// The sum of the layers' penalties (add it to the training loss).
    pub fn regularization_loss(&self) -> Result<Option<Tensor>> {
        let mut total: Option<Tensor> = None;
        for layer in &self.layers {
            total = add_penalties([total, layer.regularization_loss()?])?;
        }
        Ok(total)
    }

    /// Re-imposes every layer's constraints (call after each optimizer step).
    pub fn apply_constraints(&mut self) -> Result<()> {
        self.layers.iter_mut().try_for_each(|l| l.apply_constraints())
    }

    /// The layers.
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layers, mutable.
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// The shape of one output sample, once built.
    pub fn output_shape(&self) -> Option<&[usize]> {
        if self.built {
            Some(self.shapes.last().map(|s| s.as_slice()).unwrap_or(&self.input_shape))
        } else {
            None
        }
    }

    /// The Keras-like table of layers and parameter counts (output shapes
    /// are empty until the model is built).
    pub fn summary(&self) -> Summary {
        let mut s =
            Summary { model: "Sequential".into(), rows: Vec::new(), trainable_params: 0, non_trainable_params: 0 };
        for (i, l) in self.layers.iter().enumerate() {
            let (t, n) = l.param_count();
            s.trainable_params += t;
            s.non_trainable_params += n;
            s.rows.push(SummaryRow {
                name: format!("layers.{i}"),
                kind: l.kind().into(),
                output_shape: if self.built { self.shapes[i].clone() } else { Vec::new() },
                params: t + n,
            });
        }
        s
    }
}

/// A Sequential nests inside another model as one layer.
impl Layer for Sequential {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        self.input_shape = input_shape.to_vec();
        Sequential::build(self, rng)
    }
    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        Sequential::forward(self, x, training)
    }
    fn params(&self) -> Vec<Param> {
        Sequential::params(self)
    }
    fn kind(&self) -> &'static str {
        "Sequential"
    }
    fn rng_streams(&self) -> Vec<RngStream> {
        Sequential::rng_streams(self)
    }
    fn regularization_loss(&self) -> Result<Option<Tensor>> {
        Sequential::regularization_loss(self)
    }
    fn apply_constraints(&mut self) -> Result<()> {
        Sequential::apply_constraints(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{loss, Activation, BatchNormalization, Dense, Dropout, Regularizer};

    #[test]
    fn summary_counts_392_params_for_dense_8_on_48() {
        let mut m = Sequential::new(&[48], vec![Box::new(Dense::new(8))]);
        m.build(&mut Rng::seed(0)).unwrap();
        let s = m.summary();
        assert_eq!(s.rows[0].params, 48 * 8 + 8);
        assert_eq!(s.total_params(), 392);
        assert_eq!(s.trainable_params, 392);
        assert_eq!(s.non_trainable_params, 0);
        assert_eq!(s.rows[0].output_shape, vec![8]);
        let text = s.to_string();
        assert!(text.contains("layers.0 (Dense)") && text.contains("(None, 8)") && text.contains("392"), "{text}");
        assert!(text.contains("Trainable params: 392") && text.contains("Non-trainable params: 0"), "{text}");
    }

    /// A batch whose widest layer output would pass the size limit is refused
    /// before any layer allocates it (the check reads the batch's size only).
    #[test]
    fn a_batch_too_large_for_its_activations_is_refused_up_front() {
        let mut m =
            Sequential::new(&[3], vec![Box::new(Dense::new(2)), Box::new(Dense::new(64)), Box::new(Dense::new(1))]);
        m.build(&mut Rng::seed(0)).unwrap();
        let e = m.forward(&Tensor::zeros(&[1 << 40, 0]), false).unwrap_err().to_string();
        assert!(e.contains("batch of 1099511627776 samples") && e.contains("layers.1") && e.contains("limit"), "{e}");
        assert_eq!(m.forward(&Tensor::zeros(&[5, 3]), false).unwrap().shape(), &[5, 1]);
    }

    #[test]
    fn params_are_prefixed_and_ordered_and_bn_stats_are_not_trainable() {
        let mut m = Sequential::new(&[4], Vec::new())
            .add(Dense::new(3).activation(Activation::Relu))
            .add(BatchNormalization::new())
            .add(Dropout::new(0.5))
            .add(Dense::new(2));
        m.build(&mut Rng::seed(1)).unwrap();
        let names: Vec<String> = m.params().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "layers.0.kernel",
                "layers.0.bias",
                "layers.1.gamma",
                "layers.1.beta",
                "layers.1.moving_mean",
                "layers.1.moving_variance",
                "layers.3.kernel",
                "layers.3.bias"
            ]
        );
        assert_eq!(m.trainable_params().len(), 6);
        let s = m.summary();
        assert_eq!((s.trainable_params, s.non_trainable_params), (15 + 6 + 8, 6));
        println!("{s}");
        let y = m.forward(&Tensor::ones(&[5, 4]), true).unwrap();
        assert_eq!(y.shape(), &[5, 2]);
        // a wrong input shape is an error, not a panic
        assert!(m.forward(&Tensor::ones(&[5, 3]), false).is_err());
    }

    #[test]
    fn unbuilt_models_and_bad_layers_are_errors() {
        let mut m = Sequential::new(&[4], vec![Box::new(Dense::new(2))]);
        assert!(m.forward(&Tensor::ones(&[1, 4]), false).is_err());
        let mut bad = Sequential::new(&[4], vec![Box::new(Dense::new(0))]);
        assert!(bad.build(&mut Rng::seed(0)).is_err());
    }

    #[test]
    fn regularization_loss_sums_the_layers() {
        let mut m = Sequential::new(&[3], Vec::new())
            .add(Dense::new(2).kernel_regularizer(Regularizer::L2(0.1)))
            .add(Dense::new(1).kernel_regularizer(Regularizer::L1(0.2)));
        m.build(&mut Rng::seed(2)).unwrap();
        let p = m.params();
        let l2: f32 = p[0].value.to_vec().iter().map(|w| w * w).sum::<f32>() * 0.1;
        let l1: f32 = p[2].value.to_vec().iter().map(|w| w.abs()).sum::<f32>() * 0.2;
        let r = m.regularization_loss().unwrap().unwrap().item().unwrap();
        assert!((r - (l1 + l2)).abs() < 1e-5);
    }

    /// A residual block: plain Rust owning two layers, usable as a layer.
    struct Residual {
        a: Dense,
        b: Dense,
    }

    impl Layer for Residual {
        fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
            let h = self.a.build(input_shape, rng)?;
            let out = self.b.build(&h, rng)?;
            if out != input_shape {
                return Err(Error::arg("Residual", "the block must keep the shape"));
            }
            Ok(out)
        }
        fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
            let h = self.a.forward(x, training)?;
            Ok(self.b.forward(&h, training)?.add(x)?.relu())
        }
        fn params(&self) -> Vec<Param> {
            let mut p = prefix_params("a", self.a.params());
            p.extend(prefix_params("b", self.b.params()));
            p
        }
        fn kind(&self) -> &'static str {
            "Residual"
        }
    }

    #[test]
    fn a_residual_block_composes_and_trains() {
        let block = Residual { a: Dense::new(6).activation(Activation::Relu), b: Dense::new(4) };
        let mut m = Sequential::new(&[4], Vec::new()).add(block).add(Dense::new(1));
        m.build(&mut Rng::seed(3)).unwrap();
        let names: Vec<String> = m.params().into_iter().map(|p| p.name).collect();
        assert_eq!(names[0], "layers.0.a.kernel");
        assert_eq!(names[3], "layers.0.b.bias");
        let x = Tensor::randn(&[8, 4], 0.0, 1.0, &mut Rng::seed(4));
        let y = x.sum_axis(1, true).unwrap();
        let params = m.trainable_params();
        let first = loss::mse(&m.forward(&x, true).unwrap(), &y).unwrap().item().unwrap();
        for _ in 0..100 {
            let l = loss::mse(&m.forward(&x, true).unwrap(), &y).unwrap();
            let g = l.backward().unwrap();
            for p in &params {
                let gp = g.wrt(p).unwrap().to_vec();
                p.data_mut().iter_mut().zip(gp).for_each(|(w, g)| *w -= 0.05 * g);
            }
        }
        let last = loss::mse(&m.forward(&x, false).unwrap(), &y).unwrap().item().unwrap();
        assert!(last < first * 0.2, "{first} → {last}");
    }

    /// A two-input model: two towers joined by concatenation. Its
    /// `forward` takes both inputs, so it is a plain struct, not a `Layer`.
    struct TwoTower {
        left: Dense,
        right: Dense,
        head: Dense,
    }

    impl TwoTower {
        fn build(&mut self, a: &[usize], b: &[usize], rng: &mut Rng) -> Result<()> {
            let l = self.left.build(a, rng)?;
            let r = self.right.build(b, rng)?;
            self.head.build(&[l[0] + r[0]], rng)?;
            Ok(())
        }
        fn forward(&mut self, a: &Tensor, b: &Tensor, training: bool) -> Result<Tensor> {
            let l = self.left.forward(a, training)?;
            let r = self.right.forward(b, training)?;
            self.head.forward(&Tensor::concat(&[l, r], 1)?, training)
        }
        fn params(&self) -> Vec<Param> {
            let mut p = prefix_params("left", self.left.params());
            p.extend(prefix_params("right", self.right.params()));
            p.extend(prefix_params("head", self.head.params()));
            p
        }
    }

    #[test]
    fn a_two_input_model_is_plain_rust() {
        let mut m = TwoTower { left: Dense::new(3), right: Dense::new(2), head: Dense::new(1) };
        m.build(&[5], &[7], &mut Rng::seed(5)).unwrap();
        let y = m.forward(&Tensor::ones(&[4, 5]), &Tensor::ones(&[4, 7]), false).unwrap();
        assert_eq!(y.shape(), &[4, 1]);
        let count: usize = m.params().iter().map(|p| p.value.numel()).sum();
        assert_eq!(count, 5 * 3 + 3 + 7 * 2 + 2 + 5 + 1);
        // gradients reach both towers
        let g = y.sum_all().backward().unwrap();
        assert!(m.params().iter().all(|p| g.get(&p.value).is_some()));
    }

    #[test]
    fn models_are_send() {
        fn is_send<T: Send>(_: &T) {}
        let m = Sequential::new(&[2], vec![Box::new(Dense::new(1))]);
        is_send(&m);
    }
}
