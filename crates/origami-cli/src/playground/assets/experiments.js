// The Experiments tab ("train N times", the decision-boundary timeline)
// and the Classroom tab (the lecture's presets, classroom links).
'use strict';

function thumb(b64, res, caption, cfgSnap) {
  const cv = PG.el('canvas', { width: 120, height: 120 });
  const opts = { classes: cfgSnap.classes, regression: cfgSnap.regression, discretize: PG.state.ui.discretize };
  PG.drawMap(cv, b64, res, opts);
  return PG.el('div', { class: 'thumb' }, [cv, PG.el('div', {}, [caption])]);
}

function outputOpts() {
  const c = PG.state.cfg;
  const classes = c.problem === 'regression' ? 1
    : (c.dataset === 'blobs' || c.dataset === 'spirals') ? c.classes
      : c.dataset === 'custom' ? Math.max(2, 1 + Math.max(0, ...c.custom.map((p) => p[2]))) : 2;
  return { classes, regression: c.problem === 'regression' };
}

PG.experiments = (function () {
  async function runs() {
    const n = Number(PG.$('#runs-n').value), epochs = Number(PG.$('#runs-epochs').value);
    const st = PG.$('#runs-status');
    st.textContent = `training ${n} networks…`;
    try {
      const r = await PG.api('POST', `/api/sessions/${PG.session()}/runs`, { n, epochs, threshold: PG.state.ui.threshold });
      st.textContent = '';
      const solved = r.solved_runs
        ? `; test loss < ${r.threshold} reached by ${r.solved_runs} of ${r.runs.length} runs, median at epoch ${r.median_solved_epoch}`
        : `; no run reached a test loss < ${r.threshold}`;
      PG.$('#runs-stats').textContent = `final test loss: min ${PG.fmt(r.min)}, median ${PG.fmt(r.median)}, ` +
        `max ${PG.fmt(r.max)}, mean ${PG.fmt(r.mean)} ± ${PG.fmt(r.std)}` + solved;
      const grid = PG.$('#runs-grid');
      grid.innerHTML = '';
      const o = outputOpts();
      for (const run of r.runs) {
        const cap = `seed ${run.seed}: test ${PG.fmt(run.test_loss)}` +
          (run.solved ? `, < ${r.threshold} at epoch ${run.solved[0]}` : '') + (run.error ? ` (${run.error})` : '');
        grid.append(thumb(run.output, r.res, cap, o));
      }
      strip(PG.$('#runs-strip'), r);
    } catch (e) { st.textContent = e.message; }
  }

  /** Final test losses as dots on one axis, with the median marked. */
  function strip(cv, r) {
    const ctx = cv.getContext('2d');
    ctx.clearRect(0, 0, cv.width, cv.height);
    const vals = r.runs.map((x) => x.test_loss).filter(Number.isFinite);
    if (!vals.length) return;
    const hi = Math.max(...vals) * 1.1 || 1;
    const X = (v) => 20 + (v / hi) * (cv.width - 40);
    ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(20, 40); ctx.lineTo(cv.width - 20, 40); ctx.stroke();
    ctx.fillStyle = '#555'; ctx.font = '11px sans-serif';
    ctx.fillText('0', 16, 55); ctx.fillText(PG.fmt(hi, 2), cv.width - 40, 55);
    ctx.fillText('final test loss of each seed', 20, 12);
    for (const v of vals) { ctx.beginPath(); ctx.arc(X(v), 32, 5, 0, 2 * Math.PI); ctx.fillStyle = 'rgba(8,119,189,.6)'; ctx.fill(); }
    ctx.fillStyle = '#d62728'; ctx.fillRect(X(r.median) - 1, 20, 2, 24); ctx.fillText('median', X(r.median) + 3, 22);
  }

  async function timeline() {
    const epochs = PG.$('#timeline-epochs').value.split(/[ ,]+/).filter(Boolean).map(Number);
    const st = PG.$('#timeline-status');
    if (epochs.some((e) => !Number.isInteger(e) || e < 0)) { st.textContent = 'epochs must be whole numbers'; return; }
    st.textContent = 'training…';
    try {
      const t = await PG.api('POST', `/api/sessions/${PG.session()}/timeline`, { epochs });
      st.textContent = t.error || '';
      const box = PG.$('#timeline-frames');
      box.innerHTML = '';
      const o = outputOpts();
      for (const f of t.frames) box.append(thumb(f.output, t.res, `epoch ${f.epoch}: train ${PG.fmt(f.train_loss)}, test ${PG.fmt(f.test_loss)}`, o));
      PG.drawLoss(PG.$('#timeline-chart'), t.history, { axes: true, best: t.best_epoch });
    } catch (e) { st.textContent = e.message; }
  }

  PG.$('#runs-go').addEventListener('click', runs);
  PG.$('#timeline-go').addEventListener('click', timeline);
  return { runs, timeline };
})();

PG.classroom = (function () {
  let built = false;
  function show() {
    if (built) return;
    built = true;
    const box = PG.$('#presets');
    PG.PRESETS.forEach((p, i) => {
      box.append(PG.el('div', { class: 'preset' }, [
        PG.el('button', { 'data-preset': i, onclick: () => {
          PG.applyPreset(i);
          PG.changed();
          PG.$(`#tabs button[data-tab="${PG.state.ui.tab === 'experiments' ? 'experiments' : 'play'}"]`).click();
        } }, ['Open']),
        PG.el('b', {}, [p.title]),
        PG.el('div', { class: 'muted' }, [p.text]),
      ]));
    });
    const hide = PG.$('#class-hide');
    for (const k of PG.HIDEABLE) {
      hide.append(PG.el('label', {}, [PG.el('input', { type: 'checkbox', value: k }), ' ' + k.replace('_', ' ')]));
    }
    PG.$('#class-seed').value = PG.state.cfg.seed;
    PG.$('#class-make').addEventListener('click', () => {
      const chosen = PG.$$('#class-hide input:checked').map((e) => e.value);
      const seed = Math.max(0, Math.round(Number(PG.$('#class-seed').value) || 0));
      PG.$('#class-url').value = PG.classroomUrl(chosen, seed);
      PG.$('#class-url').select();
    });
  }
  return { show };
})();
