//! Who may talk to the playground: its own page, on this machine.
//!
//! The server binds only to 127.0.0.1, but a web page on any site the user
//! visits can still reach it through the browser: by a cross-site POST
//! (CSRF: a `text/plain` form or `fetch` needs no CORS preflight) or by DNS
//! rebinding (`attacker.example` resolved to 127.0.0.1, after which the
//! attacker's page is "same-origin" with the playground). So every request
//! must name one of the loopback hosts with the bound port in `Host`, an
//! `Origin`, when sent, must be the playground's own, and every POST must
//! be `application/json` — a type that no cross-site request can carry
//! without a CORS preflight, which the server never grants.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::server::ApiError;

/// The host names the playground answers to (with the bound port, or none).
const NAMES: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The allowed `Host` and `Origin` values for the bound port.
pub struct Allowed {
    port: u16,
    /// `NAMES` with `:port`, and bare.
    hosts: Vec<String>,
    /// `http://` + each name with `:port` (bare too when the port is 80).
    origins: Vec<String>,
}

impl Allowed {
    /// For a server bound to `port` on the loopback address.
    pub fn new(port: u16) -> Self {
        let mut hosts: Vec<String> = NAMES.iter().map(|n| format!("{n}:{port}")).collect();
        hosts.extend(NAMES.iter().map(|n| n.to_string()));
        let mut origins: Vec<String> = NAMES.iter().map(|n| format!("http://{n}:{port}")).collect();
        if port == 80 {
            origins.extend(NAMES.iter().map(|n| format!("http://{n}")));
        }
        Allowed { port, hosts, origins }
    }

    /// Whether `host` (a `Host` header or a URI's authority) is allowed.
    pub fn host_ok(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Whether `origin` (an `Origin` header) is the playground's own.
    pub fn origin_ok(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// Why the request's headers are refused (403 or 415), or `None`.
    pub fn check(&self, method: &Method, authority: Option<&str>, headers: &HeaderMap) -> Option<ApiError> {
        let port = self.port;
        let forbidden = |msg: String| Some(ApiError(StatusCode::FORBIDDEN, msg));
        let text = |v: &header::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
        let hosts = format!("127.0.0.1:{port}, localhost:{port} or [::1]:{port}");
        match headers.get(header::HOST) {
            None if authority.is_none() => {
                return forbidden(format!("the request has no Host header: the playground answers only to {hosts}"));
            }
            Some(h) if !h.to_str().is_ok_and(|h| self.host_ok(h)) => {
                return forbidden(format!(
                    "Host {} is not allowed: the playground answers only to {hosts} (a guard against DNS rebinding)",
                    origami::quote(&text(h))
                ));
            }
            _ => {}
        }
        if let Some(a) = authority.filter(|a| !self.host_ok(a)) {
            return forbidden(format!(
                "the request's address names host {}: the playground answers only to {hosts}",
                origami::quote(a)
            ));
        }
        if let Some(o) = headers.get(header::ORIGIN) {
            if !o.to_str().is_ok_and(|o| self.origin_ok(o)) {
                return forbidden(format!(
                    "Origin {} is not allowed: only the playground's own page (http://127.0.0.1:{port} or \
                     http://localhost:{port}) may call it (a guard against cross-site requests)",
                    origami::quote(&text(o))
                ));
            }
        }
        if method == Method::POST {
            let kind = headers.get(header::CONTENT_TYPE);
            let json = kind
                .and_then(|k| k.to_str().ok())
                .is_some_and(|k| k.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
            if !json {
                let found = kind.map_or("none".to_string(), |k| origami::quote(&text(k)));
                return Some(ApiError(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!("every POST must have Content-Type: application/json (found {found}), even without a body"),
                ));
            }
        }
        None
    }
}

/// The middleware: refuses what [`Allowed::check`] refuses, before routing.
pub async fn guard(State(allowed): State<Arc<Allowed>>, req: Request, next: Next) -> Response {
    let authority = req.uri().authority().map(|a| a.as_str().to_string());
    match allowed.check(req.method(), authority.as_deref(), req.headers()) {
        Some(refusal) => refusal.into_response(),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn status(a: &Allowed, method: Method, pairs: &[(header::HeaderName, &str)]) -> Option<u16> {
        a.check(&method, None, &headers(pairs)).map(|e| e.0.as_u16())
    }

    #[test]
    fn loopback_hosts_and_own_origin_only() {
        let a = Allowed::new(8123);
        let json = (header::CONTENT_TYPE, "application/json");
        for host in ["127.0.0.1:8123", "localhost:8123", "LOCALHOST:8123", "[::1]:8123", "localhost", "127.0.0.1"] {
            assert_eq!(status(&a, Method::GET, &[(header::HOST, host)]), None, "{host}");
        }
        for host in ["attacker.example", "attacker.example:8123", "127.0.0.1:9999", "127.0.0.2:8123", "", "localhost."]
        {
            assert_eq!(status(&a, Method::GET, &[(header::HOST, host)]), Some(403), "{host}");
        }
        assert_eq!(status(&a, Method::GET, &[]), Some(403), "no Host");
        let host = (header::HOST, "127.0.0.1:8123");
        for origin in ["http://127.0.0.1:8123", "http://localhost:8123", "http://[::1]:8123"] {
            assert_eq!(status(&a, Method::POST, &[host.clone(), (header::ORIGIN, origin), json.clone()]), None);
        }
        for origin in
            ["http://evil.example", "null", "https://127.0.0.1:8123", "http://127.0.0.1", "http://localhost:80"]
        {
            let got = status(&a, Method::POST, &[host.clone(), (header::ORIGIN, origin), json.clone()]);
            assert_eq!(got, Some(403), "{origin}");
        }
        // The request line's absolute address counts as well.
        assert!(a.check(&Method::GET, Some("attacker.example"), &headers(std::slice::from_ref(&host))).is_some());
        assert!(a.check(&Method::GET, Some("localhost:8123"), &headers(std::slice::from_ref(&host))).is_none());
        // The message says why.
        let e = a.check(&Method::GET, None, &headers(&[(header::HOST, "attacker.example")])).unwrap();
        assert!(e.1.contains("\"attacker.example\"") && e.1.contains("localhost:8123"), "{}", e.1);
    }

    #[test]
    fn every_post_is_json() {
        let a = Allowed::new(8123);
        let host = (header::HOST, "127.0.0.1:8123");
        for kind in ["application/json", "application/json; charset=utf-8", "Application/JSON ;charset=UTF-8"] {
            assert_eq!(status(&a, Method::POST, &[host.clone(), (header::CONTENT_TYPE, kind)]), None, "{kind}");
        }
        for kind in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/jsonx"] {
            assert_eq!(status(&a, Method::POST, &[host.clone(), (header::CONTENT_TYPE, kind)]), Some(415), "{kind}");
        }
        assert_eq!(status(&a, Method::POST, std::slice::from_ref(&host)), Some(415), "a POST without Content-Type");
        assert_eq!(status(&a, Method::GET, &[host]), None, "a GET needs none");
    }
}
