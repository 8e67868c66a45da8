"""The crosspost command line: thin commands that parse, call the library and report."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path

import click

from dedupe.errors import CrosspostError, InputError, StoreError
from dedupe.store import MAX_TEXT_CHARS, Store

EXIT_INPUT = 2  # bad input: a file, a setting, a path
EXIT_FAILED = 1  # the work itself failed (crawl errors, broken import lines)
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the database; try again later


def fail(message: str, code: int = EXIT_INPUT) -> None:
    click.echo(f"crosspost: error: {message}", err=True)
    sys.exit(code)


def friendly_errors(command):
    """Turn the library's named errors into one line on stderr and a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from crosspost.lock import RunLocked

        try:
            return command(*args, **kwargs)
        except RunLocked as err:
            fail(str(err), EXIT_LOCKED)
        except CrosspostError as err:
            fail(str(err))
        except KeyboardInterrupt:
            fail("interrupted; what was stored is kept, run again to continue", 130)

    return wrapper


def open_store(db: str, create: bool = True) -> Store:
    """The database for writing; only commands that make databases may `create` one."""
    path = Path(db)
    if path.is_dir():
        raise StoreError(f"--db {db} is a folder: give a file name such as {db}/crosspost.db")
    return Store(path, create=create)


def locked(db: str, create: bool = True):
    """Hold the database's run lock (after checking the path is a usable database)."""
    from crosspost.lock import run_lock

    open_store(db, create).close()
    return run_lock(db)


def setup_logging(verbose: bool) -> None:
    """Warnings only (INFO with -v), filtered at the handler: Scrapy resets its loggers' levels."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    if not verbose:
        for noisy in ("trafilatura", "htmldate", "courlan"):  # they warn about every odd page
            logging.getLogger(noisy).setLevel(logging.ERROR)


db_option = click.option(
    "--db", required=True, metavar="DB", help="The SQLite research database (created if missing)."
)
existing_db_option = click.option(
    "--db", required=True, metavar="DB", help="A research database made by crawl, run or import."
)
settings_option = click.option(
    "-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting."
)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log what happens (INFO).")
frontier_option = click.option(
    "--frontier",
    metavar="redis://HOST:PORT/N",
    help="Share the crawl with `crosspost worker` processes through this Redis database.",
)
warc_option = click.option(
    "--warc",
    metavar="DIR",
    help="Archive every response, with its request, as WARC files in DIR (created if missing; "
    "a new file each 1 GB, -s CROSSPOST_WARC_MAX_SIZE); each article row names its file and record.",
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Example, from a list of home pages to a graph for Gephi:

\b
  crosspost run examples/sites.toml --db spread.db
  crosspost export --db spread.db --format gexf -o spread.gexf
  crosspost serve spread.db""",
)
@click.version_option(package_name="crosspost")
def main() -> None:
    """Trace how articles spread across the web.

    Crawl sites from their home pages, strip disclaimer boilerplate, cluster near-duplicate
    copies and excerpts, work out who copied whom, and browse it all in Datasette.
    """


# -- crawl, cluster, run -----------------------------------------------------------------------


def _crawl_inputs(
    sites_file: str, settings: tuple[str, ...], warc: str | None = None
) -> tuple[list, dict]:
    """Read the sites file, -s settings and --warc before anything touches the database."""
    from crawler.runner import parse_overrides
    from crawler.sitelist import load_sites

    sites, overrides = load_sites(sites_file), parse_overrides(list(settings))
    if warc:
        if Path(warc).exists() and not Path(warc).is_dir():
            raise InputError(f"--warc {warc} is a file: give a folder for the WARC files")
        overrides["CROSSPOST_WARC_DIR"] = warc
    return sites, overrides


def _crawl(
    sites: list,
    overrides: dict,
    db: str,
    verbose: bool,
    frontier: str | None = None,
    sites_file: str = "",
) -> dict:
    from crawler.runner import run_crawl

    store = open_store(db)
    setup_logging(verbose)
    before = store.article_count()
    if frontier:
        from crawler.frontier import sites_digest
        from crawler.frontier_runner import run_frontier_crawl

        digest = sites_digest(sites_file)
        stats = run_frontier_crawl(sites, digest, frontier, overrides, verbose, store=store)
    else:
        stats = run_crawl(sites, store, overrides, verbose)
    new = store.article_count() - before
    errors = stats.get("crosspost/errors", 0)
    dropped = sum(v for k, v in stats.items() if k.startswith("crosspost/dropped/"))
    pages = stats.get("response_received_count", 0)
    if frontier:  # every process's pages, and this one's
        pages = f"{sum(stats.get('crosspost/frontier_load', {}).values())} ({pages} here)"
    click.echo(
        f"crawled {len(sites)} sites: {pages} pages, "
        f"{new} new articles ({store.article_count()} stored), {dropped} pages not articles, "
        f"{errors} errors, finish reason: {stats.get('finish_reason', 'unknown')}"
    )
    store.close()
    if stats.get("crosspost/frontier_error"):
        fail(f"the frontier failed: {stats['crosspost/frontier_error']}", EXIT_FAILED)
    if stats.get("crosspost/store_error"):  # disk full: nothing more can be stored, not even
        fail(stats["crosspost/store_error"], EXIT_FAILED)  # by `run`'s clustering
    return stats


