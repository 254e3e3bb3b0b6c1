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
//!
//! The causal mask is aligned at the END when the key sequence is longer
//! than the query's (`attend` with tk > tq): query i of tq sees keys
//! j ≤ i + (tk − tq), so the last query sees every key, as the
//! queries of a decoder continuing a cached prefix should. That is PyTorch's
//! `torch.nn.attention.bias.causal_lower_right` (and FlashAttention's since
//! 2.1), NOT Keras's `use_causal_mask` nor PyTorch's
//! `scaled_dot_product_attention(is_causal=True)`, which both align at the
//! start (j ≤ i, `causal_upper_left`). With tq = tk — self-attention, and so
//! every [`Layer::forward`] — the two agree. With fewer keys than queries
//! the first tq − tk queries see no key and average all values uniformly.

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use super::config::{invalid, positive, required, Check};
use crate::nn::init::Initializer;
use crate::nn::module::{Layer, Param};
use crate::spec::names::{named, InitializerName};
use crate::{Error, Result, Rng, Tensor};

/// Options of [`MultiHeadAttention`]: Keras's `MultiHeadAttention` names
/// and defaults where it has them. `num_heads` and `key_dim` have no
/// default (Keras requires them): `Default` holds 0, which
/// [`validate`](Self::validate) and `build` reject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(transform = sizes_required)]
pub struct MultiHeadAttentionConfig {
    /// Number of heads (required).
    pub num_heads: usize,
    /// Width of each head's queries and keys (required).
    pub key_dim: usize,
    /// Width of each head's values; None: `key_dim`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_dim: Option<usize>,
    /// Biases on the four projections.
    pub use_bias: bool,
    /// Query i attends only to keys j ≤ i + (keys − queries), aligned at the
    /// end (see the module docs); Keras passes `use_causal_mask` to each call
    /// instead, and that name is accepted here too.
    #[serde(alias = "use_causal_mask")]
    pub causal: bool,
    /// Of the projection kernels (Keras's default, Glorot uniform).
    #[serde(with = "named")]
    #[schemars(with = "InitializerName")]
    pub kernel_initializer: Initializer,
}

/// The schema lists `num_heads`, `key_dim` as required.
fn sizes_required(schema: &mut Schema) {
    required(schema, &["num_heads", "key_dim"]);
}

impl Default for MultiHeadAttentionConfig {
    fn default() -> Self {
        MultiHeadAttentionConfig {
            num_heads: 0,
            key_dim: 0,
            value_dim: None,
            use_bias: true,
            causal: false,
            kernel_initializer: Initializer::GlorotUniform,
        }
    }
}

impl MultiHeadAttentionConfig {
    /// The head count and widths must be positive.
    pub fn validate(&self) -> Check {
        positive("num_heads", self.num_heads)?;
        positive("key_dim", self.key_dim)?;
        self.value_dim.map_or(Ok(()), |v| positive("value_dim", v))
    }
}

/// One projection: kernel `[in, out]` and optional bias `[out]`.
struct Projection {
    kernel: Tensor,
    bias: Option<Tensor>,
}

