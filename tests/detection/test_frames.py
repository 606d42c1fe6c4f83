"""Frame sampling: the sampling plan, reading a real clip, and refusing broken files."""

import shutil
import subprocess
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from av.video.frame import PictureType

from detection import frames as frames_module
from detection.frames import (
    UnreadableMediaError,
    VideoSampler,
    plan_sample_indices,
    sample_frames,
)

# --- plan_sample_indices -------------------------------------------------------------


def test_plan_spreads_rate_over_whole_clip():
    indices = plan_sample_indices(frame_count=900, fps=30.0, rate_per_s=2.0, max_frames=120)
    assert len(indices) == 60
    # One sample in the middle of every half-second slice, first to last.
    assert indices[0] == 7
    assert indices[-1] == 892
    assert set(np.diff(indices)) == {15}


def test_plan_caps_long_clip_and_still_reaches_the_end():
    # 10 minutes at 2/s would be 1200 samples.
    indices = plan_sample_indices(frame_count=18_000, fps=30.0, rate_per_s=2.0, max_frames=120)
    assert len(indices) == 120
    assert indices[0] < 150
    assert indices[-1] > 18_000 - 150
    gaps = np.diff(indices)
    assert gaps.min() >= 149 and gaps.max() <= 151


def test_plan_rounds_partial_second_up():
    # 2.1 s at 2/s: the last 0.1 s still earns a sample.
    assert len(plan_sample_indices(frame_count=63, fps=30.0, rate_per_s=2.0)) == 5
    assert len(plan_sample_indices(frame_count=60, fps=30.0, rate_per_s=2.0)) == 4


def test_plan_short_clip_gets_at_least_one_frame():
    assert plan_sample_indices(frame_count=1, fps=30.0) == [0]
    assert plan_sample_indices(frame_count=3, fps=30.0, rate_per_s=0.1) == [1]


def test_plan_never_asks_for_more_frames_than_exist():
    # 5 frames at 1 fps is 5 s, worth 10 samples at 2/s, but there are only 5 frames.
    assert plan_sample_indices(frame_count=5, fps=1.0, rate_per_s=2.0) == [0, 1, 2, 3, 4]


def test_plan_empty_clip():
    assert plan_sample_indices(frame_count=0, fps=25.0) == []


@pytest.mark.parametrize(
    "frame_count,fps,rate,max_frames",
    [
        (-1, 25.0, 2.0, 10),
        (10, 0.0, 2.0, 10),
        (10, float("nan"), 2.0, 10),
        (10, 25.0, 0.0, 10),
        (10, 25.0, 2.0, 0),
    ],
)
def test_plan_rejects_nonsense(frame_count, fps, rate, max_frames):
    with pytest.raises(ValueError):
        plan_sample_indices(frame_count, fps, rate, max_frames)


@pytest.mark.parametrize("frame_count", [1, 2, 7, 49, 50, 51, 899, 1000, 12_345])
@pytest.mark.parametrize("fps,rate,max_frames", [(25.0, 2.0, 120), (29.97, 5.0, 30), (60, 1, 7)])
def test_plan_is_sorted_distinct_and_in_range(frame_count, fps, rate, max_frames):
    indices = plan_sample_indices(frame_count, fps, rate, max_frames)
    assert 1 <= len(indices) <= max_frames
    assert indices == sorted(set(indices))
    assert indices[0] >= 0 and indices[-1] < frame_count


# --- reading clips -------------------------------------------------------------------


def test_sample_frames_reads_planned_frames_with_times(face_clip):
    frames = list(sample_frames(face_clip, rate_per_s=2.0, max_frames=120))
    # 50 frames at 25 fps = 2 s -> 4 samples at 0.25 s, 0.75 s, 1.25 s, 1.75 s.
    assert [f.index for f in frames] == plan_sample_indices(50, 25.0, 2.0, 120)
    assert [f.time_s for f in frames] == pytest.approx([0.24, 0.72, 1.24, 1.72])
    for frame in frames:
        assert frame.image.shape == (360, 640, 3)
        assert frame.image.dtype == np.uint8
    # Distinct frames of a moving camera, not one frame repeated.
    assert not np.array_equal(frames[0].image, frames[-1].image)


def test_sample_frames_respects_max_frames(face_clip):
    frames = list(sample_frames(face_clip, rate_per_s=25.0, max_frames=3))
    assert len(frames) == 3
    assert frames[-1].time_s > 1.5  # still reaches the end of the clip