def _crawl_ok(stats: dict) -> bool:
    return stats.get("finish_reason") == "finished"


@main.command(
    epilog="""\b
Example:
  crosspost crawl examples/sites.toml --db spread.db -s DOWNLOAD_DELAY=2"""
)
@click.argument("sites_file", metavar="SITES.toml")
@db_option
@warc_option
@settings_option
@frontier_option
@verbose_option
@friendly_errors
def crawl(
    sites_file: str,
    db: str,
    warc: str | None,
    settings: tuple[str, ...],
    frontier: str | None,
    verbose: bool,
) -> None:
    """Crawl the sites of SITES.toml into DB.

    Only each site's home page is needed: feeds, sitemaps and listings are discovered. The first
    crawl is full; later ones fetch only articles not stored yet.
    """
    sites, overrides = _crawl_inputs(sites_file, settings, warc)
    with locked(db):
        stats = _crawl(sites, overrides, db, verbose, frontier, sites_file)
    if not _crawl_ok(stats):
        sys.exit(EXIT_FAILED)


def _cluster(db: str, full: bool = False) -> None:
    from dedupe.pipeline import cluster_store

    store = open_store(db, create=False)
    if sys.stderr.isatty():  # a live stage line on a terminal; nothing under cron
        from rich.console import Console

        with Console(stderr=True).status("clustering ...") as status:
            report = cluster_store(
                store, progress=lambda stage: status.update(f"clustering: {stage} ..."), full=full
            )
    else:
        report = cluster_store(store, full=full)
    click.echo(report.summary())
    store.close()


@main.command(
    epilog="""\b
Example:
  crosspost cluster --db spread.db"""
)
@existing_db_option
@click.option(
    "--full", is_flag=True, help="Relearn boilerplate from every article and re-strip them all."
)
@verbose_option
@friendly_errors
def cluster(db: str, full: bool, verbose: bool) -> None:
    """Strip boilerplate, sign, cluster copies and excerpts, and map the spread (incremental).

    Boilerplate is relearned from every article on the first run and when the database grew by
    a quarter; in between, from the new articles and their sites' newest pages (--full forces it).
    """
    setup_logging(verbose)
    with locked(db, create=False):
        _cluster(db, full)


@main.command(
    epilog="""\b
Example (crontab, every 4 hours):
  0 */4 * * *  cd /srv/research && .venv/bin/crosspost run sites.toml --db spread.db"""
)
@click.argument("sites_file", metavar="SITES.toml")
@db_option
@warc_option
@settings_option
@frontier_option
@verbose_option
@friendly_errors
def run(
    sites_file: str,
    db: str,
    warc: str | None,
    settings: tuple[str, ...],
    frontier: str | None,
    verbose: bool,
) -> None:
    """Crawl then cluster: the command to call from cron.

    A lock file (DB.lock) stops overlapping runs; the exit code is 0 only if both steps worked.
    """
    sites, overrides = _crawl_inputs(sites_file, settings, warc)
    with locked(db):
        stats = _crawl(sites, overrides, db, verbose, frontier, sites_file)
        _cluster(db)
    if not _crawl_ok(stats):
        sys.exit(EXIT_FAILED)


@main.command(
    epilog="""\b
Example (on each crawl machine; the writer runs `crosspost run sites.toml --db DB --frontier URL`):
  crosspost worker sites.toml --frontier redis://10.0.0.5:6379/0"""
)
@click.argument("sites_file", metavar="SITES.toml")
@click.option(
    "--frontier",
    required=True,
    metavar="redis://HOST:PORT/N",
    help="The Redis database of the writer's crawl.",
)
@click.option(
    "--wait",
    type=float,
    metavar="SECONDS",
    help="How long to wait for the writer to start a crawl (default: for ever).",
)
@warc_option
@settings_option
@verbose_option
@friendly_errors
def worker(
    sites_file: str,
    frontier: str,
    wait: float | None,
    warc: str | None,
    settings: tuple[str, ...],
    verbose: bool,
) -> None:
    """Take part in the crawl of the writer using FRONTIER, without a database.

    Fetches, extracts and strips pages and hands them to the writer through Redis; leaves when
    the writer ends the crawl. Workers may join and leave at any time: what a worker had taken
    goes back to the queue when it stops. SITES.toml must be the writer's own file.
    """
    from crawler.frontier import sites_digest
    from crawler.frontier_runner import run_frontier_crawl

    sites, overrides = _crawl_inputs(sites_file, settings, warc)
    setup_logging(verbose)
    stats = run_frontier_crawl(
        sites, sites_digest(sites_file), frontier, overrides, verbose, wait=wait
    )
    click.echo(
        f"worker: {stats.get('response_received_count', 0)} pages fetched, "
        f"{stats.get('crosspost/pages_sent', 0)} extracted for the writer, "
        f"{stats.get('crosspost/errors', 0)} errors, "
        f"finish reason: {stats.get('finish_reason', 'unknown')}"
    )
    if stats.get("crosspost/frontier_error"):
        fail(f"the frontier failed: {stats['crosspost/frontier_error']}", EXIT_FAILED)
    if not _crawl_ok(stats):
        sys.exit(EXIT_FAILED)


