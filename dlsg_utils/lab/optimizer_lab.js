/* dlsg optimizer lab: the update rules of dlsg_utils.optim, run live in the page.
 *
 * Dependency-free; defines window.dlsgLab once per page (a second copy of this script with the
 * same version does nothing), and window.dlsgLab.mount(root, config) builds one lab in `root`.
 *
 * The numbers: window.dlsgLab.trajectory({surface, optimizer, hyper, start, steps}) returns the
 * points theta_0 ... theta_steps as [[x, y], ...], computed with the operations of
 * dlsg_utils.optim.<Optimizer>._update and dlsg_utils.functions.<SURFACE>.grad in the same
 * order (float64), so the paths equal dlsg_utils.optim.run(...) to rounding
 * (tests/browser/test_lab_in_browser.py checks 1e-12). dlsg_utils/lab/__init__.py: the rules.
 * Part of the course book "Gradient Descent Algorithms and an Introduction to ConvNets" (MIT).
 */
(function () {
  "use strict";
  var VERSION = "1.0.0";
  if (window.dlsgLab && window.dlsgLab.version === VERSION) return;

  // ---------------------------------------------------------------- surfaces (functions.py)
  // numpy's x**2 is one correctly rounded product; other powers go through pow().
  function sq(v) { return v * v; }
  var pow = Math.pow;

  var FIXED = {
    Beale: {
      formula: "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
      python: "dlsg_utils.functions.BEALE",
      f: function (x, y) {
        return sq(1.5 - x + x * y) + sq(2.25 - x + x * sq(y)) + sq(2.625 - x + x * pow(y, 3));
      },
      grad: function (x, y) {
        var a = 1.5 - x + x * y, b = 2.25 - x + x * sq(y), c = 2.625 - x + x * pow(y, 3);
        return [2 * a * (y - 1) + 2 * b * (sq(y) - 1) + 2 * c * (pow(y, 3) - 1),
                2 * a * x + 4 * b * x * y + 6 * c * x * sq(y)];
      },
      minima: [[3, 0.5]], fmin: 0, bounds: [[-4.5, 4.5], [-4.5, 4.5]], start: [3, 4]
    },
    Rosenbrock: {
      formula: "(1 − x)² + 100 (y − x²)²",
      python: "dlsg_utils.functions.ROSENBROCK",
      f: function (x, y) { return sq(1 - x) + 100 * sq(y - sq(x)); },
      grad: function (x, y) {
        return [-2 * (1 - x) - 400 * x * (y - sq(x)), 200 * (y - sq(x))];
      },
      minima: [[1, 1]], fmin: 0, bounds: [[-2, 2], [-1, 3]], start: [-1.5, 2]
    },
    Himmelblau: {
      formula: "(x² + y − 11)² + (x + y² − 7)²",
      python: "dlsg_utils.functions.HIMMELBLAU",
      f: function (x, y) { return sq(sq(x) + y - 11) + sq(x + sq(y) - 7); },
      grad: function (x, y) {
        return [4 * x * (sq(x) + y - 11) + 2 * (x + sq(y) - 7),
                2 * (sq(x) + y - 11) + 4 * y * (x + sq(y) - 7)];
      },
      minima: [[3, 2], [-2.805118086952745, 3.131312518250573],
               [-3.779310253377747, -3.2831859912861696], [3.5844283403304917, -1.8481265269644034]],
      fmin: 0, bounds: [[-5, 5], [-5, 5]], start: [0, 0]
    },
    Booth: {
      formula: "(x + 2y − 7)² + (2x + y − 5)²",
      python: "dlsg_utils.functions.BOOTH",
      f: function (x, y) { return sq(x + 2 * y - 7) + sq(2 * x + y - 5); },
      grad: function (x, y) {
        return [2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5), 4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)];
      },
      minima: [[1, 3]], fmin: 0, bounds: [[-10, 10], [-10, 10]], start: [-8, 8],
      eigenvalues: [2, 18]
    },
    Saddle: {
      formula: "x² − y²",
      python: "dlsg_utils.functions.SADDLE",
      f: function (x, y) { return sq(x) - sq(y); },
      grad: function (x, y) { return [2 * x, -2 * y]; },
      minima: [], fmin: null, bounds: [[-2, 2], [-2, 2]], start: [1, 1e-3]
    }
  };
  var SURFACE_NAMES = ["Ravine", "Beale", "Rosenbrock", "Himmelblau", "Saddle", "Booth"];

  function fail(msg) { throw new Error(msg); }

  function realOk(name, v, lo, hi, loOpen, hiOpen) {
    if (typeof v !== "number" || !isFinite(v)) fail(name + " must be a finite number, got " + v);
    if (lo != null && (loOpen ? !(v > lo) : !(v >= lo)) || hi != null && (hiOpen ? !(v < hi) : !(v <= hi))) {
      var iv = lo != null && hi != null ? "in " + (loOpen ? "(" : "[") + lo + ", " + hi + (hiOpen ? ")" : "]")
        : lo != null ? (loOpen ? "> " : ">= ") + lo : (hiOpen ? "< " : "<= ") + hi;
      fail(name + " must be " + iv + ", got " + v);
    }
    return v;
  }

  /** A quadratic J = ½ θᵀAθ − bᵀθ (dlsg_utils.functions.quadratic): gradient Aθ − b computed
   * as θ @ A − b, the order NumPy uses. A must be symmetric positive definite. */
  function quadraticSurface(A, b, extra) {
    b = b || [0, 0];
    var a00 = A[0][0], a01 = A[0][1], a10 = A[1][0], a11 = A[1][1];
    [a00, a01, a10, a11, b[0], b[1]].forEach(function (v) { realOk("A and b entries", v); });
    if (a01 !== a10) fail("A must be symmetric, got A[0][1] = " + a01 + ", A[1][0] = " + a10);
    var det = a00 * a11 - a01 * a10, tr = a00 + a11;
    var disc = Math.sqrt(Math.max(0, sq(tr / 2) - det));
    var lams = [tr / 2 - disc, tr / 2 + disc];
    if (!(lams[0] > 0)) fail("A must be positive definite, got smallest eigenvalue " + lams[0]);
    var xs = [(a11 * b[0] - a01 * b[1]) / det, (a00 * b[1] - a10 * b[0]) / det];
    var s = {
      formula: "½ θᵀAθ − bᵀθ",
      python: "dlsg_utils.functions.quadratic(A, b)",
      A: [[a00, a01], [a10, a11]], b: [b[0], b[1]],
      f: function (x, y) {
        return 0.5 * (x * (a00 * x + a01 * y) + y * (a10 * x + a11 * y)) - (x * b[0] + y * b[1]);
      },
      grad: function (x, y) { return [x * a00 + y * a10 - b[0], x * a01 + y * a11 - b[1]]; },
      minima: [xs], fmin: -0.5 * (b[0] * xs[0] + b[1] * xs[1]),
      bounds: [[xs[0] - 2, xs[0] + 2], [xs[1] - 2, xs[1] + 2]], start: [xs[0] + 1, xs[1] + 1],
      eigenvalues: lams, quadratic: true
    };
    return Object.assign(s, extra || {});
  }

  /** The ravine of chapters 3-4: A = R diag(1, κ) Rᵀ, R the rotation by `angle` degrees; the
   * default start is R (−10, 1), far out along the valley floor. Python: dlsg_utils.lab.ravine. */
  function ravine(kappa, angle) {
    kappa = realOk("kappa", kappa == null ? 100 : kappa, 1, 1e6);
    angle = realOk("angle", angle == null ? 0 : angle, -360, 360);
    var phi = angle * (Math.PI / 180), c = Math.cos(phi), s = Math.sin(phi);
    var a00 = c * c + kappa * (s * s), a01 = (1 - kappa) * c * s, a11 = s * s + kappa * (c * c);
    var q = quadraticSurface([[a00, a01], [a01, a11]], [0, 0], {
      formula: "½ θᵀ R diag(1, κ) Rᵀ θ", python: "dlsg_utils.lab.ravine(kappa, angle)",
      bounds: [[-11, 11], [-8.25, 8.25]], start: [-10 * c - s, -10 * s + c],
      kappa: kappa, angle: angle, rotation: [c, s]
    });
    q.eigenvalues = [1, kappa];  // exactly: R only rotates diag(1, κ)
    return q;
  }

  function canonical(name, names, what) {
    if (typeof name !== "string") fail(what + " must be a name, got " + name);
    for (var i = 0; i < names.length; i++) if (names[i].toLowerCase() === name.toLowerCase()) return names[i];
    fail(what + " must be one of " + names.join(", ") + "; got " + JSON.stringify(name));
  }

  /** "Beale" | {name: "Ravine", kappa, angle} | {A: [[..],[..]], b: [..]} -> a surface object. */
  function surface(spec) {
    if (spec == null) spec = "Beale";
    if (typeof spec === "object" && spec.A) return quadraticSurface(spec.A, spec.b, {name: spec.name || "Quadratic"});
    var name = canonical(typeof spec === "string" ? spec : spec.name, SURFACE_NAMES, "surface");
    if (name === "Ravine") {
      var r = ravine(spec.kappa, spec.angle);
      r.name = "Ravine";
      return r;
    }
    var d = FIXED[name], out = {name: name};
    for (var k in d) out[k] = d[k];
    if (out.eigenvalues) out.quadratic = true;
    return out;
  }

  // ------------------------------------------------------------ optimizers (dlsg_utils.optim)
  var UNIT = [0, 1, false, true], NONNEG = [0, null, false, false], POS = [0, null, true, false];
  var RANGES = {lr: NONNEG, gamma: UNIT, beta1: UNIT, beta2: UNIT, decay: UNIT, rho: UNIT,
                eps: POS, weight_decay: NONNEG};

  function adamMoments(g, st, h, i) {
    st.m[i] = h.beta1 * st.m[i] + (1 - h.beta1) * g[i];
    st.v[i] = h.beta2 * st.v[i] + (1 - h.beta2) * sq(g[i]);
  }

  function adamStep(p, g, st, h, t) {
    var bc1 = 1 - pow(h.beta1, t), bc2 = 1 - pow(h.beta2, t);
    for (var i = 0; i < 2; i++) {
      adamMoments(g, st, h, i);
      var mh = st.m[i], vh = st.v[i];
      if (h.bias_correction !== false) { mh = st.m[i] / bc1; vh = st.v[i] / bc2; }
      p[i] = p[i] - h.lr * mh / (Math.sqrt(vh) + h.eps);
    }
  }

  var ADAM = {lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8};
  function withDefaults(d, more) { var o = {}, k; for (k in d) o[k] = d[k]; for (k in more || {}) o[k] = more[k]; return o; }

  // Each rule: its hyper-parameters with their defaults (null: required), its state, its step;
  // `rule` and `eq` feed the "how this lab computes" note.
  var OPTIMIZERS = {
    SGD: {
      defaults: {lr: null}, state: [], chapter: 1,
      rule: "θ ← θ − η ∇J(θ)",
      update: function (p, g, st, h) { for (var i = 0; i < 2; i++) p[i] = p[i] - h.lr * g[i]; }
    },
    Momentum: {
      defaults: {lr: null, gamma: 0.9}, state: ["v"], chapter: 3,
      rule: "v ← γ v + η ∇J(θ);  θ ← θ − v",
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) { st.v[i] = h.gamma * st.v[i] + h.lr * g[i]; p[i] = p[i] - st.v[i]; }
      }
    },
    Nesterov: {
      defaults: {lr: null, gamma: 0.9}, state: ["v"], chapter: 3,
      rule: "v ← γ v + η ∇J(θ − γ v);  θ ← θ − v",
      point: function (p, st, h) { return [p[0] - h.gamma * st.v[0], p[1] - h.gamma * st.v[1]]; },
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) { st.v[i] = h.gamma * st.v[i] + h.lr * g[i]; p[i] = p[i] - st.v[i]; }
      }
    },
    Adagrad: {
      defaults: {lr: 0.01, eps: 1e-8}, state: ["G"], chapter: 4,
      rule: "G ← G + g²;  θ ← θ − η g / (√G + ε)",
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) { st.G[i] = st.G[i] + sq(g[i]); p[i] = p[i] - h.lr * g[i] / (Math.sqrt(st.G[i]) + h.eps); }
      }
    },
    RMSProp: {
      defaults: {lr: 0.001, decay: 0.9, eps: 1e-8}, state: ["E"], chapter: 4,
      rule: "E ← ρ E + (1 − ρ) g²;  θ ← θ − η g / (√E + ε)   (ρ = decay)",
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) {
          st.E[i] = h.decay * st.E[i] + (1 - h.decay) * sq(g[i]);
          p[i] = p[i] - h.lr * g[i] / (Math.sqrt(st.E[i]) + h.eps);
        }
      }
    },
    Adam: {
      defaults: withDefaults(ADAM, {bias_correction: true}), state: ["m", "v"], chapter: 4,
      rule: "m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)",
      update: adamStep
    },
    AdaDelta: {
      defaults: {rho: 0.95, eps: 1e-6}, state: ["Eg", "Edx"], chapter: 4,
      rule: "E[g²] ← ρE[g²] + (1 − ρ)g²;  Δ = −√(E[Δ²] + ε) / √(E[g²] + ε) · g;  E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ²;  θ ← θ + Δ   (no η)",
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) {
          st.Eg[i] = h.rho * st.Eg[i] + (1 - h.rho) * sq(g[i]);
          var delta = -Math.sqrt(st.Edx[i] + h.eps) / Math.sqrt(st.Eg[i] + h.eps) * g[i];
          st.Edx[i] = h.rho * st.Edx[i] + (1 - h.rho) * sq(delta);
          p[i] = p[i] + 1.0 * delta;
        }
      }
    },
    AdaMax: {
      defaults: withDefaults(ADAM, {lr: 0.002}), state: ["m", "u"], chapter: 4,
      rule: "m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − η/(1 − β₁ᵗ) · m/u",
      update: function (p, g, st, h, t) {
        var bc1 = 1 - pow(h.beta1, t);
        for (var i = 0; i < 2; i++) {
          st.m[i] = h.beta1 * st.m[i] + (1 - h.beta1) * g[i];
          st.u[i] = Math.max(h.beta2 * st.u[i], Math.abs(g[i]) + h.eps);
          p[i] = p[i] - h.lr / bc1 * st.m[i] / st.u[i];
        }
      }
    },
    Nadam: {
      defaults: withDefaults(ADAM, {lr: 0.002}), state: ["m", "v"], chapter: 4,
      rule: "m, v, m̂, v̂ as in Adam;  θ ← θ − η/(√v̂ + ε) · (β₁m̂ + (1 − β₁)g/(1 − β₁ᵗ))",
      update: function (p, g, st, h, t) {
        var bc1 = 1 - pow(h.beta1, t), bc2 = 1 - pow(h.beta2, t);
        for (var i = 0; i < 2; i++) {
          adamMoments(g, st, h, i);
          var mh = st.m[i] / bc1, vh = st.v[i] / bc2;
          p[i] = p[i] - h.lr / (Math.sqrt(vh) + h.eps) * (h.beta1 * mh + (1 - h.beta1) * g[i] / bc1);
        }
      }
    },
    AMSGrad: {
      defaults: withDefaults(ADAM), state: ["m", "v", "vmax"], chapter: 4,
      rule: "m, v as in Adam;  v̂ ← max(v̂, v);  θ ← θ − η m / (√v̂ + ε)   (no bias correction)",
      update: function (p, g, st, h) {
        for (var i = 0; i < 2; i++) {
          adamMoments(g, st, h, i);
          st.vmax[i] = Math.max(st.vmax[i], st.v[i]);
          p[i] = p[i] - h.lr * st.m[i] / (Math.sqrt(st.vmax[i]) + h.eps);
        }
      }
    },
    AdamW: {
      defaults: withDefaults(ADAM, {weight_decay: 0.01}), state: ["m", "v"], chapter: 4,
      rule: "θ ← θ (1 − ηλ), then the Adam step (λ = weight decay)",
      update: function (p, g, st, h, t) {
        for (var i = 0; i < 2; i++) p[i] = p[i] * (1 - h.lr * h.weight_decay);
        adamStep(p, g, st, h, t);
      }
    }
  };
  var OPTIMIZER_NAMES = ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam", "AdaDelta",
                         "AdaMax", "Nadam", "AMSGrad", "AdamW"];
  // Okabe-Ito colours (colour-blind safe); the second six repeat them dashed.
  var STYLE = {
    SGD: ["#0072B2", []], Momentum: ["#D55E00", []], Nesterov: ["#009E73", []],
    Adagrad: ["#CC79A7", []], RMSProp: ["#B8860B", []], Adam: ["#000000", []],
    AdaDelta: ["#0072B2", [6, 4]], AdaMax: ["#D55E00", [6, 4]], Nadam: ["#009E73", [6, 4]],
    AMSGrad: ["#CC79A7", [6, 4]], AdamW: ["#B8860B", [6, 4]]
  };

  /** The hyper-parameters `name` runs with: its defaults, then the keys of `hyper` it takes
   * (others are ignored, so one object can serve every method), then hyper[name] if present. */
  function hyperFor(name, hyper) {
    var d = OPTIMIZERS[name].defaults, h = {}, k;
    hyper = hyper || {};
    var own = hyper[name] && typeof hyper[name] === "object" ? hyper[name] : {};
    for (k in d) {
      var v = k in own ? own[k] : k in hyper ? hyper[k] : d[k];
      if (v == null) fail(name + " needs " + k + " (it has no default)");
      if (k === "bias_correction") { h[k] = !!v; continue; }
      var r = RANGES[k];
      h[k] = realOk(k, v, r[0], r[1], r[2], r[3]);
    }
    return h;
  }

  /** The path of `optimizer` from `start`: [[x0, y0], ..., [x_steps, y_steps]], like
   * dlsg_utils.optim.run(Optimizer(**hyper), surface.grad, start, steps). */
  function trajectory(o) {
    var surf = o.surface && o.surface.grad ? o.surface : surface(o.surface);
    var name = canonical(o.optimizer, OPTIMIZER_NAMES, "optimizer");
    var opt = OPTIMIZERS[name], h = hyperFor(name, o.hyper);
    var steps = o.steps == null ? 100 : o.steps;
    if (!(Number.isInteger(steps) && steps >= 0 && steps <= 1e6)) fail("steps must be an int in [0, 1000000], got " + steps);
    var x = o.start == null ? surf.start.slice() : [o.start[0], o.start[1]];
    realOk("start x", x[0]); realOk("start y", x[1]);
    var st = {};
    opt.state.forEach(function (s) { st[s] = [0, 0]; });
    var path = [[x[0], x[1]]];
    for (var t = 1; t <= steps; t++) {
      var q = opt.point ? opt.point(x, st, h) : x;
      var g = surf.grad(q[0], q[1]);
      opt.update(x, g, st, h, t);
      path.push([x[0], x[1]]);
    }
    return path;
  }

  // ------------------------------------------------------- chapter 3's rates on a quadratic
  /** Spectral radius of heavy-ball momentum's iteration matrix M = [[1−ηλ, −γd], [ηλ, γd]]
   * (d = 1; Nesterov: d = 1 − ηλ) for one eigen-direction; γ = 0 gives GD's |1 − ηλ|. */
  function spectralRadius(lr, gamma, lam, nesterov) {
    var a = lr * lam, d = nesterov ? 1 - a : 1;
    var tr = 1 - a + gamma * d, det = gamma * d, disc = tr * tr / 4 - det;
    if (disc < 0) return Math.sqrt(det);
    var r = Math.sqrt(disc);
    return Math.max(Math.abs(tr / 2 + r), Math.abs(tr / 2 - r));
  }

  /** The predicted rate (error factor per step) of SGD, Momentum or Nesterov on a quadratic
   * with Hessian eigenvalues `eigenvalues`: max over λ of the spectral radius; null for the
   * adaptive methods (no constant iteration matrix). */
  function predictedRate(o) {
    var name = canonical(o.optimizer, OPTIMIZER_NAMES, "optimizer");
    if (["SGD", "Momentum", "Nesterov"].indexOf(name) < 0) return null;
    var gamma = name === "SGD" ? 0 : o.gamma == null ? 0.9 : o.gamma;
    return Math.max.apply(null, o.eigenvalues.map(function (lam) {
      return spectralRadius(o.lr, gamma, lam, name === "Nesterov");
    }));
  }

  /** exp of the least-squares slope of log(distance) over the second half of a run (chapter
   * 3's measured_rate); NaN when a distance there is 0 or not finite. */
  function measuredRate(dist) {
    var n = dist.length, i0 = Math.floor(n / 2), m = n - i0;
    if (m < 2) return NaN;
    var st = 0, sy = 0, i;
    for (i = i0; i < n; i++) {
      if (!(dist[i] > 0 && isFinite(dist[i]))) return NaN;
      st += i; sy += Math.log(dist[i]);
    }
    var tm = st / m, ym = sy / m, num = 0, den = 0;
    for (i = i0; i < n; i++) { num += (i - tm) * (Math.log(dist[i]) - ym); den += (i - tm) * (i - tm); }
    return Math.exp(num / den);
  }

  // ------------------------------------------------------------------------ drawing helpers
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (attrs[k] == null || attrs[k] === false) continue;
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  var SUP = {"-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"};
  function fmt(v) {
    if (v == null) return "—";
    if (isNaN(v)) return "NaN";
    if (!isFinite(v)) return v > 0 ? "∞" : "−∞";
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(2).replace("e+", "e");
    return String(Number(v.toPrecision(3)));
  }
  function decade(e) { return "10" + String(e).split("").map(function (c) { return SUP[c]; }).join(""); }

  function niceTicks(lo, hi, n) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10(span / n))), err = span / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function tickLabel(v) { return String(Number(v.toPrecision(6))); }

  /** Contour levels like dlsg_utils.plot.contour_levels: f* + gaps log-spaced from the smallest
   * positive gap (>= 1e-8 of the largest) to the largest; without f*, evenly spaced between
   * the 1st and 99th percentiles. */
  function contourLevels(Z, n, fmin) {
    var fin = [];
    for (var i = 0; i < Z.length; i++) if (isFinite(Z[i])) fin.push(Z[i]);
    if (!fin.length) return [];
    var lv = [], k;
    if (fmin != null) {
      var hi = -Infinity, lo = Infinity;
      fin.forEach(function (z) { var g = z - fmin; if (g > hi) hi = g; if (g > 0 && g < lo) lo = g; });
      if (hi > 0) {
        lo = Math.max(lo, hi * 1e-8);
        for (k = 0; k < n; k++) lv.push(fmin + lo * Math.pow(hi / lo, k / (n - 1)));
        return lv;
      }
    }
    fin.sort(function (a, b) { return a - b; });
    var p1 = fin[Math.floor(0.01 * (fin.length - 1))], p99 = fin[Math.floor(0.99 * (fin.length - 1))];
    for (k = 0; k < n; k++) lv.push(p1 + (p99 - p1) * k / (n - 1));
    return lv;
  }

  /** Marching squares: the segments of the level line `c` through the grid values Z (nx × ny). */
  function isoSegments(Z, nx, ny, c, cb) {
    for (var j = 0; j < ny - 1; j++) for (var i = 0; i < nx - 1; i++) {
      var z0 = Z[j * nx + i], z1 = Z[j * nx + i + 1], z2 = Z[(j + 1) * nx + i + 1], z3 = Z[(j + 1) * nx + i];
      if (!(isFinite(z0) && isFinite(z1) && isFinite(z2) && isFinite(z3))) continue;
      var idx = (z0 > c ? 1 : 0) | (z1 > c ? 2 : 0) | (z2 > c ? 4 : 0) | (z3 > c ? 8 : 0);
      if (idx === 0 || idx === 15) continue;
      var pts = [];
      if ((z0 > c) !== (z1 > c)) pts.push([i + (c - z0) / (z1 - z0), j]);
      if ((z1 > c) !== (z2 > c)) pts.push([i + 1, j + (c - z1) / (z2 - z1)]);
      if ((z3 > c) !== (z2 > c)) pts.push([i + (c - z3) / (z2 - z3), j + 1]);
      if ((z0 > c) !== (z3 > c)) pts.push([i, j + (c - z0) / (z3 - z0)]);
      if (pts.length === 2) cb(pts[0], pts[1]);
      else if (pts.length === 4) { cb(pts[0], pts[1]); cb(pts[2], pts[3]); }
    }
  }

  // --------------------------------------------------------------------------------- the UI
  var SLIDERS = {
    lr: {label: "learning rate η", log: true, min: -5, max: 1, step: 0.01},
    gamma: {label: "momentum γ", min: 0, max: 0.995, step: 0.005},
    beta1: {label: "β₁", min: 0, max: 0.99, step: 0.01},
    beta2: {label: "β₂", min: 0, max: 0.9999, step: 0.0001},
    decay: {label: "RMSProp decay ρ", min: 0, max: 0.999, step: 0.001},
    rho: {label: "AdaDelta ρ", min: 0, max: 0.999, step: 0.001},
    eps: {label: "ε", log: true, min: -12, max: 0, step: 0.1},
    weight_decay: {label: "weight decay λ", min: 0, max: 0.5, step: 0.005},
    steps: {label: "steps", min: 10, max: 2000, step: 10},
    kappa: {label: "condition number κ", log: true, min: 0, max: 3, step: 0.01},
    angle: {label: "rotation (degrees)", min: 0, max: 90, step: 1}
  };
  var SHARED = ["lr", "gamma", "beta1", "beta2", "decay", "rho", "eps", "weight_decay"];
  var ALL_CONTROLS = ["surface", "kappa", "angle", "optimizers", "lr", "gamma", "beta1", "beta2",
                      "decay", "rho", "eps", "weight_decay", "steps", "start", "play", "rates", "notes"];
  var uid = 0;

  function Lab(root, cfg) {
    this.root = root;
    this.cfg = cfg = cfg || {};
    this.id = root.id || "dlsg-lab-" + (++uid);
    this.controls = cfg.controls || ALL_CONTROLS;
    this.available = (cfg.available || OPTIMIZER_NAMES).map(function (n) { return canonical(n, OPTIMIZER_NAMES, "optimizer"); });
    this.surfaceNames = (cfg.surfaces || SURFACE_NAMES).map(function (n) { return canonical(n, SURFACE_NAMES, "surface"); });
    this.reset();
    this.build();
    this.update(true);
  }

  Lab.prototype.has = function (c) { return this.controls.indexOf(c) >= 0; };

  Lab.prototype.reset = function () {
    var cfg = this.cfg, hyper = cfg.hyper || {}, self = this;
    this.state = {
      surface: canonical(cfg.surface || "Himmelblau", SURFACE_NAMES, "surface"),
      kappa: cfg.kappa == null ? 100 : cfg.kappa, angle: cfg.angle || 0,
      steps: cfg.steps || 200, t: null, playing: false,
      selected: (cfg.optimizers || ["SGD", "Momentum", "Adam"]).map(function (n) { return canonical(n, OPTIMIZER_NAMES, "optimizer"); }),
      shared: {lr: 0.01, gamma: 0.9, beta1: 0.9, beta2: 0.999, decay: 0.9, rho: 0.95, eps: 1e-8, weight_decay: 0.01},
      own: {}, perMethodLr: !!cfg.per_method_lr, start: null
    };
    SHARED.forEach(function (k) { if (k in hyper) self.state.shared[k] = hyper[k]; });
    OPTIMIZER_NAMES.forEach(function (n) {
      var own = hyper[n] || {};
      self.state.own[n] = {lr: "lr" in own ? own.lr : self.state.shared.lr,
                           eps: "eps" in own ? own.eps : "eps" in hyper && n !== "AdaDelta" ? hyper.eps : n === "AdaDelta" ? 1e-6 : 1e-8};
      for (var k in own) if (k !== "lr" && k !== "eps") self.state.own[n][k] = own[k];
    });
    this.setStartFromWorld(cfg.start || null);
  };

  Lab.prototype.surfaceSpec = function () {
    var s = this.state;
    return s.surface === "Ravine" ? {name: "Ravine", kappa: s.kappa, angle: s.angle} : s.surface;
  };

  // The ravine's start is kept in the ravine's own frame, so rotating the ravine rotates it too.
  Lab.prototype.setStartFromWorld = function (p) {
    var s = this.state;
    if (p == null) { s.start = null; return; }
    if (s.surface === "Ravine") {
      var r = surface(this.surfaceSpec()).rotation;
      s.start = [r[0] * p[0] + r[1] * p[1], -r[1] * p[0] + r[0] * p[1]];
    } else s.start = [p[0], p[1]];
  };
  Lab.prototype.worldStart = function (surf) {
    var s = this.state;
    if (s.start == null) return surf.start.slice();
    if (s.surface === "Ravine") {
      var r = surf.rotation;
      return [r[0] * s.start[0] - r[1] * s.start[1], r[1] * s.start[0] + r[0] * s.start[1]];
    }
    return s.start.slice();
  };

  Lab.prototype.hyperOf = function (name) {
    var s = this.state, h = {}, k;
    for (k in s.shared) h[k] = s.shared[k];
    var own = s.own[name];
    for (k in own) if (k !== "lr" && k !== "eps") h[k] = own[k];
    if (s.perMethodLr) h.lr = own.lr;
    if (name === "AdaDelta" || "eps" in ((this.cfg.hyper || {})[name] || {})) h.eps = own.eps;
    return h;
  };

  Lab.prototype.slider = function (key, value, onInput, label, owner) {
    var spec = SLIDERS[key], id = this.id + "-" + key + (owner ? "-" + owner : "");
    var toPos = function (v) { return spec.log ? Math.log10(v) : v; };
    var out = el("output", {"for": id, "class": "dlsg-lab-value"});
    var input = el("input", {type: "range", id: id, min: spec.min, max: spec.max, step: spec.step});
    input.value = toPos(value);
    var show = function (v) {
      var txt = key === "steps" || key === "angle" ? String(Math.round(v)) : fmt(v);
      out.textContent = txt; input.setAttribute("aria-valuetext", txt);
    };
    show(value);
    input.addEventListener("input", function () {
      var v = spec.log ? Math.pow(10, Number(input.value)) : Number(input.value);
      if (key === "steps" || key === "angle") v = Math.round(v);
      show(v); onInput(v);
    });
    var row = el("div", {"class": "dlsg-lab-row"}, [
      el("label", {"for": id}, Array.isArray(label) ? label : [label || spec.label]), input, out]);
    row.set = function (v) { input.value = toPos(v); show(v); };
    return row;
  };

  Lab.prototype.build = function () {
    var self = this, s = this.state, root = this.root, id = this.id;
    root.textContent = "";
    root.classList.add("dlsg-lab");
    var title = this.cfg.title;
    if (title) root.appendChild(el("p", {"class": "dlsg-lab-title", text: title}));

    // top: surface and its sliders
    var top = el("div", {"class": "dlsg-lab-controls dlsg-lab-top"});
    if (this.has("surface") && this.surfaceNames.length > 1) {
      var sel = el("select", {id: id + "-surface", onchange: function () {
        s.surface = sel.value; s.start = null; self.contourKey = null; self.update(true);
      }}, this.surfaceNames.map(function (n) { return el("option", {value: n, text: n === "Ravine" ? "Ravine (quadratic)" : n}); }));
      sel.value = s.surface;
      top.appendChild(el("div", {"class": "dlsg-lab-row"}, [el("label", {"for": id + "-surface", text: "surface"}), sel]));
    }
    this.ravineRows = [];
    if (this.has("kappa")) this.ravineRows.push(this.slider("kappa", s.kappa, function (v) { s.kappa = v; self.contourKey = null; self.update(true); }));
    if (this.has("angle")) this.ravineRows.push(this.slider("angle", s.angle, function (v) { s.angle = v; self.contourKey = null; self.update(true); }));
    this.ravineRows.forEach(function (r) { top.appendChild(r); });
    if (top.childNodes.length) root.appendChild(top);

    // plots
    this.map = el("canvas", {"class": "dlsg-lab-map", tabindex: this.has("start") ? "0" : null, role: "img",
                             "aria-keyshortcuts": this.has("start") ? "ArrowLeft ArrowRight ArrowUp ArrowDown" : null});
    this.loss = el("canvas", {"class": "dlsg-lab-loss", role: "img"});
    this.plots = el("div", {"class": "dlsg-lab-plots"}, [
      el("div", {"class": "dlsg-lab-plot"}, [this.map]), el("div", {"class": "dlsg-lab-plot"}, [this.loss])]);
    root.appendChild(this.plots);
    if (this.has("start")) {
      this.map.addEventListener("click", function (ev) {
        var r = self.map.getBoundingClientRect();
        self.moveStart(self.fromPixel(ev.clientX - r.left, ev.clientY - r.top));
      });
      this.map.addEventListener("keydown", function (ev) {
        var d = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[ev.key];
        if (!d) return;
        ev.preventDefault();
        var b = self.bounds, f = ev.shiftKey ? 0.1 : 0.02, p = self.startPoint;
        self.moveStart([p[0] + d[0] * f * (b[0][1] - b[0][0]), p[1] + d[1] * f * (b[1][1] - b[1][0])]);
      });
    }

    // transport: play, the step shown
    var tr = el("div", {"class": "dlsg-lab-controls dlsg-lab-transport"});
    if (this.has("play")) {
      this.playBtn = el("button", {type: "button", "class": "dlsg-lab-play", onclick: function () { self.togglePlay(); }}, ["▶ Play"]);
      this.playBtn.setAttribute("aria-label", "Play the run from step 0");
      tr.appendChild(this.playBtn);
      this.scrub = el("input", {type: "range", id: id + "-t", min: 0, max: s.steps, step: 1});
      this.scrub.addEventListener("input", function () { self.stop(); s.t = Number(self.scrub.value); self.draw(); });
      this.tOut = el("output", {"for": id + "-t", "class": "dlsg-lab-value"});
      tr.appendChild(el("div", {"class": "dlsg-lab-row dlsg-lab-grow"}, [el("label", {"for": id + "-t", text: "step shown"}), this.scrub, this.tOut]));
    }
    if (this.has("start")) {
      var startBtn = el("button", {type: "button", onclick: function () { s.start = null; self.update(true); }}, ["Default start"]);
      tr.appendChild(startBtn);
    }
    tr.appendChild(el("button", {type: "button", onclick: function () { self.stop(); self.reset(); self.build(); self.update(true); }}, ["Reset all"]));
    root.appendChild(tr);
    this.status = el("p", {"class": "dlsg-lab-status", "aria-live": "polite"});
    root.appendChild(this.status);

    // methods: the legend, with a checkbox and (per-method mode) a learning rate each
    this.rows = {};
    var meth = el("fieldset", {"class": "dlsg-lab-methods"}, [el("legend", {text: "Optimizers (legend)"})]);
    this.available.forEach(function (n) {
      var cid = id + "-use-" + n, st = STYLE[n];
      var cb = el("input", {type: "checkbox", id: cid, disabled: !self.has("optimizers")});
      cb.checked = s.selected.indexOf(n) >= 0;
      cb.addEventListener("change", function () {
        s.selected = self.available.filter(function (m) { return self.rows[m].cb.checked; });
        self.update(false);
      });
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("width", "28"); svg.setAttribute("height", "10"); svg.setAttribute("aria-hidden", "true");
      var ln = document.createElementNS("http://www.w3.org/2000/svg", "line");
      ln.setAttribute("x1", "1"); ln.setAttribute("x2", "27"); ln.setAttribute("y1", "5"); ln.setAttribute("y2", "5");
      ln.setAttribute("stroke", st[0]); ln.setAttribute("stroke-width", "3");
      if (st[1].length) ln.setAttribute("stroke-dasharray", st[1].join(" "));
      svg.appendChild(ln);
      var readout = el("span", {"class": "dlsg-lab-readout"});
      var row = el("div", {"class": "dlsg-lab-method"}, [
        el("span", {"class": "dlsg-lab-check"}, [cb, el("label", {"for": cid}, [svg, " " + n])]), readout]);
      var knob = null;
      var own = function (sym) { return [el("span", {"class": "dlsg-sr", text: n + " "}), sym]; };
      if (n === "AdaDelta") knob = self.slider("eps", s.own[n].eps, function (v) { s.own[n].eps = v; self.update(false); }, own("ε"), n);
      else if (self.has("lr")) knob = self.slider("lr", s.own[n].lr, function (v) { s.own[n].lr = v; self.update(false); }, own("η"), n);
      if (knob) { knob.classList.add("dlsg-lab-knob"); row.appendChild(knob); }
      self.rows[n] = {row: row, cb: cb, readout: readout, knob: knob};
      meth.appendChild(row);
    });
    if (this.has("lr") && this.available.some(function (n) { return n !== "AdaDelta"; })) {
      var pid = id + "-permethod";
      this.perBox = el("input", {type: "checkbox", id: pid});
      this.perBox.checked = s.perMethodLr;
      this.perBox.addEventListener("change", function () {
        s.perMethodLr = self.perBox.checked;
        if (s.perMethodLr) OPTIMIZER_NAMES.forEach(function (n) { if (n !== "AdaDelta") { s.own[n].lr = s.shared.lr; if (self.rows[n] && self.rows[n].knob) self.rows[n].knob.set(s.shared.lr); } });
        self.update(false);
      });
      meth.appendChild(el("div", {"class": "dlsg-lab-row dlsg-lab-permethod"}, [this.perBox, el("label", {"for": pid, text: "a separate learning rate η for each method"})]));
    }
    root.appendChild(meth);

    // shared hyper-parameters
    var hyp = el("fieldset", {"class": "dlsg-lab-controls dlsg-lab-hyper"}, [el("legend", {text: "Hyper-parameters"})]);
    this.hyperRows = {};
    SHARED.forEach(function (k) {
      if (!self.has(k)) return;
      var label = k === "eps" ? "ε (all but AdaDelta)" : k === "lr" ? "learning rate η (all)" : null;
      var r = self.slider(k, s.shared[k], function (v) {
        s.shared[k] = v;
        if (k === "eps") OPTIMIZER_NAMES.forEach(function (n) { if (n !== "AdaDelta") s.own[n].eps = v; });
        self.update(false);
      }, label);
      self.hyperRows[k] = r; hyp.appendChild(r);
    });
    if (this.has("steps")) hyp.appendChild(this.slider("steps", s.steps, function (v) { s.steps = v; self.update(false); }));
    if (hyp.childNodes.length > 1) root.appendChild(hyp);

    if (this.has("rates")) { this.rates = el("div", {"class": "dlsg-lab-rates", "aria-live": "polite"}); root.appendChild(this.rates); }
    if (this.has("notes")) root.appendChild(this.notes());

    if (!this.observer && window.ResizeObserver) {
      this.observer = new ResizeObserver(function () { if (self.root.clientWidth !== self.width) self.update(false); });
      this.observer.observe(root);
    }
  };

  Lab.prototype.notes = function () {
    var list = el("ul", {}, OPTIMIZER_NAMES.filter(function (n) { return this.available.indexOf(n) >= 0; }, this).map(function (n) {
      var o = OPTIMIZERS[n];
      return el("li", {}, [el("strong", {text: n + ": "}), o.rule + " — dlsg_utils.optim." + n + " (chapter " + o.chapter + ")"]);
    }));
    return el("details", {"class": "dlsg-lab-notes"}, [
      el("summary", {text: "How this lab computes"}),
      el("p", {text: "Every path is computed in your browser, in float64, with the update rules of the book's " +
        "package dlsg_utils.optim, operation for operation, so it equals dlsg_utils.optim.run(opt, surface.grad, start, steps) " +
        "to rounding error (the book's tests check 1e-12). Each step calls the surface's exact gradient once " +
        "(Nesterov at the look-ahead point θ − γv); the state starts at 0 and t counts steps from 1. " +
        "g is the gradient, products and square roots are per coordinate."}),
      list,
      el("p", {text: "Surfaces: dlsg_utils.functions (BEALE, ROSENBROCK, HIMMELBLAU, SADDLE, BOOTH); the ravine is " +
        "quadratic(A) with A = R diag(1, κ) Rᵀ, R the rotation by the chosen angle (dlsg_utils.lab.ravine), started at R(−10, 1). " +
        "The loss panel shows f(θₜ) − f* on a log scale (f itself, linear, on the saddle, which has no minimum). " +
        "Predicted rates (chapter 3): the largest spectral radius, over the Hessian's eigenvalues λ, of the iteration matrix " +
        "[[1 − ηλ, −γd], [ηλ, γd]] with d = 1 (momentum; γ = 0 is gradient descent, |1 − ηλ|) or d = 1 − ηλ (Nesterov); " +
        "measured rate: exp of the slope of log ‖θₜ − θ*‖ fitted over the second half of the run. " +
        "Python: window.dlsgLab.trajectory({surface, optimizer, hyper, start, steps}) returns the points."})
    ]);
  };

  /** A new start from a click or an arrow key, kept on the plotted domain (a click in the
   * axes' margin or a key held down at an edge stops at the edge). */
  Lab.prototype.moveStart = function (p) {
    if (!(isFinite(p[0]) && isFinite(p[1]))) return;
    var b = this.bounds;
    p = [Math.min(b[0][1], Math.max(b[0][0], p[0])), Math.min(b[1][1], Math.max(b[1][0], p[1]))];
    this.setStartFromWorld(p);
    this.update(true);
  };

  Lab.prototype.togglePlay = function () { if (this.state.playing) this.stop(); else this.play(); };
  Lab.prototype.stop = function () {
    this.state.playing = false;
    if (this.playBtn) { this.playBtn.textContent = "▶ Play"; this.playBtn.setAttribute("aria-label", "Play the run from step 0"); }
  };
  Lab.prototype.play = function () {
    var self = this, s = this.state;
    if (s.t == null || s.t >= s.steps) s.t = 0;
    s.playing = true;
    this.playBtn.textContent = "❚❚ Pause";
    this.playBtn.setAttribute("aria-label", "Pause the run");
    var per = Math.max(1, Math.ceil(s.steps / 240));
    var tick = function () {
      if (!s.playing || !self.root.isConnected) return;
      s.t = Math.min(s.steps, s.t + per);
      self.draw();
      if (s.t >= s.steps) self.stop(); else window.requestAnimationFrame(tick);
    };
    window.requestAnimationFrame(tick);
  };

  /** Recompute every path (after any change) and redraw; `restart` shows the whole run. */
  Lab.prototype.update = function (restart) {
    var self = this, s = this.state;
    this.error = null;
    try {
      this.surf = surface(this.surfaceSpec());
    } catch (e) { this.error = e.message; this.surf = surface("Beale"); }
    var surf = this.surf;
    this.bounds = this.cfg.bounds && this.cfg.surface && canonical(this.cfg.surface, SURFACE_NAMES, "surface") === s.surface ? this.cfg.bounds : surf.bounds;
    this.startPoint = this.worldStart(surf);
    this.ravineRows.forEach(function (r) { r.style.display = s.surface === "Ravine" ? "" : "none"; });
    var fmin = surf.fmin, xs = surf.minima[0];
    this.runs = [];
    s.selected.forEach(function (n) {
      var path, err = null;
      try {
        path = trajectory({surface: surf, optimizer: n, hyper: self.hyperOf(n), start: self.startPoint, steps: s.steps});
      } catch (e) { err = e.message; path = [self.startPoint]; }
      var loss = path.map(function (p) { var v = surf.f(p[0], p[1]); return fmin == null ? v : v - fmin; });
      var dist = xs ? path.map(function (p) { return Math.hypot(p[0] - xs[0], p[1] - xs[1]); }) : null;
      var bad = null;
      for (var i = 0; i < path.length && bad == null; i++) {
        if (!(isFinite(path[i][0]) && isFinite(path[i][1]) && isFinite(loss[i]))) bad = i;
      }
      self.runs.push({name: n, path: path, loss: loss, dist: dist, error: err, diverged: bad});
    });
    if (restart || s.t == null || s.t > s.steps || !s.playing) s.t = s.playing ? Math.min(s.t, s.steps) : s.steps;
    // which shared sliders matter for the methods shown
    var used = {};
    s.selected.forEach(function (n) { for (var k in OPTIMIZERS[n].defaults) used[k] = true; });
    var anyLr = s.selected.some(function (n) { return n !== "AdaDelta"; });
    for (var k in this.hyperRows) {
      var show = k === "lr" ? anyLr && !s.perMethodLr : k === "eps" ? s.selected.some(function (n) { return n !== "AdaDelta" && "eps" in OPTIMIZERS[n].defaults; }) : !!used[k];
      this.hyperRows[k].style.display = show ? "" : "none";
    }
    for (var n in this.rows) {
      var r = this.rows[n], on = s.selected.indexOf(n) >= 0;
      r.row.classList.toggle("dlsg-lab-off", !on);
      if (r.knob) r.knob.style.display = on && (n === "AdaDelta" || s.perMethodLr) ? "" : "none";
    }
    if (this.scrub) this.scrub.max = s.steps;
    this.layout();
    this.draw();
    this.drawRates();
  };

  Lab.prototype.layout = function () {
    var W = Math.max(200, this.root.clientWidth || 600), b = this.bounds;
    this.width = this.root.clientWidth;
    var wide = W >= 620, gap = 12;
    var mapW = wide ? Math.floor((W - gap) * 0.58) : W;
    var aspect = Math.min(1, Math.max(0.45, (b[1][1] - b[1][0]) / (b[0][1] - b[0][0])));
    var mapH = Math.round(Math.min(mapW * aspect, 520));
    var lossW = wide ? W - gap - mapW : W, lossH = wide ? mapH : Math.round(Math.min(260, W * 0.62));
    this.plots.classList.toggle("dlsg-lab-wide", wide);
    this.sizeCanvas(this.map, mapW, mapH);
    this.sizeCanvas(this.loss, lossW, lossH);
  };

  Lab.prototype.sizeCanvas = function (c, w, h) {
    var r = window.devicePixelRatio || 1;
    if (c.cssW !== w || c.cssH !== h || c.ratio !== r) {
      c.width = Math.round(w * r); c.height = Math.round(h * r);
      c.style.width = w + "px"; c.style.height = h + "px";
      c.cssW = w; c.cssH = h; c.ratio = r;
      if (c === this.map) this.contourKey = null;
    }
  };

  var PAD = {l: 44, r: 8, t: 8, b: 30};
  Lab.prototype.toPixel = function (x, y) {
    var b = this.bounds, w = this.map.cssW - PAD.l - PAD.r, h = this.map.cssH - PAD.t - PAD.b;
    return [PAD.l + (x - b[0][0]) / (b[0][1] - b[0][0]) * w, PAD.t + (b[1][1] - y) / (b[1][1] - b[1][0]) * h];
  };
  Lab.prototype.fromPixel = function (px, py) {
    var b = this.bounds, w = this.map.cssW - PAD.l - PAD.r, h = this.map.cssH - PAD.t - PAD.b;
    return [b[0][0] + (px - PAD.l) / w * (b[0][1] - b[0][0]), b[1][1] - (py - PAD.t) / h * (b[1][1] - b[1][0])];
  };

  Lab.prototype.drawContours = function () {
    var c = this.map, surf = this.surf, b = this.bounds;
    var key = JSON.stringify([this.surfaceSpec(), b, c.width, c.height]);
    if (this.contourKey === key && this.background) return;
    this.contourKey = key;
    var bg = this.background = document.createElement("canvas");
    bg.width = c.width; bg.height = c.height;
    var ctx = bg.getContext("2d"), r = c.ratio;
    ctx.scale(r, r);
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, c.cssW, c.cssH);
    var w = c.cssW - PAD.l - PAD.r, h = c.cssH - PAD.t - PAD.b;
    var nx = Math.max(40, Math.min(180, Math.round(w / 3))), ny = Math.max(30, Math.min(180, Math.round(h / 3)));
    var Z = new Float64Array(nx * ny);
    for (var j = 0; j < ny; j++) for (var i = 0; i < nx; i++) {
      Z[j * nx + i] = surf.f(b[0][0] + (b[0][1] - b[0][0]) * i / (nx - 1), b[1][1] - (b[1][1] - b[1][0]) * j / (ny - 1));
    }
    var levels = contourLevels(Z, 22, surf.fmin);
    ctx.save();
    ctx.beginPath(); ctx.rect(PAD.l, PAD.t, w, h); ctx.clip();
    ctx.strokeStyle = "#b5b5b5"; ctx.lineWidth = 1;
    ctx.beginPath();
    levels.forEach(function (lv) {
      isoSegments(Z, nx, ny, lv, function (p, q) {
        ctx.moveTo(PAD.l + p[0] / (nx - 1) * w, PAD.t + p[1] / (ny - 1) * h);
        ctx.lineTo(PAD.l + q[0] / (nx - 1) * w, PAD.t + q[1] / (ny - 1) * h);
      });
    });
    ctx.stroke();
    ctx.restore();
    this.axes(ctx, PAD, w, h, niceTicks(b[0][0], b[0][1], 5), niceTicks(b[1][0], b[1][1], 5),
              function (v) { return PAD.l + (v - b[0][0]) / (b[0][1] - b[0][0]) * w; },
              function (v) { return PAD.t + (b[1][1] - v) / (b[1][1] - b[1][0]) * h; }, tickLabel, "x", "y");
  };

  Lab.prototype.axes = function (ctx, pad, w, h, xt, yt, X, Y, ylab, xname, yname) {
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1;
    ctx.strokeRect(pad.l + 0.5, pad.t + 0.5, w, h);
    ctx.fillStyle = "#222"; ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    xt.forEach(function (v) { var x = X(v); ctx.beginPath(); ctx.moveTo(x, pad.t + h); ctx.lineTo(x, pad.t + h + 4); ctx.stroke(); ctx.fillText(tickLabel(v), x, pad.t + h + 5); });
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    yt.forEach(function (v) { var y = Y(v); ctx.beginPath(); ctx.moveTo(pad.l - 4, y); ctx.lineTo(pad.l, y); ctx.stroke(); ctx.fillText(ylab(v), pad.l - 6, y); });
    ctx.textAlign = "right"; ctx.textBaseline = "bottom";
    ctx.fillText(xname, pad.l + w, pad.t + h + 29);
    ctx.save(); ctx.translate(11, pad.t); ctx.rotate(-Math.PI / 2); ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ctx.fillText(yname, 0, 0); ctx.restore();
  };

  function clampPx(v) { return Math.max(-1e4, Math.min(1e4, v)); }

  Lab.prototype.draw = function () {
    var self = this, s = this.state, c = this.map, ctx = c.getContext("2d"), t = s.t == null ? s.steps : s.t;
    this.drawContours();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.background, 0, 0);
    ctx.setTransform(c.ratio, 0, 0, c.ratio, 0, 0);
    var w = c.cssW - PAD.l - PAD.r, h = c.cssH - PAD.t - PAD.b;
    ctx.save();
    ctx.beginPath(); ctx.rect(PAD.l, PAD.t, w, h); ctx.clip();
    this.surf.minima.forEach(function (m) { var p = self.toPixel(m[0], m[1]); star(ctx, p[0], p[1], 7); });
    this.runs.forEach(function (run) {
      var st = STYLE[run.name], n = Math.min(t, run.path.length - 1);
      ctx.strokeStyle = st[0]; ctx.fillStyle = st[0]; ctx.lineWidth = 2; ctx.setLineDash(st[1]);
      ctx.beginPath();
      var pen = false;
      for (var i = 0; i <= n; i++) {
        var q = run.path[i];
        if (!(isFinite(q[0]) && isFinite(q[1]))) { pen = false; continue; }
        var p = self.toPixel(q[0], q[1]);
        if (pen) ctx.lineTo(clampPx(p[0]), clampPx(p[1])); else ctx.moveTo(clampPx(p[0]), clampPx(p[1]));
        pen = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
      if (n <= 150) for (var k = 0; k <= n; k++) {
        var pk = self.toPixel(run.path[k][0], run.path[k][1]);
        if (isFinite(pk[0]) && isFinite(pk[1])) { ctx.beginPath(); ctx.arc(clampPx(pk[0]), clampPx(pk[1]), 1.8, 0, 2 * Math.PI); ctx.fill(); }
      }
      var last = run.path[n], pl = self.toPixel(last[0], last[1]);
      if (isFinite(pl[0]) && isFinite(pl[1])) {
        ctx.beginPath(); ctx.arc(clampPx(pl[0]), clampPx(pl[1]), 4.5, 0, 2 * Math.PI); ctx.fill();
        ctx.strokeStyle = "#000"; ctx.lineWidth = 1; ctx.stroke();
      }
    });
    var p0 = this.toPixel(this.startPoint[0], this.startPoint[1]);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(p0[0], p0[1], 6.5, 0, 2 * Math.PI); ctx.stroke();
    ctx.restore();
    this.drawLoss(t);
    this.describe(t);
  };

  function star(ctx, x, y, r) {
    ctx.beginPath();
    for (var i = 0; i < 10; i++) {
      var a = -Math.PI / 2 + i * Math.PI / 5, rr = i % 2 ? r * 0.45 : r;
      ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath(); ctx.fillStyle = "#000"; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
  }

  Lab.prototype.drawLoss = function (t) {
    var c = this.loss, ctx = c.getContext("2d"), s = this.state, surf = this.surf;
    ctx.setTransform(c.ratio, 0, 0, c.ratio, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.cssW, c.cssH);
    var pad = {l: 50, r: 10, t: 8, b: 30}, w = c.cssW - pad.l - pad.r, h = c.cssH - pad.t - pad.b;
    var log = surf.fmin != null, vals = [], starts = [];
    this.runs.forEach(function (r) {
      r.loss.forEach(function (v) { if (isFinite(v) && (!log || v > 0)) vals.push(v); });
      if (isFinite(r.loss[0])) starts.push(Math.abs(r.loss[0]));
    });
    var lo = vals.length ? Math.min.apply(null, vals) : 1e-3, hi = vals.length ? Math.max.apply(null, vals) : 1;
    var cap = starts.length ? Math.max.apply(null, starts) * (log ? 1e3 : 10) || 1 : Infinity;
    hi = Math.max(lo, Math.min(hi, cap));
    if (!log) lo = Math.min(hi, Math.max(lo, -cap));
    var ylo, yhi, Y, yt, ylab;
    if (log) {
      ylo = Math.floor(Math.log10(lo / 2)); yhi = Math.ceil(Math.log10(hi * 2));
      if (yhi - ylo < 1) yhi = ylo + 1;
      Y = function (v) { return pad.t + (yhi - Math.log10(v)) / (yhi - ylo) * h; };
      var every = Math.max(1, Math.ceil((yhi - ylo) / 6));
      yt = []; for (var e = ylo; e <= yhi; e += every) yt.push(Math.pow(10, e));
      ylab = function (v) { return decade(Math.round(Math.log10(v))); };
    } else {
      var padv = 0.05 * (hi - lo || 1);
      ylo = lo - padv; yhi = hi + padv;
      Y = function (v) { return pad.t + (yhi - v) / (yhi - ylo) * h; };
      yt = niceTicks(ylo, yhi, 5); ylab = tickLabel;
    }
    var T = Math.max(1, s.steps), X = function (i) { return pad.l + i / T * w; };
    this.axes(ctx, pad, w, h, niceTicks(0, T, 5), yt, X, Y, ylab, "step t", log ? "f(θₜ) − f*" : "f(θₜ)");
    ctx.save(); ctx.beginPath(); ctx.rect(pad.l, pad.t, w, h); ctx.clip();
    var floor = log ? Math.pow(10, ylo) : null;
    this.runs.forEach(function (r) {
      var st = STYLE[r.name];
      ctx.strokeStyle = st[0]; ctx.lineWidth = 2; ctx.setLineDash(st[1]);
      ctx.beginPath();
      var pen = false;
      for (var i = 0; i <= Math.min(t, r.loss.length - 1); i++) {
        var v = r.loss[i];
        if (isNaN(v)) { pen = false; continue; }
        if (log && v <= 0) v = floor;
        var y = clampPx(v === Infinity ? -1e4 : Y(v));
        if (pen) ctx.lineTo(X(i), y); else ctx.moveTo(X(i), y);
        pen = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
    });
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(X(t), pad.t); ctx.lineTo(X(t), pad.t + h); ctx.stroke(); ctx.setLineDash([]);
    ctx.restore();
  };

  Lab.prototype.describe = function (t) {
    var s = this.state, surf = this.surf, self = this;
    var p0 = this.startPoint.map(fmt).join(", ");
    var parts = this.runs.map(function (r) {
      var i = Math.min(t, r.path.length - 1), q = r.path[i];
      var txt = r.error ? r.error : r.diverged != null && r.diverged <= i ? "diverged: overflow at step " + r.diverged
        : (surf.fmin == null ? "f = " : "f − f* = ") + fmt(r.loss[i]) + " at (" + fmt(q[0]) + ", " + fmt(q[1]) + ")";
      if (self.rows[r.name]) self.rows[r.name].readout.textContent = txt;
      return r.name + " " + txt;
    });
    var name = surf.name === "Ravine" ? "ravine, κ = " + fmt(s.kappa) + ", rotated " + Math.round(s.angle) + "°" : surf.name;
    this.map.setAttribute("aria-label", "Contour map of " + name + " with the paths of " + (this.runs.map(function (r) { return r.name; }).join(", ") || "no method") +
      " from the start (" + p0 + ")" + (this.has("start") ? ". Click, or focus and use the arrow keys (Shift: larger moves), to choose the start." : "."));
    this.loss.setAttribute("aria-label", (surf.fmin == null ? "Loss" : "Loss gap f − f*, log scale,") + " against the step, up to step " + t + " of " + s.steps + ".");
    if (this.scrub) { this.scrub.value = t; this.tOut.textContent = t + " / " + s.steps; this.scrub.setAttribute("aria-valuetext", "step " + t + " of " + s.steps); }
    var msg = this.error ? this.error : "Start (" + p0 + "). After " + t + " steps: " + (parts.join("; ") || "no method selected") + ".";
    if (!s.playing && this.status.textContent !== msg) this.status.textContent = msg;
  };

  Lab.prototype.drawRates = function () {
    if (!this.rates) return;
    var surf = this.surf, s = this.state, self = this;
    this.rates.textContent = "";
    if (!surf.quadratic) { this.rates.style.display = "none"; return; }
    this.rates.style.display = "";
    var rows = this.runs.map(function (r) {
      var h = self.hyperOf(r.name), pred = null;
      try { pred = predictedRate({optimizer: r.name, lr: h.lr, gamma: h.gamma, eigenvalues: surf.eigenvalues}); } catch (e) { pred = null; }
      var meas = measuredRate(r.dist);
      return el("tr", {}, [el("th", {scope: "row", text: r.name}),
        el("td", {text: pred == null ? "— (adaptive: no constant rate)" : fmt(pred) + (pred >= 1 ? " (diverges)" : "")}),
        el("td", {text: isNaN(meas) ? "—" : fmt(meas)})]);
    });
    var lam = surf.eigenvalues;
    this.rates.appendChild(el("table", {}, [
      el("caption", {text: "Convergence rate, the factor by which ‖θₜ − θ*‖ shrinks per step: predicted by chapter 3's " +
        "iteration matrix (Hessian eigenvalues " + fmt(lam[0]) + " and " + fmt(lam[1]) + "), measured over the second half of the run."}),
      el("thead", {}, [el("tr", {}, [el("th", {scope: "col", text: "method"}), el("th", {scope: "col", text: "predicted"}), el("th", {scope: "col", text: "measured"})])]),
      el("tbody", {}, rows)]));
  };

  function mount(root, cfg) {
    if (typeof root === "string") root = document.getElementById(root);
    if (!root) return null;
    if (root.dlsgLab) return root.dlsgLab;
    try {
      root.dlsgLab = new Lab(root, cfg);
    } catch (e) {
      root.textContent = "The optimizer lab could not start: " + e.message;
      if (window.console) console.warn(e);
    }
    return root.dlsgLab;
  }

  window.dlsgLab = {
    version: VERSION, mount: mount, trajectory: trajectory, surface: surface, ravine: ravine,
    hyperFor: hyperFor, predictedRate: predictedRate, measuredRate: measuredRate,
    spectralRadius: spectralRadius, contourLevels: contourLevels,
    optimizers: OPTIMIZER_NAMES.slice(), surfaces: SURFACE_NAMES.slice(),
    defaults: function (name) { return withDefaults(OPTIMIZERS[canonical(name, OPTIMIZER_NAMES, "optimizer")].defaults); }
  };
})();
