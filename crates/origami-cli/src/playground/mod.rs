//! `origami playground`: TensorFlow Playground, trained by origami.
//!
//! A single-page app in the browser draws; the network trains in origami's
//! engine on the server, one worker thread per browser tab (see
//! `session.rs`), so what the page shows is the library itself at work, not
//! a JavaScript imitation of it. The server speaks JSON over HTTP with
//! polling (`server.rs`), validates and bounds every input (`api.rs`), and
//! answers only its own page on this machine (`guard.rs`), and
//! embeds its page, styles and scripts in the binary (`assets.rs`): it works
//! offline and installs nothing. Beyond the Playground it has every
//! optimizer and schedule of the library, an optimizer race on 2-D surfaces
//! (`race.rs`), "train N times" and a decision-boundary timeline
//! (`experiments.rs`), and export as TOML and safetensors (`export.rs`).
//! Every name it offers comes from the library's registries through
//! `GET /api/schema` (`schema.rs`); the page repeats none.

mod api;
mod assets;
mod engine;
mod experiments;
mod export;
mod guard;
mod race;
mod schema;
mod server;
mod session;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Options of `origami playground`.
#[derive(clap::Args, Debug)]
pub struct PlaygroundArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the URL is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

/// Serves the playground until the process is stopped. Errors are I/O
/// errors (the port is taken…), reported against the address.
pub fn run(args: &PlaygroundArgs) -> origami::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let io_err = |e| origami::Error::io(addr.to_string(), e);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(io_err)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(io_err)?;
        let local = listener.local_addr().map_err(io_err)?;
        let registry = Arc::new(session::Registry::default());
        tokio::spawn(server::reaper(Arc::clone(&registry)));
        println!("origami playground: http://{local}/");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        axum::serve(listener, server::router(registry, local.port())).await.map_err(io_err)
    })
}
