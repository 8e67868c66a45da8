"""Per-site HTML for the sample web: each site has its own markup, date style and in-body boilerplate.

A Skin renders pages of one site. Boilerplate blocks are built by one function for both the HTML
and the truth, so what the truth calls boilerplate is exactly what the page shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .web import Post

Link = Callable[[str, str], str]  # (host, path) -> href as seen from the page being rendered


@dataclass(frozen=True)
class Block:
    """One in-body line: its visible text and its HTML."""

    text: str
    html: str


def plain(text: str) -> Block:
    return Block(text, escape(text))


def linked(before: str, label: str, href: str, after: str = "") -> Block:
    html = f'{escape(before)}<a href="{escape(href)}">{escape(label)}</a>{escape(after)}'
    return Block(before + label + after, html)


DISCLAIMER = (
    "Notice to readers: the views in this piece belong to its author alone, and Wider Lens Review "
    "accepts no responsibility for any statement of fact or opinion it contains. We republish "
    "work from independent outlets so that it reaches a wider audience; the full text may be "
    "shared again on community and nonprofit websites, unchanged, provided the author, the "
    "original outlet and a working link to this page are credited. Short passages may be quoted "
    "under fair dealing for criticism, review and news reporting. Reproduction in print or for "
    "commercial purposes needs written permission from the rights holder. Wider Lens Review "
    "pays no fee for republished work and receives none; if you hold the rights to a piece "
    "shown here and object to its inclusion, write to the editors and it will be removed."
)


DONATE = "Please support independent research. Donate to Wider Lens Review."


def teaser(post: Post, words: int) -> str:
    """The first `words` words of a post, cut with an ellipsis (as listings show them)."""
    text = " ".join(post.paragraphs).split()
    return " ".join(text[:words]) + (" …" if len(text) > words else "")


def _slug(label: str) -> str:
    from .web import slugify

    return slugify(label, 12)


def show_date(post: Post, fmt_time: str, fmt_date: str) -> str:
    """The <time> element a page shows for its post (empty when it shows no date)."""
    if post.shown is None:
        return ""
    if post.time_shown:
        return f'<time datetime="{post.shown.isoformat()}">{post.shown.strftime(fmt_time)}</time>'
    return (
        f'<time datetime="{post.shown.date().isoformat()}">{post.shown.strftime(fmt_date)}</time>'
    )


class Skin:
    """Markup of one site; subclasses override the parts that differ."""

    jsonld = True
    # The site's own lines that name it (a disclaimer, a promo) and that copies may take along.
    own_lines: tuple[str, ...] = ()
    fmt_time = "%B %-d, %Y at %H:%M"
    fmt_date = "%B %-d, %Y"
    lang = "en"
    # The site's words for what the routes write on listings and menus (English by default).
    words: dict[str, str] = {}

    def __init__(self, name: str, host: str):
        self.name, self.host = name, host

    # -- pieces shared by all sites -------------------------------------------------------
    def head(self, title: str, canonical: str, *, post: Post | None = None, extra: str = "") -> str:
        kind = "article" if post else "website"
        meta = [
            '<meta charset="utf-8">',
            f"<title>{escape(title)} | {escape(self.name)}</title>",
            f'<meta property="og:type" content="{kind}">',
            f'<meta property="og:title" content="{escape(title)}">',
            f'<meta property="og:site_name" content="{escape(self.name)}">',
            f'<link rel="canonical" href="{escape(canonical)}">',
        ]
        if post is not None and "brief" in post.flags:
            # Briefs come from an older part of the site: no Open Graph, no structured data.
            meta = [meta[0], meta[1], meta[-1]]
            meta.append(f'<meta name="author" content="{escape(post.author)}">')
        elif post is not None:
            meta.append(f'<meta name="author" content="{escape(post.author)}">')
            meta.append(f'<meta name="description" content="{escape(post.paragraphs[0][:150])}">')
            if post.shown is not None:
                when = post.shown.isoformat() if post.time_shown else post.shown.date().isoformat()
                meta.append(f'<meta property="article:published_time" content="{when}">')
            if self.jsonld:
                data = {
                    "@context": "https://schema.org",
                    "@type": "NewsArticle",
                    "headline": post.title,
                    "author": {"@type": "Person", "name": post.author},
                    "publisher": {"@type": "Organization", "name": self.name},
                    "mainEntityOfPage": canonical,
                }
                if post.shown is not None:
                    data["datePublished"] = meta[-1].split('content="')[1].rstrip('">')
                meta.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
        return "<head>\n" + "\n".join(meta) + extra + "\n</head>"

    def page(self, head: str, body: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="{self.lang}">\n{head}\n<body>\n{body}\n</body>\n'
            "</html>\n"
        )

    def word(self, english: str) -> str:
        return self.words.get(english, english)

    def paras(self, post: Post) -> str:
        return "\n".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)

    def blocks(self, blocks: list[Block], cls: str) -> str:
        return "\n".join(f'<p class="{cls}">{b.html}</p>' for b in blocks)

    def pager(self, prev: str | None, nxt: str | None) -> str:
        out = []
        if prev:
            out.append(f'<a href="{prev}" rel="prev">Newer posts</a>')
        if nxt:
            out.append(f'<a href="{nxt}" rel="next">Older posts</a>')
        return '<nav class="pagination">' + " ".join(out) + "</nav>" if out else ""

    def pager_head(self, prev: str | None, nxt: str | None) -> str:
        out = f'\n<link rel="prev" href="{prev}">' if prev else ""
        return out + (f'\n<link rel="next" href="{nxt}">' if nxt else "")

    # -- overridable ----------------------------------------------------------------------
    def boilerplate(self, post: Post, link: Link) -> tuple[list[Block], list[Block]]:
        """In-body lines before and after the article text."""
        return [], []

    def chrome(self, main: str, nav: list[tuple[str, str]], side: str = "") -> str:
        links = " | ".join(f'<a href="{h}">{escape(t)}</a>' for t, h in nav)
        return (
            f'<header><a href="/">{escape(self.name)}</a><nav>{links}</nav></header>\n'
            f"<main>\n{main}\n</main>\n<footer><p>&copy; 2026 {escape(self.name)}</p></footer>"
        )

    def article(self, post: Post, link: Link, extras: dict) -> str:
        before, after = self.boilerplate(post, link)
        return (
            f'<article><h1>{escape(post.title)}</h1>\n<p class="byline">By '
            f"{escape(post.author)} {show_date(post, self.fmt_time, self.fmt_date)}</p>\n"
            + self.blocks(before, "note")
            + "\n"
            + self.paras(post)
            + "\n"
            + self.blocks(after, "note")
            + "\n</article>"
        )

    def listed_date(self, post: Post) -> str:
        """The date a listing shows beside a post's title."""
        return show_date(post, self.fmt_time, self.fmt_date)

    def item(self, post: Post, href: str) -> str:
        return f'<li><a href="{href}">{escape(post.title)}</a> {self.listed_date(post)}</li>'

    def listing(self, heading: str, items: list[str], pager: str = "") -> str:
        return f"<h1>{escape(heading)}</h1>\n<ul>\n" + "\n".join(items) + f"\n</ul>\n{pager}"

    def related(self, items: list[tuple[str, str]]) -> str:
        if not items:
            return ""
        lis = "".join(f'<li><a href="{h}">{escape(t)}</a></li>' for t, h in items)
        return f'<aside class="related"><h2>{self.word("Related")}</h2><ul>{lis}</ul></aside>'


