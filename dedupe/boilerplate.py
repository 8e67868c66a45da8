"""Strip what is not the article: known patterns (a data file) plus learned site and cross-site repeats.

Text comes one block (paragraph, heading, list item) per line. Each removed block is kept with its
reason (a pattern name, "site-repeat" or "cross-site-repeat") for the `stripped` audit table.

Learning works on pieces, not pages: copies of one piece (one cluster) count once, so a paragraph of
an article copied by fifty sites is never mistaken for boilerplate, while a publisher's disclaimer
that rides along under many different pieces is.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from .errors import InputError
from .signatures import shingle_set

try:  # the regex parser is private; without it the pattern screens are simply not used
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

SITE_PATTERN = "site-pattern"
SITE_REPEAT = "site-repeat"
CROSS_SITE_REPEAT = "cross-site-repeat"

_DIGITS = re.compile(r"\d[\d.,\s]*\d|\d")
_WORD_CHAR = re.compile(r"[^\W_]")
_ASCII_DIGITS = "0123456789"
_ASCII_NOT_WORD = "".join(c for c in map(chr, range(128)) if not c.isalnum())
# The non-ASCII letters that re.IGNORECASE matches with ASCII letters (see the re docs).
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"
_MIN_NEEDLE = 3  # shorter literals screen out too little to pay for the check
# Two unclustered pages are taken as one piece when they share at least this share of the blocks of
# the shorter one (and at least two blocks): a publisher's footer is a few blocks, a body is most.
_SAME_PIECE_SHARE = 0.5
_SAME_PIECE_MIN_BLOCKS = 2
_PARTNER_PROBES = 3


@dataclass(frozen=True)
class Pattern:
    """One named boilerplate regex."""

    name: str
    regex: re.Pattern[str]
    description: str = ""


@dataclass(frozen=True)
class Patterns:
    """Named regexes tried in order against each block; the first match names the reason."""

    items: tuple[Pattern, ...]

    def match(self, block: str) -> str | None:
        """The name of the first pattern that matches `block`, or None."""
        if "\n" in block:  # the screens assume one line
            for pattern in self.items:
                if pattern.regex.search(block):
                    return pattern.name
            return None
        size = len(block)
        # The screens compare lower-cased ASCII; only four other letters match ASCII ones.
        lower = None
        if block.isascii() or not any(map(block.__contains__, _FOLDS_TO_ASCII)):
            lower = block.lower()
        for name, search, max_len, starts, needles in self._screened:
            if max_len is not None and size > max_len:
                continue
            if lower is not None:
                if starts:
                    if not lower.startswith(starts):
                        continue
                elif needles and not any(map(lower.__contains__, needles)):
                    continue
            if search(block):
                return name
        return None

    @functools.cached_property
    def _screened(self) -> tuple[tuple[str, Callable, int | None, tuple, tuple], ...]:
        return tuple(
            (p.name, p.regex.search, *_screen(p.regex.pattern, p.regex.flags)) for p in self.items
        )

    def __len__(self) -> int:
        return len(self.items)


@functools.lru_cache(maxsize=4096)
def _screen(source: str, flags: int) -> tuple[int | None, tuple[str, ...], tuple[str, ...]]:
    """Cheap necessary conditions for a regex to match a one-line block.

    (max_len, starts, needles): a leading ^(?=.{0,N}$) bounds the block's length by N. On a block
    without _FOLDS_TO_ASCII letters, lower-cased, a match of a regex anchored at ^ begins with one
    of `starts`, and any match holds one of `needles`. Each may be absent (None, (), ()); the
    regex itself still decides, so the screens only skip work.
    """
    if _sre_parse is None:
        return None, (), ()
    try:
        items = list(_sre_parse.parse(source, flags))
    except Exception:  # noqa: BLE001 - a regex the private parser cannot read is just not screened
        return None, (), ()
    max_len, starts = None, None
    if items and items[0] == (_sre.AT, _sre.AT_BEGINNING):
        rest = items[1:]
        if rest and rest[0][0] is _sre.ASSERT:
            direction, body = rest[0][1]
            body = list(body)
            if (
                direction == 1
                and len(body) == 2
                and body[0][0] is _sre.MAX_REPEAT
                and body[0][1][0] == 0
                and list(body[0][1][2]) == [(_sre.ANY, None)]
                and body[1] == (_sre.AT, _sre.AT_END)
            ):
                max_len, rest = body[0][1][1], rest[1:]
        starts = _starts(rest)
    needles = _needles(items)
    if needles is None or min(map(len, needles)) < _MIN_NEEDLE:
        needles = set()
    return max_len, tuple(sorted(starts or ())), tuple(sorted(needles))


def _starts(items) -> set[str] | None:
    """Lower-case ASCII literals one of which every match of the parsed sequence starts with."""
    run = ""
    for op, av in items:
        if op is not _sre.LITERAL or av >= 128:
            break
        run += chr(av).lower()
    if run:
        return {run}
    if not items:
        return None
    op, av = items[0]
    if op is _sre.SUBPATTERN:
        return _starts(list(av[-1]))
    if op is _sre.BRANCH:
        alternatives = [_starts(list(a)) for a in av[1]]
        return set().union(*alternatives) if all(alternatives) else None
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        inner = _starts(list(av[2]))  # never an empty match, when known
        if av[0] >= 1:
            return inner
        after = _starts(items[1:])  # an optional item: what follows it when it is skipped
        return inner | after if inner and after else None
    return None


def _needles(items) -> set[str] | None:
    """Lower-case ASCII literals one of which every match of the parsed sequence holds, or None."""
    options: list[set[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is _sre.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        if run:
            options.append({"".join(run)})
            run = []
        found = None
        if op is _sre.SUBPATTERN:
            found = _needles(av[-1])
        elif op is _sre.BRANCH:
            alternatives = [_needles(a) for a in av[1]]
            if all(alternatives):
                found = set().union(*alternatives)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            found = _needles(av[2])
        elif op is _sre.ASSERT and av[0] == 1:
            found = _needles(av[1])
        if found:
            options.append(found)
    # The most selective condition: longest shortest literal, then fewest literals.
    return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)


@dataclass
class Stripped:
    """The kept text and the removed blocks with their reasons."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Learned:
    """Learned repeats: per-site keys and cross-site keys, each with the row that explains it."""

    site: dict[str, dict[str, dict]] = field(default_factory=dict)
    cross: dict[str, dict] = field(default_factory=dict)
    # From learn(): the ids of the pages each learned block was found on (not stored).
    found_on: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def reason(self, key: str, site: str | None) -> str | None:
        """'site-repeat' or 'cross-site-repeat' when the normalised block `key` is learned."""
        if site is not None and key in self.site.get(site, {}):
            return SITE_REPEAT
        if key in self.cross:
            return CROSS_SITE_REPEAT
        return None

    def rows(self) -> list[dict]:
        """Rows for the store: key, site (None for cross-site), text, reason, pages."""
        out = [row for by_key in self.site.values() for row in by_key.values()]
        out.extend(self.cross.values())
        return sorted(out, key=lambda r: (r["site"] or "", r["reason"], r["key"]))

    @classmethod
    def from_rows(cls, rows: Iterable[dict]) -> Learned:
        """Rebuild from store rows; the block key is recomputed from the text."""
        learned = cls()
        for row in rows:
            norm = normalise(row["text"])
            entry = {**row, "key": _row_key(row["site"], norm)}
            if row["reason"] == SITE_REPEAT and row["site"]:
                learned.site.setdefault(row["site"], {})[norm] = entry
            else:
                learned.cross[norm] = entry
        return learned

    def __len__(self) -> int:
        return sum(len(v) for v in self.site.values()) + len(self.cross)


