"""LSH candidates for near-duplicates, persisted in a small bucket store and built incrementally.

Three band spaces share one store:

* full signatures (bands 0..bands-1) find copies. The threshold is set low (0.35, giving 37 bands
  of 3 rows at 128 permutations): an edited copy at Jaccard 0.5 is a candidate with p ~ 0.99,
  at 0.6 with p ~ 1. Candidates are cheap to check exactly (dedupe.clusters.verify), a missed
  copy is not, so recall wins over precision here.
* prefix signatures (bands PREFIX_BAND_OFFSET + i) find excerpts of a piece's start. An
  aggregator's excerpt is often the first 30-50% of a piece, so its Jaccard with the whole is
  low (0.3-0.5, lower still for shorter excerpts) and a Jaccard LSH misses it. Its *start*,
  though, is the piece's start: the MinHash of each text's first `prefix_shingles` shingles
  (about 60 words) is near-identical for a piece, its copies and its excerpts of any length
  past ~60 words, and tolerates an added lead-in line.
* window signatures (bands WINDOW_BAND_OFFSET + i) find excerpts taken from anywhere else: a
  few consecutive paragraphs from the middle. Such an excerpt starts where one of the piece's
  paragraphs starts, so its prefix is the piece's *window* there (the same number of shingles
  from that paragraph's start; dedupe.signatures signs one per paragraph). Windows are matched
  against prefixes only, never against each other: a block that many pages of a site end with
  (a footer stripping missed) or a quotation two pages share stays out of the candidates
  unless a page *starts* with it. A window is signed on the first window_bands x prefix_rows
  permutations and banded like the prefix, so a window's bucket in band i is the bucket a
  prefix of the same text would have in prefix band i: a new window is looked up among stored
  prefixes, a new prefix among stored windows, and nothing else is stored for either. Few
  bands suffice (6 of 4 rows: p ~ 0.9 at Jaccard 0.75, 0.99 at 0.85, ~1 at 0.9): a verbatim
  excerpt's prefix *is* the window. A text that opens with a short line (a lead-in of the
  aggregator's own, a byline) has a second start, its first window (its *opening*), stored
  and looked up with the prefixes: the excerpt's opening is then the piece's window.

None of these needs size partitioning (LSH Ensemble) or an inverted index of rare shingles.
The blind spot left: an excerpt that starts mid-paragraph, shorter than about 60 words from
there, or rewritten at its start.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from .signatures import EMPTY, SignatureParams, Windows, mix64

COPY_LSH_THRESHOLD = 0.35  # Jaccard at which the full-signature bands are tuned
PREFIX_LSH_THRESHOLD = 0.4  # Jaccard of prefixes at which the prefix bands are tuned
PREFIX_BAND_OFFSET = 1000  # prefix band ids start here, apart from the full-signature bands
WINDOW_BAND_OFFSET = 2000  # and window band ids here
FALSE_POSITIVE_WEIGHT = 0.3  # choose_bands: a missed copy costs more than an extra check
FALSE_NEGATIVE_WEIGHT = 0.7

_PRIME64 = np.uint64(0x100000001B3)
_FILTER_BITS = 20  # _meeting's prefilter: one flag per 2^44 bucket keys (a 1 MB table)

Key = tuple[int, int]  # (band, bucket)
Keyed = tuple[np.ndarray, np.ndarray]  # text rows (m,) and their keys (m, window_bands)


class WindowKeys(NamedTuple):
    """Window-banded keys of a batch of texts."""

    prefixes: Keyed
    openings: Keyed  # windows that are their text's start after a short lead-in
    windows: Keyed

    @property
    def starts(self) -> Keyed:
        """Every start of a text: its prefix, and its opening where it has one."""
        return (
            np.concatenate([self.prefixes[0], self.openings[0]]),
            np.concatenate([self.prefixes[1], self.openings[1]]),
        )


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
    """Banded MinHash LSH over a BucketStore, for copies (full) and excerpts (prefix, windows).

    Pass `prefix_sigs` (Profiles.prefix_signatures) wherever sigs go to enable the search for
    excerpts of a piece's start, and `windows` (Profiles.windows) as well for excerpts of its
    middle; without them only the full-signature bands are used.
    """

    def __init__(
        self,
        buckets: BucketStore,
        params: SignatureParams,
        bands: int | None = None,
        rows: int | None = None,
        prefix_bands: int | None = None,
        prefix_rows: int | None = None,
        window_bands: int | None = None,
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
        if bands > PREFIX_BAND_OFFSET or prefix_bands > WINDOW_BAND_OFFSET - PREFIX_BAND_OFFSET:
            raise ValueError(f"at most {PREFIX_BAND_OFFSET} bands")
        if window_bands is None:
            window_bands = min(prefix_bands, params.window_perm // prefix_rows)
        if not 0 <= window_bands <= prefix_bands or window_bands * prefix_rows > params.window_perm:
            raise ValueError(
                f"{window_bands} window bands x {prefix_rows} rows do not fit the prefix bands "
                f"or {params.window_perm} window permutations"
            )
        self.bands, self.rows = bands, rows
        self.prefix_bands, self.prefix_rows = prefix_bands, prefix_rows
        self.window_bands = window_bands

    @property
    def key(self) -> str:
        """Signature params plus banding: store it, and rebuild the buckets when it changes."""
        return (
            f"{self.params.key}/lsh={self.bands}x{self.rows}"
            f"/prefix-lsh={self.prefix_bands}x{self.prefix_rows}"
            f"/window-lsh={self.window_bands}x{self.prefix_rows}"
        )

    def _key_arrays(
        self, sigs: np.ndarray, prefix_sigs: np.ndarray | None, openings: Keyed | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat (row, band, bucket) arrays of every key of every signature (in no particular
        order); a text without words has none. Openings (window-banded) go with the prefixes."""
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
        if openings is not None and len(openings[0]):
            opening_rows, keys = openings
            rows.append(np.repeat(opening_rows, self.window_bands))
            bands.append(np.tile(np.arange(self.window_bands) + PREFIX_BAND_OFFSET, len(keys)))
            buckets.append(keys.ravel())
        row, band, bucket = (np.concatenate(x) for x in (rows, bands, buckets))
        return row, band, bucket

    def _window_keys(
        self, n: int, prefix_sigs: np.ndarray | None, windows: Windows | None
    ) -> WindowKeys | None:
        """Window-banded keys of the prefixes of the texts with words (of rows 0..n-1), of
        their openings and of all windows; None without windows."""
        if prefix_sigs is None or windows is None or not self.window_bands:
            return None
        if len(windows) and (windows.rows.min() < 0 or windows.rows.max() >= n):
            raise ValueError("windows of texts that were not given")
        prefix_sigs = np.atleast_2d(np.asarray(prefix_sigs, dtype=np.uint64))
        width = self.window_bands * self.prefix_rows
        rows = np.flatnonzero(~np.all(prefix_sigs == np.uint64(EMPTY), axis=1))
        prefix = band_keys(prefix_sigs[rows, :width], self.window_bands, self.prefix_rows)
        window = np.empty((0, self.window_bands), dtype=np.int64)
        if len(windows):
            sigs = np.asarray(windows.signatures, dtype=np.uint64)[:, :width]
            window = band_keys(sigs, self.window_bands, self.prefix_rows)
        opening = np.asarray(windows.opening, dtype=bool)
        return WindowKeys(
            (rows, prefix), (windows.rows[opening], window[opening]), (windows.rows, window)
        )

    def _keys(self, sigs: np.ndarray, prefix_sigs: np.ndarray | None) -> list[list[Key]]:
        """(band, bucket) keys of each signature; none for a text without words."""
        n = len(np.atleast_2d(sigs))
        row, band, bucket = self._key_arrays(sigs, prefix_sigs)
        order = np.lexsort((band, row))
        row, band, bucket = row[order], band[order], bucket[order]
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
        self,
        ids: Sequence[int],
        sigs: np.ndarray,
        prefix_sigs: np.ndarray | None = None,
        windows: Windows | None = None,
    ) -> None:
        """Index articles (ids in the order of the signature rows; windows by row too)."""
        if len(np.atleast_2d(sigs)) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(np.atleast_2d(sigs))} signatures")
        found = self._window_keys(len(ids), prefix_sigs, windows)
        row, band, bucket = self._key_arrays(
            sigs, prefix_sigs, None if found is None else found.openings
        )
        if found is not None and len(found.windows[0]):
            rows, keys = found.windows
            row = np.concatenate([row, np.repeat(rows, self.window_bands)])
            offsets = WINDOW_BAND_OFFSET + np.arange(self.window_bands)
            band = np.concatenate([band, np.tile(offsets, len(rows))])
            bucket = np.concatenate([bucket, keys.ravel()])
        article = np.asarray(ids, dtype=np.int64)[row]
        add_arrays = getattr(self.buckets, "add_bucket_arrays", None)
        if add_arrays is not None:  # a store that takes arrays whole (dedupe.store.Store)
            add_arrays(band, bucket, article)
            return
        order = np.lexsort((bucket, band))
        self.buckets.add_buckets(
            zip(band[order].tolist(), bucket[order].tolist(), article[order].tolist(), strict=True)
        )

    def query(
        self,
        sig: np.ndarray,
        prefix_sig: np.ndarray | None = None,
        windows: Windows | None = None,
    ) -> set[int]:
        """Indexed articles sharing a bucket with this signature or its starts (prefix, and
        opening among `windows`, this text's Profiles.windows), whose window a start meets, or
        whose start meets one of the windows."""
        found = self._window_keys(1, prefix_sig, windows)
        row, band, bucket = self._key_arrays(
            sig, prefix_sig, None if found is None else found.openings
        )
        lookups = list(zip(band.tolist(), bucket.tolist(), strict=True))
        if found is not None:
            for (_, keys), offset in ((found.starts, WINDOW_BAND_OFFSET), (found.windows, -1)):
                offset = PREFIX_BAND_OFFSET if offset < 0 else offset
                lookups += [(offset + i, k) for row in keys.tolist() for i, k in enumerate(row)]
        stored = self._lookup(dict.fromkeys(lookups))
        return {member for members in stored.values() for member in members}

    def candidates(
        self,
        ids: Sequence[int],
        sigs: np.ndarray,
        prefix_sigs: np.ndarray | None = None,
        windows: Windows | None = None,
    ) -> set[tuple[int, int]]:
        """Pairs (a, b), a < b, of new articles with indexed ones and with each other.

        Does not index the new articles: call insert() afterwards. Ids already indexed may be
        passed again (their self-pairs are left out).
        """
        if len(np.atleast_2d(sigs)) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(np.atleast_2d(sigs))} signatures")
        by_window = self._window_keys(len(ids), prefix_sigs, windows)
        row, band, bucket = self._key_arrays(
            sigs, prefix_sigs, None if by_window is None else by_window.openings
        )
        if not len(row):
            return set()  # no text with a word
        ids_array = np.asarray(ids, dtype=np.int64)
        article = ids_array[row]
        order = np.lexsort((bucket, band))
        band, bucket, article = band[order], bucket[order], article[order]
        starts = np.flatnonzero(
            np.concatenate(([True], (band[1:] != band[:-1]) | (bucket[1:] != bucket[:-1])))
        )
        ends = np.append(starts[1:], len(band))
        found = [_pairs_within(starts, ends - starts, article)]
        # A text's starts meet windows: the new ones here, stored ones through the lookups (a
        # new start among stored windows, a new window among stored starts, whose band i is
        # prefix band i).
        crossed: list[tuple[np.ndarray, np.ndarray, int]] = []
        if by_window is not None:
            (start_rows, start_keys), (window_rows, window_keys) = (
                by_window.starts,
                by_window.windows,
            )
            found.append(
                _meeting(ids_array[start_rows], start_keys, ids_array[window_rows], window_keys)
            )
            crossed = [
                (start_rows, start_keys, WINDOW_BAND_OFFSET),
                (window_rows, window_keys, PREFIX_BAND_OFFSET),
            ]

        # Keys already in the store: each distinct key once, members paired with the new ones.
        def distinct_keys() -> Iterator[Key]:
            # A generator: the batch lookups return at once when nothing is indexed yet, and
            # then the keys are never made.
            yield from zip(band[starts].tolist(), bucket[starts].tolist(), strict=True)
            for _, keys, offset in crossed:
                for i in range(self.window_bands):
                    yield from ((offset + i, k) for k in np.unique(keys[:, i]).tolist())

        stored = self._lookup(distinct_keys())
        if stored:
            new_of: dict[Key, set[int]] = {}
            new_ids = article.tolist()
            for i, key in enumerate(
                zip(band[starts].tolist(), bucket[starts].tolist(), strict=True)
            ):
                if key in stored:
                    new_of[key] = set(new_ids[starts[i] : ends[i]])
            hit: dict[int, list[int]] = defaultdict(list)
            for b, k in stored:
                hit[b].append(k)
            for rows, keys, offset in crossed:
                for i in range(self.window_bands):
                    if offset + i not in hit:
                        continue
                    at = np.flatnonzero(np.isin(keys[:, i], hit[offset + i]))
                    owners, met = ids_array[rows[at]].tolist(), keys[at, i].tolist()
                    for a, k in zip(owners, met, strict=True):
                        new_of.setdefault((offset + i, k), set()).add(a)
            extra = []
            for key, members in stored.items():
                for a in new_of.get(key, ()):
                    extra.extend((min(a, m), max(a, m)) for m in members if m != a)
            if extra:
                found.append(np.array(extra, dtype=np.int64).reshape(-1, 2))
        both = np.concatenate(found)
        if len(both) and both.max() < 1 << 31:  # one int64 code per pair sorts much faster
            codes = np.unique((both[:, 0] << 32) | both[:, 1])
            return set(zip((codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist(), strict=True))
        both = np.unique(both, axis=0)
        return set(zip(both[:, 0].tolist(), both[:, 1].tolist(), strict=True))


def _meeting(
    prefix_ids: np.ndarray, prefix_keys: np.ndarray, window_ids: np.ndarray, window_keys: np.ndarray
) -> np.ndarray:
    """(m, 2) pairs a < b of a text whose prefix shares a bucket with another's window, band by
    band (keys are (texts, bands) arrays)."""
    out = [np.empty((0, 2), dtype=np.int64)]
    if not len(prefix_ids) or not len(window_ids):
        return out[0]
    shift = np.uint64(64 - _FILTER_BITS)
    for i in range(prefix_keys.shape[1]):
        # Few windows meet a prefix: a bitmap of the prefixes' top bits clears most of them
        # in one lookup, and only the rest are searched for.
        table = np.zeros(1 << _FILTER_BITS, dtype=bool)
        table[(prefix_keys[:, i].view(np.uint64) >> shift).astype(np.intp)] = True
        maybe = np.flatnonzero(table[(window_keys[:, i].view(np.uint64) >> shift).astype(np.intp)])
        if not len(maybe):
            continue
        order = np.argsort(prefix_keys[:, i], kind="stable")
        keys = prefix_keys[order, i]
        low = np.searchsorted(keys, window_keys[maybe, i], "left")
        high = np.searchsorted(keys, window_keys[maybe, i], "right")
        hits = high - low
        window = np.repeat(maybe, hits)
        firsts = np.concatenate(([0], np.cumsum(hits)[:-1]))
        position = np.repeat(low - firsts, hits) + np.arange(int(hits.sum()))
        a, b = prefix_ids[order[position]], window_ids[window]
        pair = np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)
        out.append(pair[a != b])
    return np.concatenate(out)


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
