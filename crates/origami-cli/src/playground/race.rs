//! The optimizer race: balls rolling down 2-D loss surfaces.
//!
//! Each ball is one of the library's own optimizers stepping a 2-element
//! parameter tensor, and each surface's loss is built from tensor ops, so
//! the gradients come from autograd exactly as they do for a network: what
//! the page shows is what the optimizers really do, not a re-implementation
//! in JavaScript. The whole race is computed in one request (it is cheap) and
//! the page animates the paths; the contour grid is computed in f64 from the
//! same formula.

use origami::{Result as OResult, Tensor};
use serde::Serialize;

use super::api::{Config, RaceRequest, OPTIMIZERS};
use super::engine::make_optimizer;

/// Cells per side of the contour grid.
pub const GRID: usize = 80;

/// A surface: its formula for the grid, its formula as tensor ops, its box and start.
pub struct Surface {
    pub name: &'static str,
    pub formula: &'static str,
    pub f: fn(f64, f64) -> f64,
    pub t: fn(&Tensor, &Tensor) -> OResult<Tensor>,
    /// `[xmin, xmax, ymin, ymax]`.
    pub bounds: [f64; 4],
    pub start: [f32; 2],
    pub minimum: Option<[f64; 2]>,
}

fn bowl_t(x: &Tensor, y: &Tensor) -> OResult<Tensor> {
    x.square().mul_scalar(0.05).add(&y.square())
}
fn rosenbrock_t(x: &Tensor, y: &Tensor) -> OResult<Tensor> {
    let a = x.mul_scalar(-1.0).add_scalar(1.0).square();
    a.add(&y.sub(&x.square())?.square().mul_scalar(100.0))
}
fn saddle_t(x: &Tensor, y: &Tensor) -> OResult<Tensor> {
    x.square().sub(&y.square())
}
fn beale_t(x: &Tensor, y: &Tensor) -> OResult<Tensor> {
    // (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²
    let term = |c: f32, yp: Tensor| -> OResult<Tensor> { Ok(x.mul(&yp)?.sub(x)?.add_scalar(c).square()) };
    term(1.5, y.clone())?.add(&term(2.25, y.square())?)?.add(&term(2.625, y.square().mul(y)?)?)
}

/// The four surfaces.
pub fn surfaces() -> [Surface; 4] {
    [
        Surface {
            name: "bowl",
            formula: "f(x, y) = 0.05x² + y²  (an elongated bowl: curvatures differ 20×)",
            f: |x, y| 0.05 * x * x + y * y,
            t: bowl_t,
            bounds: [-10.0, 10.0, -4.0, 4.0],
            start: [-9.0, 3.0],
            minimum: Some([0.0, 0.0]),
        },
        Surface {
            name: "rosenbrock",
            formula: "f(x, y) = (1 − x)² + 100(y − x²)²  (a curved, flat-bottomed valley)",
            f: |x, y| (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2),
            t: rosenbrock_t,
            bounds: [-2.0, 2.0, -1.0, 3.0],
            start: [-1.5, 2.5],
            minimum: Some([1.0, 1.0]),
        },
        Surface {
            name: "saddle",
            formula: "f(x, y) = x² − y²  (a saddle point at the origin)",
            f: |x, y| x * x - y * y,
            t: saddle_t,
            bounds: [-2.0, 2.0, -2.0, 2.0],
            start: [-1.8, 0.01],
            minimum: None,
        },
        Surface {
            name: "beale",
            formula: "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            f: |x, y| (1.5 - x + x * y).powi(2) + (2.25 - x + x * y * y).powi(2) + (2.625 - x + x * y.powi(3)).powi(2),
            t: beale_t,
            bounds: [-4.5, 4.5, -4.5, 4.5],
            start: [1.0, 1.5],
            minimum: Some([3.0, 0.5]),
        },
    ]
}

/// One ball's path.
#[derive(Serialize)]
pub struct Path {
    pub name: String,
    pub learning_rate: f32,
    /// `[x, y, f]` from the start, one per step; ends early if the ball leaves far beyond the box or diverges.
    pub points: Vec<[f32; 3]>,
    pub final_loss: f32,
}

/// The contour grid and every path.
#[derive(Serialize)]
pub struct Race {
    pub surface: &'static str,
    pub formula: &'static str,
    pub bounds: [f64; 4],
    pub minimum: Option<[f64; 2]>,
    pub grid: usize,
    /// f on the grid, row 0 at the top (y = ymax).
    pub values: Vec<f32>,
    pub paths: Vec<Path>,
}

