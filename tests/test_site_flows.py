"""site_flows: the same numbers as schema 1's view, kept with the spread edges, fast at scale."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from collections import defaultdict

import pytest

from crosspost.serve import make_app
from dedupe.store import Store

# The view of schema 1, word for word: the numbers site_flows must keep giving.
SCHEMA_1_VIEW = """
    WITH flow AS (
        SELECT s.site AS source_site, t.site AS target_site, e.cluster_id, e.lag_hours
        FROM spread_edges e
        JOIN articles s ON s.id = e.source_article_id
        JOIN articles t ON t.id = e.target_article_id
    ), ranked AS (
        SELECT source_site, target_site, lag_hours,
               ROW_NUMBER() OVER (PARTITION BY source_site, target_site ORDER BY lag_hours) AS rn,
               COUNT(*) OVER (PARTITION BY source_site, target_site) AS n
        FROM flow WHERE lag_hours IS NOT NULL
    )
    SELECT f.source_site, f.target_site, COUNT(DISTINCT f.cluster_id) AS pieces,
           (SELECT AVG(r.lag_hours) FROM ranked r
            WHERE r.source_site = f.source_site AND r.target_site = f.target_site
              AND r.rn IN ((r.n + 1) / 2, (r.n + 2) / 2)) AS median_lag_hours
    FROM flow f
    GROUP BY f.source_site, f.target_site
