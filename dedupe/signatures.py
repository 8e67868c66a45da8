"""Shingles and MinHash signatures: vectorised, bit-for-bit equal to datasketch's MinHash.

A text is normalised (NFKC, casefolded, word characters only) and cut into word k-grams
("shingles"). Each shingle's utf-8 bytes are hashed with datasketch's default 32-bit SHA-1 hash;
the signature is the column-wise minimum of datasketch's "affine32" permutations of those hashes,
so `to_minhash(sign([t], p)[0], p)` equals `MinHash(p.num_perm, p.seed)` updated shingle by
shingle, but computed for many texts at once in numpy.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

SCHEME = "affine32"  # datasketch 2.x default permutation scheme
HASH = "sha1_32"  # datasketch.hashfunc.sha1_hash32: first 4 bytes of SHA-1, little-endian
NORMALISATION = "nfkc-casefold-w1"  # bump when _WORD or the normalisation changes

_WORD = re.compile(r"\w+")
_EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's initial value: a text with no shingle keeps it
_CHUNK_SHINGLES = 1 << 13  # keeps the (shingles x num_perm) work matrix in cache (~4 MB)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


@dataclass(frozen=True)
class SignatureParams:
    """How texts are shingled and signed; `key` is stored beside each signature."""

    num_perm: int = 128
    shingle_words: int = 5
    seed: int = 1
    # The excerpt search signs each text's first shingles too (see dedupe.index).
    prefix_shingles: int = 60

    @property
    def key(self) -> str:
        return (
            f"minhash/datasketch-{SCHEME}/{HASH}/{NORMALISATION}/perm={self.num_perm}"
            f"/seed={self.seed}/k={self.shingle_words}/prefix={self.prefix_shingles}"
        )


@dataclass(frozen=True)
class Profiles:
    """Everything the index and verification need, from one hashing pass over the texts."""

    signatures: np.ndarray  # (n, num_perm) uint64: MinHash of all shingles
    prefix_signatures: np.ndarray  # (n, num_perm) uint64: MinHash of the first shingles
    shingle_sets: list[np.ndarray]  # sorted unique uint32 shingle hashes per text


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


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """The 32-bit hash datasketch's default MinHash gives each shingle (uint32, text order)."""
    sha1 = hashlib.sha1
    digest = b"".join(sha1(s.encode("utf-8")).digest()[:4] for s in shingles(text, k))
    return np.frombuffer(digest, dtype="<u4").astype(np.uint32)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own (a, b) permutation parameters for this num_perm and seed."""
    minhash = MinHash(num_perm=num_perm, seed=seed)
    if minhash.scheme != SCHEME:  # pragma: no cover - guards a datasketch upgrade
        raise RuntimeError(f"datasketch default scheme is {minhash.scheme}, expected {SCHEME}")
    a, b = minhash.permutations
    return a.astype(np.uint32), b.astype(np.uint32)


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
    start = 0
    while start < len(hashes):
        # Take texts until the chunk holds enough shingles; always at least one text.
        stop, total = start, 0
        while stop < len(hashes) and (
            stop == start or total + len(hashes[stop]) <= _CHUNK_SHINGLES
        ):
            total += len(hashes[stop])
            stop += 1
        chunk = [np.asarray(h, dtype=np.uint32) for h in hashes[start:stop]]
        rows = np.array([i for i, h in enumerate(chunk) if len(h)], dtype=np.intp)
        if len(rows):
            mixed = _fmix32(np.concatenate([chunk[i] for i in rows]))
            permuted = np.multiply.outer(mixed, a)  # wraps mod 2^32, as datasketch's a * h + b
            permuted += b
            lengths = np.array([len(chunk[i]) for i in rows])
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            out[start + rows] = np.minimum.reduceat(permuted, offsets, axis=0)
        start = stop
    return out.astype(np.uint64)


def sign(texts: Sequence[str], params: SignatureParams) -> np.ndarray:
    """MinHash signatures of texts: (len(texts), num_perm) uint64, equal to datasketch's."""
    return sign_hashes([shingle_hashes(t, params.shingle_words) for t in texts], params)


def profile(texts: Sequence[str], params: SignatureParams) -> Profiles:
    """Full and prefix signatures plus shingle sets of texts, hashing each text once."""
    hashes = [shingle_hashes(t, params.shingle_words) for t in texts]
    return Profiles(
        signatures=sign_hashes(hashes, params),
        prefix_signatures=sign_hashes([h[: params.prefix_shingles] for h in hashes], params),
        shingle_sets=[np.unique(h) for h in hashes],
    )


def shingle_set(text: str, k: int | SignatureParams) -> np.ndarray:
    """Sorted unique 32-bit shingle hashes of a text, the form dedupe.clusters.verify wants."""
    return np.unique(shingle_hashes(text, k if isinstance(k, int) else k.shingle_words))


def is_empty(signature: np.ndarray) -> bool:
    """True for the signature of a text without a single word."""
    return bool(np.all(np.asarray(signature) == _EMPTY))


def to_minhash(row: np.ndarray, params: SignatureParams) -> MinHash:
    """A datasketch MinHash holding this signature (for datasketch's own LSH or estimates)."""
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
