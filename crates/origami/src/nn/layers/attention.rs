//! Multi-head scaled dot-product attention (Vaswani et al. 2017).
//!
//! Each head projects queries, keys and values to `key_dim`/`value_dim`,
//! weighs the values by softmax(q·kᵀ/√key_dim) and the heads' outputs are
//! concatenated and projected back to the query's width. As a [`Layer`] it
//! is self-attention (`forward(x)` attends `x` to itself);
//! [`MultiHeadAttention::attend`] takes separate query, key and value inputs
//! and a padding mask.
//!
//! Masked scores are set to −10⁹ rather than −∞ so that a row with every
//! key masked gives a uniform average instead of NaN.

use crate::nn::init::Initializer;
use crate::nn::module::{Layer, Param};
use crate::{Error, Result, Rng, Tensor};

/// Options of [`MultiHeadAttention`].
#[derive(Clone, Debug, PartialEq)]
pub struct MultiHeadAttentionConfig {
    /// Number of heads.
    pub num_heads: usize,
    /// Width of each head's queries and keys.
    pub key_dim: usize,
    /// Width of each head's values; `None`: `key_dim`.
    pub value_dim: Option<usize>,
    /// Biases on the four projections.
    pub use_bias: bool,
    /// Position t attends only to positions ≤ t (for autoregressive models).
    pub causal: bool,
    /// Of the projection kernels (Keras's default, Glorot uniform).
    pub kernel_initializer: Initializer,
}

impl Default for MultiHeadAttentionConfig {
    fn default() -> Self {
        MultiHeadAttentionConfig {
            num_heads: 1,
            key_dim: 1,
            value_dim: None,
            use_bias: true,
            causal: false,
            kernel_initializer: Initializer::GlorotUniform,
        }
    }
}

/// One projection: kernel `[in, out]` and optional bias `[out]`.
struct Projection {
    kernel: Tensor,
    bias: Option<Tensor>,
}

impl Projection {
    fn new(i: usize, o: usize, c: &MultiHeadAttentionConfig, rng: &mut Rng) -> Projection {
        Projection {
            kernel: c.kernel_initializer.init(&[i, o], rng).requires_grad(),
            bias: c.use_bias.then(|| Tensor::zeros(&[o]).requires_grad()),
        }
    }

    /// `[n, t, i] → [n, t, o]`.
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let (i, o) = (self.kernel.shape()[0], self.kernel.shape()[1]);
        let &[n, t, d] = x.shape() else {
            return Err(Error::arg(
                "MultiHeadAttention",
                format!("needs sequences [n, length, features], got {:?}", x.shape()),
            ));
        };
        if d != i {
            return Err(Error::shape(
                "MultiHeadAttention",
                x.shape(),
                self.kernel.shape(),
                "the features must be the width the layer was built for",
            ));
        }
        let mut y = x.reshape(&[n * t, d])?.matmul(&self.kernel)?;
        if let Some(b) = &self.bias {
            y = y.add(b)?;
        }
        y.reshape(&[n, t, o])
    }

    fn params(&self, name: &str, out: &mut Vec<Param>) {
        out.push(Param::trainable(&format!("{name}_kernel"), &self.kernel));
        if let Some(b) = &self.bias {
            out.push(Param::trainable(&format!("{name}_bias"), b));
        }
    }
}

/// Multi-head attention; see the module docs.
pub struct MultiHeadAttention {
    /// The options (changing them takes effect at the next build).
    pub config: MultiHeadAttentionConfig,
    /// query, key, value, output.
    proj: Option<[Projection; 4]>,
}

impl MultiHeadAttention {
    /// `num_heads` heads of width `key_dim` (values too), not causal.
    pub fn new(num_heads: usize, key_dim: usize) -> Self {
        MultiHeadAttention::from_config(MultiHeadAttentionConfig { num_heads, key_dim, ..Default::default() })
    }

    /// With the given options.
    pub fn from_config(config: MultiHeadAttentionConfig) -> Self {
        MultiHeadAttention { config, proj: None }
    }

    /// Builder: causal masking.
    pub fn causal(mut self, causal: bool) -> Self {
        self.config.causal = causal;
        self
    }

    /// Builder: the value width.
    pub fn value_dim(mut self, v: usize) -> Self {
        self.config.value_dim = Some(v);
        self
    }

