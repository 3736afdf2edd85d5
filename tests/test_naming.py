"""Recorder naming conventions (data/naming.toml): real exported names, each placed at the right instant;
ambiguous or timeless names give no time, never a wrong one."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import TINY_VIDEO_PROFILE
from exam_audit.archive import Archive, ArchiveData, Centre
from exam_audit.profile import Profile
from exam_audit.results import MediaResult
from exam_audit.video.media.probe import MediaProbe
from exam_audit.video.timeline import checks
from exam_audit.video.timeline.naming import CENTRE, parse_name, shipped_conventions
from exam_audit.video.timeline.placement import place

TZ = ZoneInfo("Asia/Shanghai")

# (path as found in an archive, convention, camera, start, end) with where the name was seen.
REAL_NAMES = [
    # Dahua NVR export: a public GitHub script's source path (…\zasijamka_belikoli\NVR_ch1_main_…dav)
    ("NVR_ch1_main_20230619064223_20230619064228.dav", "dahua-nvr-export", "ch1",
     "2023-06-19 06:42:23", "2023-06-19 06:42:28"),
    # Dahua XVR export: a public project's test of parse_start_time("XVR_ch1_main_…mp4")
    ("XVR_ch1_main_20260604130000_20260604135959.mp4", "dahua-nvr-export", "ch1",
     "2026-06-04 13:00:00", "2026-06-04 13:59:59"),
    # Dahua export with a user suffix: video_path = 'NVR_ch1_main_20241118083054_20241118083251_camera2.mp4'
    ("NVR_ch1_main_20241118083054_20241118083251_camera2.mp4", "dahua-nvr-export", "ch1",
     "2024-11-18 08:30:54", "2024-11-18 08:32:51"),
    # Dahua/Amcrest SD card: mediaFileFind FilePath "/mnt/sd/2025-01-10/001/dav/08/08.00.00-08.59.59[M][0@0][0].dav"
    ("recordings/mnt/sd/2025-01-10/001/dav/08/08.00.00-08.59.59[M][0@0][0].dav", "dahua-sd-tree", None,
     "2025-01-10 08:00:00", "2025-01-10 08:59:59"),
    # Amcrest FTP tree in a public photo/video indexer: FTP/cam-00/AMC0028V_795UUB/2021-03-06/001/dav/10/…
    ("recordings/FTP/cam-00/AMC0028V_795UUB/2021-03-06/001/dav/10/10.27.32-10.28.00[M][0@0][0].dav",
     "dahua-sd-tree", None, "2021-03-06 10:27:32", "2021-03-06 10:28:00"),
    # Dahua record type R (regular) in a public test: /mnt/dvr/2026-09-13/000/dav/08/08.20.31-08.49.43[R][0@0][0].dav
    ("recordings/2026-09-13/000/dav/08/08.20.31-08.49.43[R][0@0][0].dav", "dahua-sd-tree", None,
     "2026-09-13 08:20:31", "2026-09-13 08:49:43"),
    # Reolink with the DST flag: reolink_aio's parser comment "Mp4Record/2023-04-26/RecS02_DST20230426_…mp4"
    ("recordings/Mp4Record/2023-04-26/RecS02_DST20230426_145918_150032_2B14808_32F1DF.mp4", "reolink-sd", None,
     "2023-04-26 14:59:18", "2023-04-26 15:00:32"),
    # Reolink main stream: reolink_aio's parser comment "Mp4Record/2020-12-22/RecM01_20201222_075939_…mp4"
    ("RecM01_20201222_075939_080140_6D28808_1A468F9.mp4", "reolink-sd", None,
     "2020-12-22 07:59:39", "2020-12-22 08:01:40"),
    # Reolink newer firmware (extra field): "RecS07_20250219_111146_111238_0_A714C0A000_21E67C.mp4" (public test)
    ("RecS07_20250219_111146_111238_0_A714C0A000_21E67C.mp4", "reolink-sd", None,
     "2025-02-19 11:11:46", "2025-02-19 11:12:38"),
    # Reolink Home Hub: reolink_aio reads "Rec_20230517_043229_541_M.mp4" as UTC (04:32:29 UTC = 12:32:29 +08)
    ("Rec_20230517_043229_541_M.mp4", "reolink-hub-utc", None, "2023-05-17 12:32:29", None),
    # Hikvision iVMS-4200: evilboss/suiteview readme "192.168.88.67_01_20150619045313183_TIMING.jpg" (same form)
    ("192.168.88.67_01_20150619045313183.mp4", "hikvision-ivms", "192.168.88.67_01", "2015-06-19 04:53:13", None),
    # Hikvision NVR export: "ch01_20211114061218.npz", named after its source clip, in a public tracking repo
    ("ch01_20211114061218.mp4", "hikvision-nvr-export", "ch01", "2021-11-14 06:12:18", None),
    # Uniview client local recording, as its NVR302 user manual (p. 98) describes it: IP_camera ID_S…E… in hh-mm-ss
    # under a yyyy-mm-dd folder (example built from that description, not a file seen in public)
    ("recordings/Record/2023-05-10/192.168.1.13_01_S08-30-00E09-00-00.mp4", "uniview-client", "192.168.1.13_01",
     "2023-05-10 08:30:00", "2023-05-10 09:00:00"),
    # Brickcom FAQ 106: "20140509-000500-001000_192.168.1.11-CH2"
    ("20140509-000500-001000_192.168.1.11-CH2.avi", "brickcom-nvr", "192.168.1.11-CH2",
     "2014-05-09 00:05:00", "2014-05-09 00:10:00"),
    # Canon VB-C300 manual p. 231: NVR_MEDIA_<16 hex>_yyyymmdd_hhmmss_yyyymmdd_hhmmss.avi, Greenwich Mean Time
    ("NVR_MEDIA_0123456789abcdef_20220415_003000_20220415_013000.avi", "canon-nvr-utc", None,
     "2022-04-15 08:30:00", "2022-04-15 09:30:00"),
    # Xiaomi: a public parser's docstring "2025060107/46M14S_1748735174.mp4" (folder YYYYMMDDHH, name MMmSSs_epoch);
    # folder and epoch agree
    ("recordings/2025060107/46M14S_1748735174.mp4", "xiaomi-folder", None, "2025-06-01 07:46:14", None),
    # ABUS TVIP40000 manual p. 102: Prefix_YYYYMMDD_HHMMSS, "ABUS_20091115_164501"
    ("ABUS_20091115_164501.mp4", "generic-date-time", None, "2009-11-15 16:45:01", None),
    # iCarVision MDVR FAQ: "H20190808-095851P1N2P0.avi" (2019-08-08 09:58:51)
    ("H20190808-095851P1N2P0.avi", "generic-date-time", None, "2019-08-08 09:58:51", None),
    # the project's own generated archives and the built-in forms of earlier releases
    ("recordings/CH01/CH01_20260526082800_20260526092800.mp4", None, "CH01", "2026-05-26 08:28:00",
     "2026-05-26 09:28:00"),
    ("CH02_2022-04-15_08-30-00_2022-04-15_09-30-00.mp4", "generic-camera-start-end", "CH02",
     "2022-04-15 08:30:00", "2022-04-15 09:30:00"),
    ("D01_20220415_083000.mp4", "generic-camera-date-time", "D01", "2022-04-15 08:30:00", None),
    ("2022-04-15_08-30-00.mp4", "generic-dashed", None, "2022-04-15 08:30:00", None),
    ("1650011400.mp4", "generic-epoch", None, "2022-04-15 16:30:00", None),
]

# Names a person cannot read a time from either: no time, and the convention that knows why, if any.
TIMELESS = [
    # Hikvision ISAPI download: playback URI "…&name=ch01_00000000019000000&size=…" quoted in a public repo
    ("ch01_00000000019000000.mp4", "hikvision-web-index"),
    # Hikvision/EZVIZ camera SD card: "hiv00000.mp4 … hiv00012.mp4" listed by a public SD-card extractor
    ("hiv00000.mp4", "hikvision-sd-index"),
    # Dahua SD file taken out of its date folder: only the times of day are left
    ("08.00.00-08.59.59[M][0@0][0].dav", None),
    # yi-hack issue #826: "E123M45S67.mp4" (minute, second and length: no date)
    ("E123M45S67.mp4", None),
    ("clip.mp4", None),
]


def shown(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else None


@pytest.mark.parametrize(("path", "convention", "camera", "start", "end"), REAL_NAMES)
def test_real_exported_names_are_placed_at_the_right_instant(path, convention, camera, start, end):
    info = parse_name(path, (), TZ)
    assert info is not None and not info.ambiguous
    assert shown(info.start) == start and shown(info.end) == end and info.camera == camera
    if convention:
        assert info.convention == convention


@pytest.mark.parametrize(("path", "convention"), TIMELESS)
def test_names_without_a_time_give_none(path, convention):
    info = parse_name(path, (), TZ)
    assert info is None or (info.start is None and info.convention == convention)
    if convention:
        assert info is not None


def test_every_convention_reads_its_own_example():
    """The table's examples are its documentation: each must read as its convention says."""
    for c in shipped_conventions():
        info = parse_name(c.example, (), TZ)
        assert info is not None, c.id
        if c.timeless:
            assert info.start is None and info.convention == c.id
        else:
            assert info.start is not None and not info.ambiguous, c.id


