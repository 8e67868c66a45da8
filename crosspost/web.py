"""The crosspost Datasette plugin: spread pages, links to them, and graph output renderers.

Pages (all read-only, all escaping crawled text; external links only for http(s) URLs):

    /-/crosspost/cluster/<id>                   one cluster's spread: graph, timeline, members
    /-/crosspost/cluster/<id>.gexf|graphml|json the same cluster as a graph file (dedupe.export)
    /-/crosspost/flows                          site-to-site flows: graph and table
    /-/crosspost/flows.gexf|graphml|json        the site graph as a file
    /-/crosspost/find?q=URL-or-passage          where did this go: the clusters of a stored
                                                page or of a passage (dedupe.find)

With several databases attached, `?database=NAME` picks one (default: the first crosspost one).
Any table or query with source/target columns can also be downloaded as .gexf or .graphml.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import networkx as nx
from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader, FunctionLoader
from markupsafe import Markup

from dedupe.errors import ExportError
from dedupe.export import xml_safe
from dedupe.roles import shown_role
from dedupe.store import Store

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
STATIC_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# Download formats of the spread pages (dedupe.export) and their content types.
EXPORT_TYPES = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "json": "application/json",
}
# Column pairs that make a query's rows the edges of a graph, first match wins.
EDGE_COLUMNS = (
    ("source", "target"),
    ("source_site", "target_site"),
    ("source_article_id", "target_article_id"),
)
# Query columns holding an article id: rendered as links to the article's row page.
ARTICLE_ID_COLUMNS = frozenset(
    {
        "article_id",
        "origin_article_id",
        "source_article_id",
        "target_article_id",
        "copied_from_article_id",
        "example_article_id",
    }
)
CRAWL_TABLES = ("clusters", "cluster_members", "spread_edges", "articles")
PUBLIC_TABLES = frozenset(
    {"sites", "articles", "stripped", "clusters", "cluster_members", "spread_edges", "site_flows"}
)
# Columns holding a site id: linked to the site's row.
SITE_COLUMNS = frozenset({"site", "source_site", "target_site", "origin_site", "copied_from_site"})


# -- helpers --------------------------------------------------------------------------------------


def safe_url(url: Any) -> str | None:
    """`url` if it is an absolute http(s) URL that can be a link; None for anything else."""
    if not isinstance(url, str) or not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


async def _is_crosspost(db: Database) -> bool:
    names = set(await db.table_names()) | set(await db.view_names())
    return all(table in names for table in CRAWL_TABLES) and "site_flows" in names


async def _crosspost_database(datasette, request) -> Database:
    """The database named by ?database=, or the first one holding a crosspost schema."""
    wanted = request.args.get("database")
    if wanted:
        db = datasette.databases.get(wanted)
        if db is None or not await _is_crosspost(db):
            raise NotFound(f"no crosspost database named {wanted}")
        return db
    for name, db in datasette.databases.items():
        if name != "_internal" and await _is_crosspost(db):
            return db
    raise NotFound("no crosspost database is attached")


async def _check_view(datasette, request, db: Database, tables: Iterable[str]) -> None:
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (db.name, table)) for table in tables]
        + [("view-database", db.name), "view-instance"],
    )


def _query(datasette, db_name: str, path: str, **params: Any) -> str:
    """A path on this Datasette, with ?database= added when several databases are attached."""
    names = [name for name in datasette.databases if name != "_internal"]
    if len(names) > 1:
        params["database"] = db_name
    query = f"?{urlencode(params)}" if params else ""
    return datasette.urls.path(path) + query


def cluster_url(datasette, db_name: str, cluster_id: int, fmt: str | None = None) -> str:
    """The spread page of a cluster (or, with `fmt`, its graph download)."""
    suffix = f".{fmt}" if fmt else ""
    return _query(datasette, db_name, f"/-/crosspost/cluster/{cluster_id}{suffix}")


def find_url(datasette, db_name: str) -> str:
    return _query(datasette, db_name, "/-/crosspost/find")


def _find_form(datasette, db_name: str, query: str | None = None) -> dict[str, Any]:
    """What crosspost_find_form.html needs (every plugin page shows the form)."""
    names = [name for name in datasette.databases if name != "_internal"]
    return {
        "find_url": datasette.urls.path("/-/crosspost/find"),
        "find_database": db_name if len(names) > 1 else None,
        "find_query": query,
        "find_max_chars": FIND_MAX_CHARS,
    }


def flows_url(datasette, db_name: str, fmt: str | None = None) -> str:
    suffix = f".{fmt}" if fmt else ""
    return _query(datasette, db_name, f"/-/crosspost/flows{suffix}")


# A graph of the whole database takes long to build (the site graph: 16 s and 190 MB at 50,000
# articles): one is built at a time, and the last few are kept until the database changes.
_EXPORT_LOCK = threading.Lock()
_EXPORTS: OrderedDict[tuple, bytes] = OrderedDict()
_EXPORTS_KEPT = 8
_EXPORT_KEPT_BYTES = 16 * 2**20


def _file_state(path: str) -> tuple:
    """What changes when the database does (a write lands in the -wal file first)."""
    state = []
    for name in (path, f"{path}-wal"):
        try:
            stat = os.stat(name)
        except FileNotFoundError:
            state.append(None)
            continue
        state.append((stat.st_mtime_ns, stat.st_size))
    return tuple(state)


def _export_file(path: str, fmt: str, cluster_id: int | None, sites: bool) -> bytes:
    from dedupe.export import export

    with (
        Store.open_read_only(path) as store,
        tempfile.TemporaryDirectory(prefix="crosspost-web-") as tmp,
    ):
        target = Path(tmp) / f"graph.{fmt}"
        export(store, fmt, target, cluster_id=cluster_id, sites=sites)
        return target.read_bytes()


async def _export_bytes(db: Database, fmt: str, cluster_id: int | None, sites: bool) -> bytes:
    """Run dedupe.export on a read-only Store of the served file; return the file's bytes."""
    if not db.path:
        raise NotFound(f"database {db.name} has no file to export from")
    if cluster_id is not None:  # one cluster: small and quick
        return await asyncio.to_thread(_export_file, db.path, fmt, cluster_id, sites)

    def whole() -> bytes:
        with _EXPORT_LOCK:
            key = (db.path, fmt, sites, _file_state(db.path))
            if key in _EXPORTS:
                _EXPORTS.move_to_end(key)
                return _EXPORTS[key]
            body = _export_file(db.path, fmt, None, sites)
            if len(body) <= _EXPORT_KEPT_BYTES:
                _EXPORTS[key] = body
                while len(_EXPORTS) > _EXPORTS_KEPT:
                    _EXPORTS.popitem(last=False)
            return body

    return await asyncio.to_thread(whole)