def normalise(block: str) -> str:
    """The key for repeats: case-folded, NFKC, digits (counts, dates) as '0', spaces collapsed."""
    if block.isascii():  # NFKC and casefold() change nothing that lower() does not
        text = block.lower()
        if any(map(text.__contains__, _ASCII_DIGITS)):
            text = _DIGITS.sub("0", text)
    else:
        text = _DIGITS.sub("0", unicodedata.normalize("NFKC", block).casefold())
    if not text.isprintable() or "  " in text:  # every space character but " " is unprintable
        text = " ".join(text.split())
    # Trim to the first and last word character ([^\W_] is str.isalnum), ASCII ones cheaply.
    text = text.strip(_ASCII_NOT_WORD)
    if not text or (text[0].isalnum() and text[-1].isalnum()):
        return text
    first = _WORD_CHAR.search(text)
    if first is None:
        return ""
    last = _WORD_CHAR.search(text[::-1])
    return text[first.start() : len(text) - last.start()]


def _compile(name: str, regex: str) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as err:
        raise InputError(
            f"boilerplate pattern {name!r} is not a valid regular expression ({err}): {regex!r}; "
            "fix or remove it"
        ) from err


@functools.cache
def _builtin_patterns() -> tuple[Pattern, ...]:
    source = resources.files("dedupe") / "data" / "boilerplate.toml"
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"cannot read {source}: {err}; reinstall crosspost") from err
    out = []
    for i, entry in enumerate(data.get("patterns", [])):
        name, regex = entry.get("name"), entry.get("regex")
        if not name or not regex:
            raise InputError(f"{source}: [[patterns]] entry {i + 1} needs both name and regex")
        out.append(Pattern(name, _compile(name, regex), entry.get("description", "")))
    return tuple(out)


