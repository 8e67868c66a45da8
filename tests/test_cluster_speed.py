"""The layout choices that make `crosspost cluster` fast keep what it stores exact: LSH buckets in
sorted segments, and the full-text index rebuilt once when a first clustering changes most texts."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from dedupe import store as store_module
from dedupe.index import LSHIndex, MemoryBuckets
from dedupe.signatures import SignatureParams, profile
from dedupe.store import MIGRATIONS, Store

PARAMS = SignatureParams()


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("bcdfghklmnprstvz"))
    words = ["".join(rng.choice(letters, 6)) for _ in range(3000)]  # no digits: they fold to 0
    base = [" ".join(rng.choice(words, 120)) for _ in range(n // 2)]
    copies = [t.replace(t.split()[7], "edited", 1) for t in base]
    return base + copies


def _fts_ok(db) -> None:
    # FTS5's own check that the index holds exactly the content table's terms.
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def test_segments_answer_as_memory_does_through_changes_and_merges(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "LSH_SEGMENTS", 3)  # merge often
    texts = _texts(60)
    prof = profile(texts, PARAMS)
    ids = np.arange(len(texts))
    store = Store(tmp_path / "lsh.db")
    on_disk, in_memory = LSHIndex(store, PARAMS), LSHIndex(MemoryBuckets(), PARAMS)
    for chunk in np.array_split(ids, 5):  # five runs: five segments, merged past three
        rows = (prof.signatures[chunk], prof.prefix_signatures[chunk], prof.windows.take(chunk))
        assert on_disk.candidates(chunk.tolist(), *rows) == in_memory.candidates(
            chunk.tolist(), *rows
        )
        for index in (on_disk, in_memory):
            index.insert(chunk.tolist(), *rows)
    assert store.db.execute("SELECT COUNT(*) FROM _lsh_segments").fetchone()[0] <= 3
    assert list(store.iter_buckets()) == sorted(
        (b, k, a) for (b, k), members in in_memory.buckets._buckets.items() for a in members
    )
    # An article whose text changed is forgotten, then found only under its new text.
    changed = texts[:]
    changed[0] = " ".join(f"fresh{i}" for i in range(120))
    new = profile(changed[:1], PARAMS)
    store.remove_from_index([0])
    assert 0 not in on_disk.query(prof.signatures[0], prof.prefix_signatures[0])
    on_disk.insert([0], new.signatures, new.prefix_signatures, new.windows)
    store.close()
    store = Store(tmp_path / "lsh.db")  # read back from the file
    on_disk = LSHIndex(store, PARAMS)
    assert on_disk.query(new.signatures[0], new.prefix_signatures[0]) == {0}
    assert on_disk.query(prof.signatures[30], prof.prefix_signatures[30]) == {30}
    assert {0, 30} <= {a for _, _, a in store.iter_buckets()}
    store.close()


def test_first_clustering_writes_a_segment_a_slice_and_a_consistent_search_index(tmp_path):
    from dedupe.pipeline import cluster_store

    store = Store(tmp_path / "c.db")
    footer = "Subscribe to our letter for more news from the valley every single morning"
    texts = _texts(40)
    store.add_articles(
        [
            (
                {
                    "url": f"https://s{i % 4}.example/{i}",
                    "site": f"s{i % 4}.example",
                    "title": f"t{i}",
                    "raw_text": f"{text}\n{footer} s{i % 4}",
                    "text": f"{text}\n{footer} s{i % 4}",
                },
                [],
            )
            for i, text in enumerate(texts)
        ]
    )
    report = cluster_store(store, PARAMS)
    assert report.restripped == 40 and report.clusters == 20
    assert store.db.execute("SELECT COUNT(*) FROM _lsh_segments").fetchone()[0] == 1
    _fts_ok(store.db)
    search = "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?"
    assert store.db.execute(search, ["subscribe"]).fetchone()[0] == 0  # stripped everywhere
    assert store.db.execute(search, ["edited"]).fetchone()[0] == 20
    # The update trigger is back: a later change reaches the index at once.
    store.set_texts([(1, "entirely different words", [])])
    assert store.db.execute(search, ["entirely"]).fetchone()[0] == 1
    _fts_ok(store.db)
    store.close()


def test_migration_drops_the_old_bucket_rows_and_the_next_run_reindexes(tmp_path):
    path = tmp_path / "v7.db"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:7]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 7")
    conn.execute("INSERT INTO _lsh (band, bucket, article_id) VALUES (1, 2, 3)")
    conn.execute("INSERT INTO _meta (key, value) VALUES ('index_key', 'old')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert not store.db["_lsh"].exists() and store.db["_lsh_segments"].exists()
    assert store.get_meta("index_key") is None  # so cluster_store signs and indexes afresh
    assert list(store.iter_buckets()) == []
    store.close()


@pytest.mark.parametrize("rows", [[], [(5, 6, 7)]])
def test_add_buckets_takes_rows_too(tmp_path, rows):
    store = Store(tmp_path / "rows.db")
    store.add_buckets(rows)
    assert list(store.iter_buckets()) == rows
    assert store.bucket_members(5, 6) == ([7] if rows else [])
    store.close()


def test_sites_without_patterns_of_their_own_share_one_match_memo():
    from dedupe.boilerplate import load_patterns, normalise

    patterns = load_patterns()
    assert load_patterns([]) is patterns and load_patterns(["^ours$"]) is not patterns
    block = "Subscribe to our newsletter for more"
    first = patterns.match(block)
    assert first == "newsletter-appeal" and patterns._memo[block] == first
    assert (
        patterns.match(block) == first and load_patterns(["^ours$"]).match("ours") == "site-pattern"
    )
    assert normalise("  Page 12 of 30 ") == "page 0 of 0" == normalise("  Page 12 of 30 ")


def _stored(path) -> tuple:
    conn = sqlite3.connect(path)
    out = tuple(
        sorted(conn.execute(sql).fetchall())
        for sql in (
            "SELECT id, origin_article_id, size, first_published FROM clusters",
            "SELECT cluster_id, article_id, kind, flags FROM cluster_members",
            "SELECT cluster_id, source_article_id, target_article_id, evidence FROM spread_edges",
        )
    )
    conn.close()
    return out


def test_tracing_on_two_cores_stores_what_one_core_does(tmp_path, monkeypatch):
    from dedupe import parallel, pipeline

    texts = _texts(60)
    found = []
    for minimum in (10**9, 1):  # one process, then a forked one taking every other cluster
        monkeypatch.setattr(pipeline, "PARALLEL_TRACE_MIN", minimum)
        monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
        store = Store(tmp_path / f"trace{minimum}.db")
        store.add_articles(
            [
                (
                    {
                        "url": f"https://s{i % 5}.example/{i}",
                        "site": f"s{i % 5}.example",
                        "title": f"Title {i % 30}",
                        "published": f"2026-10-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00",
                        "raw_text": text,
                        "text": text,
                    },
                    [],
                )
                for i, text in enumerate(texts)
            ]
        )
        report = pipeline.cluster_store(store, PARAMS)
        assert report.traced == 30
        store.close()
        found.append(_stored(tmp_path / f"trace{minimum}.db"))
    assert found[0] == found[1] and len(found[0][2]) == 30


def test_learning_with_a_small_shingle_cache_learns_the_same(monkeypatch):
    from dedupe import boilerplate

    rng = np.random.default_rng(8)
    letters = np.array(list("bcdfghklmnprstvz"))
    words = ["".join(rng.choice(letters, 5)) for _ in range(800)]
    pages = []
    for i in range(90):
        body = [" ".join(rng.choice(words, 30)) for _ in range(4)]
        if i % 3 == 0 and pages:  # copies of an earlier page's body on other sites
            body = pages[-1][2].split("\n")[:4]
        footer = f"Read more stories from site number {'abc'[i % 3]} every day of the week"
        pages.append((i, f"s{i % 3}.example", "\n".join([*body, footer])))
    learned = []
    for size in (1 << 30, 2):
        monkeypatch.setattr(boilerplate._Riders, "SHINGLE_CACHE", size)
        learned.append(boilerplate.learn(pages).rows())
    assert learned[0] == learned[1] and len(learned[0]) == 3


def test_sets_redo_exactly_the_rows_that_are_not_sorted_and_unique():
    from dedupe.clusters import _Sets

    rng = np.random.default_rng(4)
    rows = [np.sort(np.unique(rng.integers(0, 1 << 32, rng.integers(0, 40)))) for _ in range(300)]
    rows += [np.array([], dtype=np.int64)] * 5
    for i in (3, 50, 51, 299):  # unsorted or repeating rows, next to sorted ones
        rows[i] = np.concatenate([rows[i], rows[i][:2]])
    order = rng.permutation(len(rows))
    sets = [rows[i] for i in order]
    made = _Sets.of(sets)
    for i, expected in enumerate(sets):
        got = made.values[made.offsets[i] : made.offsets[i + 1]]
        np.testing.assert_array_equal(got, np.unique(expected))
    assert made.values.dtype == np.uint32
