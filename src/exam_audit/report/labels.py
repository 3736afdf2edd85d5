"""Words of the reports in Chinese and English; rule titles and messages come from the rule catalogue."""

from __future__ import annotations

from functools import cache

from ..profile import Rule, load_catalogue, load_items

LANGS = ("zh", "en")

SEVERITY = {
    "zh": {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
    "en": {"critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "info"},
}


@cache
def catalogue() -> dict[str, Rule]:
    return load_catalogue()


@cache
def items() -> dict[str, dict[str, str]]:
    return load_items()


def rule_title(rule: str, lang: str) -> str:
    """The catalogue's title of ``rule``; a rule this version does not know (a newer store) shows its id."""
    entry = catalogue().get(rule)
    if entry is None:
        return rule
    return entry.title_zh if lang == "zh" else entry.title_en


def item_title(item: str, lang: str) -> str:
    return items().get(item, {}).get(lang, item)


def message(finding_message: str, finding_message_zh: str, lang: str) -> str:
    return (finding_message_zh or finding_message) if lang == "zh" else (finding_message or finding_message_zh)
