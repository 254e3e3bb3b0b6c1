//! `origami plot RUN_DIR`: the "when to stop?" picture — training and
//! validation loss and metrics by epoch, and the learning rate, with the
//! best epoch (lowest validation loss, else lowest loss) marked — as PNG
//! and SVG, drawn with plotters and the DejaVu Sans font shipped in
//! assets/ (no system fonts needed). A learning rate that spans more than a
//! factor of 10 (exponential decay, 1cycle) is drawn on a log axis, as is
//! the rate axis of `origami lr-find`'s curve.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Once;

use clap::Args;
use origami::train::History;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{CliError, CliResult};

/// Plots a run's history to training.png and training.svg.
#[derive(Args, Debug)]
#[command(after_help = "Example:
  origami plot runs/mnist-cnn        # writes runs/mnist-cnn/training.png and training.svg")]
pub struct PlotArgs {
    /// A run directory of origami train (it holds history.json).
    pub run_dir: PathBuf,
    /// Write the pictures here instead of into the run directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

static FONT: Once = Once::new();

/// Registers the shipped TTF as plotters' "sans-serif".
pub fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../../../assets/DejaVuSans.ttf");
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

pub fn run(args: &PlotArgs) -> CliResult<()> {
    let path = args.run_dir.join(origami::saving::HISTORY_FILE);
    if !path.is_file() {
        return Err(CliError::data(format!(
            "{} not found: is {} a run directory?",
            path.display(),
            args.run_dir.display()
        )));
    }
    let h = History::load_json(&path)?;
    if h.epochs.is_empty() {
        return Err(CliError::data(format!("{}: the history has no epochs to plot.", path.display())));
    }
    let dir = args.out.clone().unwrap_or_else(|| args.run_dir.clone());
    std::fs::create_dir_all(&dir).map_err(|e| CliError::data(format!("{}: {e}.", dir.display())))?;
    let (png, svg) = (dir.join("training.png"), dir.join("training.svg"));
    plot_history(&h, &test_results(&args.run_dir), &png, &svg)?;
    println!("wrote {} and {}", png.display(), svg.display());
    Ok(())
}

/// The test results of a run (`metrics.json`: `test_loss`, `test_accuracy`…)
/// by the name of what they measure (`loss`, `accuracy`); none if absent.
fn test_results(run_dir: &Path) -> Vec<(String, f64)> {
    let Ok(text) = std::fs::read_to_string(run_dir.join("metrics.json")) else { return Vec::new() };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    m.iter().filter_map(|(k, v)| Some((k.strip_prefix("test_")?.to_string(), v.as_f64()?))).collect()
}

/// One panel: a title and series (name, values, colour), on a log y axis
/// if `log`; the test result at the last epoch if there is one; the
/// bounds a metric cannot pass (accuracy in [0, 1], R² ≤ 1).
struct Panel {
    title: String,
    series: Vec<(String, Vec<f64>, RGBColor)>,
    log: bool,
    test: Option<f64>,
    bounds: (Option<f64>, Option<f64>),
    /// A note for the caption (a constant learning rate, drawn as no panel).
    note: Option<String>,
}

/// What values a metric can take: accuracies (and AUCs) lie in [0, 1], R² at most 1.
fn bounds_of(name: &str) -> (Option<f64>, Option<f64>) {
    if name.contains("accuracy") || name.contains("auc") {
        (Some(0.0), Some(1.0))
    } else if name == "r2" {
        (None, Some(1.0))
    } else {
        (None, None)
    }
}

/// Whether values call for a log axis: all positive, spanning more than a
/// factor of 10.
fn spans_decades(values: &[f64]) -> bool {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (lo, hi) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    !finite.is_empty() && lo > 0.0 && hi / lo > 10.0
}

/// How a linear axis over `range` writes its ticks: one notation for the
/// whole axis, with as many decimals as the tick spacing needs (about ten
/// ticks), so that no two ticks read the same.
fn axis_format(range: &Range<f64>) -> impl Fn(f64) -> String {
    let span = (range.end - range.start).abs().max(1e-300);
    let step = span / 10.0;
    let biggest = range.start.abs().max(range.end.abs());
    let scientific = !(1e-3..1e5).contains(&biggest);
    // plotters rounds its tick spacing to 1, 2 or 5 × 10^k, down to about
    // step / 2.5: enough decimals for that spacing
    let decimals = (-((step / 2.5).log10().floor()) as i32).clamp(0, 12) as usize;
    // scientific: enough mantissa digits to tell ticks `step` apart
    let mantissa = ((biggest.log10().floor() - (step / 2.5).log10().floor()) as i32).clamp(1, 8) as usize;
    move |y: f64| {
        if scientific && y != 0.0 {
            format!("{y:.mantissa$e}")
        } else {
            format!("{y:.decimals$}")
        }
    }
}

/// A log-axis tick's label: the decades (and 2× and 5× when the axis spans at
/// most two decades); the other ticks stay unlabelled so labels never crowd.
fn log_label(y: f64, decades: f64) -> String {
    let m = y / 10f64.powf(y.log10().floor());
    let near = |t: f64| (m - t).abs() < 1e-6 * t;
    if near(1.0) || near(10.0) || (decades <= 2.0 && (near(2.0) || near(5.0))) {
        sci(y)
    } else {
        String::new()
    }
}

/// A log-axis label: `1e-3`, `2e-3`, or `1.50e-3` when not a whole mantissa.
fn sci(y: f64) -> String {
    let short = format!("{y:.0e}");
    match short.parse::<f64>() {
        Ok(v) if (v - y).abs() <= 1e-9 * y.abs() => short,
        _ => format!("{y:.2e}"),
    }
}

/// The panels of a history: loss, each metric, the learning rate (a
/// constant rate is a note in the first panel's caption, not a panel).
fn panels(h: &History, tests: &[(String, f64)]) -> Vec<Panel> {
    let cols = h.columns();
    let mut out = Vec::new();
    let base: Vec<&String> = cols.iter().filter(|c| !c.starts_with("val_") && *c != "lr" && *c != "time_s").collect();
    for name in base {
        let mut series = vec![(format!("training {name}"), h.series(name), BLUE)];
        let val = format!("val_{name}");
        if cols.contains(&val) {
            series.push((format!("validation {name}"), h.series(&val), RGBColor(230, 120, 0)));
        }
        let test = tests.iter().find(|(n, _)| n == name).map(|&(_, v)| v).filter(|v| v.is_finite());
        out.push(Panel { title: name.clone(), series, log: false, test, bounds: bounds_of(name), note: None });
    }
    if cols.iter().any(|c| c == "lr") {
        let lr = h.series("lr");
        let finite: Vec<f64> = lr.iter().copied().filter(|v| v.is_finite()).collect();
        let constant = finite.windows(2).all(|w| (w[0] - w[1]).abs() <= 1e-6 * w[0].abs());
        match (constant, finite.first(), out.first_mut()) {
            (true, Some(&v), Some(first)) => {
                first.note = Some(format!("learning rate {} throughout", crate::commands::significant(v, 4)));
            }
            _ => out.push(Panel {
                title: "learning rate".into(),
                log: spans_decades(&lr),
                series: vec![("lr".into(), lr, RGBColor(0, 140, 70))],
                test: None,
                bounds: (Some(0.0), None),
                note: None,
            }),
        }
    }
    out
}

/// The best epoch (0-based): lowest val_loss, else lowest loss.
pub fn best_epoch(h: &History) -> usize {
    let s = if h.columns().iter().any(|c| c == "val_loss") { h.series("val_loss") } else { h.series("loss") };
    s.iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold((0, f64::INFINITY), |b, (i, &v)| if v < b.1 { (i, v) } else { b })
        .0
}

fn plot_err<E: std::fmt::Debug>(e: E) -> CliError {
    CliError::failed(format!("drawing the plot failed: {e:?}"))
}

/// Writes the history's panels to `png` and `svg`, the test results
/// (`("accuracy", 0.97)`) marked at the last epoch.
pub fn plot_history(h: &History, tests: &[(String, f64)], png: &Path, svg: &Path) -> CliResult<()> {
    register_font();
    let panels = panels(h, tests);
    let best = best_epoch(h);
    let height = 300 * panels.len() as u32;
    {
        let root = BitMapBackend::new(png, (900, height)).into_drawing_area();
        draw(&root, &panels, best).map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    {
        let root = SVGBackend::new(svg, (900, height)).into_drawing_area();
        draw(&root, &panels, best).map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    best: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let areas = root.split_evenly((panels.len(), 1));
    for (area, p) in areas.iter().zip(panels) {
        let vals: Vec<f64> =
            p.series.iter().flat_map(|s| s.1.iter().copied()).chain(p.test).filter(|v| v.is_finite()).collect();
        let (mut lo, mut hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if p.log {
            // a fifth of a decade of room at each end
            let y = (lo / 1.6)..(hi * 1.6);
            draw_panel(area, p, best, y.clone().log_scale(), y)?;
        } else {
            let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.05).max(1e-12);
            let (mut y0, mut y1) = (lo - pad, hi + pad);
            if let Some(b) = p.bounds.0 {
                y0 = y0.max(b);
            }
            if let Some(b) = p.bounds.1 {
                y1 = y1.min(b);
            }
            if y1 <= y0 {
                (y0, y1) = (lo - pad, hi + pad);
            }
            let y = y0..y1;
            draw_panel(area, p, best, y.clone(), y)?;
        }
    }
    Ok(())
}

/// One panel on the y axis `y_axis` (linear or log) covering `y`.
fn draw_panel<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    best: usize,
    y_axis: impl AsRangedCoord<CoordDescType = Y, Value = f64>,
    y: Range<f64>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let n = p.series.iter().map(|s| s.1.len()).max().unwrap_or(1);
    let scale = if p.log { ", log scale" } else { "" };
    let note = p.note.as_ref().map_or(String::new(), |n| format!("; {n}"));
    let linear = axis_format(&y);
    let decades = (y.end / y.start).log10();
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} by epoch (best epoch {}{note}){scale}", p.title, best + 1), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(1f64..(n.max(2) as f64), y_axis)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_labels(n.clamp(2, 12))
        .x_label_formatter(&|x| format!("{}", x.round()))
        .y_label_formatter(&|y| if p.log { log_label(*y, decades) } else { linear(*y) })
        .label_style(("sans-serif", 13))
        .draw()?;
    for (name, s, color) in &p.series {
        let pts: Vec<(f64, f64)> = s
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite() && (!p.log || **v > 0.0))
            .map(|(i, &v)| ((i + 1) as f64, v))
            .collect();
        let c = *color;
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled())))?;
    }
    if let Some(t) = p.test {
        let at = n as f64;
        let label = format!("test {} {}", p.title, crate::commands::significant(t, 4));
        chart
            .draw_series(std::iter::once(TriangleMarker::new((at, t), 9, BLACK.filled())))?
            .label(label)
            .legend(|(x, y)| TriangleMarker::new((x + 10, y), 6, BLACK.filled()));
    }
    let bx = (best + 1) as f64;
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(bx, y.start), (bx, y.end)], RED.stroke_width(1))))?
        .label(format!("best epoch {}", best + 1))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(1)));
    draw_legend(&mut chart)?;
    Ok(())
}

