"""The console in a real browser (Debian's chromium driven by Selenium through
chromium-driver), over a database filled by a real `newsradar run --once` against the
local news sites, served by a real `newsradar web` on 127.0.0.1.

Each page is photographed into docs/console/ (the README shows the pictures).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import newsradar
from newssite import NewsSite
from scheduler.config import load_config
from scheduler.web.auth import hash_password

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The README's pictures are retaken with NEWSRADAR_SCREENSHOTS=docs/console; a plain
# test run leaves the tracked files alone and writes them to a temporary folder.
SHOTS = Path(
    os.environ.get("NEWSRADAR_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "newsradar-console-shots"
)

WATCHLIST = """
[[entity]]
id = "taliban"
name = "Taliban"  # the group, not the road
kind = "group"
tags = ["groups"]

[[entity]]
id = "al-qaeda"
name = "al Qaeda"
kind = "group"
aliases = ["al-Qaida"]
tags = ["groups"]
"""

STORIES = [
    (
        "taliban-envoys-doha",
        "Taliban envoys return to Doha for prisoner talks",
        [
            "DOHA — Taliban envoys arrived in the Qatari capital on Tuesday for a new round "
            "of talks on prisoner releases, two officials said.",
            "Neither side gave a date for the end of the talks.",
        ],
    ),
    (
        "floods-taliban-road",
        "Floods close the market on Taliban Road",
        [
            "Heavy rain flooded the market on Taliban Road in the west of the city, "
            "shopkeepers said on Monday.",
            "The road was reopened to traffic in the evening.",
        ],
    ),
    (
        "qaeda-presence-report",
        "Monitors say al-Qaida keeps a presence in the east",
        [
            "A report by sanctions monitors says al-Qaida retains a small presence in two "
            "eastern provinces, a finding the authorities dispute.",
        ],
    ),
    (
        "hostile-headline",
        'Taliban <img src=x onerror="document.title=1"> statement',
        ['The Taliban statement read <script>document.title="owned"</script> in full.'],
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def console(config: Path) -> Iterator[str]:
    """`newsradar web` on a free port of 127.0.0.1; its base URL."""
    port = free_port()
    log = (config.parent / "console.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "web", "-c", str(config), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (config.parent / "console.log").read_text()
            try:
                httpx.get(base + "/static/console.css", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (see .ci/run)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="newsradar-chromium-") as profile:
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1000",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.implicitly_wait(5)
        try:
            yield driver
        finally:
            driver.quit()


def shot(driver: object, name: str) -> None:
    """Photograph the whole page into docs/console/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 700), 2400))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1280, 1000)


