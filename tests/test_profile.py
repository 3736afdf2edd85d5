from datetime import date

import pytest

from exam_audit.errors import ProfileError
from exam_audit.profile import Profile


@pytest.fixture(scope="module")
def profile():
    return Profile.load()


def test_every_rule_has_an_item_a_severity_and_both_titles(profile):
    assert len(profile.rules) >= 54
    for rule in profile.rules.values():
        assert rule.item in profile.items
        assert profile.severity(rule.id)
        assert rule.title_en and rule.title_zh


def test_rules_of_the_docs_are_all_in_the_catalogue(profile):
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1].parent / "shared" / "docs" / "RULES.md"
    if not docs.is_file():
        pytest.skip("shared docs absent")
    ids = set(re.findall(r"^\| ([a-z]+\.[a-z_]+) \|", docs.read_text(encoding="utf-8"), re.M))
    assert ids and ids <= set(profile.rules)


def test_every_threshold_has_a_source(profile):
    for t in profile.thresholds().values():
        assert t.source, t.name
        assert set(t.rules) <= set(profile.rules), t.name


def test_rules_in_force_depend_on_the_exam_date(profile):
    before = profile.regime_on(date(2026, 5, 31))
    after = profile.regime_on(date(2026, 6, 1))
    assert before.name == "原安监总局令第30号" and before.attempts_max("practical") == 2
    assert after.name == "应急管理部令第19号" and after.attempts_max("practical") == 5
    assert after.attempts_max("theory") is None  # unlimited


def test_retirement_age_is_date_aware(profile):
    assert profile.retirement_age(date(2024, 6, 1), "male") == 60
    assert profile.retirement_age(date(2026, 6, 1), "male") == 63


def test_operation_catalogue(profile):
    low_voltage = profile.operation("1.2")
    assert low_voltage.practical.weights == {"K1": 20, "K2": 40, "K3": 20, "K4": 20}
    assert profile.operation("低压电工作业") is low_voltage
    assert profile.operation("1.1").practical is None  # weights unknown: never guessed


def test_override_changes_one_value_and_names_its_source(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[thresholds.theory_duration_min]\nvalue = 90\n", encoding="utf-8")
    profile = Profile.load(path)
    t = profile.thresholds()["theory_duration_min"]
    assert t.value == 90 and str(path) in t.source
    assert profile.threshold("theory_pass_mark") == 80  # the rest is the default


def test_messages_are_rendered_in_both_languages(profile):
    finding = profile.finding("data.missing_value", file="staff.csv", row=3, column="name",
                              evidence={"value": ""})
    assert finding.message == "staff.csv line 3: 'name' is blank"
    assert finding.message_zh == "staff.csv 第 3 行：“name”为空"
    assert (finding.item, finding.severity) == ("C6", "medium")


def test_bad_dates_in_a_profile(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[regimes]]\nname = "x"\nfrom = "soon"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="not a date"):
        Profile.load(path)
