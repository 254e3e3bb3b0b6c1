// The page's controller: opens a session, binds the controls to the
// configuration (and the URL hash), polls the server's snapshot and hands
// it to the views. Loaded last.
'use strict';

(function () {
  const S = PG.state;
  let session = null;
  let version = 0;
  let dataVersion = -1;
  let points = { train: [], test: [] };
  let snap = null;
  let pollTimer = null;
  let generation = 0; // bumped when the session is replaced: answers for the old one are dropped

  const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  // Every list of names below comes from the server's schema (PG.schema).
  const names = (list, key) => PG.schema[list].map((e) => [e[key || 'name'], e[key || 'name']]);
  const typeOf = (o) => (Array.isArray(o.type) ? o.type.find((x) => x !== 'null') : o.type);

  /** The inputs of the chosen optimizer's or schedule's options (`map`: optimizer_options or schedule_options). */
  function optionFields(box, map) {
    box.innerHTML = '';
    for (const o of PG.optionsOf(map, S.cfg)) {
      const t = typeOf(o);
      const cur = S.cfg[map][o.name];
      const value = cur !== undefined ? cur : o.default;
      let input;
      if (t === 'boolean') input = PG.el('input', { type: 'checkbox', checked: !!value, 'data-option': o.name });
      else if (t === 'array') {
        input = PG.el('input', { type: 'text', value: (value || []).join(', '), placeholder: 'a, b, …', 'data-option': o.name });
      } else {
        input = PG.el('input', { type: 'number', step: 'any', value: value == null ? '' : value, 'data-option': o.name,
          placeholder: value == null ? 'default' : '' });
      }
      input.addEventListener('change', () => {
        let v;
        if (t === 'boolean') v = input.checked;
        else if (t === 'array') v = input.value.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number).filter(Number.isFinite);
        else if (input.value.trim() !== '') {
          v = Number(input.value);
          if (!Number.isFinite(v)) return;
          if (t === 'integer') v = Math.round(v);
        }
        if (v === undefined) delete S.cfg[map][o.name]; else S.cfg[map][o.name] = v;
        changed();
      });
      box.append(PG.el('label', { title: o.description || '' }, [o.name + ' ', input]));
    }
  }

  function options(sel, items, value) {
    sel.innerHTML = '';
    const list = items.slice();
    if (!list.some((it) => String(it[0]) === String(value))) list.push([value, String(value)]);
    for (const [v, label] of list) sel.append(PG.el('option', { value: v }, [label]));
    sel.value = String(value);
  }

  /** Writes the config into every control. */
  function syncControls() {
    const c = S.cfg;
    options(PG.$('#learning_rate'), LRS.map((v) => [v, String(v)]), c.learning_rate);
    options(PG.$('#reg_rate'), REG_RATES.map((v) => [v, String(v)]), c.reg_rate);
    options(PG.$('#activation'), names('activations'), c.activation);
    options(PG.$('#optimizer'), names('optimizers', 'type'), c.optimizer);
    // schedules read as words ("one cycle", "reduce lr on plateau"); the value stays the config's type
    options(PG.$('#schedule'), PG.schema.schedules.map((e) => [e.type, e.type.replace(/_/g, ' ')]), c.schedule);
    options(PG.$('#initializer'), names('initializers'), c.initializer);
    options(PG.$('#regularization'), names('regularizers'), c.regularization);
    for (const id of ['problem', 'classes']) PG.$('#' + id).value = String(c[id]);
    for (const id of ['train_pct', 'noise', 'batch_size', 'points']) {
      PG.$('#' + id).value = c[id];
      PG.$('#' + id + '-v').textContent = c[id];
    }
    for (const id of ['schedule_epochs', 'dropout', 'seed']) PG.$('#' + id).value = c[id];
    PG.$('#batch_norm').checked = !!c.batch_norm;
    optionFields(PG.$('#optimizer-options'), 'optimizer_options');
    optionFields(PG.$('#schedule-options'), 'schedule_options');
    options(PG.$('#pace'), PG.PACES.map((v) => [v, v ? `${v} epochs/s` : 'as fast as it goes']), S.ui.pace);
    PG.$('#threshold').value = S.ui.threshold;
    PG.$('#show_test').checked = S.ui.show_test;
    PG.$('#discretize').checked = S.ui.discretize;
    const ds = PG.$('#datasets');
    ds.innerHTML = '';
    const regression = c.problem === 'regression';
    for (const d of PG.schema.datasets.filter((d) => d.regression === regression)) {
      const pic = PG.el('canvas', { width: 44, height: 44, class: 'ds-pic' });
      if (d.preview) {
        pic.getContext('2d').fillStyle = '#fff';
        PG.drawPoints(pic, d.preview, { classes: d.takes_classes ? S.cfg.classes : 2, regression: d.regression }, false);
      }
      ds.append(PG.el('button', { 'data-dataset': d.name, title: d.doc, class: c.dataset === d.name ? 'active' : '', onclick: () => {
        S.cfg.dataset = d.name; changed(true);
      } }, [pic, PG.el('span', {}, [d.title])]));
    }
    const set = PG.schema.datasets.find((d) => d.name === c.dataset);
    PG.$('#classes-ctl').hidden = !(set && set.takes_classes);
    PG.$('#custom-ctl').hidden = c.dataset !== 'custom';
    PG.$('#layer-count').textContent = c.layers.length;
    PG.$('#optimizer-rule').textContent = PG.optimizerHelp(c.optimizer);
    PG.$('#schedule-rule').textContent = PG.scheduleHelp(c.schedule);
    if (PG.network.layoutKey() !== JSON.stringify([c.features, c.layers])) PG.network.build(c, changed);
    applyClassroom();
  }

  function applyClassroom() {
    const { classroom, hide } = S.ui;
    PG.$$('[data-ctl]').forEach((e) => { e.hidden = classroom && hide.includes(e.dataset.ctl); });
    PG.$('#datasets').hidden = classroom;
    PG.$('#regenerate').hidden = classroom;
    PG.$('#tabs button[data-tab="classroom"]').hidden = classroom;
    PG.$('#reset').hidden = classroom && PG.lockedKeys(S.ui).includes('seed');
    const banner = PG.$('#classroom-banner');
    banner.hidden = !classroom;
    if (classroom) banner.textContent = `Classroom: data set "${S.cfg.dataset}" (noise ${S.cfg.noise}), seed ${S.cfg.seed}` +
      (hide.length ? `; hidden: ${hide.join(', ')}` : '') + '.';
  }

  const sendConfig = PG.debounce(async () => {
    if (!session) return;
    try {
      await PG.api('POST', `/api/sessions/${session}/config`, S.cfg);
      showError(null);
    } catch (e) { showError(e.message); }
  }, 120);

  /** Called after any change of the configuration. */
  // A classroom link's locked settings, as the link gave them: every change
  // goes through changed(), which puts them back, so no control, preset or
  // Reset can move them (the teacher's data set, seed and hidden choices).
  let locked = null;

  function changed(send) {
    if (locked) {
      for (const [k, v] of Object.entries(locked)) S.cfg[k] = structuredClone(v);
    }
    PG.saveHash();
    syncControls();
    if (send !== false) sendConfig();
  }
  PG.changed = changed;
  PG.redraw = () => render();

  /** Sets one weight (`input` a row) or bias (`input` null) of Dense layer `l`, asked for in a small prompt. */
  PG.editWeight = async function (l, input, unit, current) {
    if (!session) return;
    const what = input === null ? `the bias of layer ${l + 1}, neuron ${unit + 1}` : `this weight`;
    const text = prompt(`New value for ${what}:`, String(Number(current.toFixed(4))));
    if (text === null) return;
    const value = Number(text);
    if (!Number.isFinite(value)) { showError(`not a number: ${text}`); return; }
    try {
      await PG.api('POST', `/api/sessions/${session}/weight`, { layer: l, input: input === null ? undefined : input, unit, value });
      showError(null);
    } catch (e) { showError(e.message); }
  };

  function showError(msg) {
    const e = PG.$('#error');
    e.hidden = !msg;
    e.textContent = msg || '';
  }

  function bindControls() {
    const num = (id, int) => PG.$('#' + id).addEventListener('change', (ev) => {
      const v = Number(ev.target.value);
      if (!Number.isFinite(v)) return;
      S.cfg[id] = int ? Math.round(v) : v;
      changed();
    });
    for (const id of ['learning_rate', 'reg_rate', 'dropout']) num(id, false);
    for (const id of ['schedule_epochs', 'seed', 'classes']) num(id, true);
    for (const id of ['train_pct', 'noise', 'batch_size', 'points']) {
      const e = PG.$('#' + id);
      e.addEventListener('input', () => { PG.$('#' + id + '-v').textContent = e.value; });
      e.addEventListener('change', () => { S.cfg[id] = Number(e.value); changed(); });
    }
    for (const id of ['activation', 'regularization', 'initializer']) {
      PG.$('#' + id).addEventListener('change', (ev) => { S.cfg[id] = ev.target.value; changed(); });
    }
    // A new optimizer starts from its defaults, a new schedule from the playground's presets.
    PG.$('#optimizer').addEventListener('change', (ev) => {
      S.cfg.optimizer = ev.target.value;
      S.cfg.optimizer_options = {};
      changed();
    });
    PG.$('#schedule').addEventListener('change', (ev) => {
      S.cfg.schedule = ev.target.value;
      S.cfg.schedule_options = { ...(PG.schema.schedule_presets[S.cfg.schedule] || {}) };
      changed();
    });
    PG.$('#batch_norm').addEventListener('change', (ev) => { S.cfg.batch_norm = ev.target.checked; changed(); });
    PG.$('#problem').addEventListener('change', (ev) => {
      S.cfg.problem = ev.target.value;
      const regression = S.cfg.problem === 'regression';
      S.cfg.dataset = PG.schema.datasets.find((d) => d.regression === regression).name;
      S.cfg.custom = [];
      changed();
    });
    for (const id of ['show_test', 'discretize']) {
      PG.$('#' + id).addEventListener('change', (ev) => { S.ui[id] = ev.target.checked; PG.saveHash(); render(); });
    }
    PG.$('#add-layer').addEventListener('click', () => {
      if (S.cfg.layers.length < 6) { S.cfg.layers.push(S.cfg.layers.length ? S.cfg.layers[S.cfg.layers.length - 1] : 4); changed(); }
    });
    PG.$('#remove-layer').addEventListener('click', () => {
      if (S.cfg.layers.length > 0) { S.cfg.layers.pop(); changed(); }
    });
    const control = (action) => session && PG.api('POST', `/api/sessions/${session}/control`, { action }).catch((e) => showError(e.message));
    PG.$('#threshold').addEventListener('change', (ev) => {
      const t = Number(ev.target.value);
      if (!(t > 0)) return;
      S.ui.threshold = t;
      PG.saveHash();
      sendThreshold();
    });
    PG.$('#pace').addEventListener('change', (ev) => {
      S.ui.pace = Number(ev.target.value);
      PG.saveHash();
      sendPace();
    });
    PG.$('#play').addEventListener('click', () => control(snap && snap.playing ? 'pause' : 'play'));
    PG.$('#step').addEventListener('click', () => control('step'));
    // Reset draws new weights (a new seed, shown and kept in the URL), as
    // TensorFlow Playground does; "same seed" replays the run exactly.
    PG.$('#reset').addEventListener('click', () => {
      S.cfg.seed = Math.floor(Math.random() * 1e9);
      changed();
    });
    PG.$('#restart').addEventListener('click', () => control('reset'));
    PG.$('#regenerate').addEventListener('click', () => { S.cfg.data_seed = (S.cfg.data_seed + 1) % 1e9; changed(); });
    PG.$('#custom-file').addEventListener('change', async (ev) => {
      const f = ev.target.files[0];
      if (f) PG.$('#custom-text').value = (await f.text()).slice(0, 200000);
    });
    PG.$('#custom-load').addEventListener('click', () => {
      const { pts, error } = parseCsv(PG.$('#custom-text').value);
      if (error) { showError(error); return; }
      S.cfg.custom = pts;
      // kept across a reload (the link has no room for the points)
      try { localStorage.setItem('origami.custom', JSON.stringify(pts)); } catch (_) { /* private mode */ }
      changed();
    });
    PG.$('#copy-link').addEventListener('click', () => {
      const url = location.href;
      (navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject()).then(
        () => status('link copied'), () => { prompt('Copy this link:', url); });
    });
    PG.$$('#tabs button').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));
  }

  /** "x1,x2,label" lines; a header line and blank lines are skipped. */
  function parseCsv(text) {
    const pts = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line || line.startsWith('#')) continue;
      const cells = line.split(/[,;\t ]+/).map(Number);
      if (cells.length < 3 || cells.slice(0, 3).some((v) => !Number.isFinite(v))) {
        if (pts.length === 0 && i === 0) continue; // a header
        return { error: `line ${i + 1}: expected three numbers x1,x2,label, got "${line.slice(0, 40)}"` };
      }
      pts.push(cells.slice(0, 3));
    }
    if (pts.length < 4) return { error: 'at least 4 points are needed' };
    if (pts.length > 2000) return { error: 'at most 2000 points' };
    return { pts };
  }

  /** Tells the session the test loss that counts as solved. */
  function sendThreshold() {
    if (!session) return;
    PG.api('POST', `/api/sessions/${session}/control`, { action: 'threshold', threshold: S.ui.threshold }).catch((e) => showError(e.message));
  }

  /** Tells the session the pace the page asks for (0: as fast as it goes). */
  function sendPace() {
    if (!session) return;
    const eps = S.ui.pace > 0 ? S.ui.pace : null;
    PG.api('POST', `/api/sessions/${session}/control`, { action: 'pace', epochs_per_second: eps }).catch((e) => showError(e.message));
  }

  function showTab(tab) {
    S.ui.tab = tab;
    PG.$$('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === tab));
    for (const t of ['play', 'experiments', 'race', 'classroom']) PG.$('#view-' + t).hidden = t !== tab;
    PG.$('#topbar').hidden = tab === 'race' || tab === 'classroom';
    PG.$('#intro').hidden = tab !== 'play';
    PG.$('#advanced').hidden = tab !== 'play' || (S.ui.classroom && S.ui.hide.includes('advanced'));
    if (tab === 'race') PG.race.show();
    if (tab === 'classroom') PG.classroom.show();
    PG.saveHash();
  }

  function status(msg) { PG.$('#status').textContent = msg; }

  /** The lost-server state, impossible to miss: a banner, and a play button that shows it cannot play. */
  function offline(lost) {
    document.body.classList.toggle('offline', lost);
    PG.$('#offline').hidden = !lost;
    if (lost) {
      status('');
      const play = PG.$('#play');
      play.classList.remove('playing');
      play.innerHTML = '&#x25B6;';
    }
  }

  function render() {
    if (!snap) return;
    PG.$('#epoch').textContent = String(snap.epoch).padStart(6, '0').replace(/(\d{3})$/, ',$1');
    PG.$('#solved').textContent = snap.solved
      ? `at epoch ${snap.solved[0]} (${snap.solved[1].toFixed(2)} s of training)` : 'not yet';
    PG.$('#eps').textContent = snap.playing && snap.epochs_per_second > 0 ? `(${Math.round(snap.epochs_per_second)}/s)` : '';
    PG.$('#train-loss').textContent = PG.fmt(snap.train_loss);
    PG.$('#test-loss').textContent = PG.fmt(snap.test_loss);
    PG.$('#train-acc').textContent = snap.train_acc == null ? '' : `(accuracy ${PG.fmt(100 * snap.train_acc, 1)}%)`;
    PG.$('#test-acc').textContent = snap.test_acc == null ? '' : `(accuracy ${PG.fmt(100 * snap.test_acc, 1)}%)`;
    PG.$('#lr-now').textContent = Number.isFinite(snap.learning_rate) ? String(Number(snap.learning_rate.toPrecision(3))) : '–';
    const play = PG.$('#play');
    play.classList.toggle('playing', !!snap.playing);
    play.innerHTML = snap.playing ? '&#x2016;' : '&#x25B6;';
    PG.drawLoss(PG.$('#loss-chart'), snap.history);
    const hm = PG.$('#heatmap');
    const opts = { classes: snap.classes, regression: snap.regression, discretize: S.ui.discretize };
    const h = PG.hovered && snap.neurons && snap.neurons[PG.hovered[0]] && snap.neurons[PG.hovered[0]][PG.hovered[1]];
    if (h) {
      // a hovered neuron, enlarged over the output
      PG.drawMap(hm, h, snap.neuron_res, { classes: 2, regression: true, discretize: false, translucent: true });
    } else PG.drawMap(hm, snap.output, snap.output_res, { ...opts, translucent: true });
    PG.drawPoints(hm, points.train, opts, false);
    if (S.ui.show_test) PG.drawPoints(hm, points.test, opts, true);
    PG.drawAxes(hm);
    PG.network.update(snap, S.cfg);
    showError(snap.error);
  }

  async function poll() {
    clearTimeout(pollTimer);
    if (!session) return;
    const gen = generation;
    try {
      const s = await PG.api('GET', `/api/sessions/${session}/state?since=${version}`);
      if (gen !== generation) return;
      if (!s.unchanged) {
        if (s.data_version !== dataVersion) {
          const p = await PG.api('GET', `/api/sessions/${session}/data`);
          if (gen !== generation) return;
          points = p;
          dataVersion = points.data_version;
        }
        snap = s;
        version = s.version;
        render();
      }
      status('');
      offline(false);
    } catch (e) {
      if (gen !== generation) return;
      if (e.status === 404) { status('session expired: reopening'); await open(); } else offline(true);
    }
    pollTimer = setTimeout(poll, snap && snap.playing ? 100 : 300);
  }

  /** Shows what the link could not set; it stays until the next link. */
  function showNotice(msg) {
    const e = PG.$('#notice');
    e.hidden = !msg;
    e.textContent = msg || '';
  }

  async function open() {
    // A configuration the server refuses: put back the field it names (its
    // message starts with the field), keeping the others, a few times over.
    const refused = [];
    for (let attempt = 0; ; attempt++) {
      try {
        session = (await PG.api('POST', '/api/sessions', S.cfg)).id;
        break;
      } catch (e) {
        const msg = e.message.replace(/^invalid config: /, '');
        const field = Object.keys(PG.DEFAULTS).find((k) => msg.startsWith(k) || msg.startsWith(k.replace('_options', '')));
        refused.push(msg);
        if (field && attempt < 6) S.cfg[field] = structuredClone(PG.DEFAULTS[field]);
        else S.cfg = { ...PG.DEFAULTS, custom: [] };
        syncControls();
        PG.saveHash();
        if (attempt >= 7) throw e;
      }
    }
    if (refused.length) {
      const before = S.notice ? S.notice + ' ' : '';
      S.notice = `${before}The server refused part of the link (defaults used): ${refused.join('; ')}.`;
    }
    showNotice(S.notice);
    version = 0; dataVersion = -1;
    PG.session = () => session;
    sendPace();
    sendThreshold();
    PG.$('#export-toml').href = `/api/sessions/${session}/export/config.toml`;
    PG.$('#export-weights').href = `/api/sessions/${session}/export/weights.safetensors`;
  }

  function bindTips() {
    const tip = PG.$('#tip');
    document.addEventListener('mouseover', (ev) => {
      let t = ev.target;
      let text = null;
      if (t instanceof SVGElement && t.tagName === 'path' && t.dataset.weight) {
        text = `${t.firstChild.textContent}\nColour: sign of the weight (blue +, orange −); width: its size.`;
      }
      while (!text && t && t !== document.body) {
        if (t._help) text = t._help();
        else if (t.dataset && t.dataset.help) {
          const k = t.dataset.help;
          text = PG.help(k);
          if (k === 'optimizer') text += '\n' + PG.optimizerHelp(S.cfg.optimizer);
          if (k === 'schedule') text += '\n' + PG.scheduleHelp(S.cfg.schedule);
          if (k === 'activation') text += '\n' + PG.activationHelp(S.cfg.activation);
        }
        t = t.parentElement || t.parentNode;
      }
      tip.hidden = !text;
      if (text) tip.textContent = text;
    });
    document.addEventListener('mousemove', (ev) => {
      if (tip.hidden) return;
      tip.style.left = Math.min(ev.clientX + 14, innerWidth - 400) + 'px';
      tip.style.top = Math.min(ev.clientY + 14, innerHeight - tip.offsetHeight - 8) + 'px';
      // over the top bar, the tip goes below it: it must not hide the epoch counter
      const bar = PG.$('#topbar').getBoundingClientRect();
      if (ev.clientY < bar.bottom) tip.style.top = bar.bottom + 6 + 'px';
    });
  }

  window.addEventListener('pagehide', () => { if (session) PG.beacon(`/api/sessions/${session}/close`); });

  /** The page and a fresh session from the URL hash: on load, and on every hash navigation. */
  async function start() {
    while (!PG.schema) {
      try {
        PG.useSchema(await PG.api('GET', '/api/schema'));
      } catch (e) {
        status('server unreachable');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    PG.fromHash(location.hash);
    const keys = PG.lockedKeys(S.ui);
    locked = keys.length ? Object.fromEntries(keys.map((k) => [k, structuredClone(S.cfg[k])])) : null;
    if (S.ui.classroom && S.ui.tab === 'classroom') S.ui.tab = 'play';
    if (S.cfg.dataset === 'custom' && !S.cfg.custom.length) {
      try { S.cfg.custom = JSON.parse(localStorage.getItem('origami.custom') || '[]'); } catch (_) { S.cfg.custom = []; }
    }
    syncControls();
    PG.saveHash();
    await open();
    showTab(S.ui.tab);
    poll();
  }

  // A hash navigation in an open tab (a pasted share link, back/forward)
  // rebuilds the session as a reload would. The page writes its own hash
  // with replaceState, which fires no hashchange, and an equal hash returns
  // early, so the page never answers itself.
  window.addEventListener('hashchange', () => {
    if (location.hash === PG.toHash()) return;
    generation++;
    clearTimeout(pollTimer);
    if (session) PG.beacon(`/api/sessions/${session}/close`);
    session = null;
    snap = null;
    points = { train: [], test: [] };
    start();
  });

  // The diagram fits its column: laid out again when the window changes.
  window.addEventListener('resize', PG.debounce(() => { if (PG.schema) { PG.network.build(S.cfg, changed); render(); } }, 200));

  // The intro stays closed once closed (in this browser); on a small screen
  // it starts closed, so that the output is in view.
  const intro = PG.$('#intro');
  let introPref = null;
  try { introPref = localStorage.getItem('origami.intro'); } catch (_) { /* private mode */ }
  if (introPref === 'closed' || (introPref === null && (innerWidth < 1100 || innerHeight < 800))) intro.open = false;
  intro.addEventListener('toggle', () => {
    try { localStorage.setItem('origami.intro', intro.open ? 'open' : 'closed'); } catch (_) { /* private mode */ }
  });

  bindControls();
  bindTips();
  start();
})();
