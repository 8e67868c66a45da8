"""Datasette on a crosspost database: read-only, with the research metadata and the plugin."""

from __future__ import annotations

import copy
import errno
import json
import os
import socket
import sqlite3
import sys
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dedupe.errors import InputError, StoreError
from dedupe.store import MIGRATIONS, Store

if TYPE_CHECKING:  # Datasette is imported when needed: errors come out fast
    from datasette.app import Datasette

SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 5000,  # a research query may scan every article, but not forever
    "facet_time_limit_ms": 500,
    "max_returned_rows": 2000,
    "default_page_size": 100,
    "truncate_cells_html": 300,  # article texts are long; the row page shows them whole
    "max_csv_mb": 100,  # a streamed CSV download stops there
}


@cache
def _metadata_file() -> dict[str, Any]:
    return json.loads(files("crosspost").joinpath("metadata.json").read_text(encoding="utf-8"))


def load_metadata(
    database: str, tables: list[str] | None = None, summary: str | None = None
) -> dict[str, Any]:
    """Datasette metadata for a crosspost database served under the name `database`.

    `tables` (all table names of the file) lets tables added by later migrations that start
    with "_" (the pipeline's working state) be hidden too; `summary` (what the file holds, see
    describe_database) becomes the source line of the home page.
    """
    shipped = copy.deepcopy(_metadata_file())
    if summary:
        shipped["source"] = f"{shipped['source']}: {summary}"
    database_metadata = shipped.pop("database")
    for table in tables or []:
        if table.startswith("_"):
            database_metadata["tables"].setdefault(table, {})["hidden"] = True
    # The database page links the pages a researcher starts from (one database is served).
    base = "/" + quote(database)
    database_metadata["description_html"] = (
        f"{escape(database_metadata['description'])} Start with the "
        f'<a href="{base}/largest_clusters">largest clusters</a> (each opens its spread graph) '
        'or the <a href="/-/crosspost/flows">site-to-site flows</a>.'
    )
    shipped["databases"] = {database: database_metadata}
    return shipped


def check_database(db_path: str | os.PathLike) -> list[str]:
    """Check that `db_path` is a crosspost database without writing to it; returns its tables.

    Store.open_read_only refuses a file that is not one (another application's SQLite file)."""
    with Store.open_read_only(db_path) as store:
        try:
            return store.db.table_names()
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot read {store.path}: {err}") from err


def describe_database(db_path: str | os.PathLike) -> str:
    """What the file holds, in words: "1,204 articles from 8 sites, 87 clusters, last crawl
    finished 2026-11-30" (read-only; an empty part is left out)."""
    with Store.open_read_only(db_path) as store:
        conn = store.db.conn
        articles, sites = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT site) FROM articles"
        ).fetchone()
        clusters = conn.execute("SELECT COUNT(*) FROM clusters").fetchone()[0]
        last = conn.execute("SELECT MAX(finished) FROM crawl_runs").fetchone()[0]
    parts = [
        f"{articles:,} article{'s' * (articles != 1)} from {sites:,} site{'s' * (sites != 1)}",
        f"{clusters:,} cluster{'s' * (clusters != 1)} of copies and excerpts",
    ]
    if last:
        parts.append(f"last crawl finished {last[:10]}")
    return ", ".join(parts)


def make_app(db_path: str | os.PathLike, immutable: bool = False) -> Datasette:
    """A Datasette instance serving `db_path` read-only with the crosspost metadata and plugin.

    By default the file is opened with SQLite's read-only mode, so a crawl running meanwhile
    shows up on the next page load; `immutable=True` promises SQLite the file never changes
    (faster, counts cached), for a finished database.
    """
    from datasette.app import Datasette
    from datasette.plugins import pm

    from crosspost import limits, web

    tables = check_database(db_path)
    path = str(Path(db_path).resolve())
    if not pm.is_registered(web):  # the entry point registers it when crosspost is installed
        pm.register(web, name="crosspost")
    if not pm.is_registered(limits):  # bounds on what one request may cost
        pm.register(limits, name="crosspost-limits")
    limits.plain_error_logs()
    ds = Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        metadata=load_metadata(Path(path).stem, tables, describe_database(path)),
        settings=SETTINGS,
    )
    if Path(path).stem not in ds.databases:  # Datasette names a database after its file
        raise StoreError(f"Datasette did not open {path} as database {Path(path).stem!r}")
    return ds


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or an InputError that says what to change."""
    if not 0 < port < 65536:
        raise InputError(f"--port {port} is not a port number: give one from 1 to 65535")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family)
    except OSError as err:
        # create_server re-raises name lookup failures as OSError with a negative EAI_ errno
        if isinstance(err, socket.gaierror) or (err.errno or 0) < 0:
            raise InputError(
                f"cannot listen on {host}:{port}: unknown host (try --host 127.0.0.1)"
            ) from err
        reason = os.strerror(err.errno) if err.errno else str(err)
        hint = {
            errno.EADDRINUSE: "another program uses the port: try another --port",
            errno.EADDRNOTAVAIL: "the --host is not an address of this machine",
            errno.EACCES: "ports below 1024 need privileges: try --port 8001",
        }.get(err.errno, "try another --host or --port")
        raise InputError(f"cannot listen on {host}:{port}: {reason} ({hint})") from err


def serve(
    db_path: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False
) -> None:
    """Serve `db_path` in Datasette at http://host:port/ until interrupted.

    The socket is bound here and handed to uvicorn, which on its own would only log a bind
    failure; so a taken port is a clear InputError.
    """
    check_database(db_path)
    with Store.open_read_only(db_path) as store:
        if store.schema_version < len(MIGRATIONS):  # serve never migrates: it only reads
            print(
                f"crosspost: note: {db_path} has schema version {store.schema_version} of "
                f"{len(MIGRATIONS)}; `crosspost cluster --db {db_path}` brings it up to date "
                "(site_flows becomes fast)",
                file=sys.stderr,
            )
    sock = _listen(host, port)
    try:
        import uvicorn

        from crosspost.limits import limit_sqlite_heap

        limit_sqlite_heap()

        ds = make_app(db_path, immutable=immutable)
        config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
        shown = f"[{host}]" if ":" in host else host
        print(
            f"crosspost: serving {db_path} at http://{shown}:{port}/ (Ctrl+C to stop)",
            file=sys.stderr,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
