"""Verification of LSH candidates and clustering without chaining; cluster ids stay stable.

verify() turns candidate pairs into links by exact shingle-set arithmetic: "copy" (most of both
texts shared), "excerpt" (most of the shorter text is in the longer one, wherever it was taken
from: the start or the middle) and "part" (a large share of one text is in the other, but
neither is a copy or an excerpt: a quotation, reused paragraphs, a digest's teaser). cluster()
builds clusters from copy links as stars around a seed: an article joins a cluster only through
a verified link to the seed or to a near-identical copy of it (the core), never through a chain
of members, so two pieces that merely share a paragraph, a quotation or a disclaimer stay apart
even when a third text resembles both. Excerpts are then attached, each group of them to the
ONE cluster they are most contained in, so an excerpt can never bridge two clusters.

A digest (a page holding large parts of two or more different pieces, say the openings of
three) is an excerpt of none of them, and none of them is an excerpt of it, even where one
piece makes up most of it: part and excerpt links tell which pieces a text holds parts of, and
cluster() leaves a digest's excerpt links out. A commentary quoting two paragraphs of a piece
holds part of one piece only: it is no digest, and no excerpt either, since most of its text is
its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

import numpy as np

COPY_RESEMBLANCE = 0.5  # Jaccard of shingle sets at which two texts are copies of one piece
EXCERPT_CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one; as
# edit-tolerant as COPY_RESEMBLANCE (J = 0.5 means about 2/3 of shingles survive the edits)
EXCERPT_MAX_LENGTH_RATIO = 0.75  # an excerpt has at most this share of the longer's shingles
CORE_RESEMBLANCE = 0.8  # copies this close to the seed count as the core (as good as the seed)
SITE_REPEAT_MIN_ARTICLES = 3  # a shingle in this many texts of one site is that site's boilerplate
MIN_OWN_SHARE = 0.15  # share of a text that must remain once site repeats are left out
DIGEST_PART = 0.2  # share of a text another piece must cover to count as one of the pieces it
# holds parts of (a digest holds parts of two or more) ...
DIGEST_OWN = 0.1  # ... while keeping this share of its own text outside it
DIGEST_OVERLAP = 0.1  # how far two pieces' shares of a digest may add up beyond the whole

COPY = "copy"
EXCERPT = "excerpt"
PART = "part"


class Link(NamedTuple):
    """A verified pair a < b; `shorter` is the one with fewer shingles (the excerpt, if any).

    A named tuple, not a dataclass: a scheduled run reads every stored link back, and a tuple
    is made several times faster."""

    a: int
    b: int
    resemblance: float
    containment: float
    kind: str
    shorter: int | None = None

    @property
    def longer(self) -> int | None:
        if self.shorter is None:
            return None
        return self.b if self.shorter == self.a else self.a

    @property
    def longer_share(self) -> float:
        """The share of the longer text found in the shorter, from resemblance and containment:
        with s shared shingles, the shorter has s / c and the longer s / J + s - s / c."""
        if self.resemblance <= 0 or self.containment <= 0:
            return 0.0
        return 1.0 / (1.0 / self.resemblance + 1.0 - 1.0 / self.containment)


@dataclass
class Clustering:
    """Result of cluster(): per-article cluster id, kind and scores, for clusters of 2 or more."""

    assignments: dict[int, int] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    similarity: dict[int, float] = field(default_factory=dict)
    containment: dict[int, float] = field(default_factory=dict)
    cores: dict[int, int] = field(default_factory=dict)  # cluster id -> its seed article
    next_id: int = 1
    digests: set[int] = field(default_factory=set)  # articles holding parts of several pieces

    def members(self) -> dict[int, list[int]]:
        """cluster id -> sorted article ids."""
        out: dict[int, list[int]] = defaultdict(list)
        for article_id, cluster_id in sorted(self.assignments.items()):
            out[cluster_id].append(article_id)
        return dict(out)


def _as_array(shingles: set | frozenset | np.ndarray) -> np.ndarray:
    if (
        isinstance(shingles, np.ndarray)
        and shingles.ndim == 1
        and np.all(shingles[1:] > shingles[:-1])
    ):
        return shingles
    return np.unique(np.asarray(shingles if isinstance(shingles, np.ndarray) else list(shingles)))


def site_repeats(
    shingle_sets: Mapping[int, set | frozenset | np.ndarray],
    sites: Mapping[int, str],
    min_articles: int = SITE_REPEAT_MIN_ARTICLES,
) -> dict[int, np.ndarray]:
    """Per article, the shingles its site repeats across at least `min_articles` of its texts.

    Pass the result to verify(common=...). A disclaimer or standing footer that survived
    boilerplate stripping is what makes two short pieces of one publisher look alike. A piece
    the site posted twice is one text here (identical shingle sets count once); one it posted
    in three versions is caught by verify's MIN_OWN_SHARE rule instead.
    """
    by_site: dict[str, dict[bytes, np.ndarray]] = defaultdict(dict)
    for article_id, shingles in shingle_sets.items():
        if article_id in sites:
            array = _as_array(shingles)
            by_site[sites[article_id]][array.tobytes()] = array
    repeats: dict[str, np.ndarray] = {}
    for site, distinct in by_site.items():
        if len(distinct) >= min_articles:
            values, counts = np.unique(np.concatenate(list(distinct.values())), return_counts=True)
            if (counts >= min_articles).any():
                repeats[site] = values[counts >= min_articles]
    return {a: repeats[site] for a, site in sites.items() if site in repeats}


def verify(
    pairs: Iterable[tuple[int, int]],
    shingle_sets: Mapping[int, set | frozenset | np.ndarray],
    common: Mapping[int, np.ndarray] | None = None,
    *,
    release: bool = False,
) -> list[Link]:
    """Exact check of candidate pairs; keeps copies, excerpts and parts, drops the rest.

    Values of `shingle_sets` are Python sets or numpy arrays of shingle hashes
    (dedupe.signatures.shingle_set / Profiles.shingle_sets: sorted and unique).

    `common` (from site_repeats) gives, per article, shingles its site repeats. For a pair,
    both sites' repeats are left out of both texts before measuring, so that short pieces
    sharing a leftover disclaimer do not pass for copies. When that would leave either text
    with less than MIN_OWN_SHARE of its shingles, the "repeat" is the text itself (a site
    that posted one piece in several versions) and the pair is measured in full.

    Every pair is measured at once in numpy (see _Sets.overlaps), not one pair at a time: a
    first run over a whole database verifies hundreds of thousands of pairs.

    `release`: clear `shingle_sets` (a mutable mapping the caller needs no more) once they are
    copied, before the copies that leave out site repeats are made: at 100,000 articles each
    copy is a few hundred MB.
    """
    common = common or {}
    a_ids, b_ids = _unique_pairs(pairs)
    ids = np.unique(np.concatenate([a_ids, b_ids]))
    missing = [i for i in ids.tolist() if i not in shingle_sets]
    if missing:
        raise KeyError(f"no shingle set for article {missing[0]}: pass one per candidate")
    full = _Sets.of([shingle_sets[i] for i in ids.tolist()])
    if release:
        shingle_sets.clear()
    a, b = np.searchsorted(ids, a_ids), np.searchsorted(ids, b_ids)
    keep = (full.lengths[a] > 0) & (full.lengths[b] > 0)
    a, b = a[keep], b[keep]
    na, nb = full.lengths[a], full.lengths[b]
    ra, rb = na, nb
    repeats = _Repeats([common.get(i) for i in ids.tolist()])
    if repeats.any:
        # Each side loses the shingles its own site repeats (A' = A - Ra) and those the other
        # site repeats (A' & Rb). The shingles both keep are exactly |A' & B'|, since
        # A & B - (Ra | Rb) = (A - Ra) & (B - Rb).
        own = np.concatenate(
            [np.zeros(0, dtype=bool)]
            + [  # in slices of rows, which bounds the temporary keys
                repeats.holds(full.keyed(rows, repeats.group[rows]))
                for rows in np.array_split(np.arange(len(ids)), len(ids) // _KEYED_ROWS + 1)
            ]
        )
        # The sets without their own repeats are made in place of the full ones (a second
        # copy was the peak of a large first run): first what needs the full sets.
        kept = full.lengths - _segment_sums(own, full.lengths)
        flag = repeats.anywhere(full.values) & ~own  # kept values some site repeats
        flagged = _Sets(full.values[flag], _segment_sums(flag, full.lengths))
        del flag
        ra = kept[a] - repeats.count_in(flagged, a, repeats.group[b])
        rb = kept[b] - repeats.count_in(flagged, b, repeats.group[a])
        # Leaving the repeats out would leave too little: the repeat is the text itself.
        whole = np.minimum(ra / na, rb / nb) < MIN_OWN_SHARE
        ra, rb = np.where(whole, na, ra), np.where(whole, nb, rb)
        in_full = full.overlaps(a[whole], b[whole])
        full.drop_in_place(own)
        del own
        shared = full.overlaps(a, b)
        shared[whole] = in_full
    else:
        shared = full.overlaps(a, b)
    kinds, resemblance, containment = _judge(ra, rb, shared)
    found = np.flatnonzero(kinds != "")
    a_id, b_id = ids[a[found]].tolist(), ids[b[found]].tolist()
    # The shorter by full shingle count, ties to the smaller id (a < b).
    shorter = np.where(na[found] <= nb[found], ids[a[found]], ids[b[found]]).tolist()
    return [
        Link(*link)
        for link in zip(
            a_id,
            b_id,
            resemblance[found].tolist(),
            containment[found].tolist(),
            kinds[found].tolist(),
            shorter,
            strict=True,
        )
    ]


def _unique_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs as (a, b) arrays with a < b, sorted; self pairs dropped."""
    flat = np.array([p for p in pairs if p[0] != p[1]], dtype=np.int64).reshape(-1, 2)
    flat.sort(axis=1)
    flat = np.unique(flat, axis=0)
    return flat[:, 0], flat[:, 1]