def navigate(driver: object, element: object) -> None:
    """Click ``element`` and wait for the page it leads to."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_: object) -> bool:
        try:
            page.is_enabled()  # raises once the old page is gone
        except WebDriverException:
            # Stale, or chromedriver's "node does not belong to the document" when
            # asked mid-navigation: either way the old page is gone.
            return True
        return False

    WebDriverWait(driver, 60).until(replaced)


def write_config(path: Path, source_url: str, web: str = "") -> Path:
    path.write_text(
        f'# Written by the browser test.\ndatabase = "radar.db"\n{web}\n'
        f'[[source]]\nname = "Kabul Ledger"\nurl = "{source_url}"\n{WATCHLIST}',
        encoding="utf-8",
    )
    return path


def test_an_analyst_triages_corrects_and_adds_a_source_in_a_browser(
    tmp_path: Path, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    with NewsSite("Kabul Ledger") as site, NewsSite("Frontier Post") as other:
        for slug, title, paragraphs in STORIES:
            site.publish(slug, title, paragraphs)
        other.publish(*STORIES[2][:2], STORIES[2][2])
        config = write_config(tmp_path / "newsradar.toml", site.rss_url)
        first = newsradar("run", "--once", "-c", str(config))
        assert first.returncode == 0, first.stderr
        with console(config) as base:
            # The inbox, filtered to one entity.
            driver.get(base + "/")
            assert "Floods close the market on Taliban Road" in driver.page_source
            assert driver.title != "owned" and driver.title != "1"  # hostile HTML inert
            assert not driver.find_elements(By.TAG_NAME, "img")  # shown as text, not made
            scripts = driver.find_elements(By.TAG_NAME, "script")
            assert [e.get_attribute("src") for e in scripts] == [base + "/static/console.js"]
            assert '&lt;img src=x onerror="document.title=1"&gt;' in driver.page_source
            Select(driver.find_element(By.NAME, "entity")).select_by_value("al-qaeda")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]"))
            titles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "article.story h2")]
            assert titles == ["Monitors say al-Qaida keeps a presence in the east"]
            driver.get(base + "/")
            shot(driver, "inbox")

            # Open the false positive and mark its mention wrong.
            navigate(
                driver, driver.find_element(By.LINK_TEXT, "Floods close the market on Taliban Road")
            )
            assert driver.find_element(By.CSS_SELECTOR, ".text mark").text == "Taliban"
            shot(driver, "story")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "button.wrong"))
            assert "Correct a match" in driver.find_element(By.TAG_NAME, "h1").text
            section = driver.find_element(By.ID, "proposal-exclude")
            assert "exclude 'Taliban Road'" in section.text
            assert '+exclude = ["Taliban Road"]' in section.text
            assert "this text no longer matches" in section.text
            shot(driver, "correct")
            section.find_element(By.NAME, "confirm").click()
            navigate(driver, section.find_element(By.CSS_SELECTOR, "button.apply"))
            assert "Applied to newsradar.toml" in driver.page_source
            assert load_config(config).entity[0].exclude == ["Taliban Road"]
            assert "# the group, not the road" in config.read_text()
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/rematch'] button"))
            assert "Rematched" in driver.page_source

            # The same text no longer matches.
            driver.get(base + "/watchlist")
            box = driver.find_element(By.NAME, "text")
            box.send_keys("Heavy rain flooded the market on Taliban Road in the west.")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#explain button"))
            assert "No mention: this text would not match." in driver.page_source
            box = driver.find_element(By.NAME, "text")
            box.clear()
            box.send_keys("Taliban envoys arrived in Doha.")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#explain button"))
            found = driver.find_element(By.CSS_SELECTOR, "table.found").text
            assert "taliban" in found and "exact" in found
            driver.find_element(By.NAME, "id").send_keys("is")
            driver.find_element(By.NAME, "name").send_keys("IS")
            time.sleep(1.2)  # the live check runs 0.4 s after typing stops
            assert "too short to be useful" in driver.find_element(By.ID, "entity-check").text
            shot(driver, "watchlist")
            assert "Floods close" not in httpx.get(base + "/").text

            driver.get(base + "/entities/taliban")
            assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")) == 31
            shot(driver, "entity")
            driver.get(base + "/search?q=Doha")
            assert driver.find_element(By.CSS_SELECTOR, ".hit mark").text == "Doha"
            shot(driver, "search")

            # Add a source after the discovery preview.
            driver.get(base + "/sources")
            driver.find_element(By.CSS_SELECTOR, "#discover input[name=url]").send_keys(
                other.base_url + "/"
            )
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#discover button"))
            candidates = driver.find_element(By.CSS_SELECTOR, "ol.candidates").text
            assert "feed" in candidates and other.base_url in candidates
            name = driver.find_element(By.CSS_SELECTOR, "#add-source input[name=name]")
            name.clear()
            name.send_keys("Frontier Post")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#add-source button"))
            assert "Added Frontier Post" in driver.page_source
            assert [s.name for s in load_config(config).source] == ["Kabul Ledger", "Frontier Post"]

            # Pause the first source: the next run skips it.
            navigate(
                driver, driver.find_element(By.XPATH, "//tr[td/strong='Kabul Ledger']//button")
            )
            assert "Paused" in driver.page_source
            shot(driver, "sources")

            # A form whose CSRF token is removed is refused.
            driver.execute_script(
                "document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())"
            )
            navigate(
                driver, driver.find_element(By.XPATH, "//tr[td/strong='Frontier Post']//button")
            )
            assert "Refused" in driver.find_element(By.TAG_NAME, "h1").text
            cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
            forged = httpx.post(
                base + "/sources/pause",
                data={"url": site.rss_url, "paused": "no"},
                cookies=cookies,
            )
            assert forged.status_code == 403

        site.clear_requests()
        second = newsradar("run", "--once", "-c", str(config))
        assert second.returncode == 0, second.stderr
        assert "1/1 sources polled" in second.stderr  # Frontier Post only
        assert not site.requests


def test_a_console_with_a_password_asks_for_it_in_the_browser(
    tmp_path: Path, browser: object
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    with NewsSite("Kabul Ledger") as site:
        site.publish(*STORIES[0][:2], STORIES[0][2])
        web = f'[web]\npassword_hash = "{hash_password("open sesame")}"\n'
        config = write_config(tmp_path / "newsradar.toml", site.rss_url, web)
        assert newsradar("run", "--once", "-c", str(config)).returncode == 0
        with console(config) as base:
            driver.get(base + "/sources")
            assert driver.current_url == base + "/login?next=%2Fsources"
            shot(driver, "login")
            driver.find_element(By.NAME, "password").send_keys("wrong")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#login button"))
            assert "Wrong password." in driver.page_source
            driver.find_element(By.NAME, "password").send_keys("open sesame")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#login button"))
            assert driver.current_url == base + "/sources"
            assert "Kabul Ledger" in driver.page_source
            session = next(c for c in driver.get_cookies() if c["name"] == "newsradar_session")
            assert session["httpOnly"] and session["sameSite"] == "Strict"
            assert httpx.get(base + "/api/stories").status_code == 401  # no session, no token
