/* clausegraph view: pan, zoom, search and click on a Graphviz SVG drawn from a view.
 *
 * Works from disk (file://) and inside the served page; fetches nothing. Each element with
 * class "cg-view" holds a <script type="application/json" class="cg-data"> with the nodes and
 * edges keyed by the ids Graphviz gave them (n0.., e0..), and the SVG inside ".cg-canvas".
 * Text from the documents is put in the page with textContent only, never as HTML.
 */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  /* text in a <blockquote> with every occurrence of each phrase, and each [start, end) span, in <mark>.
   * Spans count code points (Python string offsets, as the server sends them); JavaScript strings
   * count UTF-16 units, so they are converted (they differ after any character beyond U+FFFF). */
  function marked(text, phrases, spans) {
    var out = el("blockquote");
    var unitAt = [0], units = 0;
    Array.from(text).forEach(function (ch) { units += ch.length; unitAt.push(units); });
    spans = (spans || []).map(function (s) { return [unitAt[s[0]], unitAt[s[1]]]; })
      .filter(function (s) { return s[0] !== undefined && s[1] !== undefined; });
    (phrases || []).forEach(function (p) {
      if (!p) return;
      var at = text.indexOf(p);
      while (at >= 0) { spans.push([at, at + p.length]); at = text.indexOf(p, at + p.length); }
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var hidden = markup(text), pos = 0;
    spans.forEach(function (s) {
      if (s[0] < pos) return;
      put(out, text, pos, s[0], hidden);
      put(out.appendChild(el("mark")), text, s[0], s[1], hidden);
      pos = s[1];
    });
    put(out, text, pos, text.length, hidden);
    return out;
  }

  /* [start, end) of the markdown in text a reader should not see: emphasis marks (** __), the
   * "](target)" of a link and its "[", a backslash before punctuation, a list bullet at the start.
   * They stay in the page, hidden (class cg-md), so every offset into the text still holds. */
  function markup(text) {
    var out = [], m, re = /!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()]*\))*\)|\*\*|__|\\(?=[\\`*_{}\[\]()#+\-.!|>])/g;
    while ((m = re.exec(text)) !== null) {
      if (m[0][0] === "[" || m[0][0] === "!") {
        var open = m[0].indexOf("[") + 1;
        out.push([m.index, m.index + open]);
        out.push([m.index + open + m[1].length, m.index + m[0].length]);
      } else out.push([m.index, m.index + m[0].length]);
    }
    var bullet = /^\s*[-*\u2022]\s+/.exec(text);
    if (bullet) out.unshift([0, bullet[0].length]);
    return out;
  }
  /* text[a, b) into parent, the hidden parts of it in <span class="cg-md" hidden> */
  function put(parent, text, a, b, hidden) {
    var pos = a;
    hidden.forEach(function (h) {
      var s = Math.max(h[0], a), e = Math.min(h[1], b);
      if (s >= e || s < pos) return;
      if (s > pos) parent.appendChild(document.createTextNode(text.slice(pos, s)));
      var span = el("span", { cls: "cg-md", text: text.slice(s, e) });
      span.hidden = true;
      parent.appendChild(span);
      pos = e;
    });
    if (b > pos) parent.appendChild(document.createTextNode(text.slice(pos, b)));
  }

  function init(root) {
    var data = JSON.parse(root.querySelector("script.cg-data").textContent);
    var canvas = root.querySelector(".cg-canvas");
    var svg = canvas.querySelector("svg");
    var panel = root.querySelector(".cg-details");
    var search = root.querySelector(".cg-search");
    var count = root.querySelector(".cg-count");
    var vb = svg.viewBox.baseVal;
    var full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    /* Graphviz puts the element id in a <title>: the browser would show "n12" as a tooltip */
    Array.prototype.forEach.call(svg.querySelectorAll("g.node > title, g.edge > title"), function (t) { t.remove(); });

    function setView(x, y, w, h) { svg.setAttribute("viewBox", [x, y, w, h].join(" ")); }
    function fit() { setView(full.x, full.y, full.w, full.h); }
    /* the smallest label on screen, in px, at the current zoom */
    function smallestLabel() {
      var least = Infinity;
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
        var size = parseFloat(t.getAttribute("font-size"));
        var m = t.getScreenCTM();
        if (size && m && t.textContent.trim()) least = Math.min(least, size * m.a);
      });
      return least;
    }
    /* open where a person can read: the whole drawing when its labels are then at least READABLE px,
     * else zoomed in until they are, on the top of the drawing (its title and what prevails) */
    var READABLE = 10.5;
    function openReadable() {
      fit();
      var least = smallestLabel();
      if (!isFinite(least) || least >= READABLE) return;
      /* px per SVG unit when fitted, times k; the view then has the canvas's own shape, from the top */
      var cw = Math.max(svg.clientWidth, 1), ch = Math.max(svg.clientHeight, 1);
      var scale = Math.min(cw / full.w, ch / full.h) * READABLE / least;
      var w = cw / scale, h = ch / scale;
      setView(full.x + (full.w - w) / 2, full.y, w, h);
    }
    function toSvg(evt) {
      var pt = svg.createSVGPoint();
      pt.x = evt.clientX; pt.y = evt.clientY;
      return pt.matrixTransform(svg.getScreenCTM().inverse());
    }
    function zoom(factor, at) {
      var v = svg.viewBox.baseVal;
      var cx = at ? at.x : v.x + v.width / 2, cy = at ? at.y : v.y + v.height / 2;
      var w = Math.min(Math.max(v.width * factor, full.w / 200), full.w * 4);
      var h = w * v.height / v.width;
      setView(cx - (cx - v.x) * w / v.width, cy - (cy - v.y) * h / v.height, w, h);
    }
    function centreOn(group) {
      /* the group's box on screen, turned into the SVG's own units (Graphviz nests a transform) */
      var r = group.getBoundingClientRect(), v = svg.viewBox.baseVal;
      var c = toSvg({ clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 });
      var unit = v.width / Math.max(svg.clientWidth, 1);
      var w = Math.min(v.width, Math.max(r.width * unit * 4, full.w / 6)), h = w * v.height / v.width;
      setView(c.x - w / 2, c.y - h / 2, w, h);
    }

    canvas.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      zoom(evt.deltaY < 0 ? 0.8 : 1.25, toSvg(evt));
    }, { passive: false });
    var drag = null, moved = false;
    canvas.addEventListener("pointerdown", function (evt) {
      drag = { start: toSvg(evt), x: evt.clientX, y: evt.clientY };
      moved = false;
    });
    window.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      if (Math.abs(evt.clientX - drag.x) + Math.abs(evt.clientY - drag.y) > 4) { moved = true; canvas.classList.add("cg-dragging"); }
      if (!moved) return;
      var now = toSvg(evt), v = svg.viewBox.baseVal;
      setView(v.x + drag.start.x - now.x, v.y + drag.start.y - now.y, v.width, v.height);
    });
    window.addEventListener("pointerup", function () { drag = null; canvas.classList.remove("cg-dragging"); });

    function select(id) {
      Array.prototype.forEach.call(svg.querySelectorAll(".cg-selected"), function (g) { g.classList.remove("cg-selected"); });
      var g = svg.getElementById ? svg.getElementById(id) : svg.querySelector("#" + id);
      if (g) g.classList.add("cg-selected");
      panel.textContent = "";
      if (data.nodes[id]) showNode(id); else if (data.edges[id]) showEdge(id);
      root.dispatchEvent(new CustomEvent("cg-select", { detail: { id: id } }));
    }
    function link(id, text) {
      var a = el("a", { cls: "cg-link", text: text, "data-target": id });
      a.addEventListener("click", function () { select(id); });
      return a;
    }
    /* a node as a list names it: a clause of another document with that document's title, and
     * "(2)" after a name the list would otherwise show twice */
    var nameCount = {};
    Object.keys(data.nodes).forEach(function (k) {
      var n = data.nodes[k], key = n.label + "\u0000" + n.document;
      nameCount[key] = (nameCount[key] || 0) + 1;
    });
    function name(id, here) {
      var n = data.nodes[id];
      if (!n) return "";
      var text = n.label;
      if (n.kind !== "document" && n.document_title && n.document !== here) text += " (" + n.document_title + ")";
      if (nameCount[n.label + "\u0000" + n.document] > 1) {
        var same = Object.keys(data.nodes).filter(function (k) {
          return data.nodes[k].label === n.label && data.nodes[k].document === n.document;
        }).sort();
        text += " [" + (same.indexOf(id) + 1) + " of " + same.length + "]";
      }
      return text;
    }
    function showNode(id) {
      var n = data.nodes[id];
      panel.appendChild(el("span", { cls: "cg-kind", text: n.kind }));
      panel.appendChild(el("h2", { text: n.label }));
      if (n.document_title && n.kind !== "document") panel.appendChild(el("div", { text: "in " + n.document_title }));
      if (n.effective) panel.appendChild(el("div", { text: "effective " + n.effective }));
      panel.appendChild(el("div", { cls: "cg-iri", text: n.iri }));
      if (n.text) panel.appendChild(marked(n.text, [], []));
      var out = [], inc = [];
      Object.keys(data.edges).forEach(function (eid) {
        var e = data.edges[eid];
        if (e.source === id) out.push(eid);
        if (e.target === id) inc.push(eid);
      });
      [["Edges from here", out, "target"], ["Edges to here", inc, "source"]].forEach(function (part) {
        if (!part[1].length) return;
        panel.appendChild(el("h3", { text: part[0] + " (" + part[1].length + ")" }));
        var ul = el("ul");
        part[1].slice(0, 200).forEach(function (eid) {
          /* read winner first: "incorporates Usage Policy" from here, "California law governs" to here */
          var e = data.edges[eid], other = name(e[part[2]], n.document);
          ul.appendChild(el("li", {}, part[2] === "target" ? [link(eid, e.label), " " + other] : [other + " ", link(eid, e.label)]));
        });
        panel.appendChild(ul);
      });
    }
    function showEdge(id) {
      var e = data.edges[id], s = data.nodes[e.source], t = data.nodes[e.target];
      panel.appendChild(el("span", { cls: "cg-kind", text: e.relation + (e.explicit === false ? " (implied by listed order)" : "") }));
      panel.appendChild(el("h2", {}, [link(e.source, name(e.source)), " " + e.label + " ", link(e.target, name(e.target))]));
      if (e.evidence > 1) panel.appendChild(el("div", { text: e.evidence + " statements" }));
      if (e.condition) panel.appendChild(el("div", {}, [el("strong", { text: "Condition: " }), e.condition]));
      if (e.fields) panel.appendChild(el("div", {}, [el("strong", { text: "Applies when: " }), e.fields]));
      if (e.rule) panel.appendChild(el("div", { cls: "cg-iri", text: "rule: " + e.rule }));
      var words = e.words ? e.words.split(" | ") : [];
      if (!words.length && !e.clause) panel.appendChild(el("p", { text: "This edge is structural (no words state it)." }));
      if (words.length) panel.appendChild(el("h3", { text: "Evidence" }));
      (e.clause ? e.clause.split(" ") : []).forEach(function (c) {
        var clause = data.clauses[c];
        if (!clause) return;
        panel.appendChild(el("div", { text: clause.label + (clause.document_title ? ", " + clause.document_title : "") }));
        panel.appendChild(marked(clause.text, words));
        panel.appendChild(el("div", { cls: "cg-iri", text: c }));
      });
    }
    svg.addEventListener("click", function (evt) {
      if (moved) return;
      var g = evt.target.closest("g.node, g.edge");
      if (g && g.id) select(g.id);
    });

    /* the keyboard: Tab reaches every node and edge (named for a screen reader), Enter or Space
     * shows it; on the drawing, + and - zoom, 0 fits, the arrows pan; Escape clears the search */
    Array.prototype.forEach.call(svg.querySelectorAll("g.node, g.edge"), function (g) {
      var n = data.nodes[g.id], e = data.edges[g.id];
      if (!n && !e) return;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", n ? n.kind + ": " + name(g.id) : name(e.source) + " " + e.label + " " + name(e.target));
      g.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter" || evt.key === " ") { evt.preventDefault(); select(g.id); }
      });
    });
    canvas.setAttribute("tabindex", "0");
    canvas.addEventListener("keydown", function (evt) {
      var v = svg.viewBox.baseVal, step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[evt.key];
      if (evt.key === "+" || evt.key === "=") zoom(0.8);
      else if (evt.key === "-") zoom(1.25);
      else if (evt.key === "0") fit();
      else if (step) setView(v.x + step[0] * v.width / 10, v.y + step[1] * v.height / 10, v.width, v.height);
      else return;
      evt.preventDefault();
    });
    search.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape") { search.value = ""; find(""); }
    });

    var hits = [], at = -1;
    function find(q) {
      q = q.trim().toLowerCase();
      hits = [];
      at = -1;
      Object.keys(data.nodes).forEach(function (id) {
        var n = data.nodes[id], g = svg.getElementById ? svg.getElementById(id) : svg.querySelector("#" + id);
        if (!g) return;
        var hay = [n.label, n.text, n.document_title, n.iri].join(" ").toLowerCase();
        var hit = q && hay.indexOf(q) >= 0;
        g.classList.toggle("cg-hit", !!hit);
        g.classList.toggle("cg-dim", !!q && !hit);
        if (hit) hits.push(id);
      });
      Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) { g.classList.toggle("cg-dim", !!q); });
      count.textContent = q ? hits.length + (hits.length === 1 ? " match" : " matches") : "";
    }
    search.addEventListener("input", function () { find(search.value); });
    search.addEventListener("keydown", function (evt) {
      if (evt.key !== "Enter" || !hits.length) return;
      at = (at + 1) % hits.length;
      centreOn(svg.getElementById(hits[at]));
      select(hits[at]);
    });
    root.querySelector(".cg-zoom-in").addEventListener("click", function () { zoom(0.8); });
    root.querySelector(".cg-zoom-out").addEventListener("click", function () { zoom(1.25); });
    root.querySelector(".cg-fit").addEventListener("click", fit);
    root.clausegraph = { select: select, find: find, fit: fit, data: data, smallestLabel: smallestLabel };
    openReadable();
    root.setAttribute("data-ready", "true");
  }

  function initAll() { Array.prototype.forEach.call(document.querySelectorAll(".cg-view:not([data-ready])"), init); }
  window.clausegraphView = { init: init, initAll: initAll, el: el, marked: marked };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
