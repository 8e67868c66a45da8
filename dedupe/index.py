"""LSH candidates for near-duplicates, persisted in a small bucket store and built incrementally.

Two band spaces share one store:

* full signatures (bands 0..bands-1) find copies. The threshold is set low (0.35, giving 37 bands
  of 3 rows at 128 permutations): an edited copy at Jaccard 0.5 is a candidate with p ~ 0.99,
  at 0.6 with p ~ 1. Candidates are cheap to check exactly (dedupe.clusters.verify), a missed
  copy is not, so recall wins over precision here.
* prefix signatures (bands PREFIX_BAND_OFFSET + i) find excerpts. An aggregator's excerpt is
  the first 30-50% of a piece, so its Jaccard with the whole is low (0.3-0.5, lower still for
  shorter excerpts) and a Jaccard LSH misses it. Its *start*, though, is the piece's start: the
  MinHash of each text's first `prefix_shingles` shingles (about 60 words) is near-identical
  for a piece, its copies and its excerpts of any length past ~60 words, and tolerates an
  added lead-in line. This costs one more signature per text and a second set of bands, and
  needs no size partitioning (LSH Ensemble) or inverted index of rare shingles. Its blind
  spot: excerpts taken from the middle of a piece (rare for "continue reading" posts).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from .signatures import EMPTY, SignatureParams, mix64

COPY_LSH_THRESHOLD = 0.35  # Jaccard at which the full-signature bands are tuned
PREFIX_LSH_THRESHOLD = 0.4  # Jaccard of prefixes at which the prefix bands are tuned
PREFIX_BAND_OFFSET = 1000  # prefix band ids start here, apart from the full-signature bands
FALSE_POSITIVE_WEIGHT = 0.3  # choose_bands: a missed copy costs more than an extra check
FALSE_NEGATIVE_WEIGHT = 0.7

_PRIME64 = np.uint64(0x100000001B3)

Key = tuple[int, int]  # (band, bucket)


@runtime_checkable
class BucketStore(Protocol):
    """Where LSH buckets live: in memory, SQLite (dedupe.store.Store), later Redis."""

    def add_buckets(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """Index rows of (band, bucket, article_id)."""

    def bucket_members(self, band: int, bucket: int) -> list[int]:
        """Article ids in one bucket."""


class MemoryBuckets:
    """A BucketStore in a dict; also offers the batch lookup `members_of_many`."""

    def __init__(self) -> None:
        self._buckets: dict[Key, list[int]] = defaultdict(list)

    def add_buckets(self, rows: Iterable[tuple[int, int, int]]) -> None:
        for band, bucket, article_id in rows:
            self._buckets[(int(band), int(bucket))].append(int(article_id))

    def bucket_members(self, band: int, bucket: int) -> list[int]:
        return list(self._buckets.get((band, bucket), ()))

    def members_of_many(self, keys: Iterable[Key]) -> dict[Key, list[int]]:
        """Members of many (band, bucket) keys at once; keys with no member are left out."""
        found: dict[Key, list[int]] = {}
        if not self._buckets:
            return found
        for key in keys:
            members = self._buckets.get(key)
            if members:
                found[key] = list(members)
        return found

    def __len__(self) -> int:
        return sum(len(m) for m in self._buckets.values())


@functools.lru_cache(maxsize=64)
def choose_bands(
    num_perm: int,
    threshold: float,
    false_positive_weight: float = FALSE_POSITIVE_WEIGHT,
    false_negative_weight: float = FALSE_NEGATIVE_WEIGHT,
) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimising weighted false positive/negative
    areas under the LSH S-curve around `threshold` (datasketch's criterion, weighted to recall)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        # More bands at a given row count only raise the curve; try every count.
        b = np.arange(1, bands + 1)[:, None]
        p = 1.0 - (1.0 - s[None, :] ** rows) ** b
        fp = np.trapezoid(np.where(below, p, 0.0), s, axis=1)
        fn = np.trapezoid(np.where(above, 1.0 - p, 0.0), s, axis=1)
        error = false_positive_weight * fp + false_negative_weight * fn
        i = int(np.argmin(error))
        if best is None or error[i] < best[0] - 1e-12:
            best = (float(error[i]), i + 1, rows)
    assert best is not None
    return best[1], best[2]


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Bucket of each band of each signature: (n, bands) signed 64-bit hashes of the rows."""
    sigs = np.asarray(sigs, dtype=np.uint64)
    if sigs.ndim != 2 or sigs.shape[1] < bands * rows:
        raise ValueError(
            f"signatures of shape {sigs.shape} cannot fill {bands} bands x {rows} rows"
        )
    x = sigs[:, : bands * rows].reshape(len(sigs), bands, rows)
    h = np.full((len(sigs), bands), np.uint64(0xCBF29CE484222325), dtype=np.uint64)
    for j in range(rows):
        h = (h ^ x[:, :, j]) * _PRIME64
        h ^= h >> np.uint64(29)
    return mix64(h).view(np.int64)


