"""Shingles and MinHash signatures: vectorised, bit-for-bit equal to datasketch's MinHash.

A text is normalised (NFKC, casefolded, word characters only) and cut into word k-grams
("shingles"). Each shingle gets a 32-bit hash, `shingle_hash32`: every word gets a 64-bit
hash (its bytes as a polynomial mod 2^64, mixed by MurmurHash3's fmix64) and a shingle's words
are combined as a polynomial mod 2^64, mixed again and cut to 32 bits. Both polynomials let
numpy hash all words and shingles of many texts at once (cumulative sums over the bytes, then
sliding windows over the words) instead of running SHA-1 on every shingle string in Python,
the old path's bottleneck (~1 us a shingle). The signature is the column-wise
minimum of datasketch's "affine32" permutations of those hashes, so `to_minhash(sign([t], p)[0],
p)` equals `MinHash(p.num_perm, p.seed, hashfunc=shingle_hash32)` updated shingle by shingle.

`profile` signs more than the whole text from the same permuted hashes: its first
`prefix_shingles` shingles (the prefix) and the same number of shingles from the start of each
paragraph (its windows, on fewer permutations; see dedupe.index for why). The text's signature
is the minimum of its prefix's and of the rest's, and the windows are reduced from the rows
already permuted: the prefix and windows cost a few more reductions, not another pass.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SCHEME = "affine32"  # datasketch 2.x default permutation scheme
HASH = "wordpoly64-bytepoly64-fmix64-32"  # shingle_hash32; bump when it changes
NORMALISATION = "nfkc-casefold-w1"  # bump when _WORD or the normalisation changes

_WORD = re.compile(r"\w+")
EMPTY = _EMPTY = np.uint32(
    0xFFFFFFFF
)  # datasketch's initial value: a text with no shingle keeps it
_CHUNK_SHINGLES = 1 << 13  # keeps the (num_perm x shingles) work matrix in cache (~4 MB)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_MASK64 = (1 << 64) - 1
_POLY = 0x9E3779B97F4A7C15  # odd multiplier combining a shingle's word hashes
_FMIX64 = (33, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)
_FMIX64_NP = tuple(np.uint64(x) for x in _FMIX64)
_BYTE_POLY = 0x100000001B3  # odd multiplier combining a word's bytes (invertible mod 2^64)
_BYTE_POLY_NP = np.uint64(_BYTE_POLY)
_BYTE_POLY_INV_NP = np.uint64(pow(_BYTE_POLY, -1, 1 << 64))
_WORD_BYTE = np.zeros(256, dtype=bool)  # ASCII \w, and every byte of a non-ASCII character
_WORD_BYTE[list(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] = True
_WORD_BYTE[0x80:] = True  # (_prepared leaves only word characters outside ASCII)
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f]+")
_LOWER_BYTE = np.arange(256, dtype=np.uint8)
_LOWER_BYTE[65:91] += 32
_WORD_CACHE_LIMIT = 1 << 21  # words kept hashed (~250 MB at most); cleared when full
_TEXTS_PER_BATCH = 128  # texts hashed together: their byte arrays stay in cache


@dataclass(frozen=True)
class SignatureParams:
    """How texts are shingled and signed; `key` is stored beside each signature."""

    num_perm: int = 128
    shingle_words: int = 5
    seed: int = 1
    # The excerpt search signs each text's first shingles too (see dedupe.index).
    prefix_shingles: int = 60
    # ... and as many shingles from the start of each paragraph of at least `window_words`
    # words (not the first), on the first `window_perm` permutations only. A text's first
    # window within `opening_words` of its start (after a short lead-in, byline or dateline
    # line) is another start of the text.
    window_perm: int = 24
    window_words: int = 8
    opening_words: int = 15

    @property
    def key(self) -> str:
        return (
            f"minhash/datasketch-{SCHEME}/{HASH}/{NORMALISATION}/perm={self.num_perm}"
            f"/seed={self.seed}/k={self.shingle_words}/prefix={self.prefix_shingles}"
            f"/windows=paragraph-{self.window_words}w-perm{self.window_perm}"
            f"-opening{self.opening_words}w"
        )


@dataclass(frozen=True)
class Windows:
    """Signatures of the paragraph windows of many texts (see SignatureParams)."""

    rows: np.ndarray  # (m,) int64: the text (row of the signed texts) each window is of
    signatures: np.ndarray  # (m, window_perm) uint32: MinHash of the window's shingles
    opening: np.ndarray  # (m,) bool: the window is its text's start after a short lead-in

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, texts: np.ndarray | Sequence[int]) -> Windows:
        """The windows of some of the texts, their rows renumbered to positions in `texts` (as
        when profiles are cut into slices)."""
        texts = np.asarray(texts, dtype=np.int64)
        order = np.argsort(texts)
        at = np.minimum(np.searchsorted(texts[order], self.rows), max(len(texts) - 1, 0))
        kept = texts[order][at] == self.rows if len(texts) else np.zeros(len(self), bool)
        return Windows(order[at[kept]], self.signatures[kept], self.opening[kept])


@dataclass(frozen=True)
class Profiles:
    """Everything the index and verification need, from one hashing pass over the texts."""

    signatures: np.ndarray  # (n, num_perm) uint64: MinHash of all shingles
    prefix_signatures: np.ndarray  # (n, num_perm) uint64: MinHash of the first shingles
    shingle_sets: list[np.ndarray]  # sorted unique uint32 shingle hashes per text
    windows: Windows  # MinHash of the shingles from each paragraph's start


def words(text: str) -> list[str]:
    """The normalised words of a text."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int) -> list[str]:
    """Normalised word k-grams in text order; a text shorter than k words gives one shingle."""
    tokens = words(text)
    if not tokens:
        return []
    if len(tokens) <= k:
        return [" ".join(tokens)]
    return [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def _fmix64(h: int) -> int:
    shift, m1, m2 = _FMIX64
    h ^= h >> shift
    h = (h * m1) & _MASK64
    h ^= h >> shift
    h = (h * m2) & _MASK64
    return h ^ (h >> shift)


def word_hash64(word: str) -> int:
    """A word's 64-bit hash: its UTF-8 bytes as a polynomial mod 2^64 (Horner, multiplier
    _BYTE_POLY), mixed by fmix64. Its polynomial form is what numpy computes for all words of
    texts at once from cumulative sums (see _byte_word_hashes)."""
    h = 0
    for byte in word.encode("utf-8"):
        h = (h * _BYTE_POLY + byte) & _MASK64
    return _fmix64(h)


class _WordHashes(dict):
    """word -> word_hash64, computed on first use (for the scalar shingle_hash32)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_CACHE_LIMIT:
            self.clear()
        value = self[word] = word_hash64(word)
        return value


_WORD_HASHES = _WordHashes()


def _combine(word_hashes: Sequence[int]) -> int:
    """The 32-bit hash of a shingle from its words' 64-bit hashes (scalar form)."""
    h = 0
    for w in word_hashes:
        h = (h * _POLY + w) & _MASK64
    return _fmix64(h) & 0xFFFFFFFF


def mix64(h: np.ndarray) -> np.ndarray:
    """fmix64 over a uint64 array, in place."""
    shift, m1, m2 = _FMIX64_NP
    h ^= h >> shift
    h *= m1
    h ^= h >> shift
    h *= m2
    h ^= h >> shift
    return h


_POWERS: list[np.ndarray] = []


def _byte_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Q^i and Q^-i mod 2^64 for i < n (at least), computed once and grown on demand."""
    if not _POWERS or len(_POWERS[0]) < n:
        size = max(n, 1 << 20)
        powers = np.full(size, _BYTE_POLY_NP, dtype=np.uint64)
        powers[0] = 1
        inverse = np.full(size, _BYTE_POLY_INV_NP, dtype=np.uint64)
        inverse[0] = 1
        _POWERS[:] = [np.cumprod(powers), np.cumprod(inverse)]
    return _POWERS[0], _POWERS[1]


def _prepared(text: str) -> str:
    """The text with its words as `words()` finds them, ready for the byte-level word split.

    For ASCII, NFKC is the identity, casefold is lower() (done on the bytes) and \\w is
    [A-Za-z0-9_]. Other texts are normalised here, and every non-ASCII character that is not a
    word character becomes a space: then a word is a run of ASCII word bytes and bytes >= 0x80
    (the UTF-8 of non-ASCII word characters), exactly the \\w+ runs of the normalised text.
    """
    if text.isascii():
        return text
    return _NON_ASCII_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold())


def _byte_word_hashes(
    texts: Sequence[str], lines: bool = False
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """word_hash64 of every word of prepared texts (flat, in order) and the word count per text;
    with `lines`, also where lines start: (text, index of its first word) of every line break
    inside a text.

    Word w = UTF-8 bytes c_s..c_e-1 hashes to sum c_i Q^(e-1-i) = Q^(e-1) * (G[e] - G[s])
    with G the running sum of c_i Q^-i: all mod 2^64, where numpy's uint64 arithmetic wraps."""
    encoded = [t.encode("utf-8") for t in texts]
    data = np.frombuffer(b"\n".join(encoded), dtype=np.uint8)
    n = len(data)
    if not n:
        none = np.empty(0, dtype=np.int64)
        found = np.empty(0, dtype=np.uint64), np.zeros(len(texts), dtype=np.int64)
        return (*found, none, none) if lines else found
    is_word = _WORD_BYTE[data].astype(np.int8)
    edges = np.diff(is_word, prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    powers, inverse = _byte_powers(n + 1)
    running = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(_LOWER_BYTE[data].astype(np.uint64) * inverse[:n], out=running[1:])
    hashes = mix64(powers[ends - 1] * (running[ends] - running[starts]))
    offsets = np.cumsum([0] + [len(t) + 1 for t in encoded])  # +1: the joining newline
    before = np.searchsorted(starts, offsets)  # words before each text
    counts = np.diff(before)
    if not lines:
        return hashes, counts
    breaks = np.flatnonzero(data == 10)
    text = np.searchsorted(offsets, breaks, "right") - 1
    inside = breaks < offsets[text + 1] - 1  # not the newline that joins two texts
    breaks, text = breaks[inside], text[inside]
    return hashes, counts, text, np.searchsorted(starts, breaks) - before[text]


def shingle_hash32(shingle: bytes | str) -> int:
    """The 32-bit hash of one shingle ("w1 w2 ... wk", as `shingles` gives it).

    Pass it to datasketch as `MinHash(hashfunc=shingle_hash32)` to get the project's signatures.
    """
    text = shingle.decode("utf-8") if isinstance(shingle, bytes) else shingle
    return _combine([_WORD_HASHES[w] for w in text.split(" ")])


def _hash_batch(texts: Sequence[str], k: int) -> list[np.ndarray]:
    """shingle_hash32 of every shingle of each text, in text order, vectorised over texts."""
    hashes, counts = _byte_word_hashes([_prepared(t) for t in texts])
    return _shingle_batch(hashes, counts, k)


def _shingle_batch(hashes: np.ndarray, counts: np.ndarray, k: int) -> list[np.ndarray]:
    """Shingle hashes per text from the word hashes of a batch (flat) and its word counts."""
    per_text = np.split(hashes, np.cumsum(counts)[:-1])
    lengths = np.array([len(w) for w in per_text], dtype=np.int64)
    out: list[np.ndarray] = [np.empty(0, dtype=np.uint32)] * len(counts)
    for i in np.flatnonzero((lengths > 0) & (lengths <= k)):
        out[i] = np.array([_combine(per_text[i].tolist())], dtype=np.uint32)
    long_ = np.flatnonzero(lengths > k)
    if not len(long_):
        return out
    flat = np.concatenate([per_text[i] for i in long_])
    n = len(flat) - k + 1
    h = flat[:n].copy()
    poly = np.uint64(_POLY)
    for j in range(1, k):
        h *= poly  # wraps mod 2^64, as _combine's masking
        h += flat[j : j + n]
    hashes = (mix64(h) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    # Keep the windows that start and end inside one text.
    counts = lengths[long_] - k + 1
    starts = np.concatenate(([0], np.cumsum(lengths[long_])[:-1]))
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    valid = hashes[first + np.arange(int(counts.sum()))]
    for i, part in zip(long_, np.split(valid, np.cumsum(counts)[:-1]), strict=True):
        out[i] = part
    return out


def _hash_with_windows(
    texts: Sequence[str], params: SignatureParams
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Shingle hashes per text, and the windows to sign: (text, first shingle) of the start of
    every paragraph but the first that has `window_words` words or more and is followed by at
    least half a window of shingles, in text order."""
    k = params.shingle_words
    out: list[np.ndarray] = []
    texts_of, starts_of, counts_of = [], [], []
    for first in range(0, len(texts), _TEXTS_PER_BATCH):
        batch = [_prepared(t) for t in texts[first : first + _TEXTS_PER_BATCH]]
        hashes, counts, text, start = _byte_word_hashes(batch, lines=True)
        out += _shingle_batch(hashes, counts, k)
        texts_of.append(text + first)
        starts_of.append(start)
        counts_of.append(counts)
    if not texts:
        none = np.empty(0, dtype=np.int64)
        return out, none, none
    text, start, counts = (np.concatenate(x) for x in (texts_of, starts_of, counts_of))
    # Distinct line starts per text (in order already; blank lines repeat one), then each
    # paragraph's words up to the next start.
    keys = (text << 32) | start
    distinct = np.append(True, keys[1:] != keys[:-1]) if len(keys) else keys.astype(bool)
    text, start = text[distinct], start[distinct]
    following = np.append(start[1:], 0)
    last = np.append(text[1:] != text[:-1], True) if len(text) else text.astype(bool)
    following[last] = counts[text[last]]
    shingles = np.maximum(counts[text] - k + 1, np.minimum(counts[text], 1))
    keep = (
        (start > 0)
        & (following - start >= params.window_words)
        & (shingles - start >= max(1, params.prefix_shingles // 2))
    )
    return out, text[keep], start[keep]


def hash_texts(texts: Sequence[str], k: int) -> list[np.ndarray]:
    """Shingle hashes (uint32, text order) of many texts; the fast form of shingle_hashes."""
    out: list[np.ndarray] = []
    for start in range(0, len(texts), _TEXTS_PER_BATCH):
        out += _hash_batch(texts[start : start + _TEXTS_PER_BATCH], k)
    return out


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """shingle_hash32 of each shingle of a text (uint32, text order)."""
    return _hash_batch([text], k)[0]


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own (a, b) affine32 permutation parameters for this num_perm and seed, drawn
    as MinHash draws them (odd a). Not taken from a MinHash: importing datasketch pulls in scipy,
    a second of every command's start (tests/test_signatures.py checks they are datasketch's)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch pre-mixes each input hash."""
    s1, m1, s2, m2 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s1)


def sign_hashes(hashes: Sequence[np.ndarray], params: SignatureParams) -> np.ndarray:
    """MinHash signatures (n, num_perm) uint64 of per-text arrays of 32-bit shingle hashes."""
    a, b = _permutations(params.num_perm, params.seed)
    out = np.full((len(hashes), params.num_perm), _EMPTY, dtype=np.uint32)
    ends = np.cumsum([len(h) for h in hashes])
    start = 0
    while start < len(hashes):
        # Take texts until the chunk holds enough shingles; always at least one text.
        before = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, before + _CHUNK_SHINGLES, "right")))
        chunk = [np.asarray(h, dtype=np.uint32) for h in hashes[start:stop]]
        rows = np.array([i for i, h in enumerate(chunk) if len(h)], dtype=np.intp)
        if len(rows):
            mixed = _fmix32(np.concatenate([chunk[i] for i in rows]))
            # (num_perm, shingles): each row's segments are contiguous, which makes reduceat
            # along axis 1 several times faster than along axis 0.
            permuted = np.multiply.outer(a, mixed)  # wraps mod 2^32, as datasketch's a * h + b
            permuted += b[:, None]
            lengths = np.array([len(chunk[i]) for i in rows])
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            out[start + rows] = np.minimum.reduceat(permuted, offsets, axis=1).T
        start = stop
    return out.astype(np.uint64)


