"""What the local news site serves, rendered: HTML pages, feeds in six formats, sitemaps.

Plain functions of the site (its name, addresses and limits) and the live articles,
newest first; ``newssite.NewsSite`` routes requests to them.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

from newssite_values import SECTIONS, Article

if TYPE_CHECKING:
    from newssite import NewsSite


# ----------------------------------------------------------------------- formats


def esc(value: str) -> str:
    """``value`` escaped for HTML and XML text and attributes."""
    return html.escape(value, quote=True)


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 (Atom, JSON Feed, sitemaps)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(moment: datetime) -> str:
    """``moment`` in UTC as an RFC 822 date (RSS, HTTP headers)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def human_date(moment: datetime) -> str:
    """``moment`` as a page shows it, e.g. ``3 March 2025, 14:05 UTC``."""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def slugify(text: str) -> str:
    """A URL slug for a headline (``story`` if nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "story"


# ------------------------------------------------------------------------- pages


def page(site: NewsSite, title: str, main: str, head_extra: str = "") -> str:
    """The HTML5 page around ``main``: masthead, section navigation, footer."""
    nav = "".join(
        f'<li><a href="{href}">{label}</a></li>'
        for label, href in [("Home", "/")] + [(s, f"/{s.lower()}/") for s in SECTIONS]
    )
    year = datetime.now(UTC).year
    name = esc(site.name)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {name}</title>
<link rel="alternate" type="application/rss+xml" title="{name} RSS" href="{site.rss_url}">
<link rel="alternate" type="application/atom+xml" title="{name} Atom" href="{site.atom_url}">
{head_extra}<style>body{{font-family:Georgia,serif;max-width:60rem;margin:auto}}
.layout{{display:flex;gap:2rem}} aside{{font-size:.9rem;width:16rem}}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<p class="masthead"><a href="/">{name}</a></p>
<nav class="site-nav" aria-label="Sections"><ul>{nav}</ul></nav>
<form class="search" action="/search" role="search"><input name="q" placeholder="Search">\
<button>Search</button></form>
</header>
{main}
<footer class="site-footer">
<nav aria-label="Footer"><ul><li><a href="/about/">About us</a></li>\
<li><a href="/contact/">Contact</a></li><li><a href="/privacy/">Privacy</a></li>\
<li><a href="/feeds/rss.xml">RSS</a></li></ul></nav>
<p>&copy; {year} {name}. A fictional news outlet; all stories on this site are invented.</p>
</footer>
</body>
</html>
"""


def listing_page(site: NewsSite, heading: str, articles: list[Article]) -> str:
    """A list of headlines with dates and summaries (home and section pages)."""
    items = "\n".join(
        f'<li class="headline"><h2><a href="{article.path}">{esc(article.title)}</a></h2>'
        f'<time datetime="{rfc3339(article.published)}">'
        f"{human_date(article.published)}</time><p>{esc(article.summary)}</p></li>"
        for article in articles
    )
    main = f'<main id="main"><h1>{esc(heading)}</h1>\n<ul class="headlines">\n{items}\n</ul>'
    main += "</main>"
    return page(site, heading, main)


