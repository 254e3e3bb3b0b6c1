//! The optimizer race: balls rolling down 2-D loss surfaces.
//!
//! Each ball is one of the library's own optimizers stepping a 2-element
//! parameter tensor, and each surface's loss is built from tensor ops, so
//! the gradients come from autograd exactly as they do for a network: what
//! the page shows is what the optimizers really do, not a re-implementation
//! in JavaScript. The whole race is computed in one request (it is cheap) and
//! the page animates the paths step by step; the contour grid (f at the nodes
//! of a fine grid, from which the page draws filled contour bands by marching
//! squares) is computed in f64 from the same formula.

use origami::optim::Optimizer;
use origami::spec::OptimizerSpec;
use origami::{Result as OResult, Tensor};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::api::{RaceRequest, Racer};

/// Most balls in one race.
pub const MAX_RACERS: usize = 16;

/// Nodes per side of the contour grid (160 cells; the values, rounded to
/// 5 significant digits, keep a race's JSON under ~300 KB).
pub const GRID: usize = 161;

/// A surface: its formula for the grid, its formula as tensor ops, its box and start.
pub struct Surface {
    pub name: &'static str,
    pub formula: &'static str,
    pub f: fn(f64, f64) -> f64,
    pub t: fn(&Tensor, &Tensor) -> OResult<Tensor>,
    /// `[xmin, xmax, ymin, ymax]`.
    pub bounds: [f64; 4],
    pub start: [f32; 2],
    /// The global minimum, if there is one.
    pub minimum: Option<[f64; 2]>,
    /// A local minimum that is not the global one, if there is one.
    pub local_minimum: Option<[f64; 2]>,
}

/// The tilt of the double well: it makes the left well the deeper one.
const TILT: f64 = 0.3;

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

fn wells_t(x: &Tensor, y: &Tensor) -> OResult<Tensor> {
    x.square().add_scalar(-1.0).square().add(&x.mul_scalar(TILT as f32))?.add(&y.square())
}

/// The five surfaces of the lecture's slides.
pub fn surfaces() -> [Surface; 5] {
    [
        Surface {
            name: "bowl",
            formula: "f(x, y) = 0.05x² + y²  (an elongated bowl: curvatures differ 20×)",
            f: |x, y| 0.05 * x * x + y * y,
            t: bowl_t,
            bounds: [-10.0, 10.0, -4.0, 4.0],
            start: [-9.0, 3.0],
            minimum: Some([0.0, 0.0]),
            local_minimum: None,
        },
        Surface {
            name: "rosenbrock",
            formula: "f(x, y) = (1 − x)² + 100(y − x²)²  (a curved, flat-bottomed valley)",
            f: |x, y| (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2),
            t: rosenbrock_t,
            bounds: [-2.0, 2.0, -1.0, 3.0],
            start: [-1.5, 2.5],
            minimum: Some([1.0, 1.0]),
            local_minimum: None,
        },
        Surface {
            name: "saddle",
            formula: "f(x, y) = x² − y²  (a saddle point at the origin)",
            f: |x, y| x * x - y * y,
            t: saddle_t,
            bounds: [-2.0, 2.0, -2.0, 2.0],
            start: [-1.8, 0.01],
            minimum: None,
            local_minimum: None,
        },
        Surface {
            name: "beale",
            formula: "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            f: |x, y| (1.5 - x + x * y).powi(2) + (2.25 - x + x * y * y).powi(2) + (2.625 - x + x * y.powi(3)).powi(2),
            t: beale_t,
            bounds: [-4.5, 4.5, -4.5, 4.5],
            start: [1.0, 1.5],
            minimum: Some([3.0, 0.5]),
            local_minimum: None,
        },
        Surface {
            name: "wells",
            formula: "f(x, y) = (x² − 1)² + 0.3x + y²  (a tilted double well: a local minimum at (0.96, 0), \
                      the global one at (−1.04, 0) behind a ridge at x ≈ 0.08; from the start plain GD \
                      settles in the local one, momentum rolls over the ridge)",
            f: |x, y| (x * x - 1.0).powi(2) + TILT * x + y * y,
            t: wells_t,
            bounds: [-2.0, 2.0, -1.5, 1.5],
            start: [1.9, 1.2],
            // The roots of f'(x) = 4x³ − 4x + 0.3 beside the ridge's.
            minimum: Some([-1.035_578_7, 0.0]),
            local_minimum: Some([0.960_149_6, 0.0]),
        },
    ]
}

