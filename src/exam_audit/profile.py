"""The standards profile: thresholds with their sources, severities, date-aware rules, the catalogue.

The shipped default lives in ``data/profile.toml``; ``--profile FILE`` overrides any part of it. The rule
catalogue (ids, checklist items, titles and message templates in Chinese and English) lives in
``data/rules/*.toml`` and is part of the profile object so that a check needs nothing else to build a
finding.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ProfileError
from .findings import ITEMS, SEVERITIES, Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Rule:
    id: str
    item: str
    title_en: str
    title_zh: str
    message_en: str
    message_zh: str


@dataclass(frozen=True)
class Threshold:
    name: str
    value: Any
    unit: str
    source: str
    rules: tuple[str, ...]

    @property
    def local_policy(self) -> bool:
        return "local policy" in self.source


@dataclass(frozen=True)
class Regime:
    """The exam rules in force over a span of dates."""

    name: str
    start: date
    end: date | None
    theory_attempts_max: int
    practical_attempts_max: int
    source: str

    def attempts_max(self, exam_type: str) -> int | None:
        """The most attempts allowed for ``exam_type``; None means no limit."""
        limit = self.theory_attempts_max if exam_type == "theory" else self.practical_attempts_max
        return limit or None


@dataclass(frozen=True)
class PracticalStandard:
    weights: dict[str, float]
    minutes: float
    hands_on: tuple[str, ...]
    modes: tuple[str, ...]
    source: str

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(sorted(self.weights))


@dataclass(frozen=True)
class Operation:
    code: str
    name: str
    practical: PracticalStandard | None


class _Template(dict):
    """format_map mapping that leaves unknown placeholders visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: Mapping[str, Any]) -> str:
    formatter = string.Formatter()
    mapping = _Template({k: ("" if v is None else v) for k, v in values.items()})
    try:
        return formatter.vformat(template, (), mapping)
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ProfileError(f"profile {path}: no such file", "check the path given to --profile") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {path}: not valid TOML ({exc})", "fix the TOML syntax") from None
    except OSError as exc:
        raise ProfileError(f"profile {path}: cannot be read ({exc.strerror})") from None


def _data_file(*parts: str) -> Any:
    return resources.files("exam_audit").joinpath("data", *parts)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ProfileError(f"profile: {where} = {value!r} is not a date", "write it as YYYY-MM-DD") from None


def load_items() -> dict[str, dict[str, str]]:
    """Checklist items C1–C7: their titles in English and Chinese."""
    return tomllib.loads(_data_file("items.toml").read_text(encoding="utf-8"))


