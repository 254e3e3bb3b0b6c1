// End-to-end test of `origami playground` in real headless Chromium.
// Run by scripts/browser_test.sh, which starts the server and sets
// PLAYGROUND_URL; SCREENSHOT_DIR receives the screenshots.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.env.PLAYGROUND_URL;
const shots = process.env.SCREENSHOT_DIR || 'screenshots';
const THRESHOLD = Number(process.env.LOSS_THRESHOLD || 0.3);
if (!url) throw new Error('PLAYGROUND_URL is not set');
mkdirSync(shots, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'origami-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}${detail ? ': ' + detail : ''}`); }
}

try {
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every request must stay on the server: nothing from a CDN.
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(url.replace(/\/$/, '')) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  let opened = 0; // sessions the page opened
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/sessions') opened++; });

  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#test-loss').textContent !== '–', null, { timeout: 30000 });
  check('page loads and shows a loss', true);

  // The pace control: 10 epochs/s trains about 10 a second; "as fast as it goes" far more.
  const epochNow = () => page.evaluate(() => parseInt(document.querySelector('#epoch').textContent.replace(/\D/g, ''), 10));
  const rateOver = async (ms) => {
    const e0 = await epochNow(); const t0 = Date.now();
    await page.waitForTimeout(ms);
    return ((await epochNow()) - e0) / ((Date.now() - t0) / 1000);
  };
  await page.selectOption('#pace', '10');
  await page.click('#play');
  await page.waitForTimeout(800);
  const slow = await rateOver(2500);
  await page.selectOption('#pace', '0');
  await page.waitForTimeout(500);
  const fast = await rateOver(1500);
  check('the pace control sets the epochs per second', slow > 6 && slow < 14 && fast > 3 * slow,
    `10/s gave ${slow.toFixed(1)}/s, fastest ${fast.toFixed(1)}/s`);
  // Changing η while playing goes on from the same epoch: no restart.
  const before_lr = await epochNow();
  await page.selectOption('#learning_rate', '0.1');
  await page.waitForFunction(() => document.querySelector('#lr-now').textContent === '0.1', null, { timeout: 10000 });
  const after_lr = await epochNow();
  check('changing η does not restart training', after_lr >= before_lr && after_lr > 0, `${before_lr} → ${after_lr}`);
  // Nor does another optimizer or a penalty: only the data or the network's shape restart.
  const before_opt = await epochNow();
  await page.selectOption('#optimizer', 'rmsprop');
  await page.selectOption('#regularization', 'l2');
  await page.waitForTimeout(700);
  const after_opt = await epochNow();
  check('changing the optimizer or the penalty does not restart training', after_opt > before_opt, `${before_opt} → ${after_opt}`);
  await page.selectOption('#optimizer', 'sgd');
  await page.selectOption('#regularization', 'none');
  await page.click('#play');
  await page.waitForFunction(() => !document.querySelector('#play').classList.contains('playing'));
  // Reset draws new weights (a new seed in the link); "same seed" keeps it.
  const seed0 = await page.inputValue('#seed');
  const map0 = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  await page.click('#reset');
  await page.waitForFunction((s) => document.querySelector('#seed').value !== s && location.hash.includes('seed=' + document.querySelector('#seed').value), seed0);
  await page.waitForFunction(() => document.querySelector('#epoch').textContent.replace(/\D/g, '') === '000000');
  await page.waitForTimeout(600);
  const map1 = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  const seed1 = await page.inputValue('#seed');
  await page.click('#restart');
  await page.waitForTimeout(600);
  check('Reset draws new weights, restart keeps the seed',
    seed1 !== seed0 && map1 !== map0 && (await page.inputValue('#seed')) === seed1, `${seed0} → ${seed1}`);
  await page.selectOption('#learning_rate', '0.03');
  // back to seed 1: the checks below train a small net that a bad draw can leave stuck
  await page.fill('#seed', '1');
  await page.press('#seed', 'Enter');

  await page.click('[data-dataset="spiral"]');
  await page.click('#add-layer');
  await page.click('[data-feature="sinx1"]');
  await page.click('[data-feature="sinx2"]');
  await page.selectOption('#optimizer', 'adam');
  await page.selectOption('#learning_rate', '0.03');
  await page.waitForFunction(() => location.hash.includes('dataset=spiral') && document.querySelector('#layer-count').textContent === '3');
  // Wait for the server to have rebuilt the model with the new layer (3 hidden layers → 4 weight matrices).
  await page.waitForFunction(() => document.querySelectorAll('#network .neuron').length === 4 + 2 + 2 &&
    document.querySelector('#epoch').textContent.replace(/\D/g, '') === '000000');
  await page.waitForTimeout(800);
  const before = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  check('spiral chosen and a layer added', (await page.textContent('#layer-count')) === '3');

  await page.fill('#threshold', '0.3');
  await page.press('#threshold', 'Enter');
  await page.click('#play');
  const t0 = Date.now();
  await page.waitForFunction((th) => parseFloat(document.querySelector('#test-loss').textContent) < th, THRESHOLD,
    { timeout: 120000, polling: 250 });
  const epoch = await page.textContent('#epoch');
  check(`test loss fell below ${THRESHOLD} (epoch ${epoch}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`, true);
  await page.waitForFunction(() => /^at epoch \d+ \(/.test(document.querySelector('#solved').textContent), null,
    { timeout: 10000 }).catch(() => {});
  const solved = await page.textContent('#solved');
  check('time to solution is shown', /^at epoch \d+ \([\d.]+ s of training\)$/.test(solved), solved);
  await page.click('#play');
  await page.waitForFunction(() => !document.querySelector('#play').classList.contains('playing'));
  const after = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  check('the heatmap changed', before !== after);
  const links = await page.$$eval('#network svg path[data-weight]', (ps) => ps.length);
  check('links carry their weights', links > 20, `${links} links`);
  const title = await page.$eval('#network svg path[data-weight]', (p) => p.querySelector('title').textContent);
  check('a link shows its value on hover', /^w = -?\d/.test(title), title);
  // Points stay visible on the trained heatmap: away from the points the map
  // is never a point's full colour (it is drawn paled), so a point stands
  // out even where the network is sure of its class (an opaque map fails this).
  const visible = await page.evaluate(async () => {
    const d = await PG.api('GET', `/api/sessions/${PG.session()}/data`);
    const cv = document.querySelector('#heatmap');
    const ctx = cv.getContext('2d');
    const s = cv.width / (2 * PG.DOMAIN);
    const at = [...d.train, ...d.test].map((p) => [(p[0] + PG.DOMAIN) * s, (PG.DOMAIN - p[1]) * s]);
    const img = ctx.getImageData(0, 0, cv.width, cv.height).data;
    let checked = 0, vivid = 0;
    for (let y = 5; y < cv.height - 15; y += 6) {
      for (let x = 20; x < cv.width - 5; x += 6) {
        if (at.some(([px, py]) => (px - x) ** 2 + (py - y) ** 2 < 49)) continue;
        const i = 4 * (y * cv.width + x);
        const near = (c) => Math.abs(img[i] - c[0]) + Math.abs(img[i + 1] - c[1]) + Math.abs(img[i + 2] - c[2]) < 60;
        checked++;
        if (near(PG.POS) || near(PG.NEG)) vivid++;
      }
    }
    return [vivid, checked];
  });
  check('points stay visible on the heatmap', visible[1] > 500 && visible[0] <= 0.01 * visible[1],
    `${visible[0]} of ${visible[1]} map pixels have a point's full colour`);
  await page.check('#show_test');
  await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
  // The network's interactions: a hovered neuron is shown over the output;
  // a link and a bias are set by a click; a feature toggles from the keyboard.
  const outMap = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  await page.hover('#network .node.neuron');
  await page.waitForTimeout(300);
  const hoverMap = await page.evaluate(() => document.querySelector('#heatmap').toDataURL());
  await page.mouse.move(5, 5);
  await page.waitForTimeout(300);
  check('hovering a neuron shows its picture over the output', hoverMap !== outMap &&
    (await page.evaluate(() => document.querySelector('#heatmap').toDataURL())) === outMap);
  page.once('dialog', (d) => d.accept('0.5'));
  await page.click('#network svg path[data-link="0-0-0"]', { force: true });
  await page.waitForFunction(() => document.querySelector('#network svg path[data-link="0-0-0"]').getAttribute('data-weight') === '0.5000',
    null, { timeout: 5000 }).catch(() => {});
  page.once('dialog', (d) => d.accept('-1.25'));
  await page.click('#network .bias[data-bias="0-0"]');
  await page.waitForFunction(() => document.querySelector('#network .bias[data-bias="0-0"]').textContent === 'b -1.25', null, { timeout: 5000 }).catch(() => {});
  const edited = await page.evaluate(() => ({
    w: document.querySelector('#network svg path[data-link="0-0-0"]').getAttribute('data-weight'),
    b: document.querySelector('#network .bias[data-bias="0-0"]').textContent,
  }));
  check('a link and a bias are set by a click', edited.w === '0.5000' && edited.b === 'b -1.25', JSON.stringify(edited));
  await page.focus('[data-feature="x1x2"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.includes('x1x2'), null, { timeout: 5000 }).catch(() => {});
  const keyed = await page.evaluate(() => location.hash.includes('x1x2'));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !location.hash.includes('x1x2'), null, { timeout: 5000 }).catch(() => {});
  check('a feature toggles from the keyboard', keyed && !(await page.evaluate(() => location.hash.includes('x1x2'))));
  check('data sets are shown as pictures', (await page.$$('#datasets button canvas')).length >= 6);

  const hash = new URL(page.url()).hash;
  await page.reload();
  await page.waitForFunction(() => document.querySelector('#test-loss').textContent !== '–');
  const restored = await page.evaluate(() => ({
    dataset: document.querySelector('#datasets .active')?.dataset.dataset,
    layers: document.querySelector('#layer-count').textContent,
    optimizer: document.querySelector('#optimizer').value,
    lr: document.querySelector('#learning_rate').value,
    sin: document.querySelector('[data-feature="sinx1"]').classList.contains('off'),
    showTest: document.querySelector('#show_test').checked,
    hash: location.hash,
  }));
  check('reloading the URL restores the configuration',
    restored.dataset === 'spiral' && restored.layers === '3' && restored.optimizer === 'adam' &&
    restored.lr === '0.03' && !restored.sin && restored.showTest && restored.hash === hash, JSON.stringify(restored));

  // The other views, for the screenshots (and a smoke test of each).
  await page.click('#tabs button[data-tab="experiments"]');
  await page.fill('#timeline-epochs', '0,5,50,300');
  await page.click('#timeline-go');
  await page.waitForSelector('#timeline-frames .thumb', { timeout: 60000 });
  await page.fill('#runs-n', '6');
  await page.fill('#runs-epochs', '60');
  await page.click('#runs-go');
  await page.waitForSelector('#runs-grid .thumb', { timeout: 60000 });
  check('experiments: timeline and train-N-times render', (await page.$$('#runs-grid .thumb')).length === 6);
  const stats = await page.textContent('#runs-stats');
  check('train N times reports time to solution', /reached by \d+ of 6 runs|no run reached/.test(stats), stats);
  await page.screenshot({ path: join(shots, 'experiments.png'), fullPage: true });

  await page.click('#tabs button[data-tab="race"]');
  await page.waitForFunction(() => document.querySelector('#race-legend').textContent.includes('adam'), null, { timeout: 30000 });
  // The bowl's race is in the legend; switching surface must run a new race
  // (a legend that merely still says "rmsprop" would prove nothing).
  const bowlLegend = await page.textContent('#race-legend');
  await page.selectOption('#race-surface', 'rosenbrock');
  await page.waitForFunction((old) => {
    const t = document.querySelector('#race-legend').textContent;
    return t !== old && t.includes('rmsprop') && PG.race.info() && PG.race.info().surface === 'rosenbrock';
  }, bowlLegend, { timeout: 30000 }).catch(() => {});
  const roseLegend = await page.textContent('#race-legend');
  check('optimizer race runs', roseLegend !== bowlLegend && roseLegend.includes('rmsprop'), roseLegend);
  // The balls roll step by step: the step counter passes through steps between 0 and the end.
  const seen = await page.evaluate(() => new Promise((resolve) => {
    const steps = [];
    const look = () => {
      const i = PG.race.info();
      steps.push(i.frame);
      if (i.frame >= i.steps || steps.length > 2000) resolve({ steps, of: i.steps }); else requestAnimationFrame(look);
    };
    look();
  }));
  const between = new Set(seen.steps.filter((n) => n > 0 && n < seen.of)).size;
  check('race balls roll step by step', between >= 10 && seen.steps[seen.steps.length - 1] === seen.of,
    `${between} intermediate steps of ${seen.of}`);
  const rose = await page.evaluate(() => PG.race.info());
  const ratios = rose.levels.slice(1).map((v, i) => v / rose.levels[i]);
  check('race contours: log-spaced levels on a fine grid', rose.log && rose.grid >= 160 && rose.levels.length >= 8 &&
    ratios.every((r) => r > 1.05 && r < 3.5), JSON.stringify(rose.levels));
  const rules = await page.$$eval('#race-legend .race-rule', (els) => els.map((e) => e.textContent));
  check('race legend shows each update rule', rules.length >= 6 && rules.every((r) => r.includes('θ')), rules.join(' | '));
  await page.screenshot({ path: join(shots, 'race.png'), fullPage: true });
  // The local-minimum surface: plain GD stays in the local well, momentum reaches the global one.
  await page.selectOption('#race-surface', 'wells');
  await page.waitForFunction(() => PG.race.info() && PG.race.info().surface === 'wells', null, { timeout: 30000 }).catch(() => {});
  const wells = await page.evaluate(() => PG.race.info());
  check('race: sgd stays in the local minimum, momentum escapes',
    wells && wells.ends.sgd[0] > 0.5 && wells.ends.momentum[0] < -0.5, JSON.stringify(wells && wells.ends));
  await page.waitForFunction(() => PG.race.info().frame >= PG.race.info().steps, null, { timeout: 30000 }).catch(() => {});
  await page.screenshot({ path: join(shots, 'race-wells.png'), fullPage: true });

  await page.click('#tabs button[data-tab="classroom"]');
  await page.click('#class-hide input[value="features"]');
  await page.click('#class-make');
  const classUrl = await page.inputValue('#class-url');
  check('classroom link hides controls', classUrl.includes('classroom=1') && classUrl.includes('hide=features'));
  await page.screenshot({ path: join(shots, 'classroom.png'), fullPage: true });
  // The link opens the exercise with its settings locked: a student's change does not take.
  await page.goto(classUrl);
  await page.waitForFunction(() => document.querySelector('#test-loss').textContent !== '–', null, { timeout: 30000 });
  const lockedBefore = await page.evaluate(() => ({ hash: location.hash, dataset: PG.state.cfg.dataset, seed: PG.state.cfg.seed }));
  await page.evaluate(() => { PG.state.cfg.dataset = 'xor'; PG.state.cfg.seed = 12345; PG.state.cfg.features = ['x1']; PG.changed(); });
  await page.waitForTimeout(300);
  const lockedAfter = await page.evaluate(() => ({
    dataset: PG.state.cfg.dataset, seed: PG.state.cfg.seed, features: PG.state.cfg.features.join(','),
    play: !document.querySelector('#view-play').hidden,
    classroomTab: !document.querySelector('#tabs button[data-tab="classroom"]').hidden,
    featuresHidden: document.querySelector('[data-ctl="features"]').hidden,
  }));
  check('a classroom link opens the exercise and keeps its locks',
    lockedAfter.play && !lockedAfter.classroomTab && lockedAfter.featuresHidden &&
    lockedAfter.dataset === lockedBefore.dataset && lockedAfter.seed === lockedBefore.seed && lockedAfter.features !== 'x1',
    JSON.stringify({ lockedBefore, lockedAfter }));

  // Multi-class set, from a share link pasted into the open tab: a hash
  // navigation (no reload) must rebuild the session from the link.
  const oldSession = await page.evaluate(() => PG.session());
  const openedBefore = opened;
  await page.goto(url + '#dataset=spirals&classes=4&layers=8,8&features=x1,x2,sinx1,sinx2&optimizer=adam&learning_rate=0.03');
  await page.waitForFunction((old) => PG.session() && PG.session() !== old &&
    document.querySelector('#layer-count').textContent === '2' &&
    document.querySelectorAll('#network .neuron').length === 16 &&
    document.querySelector('#test-loss').textContent !== '–', oldSession, { timeout: 30000 });
  const linked = await page.evaluate(() => ({
    dataset: document.querySelector('#datasets .active')?.dataset.dataset,
    optimizer: document.querySelector('#optimizer').value,
    tab: !document.querySelector('#view-play').hidden,
    epoch: document.querySelector('#epoch').textContent,
  }));
  await page.waitForTimeout(500);
  check('a pasted link rebuilds the session without a reload',
    linked.dataset === 'spirals' && linked.optimizer === 'adam' && linked.tab && linked.epoch === '000,000' &&
    opened === openedBefore + 1, JSON.stringify({ ...linked, opened: opened - openedBefore }));
  await page.click('#play');
  await page.waitForFunction(() => parseInt(document.querySelector('#epoch').textContent.replace(/\D/g, ''), 10) > 0, null,
    { timeout: 30000 }).catch(() => {});
  // Wait for learning, not for a fixed time: a busy machine trains slower.
  // Chance level for 4 classes is ln 4 ≈ 1.386.
  await page.waitForFunction(() => parseFloat(document.querySelector('#test-loss').textContent) < 1.2, null,
    { timeout: 90000 }).catch(() => {});
  await page.click('#play');
  await page.screenshot({ path: join(shots, 'multiclass.png'), fullPage: true });
  const epochs = parseInt((await page.textContent('#epoch')).replace(/\D/g, ''), 10);
  check('multi-class spirals train', epochs > 0 && parseFloat(await page.textContent('#test-loss')) < 1.2,
    `epoch ${epochs}, test loss ${await page.textContent('#test-loss')}`);

  // A TensorFlow Playground link (every key it writes) is read as ours.
  const tfp = 'activation=relu&batchSize=10&dataset=xor&regDataset=reg-plane&learningRate=0.03&regularizationRate=0' +
    '&noise=0&networkShape=4,2&seed=0.12345&showTestData=false&discretize=false&percTrainData=50&x=true&y=true' +
    '&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false' +
    '&problem=classification&initZero=false&hideText=false';
  await page.goto(url + '#' + tfp);
  await page.waitForFunction(() => document.querySelector('#datasets .active')?.dataset.dataset === 'xor' &&
    document.querySelector('#test-loss').textContent !== '–', null, { timeout: 30000 });
  const tf = await page.evaluate(() => ({
    layers: document.querySelector('#layer-count').textContent,
    activation: document.querySelector('#activation').value,
    x1x2: !document.querySelector('[data-feature="x1x2"]').classList.contains('off'),
    x1sq: !document.querySelector('[data-feature="x1sq"]').classList.contains('off'),
    notice: document.querySelector('#notice').hidden,
  }));
  check('a TensorFlow Playground link is restored',
    tf.layers === '2' && tf.activation === 'relu' && tf.x1x2 && !tf.x1sq && tf.notice, JSON.stringify(tf));
  // One bad key keeps its default and is named; the rest of the link is kept.
  await page.goto(url + '#dataset=spiral&activation=nope&layers=3&learning_rate=0.1');
  await page.waitForFunction(() => document.querySelector('#datasets .active')?.dataset.dataset === 'spiral' &&
    document.querySelector('#test-loss').textContent !== '–', null, { timeout: 30000 });
  await page.waitForTimeout(1000);
  const kept = await page.evaluate(() => ({
    notice: document.querySelector('#notice').textContent,
    layers: document.querySelector('#layer-count').textContent,
    lr: document.querySelector('#learning_rate').value,
  }));
  check('a bad key in a link is named and the others kept',
    kept.notice.includes('activation=nope') && kept.layers === '1' && kept.lr === '0.1', JSON.stringify(kept));

  // The layout holds at four sizes with six layers of eight: nothing of the
  // network under the output, the output in view (not on a phone), no page
  // wider than the window.
  await page.goto(url + '#layers=8,8,8,8,8,8&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2');
  await page.waitForFunction(() => document.querySelector('#test-loss').textContent !== '–', null, { timeout: 30000 });
  const layouts = [];
  for (const [w, h] of [[1400, 900], [1024, 768], [800, 600], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(600);
    layouts.push(await page.evaluate(([w, h]) => {
      const out = document.querySelector('#out-col').getBoundingClientRect();
      const hit = (b) => b.left < out.right && b.right > out.left && b.top < out.bottom && b.bottom > out.top;
      const overlaps = [...document.querySelectorAll('#network .node')].filter((n) => hit(n.getBoundingClientRect())).length;
      const heat = document.querySelector('#heatmap').getBoundingClientRect();
      return { w, h, overlaps, heatTop: Math.round(heat.top + scrollY), pageWidth: document.documentElement.scrollWidth };
    }, [w, h]));
    if (w === 390) await page.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
  }
  check('the layout holds at 1400×900, 1024×768, 800×600 and a 390 px phone',
    layouts.every((l) => l.overlaps === 0 && l.pageWidth <= l.w && (l.w < 500 || l.heatTop < l.h)), JSON.stringify(layouts));
  await page.setViewportSize({ width: 1280, height: 900 });
  // A server that stops answering is impossible to miss.
  await page.route('**/state?*', (r) => r.abort());
  await page.waitForFunction(() => !document.querySelector('#offline').hidden, null, { timeout: 10000 }).catch(() => {});
  const lost = await page.evaluate(() => !document.querySelector('#offline').hidden && document.body.classList.contains('offline'));
  await page.unroute('**/state?*');
  await page.waitForFunction(() => document.querySelector('#offline').hidden, null, { timeout: 10000 }).catch(() => {});
  const back = await page.evaluate(() => document.querySelector('#offline').hidden);
  check('a lost server is shown plainly, and its return too', lost && back, JSON.stringify({ lost, back }));

  check('no page errors', errors.length === 0, errors.join('; '));
  check('nothing requested outside the server', foreign.length === 0, foreign.join(', '));
} catch (e) {
  failed++;
  console.log(`not ok - ${e.message}`);
  const page = context.pages()[0];
  if (page) {
    await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    console.log('state at failure:', await page.evaluate(() => JSON.stringify({
      hash: location.hash, layers: document.querySelector('#layer-count')?.textContent,
      neurons: document.querySelectorAll('#network .neuron').length, epoch: document.querySelector('#epoch')?.textContent,
      error: document.querySelector('#error')?.textContent })).catch(() => ''));
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
