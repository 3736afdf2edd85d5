"""Presence and people counts on real, hand-labelled footage (../shared/media, skipped when absent).

The labelled room clip shows one person at a time visiting an indoor room six times: an invigilator leaving
and coming back. Scored per second (seconds holding a frame the labels call uncertain are left out), and
per absence: every absence longer than 3 s must be found with both boundaries within 2 s. Counts are
scored on every clip labelled with people per second, on the labelled frame of each second (the first
decoded frame at or after it), with the detector as the audit runs it for a count.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from conftest import MEDIA, MODELS, requires_ffmpeg
from exam_audit.profile import Profile
from exam_audit.video.media.probe import probe
from exam_audit.video.media.sampler import sample_frames
from exam_audit.video.presence.analyser import PresenceSettings, presence_of_file
from exam_audit.video.presence.models import find_model, read_model
from exam_audit.video.presence.person import PersonDetector
from exam_audit.video.presence.tracks import PresenceTrack

CLIP = "intel_one-by-one-person-detection.mp4"
TRAP = "dvrscan_issue53_brightness_change_osd.avi"
RATE = 2.0  # samples a second: the person detector reaches its 95 % target from here

pytestmark = requires_ffmpeg


def _present_at(intervals: list[tuple[float, float]] | list[list[float]], t: float) -> bool:
    return any(a <= t < b for a, b in intervals)


def _absences(present: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    out, edge = [], 0.0
    for a, b in present:
        if a > edge:
            out.append((edge, a))
        edge = b
    if duration > edge:
        out.append((edge, duration))
    return out


def score(track: PresenceTrack, labels: dict[str, Any]) -> dict[str, float]:
    truth = labels["present"]
    duration = labels["duration_s"]
    uncertain = labels.get("uncertain_frames_s", [])
    seconds = [k for k in range(math.floor(duration)) if not any(k <= u < k + 1 for u in uncertain)]
    got = track.intervals()
    agree = sum(_present_at(truth, k + 0.5) == _present_at(got, k + 0.5) for k in seconds) / len(seconds)
    truth_gaps = [g for g in _absences([tuple(x) for x in truth], duration) if g[1] - g[0] > 3.0]
    got_gaps = _absences(got, track.times[-1] + track.step_s)
    found = [any(abs(a - ga) <= 2.0 and abs(b - gb) <= 2.0 for ga, gb in got_gaps) for a, b in truth_gaps]
    real_gaps = _absences([tuple(x) for x in truth], duration)
    false_gaps = [g for g in got_gaps if not any(min(g[1], b) - max(g[0], a) > 0 for a, b in real_gaps)]
    return {"agreement": agree, "absences": len(truth_gaps), "absences_found": sum(found),
            "absence_recall": sum(found) / len(truth_gaps),
            "absence_precision": (len(got_gaps) - len(false_gaps)) / len(got_gaps) if got_gaps else 1.0,
            "seconds_scored": len(seconds)}


def _needs(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not found (set EXAM_AUDIT_SHARED to the shared folder)")
    return path


# module-scoped: each detector decodes the clip once for every test that scores it
@pytest.fixture(scope="module")
def person_track() -> PresenceTrack:
    clip, model = _needs(MEDIA / CLIP), _needs(MODELS / "yolox_nano.onnx")
    return presence_of_file(clip, Profile.load(), detector="person", model=model, rate_hz=RATE)[1]




def test_person_detector_agrees_with_the_labels(person_track: PresenceTrack, media_labels: dict) -> None:
    figures = score(person_track, media_labels[CLIP])
    print(f"\nperson detector on {CLIP} at {RATE:g}/s: {figures}")
    assert figures["agreement"] >= 0.95
    assert figures["absence_recall"] == 1.0 and figures["absence_precision"] == 1.0
    counted = [n for n in person_track.people or () if n is not None]
    assert counted and max(counted) <= media_labels[CLIP]["max_people"]


@pytest.mark.parametrize("rate", [1.0, RATE, 4.0])  # the empty room must not depend on the sampling rate
def test_motion_detector_agrees_with_the_labels(rate: float, media_labels: dict) -> None:
    track = presence_of_file(_needs(MEDIA / CLIP), Profile.load(), detector="motion", rate_hz=rate)[1]
    figures = score(track, media_labels[CLIP])
    print(f"\nmotion detector on {CLIP} at {rate:g}/s: {figures}")
    assert figures["agreement"] >= 0.85
    assert figures["absence_recall"] == 1.0 and figures["absence_precision"] == 1.0


@pytest.mark.parametrize("detector", ["person", "motion"])
def test_brightness_swings_are_not_a_person(detector: str, media_dir: Path, person_model: Path,
                                            media_labels: dict) -> None:
    assert media_labels[TRAP]["max_people"] == 0
    _probe, track = presence_of_file(media_dir / TRAP, Profile.load(), detector=detector, model=person_model,
                                     rate_hz=RATE)
    print(f"\n{detector} detector on {TRAP}: {sum(track.occupied)} of {len(track.times)} samples occupied")
    assert len(track.times) >= 8 and not any(track.occupied)
    assert not any(track.people or ())


def test_audit_of_an_archive_holding_the_real_clip(tmp_path: Path, media_labels: dict) -> None:
    """The whole audit on real footage: the clip filed as a theory session's recording (a link, never a
    copy), with the absence threshold lowered to 3.6 s so that the clip's absences count."""
    import json

    from click.testing import CliRunner

    from exam_audit.cli import main

    clip = _needs(MEDIA / CLIP)
    archive = tmp_path / "archive"
    (archive / "recordings").mkdir(parents=True)
    (archive / "recordings" / "CH01_20220415083000_20220415083220.mp4").symlink_to(clip)
    (archive / "centre.toml").write_text('[centre]\nid = "REAL"\n\n[[camera]]\nid = "CH01"\nroom = "理论考场1"\n',
                                         encoding="utf-8")
    (archive / "sessions.csv").write_text("session_id,start,end,room,exam_type,operation\n"
                                          "S1,2022-04-15 08:30:00,2022-04-15 08:32:20,理论考场1,theory,1.2\n",
                                          encoding="utf-8")
    profile = tmp_path / "short.toml"
    profile.write_text('[thresholds.absence_max_min]\nvalue = 0.06\nsource = "test: 3.6 s"\n\n'
                       '[thresholds.sample_rate_hz]\nvalue = 2.0\n\n[presence]\ndetector = "motion"\n',
                       encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["audit", str(archive), "--profile", str(profile), "--out", str(out),
                                       "--db", str(tmp_path / "store.db")], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    found = [f for f in json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
             if f["rule"] == "invigilation.absent"]
    spans = [(f["evidence"]["media_start_s"], f["evidence"]["media_end_s"]) for f in found]
    print(f"\nmotion audit of the real clip, absences over 3.6 s: {spans}")
    gaps = _absences([tuple(x) for x in media_labels[CLIP]["present"]], media_labels[CLIP]["duration_s"])
    assert all(any(min(b, gb) - max(a, ga) > 0 for ga, gb in gaps) for a, b in spans)  # all real
    for a, b in (g for g in gaps if g[1] - g[0] >= 5.0):  # every clear absence reported, within 2 s
        assert any(abs(a - fa) <= 2.0 and abs(b - fb) <= 2.0 for fa, fb in spans), (a, b)
    assert all(f["evidence"]["detector"] == "motion" and f["camera"] == "CH01" for f in found)


def _labelled_frames(path: Path, seconds: list[int]) -> dict[int, Any]:
    """The labelled frame of each second: the first decoded frame at or after it (labels.json timebase)."""
    result = probe(path)
    frames: dict[int, Any] = {}
    rate = 30.0  # at least every frame of the labelled clips (10–30 fps)
    for sample in sample_frames(path, result, rate_hz=rate, width=result.width or 640):
        for k in seconds:
            if k not in frames and sample.t >= k - 0.5 / rate:  # the sampler starts half a frame in
                frames[k] = sample.frame
    return frames


@pytest.fixture(scope="module")
def counter() -> PersonDetector:
    profile = Profile.load()
    return PersonDetector(read_model(find_model(profile)), PresenceSettings.of(profile).person)


def test_people_counts_on_every_labelled_clip(counter: PersonDetector, media_labels: dict) -> None:
    """Seated people (the classroom): the median count within 15 % of the labels; every clip: no person on
    a frame labelled empty; the counts printed per second beside the labels."""
    clips = {name: label for name, label in media_labels.items()
             if isinstance(label, dict) and label.get("per_second")}
    assert "intel_classroom_preview.gif" in clips
    for name, label in sorted(clips.items()):
        truth = {row["t_s"]: row for row in label["per_second"]}
        frames = _labelled_frames(_needs(MEDIA / name), sorted(truth))
        counts = {k: len(counter.detect(frame)) for k, frame in frames.items()}
        within = sum(row.get("people_range", [row["people"]] * 2)[0] <= counts[k] <=
                     row.get("people_range", [row["people"]] * 2)[1] for k, row in truth.items() if k in counts)
        print(f"\n{name}: per second (count/label) "
              + " ".join(f"{k}:{counts[k]}/{truth[k]['people']}" for k in sorted(counts))
              + f"; within the labelled range {within}/{len(counts)}")
        assert len(counts) == len(truth)
        empty = [k for k, row in truth.items() if row["people"] == 0 and row.get("people_range", [0, 0])[1] == 0]
        assert all(counts[k] == 0 for k in empty), {k: counts[k] for k in empty}
        seated = [k for k, row in truth.items() if not row.get("standing_person", True)]
        if seated and all(truth[k]["people"] for k in seated):
            median = sorted(counts[k] for k in seated)[len(seated) // 2]
            label_median = sorted(truth[k]["people"] for k in seated)[len(seated) // 2]
            print(f"  seated: median count {median} against {label_median} labelled")
            assert abs(median - label_median) <= 0.15 * label_median


def test_no_person_counted_on_the_empty_intervals_of_the_room_clip(counter: PersonDetector,
                                                                     media_labels: dict) -> None:
    label = media_labels[CLIP]
    # seconds at least a second clear of any visit (a shadow lingers up to 0.6 s after an exit)
    empty = [k for k in range(math.floor(label["duration_s"]))
             if not any(a - 1 <= k < b + 1 for a, b in label["present"])]
    frames = _labelled_frames(_needs(MEDIA / CLIP), empty)
    counted = {k: len(counter.detect(f)) for k, f in frames.items()}
    print(f"\n{CLIP}: {len(counted)} empty seconds, people counted on {sum(map(bool, counted.values()))}")
    assert len(counted) >= 10 and not any(counted.values())
