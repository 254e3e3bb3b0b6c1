//! TensorFlow Playground's 2-D datasets, seeded.
//!
//! Small, fast, visual problems on which a network's behaviour can be seen
//! and compared with the Playground (playground.tensorflow.org) itself. The
//! generators follow the Playground's `dataset.ts` step for step: the same
//! shapes, radii, paddings, and the same use of `noise` (the Playground's
//! slider 0–50 divided by 100, so 0.0–0.5). Where `noise` acts differs by
//! set, as there: circle, XOR and the regressions perturb the point only to
//! compute its label (so labels near a boundary flip, points stay put); the
//! spiral moves the points; the Gaussian widens the blobs.
//!
//! Differences from the Playground, on purpose:
//! - Classes are indices 0 and 1 (f32 `[n]`), not the Playground's −1/+1:
//!   Playground +1 is class 1, −1 is class 0. Regression targets stay in
//!   [−1, 1], as `[n, 1]`.
//! - Exactly `n` points come out (the Playground makes `2·ceil(n/2)`); with
//!   an odd `n` the first class gets the extra point.
//! - The random stream is the caller's seeded [`Rng`], not `Math.random`, so
//!   the points are the same on every run and machine but not the
//!   Playground's own points. Points are shuffled, as the Playground does.
//! - [`blobs`] and [`spirals`] extend the two-class sets to k classes.

use std::f64::consts::{FRAC_PI_4, PI, TAU};

use super::Dataset;
use crate::{Error, Result, Rng, Tensor};

/// Points in the W3-tiny benchmark workload.
pub const W3_TINY_POINTS: usize = 500;

/// Checks the arguments every generator takes: `n` points of 3 floats (two
/// coordinates and a target) within [`crate::limits`], before any is made,
/// and a finite noise ≥ 0.
fn check_args(op: &'static str, n: usize, noise: f32) -> Result<f64> {
    crate::limits::check_elements(op, &format!("a data set of {n} points"), n.saturating_mul(3))?;
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(Error::arg(
            op,
            format!("noise {noise} must be a finite number ≥ 0 (the Playground uses 0 to 0.5)"),
        ));
    }
    Ok(noise as f64)
}

/// Uniform in [a, b), in f64 so that labels computed from a point agree
/// with the radius it was drawn at.
fn uniform(rng: &mut Rng, a: f64, b: f64) -> f64 {
    a + (b - a) * rng.uniform() as f64
}

/// Shuffles the points (with their targets) and builds the dataset; `y` has
/// `k` values per point (`k == 0`: class indices, `[n]`).
fn finish(points: Vec<[f64; 2]>, targets: Vec<f32>, regression: bool, rng: &mut Rng) -> Result<Dataset> {
    let n = points.len();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let x = order.iter().flat_map(|&i| points[i].map(|v| v as f32)).collect();
    let y = order.iter().map(|&i| targets[i]).collect();
    let y_shape: &[usize] = if regression { &[n, 1] } else { &[n] };
    Dataset::new(Tensor::from_vec(x, &[n, 2])?, Tensor::from_vec(y, y_shape)?)
}

fn class(positive: bool) -> f32 {
    if positive {
        1.0
    } else {
        0.0
    }
}

/// A disc of class 1 (radius < 2.5) inside a ring of class 0 (radius 3.5 to
/// 5), angles uniform: the Playground's "circle". Half the points in each.
pub fn circle(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::circle", n, noise)?;
    let radius = 5.0;
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let (lo, hi) = if i < n.div_ceil(2) { (0.0, radius * 0.5) } else { (radius * 0.7, radius) };
        let r = uniform(rng, lo, hi);
        let angle = uniform(rng, 0.0, TAU);
        let (x, y) = (r * angle.sin(), r * angle.cos());
        let nx = uniform(rng, -radius, radius) * noise;
        let ny = uniform(rng, -radius, radius) * noise;
        points.push([x, y]);
        labels.push(class((x + nx).hypot(y + ny) < radius * 0.5));
    }
    finish(points, labels, false, rng)
}

