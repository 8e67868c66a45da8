"""LSH candidates: edited copies found, unrelated texts not, excerpts found by their start and
excerpts of the middle by the window they start at."""

from __future__ import annotations

import numpy as np
import pytest
from test_clusters import Lorem, excerpt, text

from dedupe.index import (
    PREFIX_BAND_OFFSET,
    WINDOW_BAND_OFFSET,
    BucketStore,
    LSHIndex,
    MemoryBuckets,
    band_keys,
    choose_bands,
)
from dedupe.signatures import SignatureParams, profile
from dedupe.store import Store

PARAMS = SignatureParams()


@pytest.fixture(scope="module")
def corpus():
    """20 stories, each with 3 edited copies (J ~0.6-0.9) and a 30% excerpt; ids by role."""
    gen = Lorem(3)
    texts, roles = [], {}
    for story_no in range(20):
        story = gen.paragraphs(gen.rng.randint(9, 12))
        versions = {
            "original": story,
            "copy1": gen.edit(story, 0.01),
            "copy2": gen.edit(story, 0.03),
            "copy3": gen.edit(story, 0.05),
            "excerpt": excerpt(story, 0.3),
        }
        for role, blocks in versions.items():
            roles[len(texts)] = (story_no, role)
            texts.append(text(blocks))
    return texts, roles, profile(texts, PARAMS)


def test_choose_bands_fits_and_favours_recall():
    bands, rows = choose_bands(128, 0.35)
    assert bands * rows <= 128
    p = lambda s: 1 - (1 - s**rows) ** bands  # noqa: E731
    assert p(0.5) > 0.98 and p(0.1) < 0.05
    assert choose_bands(128, 0.8)[1] > rows  # a higher threshold needs longer bands
    with pytest.raises(ValueError):
        choose_bands(128, 1.5)


def test_edited_copies_are_candidates_and_unrelated_texts_are_not(corpus):
    texts, roles, prof = corpus
    ids = list(range(len(texts)))
    pairs = LSHIndex(MemoryBuckets(), PARAMS).candidates(ids, prof.signatures)
    same_story = {(a, b) for a in ids for b in ids if a < b and roles[a][0] == roles[b][0]}
    of_original = {(a, b) for a, b in same_story if roles[a][1] == "original"}
    copies = {p for p in of_original if roles[p[1]][1] != "excerpt"}
    assert copies <= pairs
    # Copies of copies carry two sets of edits (J down to ~0.45): nearly all still found.
    both_edited = {
        p for p in same_story if {roles[p[0]][1], roles[p[1]][1]} <= {"copy1", "copy2", "copy3"}
    }
    assert len(both_edited & pairs) >= 0.95 * len(both_edited)
    assert not pairs - same_story  # nothing across stories


def test_prefix_bands_find_30_percent_excerpts(corpus):
    texts, roles, prof = corpus
    ids = list(range(len(texts)))
    index = LSHIndex(MemoryBuckets(), PARAMS)
    full_only = index.candidates(ids, prof.signatures)
    with_prefix = index.candidates(ids, prof.signatures, prof.prefix_signatures)
    excerpts = {i for i, (_, role) in roles.items() if role == "excerpt"}
    originals = {roles[i][0]: i for i, (_, role) in roles.items() if role == "original"}
    wanted = {tuple(sorted((e, originals[roles[e][0]]))) for e in excerpts}
    assert wanted <= with_prefix
    assert len(wanted & full_only) < len(wanted)  # Jaccard alone (J ~0.3) misses some
    assert all(roles[a][0] == roles[b][0] for a, b in with_prefix)


@pytest.fixture(scope="module")
def middles():
    """12 stories of 12 paragraphs, each with an edited copy and excerpts of its middle: as
    posted, after a lead-in line of the aggregator's own, and of the copy; plus texts that share
    a block of two paragraphs at the same place in their middles (a quotation), and one that
    opens with that block. Ids by role."""
    gen = Lorem(8)
    texts, roles = [], {}
    quote = gen.paragraphs(2)

    def add(role, blocks):
        roles[len(texts)] = role
        texts.append(text(blocks))

    for story_no in range(12):
        story = gen.paragraphs(12)
        copy = gen.edit(story, 0.02)
        add((story_no, "original"), story)
        add((story_no, "copy"), copy)
        add((story_no, "middle"), [*story[4:7], "Continue reading at the source."])
        add((story_no, "lead-in"), ["Worth a read, from the valley press:", *story[6:8]])
        add((story_no, "of-copy"), copy[7:10])
    for n in range(3):
        add((100 + n, "quoting"), gen.paragraphs(4) + quote + gen.paragraphs(4))
    add((200, "opens-with-quote"), quote + gen.paragraphs(5))
    return texts, roles, profile(texts, PARAMS)


def test_windows_find_excerpts_of_the_middle(middles):
    texts, roles, prof = middles
    ids = list(range(len(texts)))
    index = LSHIndex(MemoryBuckets(), PARAMS)
    without = index.candidates(ids, prof.signatures, prof.prefix_signatures)
    pairs = index.candidates(ids, prof.signatures, prof.prefix_signatures, prof.windows)
    of = {role: i for i, role in roles.items()}
    wanted = {
        (of[(n, "original")], of[(n, kind)]) for n in range(12) for kind in ("middle", "lead-in")
    } | {(of[(n, "copy")], of[(n, "of-copy")]) for n in range(12)}
    assert wanted <= pairs
    assert len(wanted - without) >= len(wanted) / 2  # the full and prefix bands miss most
    # Windows meet prefixes, never each other: texts sharing a block in their middles are no
    # candidates, the text that opens with the block is one with each of them.
    quoting = {of[(100 + n, "quoting")] for n in range(3)}
    opener = of[(200, "opens-with-quote")]
    assert not {p for p in pairs if set(p) <= quoting}
    assert {tuple(sorted((q, opener))) for q in quoting} <= pairs
    assert all(roles[a][0] == roles[b][0] for a, b in pairs if not {a, b} & (quoting | {opener}))


