"""Verification and clustering: copies and excerpts together, hard negatives apart, stable ids.

All texts come from a small seeded generator of invented words (Lorem below), also used by
tests/test_index.py.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedupe import clusters as clusters_module
from dedupe.clusters import (
    COPY,
    COPY_RESEMBLANCE,
    DIGEST_OWN,
    DIGEST_PART,
    EXCERPT,
    EXCERPT_CONTAINMENT,
    EXCERPT_MAX_LENGTH_RATIO,
    MIN_OWN_SHARE,
    PART,
    Link,
    cluster,
    site_repeats,
    verify,
)
from dedupe.index import LSHIndex, MemoryBuckets
from dedupe.signatures import SignatureParams, profile, shingle_set

PARAMS = SignatureParams()
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "re",
    "su",
    "ta",
    "ven",
    "dor",
    "pli",
    "agu",
    "nem",
    "sor",
    "tri",
    "vax",
    "ul",
    "eb",
    "zon",
    "fi",
    "qua",
    "rho",
]


class Lorem:
    """Seeded generator of invented prose with a Zipf-like vocabulary (one block per line)."""

    def __init__(self, seed: int, vocabulary: int = 4000):
        self.rng = random.Random(seed)
        words = set()
        while len(words) < vocabulary:
            words.add("".join(self.rng.choices(_SYLLABLES, k=self.rng.randint(1, 4))))
        self.words = sorted(words)
        self.rng.shuffle(self.words)
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.words))]

    def sentence(self) -> str:
        words = self.rng.choices(self.words, self.weights, k=self.rng.randint(8, 20))
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: int | None = None) -> str:
        return " ".join(self.sentence() for _ in range(sentences or self.rng.randint(3, 5)))

    def prose(self, words: int) -> str:
        """Sentences up to about `words` words."""
        out: list[str] = []
        while sum(len(x.split()) for x in out) < words - 10:
            out.append(self.sentence())
        return " ".join(out)

    def paragraphs(self, n: int) -> list[str]:
        return [self.paragraph() for _ in range(n)]

    def edit(self, blocks: list[str], rate: float) -> list[str]:
        """Copy-editing: words swapped, dropped or inserted at `rate` per word."""
        out = []
        for block in blocks:
            words = []
            for word in block.split():
                roll = self.rng.random()
                if roll < rate / 3:
                    continue
                if roll < 2 * rate / 3:
                    words.append(self.rng.choice(self.words))
                    continue
                words.append(word)
                if roll < rate:
                    words.append(self.rng.choice(self.words))
            out.append(" ".join(words))
        return out


def text(blocks: list[str]) -> str:
    return "\n".join(blocks)


def words_in(blocks: list[str]) -> int:
    return sum(len(b.split()) for b in blocks)


def excerpt(blocks: list[str], share: float) -> list[str]:
    """The first `share` of a piece's words, cut at a block, plus a 'continue reading' line."""
    kept, total = [], words_in(blocks)
    for block in blocks:
        if words_in(kept) >= share * total:
            break
        kept.append(block)
    return [*kept, "Continue reading at the source."]


def pipeline(texts: dict[int, str], sites=None, previous=None, next_id: int = 1):
    """Profile, LSH candidates, verify and cluster, as the application does."""
    ids = sorted(texts)
    prof = profile([texts[i] for i in ids], PARAMS)
    index = LSHIndex(MemoryBuckets(), PARAMS)
    pairs = index.candidates(ids, prof.signatures, prof.prefix_signatures, prof.windows)
    sets = dict(zip(ids, prof.shingle_sets, strict=True))
    links = verify(pairs, sets, site_repeats(sets, sites or {}))
    return cluster(ids, links, previous or {}, next_id), links


def groups(clustering) -> set[frozenset[int]]:
    return {frozenset(m) for m in clustering.members().values()}


# -- verify ------------------------------------------------------------------------------------


