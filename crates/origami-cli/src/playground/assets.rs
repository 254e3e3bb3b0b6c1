//! The page's files, embedded in the binary with `include_str!` so that the
//! playground needs no files beside the executable and nothing from a CDN.

const FILES: &[(&str, &str, &str)] = &[
    ("index.html", "text/html; charset=utf-8", include_str!("assets/index.html")),
    ("style.css", "text/css; charset=utf-8", include_str!("assets/style.css")),
    ("util.js", "text/javascript; charset=utf-8", include_str!("assets/util.js")),
    ("help.js", "text/javascript; charset=utf-8", include_str!("assets/help.js")),
    ("state.js", "text/javascript; charset=utf-8", include_str!("assets/state.js")),
    ("network.js", "text/javascript; charset=utf-8", include_str!("assets/network.js")),
    ("charts.js", "text/javascript; charset=utf-8", include_str!("assets/charts.js")),
    ("experiments.js", "text/javascript; charset=utf-8", include_str!("assets/experiments.js")),
    ("race.js", "text/javascript; charset=utf-8", include_str!("assets/race.js")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
];

/// The file `name` and its content type.
pub fn get(name: &str) -> Option<(&'static str, &'static str)> {
    FILES.iter().find(|(n, _, _)| *n == name).map(|(_, kind, body)| (*body, *kind))
}