    /// Attends `query` `[n, tq, d]` to `key` and `value` `[n, tk, d]`
    /// (all of the width the layer was built for), giving `[n, tq, d]`.
    ///
    /// `mask`, if given, says which keys may be attended (1) or not (0):
    /// `[n, tk]` (padding of the keys) or `[n, tq, tk]`. It combines with the
    /// causal mask when the config asks for one.
    pub fn attend(&self, query: &Tensor, key: &Tensor, value: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let [q_p, k_p, v_p, o_p] = self
            .proj
            .as_ref()
            .ok_or_else(|| Error::arg("MultiHeadAttention", "the layer is not built: call build first"))?;
        let h = self.config.num_heads;
        let kd = self.config.key_dim;
        let vd = self.config.value_dim.unwrap_or(kd);
        let q = q_p.apply(query)?;
        let k = k_p.apply(key)?;
        let v = v_p.apply(value)?;
        let (n, tq, tk) = (q.shape()[0], q.shape()[1], k.shape()[1]);
        if k.shape()[0] != n || v.shape()[0] != n || v.shape()[1] != tk {
            return Err(Error::shape(
                "MultiHeadAttention",
                key.shape(),
                value.shape(),
                "query, key and value need the same batch, key and value the same length",
            ));
        }
        // [n, t, h·dim] → [n, h, t, dim]
        let heads = |x: &Tensor, t: usize, dim: usize| x.reshape(&[n, t, h, dim])?.permute(&[0, 2, 1, 3]);
        let (q, k, v) = (heads(&q, tq, kd)?, heads(&k, tk, kd)?, heads(&v, tk, vd)?);
        let mut scores = q.matmul(&k.t()?)?.mul_scalar(1.0 / (kd as f32).sqrt()); // [n, h, tq, tk]
        if let Some(hide) = self.hidden(n, tq, tk, mask)? {
            scores = scores.masked_fill(&hide, -1e9)?;
        }
        let weights = scores.softmax(3)?;
        let ctx = weights.matmul(&v)?.permute(&[0, 2, 1, 3])?.reshape(&[n, tq, h * vd])?;
        o_p.apply(&ctx)
    }

    /// The mask of scores to hide, `[n or 1, 1, tq, tk]`, 1 where hidden.
    fn hidden(&self, n: usize, tq: usize, tk: usize, mask: Option<&Tensor>) -> Result<Option<Tensor>> {
        let mut hide: Option<Vec<f32>> = None;
        let mut batch = 1;
        if let Some(m) = mask {
            let ok = match m.shape() {
                [a, b] => *a == n && *b == tk,
                [a, b, c] => *a == n && *b == tq && *c == tk,
                _ => false,
            };
            if !ok {
                return Err(Error::shape(
                    "MultiHeadAttention",
                    m.shape(),
                    &[n, tq, tk],
                    "the mask must be [batch, keys] or [batch, queries, keys]",
                ));
            }
            let d = m.data();
            let per_query = m.rank() == 3;
            let mut v = vec![0.0; n * tq * tk];
            for b in 0..n {
                for i in 0..tq {
                    for j in 0..tk {
                        let keep = if per_query { d[(b * tq + i) * tk + j] } else { d[b * tk + j] };
                        v[(b * tq + i) * tk + j] = if keep == 0.0 { 1.0 } else { 0.0 };
                    }
                }
            }
            hide = Some(v);
            batch = n;
        }
        if self.config.causal {
            let v = hide.get_or_insert_with(|| vec![0.0; tq * tk]);
            // query i sees keys j ≤ i (aligned at the end when tk ≠ tq)
            let shift = tk as isize - tq as isize;
            for (idx, x) in v.iter_mut().enumerate() {
                let (i, j) = ((idx / tk) % tq, idx % tk);
                if j as isize > i as isize + shift {
                    *x = 1.0;
                }
            }
        }
        hide.map(|v| Tensor::from_vec(v, &[batch, 1, tq, tk])).transpose()
    }
}

impl Layer for MultiHeadAttention {
    fn build(&mut self, input_shape: &[usize], rng: &mut Rng) -> Result<Vec<usize>> {
        let c = &self.config;
        let &[_, d] = input_shape else {
            return Err(Error::arg(
                "MultiHeadAttention",
                format!("needs sequences [length, features], got {input_shape:?}"),
            ));
        };
        let vd = c.value_dim.unwrap_or(c.key_dim);
        if c.num_heads == 0 || c.key_dim == 0 || vd == 0 || d == 0 {
            return Err(Error::arg(
                "MultiHeadAttention",
                "num_heads, key_dim, value_dim and the features must be positive",
            ));
        }
        let h = c.num_heads;
        self.proj = Some([
            Projection::new(d, h * c.key_dim, c, rng),
            Projection::new(d, h * c.key_dim, c, rng),
            Projection::new(d, h * vd, c, rng),
            Projection::new(h * vd, d, c, rng),
        ]);
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, x: &Tensor, _training: bool) -> Result<Tensor> {
        self.attend(x, x, x, None)
    }

