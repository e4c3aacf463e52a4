"""``mentor-agent report --html``: the page for the example program after the demo's steps.

The page is parsed (every pair has an overlap chart with both people's hours and the booked meeting;
nothing external is loaded; text is escaped), then opened in headless Chromium (Debian's
``chromium``): a screenshot is taken and the console must stay quiet. Without Chromium the browser
test is skipped, except with CI=true, where it fails (as the server fixtures do).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agent.commands.report import pair_views
from agent.report.html import render
from harness import BOOKING_DAY, MAIL_DAY, Program, example_mail, write_config

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PAIRS = 5


class Page(HTMLParser):
    """The parts of the report the tests look at: table rows, and per pair section its SVG shapes."""

    def __init__(self, text: str):
        super().__init__()
        self.rows, self.sections, self.tags = 0, [], set()
        self._in_body = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows += 1
        elif tag == "section":
            self.sections.append(dict(id=attrs.get("id"), svg=[], classes=[]))
        elif self.sections and tag == "svg":
            self.sections[-1]["svg"].append(attrs.get("class"))
        elif self.sections and tag == "rect":
            self.sections[-1]["classes"].append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False


@pytest.fixture
def program(tmp_path):
    """The example program after the demo's two steps: booking, then the example mail."""
    p = Program(tmp_path, write_config(tmp_path))
    p.tick(BOOKING_DAY)
    for name in sorted(os.listdir(REPO / "examples" / "mail")):
        p.deliver(example_mail(name), name)
    p.tick(MAIL_DAY)
    return p


def report_cli(config: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", "report", "--config", str(config), "--html", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def assert_self_contained(text: str) -> None:
    lowered = text.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url("):
        assert needle not in lowered, needle
    assert lowered.count("http") == lowered.count('xmlns="http://www.w3.org/2000/svg"')  # namespaces only


def test_report_of_the_example_program(program, tmp_path):
    out = tmp_path / "report" / "health.html"
    result = report_cli(program.config, out)
    assert result.returncode == 0, result.stderr
    assert f"{EXAMPLE_PAIRS} pair(s)" in result.stdout
    text = out.read_text()
    assert_self_contained(text)
    page = Page(text)
    assert page.rows == EXAMPLE_PAIRS and len(page.sections) == EXAMPLE_PAIRS
    for section in page.sections:
        assert "overlap" in section["svg"], section["id"]
        classes = section["classes"]
        assert "mentor core" in classes and "mentee core" in classes, section["id"]
        assert "slot" in classes, section["id"]  # every example pair is booked
    assert "mentee stretch" in page.sections[0]["classes"]  # Rania's stretch hours are drawn, lighter
    assert "times in Asia/Beirut (the mentee" in text and "booked" in text


def test_report_before_anything_is_booked(tmp_path):
    config = write_config(tmp_path)
    result = report_cli(config, tmp_path / "empty.html")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "empty.html").read_text()
    page = Page(text)
    assert page.rows == EXAMPLE_PAIRS and text.count("not started") == EXAMPLE_PAIRS
    for section in page.sections:
        assert "mentor core" in section["classes"] and "mentee core" in section["classes"]
        assert "slot" not in section["classes"]
    assert "Not booked yet" in text and "No meetings held yet." in text


def test_every_text_is_escaped(program):
    with program.app.engine.connect() as conn:
        views = pair_views(conn, program.app.roster, datetime(2027, 1, 20, tzinfo=UTC))
    text = render('<script>alert("x")</script> & Co', datetime(2027, 1, 20, tzinfo=UTC), views,
                  notes=["<b>quarantine</b>"])
    assert "<script" not in text and "&lt;script&gt;" in text and "&lt;b&gt;quarantine" in text
    assert_self_contained(text)
    assert all(v.held > 0 for v in views)
    assert text.count('class="held"') == EXAMPLE_PAIRS  # meetings held per week, per pair


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        message = "chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def headless(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
                           *args], capture_output=True, text=True, timeout=120)


def test_the_page_in_headless_chromium(program, tmp_path):
    browser = chromium()
    with program.app.engine.connect() as conn:
        views = pair_views(conn, program.app.roster, datetime(2027, 1, 20, tzinfo=UTC))
    page = tmp_path / "report.html"
    page.write_text(render("Bridges Mentoring", datetime(2027, 1, 20, tzinfo=UTC), views))
    shot = tmp_path / "report.png"

    dom = headless(browser, tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 2 * EXAMPLE_PAIRS  # the overlap and meetings-held charts
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console

    taken = headless(browser, tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1400, 2000)
    assert len(data) > 50_000  # a blank or error page compresses to a few KB
    console = [line for line in taken.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