def load_catalogue() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for entry in sorted(_data_file("rules").iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for rule_id, spec in data.items():
            title_en, title_zh = spec["title_en"], spec["title_zh"]
            rules[rule_id] = Rule(
                id=rule_id,
                item=spec["item"],
                title_en=title_en,
                title_zh=title_zh,
                message_en=spec.get("message_en", title_en + ": {detail}"),
                message_zh=spec.get("message_zh", title_zh + "：{detail_zh}"),
            )
    return rules


@dataclass
class Profile:
    """Thresholds, severities, regimes and the operation catalogue, plus the rule catalogue."""

    raw: dict[str, Any]
    rules: dict[str, Rule]
    items: dict[str, dict[str, str]] = field(default_factory=load_items)
    sources: tuple[str, ...] = ("default",)
    _operations: dict[str, Operation] = field(default_factory=dict, repr=False)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, override: Path | None = None) -> Profile:
        default_text = _data_file("profile.toml").read_text(encoding="utf-8")
        raw = tomllib.loads(default_text)
        sources: tuple[str, ...] = ("default",)
        if override is not None:
            user = _read_toml(Path(override))
            _note_overridden_sources(raw, user, str(override))
            raw = _merge(raw, user)
            sources = ("default", str(override))
        profile = cls(raw=raw, rules=load_catalogue(), sources=sources)
        profile._validate()
        return profile

    def _validate(self) -> None:
        severities = self.raw.get("severity", {})
        for key, value in severities.items():
            rule_id = key.split(":", 1)[0]
            if rule_id not in self.rules:
                raise ProfileError(f"profile: [severity] names unknown rule '{rule_id}'",
                                   "run `exam-audit rules` for the rule ids")
            if value not in SEVERITIES:
                raise ProfileError(f"profile: [severity] {key} = {value!r}",
                                   f"use one of {', '.join(SEVERITIES)}")
        for rule in self.rules.values():
            if rule.item not in ITEMS:
                raise ProfileError(f"rule catalogue: {rule.id} has unknown item {rule.item}")
            if rule.id not in severities:
                raise ProfileError(f"profile: no severity for rule '{rule.id}'",
                                   f"add \"{rule.id}\" under [severity]")
        for name, spec in self.raw.get("thresholds", {}).items():
            if not isinstance(spec, Mapping) or "value" not in spec:
                raise ProfileError(f"profile: [thresholds.{name}] has no value", "add value = …")
        try:
            ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ProfileError(f"profile: unknown timezone {self.timezone_name!r}",
                               "use an IANA name such as Asia/Shanghai") from None
        self.regimes()  # parse dates now, so a bad profile fails before any audit work
        self.operations()

    # -- identity -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.raw.get("profile", {}).get("name", "unnamed"))

    @property
    def version(self) -> str:
        return str(self.raw.get("profile", {}).get("version", "0"))

    @property
    def timezone_name(self) -> str:
        return str(self.raw.get("profile", {}).get("timezone", "Asia/Shanghai"))

    # -- thresholds and severities --------------------------------------------------------------
    def thresholds(self) -> dict[str, Threshold]:
        out = {}
        for name, spec in self.raw.get("thresholds", {}).items():
            out[name] = Threshold(
                name=name,
                value=spec["value"],
                unit=str(spec.get("unit", "")),
                source=str(spec.get("source", "local policy")),
                rules=tuple(spec.get("rules", ())),
            )
        return out

    def threshold(self, name: str) -> Any:
        try:
            return self.raw["thresholds"][name]["value"]
        except KeyError:
            raise ProfileError(f"profile: threshold '{name}' is missing",
                               f"add [thresholds.{name}] value = … to the profile") from None

    def severity(self, rule_id: str, variant: str | None = None) -> str:
        severities = self.raw["severity"]
        if variant and f"{rule_id}:{variant}" in severities:
            return severities[f"{rule_id}:{variant}"]
        return severities[rule_id]

    # -- date-aware rules -----------------------------------------------------------------------
    def regimes(self) -> list[Regime]:
        out = []
        for i, spec in enumerate(self.raw.get("regimes", [])):
            out.append(Regime(
                name=str(spec.get("name", f"regime {i + 1}")),
                start=_as_date(spec["from"], f"regimes[{i}].from"),
                end=_as_date(spec["until"], f"regimes[{i}].until") if "until" in spec else None,
                theory_attempts_max=int(spec.get("theory_attempts_max", 0)),
                practical_attempts_max=int(spec.get("practical_attempts_max", 0)),
                source=str(spec.get("source", "")),
            ))
        return out

    def regime_on(self, day: date) -> Regime | None:
        for regime in self.regimes():
            if regime.start <= day and (regime.end is None or day <= regime.end):
                return regime
        return None

    def retirement_age(self, day: date, sex: str) -> int | None:
        """Statutory retirement age on ``day`` for ``sex`` ('male'/'female'); None when unknown."""
        for i, spec in enumerate(self.raw.get("retirement_ages", [])):
            start = _as_date(spec["from"], f"retirement_ages[{i}].from")
            end = _as_date(spec["until"], f"retirement_ages[{i}].until") if "until" in spec else None
            if start <= day and (end is None or day <= end):
                return int(spec[sex])
        return None

    # -- operation catalogue --------------------------------------------------------------------
    def operations(self) -> dict[str, Operation]:
        if self._operations:
            return self._operations
        out = {}
        for code, spec in self.raw.get("operations", {}).items():
            practical = None
            if "practical" in spec:
                p = spec["practical"]
                practical = PracticalStandard(
                    weights={k: float(v) for k, v in p["weights"].items()},
                    minutes=float(p["minutes"]),
                    hands_on=tuple(p.get("hands_on", ())),
                    modes=tuple(p.get("modes", ("hands_on", "simulation", "oral"))),
                    source=str(p.get("source", "")),
                )
            out[code] = Operation(code=code, name=str(spec.get("name", code)), practical=practical)
        self._operations = out
        return out

    def operation(self, code_or_name: str) -> Operation | None:
        ops = self.operations()
        if code_or_name in ops:
            return ops[code_or_name]
        for op in ops.values():
            if op.name == code_or_name:
                return op
        return None

    # -- findings -------------------------------------------------------------------------------
    def finding(self, rule_id: str, *, variant: str | None = None,
                evidence: Mapping[str, Any] | None = None, **fields: Any) -> Finding:
        """Build a finding of ``rule_id``: item and severity from the catalogue and the profile,
        messages rendered in English and Chinese from the catalogue's templates."""
        rule = self.rules[rule_id]
        evidence = dict(evidence or {})
        values = {**fields, **evidence}
        values.setdefault("detail_zh", values.get("detail", ""))
        return Finding(
            rule=rule_id,
            item=rule.item,
            severity=self.severity(rule_id, variant),
            message=render(rule.message_en, values),
            message_zh=render(rule.message_zh, values),
            evidence=evidence,
            **fields,
        )


def _note_overridden_sources(default: dict[str, Any], user: Mapping[str, Any], where: str) -> None:
    """A threshold whose value the user changed without giving a source gets one naming their file."""
    for name, spec in (user.get("thresholds") or {}).items():
        if isinstance(spec, Mapping) and "value" in spec and "source" not in spec:
            base = default.get("thresholds", {}).get(name, {})
            if base.get("value") != spec["value"]:
                default.setdefault("thresholds", {}).setdefault(name, {})["source"] = (
                    f"local policy: set in {where}")
