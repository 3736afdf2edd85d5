#!/usr/bin/env python3
"""Set everything up on a fresh machine, then run a demo audit or the tests.

    python3 scripts/bootstrap.py demo    # environment + ffmpeg + a real audit of a generated sample archive
    python3 scripts/bootstrap.py test    # environment + ffmpeg + chromium + lint + the test suite

Creates .venv in the repository, installs exam-audit into it (with the dev tools for `test`), and installs
ffmpeg (and Chromium for the report test) with apt-get on Debian/Ubuntu when they are missing. Elsewhere it
says exactly what to install. Uses only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv"
SAMPLE = REPO / "sample-archive"
OUT = REPO / "audit-out"
WINDOWS = os.name == "nt"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> int:
    say("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=False, **kwargs).returncode


def venv_bin(name: str) -> Path:
    folder = VENV / ("Scripts" if WINDOWS else "bin")
    return folder / (name + (".exe" if WINDOWS else ""))


def ensure_environment(extras: str) -> None:
    """A virtual environment with exam-audit installed; reinstalled only when pyproject.toml changes."""
    if not venv_bin("python").exists():
        say(f"creating the virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f"{REPO}[{extras}]" if extras else str(REPO)
    code = run([venv_bin("python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "-e", target])
    if code != 0:
        sys.exit(f"[bootstrap] pip could not install exam-audit (exit {code}); see the messages above")
    stamp.write_text(digest)


def apt_install(package: str, binary: str) -> bool:
    """Install a Debian/Ubuntu package when ``binary`` is missing; False when that cannot be done here."""
    if shutil.which(binary):
        return True
    if not shutil.which("apt-get"):
        return False
    sudo = [] if (not hasattr(os, "geteuid") or os.geteuid() == 0) else (["sudo"] if shutil.which("sudo") else None)
    if sudo is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing {package} with apt-get")
    if run([*sudo, "apt-get", "update", "-qq"], env=env) != 0:
        return False
    return run([*sudo, "apt-get", "install", "-y", "-qq", package], env=env, stdout=subprocess.DEVNULL) == 0 \
        and shutil.which(binary) is not None


def ensure_ffmpeg() -> None:
    if apt_install("ffmpeg", "ffmpeg") and shutil.which("ffprobe"):
        return
    sys.exit("[bootstrap] ffmpeg is required and could not be installed automatically. Install it, then run "
             "this again:\n  Debian/Ubuntu: sudo apt-get install ffmpeg\n  Windows: winget install Gyan.FFmpeg "
             "(then open a new terminal)\n  macOS: brew install ffmpeg")


def ensure_chromium() -> None:
    """Only the report test needs it; without it that test is skipped, with the reason."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return
    if not apt_install("chromium", "chromium"):
        say("Chromium is not installed and could not be: the browser test of the HTML report will be skipped")


def demo() -> int:
    ensure_environment("")
    ensure_ffmpeg()
    exam_audit = venv_bin("exam-audit")
    if not SAMPLE.exists():
        say(f"no sample archive yet: generating one with known defects in {SAMPLE}")
        code = run([exam_audit, "fixtures", "make", SAMPLE, "--seed", "1", "--defects", "all", "--video",
                    "--sessions", "8", "--candidates", "16"])
        if code != 0:
            return code
    code = run([exam_audit, "audit", SAMPLE, "--out", OUT, "--db", OUT / "exam-audit.db"])
    if code in (0, 1):  # 1 = the audit found problems, as it should on the sample
        say(f"done: open {OUT / 'report.html'} (also findings.json, findings.csv); "
            f"the injected defects are listed in {SAMPLE / 'ground_truth.json'}")
        return 0
    return code


def test() -> int:
    ensure_environment("dev,postgres,dask")
    ensure_ffmpeg()
    ensure_chromium()
    linted = [d for d in ("src", "tests", "benchmarks", "scripts") if (REPO / d).is_dir()]
    code = run([venv_bin("ruff"), "check", *linted], cwd=REPO)
    if code != 0:
        return code
    return run([venv_bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=REPO)


def main() -> int:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