def test_sampled_frame_matches_sequential_decode(face_clip):
    """Grab/retrieve returns the same pixels as decoding every frame."""
    cap = cv2.VideoCapture(str(face_clip))
    every = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        every.append(image)
    cap.release()
    for frame in sample_frames(face_clip):
        assert np.array_equal(frame.image, every[frame.index])


def test_sampler_reports_clip_facts(face_clip):
    with VideoSampler(face_clip) as sampler:
        assert sampler.fps == pytest.approx(25.0)
        assert sampler.frame_count == 50
        assert sampler.duration_s == pytest.approx(2.0)
        assert len(sampler.indices) == 4


def test_unknown_frame_count_is_counted(face_clip, tmp_path):
    """Matroska states no frame count: the packets are counted, then the clip sampled."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    path = tmp_path / "face.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(face_clip), "-c", "copy", str(path)],
        check=True,
    )
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == 0  # what makes this case
    with VideoSampler(path) as sampler:
        assert sampler.frame_count == 50
        assert [f.index for f in sampler.frames()] == [6, 18, 31, 43]


@pytest.fixture
def bframe_clip(face_clip: Path, tmp_path: Path) -> Path:
    """The face clip as H.264 with B-frames, most of them referenced by no other frame."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    path = tmp_path / "bframes.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(face_clip), "-c:v", "libx264", "-bf", "3",
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def decode_every_frame(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


@pytest.mark.parametrize("threads", [1, 2])
def test_skipping_unsampled_frames_gives_identical_pixels(bframe_clip, threads):
    """Non-reference frames are skipped unless sampled; sampled ones match a full decode."""
    every = decode_every_frame(bframe_clip)
    with av.open(str(bframe_clip)) as container:
        kinds = {f.pict_type for f in container.decode(video=0)}
    assert PictureType.B in kinds  # the clip really has frames the sampler may skip
    with VideoSampler(bframe_clip, rate_per_s=6.0, threads=threads) as sampler:
        frames = list(sampler.frames())
    assert [f.index for f in frames] == plan_sample_indices(50, 25.0, 6.0, 120)
    for frame in frames:
        assert np.array_equal(frame.image, every[frame.index]), frame.index


def test_reading_stops_after_the_last_sampled_frame(face_clip, monkeypatch):
    """Packets after the last planned frame are not read for decoding."""
    with VideoSampler(face_clip, rate_per_s=1.0) as sampler:
        assert sampler.indices == [12, 37]
        decoded = []
        real_packets = frames_module._Clip.packets

        def counting(self, limit=None):
            for packet in real_packets(self, limit):
                decoded.append(packet)
                yield packet

        monkeypatch.setattr(frames_module._Clip, "packets", counting)
        assert [f.index for f in sampler.frames()] == [12, 37]
    assert 38 <= len(decoded) < 50


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableMediaError):
        list(sample_frames(tmp_path / "nope.mp4"))