/// The W3-tiny benchmark set: 500 points of [`circle`] without noise
/// (radius < 2.5 class 1, ring 3.5..5 class 0, uniform angle).
pub fn w3_tiny(rng: &mut Rng) -> Result<Dataset> {
    circle(W3_TINY_POINTS, 0.0, rng)
}

/// Class 1 where x·y ≥ 0 (first and third quadrants), else 0; points in
/// [−5.3, 5.3]² kept 0.3 away from the axes: the Playground's "exclusive or".
pub fn xor(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::xor", n, noise)?;
    let pad = |v: f64| if v > 0.0 { v + 0.3 } else { v - 0.3 };
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let x = pad(uniform(rng, -5.0, 5.0));
        let y = pad(uniform(rng, -5.0, 5.0));
        let nx = uniform(rng, -5.0, 5.0) * noise;
        let ny = uniform(rng, -5.0, 5.0) * noise;
        points.push([x, y]);
        labels.push(class((x + nx) * (y + ny) >= 0.0));
    }
    finish(points, labels, false, rng)
}

/// Two Gaussian blobs, class 1 around (2, 2) and class 0 around (−2, −2),
/// variance 0.5 + 7·noise: the Playground's "Gaussian".
pub fn gaussian(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::gaussian", n, noise)?;
    // Centres at angles 5π/4 and π/4 on a circle through (2, 2).
    gaussian_blobs(n, 2, noise, 8f64.sqrt(), rng)
}

/// `k` Gaussian blobs (class `c` centred at angle 5π/4 + 2πc/k, far enough
/// apart that neighbours are 4 apart), variance 0.5 + 7·noise as in
/// [`gaussian`], which this equals for `k = 2`. Meant for 3 to 5 classes.
pub fn blobs(n: usize, k: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::blobs", n, noise)?;
    check_classes("synthetic::blobs", n, k)?;
    let r = 8f64.sqrt().max(2.0 / (PI / k as f64).sin());
    gaussian_blobs(n, k, noise, r, rng)
}

fn gaussian_blobs(n: usize, k: usize, noise: f64, r: f64, rng: &mut Rng) -> Result<Dataset> {
    let std = (0.5 + 7.0 * noise).sqrt();
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for c in 0..k {
        let angle = PI + FRAC_PI_4 + TAU * c as f64 / k as f64;
        let (cx, cy) = (r * angle.cos(), r * angle.sin());
        for _ in 0..share(n, k, c) {
            points.push([cx + std * rng.normal() as f64, cy + std * rng.normal() as f64]);
            labels.push(c as f32);
        }
    }
    finish(points, labels, false, rng)
}

/// Two interleaved spiral arms of 1.75 turns out to radius 5, class 1
/// starting at angle 0 and class 0 at π; noise moves each coordinate by up
/// to ±noise: the Playground's "spiral".
pub fn spiral(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::spiral", n, noise)?;
    spiral_arms(n, 2, noise, rng)
}

/// `k` spiral arms, class `c` starting at angle π + 2πc/k; equal to
/// [`spiral`] for `k = 2`. Meant for 3 to 5 classes.
pub fn spirals(n: usize, k: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::spirals", n, noise)?;
    check_classes("synthetic::spirals", n, k)?;
    spiral_arms(n, k, noise, rng)
}

fn spiral_arms(n: usize, k: usize, noise: f64, rng: &mut Rng) -> Result<Dataset> {
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    // The class order puts class 1 (angle 0) first for k = 2, as the
    // Playground generates its positive arm first.
    for c in (0..k).rev() {
        let m = share(n, k, k - 1 - c);
        let delta = PI + TAU * c as f64 / k as f64;
        for i in 0..m {
            let f = i as f64 / m as f64;
            let (r, t) = (f * 5.0, 1.75 * f * TAU + delta);
            let x = r * t.sin() + uniform(rng, -1.0, 1.0) * noise;
            let y = r * t.cos() + uniform(rng, -1.0, 1.0) * noise;
            points.push([x, y]);
            labels.push(c as f32);
        }
    }
    finish(points, labels, false, rng)
}

