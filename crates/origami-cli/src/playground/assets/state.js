// The configuration on the page: its defaults (the server's), how it is
// written to and read from the URL hash (so a view can be shared or
// reloaded), the lecture's six exercises as presets, and classroom links.
'use strict';

// The server's defaults and choices (GET /api/schema), set by PG.useSchema before anything reads them.
PG.schema = null;
PG.DEFAULTS = null;
// The options maps travel in the hash as one key each, prefixed.
PG.OPTION_MAPS = { optimizer_options: 'o.', schedule_options: 's.' };

/** Takes the schema: the defaults, the features and every list of choices. */
PG.useSchema = function (schema) {
  PG.schema = schema;
  const { custom, ...defaults } = schema.defaults;
  PG.DEFAULTS = defaults;
  PG.FEATURES = schema.features;
  PG.state.cfg = { ...PG.DEFAULTS, custom: [] };
};

/** The options (name, type, default, description) of the chosen optimizer or schedule. */
PG.optionsOf = function (map, cfg) {
  const e = map === 'optimizer_options' ? PG.entry('optimizers', cfg.optimizer, 'type') : PG.entry('schedules', cfg.schedule, 'type');
  const opts = (e && e.options) || [];
  return map === 'optimizer_options' ? opts.filter((o) => o.name !== 'learning_rate') : opts;
};

/** A hash value read back by its schema type. */
function fromText(s, type) {
  const t = Array.isArray(type) ? type.find((x) => x !== 'null') : type;
  if (t === 'boolean') return s === '1' || s === 'true';
  if (t === 'array') return s === '' ? [] : s.split(',').map(Number).filter(Number.isFinite);
  if (t === 'number' || t === 'integer') { const n = Number(s); return Number.isFinite(n) ? n : undefined; }
  return s;
}
// pace: epochs per second while playing (0: as fast as it goes); 20 lets a boundary be seen morphing.
PG.UI_DEFAULTS = { show_test: false, discretize: false, tab: 'play', classroom: false, hide: [], pace: 20 };
PG.PACES = [1, 3, 10, 20, 50, 100, 300, 1000, 0];
PG.FEATURE_LABELS = { x1: 'X₁', x2: 'X₂', x1sq: 'X₁²', x2sq: 'X₂²', x1x2: 'X₁X₂', sinx1: 'sin(X₁)', sinx2: 'sin(X₂)' };
PG.FEATURE_FN = {
  x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b, x1x2: (a, b) => a * b,
  sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
};
PG.FEATURE_SCALE = { x1: 6, x2: 6, x1sq: 36, x2sq: 36, x1x2: 36, sinx1: 1, sinx2: 1 };
// Controls a classroom link can hide (data-ctl names in index.html).
PG.HIDEABLE = ['problem', 'features', 'layers', 'activation', 'learning_rate', 'regularization', 'optimizer',
  'ratio', 'noise', 'batch_size', 'advanced', 'experiments', 'race', 'export'];

PG.state = { cfg: { custom: [] }, ui: { ...PG.UI_DEFAULTS } };

/** The config and UI flags as a URL hash (custom points are not included: too long). */
PG.toHash = function () {
  const p = new URLSearchParams();
  const { cfg, ui } = PG.state;
  const text = (v) => (Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  for (const k of Object.keys(PG.DEFAULTS)) {
    if (PG.OPTION_MAPS[k]) {
      for (const [o, v] of Object.entries(cfg[k] || {})) p.set(PG.OPTION_MAPS[k] + o, text(v));
    } else p.set(k, text(cfg[k]));
  }
  if (ui.show_test) p.set('show_test', '1');
  if (ui.pace !== PG.UI_DEFAULTS.pace) p.set('pace', String(ui.pace));
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
    if (PG.OPTION_MAPS[k] || !p.has(k)) continue;
    const s = p.get(k);
    if (Array.isArray(def)) {
      cfg[k] = s === '' ? [] : s.split(',').map((x) => (k === 'layers' ? parseInt(x, 10) : x)).filter((x) => x === x);
    } else if (typeof def === 'boolean') cfg[k] = s === '1' || s === 'true';
    else if (typeof def === 'number') { const n = Number(s); if (Number.isFinite(n)) cfg[k] = n; }
    else cfg[k] = s;
  }
  // Options by the chosen optimizer's and schedule's types; unknown ones are dropped.
  for (const [map, prefix] of Object.entries(PG.OPTION_MAPS)) {
    cfg[map] = {};
    const known = PG.optionsOf(map, cfg);
    for (const [k, s] of p.entries()) {
      if (!k.startsWith(prefix)) continue;
      const o = known.find((x) => x.name === k.slice(prefix.length));
      const v = o && fromText(s, o.type);
      if (v !== undefined) cfg[map][o.name] = v;
    }
  }
  const ui = { ...PG.UI_DEFAULTS };
  ui.show_test = p.get('show_test') === '1';
  const pace = Number(p.get('pace'));
  if (p.has('pace') && PG.PACES.includes(pace)) ui.pace = pace;
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
