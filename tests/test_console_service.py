"""`newsradar run --web`: the console served by the running service, on its event loop,
reloading it in-process when the console changes the configuration."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import RunningService
from newssite import NewsSite

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_web_serves_the_console_and_reloads_in_process(
    tmp_path: Path, news_site: NewsSite, services: Callable[..., RunningService]
) -> None:
    news_site.publish(
        "taliban-envoys-doha",
        "Taliban envoys return to Doha",
        ["Taliban envoys arrived in Doha on Tuesday for talks, officials said."],
    )
    port = free_port()
    config = tmp_path / "newsradar.toml"
    config.write_text(
        f'database = "radar.db"\n[web]\nport = {port}\n[crawl]\ninterval = "1h"\n'
        f'[[source]]\nname = "Kabul Ledger"\nurl = "{news_site.rss_url}"\n'
        '[[entity]]\nid = "taliban"\nname = "Taliban"\n',
        encoding="utf-8",
    )
    service = services(config, "--web")
    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        try:
            return "Taliban envoys return to Doha" in httpx.get(base + "/", timeout=2).text
        except httpx.TransportError:
            return False

    service.wait_until(serving, timeout=60)
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/watchlist").text)[1]
        added = client.post(
            "/watchlist/add",
            data={"csrf": token, "id": "al-qaeda", "name": "al Qaeda", "action": "add"},
            follow_redirects=True,
        )
        assert "The service reloaded its configuration." in added.text
    service.wait_until(lambda: "configuration reloaded" in service.log)
    assert "2 entities" in service.log.split("configuration reloaded", 1)[1]
    assert service.stop() == 0
    time.sleep(0.2)
    with pytest.raises(httpx.TransportError):
        httpx.get(base + "/", timeout=2)  # the console stopped with the service


def test_run_web_on_a_port_in_use_says_so_and_exits(tmp_path: Path) -> None:
    from conftest import newsradar

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "newsradar.toml"
        config.write_text(f'database = "radar.db"\n[web]\nport = {port}\n', encoding="utf-8")
        result = newsradar("run", "--web", "-c", str(config), timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"cannot serve the console on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
