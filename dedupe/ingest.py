"""Articles that come from files rather than the crawler: JSON lines, and single pages to check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .boilerplate import load_patterns, strip
from .errors import CrosspostError, NotAnArticle
from .store import Store, now
from .text import extract
from .urls import clean_url, site_id


@dataclass
class ImportReport:
    added: int = 0
    known: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _article_from_record(record: object) -> dict:
    """An article dict from one JSON record; ValueError says what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    url = record.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("'url' must be an http(s) URL")
    url = clean_url(url)
    if isinstance(record.get("html"), str) and record["html"].strip():
        try:
            fields = extract(record["html"], url)
        except NotAnArticle as err:
            raise ValueError(f"html is not a usable article ({err})") from err
    elif isinstance(record.get("text"), str) and record["text"].strip():
        fields = {
            "raw_text": "\n".join(p.strip() for p in record["text"].splitlines() if p.strip())
        }
    else:
        raise ValueError("needs 'text' or 'html'")
    for key in ("title", "author", "published", "attribution_url", "attribution_name"):
        if record.get(key) is not None:
            if not isinstance(record[key], str):
                raise ValueError(f"'{key}' must be a string")
            fields[key] = record[key]
    if record.get("published") and not fields.get("published_source"):
        fields["published_source"] = "import"
    site = record.get("site") or site_id(url)
    if not isinstance(site, str):
        raise ValueError("'site' must be a string")
    return {**fields, "url": url, "site": site, "fetched_at": record.get("fetched_at") or now()}


def import_jsonl(store: Store, path: Path) -> ImportReport:
    """Import every good line of a JSON-lines file; broken lines are reported with their number."""
    report = ImportReport()
    patterns = load_patterns()
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise CrosspostError(f"cannot read {path}: {err.strerror}") from err
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                article = _article_from_record(json.loads(line))
            except json.JSONDecodeError as err:
                report.errors.append((number, f"not valid JSON ({err.msg} at column {err.colno})"))
                continue
            except (ValueError, UnicodeDecodeError) as err:
                report.errors.append((number, str(err)))
                continue
            stripped = strip(article["raw_text"], patterns, site=article["site"])
            article["text"] = stripped.text
            article["word_count"] = len(stripped.text.split())
            store.upsert_site(article["site"], crawled=False)
            if store.add_article(article, removed=stripped.removed) is None:
                report.known += 1
            else:
                report.added += 1
    return report


def describe_page(html: str | bytes, url: str, extra_patterns: list[str] | None = None) -> dict:
    """One page as `crosspost extract` prints it: fields, attribution, and what stripping removed."""
    fields = extract(html, url)
    stripped = strip(fields["raw_text"], load_patterns(extra_patterns), site=site_id(url))
    return {
        **fields,
        "site": site_id(url),
        "text": stripped.text,
        "word_count": len(stripped.text.split()),
        "stripped": [{"text": block, "reason": reason} for block, reason in stripped.removed],
    }
