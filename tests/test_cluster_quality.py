"""Clustering quality on the labelled sample web (pinned floors) and the incremental path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_clusters import Lorem, excerpt, text

from crosspost.demo.score import score_pairs
from dedupe import clusters, pipeline, signatures
from dedupe.ingest import import_jsonl
from dedupe.pipeline import cluster_store
from dedupe.store import Store

# Floors from issue 5: never loosen them to pass.
PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.97
F1_FLOOR = 0.98


def found_clusters(db: Path) -> list[list[str]]:
    with Store(db) as store:
        return [[url for url, _, _ in m] for m in store.cluster_member_urls().values()]


def test_sample_web_pairwise_quality_meets_the_floors(crawled_web):
    _, truth, db = crawled_web
    true_clusters = truth.clusters()
    # Excerpts are part of the truth, so recall counts them.
    assert any(truth.pages[u].kind == "excerpt" for c in true_clusters for u in c)
    score = score_pairs(found_clusters(db), true_clusters)
    assert score.precision >= PRECISION_FLOOR, score
    assert score.recall >= RECALL_FLOOR, score
    assert score.f1 >= F1_FLOOR, score


def test_sample_web_hard_negatives_stay_apart(crawled_web):
    _, truth, db = crawled_web
    cluster_of = {url: i for i, urls in enumerate(found_clusters(db)) for url in urls}
    piece_of = {url: page.piece for url, page in truth.pages.items()}
    assert truth.groups(), "the sample web has hard negatives"
    for urls in truth.groups().values():
        # Pages of one hard-negative group that belong to different pieces never share a cluster.
        for a in urls:
            for b in urls:
                if piece_of[a] != piece_of[b] and a in cluster_of and b in cluster_of:
                    assert cluster_of[a] != cluster_of[b], (a, b)


def test_sample_web_middle_excerpts_join_their_piece_as_excerpts(crawled_web):
    _, truth, db = crawled_web
    with Store(db) as store:
        members = store.cluster_member_urls()
    where = {url: (cluster_id, kind) for cluster_id, m in members.items() for url, _, kind in m}
    middle = [p for p in truth.articles() if "middle-excerpt" in p.flags]
    assert len(middle) == 2
    for page in middle:
        assert page.url in where, page.url
        assert where[page.url] == (where[page.parent][0], "excerpt"), page.url
    # The digest and the commentary opening with another piece's paragraph are pages of their
    # own: in no cluster (neither is copied).
    groups = truth.groups()
    digest = [
        p for p in truth.articles() if p.group and p.group.startswith("digest")
        and sum(truth.pages[u].paragraphs[0] in p.paragraphs[1:] for u in groups[p.group]) == 3
    ]  # fmt: skip
    comment = [
        p for p in truth.articles() if p.group and p.group.startswith("quote")
        and any(p.paragraphs[0] in truth.pages[u].paragraphs[1:] for u in groups[p.group])
    ]  # fmt: skip
    assert len(digest) == len(comment) == 1
    assert digest[0].url not in where and comment[0].url not in where


def corpus(pieces: int, seed: int, start: int = 0) -> list[dict]:
    """Pieces with edited copies and excerpts on a dozen sites that add their own footers."""
    gen = Lorem(seed)
    sites = [f"site{i}.example" for i in range(12)]
    footer = {s: (gen.sentence(), gen.prose(14)) for s in sites}
    records = []
    for n in range(start, start + pieces):
        story = gen.paragraphs(gen.rng.randint(7, 10))
        versions = [("origin", story)]
        if n % 2 == 0:
            versions += [(f"copy{i}", gen.edit(story, 0.01 * i)) for i in range(1, 4)]
            versions.append(("excerpt", excerpt(story, 0.35)))
        for i, (kind, blocks) in enumerate(versions):
            site = sites[(n * 7 + i * 5) % len(sites)]
            records.append(
                {
                    "url": f"https://{site}/{n}/{kind}",
                    "site": site,
                    "title": f"piece {n}",
                    # A fixed footer (learned as boilerplate) and one ending in a changing
                    # sentence (left in the text: its shingles are the site's repeats).
                    "text": text([*blocks, footer[site][0], f"{footer[site][1]} {gen.sentence()}"]),
                    "piece": n,
                }
            )
    return records


def write(records: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def memberships(db: Path) -> set[frozenset[str]]:
    return {frozenset(c) for c in found_clusters(db)}


def stored_rows(store: Store) -> dict[str, list[tuple]]:
    """The cluster tables' rows, in a stable order and without the edges' row ids."""
    queries = {
        "clusters": "SELECT * FROM clusters ORDER BY id",
        "cluster_members": "SELECT * FROM cluster_members ORDER BY cluster_id, article_id",
        "spread_edges": "SELECT cluster_id, source_article_id, target_article_id, evidence, "
        "confidence, lag_hours FROM spread_edges ORDER BY cluster_id, target_article_id",
    }
    return {table: store.db.execute(sql).fetchall() for table, sql in queries.items()}


@pytest.fixture(scope="module")
def batches():
    return corpus(40, seed=11), corpus(6, seed=12, start=40)


def test_incremental_run_matches_a_run_from_scratch(tmp_path, batches):
    first, second = batches
    once = tmp_path / "once.db"
    with Store(once) as store:
        import_jsonl(store, write(first + second, tmp_path / "all.jsonl"))
        cluster_store(store)
    twice = tmp_path / "twice.db"
    with Store(twice) as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store)
        before = {c["id"]: c["size"] for c in store.largest_clusters(1000)}
        import_jsonl(store, write(second, tmp_path / "second.jsonl"))
        report = cluster_store(store)
        # Only the new articles are signed; untouched clusters keep their rows and ids.
        assert report.signed == len(second)
        assert report.traced < report.clusters
        after = {c["id"]: c["size"] for c in store.largest_clusters(1000)}
        assert all(after[i] == size for i, size in before.items())
        # The rows kept and the rows rewritten are what tracing every cluster afresh gives.
        kept = stored_rows(store)
        ids, links = store.article_ids(), [clusters.Link(*row) for row in store.links()]
        again = clusters.cluster(ids, links, store.cluster_memberships(), store.next_cluster_id())
        pipeline._write_clusters(store, again, links, pipeline.ClusterReport())
        assert stored_rows(store) == kept
    truth = [
        {r["url"] for r in first + second if r["piece"] == n}
        for n in {r["piece"] for r in first + second}
    ]
    truth = [t for t in truth if len(t) > 1]
    assert memberships(twice) == memberships(once)
    score = score_pairs(found_clusters(twice), truth)
    assert score.precision >= PRECISION_FLOOR and score.recall >= RECALL_FLOOR, score


def test_stored_site_counts_give_site_repeats(tmp_path, batches):
    first, second = batches
    db = tmp_path / "counts.db"
    params = signatures.SignatureParams()
    with Store(db) as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store, params)
        import_jsonl(store, write(second, tmp_path / "second.jsonl"))
        cluster_store(store, params)
        rows = list(store.iter_articles(("id", "site", "text")))
        sets = {r["id"]: signatures.shingle_set(r["text"], params) for r in rows}
        expected = clusters.site_repeats(sets, {r["id"]: r["site"] for r in rows})
        stored = store.site_shingles({r["site"] for r in rows}, params.key)
    assert expected, "the footers make repeats"
    for r in rows:
        values, counts, _ = stored[r["site"]]
        counted = np.frombuffer(values, dtype="<u4")[np.frombuffer(counts, dtype=np.uint8) >= 3]
        np.testing.assert_array_equal(counted, expected.get(r["id"], counted[:0]))


def test_indexing_in_slices_finds_the_same_clusters(tmp_path, batches, monkeypatch):
    first, _ = batches
    source = write(first, tmp_path / "first.jsonl")
    whole, sliced = tmp_path / "whole.db", tmp_path / "sliced.db"
    with Store(whole) as store:
        import_jsonl(store, source)
        cluster_store(store)
    monkeypatch.setattr(pipeline, "INDEX_SLICE", 7)
    stages: list[str] = []
    with Store(sliced) as store:
        import_jsonl(store, source)
        report = cluster_store(store, progress=stages.append)
    assert report.signed == len(first)
    assert memberships(sliced) == memberships(whole)
    slices = -(-len(first) // 7)
    assert stages[1:3] == [f"sign 1/{slices}", f"candidates 1/{slices}"]
    assert f"candidates {slices}/{slices}" in stages and stages[-1] == "spread"


def test_a_run_rewrites_changed_and_vanished_clusters_only(tmp_path, batches):
    first, _ = batches
    with Store(tmp_path / "db.sqlite") as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store)
        previous = store.cluster_memberships()
        ids, links = store.article_ids(), [clusters.Link(*row) for row in store.links()]
        # One cluster loses every link (it vanishes), a member of another is "touched" (its
        # text changed): both must be rewritten, and the rest kept as stored.
        gone, retold = sorted(set(previous.values()))[:2]
        links = [x for x in links if previous.get(x.a) != gone]
        touched = {min(a for a, c in previous.items() if c == retold)}
        result = clusters.cluster(ids, links, previous, store.next_cluster_id())
        report = pipeline.ClusterReport()
        pipeline._write_clusters(store, result, links, report, previous, touched)
        assert report.traced == 1 and report.clusters == len(set(previous.values())) - 1
        incremental = stored_rows(store)
        pipeline._write_clusters(store, result, links, pipeline.ClusterReport())
        assert stored_rows(store) == incremental
        assert gone not in {row[0] for row in incremental["clusters"]}


def test_changed_site_roles_trace_every_cluster_again(tmp_path, batches):
    first, _ = batches
    with Store(tmp_path / "db.sqlite") as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        assert cluster_store(store).traced == len(set(store.cluster_memberships().values()))
        assert cluster_store(store).traced == 0  # nothing new, roles as they were
        site = store.sites()[0]["id"]
        store.upsert_site(site, role="aggregator")  # sites.toml now gives it a role
        report = cluster_store(store)
        assert report.traced == report.clusters > 0
        assert cluster_store(store).traced == 0


def test_a_run_that_dies_midway_is_redone_by_the_next(tmp_path, batches, monkeypatch):
    first, second = batches
    clean = tmp_path / "clean.db"
    with Store(clean) as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store)
        import_jsonl(store, write(second, tmp_path / "second.jsonl"))
        cluster_store(store)
    crashed = tmp_path / "crashed.db"
    with Store(crashed) as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store)
        import_jsonl(store, write(second, tmp_path / "second.jsonl"))
        with monkeypatch.context() as patched:  # dies after signing and indexing the new ones

            def die(*args, **kwargs):
                raise KeyboardInterrupt

            patched.setattr(clusters, "verify", die)
            with pytest.raises(KeyboardInterrupt):
                cluster_store(store)
        assert len(store.pending_ids()) >= len(second)
        report = cluster_store(store)
        assert report.signed >= len(second) and not store.pending_ids()
        assert stored_rows(store) == stored_rows(Store(clean))
    assert memberships(crashed) == memberships(clean)


def test_a_digest_leaves_the_piece_it_had_joined_once_its_other_piece_is_stored(tmp_path):
    # The digest quotes most of story A and the opening of B: with only A stored it passes for
    # an excerpt of A; once B arrives it holds parts of two pieces and is an excerpt of none,
    # as a run from scratch finds. An excerpt of B's middle joins B.
    gen = Lorem(41)
    a, b = gen.paragraphs(12), gen.paragraphs(12)

    def page(url: str, blocks: list[str]) -> dict:
        return {"url": f"https://{url}", "site": url.split("/")[0], "text": text(blocks)}

    first = [
        page("outlet-a.example/a", a),
        page("mirror.example/a", gen.edit(a, 0.02)),
        page("roundup.example/today", ["Good morning.", *a[:6], "Also today:", *b[:2]]),
    ]
    second = [
        page("outlet-b.example/b", b),
        page("mirror.example/b", gen.edit(b, 0.02)),
        page("aggregator.example/b", [*b[5:8], "Continue reading at the source."]),
    ]
    once, twice = tmp_path / "once.db", tmp_path / "twice.db"
    with Store(once) as store:
        import_jsonl(store, write(first + second, tmp_path / "all.jsonl"))
        cluster_store(store)
    with Store(twice) as store:
        import_jsonl(store, write(first, tmp_path / "first.jsonl"))
        cluster_store(store)
        assert memberships(twice) == {
            frozenset(f"https://{u}" for u in ("outlet-a.example/a", "mirror.example/a",
                                                "roundup.example/today"))
        }  # fmt: skip
        import_jsonl(store, write(second, tmp_path / "second.jsonl"))
        cluster_store(store)
    expected = {
        frozenset({"https://outlet-a.example/a", "https://mirror.example/a"}),
        frozenset(
            {
                "https://outlet-b.example/b",
                "https://mirror.example/b",
                "https://aggregator.example/b",
            }
        ),
    }
    assert memberships(once) == memberships(twice) == expected


def test_a_footer_learned_later_is_stripped_from_the_older_pages_that_carry_it(tmp_path):
    gen = Lorem(21)
    footer = "Harbour notes is a volunteer paper printed in the old net loft by the quay."

    def page(n: int, site: str, *extra: str) -> dict:
        return {
            "url": f"https://{site}/{n}",
            "site": site,
            "text": text([*gen.paragraphs(6), *extra]),
        }

    old = [page(1, "notes.example", footer), page(2, "notes.example", footer)]
    old += [page(n, "other.example") for n in range(3, 15)]  # +2 new is not a full relearn
    new = [page(15, "notes.example", footer), page(16, "notes.example")]
    with Store(tmp_path / "db.sqlite") as store:
        import_jsonl(store, write(old, tmp_path / "old.jsonl"))
        cluster_store(store)  # two pages are not yet a pattern: the footer stays
        assert sum(footer in (a["text"] or "") for a in store.iter_articles()) == 2
        import_jsonl(store, write(new, tmp_path / "new.jsonl"))
        report = cluster_store(store)
        texts = {a["url"]: a["text"] for a in store.iter_articles()}
        assert not any(footer in t for t in texts.values())
        # the new page and the two older ones that carry the footer; nothing else
        assert report.restripped == 3 and report.signed == 4