/// Regression: the target is (x + y) / 10, from −1.2 to 1.2, over
/// [−6, 6]² (computed at the noisy point): the Playground's "plane".
pub fn regress_plane(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::regress_plane", n, noise)?;
    regression(n, noise, rng, |x, y| (x + y) / 10.0)
}

/// Regression: six Gaussian bumps of alternating sign (±1 at their centres
/// (±4 or 0, ±2.5), falling linearly to 0 at distance 2; the strongest bump
/// wins) over [−6, 6]²: the Playground's "multi-Gaussian".
pub fn regress_gaussian(n: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    let noise = check_args("synthetic::regress_gaussian", n, noise)?;
    const BUMPS: [(f64, f64, f64); 6] =
        [(-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0), (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0)];
    regression(n, noise, rng, |x, y| {
        let mut label: f64 = 0.0;
        for (cx, cy, sign) in BUMPS {
            let v = sign * (1.0 - (x - cx).hypot(y - cy) / 2.0).clamp(0.0, 1.0);
            if v.abs() > label.abs() {
                label = v;
            }
        }
        label
    })
}

fn regression(n: usize, noise: f64, rng: &mut Rng, target: impl Fn(f64, f64) -> f64) -> Result<Dataset> {
    let radius = 6.0;
    let mut points = Vec::with_capacity(n);
    let mut targets = Vec::with_capacity(n);
    for _ in 0..n {
        let x = uniform(rng, -radius, radius);
        let y = uniform(rng, -radius, radius);
        let nx = uniform(rng, -radius, radius) * noise;
        let ny = uniform(rng, -radius, radius) * noise;
        points.push([x, y]);
        targets.push(target(x + nx, y + ny) as f32);
    }
    finish(points, targets, true, rng)
}

/// At least 2 classes, and no more than points (a class loop of 10¹² with
/// no point to make would spin rather than fail).
fn check_classes(op: &'static str, n: usize, k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::arg(op, format!("{k} classes: at least 2 are needed")));
    }
    if k > n.max(2) {
        return Err(Error::arg(op, format!("{k} classes for {n} points: at most one class per point")));
    }
    Ok(())
}

/// How many of `n` points class `c` of `k` gets: `n / k`, one more for the
/// first `n % k` classes.
fn share(n: usize, k: usize, c: usize) -> usize {
    n / k + usize::from(c < n % k)
}

/// Every set's name, as configs and the playground spell it: the
/// classification sets, then the regressions ([`is_regression`]).
pub const NAMES: [&str; 8] =
    ["circle", "xor", "gaussian", "spiral", "blobs", "spirals", "regress_plane", "regress_gaussian"];

/// One synthetic set as a list shows it: its name, a title, one line of
/// doc, whether it takes a number of classes and whether it is a regression.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct SetInfo {
    /// The name configs use (`"gaussian"`).
    pub name: &'static str,
    /// A short title (`"Gaussian"`).
    pub title: &'static str,
    /// What the points look like.
    pub doc: &'static str,
    /// Whether `classes` is read (`blobs`, `spirals`).
    pub takes_classes: bool,
    /// Whether the targets are numbers.
    pub regression: bool,
}

const fn set(name: &'static str, title: &'static str, doc: &'static str, takes_classes: bool) -> SetInfo {
    SetInfo { name, title, doc, takes_classes, regression: false }
}

const fn regression_set(name: &'static str, title: &'static str, doc: &'static str) -> SetInfo {
    SetInfo { name, title, doc, takes_classes: false, regression: true }
}

/// Every set of [`NAMES`], in order, with its title and doc.
pub const SETS: [SetInfo; 8] = [
    set("circle", "Circle", "A disc of class 1 inside a ring of class 0.", false),
    set("xor", "Exclusive or", "Class 1 in the first and third quadrants.", false),
    set("gaussian", "Gaussian", "Two Gaussian blobs; noise widens them until they overlap.", false),
    set("spiral", "Spiral", "Two interleaved spiral arms.", false),
    set("blobs", "Blobs (k classes)", "k Gaussian blobs around a circle.", true),
    set("spirals", "Spirals (k classes)", "k interleaved spiral arms.", true),
    regression_set("regress_plane", "Plane", "Regression: the target is (x + y) / 10."),
    regression_set("regress_gaussian", "Multi-Gaussian", "Regression: six bumps of alternating sign."),
];