def test_verify_measures_exact_resemblance_and_containment():
    sets = {1: {1, 2, 3, 4}, 2: {1, 2, 3, 5}, 3: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4: {11, 12}}
    links = {(x.a, x.b): x for x in verify([(2, 1), (1, 3), (1, 4), (1, 1)], sets)}
    assert set(links) == {(1, 2), (1, 3)}
    assert links[(1, 2)].resemblance == pytest.approx(3 / 5)
    assert links[(1, 2)].kind == COPY
    # 1 lies wholly inside 3 and is 40% of its length: an excerpt, the shorter being 1.
    assert links[(1, 3)].resemblance == pytest.approx(0.4)
    assert links[(1, 3)].containment == 1.0
    assert (links[(1, 3)].kind, links[(1, 3)].shorter, links[(1, 3)].longer) == (EXCERPT, 1, 3)


def test_verify_accepts_hash_arrays_and_tells_partial_overlap_from_copies():
    gen = Lorem(1)
    story, other = gen.paragraphs(8), gen.paragraphs(8)
    mixed = story[:3] + other[3:]
    sets = {i: shingle_set(text(t), 5) for i, t in enumerate([story, gen.edit(story, 0.03), mixed])}
    kinds = {(x.a, x.b): x.kind for x in verify([(0, 1), (0, 2), (1, 2)], sets)}
    # The mixed text holds a part of the story (3 of its 8 paragraphs): neither copy nor excerpt.
    assert kinds == {(0, 1): COPY, (0, 2): PART, (1, 2): PART}
    with pytest.raises(KeyError, match="no shingle set"):
        verify([(0, 9)], sets)


def test_verify_can_release_the_callers_sets_once_copied():
    gen = Lorem(2)
    story = gen.paragraphs(6)
    texts = [story, gen.edit(story, 0.05), story[:2], gen.paragraphs(6)]
    sets = {i: shingle_set(text(t), 5) for i, t in enumerate(texts)}
    pairs = [(0, 1), (0, 2), (1, 3), (2, 3)]
    kept = verify(pairs, dict(sets), {0: np.array(sorted(sets[3]))[:3]})
    handed = dict(sets)
    assert verify(pairs, handed, {0: np.array(sorted(sets[3]))[:3]}, release=True) == kept
    assert handed == {}
    assert {x.kind for x in kept} == {COPY, EXCERPT}


