// The optimizer race: the server rolls one ball per optimizer down a 2-D
// surface with origami's optimizers; this view draws the contours and
// animates the balls along their paths.
'use strict';

PG.race = (function () {
  const RACERS = [
    ['sgd', 'GD', '#444444'], ['momentum', 'Momentum', '#1f77b4'], ['nesterov', 'Nesterov', '#17becf'],
    ['adagrad', 'AdaGrad', '#2ca02c'], ['rmsprop', 'RMSProp', '#d62728'], ['adam', 'Adam', '#ff7f0e'],
    ['adamax', 'AdaMax', '#9467bd'], ['nadam', 'Nadam', '#8c564b'], ['adamw', 'AdamW', '#e377c2'],
  ];
  // Learning rates that make each surface's race interesting, per optimizer family.
  const LR = {
    bowl: { sgd: 0.9, momentum: 0.08, nesterov: 0.08, adagrad: 1.5, rmsprop: 0.1, adam: 0.3, adamax: 0.3, nadam: 0.3, adamw: 0.3 },
    rosenbrock: { sgd: 0.001, momentum: 0.0005, nesterov: 0.0005, adagrad: 0.2, rmsprop: 0.01, adam: 0.05, adamax: 0.05, nadam: 0.05, adamw: 0.05 },
    saddle: { sgd: 0.05, momentum: 0.02, nesterov: 0.02, adagrad: 0.3, rmsprop: 0.02, adam: 0.05, adamax: 0.05, nadam: 0.05, adamw: 0.05 },
    beale: { sgd: 0.001, momentum: 0.0005, nesterov: 0.0005, adagrad: 0.3, rmsprop: 0.01, adam: 0.05, adamax: 0.05, nadam: 0.05, adamw: 0.05 },
  };
  let surfaces = [];
  let start = null;
  let result = null;
  let frame = 0;
  let anim = null;
  let built = false;

  async function show() {
    if (built) return;
    built = true;
    surfaces = await PG.api('GET', '/api/surfaces');
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
    const surf = PG.$('#race-surface').value;
    const box = PG.$('#race-racers');
    box.innerHTML = '';
    for (const [name, label, color] of RACERS) {
      const on = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'].includes(name);
      box.append(PG.el('label', { title: PG.optimizerHelp(name) }, [
        PG.el('input', { type: 'checkbox', 'data-racer': name, checked: on }),
        PG.el('span', { class: 'swatch', style: `background:${color}` }), label,
        PG.el('input', { type: 'number', 'data-lr': name, value: LR[surf][name], step: 'any', min: 0 }),
      ]));
    }
  }

  async function go() {
    const racers = PG.$$('#race-racers input[type=checkbox]:checked').map((e) => ({
      name: e.dataset.racer, learning_rate: Number(PG.$(`[data-lr="${e.dataset.racer}"]`).value),
    }));
    if (!racers.length) return;
    const body = { surface: PG.$('#race-surface').value, steps: Number(PG.$('#race-steps').value), racers };
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
      const color = (RACERS.find((r) => r[0] === p.name) || [0, 0, '#000'])[2];
      const n = Math.min(frame, p.points.length - 1);
      ctx.beginPath();
      for (let i = 0; i <= n; i++) {
        const q = p.points[i];
        if (i) ctx.lineTo(X(q[0]), Y(q[1])); else ctx.moveTo(X(q[0]), Y(q[1]));
      }
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.stroke();
      const q = p.points[n];
      ctx.beginPath(); ctx.arc(X(q[0]), Y(q[1]), 6, 0, 2 * Math.PI); ctx.fillStyle = color; ctx.fill();
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5; ctx.stroke();
      const gone = p.points.length - 1 < frame && p.points.length - 1 < Number(PG.$('#race-steps').value) ? ' (left the box or diverged)' : '';
      legend.push(`${p.name} (η ${p.learning_rate}): f = ${q[2].toPrecision(4)} at step ${n}${gone}`);
    }
    PG.$('#race-legend').textContent = legend.join('\n');
    PG.$('#race-legend').style.whiteSpace = 'pre';
  }

  return { show };
})();