/// Runs the race after checking the request.
pub fn race(req: &RaceRequest) -> Result<Race, String> {
    let surfaces = surfaces();
    let s = surfaces
        .iter()
        .find(|s| s.name == req.surface)
        .ok_or_else(|| format!("surface must be bowl, rosenbrock, saddle or beale, got {:?}", req.surface))?;
    if !(1..=2000).contains(&req.steps) {
        return Err(format!("steps must lie in [1, 2000], got {}", req.steps));
    }
    if req.racers.is_empty() || req.racers.len() > 9 {
        return Err("racers must list 1 to 9 optimizers".into());
    }
    for r in &req.racers {
        if !OPTIMIZERS.contains(&r.name.as_str()) {
            return Err(format!("unknown optimizer {}; one of {}", origami::quote(&r.name), OPTIMIZERS.join(", ")));
        }
        if !(r.learning_rate.is_finite() && r.learning_rate > 0.0 && r.learning_rate <= 10.0) {
            return Err(format!("learning rate of {} must lie in (0, 10]", r.name));
        }
    }
    let start = req.start.unwrap_or(s.start);
    let [x0, x1, y0, y1] = s.bounds;
    if !start.iter().all(|v| v.is_finite())
        || !(x0..=x1).contains(&(start[0] as f64))
        || !(y0..=y1).contains(&(start[1] as f64))
    {
        return Err(format!("start must lie inside the surface's box {:?}", s.bounds));
    }
    let values = (0..GRID)
        .flat_map(|r| {
            (0..GRID).map(move |c| {
                let x = x0 + (c as f64 + 0.5) / GRID as f64 * (x1 - x0);
                let y = y1 - (r as f64 + 0.5) / GRID as f64 * (y1 - y0);
                (s.f)(x, y) as f32
            })
        })
        .collect();
    let paths = req.racers.iter().map(|r| roll(s, r.name.as_str(), r.learning_rate, start, req.steps)).collect();
    Ok(Race { surface: s.name, formula: s.formula, bounds: s.bounds, minimum: s.minimum, grid: GRID, values, paths })
}

fn roll(s: &Surface, name: &str, lr: f32, start: [f32; 2], steps: usize) -> Path {
    // Classic hyperparameters for the race (momentum 0.9, Adam's β's); only η is chosen per ball.
    let cfg = Config { momentum: 0.9, epsilon: 1e-7, ..Config::default() };
    let mut opt = make_optimizer(name, &cfg, lr);
    let f = |p: &[f32]| (s.f)(p[0] as f64, p[1] as f64) as f32;
    let mut points = vec![[start[0], start[1], f(&start)]];
    let Ok(theta) = Tensor::from_vec(start.to_vec(), &[2]) else {
        return Path { name: name.into(), learning_rate: lr, points, final_loss: f(&start) };
    };
    let theta = theta.requires_grad();
    let [x0, x1, y0, y1] = s.bounds;
    let (w, h) = (x1 - x0, y1 - y0);
    for _ in 0..steps {
        let mut step = || -> OResult<()> {
            let x = theta.narrow(0, 0, 1)?.sum_all();
            let y = theta.narrow(0, 1, 1)?.sum_all();
            let grads = (s.t)(&x, &y)?.backward()?;
            opt.step(&[origami::nn::Param::trainable("theta", &theta)], &grads)
        };
        if step().is_err() {
            break;
        }
        let p = theta.to_vec();
        let v = f(&p);
        let far = (p[0] as f64) < x0 - w || (p[0] as f64) > x1 + w || (p[1] as f64) < y0 - h || (p[1] as f64) > y1 + h;
        if !v.is_finite() || far {
            break;
        }
        points.push([p[0], p[1], v]);
    }
    let final_loss = points.last().map(|p| p[2]).unwrap_or(f32::NAN);
    Path { name: name.into(), learning_rate: lr, points, final_loss }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playground::api::Racer;

    #[test]
    fn tensor_surfaces_match_the_formulas_and_adam_descends() {
        for s in surfaces() {
            let (x, y) = (Tensor::scalar(0.3), Tensor::scalar(-0.7));
            let t = (s.t)(&x, &y).unwrap().item().unwrap();
            assert!((t as f64 - (s.f)(0.3, -0.7)).abs() < 1e-4, "{}", s.name);
        }
        let req = RaceRequest {
            surface: "bowl".into(),
            steps: 300,
            racers: vec![Racer { name: "adam".into(), learning_rate: 0.3 }],
            start: None,
        };
        let r = race(&req).unwrap();
        assert_eq!(r.values.len(), GRID * GRID);
        assert!(r.paths[0].final_loss < r.paths[0].points[0][2] / 10.0);
    }

    #[test]
    fn bad_races_are_refused() {
        let req = |surface: &str, steps, lr| RaceRequest {
            surface: surface.into(),
            steps,
            racers: vec![Racer { name: "sgd".into(), learning_rate: lr }],
            start: None,
        };
        assert!(race(&req("moon", 10, 0.1)).is_err());
        assert!(race(&req("bowl", 100_000, 0.1)).is_err());
        assert!(race(&req("bowl", 10, f32::NAN)).is_err());
        // A diverging ball stops; it does not fail the race.
        let r = race(&req("bowl", 100, 5.0)).unwrap();
        assert!(r.paths[0].points.len() < 101);
    }
}