def reference_verify(pairs, sets, common):
    """verify()'s rule written out pair by pair on Python sets: the oracle for the numpy one."""
    out = []
    for a, b in sorted({(min(p), max(p)) for p in pairs if p[0] != p[1]}):
        sa, sb = set(sets[a]), set(sets[b])
        if not sa or not sb:
            continue
        repeated = set(common.get(a, ())) | set(common.get(b, ()))
        ra, rb = len(sa - repeated), len(sb - repeated)
        shared = len((sa & sb) - repeated)
        if min(ra / len(sa), rb / len(sb)) < MIN_OWN_SHARE:
            ra, rb, shared = len(sa), len(sb), len(sa & sb)
        small, large = sorted((ra, rb))
        if not small:
            continue
        resemblance, containment = shared / (ra + rb - shared), shared / small
        if containment >= EXCERPT_CONTAINMENT and small / large <= EXCERPT_MAX_LENGTH_RATIO:
            kind = EXCERPT
        elif resemblance >= COPY_RESEMBLANCE:
            kind = COPY
        elif DIGEST_PART <= containment <= 1 - DIGEST_OWN:
            kind = PART
        else:
            continue
        shorter = a if len(sa) <= len(sb) else b
        out.append(Link(a, b, resemblance, containment, kind, shorter))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verify_agrees_with_the_rule_written_pair_by_pair(seed, monkeypatch):
    # Families of overlapping sets (copies, excerpts, strangers), sites repeating a footer,
    # one site whose "repeats" are most of its texts; tiny chunks to cross chunk borders.
    monkeypatch.setattr(clusters_module, "_CHUNK_VALUES", 64)
    rng = random.Random(seed)
    sets: dict[int, set[int]] = {}
    for family in range(12):
        base = {rng.randrange(1 << 32) for _ in range(rng.randrange(20, 120))}
        for member in range(5):
            kept = {x for x in base if rng.random() < rng.choice([0.5, 0.9, 1.0])}
            sets[family * 10 + member] = kept | {rng.randrange(1 << 32) for _ in range(5)}
    sets[999] = set()
    footers = {site: {rng.randrange(1 << 32) for _ in range(15)} for site in "xyz"}
    site_of = {i: "xyz"[i % 3] for i in sets}
    for i in sets:
        if sets[i] and rng.random() < 0.7:
            sets[i] |= footers[site_of[i]]
        if sets[i] and rng.random() < 0.3:  # a copy that carried another site's footer along
            sets[i] |= footers[rng.choice("xyz")]
    common = {i: np.array(sorted(footers[site_of[i]])) for i in sets if site_of[i] != "z"}
    common.update({i: np.array(sorted(sets[110] | sets[111])) for i in (110, 111)})
    ids = sorted(sets)
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(600)]
    pairs += [(i, j) for i in ids for j in ids if i // 10 == j // 10]
    as_arrays = {i: np.array(sorted(s), dtype=np.uint32) for i, s in sets.items()}
    for given in (sets, as_arrays):
        for repeats in ({}, common):
            found = verify(pairs, given, repeats)
            expected = reference_verify(pairs, sets, repeats)
            assert [(x.a, x.b, x.kind, x.shorter) for x in found] == [
                (x.a, x.b, x.kind, x.shorter) for x in expected
            ]
            for x, y in zip(found, expected, strict=True):
                assert x.resemblance == pytest.approx(y.resemblance, abs=1e-12)
                assert x.containment == pytest.approx(y.containment, abs=1e-12)
    assert {EXCERPT, COPY, PART} <= {x.kind for x in found}


def test_verify_rejects_hashes_beyond_32_bits():
    with pytest.raises(ValueError, match="32-bit"):
        verify([(1, 2)], {1: {1, 2, 1 << 40}, 2: {1, 2}})
    assert verify([], {}) == []


# -- the whole chain on a corpus with hard negatives --------------------------------------------


def build_corpus(seed: int = 7):
    """Stories with their edited copies and excerpts, plus the hard negatives of the brief.

    Returns (texts by id, sites by id, the expected clusters as frozensets of ids, ids that
    must stay alone).
    """
    gen = Lorem(seed)
    texts: dict[int, str] = {}
    sites: dict[int, str] = {}
    expected: list[frozenset[int]] = []
    next_id = iter(range(1, 10_000))

    def add(blocks: list[str], site: str | None = None) -> int:
        article_id = next(next_id)
        texts[article_id] = text(blocks)
        sites[article_id] = site or f"site{gen.rng.randint(1, 40)}.example"
        return article_id

    wire_stories = []
    for _ in range(6):
        story = gen.paragraphs(gen.rng.randint(9, 13))
        wire_stories.append(story)
        members = [add(story, "wire.example")]
        members += [add(gen.edit(story, rate)) for rate in (0.0, 0.01, 0.03, 0.05)]
        # A republisher's lead-in and a trimmed ending.
        lead_in = "Republished with permission of the original outlet."
        members.append(add([lead_in, *story[:-1]], "republisher.example"))
        members += [add(excerpt(story, share)) for share in (0.3, 0.4, 0.5)]
        members.append(add(excerpt(gen.edit(story, 0.03), 0.35), "aggregator.example"))
        expected.append(frozenset(members))

    # (a) A follow-up reusing 3 background paragraphs of an earlier piece, and its own copy.
    earlier = wire_stories[0]
    follow_up = gen.paragraphs(3) + earlier[2:5] + gen.paragraphs(2)
    expected.append(frozenset([add(follow_up), add(gen.edit(follow_up, 0.02))]))
    # (b) Commentary quoting 2 paragraphs of a wire story: alone.
    lonely = [add(gen.paragraphs(3) + wire_stories[1][1:3] + gen.paragraphs(2))]
    # (c) Short pieces of one publisher carrying the same ~120-word disclaimer: all alone.
    disclaimer = gen.prose(120)
    assert 110 <= len(disclaimer.split()) <= 140
    lonely += [
        add([gen.prose(30), gen.prose(30), disclaimer], "publisher.example") for _ in range(6)
    ]
    # Chaining: A and B share one quotation, B and C another; all three stand alone.
    quote_ab, quote_bc = gen.paragraph(3), gen.paragraph(3)
    lonely.append(add(gen.paragraphs(3) + [quote_ab] + gen.paragraphs(3)))
    lonely.append(add(gen.paragraphs(2) + [quote_ab, quote_bc] + gen.paragraphs(2)))
    lonely.append(add(gen.paragraphs(3) + [quote_bc] + gen.paragraphs(3)))
    lonely += [add(gen.paragraphs(10)) for _ in range(5)]
    return texts, sites, expected, lonely


def test_clusters_hold_every_copy_and_excerpt_and_nothing_else():
    texts, sites, expected, lonely = build_corpus()
    clustering, links = pipeline(texts, sites)
    assert groups(clustering) == set(expected)
    assert not set(lonely) & set(clustering.assignments)
    for members in expected[:6]:
        kinds = [clustering.kinds[a] for a in sorted(members)]
        assert kinds == [COPY] * 6 + [EXCERPT] * 4
        cid = clustering.assignments[min(members)]
        assert clustering.cores[cid] in members
    excerpt_id = sorted(expected[0])[6]  # the 30% excerpt
    assert clustering.containment[excerpt_id] >= 0.8
    assert clustering.similarity[excerpt_id] < COPY_RESEMBLANCE


def test_disclaimer_dominated_short_pieces_stay_apart_given_their_site():
    # The disclaimer is the larger part of each piece: the hardest form of case (c). On shingles
    # alone these pass for copies; the site's own repeats tell the disclaimer from the piece.
    gen = Lorem(11)
    disclaimer = gen.prose(120)
    pieces = {i: text([gen.prose(50), disclaimer]) for i in range(1, 9)}
    sets = {i: shingle_set(t, 5) for i, t in pieces.items()}
    pairs = [(1, j) for j in range(2, 9)]
    assert {x.kind for x in verify(pairs, sets)} == {COPY}
    sites = dict.fromkeys(pieces, "publisher.example")
    assert verify(pairs, sets, site_repeats(sets, sites)) == []
    clustering, _ = pipeline(pieces, sites)
    assert clustering.assignments == {}
    # Copies of one of them elsewhere still cluster, footer and all.
    pieces[9] = pieces[10] = pieces[1]
    sites[9], sites[10] = "aggregator.example", "mirror.example"
    clustering, _ = pipeline(pieces, sites)
    assert groups(clustering) == {frozenset({1, 9, 10})}


def test_excerpts_of_the_middle_join_their_piece_and_quotations_and_digests_stay_apart():
    gen = Lorem(31)
    texts: dict[int, str] = {}
    sites: dict[int, str] = {}

    def add(blocks: list[str], site: str) -> int:
        texts[len(texts) + 1] = text(blocks)
        sites[len(texts)] = site
        return len(texts)

    stories = [gen.paragraphs(12) for _ in range(6)]
    pieces = []
    for n, story in enumerate(stories):
        copy = gen.edit(story, 0.02)
        pieces.append([add(story, f"outlet{n}.example"), add(copy, "mirror.example")])
    more = "Continue reading at the source."
    # Excerpts of the middle: three paragraphs as posted, two after a lead-in line of the
    # aggregator's own, three of the edited copy, and the same excerpt at a second aggregator.
    middle = [
        add([*stories[0][4:7], more], "aggregator.example"),
        add(["Worth a read, from the valley press:", *stories[1][6:8]], "aggregator.example"),
        add([*gen.edit(stories[2], 0.02)[7:10], more], "digest.example"),
        add([*stories[0][4:7], more], "other-aggregator.example"),
    ]
    # A commentary opening with a paragraph from the middle of a story, quoting a second one.
    own = gen.paragraphs(6)
    commentary = add([stories[3][5], *own[:2], stories[3][7], *own[2:]], "opinion.example")
    # Digests: the openings of three stories, the first at length (most of the digest, so its
    # containment in that story passes for an excerpt's), and of three short pieces.
    lead = "Good morning: the news worth your time today."
    digest = add([lead, *stories[4][:6], "More below.", *stories[5][:2]], "roundup.example")
    shorts = [[gen.paragraph(3) for _ in range(4)] for _ in range(3)]
    short_ids = [
        [add(p, "briefs.example"), add(gen.edit(p, 0.01), "mirror.example")] for p in shorts
    ]
    roundup = add(
        [lead, *[x for p in shorts for x in p[:3]], "That is all for today."], "roundup.example"
    )

    clustering, links = pipeline(texts, sites)
    found = {(x.a, x.b): x for x in links}
    # The digest holds most of one story: an excerpt of it, by containment alone ...
    to_lead = found[(min(pieces[4]), digest)]
    assert to_lead.kind == EXCERPT and to_lead.shorter == digest
    # ... and short pieces lie mostly inside the roundup (3 of their 4 paragraphs).
    assert [found[(p[0], roundup)].kind for p in short_ids].count(EXCERPT) >= 2
    expected = {
        frozenset(pieces[0] + [middle[0], middle[3]]),
        frozenset(pieces[1] + [middle[1]]),
        frozenset(pieces[2] + [middle[2]]),
        *(frozenset(p) for p in pieces[3:]),
        *(frozenset(p) for p in short_ids),
    }
    assert groups(clustering) == expected
    assert all(clustering.kinds[m] == EXCERPT for m in middle)
    assert {digest, roundup} <= clustering.digests and commentary not in clustering.digests
    assert not {commentary, digest, roundup} & set(clustering.assignments)


def test_an_excerpt_inside_a_piece_is_no_digest_whatever_else_it_shares():
    # 5 is an excerpt wholly inside 1 (an edited copy 2 holds 75% of it); a roundup 6 quotes
    # half of it and a piece 7 a fifth: 5 still joins 1, and 6 holds parts of 1 and 7.
    links = [
        Link(1, 2, 0.8, 0.9, COPY, 2),
        Link(1, 5, 0.3, 1.0, EXCERPT, 5),
        Link(2, 5, 0.19, 0.75, EXCERPT, 5),
        Link(5, 6, 0.16, 0.49, PART, 5),
        Link(6, 7, 0.12, 0.3, PART, 6),
        Link(1, 6, 0.2, 0.45, PART, 6),
    ]
    clustering = cluster(range(1, 8), links, {}, 1)
    assert groups(clustering) == {frozenset({1, 2, 5})}
    assert clustering.kinds[5] == EXCERPT
    assert clustering.digests == {6}


# -- no chaining and no bridging, on links directly ---------------------------------------------


def test_copy_clusters_are_stars_around_a_verified_core():
    # 1-2 and 2-3 copies of a seed 2, 3-4 a copy of a non-core member: 4 stays out.
    links = [
        Link(1, 2, 0.9, 0.95, COPY, 1),
        Link(2, 3, 0.6, 0.75, COPY, 3),
        Link(3, 4, 0.6, 0.75, COPY, 4),
        Link(4, 5, 0.9, 0.95, COPY, 4),
    ]
    clustering = cluster(range(1, 6), links, {}, 1)
    assert groups(clustering) == {frozenset({1, 2, 3}), frozenset({4, 5})}
    # A latecomer linked to a core member (1 is 0.9 like the seed 2) does join.
    late = cluster(range(1, 7), [*links, Link(1, 6, 0.7, 0.8, COPY, 6)], {}, 1)
    assert late.assignments[6] == late.assignments[2]
    assert late.similarity[6] == 0.7


def test_an_excerpt_attaches_to_one_cluster_only():
    # 5 is an excerpt of both 1 (0.95) and 3 (0.85); 1-2 and 3-4 are separate pieces.
    links = [
        Link(1, 2, 0.9, 0.95, COPY, 1),
        Link(3, 4, 0.9, 0.95, COPY, 3),
        Link(1, 5, 0.3, 0.95, EXCERPT, 5),
        Link(3, 5, 0.25, 0.85, EXCERPT, 5),
        Link(5, 6, 0.95, 0.97, COPY, 6),  # another aggregator posting the same excerpt
    ]
    clustering = cluster(range(1, 7), links, {}, 1)
    assert groups(clustering) == {frozenset({1, 2, 5, 6}), frozenset({3, 4})}
    assert clustering.kinds[5] == clustering.kinds[6] == EXCERPT
    assert clustering.containment[6] == 0.95


# -- stable ids ---------------------------------------------------------------------------------


def test_ids_survive_a_rerun_and_growth():
    texts, sites, expected, _ = build_corpus()
    first, _ = pipeline(texts, sites, {}, 1)
    assert sorted(set(first.assignments.values())) == list(range(1, len(expected) + 1))
    assert first.next_id == len(expected) + 1
    again, _ = pipeline(texts, sites, first.assignments, first.next_id)
    assert again.assignments == first.assignments and again.next_id == first.next_id
    # A new copy joins its cluster under the old id; a new pair of copies gets the next id.
    gen = Lorem(99)
    story = gen.paragraphs(9)
    grown = dict(texts)
    grown[500] = texts[min(expected[2])] + "\nA line the copier added."
    grown[501], grown[502] = text(story), text(gen.edit(story, 0.02))
    grown_sites = {**sites, 500: "late.example", 501: "new.example", 502: "other.example"}
    later, _ = pipeline(grown, grown_sites, first.assignments, first.next_id)
    for article_id, cluster_id in first.assignments.items():
        assert later.assignments[article_id] == cluster_id
    assert later.assignments[500] == first.assignments[min(expected[2])]
    assert later.assignments[501] == later.assignments[502] == first.next_id
    assert later.next_id == first.next_id + 1


def test_merge_keeps_the_older_id_and_a_split_keeps_it_with_the_larger_part():
    links = [Link(1, 2, 0.9, 0.9, COPY, 1), Link(2, 3, 0.9, 0.9, COPY, 3)]
    previous = {1: 7, 2: 7, 3: 4, 9: 5}  # article 9 is gone; its cluster id is never reused
    merged = cluster([1, 2, 3], links, previous, 8)
    assert set(merged.assignments.values()) == {4}
    assert merged.next_id == 8
    split = cluster(
        [1, 2, 3, 4, 5],
        [
            Link(1, 2, 0.9, 0.9, COPY, 1),
            Link(1, 3, 0.9, 0.9, COPY, 1),
            Link(4, 5, 0.9, 0.9, COPY, 4),
        ],
        {1: 3, 2: 3, 3: 3, 4: 3, 5: 3},
        6,
    )
    assert split.assignments == {1: 3, 2: 3, 3: 3, 4: 6, 5: 6}
    assert split.next_id == 7


def test_singletons_get_no_cluster():
    clustering = cluster([1, 2, 3], [], {1: 4}, 5)
    assert clustering.assignments == {} and clustering.next_id == 5