def article_page(site: NewsSite, article: Article, live: list[Article]) -> str:
    """One story's page, with the sidebar, comments and metadata real sites add."""
    url = site.base_url + article.path
    published = rfc3339(article.published)
    by_title = {a.title: a for a in live}
    related = "".join(
        f'<li><a href="{by_title[h].path if h in by_title else "/news/" + slugify(h)}">'
        f"{esc(h)}</a></li>"
        for h in article.sidebar
    )
    # "Most read" is built from the other live stories, as real sites do, so
    # watchlist headlines turn up next to unrelated articles
    most_read = "".join(
        f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in live if a.slug != article.slug
    )
    body = "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
    comments = "\n".join(
        f'<li class="comment"><p class="comment-author">{esc(name)}</p><p>{esc(text)}</p></li>'
        for name, text in article.comments
    )
    n = len(article.comments)
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": published,
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": site.name},
            "mainEntityOfPage": url,
        }
    ).replace("</", "<\\/")
    head = f"""<meta name="description" content="{esc(article.summary)}">
<meta name="author" content="{esc(article.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{esc(site.name)}">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:url" content="{url}">
<meta property="og:description" content="{esc(article.summary)}">
<meta property="article:published_time" content="{published}">
<meta property="article:section" content="{article.section}">
<link rel="canonical" href="{url}">
<script type="application/ld+json">{ld}</script>
"""
    main = f"""<div class="layout">
<main id="main">
<article class="story">
<p class="kicker"><a href="/{article.section.lower()}/">{article.section}</a></p>
<h1>{esc(article.title)}</h1>
<p class="byline">By <span class="author">{esc(article.author)}</span> &middot; \
<time datetime="{published}">{human_date(article.published)}</time></p>
<div class="story-body">
{body}
</div>
<p class="share">Share this story: <a href="mailto:?subject={esc(article.title)}">Email</a></p>
</article>
<section class="comments" id="comments">
<h2>{n} comment{"" if n == 1 else "s"}</h2>
<ol>
{comments}
</ol>
<p><a href="/about/">Read our commenting guidelines</a></p>
</section>
</main>
<aside class="sidebar">
<section class="related"><h2>Related</h2><ul>{related}</ul></section>
<section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>
<section class="newsletter"><h2>Newsletter</h2><p>The morning briefing, in your inbox.</p></section>
</aside>
</div>"""
    return page(site, article.title, main, head_extra=head)


# ------------------------------------------------------------------------- feeds


def rss(site: NewsSite, articles: list[Article]) -> str:
    """The RSS 2.0 feed of ``articles`` (at most ``feed_limit``)."""
    items = []
    for a in articles[: site.feed_limit]:
        link = site.base_url + a.path
        items.append(
            f"""<item>
<title>{esc(a.title)}</title>
<link>{link}</link>
<guid isPermaLink="true">{link}</guid>
<pubDate>{rfc822(a.published)}</pubDate>
<dc:creator>{esc(a.author)}</dc:creator>
<category>{a.section}</category>
<description>{esc(a.summary)}</description>
</item>"""
        )
    built = articles[0].published if articles else datetime.now(UTC)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" \
xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{esc(site.name)}</title>
<link>{site.base_url}/</link>
<description>Latest news from {esc(site.name)}</description>
<language>en</language>
<lastBuildDate>{rfc822(built)}</lastBuildDate>
<atom:link href="{site.rss_url}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""


def atom(site: NewsSite, articles: list[Article]) -> str:
    """The Atom 1.0 feed of ``articles`` (at most ``feed_limit``)."""
    entries = []
    for a in articles[: site.feed_limit]:
        link = site.base_url + a.path
        entries.append(
            f"""<entry>
<id>{link}</id>
<title>{esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{link}"/>
<updated>{rfc3339(a.modified)}</updated>
<published>{rfc3339(a.published)}</published>
<author><name>{esc(a.author)}</name></author>
<category term="{a.section}"/>
<summary>{esc(a.summary)}</summary>
</entry>"""
        )
    updated = articles[0].published if articles else datetime.now(UTC)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>{site.base_url}/</id>
<title>{esc(site.name)}</title>
<updated>{rfc3339(updated)}</updated>
<link rel="self" type="application/atom+xml" href="{site.atom_url}"/>
<link rel="alternate" type="text/html" href="{site.base_url}/"/>
{chr(10).join(entries)}
</feed>
"""


# ----------------------------------------------- other feed formats and sitemaps


def json_feed(site: NewsSite, articles: list[Article]) -> str:
    """The JSON Feed 1.1 of ``articles``, with relative item URLs."""
    items = [
        {
            "id": site.base_url + a.path,
            "url": a.path,  # relative, as JSON Feed allows: resolved against feed_url
            "title": a.title,
            "summary": a.summary,
            "content_text": a.text,
            "date_published": rfc3339(a.published),
            "date_modified": rfc3339(a.modified),
            "authors": [{"name": a.author}],
            "tags": [a.section],
        }
        for a in articles[: site.feed_limit]
    ]
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": site.name,
            "home_page_url": site.base_url + "/",
            "feed_url": site.json_feed_url,
            "language": "en",
            "items": items,
        },
        indent=1,
    )


def atom03(site: NewsSite, articles: list[Article]) -> str:
    """The Atom 0.3 feed of ``articles``."""
    entries = "\n".join(
        f"""<entry>
