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
import heapq
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources

from .clusters import COPY_RESEMBLANCE, EXCERPT_CONTAINMENT
from .errors import InputError

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
_MATCH_MEMO = 1 << 15  # blocks whose pattern match is remembered (Patterns.match)


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
        # Blocks repeat (a site's footer on every page, copies' unedited paragraphs): about
        # half of a corpus's blocks were seen before. The memo is bounded and starts afresh.
        memo = self._memo
        found = memo.get(block, memo)
        if found is not memo:
            return found
        if len(memo) >= _MATCH_MEMO:
            memo.clear()
        found = memo[block] = self._match(block)
        return found

    @functools.cached_property
    def _memo(self) -> dict[str, str | None]:
        return {}

    def _match(self, block: str) -> str | None:
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
    # From learn(): per page, the hash of the text it learned from and its lines (by number)
    # whose normalised block was learned, so stripping that text need not normalise it again.
    on_page: dict[int, tuple[int, str, dict[int, str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def reason(self, key: str, site: str | None) -> str | None:
        """'site-repeat' or 'cross-site-repeat' when the normalised block `key` is learned."""
        if site is not None and key in self.site.get(site, {}):
            return SITE_REPEAT
        if key in self.cross:
            return CROSS_SITE_REPEAT
        return None

    def lines_of(self, article_id: int, site: str, raw_text: str) -> dict[int, str] | None:
        """The lines of a page learn() read, by number, whose normalised block is learned
        (for strip's `learned_lines`); None unless learn() read this very text of this site."""
        found = self.on_page.get(article_id)
        if found is None or found[0] != hash(raw_text) or found[1] != site:
            return None
        return found[2]

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


@functools.lru_cache(maxsize=1 << 15)  # learning and stripping see each block, many repeat
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
    return _patterns(tuple(extra or ()))


@functools.lru_cache(maxsize=256)  # one Patterns (and match memo) for the sites with no extras
def _patterns(extra: tuple[str, ...]) -> Patterns:
    site_own = tuple(Pattern(SITE_PATTERN, _compile(SITE_PATTERN, r)) for r in extra)
    return Patterns(_builtin_patterns() + site_own)


def strip(
    raw_text: str,
    patterns: Patterns,
    learned: Learned | None = None,
    site: str | None = None,
    learned_lines: dict[int, str] | None = None,
) -> Stripped:
    """Remove boilerplate blocks from `raw_text` (one block per line).

    Known patterns are tried first, then the learned repeats (`site` selects the per-site ones).
    Empty lines are dropped; kept blocks are joined by "\\n". `learned_lines`, when given, holds
    every line (by number) of `raw_text` whose normalised block is learned (see Learned.lines_of):
    the other lines are then not normalised.
    """
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    match = patterns.match
    # Learned.reason, with the dictionaries looked up once per page.
    site_keys = learned.site.get(site, {}) if learned is not None and site is not None else {}
    cross_keys = learned.cross if learned is not None else {}
    for number, line in enumerate(raw_text.split("\n")):
        block = line.strip()
        if not block:
            continue
        reason = match(block)
        if reason is None and (site_keys or cross_keys):
            key = normalise(block) if learned_lines is None else learned_lines.get(number)
            if key in site_keys:
                reason = SITE_REPEAT
            elif key in cross_keys:
                reason = CROSS_SITE_REPEAT
        if reason is None:
            kept.append(block)
        else:
            removed.append((block, reason))
    return Stripped("\n".join(kept), removed)


def _row_key(site: str | None, norm: str) -> str:
    return hashlib.blake2b(f"{site or '*'}\x00{norm}".encode(), digest_size=10).hexdigest()


def learn(
    articles: Iterable[tuple[int, str, str]],
    cluster_of: dict[int, int] | None = None,
    *,
    min_site_pages: int = 3,
    min_clusters: int = 3,
) -> Learned:
    """Learn repeated blocks from (article_id, site, raw_text) triples.

    Site repeats: a normalised block on >= `min_site_pages` pages of one site that carry different
    pieces. Cross-site repeats: a block found on more than one site under >= `min_clusters`
    different pieces. Whether pages carry different pieces is decided by what rides with the block
    (see _Riders): pages of one cluster in `cluster_of` are one piece, and so are pages whose text
    beside the block and its companions is the same text, however edited. So the body of a widely
    copied piece is never learned, while a footer that rides under many different texts is,
    however short the pages or long the footer.
    """
    in_order: dict[int, list[str]] = {}
    site_of: dict[int, str] = {}
    sample: dict[str, str] = {}
    postings: dict[str, list[int]] = {}
    # page -> (its text's hash, each line's place in in_order[page] or -1 when empty): small ints
    # are shared, so this costs a pointer a line, not a copy of its normalised block
    lines: dict[int, tuple[int, list[int]]] = {}
    for article_id, site, raw_text in articles:
        own: dict[str, int] = {}
        in_order[article_id] = order = []
        lines[article_id] = (hash(raw_text), places := [])
        for line in raw_text.split("\n"):
            block = line.strip()
            norm = normalise(block)
            if not norm:
                places.append(-1)
                continue
            place = own.get(norm)
            if place is None:
                place = own[norm] = len(order)
                order.append(norm)
                ids = postings.get(norm)
                if ids is None:
                    postings[norm] = [article_id]
                    sample[norm] = block
                else:
                    ids.append(article_id)
            places.append(place)
        site_of[article_id] = site

    # Per site, the blocks on >= min_site_pages of its pages: its candidates, and its furniture
    # (left out of the text that tells pieces apart).
    enough = min(min_site_pages, min_clusters)
    by_site: dict[str, dict[str, list[int]]] = {}
    for norm, ids in postings.items():
        if len(ids) < enough:
            continue
        per_site: dict[str, list[int]] = defaultdict(list)
        for article_id in ids:
            per_site[site_of[article_id]].append(article_id)
        by_site[norm] = per_site
    furniture = {
        (site, norm)
        for norm, per_site in by_site.items()
        for site, ids in per_site.items()
        if len(ids) >= min_site_pages
    }
    riders = _Riders(in_order, site_of, furniture, cluster_of or {})
    learned = Learned()
    for norm, per_site in by_site.items():
        for site, ids in per_site.items():
            if len(ids) >= min_site_pages and riders.distinct(ids, min_site_pages):
                learned.found_on[norm] = postings[norm]
                learned.site.setdefault(site, {})[norm] = {
                    "key": _row_key(site, norm),
                    "site": site,
                    "text": sample[norm],
                    "reason": SITE_REPEAT,
                    "pages": len(ids),
                }
        ids = postings[norm]
        if len(per_site) > 1 and len(ids) >= min_clusters and riders.distinct(ids, min_clusters):
            learned.found_on[norm] = ids
            learned.cross[norm] = {
                "key": _row_key(None, norm),
                "site": None,
                "text": sample[norm],
                "reason": CROSS_SITE_REPEAT,
                "pages": len(ids),
            }
    for article_id, (text_hash, places) in lines.items():
        site = site_of[article_id]
        site_keys, order = learned.site.get(site, {}), in_order[article_id]
        found = {}
        for number, place in enumerate(places):
            if place >= 0 and ((norm := order[place]) in site_keys or norm in learned.cross):
                found[number] = norm
        learned.on_page[article_id] = (text_hash, site, found)
    return learned


class _Riders:
    """Whether the pages carrying a block carry different pieces, judged by what rides with it.

    A block's companions are the blocks found on nearly all of its pages (the rest of a footer's
    template, or the rest of a piece's body). A page's rider text is what is left of it without
    the companions and without its site's furniture. Two pages carry the same piece when they are
    in one cluster, or when their rider texts would be clustered as one piece (5-word shingles
    within blocks, the clustering's thresholds), which tolerates copy-editing. A page whose rider
    text is too short to tell, or is a small part of the page beside the companions (a "Read
    also" line a copier added to a piece), says nothing.

    So a footer under many different articles has many different riders and is learned; a
    paragraph of one piece, copied by many sites (each with its own furniture) or posted twice on
    one site, rides with the rest of that piece, and is not.
    """

    SHINGLE_WORDS = 5  # as the clustering: a template sentence differs in its names
    COMPANION_SHARE = 0.9  # of a block's pages a companion is found on
    MIN_WORDS = 12  # rider text shorter than this says nothing about its piece
    MIN_RIDER_SHARE = 0.25  # nor does rider text that is a small part of the page's own text
    SAMPLE = 200  # pages examined per block at most (spread over its pages)
    # Blocks whose shingles are kept (about 3.5 KB each as Python ints): unbounded, they were
    # 1.3 GB of a first run's learning at 100,000 articles.
    SHINGLE_CACHE = 1 << 14

    def __init__(self, in_order, site_of, furniture, cluster_of: dict[int, int]) -> None:
        self.in_order, self.site_of = in_order, site_of
        self.furniture, self.cluster_of = furniture, cluster_of
        self.answers: dict[tuple[tuple[int, ...], int], bool] = {}
        self.block_shingles: dict[str, frozenset[int]] = {}
        self.kept: dict[int, tuple[list[str], list[int], int]] = {}

    def distinct(self, pages: list[int], enough: int) -> bool:
        """True when `pages` carry at least `enough` pieces that differ in their rider text."""
        pieces = {self.cluster_of.get(p, -1 - p) for p in pages}
        if len(pieces) < enough:
            return False
        key = (tuple(pages), enough)  # the blocks of one template share their pages
        if key not in self.answers:
            self.answers[key] = self._distinct(pages, enough)
        return self.answers[key]

    def _distinct(self, pages: list[int], enough: int) -> bool:
        if len(pages) > self.SAMPLE:
            step = len(pages) / self.SAMPLE
            pages = [pages[int(i * step)] for i in range(self.SAMPLE)]
        seen: Counter[str] = Counter()
        for page in pages:
            seen.update(self.in_order[page])
        companions = {k for k, n in seen.items() if n >= self.COMPANION_SHARE * len(pages)}
        # A quick pass first: a rider unlike every rider kept so far is kept. Every rider is
        # kept or one piece with a kept one, so there are no more pieces than kept riders:
        # too few kept answers no. Enough kept proves nothing yet, since "one piece" does not
        # chain (an excerpt of a piece's start and a copy with a new lead are each one piece
        # with the whole text, not with each other): then all riders are grouped.
        represented: set[int] = set()
        riders: list[frozenset[int]] = []
        found: list[tuple[int, frozenset[int]]] = []
        for n, page in enumerate(pages):
            if len(riders) + len(pages) - n < enough:
                return False  # too few pages left to find enough pieces
            shingles = self._rider(page, companions)
            if shingles is None:
                continue  # too short to tell, or a line or two a copier added beside a piece
            found.append((page, shingles))
            cluster = self.cluster_of.get(page)
            if cluster is not None and cluster in represented:
                continue
            if any(_one_piece(shingles, other) for other in riders):
                continue
            riders.append(shingles)
            if cluster is not None:
                represented.add(cluster)
            if len(riders) >= enough:
                break
        else:
            return False
        if len({self.site_of[page] for page in pages}) == 1:
            # One site's pages: a piece it posts twice is one cluster once clustered, and its
            # copies with other leads are elsewhere; the quick answer stands (grouping every
            # rider of a site's footer pages would cost more than all the rest of learning).
            return True
        found += [
            (page, shingles)
            for page in pages[n + 1 :]
            if (shingles := self._rider(page, companions)) is not None
        ]
        return _pieces(found, self.cluster_of) >= enough

    def _rider(self, page: int, companions: set[str]) -> frozenset[int] | None:
        """The shingles of a page's rider text, or None when it is too short to tell."""
        kept, counts, page_words = self._kept(page)
        rider = [k for k in kept if k not in companions]
        if len(rider) == len(kept):
            words = page_words
        else:  # the companions on the page are fewer than the rest: count those
            words = page_words - sum(
                n for k, n in zip(kept, counts, strict=True) if k in companions
            )
        if words < self.MIN_WORDS or words < self.MIN_RIDER_SHARE * page_words:
            return None
        cached = self.block_shingles.get
        return frozenset().union(*[cached(k) or self._shingles(k) for k in rider])

    def _kept(self, page: int) -> tuple[list[str], list[int], int]:
        """The page's blocks without its site's furniture, their word counts and their sum."""
        found = self.kept.get(page)
        if found is None:
            site = self.site_of[page]
            kept = [k for k in self.in_order[page] if (site, k) not in self.furniture]
            counts = [k.count(" ") + 1 for k in kept]
            found = self.kept[page] = (kept, counts, sum(counts))
        return found

    def _shingles(self, block: str) -> frozenset[int]:
        """Hashes of a normalised block's word 5-grams (the block itself when shorter).

        In-process hashes: set sizes and overlaps are all that is used, within one learn()."""
        found = self.block_shingles.get(block)
        if found is None:
            words = block.split()
            if len(words) <= self.SHINGLE_WORDS:
                found = frozenset((hash(block),))
            else:  # 5-word windows, as tuples, by zipping shifted word lists
                found = frozenset(
                    map(hash, zip(*(words[i:] for i in range(self.SHINGLE_WORDS)), strict=False))
                )
            if len(self.block_shingles) >= self.SHINGLE_CACHE:
                self.block_shingles.clear()
            self.block_shingles[block] = found
        return found


_SKETCH = 48  # shingles of a rider indexed to find the riders it may be one piece with


def _pieces(riders: list[tuple[int, frozenset[int]]], cluster_of: dict[int, int]) -> int:
    """How many pieces the riders carry: groups of riders linked by "one piece" (directly or
    through others) or by a cluster, whatever their order.

    Candidates come from an index of each rider's sketch (its _SKETCH smallest shingles, all
    of them when it is small), asked with every rider's whole set: two riders that are one
    piece share most of the smaller one, so the larger one meets the smaller one's sketch."""
    parent = list(range(len(riders)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_cluster: dict[int, int] = {}
    by_sketch: dict[int, list[int]] = defaultdict(list)
    for i, (page, shingles) in enumerate(riders):
        cluster = cluster_of.get(page)
        if cluster is not None:
            parent[root(i)] = root(by_cluster.setdefault(cluster, i))
        for shingle in heapq.nsmallest(_SKETCH, shingles) if len(shingles) > _SKETCH else shingles:
            by_sketch[shingle].append(i)
    for i, (_, shingles) in enumerate(riders):
        met = {j for shingle in shingles.intersection(by_sketch) for j in by_sketch[shingle]}
        for j in met:
            if root(i) != root(j) and _one_piece(shingles, riders[j][1]):
                parent[root(i)] = root(j)
    return len({root(i) for i in range(len(riders))})


def _one_piece(a: set[int], b: set[int]) -> bool:
    """One piece by the clustering's own rule: copies by resemblance, excerpts by containment."""
    shared = len(a & b)
    return shared >= COPY_RESEMBLANCE * (len(a) + len(b) - shared) or shared >= (
        EXCERPT_CONTAINMENT * min(len(a), len(b))
    )
