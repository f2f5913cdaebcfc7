"""`newsradar web`: the console in a browser (and `web hash-password` for its login)."""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.cli.options import config_option


@click.group(invoke_without_command=True)
@config_option
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [web] port, 8450).")
@click.pass_context
def web(ctx: click.Context, config_path: Path | None, host: str | None, port: int | None) -> None:
    """Serve the web console: inbox, corrections, entities, sources, watchlist, search.

    It binds 127.0.0.1 unless told otherwise; any other address needs [web]
    password_hash or [web] token in the config. Stop it with Ctrl-C.
    """
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from scheduler.config import load_config
    from scheduler.web.app import check_bind, create_app

    config = load_config(config_path)
    host = host or config.web.host
    port = port or config.web.port
    check_bind(host, config.web)
    app = create_app(config_path)
    click.echo(f"newsradar console on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


@web.command("hash-password")
@click.password_option(help="The console's password (asked for when not given).")
def hash_password(password: str) -> None:
    """Print an argon2 hash of a password, for [web] password_hash."""
    from scheduler.web.auth import hash_password as make_hash

    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    click.echo(f'[web]\npassword_hash = "{make_hash(password)}"')