def sign(texts: Sequence[str], params: SignatureParams) -> np.ndarray:
    """MinHash signatures of texts: (len(texts), num_perm) uint64, equal to datasketch's."""
    return sign_hashes(hash_texts(texts, params.shingle_words), params)


def profile(texts: Sequence[str], params: SignatureParams) -> Profiles:
    """Full, prefix and window signatures plus shingle sets of texts, hashing each text once."""
    hashes, window_text, window_start = _hash_with_windows(texts, params)
    full, prefix, windows = _sign_spans(hashes, window_text, window_start, params)
    first = np.append(True, window_text[1:] != window_text[:-1]) if len(window_text) else []
    return Profiles(
        signatures=full,
        prefix_signatures=prefix,
        shingle_sets=[_sorted_unique(h) for h in hashes],
        windows=Windows(
            window_text, windows, np.asarray(first, bool) & (window_start <= params.opening_words)
        ),
    )


def _sign_spans(
    hashes: Sequence[np.ndarray],
    window_text: np.ndarray,
    window_start: np.ndarray,
    params: SignatureParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MinHash of each text and of its prefix (uint64, as datasketch's) and of its windows
    (uint32 on window_perm permutations, half the memory; windows given in text order).

    Texts go in chunks as in sign_hashes. In a chunk the permuted hashes are cut at the start of
    every text and the end of its prefix and reduced once per piece (a text's signature is then
    the minimum of its prefix and the rest); windows are reduced on their own permutations.
    """
    a, b = _permutations(params.num_perm, params.seed)
    width = min(params.window_perm, params.num_perm)
    size = params.prefix_shingles
    lengths = np.array([len(h) for h in hashes], dtype=np.int64)
    full = np.full((len(hashes), params.num_perm), _EMPTY, dtype=np.uint32)
    prefix = full.copy()
    windows = np.empty((len(window_text), width), dtype=np.uint32)
    window_end = np.minimum(window_start + size, lengths[window_text])
    ends = np.cumsum(lengths)
    # One buffer for every chunk (fresh pages for each would cost more than the work), with a
    # column more for the largest value: a window may end where the chunk does.
    buffer = np.empty((params.num_perm, _CHUNK_SHINGLES + 1), dtype=np.uint32)
    start = 0
    while start < len(hashes):
        before = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, before + _CHUNK_SHINGLES, "right")))
        rows = start + np.flatnonzero(lengths[start:stop])
        if len(rows):
            mixed = _fmix32(np.concatenate([np.asarray(hashes[i], np.uint32) for i in rows]))
            if buffer.shape[1] <= len(mixed):
                buffer = np.empty((params.num_perm, len(mixed) + 1), dtype=np.uint32)
            permuted = buffer[:, : len(mixed) + 1]
            np.multiply(a[:, None], mixed, out=permuted[:, :-1])  # wraps mod 2^32, as
            permuted += b[:, None]  # datasketch's a * h + b
            permuted[:, -1] = _EMPTY
            offset = np.zeros(stop - start, dtype=np.int64)  # where each text starts in `mixed`
            offset[rows - start] = np.concatenate(([0], np.cumsum(lengths[rows])[:-1]))
            text_start = offset[rows - start]
            prefix_end = text_start + np.minimum(lengths[rows], size)
            # Every text in one or two pieces: its prefix and the rest.
            cuts = np.unique(np.concatenate([text_start, prefix_end]))
            pieces = np.minimum.reduceat(permuted, cuts[cuts < len(mixed)], axis=1)
            first = np.searchsorted(cuts, text_start)
            full[rows] = np.minimum.reduceat(pieces, first, axis=1).T
            prefix[rows] = pieces[:, first].T
            lo, hi = np.searchsorted(window_text, [start, stop])
            if hi > lo:
                # Windows overlap: reduceat over (start, end) index pairs gives each window's
                # minimum at the even positions. On the window permutations only.
                at = offset[window_text[lo:hi] - start]
                bounds = np.stack([at + window_start[lo:hi], at + window_end[lo:hi]], axis=1)
                found = np.minimum.reduceat(permuted[:width], bounds.ravel(), axis=1)
                windows[lo:hi] = found[:, ::2].T
        start = stop
    return full.astype(np.uint64), prefix.astype(np.uint64), windows


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for small arrays, without its hashing pass (faster on a few hundred values)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def shingle_set(text: str, k: int | SignatureParams) -> np.ndarray:
    """Sorted unique 32-bit shingle hashes of a text, the form dedupe.clusters.verify wants."""
    return _sorted_unique(shingle_hashes(text, k if isinstance(k, int) else k.shingle_words))


def is_empty(signature: np.ndarray) -> bool:
    """True for the signature of a text without a single word."""
    return bool(np.all(np.asarray(signature) == _EMPTY))


def to_minhash(row: np.ndarray, params: SignatureParams):
    """A datasketch MinHash holding this signature (for datasketch's own LSH or estimates)."""
    from datasketch import MinHash

    return MinHash(
        seed=params.seed,
        hashvalues=np.asarray(row, dtype=np.uint64).astype(np.uint32),
        permutations=np.array(_permutations(params.num_perm, params.seed)),
        scheme=SCHEME,
    )


def to_bytes(row: np.ndarray) -> bytes:
    """Compact storage form of one signature (affine32 values fit 4 bytes each)."""
    return np.asarray(row, dtype=np.uint64).astype("<u4").tobytes()


def from_bytes(data: bytes, params: SignatureParams | None = None) -> np.ndarray:
    """One signature back from `to_bytes` (uint64); checks its length against params if given."""
    row = np.frombuffer(data, dtype="<u4").astype(np.uint64)
    if params is not None and len(row) != params.num_perm:
        raise ValueError(
            f"stored signature has {len(row)} values, params want {params.num_perm}: re-sign"
        )
    return row
