"""Where a piece started and who copied whom: one parent per copy, with the evidence shown.

Ordering copies by timestamp is often wrong (dates are missing, date-only, or copied from the
source), so `trace` weighs the pages' own evidence first, strongest first:

1. ``attribution-link``: the copy links to another member's URL (matched through clean_url and
   the members' own canonical URLs).
2. ``attribution-name`` / ``attribution-site`` / ``credit-line:<site>``: the copy credits another
   member's site by name (in its metadata or a stripped "Source: X" line) or links to that site.
3. ``carried-boilerplate:<site>``: the copy's raw text still carried site X's own disclaimer or
   footer (stripped later), so it came through X; a block naming X is X's even when extraction
   left it out of X's own page, unless it is a credit line ("Source: X").
4. ``text-lineage``: relative to the origin, the copy reproduces another copy's particular edits
   (a dropped paragraph, a changed title or sentence), so it came through that copy. Edits that
   copiers make on their own (straightened quotes, a "VIDEO:" tag or capitals in a title) are not
   edits.
5. ``canonical``: the copy declares a cross-domain canonical URL on another member: where the
   piece is at home, which a copy of a copy keeps, so it says less about the page it came
   through than a carried footer or a shared edit.
6. ``earliest-published`` / ``earliest-fetched``: nothing else is known; the copy hangs off the
   origin (``earliest-published:sole-candidate``, with a high confidence, where every other
   member is dated definitely after the copy, so that only the origin can be its source). The
   stored confidence of a plain ``earliest-published`` edge is how often, in the same database,
   the copies whose page names their source name the origin (`fallback_confidence`).

The origin is the earliest member that no evidence (tiers 1-3 and 5) gives an in-cluster parent;
a member whose site's role is "aggregator" is the origin only when every such member is one.
Publication times are intervals (a date-only time is its whole day, a missing one unknown); when
they leave several members possibly first, the one the others' evidence points to most wins,
then one of an originator site (declared "origin", or one other sites' pages mostly credit:
`roles.credited_origins`), then a dated one, an exact time over a day, then the first seen.

The candidate edges are weighted tier-major and resolved into a tree with Edmonds' maximum
branching (networkx), which drops the weaker side of contradicting claims and never makes a
cycle. A copy whose credit line was itself copied from the page it came through (its attribution
equals that page's) keeps the stronger carrier as parent. A copy that claims an earlier date than
its evidenced source is flagged and its lag left unknown.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .credits import FIRST_PUBLISHED_ELSEWHERE, READ_ON_ELSEWHERE
from .urls import clean_url, site_id

EXCERPT = "excerpt"
AGGREGATOR = "aggregator"
# Reasons (boilerplate pattern names) of stripped blocks that credit a source.
CREDIT_REASONS = frozenset({"attribution-line", "original-source", "continue-reading"})
# Evidence tiers, strongest first: a weaker tier never outweighs a stronger one.
LINK, CREDIT, CARRIED, LINEAGE, CANONICAL, TIME = 1, 2, 3, 4, 5, 6
# Confidence of each kind of evidence when it stands alone.
CONFIDENCE = {
    "attribution-link": 0.95,
    "attribution-link-canonical": 0.9,
    "canonical": 0.85,
    "canonical-site": 0.75,
    "attribution-name": 0.8,
    "attribution-site": 0.8,
    "credit-line": 0.75,
    "carried-boilerplate": 0.7,
    "text-lineage": 0.5,
    "earliest-published": 0.35,
    # No page evidence, but every other member is dated after the copy: only the origin is left.
    "sole-candidate": 0.9,
    "earliest-fetched": 0.2,
}
# Copies whose own page names their source (these evidences) show how often copies come
# straight from the origin; with at least this many, that share is the confidence of the time
# fallback (`fallback_confidence`).
NAMED_SOURCE = ("attribution-", "credit-line")
FALLBACK_MIN_NAMED = 20
# A stripped block that credits a source rather than belonging to it ("Source: X", "via X").
CREDIT_LINE = re.compile(
    r"^\W*(?:the original source of|(?:originally|first) (?:published|posted|appeared)|"
    r"(?:this \w+ (?:was |is )?)?republished (?:from|with)|source\b|via\b|h/t\b|"
    r"(?:continue|keep) reading|read the (?:full|whole|rest|original)|"
    rf"(?:quelle|fuente|fonte|bron)\s*:|(?:\w+\s+){{0,4}}(?:{FIRST_PUBLISHED_ELSEWHERE})"
    rf"|{READ_ON_ELSEWHERE})",
    re.IGNORECASE,
)
# Lines shorter than this (in words) are too generic to count as a lineage edit.
MIN_LINE_WORDS = 3
# Share of a source's checkable edits a copy must reproduce to have come through it.
LINEAGE_COVERAGE = 0.75


@dataclass
class Spread:
    """The spread of one cluster.

    origin_id: the member where the piece first appeared among the crawled pages.
    edges: dicts (source_article_id, target_article_id, evidence, confidence, lag_hours), one
        per member except the origin and members whose parent is an external source.
    flags: article_id -> notes such as "claims-earlier-than-source".
    external: sources named by attribution that are not in the cluster: dicts with key, url,
        site, name, named_by (article ids) and children (edges from it: target_article_id,
        evidence, confidence), so they can appear as graph nodes.
    """

    origin_id: int
    edges: list[dict] = field(default_factory=list)
    flags: dict[int, list[str]] = field(default_factory=dict)
    external: list[dict] = field(default_factory=list)

    def parent_of(self) -> dict[int, int | str]:
        """target article id -> source article id, or external key."""
        parents: dict[int, int | str] = {
            e["target_article_id"]: e["source_article_id"] for e in self.edges
        }
        for ext in self.external:
            for child in ext["children"]:
                parents[child["target_article_id"]] = ext["key"]
        return parents


# -- times -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A publication time as an interval: exact times are points, date-only ones a whole day."""

    start: datetime
    end: datetime

    @property
    def exact(self) -> bool:
        return self.start == self.end


