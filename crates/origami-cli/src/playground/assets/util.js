// Small shared helpers: DOM, the JSON API, decoding heatmaps, colours.
// Loaded first; everything hangs off the global `PG` namespace (no build step).
'use strict';
const PG = {};

PG.$ = (sel, root) => (root || document).querySelector(sel);
PG.$$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

/** Creates an element: el('div', {class: 'x', onclick: f}, [children or text]). */
PG.el = function (tag, attrs, children) {
  const e = tag === 'svg' || tag === 'path' || tag === 'title' || tag === 'line' || tag === 'circle'
    ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of [].concat(children || [])) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

/** Calls the API; resolves to the parsed JSON, rejects with the server's message.
 * Every POST says application/json, with a body or without: the server
 * refuses any other POST (415), so that no cross-site form can reach it. */
PG.api = async function (method, path, body) {
  const opts = { method, headers: {} };
  if (method === 'POST') opts.headers['Content-Type'] = 'application/json';
  if (body !== undefined) opts.body = JSON.stringify(body);
  const r = await fetch(path, opts);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
  if (!r.ok) {
    const err = new Error((data && data.error) || text || r.statusText);
    err.status = r.status;
    throw err;
  }
  return data;
};

/** A bodiless JSON POST that outlives the page (closing a session on
 * pagehide); sendBeacon cannot set the Content-Type the server requires. */
PG.beacon = function (path) {
  fetch(path, { method: 'POST', keepalive: true, headers: { 'Content-Type': 'application/json' } }).catch(() => {});
};

/** base64 → Uint8Array. */
PG.bytes = function (b64) {
  const s = atob(b64 || '');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

/** A byte 0..255 back to a value in [-1, 1]. */
PG.unbyte = (b) => b / 127.5 - 1;

// The Playground's colours: orange for negative / class 0, blue for positive / class 1.
PG.NEG = [245, 147, 34];
PG.POS = [8, 119, 189];
PG.MID = [232, 234, 235];
PG.CLASS_COLORS = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [214, 39, 40], [148, 103, 189]];

/** The colour of a value in [-1, 1]: orange through light grey to blue. */
PG.color = function (v) {
  const t = Math.max(-1, Math.min(1, v));
  const a = t < 0 ? PG.NEG : PG.POS;
  const k = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(PG.MID[i] + (a[i] - PG.MID[i]) * k));
};

PG.rgb = (c, alpha) => alpha === undefined ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;

/** A class colour faded towards grey by confidence in [0, 1]. */
PG.classColor = function (k, conf) {
  const c = PG.CLASS_COLORS[k % PG.CLASS_COLORS.length];
  return [0, 1, 2].map((i) => Math.round(PG.MID[i] + (c[i] - PG.MID[i]) * conf));
};

PG.fmt = function (v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return Number(v).toFixed(digits === undefined ? 3 : digits);
};

PG.debounce = function (f, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => f(...args), ms); };
};
