from scrapy.settings import Settings

from crawler import settings as crawl_settings
from crawler.middlewares import BackoffRetryMiddleware
from crawler.progress import Progress


def middleware(**overrides) -> BackoffRetryMiddleware:
    settings = Settings()
    settings.setmodule(crawl_settings)
    for name, value in overrides.items():
        settings.set(name, value)
    return BackoffRetryMiddleware(settings)


def test_backoff_doubles_and_is_capped():
    mw = middleware(RETRY_BACKOFF_BASE=2.0, RETRY_BACKOFF_MAX=10.0)
    assert [mw.delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 10.0]


def test_retry_after_is_obeyed_within_the_cap():
    mw = middleware(RETRY_BACKOFF_BASE=1.0, RETRY_BACKOFF_MAX=30.0)
    assert mw.delay(1, b"7") == 7.0
    assert mw.delay(1, b"3600") == 30.0
    assert mw.delay(3, b"1") == 4.0  # our own pause is longer
    assert mw.delay(1, b"Wed, 21 Oct 2026 07:28:00 GMT") == 1.0  # a date: keep our pause


class FakeStats:
    def __init__(self, values):
        self.values = values

    def get_value(self, key, default=None):
        return self.values.get(key, default)


def test_progress_line_reports_pages_articles_errors_and_rate():
    stats = FakeStats(
        {"response_received_count": 40, "crosspost/articles_stored": 12, "crosspost/errors": 2}
    )
    progress = Progress(stats)
    progress.started -= 4.0
    line = progress.line()
    assert line.startswith("crawling: 40 pages, 12 new articles, 2 errors, ")
    assert 9.0 <= float(line.rsplit(", ", 1)[1].split()[0]) <= 10.0


def test_user_agent_names_the_contact_and_can_be_replaced():
    from crawler.runner import crawl_settings as make_settings

    settings = make_settings("x.db", {"CROSSPOST_CONTACT": "mailto:lab@example.org"})
    assert settings.get("USER_AGENT").endswith("(research crawler; +mailto:lab@example.org)")
    assert settings.get("USER_AGENT").startswith("crosspost/")
    assert make_settings("x.db", {"USER_AGENT": "mine/1"}).get("USER_AGENT") == "mine/1"
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