class Courier(Skin):
    """Kestrel Valley Courier: a classic small newspaper site with a sidebar."""

    fmt_time = "%B %-d, %Y at %-I:%M %p"

    def boilerplate(self, post, link):
        return [], [
            plain("Got a tip? Email the newsroom at tips@kestrel-courier.test."),
            plain(
                "The Kestrel Valley Courier is reader-supported. Become a member for $5 a month."
            ),
        ]

    def chrome(self, main, nav, side=""):
        links = "".join(f'<li><a href="{h}">{escape(t)}</a></li>' for t, h in nav)
        return (
            f'<div id="masthead"><a class="logo" href="/">{escape(self.name)}</a>'
            f'<ul class="menu">{links}</ul></div>\n<div id="content" class="wrap">\n{main}\n'
            '<div id="sidebar"><h3>Most read</h3><p>Our weekly print edition is on sale at '
            "newsagents across the valley.</p></div>\n</div>\n"
            '<div id="colophon">Kestrel Valley Courier, 14 Mill Lane. All rights reserved.</div>'
        )

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        tags = " ".join(f'<a rel="tag" href="{h}">{escape(t)}</a>' for t, h in extras["tags"])
        return (
            '<article class="post">\n<header class="entry-header">'
            f'<span class="kicker"><a href="{extras["section"][1]}">'
            f"{escape(extras['section'][0])}</a></span>"
            f'<h1 class="entry-title">{escape(post.title)}</h1>'
            f'<div class="meta">By <a href="{extras["author"]}">{escape(post.author)}</a> '
            f"&middot; {show_date(post, self.fmt_time, self.fmt_date)} &middot; "
            f'<a href="{extras["print"]}">Print this story</a></div></header>\n'
            f'<div class="entry-content">\n{self.paras(post)}\n{self.blocks(after, "tipline")}'
            f'\n</div>\n<footer class="entry-tags">Tags: {tags}</footer>\n</article>\n'
            + self.related(extras["related"])
            + '\n<section id="comments"><h3>Comments</h3><p>Comments are closed.</p></section>'
        )


