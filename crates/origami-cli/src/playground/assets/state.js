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
PG.UI_DEFAULTS = { show_test: false, discretize: false, tab: 'play', classroom: false, hide: [], pace: 20, threshold: 0.1 };
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
  if (ui.threshold !== PG.UI_DEFAULTS.threshold) p.set('threshold', String(ui.threshold));
  if (ui.discretize) p.set('discretize', '1');
  if (ui.tab !== 'play') p.set('tab', ui.tab);
  if (ui.classroom) p.set('classroom', '1');
  if (ui.hide.length) p.set('hide', ui.hide.join(','));
  return '#' + p.toString();
};

// TensorFlow Playground's own link keys (playground.ts's state), read as ours.
PG.TFP_SETS = { circle: 'circle', xor: 'xor', gauss: 'gaussian', spiral: 'spiral', 'reg-plane': 'regress_plane', 'reg-gauss': 'regress_gaussian' };
PG.TFP_FEATURES = { x: 'x1', y: 'x2', xSquared: 'x1sq', ySquared: 'x2sq', xTimesY: 'x1x2', sinX: 'sinx1', sinY: 'sinx2', cosX: null, cosY: null };
// Keys only TensorFlow Playground writes (dataset, noise, seed… it shares with ours).
PG.TFP_KEYS = ['batchSize', 'regDataset', 'learningRate', 'regularizationRate', 'networkShape', 'showTestData',
  'percTrainData', 'initZero', 'collectStats', 'hideText', ...Object.keys(PG.TFP_FEATURES)];

/** A TensorFlow Playground link's keys as ours (`p` is changed in place); returns the keys that have no equivalent. */
function fromTensorFlowPlayground(p) {
  const lost = [];
  const take = (k) => { const v = p.get(k); p.delete(k); return v; };
  const set = (k, v) => { if (v !== null && v !== undefined && !p.has(k)) p.set(k, v); };
  const problem = take('problem');
  set('problem', problem);
  const ds = take('dataset'), reg = take('regDataset');
  const name = problem === 'regression' ? reg : ds;
  if (name !== null) { if (PG.TFP_SETS[name]) set('dataset', PG.TFP_SETS[name]); else lost.push(`dataset=${name}`); }
  set('activation', take('activation'));
  set('batch_size', take('batchSize'));
  set('learning_rate', take('learningRate'));
  const r = take('regularization');
  if (r !== null) set('regularization', r.toLowerCase());
  set('reg_rate', take('regularizationRate'));
  set('noise', take('noise'));
  set('layers', take('networkShape'));
  set('train_pct', take('percTrainData'));
  const seed = take('seed');
  if (seed !== null) { const n = parseFloat(seed); if (Number.isFinite(n)) set('seed', String(Math.floor(Math.abs(n) * 1e9) % 1e9)); }
  for (const [k, ours] of [['showTestData', 'show_test'], ['discretize', 'discretize']]) {
    const v = take(k);
    if (v !== null) set(ours, v === 'true' ? '1' : '0');
  }
  if (take('initZero') === 'true') set('initializer', 'zeros');
  take('collectStats'); take('hideText');
  const feats = [];
  let anyFeature = false;
  for (const [k, ours] of Object.entries(PG.TFP_FEATURES)) {
    const v = take(k);
    if (v === null) continue;
    anyFeature = true;
    if (v === 'true') { if (ours) feats.push(ours); else lost.push(`${k} (no such feature here)`); }
  }
  if (anyFeature) set('features', feats.join(','));
  return lost;
}

/** Reads a hash into the state, key by key: a bad value keeps its default
 * and is reported by name (PG.state.notice), the other keys are kept.
 * TensorFlow Playground's own links are read too. */
