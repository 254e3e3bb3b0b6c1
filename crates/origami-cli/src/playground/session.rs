//! Sessions: one per browser tab, each with its model on its own worker thread.
//!
//! Why a thread per session rather than training inside request handlers:
//! training is CPU-bound and continuous while "play" is on, and a model is
//! stateful (`forward` takes `&mut`), so it lives on one thread that owns it
//! outright — no lock around the model, and one tab's training never blocks
//! another's requests. Handlers talk to the worker with messages; the worker
//! publishes an immutable [`Snapshot`] (serialised once, shared by `Arc`)
//! that polls read without waiting for training. Idle sessions are reaped,
//! and their worker ends when its channel closes.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::oneshot;

use super::api::Config;
use super::engine::{Engine, Points, View, NEURON_RES, OUTPUT_RES};

/// Most sessions alive at once; a further tab gets a 503.
pub const MAX_SESSIONS: usize = 64;
/// A session not polled for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How long the worker trains between two published snapshots.
const TICK: Duration = Duration::from_millis(40);
/// The test loss that counts as solved until the page sets another (the lecture's 0.1).
pub const DEFAULT_THRESHOLD: f32 = 0.1;
/// Most history points sent to the page (the full history is downsampled).
const HISTORY_POINTS: usize = 400;

/// Locks a mutex, reading through poisoning (a panicked holder leaves plain data).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the page polls: the state of training and everything to draw.
#[derive(Serialize, Default)]
pub struct Snapshot {
    pub version: u64,
    /// Changes whenever the points change (the page then fetches them).
    pub data_version: u64,
    pub epoch: usize,
    pub playing: bool,
    pub train_loss: f32,
    pub test_loss: f32,
    pub train_acc: Option<f32>,
    pub test_acc: Option<f32>,
    pub learning_rate: f32,
    /// Epochs trained per second over about the last two seconds of play.
    pub epochs_per_second: f32,
    /// The pace asked for (epochs per second; null: as fast as it goes).
    pub pace: Option<f32>,
    /// The test loss that counts as solved, and `[epoch, seconds]` when it
    /// was first reached (time to solution).
    pub threshold: f32,
    pub solved: Option<[f32; 2]>,
    /// `[epoch, train, test]`, at most [`HISTORY_POINTS`] of them.
    pub history: Vec<[f32; 3]>,
    pub output_res: usize,
    pub neuron_res: usize,
    pub classes: usize,
    pub regression: bool,
    #[serde(flatten)]
    pub view: View,
    /// Why training stopped, or why the config could not be built.
    pub error: Option<String>,
}

/// The points, fetched when `data_version` changes.
#[derive(Serialize, Default)]
pub struct DataPoints {
    pub data_version: u64,
    pub train: Points,
    pub test: Points,
}

/// A message to a session's worker.
pub enum Command {
    Configure(Box<Config>),
    Play,
    Pause,
    Step,
    Reset,
    /// Epochs per second while playing (`None`: as fast as it goes).
    Pace(Option<f32>),
    /// The test loss that counts as solved (time to solution).
    Threshold(f32),
    /// Sets one weight (`input: Some`) or bias (`None`) of a Dense layer;
    /// replies with the error, if any.
    SetWeight {
        layer: usize,
        input: Option<usize>,
        unit: usize,
        value: f32,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Replies with the parameters under their checkpoint names.
    Params(oneshot::Sender<Vec<(String, origami::Tensor)>>),
}

/// A session as the server holds it.
pub struct Session {
    tx: Mutex<Sender<Command>>,
    pub snapshot: Mutex<Arc<Snapshot>>,
    pub data: Mutex<Arc<DataPoints>>,
    /// The config the worker was last given (validated).
    pub config: Mutex<Config>,
    last_seen: Mutex<Instant>,
}

impl Session {
    /// Sends a command; `false` when the worker is gone.
    pub fn send(&self, c: Command) -> bool {
        self.touch();
        lock(&self.tx).send(c).is_ok()
    }

    /// Marks the session as in use.
    pub fn touch(&self) {
        *lock(&self.last_seen) = Instant::now();
    }
}

/// All sessions.
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<u64, Arc<Session>>>,
    next: AtomicU64,
    /// Randomly keyed per process.
    hasher: RandomState,
    /// Worker threads still running (closed sessions' included until they end).
    workers: Arc<AtomicUsize>,
}