class Dispatch(Skin):
    """Millbrook Dispatch: a wire-style news site with div soup and a search box."""

    fmt_time = "%d/%m/%Y %H:%M UTC"

    def boilerplate(self, post, link):
        return [], [
            plain(
                "Subscribe to the Millbrook Dispatch morning briefing: local news before "
                "breakfast, every weekday."
            ),  # fmt: skip
            plain("© 2026 Millbrook Dispatch. All rights reserved. Do not redistribute."),
        ]

    def chrome(self, main, nav, side=""):
        links = "".join(f'<a class="nav-item" href="{h}">{escape(t)}</a>' for t, h in nav)
        return (
            f'<div class="top-bar"><div class="brand"><a href="/">{escape(self.name)}</a></div>'
            f'<div class="nav">{links}<a href="/search?q=latest">Search</a>'
            '<a href="/private/subscriber-login">Subscriber login</a></div></div>\n'
            f'<div class="container"><div class="col-main">\n{main}\n</div>'
            f'<div class="col-side">{side}</div></div>\n'
            '<div class="bottom">Millbrook Dispatch &middot; News for the lower valley</div>'
        )

    def sidebar(self, blocks: list[tuple[str, list[tuple[Post, str]]]]) -> str:
        """Lists of teasers beside every page: (heading, [(post, href), ...]) each."""
        out = []
        for heading, posts in blocks:
            items = "".join(
                f'<li class="wire-item"><a href="{href}">{escape(p.title)}</a>'
                f'<p class="teaser">{escape(teaser(p, 30))}</p></li>'
                for p, href in posts
            )
            out.append(f'<div class="wire-box"><h3>{escape(heading)}</h3><ul>{items}</ul></div>')
        return "\n".join(out)

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        body = "\n".join(f'<div class="para"><p>{escape(p)}</p></div>' for p in post.paragraphs)
        return (
            f'<div class="story"><div class="story-head"><h1 class="headline">'
            f'{escape(post.title)}</h1><div class="dateline">'
            f'<span class="by"><a href="{extras["author"]}">{escape(post.author)}</a></span> '
            f"{show_date(post, self.fmt_time, self.fmt_date)}</div></div>\n"
            f'<div class="story-body">\n{body}\n{self.blocks(after, "story-foot")}\n</div>'
            f'\n<div class="more">{self.related(extras["related"])}</div></div>'
        )


