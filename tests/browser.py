"""Headless Chromium for the report tests: the DOM after the page's script ran, a screenshot, and every
request the page tried to make (from Chromium's own network log, plus the CSP violations it blocked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (Debian: apt-get install -y chromium)")


@dataclass
class PageLoad:
    dom: str
    console: list[str]  # console messages and CSP reports Chromium logged
    page_requests: list[str]  # URLs the page itself asked the network for (not file: or data:)


def _page_requests(netlog: Path) -> list[str]:
    """Requests made on behalf of a file:// page. Chromium's own background traffic (update checks) has no
    page origin and is left out; anything the page asked for carries file:// as its isolation key."""
    try:
        log = json.loads(netlog.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):  # Chromium may end without closing the JSON array
        text = netlog.read_text(encoding="utf-8").rstrip().rstrip(",")
        log = json.loads(text + "]}")
    out = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        page = "file://" in str(params.get("network_isolation_key", "")) + str(params.get("site_for_cookies", ""))
        if page and url and not url.startswith(("file:", "data:")):
            out.append(url)
    return sorted(set(out))


def load(page: Path, fragment: str = "", screenshot: Path | None = None, size: str = "1280,2400") -> PageLoad:
    exe = chromium()
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    with tempfile.TemporaryDirectory(prefix="exam-audit-chromium-") as tmp:
        netlog = Path(tmp) / "netlog.json"
        shot = [f"--screenshot={screenshot}"] if screenshot is not None else []
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
        run = subprocess.run([exe, *FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size={size}",
                              "--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}", *shot, "--dump-dom",
                              url], capture_output=True, text=True, timeout=120, encoding="utf-8",
                             errors="replace", check=False)
        console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Content Security" in line]
        requests = _page_requests(netlog)
    return PageLoad(run.stdout, console, requests)
