import json
import os
import subprocess
import sys

import click
import pytest

from exam_audit.cli import main


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help(cli):
    for path, command in _commands(main):
        assert command.help, f"{' '.join(path)} has no help text"
        result = cli(*path, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_missing_archive_is_a_one_line_error(cli, tmp_path):
    result = cli("audit", tmp_path / "nope", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'nope'}: no such archive folder — check the path",
        f"Audit store: {tmp_path / 'store.db'}"]


def test_folder_without_tables_is_an_error_naming_it(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    result = cli("audit", empty, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "no exam tables and no recordings found" in result.output
    assert "Traceback" not in result.output


def test_a_file_instead_of_a_folder(cli, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("x")
    result = cli("audit", path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "not a folder" in result.output


def test_one_bad_archive_does_not_stop_the_others(cli, make_fixture, tmp_path):
    good = make_fixture()
    result = cli("audit", tmp_path / "missing", good, "--out", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 2
    assert "no such archive folder" in result.output
    assert (tmp_path / "out" / "FX-001" / "findings.json").is_file()


def test_exit_codes_follow_fail_on(cli, make_fixture, tmp_path):
    clean = make_fixture()
    assert cli("audit", clean, "--out", tmp_path / "o1").exit_code == 0
    flawed = make_fixture(("underage",))  # a high finding
    assert cli("audit", flawed, "--out", tmp_path / "o2").exit_code == 1
    assert cli("audit", flawed, "--out", tmp_path / "o3", "--fail-on", "critical").exit_code == 0
    assert cli("audit", flawed, "--out", tmp_path / "o4", "--fail-on", "none").exit_code == 0
    low = make_fixture(("gb18030_table",))  # a low finding
    assert cli("audit", low, "--out", tmp_path / "o5").exit_code == 0
    assert cli("audit", low, "--out", tmp_path / "o6", "--fail-on", "low").exit_code == 1


def test_summary_names_items_reports_and_store(cli, make_fixture, tmp_path):
    result = cli("audit", make_fixture(("underage", "invalid_date")), "--out", tmp_path / "out")
    assert "C6 Recordings missing; data nonstandard" in result.output
    assert "(1 high, 1 medium)" in result.output
    assert str(tmp_path / "out" / "findings.json") in result.output
    assert f"Audit store: {tmp_path / 'store.db'}" in result.output


def test_csv_report_opens_in_excel(cli, make_fixture, tmp_path):
    cli("audit", make_fixture(("invalid_date",)), "--out", tmp_path / "out", "--format", "csv")
    data = (tmp_path / "out" / "findings.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on a Chinese Windows reads it as UTF-8
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rule,item,severity") and len(lines) == 2
    assert not (tmp_path / "out" / "findings.json").exists()


def test_unknown_format_is_a_usage_error(cli, make_fixture, tmp_path):
    result = cli("audit", make_fixture(), "--format", "pdf")
    assert result.exit_code == 2 and "unknown format pdf" in result.output


def test_reaudit_reports_changed_and_removed_files(cli, make_fixture, tmp_path):
    archive = make_fixture()
    assert cli("audit", archive, "--out", tmp_path / "o1").exit_code == 0
    with (archive / "results.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")  # one byte more: the file is no longer what was audited
    (archive / "training.csv").unlink()
    result = cli("audit", archive, "--out", tmp_path / "o2")
    doc = json.loads((tmp_path / "o2" / "findings.json").read_text(encoding="utf-8"))
    changed = sorted((f["file"], f["evidence"]["sha256"][:6])
                     for f in doc["findings"] if f["rule"] == "data.file_changed")
    assert [c[0] for c in changed] == ["results.csv", "training.csv"]
    assert dict(changed)["training.csv"] == "(file "
    assert result.exit_code == 1
    # unchanged on the third audit: compared with the second, nothing differs
    cli("audit", archive, "--out", tmp_path / "o3")
    doc = json.loads((tmp_path / "o3" / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in doc["findings"] if f["rule"] == "data.file_changed"]


def test_audits_are_listed(cli, make_fixture, tmp_path):
    cli("audit", make_fixture(("invalid_date",)), "--out", tmp_path / "out")
    result = cli("audits")
    assert result.output.startswith("#1 ") and "1 finding(s)" in result.output


def test_any_sqlalchemy_url(cli, make_fixture, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    result = cli("audit", make_fixture(), "--out", tmp_path / "out", "--db", url)
    assert result.exit_code == 0 and (tmp_path / "other.db").is_file()
    bad = cli("audit", make_fixture(), "--out", tmp_path / "out2", "--db", "nosuchdriver://x")
    assert bad.exit_code == 2 and "cannot be opened" in bad.output and "Traceback" not in bad.output


def test_several_archives_get_a_folder_each(cli, make_fixture, tmp_path):
    a, b = make_fixture(seed=1), make_fixture(seed=2)
    result = cli("audit", a, b, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "FX-001" / "findings.json").is_file()
    assert (tmp_path / "out" / "FX-002" / "findings.json").is_file()


def test_rules_lists_the_catalogue_with_sources(cli):
    result = cli("rules")
    assert result.exit_code == 0
    assert "data.invalid_id_number" in result.output and "身份证号" in result.output
    as_json = json.loads(cli("rules", "--json").output)
    by_id = {r["rule"]: r for r in as_json}
    assert by_id["time.theory_overrun"]["thresholds"][0]["source"].startswith("安监总培训〔2013〕104号")
    assert by_id["staff.too_few"]["thresholds"][0]["local_policy"] is True
    assert len(by_id) >= 50


def test_profile_override(cli, make_fixture, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('[severity]\n"data.encoding" = "critical"\n', encoding="utf-8")
    archive = make_fixture(("gb18030_table",))
    result = cli("audit", archive, "--out", tmp_path / "out", "--profile", profile)
    assert result.exit_code == 1
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"][0]["severity"] == "critical"


@pytest.mark.parametrize("content,expected", [
    ("[severity\n", "not valid TOML"),
    ('[severity]\n"no.such_rule" = "high"\n', "unknown rule 'no.such_rule'"),
    ('[severity]\n"data.encoding" = "huge"\n', "use one of critical"),
])
def test_bad_profile_is_a_one_line_error(cli, make_fixture, tmp_path, content, expected):
    profile = tmp_path / "p.toml"
    profile.write_text(content, encoding="utf-8")
    result = cli("audit", make_fixture(), "--profile", profile)
    assert result.exit_code == 2 and expected in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_fixtures_make_and_defects(cli, tmp_path):
    listing = cli("fixtures", "defects").output
    assert "undecodable_byte" in listing and "solo" in listing
    result = cli("fixtures", "make", tmp_path / "fx", "--seed", "7", "--defects", "underage,invalid_date")
    assert result.exit_code == 0
    truth = json.loads((tmp_path / "fx" / "ground_truth.json").read_text(encoding="utf-8"))
    assert sorted(t["defect"] for t in truth["findings"]) == ["invalid_date", "underage"]
    again = cli("fixtures", "make", tmp_path / "fx")
    assert again.exit_code == 2 and "not empty" in again.output
    bad = cli("fixtures", "make", tmp_path / "fy", "--defects", "nonsense")
    assert bad.exit_code == 2 and "unknown defect" in bad.output


def test_fixtures_are_deterministic(cli, tmp_path):
    for name in ("a", "b"):
        cli("fixtures", "make", tmp_path / name, "--seed", "3", "--defects", "all")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_archive_is_never_modified(cli, make_fixture, tmp_path):
    archive = make_fixture(("invalid_date", "gb18030_table"))
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in archive.rglob("*") if p.is_file()}
    cli("audit", archive, "--out", tmp_path / "out")
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in archive.rglob("*") if p.is_file()}
    assert before == after


def test_installed_entry_point_runs(tmp_path):
    """The console script works as a process (no import-time surprises outside the test runner)."""
    exe = os.path.join(os.path.dirname(sys.executable), "exam-audit")
    if not os.path.exists(exe):
        pytest.skip("exam-audit is not installed as a console script in this environment")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("exam-audit, version")