def _judge(na: np.ndarray, nb: np.ndarray, shared: np.ndarray):
    """Kind ("copy", "excerpt", "part" or ""), resemblance and containment of the smaller, from
    set sizes.

    A markedly shorter text held by the longer one is an excerpt even when, at about half the
    length, its resemblance would pass for a copy. A pair that is neither, where the shorter
    has between DIGEST_PART and 1 - DIGEST_OWN of its shingles in the longer, is a part: what
    cluster() needs to tell a digest (see the module's docstring).
    """
    small, large = np.minimum(na, nb), np.maximum(na, nb)
    usable = small > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        resemblance = np.where(usable, shared / (na + nb - shared), 0.0)
        containment = np.where(usable, shared / small, 0.0)
        ratio = np.where(usable, small / large, 1.0)
    excerpt = usable & (containment >= EXCERPT_CONTAINMENT) & (ratio <= EXCERPT_MAX_LENGTH_RATIO)
    copy = usable & ~excerpt & (resemblance >= COPY_RESEMBLANCE)
    part = (
        usable & ~excerpt & ~copy & (containment >= DIGEST_PART) & (containment <= 1 - DIGEST_OWN)
    )
    kinds = np.where(excerpt, EXCERPT, np.where(copy, COPY, np.where(part, PART, "")))
    return kinds, resemblance, containment