class Observer(Skin):
    """Fenwick Observer: a blog-style site with paginated listings."""

    fmt_time = "%b %-d, %Y · %H:%M"

    def boilerplate(self, post, link):
        return [], [
            plain("Share this story: Facebook · X · Email"),
            plain(
                "Fenwick Observer stories may be republished free of charge under our open "
                "newsroom policy."
            ),  # fmt: skip
        ]

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        tags = ", ".join(f'<a href="{h}">{escape(t)}</a>' for t, h in extras["tags"])
        return (
            f'<div class="post-wrap"><h1 class="post-title">{escape(post.title)}</h1>\n'
            f'<p class="post-meta">Posted by {escape(post.author)} '
            f"{show_date(post, self.fmt_time, self.fmt_date)} in "
            f'<a href="{extras["section"][1]}">{escape(extras["section"][0])}</a></p>\n'
            f'<div class="post-body">\n{self.paras(post)}\n{self.blocks(after, "share")}\n</div>'
            f'\n<p class="post-tags">Filed under {tags}</p></div>\n'
            + self.related(extras["related"])
            + '\n<div class="comments"><h3>2 Responses</h3><div class="comment"><p>Thanks for '
            'covering this, nobody else did.</p></div><div class="comment"><p>Where can I read '
            "the report itself?</p></div></div>"
        )

    def item(self, post, href):
        date = show_date(post, self.fmt_time, self.fmt_date)
        author = f"/author/{_slug(post.author)}/"
        return (
            f'<article class="summary"><h2 class="summary-title"><a href="{href}">'
            f'{escape(post.title)}</a></h2><p class="summary-meta">By <a href="{author}">'
            f"{escape(post.author)}</a> {date}</p><p>{escape(teaser(post, 45))}</p>"
            f'<a class="more-link" href="{href}">Continue reading</a></article>'
        )

    def listing(self, heading, items, pager=""):
        return f"<h1>{escape(heading)}</h1>\n" + "\n".join(items) + f"\n{pager}"


class Review(Skin):
    """Wider Lens Review: the republisher, with attribution, copyright and a long disclaimer."""

    fmt_time = "%B %d, %Y %H:%M"

    own_lines = (DISCLAIMER, DONATE)

    def boilerplate(self, post, link):
        before = [plain(DONATE)]
        after: list[Block] = []
        outlet = self.name
        if post.attribution is not None:
            outlet, host, path = post.attribution
            after.append(
                linked("The original source of this article is ", outlet, link(host, path))
            )
        after.append(plain(f"Copyright © {post.author}, {outlet}, 2026"))
        after.append(plain(DISCLAIMER))
        after.append(plain(f"(Visited {post.visits:,} times, {post.visits % 37 + 1} visits today)"))
        return before, after

    def chrome(self, main, nav, side=""):
        links = "".join(f'<li class="menu-item"><a href="{h}">{escape(t)}</a></li>' for t, h in nav)
        return (
            f'<div class="site-header"><p class="site-title"><a href="/">{escape(self.name)}</a>'
            f'</p><ul id="primary-menu">{links}</ul></div>\n<div class="site-content">'
            f'<div id="primary">\n{main}\n</div><div id="secondary" class="widget-area">'
            '<section class="widget"><h2>Featured</h2><p>Independent analysis on power, '
            "money and the public interest.</p></section></div></div>\n"
            '<div class="site-footer">Wider Lens Review &middot; Independent since 2009</div>'
        )

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        return (
            f'<article class="type-post"><header><h1 class="entry-title">{escape(post.title)}</h1>'
            f'<div class="entry-meta">By <a href="{extras["author"]}">{escape(post.author)}</a>'
            f" &mdash; {show_date(post, self.fmt_time, self.fmt_date)} &mdash; "
            f'<a href="{extras["print"]}">Print</a></div></header>\n'
            f'<div class="entry-content">\n{self.blocks(before, "donate")}\n{self.paras(post)}\n'
            f"{self.blocks(after, 'post-footer')}\n</div></article>\n"
            + self.related(extras["related"])
        )


class Aggregator(Skin):
    """Base for the aggregators: a banner, a source line, widgets and an appeal."""

    banner = ""
    source_words = "Source: "
    widgets: tuple[str, ...] = ()
    full_story = "Read the full story at "

    def source_href(self, host: str, path: str, link: Link) -> str:
        return link(host, path)

    def __init__(self, name: str, host: str):
        super().__init__(name, host)
        self.own_lines = tuple(w for w in self.widgets if name.casefold() in w.casefold())

    def boilerplate(self, post, link):
        after = [plain(b) for b in post.carries]
        if post.carried is not None:
            name, host, path = post.carried
            after.append(linked("The original source of this article is ", name, link(host, path)))
        if post.attribution is not None:
            name, host, path = post.attribution
            words = self.full_story if post.kind == "excerpt" else self.source_words
            after.append(linked(words, name, self.source_href(host, path, link)))
        return [plain(self.banner)], after + [plain(w) for w in self.widgets]