def load_patterns(extra: Iterable[str] | None = None) -> Patterns:
    """The known patterns from dedupe/data/boilerplate.toml, then a site's own (`extra`).

    Extra regexes (from a site's `boilerplate` list in sites.toml) are named "site-pattern".
    Raises InputError naming the pattern when a regex does not compile.
    """
    site_own = tuple(Pattern(SITE_PATTERN, _compile(SITE_PATTERN, r)) for r in extra or ())
    return Patterns(_builtin_patterns() + site_own)


def strip(
    raw_text: str,
    patterns: Patterns,
    learned: Learned | None = None,
    site: str | None = None,
) -> Stripped:
    """Remove boilerplate blocks from `raw_text` (one block per line).

    Known patterns are tried first, then the learned repeats (`site` selects the per-site ones).
    Empty lines are dropped; kept blocks are joined by "\\n".
    """
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    match = patterns.match
    # Learned.reason, with the dictionaries looked up once per page.
    site_keys = learned.site.get(site, {}) if learned is not None and site is not None else {}
    cross_keys = learned.cross if learned is not None else {}
    for line in raw_text.split("\n"):
        block = line.strip()
        if not block:
            continue
        reason = match(block)
        if reason is None and (site_keys or cross_keys):
            key = normalise(block)
            if key in site_keys:
                reason = SITE_REPEAT
            elif key in cross_keys:
                reason = CROSS_SITE_REPEAT
        if reason is None:
            kept.append(block)
        else:
            removed.append((block, reason))
    return Stripped("\n".join(kept), removed)