<title mode="escaped" type="text/html">{esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{site.base_url + a.path}"/>
<id>tag:{site.host},2024:{a.slug}</id>
<issued>{rfc3339(a.published)}</issued>
<modified>{rfc3339(a.modified)}</modified>
<author><name>{esc(a.author)}</name></author>
<summary>{esc(a.summary)}</summary>
</entry>"""
        for a in articles[: site.feed_limit]
    )
    modified = articles[0].modified if articles else datetime.now(UTC)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="en">
<title>{esc(site.name)}</title>
<link rel="alternate" type="text/html" href="{site.base_url}/"/>
<modified>{rfc3339(modified)}</modified>
{entries}
</feed>
"""


def rss091(site: NewsSite, articles: list[Article]) -> str:
    """The RSS 0.91 feed (Netscape DOCTYPE, at most 15 items)."""
    items = "\n".join(
        f"<item><title>{esc(a.title)}</title><link>{site.base_url + a.path}</link>"
        f"<description>{esc(a.summary)}</description></item>"
        for a in articles[:15]  # RSS 0.91 allowed at most 15 items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" \
"http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel>
<title>{esc(site.name)}</title><link>{site.base_url}/</link>
<description>Latest news</description><language>en</language>
{items}
</channel></rss>
"""


def rdf(site: NewsSite, articles: list[Article]) -> str:
    """The RSS 1.0 (RDF) feed of ``articles``."""
    listed = articles[: site.feed_limit]
    seq = "".join(f'<rdf:li rdf:resource="{site.base_url + a.path}"/>' for a in listed)
    items = "\n".join(
        f"""<item rdf:about="{site.base_url + a.path}">
<title>{esc(a.title)}</title><link>{site.base_url + a.path}</link>
<description>{esc(a.summary)}</description><dc:date>{rfc3339(a.published)}</dc:date>
<dc:creator>{esc(a.author)}</dc:creator>
</item>"""
        for a in listed
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{site.rdf_url}"><title>{esc(site.name)}</title>
<link>{site.base_url}/</link><description>Latest news</description>
<items><rdf:Seq>{seq}</rdf:Seq></items></channel>
{items}
</rdf:RDF>
"""


def sitemap_index(site: NewsSite, articles: list[Article]) -> str:
    """The sitemap index naming the news, plain and archive sitemaps."""
    newest = rfc3339(articles[0].modified) if articles else rfc3339(datetime.now(UTC))
    maps = [
        (site.news_sitemap_url, newest),
        (site.sitemap_url, newest),
        (site.archive_sitemap_url, "2015-03-01T00:00:00Z"),
    ]
    entries = "\n".join(
        f"<sitemap><loc>{url}</loc><lastmod>{lastmod}</lastmod></sitemap>" for url, lastmod in maps
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""


def news_sitemap(site: NewsSite, articles: list[Article]) -> str:
    """The Google News sitemap: articles published in the last two days."""
    now = datetime.now(UTC)
    entries = "\n".join(
        f"""<url><loc>{site.base_url + a.path}</loc><news:news>
<news:publication><news:name>{esc(site.name)}</news:name><news:language>en</news:language>\
</news:publication>
<news:publication_date>{rfc3339(a.published)}</news:publication_date>
<news:title>{esc(a.title)}</news:title></news:news></url>"""
        for a in articles
        if (now - a.published).total_seconds() < 2 * 86400
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" \
xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{entries}
</urlset>
"""


def sitemap(site: NewsSite, articles: list[Article]) -> str:
    """The plain sitemap: every article with its ``lastmod``."""
    entries = "\n".join(
        f"<url><loc>{site.base_url + a.path}</loc><lastmod>{rfc3339(a.modified)}</lastmod></url>"
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</urlset>
"""


def archive(site: NewsSite) -> str:
    """The archive sitemap: ``site.archive_size`` URLs of years-old stories."""
    entries = "".join(
        f"<url><loc>{site.base_url}/archive/2015/03/old-story-number-{n}</loc>"
        f"<lastmod>2015-03-01</lastmod></url>\n"
        for n in range(site.archive_size)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )
