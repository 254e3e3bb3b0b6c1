//! The HTTP side: routes, JSON handlers, embedded assets.
//!
//! The API is plain JSON over HTTP with polling (the page asks for the
//! snapshot about ten times a second), which needs nothing beyond axum's
//! http1 and json features and survives any proxy. Every failure is a 4xx
//! or 5xx with `{"error": "…"}`: unknown sessions are 404, invalid input
//! 400 (axum itself answers malformed JSON with 400/415/422 and oversized
//! bodies with 413), a full server 503. Long computations (experiments, the
//! race, a first build) run on tokio's blocking pool; at most
//! [`MAX_EXPERIMENTS`] experiments run at once across all sessions. Before
//! any route, `guard.rs` refuses requests from elsewhere than the page
//! itself (403) and POSTs that are not JSON (415).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use super::api::{Config, Control, RaceRequest, RunsRequest, TimelineRequest, WeightEdit};
use super::guard::{guard, Allowed};
use super::session::{lock, Command, Registry, Session, IDLE_TIMEOUT};
use super::{experiments, export, race};

/// Largest request body (a user's CSV of 2000 points fits easily).
pub const MAX_BODY: usize = 256 * 1024;

/// Most experiments ("train N times", timelines) running at once, all
/// sessions together: each may keep both cores busy for seconds.
pub const MAX_EXPERIMENTS: usize = 2;

type AppState = Arc<Registry>;

/// What the handlers share: the sessions, the experiment slots, the guard's
/// allowed hosts. Handlers take the part they need (`FromRef`).
#[derive(Clone)]
struct App {
    registry: AppState,
    experiments: Arc<Semaphore>,
    allowed: Arc<Allowed>,
}

impl FromRef<App> for AppState {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.registry)
    }
}

impl FromRef<App> for Arc<Semaphore> {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.experiments)
    }
}

impl FromRef<App> for Arc<Allowed> {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.allowed)
    }
}

/// An error answer: a status and a message, as `{"error": …}`.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

fn internal(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, msg.into())
}

type ApiResult<T> = Result<T, ApiError>;

/// The router with every route; `state` holds the sessions, `port` is the
/// bound port (the guard's `Host` and `Origin` must name it).
pub fn router(state: AppState, port: u16) -> Router {
    let app = App {
        registry: state,
        experiments: Arc::new(Semaphore::new(MAX_EXPERIMENTS)),
        allowed: Arc::new(Allowed::new(port)),
    };
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/api/sessions", post(open_session))
        .route("/api/sessions/{id}/state", get(state_of))
        .route("/api/sessions/{id}/data", get(data_of))
        .route("/api/sessions/{id}/config", post(configure))
        .route("/api/sessions/{id}/control", post(control))
        .route("/api/sessions/{id}/close", post(close))
        .route("/api/sessions/{id}/weight", post(set_weight))
        .route("/api/sessions/{id}/runs", post(runs))
        .route("/api/sessions/{id}/timeline", post(timeline))
        .route("/api/sessions/{id}/export/config.toml", get(export_config))
        .route("/api/sessions/{id}/export/weights.safetensors", get(export_weights))
        .route("/api/race", post(race_handler))
        .route("/api/surfaces", get(surfaces))
        .route("/api/schema", get(schema))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such page or API route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Closes idle sessions every minute, for ever.
pub async fn reaper(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        state.reap(IDLE_TIMEOUT);
    }
}

// ----- assets ----------------------------------------------------------------

async fn index() -> Response {
    asset_response("index.html").unwrap_or_else(|e| e.into_response())
}

async fn asset(Path(name): Path<String>) -> Response {
    asset_response(&name).unwrap_or_else(|e| e.into_response())
}

fn asset_response(name: &str) -> ApiResult<Response> {
    let (body, kind) =
        super::assets::get(name).ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no asset {name}")))?;
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

// ----- sessions --------------------------------------------------------------

fn session(reg: &Registry, id: u64) -> ApiResult<Arc<Session>> {
    reg.get(id).ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no session {id} (it may have expired)")))
}

fn parse_config(body: &Bytes) -> ApiResult<Config> {
    let cfg: Config = if body.iter().all(u8::is_ascii_whitespace) {
        Config::default()
    } else {
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid config: {e}")))?
    };
    cfg.validate().map_err(|e| bad(format!("invalid config: {e}")))?;
    Ok(cfg)
}

async fn open_session(State(reg): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let cfg = parse_config(&body)?;
    let id = reg.open(cfg).map_err(|e| ApiError(StatusCode::SERVICE_UNAVAILABLE, e))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
struct Since {
    #[serde(default)]
    since: u64,
}

async fn state_of(State(reg): State<AppState>, Path(id): Path<u64>, Query(q): Query<Since>) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    s.touch();
    let snap = Arc::clone(&lock(&s.snapshot));
    if snap.version != 0 && snap.version == q.since {
        return Ok(Json(json!({ "version": snap.version, "unchanged": true })).into_response());
    }
    Ok(Json(&*snap).into_response())
}

async fn data_of(State(reg): State<AppState>, Path(id): Path<u64>) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let d = Arc::clone(&lock(&s.data));
    Ok(Json(&*d).into_response())
}

async fn configure(State(reg): State<AppState>, Path(id): Path<u64>, body: Bytes) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let cfg = parse_config(&body)?;
    send(&s, Command::Configure(Box::new(cfg)))?;
    Ok(Json(json!({ "ok": true })).into_response())
}

