"""Spread graphs for Gephi, networkx and D3: GEXF, GraphML, node-link JSON, CSV and cascades.

The article graph has one node per clustered article (attributes site, title, url, published,
role, cluster_id, kind, and flags: the spread's stored notes such as
"claims-earlier-than-source", comma-separated) plus one node per external source named by an
attribution but never crawled (external=True), and one edge per spread edge (evidence,
confidence, lag_hours, cluster_id). With ``sites=True`` nodes are sites (name, role, crawled;
``role_inferred`` when the role comes from the site's flows, dedupe.roles, not sites.toml)
and an edge source_site -> target_site carries ``pieces`` (clusters that flowed along it, also
its ``weight``), ``copies`` and ``median_lag_hours``.

Every node and edge also gets ``start``: the time it joined the spread (UTC, ISO 8601), so Gephi's
timeline replays it. It is the published time, but never earlier than the source's (a copy
claiming an earlier date is not believed) and, for an undated page, its source's time (or its
first copy's, for an undated origin).

Formats:

- ``gexf``: GEXF 1.2draft in dynamic mode (``mode="dynamic"``, node/edge ``start``).
- ``graphml``: GraphML; attributes that are unknown are left out (GraphML has no null).
- ``json``: node-link JSON as D3 expects (``nodes``, ``links``), with a ``graph`` key of metadata.
- ``csv``: the edge list (source, target, their urls and sites, every edge attribute) in the
  given file, and the nodes with every attribute in ``<name>.nodes.csv`` beside it.
- ``cascades``: InfoPath/NetInf text as in the SNAP cascade data sets, at site level. First a
  block of ``<site id>,<site>`` lines, then a blank line, then one line per cluster:
  ``<cluster id>;<site id>,<time>,<site id>,<time>,...`` with each site at the first time it
  carried the piece, in time order (a source before its copies at equal times); times are UNIX
  time in hours. External sources take the time of their first copy; sites with no known time
  are left out of a cascade.
"""

from __future__ import annotations

import csv
import json
import os
import re
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from .errors import ExportError
from .roles import shown_role
from .spread import CONFIDENCE, external_sources, parse_time
from .store import Store, now

FORMATS = ("gexf", "graphml", "json", "csv", "cascades")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What XML 1.0 cannot hold at all, escaped or not: control characters other than tab, newline
# and carriage return, NUL, lone surrogates, U+FFFE and U+FFFF. Crawled text may carry any.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() if moment else None


def _start_of(value: str | None) -> datetime | None:
    when = parse_time(value)
    return when.start if when else None


# -- building ---------------------------------------------------------------------------------


def build_graph(store: Store, cluster_id: int | None = None, sites: bool = False) -> nx.DiGraph:
    """The spread as a networkx DiGraph: articles (default) or sites; one cluster or all."""
    if cluster_id is not None and not store.cluster_exists(cluster_id):
        known = store.cluster_ids()
        hint = (
            f"clusters run from {known[0]} to {known[-1]}" if known else "run `crosspost cluster`"
        )
        raise ExportError(
            f"no cluster {cluster_id} in {store.path}: {hint}, or leave out --cluster"
        )
    graph = _article_graph(store, cluster_id)
    return _site_graph(store, graph, cluster_id) if sites else graph


def _metadata(store: Store, kind: str, cluster_id: int | None, clusters: int) -> dict[str, Any]:
    meta = {
        "name": f"crosspost spread ({kind})",
        "generator": "crosspost",
        "graph": kind,
        "database": store.path.name,
        "exported": now(),
        "clusters": clusters,
        "mode": "dynamic",
    }
    if cluster_id is not None:
        meta["cluster_id"] = cluster_id
    return meta


