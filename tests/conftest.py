"""Shared test fixtures: generated archives, the CLI, and the real media under ../shared (optional)."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from exam_audit.cli import main
from exam_audit.fixtures import FixtureSpec, make_archive

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EXAM_AUDIT_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = SHARED / "models"
ARTIFACTS = REPO / "test-artifacts"  # screenshots and other things a person may want to look at
# The fixture recordings are tiny by design (fast tests); audits of generated archives with video use
# this profile so that only injected defects are reported, not the tiny cameras themselves.
TINY_VIDEO_PROFILE = Path(__file__).parent / "data" / "tiny_video_profile.toml"


@pytest.fixture
def media_dir() -> Path:
    """The real labelled clips; tests that need them skip when ../shared/media is absent."""
    if not (MEDIA / "labels.json").is_file():
        pytest.skip(f"real media not found at {MEDIA} (set EXAM_AUDIT_SHARED to the shared folder)")
    return MEDIA


@pytest.fixture
def media_labels(media_dir: Path) -> dict[str, Any]:
    return json.loads((media_dir / "labels.json").read_text(encoding="utf-8"))


@pytest.fixture
def person_model() -> Path:
    path = MODELS / "yolox_nano.onnx"
    if not path.is_file():
        pytest.skip(f"person detector model not found at {path}")
    return path


requires_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
                                     reason="ffmpeg/ffprobe not installed")


@pytest.fixture
def make_fixture(tmp_path: Path) -> Callable[..., Path]:
    """make_fixture(defects=(...), seed=1, **spec) -> the folder of a generated archive."""
    counter = iter(range(10_000))

    def make(defects: tuple[str, ...] = (), seed: int = 1, **spec: Any) -> Path:
        folder = tmp_path / f"archive{next(counter)}"
        make_archive(folder, FixtureSpec(seed=seed, defects=tuple(defects), **spec))
        return folder

    return make


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """cli("audit", archive, ...) runs the command line in-process, with a fresh store in tmp_path."""
    runner = CliRunner()

    def run(*args: Any, db: bool = True) -> Result:
        argv = [str(a) for a in args]
        env = {"EXAM_AUDIT_DB": str(tmp_path / "store.db")} if db else {}
        return runner.invoke(main, argv, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def audit_findings(cli: Callable[..., Result], tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """audit_findings(archive, *extra_args) -> the findings.json document of a CLI audit."""
    counter = iter(range(10_000))

    def run(archive: Path, *extra: Any) -> dict[str, Any]:
        out = tmp_path / f"out{next(counter)}"
        result = cli("audit", archive, "--out", out, *extra)
        assert result.exit_code in (0, 1), result.output
        return json.loads((out / "findings.json").read_text(encoding="utf-8"))

    return run


@pytest.fixture(autouse=True)
def no_logged_errors(caplog: pytest.LogCaptureFixture):
    """A test that makes the library log an error fails, even if its assertions pass."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, f"errors were logged: {[r.getMessage() for r in errors]}"
