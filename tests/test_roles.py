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


# -- a larger web: 14 sites, roles left to the flows --------------------------------------------

ROLE_WEB = {
    "origin": ["harbour-herald", "valley-courier", "north-ledger", "river-times"],
    "republisher": ["wide-lens", "daily-relay"],
    "aggregator": ["newsrake", "pulse-wire", "scroll", "feedly-ish", "headline-hub", "zipnews"],
    "community": ["porchlight", "town-forum"],
}


def build_role_database(path: Path, pieces: int = 90, seed: int = 3) -> dict[str, str]:
    """A spread over 14 invented sites with no role given: origins publish, republishers copy
    them, aggregators copy both, community sites post excerpts of any. Returns site -> role."""
    import random

    rng = random.Random(seed)
    site_of = {f"{name}.example": role for role, names in ROLE_WEB.items() for name in names}
    by_role = {role: [f"{n}.example" for n in names] for role, names in ROLE_WEB.items()}
    with Store(path) as store:
        for site in site_of:
            store.upsert_site(site, name=site.split(".")[0].replace("-", " ").title())
        rows, plans = [], []
        for piece in range(pieces):
            origin = rng.choice(by_role["origin"])
            chain = [(origin, None)]
            for republisher in rng.sample(by_role["republisher"], rng.randint(0, 2)):
                chain.append((republisher, origin))
            for aggregator in rng.sample(by_role["aggregator"], rng.randint(1, 3)):
                chain.append((aggregator, rng.choice([site for site, _ in chain])))
            for forum in rng.sample(by_role["community"], rng.randint(0, 1)):
                chain.append((forum, rng.choice([site for site, _ in chain])))
            plans.append(chain)
            for hour, (site, _) in enumerate(chain):
                rows.append(
                    (
                        {
                            "url": f"https://{site}/piece-{piece}",
                            "site": site,
                            "title": f"Piece {piece}",
                            "published": f"2026-11-{1 + piece % 28:02d}T{hour + 6:02d}:00:00+00:00",
                            "text": f"piece {piece}",
                        },
                        [],
                    )
                )
        ids = dict(zip((a["url"] for a, _ in rows), store.add_articles(rows), strict=True))
        clusters, members, edges = [], [], []
        for piece, chain in enumerate(plans, start=1):
            url = {site: f"https://{site}/piece-{piece - 1}" for site, _ in chain}
            origin_id = ids[url[chain[0][0]]]
            clusters.append(
                {"id": piece, "origin_article_id": origin_id, "size": len(chain),
                 "sites": len(chain), "title": f"Piece {piece - 1}"}
            )  # fmt: skip
            for hour, (site, source) in enumerate(chain):
                kind = "origin" if source is None else "copy"
                members.append({"cluster_id": piece, "article_id": ids[url[site]], "kind": kind})
                if source:
                    edges.append(
                        {"cluster_id": piece, "source_article_id": ids[url[source]],
                         "target_article_id": ids[url[site]], "evidence": "text-overlap",
                         "confidence": 0.6, "lag_hours": float(hour)}
                    )  # fmt: skip
        store.replace_clusters(clusters, members, edges, next_id=pieces + 1)
    return site_of


def test_roles_of_a_larger_web_and_its_flows_page(tmp_path):
    from crosspost.demo.web import FLOW_ROLES

    db = tmp_path / "fourteen.db"
    truth = build_role_database(db)
    with Store.open_read_only(db) as store:
        inferred = dict(store.db.execute("SELECT id, inferred_role FROM sites"))
    right = sum(inferred[site] == FLOW_ROLES[role] for site, role in truth.items())
    assert right / len(truth) >= 0.9, inferred
    import asyncio

    from crosspost.serve import make_app

    html = asyncio.run(make_app(db).client.get("/-/crosspost/flows")).text
    assert 'id="crosspost-all-flows"' in html  # many sites: the strongest flows first
    data = json.loads(html.split('id="crosspost-data">')[1].split("</script>")[0])
    strong = [e for e in data["edges"] if e["strong"]]
    assert data["strongest_only"] and 0 < len(strong) < len(data["edges"])
    for node in data["nodes"]:  # every site keeps at least one drawn flow
        assert any(node["id"] in (e["source"], e["target"]) for e in strong), node["id"]
