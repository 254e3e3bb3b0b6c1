// The network diagram: feature nodes (click to switch on/off), hidden
// neurons with their own output heatmaps, the output node, and links whose
// colour is the weight's sign and width its size (hover: the value).
// `build` lays the diagram out after a structural change; `update` redraws
// heatmaps and links from each snapshot.
'use strict';

PG.network = (function () {
  const COL_W = 125; // the widest column step; narrower when the diagram must fit
  const TOP = 34;
  let layout = null; // { size, gap, cols: [[{x, y}]], svg, paths: [[path]], nodes: [[canvas]] }

  function nodeY(i, size, gap) { return TOP + i * (size + gap); }

  function build(cfg, onChange) {
    const root = PG.$('#network');
    // a feature toggled from the keyboard keeps the focus across the rebuild
    const focused = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.feature;
    root.innerHTML = '';
    const widest = Math.max(PG.FEATURES.length, ...cfg.layers, 1);
    const size = widest > 10 ? 26 : widest > 7 ? 32 : 40;
    const gap = widest > 10 ? 5 : 8;
    // Columns close up so that the whole diagram fits its column (down to
    // 62 px a layer; below that the column scrolls sideways).
    const avail = (root.parentElement && root.parentElement.clientWidth) || 900;
    const colW = Math.max(62, Math.min(COL_W, (avail - 60 - size - 30) / (cfg.layers.length + 1)));
    const narrow = colW < 110;
    const cols = [];
    const nodes = [];
    // Features.
    const fcol = [];
    const fnodes = [];
    PG.FEATURES.forEach((f, i) => {
      const on = cfg.features.includes(f);
      const x = 30, y = nodeY(i, size, gap);
      const cv = PG.el('canvas', { width: 48, height: 48 });
      const node = PG.el('div', {
        class: 'node feature' + (on ? '' : ' off'), 'data-feature': f, 'data-help': 'features',
        tabindex: 0, role: 'switch', 'aria-checked': String(on), 'aria-label': `input ${PG.FEATURE_LABELS[f]}`,
        style: `left:${x}px;top:${y}px;width:${size}px;height:${size}px`,
        onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); ev.currentTarget.click(); } },
        onclick: () => {
          if (PG.state.ui.classroom && PG.state.ui.hide.includes('features')) return;
          const set = new Set(PG.state.cfg.features);
          if (set.has(f)) set.delete(f); else set.add(f);
          PG.state.cfg.features = PG.FEATURES.filter((g) => set.has(g));
          onChange(true);
        },
      }, [cv]);
      root.append(node);
      root.append(PG.el('div', { class: 'node-label', style: `left:${x - 28}px;top:${y + size / 2 - 7}px;width:26px;text-align:right` },
        [PG.FEATURE_LABELS[f].replace('sin(', 's(')]));
      PG.drawFn(cv, PG.FEATURE_FN[f], PG.FEATURE_SCALE[f]);
      if (on) { fcol.push({ x, y }); fnodes.push(cv); }
    });
    cols.push(fcol); nodes.push(fnodes);
    // Hidden layers.
    cfg.layers.forEach((units, l) => {
      const x = 30 + (l + 1) * colW;
      const col = [];
      const cvs = [];
      const buttons = PG.el('div', { class: 'neuron-buttons', 'data-ctl': 'layers', style: `left:${x - 18}px;top:4px` }, [
        PG.el('button', { title: 'Add a neuron', 'data-add-neuron': l, onclick: () => { if (PG.state.cfg.layers[l] < 16) { PG.state.cfg.layers[l]++; onChange(true); } } }, ['+']),
        PG.el('button', { title: 'Remove a neuron', onclick: () => { if (PG.state.cfg.layers[l] > 1) { PG.state.cfg.layers[l]--; onChange(true); } } }, ['−']),
        PG.el('span', {}, [narrow ? String(units) : `${units} neuron${units > 1 ? 's' : ''}`]),
      ]);
      root.append(buttons);
      for (let j = 0; j < units; j++) {
        const y = nodeY(j, size, gap);
        const cv = PG.el('canvas', { width: 32, height: 32 });
        const node = PG.el('div', {
          class: 'node neuron', style: `left:${x}px;top:${y}px;width:${size}px;height:${size}px`,
          onmouseenter: () => { PG.hovered = [l, j]; PG.redraw(); },
          onmouseleave: () => { PG.hovered = null; PG.redraw(); },
        }, [cv]);
        node._help = () => PG.neuronHelp(PG.state.cfg, l, j, layout && layout.bias[l] ? layout.bias[l][j] : NaN) +
          '\nThe output square shows this neuron while the mouse is here. Click the b below to set the bias.';
        root.append(node);
        // the bias, shown and editable (click)
        const b = PG.el('div', {
          class: 'bias', 'data-bias': `${l}-${j}`, title: 'bias b (click to set it)',
          style: `left:${x + 1}px;top:${y + size - 11}px`,
          onclick: () => PG.editWeight(l, null, j, layout && layout.bias[l] ? layout.bias[l][j] : 0),
        }, ['']);
        root.append(b);
        col.push({ x, y }); cvs.push(cv);
      }
      cols.push(col); nodes.push(cvs);
    });
    // Output node.
    const ox = 30 + (cfg.layers.length + 1) * colW;
    const oy = TOP + 40;
    const ocv = PG.el('canvas', { width: 48, height: 48 });
    const onode = PG.el('div', { class: 'node output', 'data-help': 'heatmap', style: `left:${ox}px;top:${oy}px;width:${size + 8}px;height:${size + 8}px` }, [ocv]);
    root.append(onode);
    root.append(PG.el('div', { class: 'node-label', style: `left:${ox}px;top:${oy + size + 10}px` }, ['output']));
    cols.push([{ x: ox, y: oy + 4 }]);
    nodes.push([ocv]);
    const height = Math.max(nodeY(PG.FEATURES.length, size, gap), nodeY(widest, size, gap)) + 10;
    root.style.height = height + 'px';
    root.style.width = (ox + size + 30) + 'px';
    const svg = PG.el('svg', { width: ox + size + 20, height });
    root.prepend(svg);
    layout = { size, cols, nodes, svg, paths: [], bias: [], key: JSON.stringify([cfg.features, cfg.layers]) };
    if (focused) { const f = root.querySelector(`[data-feature="${focused}"]`); if (f) f.focus(); }
  }

  function linkPath(a, b, size, dy) {
    const x1 = a.x + size, y1 = a.y + size / 2;
    const x2 = b.x, y2 = b.y + size / 2 + (dy || 0);
    const mx = (x1 + x2) / 2;
    return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
  }

  function labelOf(col, i) {
    if (col === 0) return PG.FEATURE_LABELS[PG.state.cfg.features[i]] || `input ${i + 1}`;
    if (col === layout.cols.length - 1) return 'output';
    return `layer ${col} neuron ${i + 1}`;
  }

  /** Creates the link paths for the weights' shapes (once per structure). */
  function ensurePaths(weights) {
    const want = weights.map((w) => w.inputs * w.units).join(',');
    if (layout.pathsKey === want) return;
    layout.svg.innerHTML = '';
    layout.paths = weights.map((w, l) => {
      const from = layout.cols[l], to = layout.cols[l + 1];
      const out = [];
      for (let i = 0; i < w.inputs; i++) {
        for (let j = 0; j < w.units; j++) {
          const last = l === weights.length - 1;
          const target = last ? to[0] : to[j];
          if (!from[i] || !target) { out.push(null); continue; }
          const dy = last && w.units > 1 ? (j - (w.units - 1) / 2) * 4 : 0;
          const title = PG.el('title', {}, ['']);
          const p = PG.el('path', {
            d: linkPath(from[i], target, layout.size, dy), 'data-link': `${l}-${i}-${j}`,
            onclick: () => PG.editWeight(l, i, j, Number(p.getAttribute('data-weight')) || 0),
          }, [title]);
          p._label = `${labelOf(l, i)} → ${last ? (w.units > 1 ? `output class ${j}` : 'output') : labelOf(l + 1, j)}`;
          layout.svg.append(p);
          out.push(p);
        }
      }
      return out;
    });
    layout.pathsKey = want;
  }

  function update(snap, cfg) {
    if (!layout || layout.key !== JSON.stringify([cfg.features, cfg.layers])) return;
    const weights = snap.weights || [];
    if (weights.length === layout.cols.length - 1) {
      ensurePaths(weights);
      const maxW = Math.max(1e-6, ...weights.flatMap((w) => w.kernel.map(Math.abs)));
      weights.forEach((w, l) => {
        w.kernel.forEach((v, k) => {
          const p = layout.paths[l][k];
          if (!p) return;
          const mag = Math.min(1, Math.abs(v) / Math.max(1, maxW * 0.6));
          p.setAttribute('stroke', PG.rgb(v >= 0 ? PG.POS : PG.NEG, 0.25 + 0.75 * mag));
          p.setAttribute('stroke-width', (0.5 + 5 * mag).toFixed(2));
          p.setAttribute('data-weight', v.toFixed(4));
          p.firstChild.textContent = `w = ${v.toFixed(4)}  (${p._label}; click to set it)`;
        });
      });
      layout.bias = weights.map((w) => w.bias);
      for (const el of PG.$$('#network .bias')) {
        const [l, j] = el.dataset.bias.split('-').map(Number);
        const v = layout.bias[l] ? layout.bias[l][j] : NaN;
        el.textContent = Number.isFinite(v) ? `b ${v.toFixed(2)}` : '';
      }
    }
    PG.$('#network').classList.toggle('playing', !!snap.playing);
    (snap.neurons || []).forEach((layer, l) => {
      layer.forEach((b64, j) => {
        const cv = layout.nodes[l + 1] && layout.nodes[l + 1][j];
        if (cv) PG.drawMap(cv, b64, snap.neuron_res, { classes: 2, regression: true, discretize: false });
      });
    });
    const out = layout.nodes[layout.nodes.length - 1][0];
    if (snap.output) PG.drawMap(out, snap.output, snap.output_res, { classes: snap.classes, regression: snap.regression, discretize: PG.state.ui.discretize });
  }

  return { build, update, layoutKey: () => layout && layout.key };
})();
