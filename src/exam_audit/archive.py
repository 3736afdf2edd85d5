"""Finding an archive's parts: centre.toml, the tables (CSV, XLSX, XLS or JSON) and the recordings.

The archive is only ever read. Everything not in the contract is ignored.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ArchiveError
from .findings import Finding
from .records.tables.loader import Record, Table
from .records.tables.schema import TABLES
from .results import ArchiveFile, MediaResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".json")  # in order of preference when a table comes twice
VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".avi", ".ts", ".mts", ".m2ts", ".flv", ".mpg", ".mpeg", ".wmv",
    ".3gp", ".h264", ".h265", ".264", ".265", ".dav", ".webm",
})
CENTRE_FILE = "centre.toml"
RECORDINGS_DIR = "recordings"

Polygon = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Camera:
    id: str
    room: str | None = None
    station: str | None = None
    invigilator_zones: tuple[Polygon, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Centre:
    """centre.toml, or its defaults when the archive has none."""

    id: str | None = None
    name: str | None = None
    timezone: str | None = None
    filename_patterns: tuple[str, ...] = ()
    cameras: dict[str, Camera] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Archive:
    root: Path
    centre: Centre
    tables: dict[str, Path]  # table name -> file
    recordings: list[Path]
    files: list[ArchiveFile]
    # (file, problem, problem_zh) for parts that could not be read as the contract says
    problems: list[tuple[str, str, str]] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def open_archive(path: Path) -> Archive:
    """Discover the parts of the archive at ``path``; raises ArchiveError when it cannot be audited."""
    root = Path(path)
    if not root.exists():
        raise ArchiveError(f"{root}: no such archive folder", "check the path")
    if not root.is_dir():
        raise ArchiveError(f"{root}: not a folder",
                           "pass the folder that holds the centre's tables and recordings/")
    try:
        entries = {p.name.lower(): p for p in root.iterdir() if p.is_file()}
    except OSError as exc:
        raise ArchiveError(f"{root}: cannot be read ({exc.strerror})", "check the folder's permissions") from None

    problems: list[tuple[str, str, str]] = []
    tables: dict[str, Path] = {}
    for name in TABLES:
        found = [entries[name + s] for s in TABLE_SUFFIXES if name + s in entries]
        if found:
            tables[name] = found[0]
            for other in found[1:]:
                problems.append((other.name, f"{found[0].name} is used; {other.name} is ignored",
                                 f"已使用 {found[0].name}，忽略 {other.name}"))
    recordings = sorted(_recordings(root / RECORDINGS_DIR))
    centre_path = entries.get(CENTRE_FILE)
    centre = Centre()
    if centre_path:
        centre, problem = read_centre(centre_path)
        if problem:
            problems.append((centre_path.name, *problem))
    if not tables and not recordings:
        raise ArchiveError(
            f"{root}: no exam tables and no recordings found",
            f"point exam-audit at a centre's archive folder (holding plan.csv, sessions.csv, … "
            f"and {RECORDINGS_DIR}/)")

    files = [ArchiveFile(_rel(root, p), _size(p), "table") for p in tables.values()]
    files += [ArchiveFile(_rel(root, p), _size(p), "recording") for p in recordings]
    if centre_path:
        files.insert(0, ArchiveFile(_rel(root, centre_path), _size(centre_path), "config"))
    return Archive(root=root, centre=centre, tables=tables, recordings=recordings, files=files,
                   problems=problems)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _recordings(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            if Path(name).suffix.lower() in VIDEO_SUFFIXES:
                yield Path(dirpath) / name


def read_centre(path: Path) -> tuple[Centre, tuple[str, str] | None]:
    """Parse centre.toml; a broken file gives the defaults and a problem to report."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Centre(), (f"cannot be read as UTF-8 TOML ({exc}); defaults used",
                          "无法按 UTF-8 TOML 读取，已使用默认设置")
    info = data.get("centre", {})
    patterns = tuple(str(p) for p in data.get("filename_patterns", info.get("filename_patterns", ())))
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            return Centre(), (f"filename pattern {pattern!r} is not a valid regular expression ({exc})",
                              f"文件名模式 {pattern!r} 不是有效的正则表达式")
    cameras: dict[str, Camera] = {}
    for spec in data.get("camera", []):
        if "id" not in spec:
            return Centre(), ("a [[camera]] has no id; defaults used", "某个 [[camera]] 缺少 id，已使用默认设置")
        try:
            zones = tuple(tuple((float(x), float(y)) for x, y in zone)
                          for zone in spec.get("invigilator_zones", []))
        except (TypeError, ValueError):
            return Centre(), (f"camera {spec['id']}: invigilator_zones must be lists of [x, y] pairs",
                              f"摄像头 {spec['id']} 的 invigilator_zones 应为 [x, y] 坐标列表")
        known = {"id", "room", "station", "invigilator_zones"}
        cameras[str(spec["id"])] = Camera(
            id=str(spec["id"]), room=spec.get("room"), station=spec.get("station"),
            invigilator_zones=zones, extra={k: v for k, v in spec.items() if k not in known})
    centre = Centre(id=info.get("id"), name=info.get("name"), timezone=info.get("timezone"),
                    filename_patterns=patterns, cameras=cameras)
    return centre, None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def hash_files(archive: Archive, workers: int = 2, skip: frozenset[str] = frozenset()) -> list[ArchiveFile]:
    """The archive's files with their sha256 (threads: hashlib releases the GIL on large blocks); files of
    a kind in ``skip`` are left unhashed, for a later stage that reads them anyway."""

    def one(f: ArchiveFile) -> ArchiveFile:
        if f.kind in skip:
            return f
        try:
            digest = sha256_file(archive.root / f.path)
        except OSError:
            digest = ""
        return ArchiveFile(f.path, f.bytes, f.kind, digest)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, archive.files))


@dataclass
class ArchiveData:
    """What checks read: the archive's loaded tables, its centre settings and what the media stage measured
    in its recordings, so that a check remains a plain function of this object and the profile.
    """

    archive: Archive
    tz: Any  # tzinfo of the centre
    tables: dict[str, Table] = field(default_factory=dict)
    # what reading the tables and centre.toml found (encodings, values, columns), reported by a check
    reading: list[Finding] = field(default_factory=list)
    media: MediaResult = field(default_factory=MediaResult)
    # indexes derived from the tables, built once and shared by the checks (see records/crossref.py)
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def centre(self) -> Centre:
        return self.archive.centre

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def records(self, name: str) -> list[Record]:
        table = self.tables.get(name)
        return table.records if table and table.readable else []
