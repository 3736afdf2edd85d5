"""The registry, the rule catalogue, `exam-audit rules` and shared/docs/RULES.md name the same rules."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from conftest import SHARED
from exam_audit.audit import run_checks
from exam_audit.checks import AUDIT_RULES, CHECKS
from exam_audit.findings import check
from exam_audit.profile import Profile


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.load()


def declared() -> set[str]:
    return {rule for c in CHECKS for rule in c.rules} | set(AUDIT_RULES)


def test_every_declared_rule_is_in_the_catalogue(profile: Profile) -> None:
    assert declared() - set(profile.rules) == set()


def test_checks_have_unique_names_and_each_runs_once() -> None:
    assert len({c.name for c in CHECKS}) == len(CHECKS)
    assert len({c.run for c in CHECKS}) == len(CHECKS)


def test_the_catalogue_and_the_rules_document_agree(profile: Profile) -> None:
    docs = SHARED / "docs" / "RULES.md"
    if not docs.is_file():
        pytest.skip(f"shared docs not found at {docs}")
    documented = set(re.findall(r"^\| ([a-z]+\.[a-z_]+) \|", docs.read_text(encoding="utf-8"), re.M))
    assert documented == set(profile.rules)


def test_rules_not_yet_implemented_are_said_to_be(profile: Profile, make_fixture) -> None:
    from exam_audit.archive import open_archive
    from exam_audit.audit import load_archive
    from exam_audit.results import AuditOptions

    data = load_archive(open_archive(make_fixture()), profile, AuditOptions())
    statuses, _ = run_checks(data, profile)
    unimplemented = {s.rule for s in statuses if s.reason and "not implemented" in s.reason}
    assert unimplemented == set(profile.rules) - declared()
    assert not unimplemented & declared()


def test_the_rules_command_lists_the_catalogue(cli, profile: Profile) -> None:
    result = cli("rules", "--json", db=False)
    assert result.exit_code == 0
    assert [r["rule"] for r in json.loads(result.output)] == list(profile.rules)


def test_a_check_yielding_an_undeclared_rule_is_caught(profile: Profile, make_fixture,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    from exam_audit.archive import open_archive
    from exam_audit.audit import load_archive
    from exam_audit.results import AuditOptions

    @check("misdeclared", ("data.duplicate_row",))
    def misdeclared(data, profile):
        yield profile.finding("data.age_ineligible", evidence={})

    data = load_archive(open_archive(make_fixture()), profile, AuditOptions())
    with caplog.at_level(logging.ERROR):
        run_checks(data, profile, [misdeclared.check])
    assert any("does not declare" in r.getMessage() for r in caplog.records)
    caplog.clear()  # logged on purpose: the autouse guard must not fail this test


def test_readme_lists_every_folder_of_the_package() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    package = Path(__file__).resolve().parents[1] / "src" / "exam_audit"
    folders = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_dir()
                     and (p / "__init__.py").exists())
    assert [f for f in folders if f"{f}/" not in readme] == []