def test_case_does_not_matter():
    upper = parse_name("NVR_CH1_MAIN_20230619064223_20230619064228.DAV", (), TZ)
    lower = parse_name("nvr_ch1_main_20230619064223_20230619064228.dav", (), TZ)
    assert upper.start == lower.start == datetime(2023, 6, 19, 6, 42, 23, tzinfo=TZ)


def test_an_impossible_stamp_falls_through_to_the_next_but_never_reads_an_end_as_a_start():
    # month 13 in a leading serial: the search goes on to the real stamp
    info = parse_name("x20261340112233y_cam_20260816143210.mp4", (), TZ)
    assert shown(info.start) == "2026-08-16 14:32:10"
    # camera_start_end with an impossible start: the end is an end, not a start
    assert parse_name("CH01_20221345083000_20220415093000.mp4", (), TZ) is None
    # Reolink with an impossible time of day
    assert parse_name("RecM01_20201222_995939_080140_6D28808_1A468F9.mp4", (), TZ) is None


def test_two_conventions_that_disagree_give_no_time_and_say_so():
    # the folder says 07:46:14, the epoch in the name says 16:06:14 (+08): a recorder clock in another zone
    info = parse_name("recordings/2025060107/46M14S_1748765174.mp4", (), TZ)
    assert info.start is None
    assert {(r.convention, shown(r.start)) for r in info.ambiguous} == {
        ("xiaomi-folder", "2025-06-01 07:46:14"), ("xiaomi-epoch", "2025-06-01 16:06:14")}


