"""Pure parsers: bytes and URLs in, values out. Nothing here imports Scrapy or
touches the database, so each function can be tested on its own."""
