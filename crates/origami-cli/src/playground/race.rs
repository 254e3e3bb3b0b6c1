//! The optimizer race: balls rolling down 2-D loss surfaces.
//!
//! Each ball is one of the library's own optimizers stepping a 2-element
//! parameter tensor, and each surface's loss is built from tensor ops, so
//! the gradients come from autograd exactly as they do for a network: what
//! the page shows is what the optimizers really do, not a re-implementation
//! in JavaScript. The whole race is computed in one request (it is cheap) and
//! the page animates the paths; the contour grid is computed in f64 from the
//! same formula.

use origami::optim::Optimizer;
use origami::spec::OptimizerSpec;
use origami::{Result as OResult, Tensor};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::api::{RaceRequest, Racer};

/// Most balls in one race.
pub const MAX_RACERS: usize = 16;

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

/// Learning rates that make each surface's race interesting, per ball.
const RATES: [(&str, &[(&str, f32)]); 4] = [
    (
        "bowl",
        &[("sgd", 0.9), ("momentum", 0.08), ("nesterov", 0.08), ("adagrad", 1.5), ("rmsprop", 0.1), ("adam", 0.3)],
    ),
    (
        "rosenbrock",
        &[
            ("sgd", 0.001),
            ("momentum", 0.0005),
            ("nesterov", 0.0005),
            ("adagrad", 0.2),
            ("rmsprop", 0.01),
            ("adam", 0.05),
        ],
    ),
    (
        "saddle",
        &[("sgd", 0.05), ("momentum", 0.02), ("nesterov", 0.02), ("adagrad", 0.3), ("rmsprop", 0.02), ("adam", 0.05)],
    ),
    (
        "beale",
        &[
            ("sgd", 0.001),
            ("momentum", 0.0005),
            ("nesterov", 0.0005),
            ("adagrad", 0.3),
            ("rmsprop", 0.01),
            ("adam", 0.05),
        ],
    ),
];

/// The balls a race starts with (the page can add the others).
const ON_AT_FIRST: [&str; 6] = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

/// The balls on the start line, with their options (no learning rate).
pub fn roster() -> Vec<Racer> {
    let sgd = |name: &str, options: Value| Racer {
        name: name.into(),
        optimizer: Some("sgd".into()),
        learning_rate: 0.01,
        options: options.as_object().cloned().unwrap_or_default(),
    };
    let mut balls = vec![
        sgd("sgd", json!({})),
        sgd("momentum", json!({"momentum": 0.9})),
        sgd("nesterov", json!({"momentum": 0.9, "nesterov": true})),
    ];
    for name in OptimizerSpec::NAMES.iter().filter(|n| **n != "sgd") {
        balls.push(Racer { name: (*name).into(), optimizer: None, learning_rate: 0.01, options: Map::new() });
    }
    balls
}

/// Ball `racer`'s learning rate on `surface`: the tuned one, else its
/// optimizer's default scaled as Adam's is (Adam's tuned rate over its default).
pub fn learning_rate(surface: &str, racer: &Racer) -> f32 {
    let rates = RATES.iter().find(|(s, _)| *s == surface).map_or(&[][..], |(_, r)| *r);
    let tuned = |name: &str| rates.iter().find(|(n, _)| *n == name).map(|&(_, lr)| lr);
    if let Some(lr) = tuned(&racer.name) {
        return lr;
    }
    let default = |name: &str| OptimizerSpec::named(name).map_or(0.001, |s| s.learning_rate());
    let kind = racer.optimizer.as_deref().unwrap_or(&racer.name);
    default(kind) * tuned("adam").unwrap_or(0.05) / default("adam")
}

