/* clausegraph web page: ask, browse, see the precedence, run SPARQL. Talks only to its own server.
 * Text from the documents is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  function $(sel) { return document.querySelector(sel); }
  var el = window.clausegraphView.el;  /* shared with the view (graph/assets/viewer.js) */
  function getJSON(url, options) {
    return fetch(url, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok || (body && body.ok === false)) throw new Error((body && body.code ? "[" + body.code + "] " : "") + (body && body.error || r.statusText));
        return body;
      });
    });
  }
  function showError(target, err) { target.textContent = ""; target.appendChild(el("div", { cls: "error", text: String(err.message || err) })); }

  var marked = window.clausegraphView.marked;  /* marked(text, phrases, spans) */

  /* ---------------------------------------------------------------- tabs */
  var loaded = {};
  function openTab(name) {
    Array.prototype.forEach.call(document.querySelectorAll("nav button"), function (b) { b.classList.toggle("active", b.dataset.tab === name); });
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (t) { t.classList.toggle("active", t.id === "tab-" + name); });
    if (!loaded[name] && loaders[name]) { loaded[name] = true; loaders[name](); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("nav button"), function (b) {
    b.addEventListener("click", function () { openTab(b.dataset.tab); });
  });

  /* ---------------------------------------------------------------- ask */
  getJSON("/api/context").then(function (fields) {
    var box = $("#context");
    Object.keys(fields).forEach(function (name) {
      var select = el("select", { id: "ctx-" + name, name: name }, [el("option", { value: "", text: "not stated" })]);
      fields[name].forEach(function (v) { select.appendChild(el("option", { value: v, text: v })); });
      box.appendChild(el("label", {}, [name + " ", select]));
    });
  }).catch(function (err) { showError($("#context"), err); });

  function docLine(answer) {
    var c = answer.clause, d = answer.document;
    return d.title + (d.effective ? " (effective " + d.effective + ")" : "") + ", " +
      [c.number ? "§" + c.number : "", c.label || "", c.heading || ""].filter(Boolean).join(" ");
  }

  /* markdown shown as the words it marks up: links as their text, no emphasis marks or escapes */
  function plainText(text) {
    return String(text || "").replace(/!?\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*\)/g, "$1").replace(/^\s*[-*•]\s+/, "")
      .replace(/(\*\*|__|\*)/g, "").replace(/\\([\\`*_{}\[\]()#+\-.!|>])/g, "$1");
  }

  function renderAnswer(res) {
    var box = $("#answer");
    box.textContent = "";
    if (res.summary) box.appendChild(el("p", { cls: "summary", text: plainText(res.summary) }));
    if (res.matters && res.matters.length) box.appendChild(el("p", { cls: "muted", text: "About: " + res.matters.join(", ") }));
    box.appendChild(el("p", {}, [el("span", { cls: "status " + res.status, text: res.status }), " ", res.explanation]));
    if (res.answer) {
      // an answer that depends on a field not given is one of several: say for whom (GovernsResult.shown_when)
      var shownFor = null;
      if (res.depends_on && res.depends_on.length && res.alternatives) {
        var values = res.alternatives.filter(function (alt) { return alt.answer && alt.answer.clause.iri === res.answer.clause.iri; })
          .map(function (alt) { return alt.when[res.depends_on[0]]; });
        shownFor = res.depends_on[0] + (values.length ? " = " + values.join(" or ") : " unknown");
      }
      box.appendChild(el("h3", { text: (shownFor ? "if " + shownFor + ": " : "") + docLine(res.answer) }));
      box.appendChild(marked(res.answer.clause.text, [], res.answer.matched));
      box.appendChild(el("div", { cls: "muted", text: res.answer.clause.iri }));
    }
    if (res.precedence && res.precedence.length) {
      box.appendChild(el("h3", { text: "Precedence chain" }));
      res.precedence.forEach(function (step) {
        var ev = step.evidence;
        var div = el("div", { cls: "step" }, [
          el("span", { text: plainText(step.winner_label) }), " ", el("span", { cls: "rel", text: step.relation }), " ",
          el("span", { text: plainText(step.loser_label) }), " ",
          step.matters && step.matters.length ? el("span", { cls: "muted", text: "on " + step.matters.join(", ") + " " }) : null,
          step.explicit ? null : el("span", { cls: "implied", text: "(implied rule, not stated in the text)" }),
        ]);
        if (ev) {
          var words = plainText(ev.words);
          div.appendChild(el("div", { cls: "muted", text: "stated in " + ev.document + (ev.number ? " §" + ev.number : "") + " (rule " + ev.rule + ")" }));
          div.appendChild(marked(words, [words], []));
        }
        box.appendChild(div);
      });
    }
    if (res.also_cited && res.also_cited.length) {
      box.appendChild(el("h3", { text: "Read with it" }));
      var cited = el("ul");
      res.also_cited.forEach(function (c) {
        cited.appendChild(el("li", {}, [el("span", { cls: "rel", text: c.why }), " ", docLine(c), ": ",
          el("span", { cls: "muted", text: plainText(c.clause.text).slice(0, 200) })]));
      });
      box.appendChild(cited);
    }
    if (res.alternatives && res.alternatives.length) {
      box.appendChild(el("h3", { text: "It depends on your " + res.depends_on.join(", ") }));
      var ul = el("ul");
      res.alternatives.forEach(function (alt) {
        var when = Object.keys(alt.when).map(function (k) { return k + " = " + alt.when[k]; }).join(", ");
        ul.appendChild(el("li", { text: when + ": " + (alt.answer ? docLine(alt.answer) : "no governing clause") }));
      });
      box.appendChild(ul);
    }
    if (res.candidates && res.candidates.length) {
      box.appendChild(el("h3", { text: "Candidates" }));
      var table = el("table", {}, [el("tr", {}, ["score", "applies", "clause", "why"].map(function (h) { return el("th", { text: h }); }))]);
      res.candidates.forEach(function (c) {
        table.appendChild(el("tr", {}, [el("td", { text: c.score.toFixed(2) }), el("td", { text: c.applies }),
          el("td", { text: docLine(c) }), el("td", { text: c.why || "" })]));
      });
      box.appendChild(table);
    }
  }

  $("#ask-form").addEventListener("submit", function (evt) {
    evt.preventDefault();
    var payload = { question: $("#question").value };
    Array.prototype.forEach.call(document.querySelectorAll("#context select"), function (s) { if (s.value) payload[s.name] = s.value; });
    if ($("#as_of").value) payload.as_of = $("#as_of").value;
    $("#answer").textContent = "Reading the graph...";
    getJSON("/api/governs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) })
      .then(function (res) {
        renderAnswer(res);
        if (!res.answer) return;
        /* the same answer drawn: the governing clause, what it beat, the words that decided each step */
        var query = Object.keys(payload).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(payload[k]); });
        var img = el("img", { cls: "answer-picture", alt: "The answer's precedence chain, drawn",
                              src: "/api/governs?" + query.concat(["picture=svg"]).join("&") });
        $("#answer").insertBefore(el("figure", {}, [img]), $("#answer").querySelector("h3"));
      }).catch(function (err) { showError($("#answer"), err); });
  });

  /* ---------------------------------------------------------------- browse */
  function go(text, fn) { var a = el("a", { cls: "go", text: text }); a.addEventListener("click", fn); return a; }
  function showNode(iri) {
    var box = $("#node");
    getJSON("/api/node?iri=" + encodeURIComponent(iri)).then(function (n) {
      box.textContent = "";
      box.appendChild(el("h3", { text: [n.number ? "§" + n.number : "", n.label || "", n.heading || ""].filter(Boolean).join(" ") || n.kind }));
      if (n.title) box.appendChild(el("div", { cls: "muted", text: n.title }));
      box.appendChild(el("div", { cls: "muted", text: iri }));
      var words = n.edges.filter(function (e) { return e.clause === iri; }).map(function (e) { return e.words; });
      if (n.text) box.appendChild(marked(n.text, words, []));
      if (n.edges.length) {
        var table = el("table", {}, [el("tr", {}, ["", "relation", "other", "words", "condition"].map(function (h) { return el("th", { text: h }); }))]);
        n.edges.forEach(function (e) {
          table.appendChild(el("tr", {}, [el("td", { text: e.direction }), el("td", { text: e.relation }),
            el("td", {}, [go(e.otherLabel || e.other.split("/").slice(-2).join("/"), function () { showNode(e.other); })]),
            el("td", { text: e.words }), el("td", { text: e.condition || "" })]));
        });
        box.appendChild(table);
      } else {
        box.appendChild(el("p", { cls: "muted", text: "No edges start, end or are stated here." }));
      }
    }).catch(function (err) { showError(box, err); });
  }
  function showOutline(doc) {
    var list = $("#outline");
    $("#outline-title").textContent = doc.title;
    getJSON("/api/outline?id=" + encodeURIComponent(doc.id)).then(function (rows) {
      list.textContent = "";
      rows.forEach(function (r) {
        var name = [r.number ? "§" + r.number : "", r.label || "", r.heading || ""].filter(Boolean).join(" ") || (r.text || "").slice(0, 60);
        list.appendChild(el("li", {}, [go(name, function () { showNode(r.node); })]));
      });
    }).catch(function (err) { showError(list, err); });
  }
  var loaders = {
    browse: function () {
      getJSON("/api/documents").then(function (docs) {
        var list = $("#documents");
        docs.forEach(function (d) {
          list.appendChild(el("li", {}, [go(d.title, function () { showOutline(d); }), " ", el("span", { cls: "muted", text: String(d.effective || "") })]));
        });
      }).catch(function (err) { showError($("#documents"), err); });
    },
    precedence: function () {
      /* the map first; the picker drills into one document (the same pictures as the html export) */
      function draw(documentId) {
        var url = "/api/view?name=precedence" + (documentId ? "&document=" + encodeURIComponent(documentId) : "");
        fetch(url).then(function (r) {
          return r.text().then(function (text) { if (!r.ok) throw new Error(JSON.parse(text).error); return text; });
        }).then(function (fragment) {
          var box = $("#picture");
          box.innerHTML = fragment; /* our own server's drawing: Graphviz SVG and escaped JSON data */
          window.clausegraphView.initAll();
        }).catch(function (err) { showError($("#picture"), err); });
      }
      var drill = $("#drill");
      getJSON("/api/documents").then(function (docs) {
        var seen = {};
        docs.forEach(function (d) {
          if (seen[d.id]) return;
          seen[d.id] = true;
          drill.appendChild(el("option", { value: d.id, text: d.title + " (clause by clause)" }));
        });
      }).catch(function () { /* the map still shows */ });
      drill.addEventListener("change", function () { draw(drill.value); });
      draw("");
    },
    sparql: function () {
      getJSON("/api/queries").then(function (queries) {
        var select = $("#named");
        queries.forEach(function (q, i) { select.appendChild(el("option", { value: String(i), text: q.name + ": " + q.description })); });
        function pick() {
          var q = queries[Number(select.value)];
          $("#sparql-text").value = q.text;
          $("#named-help").textContent = q.params.length ? "parameters: " + q.params.map(function (p) { return "?" + p.name + (p.required ? " (required: replace it with a value)" : ""); }).join(", ") : "";
        }
        select.addEventListener("change", pick);
        if (queries.length) pick();
      }).catch(function (err) { showError($("#sparql-result"), err); });
    },
  };

  $("#run").addEventListener("click", function () {
    var out = $("#sparql-result"), started = performance.now();
    $("#sparql-status").textContent = "running...";
    fetch("/sparql", { method: "POST", body: $("#sparql-text").value,
                       headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle;q=0.9" } })
      .then(function (r) {
        var type = r.headers.get("Content-Type") || "";
        return r.text().then(function (text) {
          var ms = Math.round(performance.now() - started) + " ms";
          out.textContent = "";
          if (type.indexOf("json") >= 0) {
            var res = JSON.parse(text);
            if (res.ok === false) throw new Error("[" + res.code + "] " + res.error);
            if (typeof res.boolean === "boolean") { $("#sparql-status").textContent = ms; out.appendChild(el("p", { text: "ASK: " + res.boolean })); return; }
            var vars = res.head.vars, rows = res.results.bindings;
            $("#sparql-status").textContent = rows.length + " rows in " + ms + (rows.length > 1000 ? " (first 1,000 shown)" : "");
            var table = el("table", {}, [el("tr", {}, vars.map(function (v) { return el("th", { text: v }); }))]);
            rows.slice(0, 1000).forEach(function (b) {
              table.appendChild(el("tr", {}, vars.map(function (v) { return el("td", { text: b[v] ? b[v].value : "" }); })));
            });
            out.appendChild(table);
          } else {
            $("#sparql-status").textContent = type.split(";")[0] + " in " + ms;
            out.appendChild(el("pre", { text: text }));
          }
        });
      }).catch(function (err) { $("#sparql-status").textContent = ""; showError(out, err); });
  });

  openTab("ask");
})();
