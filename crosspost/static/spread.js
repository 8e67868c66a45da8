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
  var DAY = 24 * 3600 * 1000;

  /* A date without a time of day ("2026-11-07"): the page was published some time that day. */
  function dayOnly(value) {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
  }

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

  /* The lag between two pages when one is dated to the day only: from midday, marked "~". */
  function approximateLag(source, target) {
    var from = source && parseDate(source.published), to = target && parseDate(target.published);
    if (from == null || to == null) return "";
    if (dayOnly(source.published)) from += DAY / 2;
    if (dayOnly(target.published)) to += DAY / 2;
    return "~" + formatLag((to - from) / 3600000);
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
    var rowOf = {};
    var parent = {};
    edges.forEach(function (e) { parent[e.target] = e.source; });
    var x = 100;
    var tallest = 1;
    function byDate(a, b) {
      return (parseDate(a.published) || Infinity) - (parseDate(b.published) || Infinity) ||
        (a.id < b.id ? -1 : 1);
    }
    layers.forEach(function (layer) {
      if (!layer) return;
      var parentRow = function (n) { return n.id in parent ? rowOf[parent[n.id]] || 0 : -1; };
      layer.sort(function (a, b) {
        if (a.kind === "origin" && b.kind !== "origin") return -1;
        if (b.kind === "origin" && a.kind !== "origin") return 1;
        return parentRow(a) - parentRow(b) || byDate(a, b);
      });
      if (layer.length <= MAX_ROWS) {
        // Each copy level with (or below) the page it was copied from: edges stay short.
        var next = 0;
        layer.forEach(function (n) {
          var row = Math.max(next, parentRow(n));
          rowOf[n.id] = row;
          next = row + 1;
          positions[n.id] = { x: x, y: 30 + row * 64 };
          tallest = Math.max(tallest, row + 1);
        });
        x += 210;
        return;
      }
      // A long layer (a piece copied by many sites) wraps into several columns.
      for (var start = 0; start < layer.length; start += MAX_ROWS) {
        var column = layer.slice(start, start + MAX_ROWS);
        tallest = Math.max(tallest, column.length);
        column.forEach(function (n, row) {
          rowOf[n.id] = row;
          positions[n.id] = { x: x, y: 30 + row * 64 };
        });
        x += 210;
      }
    });
    return { positions: positions, width: x - 10, height: 30 + tallest * 64 };
  }

  /* Sites in columns by role (origins left, then republishers, aggregators, the rest), each
     column's sites by the pieces they carry; flows then mostly run left to right. */
  var COLUMN_TITLES = ["origins", "republishers", "aggregators", "community", "other"];
  function roleLayout(nodes, edges) {
    var weight = {};
    edges.forEach(function (e) {
      weight[e.source] = (weight[e.source] || 0) + (e.pieces || 1);
      weight[e.target] = (weight[e.target] || 0) + (e.pieces || 1);
    });
    var columns = {};
    nodes.forEach(function (n) {
      var c = n.column == null ? 4 : n.column;
      (columns[c] = columns[c] || []).push(n);
    });
    var used = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var positions = {}, tallest = 0, titles = [];
    var GAP_X = 280, GAP_Y = 50, LEFT = 130, TOP = 70;
    used.forEach(function (c, index) {
      var column = columns[c];
      column.sort(function (a, b) { return (weight[b.id] || 0) - (weight[a.id] || 0) || (a.label < b.label ? -1 : 1); });
      column.forEach(function (n, row) {
        positions[n.id] = { x: LEFT + index * GAP_X, y: TOP + row * GAP_Y, column: index };
      });
      tallest = Math.max(tallest, column.length);
      titles.push({ x: LEFT + index * GAP_X, text: COLUMN_TITLES[c] || "other" });
    });
    return {
      positions: positions, titles: titles,
      width: LEFT + Math.max(used.length - 1, 0) * GAP_X + 170,
      height: TOP + Math.max(tallest - 1, 0) * GAP_Y + 60
    };
  }

  function link(parent, href, cls) {
    if (!isLocal(href)) return svgEl("g", { "class": cls }, parent);
    return svgEl("a", { href: href, "class": cls }, parent);
  }

  function drawGraph(container, data, palette) {
    var sites = data.kind === "sites";
    var layout = sites ? roleLayout(data.nodes, data.edges) : layeredLayout(data.nodes, data.edges);
    var svg = svgEl("svg", {
      id: "cp-graph-svg",
      // Many flows: labels would pile up; they show when a site is hovered.
      "class": "cp-graph" + (sites && data.edges.length > 12 ? " cp-many" : "") +
        (data.strongest_only ? " cp-strongest" : ""),
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

    (layout.titles || []).forEach(function (title) {
      svgText(svg, title.x, 18, title.text, "cp-column-title", "middle");
    });
    var mostPieces = 1;
    data.edges.forEach(function (e) { mostPieces = Math.max(mostPieces, e.pieces || 1); });
    var names = {}, nodes = {}, lags = {};
    data.nodes.forEach(function (n) { names[n.id] = n.label; nodes[n.id] = n; });
    var edgeLayer = svgEl("g", { "class": "cp-edges" }, svg);
    data.edges.forEach(function (e) {
      var a = layout.positions[e.source];
      var b = layout.positions[e.target];
      if (!a || !b) return;
      var group = svgEl("g", {
        "class": "cp-edge" + (sites && e.strong === false ? " cp-weak" : ""),
        "data-source": e.source, "data-target": e.target
      }, edgeLayer);
      var width = sites ? 1.2 + 4 * (e.pieces || 1) / mostPieces : 1.6;
      var cls = "cp-edge-line" + (e.lag_hours < 0 ? " cp-backdated" : "");
      var path, lx, ly, t, u;
      if (sites) {
        // A bend: flows in both directions between two sites stay apart; flows within a
        // column bow out to the right of it, clear of the other sites.
        var dx = b.x - a.x, dy = b.y - a.y;
        var cx = (a.x + b.x) / 2 - dy * 0.18, cy = (a.y + b.y) / 2 + dx * 0.18;
        if (a.column === b.column) {  // within a column: bow out to its left, away from labels
          cx = a.x - Math.min(Math.abs(dy) * 0.5, 100) - (dy > 0 ? 0 : 14);
          cy = (a.y + b.y) / 2;
        }
        var ex = b.x - cx, ey = b.y - cy, elen = Math.sqrt(ex * ex + ey * ey) || 1;
        var fx = cx - a.x, fy = cy - a.y, flen = Math.sqrt(fx * fx + fy * fy) || 1;
        path = "M" + (a.x + (fx / flen) * RADIUS) + "," + (a.y + (fy / flen) * RADIUS) +
          " Q" + cx + "," + cy + " " + (b.x - (ex / elen) * (RADIUS + 3)) + "," +
          (b.y - (ey / elen) * (RADIUS + 3));
        t = 0.72; u = 1 - t;  // labels near the arrowhead keep a fan of edges apart
        lx = u * u * a.x + 2 * u * t * cx + t * t * b.x;
        ly = u * u * a.y + 2 * u * t * cy + t * t * b.y - 4;
      } else {
        // Copies lie to the right of their source: leave and arrive horizontally, so edges
        // stay clear of the labels under the dots.
        var sx = a.x + RADIUS, tx = b.x - RADIUS - 3, mx = (sx + tx) / 2;
        path = "M" + sx + "," + a.y + " C" + mx + "," + a.y + " " + mx + "," + b.y + " " + tx + "," + b.y;
      }
      svgEl("path", { d: path, "class": cls, "stroke-width": width, "marker-end": "url(#cp-arrow)" }, group);
      var label;
      if (sites) {
        label = (e.pieces || 0) + "\u00d7" + (e.lag_hours == null ? "" : " \u00b7 " + formatLag(e.lag_hours));
      } else {
        // Each copy has one source: its lag goes under the copy's dot, not on a crowded edge.
        label = e.lag_hours != null ? formatLag(e.lag_hours) : approximateLag(nodes[e.source], nodes[e.target]);
        lags[e.target] = label;
      }
      if (label && sites) svgText(group, lx, ly, label, "cp-edge-label", "middle");
      var tip = svgEl("title", {}, group);
      tip.textContent = (names[e.source] || e.source) + " \u2192 " + (names[e.target] || e.target) +
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
      var detail = sites ? n.kind : (n.published ? n.published.slice(0, 16).replace("T", " ") : "no date") +
        (lags[n.id] ? " \u00b7 " + lags[n.id] : "");
      if (p.column !== undefined) {
        // A site graph in columns: the name above the dot, where no flow arrives or leaves.
        svgText(group, 0, -RADIUS - 6, truncate(n.label, 26), "cp-node-label", "middle");
      } else if (p.dx === undefined) {
        // Labels under the dot: edges leave and enter sideways, so they do not cross them.
        svgText(group, 0, RADIUS + 13, truncate(n.label, 28), "cp-node-label", "middle");
        svgText(group, 0, RADIUS + 25, truncate(detail, 34), "cp-node-detail", "middle");
      } else {
        var lx = p.dx * (RADIUS + 8), ly = p.dy * (RADIUS + 8) + 4;
        var side = p.dx > 0.3 ? "start" : (p.dx < -0.3 ? "end" : "middle");
        if (side === "middle") ly += p.dy > 0 ? 8 : -18;
        svgText(group, lx, ly, truncate(n.label, 28), "cp-node-label", side);
        svgText(group, lx, ly + 12, truncate(detail, 30), "cp-node-detail", side);
      }
      var tip = svgEl("title", {}, group);
      tip.textContent = (n.title || n.label) + (n.published ? "\n" + n.published : "") +
        (n.url ? "\n" + n.url : "");
      group.addEventListener("mouseenter", function () { focus(svg, n.id, true); });
      group.addEventListener("mouseleave", function () { focus(svg, n.id, false); });
    });
  }

  /* Hovering a node dims every edge but its own (and shows their labels). */
  function focus(svg, id, on) {
    svg.classList.toggle("cp-focus", on);
    Array.prototype.forEach.call(svg.querySelectorAll(".cp-edge"), function (edge) {
      var mine = edge.getAttribute("data-source") === String(id) ||
        edge.getAttribute("data-target") === String(id);
      edge.classList.toggle("cp-on", on && mine);
    });
  }

  function drawLegend(list, data, palette) {
    data.sites.forEach(function (site) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "cp-swatch";
      swatch.style.backgroundColor = palette[site] || "#999";
      item.appendChild(swatch);
      var name = (data.site_names || {})[site];
      item.appendChild(document.createTextNode(name && name !== site ? name + " (" + site + ")" : site));
      list.appendChild(item);
    });
  }

  /* One row per page, on a common time axis from the first to the last claimed date; each
     page is labelled with its distance from the origin (negative: it claims to be older). A
     page dated to the day only is a bar over that day, with the range of lags it allows. */
  function drawTimeline(container, data, palette) {
    var dated = [], undated = [];
    data.nodes.forEach(function (n) {
      var time = parseDate(n.published);
      var span = dayOnly(n.published) ? DAY : 0;
      (time === null ? undated : dated).push({ node: n, time: time, end: time + span });
    });
    dated.sort(function (a, b) { return a.time - b.time; });
    var rows = dated.concat(undated);
    if (!rows.length) return;
    var left = 230, right = 190, plot = 560, rowHeight = 22, top = 34;
    var width = left + plot + right;
    var height = top + rows.length * rowHeight + 10;
    var first = dated.length ? dated[0].time : 0;
    var last = 1;
    dated.forEach(function (row) { last = Math.max(last, row.end); });
    if (last <= first) last = first + 3600 * 1000;
    var origin = null;
    dated.forEach(function (row) {
      if (row.node.kind === "origin" && origin === null) origin = row;
    });
    function xOf(time) { return left + ((time - first) / (last - first)) * plot; }
    function lagText(row) {
      if (row.node.kind === "origin" || origin === null) return row.node.kind;
      var low = (row.time - origin.end) / 3600000, high = (row.end - origin.time) / 3600000;
      if (low === high) return formatLag(low);
      // One of the two dates has no time of day: the lag lies somewhere in this range.
      return formatLag(low) + " to " + formatLag(high) + " (day only)";
    }

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
      svgText(svg, x, top - 18, stamp + " UTC", "cp-tick", "middle");
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
        var from = xOf(origin === null ? first : origin.time);
        var colour = palette[n.site] || "#999";
        svgEl("line", { x1: from, x2: x, y1: y, y2: y, "class": "cp-lag-line" }, group);
        if (row.end > row.time) {
          svgEl("rect", {
            x: x, y: y - 5, width: Math.max(xOf(row.end) - x, 4), height: 10, rx: 5,
            fill: colour, "fill-opacity": 0.35, stroke: colour, "class": "cp-day"
          }, group);
        } else {
          svgEl("circle", { cx: x, cy: y, r: n.kind === "origin" ? 7 : 5, fill: colour }, group);
        }
        svgText(group, left + plot + 10, y + 4, lagText(row), "cp-node-detail");
      }
      var tip = svgEl("title", {}, group);
      tip.textContent = (n.title || n.label) + (n.published ? "\n" + n.published : "") +
        (dayOnly(n.published) ? " (no time of day)" : "");
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
    var all = document.getElementById("crosspost-all-flows");
    var svg = document.getElementById("cp-graph-svg");
    if (all && svg) {
      all.addEventListener("change", function () { svg.classList.toggle("cp-strongest", !all.checked); });
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
