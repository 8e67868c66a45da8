"""Scrapy settings of the crosspost crawler: polite by default; override any with -s NAME=VALUE."""

BOT_NAME = "crosspost"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are and how to reach us: set CROSSPOST_CONTACT to your project's page or mail address.
CROSSPOST_CONTACT = "https://github.com/crosspost/crosspost"
USER_AGENT = f"crosspost/0.1 (research crawler; +{CROSSPOST_CONTACT})"

# Politeness.
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by +/-50%
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# A gzipped sitemap may grow to this once decompressed (sitemaps.org's limit); beyond, it is a
# bomb or not a sitemap, and is skipped (crosspost/skipped/sitemap-too-large).
CROSSPOST_SITEMAP_MAXSIZE = 50 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# A site's own host map (name -> ip) for test and demo webs; empty in real use.
TWISTED_DNS_RESOLVER = "crawler.resolver.HostsResolver"
CROSSPOST_HOSTS: dict[str, str] = {}

# The database the crawl writes to (crosspost crawl --db sets it).
CROSSPOST_DB = "crosspost.db"
# Upper bound on pages requested per site, unless the site's max_pages says otherwise.
CROSSPOST_MAX_PAGES = 5000

ITEM_PIPELINES = {"crawler.pipelines.ArticlePipeline": 300}
# A database that cannot be written (disk full) stops the crawl instead of failing page by page.
SPIDER_MIDDLEWARES = {"crawler.middlewares.StoreErrorMiddleware": 10}
EXTENSIONS = {"crawler.progress.Progress": 500, "crawler.warc.WarcArchive": 400}
# A folder to archive every response in, as WARC files (crosspost crawl --warc DIR); empty: none.
CROSSPOST_WARC_DIR = ""
CROSSPOST_WARC_MAX_SIZE = 1_000_000_000  # bytes per WARC file before the next one
CROSSPOST_PROGRESS = True

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "crawler.logformatter.QuietDrops"
# A distributed crawl (--frontier): how long a request taken from the shared queue stays with a
# process that stops renewing it (it dies) before it goes back, and this process's name there.
CROSSPOST_LEASE_SECONDS = 60.0
CROSSPOST_PROCESS_NAME = ""
# Worker processes that extract pages while the crawl goes on (empty: one per core; 0: none).
CROSSPOST_EXTRACT_WORKERS = ""
# Scrapy runs this many item/request outputs of one callback at once; our pipeline is the only
# consumer, and the default of 100 spends more time creating asyncio tasks than it saves.
CONCURRENT_ITEMS = 16

# Retries wait RETRY_BACKOFF_BASE * 2^(n-1) seconds (at most RETRY_BACKOFF_MAX) before retry n.
# Scope and robots.txt: requests and redirects stay on their site; RFC 9309's reading of a
# robots.txt that answers 4xx (allow all) or 5xx (disallow all).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SiteScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RFC9309RobotsTxtMiddleware": 100,
}
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
