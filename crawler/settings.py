"""Scrapy settings for newsradar's crawler: polite, bounded, asyncio-based.

The service overrides the NEWSRADAR_* settings and USER_AGENT, DOWNLOAD_TIMEOUT,
DOWNLOAD_MAXSIZE, CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, AUTOTHROTTLE_ENABLED
and RETRY_TIMES from the user's config; `scrapy crawl feed -a url=...` works with
these alone.
"""

BOT_NAME = "newsradar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# How newsradar names itself to every site (the one definition; [crawl] user_agent
# in the config overrides it).
USER_AGENT = "newsradar/0.1 (self-hosted news monitor)"
ROBOTSTXT_OBEY = True

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# One resolver for the fetch guard and the connection: every address of a name is
# vetted, and only vetted addresses are connected to (crawler.resolver). The guard
# installs it where Scrapy does not (crawls run by AsyncCrawlerRunner).
TWISTED_DNS_RESOLVER = "crawler.resolver.VettedResolver"
# http(s) only: a file://, ftp://, s3:// or data: URL named by a hostile document
# (robots.txt Sitemap: lines, redirects, feed links) has no handler to reach.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}

# Many sources on many sites are crawled at once; each site is treated gently: every
# request to a site, whatever made it (robots.txt, discovery, redirects, retries),
# takes its place in that site's one download slot (crawler.throttle).
DOWNLOADER = "crawler.throttle.SiteDownloader"
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Seconds between two requests to one site, at least ([crawl] min_delay); AutoThrottle
# never goes below it.
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Every fetched byte is hostile: bound time, size and redirects. DOWNLOAD_MAXSIZE
# also bounds the decompressed size of gzip/deflate/br bodies (gzip bombs).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control would start a local HTTP server that runs code (behind a
# token written to disk) for every crawl: a risk, and a cost on every poll.
REMOTE_CONTROL_ENABLED = False
# Scrapy runs up to CONCURRENT_ITEMS tasks per callback output; the pipeline is
# synchronous SQLite, so those tasks only cost (~100 task creations per page).
CONCURRENT_ITEMS = 1
# Responses wait in Scrapy's scraper buffer while their pages are extracted; once it
# holds more than this many bytes the engine stops downloading until it drains, and
# with AutoThrottle off every crawl then stalls on it. One page may be DOWNLOAD_MAXSIZE
# on its own: room for two of those and a full round of ordinary pages
# (scheduler.runtime.scraper_buffer sizes it again from the configured max_size).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2 * DOWNLOAD_MAXSIZE + CONCURRENT_REQUESTS * 256 * 1024
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Before everything else, robots.txt included: a refused host gets no byte.
    "crawler.middlewares.FetchGuard": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}

# The SQLite database articles are stored in.
NEWSRADAR_DB_PATH = "newsradar.db"
# Extraction worker processes (None: one per core; 0: extract in this process).
NEWSRADAR_EXTRACT_WORKERS = None
# Seconds before an article's extraction is given up (the feed's text is kept).
NEWSRADAR_EXTRACT_TIMEOUT = 30
# Seconds a feed or sitemap may take to parse (off the event loop) before it is given up.
NEWSRADAR_PARSE_TIMEOUT = 20
# Seconds a site's robots.txt is reused across polls.
NEWSRADAR_ROBOTSTXT_TTL = 3600