impl Registry {
    /// Opens a session with `cfg` (validated by the caller).
    pub fn open(&self, cfg: Config) -> Result<u64, String> {
        let mut map = lock(&self.sessions);
        if map.len() >= MAX_SESSIONS {
            return Err(format!("too many sessions ({MAX_SESSIONS}); close a tab or wait for idle ones to expire"));
        }
        // Ids are not guessable in sequence, so that tabs do not stumble into each other's sessions.
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = self.hasher.hash_one(n) >> 11; // fits a JavaScript number exactly
        if map.contains_key(&id) {
            return Err("session id collision; try again".into());
        }
        let (tx, rx) = mpsc::channel();
        let session = Arc::new(Session {
            tx: Mutex::new(tx),
            snapshot: Mutex::new(Arc::new(Snapshot::default())),
            data: Mutex::new(Arc::new(DataPoints::default())),
            config: Mutex::new(cfg.clone()),
            last_seen: Mutex::new(Instant::now()),
        });
        // The worker holds the session weakly: once the registry drops it
        // (closed or reaped) the channel's sender goes with it, a blocked
        // `recv` returns and a playing worker sees the session gone.
        let worker = Worker {
            session: Arc::downgrade(&session),
            engine: None,
            playing: false,
            version: 0,
            data_version: 0,
            config_error: None,
            pace: None,
            next_due: Instant::now(),
            threshold: DEFAULT_THRESHOLD,
            recent: Default::default(),
        };
        let running = Running::start(&self.workers);
        std::thread::Builder::new()
            .name(format!("playground-{id}"))
            .spawn(move || {
                let _running = running;
                worker.run(rx, cfg)
            })
            .map_err(|e| format!("cannot start a worker thread: {e}"))?;
        map.insert(id, session);
        Ok(id)
    }

    /// Worker threads still running.
    #[cfg(test)]
    pub fn workers(&self) -> usize {
        self.workers.load(Ordering::SeqCst)
    }

    pub fn get(&self, id: u64) -> Option<Arc<Session>> {
        lock(&self.sessions).get(&id).cloned()
    }

    /// Closes a session (its worker ends when the channel drops).
    pub fn close(&self, id: u64) -> bool {
        lock(&self.sessions).remove(&id).is_some()
    }

    /// Closes sessions idle for longer than `timeout`; returns how many.
    pub fn reap(&self, timeout: Duration) -> usize {
        let mut map = lock(&self.sessions);
        let before = map.len();
        map.retain(|_, s| lock(&s.last_seen).elapsed() < timeout);
        before - map.len()
    }
}

/// Counts a worker thread while it runs.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(count: &Arc<AtomicUsize>) -> Running {
        count.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Worker {
    session: Weak<Session>,
    engine: Option<Engine>,
    playing: bool,
    version: u64,
    data_version: u64,
    /// Why the last config failed to build; shown until the config changes.
    config_error: Option<String>,
    /// Epochs per second while playing; `None`: as fast as it goes.
    pace: Option<f32>,
    /// When the next paced epoch is due.
    next_due: Instant,
    /// The test loss that counts as solved.
    threshold: f32,
    /// `(when, epoch)` at recent publications, for the measured pace.
    recent: std::collections::VecDeque<(Instant, usize)>,
}

