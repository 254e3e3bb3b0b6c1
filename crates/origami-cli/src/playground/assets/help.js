// "The maths on hover": what every control does, each optimizer's update
// rule, each activation's formula and derivative. Elements carry
// data-help="key". The help of every configuration field, and of every
// name (activation, optimizer, schedule, data set), is the library's own
// doc from GET /api/schema (PG.schema); only the page's own controls are
// described here.
'use strict';

PG.HELP = {
  play: 'Run / pause training. Each epoch is one pass over the training points in shuffled mini-batches; the server trains with origami and the page polls the result.',
  step: 'Train exactly one epoch.',
  reset: 'Start again from new random weights (a new seed, shown under Network and kept in the link) and epoch 0.',
  restart: 'Start again from the same weights (the same seed): the run replays exactly.',
  epoch: 'Epochs trained: passes over the whole training set.',
  solve: 'Time to solution: the first epoch at which the test loss fell below this threshold, and the seconds of training it took. Compare activations, optimizers or widths by it (the lecture\'s exercise 2); Experiments reports it for every run.',
  pace: 'How many epochs to train per second while playing: slow enough to watch the boundary form, or as fast as the machine goes. The grey figure is the measured speed.',
  regenerate: 'Draw a new sample of the same data set (a new data seed).',
  show_test: 'Draw the test points too (black outline).',
  discretize: 'Colour the output by the predicted class only (sign of the output), not by confidence.',
  loss: 'Training and test loss by epoch (the epoch axis is logarithmic, so the first epochs are not squeezed into the left edge): cross-entropy for classification, mean squared error for regression (without the regularization penalty).',
  heatmap: 'The network\'s output over the square [−6, 6]²: colour is the predicted class (orange: class 0 / negative, blue: class 1 / positive), intensity the confidence.',
  dataset: 'The data set: click one. Orange is class 0 (or a negative target), blue class 1 (or positive).',
};

/** The help of key `k`: the page's own controls, else the configuration field's doc. */
PG.help = function (k) {
  return PG.HELP[k] || (PG.schema && PG.schema.help[k]) || '';
};

/** The entry of the schema's list `list` whose `key` is `name` (call syntax `leaky_relu(0.1)` matches `leaky_relu`). */
PG.entry = function (list, name, key) {
  const base = String(name).split('(')[0].trim();
  return ((PG.schema && PG.schema[list]) || []).find((e) => e[key || 'name'] === base);
};

/** An activation's formula, derivative and convention, from the library's doc. */
PG.activationHelp = function (name) {
  const a = PG.entry('activations', name);
  return a ? `${a.signature}: ${a.doc}` : name;
};

/** The help text for a neuron in hidden layer `l` (0-based), unit `j`. */
PG.neuronHelp = function (cfg, l, j, bias) {
  return `Layer ${l + 1}, neuron ${j + 1}: a = g(Σᵢ wᵢ·xᵢ + b), b = ${PG.fmt(bias)}\n` +
    `g = ${PG.activationHelp(cfg.activation)}\nThe square shows a over the input square [−6, 6]².`;
};

/** The help text for an optimizer: its update rule and doc. */
PG.optimizerHelp = function (name) {
  const o = PG.entry('optimizers', name, 'type');
  return o ? `${o.type}: ${o.rule}\n${o.description}` : name;
};

/** The help text for a schedule. */
PG.scheduleHelp = function (name) {
  const s = PG.entry('schedules', name, 'type');
  return s ? `${s.type}: ${s.description || ''}` : name;
};