def _article_graph(store: Store, cluster_id: int | None) -> nx.DiGraph:
    rows = store.clustered_articles(cluster_id)
    edges = store.spread_edge_rows(cluster_id)
    flags = store.member_flags(cluster_id)
    clusters = sorted({r["cluster_id"] for r in rows})
    graph = nx.DiGraph(**_metadata(store, "articles", cluster_id, len(clusters)))
    for r in rows:
        graph.add_node(
            r["id"],
            label=r["title"] or r["url"],
            site=r["site"],
            site_name=r["site_name"],
            title=r["title"],
            url=r["url"],
            published=r["published"],
            published_source=r["published_source"],
            fetched_at=r["fetched_at"],
            role=r["role"],
            cluster_id=r["cluster_id"],
            kind=r["kind"],
            flags=", ".join(flags[r["id"]]) if r["id"] in flags else None,
            external=False,
        )
    for e in edges:
        graph.add_edge(
            e["source_article_id"],
            e["target_article_id"],
            cluster_id=e["cluster_id"],
            evidence=e["evidence"],
            confidence=e["confidence"],
            lag_hours=e["lag_hours"],
            external=False,
        )
    members_of: dict[int, list[dict]] = {}
    for r in rows:
        members_of.setdefault(r["cluster_id"], []).append(r)
    for cid, members in members_of.items():
        _add_externals(graph, cid, members)
    _add_starts(graph)
    return graph


def _add_externals(graph: nx.DiGraph, cluster_id: int, members: list[dict]) -> None:
    """Sources named by attribution but not crawled, linked to the members that start from them.

    Stored spread edges only join articles, so a member with no stored parent whose
    attribution names an outside source hangs from that source, as `spread.trace` decided.
    """
    for ext in external_sources(members):
        node = f"c{cluster_id}:{ext['key']}"
        graph.add_node(
            node,
            label=ext["name"] or ext["site"] or ext["url"],
            site=ext["site"],
            title=ext["name"],
            url=ext["url"],
            cluster_id=cluster_id,
            kind="external",
            role="external",
            external=True,
        )
        for target in ext["named_by"]:
            if graph.in_degree(target) == 0:
                evidence = "attribution-link" if ext["url"] else f"attribution-name:{ext['name']}"
                graph.add_edge(
                    node,
                    target,
                    cluster_id=cluster_id,
                    evidence=evidence,
                    confidence=CONFIDENCE[evidence.split(":")[0]],
                    lag_hours=None,
                    external=True,
                )


def _add_starts(graph: nx.DiGraph) -> None:
    """Set node and edge `start`: published, never before the source, undated from neighbours."""
    start: dict[Any, datetime | None] = {}
    order = list(nx.topological_sort(graph)) if nx.is_directed_acyclic_graph(graph) else []
    for node in order or graph.nodes:
        own = _start_of(graph.nodes[node].get("published"))
        before = [start[p] for p in graph.predecessors(node) if start.get(p)]
        latest_source = max(before) if before else None
        start[node] = max(own, latest_source) if own and latest_source else own or latest_source
    for node in reversed(order):
        if start[node] is None:
            after = [start[c] for c in graph.successors(node) if start.get(c)]
            start[node] = min(after) if after else None
    for node, moment in start.items():
        graph.nodes[node]["start"] = _iso(moment)
    for source, target, data in graph.edges(data=True):
        data["start"] = _iso(start.get(target) or start.get(source))