impl Worker {
    fn run(mut self, rx: Receiver<Command>, cfg: Config) {
        self.configure(cfg, false);
        loop {
            if self.session.strong_count() == 0 {
                return; // closed or reaped
            }
            let cmd = if self.playing {
                match rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                }
            };
            match (cmd, self.pace) {
                (Some(c), _) => self.handle(c),
                (None, None) => {
                    self.train_for(TICK);
                    // Leave a little CPU to the other sessions and the server.
                    std::thread::sleep(Duration::from_millis(2));
                }
                (None, Some(pace)) => self.train_paced(pace),
            }
        }
    }

    fn handle(&mut self, c: Command) {
        match c {
            Command::Configure(cfg) => self.configure(*cfg, true),
            Command::Play => {
                self.playing = self.engine.is_some();
                self.publish(None);
            }
            Command::Pause => {
                self.playing = false;
                self.publish(None);
            }
            Command::Step => {
                self.playing = false;
                self.train_for(Duration::ZERO);
            }
            Command::Pace(p) => {
                self.pace = p;
                self.next_due = Instant::now();
                self.recent.clear();
                self.publish(None);
            }
            Command::SetWeight { layer, input, unit, value, reply } => {
                let result = match &mut self.engine {
                    Some(e) => e.set_weight(layer, input, unit, value),
                    None => Err("the session has no model (its config failed to build)".into()),
                };
                if result.is_ok() {
                    self.publish(None);
                }
                let _ = reply.send(result);
            }
            Command::Threshold(t) => {
                self.threshold = t;
                self.publish(None);
            }
            Command::Reset => {
                let Some(session) = self.session.upgrade() else { return };
                let cfg = lock(&session.config).clone();
                self.configure(cfg, false);
            }
            Command::Params(reply) => {
                let _ = reply.send(self.engine.as_ref().map(Engine::named_params).unwrap_or_default());
            }
        }
    }

    /// Builds the model of `cfg` afresh, unless `live` and the change is
    /// one the running model takes as it is (the rate, the batch size:
    /// `Engine::adjust`).
    fn configure(&mut self, cfg: Config, live: bool) {
        // the rate and the batch size change under a running model
        if let Some(e) = self.engine.as_mut().filter(|_| live) {
            if let Ok(true) = e.adjust(&cfg) {
                if let Some(session) = self.session.upgrade() {
                    *lock(&session.config) = cfg;
                }
                self.publish(None);
                return;
            }
        }
        self.playing = false;
        let Some(session) = self.session.upgrade() else { return };
        *lock(&session.config) = cfg.clone();
        drop(session);
        match Engine::new(cfg) {
            Ok(e) => {
                self.config_error = None;
                self.data_version += 1;
                let Some(session) = self.session.upgrade() else { return };
                *lock(&session.data) = Arc::new(DataPoints {
                    data_version: self.data_version,
                    train: e.train.clone(),
                    test: e.test.clone(),
                });
                self.engine = Some(e);
                self.publish(None);
            }
            Err(msg) => {
                self.engine = None;
                self.config_error = Some(msg);
                self.publish(None);
            }
        }
    }

    /// Trains the epochs that are due at `pace` epochs per second (at most
    /// a tick's worth at once), then publishes; sleeps until the next is due
    /// in short naps, so that commands are still answered at once.
    fn train_paced(&mut self, pace: f32) {
        let interval = Duration::from_secs_f64(1.0 / pace as f64);
        let now = Instant::now();
        if now < self.next_due {
            std::thread::sleep((self.next_due - now).min(Duration::from_millis(10)));
            return;
        }
        let Some(e) = &mut self.engine else { return };
        let start = Instant::now();
        let mut failure = None;
        while self.next_due <= Instant::now() && start.elapsed() < TICK {
            if let Err(msg) = e.train_epoch() {
                failure = Some(msg);
                self.playing = false;
                break;
            }
            self.next_due += interval;
        }
        // a machine slower than the pace does not owe epochs later
        let now = Instant::now();
        if self.next_due + TICK < now {
            self.next_due = now;
        }
        self.publish(failure);
    }

    /// Trains whole epochs for about `budget` (at least one), then publishes.
    fn train_for(&mut self, budget: Duration) {
        let Some(e) = &mut self.engine else { return };
        let start = Instant::now();
        let mut failure = None;
        loop {
            if let Err(msg) = e.train_epoch() {
                failure = Some(msg);
                self.playing = false;
                break;
            }
            if start.elapsed() >= budget {
                break;
            }
        }
        self.publish(failure);
    }

    fn publish(&mut self, error: Option<String>) {
        self.version += 1;
        let mut s = Snapshot {
            version: self.version,
            data_version: self.data_version,
            playing: self.playing,
            output_res: OUTPUT_RES,
            neuron_res: NEURON_RES,
            pace: self.pace,
            threshold: self.threshold,
            error: error.clone().or_else(|| self.config_error.clone()),
            ..Snapshot::default()
        };
        if let Some(e) = &mut self.engine {
            let cfg = &e.cfg;
            s.classes = cfg.num_classes();
            s.regression = cfg.is_regression();
            s.epoch = e.epoch;
            s.learning_rate = e.learning_rate();
            s.solved = e.solved(self.threshold).map(|(ep, secs)| [ep as f32, secs]);
            let now = Instant::now();
            if !self.playing {
                self.recent.clear();
            }
            self.recent.push_back((now, e.epoch));
            while self.recent.len() > 2 && now.duration_since(self.recent[0].0) > Duration::from_secs(2) {
                self.recent.pop_front();
            }
            if let (Some(&(t0, e0)), true) = (self.recent.front(), self.recent.len() > 1) {
                let dt = now.duration_since(t0).as_secs_f32();
                s.epochs_per_second = if dt > 0.0 { (e.epoch - e0) as f32 / dt } else { 0.0 };
            }
            let last = *e.history.last().unwrap_or(&[0.0, f32::NAN, f32::NAN]);
            (s.train_loss, s.test_loss) = (last[1], last[2]);
            s.history = downsample(&e.history, HISTORY_POINTS);
            match e.accuracies() {
                Ok(Some((a, b))) => (s.train_acc, s.test_acc) = (Some(a), Some(b)),
                Ok(None) => {}
                Err(m) => s.error = Some(m),
            }
            match e.view() {
                Ok(v) => s.view = v,
                Err(m) => s.error = Some(m),
            }
        }
        if let Some(session) = self.session.upgrade() {
            *lock(&session.snapshot) = Arc::new(s);
        }
    }
}

