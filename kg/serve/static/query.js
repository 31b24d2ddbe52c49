// The query page: stored queries as examples, run through /sparql, results drawn with textContent.
(function () {
  "use strict";
  function start() {
    var stored = JSON.parse(document.getElementById("stored-queries").textContent);
    var form = document.getElementById("query-form");
    var text = document.getElementById("query");
    var examples = document.getElementById("examples");
    var status = document.getElementById("status");
    var errorBox = document.getElementById("error");
    var results = document.getElementById("results");
    // The editor: YASQE (vendored, static/yasqe/) over the textarea, which stays the plain fallback.
    var editor = null;
    if (window.Yasqe) {
      var box = document.getElementById("yasqe");
      var keys = Object.assign({}, window.Yasqe.defaults.extraKeys, {
        "Ctrl-Enter": function () { form.requestSubmit(); }, "Cmd-Enter": function () { form.requestSubmit(); }
      });
      editor = new window.Yasqe(box, {
        value: text.value, persistenceId: null, showQueryButton: false, autocompleters: ["variables"],
        createShareableLink: null, consumeShareLink: null, resizeable: false, editorHeight: "340px",
        extraKeys: keys, requestConfig: { endpoint: "/sparql" }
      });
      text.hidden = true;
      window.kgEditor = editor;
    }
    function getText() { return editor ? editor.getValue() : text.value; }
    function setText(v) { text.value = v; if (editor) { editor.setValue(v); } }
    function choose(name) { if (stored[name]) { setText(stored[name]); examples.value = name; } }
    examples.addEventListener("change", function () { choose(examples.value); });
    document.querySelectorAll(".stored a").forEach(function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); choose(a.dataset.name); });
    });
    if (examples.value) { choose(examples.value); }
    function cell(term) {
      var td = document.createElement("td");
      if (!term) { return td; }
      if (term.type === "uri") {
        var a = document.createElement("a");
        a.href = "/resource?iri=" + encodeURIComponent(term.value);
        a.textContent = term.value;
        td.appendChild(a);
      } else {
        td.textContent = term.value;
      }
      return td;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var accept = document.getElementById("format").value;
      errorBox.hidden = true;
      results.textContent = "";
      status.textContent = "…";
      var started = performance.now();
      fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", "Accept": accept + ", text/turtle;q=0.5" },
                         body: getText() })
        .then(function (r) {
          return r.text().then(function (body) { return { r: r, body: body }; });
        })
        .then(function (x) {
          var r = x.r, ms = Math.round(performance.now() - started);
          if (!r.ok) {
            errorBox.hidden = false;
            errorBox.textContent = r.status + " " + x.body;
            status.textContent = "";
            return;
          }
          var rows = r.headers.get("X-KG-Rows"), cut = r.headers.get("X-KG-Truncated") === "true";
          status.textContent = (rows !== null ? rows + " 行 rows" : "") + (cut ? " (上限 cap reached)" : "") + " · " + ms + " ms";
          var ctype = r.headers.get("Content-Type") || "";
          if (ctype.indexOf("json") >= 0 && ctype.indexOf("ld+json") < 0) {
            var data = JSON.parse(x.body);
            if (data.boolean !== undefined) { results.textContent = String(data.boolean); return; }
            var table = document.createElement("table");
            table.id = "result-table";
            var head = document.createElement("tr");
            data.head.vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
            table.appendChild(head);
            data.results.bindings.forEach(function (b) {
              var tr = document.createElement("tr");
              data.head.vars.forEach(function (v) { tr.appendChild(cell(b[v])); });
              table.appendChild(tr);
            });
            results.appendChild(table);
          } else {
            var pre = document.createElement("pre");
            pre.textContent = x.body;
            results.appendChild(pre);
          }
        })
        .catch(function (e) { errorBox.hidden = false; errorBox.textContent = String(e); });
    });
    window.kgReady = true;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
