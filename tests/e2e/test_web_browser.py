"""The web UI in a real browser: `wommon run` serves it on loopback, headless Chromium
(Debian's `chromium` and `chromium-driver`, driven by Selenium) opens the list and an
incident page, and checks what a person would see: the chart drawn with one dot per busy
minute, a hostile title shown as text, no console error."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support.daemons import NotifySocket, daemon_env, start_daemon
from tests.support.helpers import seed_story

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> Acme bills twice'
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason="no headless browser: install Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver; .ci/run does)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,1400")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[str]:
    # A story of the last three hours: still open when the daemon looks at it on the
    # real clock, so its page draws a forecast.
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    seed_story(engine, 40, title=HOSTILE, start=start)
    port = free_port()
    config = tmp_path / "wommon.toml"
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[[brands]]\nname = "Acme"\n\n'
        f'[web]\nlisten = "127.0.0.1:{port}"\n'
    )
    notify = NotifySocket(tmp_path / "notify.sock")
    daemon = start_daemon(config, daemon_env(NOTIFY_SOCKET=notify.path), capture=True)
    try:
        # READY=1 comes after the web server listens.
        if not notify.wait_for("READY=1", timeout=120):
            daemon.kill()
            pytest.fail(f"the daemon never became ready: {daemon.communicate()[1][-2000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        daemon.terminate()
        daemon.wait(60)
        notify.close()


def console_errors(driver: object) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]


def test_list_and_incident_page_in_a_real_browser(
    served: str, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(f"{served}/incidents")  # type: ignore[attr-defined]
    story = d.find_element(By.CSS_SELECTOR, "table.incidents td a")  # type: ignore[attr-defined]
    assert story.text == HOSTILE
    spark = d.find_element(By.CSS_SELECTOR, "img.spark")  # type: ignore[attr-defined]
    assert d.execute_script("return arguments[0].naturalWidth", spark) > 0  # type: ignore[attr-defined]
    assert console_errors(d) == []

    story.click()
    assert d.find_element(By.ID, "label").text == HOSTILE  # type: ignore[attr-defined]
    assert d.title == "Incident 1 · wommon"  # type: ignore[attr-defined]
    assert d.find_elements(By.CSS_SELECTOR, "main script, main img[src='x']") == []  # type: ignore[attr-defined]
    chart = d.find_element(By.ID, "chart")  # type: ignore[attr-defined]
    assert d.execute_script("return arguments[0].naturalWidth", chart) > 0  # type: ignore[attr-defined]
    rows = d.find_elements(By.CSS_SELECTOR, "table.mentions tbody tr")  # type: ignore[attr-defined]
    assert len(rows) == 40
    shot = tmp_path / "incident.png"
    d.save_screenshot(str(shot))  # type: ignore[attr-defined]
    assert shot.stat().st_size > 10_000
    assert console_errors(d) == []

    # The chart itself: 40 mentions a few minutes apart, one dot each, and the forecast.
    d.get(chart.get_attribute("src"))  # type: ignore[attr-defined]
    assert len(d.find_elements(By.CSS_SELECTOR, "#mentions use")) == 40  # type: ignore[attr-defined]
    assert len(d.find_elements(By.CSS_SELECTOR, "#voices use")) == 40  # type: ignore[attr-defined]
    assert d.find_elements(By.CSS_SELECTOR, "#forecast path")  # type: ignore[attr-defined]

    d.get(f"{served}/brands/Acme")  # type: ignore[attr-defined]
    assert d.find_element(By.TAG_NAME, "h1").text == "Acme"  # type: ignore[attr-defined]
    assert console_errors(d) == []
