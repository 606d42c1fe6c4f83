"""The server-rendered score timeline: geometry, threshold, seek targets, and escaping."""

from desk.timeline import HEIGHT, PAD_LEFT, PAD_TOP, PLOT_H, PLOT_W, build_chart, render_svg
from tests.factories import timeline


def test_points_are_placed_by_time_and_score():
    chart = build_chart(timeline([0.0, 1.0, 0.5]), threshold=0.5, duration_s=2.0)
    assert [p.t for p in chart.points] == [0.0, 0.5, 1.0]
    first, top, middle = chart.points
    assert (first.x, first.y) == (PAD_LEFT, PAD_TOP + PLOT_H)
    assert top.x == PAD_LEFT + PLOT_W / 4 and top.y == PAD_TOP
    assert middle.y == chart.threshold_y == PAD_TOP + PLOT_H / 2
    assert chart.peak == top


def test_duration_stretches_to_the_last_sample():
    chart = build_chart(timeline([0.2, 0.3, 0.4]), threshold=0.5, duration_s=0.0)
    assert chart.duration_s == 1.0
    assert chart.points[-1].x == PAD_LEFT + PLOT_W


def test_peak_prefers_the_earliest_of_equal_scores():
    chart = build_chart(timeline([0.7, 0.9, 0.9]), threshold=0.5, duration_s=2.0)
    assert chart.peak.t == 0.5


def test_svg_has_a_seek_target_per_sample_and_the_threshold():
    chart = build_chart(timeline([0.1, 0.8]), threshold=0.62, duration_s=1.0)
    svg = str(render_svg(chart))
    assert svg.startswith('<svg class="timeline" viewBox="0 0 800 ' + str(HEIGHT))
    assert 'data-t="0.000"' in svg and 'data-t="0.500"' in svg
    assert svg.count('class="tl-point"') == 2
    assert 'class="tl-threshold"' in svg and "threshold 0.62" in svg
    assert 'data-duration="1.000"' in svg


def test_frames_without_a_face_are_marked():
    entries = timeline([0.0, 0.6])
    entries[0]["face_found"] = False
    svg = str(render_svg(build_chart(entries, 0.5, 1.0)))
    assert 'class="tl-point tl-noface"' in svg and "(no face)" in svg


def test_label_is_escaped_and_empty_timeline_says_so():
    chart = build_chart(timeline([0.5]), 0.5, 1.0)
    assert "<script>" not in str(render_svg(chart, label="<script>x</script>"))
    assert "No sampled frame had a face" in str(render_svg(build_chart([], 0.5, 1.0)))


def test_frames_without_a_score_are_left_off_the_chart():
    entries = timeline([0.2, 0.8, 0.4])
    entries[1].update(score=None, face_found=False, faces=[])
    chart = build_chart(entries, 0.5, 2.0)
    assert [p.score for p in chart.points] == [0.2, 0.4]
    assert chart.peak.score == 0.4
