//! The playground's JSON API, end to end: the real binary on a free port,
//! spoken to over plain HTTP/1.1. Bad and oversized requests must get a 4xx
//! with a message (and the server must go on serving), two sessions
//! training at once must not interfere, requests from other sites or for
//! other hosts are refused before they do anything, and experiments are
//! limited across sessions.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(["--threads", "1", "playground", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start origami playground");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().trim_start_matches("origami playground: http://").trim_end_matches('/').to_string();
    assert!(addr.starts_with("127.0.0.1:"), "unexpected first line {line:?}");
    Server { child, addr }
}

/// One request as the page sends it (its own Host, JSON); returns (status, body).
fn request(s: &Server, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let host = format!("Host: {}", s.addr);
    request_with(s, method, path, &[&host, "Content-Type: application/json"], body)
}

/// One request with exactly the header lines `headers` (besides the length).
fn request_with(s: &Server, method: &str, path: &str, headers: &[&str], body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.unwrap_or(b"");
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) before reading a huge body and close: ignore write errors then.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let status: u16 = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(raw.len());
    let mut payload = raw[split..].to_vec();
    if text.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    (status, payload)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

fn json_req(s: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap());
    let (status, payload) = request(s, method, path, bytes.as_deref());
    (status, serde_json::from_slice(&payload).unwrap_or(Value::Null))
}

fn open(s: &Server, cfg: Value) -> u64 {
    let (status, v) = json_req(s, "POST", "/api/sessions", Some(cfg));
    assert_eq!(status, 201, "{v}");
    v["id"].as_u64().unwrap()
}

