"""The page at / in a real browser: Debian's Chromium (the system executable, no browser
download) driven by Playwright asks for the API key, detects and segments an uploaded photo,
shows an error in words, translates a typed sentence and draws its attention heatmap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.serve.conftest import API_KEY, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) missing")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)  # a guard against a hang; each step waits on an element
        page.goto(server.url + "/")
        yield page
        browser.close()


def _choose(page, task: str) -> None:
    value = page.eval_on_selector(
        "#model", f"s => [...s.options].find(o => o.text.includes('({task})')).value"
    )
    page.select_option("#model", value)


def test_page(page, server, tmp_path):
    # the server needs a key: the page says so and asks for it
    page.wait_for_selector("#key-box:not([hidden])")
    assert "API key" in page.inner_text("#error")
    page.fill("#api-key", API_KEY)
    page.click("#save-key")
    page.wait_for_function("document.querySelector('#status').innerText.includes('ready')")
    assert page.inner_text("#status") == "3 model(s) ready" and page.is_hidden("#error")

    _choose(page, "detection")
    page.set_input_files("#file", str(SAMPLES / "dog.jpg"))
    page.wait_for_selector("#result-image[data-ready='1']")
    legend = page.inner_text("#legend")
    assert "dog" in legend and "bicycle" in legend
    assert '"class": "dog"' in page.text_content("#json")
    page.screenshot(path=str(tmp_path / "detect.png"), full_page=True)

    _choose(page, "segmentation")
    page.set_input_files("#file", str(SAMPLES / "dog.jpg"))
    page.wait_for_function("document.querySelector('#legend').innerText.includes('Road')")
    page.wait_for_selector("#result-image[data-ready='1']")
    page.screenshot(path=str(tmp_path / "segment.png"), full_page=True)

    # a text file named like a photo: the server's words on the page
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo\n")
    page.set_input_files("#file", str(notes))
    page.wait_for_selector("#error:not([hidden])")
    assert "notes.jpg: unreadable image: the file is a text file" in page.inner_text("#error")

    _choose(page, "translation")
    page.fill("#text", "Two dogs are playing in the snow.\nA man rides a bike.")
    page.click("#translate")
    page.wait_for_selector(".sentence:nth-child(2) canvas.heatmap")
    translations = page.eval_on_selector_all(".translation", "els => els.map(e => e.innerText)")
    assert len(translations) == 2 and "chiens" in translations[0]  # "Two dogs ..."
    rows, cols = page.eval_on_selector(
        "canvas.heatmap", "c => [Number(c.dataset.rows), Number(c.dataset.cols)]"
    )
    assert rows >= 2 and cols == 9  # 8 source pieces + eos
    assert page.inner_text("#error") == "" and page.is_hidden("#error")
    shot = tmp_path / "translate.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # the screenshots stay in the test's tmp folder
