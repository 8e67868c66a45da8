"""Score what the pipeline found against the sample web's truth (pairwise, as in the literature)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations

from dedupe.export import build_graph
from dedupe.spread import parse_time
from dedupe.store import Store
from dedupe.urls import clean_url

from .web import Truth


@dataclass(frozen=True)
class PairScore:
    true_pairs: int
    found_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return f"precision {self.precision:.3f}, recall {self.recall:.3f}, F1 {self.f1:.3f}"


def pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    """Every unordered pair of items that share a group."""
    found: set[frozenset[str]] = set()
    for group in groups:
        found.update(frozenset(p) for p in combinations(sorted(set(group)), 2))
    return found


def score_pairs(found: Iterable[Iterable[str]], truth: Iterable[Iterable[str]]) -> PairScore:
    """Pairwise precision/recall of found clusters against true clusters (items are URLs)."""
    true_pairs, found_pairs = pairs(truth), pairs(found)
    return PairScore(len(true_pairs), len(found_pairs), len(true_pairs & found_pairs))


# -- spread: origins and parents ----------------------------------------------------------------


@dataclass(frozen=True)
class SpreadScore:
    """How many clusters got the right origin and how many copies the right parent.

    A copy's right parent is its nearest true ancestor among the cluster's pages (or the outside
    source it truly came from); copies the truth marks "ambiguous-source" are counted apart too.
    """

    clusters: int
    origins_right: int
    copies: int
    parents_right: int
    ambiguous: int
    ambiguous_right: int
    wrong: tuple[tuple[str, str | None, str | None], ...] = ()  # (copy, found, true parent)

    @property
    def origin_rate(self) -> float:
        return self.origins_right / self.clusters if self.clusters else 1.0

    @property
    def parent_rate(self) -> float:
        return self.parents_right / self.copies if self.copies else 1.0

    def __str__(self) -> str:
        return (
            f"origins {self.origins_right}/{self.clusters} ({self.origin_rate:.1%}), parents "
            f"{self.parents_right}/{self.copies} ({self.parent_rate:.1%}; ambiguous "
            f"{self.ambiguous_right}/{self.ambiguous} right)"
        )


def _key(url: str | None) -> str | None:
    try:
        return clean_url(url) if url else None
    except ValueError:
        return url


def _expected_parent(url: str, members: set[str], truth: Truth) -> str | None:
    """The nearest true ancestor of `url` among `members`, else the outside source, else None."""
    parent = truth.pages[url].parent
    while parent is not None:
        if parent in members:
            return parent
        if parent in truth.external:
            return _key(parent)
        parent = truth.pages[parent].parent if parent in truth.pages else None
    return None


def score_spread(
    clusters: dict[int, list[str]],
    origins: dict[int, str],
    parents: dict[str, str | None],
    truth: Truth,
) -> SpreadScore:
    """Score found origins (cluster id -> URL) and parents (copy URL -> source URL, or the URL of
    an outside source) of found clusters (cluster id -> member URLs) against the truth.

    An origin is right when none of the cluster's other pages is its true ancestor and it carries
    the piece most of the cluster carries.
    """
    origins_right = copies = parents_right = ambiguous = ambiguous_right = 0
    wrong = []
    for cluster_id, urls in sorted(clusters.items()):
        known = [u for u in urls if u in truth.pages]
        members = set(known)
        pieces = Counter(truth.pages[u].piece for u in known)
        origin = origins.get(cluster_id)
        if (
            origin in members
            and truth.pages[origin].piece == pieces.most_common(1)[0][0]
            and _expected_parent(origin, members, truth) in (None, *map(_key, truth.external))
        ):
            origins_right += 1
        for url in known:
            if url == origin:
                continue
            copies += 1
            expected = _expected_parent(url, members, truth)
            found = parents.get(url)
            right = expected is not None and _key(found) == _key(expected)
            parents_right += right
            if "ambiguous-source" in truth.pages[url].flags:
                ambiguous += 1
                ambiguous_right += right
            if not right:
                wrong.append((url, found, expected))
    return SpreadScore(
        len(clusters), origins_right, copies, parents_right, ambiguous, ambiguous_right,
        tuple(wrong),
    )  # fmt: skip


def found_spread(
    store: Store,
) -> tuple[dict[int, list[str]], dict[int, str], dict[str, str | None]]:
    """What the pipeline found, as exported: (cluster -> member URLs, cluster -> origin URL,
    copy URL -> source URL, an outside source's URL where the copy hangs from one)."""
    graph = build_graph(store)
    clusters: dict[int, list[str]] = {}
    origins: dict[int, str] = {}
    parents: dict[str, str | None] = {}
    for node, data in graph.nodes(data=True):
        if data.get("external"):
            continue
        clusters.setdefault(data["cluster_id"], []).append(data["url"])
        if data["kind"] == "origin":
            origins[data["cluster_id"]] = data["url"]
        sources = list(graph.predecessors(node))
        parents[data["url"]] = graph.nodes[sources[0]]["url"] if sources else None
    return clusters, origins, parents


def earliest_date_spread(store: Store) -> tuple[dict[int, str], dict[str, str | None]]:
    """The baseline: the earliest published member is the origin (undated last, then first
    fetched) and every other member's parent is that origin."""
    far = datetime.max.replace(tzinfo=UTC)
    by_cluster: dict[int, list[dict]] = {}
    for row in store.clustered_articles():
        by_cluster.setdefault(row["cluster_id"], []).append(row)
    origins: dict[int, str] = {}
    parents: dict[str, str | None] = {}
    for cluster_id, rows in by_cluster.items():

        def when(row: dict) -> tuple:
            published = parse_time(row["published"])
            return (published.start if published else far, row["fetched_at"] or "", row["id"])

        first = min(rows, key=when)
        origins[cluster_id] = first["url"]
        parents.update({r["url"]: first["url"] for r in rows if r is not first})
    return origins, parents