def _site_graph(store: Store, articles: nx.DiGraph, cluster_id: int | None) -> nx.DiGraph:
    """Sites as nodes; an edge per site pair a piece flowed along, weighted by pieces."""
    known = {s["id"]: s for s in store.sites()}
    graph = nx.DiGraph(**{**articles.graph, "graph": "sites"})

    def site_of(node: Any) -> str:
        data = articles.nodes[node]
        return data["site"] or f"name:{data['title']}"

    wanted = {site_of(n) for n in articles} if cluster_id is not None else set(known)
    wanted |= {site_of(n) for n in articles}
    for site in sorted(wanted):
        row = known.get(site, {})
        graph.add_node(
            site,
            label=row.get("name") or site,
            name=row.get("name") or site,
            role=shown_role(row.get("role"), row.get("inferred_role"))[0],
            role_inferred=shown_role(row.get("role"), row.get("inferred_role"))[1],
            home_url=row.get("home_url"),
            crawled=bool(row.get("crawled", 0)),
            external=site not in known,
            pieces=0,
            origins=0,
        )
    starts: dict[str, list[str]] = {}
    pieces: dict[str, set[int]] = {}
    for node, data in articles.nodes(data=True):
        site = site_of(node)
        pieces.setdefault(site, set()).add(data["cluster_id"])
        graph.nodes[site]["origins"] += data["kind"] == "origin"
        if data.get("start"):
            starts.setdefault(site, []).append(data["start"])
    for site, clusters in pieces.items():
        graph.nodes[site]["pieces"] = len(clusters)
    for site, times in starts.items():
        graph.nodes[site]["start"] = min(times)

    flows: dict[tuple[str, str], list[dict]] = {}
    for source, target, data in articles.edges(data=True):
        flows.setdefault((site_of(source), site_of(target)), []).append(data)
    for (source, target), data in sorted(flows.items()):
        lags = [d["lag_hours"] for d in data if d["lag_hours"] is not None]
        times = [d["start"] for d in data if d.get("start")]
        flow_pieces = len({d["cluster_id"] for d in data})
        graph.add_edge(
            source,
            target,
            pieces=flow_pieces,
            weight=flow_pieces,
            copies=len(data),
            median_lag_hours=statistics.median(lags) if lags else None,
            external=any(d["external"] for d in data),
            start=min(times) if times else None,
        )
    return graph


# -- writing ----------------------------------------------------------------------------------


def xml_text(value: Any) -> Any:
    """`value` with what XML cannot hold replaced by U+FFFD; anything but a string unchanged."""
    return NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes as GEXF and GraphML can write them: no None (neither has a null), XML text."""
    return {xml_text(k): xml_text(v) for k, v in attrs.items() if v is not None}


def xml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of `graph` that GEXF and GraphML writers turn into valid XML whatever the text:
    no None values, and no character XML cannot hold in ids, attribute names or values.

    A node id that would then equal another one gets a " (2)", " (3)"... suffix."""
    ids: dict[Any, Any] = {}
    taken = {n for n in graph if not isinstance(n, str) or not NOT_XML.search(n)}
    for node in graph:
        if node in taken:
            ids[node] = node
            continue
        clean, number = xml_text(node), 1
        while clean in taken:
            number += 1
            clean = f"{xml_text(node)} ({number})"
        ids[node] = clean
        taken.add(clean)
    safe = nx.DiGraph(**_xml_attrs(graph.graph))
    safe.add_nodes_from((ids[n], _xml_attrs(d)) for n, d in graph.nodes(data=True))
    safe.add_edges_from((ids[u], ids[v], _xml_attrs(d)) for u, v, d in graph.edges(data=True))
    return safe


def nodes_path(path: str | os.PathLike) -> Path:
    """Where the CSV export writes its node table: <name>.nodes.csv beside the edge list."""
    path = Path(path)
    return path.with_name(f"{path.stem if path.suffix == '.csv' else path.name}.nodes.csv")


def _write_csv(graph: nx.DiGraph, path: Path) -> list[Path]:
    node_fields = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_fields = sorted({k for _, _, d in graph.edges(data=True) for k in d})
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        head = ["source", "target", "source_url", "target_url", "source_site", "target_site"]
        writer.writerow(head + edge_fields)
        for u, v, d in graph.edges(data=True):
            su, sv = graph.nodes[u], graph.nodes[v]
            ends = [u, v, su.get("url") or su.get("home_url"), sv.get("url") or sv.get("home_url")]
            ends += [su.get("site", u), sv.get("site", v)]
            writer.writerow(_cells(ends + [d.get(k) for k in edge_fields]))
    nodes_file = nodes_path(path)
    with nodes_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id"] + node_fields)
        for n, d in graph.nodes(data=True):
            writer.writerow(_cells([n] + [d.get(k) for k in node_fields]))
    return [path, nodes_file]


