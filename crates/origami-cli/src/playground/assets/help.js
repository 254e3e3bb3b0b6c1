// "The maths on hover": what every control does, each optimizer's update
// rule, each activation's formula and derivative. Elements carry
// data-help="key"; neurons and links build their text from these pieces.
'use strict';

PG.ACTIVATIONS = {
  relu: { f: 'ReLU(z) = max(0, z)', d: "ReLU'(z) = 1 if z > 0, else 0", note: 'Cheap and does not saturate for z > 0; a unit whose z stays negative is "dead" (zero gradient).' },
  tanh: { f: 'tanh(z) = (e^z − e^−z) / (e^z + e^−z)', d: "tanh'(z) = 1 − tanh²(z)", note: 'Zero-centred, saturates at ±1, where the gradient vanishes.' },
  sigmoid: { f: 'σ(z) = 1 / (1 + e^−z)', d: "σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4", note: 'Outputs in (0, 1); not zero-centred; the gradient is at most 1/4, so deep sigmoid nets learn slowly.' },
  linear: { f: 'f(z) = z', d: "f'(z) = 1", note: 'A stack of linear layers is one linear map: only straight boundaries (with the raw features).' },
  elu: { f: 'ELU(z) = z if z > 0, else α(e^z − 1), α = 1', d: "ELU'(z) = 1 if z > 0, else ELU(z) + α", note: 'Smooth, negative outputs push the mean activation towards 0.' },
  selu: { f: 'SELU(z) = λ·(z if z > 0, else α(e^z − 1)), λ ≈ 1.0507, α ≈ 1.6733', d: "SELU'(z) = λ if z > 0, else λαe^z", note: 'Self-normalizing with LeCun-normal weights: activations keep mean 0 and variance 1.' },
  gelu: { f: 'GELU(z) = z·Φ(z) ≈ ½z(1 + tanh(√(2/π)(z + 0.044715z³)))', d: "GELU'(z) = Φ(z) + z·φ(z)", note: 'A smooth ReLU used by Transformers.' },
  leaky_relu: { f: 'LeakyReLU(z) = z if z > 0, else 0.01z', d: "LeakyReLU'(z) = 1 if z > 0, else 0.01", note: 'ReLU that never dies: a small slope for z < 0.' },
};

PG.OPTIMIZERS = {
  sgd: { label: 'SGD', rule: 'θ ← θ − η∇J(θ)', note: 'Plain (mini-batch) gradient descent.' },
  momentum: { label: 'Momentum', rule: 'm ← βm − η∇J(θ);  θ ← θ + m', note: 'Remembers past gradients: speeds up along consistent directions, damps oscillations (β = momentum).' },
  nesterov: { label: 'Nesterov', rule: 'm ← βm − η∇J(θ + βm);  θ ← θ + m', note: 'Momentum with the gradient taken at the look-ahead point.' },
  adagrad: { label: 'AdaGrad', rule: 's ← s + ∇J⊗∇J;  θ ← θ − η∇J ⊘ √(s + ε)', note: 'Per-parameter rates that only decrease: good for sparse features, stops early on deep nets.' },
  rmsprop: { label: 'RMSProp', rule: 's ← ρs + (1 − ρ)∇J⊗∇J;  θ ← θ − η∇J ⊘ √(s + ε)', note: 'AdaGrad with a decaying average, so it does not stop learning.' },
  adam: { label: 'Adam', rule: 'm ← β₁m + (1 − β₁)∇J;  s ← β₂s + (1 − β₂)∇J⊗∇J;  m̂ = m/(1 − β₁ᵗ);  ŝ = s/(1 − β₂ᵗ);  θ ← θ − η m̂ ⊘ (√ŝ + ε)', note: 'Momentum and RMSProp together, with bias correction.' },
  adamax: { label: 'AdaMax', rule: 'm ← β₁m + (1 − β₁)∇J;  u ← max(β₂u, |∇J|);  θ ← θ − η/(1 − β₁ᵗ) · m ⊘ (u + ε)', note: 'Adam with the infinity norm.' },
  nadam: { label: 'Nadam', rule: 'Adam with a Nesterov look-ahead in the first moment: θ ← θ − η (β₁m̂ + (1 − β₁)∇J/(1 − β₁ᵗ)) ⊘ (√ŝ + ε)', note: 'Often converges a little faster than Adam.' },
  adamw: { label: 'AdamW', rule: 'Adam step, then θ ← θ − ηλθ (decoupled weight decay)', note: 'Weight decay that is not rescaled by Adam\'s per-parameter rates.' },
};

