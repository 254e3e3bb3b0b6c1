// The optimizer race: the server rolls one ball per optimizer down a 2-D
// surface with origami's optimizers; this view draws the contours and
// animates the balls along their paths.
'use strict';

PG.race = (function () {
  // The roster and each ball's learning rate per surface come from the server
  // (GET /api/surfaces): every optimizer of the library, plus SGD with momentum
  // and with Nesterov momentum.
  const COLORS = ['#444444', '#1f77b4', '#17becf', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
    '#bcbd22', '#7f7f7f', '#aec7e8', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94'];
  let racers = [];
  const color = (name) => COLORS[Math.max(0, racers.findIndex((r) => r.name === name)) % COLORS.length];
  let surfaces = [];
  let start = null;
  let result = null;
  let frame = 0;
  let anim = null;
  let built = false;

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
    PG.$('#race-canvas').addEventListener('click', (ev) => {
      if (!result) return;
      const cv = ev.target, r = cv.getBoundingClientRect();
      const [x0, x1, y0, y1] = result.bounds;
      start = [x0 + (ev.clientX - r.left) / r.width * (x1 - x0), y1 - (ev.clientY - r.top) / r.height * (y1 - y0)];
      go();
    });
    go();
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
        PG.el('input', { type: 'number', 'data-lr': r.name, value: surf.learning_rates[r.name], step: 'any', min: 0 }),
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
    try {
      result = await PG.api('POST', '/api/race', body);
    } catch (e) { PG.$('#race-formula').textContent = e.message; return; }
    PG.$('#race-formula').textContent = result.formula;
    frame = 0;
    cancelAnimationFrame(anim);
    const tick = () => {
      frame += Math.max(1, Math.round(body.steps / 240));
      draw();
      if (frame < body.steps) anim = requestAnimationFrame(tick);
    };
    tick();
  }

  function draw() {
    const cv = PG.$('#race-canvas');
    const ctx = cv.getContext('2d');
    const W = cv.width, H = cv.height, g = result.grid;
    const [x0, x1, y0, y1] = result.bounds;
    // Contours: log of the value, banded.
    const vals = result.values;
    const lo = Math.min(...vals), hi = Math.max(...vals);
    const lv = (v) => Math.log(1 + v - lo) / Math.log(1 + hi - lo);
    const img = new ImageData(g, g);
    const band = vals.map((v) => Math.min(13, Math.floor(lv(v) * 14)));
    for (let i = 0; i < g * g; i++) {
      const b = band[i] / 14;
      const shade = Math.round(255 - 150 * b);
      // An isoline where the band changes to the right or below.
      const edge = (i % g < g - 1 && band[i + 1] !== band[i]) || (i + g < g * g && band[i + g] !== band[i]);
      img.data.set(edge ? [90, 110, 140, 255] : [shade, Math.round(shade * 0.97), 255 - Math.round(60 * b), 255], 4 * i);
    }
    const off = document.createElement('canvas');
    off.width = g; off.height = g;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, W, H);
    const X = (x) => (x - x0) / (x1 - x0) * W, Y = (y) => (y1 - y) / (y1 - y0) * H;
    if (result.minimum) {
      ctx.fillStyle = '#000'; ctx.font = '16px sans-serif';
      ctx.fillText('★', X(result.minimum[0]) - 6, Y(result.minimum[1]) + 6);
    }
    const legend = [];
    for (const p of result.paths) {
      const c = color(p.name);
      const n = Math.min(frame, p.points.length - 1);
      ctx.beginPath();
      for (let i = 0; i <= n; i++) {
        const q = p.points[i];
        if (i) ctx.lineTo(X(q[0]), Y(q[1])); else ctx.moveTo(X(q[0]), Y(q[1]));
      }
      ctx.strokeStyle = c; ctx.lineWidth = 2; ctx.stroke();
      const q = p.points[n];
      ctx.beginPath(); ctx.arc(X(q[0]), Y(q[1]), 6, 0, 2 * Math.PI); ctx.fillStyle = c; ctx.fill();
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5; ctx.stroke();
      const gone = p.points.length - 1 < frame && p.points.length - 1 < Number(PG.$('#race-steps').value) ? ' (left the box or diverged)' : '';
      legend.push(`${p.name} (η ${p.learning_rate}): f = ${q[2].toPrecision(4)} at step ${n}${gone}`);
    }
    PG.$('#race-legend').textContent = legend.join('\n');
    PG.$('#race-legend').style.whiteSpace = 'pre';
  }

  return { show };
})();