class Rake(Aggregator):
    banner = "NEWSRAKE · all the news that matters, raked into one place"
    widgets = (
        "Like this story? Share it: Facebook | X | WhatsApp | Telegram",
        "Join 40,000 readers: get the Newsrake digest in your inbox every morning.",
    )
    fmt_time = "%Y-%m-%d %H:%M"

    def source_href(self, host, path, link):
        return link(host, path) + "?utm_source=newsrake&utm_medium=referral"

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        return (
            f'<div id="story"><div class="banner">{before[0].html}</div>'
            f'<h1 class="story-title">{escape(post.title)}</h1><div class="story-meta">'
            f"{escape(post.author)} | {show_date(post, self.fmt_time, self.fmt_date)} | "
            f'<a href="{extras["share"]}">Share</a></div>\n<div class="story-text">\n'
            f"{self.paras(post)}\n{self.blocks(after, 'story-extra')}\n</div></div>\n"
            + self.related(extras["related"])
        )


class Pulse(Aggregator):
    banner = "⚡ PULSE WIRE: BREAKING AND TRENDING"
    source_words = "Originally published by "
    widgets = (
        "👍 1.2K likes · 💬 87 comments · 🔁 Share",
        "Keep Pulse Wire ad-light: chip in today to keep us independent.",
    )
    jsonld = False

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        return (
            f'<section class="entry"><p class="flash">{before[0].html}</p>'
            f'<h2 class="entry-heading">{escape(post.title)}</h2><p class="entry-date">'
            f'{show_date(post, self.fmt_time, self.fmt_date)} — <a href="{extras["section"][1]}">'
            f'{escape(extras["section"][0])}</a></p>\n<div class="entry-body">\n'
            f"{self.paras(post)}\n{self.blocks(after, 'after-entry')}\n</div></section>\n"
            + self.related(extras["related"])
        )


class Scroll(Aggregator):
    banner = "Daily Scroll | Curated for you"
    source_words = "via "
    widgets = (
        "Tap ♥ if you found this useful",
        "Get the best of the web in your inbox: sign up for the Daily Scroll newsletter.",
    )
    fmt_time = "%-d %b %Y, %H:%M"

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        lines = "\n".join(f'<div class="txt">{escape(p)}</div>' for p in post.paragraphs)
        extra = "\n".join(f'<div class="txt promo">{b.html}</div>' for b in after)
        return (
            f'<div class="card"><div class="card-top">{before[0].html}</div>'
            f'<h1>{escape(post.title)}</h1><div class="card-meta">by {escape(post.author)}, '
            f"{show_date(post, self.fmt_time, self.fmt_date)}</div>\n"
            f'<div class="card-body">\n{lines}\n{extra}\n</div></div>\n'
            + self.related(extras["related"])
        )


class Porch(Skin):
    """Porchlight Commons: a community blog posting excerpts with a 'continue reading' link."""

    jsonld = False
    fmt_date = "%b %-d, %Y"

    def boilerplate(self, post, link):
        before = [plain(f"Posted by {post.poster} in Neighbourhood News")]
        after = []
        if post.attribution is not None:
            name, host, path = post.attribution
            after.append(linked("Continue reading at ", name, link(host, path)))
        after.append(plain("Join the conversation: members can comment below."))
        return before, after

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        return (
            f'<div class="topic"><h1 class="topic-title">{escape(post.title)}</h1>'
            f'<div class="topic-info">{show_date(post, self.fmt_time, self.fmt_date)}</div>\n'
            f'<div class="topic-post">\n{self.blocks(before, "posted")}\n{self.paras(post)}\n'
            f'{self.blocks(after, "continue")}\n</div>\n<div class="replies"><h4>Comments (3)</h4>'
            "<p>Good find, sharing with the street group.</p><p>Same thing is happening here.</p>"
            "<p>Does anyone know when the next meeting is?</p></div></div>"
        )


# Month names for the two sites that show dates in words in their own language (the machine may
# have no locales, so strftime cannot be asked for them).
MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}


def local_dateline(moment: datetime, lang: str, offset_hours: int) -> str:
    """A moment in words as a Spanish or French page shows it: local time, with its offset
    written as such pages write it (a typographic minus, a spaced French "h")."""
    local = moment.astimezone(timezone(timedelta(hours=offset_hours)))
    month = MONTHS[lang].split()[local.month - 1]
    sign = "+" if offset_hours >= 0 else "\u2212"
    if lang == "es":
        return (f"{local.day} de {month} de {local.year} a las {local:%H:%M} "
                f"(UTC{sign}{abs(offset_hours)})")  # fmt: skip
    return f"{local.day} {month} {local.year} à {local.hour} h {local:%M} (UTC{sign}{abs(offset_hours)})"


