"""Datasette on a crosspost database: read-only, with the research metadata and the plugin."""

from __future__ import annotations

import copy
import json
import os
import socket
import sqlite3
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.plugins import pm

from crosspost import web
from dedupe.errors import InputError, StoreError
from dedupe.store import MIGRATIONS

# Tables every crosspost database has; a file without them is some other SQLite database.
REQUIRED_TABLES = frozenset(
    {"sites", "articles", "stripped", "clusters", "cluster_members", "spread_edges"}
)

SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 5000,  # a research query may scan every article, but not forever
    "facet_time_limit_ms": 500,
    "max_returned_rows": 2000,
    "default_page_size": 100,
    "truncate_cells_html": 300,  # article texts are long; the row page shows them whole
}


@cache
def _metadata_file() -> dict[str, Any]:
    return json.loads(files("crosspost").joinpath("metadata.json").read_text(encoding="utf-8"))


def load_metadata(database: str, tables: list[str] | None = None) -> dict[str, Any]:
    """Datasette metadata for a crosspost database served under the name `database`.

    `tables` (all table names of the file) lets tables added by later migrations that start
    with "_" (the pipeline's working state) be hidden too.
    """
    shipped = copy.deepcopy(_metadata_file())
    database_metadata = shipped.pop("database")
    for table in tables or []:
        if table.startswith("_"):
            database_metadata["tables"].setdefault(table, {})["hidden"] = True
    shipped["databases"] = {database: database_metadata}
    return shipped


def check_database(db_path: str | os.PathLike) -> list[str]:
    """Check that `db_path` is a crosspost database without writing to it; returns its tables."""
    path = Path(db_path)
    if not path.exists():
        raise StoreError(f"database {path} not found: crawl or import first (crosspost run ...)")
    if not path.is_file():
        raise StoreError(f"database {path} is not a file: give the .db file itself")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise StoreError(f"cannot read {path}: {err} (is it a crosspost SQLite file?)") from err
    missing = sorted(REQUIRED_TABLES - set(tables))
    if missing:
        raise StoreError(
            f"{path} is not a crosspost database (no {', '.join(missing)} table): "
            "create one with crosspost run or crosspost import"
        )
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path} has schema version {version}, newer than this crosspost "
            f"({len(MIGRATIONS)}): upgrade crosspost"
        )
    return tables


def make_app(db_path: str | os.PathLike, immutable: bool = False) -> Datasette:
    """A Datasette instance serving `db_path` read-only with the crosspost metadata and plugin.

    By default the file is opened with SQLite's read-only mode, so a crawl running meanwhile
    shows up on the next page load; `immutable=True` promises SQLite the file never changes
    (faster, counts cached), for a finished database.
    """
    tables = check_database(db_path)
    path = str(Path(db_path).resolve())
    if not pm.is_registered(web):  # the entry point registers it when crosspost is installed
        pm.register(web, name="crosspost")
    ds = Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        metadata=load_metadata(Path(path).stem, tables),
        settings=SETTINGS,
    )
    if Path(path).stem not in ds.databases:  # Datasette names a database after its file
        raise StoreError(f"Datasette did not open {path} as database {Path(path).stem!r}")
    return ds


def serve(
    db_path: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False
) -> None:
    """Serve `db_path` in Datasette at http://host:port/ until interrupted."""
    import uvicorn

    ds = make_app(db_path, immutable=immutable)
    try:  # uvicorn would only log a bind failure and exit; say what to do instead
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        raise InputError(
            f"cannot listen on {host}:{port}: {os.strerror(err.errno) if err.errno else err} "
            "(try another --port)"
        ) from err
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