"""


def spread(store: Store, articles: int, sites: int, seed: int) -> None:
    """Random clusters over `articles` articles of `sites` sites, written by replace_clusters;
    some lags unknown, some pairs a site with itself, several edges of a pair in one cluster."""
    rng = random.Random(seed)
    hosts = [f"site{n:03d}.example" for n in range(sites)]
    store.add_articles(
        ({"url": f"https://{rng.choice(hosts)}/{n}", "site": rng.choice(hosts)}, [])
        for n in range(articles)
    )
    ids = store.article_ids()
    rng.shuffle(ids)
    # and one pair of sites whose only flow has no known lag
    quiet = store.add_articles(
        ({"url": f"https://quiet{n}.example/", "site": f"quiet{n}.example"}, []) for n in (1, 2)
    )
    clusters, members, edges = [], [], []
    cluster_id = 0
    ids = [*quiet, *ids]
    while ids:
        size, cluster_id = (2 if cluster_id == 0 else rng.randint(2, 6)), cluster_id + 1
        group, ids = ids[:size], ids[size:]
        clusters.append(
            {"id": cluster_id, "origin_article_id": group[0], "size": len(group), "sites": 1}
        )
        for n, article_id in enumerate(group):
            members.append({"cluster_id": cluster_id, "article_id": article_id, "kind": "copy"})
            if n:
                unknown = rng.random() < 0.15 or article_id in quiet
                lag = None if unknown else round(rng.uniform(-5, 80), 2)
                edges.append(
                    {
                        "cluster_id": cluster_id,
                        "source_article_id": group[rng.randrange(n)],
                        "target_article_id": article_id,
                        "evidence": "text-overlap",
                        "confidence": 0.5,
                        "lag_hours": lag,
                    }
                )
    store.replace_clusters(clusters, members, edges, next_id=cluster_id + 1)


def expected_flows(store: Store) -> dict[tuple[str, str], tuple[int, float | None]]:
    """Pieces and median lag per site pair, counted in Python."""
    site = dict(store.db.execute("SELECT id, site FROM articles"))
    pieces, lags = defaultdict(set), defaultdict(list)
    for cluster_id, source, target, lag in store.db.execute(
        "SELECT cluster_id, source_article_id, target_article_id, lag_hours FROM spread_edges"
    ):
        pair = (site[source], site[target])
        pieces[pair].add(cluster_id)
        if lag is not None:
            lags[pair].append(lag)
    return {
        pair: (len(clusters), statistics.median(lags[pair]) if lags[pair] else None)
        for pair, clusters in pieces.items()
    }


def stored_flows(store: Store) -> dict[tuple[str, str], tuple[int, float | None]]:
    return {
        (r["source_site"], r["target_site"]): (r["pieces"], r["median_lag_hours"])
        for r in store.site_flow_rows()
    }


def same(found: dict, expected: dict) -> bool:
    """Same pairs, same pieces, medians equal to rounding (None where no lag is known)."""
    return found.keys() == expected.keys() and all(
        found[p][0] == expected[p][0]
        and (found[p][1] == expected[p][1] or found[p][1] == pytest.approx(expected[p][1]))
        for p in found
    )


def test_site_flows_gives_the_numbers_of_the_schema_1_view(tmp_path):
    with Store(tmp_path / "x.db") as store:
        spread(store, articles=3000, sites=12, seed=3)
        flows = stored_flows(store)
        assert same(flows, expected_flows(store))
        old = {(r[0], r[1]): (r[2], r[3]) for r in store.db.execute(SCHEMA_1_VIEW)}
        assert same(flows, old)
        assert any(median is None for _, median in flows.values())  # pairs with no known lag
        # Rewriting some clusters keeps it up to date.
        cluster = store.cluster_row(1)
        store.replace_clusters([cluster], [], [], next_id=store.next_cluster_id(), only=[1, 2])
        assert same(stored_flows(store), expected_flows(store))
        assert not same(stored_flows(store), flows)


def test_stored_time_fallback_edges_take_the_confidence_the_database_gives(tmp_path):
    with Store(tmp_path / "x.db") as store:
        ids = store.add_articles(
            ({"url": f"https://s{n % 7}.example/{n}", "site": f"s{n % 7}.example"}, [])
            for n in range(90)
        )
        clusters, members, edges = [], [], []
        for number, start in enumerate(range(0, 90, 3), start=1):
            origin, credited, guessed = ids[start : start + 3]
            clusters.append({"id": number, "origin_article_id": origin, "size": 3, "sites": 3})
            members += [
                {"cluster_id": number, "article_id": i, "kind": "copy"}
                for i in ids[start : start + 3]
            ]
            # 30 copies name their source: 24 the origin, 6 the other copy.
            named = (credited, origin) if number <= 24 else (origin, credited)
            edges += [
                {"cluster_id": number, "source_article_id": named[1], "target_article_id": named[0],
                 "evidence": "attribution-link; credit-line:x.example", "confidence": 0.97},
                {"cluster_id": number, "source_article_id": origin, "target_article_id": guessed,
                 "evidence": "earliest-published", "confidence": 0.35},
            ]  # fmt: skip
        store.replace_clusters(clusters, members, edges, next_id=31)
        found = {
            e["evidence"]: e["confidence"] for e in store.spread_edge_rows() if e["cluster_id"] == 1
        }
        assert found == {"attribution-link; credit-line:x.example": 0.97, "earliest-published": 0.8}


def test_migration_fills_site_flows_from_the_stored_spread(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        spread(store, articles=600, sites=5, seed=4)
        expected = expected_flows(store)
    conn = sqlite3.connect(path)  # the file as schema 4 left it: site_flows a view
    conn.executescript(
        f"DROP TABLE site_flows; CREATE VIEW site_flows AS {SCHEMA_1_VIEW}; PRAGMA user_version = 4;"
    )
    conn.close()
    with Store(path) as store:
        assert store.db["site_flows"].exists() and "site_flows" not in store.db.view_names()
        assert same(stored_flows(store), expected)


def test_site_flows_and_the_flows_page_are_fast_at_50000_articles(tmp_path):
    """The view took 88 s at 50,000 articles and the flows page answered 500 (time limit)."""
    path = tmp_path / "large.db"
    with Store(path) as store:
        start = time.perf_counter()
        spread(store, articles=50_000, sites=40, seed=5)
        written = time.perf_counter() - start
        edges = store.db.execute("SELECT COUNT(*) FROM spread_edges").fetchone()[0]
    assert edges > 30_000
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    deadline = time.perf_counter() + 10
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 10_000)
    start = time.perf_counter()
    rows = conn.execute("SELECT * FROM site_flows").fetchall()
    assert len(rows) == 40 * 40 + 1 and time.perf_counter() - start < 2
    conn.close()
    assert written < 60  # replace_clusters recomputes it as it writes the edges
    ds = make_app(path)
    start = time.perf_counter()
    response = asyncio.run(ds.client.get("/-/crosspost/flows"))
    assert response.status_code == 200 and time.perf_counter() - start < 2
