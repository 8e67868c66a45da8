"""Bad input gets one line naming the problem and a non-zero exit, never a traceback."""

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dedupe.errors import InputError
from dedupe.store import Store

CROSSPOST = [sys.executable, "-m", "crosspost"]


def run(*args, cwd=None):
    return subprocess.run([*CROSSPOST, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("crosspost: error:")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_sites_file(tmp_path):
    result = run("crawl", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "x.db"))
    assert_one_line_error(result, "nope.toml", "not found")


def test_malformed_sites_file(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text("[[sites]]\nname = 'no url here'\n")
    result = run("crawl", str(sites), "--db", str(tmp_path / "x.db"))
    assert_one_line_error(result, "site 1", "'url'")


def test_bad_setting(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text("[[sites]]\nurl = 'http://a.test/'\n")
    result = run("crawl", str(sites), "--db", str(tmp_path / "x.db"), "-s", "NOEQUALS")
    assert_one_line_error(result, "NAME=VALUE")


def test_invalid_boilerplate_regex_stops_before_any_fetch(tmp_path):
    requests = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        home = f"http://127.0.0.1:{server.server_port}/"
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[[sites]]\nname = "Fine"\nurl = "{home}"\n'
            f'[[sites]]\nname = "Harbor Herald"\nurl = "http://herald.test/"\n'
            'boilerplate = ["^Read more", "^Support (our"]\n'
        )
        db = tmp_path / "x.db"
        result = run("run", str(sites), "--db", str(db))
    finally:
        server.shutdown()
    assert result.returncode == 2
    assert_one_line_error(result, "site 2 (Harbor Herald)", "'^Support (our'")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert requests == []
    assert not db.exists()


def test_unwritable_db_path(tmp_path):
    # /proc refuses new files even to root, who may write anywhere else.
    result = run("cluster", "--db", "/proc/crosspost-test.db")
    assert_one_line_error(result, "/proc/crosspost-test.db")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert_one_line_error(run("cluster", "--db", str(locked / "x.db")), "not writable")


def test_db_in_missing_folder_and_db_that_is_a_folder(tmp_path):
    assert_one_line_error(run("cluster", "--db", str(tmp_path / "no" / "x.db")), "does not exist")
    assert_one_line_error(run("cluster", "--db", str(tmp_path)), "is a folder")


def test_db_that_is_not_sqlite(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("hello " * 200)
    assert_one_line_error(run("cluster", "--db", str(junk)), "cannot open database")


def test_unknown_export_format(tmp_path):
    Store(tmp_path / "x.db").close()
    result = run(
        "export", "--db", str(tmp_path / "x.db"), "--format", "pdf", "-o", str(tmp_path / "o")
    )
    assert_one_line_error(result, "unknown format 'pdf'", "gexf")


def test_import_keeps_good_lines_and_reports_broken_ones(tmp_path):
    lines = [
        json.dumps({"url": "https://a.test/1", "title": "One", "text": "First piece text.\nMore."}),
        '{"url": "https://a.test/2", "title": ',
        json.dumps(
            {"url": "https://b.test/3", "title": "Three", "text": "Third piece.", "site": "b"}
        ),
        json.dumps({"url": "not a url", "text": "x"}),
        json.dumps({"url": "https://a.test/5", "title": "Five"}),
    ]
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join(lines) + "\n")
    db = tmp_path / "x.db"
    result = run("import", str(data), "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{data}:2: not valid JSON" in result.stderr
    assert f"{data}:4: 'url' must be an http(s) URL" in result.stderr
    assert f"{data}:5: needs 'text' or 'html'" in result.stderr
    assert "imported 2 articles" in result.stdout
    store = Store(db)
    assert store.known_urls() == {"https://a.test/1", "https://b.test/3"}
    assert {s["id"] for s in store.sites()} == {"a.test", "b"}


def test_help_explains_with_examples():
    result = run("--help")
    assert result.returncode == 0
    for command in ("crawl", "cluster", "run", "import", "extract", "export", "serve", "demo"):
        assert command in result.stdout
        sub = run(command, "--help")
        assert sub.returncode == 0 and "Example" in sub.stdout, command


def test_bad_setting_values_are_refused_before_the_crawl(tmp_path):
    """A value Scrapy cannot read had failed the crawl after it started: a 51-line Twisted
    traceback and a crawl_runs row with status 'None'."""
    sites = tmp_path / "sites.toml"
    sites.write_text("[[sites]]\nurl = 'http://127.0.0.1:9/'\n")
    db = tmp_path / "x.db"
    result = run("crawl", str(sites), "--db", str(db), "-s", "DOWNLOAD_DELAY=abc")
    assert result.returncode == 2
    assert_one_line_error(result, "setting DOWNLOAD_DELAY='abc' is not valid: give a number")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not db.exists()  # refused before the database was opened: no crawl_runs row


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("ROBOTSTXT_OBEY=maybe", "give true or false"),
        ("CONCURRENT_REQUESTS=many", "give a number"),
        ("CROSSPOST_EXTRACT_WORKERS=two", "give a whole number"),
        ("ITEM_PIPELINES=notjson", "give a JSON object"),
        ("CROSSPOST_HOSTS=[1, 2]", "give a JSON object"),
    ],
)
def test_each_kind_of_setting_value_is_checked(setting, message):
    from crawler.runner import parse_overrides

    name, value = setting.split("=")
    with pytest.raises(
        InputError, match=re.escape(f"setting {name}={value!r} is not valid")
    ) as err:
        parse_overrides([setting])
    assert message in str(err.value)


def test_good_setting_values_pass():
    from crawler.runner import parse_overrides

    given = [
        "DOWNLOAD_DELAY=0.5",
        "DOWNLOAD_TIMEOUT=2.5",
        "ROBOTSTXT_OBEY=False",
        "AUTOTHROTTLE_ENABLED=0",
        "CROSSPOST_EXTRACT_WORKERS=0",
        "CROSSPOST_EXTRACT_WORKERS=",
        'CROSSPOST_HOSTS={"a.test": "127.0.1.1"}',
        "USER_AGENT=research (+https://x.example/)",
        "SOME_SETTING_OF_A_PLUGIN=anything",
    ]
    assert len(parse_overrides(given)) == 8


def test_a_crawl_that_cannot_start_says_why_in_one_line(tmp_path):
    """A value of the right type that Scrapy still refuses (a fraction where it wants a whole
    number) stops the crawl as it starts: one line, exit 2, the run recorded as failed."""
    sites = tmp_path / "sites.toml"
    sites.write_text("[[sites]]\nurl = 'http://127.0.0.1:9/'\n")
    db = tmp_path / "x.db"
    result = run("crawl", str(sites), "--db", str(db), "-s", "CONCURRENT_REQUESTS=2.5")
    assert result.returncode == 2
    assert_one_line_error(result, "the crawl could not start", "'2.5'", "-s settings")
    assert result.stderr.count("\n") == 1, result.stderr
    with Store(db) as store:
        [(status,)] = store.db.execute("SELECT status FROM crawl_runs").fetchall()
    assert status.startswith("failed to start: ") and "2.5" in status
