"""Extraction and boilerplate stripping scored against the sample web's truth, plus throughput.

    .venv/bin/python bench/extract.py [--seed 7] [--pieces 40] [--corpora DIR] [--limit N]
                                      [--misses]

It works the way the product does: every article page of the sample web is rendered (without
HTTP, `SampleWeb.response`), extracted with `dedupe.text.extract`, boilerplate is learned over the
whole set with `dedupe.boilerplate.learn` (once with `cluster_of` taken from the truth's pieces of
two or more pages, as `crosspost cluster` has it after clustering, once with none, as on a first
run), each page is stripped with `dedupe.boilerplate.strip`, and the result is compared with
`PageTruth`.

Measures. A block is one line of text; blocks are compared after collapsing runs of whitespace.

- boilerplate left: share of the true boilerplate blocks (`PageTruth.boilerplate`, every page)
  still in `text`: the block is a line of `text`, or lies inside a line that is not a true body
  paragraph of the page (a boilerplate block glued to a body paragraph counts as stripped).
- body kept: share of the true body paragraphs (`PageTruth.paragraphs`) that are a line of `text`.
- not body (lines): share of the lines of `text` that are not a true body paragraph of the page.
- not body (words): share of the words of `text` that sit in such lines.
- titles exact: share of pages whose extracted title equals the true title.
- authors exact (information, no floor): share of pages whose author equals the true author.
- dates right: among pages that show a date (`PageTruth.published` set), the share whose
  `published` is the same instant (pages showing a time) or the same ISO date (pages showing a
  date only). Pages that show no date but were given one are reported as "false dates".
- skipped: article pages that extract() refused (NotAnArticle); their body counts as lost.
- throughput: pages per CPU second of extract + learn + strip over the whole set in this one
  process (the per-core figure), and per wall-clock second.

The saved fixture pages (tests/fixtures/pages, *.truth.json) are scored the same way, with no
clusters. With --corpora (default ../shared/corpora, used when present) the real news texts there
are set into article pages, once in a light template (~3 KB) and once in a generated heavy one
(scripts, menus, teasers: ~75 KB), and extracted + stripped: throughput on real text sizes.
Exit status 1 when a floor is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crosspost.demo.web import PageTruth, SampleWeb, build_web  # noqa: E402
from dedupe.boilerplate import Stripped, learn, load_patterns, strip  # noqa: E402
from dedupe.errors import NotAnArticle  # noqa: E402
from dedupe.text import extract  # noqa: E402
from dedupe.urls import site_id  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "pages"
# The floors ("done when"); tests/test_extract_quality.py pins the same numbers.
FLOORS = {
    "boilerplate_left": ("<=", 0.02),
    "body_kept": (">=", 0.98),
    "not_body_lines": ("<=", 0.03),
    "not_body_words": ("<=", 0.03),
    "titles_exact": (">=", 0.98),
    "dates_right": (">=", 0.98),
}
MIN_PAGES_PER_SECOND = 35.0


def _norm(block: str) -> str:
    return " ".join(block.split())


@dataclass
class PageResult:
    """One page after extract + strip, or the NotAnArticle reason it was skipped for."""

    fields: dict | None
    stripped: Stripped | None
    skipped: str | None = None


@dataclass
class ExtractScore:
    """Counts behind the measures (see the module docstring); ratios are properties."""

    pages: int = 0
    skipped: int = 0
    boilerplate_blocks: int = 0
    boilerplate_left_blocks: int = 0
    body_paragraphs: int = 0
    body_kept_paragraphs: int = 0
    text_lines: int = 0
    not_body_line_count: int = 0
    text_words: int = 0
    not_body_word_count: int = 0
    titles_right: int = 0
    authors_right: int = 0
    dated_pages: int = 0
    dates_right_count: int = 0
    false_dates: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def boilerplate_left(self) -> float:
        return _share(self.boilerplate_left_blocks, self.boilerplate_blocks)

    @property
    def body_kept(self) -> float:
        return _share(self.body_kept_paragraphs, self.body_paragraphs, empty=1.0)

    @property
    def not_body_lines(self) -> float:
        return _share(self.not_body_line_count, self.text_lines)

    @property
    def not_body_words(self) -> float:
        return _share(self.not_body_word_count, self.text_words)

    @property
    def titles_exact(self) -> float:
        return _share(self.titles_right, self.pages, empty=1.0)

    @property
    def authors_exact(self) -> float:
        return _share(self.authors_right, self.pages, empty=1.0)

    @property
    def dates_right(self) -> float:
        return _share(self.dates_right_count, self.dated_pages, empty=1.0)

    def failures(self) -> list[str]:
        """The measures that miss their floor, as readable lines."""
        out = []
        for name, (op, floor) in FLOORS.items():
            value = getattr(self, name)
            if (value > floor) if op == "<=" else (value < floor):
                out.append(f"{name} = {value:.4f}, floor {op} {floor}")
        return out


def _share(part: int, whole: int, empty: float = 0.0) -> float:
    return part / whole if whole else empty


def sample_pages(web: SampleWeb) -> list[tuple[PageTruth, bytes]]:
    """Every article page of the sample web with its HTML as served at the end of the web."""
    out = []
    for truth in web.truth.articles():
        response = web.response(truth.host, truth.path, port=web.truth.port)
        if response.status != 200:
            raise RuntimeError(f"{truth.url} answered {response.status}")
        out.append((truth, response.body))
    return out


def fixture_pages(directory: Path = FIXTURES) -> list[tuple[PageTruth, bytes]]:
    """The saved article fixtures (tests/fixtures/pages/*.html with *.truth.json) as PageTruths."""
    out = []
    for path in sorted(directory.glob("*.truth.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        if label["kind"] != "article":
            continue
        parts = urlsplit(label["url"])
        truth = PageTruth(
            url=label["url"],
            host=parts.hostname or "",
            path=parts.path,
            page_type="article",
            published=label["published"],
            time_shown=len(label["published"] or "") > 10,
            title=label["title"],
            author=label["author"],
            paragraphs=tuple(label["body"]),
            boilerplate=tuple(b["text"] for b in label["boilerplate"]),
        )
        html = path.with_name(path.name.removesuffix(".truth.json") + ".html").read_bytes()
        out.append((truth, html))
    return out


def truth_clusters(pages: list[tuple[PageTruth, bytes]]) -> dict[str, int]:
    """URL -> cluster number for pieces with two or more pages (what clustering would find)."""
    by_piece: dict[str, list[str]] = {}
    for truth, _ in pages:
        by_piece.setdefault(truth.piece or truth.url, []).append(truth.url)
    clustered = [urls for _, urls in sorted(by_piece.items()) if len(urls) >= 2]
    return {url: n for n, urls in enumerate(clustered) for url in urls}


def process(
    pages: list[tuple[str, bytes]], clusters: dict[str, int] | None = None
) -> dict[str, PageResult]:
    """Extract every page, learn boilerplate over the set, strip each page (as the product does)."""
    results: dict[str, PageResult] = {}
    for url, html in pages:
        try:
            results[url] = PageResult(extract(html, url), None)
        except NotAnArticle as err:
            results[url] = PageResult(None, None, err.reason)
    ids = {url: n for n, url in enumerate(results)}
    extracted = [(url, r.fields) for url, r in results.items() if r.fields is not None]
    learned = learn(
        ((ids[url], site_id(url), fields["raw_text"]) for url, fields in extracted),
        {ids[url]: c for url, c in clusters.items() if url in ids} if clusters else None,
    )
    patterns = load_patterns()
    for url, fields in extracted:
        results[url].stripped = strip(fields["raw_text"], patterns, learned, site_id(url))
    return results


def _same_date(got: str | None, truth: PageTruth) -> bool:
    if got is None or truth.published is None:
        return False
    if not truth.time_shown:
        return got == truth.published
    try:
        return datetime.fromisoformat(got) == datetime.fromisoformat(truth.published)
    except ValueError:
        return False


def score(pages: list[PageTruth], results: dict[str, PageResult]) -> ExtractScore:
    """Compare each page's result with its truth (measures in the module docstring)."""
    s = ExtractScore()
    for truth in pages:
        s.pages += 1
        result = results[truth.url]
        body = [_norm(p) for p in truth.paragraphs]
        body_set = set(body)
        s.body_paragraphs += len(body)
        s.boilerplate_blocks += sum(1 for b in truth.boilerplate if _norm(b))
        if truth.published is not None:
            s.dated_pages += 1
        if result.stripped is None:
            s.skipped += 1
            s.misses.append(f"skipped ({result.skipped}): {truth.url}")
            continue
        lines = [_norm(line) for line in result.stripped.text.split("\n") if line.strip()]
        line_set = set(lines)
        kept = sum(p in line_set for p in body)
        s.body_kept_paragraphs += kept
        if kept < len(body):
            s.misses.append(f"body lost ({len(body) - kept}): {truth.url}")
        other = [line for line in lines if line not in body_set]
        s.text_lines += len(lines)
        s.not_body_line_count += len(other)
        s.text_words += sum(len(line.split()) for line in lines)
        s.not_body_word_count += sum(len(line.split()) for line in other)
        s.misses += [f"not body: {line[:90]!r} on {truth.url}" for line in other]
        for block in filter(None, map(_norm, truth.boilerplate)):
            if block in line_set or any(block in line for line in other):
                s.boilerplate_left_blocks += 1
                s.misses.append(f"boilerplate left: {block[:90]!r} on {truth.url}")
        fields = result.fields or {}
        if _norm(fields.get("title") or "") == _norm(truth.title or ""):
            s.titles_right += 1
        else:
            s.misses.append(f"title {fields.get('title')!r} != {truth.title!r}")
        if _norm(fields.get("author") or "") == _norm(truth.author or ""):
            s.authors_right += 1
        else:
            s.misses.append(f"author {fields.get('author')!r} != {truth.author!r}")
        if truth.published is not None and _same_date(fields.get("published"), truth):
            s.dates_right_count += 1
        elif truth.published is not None:
            s.misses.append(f"date {fields.get('published')} != {truth.published}: {truth.url}")
        elif fields.get("published") is not None:
            s.false_dates += 1
            s.misses.append(f"false date {fields['published']}: {truth.url}")
    return s


def by_site(pages: list[PageTruth], results: dict[str, PageResult]) -> dict[str, ExtractScore]:
    """One score per site, for the breakdown table."""
    groups: dict[str, list[PageTruth]] = {}
    for truth in pages:
        groups.setdefault(truth.host, []).append(truth)
    return {host: score(group, results) for host, group in sorted(groups.items())}


def timed(
    pages: list[tuple[str, bytes]], clusters: dict[str, int] | None = None
) -> tuple[float, float, dict[str, PageResult]]:
    """(pages per CPU second, pages per wall-clock second, results) of extract + learn + strip.

    CPU time of this one process is the per-core figure; wall-clock time also counts whatever
    else the machine is doing.
    """
    process(pages[:5], clusters)  # warm-up: imports, compiled patterns, trafilatura settings
    wall, cpu = time.perf_counter(), time.process_time()
    results = process(pages, clusters)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(pages) / cpu, len(pages) / wall, results


# -- real text sizes -----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"(])")
_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Bench Courier</title><meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-11-0{day}T09:00:00+00:00">{head}</head>
<body><header><a href="/">Bench Courier</a><nav><a href="/">Home</a> | <a href="/about/">About</a>
{nav}</nav></header><main><article><h1>{title}</h1>{body}
<p>Share this: Facebook | X | Email</p></article>
<aside><h2>Related</h2><ul><li><a href="/a/">An unrelated headline</a></li>{aside}</ul></aside>
</main><footer><p>&copy; 2026 Bench Courier</p>{footer}</footer></body></html>"""


def _heavy_template() -> dict[str, str]:
    """Generated page furniture of a typical news site: scripts, menus, teasers (~60 KB)."""
    script = "".join(f"window.slot{i}={{id:{i},size:[300,250],lazy:true}};" for i in range(900))
    style = "".join(f".c{i}{{margin:{i % 7}px;color:#{i * 4099 % 16**6:06x}}}" for i in range(600))
    head = f"<script>{script}</script><style>{style}</style>"
    nav = " | ".join(f'<a href="/section/{i}/">Section {i}</a>' for i in range(120))
    aside = "".join(
        f'<li><a href="/story/{i}/">Teaser number {i} about a council, a ferry and a budget</a>'
        f"<span>{i} min read</span></li>"
        for i in range(40)
    )
    footer = "".join(f'<p><a href="/page/{i}/">Service page {i}</a></p>' for i in range(60))
    return {"head": head, "nav": nav, "aside": aside, "footer": footer}


def corpus_pages(directory: Path, limit: int, heavy: bool = False) -> list[tuple[str, bytes]]:
    """Pages built from the corpora's CSV files (title, text): three sentences a paragraph."""
    csv.field_size_limit(1 << 24)
    furniture = (
        _heavy_template() if heavy else dict.fromkeys(("head", "nav", "aside", "footer"), "")
    )
    pages: list[tuple[str, bytes]] = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle)):
                if n >= limit:
                    break
                sentences = _SENTENCE_END.split(" ".join((row.get("text") or "").split()))
                paras = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
                body = "".join(f"<p>{escape(p)}</p>" for p in paras if p)
                title = escape(row.get("title") or "")
                html = _PAGE.format(title=title, day=n % 9 + 1, body=body, **furniture)
                pages.append((f"http://bench.test/{path.stem}/{n}", html.encode()))
    return pages


def corpus_report(directory: Path, limit: int) -> None:
    """Throughput on the real texts set in a light and in a heavy page template, side by side."""
    columns = {}
    for name, heavy in (("light template", False), ("heavy template", True)):
        pages = corpus_pages(directory, limit, heavy)
        if not pages:
            print(f"\nno CSV files in {directory}")
            return
        per_cpu, per_wall, results = timed(pages)
        done = [r for r in results.values() if r.stripped is not None]
        columns[name] = {
            "pages": str(len(pages)),
            "skipped": str(len(pages) - len(done)),
            "mean page KB": f"{sum(len(h) for _, h in pages) / len(pages) / 1024:.1f}",
            "mean words kept": f"{sum(len(r.stripped.text.split()) for r in done) / len(done):.0f}",
            "pages/CPU s": f"{per_cpu:.1f}",
            "pages/wall s": f"{per_wall:.1f}",
        }
        reasons = Counter(reason for r in done for _, reason in r.stripped.removed)
        columns[name]["removed blocks"] = ", ".join(f"{r} {n}" for r, n in reasons.most_common(3))
    print(f"\nreal text sizes: {directory} (up to {limit} rows per CSV file)")
    print(_row("", list(columns)))
    for key in next(iter(columns.values())):
        if key != "removed blocks":
            print(_row(key, [c[key] for c in columns.values()]))
    for name, c in columns.items():
        print(f"  removed blocks ({name}): {c['removed blocks']}")


# -- report ---------------------------------------------------------------------------------------


def _row(name: str, values: list[str], floor: str = "") -> str:
    return f"  {name:<22}" + "".join(f"{v:>18}" for v in values) + f"{floor:>10}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="sample web seed (default 7)")
    parser.add_argument("--pieces", type=int, default=40, help="sample web pieces (default 40)")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--limit", type=int, default=400, help="rows per corpus file")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)

    web = build_web(args.seed, args.pieces)
    pages = sample_pages(web)
    truths = [t for t, _ in pages]
    html = [(t.url, body) for t, body in pages]
    clusters = truth_clusters(pages)
    fixtures = fixture_pages()
    scores = {
        "web, clusters": score(truths, process(html, clusters)),
        "web, no clusters": score(truths, process(html, None)),
        "fixtures": score([t for t, _ in fixtures], process([(t.url, b) for t, b in fixtures])),
    }
    speed = [timed(html, clusters)[:2], timed(html, None)[:2]]

    print(
        f"sample web seed {args.seed}: {len(pages)} article pages on {len(web.sites)} sites; "
        f"{len(fixtures)} saved fixture pages"
    )
    print(_row("measure", list(scores), "floor"))
    for name, (op, floor) in FLOORS.items():
        values = [f"{getattr(s, name):.2%}" for s in scores.values()]
        print(_row(name.replace("_", " "), values, f"{op} {floor:.0%}"))
    print(_row("authors exact", [f"{s.authors_exact:.2%}" for s in scores.values()], "(info)"))
    for name in ("false_dates", "skipped", "body_paragraphs", "boilerplate_blocks", "dated_pages"):
        print(_row(name.replace("_", " "), [str(getattr(s, name)) for s in scores.values()]))
    floor = f">= {MIN_PAGES_PER_SECOND:.0f}"
    print(_row("pages/CPU s (per core)", [f"{cpu:.1f}" for cpu, _ in speed] + ["-"], floor))
    print(_row("pages/wall s", [f"{wall:.1f}" for _, wall in speed] + ["-"]))

    print("\nper site (web, clusters)   body kept  not body  bp left  pages")
    for host, s in by_site(truths, process(html, clusters)).items():
        print(
            f"  {host:<26}{s.body_kept:>9.2%}{s.not_body_lines:>10.2%}"
            f"{s.boilerplate_left:>9.2%}{s.pages:>7}"
        )
    failed = False
    for name, s in scores.items():
        for line in s.failures():
            print(f"FLOOR MISSED ({name}): {line}")
            failed = True
        for line in s.misses if args.misses else s.misses[:10]:
            print(f"  miss ({name}): {line}")
    if min(cpu for cpu, _ in speed) < MIN_PAGES_PER_SECOND:
        print(f"FLOOR MISSED: throughput under {MIN_PAGES_PER_SECOND} pages/s")
        failed = True
    if args.corpora.is_dir():
        corpus_report(args.corpora, args.limit)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