def test_random_bytes_are_unreadable(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    with pytest.raises(UnreadableMediaError):
        list(sample_frames(path))


def test_empty_file_is_unreadable(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(UnreadableMediaError):
        list(sample_frames(path))


def test_truncated_clip_without_index_is_unreadable(face_clip, tmp_path):
    # OpenCV's writer puts the index (moov) at the end, so the truncated file has none.
    path = tmp_path / "cut.mp4"
    path.write_bytes(face_clip.read_bytes()[: face_clip.stat().st_size // 2])
    with pytest.raises(UnreadableMediaError):
        list(sample_frames(path))


@pytest.fixture
def faststart_clip(face_clip: Path, tmp_path: Path) -> Path:
    """The face clip as H.264 with its index first and no B-frames.

    With the index first, a truncated file still opens and promises all 50 frames;
    without B-frames, packet k holds frame k, so cutting after packet k leaves
    exactly frames 0..k-1.
    """
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    path = tmp_path / "faststart.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(face_clip),
            "-c:v",
            "libx264",
            "-bf",
            "0",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path


def cut_before_packet(path: Path, packet: int, out: Path) -> Path:
    """Copy ``path`` up to the first byte of video packet number ``packet``."""
    with av.open(str(path)) as container:
        positions = [p.pos for p in container.demux(video=0) if p.size]
    out.write_bytes(path.read_bytes()[: positions[packet]])
    return out


def test_truncated_clip_is_sampled_over_the_frames_that_survive(faststart_clip, tmp_path):
    path = cut_before_packet(faststart_clip, 25, tmp_path / "cut.mp4")
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == 50  # the index still promises every frame
    with VideoSampler(path) as sampler:
        assert sampler.frame_count == 25
        assert sampler.indices == plan_sample_indices(25, 25.0, 2.0, 120) == [6, 18]
        assert [f.index for f in sampler.frames()] == [6, 18]


def test_clip_cut_before_the_usual_first_sample_is_still_sampled(faststart_clip, tmp_path):
    # Frames 0-3 survive; an uncut clip's first sample (frame 6) is gone.
    path = cut_before_packet(faststart_clip, 4, tmp_path / "cut.mp4")
    with VideoSampler(path) as sampler:
        assert sampler.frame_count == 4
        assert [f.index for f in sampler.frames()] == sampler.indices == [2]


def test_header_only_clip_is_unreadable(faststart_clip, tmp_path):
    path = cut_before_packet(faststart_clip, 0, tmp_path / "header.mp4")
    with pytest.raises(UnreadableMediaError):
        list(sample_frames(path))


def ffmpeg(*args: str) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def presented(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Every frame a full decode shows, and when (seconds from the first)."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    first = frames[0].time
    return [f.to_ndarray(format="bgr24") for f in frames], [f.time - first for f in frames]


def assert_samples_match_full_decode(path: Path, **options) -> list:
    images, times = presented(path)
    with VideoSampler(path, **options) as sampler:
        assert sampler.frame_count == len(images)
        frames = list(sampler.frames())
    assert frames, "nothing sampled"
    for frame in frames:
        assert np.array_equal(frame.image, images[frame.index]), frame.index
        assert frame.time_s == pytest.approx(times[frame.index], abs=1e-3)
    return frames


def test_variable_frame_rate_clip_is_sampled_to_its_end(face_clip, tmp_path):
    """1 s at 25 fps, then 25 frames at 5 fps: 6 s, most of it in the last 25 frames."""
    path = tmp_path / "vfr.mp4"
    ffmpeg("-i", str(face_clip), "-vf", "setpts='if(lt(N,25),N/25/TB,(1+(N-25)/5)/TB)'",
           "-fps_mode", "passthrough", "-c:v", "libx264", "-bf", "3", "-pix_fmt", "yuv420p",
           str(path))  # fmt: skip
    frames = assert_samples_match_full_decode(path, rate_per_s=2.0)
    times = [f.time_s for f in frames]
    assert len(frames) == 12  # 6 s at 2/s
    assert times[-1] > 5.5 and times[0] < 0.5
    # Evenly spread in time: one sample in each half second.
    assert [int(t * 2) for t in times] == list(range(12))


def test_trimmed_clip_with_an_edit_list_is_sampled_from_what_it_shows(bframe_clip, tmp_path):
    """A stream copy cut mid-GOP keeps hidden lead-in frames the edit list skips."""
    path = tmp_path / "tail.mp4"
    ffmpeg("-ss", "1.5", "-i", str(bframe_clip), "-c", "copy", str(path))
    with av.open(str(path)) as container:
        listed = container.streams.video[0].frames
    images, _ = presented(path)
    assert listed > len(images)  # the index counts frames that are never shown
    frames = assert_samples_match_full_decode(path, rate_per_s=6.0)
    assert [f.index for f in frames] == plan_sample_indices(len(images), 25.0, 6.0, 120)


def test_avi_with_b_frames_counts_frames_from_the_first_shown(face_clip, tmp_path):
    """MPEG-4 in AVI with B-frames: timestamps start at 1 tick, not 0."""
    path = tmp_path / "bframes.avi"
    ffmpeg("-i", str(face_clip), "-frames:v", "10", "-c:v", "mpeg4", "-bf", "2", str(path))
    frames = assert_samples_match_full_decode(path, rate_per_s=25.0)
    assert [f.index for f in frames] == list(range(10))


def test_unsampled_non_reference_frames_are_not_decoded(bframe_clip, monkeypatch):
    produced = []
    real = VideoSampler._decoded

    def counting(self, clip, skip):
        for frame in real(self, clip, skip):
            produced.append(frame.pts)
            yield frame

    monkeypatch.setattr(VideoSampler, "_decoded", counting)
    with VideoSampler(bframe_clip, rate_per_s=2.0) as sampler:
        assert [f.index for f in sampler.frames()] == [6, 18, 31, 43]
    # Every frame up to the last sample would be 44; the skipped B-frames never came out.
    assert len(produced) < 40
