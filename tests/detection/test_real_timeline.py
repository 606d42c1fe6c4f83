"""Media is judged by what it holds, not by its header: duration, frames and every picture size.

The hostile files are the red-team's: an MPEG-TS stamped 1 s long holding many seconds (spliced
segments whose clocks restart), an MP4 whose headers claim 1 s, and an H.264 stream that switches
resolution mid-way (two encodes concatenated in MPEG-TS). Upload validation (`probe_media`) and
the worker's reader (`VideoSampler`) must agree on them.
"""

from fractions import Fraction
from pathlib import Path

import pytest

from detection.frames import MediaLimitExceeded, VideoSampler
from detection.probe import DEFAULT_LIMITS, MediaLimits, MediaRejected, probe_media
from detection.timeline import StreamTimeline
from tests import hostile

LIMITS = DEFAULT_LIMITS


def limits(**changes: float) -> MediaLimits:
    return MediaLimits(**{**LIMITS.__dict__, **changes})


@pytest.fixture(scope="module")
def spliced_100s(tmp_path_factory) -> Path:
    """Stamped 1 s long (every segment restarts the clock); plays 100 s."""
    return hostile.spliced_ts(tmp_path_factory.mktemp("ts") / "spliced.ts", segments=100)


@pytest.fixture(scope="module")
def switch_to_720p(tmp_path_factory) -> Path:
    """320×240 for 1 s, then 1280×720 for 1 s."""
    return hostile.resolution_switch_ts(
        tmp_path_factory.mktemp("ts") / "switch.ts", then=(1280, 720), then_frames=30
    )


def test_spliced_ts_lasts_what_it_plays_not_what_it_is_stamped(spliced_100s):
    facts = probe_media(spliced_100s, LIMITS)
    assert facts.duration_s == pytest.approx(100.0, abs=0.1)
    assert facts.frame_count == 3000
    assert facts.fps == pytest.approx(30.0)
    assert facts.keyframes == 100


def test_spliced_ts_over_the_duration_limit_is_refused(spliced_100s):
    with pytest.raises(MediaRejected) as refused:
        probe_media(spliced_100s, limits(max_duration_s=10.0))
    assert refused.value.code == "too_long"


def test_frames_are_counted_from_packets_not_duration_times_rate(spliced_100s):
    with pytest.raises(MediaRejected) as refused:
        probe_media(spliced_100s, limits(max_frames=1000))
    assert refused.value.code == "too_many_frames"


def test_mp4_whose_headers_claim_one_second_is_measured_by_its_samples(tmp_path):
    path = hostile.mp4_lying_duration(tmp_path / "lying.mp4", seconds=100, claimed_s=1)
    assert probe_media(path, LIMITS).duration_s == pytest.approx(100.0, abs=0.2)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, limits(max_duration_s=10.0))
    assert refused.value.code == "too_long"


def test_a_switch_to_a_larger_resolution_mid_stream_is_refused(switch_to_720p):
    with pytest.raises(MediaRejected) as refused:
        probe_media(switch_to_720p, limits(max_width=640, max_height=480))
    assert refused.value.code == "resolution_too_large"
    assert "1280×720" in refused.value.message


def test_every_resolution_within_the_limits_is_recorded(switch_to_720p):
    facts = probe_media(switch_to_720p, LIMITS)
    assert (facts.width, facts.height) == (320, 240)
    assert facts.resolutions == ((320, 240), (1280, 720))


def test_a_switch_to_8k_is_refused_at_upload(tmp_path):
    path = hostile.resolution_switch_ts(tmp_path / "8k.ts", first_frames=60, then_frames=2)
    with pytest.raises(MediaRejected) as refused:
        probe_media(path, LIMITS)
    assert refused.value.code == "resolution_too_large"
    assert "7680×4320" in refused.value.message


def test_sampler_spreads_samples_over_the_real_timeline(spliced_100s):
    sampler = VideoSampler(spliced_100s, rate_per_s=2.0, max_frames=120)
    assert sampler.frame_count == 3000
    assert sampler.duration_s == pytest.approx(100.0, abs=0.1)
    frames = list(sampler.frames())
    assert len(frames) == 120
    assert frames[-1].time_s > 95.0
    times = [frame.time_s for frame in frames]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_reader_refuses_a_picture_larger_than_the_limit_instead_of_decoding_it(switch_to_720p):
    small = limits(max_width=640, max_height=480)
    sampler = VideoSampler(switch_to_720p, rate_per_s=10.0, max_frames=120, limits=small)
    seen: list[tuple[int, int]] = []
    with pytest.raises(MediaLimitExceeded, match="1280×720"):
        for frame in sampler.frames():
            seen.append(frame.image.shape[:2])
    assert seen and all(shape == (240, 320) for shape in seen)


def test_reader_stops_at_the_frame_and_duration_limits(spliced_100s):
    by_frames = VideoSampler(spliced_100s, max_frames=500, limits=limits(max_frames=600))
    assert by_frames.truncated and by_frames.frame_count == 600
    assert len(list(by_frames.frames())) == 40  # 20 s at 2/s
    by_time = VideoSampler(spliced_100s, limits=limits(max_duration_s=10.0))
    assert by_time.truncated and by_time.frame_count == 300
    assert by_time.duration_s == pytest.approx(10.0, abs=0.05)


def test_timeline_lays_restarted_clocks_end_to_end():
    timeline = StreamTimeline(time_base=Fraction(1, 90_000), frame_rate=30)
    placed = [timeline.place(pts, pts)[0] for _ in range(3) for pts in (0, 3000, 6000)]
    assert placed == [0, 3000, 6000, 9000, 12000, 15000, 18000, 21000, 24000]
    assert timeline.segments == 3
    assert timeline.duration_s == pytest.approx(9 / 30)
