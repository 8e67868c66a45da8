"""Articles that come from files rather than the crawler: JSON lines, and single pages to check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .boilerplate import Patterns, load_patterns, strip
from .errors import CrosspostError, NotAnArticle
from .store import MAX_TEXT_CHARS, Store, now, over_length
from .text import extract
from .urls import clean_url, site_id

# One transaction per batch: large enough that commits cost little, small enough that a killed
# import loses little work and memory stays flat.
BATCH_SIZE = 2000


@dataclass
class ImportReport:
    """What an import did: articles added, URLs already stored (or repeated in the file), and
    broken lines as (line number, problem); `cut`: added articles whose text was longer than the
    store keeps (MAX_TEXT_CHARS)."""

    added: int = 0
    known: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    cut: int = 0


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
    fetched_at = record.get("fetched_at")
    if fetched_at is not None and not isinstance(fetched_at, str):
        raise ValueError("'fetched_at' must be a string")
    return {**fields, "url": url, "site": site, "fetched_at": fetched_at or now()}


def _article_from_line(line: bytes) -> dict:
    """An article dict from one raw line; ValueError says what is wrong with it."""
    try:
        record = json.loads(line.rstrip(b"\r\n").decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 text (byte {err.start + 1})") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at column {err.colno})") from err
    return _article_from_record(record)


@dataclass
class _Prepared:
    """One batch of lines made ready to store: new articles with what stripping removed."""

    rows: list[tuple[dict, list[tuple[str, str]]]]
    known: int
    errors: list[tuple[int, str]]
    last_line: int


def _prepare(
    lines: list[tuple[int, bytes]], patterns: Patterns, stored: Callable[[list[str]], set[str]]
) -> _Prepared:
    """Parse a batch of numbered lines, drop URLs stored before or repeated, strip the rest."""
    errors: list[tuple[int, str]] = []
    batch: dict[str, dict] = {}
    repeated = 0
    for number, line in lines:
        try:
            article = _article_from_line(line)
        except ValueError as err:
            errors.append((number, str(err)))
            continue
        if article["url"] in batch:
            repeated += 1
        else:
            batch[article["url"]] = article
    known = stored(list(batch))
    rows = []
    for url, article in batch.items():
        if url in known:
            continue
        # what is stored of the raw text is stripped (the store cuts the rest and notes it)
        stripped = strip(article["raw_text"][:MAX_TEXT_CHARS], patterns, site=article["site"])
        article["text"] = stripped.text
        article["word_count"] = len(stripped.text.split())
        rows.append((article, stripped.removed))
    return _Prepared(rows, repeated + len(known), errors, lines[-1][0] if lines else 0)


def _numbered_batches(handle: Iterable[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    """Non-blank lines with their 1-based numbers, `size` at a time."""
    batch: list[tuple[int, bytes]] = []
    for number, line in enumerate(handle, start=1):
        if line.strip():
            batch.append((number, line))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def import_jsonl(
    store: Store,
    path: Path,
    progress: Callable[[ImportReport], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import every good line of a JSON-lines file; broken lines are reported with their number.

    Articles are written `batch_size` at a time, each batch in one transaction, so an import
    killed midway leaves whole batches behind and running it again adds only what is missing.
    URLs stored before, or repeated within the file, count as known. `progress` gets the report
    after each batch.
    """
    report = ImportReport()
    patterns = load_patterns()
    try:
        handle = path.open("rb")
    except OSError as err:
        raise CrosspostError(f"cannot read {path}: {err.strerror}") from err
    with handle:
        for batch in _numbered_batches(handle, batch_size):
            ready = _prepare(batch, patterns, store.stored_urls)
            ids = store.add_articles(ready.rows) if ready.rows else []
            added = sum(article_id is not None for article_id in ids)
            report.added += added
            report.cut += sum(
                over_length(article) > 0
                for (article, _), article_id in zip(ready.rows, ids, strict=True)
                if article_id is not None
            )
            # a URL another writer stored meanwhile comes back as None
            report.known += ready.known + len(ids) - added
            report.errors += ready.errors
            report.lines = ready.last_line
            if progress is not None:
                progress(report)
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