/// Whether the set called `name` is a regression (its targets are numbers).
pub fn is_regression(name: &str) -> bool {
    name.starts_with("regress_")
}

/// The set called `name` (one of [`NAMES`]) with `n` points; `classes` is
/// read by `blobs` and `spirals` only.
pub fn by_name(name: &str, n: usize, classes: usize, noise: f32, rng: &mut Rng) -> Result<Dataset> {
    match name {
        "circle" => circle(n, noise, rng),
        "xor" => xor(n, noise, rng),
        "gaussian" => gaussian(n, noise, rng),
        "spiral" => spiral(n, noise, rng),
        "blobs" => blobs(n, classes, noise, rng),
        "spirals" => spirals(n, classes, noise, rng),
        "regress_plane" => regress_plane(n, noise, rng),
        "regress_gaussian" => regress_gaussian(n, noise, rng),
        _ => Err(Error::arg(
            "synthetic::by_name",
            format!("unknown synthetic set {name:?}; expected one of {}", NAMES.join(", ")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_name_in_order() {
        for (info, name) in SETS.iter().zip(NAMES) {
            assert_eq!(info.name, name);
            assert_eq!(info.regression, is_regression(name), "{name}");
            assert_eq!(info.takes_classes, matches!(name, "blobs" | "spirals"), "{name}");
        }
    }

    fn rows(d: &Dataset) -> Vec<([f32; 2], f32)> {
        let (x, y) = (d.x().to_vec(), d.y().to_vec());
        x.chunks(2).zip(y).map(|(p, l)| ([p[0], p[1]], l)).collect()
    }

    fn counts(d: &Dataset, k: usize) -> Vec<usize> {
        let mut c = vec![0; k];
        d.labels().unwrap().iter().for_each(|&l| c[l] += 1);
        c
    }

    #[test]
    fn w3_tiny_matches_the_workload() {
        let d = w3_tiny(&mut Rng::seed(0)).unwrap();
        assert_eq!((d.x().shape(), d.y().shape()), (&[500, 2][..], &[500][..]));
        assert_eq!(counts(&d, 2), vec![250, 250]);
        for ([x, y], l) in rows(&d) {
            let r = x.hypot(y);
            if l == 1.0 {
                assert!(r < 2.5, "{r}");
            } else {
                assert!((3.5 - 1e-5..=5.0 + 1e-5).contains(&r), "{r}");
            }
        }
        let labels = d.labels().unwrap();
        assert!(labels[..250].contains(&0), "shuffled");
    }

    #[test]
    fn same_seed_same_data() {
        type Gen = fn(usize, f32, &mut Rng) -> Result<Dataset>;
        let gens: [Gen; 6] = [circle, xor, gaussian, spiral, regress_plane, regress_gaussian];
        for g in gens {
            let a = g(101, 0.2, &mut Rng::seed(4)).unwrap();
            let b = g(101, 0.2, &mut Rng::seed(4)).unwrap();
            let c = g(101, 0.2, &mut Rng::seed(5)).unwrap();
            assert_eq!(a.len(), 101);
            assert_eq!(a.x().to_vec(), b.x().to_vec());
            assert_eq!(a.y().to_vec(), b.y().to_vec());
            assert_ne!(a.x().to_vec(), c.x().to_vec());
            assert!(g(10, -0.1, &mut Rng::seed(0)).is_err());
            assert!(g(10, f32::NAN, &mut Rng::seed(0)).is_err());
        }
        let a = blobs(60, 4, 0.1, &mut Rng::seed(1)).unwrap();
        // sizes are checked before anything is made
        assert!(circle(100_000_000_000, 0.0, &mut Rng::seed(0)).unwrap_err().to_string().contains("limit"));
        assert!(blobs(10, 1_000_000_000_000, 0.0, &mut Rng::seed(0)).is_err());
        assert_eq!(a.x().to_vec(), blobs(60, 4, 0.1, &mut Rng::seed(1)).unwrap().x().to_vec());
    }

    #[test]
    fn labels_follow_the_playground_rules() {
        // Without noise every label is exact.
        for ([x, y], l) in rows(&xor(400, 0.0, &mut Rng::seed(1)).unwrap()) {
            assert_eq!(l, class(x * y >= 0.0));
            assert!(x.abs() >= 0.3 && y.abs() >= 0.3 && x.abs() <= 5.3);
        }
        let g = gaussian(400, 0.0, &mut Rng::seed(2)).unwrap();
        assert_eq!(counts(&g, 2), vec![200, 200]);
        for ([x, y], l) in rows(&g) {
            // Blobs of std 0.71 at (±2, ±2): nearly all on their side.
            let side = x + y > 0.0;
            if side != (l == 1.0) {
                assert!((x + y).abs() < 2.0, "{x} {y} {l}");
            }
        }
        for ([x, y], t) in rows(&regress_plane(200, 0.0, &mut Rng::seed(3)).unwrap()) {
            assert!((t - (x + y) / 10.0).abs() < 1e-5);
        }
        let rg = regress_gaussian(500, 0.0, &mut Rng::seed(3)).unwrap();
        assert_eq!(rg.y().shape(), &[500, 1]);
        assert!(rows(&rg).iter().all(|(_, t)| (-1.0..=1.0).contains(t)));
        // A point on a bump's centre takes the bump's sign.
        for ([x, y], t) in rows(&rg) {
            if (x - 4.0).hypot(y - 2.5) < 0.5 {
                assert!(t > 0.7, "{x} {y} {t}");
            }
        }
        // Noisy circle: some labels flip, points stay in their bands.
        let c = circle(1000, 0.5, &mut Rng::seed(4)).unwrap();
        assert!(rows(&c).iter().all(|([x, y], _)| x.hypot(*y) <= 5.0 + 1e-5));
        let flipped = rows(&c).iter().filter(|([x, y], l)| (x.hypot(*y) < 2.5) != (*l == 1.0)).count();
        assert!(flipped > 50, "{flipped}");
    }

    #[test]
    fn spirals_and_multiclass() {
        let s = spiral(201, 0.0, &mut Rng::seed(6)).unwrap();
        assert_eq!(counts(&s, 2), vec![100, 101], "class 1 (the first arm) gets the odd point");
        for ([x, y], _) in rows(&s) {
            assert!(x.hypot(y) < 5.0);
        }
        // Noiseless arms: class 1 passes through angle 0 (x = 0, y > 0) near the
        // centre, class 0 through angle π (y < 0).
        let near: Vec<_> = rows(&s).into_iter().filter(|([x, y], _)| (0.01..0.2).contains(&x.hypot(*y))).collect();
        assert!(near.iter().all(|([_, y], l)| (*y >= 0.0) == (*l == 1.0)), "{near:?}");
        for k in 3..=5 {
            let b = blobs(300, k, 0.0, &mut Rng::seed(k as u64)).unwrap();
            let c = counts(&b, k);
            assert!(c.iter().all(|&m| m == 300 / k || m == 300 / k + 1), "{c:?}");
            assert_eq!(b.num_classes().unwrap(), k);
            let sp = spirals(301, k, 0.1, &mut Rng::seed(1)).unwrap();
            assert_eq!(sp.num_classes().unwrap(), k);
            assert_eq!(sp.len(), 301);
        }
        assert!(blobs(10, 1, 0.0, &mut Rng::seed(0)).is_err());
        assert!(spirals(10, 0, 0.0, &mut Rng::seed(0)).is_err());
    }

    #[test]
    fn every_name_builds_its_set() {
        for name in NAMES {
            let d = by_name(name, 40, 3, 0.1, &mut Rng::seed(1)).unwrap();
            assert_eq!(d.len(), 40, "{name}");
            assert_eq!(d.y().shape().len() == 2, is_regression(name), "{name}");
        }
        assert!(by_name("moon", 40, 3, 0.0, &mut Rng::seed(1)).unwrap_err().to_string().contains("circle"));
    }
}