PG.fromHash = function (hash) {
  const p = new URLSearchParams((hash || '').replace(/^#/, ''));
  const bad = PG.TFP_KEYS.some((k) => p.has(k)) ? fromTensorFlowPlayground(p) : [];
  const cfg = { ...PG.DEFAULTS, custom: [] };
  const lists = PG.schema ? {
    activation: PG.schema.activations.map((a) => a.name), optimizer: PG.schema.optimizers.map((o) => o.type),
    schedule: PG.schema.schedules.map((o) => o.type), initializer: PG.schema.initializers.map((o) => o.name),
    regularization: PG.schema.regularizers.map((o) => o.name), dataset: PG.schema.datasets.map((o) => o.name),
    problem: ['classification', 'regression'],
  } : {};
  for (const [k, def] of Object.entries(PG.DEFAULTS)) {
    if (PG.OPTION_MAPS[k] || !p.has(k)) continue;
    const s = p.get(k);
    let v;
    if (Array.isArray(def)) {
      const items = s === '' ? [] : s.split(',');
      v = k === 'layers' ? items.map((x) => parseInt(x, 10)) : items;
      if (k === 'layers' && v.some((x) => !(x >= 1))) v = undefined;
      if (k === 'features' && v.some((x) => !PG.FEATURES.includes(x))) v = undefined;
    } else if (typeof def === 'boolean') v = s === '1' || s === 'true' ? true : s === '0' || s === 'false' ? false : undefined;
    else if (typeof def === 'number') { const n = Number(s); v = s.trim() !== '' && Number.isFinite(n) ? n : undefined; }
    else v = !lists[k] || lists[k].includes(String(s).split('(')[0]) ? s : undefined;
    if (v === undefined) bad.push(`${k}=${s}`); else cfg[k] = v;
  }
  // Options by the chosen optimizer's and schedule's types.
  for (const [map, prefix] of Object.entries(PG.OPTION_MAPS)) {
    cfg[map] = {};
    const known = PG.optionsOf(map, cfg);
    for (const [k, s] of p.entries()) {
      if (!k.startsWith(prefix)) continue;
      const o = known.find((x) => x.name === k.slice(prefix.length));
      const v = o && fromText(s, o.type);
      if (v !== undefined) cfg[map][o.name] = v; else bad.push(`${k}=${s}`);
    }
  }
  const ui = { ...PG.UI_DEFAULTS };
  ui.show_test = p.get('show_test') === '1';
  const pace = Number(p.get('pace'));
  if (p.has('pace') && PG.PACES.includes(pace)) ui.pace = pace;
  const threshold = Number(p.get('threshold'));
  if (p.has('threshold') && threshold > 0) ui.threshold = threshold;
  ui.discretize = p.get('discretize') === '1';
  ui.tab = p.get('tab') || 'play';
  ui.classroom = p.get('classroom') === '1';
  ui.hide = (p.get('hide') || '').split(',').filter((x) => PG.HIDEABLE.includes(x));
  // Mutate in place: the controller holds a reference to PG.state.
  PG.state.cfg = cfg;
  PG.state.ui = ui;
  PG.state.notice = bad.length ? `Not taken from the link (defaults used): ${bad.join(', ')}.` : null;
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

// What a classroom link locks: the data set and the seeds always, and the
// settings behind each hidden control (data-ctl name → configuration keys).
PG.LOCKED_ALWAYS = ['problem', 'dataset', 'classes', 'custom', 'points', 'noise', 'data_seed', 'seed'];
PG.LOCKED_BY = {
  problem: ['problem'], features: ['features'], layers: ['layers'], activation: ['activation'],
  learning_rate: ['learning_rate'], regularization: ['regularization', 'reg_rate'],
  optimizer: ['optimizer', 'optimizer_options'], ratio: ['train_pct'], noise: ['noise'], batch_size: ['batch_size'],
  advanced: ['optimizer', 'optimizer_options', 'schedule', 'schedule_options', 'schedule_epochs', 'initializer',
    'dropout', 'batch_norm', 'seed'],
};

/** The configuration keys a classroom link (`ui`) locks. */
PG.lockedKeys = function (ui) {
  if (!ui.classroom) return [];
  return [...new Set([...PG.LOCKED_ALWAYS, ...ui.hide.flatMap((h) => PG.LOCKED_BY[h] || [])])];
};

/** A classroom URL: this config, a fixed data set and seed, and the chosen controls hidden. */
PG.classroomUrl = function (hide, seed) {
  const { cfg, ui } = PG.state;
  PG.state.cfg = { ...cfg, seed };
  // the link opens the exercise itself, not the Classroom tab
  PG.state.ui = { ...ui, classroom: true, hide, tab: 'play' };
  const url = location.origin + location.pathname + PG.toHash();
  PG.state.cfg = cfg;
  PG.state.ui = ui;
  return url;
};