impl Projection {
    fn new(i: usize, o: usize, c: &MultiHeadAttentionConfig, rng: &mut Rng) -> Result<Projection> {
        Ok(Projection {
            kernel: c.kernel_initializer.init(&[i, o], rng)?.requires_grad(),
            bias: c.use_bias.then(|| Initializer::Zeros.init(&[o], rng)).transpose()?.map(Tensor::requires_grad),
        })
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
    /// causal mask when the config asks for one, which is aligned at the end
    /// when tk ≠ tq (PyTorch's `causal_lower_right`; see the module docs).
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
            // query i sees keys j ≤ i + (tk − tq): aligned at the end (module docs)
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
        c.validate().map_err(|e| invalid("MultiHeadAttention", e))?;
        let vd = c.value_dim.unwrap_or(c.key_dim);
        if d == 0 {
            return Err(Error::arg("MultiHeadAttention", "needs a positive number of features, found 0"));
        }
        let h = c.num_heads;
        self.proj = Some([
            Projection::new(d, h * c.key_dim, c, rng)?,
            Projection::new(d, h * c.key_dim, c, rng)?,
            Projection::new(d, h * vd, c, rng)?,
            Projection::new(h * vd, d, c, rng)?,
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

    /// Attention computed in f64 from the layer's own weights, with the
    /// causal mask of PyTorch's `causal_lower_right` (`tril(ones(L, S),
    /// diagonal = S − L)`, keys j ≤ i + S − L) or, when `lower_right` is
    /// false, Keras's `use_causal_mask` (`band_part(ones, -1, 0)`, j ≤ i).
    fn reference(m: &MultiHeadAttention, xq: &Tensor, xk: &Tensor, lower_right: bool) -> Vec<f64> {
        let p: std::collections::HashMap<String, (Vec<f64>, Vec<usize>)> = m
            .params()
            .into_iter()
            .map(|p| (p.name.clone(), (p.value.to_vec().iter().map(|&v| v as f64).collect(), p.value.shape().to_vec())))
            .collect();
        // rows [t, i] · kernel [i, o] + bias [o]
        let project = |x: &Tensor, name: &str| -> Vec<Vec<f64>> {
            let (w, ws) = &p[&format!("{name}_kernel")];
            let b = &p[&format!("{name}_bias")].0;
            let (i, o) = (ws[0], ws[1]);
            let xv: Vec<f64> = x.to_vec().iter().map(|&v| v as f64).collect();
            xv.chunks(i)
                .map(|row| (0..o).map(|c| b[c] + (0..i).map(|r| row[r] * w[r * o + c]).sum::<f64>()).collect())
                .collect()
        };
        let (h, kd) = (m.config.num_heads, m.config.key_dim);
        let (q, k, v) = (project(xq, "query"), project(xk, "key"), project(xk, "value"));
        let (tq, tk) = (q.len(), k.len());
        let mut ctx = vec![vec![0.0; h * kd]; tq];
        for head in 0..h {
            let cols = head * kd..(head + 1) * kd;
            for i in 0..tq {
                let seen: Vec<usize> = (0..tk)
                    .filter(
                        |&j| if lower_right { j as isize <= i as isize + tk as isize - tq as isize } else { j <= i },
                    )
                    .collect();
                let scores: Vec<f64> = seen
                    .iter()
                    .map(|&j| cols.clone().map(|c| q[i][c] * k[j][c]).sum::<f64>() / (kd as f64).sqrt())
                    .collect();
                let max = scores.iter().cloned().fold(f64::MIN, f64::max);
                let z: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                for (s, &j) in scores.iter().zip(&seen) {
                    for c in cols.clone() {
                        ctx[i][c] += (s - max).exp() / z * v[j][c];
                    }
                }
            }
        }
        let (w, ws) = &p["output_kernel"];
        let b = &p["output_bias"].0;
        let (i, o) = (ws[0], ws[1]);
        ctx.iter()
            .flat_map(|row| (0..o).map(move |c| b[c] + (0..i).map(|r| row[r] * w[r * o + c]).sum::<f64>()))
            .collect()
    }

    #[test]
    fn causal_mask_with_more_keys_is_aligned_at_the_end() {
        let (tq, tk, d) = (2, 4, 3);
        let mut m = MultiHeadAttention::new(2, 2).causal(true);
        m.build(&[tk, d], &mut Rng::seed(7)).unwrap();
        // biases away from their zero init, so that they are checked too
        let mut rng = Rng::seed(8);
        for p in m.params().iter().filter(|p| p.name.ends_with("_bias")) {
            p.value.assign(&Tensor::randn(p.value.shape(), 0.0, 0.5, &mut rng).to_vec()).unwrap();
        }
        let xq = Tensor::randn(&[1, tq, d], 0.0, 1.0, &mut Rng::seed(9));
        let xk = Tensor::randn(&[1, tk, d], 0.0, 1.0, &mut Rng::seed(10));
        let got = m.attend(&xq, &xk, &xk, None).unwrap().to_vec();
        let lower_right = reference(&m, &xq, &xk, true);
        for (g, r) in got.iter().zip(&lower_right) {
            assert!((*g as f64 - r).abs() < 1e-5, "{got:?} vs PyTorch's causal_lower_right {lower_right:?}");
        }
        // and it is not Keras's start-aligned mask, which hides keys 2 and 3 from query 1
        let upper_left = reference(&m, &xq, &xk, false);
        let gap = got.iter().zip(&upper_left).map(|(g, r)| (*g as f64 - r).abs()).fold(0.0, f64::max);
        assert!(gap > 1e-3, "the start-aligned mask gives the same output ({gap})");
        // with as many keys as queries the two conventions agree
        let same = reference(&m, &xk, &xk, false);
        let y = m.attend(&xk, &xk, &xk, None).unwrap().to_vec();
        assert!(y.iter().zip(&same).all(|(g, r)| (*g as f64 - r).abs() < 1e-5));
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
