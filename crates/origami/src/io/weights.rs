//! Weights as safetensors: little-endian f32 tensors under their parameter
//! names (`layers.0.kernel`…), readable by Python's `safetensors` package.

use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;

use crate::nn::Param;
use crate::{Error, Result, Tensor};

/// Writes named tensors to `path` atomically.
pub fn save_tensors(path: impl AsRef<Path>, tensors: &[(String, Tensor)]) -> Result<()> {
    let path = path.as_ref();
    super::write_atomic(path, &encode(path, tensors)?)
}

/// Named tensors as the bytes of a safetensors file, for a caller that
/// sends them rather than writing them (the playground's download).
pub fn tensors_to_bytes(tensors: &[(String, Tensor)]) -> Result<Vec<u8>> {
    encode(Path::new("safetensors bytes"), tensors)
}

fn encode(path: &Path, tensors: &[(String, Tensor)]) -> Result<Vec<u8>> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, t)| (n.clone(), t.shape().to_vec(), t.data().iter().flat_map(|v| v.to_le_bytes()).collect()))
        .collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| TensorView::new(Dtype::F32, s.clone(), b).map(|v| (n.clone(), v)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::format(path, format!("cannot encode tensors: {e}")))?;
    safetensors::serialize(views, None).map_err(|e| Error::format(path, format!("cannot encode tensors: {e}")))
}

/// Reads every tensor of a safetensors file (f32 only), in file order.
pub fn load_tensors(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::format(path, format!("not a valid safetensors file: {e}")))?;
    let mut out = Vec::new();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(Error::format(path, format!("tensor {name} is {:?}; origami reads F32 only", view.dtype())));
        }
        let data: Vec<f32> =
            view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        out.push((name, Tensor::from_vec(data, view.shape())?));
    }
    Ok(out)
}

/// Saves a model's parameters under their names.
pub fn save_params(path: impl AsRef<Path>, params: &[Param]) -> Result<()> {
    let named: Vec<(String, Tensor)> = params.iter().map(|p| (p.name.clone(), p.value.clone())).collect();
    save_tensors(path, &named)
}

/// Loads weights into `params` (in place), matching by name; every parameter
/// must be present with its shape, and finite: a NaN or an infinity (a run
/// that diverged, a damaged file) is an error naming the file, the tensor
/// and the element, rather than predictions that are silently NaN.
pub fn load_params(path: impl AsRef<Path>, params: &[Param]) -> Result<()> {
    let path = path.as_ref();
    let tensors = load_tensors(path)?;
    for p in params {
        let (_, t) = tensors
            .iter()
            .find(|(n, _)| n == &p.name)
            .ok_or_else(|| Error::format(path, format!("has no tensor named {} (the model needs it)", p.name)))?;
        if t.shape() != p.value.shape() {
            return Err(Error::format(
                path,
                format!(
                    "tensor {} has shape {:?} but the model's parameter has shape {:?}",
                    p.name,
                    t.shape(),
                    p.value.shape()
                ),
            ));
        }
        if let Some(i) = t.data().iter().position(|v| !v.is_finite()) {
            return Err(Error::format(
                path,
                format!("tensor {} holds {} at element {i}; weights must be finite numbers", p.name, t.data()[i]),
            ));
        }
        p.value.assign(&t.data())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let dir = std::env::temp_dir().join(format!("origami-weights-{}", std::process::id()));
        let p = dir.join("w.safetensors");
        let a = Tensor::from_vec(vec![1.5, -2.0, 3.25, 0.0, 1e-8, 7.0], &[2, 3]).unwrap();
        let params = vec![Param::trainable("layers.0.kernel", &a)];
        save_params(&p, &params).unwrap();
        let back = load_tensors(&p).unwrap();
        assert_eq!(back[0].0, "layers.0.kernel");
        assert_eq!(back[0].1.to_vec(), a.to_vec());
        let b = Tensor::zeros(&[2, 3]);
        load_params(&p, &[Param::trainable("layers.0.kernel", &b)]).unwrap();
        assert_eq!(b.to_vec(), a.to_vec());
        let e = load_params(&p, &[Param::trainable("layers.1.kernel", &b)]).unwrap_err().to_string();
        assert!(e.contains("layers.1.kernel") && e.contains("w.safetensors"), "{e}");
        let wrong = Tensor::zeros(&[3, 2]);
        let e = load_params(&p, &[Param::trainable("layers.0.kernel", &wrong)]).unwrap_err().to_string();
        assert!(e.contains("[2, 3]") && e.contains("[3, 2]"), "{e}");
        // a non-finite weight is refused, naming the file and the tensor
        let nan = Tensor::from_vec(vec![1.0, f32::NAN, 0.0, 0.0, 0.0, 0.0], &[2, 3]).unwrap();
        save_params(&p, &[Param::trainable("layers.0.kernel", &nan)]).unwrap();
        let e = load_params(&p, &[Param::trainable("layers.0.kernel", &b)]).unwrap_err().to_string();
        assert!(e.contains("w.safetensors") && e.contains("layers.0.kernel") && e.contains("NaN at element 1"), "{e}");
        std::fs::write(&p, b"garbage").unwrap();
        assert!(load_tensors(&p).unwrap_err().to_string().contains("w.safetensors"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
