"""Exports: a small research database written in every format and read back with networkx."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import networkx as nx
import pytest

from dedupe import export as ex
from dedupe.errors import ExportError
from dedupe.spread import trace
from dedupe.store import Store

SITES = {
    "small-harbour.example": ("Small Harbour News", "origin"),
    "biggazette.example": ("Big Gazette", "republisher"),
    "aggone.example": ("Agg One", "aggregator"),
    "aggtwo.example": ("Agg Two", "aggregator"),
}
WIRE = "https://wire.example/stories/ferry-pier-closure"
TEXT = "The harbour council voted to close the ferry pier.\nRepairs will take eleven weeks."


def article(site: str, slug: str, **fields) -> dict:
    return {
        "url": f"https://{site}/news/{slug}",
        "site": site,
        "title": f"Story {slug}",
        "fetched_at": "2024-05-10T00:00:00+00:00",
        "raw_text": TEXT,
        "text": TEXT,
        **fields,
    }


def insert(store: Store, pieces: dict[int, list[dict]]) -> dict[str, int]:
    """Store sites and articles, trace each piece and store clusters, members and edges."""
    for site, (name, role) in SITES.items():
        store.upsert_site(site, name=name, home_url=f"https://{site}/", role=role)
    ids: dict[str, int] = {}
    clusters, members, edges = [], [], []
    for cluster_id, rows in pieces.items():
        cluster_members = []
        for row in rows:
            article_id = store.add_article(row)
            ids[row["url"]] = article_id
            cluster_members.append({**row, "id": article_id, "kind": "copy"})
        spread = trace(cluster_members)
        clusters.append(
            {
                "id": cluster_id,
                "origin_article_id": spread.origin_id,
                "size": len(rows),
                "sites": len({r["site"] for r in rows}),
                "title": rows[0]["title"],
            }
        )
        members += [
            {
                "cluster_id": cluster_id,
                "article_id": m["id"],
                "similarity": 1.0,
                "kind": "origin" if m["id"] == spread.origin_id else "copy",
                "flags": spread.flags.get(m["id"]),  # as the pipeline stores them
            }
            for m in cluster_members
        ]
        edges += [{"cluster_id": cluster_id, **e} for e in spread.edges]
    store.replace_clusters(clusters, members, edges, next_id=max(pieces) + 1)
    return ids


@pytest.fixture
def db(tmp_path):
    """Cluster 1: wire (external) -> small -> big -> agg one, agg two. Cluster 2: big -> agg one,
    agg two claiming an earlier date than its source. Plus an unclustered article."""
    store = Store(tmp_path / "spread.db")
    small = "https://small-harbour.example/news/pier"
    big = "https://biggazette.example/news/pier"
    ids = insert(
        store,
        {
            1: [
                article(
                    "small-harbour.example",
                    "pier",
                    published="2024-05-01T08:00:00+00:00",
                    attribution_url=WIRE,
                    attribution_name="Wire Example",
                ),
                article(
                    "biggazette.example",
                    "pier",
                    published="2024-05-01T10:00:00+00:00",
                    attribution_url=small,
                ),
                article(
                    "aggone.example",
                    "pier",
                    published="2024-05-01T12:30:00+00:00",
                    attribution_url=big,
                ),
                article("aggtwo.example", "pier", published="2024-05-02", attribution_url=big),
            ],
            2: [
                article("biggazette.example", "budget", published="2024-06-03T09:00:00+00:00"),
                article(
                    "aggone.example",
                    "budget",
                    published="2024-06-03T15:00:00+00:00",
                    attribution_name="Big Gazette",
                ),
                article(
                    "aggtwo.example",
                    "budget",
                    published="2024-06-01T09:00:00+00:00",
                    canonical_url="https://biggazette.example/news/budget",
                ),
            ],
        },
    )
    weather = article("aggtwo.example", "weather")
    ids[weather["url"]] = store.add_article(weather)
    yield store, ids, tmp_path
    store.close()


def test_article_graph(db):
    store, ids, _ = db
    graph = ex.build_graph(store)
    ext = "c1:external:https://wire.example/stories/ferry-pier-closure"
    assert graph.number_of_nodes() == 8  # 7 clustered articles + the external wire story
    assert graph.nodes[ext]["external"] is True and graph.nodes[ext]["site"] == "wire.example"
    small, big = (
        ids["https://small-harbour.example/news/pier"],
        ids["https://biggazette.example/news/pier"],
    )
    agg2 = ids["https://aggtwo.example/news/pier"]
    assert set(graph.edges) >= {(ext, small), (small, big), (big, agg2)}
    assert graph.edges[small, big]["lag_hours"] == 2.0
    assert graph.edges[small, big]["evidence"] == "attribution-link"
    node = graph.nodes[small]
    assert (node["role"], node["kind"], node["cluster_id"]) == ("origin", "origin", 1)
    # Date-only, starting at its day; a copy claiming an earlier date starts at its source.
    assert graph.nodes[agg2]["start"] == "2024-05-02T00:00:00"
    early = ids["https://aggtwo.example/news/budget"]
    assert graph.nodes[early]["published"] == "2024-06-01T09:00:00+00:00"
    assert graph.nodes[early]["start"] == "2024-06-03T09:00:00"
    assert ids["https://aggtwo.example/news/weather"] not in graph  # unclustered
    one = ex.build_graph(store, cluster_id=2)
    assert {d["cluster_id"] for _, d in one.nodes(data=True)} == {2}
    assert one.number_of_nodes() == 3 and one.number_of_edges() == 2
    assert nx.is_forest(one.to_undirected())


def test_gexf_is_dynamic_and_reads_back(db):
    store, ids, tmp_path = db
    path = tmp_path / "spread.gexf"
    summary = ex.export(store, "gexf", path)
    assert (summary["nodes"], summary["edges"], summary["external"]) == (8, 6, 1)
    xml = path.read_text()
    assert 'mode="dynamic"' in xml and 'version="1.2"' in xml
    graph = nx.read_gexf(path)
    small = str(ids["https://small-harbour.example/news/pier"])
    big = str(ids["https://biggazette.example/news/pier"])
    assert graph.nodes[small]["start"] == "2024-05-01T08:00:00"
    assert graph.nodes[small]["site"] == "small-harbour.example"
    assert graph.edges[small, big]["start"] == "2024-05-01T10:00:00"
    assert graph.edges[small, big]["confidence"] == pytest.approx(0.95)
    assert graph.number_of_edges() == 6


def test_graphml_has_no_none(db):
    store, ids, tmp_path = db
    path = tmp_path / "spread.graphml"
    ex.export(store, "graphml", path)
    assert "None" not in path.read_text()
    graph = nx.read_graphml(path)
    origin = str(ids["https://biggazette.example/news/budget"])
    copy = str(ids["https://aggone.example/news/budget"])
    assert graph.edges[origin, copy]["evidence"] == "attribution-name:Big Gazette"
    assert graph.edges[origin, copy]["lag_hours"] == 6.0
    assert "canonical_url" not in graph.nodes[origin]
    assert graph.graph["generator"] == "crosspost"


def test_node_link_json(db):
    store, ids, tmp_path = db
    path = tmp_path / "cluster1.json"
    ex.export(store, "json", path, cluster_id=1)
    data = json.loads(path.read_text())
    assert {"nodes", "links", "graph"} <= set(data)
    assert data["graph"]["cluster_id"] == 1 and data["graph"]["graph"] == "articles"
    graph = nx.node_link_graph(data, edges="links")
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 4
    agg2 = ids["https://aggtwo.example/news/pier"]
    assert graph.nodes[agg2]["published"] == "2024-05-02"
    assert next(iter(graph.in_edges(agg2, data=True)))[2]["lag_hours"] is None


def test_csv_edges_and_nodes(db):
    store, ids, tmp_path = db
    path = tmp_path / "edges.csv"
    summary = ex.export(store, "csv", path)
    assert summary["files"] == [str(path), str(tmp_path / "edges.nodes.csv")]
    with path.open(newline="") as f:
        edges = list(csv.DictReader(f))
    with (tmp_path / "edges.nodes.csv").open(newline="") as f:
        nodes = {row["id"]: row for row in csv.DictReader(f)}
    assert len(edges) == 6 and len(nodes) == 8
    row = next(e for e in edges if e["target_url"] == "https://aggone.example/news/pier")
    assert row["source_url"] == "https://biggazette.example/news/pier"
    assert (row["source_site"], row["target_site"]) == ("biggazette.example", "aggone.example")
    assert row["evidence"] == "attribution-link" and float(row["lag_hours"]) == 2.5
    assert {"cluster_id", "confidence", "start", "external"} <= set(row)
    origin = nodes[str(ids["https://small-harbour.example/news/pier"])]
    assert (origin["kind"], origin["external"], origin["role"]) == ("origin", "false", "origin")


def test_site_graph(db):
    store, _, tmp_path = db
    graph = ex.build_graph(store, sites=True)
    assert set(graph) == {*SITES, "wire.example"}
    assert graph.nodes["wire.example"]["external"] is True
    assert graph.nodes["biggazette.example"]["role"] == "republisher"
    flow = graph.edges["biggazette.example", "aggone.example"]
    assert (flow["pieces"], flow["weight"], flow["median_lag_hours"]) == (2, 2, 4.25)
    # Agrees with the store's site_flows view wherever both see the flow.
    for row in store.site_flow_rows():
        edge = graph.edges[row["source_site"], row["target_site"]]
        assert (edge["pieces"], edge["median_lag_hours"]) == (
            row["pieces"],
            row["median_lag_hours"],
        )
    path = tmp_path / "sites.gexf"
    ex.export(store, "gexf", path, sites=True)
    assert nx.read_gexf(path).number_of_edges() == graph.number_of_edges()


def test_cascades(db):
    store, _, tmp_path = db
    path = tmp_path / "cascades.txt"
    ex.export(store, "cascades", path)
    head, body = path.read_text().split("\n\n")
    names = dict(line.split(",") for line in head.splitlines())
    assert sorted(names.values()) == sorted([*SITES, "wire.example"])
    number = {site: n for n, site in names.items()}
    lines = body.strip().splitlines()
    assert [line.split(";")[0] for line in lines] == ["1", "2"]
    first = lines[0].split(";")[1].split(",")
    order = [names[n] for n in first[::2]]
    hours = [float(t) for t in first[1::2]]
    # The external wire story takes its first copy's time, and comes before it.
    assert order == [
        "wire.example",
        "small-harbour.example",
        "biggazette.example",
        "aggone.example",
        "aggtwo.example",
    ]
    assert hours == sorted(hours) and hours[2] - hours[1] == pytest.approx(2.0)
    assert hours[0] == hours[1] == pytest.approx(1714550400 / 3600)  # 2024-05-01T08:00Z
    # The copy claiming an earlier date comes after its source.
    second = lines[1].split(";")[1].split(",")
    assert second[0] == number["biggazette.example"]


def test_export_errors(db):
    store, _, tmp_path = db
    with pytest.raises(ExportError, match="unknown format 'pdf'.*gexf"):
        ex.export(store, "pdf", tmp_path / "x.pdf")
    with pytest.raises(ExportError, match="no cluster 99.*from 1 to 2"):
        ex.export(store, "json", tmp_path / "x.json", cluster_id=99)
    with pytest.raises(ExportError, match="does not exist"):
        ex.export(store, "gexf", tmp_path / "missing" / "x.gexf")
    with pytest.raises(ExportError, match="leave out --sites"):
        ex.export(store, "cascades", tmp_path / "c.txt", sites=True)
    with pytest.raises(ExportError, match="unknown format"):
        ex.write(nx.DiGraph(), "dot", tmp_path / "x.dot")


def test_empty_database_exports_empty_graph(tmp_path):
    with Store(tmp_path / "empty.db") as store:
        summary = ex.export(store, "json", tmp_path / "empty.json")
        with pytest.raises(ExportError, match="crosspost cluster"):
            ex.build_graph(store, cluster_id=1)
    assert (summary["nodes"], summary["edges"]) == (0, 0)


def test_spread_flags_are_stored_and_exported(db):
    store, ids, tmp_path = db
    early = ids["https://aggtwo.example/news/budget"]
    assert store.member_flags() == {early: ["claims-earlier-than-source"]}
    assert store.member_flags(cluster_id=1) == {}
    path = tmp_path / "flags.gexf"
    ex.export(store, "gexf", path)
    graph = nx.read_gexf(path)
    assert graph.nodes[str(early)]["flags"] == "claims-earlier-than-source"
    assert "flags" not in graph.nodes[str(ids["https://biggazette.example/news/budget"])]
    agg1 = ids["https://aggone.example/news/budget"]
    store.set_member_flags({early: [], agg1: ["same-time-as-source", "checked"]})
    assert store.member_flags() == {agg1: ["same-time-as-source", "checked"]}
    assert ex.build_graph(store).nodes[agg1]["flags"] == "same-time-as-source, checked"


# Text XML 1.0 cannot hold (NUL, other control characters, U+FFFE, U+FFFF) next to what it can
# (tab, newline, markup characters), as a hostile page or import may carry in titles and site ids.
NOT_XML = "\x00\x01\x08\x0b\x0c\x1b\ufffe\uffff"
HOSTILE_TITLE = f'=HYPERLINK("https://evil.example/","open") <b>&</b>\t{NOT_XML}\nend'
NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells a spreadsheet runs
# Two site ids that differ only in characters XML cannot hold must stay two nodes.
HOSTILE_SITES = ("evil\x01site.example", "evil\x02site.example", "@SUM(1+1)\r\nx.example")


@pytest.fixture
def hostile(tmp_path):
    store = Store(tmp_path / "hostile.db")
    for site in HOSTILE_SITES:
        store.upsert_site(site, name=f"+{site}{NOT_XML}", home_url=f"https://{site}/")
    rows = [
        {**article(site, f"p{n}", published=f"2024-05-0{n + 1}T08:00:00+00:00"), "site": site}
        for n, site in enumerate(HOSTILE_SITES)
    ]
    rows[0]["title"] = HOSTILE_TITLE
    rows[1]["title"] = "-2+3"
    rows[2]["attribution_name"] = f"Wire{NOT_XML}"
    insert(store, {1: rows})
    yield store, tmp_path
    store.close()


def test_gexf_and_graphml_are_valid_xml_whatever_the_text(hostile):
    store, tmp_path = hostile
    for sites in (False, True):
        graph = ex.build_graph(store, sites=sites)
        for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
            path = tmp_path / f"{sites}.{fmt}"
            ex.export(store, fmt, path, sites=sites)
            back = read(path)
            assert back.number_of_nodes() == graph.number_of_nodes(), (fmt, sites)
            assert back.number_of_edges() == graph.number_of_edges(), (fmt, sites)
            text = path.read_text(encoding="utf-8")
            assert not NOT_XML_RE.search(text), (fmt, sites)
    labels = {d.get("label") for _, d in nx.read_gexf(tmp_path / "False.gexf").nodes(data=True)}
    kept = '=HYPERLINK("https://evil.example/","open") <b>&</b>\t' + "\ufffd" * 8 + "\nend"
    assert kept in labels  # tab, newline and markup kept; the rest replaced, one for one
    sites = set(nx.read_graphml(tmp_path / "True.graphml"))
    assert {"evil\ufffdsite.example", "evil\ufffdsite.example (2)"} <= sites


def test_xml_safe_keeps_ids_apart_and_text_readable():
    graph = nx.DiGraph(name="g\x00")
    graph.add_edge("a\x01", "a\x02", **{"note\x03": "x\ud800y", "n": 3, "gone": None})
    graph.add_node("a\ufffd", label="taken already")
    safe = ex.xml_safe(graph)
    assert set(safe) == {"a\ufffd", "a\ufffd (2)", "a\ufffd (3)"}
    assert safe.graph == {"name": "g\ufffd"}
    assert [d for _, _, d in safe.edges(data=True)] == [{"note\ufffd": "x\ufffdy", "n": 3}]


def test_graphml_export_on_the_command_line_exits_0(hostile):
    store, tmp_path = hostile
    out = tmp_path / "cli.graphml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crosspost",
            "export",
            "--db",
            str(store.path),
            "--format",
            "graphml",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert nx.read_graphml(out).number_of_nodes() == ex.build_graph(store).number_of_nodes()


def test_csv_cells_never_start_a_formula(hostile):
    store, tmp_path = hostile
    for sites in (False, True):
        path = tmp_path / f"{sites}.csv"
        files = ex.export(store, "csv", path, sites=sites)["files"]
        cells = []
        for name in files:
            with open(name, newline="", encoding="utf-8") as f:
                cells += [cell for row in csv.reader(f) for cell in row]
        assert cells
        for cell in cells:
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only numbers (a negative lag) may start with "-"
    with (tmp_path / "False.nodes.csv").open(newline="", encoding="utf-8") as f:
        titles = {row["title"] for row in csv.DictReader(f)}
    assert "'" + HOSTILE_TITLE in titles and "'-2+3" in titles  # shown as text, unchanged


def test_cascades_keep_one_record_per_line(hostile):
    store, tmp_path = hostile
    path = tmp_path / "cascades.txt"
    ex.export(store, "cascades", path)
    head, body = path.read_text(encoding="utf-8").split("\n\n")
    names = [line.split(",", 1) for line in head.split("\n")]
    assert [int(number) for number, _ in names] == list(range(len(names)))
    assert "@SUM(1+1) x.example" in {name for _, name in names}
    assert [line.split(";")[0] for line in body.strip().split("\n")] == ["1"]
