"""Score what the pipeline found against the sample web's truth (pairwise, as in the literature)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations


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
