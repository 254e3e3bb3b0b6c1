// The configuration on the page: its defaults (the server's), how it is
// written to and read from the URL hash (so a view can be shared or
// reloaded), the lecture's six exercises as presets, and classroom links.
'use strict';

PG.DEFAULTS = {
  problem: 'classification', dataset: 'circle', classes: 3, points: 500, train_pct: 50, noise: 0, batch_size: 10,
  data_seed: 1, seed: 1, features: ['x1', 'x2'], layers: [4, 2], activation: 'tanh', initializer: 'default',
  regularization: 'none', reg_rate: 0, dropout: 0, batch_norm: false, optimizer: 'sgd', learning_rate: 0.03,
  momentum: 0.9, beta1: 0.9, beta2: 0.999, rho: 0.9, epsilon: 1e-7, weight_decay: 0.004, amsgrad: false,
  centered: false, schedule: 'constant', decay_epochs: 100, decay_rate: 0.5, power: 1, warmup_epochs: 10, patience: 10,
};
PG.UI_DEFAULTS = { show_test: false, discretize: false, tab: 'play', classroom: false, hide: [] };
PG.FEATURES = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'];
PG.FEATURE_LABELS = { x1: 'X₁', x2: 'X₂', x1sq: 'X₁²', x2sq: 'X₂²', x1x2: 'X₁X₂', sinx1: 'sin(X₁)', sinx2: 'sin(X₂)' };
PG.FEATURE_FN = {
  x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b, x1x2: (a, b) => a * b,
  sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
};
PG.FEATURE_SCALE = { x1: 6, x2: 6, x1sq: 36, x2sq: 36, x1x2: 36, sinx1: 1, sinx2: 1 };
// Controls a classroom link can hide (data-ctl names in index.html).
PG.HIDEABLE = ['problem', 'features', 'layers', 'activation', 'learning_rate', 'regularization', 'optimizer',
  'ratio', 'noise', 'batch_size', 'advanced', 'experiments', 'race', 'export'];

PG.state = { cfg: { ...PG.DEFAULTS, custom: [] }, ui: { ...PG.UI_DEFAULTS } };

/** The config and UI flags as a URL hash (custom points are not included: too long). */
PG.toHash = function () {
  const p = new URLSearchParams();
  const { cfg, ui } = PG.state;
  for (const k of Object.keys(PG.DEFAULTS)) {
    const v = cfg[k];
    p.set(k, Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  if (ui.show_test) p.set('show_test', '1');
  if (ui.discretize) p.set('discretize', '1');
  if (ui.tab !== 'play') p.set('tab', ui.tab);
  if (ui.classroom) p.set('classroom', '1');
  if (ui.hide.length) p.set('hide', ui.hide.join(','));
  return '#' + p.toString();
};

/** Reads a hash into the state; unknown keys are ignored, bad values fall back to defaults. */
PG.fromHash = function (hash) {
  const p = new URLSearchParams((hash || '').replace(/^#/, ''));
  const cfg = { ...PG.DEFAULTS, custom: [] };
  for (const [k, def] of Object.entries(PG.DEFAULTS)) {
    if (!p.has(k)) continue;
    const s = p.get(k);
    if (Array.isArray(def)) {
      cfg[k] = s === '' ? [] : s.split(',').map((x) => (k === 'layers' ? parseInt(x, 10) : x)).filter((x) => x === x);
    } else if (typeof def === 'boolean') cfg[k] = s === '1' || s === 'true';
    else if (typeof def === 'number') { const n = Number(s); if (Number.isFinite(n)) cfg[k] = n; }
    else cfg[k] = s;
  }
  const ui = { ...PG.UI_DEFAULTS };
  ui.show_test = p.get('show_test') === '1';
  ui.discretize = p.get('discretize') === '1';
  ui.tab = p.get('tab') || 'play';
  ui.classroom = p.get('classroom') === '1';
  ui.hide = (p.get('hide') || '').split(',').filter((x) => PG.HIDEABLE.includes(x));
  // Mutate in place: the controller holds a reference to PG.state.
  PG.state.cfg = cfg;
  PG.state.ui = ui;
};

PG.saveHash = function () {
  history.replaceState(null, '', PG.toHash());
};

PG.PRESETS = [
  {
    title: '1. What patterns does a network learn?',
    text: 'Circle with X₁, X₂ and two hidden layers. Watch the small squares: the first layer learns straight boundaries, the next combines them into curves. Then try XOR and the spiral, and see which features make them easy.',
    cfg: { dataset: 'circle', features: ['x1', 'x2'], layers: [4, 2], activation: 'tanh', learning_rate: 0.03, optimizer: 'sgd' },
  },
  {
    title: '2. Activations and time to solution',
    text: 'One layer of 4 neurons on the circle. Train with ReLU, tanh, sigmoid and linear in turn and note the epoch where the test loss falls below 0.1. Linear never gets there: why?',
    cfg: { dataset: 'circle', features: ['x1', 'x2'], layers: [4], activation: 'relu', learning_rate: 0.03, optimizer: 'sgd' },
  },
  {
    title: '3. Local minima: one hidden layer of 3 neurons',
    text: 'Three ReLU neurons can just cut a triangle around the disc, but not every start finds it. Reset with new seeds (or "Train N times" in Experiments): some runs get stuck at a worse boundary.',
    cfg: { dataset: 'circle', features: ['x1', 'x2'], layers: [3], activation: 'relu', learning_rate: 0.03, optimizer: 'sgd' },
  },
  {
    title: '4. Underfitting: one layer of 2 neurons',
    text: 'Two neurons can only make a band or a wedge: the model is too simple for the circle, and both training and test loss stay high whatever you do with the learning rate.',
    cfg: { dataset: 'circle', features: ['x1', 'x2'], layers: [2], activation: 'relu', learning_rate: 0.03, optimizer: 'sgd' },
  },
  {
    title: '5. One layer of 8, trained many times',
    text: 'With 8 neurons there are many good solutions: use "Train N times" (Experiments) — the final test losses hardly spread, the net rarely gets stuck.',
    cfg: { dataset: 'circle', features: ['x1', 'x2'], layers: [8], activation: 'relu', learning_rate: 0.03, optimizer: 'sgd' },
    ui: { tab: 'experiments' },
  },
  {
    title: '6. Vary everything else',
    text: 'The spiral with noise: change features, depth, width, activation, regularization, optimizer and schedule. What is the smallest network that reaches a test loss below 0.1?',
    cfg: { dataset: 'spiral', noise: 10, features: ['x1', 'x2', 'sinx1', 'sinx2'], layers: [8, 8, 4], activation: 'tanh', optimizer: 'adam', learning_rate: 0.01 },
  },
];

/** Applies a preset: defaults, then its settings (keeping the data seed). */
PG.applyPreset = function (i) {
  const pre = PG.PRESETS[i];
  const keep = { data_seed: PG.state.cfg.data_seed };
  PG.state.cfg = { ...PG.DEFAULTS, custom: [], ...keep, ...pre.cfg };
  PG.state.ui = { ...PG.state.ui, ...(pre.ui || {}) };
};

/** A classroom URL: this config, a fixed data set and seed, and the chosen controls hidden. */
PG.classroomUrl = function (hide, seed) {
  const { cfg, ui } = PG.state;
  PG.state.cfg = { ...cfg, seed };
  PG.state.ui = { ...ui, classroom: true, hide };
  const url = location.origin + location.pathname + PG.toHash();
  PG.state.cfg = cfg;
  PG.state.ui = ui;
  return url;
};