def show_date(value: Any) -> str:
    """An ISO 8601 date for reading: "2026-11-05 17:58 UTC"; dates without a time unchanged."""
    if not isinstance(value, str) or len(value) <= 10:
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    shown = moment.strftime("%Y-%m-%d %H:%M" if moment.second == 0 else "%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    if offset in ("+0000", "-0000"):
        return f"{shown} UTC"
    return f"{shown} {offset[:3]}:{offset[3:]}" if offset else shown


def _notes(flags: Any) -> str:
    """cluster_members.flags (a JSON list) as text for the page."""
    if not flags:
        return ""
    try:
        notes = json.loads(flags)
    except ValueError:
        return str(flags)
    return ", ".join(map(str, notes)) if isinstance(notes, list) else str(notes)


def _download(body: bytes, fmt: str, filename: str) -> Response:
    return Response(
        body,
        content_type=EXPORT_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


def _rows(results) -> list[dict[str, Any]]:
    return [dict(row) for row in results.rows]


# -- pages ----------------------------------------------------------------------------------------


MEMBERS_SQL = """
SELECT a.id, a.site, COALESCE(s.name, a.site) AS site_name, a.title, a.url, a.published,
       m.kind, m.similarity, m.containment, {flags} AS flags,
       e.source_article_id, e.evidence, e.confidence, e.lag_hours
FROM cluster_members m
JOIN articles a ON a.id = m.article_id
LEFT JOIN sites s ON s.id = a.site
LEFT JOIN spread_edges e ON e.cluster_id = m.cluster_id AND e.target_article_id = m.article_id
WHERE m.cluster_id = :cluster
ORDER BY m.kind != 'origin', a.published IS NULL, a.published, a.id
"""
EDGES_SQL = """
SELECT source_article_id AS source, target_article_id AS target, evidence, confidence, lag_hours
FROM spread_edges WHERE cluster_id = :cluster ORDER BY id
"""


async def cluster_page(datasette, request) -> Response:
    """The spread of one cluster: graph, timeline, members, downloads."""
    db = await _crosspost_database(datasette, request)
    await _check_view(datasette, request, db, ("clusters", "cluster_members", "spread_edges"))
    cluster_id = int(request.url_vars["cluster_id"])
    cluster = (
        await db.execute("SELECT * FROM clusters WHERE id = :cluster", {"cluster": cluster_id})
    ).first()
    if cluster is None:
        raise NotFound(f"cluster {cluster_id} does not exist (ids are stable, never reused)")
    # flags came with schema 2; an older file is served as it is, without migrating it
    has_flags = "flags" in await db.table_columns("cluster_members")
    sql = MEMBERS_SQL.format(flags="m.flags" if has_flags else "NULL")
    members = _rows(await db.execute(sql, {"cluster": cluster_id}))
    edges = _rows(await db.execute(EDGES_SQL, {"cluster": cluster_id}))
    for member in members:
        member["row_url"] = datasette.urls.row(db.name, "articles", str(member["id"]))
        member["link"] = safe_url(member["url"])
        member["notes"] = _notes(member["flags"])
    known = {member["id"] for member in members}
    edges = [edge for edge in edges if edge["source"] in known and edge["target"] in known]
    sites = list(dict.fromkeys(member["site"] for member in members))
    graph = {
        "kind": "articles",
        "sites": sites,
        "site_names": {m["site"]: m["site_name"] for m in members},
        "nodes": [
            {
                "id": m["id"],
                "site": m["site"],
                "label": m["site_name"],
                "title": m["title"] or "",
                "published": m["published"],
                "kind": m["kind"],
                "href": m["row_url"],
                "url": m["link"],
            }
            for m in members
        ],
        "edges": edges,
    }
    context = {
        "database": db.name,
        "cluster": dict(cluster),
        "members": members,
        "edges": edges,
        "graph": graph,
        "cluster_row_url": datasette.urls.row(db.name, "clusters", str(cluster_id)),
        "spread_query_url": datasette.urls.database(db.name)
        + "/cluster_spread?"
        + urlencode({"cluster": cluster_id}),
        "downloads": [
            (fmt, cluster_url(datasette, db.name, cluster_id, fmt)) for fmt in EXPORT_TYPES
        ],
        "flows_url": flows_url(datasette, db.name),
        "static": datasette.urls.path("/-/crosspost/static/"),
        **_find_form(datasette, db.name),
    }
    html = await datasette.render_template("crosspost_cluster.html", context, request=request)
    return Response.html(html)


async def cluster_download(datasette, request) -> Response:
    """One cluster's spread as GEXF, GraphML or node-link JSON."""
    db = await _crosspost_database(datasette, request)
    await _check_view(datasette, request, db, ("clusters", "cluster_members", "spread_edges"))
    cluster_id = int(request.url_vars["cluster_id"])
    fmt = request.url_vars["fmt"]
    try:
        body = await _export_bytes(db, fmt, cluster_id, sites=False)
    except ExportError as err:
        raise NotFound(str(err)) from err
    return _download(body, fmt, f"cluster-{cluster_id}")


FLOWS_SQL = """
SELECT f.source_site AS source, f.target_site AS target, f.pieces, f.median_lag_hours,
       COALESCE(s.name, f.source_site) AS source_name, COALESCE(t.name, f.target_site) AS target_name
FROM site_flows f
LEFT JOIN sites s ON s.id = f.source_site
LEFT JOIN sites t ON t.id = f.target_site
WHERE f.source_site != f.target_site
ORDER BY f.pieces DESC, f.source_site, f.target_site
"""


async def flows_page(datasette, request) -> Response:
    """Site-to-site flows as a graph (edge width: pieces) and a table."""
    db = await _crosspost_database(datasette, request)
    await _check_view(datasette, request, db, ("sites", "site_flows"))
    flows = _rows(await db.execute(FLOWS_SQL))
    names: dict[str, str] = {}
    for flow in flows:
        names.setdefault(flow["source"], flow["source_name"])
        names.setdefault(flow["target"], flow["target_name"])
    # a role sites.toml gives, else the one the site's flows show (schema 9; older: none)
    inferred_column = "inferred_role" in await db.table_columns("sites")
    site_rows = _rows(
        await db.execute(
            "SELECT id, role, "
            + ("inferred_role" if inferred_column else "NULL AS inferred_role")
            + " FROM sites"
        )
    )
    shown = {row["id"]: shown_role(row["role"], row["inferred_role"]) for row in site_rows}
    roles = {site: role for site, (role, _) in shown.items() if site in names and role}
    inferred = {site for site, (_, was_inferred) in shown.items() if was_inferred}
    # In the order material travels: origins, republishers, aggregators, then the others.
    names = dict(
        sorted(names.items(), key=lambda item: (ROLE_RANK.get(roles.get(item[0]), 4), item[0]))
    )
    strong = strongest_flows(flows)
    for flow in flows:
        flow["source_url"] = datasette.urls.row(db.name, "sites", flow["source"])
        flow["target_url"] = datasette.urls.row(db.name, "sites", flow["target"])
    # Sites are coloured by role: the legend then says which kind of site copies from which.
    role_of = {site: roles.get(site) or "no role" for site in names}
    graph = {
        "kind": "sites",
        "sites": list(dict.fromkeys(role_of.values())),
        "nodes": [
            {
                "id": site,
                "site": role_of[site],
                "label": name,
                "title": f"{name} ({role_of[site]}"
                + (", inferred from its flows)" if site in inferred else ")"),
                "kind": roles.get(site) or "",
                "column": ROLE_RANK.get(roles.get(site), 4),
                "href": datasette.urls.row(db.name, "sites", site),
            }
            for site, name in names.items()
        ],
        "edges": [
            {
                "source": f["source"],
                "target": f["target"],
                "pieces": f["pieces"],
                "lag_hours": f["median_lag_hours"],
                "strong": (f["source"], f["target"]) in strong,
            }
            for f in flows
        ],
        # With many sites only each one's strongest flows are drawn until asked for all.
        "strongest_only": len(names) > FEW_SITES,
    }
    context = {
        "database": db.name,
        "flows": flows,
        "graph": graph,
        "matrix": flow_matrix(flows, names, roles),
        "downloads": [(fmt, flows_url(datasette, db.name, fmt)) for fmt in EXPORT_TYPES],
        "flows_table_url": datasette.urls.table(db.name, "site_flows"),
        "static": datasette.urls.path("/-/crosspost/static/"),
        **_find_form(datasette, db.name),
    }
    html = await datasette.render_template("crosspost_flows.html", context, request=request)
    return Response.html(html)


ROLE_RANK = {"origin": 0, "republisher": 1, "aggregator": 2, "community": 3}
FEW_SITES = 8  # more sites than this: the flows page draws the strongest flows only


def strongest_flows(flows: list[dict[str, Any]]) -> set:
    """(source, target) of the flows the flows page draws when there are many sites: the
    largest (by pieces) that leaves and that reaches each site, and the largest flows overall,
    as many as there are sites."""
    ranked = sorted(flows, key=lambda f: (-f["pieces"], f["source"], f["target"]))
    sites = {f["source"] for f in flows} | {f["target"] for f in flows}
    strong = {(f["source"], f["target"]) for f in ranked[: len(sites)]}
    first_leaving: dict[str, tuple] = {}
    first_reaching: dict[str, tuple] = {}
    for flow in ranked:
        first_leaving.setdefault(flow["source"], (flow["source"], flow["target"]))
        first_reaching.setdefault(flow["target"], (flow["source"], flow["target"]))
    return strong | set(first_leaving.values()) | set(first_reaching.values())


def flow_matrix(
    flows: list[dict[str, Any]], names: dict[str, str], roles: dict[str, str]
) -> dict[str, Any]:
    """Sites by sites: the pieces each row site gave each column site, shaded by count."""
    cells = {(f["source"], f["target"]): f for f in flows}
    sources = [site for site in names if any(key[0] == site for key in cells)]
    targets = [site for site in names if any(key[1] == site for key in cells)]
    most = max((f["pieces"] for f in flows), default=1) or 1
    rows = []
    for source in sources:
        row = []
        for target in targets:
            flow = cells.get((source, target))
            if flow is None:
                row.append(None)
                continue
            lag = flow["median_lag_hours"]
            row.append(
                {
                    "pieces": flow["pieces"],
                    "shade": round(0.12 + 0.78 * flow["pieces"] / most, 2),
                    "title": f"{names[source]} \u2192 {names[target]}: {flow['pieces']} pieces"
                    + (f", median lag {lag:.1f} h" if lag is not None else ""),
                }
            )
        rows.append(
            {"site": source, "name": names[source], "role": roles.get(source), "cells": row}
        )
    columns = [{"site": t, "name": names[t], "role": roles.get(t)} for t in targets]
    return {"columns": columns, "rows": rows}


async def flows_download(datasette, request) -> Response:
    """The site-to-site graph as GEXF, GraphML or node-link JSON."""
    db = await _crosspost_database(datasette, request)
    await _check_view(datasette, request, db, ("sites", "site_flows"))
    fmt = request.url_vars["fmt"]
    try:
        body = await _export_bytes(db, fmt, None, sites=True)
    except ExportError as err:
        raise NotFound(str(err)) from err
    return _download(body, fmt, "site-flows")


FIND_MAX_CHARS = 50_000  # a passage, not a book: what one request may ask the server to sign


def _find(path: str, query: str) -> tuple[Any, str | None]:
    """dedupe.find on a read-only Store of the served file: (Found or None, message)."""
    from dedupe.errors import CrosspostError
    from dedupe.find import find, stored_article

    with Store.open_read_only(path) as store:
        try:
            if query.startswith(("http://", "https://")) and not any(c.isspace() for c in query):
                if stored_article(store, query) is None:
                    return None, (
                        "That URL is not in this database, and the server does not fetch "
                        "pages: paste a passage of its text instead."
                    )
                found = find(store, url=query)
            else:
                found = find(store, text=query)
        except CrosspostError as err:
            return None, str(err)
    if not found.clusters and not found.unclustered:
        return found, "No stored article is a copy, an excerpt or the source of this text."
    return found, None


async def find_page(datasette, request) -> Response:
    """Where did this go? The clusters of a stored URL or of a passage, with every copy."""
    db = await _crosspost_database(datasette, request)
    await _check_view(
        datasette, request, db, ("articles", "clusters", "cluster_members", "spread_edges")
    )
    query = (request.args.get("q") or "").strip()[:FIND_MAX_CHARS]
    found, message = (None, None)
    if query:
        if not db.path:
            raise NotFound(f"database {db.name} has no file to search")
        found, message = await asyncio.to_thread(_find, db.path, query)
    clusters = []
    asked = found.query.get("article_id") if found else None
    for cluster in found.clusters if found else []:
        names = {m["article_id"]: m["site_name"] for m in cluster["members"]}
        members = []
        for member in cluster["members"]:
            members.append(
                {
                    **member,
                    "row_url": datasette.urls.row(db.name, "articles", str(member["article_id"])),
                    "link": safe_url(member["url"]),
                    "source_name": names.get(member["source_article_id"]),
                    "asked": member["article_id"] == asked,
                }
            )
        clusters.append(
            {
                **cluster,
                "members": members,
                "page_url": cluster_url(datasette, db.name, cluster["id"]),
            }
        )
    matches = [
        {**m, "row_url": datasette.urls.row(db.name, "articles", str(m["article_id"]))}
        for m in (found.matches if found else [])
        if m["cluster_id"] is not None
    ][:5]
    unclustered = [
        {**a, "row_url": datasette.urls.row(db.name, "articles", str(a["id"]))}
        for a in (found.unclustered if found else [])
    ]
    context = {
        "database": db.name,
        "clusters": clusters,
        "matches": matches,
        "unclustered": unclustered,
        "message": message,
        "big_form": True,
        "flows_url": flows_url(datasette, db.name),
        "static": datasette.urls.path("/-/crosspost/static/"),
        **_find_form(datasette, db.name, query),
    }
    html = await datasette.render_template("crosspost_find.html", context, request=request)
    return Response.html(html)


async def static_file(request) -> Response:
    """The plugin's own JS and CSS (shipped in the package: the pages work offline)."""
    name = request.url_vars["filename"]
    path = STATIC_DIR / name
    if path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound(f"no static file {name}")
    body = await asyncio.to_thread(path.read_bytes)
    return Response(body, content_type=STATIC_TYPES[path.suffix])


# -- graph output renderers -----------------------------------------------------------------------


def edge_columns(columns: Sequence[str]) -> tuple[str, str] | None:
    """The (source, target) column pair of a query, if it has one."""
    for pair in EDGE_COLUMNS:
        if pair[0] in columns and pair[1] in columns:
            return pair
    return None


def _column_kinds(columns: Sequence[str], records: list[dict[str, Any]]) -> dict[str, type]:
    """One attribute type per column (int, float or str), as Gephi wants consistent types."""
    kinds: dict[str, type] = {}
    for column in columns:
        values = [r[column] for r in records if r[column] is not None]
        if not values or any(isinstance(v, bytes) for v in values):
            continue
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            kinds[column] = int
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            kinds[column] = float
        else:
            kinds[column] = str
    return kinds


def rows_to_graph(columns: Sequence[str], rows: Iterable[Any]) -> nx.DiGraph:
    """A directed graph with one edge per distinct (source, target) of the rows.

    The other columns become edge attributes; `weight` is the `weight` or `pieces` column if
    there is one, else the number of rows for that pair.
    """
    pair = edge_columns(columns)
    if pair is None:
        raise ValueError("the rows have no source/target columns")
    columns = list(columns)
    records = [
        row if isinstance(row, dict) else dict(zip(columns, row, strict=True)) for row in rows
    ]
    kinds = _column_kinds([c for c in columns if c not in pair], records)
    weight_column = next((c for c in ("weight", "pieces") if kinds.get(c) in (int, float)), None)
    graph = nx.DiGraph()
    for record in records:
        source, target = record[pair[0]], record[pair[1]]
        if source is None or target is None:
            continue
        source, target = str(source), str(target)
        for node in (source, target):
            if node not in graph:
                graph.add_node(node, label=node)
        attrs = {
            column: kind(record[column])
            for column, kind in kinds.items()
            if record[column] is not None
        }
        if graph.has_edge(source, target):
            if weight_column is None:
                graph[source][target]["weight"] += 1
            continue
        attrs.setdefault("weight", 1)
        if weight_column:
            attrs["weight"] = attrs.get(weight_column, 1)
        graph.add_edge(source, target, **attrs)
    return graph


def _filename(table: str | None, query_name: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", table or query_name or "query").strip("-") or "query"


def _render_graph(fmt: str, columns, rows, table, query_name) -> Response | dict:
    if edge_columns(columns or []) is None:  # also a failed query: it has no columns
        pairs = "; ".join(" and ".join(pair) for pair in EDGE_COLUMNS)
        # a dict, as Datasette overrides the status of a Response with the query's own
        return {
            "body": f"no graph: the query needs the columns {pairs}",
            "status_code": 400,
            "content_type": "text/plain; charset=utf-8",
        }
    graph = xml_safe(rows_to_graph(columns, rows))  # crawled text may hold what XML cannot
    buffer = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(graph, buffer)
    else:
        nx.write_graphml(graph, buffer)
    return _download(buffer.getvalue(), fmt, _filename(table, query_name))


def _can_render_graph(columns) -> bool:
    return edge_columns(columns or []) is not None


def render_gexf(columns, rows, table, query_name) -> Response | dict:
    """Rows with source/target columns as a GEXF file for Gephi."""
    return _render_graph("gexf", columns, rows, table, query_name)


def render_graphml(columns, rows, table, query_name) -> Response | dict:
    """Rows with source/target columns as a GraphML file."""
    return _render_graph("graphml", columns, rows, table, query_name)


# -- hooks ----------------------------------------------------------------------------------------


@hookimpl
def register_output_renderer(datasette):
    return [
        {"extension": "gexf", "render": render_gexf, "can_render": _can_render_graph},
        {"extension": "graphml", "render": render_graphml, "can_render": _can_render_graph},
    ]


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/crosspost/cluster/(?P<cluster_id>\d+)$", cluster_page),
        (
            r"^/-/crosspost/cluster/(?P<cluster_id>\d+)\.(?P<fmt>gexf|graphml|json)$",
            cluster_download,
        ),
        (r"^/-/crosspost/flows$", flows_page),
        (r"^/-/crosspost/find$", find_page),
        (r"^/-/crosspost/flows\.(?P<fmt>gexf|graphml|json)$", flows_download),
        (r"^/-/crosspost/static/(?P<filename>[a-z0-9_-]+\.(?:js|css))$", static_file),
    ]


# Datasette asks for "_table-row-<database>-<table>.html" before its own _table.html on a row
# page; for the public crosspost tables the answer is crosspost_record.html.
RECORD_TEMPLATE = re.compile(
    r"_table-row-.+-(?:sites|articles|stripped|clusters|cluster_members|spread_edges|crawl_runs)"
    r"\.html"
)


def _record_template(name: str) -> tuple[str, str, Any] | None:
    """The source of crosspost_record.html for a row-page template name of our tables."""
    if not RECORD_TEMPLATE.fullmatch(name):
        return None
    path = TEMPLATES_DIR / "crosspost_record.html"
    mtime = path.stat().st_mtime
    return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Datasette only finds a plugin's templates/ when the plugin is a package; web is a module.
    # A template of the user's own (--template-dir) still comes first.
    env.loader = ChoiceLoader(
        [env.loader, FileSystemLoader(str(TEMPLATES_DIR)), FunctionLoader(_record_template)]
    )
    env.filters["crosspost_date"] = show_date


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table == "clusters" and column == "title":
        try:
            cluster_id = row["id"]
        except (IndexError, KeyError):
            return None
        link = cluster_url(datasette, database, cluster_id)
        return Markup('{} <a class="crosspost-spread" href="{}">spread&nbsp;graph</a>').format(
            value or "", link
        )
    if table is not None and table not in PUBLIC_TABLES:
        return None
    # In a table view Datasette hands over foreign keys expanded to {"value", "label"} and
    # links them itself; plain values are query results, row pages and the site_flows view.
    if isinstance(value, str) and column in SITE_COLUMNS:
        return Markup('<a href="{}">{}</a>').format(
            datasette.urls.row(database, "sites", value), value
        )
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if column == "cluster_id":
        link = cluster_url(datasette, database, value)
        return Markup('<a href="{}" title="spread graph of cluster {}">{}</a>').format(
            link, value, value
        )
    if column in ARTICLE_ID_COLUMNS:
        link = datasette.urls.row(database, "articles", str(value))
        return Markup('<a href="{}">{}</a>').format(link, value)
    return None


@hookimpl
def menu_links(datasette, actor, request):
    async def inner():
        for name, db in datasette.databases.items():
            if name != "_internal" and await _is_crosspost(db):
                return [
                    {"href": flows_url(datasette, name), "label": "Site-to-site flows"},
                    {"href": find_url(datasette, name), "label": "Find copies"},
                ]
        return []

    return inner
