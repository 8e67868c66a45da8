"""The bundled sample web: invented sites that copy each other's articles, and the truth about it.

`build_web(seed)` writes pieces with the seeded writer, plans how they spread (origin outlets ->
republisher -> aggregators, excerpts on a community blog, copies of copies, small edits) and
returns a `SampleWeb` that renders every page "as of" a moment and knows, for every URL, what the
page is: the truth that extraction, clustering and spread are scored against.

Copies of copies take along lines of their source's page (the republisher's disclaimer, an
aggregator's promo), as scraped copies do; a few carry nothing and credit someone else, and the
truth flags them "ambiguous-source". One piece starts at an outlet the web names but does not
serve (`Truth.external`); its first served page, at the republisher, is flagged
"external-source".

Besides excerpts of a piece's start, two aggregators post a few paragraphs from the middle of a
piece ("middle-excerpt"); an aggregator posts a digest quoting the openings of three pieces, and
an outlet a commentary that opens with a paragraph from the middle of another piece and quotes a
second one: both are pages of their own (hard negatives, "digest-" and "quote-" groups).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .templates import SKINS, Skin
from .writer import Draft, Writer


@dataclass(frozen=True)
class SiteSpec:
    """One site of the sample web."""

    name: str
    host: str
    role: str  # origin, republisher, aggregator, community (as in sites.toml)
    ip: str
    home_path: str = "/"
    discovery: str = ""
    key: str = ""


SITE_TABLE = (
    ("courier", "Kestrel Valley Courier", "kestrel-courier.test", "origin",
     "RSS feed linked only by <link rel=alternate> on the home page; section, tag and author "
     "pages; print versions under /print/"),
    ("dispatch", "Millbrook Dispatch", "millbrook-dispatch.test", "origin",
     "only a Sitemap: line in robots.txt (index -> news, monthly and pages sitemaps); robots.txt "
     "disallows /search and /private/, which its pages link to; short wire briefs, undeclared "
     "and in no sitemap, linked from a big sidebar of teasers on every page"),
    ("observer", "Fenwick Observer", "fenwick-observer.test", "origin",
     "only paginated listings (/page/N/, rel=next, 'Older posts') of long teasers, tag, section "
     "and author pages of the same; one old article URL answers 301"),
    ("review", "Wider Lens Review", "widerlens.test", "republisher",
     "Atom feed (linked), sitemap in robots.txt, /latest/page/N/ listings, author pages, print "
     "versions at ?print=1"),
    ("rake", "Newsrake", "newsrake.test", "aggregator",
     "RSS feed (linked) and /page/N listings; robots.txt disallows /share/, which it links to; "
     "a session id (;jsessionid=) in every link of its pages, a new one for each visit that "
     "comes without one; an endless archive calendar (/archive/YYYY/MM/)"),
    ("pulse", "Pulse Wire", "pulsewire.test", "aggregator",
     "sitemap.xml named in robots.txt and category pages; shows dates without time"),
    ("scroll", "Daily Scroll", "dailyscroll.test", "aggregator",
     "Atom feed via <link rel=alternate>, sitemap index in robots.txt, /latest/N/ listings; "
     "links carry tracking parameters"),
    ("porch", "Porchlight Commons", "porchlight.test", "community",
     "RSS feed (linked) and /page/N/ listings; posts excerpts; shows dates without time"),
    ("mirador", "El Mirador Digital", "elmirador.test", "aggregator",
     "in Spanish: RSS feed (linked), /pagina/N/ listings and sections; a masthead <h1> with the "
     "site's name, the site's name in og:title, dates in words only (local time, UTC-3), "
     "credit lines and footers in Spanish"),
    ("relais", "Le Relais citoyen", "lerelais.test", "community",
     "in French: Atom feed (linked) and /page/N/ listings; posts excerpts; titles led by the "
     "site's name, dates in words only (an update shown before the publication, UTC+1), credit "
     "lines and footers in French"),
)  # fmt: skip
ORIGINS = ("courier", "dispatch", "observer")
# A site's role (SITE_TABLE) as its flows show it: origins are copied, the republisher copies
# origins and is copied by aggregators, aggregators and the community blog copy.
FLOW_ROLES = {
    "origin": "origin",
    "republisher": "republisher",
    "aggregator": "aggregator",
    "community": "aggregator",
}
AGGREGATORS = ("rake", "pulse", "scroll")
DATE_ONLY = {"pulse", "porch"}
START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
# An outlet the sample web names but does not serve: one piece starts there, so its first crawled
# page (at the republisher) credits a source that is not crawled.
OUTSIDE = ("gazette", "Ashcombe Gazette", "ashcombe-gazette.test")
# Copies of copies that take along nothing of their source's page nor credit it: ambiguous.
AMBIGUOUS = 3
# Short wire briefs of the dispatch: never copied, declared nowhere, in no sitemap.
BRIEFS = 3


@dataclass
class Post:
    """One article page on one site (an origin, a copy or an excerpt of a piece)."""

    site: str  # site key
    host: str
    path: str
    piece: str
    kind: str
    parent: Post | None
    title: str
    author: str
    paragraphs: list[str]
    available: datetime  # when the page appears
    shown: datetime | None  # the date the page claims
    time_shown: bool
    section: str
    tags: list[str]
    draft: Draft = field(repr=False)
    attribution: tuple[str, str, str] | None = None  # credited (name, host, path)
    carried: tuple[str, str, str] | None = None  # a source line carried over from the parent
    group: str | None = None
    flags: list[str] = field(default_factory=list)
    old_path: str | None = None
    poster: str = ""
    visits: int = 0
    uid: int = 0
    typo: tuple[str, str] | None = None  # (wrong, right) when the text carries a typo
    boilerplate: list[str] = field(default_factory=list)
    # Blocks of the parent's own page (its disclaimer, its promo line) the copy took along.
    carries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PageTruth:
    """What one URL is. Article fields are None/empty for other page types."""

    url: str
    host: str
    path: str
    page_type: str
    available: datetime | None = None
    piece: str | None = None
    kind: str | None = None
    parent: str | None = None
    published: str | None = None
    time_shown: bool = False
    title: str | None = None
    author: str | None = None
    paragraphs: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    group: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The article text in the project's convention: one block per line."""
        return "\n".join(self.paragraphs)


