"""Routing of the sample web: which paths each site has, when they appear, and how they render.

The same route table serves HTTP responses and produces the truth, so the two cannot disagree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from dedupe.urls import is_tracking_param

from . import templates as t

if TYPE_CHECKING:
    from .web import Post, Response, SampleWeb

# Per site: home items, listing (pattern, per page), feed (kind, path, visible link), sitemap
# ("plain" or "index"), section/tag/author page patterns, print style, disallowed links.
CONF: dict[str, dict] = {
    "courier": {"home": 8, "feed": ("rss", "/feed/", False), "sections": "/section/{}/",
                "tags": "/tag/{}/", "authors": "/author/{}/", "print": "prefix"},
    "dispatch": {"home": 5, "sitemap": "index", "bios": "/staff/{}/", "sidebar": True,
                 "disallow": ("/search?q=latest", "/private/subscriber-login")},
    "observer": {"listing": ("/page/{}/", 6), "sections": "/category/{}/", "tags": "/tag/{}/",
                 "authors": "/author/{}/"},
    "review": {"listing": ("/latest/page/{}/", 10), "feed": ("atom", "/feed/atom/", True),
               "sitemap": "plain", "authors": "/author/{}/", "print": "query"},
    "rake": {"listing": ("/page/{}", 12), "feed": ("rss", "/rss.xml", True), "share": True,
             "session": True, "archive": True},
    "pulse": {"home": 12, "sitemap": "plain", "sections": "/category/{}/"},
    "scroll": {"listing": ("/latest/{}/", 10), "feed": ("atom", "/atom.xml", False),
               "sitemap": "index", "tracking": True},
    "porch": {"listing": ("/page/{}/", 8), "feed": ("rss", "/feed.rss", True)},
    "mirador": {"listing": ("/pagina/{}/", 6), "feed": ("rss", "/feed/", True),
                "sections": "/seccion/{}/"},
    "relais": {"listing": ("/page/{}/", 5), "feed": ("atom", "/flux.atom", True)},
}  # fmt: skip
SESSION = re.compile(r";jsessionid=([^/?#;]*)", re.I)
ARCHIVE = re.compile(r"^/archive/(\d{4})/(\d{2})/$")
# <a href> of a page that stays on its own site: "/path" or "http://host[:port]/path".
SELF_HREF = '<a href="(?:{base})?(/[^"?#]*)'
ROBOTS_DISALLOW = {"dispatch": ("/search", "/private/"), "rake": ("/share/",)}
CTYPES = {
    "html": "text/html; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


@dataclass
class Ctx:
    """One rendering: the moment, the port and the site being rendered."""

    now: datetime
    port: int | None
    host: str

    def base(self, host: str) -> str:
        return f"http://{host}{f':{self.port}' if self.port else ''}"

    def link(self, host: str, path: str) -> str:
        return path if host == self.host else self.base(host) + path

    def abs(self, path: str) -> str:
        return self.base(self.host) + path


Render = Callable[[Ctx], tuple[int, str, str]]  # -> status, content type key, body


@dataclass
class Route:
    page_type: str | None  # None: not a page of the truth (disallowed, redirect)
    available: datetime | None
    render: Render
    post: Post | None = None


def _from(posts: list[Post]) -> datetime | None:
    return min((p.available for p in posts), default=None)


class Router:
    """Route tables of all sites, built once."""

    def __init__(self, web: SampleWeb):
        self.web = web
        self.tables: dict[str, dict[str, Route]] = {}
        self.months: dict[str, Callable[[int, int], Render]] = {}  # archive month pages
        self.redirects: list[tuple[str, str, str]] = []
        self.disallowed: list[tuple[str, str]] = []
        for site in web.sites:
            self.tables[site.host] = self._build(site.key, site.host, site.name)

    # -- responses ------------------------------------------------------------------------
    def respond(self, host: str, pwq: str, now: datetime | None, port: int | None) -> Response:
        from .web import Response

        table = self.tables.get(host)
        key_name = self.web.by_host[host].key if host in self.web.by_host else ""
        session = SESSION.search(pwq)
        pwq = SESSION.sub("", pwq)
        split = urlsplit(pwq)
        path = split.path or "/"
        pairs = [(k, v) for k, v in parse_qsl(split.query, True) if not is_tracking_param(k)]
        key = path + ("?" + urlencode(pairs) if pairs else "")
        route = table and (table.get(key) or table.get(path))
        now = now or self.web.end
        if not route and self.is_trap(host, path):
            route = Route(None, None, self._archive_month(host, path))
        if not route or (route.available and route.available > now):
            body = "<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>404 Not "
            body += "Found</h1><p>No page here.</p></body></html>"
            return Response(404, {"Content-Type": CTYPES["html"]}, body.encode())
        status, ctype, body = route.render(Ctx(now, port, host))
        if CONF.get(key_name, {}).get("session") and ctype == "html" and status == 200:
            # A visit that comes without a session id gets a new one, written into every link.
            sid = session.group(1) if session else _new_session(host, pwq, now)
            base = re.escape(Ctx(now, port, host).base(host))
            body = re.sub(
                SELF_HREF.format(base=base), lambda m: f"{m.group(0)};jsessionid={sid}", body
            )
        headers = {"Content-Type": CTYPES.get(ctype, CTYPES["html"])}
        if status in (301, 302):
            headers = {"Location": body, "Content-Type": CTYPES["txt"]}
            body = f"Moved to {body}\n"
        return Response(status, headers, body.encode("utf-8"))

    def is_trap(self, host: str, path: str) -> bool:
        """An archive month of an endless calendar that holds no story (not in the truth)."""
        site = self.web.by_host.get(host)
        match = ARCHIVE.match(path)
        return bool(
            site and CONF[site.key].get("archive") and match
            and 1 <= int(match.group(2)) <= 12 and 1900 <= int(match.group(1)) <= 9999
            and path not in self.tables[host]
        )  # fmt: skip

    def _archive_month(self, host: str, path: str) -> Render:
        year, month = map(int, ARCHIVE.match(path).groups())
        return self.months[host](year, month)

    # -- truth ----------------------------------------------------------------------------
    def truth(self):
        from .web import Truth

        records = []
        for host, table in self.tables.items():
            for path, route in table.items():
                if route.page_type is None:
                    continue
                rec = {"host": host, "path": path, "page_type": route.page_type,
                       "available": route.available}  # fmt: skip
                p = route.post
                if route.page_type == "article" and p is not None:
                    published = None
                    if p.shown is not None:
                        published = (
                            p.shown.isoformat() if p.time_shown else p.shown.date().isoformat()
                        )
                    rec.update(piece=p.piece, kind=p.kind, published=published,
                               time_shown=p.time_shown and p.shown is not None, title=p.title,
                               author=p.author, paragraphs=tuple(p.paragraphs),
                               boilerplate=tuple(p.boilerplate), group=p.group,
                               flags=tuple(p.flags),
                               parent_key=p.parent and (p.parent.host, p.parent.path))  # fmt: skip
                records.append(rec)
        outside = sorted(
            {(p.parent.host, p.parent.path) for p in self.web.posts
             if p.parent is not None and p.parent.host not in self.tables}
        )  # fmt: skip
        return Truth(records, self.disallowed, self.redirects, external=outside)

    # -- building -------------------------------------------------------------------------
    def _build(self, key: str, host: str, name: str) -> dict[str, Route]:
        web, conf = self.web, CONF[key]
        skin = web.skins[host]
        posts = sorted((p for p in web.posts if p.host == host), key=lambda p: p.available)
        routes: dict[str, Route] = {}

        def visible(now: datetime, among: list[Post] | None = None) -> list[Post]:
            return [
                p for p in reversed(among if among is not None else posts) if p.available <= now
            ]

        def href(p: Post, ctx: Ctx, why: str = "") -> str:
            if conf.get("tracking") and why:
                return p.path + "?" + why
            return p.path

        sections: dict[str, list[Post]] = {}
        tags: dict[str, list[Post]] = {}
        authors: dict[str, list[Post]] = {}
        for p in posts:
            sections.setdefault(p.section, []).append(p)
            for tag in p.tags:
                tags.setdefault(tag, []).append(p)
            authors.setdefault(p.author, []).append(p)

        months: dict[tuple[int, int], list[Post]] = {}
        for p in posts:
            months.setdefault((p.available.year, p.available.month), []).append(p)
        latest_month = max(months) if months else (START_YEAR, 1)

        def nav() -> list[tuple[str, str]]:
            out = [(skin.word("Home"), "/")]
            if "sections" in conf:
                out += [(s.title(), conf["sections"].format(s)) for s in sorted(sections)]
            if conf.get("archive"):
                out.append(("Archive", "/archive/{}/{:02d}/".format(*latest_month)))
            if "feed" in conf and conf["feed"][2]:
                out.append((skin.word("Subscribe"), conf["feed"][1]))
            return out + [(skin.word("About"), "/about/")]

        def side(ctx: Ctx) -> str:
            if not conf.get("sidebar"):
                return ""
            vis = visible(ctx.now)
            briefs = [(p, p.path) for p in vis if "brief" in p.flags][:6]
            latest = [(p, p.path) for p in vis if "brief" not in p.flags][:6]
            return skin.sidebar([("Wire briefs", briefs), ("Latest from the newsroom", latest)])

        def html(title: str, canonical: str, main: str, ctx: Ctx, extra: str = "", post=None):
            head = skin.head(title, ctx.abs(canonical), post=post, extra=extra)
            return 200, "html", skin.page(head, skin.chrome(main, nav(), side(ctx)))

        def items(ps: list[Post], ctx: Ctx, why: str = "") -> list[str]:
            return [skin.item(p, href(p, ctx, why)) for p in ps]

        # home and listings
        listing = conf.get("listing")
        per = listing[1] if listing else conf["home"]

        def home(ctx: Ctx):
            vis = visible(ctx.now)
            nxt = listing[0].format(2) if listing and len(vis) > per else None
            extra = skin.pager_head(None, nxt)
            if "feed" in conf:
                kind, fpath, _ = conf["feed"]
                extra += (f'\n<link rel="alternate" type="application/{kind}+xml" '
                          f'title="{escape(name)}" href="{fpath}">')  # fmt: skip
            main = skin.listing(skin.word("Latest"), items(vis[:per], ctx, "utm_source=homepage&utm_medium=web"),
                                skin.pager(None, nxt))  # fmt: skip
            if conf.get("tracking"):
                trend = items(vis[per : per + 3], ctx, "fbclid=IwAR0demo" + host[:3])
                main += "\n<h2>Trending</h2><ul>" + "".join(trend) + "</ul>"
            return html(name, "/", main, ctx, extra)

        routes["/"] = Route("home", None, home)
        if listing:
            for k in range(2, (len(posts) - 1) // per + 2):

                def page(ctx: Ctx, k: int = k):
                    vis = visible(ctx.now)
                    prev = "/" if k == 2 else listing[0].format(k - 1)
                    nxt = listing[0].format(k + 1) if len(vis) > k * per else None
                    main = skin.listing(f"{skin.word('Page')} {k}", items(vis[(k - 1) * per : k * per], ctx),
                                        skin.pager(prev, nxt))  # fmt: skip
                    return html(f"{name}, {skin.word('Page').lower()} {k}", listing[0].format(k), main, ctx,
                                skin.pager_head(prev, nxt))  # fmt: skip

                routes[listing[0].format(k)] = Route(
                    "listing", posts[(k - 1) * per].available, page
                )

        # section, tag and author pages (all their posts, newest first)
        for kind, conf_key, groups in (("section", "sections", sections), ("tag", "tags", tags),
                                       ("author", "authors", authors)):  # fmt: skip
            if conf_key not in conf:
                continue
            for label, members in groups.items():
                path = conf[conf_key].format(t_slug(label))

                def group_page(ctx: Ctx, label=label, members=members, path=path, kind=kind):
                    main = skin.listing(label.title() if kind != "author" else f"Stories by {label}",
                                        items(visible(ctx.now, members), ctx))  # fmt: skip
                    return html(label, path, main, ctx)

                routes[path] = Route(kind, _from(members), group_page)
        if "bios" in conf:
            for label, members in authors.items():
                path = conf["bios"].format(t_slug(label))

                def bio(ctx: Ctx, label=label, path=path):
                    main = (f"<h1>{escape(label)}</h1><p>{escape(label)} reports for the "
                            f"{escape(name)} and can be reached through the newsroom.</p>")  # fmt: skip
                    return html(label, path, main, ctx)

                routes[path] = Route("author", _from(members), bio)

        def about(ctx: Ctx):
            main = (f"<h1>About {escape(name)}</h1><p>{escape(name)} is part of the crosspost "
                    "sample web: an invented site used to test crawling and deduplication.</p>")  # fmt: skip
            return html(f"About {name}", "/about/", main, ctx)

        routes["/about/"] = Route("about", None, about)

        if conf.get("archive"):
            # An endless calendar: every month links the month before and after it, stories or not.
            def month_page(year: int, month: int) -> Render:
                def render(ctx: Ctx):
                    shown = visible(ctx.now, months.get((year, month), []))
                    label = datetime(year, month, 1).strftime("%B %Y")
                    before = (year, month - 1) if month > 1 else (year - 1, 12)
                    after = (year, month + 1) if month < 12 else (year + 1, 1)
                    pager = (
                        '<p class="months"><a href="/archive/{}/{:02d}/">« {}</a> '.format(
                            *before, datetime(*before, 1).strftime("%B %Y"))
                        + '<a href="/archive/{}/{:02d}/">{} »</a></p>'.format(
                            *after, datetime(*after, 1).strftime("%B %Y"))
                    )  # fmt: skip
                    if shown:
                        main = skin.listing(f"Stories from {label}", items(shown, ctx), pager)
                    else:
                        main = f"<h1>Stories from {label}</h1><p>No stories this month.</p>{pager}"
                    path = f"/archive/{year}/{month:02d}/"
                    return html(f"Archive: {label}", path, main, ctx)

                return render

            self.months[host] = month_page
            for (year, month), members in months.items():
                path = f"/archive/{year}/{month:02d}/"
                routes[path] = Route("archive", _from(members), month_page(year, month))

        # articles and their print versions
        for p in posts:
            print_path = None
            if conf.get("print") == "prefix":
                print_path = "/print" + p.path
            elif conf.get("print") == "query":
                print_path = p.path + "?print=1"

            def article(ctx: Ctx, p=p, print_path=print_path):
                extras = {
                    "print": print_path,
                    "section": (p.section.title(), conf.get("sections", "/").format(p.section)),
                    "tags": [(tag, conf.get("tags", "/").format(t_slug(tag))) for tag in p.tags],
                    "author": (conf.get("authors") or conf.get("bios") or "/").format(
                        t_slug(p.author)
                    ),
                    "share": f"/share/?story={p.uid}",
                    "related": [(q.title, q.path) for q in visible(ctx.now) if q is not p][:3],
                }
                main = skin.article(p, ctx.link, extras)
                return html(p.title, p.path, main, ctx, post=p)

            routes[p.path] = Route("article", p.available, article, p)
            if print_path:

                def printed(ctx: Ctx, p=p, print_path=print_path):
                    head = skin.head(p.title, ctx.abs(p.path),
                                     extra='\n<meta name="robots" content="noindex">')  # fmt: skip
                    body = f"<h1>{escape(p.title)}</h1>\n<p>By {escape(p.author)}</p>\n"
                    body += skin.paras(p) + f'\n<p><a href="{p.path}">Back to the story</a></p>'
                    return 200, "html", skin.page(head, body)

                routes[print_path] = Route("print", p.available, printed)
            if p.old_path:
                routes[p.old_path] = Route(None, p.available, lambda ctx, p=p: (301, "", p.path))
                self.redirects.append((host, p.old_path, p.path))
            if conf.get("share"):
                self.disallowed.append((host, f"/share/?story={p.uid}"))

        # feeds and sitemaps
        if "feed" in conf:
            kind, fpath, _ = conf["feed"]

            def feed(ctx: Ctx, kind=kind, fpath=fpath):
                entries = [(p.title, ctx.abs(p.path), p.available, p.paragraphs[0])
                           for p in visible(ctx.now)[:10]]  # fmt: skip
                if kind == "rss":
                    return 200, "rss", t.rss(name, ctx.abs("/"), entries)
                return 200, "atom", t.atom(name, ctx.abs("/"), ctx.abs(fpath), entries)

            routes[fpath] = Route("feed", None, feed)
        sitemap_line = ""
        if conf.get("sitemap") == "plain":
            sitemap_line = "/sitemap.xml"

            def plain_map(ctx: Ctx):
                pages = [(ctx.abs("/"), None), (ctx.abs("/about/"), None)]
                pages += [(ctx.abs(p.path), p.available) for p in visible(ctx.now)]
                return 200, "xml", t.urlset(pages)

            routes["/sitemap.xml"] = Route("sitemap", None, plain_map)
        elif conf.get("sitemap") == "index":
            sitemap_line = "/sitemap_index.xml"
            children = self._index_sitemaps(key, posts, routes, visible)

            def index(ctx: Ctx):
                entries = []
                for path, members in children:
                    vis = visible(ctx.now, members) if members is not None else None
                    if vis is None or vis:
                        entries.append((ctx.abs(path), vis[0].available if vis else None))
                return 200, "xml", t.sitemap_index(entries)

            routes["/sitemap_index.xml"] = Route("sitemap", None, index)

        def robots(ctx: Ctx):
            lines = ["User-agent: *"]
            lines += [f"Disallow: {d}" for d in ROBOTS_DISALLOW.get(key, ())] or ["Disallow:"]
            if sitemap_line:
                lines += ["", f"Sitemap: {ctx.abs(sitemap_line)}"]
            return 200, "txt", "\n".join(lines) + "\n"

        routes["/robots.txt"] = Route("robots", None, robots)

        # disallowed pages that the site links to anyway
        for link in conf.get("disallow", ()):
            self.disallowed.append((host, link))
        if key == "dispatch":
            routes["/search"] = Route(None, None, lambda ctx: (200, "html", "<h1>Search</h1>"))
            routes["/private/subscriber-login"] = Route(
                None, None, lambda ctx: (403, "html", "<h1>Subscribers only</h1>")
            )
        if conf.get("share"):
            routes["/share/"] = Route(None, None, lambda ctx: (200, "html", "<h1>Share</h1>"))
        return routes

    def _index_sitemaps(self, key, posts, routes, visible):
        """Child sitemaps of a sitemap index: a news sitemap, monthly ones, and one of pages."""
        children: list[tuple[str, list | None]] = []
        if key == "dispatch":
            listed = [p for p in posts if "brief" not in p.flags]  # briefs are in no sitemap

            def news(ctx: Ctx):
                entries = [
                    (ctx.abs(p.path), p.available, p.title) for p in visible(ctx.now, listed)[:10]
                ]
                return 200, "xml", t.news_urlset(self.web.by_host[posts[0].host].name, entries)

            routes["/sitemaps/news.xml"] = Route("sitemap", None, news)
            children.append(("/sitemaps/news.xml", None))
            months: dict[str, list] = {}
            for p in listed:
                months.setdefault(p.available.strftime("%Y-%m"), []).append(p)
            for month, members in months.items():
                path = f"/sitemaps/articles-{month}.xml"

                def monthly(ctx: Ctx, members=members):
                    entries = [(ctx.abs(p.path), p.available) for p in visible(ctx.now, members)]
                    return 200, "xml", t.urlset(entries)

                routes[path] = Route("sitemap", _from(members), monthly)
                children.append((path, members))
        else:
            path = "/sitemap-posts.xml"

            def posts_map(ctx: Ctx):
                entries = [(ctx.abs(p.path), p.available) for p in visible(ctx.now)]
                return 200, "xml", t.urlset(entries)

            routes[path] = Route("sitemap", None, posts_map)
            children.append((path, None))
        extra = [p for p, r in routes.items() if r.page_type in ("author", "about", "section")]

        def pages_map(ctx: Ctx):
            entries = [(ctx.abs("/"), None)]
            entries += [(ctx.abs(p), None) for p in extra
                        if not routes[p].available or routes[p].available <= ctx.now]  # fmt: skip
            return 200, "xml", t.urlset(entries)

        routes["/sitemap-pages.xml"] = Route("sitemap", None, pages_map)
        children.append(("/sitemap-pages.xml", None))
        return children


START_YEAR = 2026


def _new_session(host: str, pwq: str, now: datetime) -> str:
    """A session id for a visit that brought none: new for each entry page and moment."""
    stamp = now.astimezone(UTC).isoformat() if now.tzinfo else now.isoformat()
    return hashlib.sha1(f"{host}{pwq}{stamp}".encode()).hexdigest()[:32].upper()


def t_slug(label: str) -> str:
    from .web import slugify

    return slugify(label, 12)