    fn params(&self) -> Vec<Param> {
        let mut p = Vec::new();
        if let Some(proj) = &self.proj {
            for (pr, name) in proj.iter().zip(["query", "key", "value", "output"]) {
                pr.params(name, &mut p);
            }
        }
        p
    }

    fn kind(&self) -> &'static str {
        "MultiHeadAttention"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testutil::{check_built_layer, check_layer};

    #[test]
    fn gradient_check() {
        check_layer(&mut MultiHeadAttention::new(2, 3), &[4, 5], 2, false);
        check_layer(&mut MultiHeadAttention::new(2, 2).value_dim(3).causal(true), &[3, 4], 2, false);
    }

    #[test]
    fn gradient_check_with_a_padding_mask() {
        let mut m = MultiHeadAttention::new(2, 2);
        m.build(&[4, 3], &mut Rng::seed(1)).unwrap();
        let x = Tensor::randn(&[2, 4, 3], 0.0, 1.0, &mut Rng::seed(2)).requires_grad();
        let mask = Tensor::from_slice(&[1., 1., 1., 0., 1., 1., 0., 0.], &[2, 4]).unwrap();
        let r =
            crate::check_gradients(|xs| m.attend(&xs[0], &xs[0], &xs[0], Some(&mask)), std::slice::from_ref(&x), 1e-2)
                .unwrap();
        assert!(r.max_error < 2e-3, "{r:?}");
        // the layer's own parameters through its forward (no mask)
        check_built_layer(&mut m, &x.detach(), true, true);
    }

    #[test]
    fn causal_output_at_t_ignores_later_inputs() {
        let (t, d) = (5, 6);
        let mut m = MultiHeadAttention::new(3, 4).causal(true);
        m.build(&[t, d], &mut Rng::seed(3)).unwrap();
        let x = Tensor::randn(&[1, t, d], 0.0, 1.0, &mut Rng::seed(4));
        let y = m.forward(&x, false).unwrap().to_vec();
        for cut in 0..t {
            // change every input after position `cut`
            let mut v = x.to_vec();
            v[(cut + 1) * d..].iter_mut().for_each(|a| *a += 3.0);
            let y2 = m.forward(&Tensor::from_vec(v, &[1, t, d]).unwrap(), false).unwrap().to_vec();
            assert_eq!(&y[..(cut + 1) * d], &y2[..(cut + 1) * d], "position ≤ {cut} changed");
            if cut + 1 < t {
                assert_ne!(&y[(cut + 1) * d..], &y2[(cut + 1) * d..]);
            }
        }
        // without the causal mask the first position does see the future
        let mut full = MultiHeadAttention::new(3, 4);
        full.build(&[t, d], &mut Rng::seed(3)).unwrap();
        let a = full.forward(&x, false).unwrap().to_vec();
        let b = full.forward(&x.affine(1.0, 0.5), false).unwrap().to_vec();
        assert_ne!(&a[..d], &b[..d]);
    }

    #[test]
    fn padding_mask_hides_keys() {
        let mut m = MultiHeadAttention::new(2, 3);
        m.build(&[4, 5], &mut Rng::seed(5)).unwrap();
        let x = Tensor::randn(&[1, 4, 5], 0.0, 1.0, &mut Rng::seed(6));
        let mask = Tensor::from_slice(&[1., 1., 0., 0.], &[1, 4]).unwrap();
        let y = m.attend(&x, &x, &x, Some(&mask)).unwrap().to_vec();
        // changing the padded keys changes nothing
        let mut v = x.to_vec();
        v[10..].iter_mut().for_each(|a| *a -= 2.0);
        let x2 = Tensor::from_vec(v, &[1, 4, 5]).unwrap();
        let y2 = m.attend(&x, &x2, &x2, Some(&mask)).unwrap().to_vec();
        assert_eq!(y, y2);
        assert!(m.attend(&x, &x, &x, Some(&Tensor::ones(&[1, 3]))).is_err());
        assert_eq!(m.params().len(), 8);
        assert_eq!(m.param_count().0, 3 * (5 * 6 + 6) + 6 * 5 + 5);
    }
}
