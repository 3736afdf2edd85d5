"""Bad input never breaks a cross-check: blanked, garbled and contradictory cells become findings or
are skipped visibly, and every check still runs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from exam_audit.audit import audit_archive
from exam_audit.fixtures import FixtureSpec
from exam_audit.fixtures.base import build_clean
from exam_audit.fixtures.registry import DEFECTS, combinable
from exam_audit.fixtures.writer import write_model
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions

PROFILE = Profile.load()
GARBAGE = ("", "?", "2026-13-45 25:61:00", "-3", "优", "S-UNKNOWN", "abc", "9999", "理论", "口述")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_garbled_cells_never_fail_a_check(tmp_path: Path, seed: int):
    model = build_clean(FixtureSpec(seed=seed, sessions=6))
    for name in combinable():
        DEFECTS[name].inject(model)
    rng = random.Random(seed)
    for table, rows in model.tables.items():
        columns = model.columns[table]
        for row in rng.sample(rows, k=max(1, len(rows) // 5)):
            row[rng.choice(columns)] = rng.choice(GARBAGE)
    folder = tmp_path / "archive"
    folder.mkdir()
    write_model(model, folder)
    result = audit_archive(folder, AuditOptions(), PROFILE)
    failed = [c for c in result.checks if c.reason and "failed" in c.reason]
    assert not failed, failed
    assert result.findings  # garbage is reported, not swallowed
