"""`crosspost find`: what to look up (a URL, a saved page, text) and how the answer reads."""

from __future__ import annotations

import re
import sys

from dedupe.errors import InputError, NotAnArticle
from dedupe.find import Found, find, stored_article
from dedupe.store import Store

HTML_START = re.compile(rb"<(?:!doctype|html|head|body|article|main|div|p)\b", re.I)


def page_text(body: bytes, url: str) -> str:
    """The article text of a page or of plain text (one block per line), as a crawl keeps it."""
    from dedupe.ingest import describe_page

    if HTML_START.search(body[:4096]):
        try:
            return describe_page(body, url)["text"]
        except NotAnArticle as err:
            raise InputError(f"{url} holds no article text to look up ({err})") from err
    text = body.decode("utf-8", errors="replace")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def find_source(store: Store, source: str) -> Found:
    """Look up a URL (stored, else fetched), a file, or - (stdin)."""
    from crosspost.fetch import load_page

    if source == "-":
        return find(store, text=page_text(sys.stdin.buffer.read(), "stdin"))
    if source.startswith(("http://", "https://")) and stored_article(store, source) is not None:
        return find(store, url=source)
    body, url = load_page(source)
    return find(store, url=url if source.startswith(("http://", "https://")) else None,
                text=page_text(body, url))  # fmt: skip


def _when(value: str | None) -> str:
    from crosspost.web import show_date

    return show_date(value) if value else "undated"


def render_found(found: Found) -> str:
    """The answer for a terminal: each cluster's origin, then every copy with its source."""
    lines: list[str] = []
    if not found.clusters and not found.unclustered:
        what = found.query.get("url") or "the text"
        return f"no copies found: no stored article is a copy, excerpt or source of {what}"
    for cluster in found.clusters:
        lines.append(
            f'cluster {cluster["id"]}: "{cluster["title"] or "untitled"}" - {cluster["size"]} '
            f"pages on {cluster['sites']} sites"
        )
        lines.append(f"  spread page: {cluster['spread_path']} (in `crosspost serve DB`)")
        by_id = {m["article_id"]: m for m in cluster["members"]}
        for member in cluster["members"]:
            role = f" ({member['role']})" if member["role"] else ""
            head = f"  {member['kind']:<8} {_when(member['published']):<22} {member['site_name']}{role}"
            lines.append(f"{head}\n           {member['url']}")
            if member["source_article_id"]:
                source = by_id.get(member["source_article_id"], {})
                lag = member["lag_hours"]
                lag_text = f", {lag:.1f} h later" if lag is not None else ""
                lines.append(
                    f"           from {source.get('site_name', member['source_site'])} "
                    f"({member['evidence']}, confidence {member['confidence']:.2f}{lag_text})"
                )
    matched = [m for m in found.matches if m["cluster_id"] is not None]
    if matched:
        best = matched[0]
        lines.append(
            f"the text given: {best['kind']} of article {best['article_id']} "
            f"(containment {best['containment']:.2f}, resemblance {best['resemblance']:.2f})"
        )
    for article in found.unclustered:
        lines.append(
            f"in no cluster: article {article['id']} {article['url']} "
            f"({_when(article['published'])})"
        )
    return "\n".join(lines)