def _cells(values: list[Any]) -> list[Any]:
    """CSV cells: empty for unknown, lowercase booleans, and text that a spreadsheet would run
    as a formula led by a single quote, which shows it as text (OWASP's advice)."""
    return [_cell(v) for v in values]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cascades(graph: nx.DiGraph) -> tuple[list[str], list[tuple[int, list[tuple[str, float]]]]]:
    """Site-level cascades of an article graph: (sites, [(cluster_id, [(site, hours)])])."""
    if graph.graph.get("graph") == "sites":
        raise ExportError("cascades are built from the article graph: leave out --sites")
    # Sources before their copies at equal times: rank by position in the spread tree.
    order = list(nx.topological_sort(graph)) if nx.is_directed_acyclic_graph(graph) else []
    rank = {node: n for n, node in enumerate(order)}
    firsts: dict[int, dict[str, tuple[float, int]]] = {}
    for node, data in graph.nodes(data=True):
        moment = _start_of(data.get("start"))
        if moment is None or not data.get("site"):
            continue
        when = ((moment - EPOCH).total_seconds() / 3600, rank.get(node, 0))
        sites = firsts.setdefault(data["cluster_id"], {})
        sites[data["site"]] = min(when, sites.get(data["site"], when))
    names = sorted({site for sites in firsts.values() for site in sites})
    result = [
        (cid, [(site, when[0]) for site, when in sorted(sites.items(), key=lambda i: i[1])])
        for cid, sites in sorted(firsts.items())
    ]
    return names, result


def _write_cascades(graph: nx.DiGraph, path: Path) -> list[Path]:
    names, found = cascades(graph)
    number = {site: n for n, site in enumerate(names)}
    lines = [f"{number[site]},{_one_line(site)}" for site in names] + [""]
    for cid, sites in found:
        lines.append(f"{cid};" + ",".join(f"{number[s]},{hours:.6f}" for s, hours in sites))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path]


def _one_line(text: str) -> str:
    """`text` without line breaks (every one str.splitlines knows), which would end a record."""
    return " ".join(text.splitlines())


def write(graph: nx.DiGraph, fmt: str, path: str | os.PathLike) -> list[Path]:
    """Write a graph built by build_graph in one of FORMATS; returns the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder; give a file name")
    try:
        if fmt == "gexf":
            nx.write_gexf(xml_safe(graph), path, version="1.2draft")
            return [path]
        if fmt == "graphml":
            nx.write_graphml(xml_safe(graph), path)
            return [path]
        if fmt == "json":
            data = nx.node_link_data(graph, edges="links")
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
            return [path]
        if fmt == "csv":
            return _write_csv(graph, path)
        return _write_cascades(graph, path)
    except OSError as err:
        raise ExportError(f"cannot write {path}: {err.strerror or err}") from err


def export(
    store: Store,
    fmt: str,
    path: str | os.PathLike,
    cluster_id: int | None = None,
    sites: bool = False,
) -> dict[str, Any]:
    """Build the spread graph and write it; returns a summary (format, files, nodes, edges...)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if sites and fmt == "cascades":
        raise ExportError("cascades are always site-level: leave out --sites")
    graph = build_graph(store, cluster_id=cluster_id, sites=sites)
    files = write(graph, fmt, path)
    return {
        "format": fmt,
        "path": str(path),
        "files": [str(f) for f in files],
        "graph": graph.graph["graph"],
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "clusters": graph.graph["clusters"],
        "external": sum(1 for _, d in graph.nodes(data=True) if d.get("external")),
    }
