"""newsradar's spiders, one per kind of source: feed, sitemap, page and auto."""
