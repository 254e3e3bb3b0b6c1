// The optimizer race: the server rolls one ball per optimizer down a 2-D
// surface with origami's optimizers (autograd gradients, the library's own
// update rules) and sends f on a fine grid; this view draws the surface as
// filled contour bands (marching squares on the grid, log-spaced levels),
// with isolines, axes and a colour bar, and rolls the balls step by step
// along their paths, each leaving its trail.
'use strict';

PG.race = (function () {
  // The roster and each ball's learning rate per surface come from the server
  // (GET /api/surfaces): every optimizer of the library, plus SGD with momentum
  // and with Nesterov momentum.
  // Bright colours: each trail has a dark halo, so they show on dark and light bands alike.
  const COLORS = ['#ffffff', '#ff7f0e', '#ff66cc', '#e41a1c', '#a6cee3', '#00e5ff', '#ffe600', '#b15928', '#9467bd',
    '#33dd55', '#bbbbbb', '#1f77b4', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94'];
  // viridis: dark (low f) to yellow (high f).
  const RAMP = [[68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140], [40, 174, 128],
    [94, 201, 98], [173, 220, 48], [253, 231, 37]];
  // The plot's margins in CSS pixels: tick labels left and below, the colour bar right.
  const M = { l: 54, r: 104, t: 14, b: 44 };
  let racers = [];
  const color = (name) => COLORS[Math.max(0, racers.findIndex((r) => r.name === name)) % COLORS.length];
  let surfaces = [];
  let start = null;
  let result = null;
  let steps = 0;
  let frame = 0;
  let anim = null;
  let built = false;
  let geo = null; // the layout of the current result
  let bg = null; // the contour plot, axes and colour bar, drawn once per race
  let levels = null;

  async function show() {
    if (built) return;
    built = true;
    const catalog = await PG.api('GET', '/api/surfaces');
    surfaces = catalog.surfaces;
    racers = catalog.racers;
    const sel = PG.$('#race-surface');
    for (const s of surfaces) sel.append(PG.el('option', { value: s.name }, [s.name]));
    sel.addEventListener('change', () => { start = null; fillRacers(); go(); });
    fillRacers();
    PG.$('#race-go').addEventListener('click', go);
    PG.$('#race-replay').addEventListener('click', () => { if (result) roll(); });
    PG.$('#race-canvas').addEventListener('click', (ev) => {
      if (!result || !geo) return;
      const r = ev.target.getBoundingClientRect();
      const px = (ev.clientX - r.left) * geo.W / r.width, py = (ev.clientY - r.top) * geo.H / r.height;
      if (px < M.l || px > M.l + geo.pw || py < M.t || py > M.t + geo.ph) return;
      start = [geo.ix(px), geo.iy(py)];
      go();
    });
    go();
  }

  /** The update rule a ball runs, from the library's schema; for SGD the case its
   * options pick (plain: β = 0; momentum; Nesterov momentum). */
  function ruleOf(r) {
    const o = PG.entry('optimizers', r.optimizer, 'type');
    if (!o) return r.optimizer;
    if (r.optimizer !== 'sgd') return o.rule;
    const plain = /\(β = 0: ([^;]+);/.exec(o.rule), nesterov = /Nesterov: ([^)]+)\)/.exec(o.rule);
    const base = o.rule.split('  (')[0];
    if (!r.options.momentum && plain) return plain[1].trim();
    if (r.options.nesterov && nesterov) return `${base}  (Nesterov: ${nesterov[1].trim()})`;
    return r.options.momentum && plain ? base : o.rule;
  }

  function fillRacers() {
    const surf = surfaces.find((s) => s.name === PG.$('#race-surface').value) || surfaces[0];
    const box = PG.$('#race-racers');
    box.innerHTML = '';
    for (const r of racers) {
      const opts = Object.entries(r.options).map(([k, v]) => `${k} = ${v}`).join(', ');
      box.append(PG.el('label', { title: PG.optimizerHelp(r.optimizer) + (opts ? `\n(${opts})` : '') }, [
        PG.el('input', { type: 'checkbox', 'data-racer': r.name, checked: r.on }),
        PG.el('span', { class: 'swatch', style: `background:${color(r.name)}` }), r.name,
        PG.el('input', { type: 'number', 'data-lr': r.name, value: Number(Number(surf.learning_rates[r.name]).toPrecision(4)), step: 'any', min: 0 }),
      ]));
    }
  }

  async function go() {
    const balls = PG.$$('#race-racers input[type=checkbox]:checked').map((e) => {
      const r = racers.find((x) => x.name === e.dataset.racer);
      return { name: r.name, optimizer: r.optimizer, options: r.options,
        learning_rate: Number(PG.$(`[data-lr="${r.name}"]`).value) };
    });
    if (!balls.length) return;
    const body = { surface: PG.$('#race-surface').value, steps: Number(PG.$('#race-steps').value), racers: balls };
    if (start) body.start = start;
    let res;
    try {
      res = await PG.api('POST', '/api/race', body);
    } catch (e) { PG.$('#race-formula').textContent = e.message; return; }
    result = res;
    steps = body.steps;
    PG.$('#race-formula').textContent = result.formula;
    layout();
    levels = contourLevels(result.values);
    bg = background();
    legend();
    roll();
  }

  /** Starts the balls rolling from step 0: a few steps per animation frame. */
  function roll() {
    frame = 0;
    cancelAnimationFrame(anim);
    const tick = () => {
      const v = PG.$('#race-speed').value;
      frame = Math.min(steps, frame + (v === 'auto' ? Math.max(1, Math.ceil(steps / 300)) : Number(v)));
      draw();
      if (frame < steps) anim = requestAnimationFrame(tick);
    };
    draw();
    anim = requestAnimationFrame(tick);
  }

  // ---- layout -------------------------------------------------------------

  /** The plot keeps x and y at one scale (so gradients cross the contours at right angles). */
  function layout() {
    const [x0, x1, y0, y1] = result.bounds;
    const aspect = (y1 - y0) / (x1 - x0);
    let pw = 560, ph = pw * aspect;
    if (ph > 500) { ph = 500; pw = ph / aspect; }
    pw = Math.round(pw); ph = Math.round(ph);
    const W = M.l + pw + M.r, H = M.t + ph + M.b;
    const dpr = Math.min(3, window.devicePixelRatio || 1);
    const cv = PG.$('#race-canvas');
    cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
    cv.style.width = W + 'px';
    geo = {
      W, H, pw, ph, dpr,
      X: (x) => M.l + (x - x0) / (x1 - x0) * pw,
      Y: (y) => M.t + (y1 - y) / (y1 - y0) * ph,
      ix: (px) => x0 + (px - M.l) / pw * (x1 - x0),
      iy: (py) => y1 - (py - M.t) / ph * (y1 - y0),
      inside: (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1,
    };
  }

  // ---- levels -------------------------------------------------------------

  /** Round numbers m·10^k (m from `mants`) in (lo, hi). */
  function niceSeries(lo, hi, mants) {
    const out = [];
    for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of mants) {
        const v = m * Math.pow(10, k);
        if (v > lo && v < hi) out.push(Number(v.toPrecision(3)));
      }
    }
    return out;
  }

  /** Round tick values covering [lo, hi], about `n` of them. */
  function ticks(lo, hi, n) {
    const raw = (hi - lo) / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(10)));
    return out;
  }

  /** The contour levels: log-spaced round values of f − shift above the surface's lowest
   * point where it has a minimum (valleys need fine levels near the bottom, walls coarse
   * ones), evenly spaced values of f where it has none (the saddle). */
  function contourLevels(vals) {
    let lo = Infinity, hi = -Infinity;
    for (const v of vals) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!result.minimum) {
      const t = ticks(lo, hi, 16).filter((v) => v > lo && v < hi);
      return { log: false, shift: 0, values: t, f: t, lo, hi };
    }
    const shift = Math.min(lo, 0);
    const d = Array.from(vals, (v) => v - shift).filter((v) => v > 0).sort((a, b) => a - b);
    const dmax = hi - shift;
    const dmin = Math.max(d[Math.floor(d.length * 0.002)] || dmax * 1e-6, dmax * 1e-6);
    let values = [];
    for (const mants of [[1, 1.5, 2, 3, 5, 7], [1, 2, 5], [1, 3], [1]]) {
      values = niceSeries(dmin, dmax, mants);
      if (values.length <= 22) break;
    }
    return { log: true, shift, values, f: values.map((v) => v + shift), lo, hi };
  }

  function ramp(t) {
    const u = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
    const i = Math.min(RAMP.length - 2, Math.floor(u)), k = u - i;
    return [0, 1, 2].map((j) => Math.round(RAMP[i][j] + (RAMP[i + 1][j] - RAMP[i][j]) * k));
  }
  const bandColor = (i) => PG.rgb(ramp(i / Math.max(1, levels.values.length)));

  // ---- the background: bands, isolines, axes, colour bar ------------------

  /** Marching squares at level t: the region f ≥ t of every cell as one path (each
   * cell's square clipped at the linearly interpolated crossings on its edges), and
   * the isoline segments between those crossings. */
  function march(t, fillPath, linePath) {
    const g = result.grid, v = result.values;
    const cw = geo.pw / (g - 1), ch = geo.ph / (g - 1);
    const cx = [0, 1, 1, 0], cy = [0, 0, 1, 1];
    for (let r = 0; r < g - 1; r++) {
      let run = -1; // a run of cells wholly above t, filled as one rectangle
      for (let c = 0; c <= g - 1; c++) {
        const a = c < g - 1 ? [v[r * g + c], v[r * g + c + 1], v[(r + 1) * g + c + 1], v[(r + 1) * g + c]] : null;
        const full = a && a[0] >= t && a[1] >= t && a[2] >= t && a[3] >= t;
        if (full) { if (run < 0) run = c; continue; }
        if (run >= 0) { fillPath.rect(M.l + run * cw, M.t + r * ch, (c - run) * cw, ch); run = -1; }
        if (!a || (a[0] < t && a[1] < t && a[2] < t && a[3] < t)) continue;
        const pts = [], cross = [];
        for (let i = 0; i < 4; i++) {
          const j = (i + 1) % 4, inI = a[i] >= t, inJ = a[j] >= t;
          if (inI) pts.push([c + cx[i], r + cy[i]]);
          if (inI !== inJ) {
            const s = (t - a[i]) / (a[j] - a[i]);
            const p = [c + cx[i] + (cx[j] - cx[i]) * s, r + cy[i] + (cy[j] - cy[i]) * s];
            pts.push(p);
            cross.push({ p, exit: inI });
          }
        }
        const P = (p) => [M.l + p[0] * cw, M.t + p[1] * ch];
        pts.forEach((p, i) => { const q = P(p); if (i) fillPath.lineTo(q[0], q[1]); else fillPath.moveTo(q[0], q[1]); });
        fillPath.closePath();
        cross.forEach((e, k) => {
          if (!e.exit) return;
          const a0 = P(e.p), b0 = P(cross[(k + 1) % cross.length].p);
          linePath.moveTo(a0[0], a0[1]); linePath.lineTo(b0[0], b0[1]);
        });
      }
    }
  }

  function fmtLevel(v) {
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
    return String(Number(v.toPrecision(3)));
  }

  function background() {
    const { W, H, pw, ph, dpr } = geo;
    const off = document.createElement('canvas');
    off.width = Math.round(W * dpr); off.height = Math.round(H * dpr);
    const ctx = off.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    // Bands: the lowest band's colour everywhere, then each region f ≥ level over it.
    ctx.save();
    ctx.beginPath(); ctx.rect(M.l, M.t, pw, ph); ctx.clip();
    ctx.fillStyle = bandColor(0);
    ctx.fillRect(M.l, M.t, pw, ph);
    const lines = new Path2D();
    levels.f.forEach((t, i) => {
      const fill = new Path2D();
      march(t, fill, lines);
      ctx.fillStyle = bandColor(i + 1);
      ctx.fill(fill);
    });
    ctx.strokeStyle = 'rgba(255,255,255,0.45)';
    ctx.lineWidth = 0.8;
    ctx.stroke(lines);
    // The minima: a star at the global one, a ring at a local one.
    const mark = (p, star) => {
      const x = geo.X(p[0]), y = geo.Y(p[1]);
      ctx.beginPath();
      if (star) {
        for (let k = 0; k < 10; k++) {
          const rr = k % 2 ? 4 : 10, ang = -Math.PI / 2 + k * Math.PI / 5;
          ctx.lineTo(x + rr * Math.cos(ang), y + rr * Math.sin(ang));
        }
        ctx.closePath();
        ctx.fillStyle = '#fff'; ctx.fill();
        ctx.strokeStyle = '#000'; ctx.lineWidth = 1.2; ctx.stroke();
      } else {
        ctx.arc(x, y, 7, 0, 2 * Math.PI);
        ctx.strokeStyle = '#fff'; ctx.lineWidth = 2; ctx.setLineDash([3, 2]); ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
      ctx.fillText(star ? 'minimum' : 'local minimum', x + 11, y - 10);
    };
    if (result.minimum) mark(result.minimum, true);
    if (result.local_minimum) mark(result.local_minimum, false);
    ctx.restore();
    // Axes: the frame, ticks and their values, the axis names.
    const [x0, x1, y0, y1] = result.bounds;
    ctx.strokeStyle = '#333'; ctx.lineWidth = 1;
    ctx.strokeRect(M.l + 0.5, M.t + 0.5, pw - 1, ph - 1);
    ctx.fillStyle = '#333'; ctx.font = '11px system-ui, sans-serif';
    ctx.beginPath();
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (const v of ticks(x0, x1, Math.max(4, Math.round(pw / 70)))) {
      const x = Math.round(geo.X(v)) + 0.5;
      ctx.moveTo(x, M.t + ph); ctx.lineTo(x, M.t + ph + 5);
      ctx.fillText(fmtLevel(v), x, M.t + ph + 7);
    }
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const v of ticks(y0, y1, Math.max(3, Math.round(ph / 60)))) {
      const y = Math.round(geo.Y(v)) + 0.5;
      ctx.moveTo(M.l, y); ctx.lineTo(M.l - 5, y);
      ctx.fillText(fmtLevel(v), M.l - 7, y);
    }
    ctx.stroke();
    ctx.font = 'italic 13px serif';
    ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
    ctx.fillText('x', M.l + pw / 2, H - 4);
    ctx.save();
    ctx.translate(14, M.t + ph / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('y', 0, 0);
    ctx.restore();
    // The colour bar: one box per band, each level's value at its edge.
    const n = levels.values.length + 1, bx = M.l + pw + 16, bw = 14, bh = ph / n;
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = bandColor(i);
      ctx.fillRect(bx, M.t + ph - (i + 1) * bh, bw, bh + 0.5);
    }
    ctx.strokeStyle = '#333';
    ctx.strokeRect(bx + 0.5, M.t + 0.5, bw - 1, ph - 1);
    ctx.fillStyle = '#333'; ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
    const every = Math.ceil(12 / bh);
    ctx.beginPath();
    levels.values.forEach((v, i) => {
      if ((levels.values.length - 1 - i) % every) return;
      const y = Math.round(M.t + ph - (i + 1) * bh) + 0.5;
      ctx.moveTo(bx + bw, y); ctx.lineTo(bx + bw + 4, y);
      ctx.fillText(fmtLevel(v), bx + bw + 6, y);
    });
    ctx.stroke();
    ctx.font = 'italic 12px serif';
    ctx.textAlign = 'left'; ctx.textBaseline = 'bottom';
    const s = levels.shift;
    const title = s ? `f ${s < 0 ? '+' : '−'} ${fmtLevel(Math.abs(s))}` : 'f';
    ctx.fillText(title + (levels.log ? '  (log)' : ''), bx - 2, M.t + ph + 22);
    return off;
  }

  // ---- the balls ------------------------------------------------------------

  /** What became of a ball by step n: where it is, and whether it diverged or left. */
  function state(p, n) {
    const last = p.points.length - 1, k = Math.min(n, last);
    const q = p.points[k];
    const stopped = last < steps && n > last;
    const out = !geo.inside(q[0], q[1]);
    return { k, q, stopped, out, why: stopped ? (out ? 'left the box' : 'diverged') : out ? 'outside the box' : '' };
  }

  function draw() {
    const cv = PG.$('#race-canvas');
    const ctx = cv.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(bg, 0, 0);
    ctx.setTransform(geo.dpr, 0, 0, geo.dpr, 0, 0);
    const { X, Y, pw, ph } = geo;
    ctx.save();
    ctx.beginPath(); ctx.rect(M.l, M.t, pw, ph); ctx.clip();
    const s0 = result.paths[0] && result.paths[0].points[0];
    if (s0) { // the start
      ctx.beginPath(); ctx.arc(X(s0[0]), Y(s0[1]), 4, 0, 2 * Math.PI);
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5; ctx.stroke();
    }
    const dots = steps <= 600;
    for (const p of result.paths) {
      const c = color(p.name), st = state(p, frame);
      ctx.beginPath();
      for (let i = 0; i <= st.k; i++) {
        const q = p.points[i];
        if (i) ctx.lineTo(X(q[0]), Y(q[1])); else ctx.moveTo(X(q[0]), Y(q[1]));
      }
      ctx.lineJoin = 'round';
      ctx.strokeStyle = 'rgba(0,0,0,0.45)'; ctx.lineWidth = 4; ctx.stroke();
      ctx.strokeStyle = c; ctx.lineWidth = 2; ctx.stroke();
      if (dots) {
        ctx.fillStyle = c;
        for (let i = 1; i <= st.k; i++) {
          const q = p.points[i];
          ctx.fillRect(X(q[0]) - 1.3, Y(q[1]) - 1.3, 2.6, 2.6);
        }
      }
    }
    ctx.restore();
    // The balls on top, kept at the edge of the plot when outside it.
    const cl = (v, a, b) => Math.max(a, Math.min(b, v));
    for (const p of result.paths) {
      const c = color(p.name), st = state(p, frame);
      const x = cl(X(st.q[0]), M.l, M.l + pw), y = cl(Y(st.q[1]), M.t, M.t + ph);
      ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI);
      if (st.stopped || st.out) {
        ctx.fillStyle = 'rgba(0,0,0,0.6)'; ctx.fill();
        ctx.strokeStyle = c; ctx.lineWidth = 2; ctx.stroke();
        if (st.stopped) {
          ctx.beginPath();
          ctx.moveTo(x - 3.5, y - 3.5); ctx.lineTo(x + 3.5, y + 3.5);
          ctx.moveTo(x + 3.5, y - 3.5); ctx.lineTo(x - 3.5, y + 3.5);
          ctx.stroke();
        }
      } else {
        ctx.fillStyle = c; ctx.fill();
        ctx.strokeStyle = '#000'; ctx.lineWidth = 1.2; ctx.stroke();
      }
    }
    // The step counter.
    ctx.font = '12px system-ui, sans-serif';
    const label = `step ${frame} / ${steps}`;
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.fillRect(M.l + 6, M.t + 6, ctx.measureText(label).width + 12, 20);
    ctx.fillStyle = '#fff'; ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
    ctx.fillText(label, M.l + 12, M.t + 16);
    cv.dataset.step = frame;
    updateLegend();
  }

  // ---- the legend ---------------------------------------------------------------

  /** One row per ball: its colour, name, η and update rule; its loss is filled in as it rolls. */
  function legend() {
    const box = PG.$('#race-legend');
    box.innerHTML = '';
    for (const p of result.paths) {
      const r = racers.find((x) => x.name === p.name) || { optimizer: p.name, options: {} };
      const opts = Object.entries(r.options).map(([k, v]) => `${k} = ${v}`).join(', ');
      box.append(PG.el('div', { class: 'race-ball', 'data-ball': p.name }, [
        PG.el('span', { class: 'swatch', style: `background:${color(p.name)}` }),
        PG.el('b', {}, [p.name]),
        PG.el('span', { class: 'race-eta' }, [`η = ${Number(p.learning_rate.toPrecision(4))}` + (opts ? `, ${opts}` : '')]),
        PG.el('span', { class: 'race-loss' }, ['']),
        PG.el('div', { class: 'race-rule' }, [ruleOf(r)]),
      ]));
    }
  }

  function updateLegend() {
    for (const p of result.paths) {
      const row = PG.$(`#race-legend .race-ball[data-ball="${p.name}"] .race-loss`);
      if (!row) continue;
      const st = state(p, frame);
      const done = frame >= steps || st.stopped;
      const f = `f = ${fmtLoss(st.q[2])}`;
      row.textContent = st.stopped ? `${st.why} after step ${st.k} (${f})`
        : `${done ? 'final ' : ''}${f} at step ${st.k}${st.out ? ' (outside the box)' : ''}`;
      row.classList.toggle('gone', !!st.why);
    }
  }

  const fmtLoss = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));

  /** For tests: where the balls ended and what the plot shows. */
  function info() {
    if (!result) return null;
    return {
      surface: result.surface, steps, frame, levels: levels.values, log: levels.log, grid: result.grid,
      ends: Object.fromEntries(result.paths.map((p) => [p.name, p.points[p.points.length - 1]])),
    };
  }

  return { show, info };
})();
