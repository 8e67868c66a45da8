"""Signatures: shingling, and bit-for-bit equality with datasketch's MinHash."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from dedupe.signatures import (
    SignatureParams,
    from_bytes,
    hash_texts,
    is_empty,
    profile,
    shingle_hash32,
    shingle_hashes,
    shingle_set,
    shingles,
    sign,
    to_bytes,
    to_minhash,
)

TEXTS = [
    "Velar trin osk mabbe a drundel. Pelo pelo ska vintree!",
    "Velar trin osk mabbe a drundel.\nPelo pelo ska vintree, dorsu quamix ul.",
    "Three words only",
    "",
    "Ünïcode façade — ﬁne ligatures, CAPITALS and digits 2024 in “quotes”.",
    " ".join(f"zel{i % 37}" for i in range(900)),
    # ASCII takes numpy's byte-level path: case, digits and underscores must match \\w.
    "Snake_case WORDS, 42 digits;\tMiXeD-case end_ x9 __init__ UPPER lower Upper 2024!",
    # Other scripts go the same path once normalised: non-word characters outside ASCII
    # (dashes, quotes, emoji, combining marks left over, zero-width and no-break spaces,
    # a lone surrogate) split words; word characters of any script join them.
    "Привет, МИР — это тест «кавычек» № 5 и ещё…",
    "東京都の天気は晴れ。明日も晴れるでしょう 2026年",
    "مرحبا بالعالم، هذا اختبار ٣ أرقام",
    "İstanbul STRASSE Straße ﬀ ｆｕｌｌｗｉｄｔｈ x²\u00a0nbsp zero\u200bwidth e\u0301t\u00e9",
    "rocket 🚀 launch 🚀🚀 over\ud800lone surrogate ½ ⅓ Ⅻ ①",
]


def datasketch_minhash(text: str, num_perm: int, seed: int, k: int = 5) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32)
    for shingle in shingles(text, k):
        m.update(shingle.encode("utf-8"))
    return m


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7)])
def test_sign_equals_datasketch_minhash(num_perm, seed):
    params = SignatureParams(num_perm=num_perm, seed=seed)
    sigs = sign(TEXTS, params)
    assert sigs.shape == (len(TEXTS), num_perm) and sigs.dtype == np.uint64
    for text, row in zip(TEXTS, sigs, strict=True):
        expected = datasketch_minhash(text, num_perm, seed)
        np.testing.assert_array_equal(row, expected.hashvalues.astype(np.uint64))
        assert to_minhash(row, params) == expected


def test_sign_spans_chunks_and_matches_profile():
    params = SignatureParams(num_perm=32)
    texts = TEXTS * 5  # 900-word texts push the work across several chunks
    prof = profile(texts, params)
    np.testing.assert_array_equal(prof.signatures, sign(texts, params))
    prefix = MinHash(num_perm=32, seed=1, hashfunc=shingle_hash32)
    prefix.update_batch([s.encode() for s in shingles(texts[-1], 5)[: params.prefix_shingles]])
    np.testing.assert_array_equal(prof.prefix_signatures[-1], prefix.hashvalues)
    np.testing.assert_array_equal(prof.shingle_sets[1], shingle_set(texts[1], params))


def test_windows_sign_the_shingles_from_each_paragraph_start():
    params = SignatureParams()
    long_ = " ".join(f"alpha{i}" for i in range(40))  # 40 words: 36 shingles of its own
    texts = [
        "\n".join([long_, "A short line.", long_.replace("alpha", "beta"), "", long_[:60]]),
        long_,  # one paragraph: no window
        "",
    ]
    prof = profile(texts, params)
    # Paragraphs start at words 0, 40, 43 and 83 (the blank line starts none). Windows start at paragraphs of 8 words or more but the first, followed by at least half
    # a window (30) of shingles: at word 43 only (word 40 opens a 3-word line, and from word 83
    # on there are too few shingles left).
    assert prof.windows.rows.tolist() == [0]
    every = shingles(texts[0], 5)
    expected = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash32)
    expected.update_batch([x.encode() for x in every[43 : 43 + params.prefix_shingles]])
    assert prof.windows.signatures.shape == (1, params.window_perm)
    np.testing.assert_array_equal(
        prof.windows.signatures[0], expected.hashvalues[: params.window_perm]
    )
    assert not prof.windows.opening[0]  # 43 words in: no opening
    # The prefix is the window at the text's start; an excerpt starting at word 43 has the
    # window as its prefix.
    excerpt = profile(["\n".join(texts[0].split("\n")[2:])], params)
    width = params.window_perm
    np.testing.assert_array_equal(excerpt.prefix_signatures[0][:width], prof.windows.signatures[0])
    # After a short lead-in line, the first window is the text's opening: the same signature.
    lead_in = profile(["Via the valley press:\n" + "\n".join(texts[0].split("\n")[2:])], params)
    assert lead_in.windows.opening.tolist()[:1] == [True]
    np.testing.assert_array_equal(lead_in.windows.signatures[0], prof.windows.signatures[0])
    # Windows of a slice of the texts, renumbered.
    assert prof.windows.take([2, 0]).rows.tolist() == [1]
    assert len(prof.windows.take([1, 2])) == 0
    assert SignatureParams(window_perm=16).key != params.key


def test_shingles_are_normalised_word_k_grams():
    assert shingles("One, TWO three! four five six", 5) == [
        "one two three four five",
        "two three four five six",
    ]
    assert shingles("Short text here", 5) == ["short text here"]
    assert shingles("  \n ", 5) == []
    # Case, punctuation, line breaks and compatibility forms do not matter.
    assert shingles("ﬁne Day,\nfine DAY", 2) == shingles("fine day fine day", 2)


def test_vectorised_shingle_hashes_equal_the_scalar_hash_function():
    for text in TEXTS:
        hashes = shingle_hashes(text, 5)
        assert hashes.dtype == np.uint32
        assert hashes.tolist() == [shingle_hash32(s.encode("utf-8")) for s in shingles(text, 5)]
    # Batches mix texts shorter than k, empty ones and long ones: windows never cross texts.
    batch = hash_texts(TEXTS * 3, 5)
    assert [h.tolist() for h in batch] == [shingle_hashes(t, 5).tolist() for t in TEXTS * 3]
    assert shingle_hash32("two words") != shingle_hash32("words two")
    assert shingle_set("a b c a b c", 2).tolist() == sorted(set(shingle_hashes("a b c a b c", 2)))


def test_empty_text_keeps_the_initial_signature():
    row = sign([""], SignatureParams())[0]
    assert is_empty(row) and not is_empty(sign(["a word"], SignatureParams())[0])
    np.testing.assert_array_equal(row, MinHash().hashvalues)


def test_bytes_round_trip_and_params_key():
    params = SignatureParams()
    row = sign(TEXTS[:1], params)[0]
    data = to_bytes(row)
    assert len(data) == 4 * params.num_perm
    np.testing.assert_array_equal(from_bytes(data, params), row)
    with pytest.raises(ValueError, match="re-sign"):
        from_bytes(data, SignatureParams(num_perm=64))
    keys = {
        SignatureParams().key,
        SignatureParams(num_perm=64).key,
        SignatureParams(seed=2).key,
        SignatureParams(shingle_words=4).key,
    }
    assert len(keys) == 4
    assert "affine32" in params.key and "wordpoly64" in params.key


def test_estimates_follow_true_resemblance():
    base = " ".join(f"w{i}" for i in range(400))
    edited = base.replace("w10 ", "x10 ").replace("w200 ", "x200 ")
    a, b = sign([base, edited], SignatureParams(num_perm=256))
    true = len(set(shingles(base, 5)) & set(shingles(edited, 5))) / len(
        set(shingles(base, 5)) | set(shingles(edited, 5))
    )
    assert abs(float(np.mean(a == b)) - true) < 0.06


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (24, 5), (64, 7)])
def test_permutations_are_datasketchs_own(num_perm, seed):
    from dedupe.signatures import SCHEME, _permutations

    minhash = MinHash(num_perm=num_perm, seed=seed)
    assert minhash.scheme == SCHEME
    a, b = _permutations(num_perm, seed)
    np.testing.assert_array_equal(a, minhash.permutations[0])
    np.testing.assert_array_equal(b, minhash.permutations[1])
    assert a.dtype == b.dtype == np.uint32


def test_signing_imports_neither_datasketch_nor_scipy():
    """Every command signs; datasketch's package import pulls in scipy (a second a command)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dedupe import pipeline, signatures\n"
        "signatures.profile(['one two three four five six seven'], signatures.SignatureParams())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
