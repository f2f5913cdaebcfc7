"""Scrapy settings for newsradar's crawler: polite, bounded, asyncio-based.

The service overrides the NEWSRADAR_* settings and USER_AGENT / DOWNLOAD_TIMEOUT
from the user's config; `scrapy crawl feed -a url=...` works with these alone.
"""

BOT_NAME = "newsradar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "newsradar/0.1 (self-hosted news monitor)"
ROBOTSTXT_OBEY = True

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Many sources on many sites are crawled at once; each site is treated gently.
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Every fetched byte is hostile: bound time, size and redirects.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.SkipKnownArticles": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}

# The SQLite database articles are stored in.
NEWSRADAR_DB_PATH = "newsradar.db"