fn send(s: &Session, c: Command) -> ApiResult<()> {
    if s.send(c) {
        Ok(())
    } else {
        Err(internal("the session's worker has stopped; open a new session"))
    }
}

async fn control(State(reg): State<AppState>, Path(id): Path<u64>, Json(c): Json<Control>) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let cmd = match c.action.as_str() {
        "play" => Command::Play,
        "pause" => Command::Pause,
        "step" => Command::Step,
        "reset" => Command::Reset,
        "regenerate" => {
            let mut cfg = lock(&s.config).clone();
            cfg.data_seed = cfg.data_seed.wrapping_add(1) % (1 << 40);
            Command::Configure(Box::new(cfg))
        }
        "pace" => match c.epochs_per_second {
            None => Command::Pace(None),
            Some(p) if (0.1..=10_000.0).contains(&p) => Command::Pace(Some(p)),
            Some(p) => return Err(bad(format!("epochs_per_second must lie in [0.1, 10000] (or be null), got {p}"))),
        },
        "threshold" => match c.threshold {
            Some(t) if t.is_finite() && t > 0.0 => Command::Threshold(t),
            t => return Err(bad(format!("threshold must be a positive number, got {t:?}"))),
        },
        other => {
            return Err(bad(format!(
                "action must be play, pause, step, reset, regenerate, pace or threshold, got {other:?}"
            )))
        }
    };
    send(&s, cmd)?;
    Ok(Json(json!({ "ok": true })).into_response())
}

async fn set_weight(
    State(reg): State<AppState>,
    Path(id): Path<u64>,
    Json(w): Json<WeightEdit>,
) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let (reply, rx) = oneshot::channel();
    send(&s, Command::SetWeight { layer: w.layer, input: w.input, unit: w.unit, value: w.value, reply })?;
    rx.await.map_err(|_| internal("the session's worker did not answer"))?.map_err(bad)?;
    Ok(Json(json!({ "ok": true })).into_response())
}

async fn close(State(reg): State<AppState>, Path(id): Path<u64>) -> ApiResult<Response> {
    if reg.close(id) {
        Ok(Json(json!({ "ok": true })).into_response())
    } else {
        Err(ApiError(StatusCode::NOT_FOUND, format!("no session {id}")))
    }
}

/// Runs `f` on the blocking pool; its `Err` is a 400 (bad or too costly input).
async fn blocking<T: serde::Serialize + Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> ApiResult<Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(Json(v).into_response()),
        Ok(Err(e)) => Err(bad(e)),
        Err(_) => Err(internal("the computation failed")),
    }
}

/// One of the [`MAX_EXPERIMENTS`] slots, or a 503 when all are taken. The
/// permit goes into the blocking task, so that a client that hangs up does
/// not free the slot while its experiment still runs.
fn experiment_slot(slots: &Arc<Semaphore>) -> ApiResult<OwnedSemaphorePermit> {
    Arc::clone(slots).try_acquire_owned().map_err(|_| {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the server is already running {MAX_EXPERIMENTS} experiments (train N times or a timeline, \
                 from this or another tab); try again when one has finished"
            ),
        )
    })
}

async fn runs(
    State(reg): State<AppState>,
    State(slots): State<Arc<Semaphore>>,
    Path(id): Path<u64>,
    Json(r): Json<RunsRequest>,
) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    s.touch();
    let cfg = lock(&s.config).clone();
    let slot = experiment_slot(&slots)?;
    blocking(move || {
        let _slot = slot;
        experiments::train_n_times(&cfg, r.n, r.epochs, r.threshold.unwrap_or(super::session::DEFAULT_THRESHOLD))
    })
    .await
}

async fn timeline(
    State(reg): State<AppState>,
    State(slots): State<Arc<Semaphore>>,
    Path(id): Path<u64>,
    Json(r): Json<TimelineRequest>,
) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    s.touch();
    let cfg = lock(&s.config).clone();
    let slot = experiment_slot(&slots)?;
    blocking(move || {
        let _slot = slot;
        experiments::timeline(&cfg, &r.epochs)
    })
    .await
}

async fn race_handler(Json(r): Json<RaceRequest>) -> ApiResult<Response> {
    blocking(move || race::race(&r)).await
}

async fn surfaces() -> Response {
    Json(race::catalog()).into_response()
}

async fn schema() -> Response {
    Json(super::schema::schema()).into_response()
}

fn download(body: Vec<u8>, kind: &'static str, filename: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

async fn export_config(State(reg): State<AppState>, Path(id): Path<u64>) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let cfg = lock(&s.config).clone();
    let text = export::config_toml(&cfg).map_err(internal)?;
    Ok(download(text.into_bytes(), "application/toml", "playground.toml"))
}

async fn export_weights(State(reg): State<AppState>, Path(id): Path<u64>) -> ApiResult<Response> {
    let s = session(&reg, id)?;
    let (tx, rx) = oneshot::channel();
    send(&s, Command::Params(tx))?;
    let params = rx.await.map_err(|_| internal("the session's worker did not answer"))?;
    if params.is_empty() {
        return Err(ApiError(StatusCode::CONFLICT, "the session has no model (its config failed to build)".into()));
    }
    let bytes = tokio::task::spawn_blocking(move || export::weights_bytes(id, &params))
        .await
        .map_err(|_| internal("export failed"))?
        .map_err(internal)?;
    Ok(download(bytes, "application/octet-stream", "playground.safetensors"))
}
