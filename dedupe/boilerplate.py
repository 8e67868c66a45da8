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
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from .errors import InputError

SITE_PATTERN = "site-pattern"
SITE_REPEAT = "site-repeat"
CROSS_SITE_REPEAT = "cross-site-repeat"

_DIGITS = re.compile(r"\d[\d.,\s]*\d|\d")
_WORD_CHAR = re.compile(r"[^\W_]")
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
        for pattern in self.items:
            if pattern.regex.search(block):
                return pattern.name
        return None

    def __len__(self) -> int:
        return len(self.items)


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
    text = " ".join(_DIGITS.sub("0", unicodedata.normalize("NFKC", block).casefold()).split())
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
    for line in raw_text.split("\n"):
        block = line.strip()
        if not block:
            continue
        reason = patterns.match(block)
        if reason is None and learned is not None:
            reason = learned.reason(normalise(block), site)
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
) -> dict[int, set[str]]:
    """Each page's blocks minus its site's furniture (blocks on another page of the same site)."""
    furniture: set[tuple[str, str]] = set()
    for key, ids in postings.items():
        seen: set[str] = set()
        for article_id in ids:
            site = site_of[article_id]
            if site in seen:
                furniture.add((site, key))
            seen.add(site)
    return {a: {k for k in own if (site_of[a], k) not in furniture} for a, own in blocks.items()}


def _same_piece(common: int, smaller: int) -> bool:
    return common >= _SAME_PIECE_MIN_BLOCKS and common >= _SAME_PIECE_SHARE * smaller


def _assign_pieces(
    blocks: dict[int, set[str]],
    postings: dict[str, list[int]],
    cluster_of: dict[int, int],
    site_of: dict[int, str],
) -> dict[int, int]:
    """Piece id per article: clusters as given; unclustered copies joined by shared blocks.

    Two pages are one piece when most blocks of the shorter are shared, counted either over all
    blocks or over the blocks that are not site furniture: an excerpt under a long template of
    banners and comments shares few of its blocks but most of its own text.
    """
    own_blocks = _own_blocks(blocks, postings, site_of)
    pieces = _Pieces()
    first_of_cluster: dict[int, int] = {}
    for article_id in blocks:
        cluster = cluster_of.get(article_id)
        if cluster is not None:
            pieces.union(first_of_cluster.setdefault(cluster, article_id), article_id)
    for article_id, own in blocks.items():
        # Probe partners through the rarest shared blocks: those are body, not footer.
        shared = sorted((len(postings[k]), k) for k in own if len(postings[k]) > 1)
        partners = {p for _, k in shared[:_PARTNER_PROBES] for p in postings[k] if p != article_id}
        for other in partners:
            if article_id in cluster_of and other in cluster_of:
                continue  # the clusterer already decided
            mine, theirs = own_blocks[article_id], own_blocks[other]
            if _same_piece(
                len(own & blocks[other]), min(len(own), len(blocks[other]))
            ) or _same_piece(len(mine & theirs), min(len(mine), len(theirs))):
                pieces.union(article_id, other)
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
    site_of: dict[int, str] = {}
    sample: dict[str, str] = {}
    postings: dict[str, list[int]] = defaultdict(list)
    for article_id, site, raw_text in articles:
        own: set[str] = set()
        for line in raw_text.split("\n"):
            block = line.strip()
            norm = normalise(block)
            if norm and norm not in own:
                own.add(norm)
                postings[norm].append(article_id)
                sample.setdefault(norm, block)
        blocks[article_id] = own
        site_of[article_id] = site
    piece_of = _assign_pieces(blocks, postings, cluster_of or {}, site_of)

    learned = Learned()
    for norm, ids in postings.items():
        if len(ids) < min(min_site_pages, min_clusters):
            continue
        per_site: dict[str, set[int]] = defaultdict(set)
        for article_id in ids:
            per_site[site_of[article_id]].add(piece_of[article_id])
        for site, site_pieces in per_site.items():
            if len(site_pieces) >= min_site_pages:
                learned.site.setdefault(site, {})[norm] = {
                    "key": _row_key(site, norm),
                    "site": site,
                    "text": sample[norm],
                    "reason": SITE_REPEAT,
                    "pages": len(site_pieces),
                }
        all_pieces = set().union(*per_site.values())
        if len(per_site) > 1 and len(all_pieces) >= min_clusters:
            learned.cross[norm] = {
                "key": _row_key(None, norm),
                "site": None,
                "text": sample[norm],
                "reason": CROSS_SITE_REPEAT,
                "pages": len(all_pieces),
            }
    return learned
