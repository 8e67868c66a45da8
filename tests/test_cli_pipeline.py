"""The command line end to end: crawl, cluster, export, run under a lock, demo."""

from __future__ import annotations

import csv
import json

import networkx as nx
from conftest import crawl_args, crosspost, write_sites

from crosspost.lock import run_lock
from dedupe.store import Store


def test_crawl_cluster_export_every_format(crawled_web, tmp_path):
    running, truth, db = crawled_web
    store = Store.open_read_only(db)
    members = store.db.execute("SELECT COUNT(*) FROM cluster_members").fetchone()[0]
    edges = store.db.execute("SELECT COUNT(*) FROM spread_edges").fetchone()[0]
    assert members >= len(truth.clusters()) * 2 and edges > 0

    readers = {
        "gexf": nx.read_gexf,
        "graphml": nx.read_graphml,
        "json": lambda p: nx.node_link_graph(json.loads(p.read_text()), edges="links"),
    }
    for fmt, read in readers.items():
        out = tmp_path / f"spread.{fmt}"
        result = crosspost("export", "--db", str(db), "--format", fmt, "-o", str(out))
        assert result.returncode == 0, result.stderr
        graph = read(out)
        assert graph.number_of_nodes() >= members
        assert graph.number_of_edges() >= edges
        assert f"wrote {out}" in result.stdout

    out = tmp_path / "edges.csv"
    assert crosspost("export", "--db", str(db), "--format", "csv", "-o", str(out)).returncode == 0
    with out.open() as handle:
        assert len(list(csv.DictReader(handle))) >= edges
    sites_out = tmp_path / "sites.gexf"
    result = crosspost(
        "export", "--db", str(db), "--format", "gexf", "--sites", "-o", str(sites_out)
    )
    assert result.returncode == 0
    assert nx.read_gexf(sites_out).number_of_nodes() >= len({s.host for s in running.web.sites})

    largest = store.largest_clusters(1)[0]
    one = tmp_path / "one.graphml"
    result = crosspost(
        "export",
        "--db",
        str(db),
        "--format",
        "graphml",
        "--cluster",
        str(largest["id"]),
        "-o",
        str(one),
    )
    assert result.returncode == 0
    assert nx.read_graphml(one).number_of_nodes() >= largest["size"]
    missing = crosspost(
        "export",
        "--db",
        str(db),
        "--format",
        "json",
        "--cluster",
        "99999",
        "-o",
        str(tmp_path / "x.json"),
    )
    assert missing.returncode == 2 and "99999" in missing.stderr


def test_cluster_again_keeps_cluster_ids(crawled_web, tmp_path):
    _, _, db = crawled_web
    copy = tmp_path / "copy.db"
    source = Store.open_read_only(db)
    source.db.execute(f"VACUUM INTO '{copy}'")
    before = Store(copy).cluster_memberships()
    result = crosspost("cluster", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    assert Store(copy).cluster_memberships() == before
    assert "0 newly signed" in result.stdout


def test_run_refuses_to_overlap(sample_web, tmp_path):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    db = tmp_path / "locked.db"
    Store(db).close()
    with run_lock(db):
        result = crosspost("run", str(sites), "--db", str(db))
    assert result.returncode == 75  # EX_TEMPFAIL: try again later, not bad input (2)
    assert "another run is using" in result.stderr and "Traceback" not in result.stderr
    args = crawl_args(running, sites, db)
    args[0] = "run"
    result = crosspost(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"crawled {len(web.sites)} sites" in result.stdout and "clustered" in result.stdout


def test_demo_finds_what_the_sample_web_holds(tmp_path):
    out = tmp_path / "demo"
    result = crosspost("demo", "--out", str(out), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # Exit 0 means the crawl finished and the clusters of the truth were found (recall >= 0.9).
    assert "pairs: precision" in result.stdout and "spread: origins" in result.stdout
    for name in ("demo.db", "sites.toml", "spread.gexf", "spread.graphml", "spread.json"):
        assert (out / name).is_file(), name
    assert f"crosspost serve {out / 'demo.db'}" in result.stdout