/// At most `max` entries of `h`, evenly spaced, always keeping the last.
pub fn downsample(h: &[[f32; 3]], max: usize) -> Vec<[f32; 3]> {
    if h.len() <= max {
        return h.to_vec();
    }
    let mut out: Vec<[f32; 3]> = (0..max - 1).map(|i| h[i * (h.len() - 1) / (max - 1)]).collect();
    out.push(h[h.len() - 1]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_until(what: &str, f: impl Fn() -> bool) {
        let start = Instant::now();
        while !f() {
            assert!(start.elapsed() < Duration::from_secs(1), "{what} within a second");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A playing session's worker ends within a second of `close` or of
    /// being reaped (it held the session, and so its own channel, alive).
    #[test]
    fn closed_and_reaped_sessions_end_their_workers() {
        let r = Registry::default();
        let id = r.open(Config::default()).unwrap();
        assert!(r.get(id).unwrap().send(Command::Play));
        let idle = r.open(Config::default()).unwrap();
        wait_until("two workers", || r.workers() == 2);
        assert!(r.close(id));
        wait_until("the closed session's worker to end", || r.workers() == 1);
        assert_eq!(r.reap(Duration::ZERO), 1);
        wait_until("the reaped (idle, blocked) worker to end", || r.workers() == 0);
        assert!(r.get(idle).is_none());
    }

    /// At a pace of 20 epochs a second a session trains about 20 a second
    /// (measured over 1.5 s), and measures it; unpaced it trains far faster.
    #[test]
    fn a_paced_session_trains_at_its_pace() {
        let r = Registry::default();
        let id = r.open(Config { points: 100, ..Config::default() }).unwrap();
        let s = r.get(id).unwrap();
        let epoch = || lock(&s.snapshot).epoch;
        s.send(Command::Pace(Some(20.0)));
        s.send(Command::Play);
        std::thread::sleep(Duration::from_millis(200));
        let (e0, t0) = (epoch(), Instant::now());
        std::thread::sleep(Duration::from_millis(1500));
        let rate = (epoch() - e0) as f32 / t0.elapsed().as_secs_f32();
        assert!((10.0..26.0).contains(&rate), "{rate} epochs/s at a pace of 20");
        let measured = lock(&s.snapshot).epochs_per_second;
        assert!((10.0..26.0).contains(&measured), "measured {measured}");
        s.send(Command::Pace(None));
        std::thread::sleep(Duration::from_millis(200));
        let e1 = epoch();
        std::thread::sleep(Duration::from_millis(500));
        assert!(epoch() - e1 > 50, "unpaced: {} epochs in 0.5 s", epoch() - e1);
        r.close(id);
    }

    /// A config that cannot be built keeps its error on the page through
    /// later commands, until the config changes. (`Registry::open` takes the
    /// config as it comes; the server validates first, and validation builds
    /// what could fail, so this one would be refused there.)
    #[test]
    fn a_build_error_stays_until_the_config_changes() {
        let r = Registry::default();
        let bad = Config { schedule: "one_cycle".into(), schedule_epochs: 0, ..Config::default() };
        let id = r.open(bad).unwrap();
        let s = r.get(id).unwrap();
        let error = || lock(&s.snapshot).error.clone();
        wait_until("the build error", || error().is_some());
        s.send(Command::Pause);
        s.send(Command::Step);
        std::thread::sleep(Duration::from_millis(50));
        assert!(error().is_some(), "the error vanished after a control command");
        s.send(Command::Configure(Box::default()));
        wait_until("the error to clear with a good config", || error().is_none());
        r.close(id);
    }
}
