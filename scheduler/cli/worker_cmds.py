"""`newsradar worker`: a fetch worker taking polls from Redis (see scheduler.cluster)."""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.cli.options import config_option
from scheduler.config import ClusterConfig, load_config


@click.command()
@config_option
@click.option(
    "--redis",
    "redis_url",
    envvar="REDIS_URL",
    metavar="URL",
    help="Redis to take jobs from (default: $REDIS_URL, else the config's [cluster] redis). "
    "Give the password through $REDIS_URL: a command line is visible to every user.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1024),
    default=16,
    show_default=True,
    help="Polls run at once by this worker.",
)
@click.option("--name", help="This worker's name in `newsradar status` (default: host:pid:random).")
@click.option("-v", "--verbose", is_flag=True, help="Also log Scrapy's own messages.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as JSON objects (for log shippers).",
)
@click.pass_context
def worker(
    ctx: click.Context,
    config_path: Path | None,
    redis_url: str | None,
    concurrency: int,
    name: str | None,
    verbose: bool,
    log_format: str,
) -> None:
    """Fetch for a newsradar service on another machine, until SIGTERM or Ctrl-C.

    Takes poll jobs from Redis, runs them in the crawl engine with extraction, and
    hands the results back; the service stores, matches and alerts. The config's
    [crawl] section sets how this worker fetches; start as many workers as wanted.
    """
    from scheduler.cluster.queue import mask_url
    from scheduler.cluster.run import run_worker
    from scheduler.logs import setup_logging

    config = load_config(config_path)
    cluster = config.cluster or ClusterConfig(redis="redis://")  # the defaults of [cluster]
    if redis_url is None and config.cluster is not None:
        redis_url = config.cluster.redis
    if not redis_url:
        raise click.ClickException(
            "no Redis to take jobs from: give --redis, set $REDIS_URL, or add a [cluster] "
            'section (redis = "${REDIS_URL}") to the config'
        )
    source = ctx.get_parameter_source("redis_url")
    setup_logging(log_format, verbose)
    if source is click.core.ParameterSource.COMMANDLINE and mask_url(redis_url) != redis_url:
        click.echo(
            "warning: the Redis password is on the command line, where `ps` shows it; "
            "put the URL in $REDIS_URL instead",
            err=True,
        )
    click.echo(f"worker: taking jobs from {mask_url(redis_url)}", err=True)
    run_worker(
        redis_url,
        config,
        concurrency=concurrency,
        lease=cluster.lease.total_seconds(),
        max_deliveries=cluster.max_deliveries,
        secret=cluster.secret,
        name=name,
    )
