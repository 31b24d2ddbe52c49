// The neighbourhood graph of an entity page (vis-network, served by this server; no inline script).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("network");
    var data = JSON.parse(document.getElementById("graph-data").textContent);
    var style = JSON.parse(document.getElementById("graph-style").textContent);
    var links = {};
    document.querySelectorAll(".legend-links a").forEach(function (a) { links[a.dataset.id] = a.getAttribute("href"); });
    if (typeof vis === "undefined" || !box) { return; }
    var nodes = new vis.DataSet(data.nodes.map(function (n) {
      return { id: n.id, label: n.label.length > 14 ? n.label.slice(0, 13) + "…" : n.label, title: undefined,
               color: style.colours[n.type] || "#9D9D9D", shape: n.centre ? "star" : "dot", size: n.centre ? 22 : 12,
               font: { size: 13 } };
    }));
    var edges = new vis.DataSet(data.edges.map(function (e, i) {
      return { id: i, from: e.from, to: e.to, label: e.label, arrows: "to", font: { size: 10, align: "middle" } };
    }));
    var net = new vis.Network(box, { nodes: nodes, edges: edges }, {
      physics: { stabilization: { iterations: 150 }, barnesHut: { springLength: 120 } },
      interaction: { hover: true }
    });
    net.once("stabilizationIterationsDone", function () { net.setOptions({ physics: false }); window.kgReady = true; });
    net.on("doubleClick", function (p) { if (p.nodes.length && links[p.nodes[0]]) { window.location.href = links[p.nodes[0]]; } });
    setTimeout(function () { window.kgReady = true; }, 3000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
