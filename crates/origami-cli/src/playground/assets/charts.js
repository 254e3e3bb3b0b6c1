// Canvas drawing: heatmaps (output, neurons, features), data points, and
// loss curves. Pure functions of their arguments, shared by every view.
'use strict';

PG.DOMAIN = 6;

/** RGB of one heatmap cell. `multi`: bytes are (class, confidence) pairs. */
function cellColor(bytes, i, opts) {
  if (opts.classes > 2 && !opts.regression) {
    const k = bytes[2 * i];
    const conf = bytes[2 * i + 1] / 255;
    return PG.classColor(k, opts.discretize ? 1 : Math.max(0, (conf - 1 / opts.classes) / (1 - 1 / opts.classes)));
  }
  let v = PG.unbyte(bytes[i]);
  if (opts.discretize) v = v >= 0 ? 1 : -1;
  return PG.color(v);
}

/** Draws a base64 heatmap of res×res cells, scaled to the canvas. */
PG.drawMap = function (canvas, b64, res, opts) {
  const ctx = canvas.getContext('2d');
  const bytes = PG.bytes(b64);
  if (!bytes.length) { ctx.clearRect(0, 0, canvas.width, canvas.height); return; }
  const img = new ImageData(res, res);
  // opts.translucent: the colours paled towards white (TensorFlow
  // Playground's look), so that points of the same class stay visible on it.
  const keep = opts.translucent ? 0.55 : 1;
  for (let i = 0; i < res * res; i++) {
    const c = cellColor(bytes, i, opts).map((v) => Math.round(255 - (255 - v) * keep));
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  const off = document.createElement('canvas');
  off.width = res; off.height = res;
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = !opts.discretize;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
};

/** Draws a function of (x1, x2) over the square (the feature nodes). */
PG.drawFn = function (canvas, f, scale) {
  const res = 24;
  const img = new ImageData(res, res);
  const step = 2 * PG.DOMAIN / res;
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      const x = -PG.DOMAIN + (c + 0.5) * step;
      const y = PG.DOMAIN - (r + 0.5) * step;
      const v = f(x, y);
      const col = PG.color(v / scale);
      img.data.set([col[0], col[1], col[2], 255], 4 * (r * res + c));
    }
  }
  const off = document.createElement('canvas');
  off.width = res; off.height = res;
  off.getContext('2d').putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
};

/** Draws the points `[x1, x2, target]`: white outline for training, black for test. */
PG.drawPoints = function (canvas, pts, opts, test) {
  const ctx = canvas.getContext('2d');
  const s = canvas.width / (2 * PG.DOMAIN);
  for (const p of pts) {
    const x = (p[0] + PG.DOMAIN) * s;
    const y = (PG.DOMAIN - p[1]) * s;
    let c;
    if (opts.regression) c = PG.color(p[2]);
    else if (opts.classes > 2) c = PG.CLASS_COLORS[p[2] % PG.CLASS_COLORS.length];
    else c = p[2] > 0.5 ? PG.POS : PG.NEG;
    ctx.beginPath();
    ctx.arc(x, y, canvas.width > 200 ? 3.5 : 2, 0, 2 * Math.PI);
    ctx.fillStyle = PG.rgb(c);
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = test ? '#000' : '#fff';
    ctx.stroke();
  }
};

/** Axis ticks on the output heatmap. */
PG.drawAxes = function (canvas) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'rgba(0,0,0,.55)';
  ctx.font = '10px sans-serif';
  const s = canvas.width / (2 * PG.DOMAIN);
  for (const v of [-6, -4, -2, 0, 2, 4, 6]) {
    ctx.fillText(String(v), (v + PG.DOMAIN) * s + 2, canvas.height - 2);
    if (v !== -6) ctx.fillText(String(v), 2, (PG.DOMAIN - v) * s - 2);
  }
};

/**
 * Loss curves: `history` holds [epoch, train, test]. opts.best marks an epoch
 * with a dot; opts.log uses a log scale; opts.axes draws labels.
 */
PG.drawLoss = function (canvas, history, opts) {
  opts = opts || {};
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  const pad = opts.axes ? 30 : 2;
  ctx.clearRect(0, 0, W, H);
  if (!history || history.length < 1) return;
  const vals = history.flatMap((h) => [h[1], h[2]]).filter(Number.isFinite);
  if (!vals.length) return;
  const maxE = Math.max(1, history[history.length - 1][0]);
  const maxV = Math.max(...vals) * 1.05 || 1;
  // A log epoch axis (opts.linear for a plain one): the early epochs, where
  // the loss falls fastest, are not squeezed into the left edge.
  const X = opts.linear ? (e) => pad + (e / maxE) * (W - pad - 4)
    : (e) => pad + (Math.log1p(e) / Math.log1p(maxE)) * (W - pad - 4);
  const Y = (v) => H - pad - (v / maxV) * (H - pad - 4);
  const line = (k, color, width) => {
    ctx.beginPath();
    let started = false;
    for (const h of history) {
      if (!Number.isFinite(h[k])) continue;
      if (started) ctx.lineTo(X(h[0]), Y(h[k])); else { ctx.moveTo(X(h[0]), Y(h[k])); started = true; }
    }
    ctx.strokeStyle = color; ctx.lineWidth = width; ctx.stroke();
  };
  line(1, '#999', 1.5);
  line(2, '#222', 1.5);
  if (opts.axes) {
    ctx.fillStyle = '#555'; ctx.font = '11px sans-serif';
    ctx.fillText(PG.fmt(maxV, 2), 2, 12);
    ctx.fillText('0', 2, H - pad);
    ctx.fillText(`epoch ${maxE}`, W - 70, H - 8);
    ctx.fillStyle = '#999'; ctx.fillText('training', W - 140, 14);
    ctx.fillStyle = '#222'; ctx.fillText('validation (test)', W - 140, 28);
  }
  if (opts.best !== undefined) {
    const h = history.find((r) => r[0] === opts.best);
    if (h) {
      ctx.beginPath(); ctx.arc(X(h[0]), Y(h[2]), 5, 0, 2 * Math.PI);
      ctx.fillStyle = '#d62728'; ctx.fill();
      ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.moveTo(X(h[0]), 4); ctx.lineTo(X(h[0]), H - pad);
      ctx.strokeStyle = '#d62728'; ctx.lineWidth = 1; ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = '#d62728';
      ctx.fillText(`early stop: epoch ${h[0]}`, Math.min(X(h[0]) + 6, W - 120), H - pad - 6);
    }
  }
};