fn state(s: &Server, id: u64) -> Value {
    let (status, v) = json_req(s, "GET", &format!("/api/sessions/{id}/state"), None);
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn bad_requests_get_4xx_with_a_message() {
    let s = start();
    let id = open(&s, json!({}));
    let cases: Vec<(&str, String, Option<Vec<u8>>, u16)> = vec![
        ("POST", "/api/sessions".into(), Some(br#"{"layers": [4,4,4,4,4,4,4]}"#.to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(br#"{"layers": [17]}"#.to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(br#"{"learning_rate": -1}"#.to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(br#"{"dataset": "mnist"}"#.to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(br#"{"no_such_field": 1}"#.to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(b"{not json".to_vec()), 400),
        ("POST", "/api/sessions".into(), Some(br#"{"points": 1e12}"#.to_vec()), 400),
        ("POST", format!("/api/sessions/{id}/config"), Some(br#"{"features": []}"#.to_vec()), 400),
        ("POST", format!("/api/sessions/{id}/control"), Some(br#"{"action": "explode"}"#.to_vec()), 400),
        ("POST", format!("/api/sessions/{id}/runs"), Some(br#"{"n": 100, "epochs": 10}"#.to_vec()), 400),
        ("POST", format!("/api/sessions/{id}/timeline"), Some(br#"{"epochs": [99999]}"#.to_vec()), 400),
        ("POST", "/api/race".into(), Some(br#"{"surface": "moon", "steps": 10, "racers": []}"#.to_vec()), 400),
        (
            "POST",
            "/api/race".into(),
            Some(br#"{"surface": "bowl", "steps": 10, "racers": [{"name": "adam", "learning_rate": 1e30}]}"#.to_vec()),
            400,
        ),
        ("GET", "/api/sessions/123/state".into(), None, 404),
        ("GET", "/api/sessions/abc/state".into(), None, 400),
        ("GET", "/api/nothing".into(), None, 404),
        ("GET", "/assets/../../etc/passwd".into(), None, 404),
    ];
    for (method, path, body, want) in cases {
        let (status, payload) = request(&s, method, &path, body.as_deref());
        assert_eq!(status, want, "{method} {path}: {}", String::from_utf8_lossy(&payload));
        assert!(!payload.is_empty(), "{method} {path}: no message");
    }
    // Oversized: a body beyond the limit is refused with 413.
    let huge = format!("{{\"dataset\": \"custom\", \"custom\": [{}]}}", vec!["[1.0,2.0,1]"; 200_000].join(","));
    let (status, _) = request(&s, "POST", "/api/sessions", Some(huge.as_bytes()));
    assert_eq!(status, 413);
    // Too many custom points within the byte limit: 400.
    let many = json!({"dataset": "custom", "custom": vec![[1.0, 2.0, 1.0]; 3000]});
    assert_eq!(json_req(&s, "POST", "/api/sessions", Some(many)).0, 400);
    // The server is still fine.
    assert_eq!(state(&s, id)["epoch"], 0);
    let (status, page) = request(&s, "GET", "/", None);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("origami"));
}

#[test]
fn two_sessions_train_at_once_without_interfering() {
    let s = start();
    let a_cfg = json!({"dataset": "circle", "layers": [4], "features": ["x1sq", "x2sq"], "seed": 3});
    let b_cfg = json!({"dataset": "xor", "layers": [6, 3], "activation": "relu", "seed": 4, "optimizer": "adam",
                       "learning_rate": 0.01});
    let a = open(&s, a_cfg.clone());
    let b = open(&s, b_cfg);
    // A third session with a's config, trained alone step by step, is the reference for a.
    let r = open(&s, a_cfg);
    for id in [a, b] {
        assert_eq!(
            json_req(&s, "POST", &format!("/api/sessions/{id}/control"), Some(json!({"action": "play"}))).0,
            200
        );
    }
    let start = Instant::now();
    let mut both = false;
    while start.elapsed() < Duration::from_secs(60) {
        let (sa, sb) = (state(&s, a), state(&s, b));
        if sa["epoch"].as_u64().unwrap() >= 30 && sb["epoch"].as_u64().unwrap() >= 30 {
            both = sa["playing"] == true && sb["playing"] == true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(both, "both sessions should be training at once");
    for id in [a, b] {
        json_req(&s, "POST", &format!("/api/sessions/{id}/control"), Some(json!({"action": "pause"})));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (sa, sb) = (state(&s, a), state(&s, b));
    // Each has its own architecture and data.
    assert_eq!(sa["weights"].as_array().unwrap().len(), 2);
    assert_eq!(sb["weights"].as_array().unwrap().len(), 3);
    assert!(sa["test_loss"].as_f64().unwrap() < sa["history"][0][2].as_f64().unwrap());
    // a's history matches a reference trained alone: training next to b changed nothing.
    let epochs = sa["epoch"].as_u64().unwrap();
    for _ in 0..epochs {
        json_req(&s, "POST", &format!("/api/sessions/{r}/control"), Some(json!({"action": "step"})));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sr = state(&s, r);
    while sr["epoch"].as_u64().unwrap() < epochs && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        sr = state(&s, r);
    }
    assert_eq!(sr["epoch"], sa["epoch"]);
    assert_eq!(sr["test_loss"], sa["test_loss"], "same config and seed must give the same run");
    assert_eq!(sr["output"], sa["output"]);
    // Exports.
    let (status, toml) = request(&s, "GET", &format!("/api/sessions/{a}/export/config.toml"), None);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&toml).contains("[[model.layers]]"));
    let (status, weights) = request(&s, "GET", &format!("/api/sessions/{b}/export/weights.safetensors"), None);
    assert_eq!(status, 200);
    let header_len = u64::from_le_bytes(weights[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8_lossy(&weights[8..8 + header_len]);
    assert!(header.contains("layers.0.kernel"), "{header}");
    // Closing one leaves the other.
    assert_eq!(json_req(&s, "POST", &format!("/api/sessions/{a}/close"), None).0, 200);
    assert_eq!(json_req(&s, "GET", &format!("/api/sessions/{a}/state"), None).0, 404);
    assert_eq!(state(&s, b)["epoch"], sb["epoch"]);
}

/// The error message of a refusal.
fn message(payload: &[u8]) -> String {
    let v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    v["error"].as_str().unwrap_or_else(|| panic!("no JSON error in {}", String::from_utf8_lossy(payload))).to_string()
}

#[test]
fn other_sites_and_hosts_are_refused() {
    let s = start();
    let host = format!("Host: {}", s.addr);
    let json = "Content-Type: application/json";
    let evil = "Origin: http://evil.example";
    // The issue's cross-site request (a text/plain POST, as a form sends) and its JSON twin: 403, no session.
    for kind in ["Content-Type: text/plain", json] {
        for _ in 0..40 {
            let (status, payload) = request_with(&s, "POST", "/api/sessions", &[&host, kind, evil], Some(b"{}"));
            assert_eq!(status, 403, "{kind}: {}", String::from_utf8_lossy(&payload));
            let m = message(&payload);
            assert!(m.contains("\"http://evil.example\"") && m.contains("Origin"), "{m}");
        }
    }
    // Not one of those 80 took a place: all 64 sessions can still be opened.
    let ids: Vec<u64> = (0..64).map(|_| open(&s, json!({"points": 20}))).collect();
    let (status, payload) = request(&s, "POST", "/api/sessions", Some(b"{}"));
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&payload));
    for &id in &ids[1..] {
        assert_eq!(json_req(&s, "POST", &format!("/api/sessions/{id}/close"), None).0, 200);
    }
    let id = ids[0];
    // DNS rebinding: the attacker's name for 127.0.0.1 gets nothing, not the page, not play.
    let play = format!("/api/sessions/{id}/control");
    let state_path = format!("/api/sessions/{id}/state");
    for rebound in
        ["Host: attacker.example", "Host: attacker.example:80", &format!("Host: attacker.example:{}", &s.addr[10..])]
    {
        for (method, path, body) in [
            ("GET", "/", None),
            ("GET", state_path.as_str(), None),
            ("POST", play.as_str(), Some(&br#"{"action": "play"}"#[..])),
            ("GET", "/api/nothing", None),
        ] {
            let (status, payload) = request_with(&s, method, path, &[rebound, json], body);
            assert_eq!(status, 403, "{rebound} {method} {path}: {}", String::from_utf8_lossy(&payload));
            let m = message(&payload);
            assert!(m.contains("attacker.example") && m.contains("DNS rebinding"), "{m}");
        }
    }
    // A foreign Origin on a GET and an evil close are refused too, and so is a request without Host.
    let (status, _) = request_with(&s, "GET", &state_path, &[&host, evil], None);
    assert_eq!(status, 403);
    let (status, _) = request_with(&s, "POST", &format!("/api/sessions/{id}/close"), &[&host, json, evil], None);
    assert_eq!(status, 403);
    let (status, _) = request_with(&s, "GET", &state_path, &[&host, "Origin: null"], None);
    assert_eq!(status, 403);
    let (status, payload) = request_with(&s, "GET", &state_path, &[], None);
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&payload));
    assert!(message(&payload).contains("no Host"));
    std::thread::sleep(Duration::from_millis(300));
    let st = state(&s, id);
    assert_eq!(
        (st["epoch"].as_u64(), st["playing"].as_bool()),
        (Some(0), Some(false)),
        "the session must not have played"
    );
    // Every POST must be JSON, bodiless ones included: 415 with a message, and nothing done.
    for kind in ["Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded", "X-None: 1"] {
        for (path, body) in
            [("/api/sessions".to_string(), Some(&b"{}"[..])), (format!("/api/sessions/{id}/close"), None)]
        {
            let (status, payload) = request_with(&s, "POST", &path, &[&host, kind], body);
            assert_eq!(status, 415, "{kind} {path}: {}", String::from_utf8_lossy(&payload));
            assert!(message(&payload).contains("application/json"));
        }
    }
    // The page's own requests pass: localhost, its Origin, JSON with a charset.
    let local = format!("Host: localhost:{}", &s.addr[10..]);
    let origin = format!("Origin: http://localhost:{}", &s.addr[10..]);
    let body = br#"{"action": "step"}"#;
    let (status, payload) = request_with(
        &s,
        "POST",
        &play,
        &[&local, &origin, "Content-Type: application/json; charset=utf-8"],
        Some(body),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&payload));
    let (status, _) = request_with(&s, "POST", &format!("/api/sessions/{id}/close"), &[&host, json], None);
    assert_eq!(status, 200);
}

#[test]
fn experiments_are_limited_across_sessions() {
    let s = std::sync::Arc::new(start());
    let deep = json!({"layers": [16, 16, 16, 16, 16, 16]});
    let (a, b, c) = (open(&s, deep.clone()), open(&s, deep), open(&s, json!({"points": 20})));
    // Two long experiments from two sessions (seconds each, on both cores)...
    let long = [
        (format!("/api/sessions/{a}/runs"), json!({"n": 12, "epochs": 400})),
        (format!("/api/sessions/{b}/timeline"), json!({"epochs": [0, 1000]})),
    ];
    let started = Instant::now();
    let handles: Vec<_> = long
        .into_iter()
        .map(|(path, body)| {
            let s = std::sync::Arc::clone(&s);
            // A small one below may hold a slot for a moment: retry until in.
            std::thread::spawn(move || loop {
                let (status, v) = json_req(&s, "POST", &path, Some(body.clone()));
                if status != 503 {
                    return (status, v);
                }
            })
        })
        .collect();
    // ...and a third one, however small, is refused while they run: "train N times" and a timeline alike.
    let small = [
        (format!("/api/sessions/{c}/runs"), br#"{"n": 1, "epochs": 1}"#.as_slice()),
        (format!("/api/sessions/{c}/timeline"), br#"{"epochs": [1]}"#.as_slice()),
    ];
    let mut refused: [Option<String>; 2] = [None, None];
    while refused.iter().any(Option::is_none) && handles.iter().any(|h| !h.is_finished()) {
        for (k, (path, body)) in small.iter().enumerate() {
            let (status, payload) = request(&s, "POST", path, Some(body));
            match status {
                503 => refused[k] = Some(message(&payload)),
                200 => std::thread::sleep(Duration::from_millis(5)),
                other => panic!("{other}: {}", String::from_utf8_lossy(&payload)),
            }
        }
    }
    for (m, (path, _)) in refused.iter().zip(&small) {
        let m = m.as_ref().unwrap_or_else(|| panic!("{path} was never refused in {:?}", started.elapsed()));
        assert!(m.contains("2 experiments"), "{m}");
    }
    for h in handles {
        let (status, v) = h.join().unwrap();
        assert_eq!(status, 200, "{v}");
    }
    // Their slots are free again.
    for (path, body) in &small {
        let (status, payload) = request(&s, "POST", path, Some(body));
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&payload));
    }
}