class _Pieces:
    """Union-find over article ids: which pages carry the same piece."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, a: int) -> int:
        root = a
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while a != root:  # path compression
            self.parent[a], a = root, self.parent.get(a, a)
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _row_key(site: str | None, norm: str) -> str:
    return hashlib.blake2b(f"{site or '*'}\x00{norm}".encode(), digest_size=10).hexdigest()


def _own_blocks(
    blocks: dict[int, set[str]], postings: dict[str, list[int]], site_of: dict[int, str]
) -> tuple[dict[int, set[str]], dict[str, list[int]]]:
    """Each page's blocks minus its site's furniture (blocks on another page of the same site),
    and the postings of those own blocks."""
    furniture: set[tuple[str, str]] = set()
    own_postings: dict[str, list[int]] = {}
    for key, ids in postings.items():
        if len(ids) > 1:
            seen: set[str] = set()
            repeated: set[str] = set()
            for article_id in ids:
                site = site_of[article_id]
                if site in seen:
                    repeated.add(site)
                seen.add(site)
            if repeated:
                furniture.update((site, key) for site in repeated)
                ids = [a for a in ids if site_of[a] not in repeated]
        own_postings[key] = ids
    own = {
        a: {k for k in mine if (site_of[a], k) not in furniture} if furniture else set(mine)
        for a, mine in blocks.items()
    }
    return own, own_postings


def _same_piece(common: int, smaller: int) -> bool:
    return common >= _SAME_PIECE_MIN_BLOCKS and common >= _SAME_PIECE_SHARE * smaller


def _prefix_length(size: int) -> int:
    """How many of a set's blocks, in a fixed order, must include one a same-piece partner shares.

    A partner at least as large shares t >= max(2, ceil(size / 2)) blocks (see _same_piece), so
    by pigeonhole one of them lies among the first size - t + 1 blocks of the set.
    """
    need = max(_SAME_PIECE_MIN_BLOCKS, math.ceil(_SAME_PIECE_SHARE * size))
    return max(0, size - need + 1)


def _candidate_pairs(
    ordered: dict[int, list[str]], postings: dict[str, list[int]]
) -> Iterator[tuple[int, int]]:
    """Pairs (a, b) that may pass _same_piece on the sets `ordered` (rarest block first).

    Prefix filtering: each pair is found from its smaller set, through the postings of that set's
    rarest blocks only, so a footer shared by every page of a site never enumerates the site.
    """
    size_of = {a: len(mine) for a, mine in ordered.items()}
    for a, mine in ordered.items():
        size = size_of[a]
        keys = mine[: _prefix_length(size)]
        if not keys:
            continue
        # Postings hold an article once, so one list needs no set.
        found = postings[keys[0]] if len(keys) == 1 else set().union(*map(postings.get, keys))
        for b in found:
            other = size_of[b]
            if other > size or (other == size and b > a):
                yield a, b


def _assign_pieces(
    blocks: dict[int, set[str]],
    postings: dict[str, list[int]],
    cluster_of: dict[int, int],
    site_of: dict[int, str],
) -> dict[int, int]:
    """Piece id per article: clusters as given; unclustered copies joined by shared blocks.

    Two pages are one piece when most blocks of the shorter are shared, counted either over all
    blocks or over the blocks that are not site furniture: an excerpt under a long template of
    banners and comments shares few of its blocks but most of its own text. A page is only
    compared with pages holding one of its `_PARTNER_PROBES` rarest shared blocks (those are
    body, not footer); the pairs to compare come from prefix filtering, not from those postings.
    """
    own_blocks, own_postings = _own_blocks(blocks, postings, site_of)
    pieces = _Pieces()
    first_of_cluster: dict[int, int] = {}
    for article_id in blocks:
        cluster = cluster_of.get(article_id)
        if cluster is not None:
            pieces.union(first_of_cluster.setdefault(cluster, article_id), article_id)

    rarity = {key: len(ids) for key, ids in postings.items()}
    ordered: dict[int, list[str]] = {}
    own_ordered: dict[int, list[str]] = {}
    probes: dict[int, tuple[str, ...]] = {}
    for article_id, mine in blocks.items():
        order = sorted(mine)
        order.sort(key=rarity.__getitem__)  # stable: by (postings, key)
        ordered[article_id] = order
        own = own_blocks[article_id]
        own_ordered[article_id] = [k for k in order if k in own]
        probes[article_id] = tuple(k for k in order if rarity[k] > 1)[:_PARTNER_PROBES]

    for pairs in (_candidate_pairs(ordered, postings), _candidate_pairs(own_ordered, own_postings)):
        for a, b in pairs:
            if a in cluster_of and b in cluster_of:
                continue  # the clusterer already decided
            mine, theirs = blocks[a], blocks[b]
            if theirs.isdisjoint(probes[a]) and mine.isdisjoint(probes[b]):
                continue  # neither is a partner probed by the other
            if _same_piece(len(mine & theirs), min(len(mine), len(theirs))):
                pieces.union(a, b)
                continue
            mine, theirs = own_blocks[a], own_blocks[b]
            if _same_piece(len(mine & theirs), min(len(mine), len(theirs))):
                pieces.union(a, b)
    return {a: pieces.find(a) for a in blocks}


def learn(
    articles: Iterable[tuple[int, str, str]],
    cluster_of: dict[int, int] | None = None,
    *,
    min_site_pages: int = 3,
    min_clusters: int = 3,
) -> Learned:
    """Learn repeated blocks from (article_id, site, raw_text) triples.

    Site repeats: a normalised block on >= `min_site_pages` pages of one site that carry different
    pieces. Cross-site repeats: a block found on more than one site in >= `min_clusters` different
    pieces. Pages of one piece (same cluster in `cluster_of`, or unclustered pages sharing most of
    their blocks) count once, so the body of a widely copied piece is never learned.
    """
    blocks: dict[int, set[str]] = {}
    in_order: dict[int, list[str]] = {}
    site_of: dict[int, str] = {}
    sample: dict[str, str] = {}
    postings: dict[str, list[int]] = {}
    for article_id, site, raw_text in articles:
        own: set[str] = set()
        in_order[article_id] = order = []
        for line in raw_text.split("\n"):
            block = line.strip()
            norm = normalise(block)
            if norm and norm not in own:
                own.add(norm)
                order.append(norm)
                ids = postings.get(norm)
                if ids is None:
                    postings[norm] = [article_id]
                    sample[norm] = block
                else:
                    ids.append(article_id)
        blocks[article_id] = own
        site_of[article_id] = site
    piece_of = _assign_pieces(blocks, postings, cluster_of or {}, site_of)

    learned = Learned()
    candidates: dict[str, int] = {}  # cross-site candidates -> pieces by block equality
    for norm, ids in postings.items():
        if len(ids) < min(min_site_pages, min_clusters):
            continue
        per_site: dict[str, set[int]] = defaultdict(set)
        for article_id in ids:
            per_site[site_of[article_id]].add(piece_of[article_id])
        for site, site_pieces in per_site.items():
            if len(site_pieces) >= min_site_pages:
                learned.found_on[norm] = ids
                learned.site.setdefault(site, {})[norm] = {
                    "key": _row_key(site, norm),
                    "site": site,
                    "text": sample[norm],
                    "reason": SITE_REPEAT,
                    "pages": len(site_pieces),
                }
        all_pieces = set().union(*per_site.values())
        if len(per_site) > 1 and len(all_pieces) >= min_clusters:
            candidates[norm] = len(all_pieces)
    bodies = _Bodies(in_order, site_of, learned, candidates)
    for norm, pieces in candidates.items():
        if bodies.distinct(postings[norm], piece_of, min_clusters):
            learned.found_on[norm] = postings[norm]
            learned.cross[norm] = {
                "key": _row_key(None, norm),
                "site": None,
                "text": sample[norm],
                "reason": CROSS_SITE_REPEAT,
                "pages": pieces,
            }
    return learned


class _Bodies:
    """Whether pages are one piece by their body text (what is left without learned site repeats
    and cross-site candidates), tolerant of copy-editing.

    Block equality cannot tell an edited copy from another piece: a paragraph a few copies left
    untouched would otherwise pass for a cross-site repeat and be cut from every copy. A real
    repeat rides under pages whose bodies differ.
    """

    SHINGLE_WORDS = 5  # as the clustering: a template sentence differs in its names
    SAME_PIECE_CONTAINMENT = 0.5  # share of the smaller body's shingles found in the other
    MIN_SHINGLES = 8  # a body shorter than this says nothing about its piece

    def __init__(self, in_order, site_of, learned: Learned, candidates: dict[str, int]) -> None:
        self.in_order, self.site_of = in_order, site_of
        self.learned, self.candidates = learned, candidates
        self.cache: dict[int, np.ndarray] = {}

    def shingles(self, page: int) -> np.ndarray:
        if page not in self.cache:
            furniture = self.learned.site.get(self.site_of[page], {})
            body = [
                k for k in self.in_order[page] if k not in furniture and k not in self.candidates
            ]
            self.cache[page] = shingle_set("\n".join(body), self.SHINGLE_WORDS)
        return self.cache[page]

    def same(self, a: np.ndarray, b: np.ndarray) -> bool:
        small = min(len(a), len(b))
        if small < self.MIN_SHINGLES:
            return False
        shared = len(np.intersect1d(a, b, assume_unique=True))
        return shared >= self.SAME_PIECE_CONTAINMENT * small

    def distinct(self, pages: list[int], piece_of: dict[int, int], enough: int) -> bool:
        """True when `pages` carry at least `enough` pieces that differ in body as well: one
        page of each kept as its representative, each other piece compared with those."""
        seen_pieces: set[int] = set()
        representatives: list[np.ndarray] = []
        for page in sorted(pages):
            if piece_of[page] in seen_pieces:
                continue
            seen_pieces.add(piece_of[page])
            body = self.shingles(page)
            if not any(self.same(body, other) for other in representatives):
                representatives.append(body)
                if len(representatives) >= enough:
                    return True
        return False