# -- import, extract -----------------------------------------------------------------------------


@main.command("import")
@click.argument("file", metavar="FILE.jsonl|FILE.warc.gz|DIR", type=click.Path())
@db_option
@friendly_errors
def import_(file: str, db: str) -> None:
    """Add articles from JSON lines, or from WARC archives (a file, or a folder of them).

    JSON lines: url, title, published, text or html, site (optional).

    WARC (crawl --warc, the Wayback Machine, Common Crawl): every HTML response is read as a
    crawl reads a page (same extraction, URL cleaning and article detection), with the record's
    WARC-Target-URI as the page's URL and its WARC-Date as the fetched time. Records that are
    not pages are counted by reason; broken ones are reported and the rest imported. Importing
    the same file again adds nothing.

    \b
    Examples:
      crosspost import articles.jsonl --db spread.db
      crosspost import crawl-warcs/ --db spread.db
      crosspost cluster --db spread.db
    """
    from crawler.archive import is_archive

    path = Path(file)
    if not path.exists():
        raise InputError(f"{file} not found")
    if path.is_dir() or is_archive(path):
        _import_archives(path, db)
    else:
        _import_jsonl(file, db)


def _live(label: str):
    """A status line on a terminal (nothing under cron): a context giving update(text)."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.console import Console

    return Console(stderr=True).status(label)


def _import_archives(path: Path, db: str) -> None:
    from crawler.archive import archive_files, import_archives

    files = archive_files(path)  # a folder without archives is bad input, before the database
    store = open_store(db)
    setup_logging(False)
    with _live("importing ...") as status:
        progress = None
        if status is not None:
            progress = lambda r: status.update(  # noqa: E731
                f"importing: {r.files:,}/{len(files):,} files, {r.records:,} records, "
                f"{r.added:,} articles added, {r.known:,} already stored, "
                f"{len(r.broken):,} broken ..."
            )
        report = import_archives(store, path, progress=progress)
    store.close()
    for name, offset, problem in report.broken:
        click.echo(f"crosspost: {name}: broken record at byte {offset}: {problem}", err=True)
    skipped = ", ".join(f"{n} {reason}" for reason, n in report.skipped.most_common())
    cut = f", {report.cut} cut to {MAX_TEXT_CHARS:,} characters" if report.cut else ""
    click.echo(
        f"imported {report.added} articles from {report.records} records of {report.files} "
        f"WARC file{'s' * (report.files != 1)} ({report.known} already stored, "
        f"{sum(report.not_articles.values())} pages not articles, "
        f"{sum(report.skipped.values())} responses skipped{': ' + skipped if skipped else ''}, "
        f"{len(report.broken)} broken records{cut})"
    )
    if report.broken:
        sys.exit(EXIT_FAILED)


def _import_jsonl(file: str, db: str) -> None:
    from dedupe.ingest import import_jsonl

    store = open_store(db)
    with _live("importing ...") as status:
        progress = None
        if status is not None:
            progress = lambda r: status.update(  # noqa: E731
                f"importing: line {r.lines:,}, {r.added:,} added, {r.known:,} already "
                f"stored, {len(r.errors):,} broken ..."
            )
        report = import_jsonl(store, Path(file), progress=progress)
    store.close()
    for line_number, problem in report.errors:
        click.echo(f"crosspost: {file}:{line_number}: {problem}", err=True)
    cut = f", {report.cut} cut to {MAX_TEXT_CHARS:,} characters" if report.cut else ""
    click.echo(
        f"imported {report.added} articles ({report.known} already stored, "
        f"{len(report.errors)} broken lines{cut})"
    )
    if report.errors:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("source", metavar="URL|FILE")
@click.option("--url", help="The page's URL, when SOURCE is a saved file.")
@friendly_errors
def extract(source: str, url: str | None) -> None:
    """Print one page as JSON: its fields, attribution, and what was stripped and why.

    \b
    Examples:
      crosspost extract https://example.org/2026/11/some-article/
      crosspost extract saved-page.html --url https://example.org/2026/11/some-article/
    """
    from crosspost.fetch import load_page
    from dedupe.ingest import describe_page

    body, page_url = load_page(source, url)
    click.echo(json.dumps(describe_page(body, page_url), indent=2, ensure_ascii=False))


# -- find ----------------------------------------------------------------------------------------


@main.command(
    epilog="""\b
