"""Verification of LSH candidates and clustering without chaining; cluster ids stay stable.

verify() turns candidate pairs into links by exact shingle-set arithmetic. cluster() builds
clusters from "copy" links as stars around a seed: an article joins a cluster only through a
verified link to the seed or to a near-identical copy of it (the core), never through a chain of
members, so two pieces that merely share a paragraph, a quotation or a disclaimer stay apart even
when a third text resembles both. Excerpts are then attached, each group of them to the ONE
cluster they are most contained in, so an excerpt can never bridge two clusters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

COPY_RESEMBLANCE = 0.5  # Jaccard of shingle sets at which two texts are copies of one piece
EXCERPT_CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one; as
# edit-tolerant as COPY_RESEMBLANCE (J = 0.5 means about 2/3 of shingles survive the edits)
EXCERPT_MAX_LENGTH_RATIO = 0.75  # an excerpt has at most this share of the longer's shingles
CORE_RESEMBLANCE = 0.8  # copies this close to the seed count as the core (as good as the seed)
SITE_REPEAT_MIN_ARTICLES = 3  # a shingle in this many texts of one site is that site's boilerplate
MIN_OWN_SHARE = 0.15  # share of a text that must remain once site repeats are left out

COPY = "copy"
EXCERPT = "excerpt"


@dataclass(frozen=True)
class Link:
    """A verified pair a < b; `shorter` is the one with fewer shingles (the excerpt, if any)."""

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


@dataclass
class Clustering:
    """Result of cluster(): per-article cluster id, kind and scores, for clusters of 2 or more."""

    assignments: dict[int, int] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    similarity: dict[int, float] = field(default_factory=dict)
    containment: dict[int, float] = field(default_factory=dict)
    cores: dict[int, int] = field(default_factory=dict)  # cluster id -> its seed article
    next_id: int = 1

    def members(self) -> dict[int, list[int]]:
        """cluster id -> sorted article ids."""
        out: dict[int, list[int]] = defaultdict(list)
        for article_id, cluster_id in sorted(self.assignments.items()):
            out[cluster_id].append(article_id)
        return dict(out)


def _as_array(shingles: set | frozenset | np.ndarray) -> np.ndarray:
    if isinstance(shingles, np.ndarray) and _is_sorted_unique(shingles):
        return shingles
    return np.unique(np.asarray(shingles if isinstance(shingles, np.ndarray) else list(shingles)))


def classify(resemblance: float, containment: float, length_ratio: float) -> str | None:
    """The kind of link two texts make, or None when they are not one piece.

    A markedly shorter text held by the longer one is an excerpt even when, at about half the
    length, its resemblance would pass for a copy.
    """
    if containment >= EXCERPT_CONTAINMENT and length_ratio <= EXCERPT_MAX_LENGTH_RATIO:
        return EXCERPT
    if resemblance >= COPY_RESEMBLANCE:
        return COPY
    return None


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
) -> list[Link]:
    """Exact check of candidate pairs; keeps copies and excerpts, drops the rest.

    Values of `shingle_sets` are Python sets or numpy arrays of shingle hashes
    (dedupe.signatures.shingle_set / Profiles.shingle_sets: sorted and unique).

    `common` (from site_repeats) gives, per article, shingles its site repeats. For a pair,
    both sites' repeats are left out of both texts before measuring, so that short pieces
    sharing a leftover disclaimer do not pass for copies. When that would leave either text
    with less than MIN_OWN_SHARE of its shingles, the "repeat" is the text itself (a site
    that posted one piece in several versions) and the pair is measured in full.
    """
    common = common or {}
    arrays: dict[int, np.ndarray] = {}
    # Per article, its shingles that some site repeats ("flagged"): usually a handful, so the
    # repeat arithmetic runs on small Python sets instead of whole-text numpy set operations.
    # (Whole texts stay numpy arrays: a Python set of 400 ints costs ten times the memory.)
    distinct = _distinct(common.values())
    repeat_sets = {id(r): frozenset(r.tolist()) for r in distinct}
    every_repeat = np.unique(
        np.concatenate([np.asarray(r, dtype=np.int64) for r in distinct] or [[]])
    ).astype(np.int64)
    flagged: dict[int, frozenset] = {}
    own: dict[int, frozenset] = {}  # flagged shingles that the article's own site repeats

    def get(article_id: int) -> np.ndarray:
        if article_id not in arrays:
            if article_id not in shingle_sets:
                raise KeyError(f"no shingle set for article {article_id}: pass one per candidate")
            array = _as_array(shingle_sets[article_id]).astype(np.int64, copy=False)
            arrays[article_id] = array
            hits = array[:0]
            if len(every_repeat):
                pos = np.searchsorted(every_repeat, array)
                hits = array[every_repeat[np.minimum(pos, len(every_repeat) - 1)] == array]
            flagged[article_id] = frozenset(hits.tolist())
            mine = common.get(article_id)
            own[article_id] = (
                flagged[article_id] & repeat_sets[id(mine)] if mine is not None else frozenset()
            )
        return arrays[article_id]

    partners: dict[int, list[int]] = defaultdict(list)
    for a, b in sorted({(min(p), max(p)) for p in pairs if p[0] != p[1]}):
        partners[a].append(b)
    links = []
    for a, others in partners.items():
        sa = get(a)
        others = [b for b in others if len(get(b))]
        if not len(sa) or not others:
            continue
        # |sa & sb| for all partners b at once: look their shingles up in the sorted sa.
        lengths = [len(arrays[b]) for b in others]
        everything = np.concatenate([arrays[b] for b in others])
        pos = np.searchsorted(sa, everything)
        pos[pos == len(sa)] = 0
        owner = np.repeat(np.arange(len(others)), lengths)
        counts = np.bincount(owner[sa[pos] == everything], minlength=len(others)).tolist()
        for b, shared in zip(others, counts, strict=True):
            links += _link(a, b, len(sa), len(arrays[b]), shared, common, flagged, own, repeat_sets)
    return links


def _link(
    a: int,
    b: int,
    na: int,
    nb: int,
    shared: int,
    common: Mapping[int, np.ndarray],
    flagged: Mapping[int, frozenset],
    own: Mapping[int, frozenset],
    repeat_sets: Mapping[int, frozenset],
) -> list[Link]:
    """The pair's link (a list of one) or [] once both sites' repeats are left out."""
    ca, cb = common.get(a), common.get(b)
    ra, rb, rshared = na, nb, shared
    if (ca is not None or cb is not None) and (flagged[a] or flagged[b]):
        # Each side loses its shingles repeated by its own site or by the other's.
        gone_a, gone_b = own[a], own[b]
        if ca is not cb:
            if cb is not None:
                gone_a = gone_a | (flagged[a] & repeat_sets[id(cb)])
            if ca is not None:
                gone_b = gone_b | (flagged[b] & repeat_sets[id(ca)])
        ra, rb = na - len(gone_a), nb - len(gone_b)
        rshared = shared - len(gone_a & gone_b)
        if min(ra / na, rb / nb) < MIN_OWN_SHARE:
            ra, rb, rshared = na, nb, shared  # the "repeat" is the text itself
    kind, resemblance, containment = _judge(ra, rb, rshared)
    if kind is None:
        return []
    shorter = a if (na, a) <= (nb, b) else b
    return [Link(a, b, resemblance, containment, kind, shorter)]


def _distinct(arrays: Iterable[np.ndarray | None]) -> list[np.ndarray]:
    return list({id(x): x for x in arrays if x is not None}.values())


def _is_sorted_unique(array: np.ndarray) -> bool:
    return array.ndim == 1 and bool(np.all(array[1:] > array[:-1]))


def _judge(na: int, nb: int, shared: int) -> tuple[str | None, float, float]:
    """classify() from set sizes: (kind, resemblance, containment of the smaller)."""
    if not na or not nb:
        return None, 0.0, 0.0
    small, large = sorted((na, nb))
    resemblance = shared / (na + nb - shared)
    containment = shared / small
    return classify(resemblance, containment, small / large), resemblance, containment


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
    attach = _attach_excerpts(unit_of, links)

    def root(seed: int) -> int:
        seen = {seed}
        while seed in attach and attach[seed][0] not in seen:
            seed = attach[seed][0]
            seen.add(seed)
        return seed

    grouped: dict[int, list[_Unit]] = defaultdict(list)
    for seed in sorted(units):
        grouped[root(seed)].append(units[seed])
    result = Clustering(next_id=next_id)
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
