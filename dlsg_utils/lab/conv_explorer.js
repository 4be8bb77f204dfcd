/* dlsg convolution explorer: the arithmetic of dlsg_utils.conv, live in the page.
 *
 * Dependency-free; defines window.dlsgConv once per page, and window.dlsgConv.mount(root,
 * config) builds one explorer in `root`. window.dlsgConv.outputSize({n, k, s, p, d, transposed,
 * output_padding}) returns what dlsg_utils.conv.conv_output_size (or, transposed,
 * conv_transpose_output_size) returns, and throws an Error with the same message where they
 * raise (tests/browser/test_lab_in_browser.py checks both against torch). The drawing follows
 * dlsg_utils.conv_draw (after Dumoulin & Visin's animations, whose colours it borrows).
 * Part of the course book "Gradient Descent Algorithms and an Introduction to ConvNets" (MIT).
 */
(function () {
  "use strict";
  var VERSION = "1.0.0";
  if (window.dlsgConv && window.dlsgConv.version === VERSION) return;

  function fail(msg) { throw new Error(msg); }
  /** The error for o′ < 1, carrying o′: the explorer tells o′ = 0 (which PyTorch may compute,
   * as an empty tensor) from o′ < 0 (which PyTorch always refuses). */
  function failSize(o, msg) { var e = new Error(msg); e.outputSize = o; throw e; }

  /** dlsg_utils.conv.arithmetic._int: an int >= minimum, or the same ValueError message. */
  function int(v, name, minimum) {
    var ok = typeof v === "number" && Number.isInteger(v);
    if (!ok || v < minimum) {
      fail(name + " must be " + (minimum >= 1 ? "a positive int" : "a non-negative int") + ", got " +
           (ok ? v : typeof v === "string" ? "'" + v + "'" : String(v)));
    }
    return v;
  }

  function dilatedKernelSize(k, d) {
    k = int(k, "kernel size", 1); d = int(d, "dilation", 1);
    return k + (k - 1) * (d - 1);
  }

  /** o = ⌊(i + 2p − d(k − 1) − 1)/s⌋ + 1 (conv_output_size), checks in the same order. */
  function convOutputSize(i, k, s, p, d) {
    i = int(i, "input size", 1); s = int(s, "stride", 1); p = int(p, "padding", 0);
    var kh = dilatedKernelSize(k, d);
    if (kh > i + 2 * p) fail("kernel (" + k + ", dilated " + kh + ") is larger than the padded input (" + (i + 2 * p) + ")");
    return Math.floor((i + 2 * p - kh) / s) + 1;
  }

  /** o' = (i − 1)s − 2p + d(k − 1) + a + 1 (conv_transpose_output_size). */
  function convTransposeOutputSize(i, k, s, p, d, a) {
    i = int(i, "input size", 1); k = int(k, "kernel size", 1);
    s = int(s, "stride", 1); d = int(d, "dilation", 1);
    p = int(p, "padding", 0); a = int(a, "output_padding", 0);
    if (a >= Math.max(s, d)) fail("output_padding must be smaller than stride or dilation (" + Math.max(s, d) + "), got " + a);
    var o = (i - 1) * s - 2 * p + d * (k - 1) + a + 1;
    if (o < 1) failSize(o, "transposed convolution output size would be " + o + ": padding " + p + " is too large for input " + i + ", kernel " + k + ", stride " + s + ", dilation " + d);
    return o;
  }

  function norm(o) {
    return {n: o.n, k: o.k, s: o.s == null ? 1 : o.s, p: o.p == null ? 0 : o.p, d: o.d == null ? 1 : o.d,
            transposed: !!o.transposed, a: o.output_padding == null ? 0 : o.output_padding};
  }

  /** The output size along one axis; throws (with dlsg_utils.conv's message) where it raises. */
  function outputSize(o) {
    var c = norm(o);
    if (c.transposed) return convTransposeOutputSize(c.n, c.k, c.s, c.p, c.d, c.a);
    if (c.a !== 0) fail("output_padding is for the transposed convolution only, got " + c.a);
    return convOutputSize(c.n, c.k, c.s, c.p, c.d);
  }

  /** Where the cells and windows are along one axis (like dlsg_utils.conv_draw.conv_layout).
   * Direct: grid of n + 2p cells, input at [p, p + n), window j starts at s·j. Transposed: the
   * n inputs spread s apart, padded by d(k − 1) − p zeros on each side (if that is negative the
   * grid is unpadded and the windows start that many cells in: PyTorch crops) plus a at the
   * end; a stride-1 convolution over it. Taps of window j: start + j·stride + d·t, t < k. */
  function layout(o) {
    var c = norm(o), out = outputSize(o);
    if (!c.transposed) {
      var real = [];
      for (var r = 0; r < c.n; r++) real.push(c.p + r);
      return {grid: c.n + 2 * c.p, real: real, k: c.k, stride: c.s, dilation: c.d, out: out, offset: 0,
              nIn: c.n, transposed: false};
    }
    var pt = c.d * (c.k - 1) - c.p, lo = Math.max(pt, 0), re = [];
    for (var j = 0; j < c.n; j++) re.push(lo + c.s * j);
    return {grid: (c.n - 1) * c.s + 1 + 2 * lo + c.a, real: re, k: c.k, stride: 1, dilation: c.d,
            out: out, offset: Math.max(-pt, 0), nIn: c.n, transposed: true};
  }
  function taps(L, j) {
    var t = [];
    for (var u = 0; u < L.k; u++) t.push(L.offset + L.stride * j + L.dilation * u);
    return t;
  }

  /** Multiply-adds as drawn (one per kernel tap per output, 2-D, one channel in and out), and
   * how many of them multiply an actual input value rather than a zero. */
  function multiplyAdds(L) {
    var real = {}, perAxis = 0;
    L.real.forEach(function (r) { real[r] = true; });
    for (var j = 0; j < L.out; j++) taps(L, j).forEach(function (t) { if (real[t]) perAxis += 1; });
    return {total: L.out * L.out * L.k * L.k, real: perAxis * perAxis};
  }

  // --------------------------------------------------------------------------------- the UI
  var SVG = "http://www.w3.org/2000/svg";
  var BLUE = "#7fb2e5", DARK_BLUE = "#1f4e99", CYAN = "#7fe0e0", DARK_CYAN = "#12807f", PALE_CYAN = "#e6f7f7";
  var CONTROLS = {
    n: {label: "input size i", min: 1, max: 12},
    k: {label: "kernel size k", min: 1, max: 5},
    s: {label: "stride s", min: 1, max: 3},
    p: {label: "padding p", min: 0, max: 3},
    d: {label: "dilation d", min: 1, max: 3},
    a: {label: "output_padding a", min: 0, max: 3}
  };
  var ALL = ["n", "k", "s", "p", "d", "transposed", "a", "play"];

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
  function sv(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  var uid = 0;

  function Explorer(root, cfg) {
    this.root = root;
    this.cfg = cfg = cfg || {};
    this.id = root.id || "dlsg-conv-" + (++uid);
    this.controls = cfg.controls || ALL;
    this.state = {n: cfg.n || 5, k: cfg.k || 3, s: cfg.s || 1, p: cfg.p || 0, d: cfg.d || 1,
                  transposed: !!cfg.transposed, a: cfg.output_padding || 0, pos: 0, playing: false,
                  speed: cfg.interval || 700};
    this.build();
    this.update();
  }
  Explorer.prototype.has = function (c) { return this.controls.indexOf(c) >= 0; };

  Explorer.prototype.build = function () {
    var self = this, s = this.state, id = this.id, root = this.root;
    root.textContent = "";
    root.classList.add("dlsg-conv");
    if (this.cfg.title) root.appendChild(el("p", {"class": "dlsg-lab-title", text: this.cfg.title}));
    var box = el("fieldset", {"class": "dlsg-lab-controls"}, [el("legend", {text: "Layer (one spatial axis; the picture is square)"})]);
    this.inputs = {};
    ["n", "k", "s", "p", "d"].forEach(function (key) { if (self.has(key)) box.appendChild(self.slider(key)); });
    if (this.has("transposed")) {
      var tid = id + "-transposed";
      var cb = el("input", {type: "checkbox", id: tid});
      cb.checked = s.transposed;
      cb.addEventListener("change", function () { s.transposed = cb.checked; if (!s.transposed) s.a = 0; s.pos = 0; self.update(); });
      box.appendChild(el("div", {"class": "dlsg-lab-row"}, [cb, el("label", {"for": tid, text: "transposed convolution (ConvTranspose2d: i is its input)"})]));
      this.inputs.transposed = cb;
    }
    if (this.has("a")) box.appendChild(this.slider("a"));
    root.appendChild(box);

    var tr = el("div", {"class": "dlsg-lab-controls dlsg-lab-transport"});
    if (this.has("play")) {
      this.playBtn = el("button", {type: "button", onclick: function () { self.togglePlay(); }}, ["▶ Play"]);
      this.playBtn.setAttribute("aria-label", "Play: slide the kernel over every position");
      tr.appendChild(el("button", {type: "button", "aria-label": "Previous position", onclick: function () { self.stop(); self.go(s.pos - 1); }}, ["‹"]));
      tr.appendChild(this.playBtn);
      tr.appendChild(el("button", {type: "button", "aria-label": "Next position", onclick: function () { self.stop(); self.go(s.pos + 1); }}, ["›"]));
      this.posInput = el("input", {type: "range", id: id + "-pos", min: 0, max: 0, step: 1});
      this.posInput.addEventListener("input", function () { self.stop(); self.go(Number(self.posInput.value)); });
      this.posOut = el("output", {"for": id + "-pos", "class": "dlsg-lab-value"});
      tr.appendChild(el("div", {"class": "dlsg-lab-row dlsg-lab-grow"}, [el("label", {"for": id + "-pos", text: "output position"}), this.posInput, this.posOut]));
    }
    root.appendChild(tr);

    this.pics = el("div", {"class": "dlsg-conv-pics"});
    root.appendChild(this.pics);
    this.formula = el("p", {"class": "dlsg-conv-formula"});
    this.counts = el("p", {"class": "dlsg-conv-counts", "aria-live": "polite"});
    this.now = el("p", {"class": "dlsg-conv-now"});
    root.appendChild(this.formula); root.appendChild(this.counts); root.appendChild(this.now);
    root.appendChild(el("p", {"class": "dlsg-conv-key", text:
      "Blue: the input; dashed white: zeros (padding, or inserted between the inputs of a transposed convolution); " +
      "dark blue: the kernel's taps at the current position; cyan: the output, filled as the kernel slides " +
      "(dark: the current position); hatched: cells no position ever uses. Sizes from dlsg_utils.conv.conv_output_size " +
      "and conv_transpose_output_size; window.dlsgConv.outputSize({n, k, s, p, d, transposed, output_padding})."}));
    if (!this.observer && window.ResizeObserver) {
      this.observer = new ResizeObserver(function () { if (self.root.clientWidth !== self.width) self.draw(); });
      this.observer.observe(root);
    }
  };

  Explorer.prototype.slider = function (key) {
    var self = this, spec = CONTROLS[key], id = this.id + "-" + key, s = this.state;
    var input = el("input", {type: "range", id: id, min: spec.min, max: spec.max, step: 1});
    input.value = s[key];
    var out = el("output", {"for": id, "class": "dlsg-lab-value", text: String(s[key])});
    input.addEventListener("input", function () {
      s[key] = Number(input.value); out.textContent = input.value; s.pos = 0; self.update();
    });
    this.inputs[key] = input;
    return el("div", {"class": "dlsg-lab-row"}, [el("label", {"for": id, text: spec.label}), input, out]);
  };

  Explorer.prototype.config = function () {
    var s = this.state;
    return {n: s.n, k: s.k, s: s.s, p: s.p, d: s.d, transposed: s.transposed, output_padding: s.transposed ? s.a : 0};
  };

  Explorer.prototype.update = function () {
    var s = this.state, c = this.config();
    if (this.inputs.a) this.inputs.a.disabled = !s.transposed;
    this.error = null; this.L = null; this.emptySize = false;
    try { this.L = layout(c); } catch (e) { this.error = e.message; this.emptySize = e.outputSize === 0; }
    var L = this.L;
    if (L) {
      var n = L.out * L.out;
      if (s.pos >= n) s.pos = n - 1;
      var m = multiplyAdds(L), kh = s.d * (s.k - 1) + 1;
      var f = s.transposed
        ? "o′ = (i − 1)s − 2p + d(k − 1) + a + 1 = (" + s.n + " − 1)·" + s.s + " − 2·" + s.p + " + " + s.d + "·(" + s.k + " − 1) + " + s.a + " + 1 = " + L.out
        : "o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(" + s.n + " + 2·" + s.p + " − " + s.d + "·(" + s.k + " − 1) − 1) / " + s.s + "⌋ + 1 = " + L.out;
      this.formula.textContent = f + (s.d > 1 ? "   (dilated kernel k̂ = d(k − 1) + 1 = " + kh + ")" : "");
      this.counts.textContent = "Output " + L.out + "×" + L.out + " from a " + s.n + "×" + s.n + " input. Multiply-adds: " +
        L.out + "² outputs × " + s.k + "² taps = " + m.total + " (one input and one output channel; a layer multiplies by C_in·C_out); " +
        m.real + " of them multiply an input value, " + (m.total - m.real) + " a zero.";
      if (this.posInput) { this.posInput.max = n - 1; this.posInput.disabled = false; }
    } else {
      this.formula.textContent = this.emptySize
        ? "o′ = (i − 1)s − 2p + d(k − 1) + a + 1 = (" + s.n + " − 1)·" + s.s + " − 2·" + s.p + " + " + s.d + "·(" + s.k + " − 1) + " + s.a + " + 1 = 0"
        : "";
      // o′ = 0 (checked with torch 2.x on CPU): the oneDNN kernel (float32, used for some
      // kernel sizes) returns an empty tensor, the native one raises "Output size is too small".
      this.counts.textContent = this.emptySize
        ? "An empty output (0×0): nothing to compute. PyTorch returns an empty tensor or raises " +
          "\u201cOutput size is too small\u201d, depending on which CPU kernel it picks; " +
          "dlsg_utils.conv refuses the layer: " + this.error + "."
        : "PyTorch refuses this layer, and so does dlsg_utils.conv: " + this.error + ".";
      if (this.posInput) { this.posInput.max = 0; this.posInput.disabled = true; }
      this.stop();
    }
    if (this.playBtn) this.playBtn.disabled = !L;
    this.draw();
  };

  Explorer.prototype.go = function (pos) {
    if (!this.L) return;
    var n = this.L.out * this.L.out;
    this.state.pos = Math.max(0, Math.min(n - 1, pos));
    this.draw();
  };
  Explorer.prototype.togglePlay = function () { if (this.state.playing) this.stop(); else this.play(); };
  Explorer.prototype.stop = function () {
    this.state.playing = false;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.playBtn) { this.playBtn.textContent = "▶ Play"; this.playBtn.setAttribute("aria-label", "Play: slide the kernel over every position"); }
  };
  Explorer.prototype.play = function () {
    var self = this, s = this.state;
    if (!this.L) return;
    var n = this.L.out * this.L.out;
    if (s.pos >= n - 1) s.pos = 0;
    s.playing = true;
    this.playBtn.textContent = "❚❚ Pause"; this.playBtn.setAttribute("aria-label", "Pause");
    this.draw();
    var tick = function () {
      if (!s.playing || !self.root.isConnected) return;
      if (s.pos >= n - 1) { self.stop(); return; }
      s.pos += 1; self.draw();
      self.timer = setTimeout(tick, s.speed);
    };
    this.timer = setTimeout(tick, s.speed);
  };

  Explorer.prototype.draw = function () {
    var L = this.L, s = this.state, W = this.root.clientWidth || 600;
    this.width = this.root.clientWidth;
    this.pics.textContent = "";
    var inGrid = L ? L.grid : s.n + 2 * s.p, out = L ? L.out : 0;
    var side = Math.floor((W - 24) / (inGrid + out + 1));
    var stacked = side < 14;
    var cell = stacked ? Math.max(4, Math.min(30, Math.floor((W - 4) / Math.max(inGrid, out, 1)))) : Math.min(30, side);
    this.pics.classList.toggle("dlsg-conv-stacked", stacked);
    var real = {}, used = {};
    var realList = L ? L.real : (function () { var r = []; for (var i = 0; i < s.n; i++) r.push(s.p + i); return r; })();
    realList.forEach(function (r) { real[r] = true; });
    var cur = L ? [Math.floor(s.pos / L.out), s.pos % L.out] : null;
    if (L) for (var j = 0; j < L.out; j++) taps(L, j).forEach(function (t) { used[t] = true; });
    // input
    var G = inGrid, svg = sv("svg", {width: G * cell + 2, height: G * cell + 2, viewBox: "-1 -1 " + (G * cell + 2) + " " + (G * cell + 2), role: "img"});
    var defs = sv("defs", {}), pat = sv("pattern", {id: this.id + "-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)"});
    pat.appendChild(sv("line", {x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9a9a9a", "stroke-width": 1.5}));
    defs.appendChild(pat); svg.appendChild(defs);
    for (var r = 0; r < G; r++) for (var c = 0; c < G; c++) {
      var isReal = real[r] && real[c];
      svg.appendChild(sv("rect", {x: c * cell, y: r * cell, width: cell, height: cell, fill: isReal ? BLUE : "#ffffff",
        stroke: isReal ? "#404040" : "#8c8c8c", "stroke-width": 1, "stroke-dasharray": isReal ? "none" : "3 2"}));
      if (L && !(used[r] && used[c])) svg.appendChild(sv("rect", {x: c * cell, y: r * cell, width: cell, height: cell, fill: "url(#" + this.id + "-hatch)"}));
    }
    if (L) {
      var rows = taps(L, cur[0]), cols = taps(L, cur[1]);
      rows.forEach(function (tr) { cols.forEach(function (tc) {
        svg.appendChild(sv("rect", {x: tc * cell + 1, y: tr * cell + 1, width: cell - 2, height: cell - 2, fill: DARK_BLUE, "fill-opacity": 0.75}));
      }); });
      var kh = L.dilation * (L.k - 1) + 1;
      svg.appendChild(sv("rect", {x: cols[0] * cell, y: rows[0] * cell, width: kh * cell, height: kh * cell, fill: "none", stroke: DARK_BLUE, "stroke-width": 2.5}));
    }
    var what = s.transposed ? "stretched input (" + s.n + "×" + s.n + " values, zeros inserted and around)" : "input " + s.n + "×" + s.n + (s.p ? ", padded by " + s.p : "");
    svg.setAttribute("aria-label", what + (L ? "; the kernel at output row " + cur[0] + ", column " + cur[1] + " covers rows " + taps(L, cur[0]).join(", ") + " and columns " + taps(L, cur[1]).join(", ") + " of this grid" : ""));
    var figIn = el("figure", {"class": "dlsg-conv-fig"}, [svg, el("figcaption", {text: what})]);
    this.pics.appendChild(figIn);
    // output
    if (L) {
      var osvg = sv("svg", {width: out * cell + 2, height: out * cell + 2, viewBox: "-1 -1 " + (out * cell + 2) + " " + (out * cell + 2), role: "img",
        "aria-label": "output " + out + "×" + out + ", " + (s.pos + 1) + " of " + out * out + " positions computed"});
      for (var orow = 0; orow < out; orow++) for (var ocol = 0; ocol < out; ocol++) {
        var q = orow * out + ocol;
        osvg.appendChild(sv("rect", {x: ocol * cell, y: orow * cell, width: cell, height: cell,
          fill: q === s.pos ? DARK_CYAN : q < s.pos ? CYAN : PALE_CYAN, stroke: "#404040", "stroke-width": 1}));
      }
      this.pics.appendChild(el("figure", {"class": "dlsg-conv-fig"}, [osvg, el("figcaption", {text: "output " + out + "×" + out}) ]));
      this.now.textContent = "Position " + (s.pos + 1) + " of " + out * out + ": output (" + cur[0] + ", " + cur[1] + ") = sum of " + L.k * L.k +
        " products, kernel taps on rows " + taps(L, cur[0]).join(", ") + " × columns " + taps(L, cur[1]).join(", ") + " of the input grid.";
      if (this.posInput) { this.posInput.value = s.pos; this.posOut.textContent = (s.pos + 1) + " / " + out * out; this.posInput.setAttribute("aria-valuetext", "position " + (s.pos + 1) + " of " + out * out); }
    } else {
      this.now.textContent = "";
      if (this.posOut) this.posOut.textContent = "—";
    }
  };

  function mount(root, cfg) {
    if (typeof root === "string") root = document.getElementById(root);
    if (!root) return null;
    if (root.dlsgConv) return root.dlsgConv;
    try {
      root.dlsgConv = new Explorer(root, cfg);
    } catch (e) {
      root.textContent = "The convolution explorer could not start: " + e.message;
      if (window.console) console.warn(e);
    }
    return root.dlsgConv;
  }

  window.dlsgConv = {version: VERSION, mount: mount, outputSize: outputSize, layout: layout,
                     multiplyAdds: multiplyAdds, dilatedKernelSize: dilatedKernelSize};
})();