class Mirador(Aggregator):
    """El Mirador Digital: a Spanish-language aggregator of English copies. Its masthead is an
    <h1> with the site's name, its og:title ends with that name, and its dateline is words only
    (local time, UTC-3 written with a typographic minus): no <time>, meta or JSON-LD date."""

    lang = "es"
    words = {"Latest": "Últimas noticias", "Page": "Página", "Home": "Inicio",
             "About": "Quiénes somos", "Subscribe": "Suscríbete", "Related": "Más noticias"}  # fmt: skip
    banner = "EL MIRADOR DIGITAL · lo que se publica en el mundo, en un solo lugar"
    source_words = "Publicado originalmente en "
    full_story = "Seguir leyendo en "
    widgets = (
        "Comparte esta nota: Facebook | X | WhatsApp | Telegram",
        "Las opiniones expresadas en los artículos republicados pertenecen a sus autores y no "
        "a El Mirador Digital.",
    )
    jsonld = False
    offset = -3

    def head(self, title, canonical, *, post=None, extra=""):
        if post is None:
            return super().head(title, canonical, extra=extra)
        meta = [
            '<meta charset="utf-8">',
            f"<title>{escape(title)} – {escape(self.name)}</title>",
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{escape(title)} – {escape(self.name)}">',
            f'<meta property="og:site_name" content="{escape(self.name)}">',
            f'<link rel="canonical" href="{escape(canonical)}">',
            f'<meta name="author" content="{escape(post.author)}">',
        ]
        return "<head>\n" + "\n".join(meta) + extra + "\n</head>"

    def chrome(self, main, nav, side=""):
        links = " · ".join(f'<a href="{h}">{escape(t)}</a>' for t, h in nav)
        return (
            f'<header class="cabecera"><h1 class="site-title"><a href="/">{escape(self.name)}'
            f'</a></h1><nav class="menu">{links}</nav></header>\n<main>\n{main}\n</main>\n'
            f"<footer><p>© 2026 {escape(self.name)}. Todos los derechos reservados.</p></footer>"
        )

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        when = ""
        if post.shown is not None:
            when = " · Publicado el " + local_dateline(post.shown, self.lang, self.offset)
        return (
            f'<article class="nota"><div class="volanta">{before[0].html}</div>'
            f'<h2 class="entry-title">{escape(post.title)}</h2>'
            f'<div class="nota-meta">Por {escape(post.author)}{escape(when)}</div>\n'
            f'<div class="nota-cuerpo">\n{self.paras(post)}\n{self.blocks(after, "nota-pie")}\n'
            "</div></article>\n" + self.related(extras["related"])
        )

    def listed_date(self, post):
        when = local_dateline(post.shown, self.lang, self.offset) if post.shown else ""
        return f"<span>{escape(when)}</span>"


