/* crosspost spread pages: draw the spread graph, the legend and the timeline from the JSON that
   the page embeds in <script id="crosspost-data">. Plain JavaScript without dependencies, so the
   pages work offline. Crawled text only ever goes through textContent, never innerHTML; links
   only go to this Datasette's own pages ("/..."). */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"
  ];
  var MAX_ROWS = 16; // pages per column before a layer wraps into another column
  var RADIUS = 9;

  function svgEl(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function svgText(parent, x, y, text, cls, anchor) {
    var node = svgEl("text", { x: x, y: y, "class": cls || "", "text-anchor": anchor || "start" }, parent);
    node.textContent = text;
    return node;
  }

  function isLocal(href) {
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/";
  }

  function truncate(text, size) {
    text = text == null ? "" : String(text);
    return text.length > size ? text.slice(0, size - 1) + "\u2026" : text;
  }

  function formatLag(hours) {
    if (hours === null || hours === undefined || isNaN(hours)) return "";
    var sign = hours < 0 ? "\u2212" : "+";
    var size = Math.abs(hours);
    if (size < 1) return sign + Math.round(size * 60) + " min";
    if (size < 48) return sign + size.toFixed(1) + " h";
    return sign + (size / 24).toFixed(1) + " d";
  }

  function colours(sites) {
    var map = {};
    sites.forEach(function (site, index) {
      map[site] = PALETTE[index % PALETTE.length];
    });
    return map;
  }

  function parseDate(value) {
    if (!value) return null;
    var time = Date.parse(value);
    return isNaN(time) ? null : time;
  }

  /* Layers by longest path from the pages nobody copied from (the origin first); pages of a
     layer sorted by date, wrapped into several columns when a layer is long. */
  function layeredLayout(nodes, edges) {
    var depth = {};
    nodes.forEach(function (n) { depth[n.id] = 0; });
    for (var round = 0; round < nodes.length; round++) {
      var changed = false;
      edges.forEach(function (e) {
        if (depth[e.target] < depth[e.source] + 1 && depth[e.source] + 1 < nodes.length) {
          depth[e.target] = depth[e.source] + 1;
          changed = true;
        }
      });
      if (!changed) break;
    }
    var layers = [];
    nodes.forEach(function (n) {
      (layers[depth[n.id]] = layers[depth[n.id]] || []).push(n);
    });
    var positions = {};
    var x = 100;
    var tallest = 1;
    layers.forEach(function (layer) {
      if (!layer) return;
      layer.sort(function (a, b) {
        if (a.kind === "origin" && b.kind !== "origin") return -1;
        if (b.kind === "origin" && a.kind !== "origin") return 1;
        return (parseDate(a.published) || Infinity) - (parseDate(b.published) || Infinity) ||
          (a.id < b.id ? -1 : 1);
      });
      for (var start = 0; start < layer.length; start += MAX_ROWS) {
        var column = layer.slice(start, start + MAX_ROWS);
        tallest = Math.max(tallest, column.length);
        column.forEach(function (n, row) {
          positions[n.id] = { x: x, y: 30 + row * 64 };
        });
        x += 210;
      }
    });
    return { positions: positions, width: x - 10, height: 30 + tallest * 64 };
  }

  function circleLayout(nodes) {
    var count = Math.max(nodes.length, 1);
    var radius = Math.max(140, count * 40);
    var centre = radius + 150;
    var positions = {};
    nodes.forEach(function (n, index) {
      var angle = -Math.PI / 2 + (2 * Math.PI * index) / count;
      positions[n.id] = { x: centre + radius * Math.cos(angle), y: radius + 50 + radius * Math.sin(angle) };
    });
    return { positions: positions, width: 2 * centre, height: 2 * radius + 100 };
  }

  function link(parent, href, cls) {
    if (!isLocal(href)) return svgEl("g", { "class": cls }, parent);
    return svgEl("a", { href: href, "class": cls }, parent);
  }

  function drawGraph(container, data, palette) {
    var sites = data.kind === "sites";
    var layout = sites ? circleLayout(data.nodes) : layeredLayout(data.nodes, data.edges);
    var svg = svgEl("svg", {
      id: "cp-graph-svg",
      "class": "cp-graph",
      width: layout.width,
      height: layout.height,
      viewBox: "0 0 " + layout.width + " " + layout.height,
      "data-nodes": data.nodes.length,
      "data-edges": data.edges.length,
      role: "img"
    }, container);
    var defs = svgEl("defs", {}, svg);
    var marker = svgEl("marker", {
      id: "cp-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: "userSpaceOnUse", orient: "auto"
    }, defs);
    svgEl("path", { d: "M0,0 L10,5 L0,10 z", "class": "cp-arrowhead" }, marker);

    var edgeLayer = svgEl("g", { "class": "cp-edges" }, svg);
    data.edges.forEach(function (e) {
      var a = layout.positions[e.source];
      var b = layout.positions[e.target];
      if (!a || !b) return;
      var dx = b.x - a.x, dy = b.y - a.y;
      // A slight bend: edges in both directions between two nodes stay apart.
      var bend = sites ? 0.18 : 0.08;
      var cx = (a.x + b.x) / 2 - dy * bend, cy = (a.y + b.y) / 2 + dx * bend;
      var ex = b.x - cx, ey = b.y - cy;
      var elen = Math.sqrt(ex * ex + ey * ey) || 1;
      var sx = a.x + ((cx - a.x) / (Math.sqrt((cx - a.x) * (cx - a.x) + (cy - a.y) * (cy - a.y)) || 1)) * RADIUS;
      var sy = a.y + ((cy - a.y) / (Math.sqrt((cx - a.x) * (cx - a.x) + (cy - a.y) * (cy - a.y)) || 1)) * RADIUS;
      var tx = b.x - (ex / elen) * (RADIUS + 3), ty = b.y - (ey / elen) * (RADIUS + 3);
      var group = svgEl("g", { "class": "cp-edge", "data-source": e.source, "data-target": e.target }, edgeLayer);
      var width = sites ? 1.5 + 2 * Math.log2(1 + (e.pieces || 1)) : 1.6;
      var cls = "cp-edge-line" + (e.lag_hours < 0 ? " cp-backdated" : "");
      svgEl("path", {
        d: "M" + sx + "," + sy + " Q" + cx + "," + cy + " " + tx + "," + ty,
        "class": cls, "stroke-width": width, "marker-end": "url(#cp-arrow)"
      }, group);
      var label = sites
        ? (e.pieces || 0) + "\u00d7" + (e.lag_hours == null ? "" : " \u00b7 " + formatLag(e.lag_hours))
        : formatLag(e.lag_hours);
      // Many flows: labels would pile up in the middle; widths and tooltips still tell.
      if (label && (!sites || data.edges.length <= 12)) {
        svgText(group, (a.x + 2 * cx + b.x) / 4, (a.y + 2 * cy + b.y) / 4 - 4, label, "cp-edge-label", "middle");
      }
      var tip = svgEl("title", {}, group);
      tip.textContent = e.source + " \u2192 " + e.target +
        (e.evidence ? " (" + e.evidence + ")" : "") + (label ? " " + label : "");
    });

    var nodeLayer = svgEl("g", { "class": "cp-nodes" }, svg);
    data.nodes.forEach(function (n) {
      var p = layout.positions[n.id];
      var anchor = link(nodeLayer, n.href, "cp-node-link");
      var group = svgEl("g", {
        "class": "cp-node cp-kind-" + String(n.kind || "none").replace(/[^a-z]/g, ""),
        "data-id": n.id, transform: "translate(" + p.x + "," + p.y + ")"
      }, anchor);
      if (n.kind === "origin") svgEl("circle", { r: RADIUS + 4, "class": "cp-origin-ring" }, group);
      svgEl("circle", { r: RADIUS, fill: palette[n.site] || "#999", "class": "cp-dot" }, group);
      // Labels under the dot: edges leave and enter sideways, so they do not cross them.
      svgText(group, 0, RADIUS + 13, truncate(n.label, 28), "cp-node-label", "middle");
      var detail = sites ? n.kind : (n.published ? n.published.slice(0, 16).replace("T", " ") : "no date");
      svgText(group, 0, RADIUS + 25, truncate(detail, 30), "cp-node-detail", "middle");
      var tip = svgEl("title", {}, group);
      tip.textContent = (n.title || n.label) + (n.published ? "\n" + n.published : "") +
        (n.url ? "\n" + n.url : "");
    });
  }

  function drawLegend(list, data, palette) {
    data.sites.forEach(function (site) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "cp-swatch";
      swatch.style.backgroundColor = palette[site] || "#999";
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(site));
      list.appendChild(item);
    });
  }

  /* One row per page, on a common time axis from the first to the last claimed date; each
     page is labelled with its distance from the origin (negative: it claims to be older). */
  function drawTimeline(container, data, palette) {
    var dated = [], undated = [];
    data.nodes.forEach(function (n) {
      var time = parseDate(n.published);
      (time === null ? undated : dated).push({ node: n, time: time });
    });
    dated.sort(function (a, b) { return a.time - b.time; });
    var rows = dated.concat(undated);
    if (!rows.length) return;
    var left = 230, right = 110, plot = 560, rowHeight = 22, top = 34;
    var width = left + plot + right;
    var height = top + rows.length * rowHeight + 10;
    var first = dated.length ? dated[0].time : 0;
    var last = dated.length ? dated[dated.length - 1].time : 1;
    if (last <= first) last = first + 3600 * 1000;
    var originTime = null;
    dated.forEach(function (row) {
      if (row.node.kind === "origin" && originTime === null) originTime = row.time;
    });
    function xOf(time) { return left + ((time - first) / (last - first)) * plot; }

    var svg = svgEl("svg", {
      id: "cp-timeline-svg", "class": "cp-timeline", width: width, height: height,
      viewBox: "0 0 " + width + " " + height, role: "img"
    }, container);
    svgEl("line", { x1: left, x2: left + plot, y1: top - 12, y2: top - 12, "class": "cp-axis" }, svg);
    for (var i = 0; i <= 4; i++) {
      var time = first + ((last - first) * i) / 4;
      var x = left + (plot * i) / 4;
      svgEl("line", { x1: x, x2: x, y1: top - 16, y2: height - 6, "class": "cp-grid" }, svg);
      var stamp = new Date(time).toISOString().slice(0, 16).replace("T", " ");
      svgText(svg, x, top - 18, stamp, "cp-tick", "middle");
    }
    rows.forEach(function (row, index) {
      var n = row.node;
      var y = top + index * rowHeight + rowHeight / 2;
      var anchor = link(svg, n.href, "cp-timeline-link");
      var group = svgEl("g", { "class": "cp-timeline-row", "data-id": n.id }, anchor);
      svgText(group, left - 10, y + 4, truncate(n.label, 30), "cp-node-label", "end");
      if (row.time === null) {
        svgText(group, left, y + 4, "date unknown", "cp-node-detail");
      } else {
        var x = xOf(row.time);
        var from = xOf(originTime === null ? first : originTime);
        svgEl("line", { x1: from, x2: x, y1: y, y2: y, "class": "cp-lag-line" }, group);
        svgEl("circle", { cx: x, cy: y, r: n.kind === "origin" ? 7 : 5, fill: palette[n.site] || "#999" }, group);
        var after = n.kind === "origin" || originTime === null
          ? n.kind : formatLag((row.time - originTime) / 3600000);
        svgText(group, left + plot + 10, y + 4, after, "cp-node-detail");
      }
      var tip = svgEl("title", {}, group);
      tip.textContent = (n.title || n.label) + (n.published ? "\n" + n.published : "");
    });
  }

  function main() {
    var source = document.getElementById("crosspost-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var palette = colours(data.sites || []);
    var graph = document.getElementById("crosspost-graph");
    if (graph) {
      if (data.nodes.length) drawGraph(graph, data, palette);
      else graph.textContent = "Nothing to draw yet.";
    }
    var legend = document.getElementById("crosspost-legend");
    if (legend) drawLegend(legend, data, palette);
    var timeline = document.getElementById("crosspost-timeline");
    if (timeline) drawTimeline(timeline, data, palette);
    document.body.setAttribute("data-crosspost-ready", "1");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();