/// Learning rates that make each surface's race interesting, per ball.
const RATES: [(&str, &[(&str, f32)]); 5] = [
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
    // From (1.9, 1.2): sgd, adagrad and rmsprop stop in the local well;
    // momentum and nesterov escape at any η in [0.006, 0.015], adam from η ≈ 0.25.
    (
        "wells",
        &[("sgd", 0.02), ("momentum", 0.01), ("nesterov", 0.01), ("adagrad", 0.3), ("rmsprop", 0.02), ("adam", 0.3)],
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
    pub local_minimum: Option<[f64; 2]>,
    /// Nodes per side of the grid.
    pub grid: usize,
    /// f at the grid's nodes, row by row: row 0 at y = ymax, the last at y = ymin;
    /// column 0 at x = xmin, the last at x = xmax.
    pub values: Vec<f32>,
    pub paths: Vec<Path>,
}

/// Runs the race after checking the request.
pub fn race(req: &RaceRequest) -> Result<Race, String> {
    let surfaces = surfaces();
    let s = surfaces.iter().find(|s| s.name == req.surface).ok_or_else(|| {
        let names: Vec<&str> = surfaces.iter().map(|s| s.name).collect();
        format!("surface must be one of {}, got {:?}", names.join(", "), req.surface)
    })?;
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
    let n = (GRID - 1) as f64;
    let values = (0..GRID)
        .flat_map(|r| {
            (0..GRID).map(move |c| {
                let x = x0 + c as f64 / n * (x1 - x0);
                let y = y1 - r as f64 / n * (y1 - y0);
                round5((s.f)(x, y)) as f32
            })
        })
        .collect();
    let paths = balls.into_iter().map(|(name, lr, opt)| roll(s, name, lr, opt, start, req.steps)).collect();
    Ok(Race {
        surface: s.name,
        formula: s.formula,
        bounds: s.bounds,
        minimum: s.minimum,
        local_minimum: s.local_minimum,
        grid: GRID,
        values,
        paths,
    })
}

/// `v` rounded to 5 significant digits (the grid is only drawn; fewer digits, less JSON).
fn round5(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(4 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
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
    fn on_the_double_well_plain_gd_stays_in_the_local_minimum_and_momentum_escapes() {
        let s = surfaces().into_iter().find(|s| s.name == "wells").unwrap();
        let (global, local) = (s.minimum.unwrap(), s.local_minimum.unwrap());
        // The stated minima are stationary points, and the global one is lower.
        for [x, y] in [global, local] {
            let h = 1e-6;
            assert!(((s.f)(x + h, y) - (s.f)(x - h, y)).abs() / (2.0 * h) < 1e-5);
        }
        assert!((s.f)(global[0], global[1]) < (s.f)(local[0], local[1]) - 0.5);
        let roster = roster();
        let racers: Vec<Racer> = ["sgd", "momentum", "nesterov"]
            .iter()
            .map(|n| {
                let r = roster.iter().find(|r| r.name == *n).unwrap();
                Racer { learning_rate: learning_rate("wells", r), ..r.clone() }
            })
            .collect();
        let r = race(&RaceRequest { surface: "wells".into(), steps: 300, racers, start: None }).unwrap();
        let end = |name: &str| {
            let p = r.paths.iter().find(|p| p.name == name).unwrap();
            assert_eq!(p.points.len(), 301, "{name} stopped early");
            let q = p.points.last().unwrap();
            [q[0] as f64, q[1] as f64]
        };
        let near = |p: [f64; 2], m: [f64; 2]| (p[0] - m[0]).hypot(p[1] - m[1]) < 0.05;
        assert!(near(end("sgd"), local), "sgd ended at {:?}", end("sgd"));
        assert!(near(end("momentum"), global), "momentum ended at {:?}", end("momentum"));
        assert!(near(end("nesterov"), global), "nesterov ended at {:?}", end("nesterov"));
    }

    #[test]
    fn the_grid_spans_the_box_and_a_race_stays_small() {
        let all: Vec<Racer> = roster().iter().take(6).cloned().collect();
        for s in surfaces() {
            let racers = all.iter().map(|r| Racer { learning_rate: learning_rate(s.name, r), ..r.clone() }).collect();
            let r = race(&RaceRequest { surface: s.name.into(), steps: 300, racers, start: None }).unwrap();
            let [x0, x1, y0, y1] = s.bounds;
            // Node (0, 0) is the top-left corner of the box, the last node its bottom-right one.
            let close = |a: f32, b: f64| (a as f64 - b).abs() <= 1e-4 * b.abs().max(1.0);
            assert!(close(r.values[0], (s.f)(x0, y1)), "{}", s.name);
            assert!(close(r.values[GRID * GRID - 1], (s.f)(x1, y0)), "{}", s.name);
            let bytes = serde_json::to_string(&r).unwrap().len();
            assert!(bytes < 300_000, "{}: {bytes} bytes", s.name);
        }
        assert_eq!(round5(123_456.7), 123_460.0);
        assert_eq!(round5(-0.000_123_456_7), -0.000_123_46);
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