def test_centre_patterns_come_first():
    pattern = r"(?P<camera>room\d)-(?P<start>\d{14})"
    info = parse_name("room1-20220415083000.mp4", (pattern,), TZ)
    assert (info.camera, info.convention) == ("room1", CENTRE)
    # a centre pattern wins even over a vendor convention reading the same name differently
    odd = parse_name("ch01_20220415083000.mp4", (r"ch01_\d{6}(?P<date>\d{8})",), TZ)
    assert odd.convention == "hikvision-nvr-export"  # the centre pattern reads no start: not used
    utc = parse_name("ch01_20220415003000.mp4", (r"(?P<camera>ch\d+)_(?P<start>\d{14})",), TZ)
    assert utc.convention == CENTRE and shown(utc.start) == "2022-04-15 00:30:00"


def _probe(duration_s: float = 60.0) -> MediaProbe:
    return MediaProbe("x", ok=True, codec="h264", width=160, height=90, mean_fps=1.0, duration_s=duration_s,
                      frames=60)


def test_ambiguous_and_timeless_names_give_time_unknown_with_the_reason():
    profile = Profile.load(TINY_VIDEO_PROFILE)
    recordings = [place("recordings/2025060107/46M14S_1748765174.mp4", _probe(), (), TZ),
                  place("recordings/hiv00003.mp4", _probe(), (), TZ),
                  place("recordings/2025060107/46M14S_1748735174.mp4", _probe(), (), TZ)]
    data = ArchiveData(Archive(Path("/nowhere"), Centre(), {}, [Path("x")], []), TZ)
    data.media = MediaResult(recordings=recordings)
    unknown = {f.file: f for f in checks.recording_files(data, profile) if f.rule == "video.time_unknown"}
    assert set(unknown) == {"recordings/2025060107/46M14S_1748765174.mp4", "recordings/hiv00003.mp4"}
    ambiguous = unknown["recordings/2025060107/46M14S_1748765174.mp4"]
    assert "ambiguous" in ambiguous.message and "xiaomi-epoch" in ambiguous.message
    assert "歧义" in ambiguous.message_zh and len(ambiguous.evidence["readings"]) == 2
    assert "file index" in unknown["recordings/hiv00003.mp4"].message
    assert recordings[2].start_source == "filename" and recordings[2].convention == "xiaomi-folder"


def test_probe_says_which_convention_placed_a_file(tmp_path: Path, cli):
    path = tmp_path / "NVR_ch1_main_20230619064223_20230619064228.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)
    text = cli("probe", str(path))
    assert "read by dahua-nvr-export (Dahua NVR/XVR export" in text.output
    as_json = cli("probe", "--json", str(path))
    import json

    entry = json.loads(as_json.output)[0]
    assert entry["convention"] == "dahua-nvr-export" and entry["start"].startswith("2023-06-19T06:42:23")
    assert entry["convention_vendor"].startswith("Dahua") and entry["ambiguous"] == []
    assert datetime.fromisoformat(entry["end"]) - datetime.fromisoformat(entry["start"]) < timedelta(seconds=3)
