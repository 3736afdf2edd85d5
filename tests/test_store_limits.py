"""Store columns that cannot overflow: a recording over 2 GiB and archive values of any length."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from exam_audit.store import FileRow, FindingRow

BIG = 2 * 1024**3 + 4096  # one NVR hour at 4 Mbit/s is ~1.8 GB; this is past a 32-bit signed size


def test_sizes_are_64_bit_and_archive_values_unbounded():
    assert FileRow.__table__.c.bytes.type.__class__.__name__ == "BigInteger"
    for column in ("session_id", "camera", "id_number", "staff_id", "file"):
        assert FindingRow.__table__.c[column].type.__class__.__name__ == "Text", column


def test_a_recording_over_2_gib_and_a_long_session_id_audit_without_a_traceback(tmp_path: Path, cli):
    archive = tmp_path / "archive"
    (archive / "recordings").mkdir(parents=True)
    big = archive / "recordings" / "CH01_20260526082800_20260526092800.mp4"
    with big.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(BIG)
    long_id = "S" + "9" * 199
    (archive / "sessions.csv").write_text(
        "session_id,start,end,room,exam_type,operation\n"
        f"{long_id},2026-05-26 08:30:00,2026-05-26 09:30:00,理论考场1,theory,1.2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("audit", archive, "--out", out)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert {f["path"]: f["bytes"] for f in doc["archive"]["files"]}["recordings/" + big.name] == BIG
    assert any(f["rule"] == "video.unreadable" for f in doc["findings"])  # zeros are no video
    with sqlite3.connect(tmp_path / "store.db") as db:
        assert db.execute("select max(bytes) from archive_files").fetchone()[0] == BIG
        assert db.execute("select count(*) from findings where session_id = ?", (long_id,)).fetchone()[0] >= 1


def test_a_store_made_by_an_earlier_version_still_opens(tmp_path: Path, cli):
    """SQLite keeps the declared types of an existing store; it holds 64-bit integers and any text in them."""
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table archive_files (id integer primary key, audit_id integer, path varchar(1024), "
                     "bytes integer, kind varchar(16), sha256 varchar(64))")
    from exam_audit.store import Store

    store = Store(f"sqlite:///{db}")
    assert store.previous_files(str(tmp_path)) == {}