--json prints one object:
  query        what was looked up: url, article_id (when stored), words (of a given text)
  clusters     best first; each: id, title, size, sites, first_published, last_published,
               spread_path (the page in `crosspost serve`), origin (a member), members: each
               article_id, url, site, site_name, role, title, published, fetched_at, kind
               (origin, copy, excerpt), similarity, containment, source_article_id,
               source_url, source_site, evidence, confidence, lag_hours (from its source),
               warc_file, warc_record_id
  matches      for a given text: article_id, cluster_id, kind (copy, excerpt-of-it: the text
               is an excerpt of the article, excerpt-in-it, part), resemblance, containment
  unclustered  matched articles in no cluster: id, url, site, title, published, fetched_at

\b
Examples:
  crosspost find https://example.org/2026/11/some-article/ --db spread.db
  crosspost find saved-page.html --db spread.db --json
  pbpaste | crosspost find - --db spread.db"""
)
@click.argument("source", metavar="URL|FILE|-")
@existing_db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (described below).")
@friendly_errors
def find(source: str, db: str, as_json: bool) -> None:
    """Where did this go? The cluster of a page: its origin and every copy, with evidence.

    A URL stored in DB gives its cluster at once. Any other URL is fetched, and a FILE (a saved
    page or plain text) or - (text on stdin) is read; its text is then looked up in the LSH
    index and verified as clustering does, and the clusters it belongs to are shown.
    """
    from crosspost.find import find_source, render_found

    with Store.open_read_only(db) as store:  # find only reads
        found = find_source(store, source)
    if as_json:
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(render_found(found))


# -- export, serve, demo -------------------------------------------------------------------------


@main.command(
    epilog="""\b
Examples:
  crosspost export --db spread.db --format gexf -o spread.gexf
  crosspost export --db spread.db --format json --cluster 12 -o cluster12.json
  crosspost export --db spread.db --format csv --sites -o site-flows.csv"""
)
@existing_db_option
@click.option(
    "--format",
    "fmt",
    required=True,
    metavar="FORMAT",
    help="gexf, graphml, json (node-link), csv (edge list) or cascades.",
)
@click.option("--cluster", "cluster_id", type=int, help="Only this cluster.")
@click.option("--sites", is_flag=True, help="Site-to-site graph instead of article graph.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output file.")
@friendly_errors
def export(db: str, fmt: str, cluster_id: int | None, sites: bool, output: str) -> None:
    """Export spread graphs for Gephi, networkx and D3."""
    from dedupe.errors import ExportError
    from dedupe.export import FORMATS
    from dedupe.export import export as write_export

    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    with Store.open_read_only(db) as store:  # export only reads: never migrates or writes
        summary = write_export(store, fmt, output, cluster_id=cluster_id, sites=sites)
    click.echo(
        f"wrote {output}: {summary.get('nodes', 0)} nodes, {summary.get('edges', 0)} edges ({fmt})"
    )


@main.command()
@click.argument("db", metavar="DB")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@friendly_errors
def serve(db: str, host: str, port: int) -> None:
    """Browse DB in Datasette, with the research metadata, canned queries and spread pages.

    \b
    Example:
      crosspost serve spread.db --port 8001   # then open http://127.0.0.1:8001/
    """
    from crosspost.serve import serve as run_server

    run_server(db, host=host, port=port)


@main.command()
@click.option(
    "--out",
    default="demo-out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for demo.db, sites.toml and the graph files.",
)
@click.option("--port", default=0, type=int, help="Port of the sample web (0: any free one).")
@verbose_option
@friendly_errors
def demo(out: str, port: int, verbose: bool) -> None:
    """Run the whole pipeline on the bundled sample web, end to end.

    Serves the sample web on loopback (one address per site, 127.0.1.N), crawls it with the real
    spider, clusters, exports spread graphs and prints what it found next to the web's own truth.

    \b
    Example:
      crosspost demo --out demo-out && crosspost serve demo-out/demo.db
    """
    from crosspost.demo.run import run_demo

    setup_logging(verbose)
    ok = run_demo(Path(out), port=port, echo=click.echo)
    if not ok:
        sys.exit(EXIT_FAILED)
