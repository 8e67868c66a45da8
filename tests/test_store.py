import sqlite3

import pytest

from dedupe.errors import StoreError
from dedupe.store import MIGRATIONS, Store


def test_creates_research_schema_with_foreign_keys_and_fts(tmp_path):
    store = Store(tmp_path / "x.db")
    tables = set(store.db.table_names())
    for name in (
        "sites",
        "articles",
        "stripped",
        "clusters",
        "cluster_members",
        "spread_edges",
        "crawl_runs",
        "articles_fts",
    ):
        assert name in tables
    flows = store.db["site_flows"]  # a table since schema 5 (a slow view before)
    assert "site_flows" in tables and flows.pks == ["source_site", "target_site"]
    assert list(flows.columns_dict) == ["source_site", "target_site", "pieces", "median_lag_hours"]
    assert store.schema_version == len(MIGRATIONS)
    fks = {(fk.column, fk.other_table) for fk in store.db["articles"].foreign_keys}
    assert ("site", "sites") in fks
    members = {(fk.column, fk.other_table) for fk in store.db["cluster_members"].foreign_keys}
    assert members == {("cluster_id", "clusters"), ("article_id", "articles")}


def test_articles_are_unique_by_url_and_searchable(tmp_path):
    store = Store(tmp_path / "x.db")
    store.upsert_site("a.test", "A", "http://a.test/", "origin")
    first = store.add_article(
        {
            "url": "http://a.test/1",
            "site": "a.test",
            "title": "Harbour dredging",
            "raw_text": "r",
            "text": "the dredging of the harbour",
        }
    )
    again = store.add_article({"url": "http://a.test/1", "site": "a.test", "title": "other"})
    assert first == 1 and again is None
    hits = store.db.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'harbour'"
    ).fetchall()
    assert hits == [(1,)]
    store.set_texts([(first, "new text here", [("Share this", "share-widget")])])
    assert store.get_article(first)["word_count"] == 3
    assert store.stripped_by_article([first]) == {first: [("Share this", "share-widget")]}


def test_site_flows_median_lag(tmp_path):
    store = Store(tmp_path / "x.db")
    for site in ("a.test", "b.test"):
        store.upsert_site(site)
    ids = [
        store.add_article({"url": f"http://{s}/{n}", "site": s})
        for s in ("a.test", "b.test")
        for n in range(3)
    ]
    clusters = [{"id": c, "origin_article_id": ids[c], "size": 2, "sites": 2} for c in range(3)]
    members = [{"cluster_id": c, "article_id": ids[c], "kind": "origin"} for c in range(3)]
    members += [{"cluster_id": c, "article_id": ids[3 + c], "kind": "copy"} for c in range(3)]
    edges = [
        {
            "cluster_id": c,
            "source_article_id": ids[c],
            "target_article_id": ids[3 + c],
            "evidence": "x",
            "confidence": 1.0,
            "lag_hours": lag,
        }
        for c, lag in enumerate([1, 9, 4])
    ]
    store.replace_clusters(clusters, members, edges, next_id=3)
    flows = list(store.db["site_flows"].rows)
    assert flows == [
        {"source_site": "a.test", "target_site": "b.test", "pieces": 3, "median_lag_hours": 4.0}
    ]
    assert store.next_cluster_id() == 3

    # A replacement that fails halfway (here: a spread edge naming no article) changes nothing.
    bad_edge = {**edges[0], "source_article_id": 999_999}
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_clusters(clusters[:1], members[:1], [bad_edge], next_id=9)
    assert list(store.db["site_flows"].rows) == flows
    assert store.db.execute("SELECT COUNT(*) FROM cluster_members").fetchone()[0] == 6
    assert store.next_cluster_id() == 3
    # Flags lists are stored as JSON; replacing some clusters keeps the others.
    store.replace_clusters(
        clusters[:1], [{**members[0], "flags": ["same-time-as-source"]}], [], 4, only=[0]
    )
    assert store.member_flags() == {ids[0]: ["same-time-as-source"]}
    assert [c["id"] for c in store.db["clusters"].rows] == [0, 1, 2]
    assert store.db.execute("SELECT COUNT(*) FROM cluster_members").fetchone()[0] == 5
    assert store.db.execute("SELECT COUNT(*) FROM spread_edges").fetchone()[0] == 2


def test_unwritable_and_foreign_databases_give_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing" / "x.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(junk)


def test_reopening_keeps_data_and_refuses_newer_schema(tmp_path):
    path = tmp_path / "x.db"
    store = Store(path)
    store.upsert_site("a.test")
    store.close()
    assert [s["id"] for s in Store(path).sites()] == ["a.test"]
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="upgrade crosspost"):
        Store(path)


def test_restripped_articles_stay_pending_until_a_cluster_run_is_done(tmp_path):
    store = Store(tmp_path / "x.db")
    store.upsert_site("a.test")
    ids = [store.add_article({"url": f"http://a.test/{n}", "site": "a.test"}) for n in range(3)]
    store.set_texts([(ids[1], "kept text", [("Share this", "share-prompt")])])
    assert store.pending_ids() == {ids[1]}
    store.add_pending(ids[1:])
    assert store.pending_ids() == set(ids[1:])
    store.clear_pending()
    assert store.pending_ids() == set()


def test_the_articles_page_datasette_opens_first_needs_no_sort(tmp_path):
    """Sorted by published (metadata.json), faceted by published_source: an index each, or a
    sort of every article on each visit (2.7 s at 50,000 articles)."""
    with Store(tmp_path / "x.db") as store:
        plans = [
            " ".join(row[-1] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in (
                "SELECT * FROM articles ORDER BY published DESC, id DESC LIMIT 101",
                "SELECT published_source, COUNT(*) FROM articles GROUP BY published_source",
            )
        ]
    assert "idx_articles_published" in plans[0] and "TEMP B-TREE" not in plans[0]
    assert "idx_articles_published_source" in plans[1] and "TEMP B-TREE" not in plans[1]


def test_setting_most_texts_rebuilds_the_search_index_with_a_larger_hash_then_its_default(tmp_path):
    store = Store(tmp_path / "x.db")
    store.upsert_site("a.test", "A", "http://a.test/", "origin")
    ids = [
        store.add_article(
            {
                "url": f"http://a.test/{n}",
                "site": "a.test",
                "title": f"Piece {n}",
                "raw_text": "r",
                "text": f"quay notice {n} about the ferry",
            }
        )
        for n in range(3)
    ]
    store.set_texts([(i, f"the lighthouse keeper {i}", []) for i in ids[:2]], most=True)

    def search(term: str) -> list[int]:
        sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid"
        return [r[0] for r in store.db.execute(sql, [term]).fetchall()]

    assert search("lighthouse") == ids[:2] and search("ferry") == ids[2:]
    store.db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    config = dict(store.db.execute("SELECT k, v FROM articles_fts_config").fetchall())
    assert config.get("hashsize") == 1 << 20  # FTS5's default again once rebuilt
    assert store.db.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone() == (1,)