PG.SCHEDULES = {
  constant: 'η stays fixed.',
  power: 'η(t) = η₀ / (1 + t/s)^c  (t: epoch, s: decay epochs, c: power).',
  exponential: 'η(t) = η₀ · r^(t/s)  (r: decay rate, s: decay epochs).',
  piecewise: 'η₀ until s epochs, then η₀·r, after 2s epochs η₀·r².',
  cosine: 'Linear warm-up, then η(t) = η₀ · ½(1 + cos(π t/s)).',
  onecycle: '1cycle: η rises to η₀ then falls far below it over s epochs, while momentum moves the opposite way.',
  plateau: 'Reduce on plateau: η ← η·r when the test loss has not improved for "patience" epochs.',
};

PG.HELP = {
  play: 'Run / pause training. Each epoch is one pass over the training points in shuffled mini-batches; the server trains with origami and the page polls the result.',
  step: 'Train exactly one epoch.',
  reset: 'Re-initialise the weights (same seed: the same starting point) and the epoch counter.',
  epoch: 'Epochs trained: passes over the whole training set.',
  learning_rate: 'η, the step size: θ ← θ − η·(update direction). Too small: slow. Too large: the loss oscillates or diverges.',
  activation: 'The non-linearity of every hidden neuron: a = g(Σᵢ wᵢxᵢ + b). Without one, the network is a linear model.',
  regularization: 'A penalty added to the loss. L1: λΣ|w| (gradient λ·sign(w): pushes weights to exactly 0, sparse nets). L2: λΣw² (gradient 2λw: shrinks all weights, smoother boundaries).',
  reg_rate: 'λ, the strength of the L1/L2 penalty.',
  problem: 'Classification: predict a class (sigmoid/softmax output, cross-entropy loss). Regression: predict a number (linear output, mean squared error).',
  ratio: 'The share of points used for training; the rest is the test set, never trained on, which shows generalization.',
  noise: 'Label noise (circle, XOR, regression), spread (Gaussian) or jitter (spiral) of the data.',
  batch_size: 'Points per gradient step. Small batches: noisy but many steps; large: smooth but few steps per epoch.',
  points: 'How many points to generate (training + test).',
  regenerate: 'Draw a new sample of the same data set (a new data seed).',
  features: 'Inputs of the network, computed from the point (x1, x2). Click a feature to switch it on or off. Hand-made features (x1², sin x1…) can make a problem linear.',
  layers: 'Hidden layers (0–6). Each layer combines the previous layer\'s outputs: deeper nets build more complex shapes from simpler ones.',
  optimizer: 'How a gradient becomes a change of the weights.',
  schedule: 'How η changes over epochs.',
  momentum: 'β: how much of the previous update is kept (momentum, Nesterov).',
  beta1: 'β₁: decay of the running mean of gradients (Adam family).',
  beta2: 'β₂: decay of the running mean of squared gradients (Adam family).',
  rho: 'ρ: decay of RMSProp\'s running mean of squared gradients.',
  epsilon: 'ε: keeps the division by √s finite.',
  weight_decay: 'λ of AdamW: θ ← θ − ηλθ each step.',
  dropout: 'During training each hidden neuron is zeroed with this probability (survivors scaled by 1/(1 − p)): the net cannot rely on any single neuron.',
  batch_norm: 'Normalizes each hidden neuron over the batch (then scales and shifts with learned γ, β); at test time uses running averages.',
  initializer: 'How the initial weights are drawn. Glorot: Var(w) = 2/(fan_in + fan_out) (tanh, sigmoid); He: 2/fan_in (ReLU); LeCun: 1/fan_in (SELU). "default" picks the activation\'s own.',
  seed: 'Seed of the initial weights, dropout masks and batch order: the same seed gives the same run.',
  show_test: 'Draw the test points too (black outline).',
  discretize: 'Colour the output by the predicted class only (sign of the output), not by confidence.',
  loss: 'Training and test loss: cross-entropy for classification, mean squared error for regression (without the regularization penalty).',
  heatmap: 'The network\'s output over the square [−6, 6]²: colour is the predicted class (orange: class 0 / negative, blue: class 1 / positive), intensity the confidence.',
  classes: 'Number of classes (3–5) of the multi-class sets; the output layer then has one unit per class and a softmax.',
  custom: 'Your own points: one "x1,x2,label" per line (label 0/1…4 for classification, a number for regression). Axes are rescaled into the square.',
};

/** The help text for a neuron in hidden layer `l` (0-based), unit `j`. */
PG.neuronHelp = function (cfg, l, j, bias) {
  const a = PG.ACTIVATIONS[cfg.activation] || PG.ACTIVATIONS.tanh;
  return `Layer ${l + 1}, neuron ${j + 1}: a = g(Σᵢ wᵢ·xᵢ + b), b = ${PG.fmt(bias)}\n` +
    `g: ${a.f}\nderivative: ${a.d}\n${a.note}\nThe square shows a over the input square [−6, 6]².`;
};

/** The help text for the chosen optimizer. */
PG.optimizerHelp = function (name) {
  const o = PG.OPTIMIZERS[name] || PG.OPTIMIZERS.sgd;
  return `${o.label}: ${o.rule}\n${o.note}`;
};