/// What the page needs to set up a race: the surfaces and the roster with
/// each ball's learning rate per surface.
pub fn catalog() -> Value {
    let surfaces: Vec<Value> = surfaces()
        .iter()
        .map(|s| {
            let rates: Map<String, Value> =
                roster().iter().map(|r| (r.name.clone(), Value::from(learning_rate(s.name, r)))).collect();
            json!({"name": s.name, "formula": s.formula, "bounds": s.bounds, "start": s.start, "learning_rates": rates})
        })
        .collect();
    let racers: Vec<Value> = roster()
        .iter()
        .map(|r| {
            let optimizer = r.optimizer.as_deref().unwrap_or(&r.name);
            json!({"name": r.name, "optimizer": optimizer, "options": r.options, "on": ON_AT_FIRST.contains(&&*r.name)})
        })
        .collect();
    json!({"surfaces": surfaces, "racers": racers})
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
    if req.racers.is_empty() || req.racers.len() > MAX_RACERS {
        return Err(format!("racers must list 1 to {MAX_RACERS} optimizers"));
    }
    let mut balls = Vec::with_capacity(req.racers.len());
    for r in &req.racers {
        if !(r.learning_rate.is_finite() && r.learning_rate > 0.0 && r.learning_rate <= 10.0) {
            return Err(format!("learning rate of {} must lie in (0, 10]", origami::quote(&r.name)));
        }
        balls.push((r.name.clone(), r.learning_rate, r.spec()?.build()));
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
    let paths = balls.into_iter().map(|(name, lr, opt)| roll(s, name, lr, opt, start, req.steps)).collect();
    Ok(Race { surface: s.name, formula: s.formula, bounds: s.bounds, minimum: s.minimum, grid: GRID, values, paths })
}

fn roll(s: &Surface, name: String, lr: f32, mut opt: Box<dyn Optimizer>, start: [f32; 2], steps: usize) -> Path {
    let f = |p: &[f32]| (s.f)(p[0] as f64, p[1] as f64) as f32;
    let mut points = vec![[start[0], start[1], f(&start)]];
    let Ok(theta) = Tensor::from_vec(start.to_vec(), &[2]) else {
        return Path { name, learning_rate: lr, points, final_loss: f(&start) };
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
    Path { name, learning_rate: lr, points, final_loss }
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
            racers: vec![Racer { name: "adam".into(), optimizer: None, learning_rate: 0.3, options: Map::new() }],
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
            racers: vec![Racer { name: "sgd".into(), optimizer: None, learning_rate: lr, options: Map::new() }],
            start: None,
        };
        assert!(race(&req("moon", 10, 0.1)).is_err());
        assert!(race(&req("bowl", 100_000, 0.1)).is_err());
        assert!(race(&req("bowl", 10, f32::NAN)).is_err());
        // A diverging ball stops; it does not fail the race.
        let r = race(&req("bowl", 100, 5.0)).unwrap();
        assert!(r.paths[0].points.len() < 101);
        let mut bad = req("bowl", 10, 0.1);
        bad.racers[0].options.insert("beta_1".into(), 0.9.into());
        assert!(race(&bad).err().unwrap().contains("sgd has no option beta_1"));
    }

    #[test]
    fn every_optimizer_of_the_library_races_and_descends_the_bowl() {
        let roster = roster();
        for name in OptimizerSpec::NAMES {
            assert!(roster.iter().any(|r| r.optimizer.as_deref().unwrap_or(&r.name) == *name), "{name}");
        }
        let racers: Vec<Racer> =
            roster.iter().map(|r| Racer { learning_rate: learning_rate("bowl", r), ..r.clone() }).collect();
        let r = race(&RaceRequest { surface: "bowl".into(), steps: 500, racers, start: None }).unwrap();
        for p in &r.paths {
            assert!(
                p.final_loss < p.points[0][2] / 2.0,
                "{} ended at {} from {}",
                p.name,
                p.final_loss,
                p.points[0][2]
            );
        }
        let c = catalog();
        assert_eq!(c["racers"].as_array().unwrap().len(), roster.len());
        assert!(c["surfaces"][0]["learning_rates"]["lion"].as_f64().is_some());
    }
}
