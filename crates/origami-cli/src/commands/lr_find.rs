//! `origami lr-find CONFIG`: the learning-rate finder on a config's model
//! and data — a sweep of exponentially growing rates, the loss curve as
//! PNG/SVG, and the suggested rates (η₁ for 1cycle or a constant rate, and
//! η₀ = η₁/10).

use std::path::PathBuf;

use clap::Args;
use origami::optim::{lr_find, LrFinderConfig};
use origami::Rng;

use super::{build_net, compile, json_number, model_file, OutputArgs};
use crate::error::{CliError, CliResult};

/// Sweep the learning rate and suggest one.
#[derive(Args, Debug)]
#[command(after_help = "Example:
  origami lr-find my_config.toml --steps 200    # writes lr-find.png/svg, prints the suggestion")]
pub struct LrFindArgs {
    /// The TOML config.
    pub config: PathBuf,
    /// Number of steps of the sweep.
    #[arg(long, default_value_t = 300)]
    pub steps: usize,
    /// First rate.
    #[arg(long, default_value_t = 1e-7)]
    pub start_lr: f32,
    /// Last rate.
    #[arg(long, default_value_t = 10.0)]
    pub end_lr: f32,
    /// Directory for lr-find.png and lr-find.svg (default: OUTPUT_DIR/NAME-lr-find).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &LrFindArgs) -> CliResult<()> {
    let r = crate::config::load(&args.config)?;
    let c = &r.config;
    let data = crate::data::load(&c.data, c.seed)?;
    let file = model_file(&r, &data)?;
    let mut model = compile(&file, build_net(&file)?)?;
    let bs = c.training.batch_size;
    let batches: Vec<_> = data.train.batches(bs, Some(&mut Rng::seed(c.seed)))?.collect();
    if batches.is_empty() {
        return Err(CliError::data("the training set is empty."));
    }
    let params = model.net.params();
    let cfg =
        LrFinderConfig { start_lr: args.start_lr, end_lr: args.end_lr, num_steps: args.steps, ..Default::default() };
    let net = &mut model.net;
    let loss = model.loss;
    let res = lr_find(
        &params,
        model.optimizer.as_mut(),
        |i| {
            let (x, y) = &batches[i % batches.len()];
            let out = net.forward(x, true)?;
            let mut l = loss.compute(&out, y)?;
            if let Some(p) = net.regularization_loss()? {
                l = l.add(&p)?;
            }
            Ok(l)
        },
        cfg,
    )
    .map_err(|e| CliError::usage(format!("lr-find: {e}")))?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| c.output_dir.join(format!("{}-lr-find", c.name.clone().unwrap_or_else(|| "run".into()))));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::data(format!("{}: {e}.", dir.display())))?;
    let (png, svg) = (dir.join("lr-find.png"), dir.join("lr-find.svg"));
    super::plot::plot_lr_curve(&res.lrs, &res.losses, res.suggested_lr, &png, &svg)?;
    let o = args.output;
    o.say(format!(
        "suggested learning rate: {} (1cycle: max_lr = {}, start_lr = {})",
        super::significant(res.suggested_lr as f64, 3),
        super::significant(res.suggested_lr as f64, 3),
        super::significant(res.suggested_start_lr as f64, 3)
    ));
    o.say(format!(
        "why: the smoothed loss was lowest at {}{}; a tenth of that is safely on the descending slope",
        super::significant(res.min_loss_lr as f64, 3),
        if res.diverged { " and exploded beyond it" } else { "" }
    ));
    if let Some(s) = res.steepest_lr {
        o.say(format!("(the loss fell fastest at {}, a second opinion)", super::significant(s as f64, 3)));
    }
    o.say(format!("wrote {} and {}", png.display(), svg.display()));
    if o.json {
        let line = serde_json::json!({
            "suggested_lr": json_number(res.suggested_lr as f64),
            "suggested_start_lr": json_number(res.suggested_start_lr as f64),
            "min_loss_lr": json_number(res.min_loss_lr as f64),
            "steepest_lr": res.steepest_lr.map(|s| json_number(s as f64)),
            "steps": res.lrs.len(),
        });
        println!("{line}");
    }
    Ok(())
}
