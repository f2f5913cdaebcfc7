"""Fetch workers on other machines: polls go out through Redis, results come back.

The service stays the single writer (it schedules, stores, matches and alerts);
workers only run the crawl engine and extraction. ``queue`` is what travels,
``replies`` how Redis's answers are read, ``connection`` how both ends reach
Redis, ``worker`` the worker process, ``remote`` the service's side (an engine
whose polls run elsewhere), ``status`` what `newsradar status` says of them.
"""