def site_url(host: str, path: str, port: int | None = None) -> str:
    return f"http://{host}{f':{port}' if port else ''}{path}"


class Truth:
    """The truth of the sample web for one port (URLs include it; port None leaves it out)."""

    def __init__(self, records: list[dict], disallowed: list[tuple[str, str]],
                 redirects: list[tuple[str, str, str]], port: int | None = None,
                 external: list[tuple[str, str]] = ()):  # fmt: skip
        self.port = port
        self._records, self._disallowed, self._redirects = records, disallowed, redirects
        self.pages: dict[str, PageTruth] = {}
        for rec in records:
            rec = dict(rec)
            parent = rec.pop("parent_key", None)
            url = self.url(rec["host"], rec["path"])
            self.pages[url] = PageTruth(url=url, parent=parent and self.url(*parent), **rec)
        self._external = external
        # Sources that pages credit (and copied) but that the sample web does not serve.
        self.external: set[str] = {self.url(h, p) for h, p in external}
        self.disallowed: set[str] = {self.url(h, p) for h, p in disallowed}
        self.redirects: dict[str, str] = {self.url(h, a): self.url(h, b) for h, a, b in redirects}

    def url(self, host: str, path: str, port: int | None = None) -> str:
        """The URL of (host, path) as served on `port` (default: this truth's port)."""
        return site_url(host, path, port if port is not None else self.port)

    def for_port(self, port: int) -> Truth:
        return Truth(self._records, self._disallowed, self._redirects, port, self._external)

    def articles(self, as_of: datetime | None = None) -> list[PageTruth]:
        """Article pages (origins, copies, excerpts) published by `as_of` (default: all)."""
        return [
            p
            for p in self.pages.values()
            if p.page_type == "article" and (as_of is None or p.available <= as_of)
        ]

    def pieces(self, as_of: datetime | None = None) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for page in self.articles(as_of):
            out.setdefault(page.piece, set()).add(page.url)
        return out

    def clusters(self, as_of: datetime | None = None) -> list[set[str]]:
        """URL sets of the pieces that have two or more pages by `as_of`."""
        return [urls for _, urls in sorted(self.pieces(as_of).items()) if len(urls) >= 2]

    def groups(self) -> dict[str, set[str]]:
        """Hard-negative groups: pages that share text but must not be clustered together."""
        out: dict[str, set[str]] = {}
        for page in self.articles():
            if page.group:
                out.setdefault(page.group, set()).add(page.url)
        return out


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def slugify(text: str, words: int = 8) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words])


class SampleWeb:
    """The sites, their posts and the truth; `response()` renders any URL as of a moment."""

    def __init__(self, sites: list[SiteSpec], posts: list[Post], seed: int):
        from .routes import Router  # routes imports this module's types

        self.seed = seed
        self.sites = sites
        self.posts = posts
        self.skins: dict[str, Skin] = {s.host: SKINS[s.key](s.name, s.host) for s in sites}
        self.by_host = {s.host: s for s in sites}
        self.router = Router(self)
        self.end = max(p.available for p in posts)
        self.truth = self.router.truth()

    def response(self, host: str, path_with_query: str, now: datetime | None = None,
                 port: int | None = None) -> Response:  # fmt: skip
        """The page at host + path as of `now` (None: the end of the web); links use `port`."""
        return self.router.respond(host.split(":")[0].lower(), path_with_query, now, port)

    def flow_roles(self) -> dict[str, str]:
        """host -> the role each site plays in the web's spread plan, in the terms roles are
        inferred in (dedupe.roles): a community blog that only posts excerpts of others is an
        aggregator there."""
        return {site.host: FLOW_ROLES[site.role] for site in self.sites}

    def write_sites_toml(self, path: str | Path, base_urls: dict[str, str]) -> Path:
        """Write a sites.toml with each site's name, home page (from base_urls) and role."""
        lines = []
        for site in self.sites:
            home = base_urls[site.host].rstrip("/") + site.home_path
            lines += ["[[sites]]", f'name = "{site.name}"', f'url = "{home}"',
                      f'role = "{site.role}"', ""]  # fmt: skip
        path = Path(path)
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