class Relais(Skin):
    """Le Relais citoyen: a French-language community blog posting excerpts. Its titles start
    with the site's name ("Le Relais citoyen : ..."); its dateline is words only, an update shown
    before the publication on some posts, local time at UTC+1."""

    lang = "fr"
    words = {"Latest": "Derniers billets", "Page": "Page", "Home": "Accueil",
             "About": "À propos", "Subscribe": "S'abonner"}  # fmt: skip
    jsonld = False
    offset = 1

    def head(self, title, canonical, *, post=None, extra=""):
        if post is None:
            return super().head(title, canonical, extra=extra)
        full = f"{self.name} : {title}"
        meta = [
            '<meta charset="utf-8">',
            f"<title>{escape(full)}</title>",
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{escape(full)}">',
            f'<link rel="canonical" href="{escape(canonical)}">',
        ]
        return "<head>\n" + "\n".join(meta) + extra + "\n</head>"

    def boilerplate(self, post, link):
        before = [plain(f"Publié par {post.poster} dans Actualités du quartier")]
        after = []
        if post.attribution is not None:
            name, host, path = post.attribution
            after.append(linked("Lire la suite sur ", name, link(host, path)))
        after.append(
            plain(
                f"Les propos tenus dans les billets partagés n'engagent que leurs auteurs, "
                f"et non {self.name}."
            )  # fmt: skip
        )
        after.append(plain(f"Suivez {self.name} sur Mastodon et recevez la lettre du dimanche."))
        return before, after

    def dateline(self, post: Post) -> str:
        if post.shown is None:
            return ""
        published = "Publié le " + local_dateline(post.shown, self.lang, self.offset)
        if post.uid % 2:  # some posts were edited later: the update is shown first
            updated = post.shown + timedelta(hours=3 + post.uid % 20, minutes=post.uid % 47)
            return f"Mis à jour le {local_dateline(updated, self.lang, self.offset)} · {published}"
        return published

    def article(self, post, link, extras):
        before, after = self.boilerplate(post, link)
        return (
            f'<div class="billet"><h1>{escape(post.title)}</h1>'
            f'<p class="billet-meta">{escape(self.dateline(post))}</p>\n'
            f'<div class="billet-texte">\n{self.blocks(before, "partage")}\n{self.paras(post)}\n'
            f"{self.blocks(after, 'suite')}\n</div></div>"
        )

    def listed_date(self, post):
        return f"<span>{escape(self.dateline(post))}</span>"


SKINS: dict[str, type[Skin]] = {
    "courier": Courier,
    "dispatch": Dispatch,
    "observer": Observer,
    "review": Review,
    "rake": Rake,
    "pulse": Pulse,
    "scroll": Scroll,
    "porch": Porch,
    "mirador": Mirador,
    "relais": Relais,
}


# -- XML documents ------------------------------------------------------------------------
def rss(title: str, home: str, items: list[tuple[str, str, datetime, str]]) -> str:
    """RSS 2.0 with items (title, url, date, summary)."""
    from email.utils import format_datetime

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(home)}</link>",
        f"<description>Latest from {escape(title)}</description>",
    ]
    for t, url, when, summary in items:
        out.append(
            f"<item><title>{escape(t)}</title><link>{escape(url)}</link>"
            f"<guid>{escape(url)}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(summary)}</description></item>"
        )
    return "\n".join(out + ["</channel></rss>"]) + "\n"


def atom(title: str, home: str, self_url: str, items: list[tuple[str, str, datetime, str]]) -> str:
    """An Atom feed with entries (title, url, date, summary)."""
    updated = max((w for _, _, w, _ in items), default=datetime(2026, 11, 1)).isoformat()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>{escape(home)}</id><updated>{updated}</updated>",
        f'<link rel="self" href="{escape(self_url)}"/><link href="{escape(home)}"/>',
    ]
    for t, url, when, summary in items:
        out.append(
            f'<entry><title>{escape(t)}</title><link href="{escape(url)}"/><id>{escape(url)}</id>'
            f"<updated>{when.isoformat()}</updated><summary>{escape(summary)}</summary></entry>"
        )
    return "\n".join(out + ["</feed>"]) + "\n"


SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(entries: list[tuple[str, datetime | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<urlset {SM_NS}>"]
    for url, when in entries:
        lastmod = f"<lastmod>{when.isoformat()}</lastmod>" if when else ""
        out.append(f"<url><loc>{escape(url)}</loc>{lastmod}</url>")
    return "\n".join(out + ["</urlset>"]) + "\n"


def news_urlset(name: str, entries: list[tuple[str, datetime, str]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<urlset {SM_NS} {NEWS_NS}>"]
    for url, when, title in entries:
        out.append(
            f"<url><loc>{escape(url)}</loc><news:news><news:publication><news:name>"
            f"{escape(name)}</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when.isoformat()}</news:publication_date>"
            f"<news:title>{escape(title)}</news:title></news:news></url>"
        )
    return "\n".join(out + ["</urlset>"]) + "\n"


def sitemap_index(entries: list[tuple[str, datetime | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<sitemapindex {SM_NS}>"]
    for url, when in entries:
        lastmod = f"<lastmod>{when.isoformat()}</lastmod>" if when else ""
        out.append(f"<sitemap><loc>{escape(url)}</loc>{lastmod}</sitemap>")
    return "\n".join(out + ["</sitemapindex>"]) + "\n"