def parse_time(value: str | None) -> When | None:
    """ISO 8601 (date-only or with time) -> When, or None when missing or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if len(text) <= 10:  # date only: uncertain within its day
        return When(moment, moment + timedelta(days=1) - timedelta(microseconds=1))
    return When(moment, moment)


def definitely_before(a: When | None, b: When | None) -> bool:
    return a is not None and b is not None and a.end < b.start


def lag_hours(source: When | None, target: When | None) -> float | None:
    """Hours from source to target when both times are exact."""
    if source is None or target is None or not (source.exact and target.exact):
        return None
    return round((target.start - source.start).total_seconds() / 3600, 3)


class _Times:
    """Publication and first-seen times of the members, and the pairwise 'earlier' rule."""

    def __init__(self, members: dict[int, dict]):
        self.published = {i: parse_time(m.get("published")) for i, m in members.items()}
        far = datetime.max.replace(tzinfo=UTC)
        self.fetched = {
            i: (parse_time(m.get("fetched_at")) or When(far, far)).start for i, m in members.items()
        }

    def earlier(self, a: int, b: int) -> bool:
        """Is a earlier than b? Publication times when they settle it, then first-seen."""
        pa, pb = self.published[a], self.published[b]
        if definitely_before(pa, pb):
            return True
        if definitely_before(pb, pa):
            return False
        return (self.fetched[a], a) < (self.fetched[b], b)

    def earliest(
        self,
        ids: Iterable[int],
        credited: Mapping[int, int] | None = None,
        originators: frozenset[int] = frozenset(),
    ) -> int:
        """The member no other one is definitely published before.

        Publication times are intervals (a date-only time is its whole day, a missing one is
        unknown), so several members may be possibly first. Among those, the one more members
        credit, then one of an originator site (where pieces start, by its role or by the
        credits of other sites' pages), then a dated one over an undated one, an exact time
        over a day, then the first seen, then the smallest id.
        """
        ids = list(ids)
        open_ = [
            i
            for i in ids
            if not any(definitely_before(self.published[o], self.published[i]) for o in ids)
        ]
        credited = credited or {}

        def rank(i: int) -> tuple:
            when = self.published[i]
            return (
                -credited.get(i, 0),
                i not in originators,
                when is None,
                when is not None and not when.exact,
                self.fetched[i],
                i,
            )

        return min(open_ or ids, key=rank)


# -- names, URLs and sites --------------------------------------------------------------------


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


@functools.lru_cache(maxsize=1 << 14)  # a site's stripped footers recur in its clusters
def _squashed(block: str) -> str:
    return _alnum(block)


def name_key(name: str) -> str:
    """A site or outlet name reduced for matching: 'The Daily Example' -> 'dailyexample'."""
    key = _alnum(name)
    return key[3:] if key.startswith("the") and len(key) > 6 else key


SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne"})
HOST_PREFIXES = frozenset({"www", "m", "amp", "news", "en"})


def site_keys(site: str, site_name: str | None = None) -> set[str]:
    """Ways a page may name a site: its host, its main label ('bbc' in news.bbc.co.uk), its name."""
    labels = [label for label in site.split(".") if label]
    keys = {_alnum(site)}
    body = labels[:-1]
    if len(body) > 1 and body[-1] in SECOND_LEVEL:
        body = body[:-1]
    body = [label for label in body if label not in HOST_PREFIXES]
    if body:
        keys.add(_alnum(body[-1]))
        keys.add(_alnum("".join(body)))
    if site_name:
        keys.add(name_key(site_name))
    return {k for k in keys if len(k) >= 4}


@functools.lru_cache(maxsize=1 << 12)  # a site's keys, for each of its pages in every cluster
def _site_keys(site: str, site_name: str | None) -> frozenset[str]:
    return frozenset(site_keys(site, site_name))


def name_matches(name: str, keys: set[str]) -> bool:
    key = name_key(name)
    if len(key) < 4:
        return False
    return any(key == k or k in key or key in k for k in keys)


def site_named(name: str, keyed: Iterable[tuple[str, set[str]]], exclude_site: str) -> str | None:
    """The first site of `keyed` (site, its keys) other than `exclude_site` that `name` names."""
    for site, keys in keyed:
        if site != exclude_site and name_matches(name, keys):
            return site
    return None


@functools.lru_cache(maxsize=1 << 14)  # a member's URL is looked up several times a trace
def _safe_clean(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return clean_url(url.strip())
    except ValueError:
        return None


# Typographic variants copiers change on their own: curly quotes, dashes, ellipses.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
# Tags a copier puts before or after a headline ("VIDEO:", "WATCH -", "(PHOTOS)", "[UPDATED]").
_TITLE_PREFIX = re.compile(r"^\s*(?:\w+[^\w:|\-–—]*){1,3}?[:|\-–—]\s+")
_TITLE_SUFFIX = re.compile(r"\s*[(\[][^()\[\]]{1,24}[)\]]\s*$")


def _norm_line(line: str) -> str:
    return " ".join(line.casefold().split())


def _words(norm: str) -> int:
    """The words of a _norm_line (one space between words), without splitting it."""
    return norm.count(" ") + 1 if norm else 0


@functools.lru_cache(maxsize=1 << 15)  # copies in a cluster share most of their lines
def _lineage_line(line: str) -> str:
    """A line as lineage compares it: case, spacing and typography folded."""
    return _norm_line(line if line.isascii() else line.translate(_TYPOGRAPHY))


def _title_core(title: str, base: str) -> str:
    """The title without a tag around the base headline: such tags say nothing of lineage."""
    title, base = _lineage_line(title), _lineage_line(base)
    core = base.rstrip(" .!?")
    no_prefix, no_suffix = _TITLE_PREFIX.sub("", title), _TITLE_SUFFIX.sub("", title)
    for candidate in (title, no_prefix, no_suffix, _TITLE_SUFFIX.sub("", no_prefix)):
        if candidate.rstrip(" .!?") == core:
            return base
    return title


def _ordered_lines(text: str | None) -> list[str]:
    return [_lineage_line(line) for line in (text or "").split("\n")]


@functools.lru_cache(maxsize=256)  # the origin's lines are compared with every member's
def _lines(text: str | None) -> frozenset[str]:
    return frozenset(
        norm
        for norm in (_lineage_line(line) for line in (text or "").split("\n"))
        if _words(norm) >= MIN_LINE_WORDS
    )


class _Directory:
    """Looks up members by URL, canonical URL, site and site name."""

    def __init__(self, members: dict[int, dict], times: _Times):
        self.members = members
        self.times = times
        self.by_url: dict[str, int] = {}
        self.by_canonical: dict[str, int] = {}
        self.by_site: dict[str, list[int]] = {}
        self.keys: dict[str, set[str]] = {}
        for i, m in sorted(members.items()):
            url = _safe_clean(m.get("url"))
            if url:
                self.by_url.setdefault(url, i)
            canonical = _safe_clean(m.get("canonical_url"))
            if canonical and site_id(canonical) == m["site"]:
                self.by_canonical.setdefault(canonical, i)
            self.by_site.setdefault(m["site"], []).append(i)
            self.keys.setdefault(m["site"], set()).update(_site_keys(m["site"], m.get("site_name")))

    def article(self, url: str | None) -> tuple[int, str] | None:
        """The member a URL names, and how: 'url' or 'canonical'."""
        cleaned = _safe_clean(url)
        if cleaned in self.by_url:
            return self.by_url[cleaned], "url"
        if cleaned in self.by_canonical:
            return self.by_canonical[cleaned], "canonical"
        return None

    def on_site(self, site: str, exclude: int) -> int | None:
        """The earliest member of a site other than `exclude`."""
        ids = [i for i in self.by_site.get(site, []) if i != exclude]
        return self.times.earliest(ids) if ids else None

    def site_named(self, name: str, exclude_site: str) -> str | None:
        return site_named(name, sorted(self.keys.items()), exclude_site)

    def sites_mentioned(self, block: str) -> set[str]:
        """Sites a block names; short keys are left out, they turn up inside ordinary words."""
        squashed = _squashed(block)
        return {site for site, keys in self._long_keys if any(k in squashed for k in keys)}

    @functools.cached_property
    def _long_keys(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(site, tuple(k for k in keys if len(k) >= 6)) for site, keys in self.keys.items()]


# -- candidate edges --------------------------------------------------------------------------


@dataclass
class _Claim:
    source: int | str  # member id or external key
    target: int
    tier: int
    confidence: float
    evidence: str


def _external_key(url: str | None, name: str | None) -> str:
    return f"external:{_safe_clean(url) or url}" if url else f"external-name:{name_key(name or '')}"


def _attribution_claims(
    member: dict, directory: _Directory, externals: dict[str, dict]
) -> list[_Claim]:
    """Claims from a member's attribution link and name and its cross-domain canonical."""
    i, site = member["id"], member["site"]
    claims: list[_Claim] = []
    url, name = member.get("attribution_url"), member.get("attribution_name")
    canonical = _safe_clean(member.get("canonical_url"))
    if url and not name and _safe_clean(url) == canonical:
        url = None  # extraction's stand-in for a missing credit: the canonical, weighed below
    found = directory.article(url) if url else None
    if found and found[0] != i:
        kind = "attribution-link" if found[1] == "url" else "attribution-link-canonical"
        evidence = "attribution-link" if found[1] == "url" else "attribution-link:via-canonical"
        claims.append(_Claim(found[0], i, LINK, CONFIDENCE[kind], evidence))
    elif url and not found:
        target_site = site_id(url)
        source = directory.on_site(target_site, i) if target_site != site else None
        if source is not None:
            claims.append(
                _Claim(
                    source,
                    i,
                    CREDIT,
                    CONFIDENCE["attribution-site"],
                    f"attribution-site:{target_site}",
                )
            )
        elif target_site and target_site != site:
            key = _external_key(url, name)
            ext = externals.setdefault(
                key, {"key": key, "url": url, "site": target_site, "name": name, "named_by": []}
            )
            ext["named_by"].append(i)
            claims.append(_Claim(key, i, LINK, CONFIDENCE["attribution-link"], "attribution-link"))
    if name and not (url and (found or claims)):
        named_site = directory.site_named(name, site)
        source = directory.on_site(named_site, i) if named_site else None
        if source is not None:
            claims.append(
                _Claim(
                    source, i, CREDIT, CONFIDENCE["attribution-name"], f"attribution-name:{name}"
                )
            )
        elif not url and not name_matches(name, directory.keys.get(site, set())):
            key = _external_key(None, name)
            ext = externals.setdefault(
                key, {"key": key, "url": None, "site": None, "name": name, "named_by": []}
            )
            ext["named_by"].append(i)
            claims.append(
                _Claim(key, i, CREDIT, CONFIDENCE["attribution-name"], f"attribution-name:{name}")
            )
    # A cross-domain canonical tells where the piece is at home, not the page a copy came
    # through (a copy of a copy keeps its source's canonical): weaker than carried footers
    # and lineage, stronger than time.
    if canonical and site_id(canonical) not in ("", site):
        found = directory.article(canonical)
        if found and found[0] != i:
            claims.append(_Claim(found[0], i, CANONICAL, CONFIDENCE["canonical"], "canonical"))
        else:
            source = directory.on_site(site_id(canonical), i)
            if source is not None:
                claims.append(
                    _Claim(source, i, CANONICAL, CONFIDENCE["canonical-site"], "canonical:site")
                )
    return claims


def _credit_line_claims(members: dict[int, dict], directory: _Directory) -> list[_Claim]:
    """Credit lines stripped from a copy ("Source: X") that name another member's site."""
    claims = []
    for i, m in members.items():
        for block, reason in m.get("removed") or []:
            if reason not in CREDIT_REASONS:
                continue
            for site in sorted(directory.sites_mentioned(block) - {m["site"]}):
                source = directory.on_site(site, i)
                if source is not None:
                    claims.append(
                        _Claim(source, i, CREDIT, CONFIDENCE["credit-line"], f"credit-line:{site}")
                    )
    return claims


def _boilerplate_claims(members: dict[int, dict], directory: _Directory) -> list[_Claim]:
    """A copy still carrying site X's own disclaimer came through X's page.

    A block belongs to the sites it names; failing that, to the sites that stripped it as their
    own repeat. Among X's pages, the one sharing the most carried blocks is the nearest.
    """
    removed = {
        i: {_norm_line(block): reason for block, reason in m.get("removed") or []}
        for i, m in members.items()
    }
    owners: dict[str, set[str]] = {}
    for i, blocks in removed.items():
        for block, reason in blocks.items():
            owned = owners.setdefault(block, set())
            # A fragment ("U.S.", a name) repeats anywhere; a footer is a sentence.
            if reason == "site-repeat" and _words(block) >= MIN_LINE_WORDS:
                owned.add(members[i]["site"])
    for block in owners:
        owners[block] = directory.sites_mentioned(block) or owners[block]
    claims = []
    for i, m in members.items():
        carried = {b for b in removed[i] if owners[b] and m["site"] not in owners[b]}
        best: tuple[int, int] | None = None
        for j, other in members.items():
            if j == i or other["site"] == m["site"]:
                continue
            owned = {b for b in carried if other["site"] in owners[b]}
            if not owned:
                continue
            # Blocks j shows itself (owned or carried), and j's site's own blocks even where
            # extraction left them out of j (a republisher's footer often is); a credit naming
            # j's site is the copy's claim, not something it carried.
            shared = len(
                (carried & set(removed[j]))
                | {
                    b
                    for b in owned
                    if not CREDIT_LINE.match(b) and removed[i][b] not in CREDIT_REASONS
                }
            )
            if shared and (
                best is None
                or shared > best[0]
                or (shared == best[0] and directory.times.earlier(j, best[1]))
            ):
                best = (shared, j)
        if best:
            shared, j = best
            confidence = min(0.85, CONFIDENCE["carried-boilerplate"] + 0.05 * (shared - 1))
            evidence = f"carried-boilerplate:{members[j]['site']}"
            claims.append(_Claim(j, i, CARRIED, confidence, evidence))
    return claims


def _headline(title: str | None) -> str:
    return _lineage_line(title or "").rstrip("?!.:")


def _edits(member: dict, origin: dict) -> set[tuple[str, str]]:
    """A member's edits relative to the origin: lines added or changed, dropped, new title.

    A line that repeats a headline is left out: extraction keeps it in some bodies, not others.
    """
    headlines = {_headline(member.get("title")), _headline(origin.get("title"))} - {""}
    lines, base = (
        {line for line in _lines(m.get("text")) if line.rstrip("?!.:") not in headlines}
        for m in (member, origin)
    )
    edits = {("+", line) for line in lines - base}
    if member.get("kind") != EXCERPT:
        edits |= {("-", line) for line in base - lines}
    else:  # where an excerpt stops: an excerpt of an excerpt stops at the same line
        kept = [line for line in _ordered_lines(origin.get("text")) if line in lines]
        if kept:
            edits.add(("cut", kept[-1]))
    base_title = _lineage_line(origin.get("title") or "")
    title = _title_core(member.get("title") or "", base_title)
    if title and base_title and title != base_title:
        edits.add(("title", title))
    return edits


def _particular(edits: dict[int, set[tuple[str, str]]], members: dict[int, dict]) -> None:
    """Keep only particular edits: one every copy able to show it shares says more about the
    origin's page (an extra line, a later update) than about who copied whom."""
    full = sum(1 for i in edits if members[i].get("kind") != EXCERPT)
    support: dict[tuple[str, str], int] = {}
    for found in edits.values():
        for edit in found:
            support[edit] = support.get(edit, 0) + 1
    for i, found in edits.items():
        edits[i] = {e for e in found if support[e] < (full if e[0] == "-" else len(edits))}


def _lineage_claims(
    members: dict[int, dict], origin_id: int, times: _Times, resemblance: dict
) -> list[_Claim]:
    """A copy that reproduces another copy's edits (relative to the origin) came through it."""
    origin = members[origin_id]
    edits = {i: _edits(m, origin) for i, m in members.items() if i != origin_id}
    _particular(edits, members)
    lines = {i: _lines(members[i].get("text")) for i in edits}
    claims = []
    for i, mine in edits.items():
        excerpt = members[i].get("kind") == EXCERPT
        best: tuple[int, float, int] | None = None
        for j, theirs in edits.items():
            if j == i or not theirs:
                continue
            their_excerpt = members[j].get("kind") == EXCERPT
            if their_excerpt and not excerpt:
                continue  # a whole copy did not come through an excerpt
            checkable = [e for e in theirs if not (excerpt and e[0] == "-")]
            if not checkable:
                continue
            reproduced = sum(
                1
                for kind, value in checkable
                if (kind == "+" and value in lines[i])
                or (kind == "-" and value not in lines[i])
                or (kind in ("title", "cut") and (kind, value) in mine)
            )
            if not reproduced or reproduced < LINEAGE_COVERAGE * len(checkable):
                continue
            # The one with more edits is downstream; equal edits: the earlier is the source
            # (an excerpt's edits are not comparable with a whole copy's).
            if excerpt == their_excerpt and (
                len(theirs) > len(mine) or (len(theirs) == len(mine) and not times.earlier(j, i))
            ):
                continue
            key = (reproduced, resemblance.get(frozenset((i, j)), 0.0), -j)
            if best is None or key > best:
                best = key
        if best:
            shared = best[0]
            confidence = min(0.75, CONFIDENCE["text-lineage"] + 0.05 * shared)
            detail = f"text-lineage:{shared}-shared-edit" + ("s" if shared > 1 else "")
            claims.append(_Claim(-best[2], i, LINEAGE, confidence, detail))
    return claims


def _fallback_claims(members: dict[int, dict], origin_id: int, times: _Times) -> list[_Claim]:
    """The origin as the source of a copy no page evidence places. Where the origin is the only
    member the copy's date leaves possible as its source (every other one is definitely later),
    that is all but certain ("...:sole-candidate"); otherwise a guess from time."""
    claims = []
    origin_time = times.published[origin_id]
    for i in members:
        if i == origin_id:
            continue
        if origin_time is not None and times.published[i] is not None:
            evidence = "earliest-published"
        else:
            evidence = "earliest-fetched"
        confidence = CONFIDENCE[evidence]
        mine = times.published[i]
        if (
            evidence == "earliest-published"
            and not definitely_before(mine, origin_time)
            and all(
                definitely_before(mine, times.published[j])
                for j in members
                if j not in (i, origin_id)
            )
        ):
            evidence, confidence = f"{evidence}:sole-candidate", CONFIDENCE["sole-candidate"]
        claims.append(_Claim(origin_id, i, TIME, confidence, evidence))
    return claims


def fallback_confidence(straight: int, named: int) -> float:
    """The confidence of an ``earliest-published`` edge: a copy no page evidence places hangs
    off the origin, right as often as copies come straight from the origin. That cannot be seen
    on the copy, but the copies whose page names their source show it: of `named` such copies
    in the database, `straight` name the origin. Below FALLBACK_MIN_NAMED the prior value
    stands; never as sure as a sole candidate (where the origin is all that is left)."""
    if named < FALLBACK_MIN_NAMED:
        return CONFIDENCE["earliest-published"]
    return round(min(straight / named, CONFIDENCE["sole-candidate"] - 0.05), 3)


def _drop_inherited(
    claims: list[_Claim], members: dict[int, dict], flags: dict[int, list[str]]
) -> list[_Claim]:
    """Drop attribution claims a copy took over from the page it came through.

    An aggregator copying a republisher's page often carries the republisher's "original source"
    line too; that credit names the origin, but the copy came through the republisher. So when a
    copy credits X and also has evidence (a credit, carried boilerplate, lineage) for S, and S
    itself credits X, the copy came through S (unless S has the same evidence for coming
    through the copy). Shared edits (lineage) weigh against a credit that names a site, not
    against a link to a member's page.
    """
    carriers: dict[int, dict[int | str, int]] = {}  # target -> source -> strongest tier
    credits: dict[int, set[int | str]] = {}
    for c in claims:
        if c.tier <= LINEAGE:
            held = carriers.setdefault(c.target, {})
            held[c.source] = min(c.tier, held.get(c.source, c.tier))
        if c.tier <= CREDIT or c.tier == CANONICAL:
            credits.setdefault(c.target, set()).add(c.source)
    kept = []
    for c in claims:
        if c.tier in (LINK, CREDIT):
            # Shared edits alone never outweigh the copy's own link to a member.
            enough = CARRIED if c.tier == LINK else LINEAGE
            via = [
                s
                for s, tier in carriers.get(c.target, {}).items()
                if isinstance(s, int)
                and tier <= enough
                and s != c.source
                and c.source in credits.get(s, ())
                # Two copies that each look like the other's source (excerpts of one page
                # sharing their lines) say nothing about which came through which.
                and c.target not in carriers.get(s, ())
            ]
            if via:
                note = f"attribution-inherited:{members[min(via)]['site']}"
                if note not in flags.setdefault(c.target, []):
                    flags[c.target].append(note)
                continue
        kept.append(c)
    return kept


def _merge(claims: list[_Claim]) -> dict[tuple[int | str, int], _Claim]:
    """One claim per (source, target): strongest evidence first, confidences combined."""
    merged: dict[tuple[int | str, int], _Claim] = {}
    for c in sorted(claims, key=lambda c: (c.tier, -c.confidence)):
        key = (c.source, c.target)
        if key not in merged:
            merged[key] = _Claim(c.source, c.target, c.tier, c.confidence, c.evidence)
            continue
        kept = merged[key]
        if c.tier == TIME:  # time adds nothing to page evidence
            continue
        if c.evidence.split(":")[0] in {e.split(":")[0] for e in kept.evidence.split("; ")}:
            continue
        kept.evidence += f"; {c.evidence}"
        kept.confidence = 1 - (1 - kept.confidence) * (1 - c.confidence / 2)
    return merged


def _weight(claim: _Claim) -> float:
    return 1000.0 ** (TIME + 1 - claim.tier) * (1 + claim.confidence)


def _best_parents(merged: dict[tuple[int | str, int], _Claim]) -> dict | None:
    """target -> claim when each target's heaviest claim is unique and those claims make no
    cycle: then they are the one maximum branching (no branching weighs more than every
    target's heaviest claim), found without Edmonds' algorithm. None otherwise."""
    best: dict[int, tuple[float, _Claim | None]] = {}
    for claim in merged.values():
        weight = _weight(claim)
        held = best.get(claim.target)
        if held is None or weight > held[0]:
            best[claim.target] = (weight, claim)
        elif weight == held[0]:
            best[claim.target] = (weight, None)  # a tie: leave it to networkx
    chosen = {target: claim for target, (_, claim) in best.items()}
    if any(claim is None for claim in chosen.values()):
        return None
    for start in chosen:
        seen, node = {start}, chosen[start].source
        while node in chosen:
            if node in seen:
                return None
            seen.add(node)
            node = chosen[node].source
    return chosen


def _branching(merged: dict[tuple[int | str, int], _Claim], nodes: Iterable) -> dict:
    """target -> chosen claim: a maximum branching over tier-major weights (no cycles)."""
    quick = _best_parents(merged)
    if quick is not None:
        return quick
    import networkx as nx  # only for contradicting claims; its import costs 0.2 s a process

    graph = nx.DiGraph()
    index = {node: n for n, node in enumerate(sorted(nodes, key=str))}
    graph.add_nodes_from(index.values())
    for (source, target), claim in sorted(merged.items(), key=lambda kv: str(kv[0])):
        graph.add_edge(index[source], index[target], weight=_weight(claim))
    tree = nx.maximum_branching(graph, attr="weight")
    back = {n: node for node, n in index.items()}
    return {back[t]: merged[(back[s], back[t])] for s, t in tree.edges()}


# -- trace ------------------------------------------------------------------------------------


def _resemblances(links: list | None) -> dict[frozenset, float]:
    found: dict[frozenset, float] = {}
    for link in links or []:
        a, b, resemblance = (
            (link.a, link.b, link.resemblance) if hasattr(link, "a") else tuple(link[:3])
        )
        found[frozenset((a, b))] = float(resemblance)
    return found


def trace(members: list[dict], links: list | None = None) -> Spread:
    """Find the origin of a cluster and the parent of each copy, with evidence.

    members: dicts with id, url, site, title, published, published_source, fetched_at,
    canonical_url, attribution_url, attribution_name, text, kind ("copy"/"excerpt"), optionally
    removed ([(block, reason)] stripped from it), site_name, role (the site's role in
    sites.toml: an "aggregator" is the origin only if no other site can be) and originator
    (true for a site where pieces start: preferred where dates leave the origin open).
    links: verified links of the cluster (objects or tuples a, b, resemblance, ...), used to
    break ties in text lineage.
    """
    if not members:
        raise ValueError("trace() needs at least one member")
    by_id = {m["id"]: m for m in members}
    times = _Times(by_id)
    directory = _Directory(by_id, times)
    externals: dict[str, dict] = {}
    flags: dict[int, list[str]] = {}

    strong: list[_Claim] = []
    for m in members:
        strong += _attribution_claims(m, directory, externals)
    strong += _credit_line_claims(by_id, directory)
    strong += _boilerplate_claims(by_id, directory)
    strong = _drop_inherited(strong, by_id, flags)

    # The origin: the earliest member with no in-cluster parent by the strong evidence.
    # Aggregators republish; one is the origin only when no other site could be.
    first = _branching(_merge(strong), [*by_id, *externals])
    roots = [i for i in by_id if i not in first or not isinstance(first[i].source, int)]
    roots = roots or list(by_id)
    originals = [i for i in roots if by_id[i].get("role") != AGGREGATOR]
    # Members the others' own evidence points to (credits, carried footers), for ties in time.
    credited = Counter(
        source
        for source, _ in {
            (c.source, c.target)
            for c in strong
            if isinstance(c.source, int) and c.tier in (LINK, CREDIT, CANONICAL)
        }
    )
    originators = frozenset(i for i, m in by_id.items() if m.get("originator"))
    origin_id = times.earliest(originals or roots, credited, originators)

    claims = strong + _lineage_claims(by_id, origin_id, times, _resemblances(links))
    claims = _drop_inherited(claims, by_id, flags)
    claims = [c for c in claims if c.target != origin_id or not isinstance(c.source, int)]
    claims += _fallback_claims(by_id, origin_id, times)
    chosen = _branching(_merge(claims), [*by_id, *externals])

    spread = Spread(origin_id=origin_id, flags=flags)
    children: dict[str, list[dict]] = {}
    for target in sorted(chosen):
        claim = chosen[target]
        if isinstance(claim.source, str):
            children.setdefault(claim.source, []).append(
                {
                    "target_article_id": target,
                    "evidence": claim.evidence,
                    "confidence": round(claim.confidence, 3),
                }
            )
            continue
        source_time, target_time = times.published[claim.source], times.published[target]
        lag = lag_hours(source_time, target_time)
        if definitely_before(target_time, source_time):
            flags.setdefault(target, []).append("claims-earlier-than-source")
            lag = None
        elif lag == 0 and claim.tier < TIME:
            flags.setdefault(target, []).append("same-time-as-source")
        spread.edges.append(
            {
                "source_article_id": claim.source,
                "target_article_id": target,
                "evidence": claim.evidence,
                "confidence": round(claim.confidence, 3),
                "lag_hours": lag,
            }
        )
    spread.external = [
        {**ext, "children": children.get(key, [])} for key, ext in sorted(externals.items())
    ]
    spread.flags = {i: notes for i, notes in flags.items() if notes}
    return spread


def external_sources(members: list[dict]) -> list[dict]:
    """Sources named by the members' attributions that are not members (key, url, site, name,
    named_by), as `trace` finds them; for exports that rebuild the graph from stored edges."""
    by_id = {m["id"]: m for m in members}
    directory = _Directory(by_id, _Times(by_id))
    externals: dict[str, dict] = {}
    for m in members:
        _attribution_claims(m, directory, externals)
    return [externals[key] for key in sorted(externals)]


def describe(spread: Spread, members: list[dict]) -> list[str]:
    """Readable lines 'site -> site (evidence, confidence)' for logs and reports."""
    site: dict[Any, str] = {m["id"]: m["site"] for m in members}
    site.update({e["key"]: e["site"] or e["name"] or e["key"] for e in spread.external})
    lines = [f"origin: {site[spread.origin_id]} (article {spread.origin_id})"]
    for e in spread.edges:
        lines.append(
            f"{site[e['source_article_id']]} -> {site[e['target_article_id']]} "
            f"({e['evidence']}, {e['confidence']:.2f})"
        )
    for ext in spread.external:
        for child in ext["children"]:
            lines.append(
                f"{site[ext['key']]} -> {site[child['target_article_id']]} "
                f"({child['evidence']}, {child['confidence']:.2f}, external)"
            )
    return lines
