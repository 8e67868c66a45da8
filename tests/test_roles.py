"""Site roles inferred from the flows when sites.toml gives none (dedupe.roles)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import crawl_args, crosspost, write_sites

from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from dedupe.roles import infer_roles
from dedupe.store import Store


def test_infer_roles_from_flows():
    flows = [
        ("paper", "wire", 10), ("paper", "digest", 6), ("wire", "digest", 8),
        ("wire", "blog", 3), ("digest", "blog", 1), ("paper", "paper", 4),
        ("tiny", "blog", 1), ("paper", "blog", 5),
    ]  # fmt: skip
    # paper: copied 21, copies 0; wire: copied 11, copies 10; digest: 1 / 14; blog: 0 / 10
    assert infer_roles(flows) == {
        "paper": "origin",
        "wire": "republisher",
        "digest": "aggregator",
        "blog": "aggregator",
    }  # tiny: one piece is too little to tell


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory):
    """The sample web crawled and clustered from a sites.toml without roles."""
    web = build_web()
    folder = tmp_path_factory.mktemp("roles")
    with serve(web) as running:
        sites = write_sites(web, running, folder / "sites.toml")
        sites.write_text(re.sub(r'(?m)^role = ".*"\n', "", sites.read_text()))
        db = folder / "roles.db"
        crawled = crosspost(*crawl_args(running, sites, db))
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        clustered = crosspost("cluster", "--db", str(db))
        assert clustered.returncode == 0, clustered.stderr[-3000:]
        yield web, db


def test_roles_inferred_on_the_sample_web_match_its_truth(unlabelled):
    web, db = unlabelled
    truth = web.flow_roles()
    with Store.open_read_only(db) as store:
        rows = store.db.execute("SELECT id, role, inferred_role FROM sites").fetchall()
    assert all(role in (None, "other") for _, role, _ in rows)  # sites.toml gave none
    inferred = {site: role for site, _, role in rows}
    right = sum(inferred.get(site) == role for site, role in truth.items())
    assert right / len(truth) >= 0.9, (inferred, truth)


def test_inferred_roles_in_exports_and_the_flows_page(unlabelled, tmp_path):
    web, db = unlabelled
    truth = web.flow_roles()
    out = tmp_path / "sites.json"
    result = crosspost("export", "--db", str(db), "--format", "json", "--sites", "-o", str(out))
    assert result.returncode == 0, result.stderr
    nodes = {n["id"]: n for n in json.loads(out.read_text())["nodes"]}
    for site in truth:
        assert nodes[site]["role"] and nodes[site]["role_inferred"] is True
    conn = sqlite3.connect(db)
    inferred = dict(conn.execute("SELECT id, inferred_role FROM sites"))
    conn.close()
    import asyncio

    from crosspost.serve import make_app

    html = asyncio.run(make_app(db).client.get("/-/crosspost/flows")).text
    for site, role in inferred.items():
        if role:
            assert f"({role}, inferred from its flows)" in html, site


def test_a_role_given_in_sites_toml_wins(unlabelled, tmp_path):
    _web, db = unlabelled
    copy = tmp_path / "given.db"
    copy.write_bytes(Path(db).read_bytes())
    with Store(copy) as store:
        site = store.db.execute("SELECT id FROM sites WHERE inferred_role = 'origin'").fetchone()[0]
        store.upsert_site(site, role="community")
        shown = {r["site"]: r["role"] for r in store.clustered_articles()}
    assert shown[site] == "community"