def test_incremental_inserts_give_the_batch_candidates(corpus, middles):
    for texts, _, prof in (corpus, middles):
        ids = np.arange(len(texts))
        batch = LSHIndex(MemoryBuckets(), PARAMS).candidates(
            ids.tolist(), prof.signatures, prof.prefix_signatures, prof.windows
        )
        index, found = LSHIndex(MemoryBuckets(), PARAMS), set()
        order = np.random.default_rng(5).permutation(len(texts))
        for chunk in np.array_split(order, 7):
            rows = (prof.signatures[chunk], prof.prefix_signatures[chunk], prof.windows.take(chunk))
            found |= index.candidates(ids[chunk].tolist(), *rows)
            index.insert(ids[chunk].tolist(), *rows)
        assert found == batch
        # Re-offering indexed articles finds the same pairs again, never self-pairs.
        rows = (prof.signatures[:5], prof.prefix_signatures[:5], prof.windows.take(range(5)))
        again = index.candidates(ids[:5].tolist(), *rows)
        assert again == {p for p in batch if p[0] < 5 or p[1] < 5}


def test_query_and_sqlite_store_match_memory(corpus, middles, tmp_path):
    texts, _, prof = corpus
    ids = list(range(len(texts)))
    store = Store(tmp_path / "lsh.db")
    assert isinstance(store, BucketStore) and isinstance(MemoryBuckets(), BucketStore)
    on_disk, in_memory = LSHIndex(store, PARAMS), LSHIndex(MemoryBuckets(), PARAMS)
    for index in (on_disk, in_memory):
        index.insert(ids[:60], prof.signatures[:60], prof.prefix_signatures[:60])
    args = (ids[60:], prof.signatures[60:], prof.prefix_signatures[60:])
    assert on_disk.candidates(*args) == in_memory.candidates(*args)
    bands = {band for band, _, _ in store.iter_buckets()}
    assert bands == set(range(on_disk.bands)) | {
        PREFIX_BAND_OFFSET + b for b in range(on_disk.prefix_bands)
    }
    assert on_disk.query(prof.signatures[0], prof.prefix_signatures[0]) == set(range(5))
    assert {0, 1, 2, 3} <= on_disk.query(prof.signatures[0]) <= set(range(5))
    store.close()
    # With windows: stored under their own bands, and met from both sides.
    texts, roles, prof = middles
    of = {role: i for i, role in roles.items()}
    store = Store(tmp_path / "windows.db")
    on_disk, in_memory = LSHIndex(store, PARAMS), LSHIndex(MemoryBuckets(), PARAMS)
    half = np.arange(len(texts)) % 2 == 0  # originals on one side, their excerpts on both
    first, second = np.flatnonzero(half), np.flatnonzero(~half)
    for index in (on_disk, in_memory):
        index.insert(
            first.tolist(),
            prof.signatures[first],
            prof.prefix_signatures[first],
            prof.windows.take(first),
        )
    args = (
        second.tolist(),
        prof.signatures[second],
        prof.prefix_signatures[second],
        prof.windows.take(second),
    )
    assert on_disk.candidates(*args) == in_memory.candidates(*args)
    assert {band for band, _, _ in store.iter_buckets()} >= {
        WINDOW_BAND_OFFSET + b for b in range(on_disk.window_bands)
    }
    original, excerpt = of[(0, "original")], of[(0, "middle")]
    own = prof.windows.take([original])
    assert original in on_disk.query(prof.signatures[excerpt], prof.prefix_signatures[excerpt])
    store.close()
    # A query with the windows of a text meets the stored prefixes of its excerpts.
    buckets = MemoryBuckets()
    index = LSHIndex(buckets, PARAMS)
    index.insert([excerpt], prof.signatures[[excerpt]], prof.prefix_signatures[[excerpt]])
    sig, prefix = prof.signatures[original], prof.prefix_signatures[original]
    assert index.query(sig, prefix, own) == {excerpt}


def test_band_keys_are_signed_64_bit_and_skip_empty_texts():
    sigs = profile(["", "some words to sign here and there"], PARAMS).signatures
    keys = band_keys(sigs, 32, 4)
    assert keys.dtype == np.int64 and keys.shape == (2, 32)
    buckets = MemoryBuckets()
    LSHIndex(buckets, PARAMS).insert([1, 2], sigs)
    assert len(buckets) == LSHIndex(buckets, PARAMS).bands  # only the non-empty text
    with pytest.raises(ValueError, match="ids for"):
        LSHIndex(buckets, PARAMS).insert([1], sigs)
    with pytest.raises(ValueError, match="do not fit"):
        LSHIndex(buckets, PARAMS, bands=40, rows=4)


def test_candidates_pair_large_ids_and_skip_texts_without_words(corpus):
    texts, _, prof = corpus
    big = [2**40 + i for i in range(5)]  # ids past 32 bits take the general path
    rows = prof.signatures[:5], prof.prefix_signatures[:5]
    small = LSHIndex(MemoryBuckets(), PARAMS).candidates(list(range(5)), *rows)
    large = LSHIndex(MemoryBuckets(), PARAMS).candidates(big, *rows)
    assert small and large == {(big[a], big[b]) for a, b in small}
    empty = profile(["", "..."], PARAMS)
    index = LSHIndex(MemoryBuckets(), PARAMS)
    assert index.candidates([1, 2], empty.signatures, empty.prefix_signatures) == set()
