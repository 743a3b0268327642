"""The HTML report rendered by headless Chromium: the plots are in the DOM and on screen."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib import image

from bench import result as results
from bench.report import render_html
from bench.result.model import load_result

GOLDEN_V2 = Path(__file__).parent / "golden" / "result-v2.json"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((b for b in map(shutil.which, BROWSERS) if b), None)
TITLES = (
    "Spread of the measured windows",
    "Throughput over time: sha256d @ cuda:0",
    "Throughput over time: llm-decode @ cuda:0",
    "Throughput over time: llm-decode @ cpu",
    "Revenue per kWh by workload",
    "Energy per work unit",
    "Power over time: sha256d @ cuda:0",
    "Power over time: llm-decode @ cuda:0",
    "Power over time: llm-decode @ cpu",
)
ASIC_ORANGE = (0xFF, 0x7F, 0x0E)  # matplotlib's C1, the ASIC bars
MEASURED_BLUE = (0x1F, 0x77, 0xB4)  # matplotlib's C0, measured bars and power lines

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BROWSER is None,
        reason="no headless browser: install the Debian package chromium (.ci/run does)",
    ),
]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with no network, no sync and a throwaway profile."""
    flags = [
        "--headless",
        "--no-sandbox",  # tests often run as root, where the sandbox refuses to start
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run(
        [BROWSER, *flags, *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    page = folder / "report.html"
    results.atomic_write_text(page, render_html(load_result(GOLDEN_V2)))
    return page


def test_rendered_dom_holds_every_plot(report_page, tmp_path):
    done = _chromium(tmp_path / "profile", "--dump-dom", report_page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count("<svg") == len(TITLES)
    for title in TITLES:
        assert f"<title>{title}</title>" in dom
    assert dom.count("<figcaption>") == len(TITLES)
    assert "Antminer S21 XP" in dom


def _has_colour(pixels, rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    target = [c / 255 for c in rgb]
    close = abs(pixels[..., 0] - target[0]) * 255 <= tolerance
    for channel in (1, 2):
        close &= abs(pixels[..., channel] - target[channel]) * 255 <= tolerance
    return int(close.sum()) > 200  # a bar or line, not a stray pixel


def test_screenshot_shows_the_plots(report_page, tmp_path):
    shot = tmp_path / "report.png"
    done = _chromium(
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1200,6000",
        f"--screenshot={shot}",
        report_page.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pixels = image.imread(shot)
    assert pixels.shape[0] == 6000 and pixels.shape[1] == 1200
    assert _has_colour(pixels, ASIC_ORANGE), "the ASIC reference bars are not on screen"
    assert _has_colour(pixels, MEASURED_BLUE), "the measured bars and traces are not on screen"