# -- planning -----------------------------------------------------------------------------
class _Planner:
    def __init__(self, seed: int, pieces: int):
        self.seed = seed
        self.rng = random.Random(seed * 7919 + 1)
        # A second stream for what copies carry, so that adding it left the rest of the web as is.
        self.side = random.Random(seed * 104729 + 5)
        self.writer = Writer(seed)
        self.n = pieces
        self.sites = {
            key: SiteSpec(name, host, role, f"127.0.1.{i}", "/", disc, key)
            for i, (key, name, host, role, disc) in enumerate(SITE_TABLE, start=1)
        }
        self.posts: list[Post] = []
        self.uid = 1000

    def post(self, site: str, draft: Draft, **kw) -> Post:
        spec = self.sites[site]
        self.uid += self.rng.randint(3, 40)
        kw.setdefault("title", draft.title)
        kw.setdefault("author", draft.author)
        kw.setdefault("paragraphs", list(draft.paragraphs))
        kw.setdefault("shown", kw["available"])
        kw.setdefault("time_shown", site not in DATE_ONLY)
        p = Post(site=site, host=spec.host, path="", section=draft.section, tags=draft.tags,
                 draft=draft, uid=self.uid, visits=self.rng.randint(180, 9800), **kw)  # fmt: skip
        p.path = self.path_for(p)
        self.posts.append(p)
        return p

    def path_for(self, p: Post) -> str:
        slug, d = slugify(p.title), p.available
        taken = {q.path for q in self.posts if q.host == p.host}
        shapes = {
            "brief": f"/wire/{slug}-{p.uid}.html",
            "courier": f"/{d:%Y/%m/%d}/{slug}/",
            "dispatch": f"/news/{slug}-{p.uid}.html",
            "observer": f"/p/{slug}/",
            "review": f"/articles/{slug}/{5600000 + p.uid}",
            "rake": f"/story/{p.uid}-{slug}",
            "pulse": f"/{d:%Y/%m}/{slug}.html",
            "scroll": f"/a/{slug}-{p.uid * 2654435761 % 16**6:06x}",
            "porch": f"/community/{d:%Y-%m-%d}-{slug}",
            "mirador": f"/noticias/{d:%Y/%m}/{slug}-{p.uid}",
            "relais": f"/billets/{slug}/",
        }
        path = shapes["brief" if "brief" in p.flags else p.site]
        while path in taken:
            path = path.replace(slug, slug + "-2", 1)
            slug += "-2"
        return path

    def plan(self) -> list[Post]:
        r, w = self.rng, self.writer
        notes = 3
        main = self.n - notes
        times = sorted(START + timedelta(minutes=r.randint(0, 18 * 24 * 60)) for _ in range(main))
        origins: list[Post] = []
        for i, t in enumerate(times):
            site = ORIGINS[i % 3]
            name = self.sites[site].name
            origins.append(self.post(site, w.news(name), piece="", kind="origin", parent=None,
                                     available=t))  # fmt: skip
        # (a) a follow-up of the first courier piece, three or more days later
        first = origins[0]
        j = next(i for i, p in enumerate(origins) if p.site == "courier"
                 and p.available > first.available + timedelta(days=3))  # fmt: skip
        follow, _ = w.follow_up(first.draft)
        self._redraft(origins[j], follow)
        first.group = origins[j].group = f"followup-{slugify(first.title, 3)}"
        # (b) a commentary at the observer quoting two paragraphs of the first dispatch piece
        wire = next(p for p in origins if p.site == "dispatch")
        k = next(i for i, p in enumerate(origins) if p.site == "observer"
                 and p.available > wire.available + timedelta(hours=12))  # fmt: skip
        comment, _ = w.commentary(self.sites["observer"].name, wire.draft, "the Millbrook Dispatch")
        self._redraft(origins[k], comment)
        wire.group = origins[k].group = f"quote-{slugify(wire.title, 3)}"
        # (c) short notes of the republisher that carry the same long disclaimer
        for _ in range(notes):
            t = START + timedelta(minutes=r.randint(0, 18 * 24 * 60))
            origins.append(self.post("review", w.note(self.sites["review"].name), piece="",
                                     kind="origin", parent=None, available=t,
                                     group="disclaimer-widerlens"))  # fmt: skip
        origins.sort(key=lambda p: p.available)
        for n, p in enumerate(origins, start=1):
            p.piece = f"piece-{n:02d}"
            if p.site != "review" and not p.group and r.random() < 0.25:
                i = max(range(1, len(p.paragraphs)), key=lambda j: len(p.paragraphs[j]))
                p.paragraphs[i], wrong, right = w.typo(p.paragraphs[i])
                p.typo = (wrong, right)
        for p in origins:
            if p.site == "review" or (r.random() < 0.1 and p.group is None):
                continue  # notes and a few pieces are never copied
            self.spread(p)
        self._quirks(origins)
        self._outside_piece(len(origins) + 1)
        self._ambiguous()
        self._briefs(len(origins) + 2)
        self._excerpts_and_quotations(origins, len(origins) + 2 + BRIEFS)
        self._other_languages()
        self._uncredited_origin(origins)
        for p in self.posts:
            before, after = self.skin(p).boilerplate(p, lambda host, path: path)
            p.boilerplate = [b.text for b in before + after]
        return self.posts

    def skin(self, p: Post) -> Skin:
        return SKINS[p.site](self.sites[p.site].name, p.host)

    def _redraft(self, p: Post, draft: Draft) -> None:
        p.draft, p.title, p.author, p.paragraphs = (
            draft,
            draft.title,
            draft.author,
            draft.paragraphs,
        )
        p.section, p.tags = draft.section, draft.tags
        p.path = ""
        p.path = self.path_for(p)

    def spread(self, origin: Post) -> None:
        r = self.rng
        n = r.randint(2, 6)
        pages = [origin]
        if r.random() < 0.45:
            pages.append(self.copy(origin, "review", "copy"))
        targets = [s for s in (*AGGREGATORS, "porch") if r.random() < 0.85]
        r.shuffle(targets)
        for site in targets[: n - (len(pages) - 1)]:
            full = [p for p in pages if p.kind != "excerpt"]
            weights = [3 if p.site == "review" else 1 for p in full]
            parent = r.choices(full, weights)[0]
            kind = "excerpt" if site == "porch" or r.random() < 0.2 else "copy"
            pages.append(self.copy(parent, site, kind))

    def copy(self, parent: Post, site: str, kind: str) -> Post:
        r, w = self.rng, self.writer
        available = parent.available + timedelta(minutes=r.randint(60, 72 * 60))
        title, paras, typo = parent.title, list(parent.paragraphs), parent.typo
        if kind == "excerpt":
            keep = max(2, round(len(paras) * r.uniform(0.3, 0.5)))
            paras = paras[:keep]
        elif site != "review" or r.random() < 0.5:
            if r.random() < 0.3:
                title = w.retitle(title)
            if r.random() < 0.25 and len(paras) > 6:
                del paras[r.randrange(2, len(paras))]
            if r.random() < 0.15:
                paras.insert(r.randrange(2, len(paras)), w.extra_paragraph(parent.draft))
            if r.random() < 0.2:
                paras[0] = w.new_lead(parent.draft)
            if typo and r.random() < 0.5:
                paras = [p.replace(typo[0], typo[1]) for p in paras]
                typo = None
        outlet = self.sites[parent.site].name if parent.site in self.sites else OUTSIDE[1]
        source = (outlet, parent.host, parent.path)
        attribution = carried = None
        if site in ("review", "porch") or kind == "excerpt":
            attribution = source
        elif r.random() < 0.7:
            attribution = source
            if parent.site == "review" and r.random() < 0.4:
                attribution = parent.attribution
        if parent.site == "review" and site != "porch" and r.random() < 0.5:
            carried = parent.attribution
        author, poster = parent.author, ""
        if site == "porch":
            author = poster = self.writer.people(1)[0]
        return self.post(site, parent.draft, piece=parent.piece, kind=kind, parent=parent,
                         available=available, title=title, paragraphs=paras, author=author,
                         attribution=attribution, carried=carried, group=parent.group,
                         poster=poster, typo=typo, carries=self._carries(parent, kind))  # fmt: skip

    def _carries(self, parent: Post, kind: str) -> list[str]:
        """What a full copy of a copy takes along from its source's page: one or more of the
        source's own lines (the republisher's disclaimer, an aggregator's promo) and whatever
        the source had carried itself."""
        if parent.parent is None or kind == "excerpt" or parent.site not in self.sites:
            return []
        own = self.skin(parent).own_lines
        picked = self.side.sample(own, self.side.randint(1, len(own)))
        return [*parent.carries, *(b for b in own if b in picked)]

    def _ambiguous(self) -> None:
        """A few copies of copies carry nothing of their source and do not credit it: nothing on
        the page tells where they came from ("ambiguous-source")."""
        copied = {id(p.parent) for p in self.posts}
        eligible = [
            p for p in self.posts
            if p.carries and id(p) not in copied
            and (p.attribution is None or p.attribution[1:] != (p.parent.host, p.parent.path))
        ]  # fmt: skip
        for p in self.side.sample(eligible, min(AMBIGUOUS, len(eligible))):
            p.carries = []
            p.flags.append("ambiguous-source")

    def _briefs(self, number: int) -> None:
        """Short wire briefs at the dispatch (55-90 words), never copied. Written last, by a
        writer and a clock of their own, so that the rest of the web is as it was without them."""
        writer = Writer(self.seed * 31 + 3)
        clock = random.Random(self.seed * 7 + 3)
        for n in range(BRIEFS):
            available = START + timedelta(minutes=clock.randint(24 * 60, 17 * 24 * 60))
            self.post("dispatch", writer.brief(self.sites["dispatch"].name),
                      piece=f"piece-{number + n:02d}", kind="origin", parent=None,
                      available=available, flags=["brief"])  # fmt: skip

    def _outside_piece(self, number: int) -> None:
        """A piece from an outlet the web does not serve, republished by the review and copied
        on from there: its first crawled page credits a source outside the crawl."""
        key, name, host = OUTSIDE
        draft = self.writer.news(name)
        available = START + timedelta(minutes=self.side.randint(2 * 24 * 60, 15 * 24 * 60))
        source = Post(site=key, host=host, path=f"/stories/{slugify(draft.title)}/",
                      piece=f"piece-{number:02d}", kind="origin", parent=None, title=draft.title,
                      author=draft.author, paragraphs=list(draft.paragraphs), available=available,
                      shown=available, time_shown=True, section=draft.section, tags=draft.tags,
                      draft=draft)  # fmt: skip
        review = self.copy(source, "review", "copy")
        review.flags.append("external-source")
        for site in ("rake", "scroll"):
            self.copy(review, site, "copy")

    def _excerpts_and_quotations(self, origins: list[Post], number: int) -> None:
        """Excerpts from the middle of two pieces; a digest quoting the openings of three
        others; a commentary opening with a paragraph from the middle of a fifth. Planned last,
        from a stream of their own, so that the rest of the web stays as it was."""
        r = random.Random(self.rng.random())
        copied = {id(p.parent) for p in self.posts if p.parent is not None}
        plain = [
            p for p in origins
            if p.group is None and p.site in ORIGINS and p.shown is not None and not p.old_path
            and len(p.paragraphs) >= 9
        ]  # fmt: skip
        middle = [p for p in plain if id(p) in copied]
        if len(middle) < 5 or len(plain) < 11:
            return  # a small web: too few long pieces for these cases
        for p, site, first, size in ((middle[2], "rake", 2, 3), (middle[-3], "scroll", 4, 2)):
            excerpt = self.copy(p, site, "excerpt")
            excerpt.paragraphs = p.paragraphs[first : first + size]
            if p.typo and not any(p.typo[0] in para for para in excerpt.paragraphs):
                excerpt.typo = None
            excerpt.flags.append("middle-excerpt")
        rest = [p for p in plain if p not in (middle[2], middle[-3])]
        quoted = rest[len(rest) // 3 : len(rest) // 3 + 3]
        openings = zip(quoted, (3, 2, 2), strict=True)
        draft = self.writer.digest(
            self.sites["scroll"].name, [(p.draft, self.sites[p.site].name, n) for p, n in openings]
        )
        available = max(p.available for p in quoted) + timedelta(hours=r.randint(2, 6))
        digest = self.post("scroll", draft, piece=f"piece-{number:02d}", kind="origin",
                           parent=None, available=available)  # fmt: skip
        for p in (digest, *quoted):
            p.group = f"digest-{slugify(digest.title, 3)}"
        wire = rest[2 * len(rest) // 3]
        comment, _ = self.writer.commentary(
            self.sites["courier"].name, wire.draft, self.sites[wire.site].name, middle=True
        )
        available = wire.available + timedelta(hours=r.randint(10, 30))
        self.post("courier", comment, piece=f"piece-{number + 1:02d}", kind="origin",
                  parent=None, available=available, group=f"quote-{slugify(wire.title, 3)}")  # fmt: skip
        wire.group = self.posts[-1].group

    def _other_languages(self) -> None:
        """A Spanish aggregator copies about a quarter of the copied pieces (from their origin or
        the review) and a French community blog posts excerpts of about a sixth. Planned last, from
        a stream of their own, so that the rest of the web stays as it was."""
        r = random.Random(self.seed * 613 + 11)
        self.rng = random.Random(self.seed * 617 + 13)  # what copy() draws from here on
        full = {}
        for p in self.posts:
            # Pages of the origins and the review (not the outside outlet's, not briefs).
            if p.site in (*ORIGINS, "review") and not p.group and "brief" not in p.flags:
                full.setdefault(p.piece, []).append(p)
        copied = {p.piece for p in self.posts if p.parent is not None}
        for piece in sorted(full.keys() & copied):  # pieces nobody copies stay so
            pages = full[piece]
            draw = r.random()
            if draw < 0.25:
                weights = [3 if p.site == "review" else 1 for p in pages]
                self.copy(r.choices(pages, weights)[0], "mirador", "copy")
            elif draw < 0.42:
                origin = next((p for p in pages if p.kind == "origin"), pages[0])
                excerpt = self.copy(origin, "relais", "excerpt")
                excerpt.author = excerpt.poster = self.writer.people(1)[0]

    def _quirks(self, origins: list[Post]) -> None:
        """One copy dated before its source, one origin without a date, one moved URL."""
        early = next(p for p in self.posts if p.site in ("rake", "scroll") and p.kind == "copy"
                     and p.parent.kind == "origin")  # fmt: skip
        early.shown = early.parent.shown - timedelta(hours=5)
        early.flags.append("date-before-source")
        observed = [p for p in origins if p.site == "observer" and not p.group]
        credited = [p for p in observed
                    if any(q.attribution and q.attribution[2] == p.path for q in self.posts)]  # fmt: skip
        moved = credited[0]
        moved.old_path = "/p/" + "-".join(moved.path.strip("/").split("/")[-1].split("-")[:3]) + "/"
        for q in self.posts:
            for attr in ("attribution", "carried"):
                value = getattr(q, attr)
                if value and value[2] == moved.path:
                    setattr(q, attr, (value[0], value[1], moved.old_path))
        undated = next(p for p in reversed(observed) if p is not moved)
        undated.shown = None
        undated.flags.append("no-date")

    def _uncredited_origin(self, origins: list[Post]) -> None:
        """One piece whose origin shows no date and whose copies and excerpts, all taken from it
        and dated, neither credit nor carry it: dates would make a copy the origin; only the
        origin's site, where pieces start (its role, other pieces' credits), tells. Chosen
        without a random draw, so that the rest of the web stays as it was."""
        members: dict[str, list[Post]] = {}
        for p in self.posts:
            members.setdefault(p.piece, []).append(p)
        for origin in origins:
            copies = [p for p in members[origin.piece] if p is not origin]
            if (
                origin.site == "dispatch"  # its addresses carry no date either
                and origin.group is None
                and origin.shown is not None
                and len(copies) >= 2
                and all(p.parent is origin for p in copies)
            ):
                break
        else:
            return
        origin.shown = None
        origin.flags.append("no-date")
        for p in copies:
            p.attribution = p.carried = None
            p.flags.append("ambiguous-source")


def build_web(seed: int = 7, pieces: int = 40) -> SampleWeb:
    """Build the sample web for `seed` with `pieces` pieces (at least 12); deterministic."""
    if pieces < 12:
        raise ValueError("the sample web needs at least 12 pieces")
    planner = _Planner(seed, pieces)
    posts = planner.plan()
    return SampleWeb(list(planner.sites.values()), posts, seed)