/// A loss-vs-rate curve on a log-rate axis (ticks at the decades) with the
/// suggested rate marked.
pub fn plot_lr_curve(lrs: &[f32], losses: &[f32], suggested: f32, png: &Path, svg: &Path) -> CliResult<()> {
    register_font();
    let pts: Vec<(f64, f64)> = lrs
        .iter()
        .zip(losses)
        .filter(|(l, v)| l.is_finite() && **l > 0.0 && v.is_finite())
        .map(|(&l, &v)| (l as f64, v as f64))
        .collect();
    if pts.len() < 2 {
        return Err(CliError::failed("the learning-rate sweep recorded too few steps to plot."));
    }
    {
        let root = BitMapBackend::new(png, (900, 500)).into_drawing_area();
        lr_chart(&root, &pts, suggested).map_err(plot_err)?;
    }
    let root = SVGBackend::new(svg, (900, 500)).into_drawing_area();
    lr_chart(&root, &pts, suggested).map_err(plot_err)?;
    Ok(())
}

fn lr_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: &[(f64, f64)],
    suggested: f32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (x0, x1) = pts.iter().fold((f64::INFINITY, 0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("loss vs learning rate (suggested {suggested:.2e})"), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1.max(x0 * 1.01)).log_scale(), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("learning rate (log scale)")
        .x_label_formatter(&|x| sci(*x))
        .y_desc("smoothed loss")
        .label_style(("sans-serif", 13))
        .draw()?;
    chart.draw_series(LineSeries::new(pts.to_vec(), BLUE.stroke_width(2)))?;
    let sx = suggested as f64;
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(sx, lo - pad), (sx, hi + pad)], RED.stroke_width(2))))?
        .label(format!("suggested {suggested:.2e}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
    draw_legend(&mut chart)?;
    root.present()
}

/// The legend box both kinds of chart draw, in the same style.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use origami::train::EpochLog;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("origami-plot-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// The text of the SVG's tick labels.
    fn labels(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once('<')?.0.trim().to_string()))
            .collect()
    }

    fn history(lrs: &[f64]) -> History {
        let mut h = History::default();
        for (e, &lr) in lrs.iter().enumerate() {
            h.epochs
                .push(EpochLog { epoch: e, values: vec![("loss".into(), 1.0 / (e + 1) as f64), ("lr".into(), lr)] });
        }
        h
    }

    #[test]
    fn a_learning_rate_spanning_decades_gets_a_log_axis() {
        let d = temp("lr-axis");
        let (png, svg) = (d.join("t.png"), d.join("t.svg"));
        // exponential decay 1e-1 → 1e-4: labels at the decades
        let decay: Vec<f64> = (0..10).map(|e| 0.1 * 10f64.powf(-(e as f64) / 3.0)).collect();
        plot_history(&history(&decay), &[], &png, &svg).unwrap();
        let l = labels(&std::fs::read_to_string(&svg).unwrap());
        for decade in ["1e-4", "1e-3", "1e-2", "1e-1"] {
            assert!(l.iter().any(|t| t == decade), "no {decade} tick in {l:?}");
        }
        assert!(l.iter().any(|t| t.contains("learning rate") && t.contains("log scale")), "{l:?}");
        // a constant rate (or one within a factor of 10) stays linear
        assert!(!spans_decades(&[0.01, 0.01, 0.002]) && spans_decades(&decay));
        assert!(!spans_decades(&[0.0, 0.1, 1.0]), "zero cannot go on a log axis");
        assert_eq!((sci(0.002), sci(1.5e-3), sci(10.0)), ("2e-3".into(), "1.50e-3".into(), "1e1".into()));
        plot_history(&history(&[0.01; 5]), &[], &png, &svg).unwrap();
        let l = labels(&std::fs::read_to_string(&svg).unwrap());
        assert!(!l.iter().any(|t| t.contains("log scale")), "{l:?}");
        // a constant rate is a note, not a panel of repeated ticks
        assert!(l.iter().any(|t| t.contains("learning rate 0.01 throughout")), "{l:?}");
        assert!(!l.iter().any(|t| t.contains("learning rate by epoch")), "{l:?}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn ticks_never_repeat_accuracy_stops_at_one_and_the_test_result_is_marked() {
        let d = temp("ticks");
        let (png, svg) = (d.join("t.png"), d.join("t.svg"));
        let mut h = History::default();
        for e in 0..8 {
            let acc = 0.9 + 0.0125 * e as f64;
            h.epochs.push(EpochLog {
                epoch: e,
                values: vec![("loss".into(), 0.3 / (e + 1) as f64), ("accuracy".into(), acc), ("lr".into(), 0.01)],
            });
        }
        plot_history(&h, &[("accuracy".into(), 0.97), ("loss".into(), 0.05)], &png, &svg).unwrap();
        let l = labels(&std::fs::read_to_string(&svg).unwrap());
        assert!(l.iter().any(|t| t == "test accuracy 0.97"), "{l:?}");
        assert!(l.iter().any(|t| t == "test loss 0.05"), "{l:?}");
        let numbers: Vec<f64> = l.iter().filter_map(|t| t.parse::<f64>().ok()).collect();
        assert!(numbers.iter().all(|&v| v <= 1.0 + 1e-9 || v >= 2.0), "an accuracy tick above 1: {l:?}");
        // within one axis no label repeats
        for (a, b) in l.iter().zip(l.iter().skip(1)) {
            if a.parse::<f64>().is_ok() {
                assert_ne!(a, b, "{l:?}");
            }
        }
        assert_eq!(axis_format(&(0.0..0.05))(0.01), "0.010");
        assert_eq!(axis_format(&(0.9..1.0))(0.95), "0.950");
        assert_eq!(axis_format(&(0.0..2e5))(1.5e5), "1.50e5");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn the_lr_finder_curve_has_a_log_rate_axis() {
        let d = temp("lr-find");
        let (png, svg) = (d.join("t.png"), d.join("t.svg"));
        let lrs: Vec<f32> = (0..100).map(|i| 1e-6 * 10f32.powf(i as f32 / 20.0)).collect();
        let losses: Vec<f32> = (0..100).map(|i| 2.0 - (i as f32 / 60.0).min(1.0)).collect();
        plot_lr_curve(&lrs, &losses, 1e-3, &png, &svg).unwrap();
        let l = labels(&std::fs::read_to_string(&svg).unwrap());
        for decade in ["1e-5", "1e-4", "1e-3", "1e-2"] {
            assert!(l.iter().any(|t| t == decade), "no {decade} tick in {l:?}");
        }
        std::fs::remove_dir_all(&d).ok();
    }
}