class LSHIndex:
    """Banded MinHash LSH over a BucketStore, for copies (full) and excerpts (prefix).

    Pass `prefix_sigs` (Profiles.prefix_signatures) wherever sigs go to enable the excerpt
    search; without them only the full-signature bands are used.
    """

    def __init__(
        self,
        buckets: BucketStore,
        params: SignatureParams,
        bands: int | None = None,
        rows: int | None = None,
        prefix_bands: int | None = None,
        prefix_rows: int | None = None,
    ):
        self.buckets = buckets
        self.params = params
        if bands is None or rows is None:
            bands, rows = choose_bands(params.num_perm, COPY_LSH_THRESHOLD)
        if prefix_bands is None or prefix_rows is None:
            prefix_bands, prefix_rows = choose_bands(params.num_perm, PREFIX_LSH_THRESHOLD)
        for b, r in ((bands, rows), (prefix_bands, prefix_rows)):
            if b < 1 or r < 1 or b * r > params.num_perm:
                raise ValueError(f"{b} bands x {r} rows do not fit {params.num_perm} permutations")
        if bands > PREFIX_BAND_OFFSET:
            raise ValueError(f"at most {PREFIX_BAND_OFFSET} bands")
        self.bands, self.rows = bands, rows
        self.prefix_bands, self.prefix_rows = prefix_bands, prefix_rows

    @property
    def key(self) -> str:
        """Signature params plus banding: store it, and rebuild the buckets when it changes."""
        return (
            f"{self.params.key}/lsh={self.bands}x{self.rows}"
            f"/prefix-lsh={self.prefix_bands}x{self.prefix_rows}"
        )

    def _key_arrays(
        self, sigs: np.ndarray, prefix_sigs: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat (row, band, bucket) arrays of every key of every signature, rows in order;
        a text without words has none."""
        sigs = np.atleast_2d(np.asarray(sigs, dtype=np.uint64))
        parts = [(band_keys(sigs, self.bands, self.rows), 0)]
        if prefix_sigs is not None:
            prefix_sigs = np.atleast_2d(np.asarray(prefix_sigs, dtype=np.uint64))
            if len(prefix_sigs) != len(sigs):
                raise ValueError("sigs and prefix_sigs differ in length")
            parts.append(
                (band_keys(prefix_sigs, self.prefix_bands, self.prefix_rows), PREFIX_BAND_OFFSET)
            )
        keep = ~np.all(sigs == np.uint64(EMPTY), axis=1)  # texts without words
        rows, bands, buckets = [], [], []
        for keys, offset in parts:
            n, width = keys.shape
            rows.append(np.repeat(np.arange(n), width).reshape(n, width)[keep].ravel())
            bands.append(np.tile(np.arange(width) + offset, (n, 1))[keep].ravel())
            buckets.append(keys[keep].ravel())
        row, band, bucket = (np.concatenate(x) for x in (rows, bands, buckets))
        order = np.argsort(row, kind="stable")
        return row[order], band[order], bucket[order]

    def _keys(self, sigs: np.ndarray, prefix_sigs: np.ndarray | None) -> list[list[Key]]:
        """(band, bucket) keys of each signature; none for a text without words."""
        n = len(np.atleast_2d(sigs))
        row, band, bucket = self._key_arrays(sigs, prefix_sigs)
        out: list[list[Key]] = [[] for _ in range(n)]
        for r, b, k in zip(row.tolist(), band.tolist(), bucket.tolist(), strict=True):
            out[r].append((b, k))
        return out

    def _lookup(self, keys: Iterable[Key]) -> Mapping[Key, list[int]]:
        """Stored members of many distinct keys, batched when the store can."""
        batch = getattr(self.buckets, "members_of_many", None)
        if batch is not None:
            return batch(keys)
        return {key: self.buckets.bucket_members(*key) for key in keys}

    def insert(
        self, ids: Sequence[int], sigs: np.ndarray, prefix_sigs: np.ndarray | None = None
    ) -> None:
        """Index articles (ids in the order of the signature rows)."""
        if len(np.atleast_2d(sigs)) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(np.atleast_2d(sigs))} signatures")
        row, band, bucket = self._key_arrays(sigs, prefix_sigs)
        order = np.lexsort((bucket, band))  # in index order: B-tree inserts stay local
        article = np.asarray(ids, dtype=np.int64)[row[order]]
        self.buckets.add_buckets(
            zip(band[order].tolist(), bucket[order].tolist(), article.tolist(), strict=True)
        )

    def query(self, sig: np.ndarray, prefix_sig: np.ndarray | None = None) -> set[int]:
        """Indexed articles sharing a bucket with this signature (or its prefix signature)."""
        keys = self._keys(sig, None if prefix_sig is None else prefix_sig)[0]
        found = self._lookup(keys)
        return {member for key in keys for member in found.get(key, ())}

    def candidates(
        self, ids: Sequence[int], sigs: np.ndarray, prefix_sigs: np.ndarray | None = None
    ) -> set[tuple[int, int]]:
        """Pairs (a, b), a < b, of new articles with indexed ones and with each other.

        Does not index the new articles: call insert() afterwards. Ids already indexed may be
        passed again (their self-pairs are left out).
        """
        if len(np.atleast_2d(sigs)) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(np.atleast_2d(sigs))} signatures")
        row, band, bucket = self._key_arrays(sigs, prefix_sigs)
        if not len(row):
            return set()  # no text with a word
        article = np.asarray(ids, dtype=np.int64)[row]
        order = np.lexsort((bucket, band))
        band, bucket, article = band[order], bucket[order], article[order]
        starts = np.flatnonzero(
            np.concatenate(([True], (band[1:] != band[:-1]) | (bucket[1:] != bucket[:-1])))
        )
        ends = np.append(starts[1:], len(band))
        found = [_pairs_within(starts, ends - starts, article)]

        # Keys already in the store: each distinct key once, members paired with the new ones.
        def distinct_keys() -> Iterator[Key]:
            # A generator: the batch lookups return at once when nothing is indexed yet, and
            # then the keys are never made.
            yield from zip(band[starts].tolist(), bucket[starts].tolist(), strict=True)

        stored = self._lookup(distinct_keys())
        if stored:
            position = {key: i for i, key in enumerate(distinct_keys())}
            new_ids = article.tolist()
            extra = []
            for key, members in stored.items():
                i = position[key]
                for a in set(new_ids[starts[i] : ends[i]]):
                    extra.extend((min(a, m), max(a, m)) for m in members if m != a)
            if extra:
                found.append(np.array(extra, dtype=np.int64).reshape(-1, 2))
        both = np.concatenate(found)
        if len(both) and both.max() < 1 << 31:  # one int64 code per pair sorts much faster
            codes = np.unique((both[:, 0] << 32) | both[:, 1])
            return set(zip((codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist(), strict=True))
        both = np.unique(both, axis=0)
        return set(zip(both[:, 0].tolist(), both[:, 1].tolist(), strict=True))


def _pairs_within(starts: np.ndarray, sizes: np.ndarray, article: np.ndarray) -> np.ndarray:
    """(m, 2) pairs a < b of articles in the same group (groups are runs of `article` at
    `starts` with `sizes`), vectorised per group size."""
    out = [np.empty((0, 2), dtype=np.int64)]
    for size in np.unique(sizes[sizes > 1]).tolist():
        first = starts[sizes == size]
        i, j = np.triu_indices(size, k=1)
        a, b = article[first[:, None] + i], article[first[:, None] + j]
        pair = np.stack([np.minimum(a, b).ravel(), np.maximum(a, b).ravel()], axis=1)
        out.append(pair[pair[:, 0] != pair[:, 1]])
    return np.concatenate(out)