_CHUNK_VALUES = 1 << 16  # shingles looked up at once by _Sets.overlaps: small temporaries that
# stay in cache and are reused by the allocator, instead of fresh pages for every array
_SENTINEL = np.iinfo(np.int64).max  # ends every key array, so searchsorted never runs off it
_KEYED_ROWS = 4_000  # rows keyed at once to find their site repeats (the keys take 8 bytes a
# shingle, their positions 16 more while they are made: bounded by the slice, not the run)
_BUCKET_SHIFT = 12  # _Repeats' prefilter: one flag per 4,096 shingle hashes (a 1 MB table)


class _Sets:
    """Shingle sets of many articles in one flat array (row i = values[offsets[i]:offsets[i+1]],
    sorted and unique), so that set arithmetic over many pairs is a few numpy calls."""

    def __init__(self, values: np.ndarray, lengths: np.ndarray) -> None:
        self.values, self.lengths = values, lengths
        self.offsets = np.concatenate(([0], np.cumsum(lengths)))

    @classmethod
    def of(cls, sets: list) -> _Sets:
        """From numpy arrays (sorted and unique, as Profiles gives them) or Python sets."""
        arrays = [
            s if isinstance(s, np.ndarray) else np.fromiter(s, dtype=np.int64, count=len(s))
            for s in sets
        ]
        lengths = np.array([len(x) for x in arrays], dtype=np.int64)
        values = np.concatenate(arrays) if arrays else np.empty(0, np.uint32)
        if len(values) and (values.min() < 0 or values.max() >= 1 << 32):
            raise ValueError("shingle hashes must be 32-bit unsigned values")
        values = values.astype(np.uint32, copy=False)  # half the memory of int64
        made = cls(values, lengths)
        # One vectorised check; only rows that fail it (Python sets, unsorted input) are redone.
        # Descents are found first and kept where they lie inside a row (not at a row's start):
        # no per-value row numbers (8 bytes a shingle, the peak of a large first run).
        at = np.flatnonzero(values[1:] <= values[:-1])
        at = at[~np.isin(at + 1, made.offsets)]
        bad = np.unique(np.searchsorted(made.offsets, at, "right") - 1)
        if not len(bad):
            return made
        rows = [made.values[made.offsets[i] : made.offsets[i + 1]] for i in range(len(lengths))]
        for i in bad.tolist():
            rows[i] = np.unique(rows[i])
        return cls(np.concatenate(rows), np.array([len(r) for r in rows], dtype=np.int64))

    def owners(self) -> np.ndarray:
        """The row of each value."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def drop_in_place(self, drop: np.ndarray) -> None:
        """Leave out the values where `drop` is True, in this set's own array: kept values move
        forward a chunk at a time, so the whole is never held twice."""
        kept = 0
        for start in range(0, len(self.values), _CHUNK_VALUES * 16):
            part = self.values[start : start + _CHUNK_VALUES * 16]
            part = part[~drop[start : start + _CHUNK_VALUES * 16]]  # a copy: safe to write below
            self.values[kept : kept + len(part)] = part
            kept += len(part)
        self.values = self.values[:kept]
        self.lengths = self.lengths - _segment_sums(drop, self.lengths)
        self.offsets = np.concatenate(([0], np.cumsum(self.lengths)))

    def keyed(self, rows: np.ndarray, tags: np.ndarray) -> np.ndarray:
        """The values of `rows`, one row after another, each as (its row's tag << 32 | value)."""
        lengths = self.lengths[rows]
        positions = np.repeat(self.offsets[rows] - (np.cumsum(lengths) - lengths), lengths)
        positions += np.arange(len(positions))
        keys = np.repeat(np.asarray(tags, dtype=np.int64) << 32, lengths)
        keys |= self.values[positions]
        return keys

    def overlaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """|row a[k] & row b[k]| for every k.

        The shorter row of each pair is looked up in the longer one. Pairs go in chunks of
        about _CHUNK_VALUES looked-up values; within a chunk the longer rows are laid end to end
        under keys (chunk-local row << 32 | value), which are sorted, so one searchsorted finds
        every value of every pair.
        """
        out = np.zeros(len(a), dtype=np.int64)
        if not len(a):
            return out
        a_shorter = self.lengths[a] <= self.lengths[b]
        small, large = np.where(a_shorter, a, b), np.where(a_shorter, b, a)
        order = np.argsort(large, kind="stable")  # neighbouring pairs share longer rows
        cost = np.cumsum(self.lengths[small[order]])
        cuts = np.searchsorted(cost, np.arange(_CHUNK_VALUES, cost[-1], _CHUNK_VALUES))
        for chunk in np.split(order, cuts):
            if not len(chunk):
                continue
            targets, local = np.unique(large[chunk], return_inverse=True)
            keys = np.append(self.keyed(targets, np.arange(len(targets))), _SENTINEL)
            queries = self.keyed(small[chunk], local)
            found = keys[np.searchsorted(keys, queries)] == queries
            out[chunk] = _segment_sums(found, self.lengths[small[chunk]])
        return out


def _segment_sums(flags: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """How many of each consecutive segment of `flags` (of the given lengths) are True.

    Summed segment by segment (reduceat), not through a running count: that was 8 bytes per
    flag, twice the shingle sets themselves when `flags` has one per shingle of a large run."""
    out = np.zeros(len(lengths), dtype=np.int64)
    filled = np.flatnonzero(lengths > 0)
    if len(filled):  # reduceat sums from each start to the next; empty segments lie between
        starts = (np.cumsum(lengths) - lengths)[filled]
        out[filled] = np.add.reduceat(flags, starts, dtype=np.int64)
    return out


class _Repeats:
    """The distinct site-repeat arrays of the articles (row i: `group[i]`, -1 for none), laid out
    as sorted keys (group << 32 | shingle) for vectorised membership tests."""

    def __init__(self, per_row: list[np.ndarray | None]) -> None:
        group_of: dict[int, int] = {}
        arrays: list[np.ndarray] = []
        self.group = np.full(len(per_row), -1, dtype=np.int64)
        for i, repeat in enumerate(per_row):
            if repeat is None or not len(repeat):
                continue
            if id(repeat) not in group_of:
                group_of[id(repeat)] = len(arrays)
                arrays.append(np.unique(np.asarray(repeat, dtype=np.int64)))
            self.group[i] = group_of[id(repeat)]
        self.any = bool(arrays)
        self.keys = np.concatenate(
            [(g << 32) | array for g, array in enumerate(arrays)] + [[_SENTINEL]]
        ).astype(np.int64)
        self.every = np.append(np.unique(np.concatenate(arrays or [[]])), _SENTINEL)
        self.buckets = np.zeros(1 << (32 - _BUCKET_SHIFT), dtype=bool)
        self.buckets[self.every[:-1].astype(np.int64) >> _BUCKET_SHIFT] = True

    def holds(self, keys: np.ndarray) -> np.ndarray:
        """For each key (group << 32 | shingle), whether that group's repeats hold the shingle;
        never for group -1."""
        return self._member(keys, keys & 0xFFFFFFFF, self.keys)

    def anywhere(self, values: np.ndarray) -> np.ndarray:
        """For each value, whether any site repeats it."""
        return self._member(values, values, self.every)

    def _member(self, keys: np.ndarray, values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
        # Few shingles are repeats: a bitmap of their top bits clears most values in one
        # lookup, and only the rest are searched for.
        out = np.zeros(len(keys), dtype=bool)
        for start in range(0, len(keys), _CHUNK_VALUES * 16):
            part = slice(start, start + _CHUNK_VALUES * 16)
            maybe = start + np.flatnonzero(self.buckets[values[part] >> _BUCKET_SHIFT])
            out[maybe] = sorted_keys[np.searchsorted(sorted_keys, keys[maybe])] == keys[maybe]
        return out

    def count_in(self, sets: _Sets, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Per k, how many values of row rows[k] of `sets` the repeats of groups[k] hold."""
        return _segment_sums(self.holds(sets.keyed(rows, groups)), sets.lengths[rows])


@dataclass
class _Unit:
    """A seed with the copies verified against it (or a lone article)."""

    seed: int
    members: list[int]
    core: set[int]
    scores: dict[int, tuple[float, float]]  # member -> (similarity, containment) to the core


def _copy_units(universe: set[int], links: list[Link]) -> dict[int, _Unit]:
    """Stars of copies around seeds, plus lone articles; article -> its unit."""
    adj: dict[int, dict[int, Link]] = defaultdict(dict)
    for link in links:
        if link.kind == COPY:
            adj[link.a][link.b] = link
            adj[link.b][link.a] = link
    # Seeds: most copy links first (the piece everybody copied), then highest total similarity.
    order = sorted(
        adj, key=lambda n: (-len(adj[n]), -sum(x.resemblance for x in adj[n].values()), n)
    )
    unit_of: dict[int, _Unit] = {}
    for seed in order:
        if seed in unit_of:
            continue
        joining = sorted(n for n in adj[seed] if n not in unit_of)
        if not joining:
            continue
        unit = _Unit(seed, [seed], {seed}, {seed: (1.0, 1.0)})
        for n in joining:
            link = adj[seed][n]
            unit.members.append(n)
            unit.scores[n] = (link.resemblance, link.containment)
            if link.resemblance >= CORE_RESEMBLANCE:
                unit.core.add(n)
        for n in unit.members:
            unit_of[n] = unit
    # Latecomers whose seed-neighbours were all taken: join through a link to a core member.
    for n in sorted(set(adj) - set(unit_of)):
        best = max(
            (
                (link.resemblance, -unit_of[m].seed, m)
                for m, link in adj[n].items()
                if m in unit_of and m in unit_of[m].core
            ),
            default=None,
        )
        if best is None:
            continue
        unit = unit_of[best[2]]
        link = adj[n][best[2]]
        unit.members.append(n)
        unit.scores[n] = (link.resemblance, link.containment)
        unit_of[n] = unit
    for n in sorted(universe - set(unit_of)):
        unit_of[n] = _Unit(n, [n], {n}, {n: (1.0, 1.0)})
    return unit_of


def _attach_excerpts(unit_of: dict[int, _Unit], links: list[Link]) -> dict[int, tuple[int, Link]]:
    """seed of an excerpt unit -> (seed of the unit it is most contained in, the link)."""
    best: dict[int, tuple[tuple, int, Link]] = {}
    for link in links:
        if link.kind != EXCERPT or link.shorter is None:
            continue
        short, long_ = unit_of[link.shorter], unit_of[link.longer]  # type: ignore[index]
        if short is long_ or link.shorter != short.seed:
            continue  # a unit moves by its seed's evidence only
        rank = (link.containment, len(long_.members), -long_.seed)
        if short.seed not in best or rank > best[short.seed][0]:
            best[short.seed] = (rank, long_.seed, link)
    return {seed: (target, link) for seed, (_, target, link) in best.items()}


def _digests(links: list[Link], unit_of: dict[int, _Unit]) -> dict[int, set[int]]:
    """Texts holding large parts of two or more different pieces -> the texts they hold parts of.

    y is one of the pieces x holds a part of when y covers at least DIGEST_PART of x, not all
    of it, and has DIGEST_OWN or more of its own text outside x (an excerpt of x, wholly inside
    it, is not a piece x holds a part of). Two such pieces are different when they are in
    different copy units, no link joins them (texts sharing some of their own text may cover
    the same part of x) and their parts of x can be apart (their shares of x add up to at most
    one, give or take DIGEST_OVERLAP: each pair is measured without its sites' repeats). A text
    lying wholly inside another (an excerpt with more than 1 - DIGEST_OWN of its text there) is
    no digest, whatever else it shares text with.
    """
    held: dict[int, dict[int, float]] = defaultdict(dict)
    inside: set[int] = set()
    for link in links:
        if link.kind not in (EXCERPT, PART) or link.shorter is None:
            continue
        if link.kind == EXCERPT and link.containment > 1 - DIGEST_OWN:
            inside.add(link.shorter)
        if not DIGEST_PART <= link.containment <= 1 - DIGEST_OWN:
            continue
        longer = link.longer
        held[link.shorter][longer] = link.containment  # type: ignore[index]
        if link.longer_share >= DIGEST_PART:
            held[longer][link.shorter] = link.longer_share  # type: ignore[index]
    held = {x: ys for x, ys in held.items() if len(ys) >= 2 and x not in inside}
    if not held:
        return {}
    involved = {y for ys in held.values() for y in ys}
    joined = {(link.a, link.b) for link in links if link.a in involved and link.b in involved}

    def different(shares: dict[int, float], y1: int, y2: int) -> bool:
        return (
            unit_of[y1] is not unit_of[y2]
            and (min(y1, y2), max(y1, y2)) not in joined
            and shares[y1] + shares[y2] <= 1 + DIGEST_OVERLAP
        )

    return {
        x: set(ys)
        for x, ys in held.items()
        if any(different(ys, y1, y2) for y1, y2 in combinations(sorted(ys), 2))
    }


def _stable_ids(
    groups: list[list[int]], previous: Mapping[int, int], next_id: int
) -> tuple[list[int], int]:
    """An id per group: each previous cluster's id goes to the group holding most of its
    articles; a group inheriting several keeps the oldest (smallest); others get new ids."""
    next_id = max([next_id, *(cid + 1 for cid in previous.values())])
    holders: dict[int, Counter] = defaultdict(Counter)
    for g, members in enumerate(groups):
        for article_id in members:
            if article_id in previous:
                holders[previous[article_id]][g] += 1
    inherited: dict[int, list[int]] = defaultdict(list)
    for old_id, counts in holders.items():
        heir = min(counts, key=lambda g: (-counts[g], min(groups[g])))
        inherited[heir].append(old_id)
    ids = []
    for g in range(len(groups)):
        if inherited[g]:
            ids.append(min(inherited[g]))
        else:
            ids.append(next_id)
            next_id += 1
    return ids, next_id


def cluster(
    ids: Iterable[int],
    links: Iterable[Link],
    previous: Mapping[int, int] | None = None,
    next_id: int = 1,
) -> Clustering:
    """Clusters of copies and excerpts among `ids` (links to other ids are ignored).

    `previous` maps article -> cluster id of the last run; ids carry over (see _stable_ids) and
    new clusters get next_id, next_id + 1, ... in the order of their smallest article id.
    """
    universe = {int(i) for i in ids}
    links = [x for x in links if x.a in universe and x.b in universe]
    unit_of = _copy_units(universe, links)
    units = {u.seed: u for u in unit_of.values()}
    digests = _digests(links, unit_of)
    # A digest is an excerpt of none of the pieces it holds parts of, nor they of it.
    excerpts = [
        x
        for x in links
        if x.kind == EXCERPT
        and x.shorter not in digests
        and x.shorter not in digests.get(x.longer, ())  # type: ignore[arg-type]
    ]
    attach = _attach_excerpts(unit_of, excerpts)

    def root(seed: int) -> int:
        seen = {seed}
        while seed in attach and attach[seed][0] not in seen:
            seed = attach[seed][0]
            seen.add(seed)
        return seed

    grouped: dict[int, list[_Unit]] = defaultdict(list)
    for seed in sorted(units):
        grouped[root(seed)].append(units[seed])
    result = Clustering(next_id=next_id, digests=set(digests))
    roots = sorted(
        (r for r, us in grouped.items() if sum(len(u.members) for u in us) >= 2),
        key=lambda r: min(a for u in grouped[r] for a in u.members),
    )
    groups = [sorted(a for u in grouped[r] for a in u.members) for r in roots]
    cluster_ids, result.next_id = _stable_ids(groups, previous or {}, next_id)
    for r, cluster_id in zip(roots, cluster_ids, strict=True):
        result.cores[cluster_id] = r
        for unit in grouped[r]:
            kind = COPY if unit.seed == r else EXCERPT
            for article_id in unit.members:
                similarity, containment = unit.scores[article_id]
                if kind == EXCERPT:
                    # Scores against the cluster: the seed's excerpt link, shared by its copies.
                    link = attach[unit.seed][1]
                    similarity, containment = link.resemblance, link.containment
                result.assignments[article_id] = cluster_id
                result.kinds[article_id] = kind
                result.similarity[article_id] = round(similarity, 4)
                result.containment[article_id] = round(containment, 4)
    return result
