"""Insight pages: the team dashboard, detector calibration, second opinions and exports.

Views stay thin: read the date range, ask insight.metrics / calibration / agreement, hand
the numbers to insight.charts, render. Seniors and admins see the dashboards and exports;
any moderator may give second opinions.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.access import moderator_required, senior_required
from dashboard.constants import DecisionAction
from dashboard.errors import ServiceError, refuse
from dashboard.models import Label
from dashboard.presets import platform_name, platform_table
from dashboard.workflow import record_event
from detection.models import DetectorModel
from insight import agreement, calibration, charts, exports, metrics
from insight.charts import Line, Marker, Series
from insight.forms import DateRangeForm
from insight.models import AgreementSample


def _hours(value: timedelta | None) -> float:
    return round(value.total_seconds() / 3600, 2) if value is not None else 0.0


def _bars(label: str, pairs: list[tuple[str, int]], y_label: str | None = None) -> str:
    y_label = _("clips") if y_label is None else y_label
    return charts.bar_chart(
        label, [p[0] for p in pairs], [Series(label, [p[1] for p in pairs])], y_label=y_label
    )


def label_names(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(label name, count) pairs with each name in the reader's language."""
    names = {label.name: label.display_name for label in Label.objects.all()}
    return [(names.get(name, name), n) for name, n in pairs]


def platform_names(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(platform, count) pairs with each preset's name in the reader's language."""
    table = platform_table()
    return [(platform_name(name, table), n) for name, n in pairs]


def _team_charts(span: metrics.DateRange) -> dict[str, Any]:
    team = metrics.TeamMetrics(span)
    backlog = metrics.backlog()
    flow = team.throughput()
    waits = team.time_to_decision()
    actions = team.decisions_by_action()
    moderators = team.per_moderator()
    targets = metrics.most_targeted(span, team=team)
    appeals = metrics.appeal_outcomes(span)
    agreed = agreement.agreement_stats(span)
    # Day names in the reader's language ("Dec 2", "12월 2"): Django's date format, not strftime.
    fmt = "d H:00" if flow["hourly"] else "M j"
    bucket_names = [date_filter(b, fmt) for b in flow["buckets"]]
    actions_seen = [a for a in DecisionAction.values if any(agreed.matrix[a].values())]
    return {
        "backlog": backlog,
        "waits": waits,
        "actions": actions,
        "moderators": moderators,
        "appeals": appeals,
        "agreement": agreed,
        "charts": [
            (_("Backlog by status"), _bars(_("Open clips by status"), backlog["by_status"])),
            (_("Backlog by age"), _bars(_("Open clips by time waiting"), backlog["by_age"])),
            (
                _("Clips in and decided per hour")
                if flow["hourly"]
                else _("Clips in and decided per day"),
                charts.bar_chart(
                    _("Clips in and decided"),
                    bucket_names,
                    [Series(_("arrived"), flow["arrived"]), Series(_("decided"), flow["decided"])],
                    y_label=_("clips"),
                    every_nth_label=max(1, len(bucket_names) // 8),
                ),
            ),
            (
                _("Time from arrival to decision"),
                _bars(
                    _("Hours to decision"),
                    [
                        (_("median"), _hours(waits["median"])),
                        (_("90th pct"), _hours(waits["p90"])),
                        (_("SLA target"), waits["sla_hours"]),
                    ],
                    y_label=_("hours"),
                ),
            ),
            (
                _("SLA"),
                _bars(
                    _("Against the SLA target"),
                    [
                        (_("decided on time"), waits["decided"] - waits["decided_late"]),
                        (_("decided late"), waits["decided_late"]),
                        (_("open, overdue"), waits["open_late"]),
                    ],
                ),
            ),
            (_("Decisions by action"), _bars(_("Decisions by action"), actions["by_action"], "")),
            (_("Decisions by label"), _bars(_("Labels applied"), label_names(team.labels()), "")),
            (
                _("Per moderator"),
                charts.bar_chart(
                    _("Decisions and overturns per moderator"),
                    [m["moderator"] for m in moderators],
                    [
                        Series(_("decisions"), [m["decisions"] for m in moderators]),
                        Series(_("overturned"), [m["overturned"] for m in moderators]),
                    ],
                    y_label=_("decisions"),
                ),
            ),
            (
                _("Appeals"),
                _bars(
                    _("Appeals filed and decided"),
                    [
                        (_("filed"), appeals["received"]),
                        (_("still open"), appeals["open"]),
                        (_("upheld"), appeals["upheld"]),
                        (_("overturned"), appeals["overturned"]),
                    ],
                    _("appeals"),
                ),
            ),
            (_("Most-targeted persons"), _bars(_("Clips per person"), targets["persons"])),
            (
                _("Most-targeted platforms"),
                _bars(_("Clips per platform"), platform_names(targets["platforms"])),
            ),
            (
                _("Second opinions"),
                charts.bar_chart(
                    _("Second opinions by first decision"),
                    [DecisionAction(a).label for a in actions_seen],
                    [
                        Series(_("agreed"), [agreed.matrix[a][a] for a in actions_seen]),
                        Series(
                            _("disagreed"),
                            [
                                sum(agreed.matrix[a].values()) - agreed.matrix[a][a]
                                for a in actions_seen
                            ],
                        ),
                    ],
                    y_label=_("clips"),
                ),
            ),
        ],
    }


@require_GET
@senior_required
def team_dashboard(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm(request.GET or None)
    span = form.date_range()
    if not form.is_bound:  # show the default range in the picker
        form = DateRangeForm(
            initial={"start": span.start.date(), "end": span.end.date() - timedelta(days=1)}
        )
    context = _team_charts(span)
    context |= {
        "form": form,
        "span": span,
        "end_day": span.end - timedelta(days=1),
        "disagreements": agreement.disagreements(span),
        "querystring": request.GET.urlencode(),
        "agreement_share": settings.INSIGHT_AGREEMENT_SHARE,
    }
    return render(request, "insight/dashboard.html", context)


@require_GET
@senior_required
def detector_calibration(request: HttpRequest) -> HttpResponse:
    models = list(DetectorModel.objects.order_by("-is_active", "name", "-created_at"))
    chosen = request.GET.get("model", "")
    model = next((m for m in models if str(m.pk) == chosen), models[0] if models else None)
    context: dict[str, Any] = {"models": models, "model": model}
    if model is not None:
        result = calibration.calibrate(model)
        labels, manipulated, clean = result.histogram()
        curve = result.curve()
        suggested = result.suggested_threshold()
        markers = [Marker(model.threshold, _("current %(t).2f") % {"t": model.threshold})]
        if suggested is not None:
            markers.append(Marker(suggested, _("suggested %(t).2f") % {"t": suggested}))
        reliability = result.reliability()
        context |= {
            "result": result,
            "suggested": suggested,
            "current": result.at_threshold(model.threshold),
            "at_suggested": result.at_threshold(suggested) if suggested is not None else None,
            "histogram": charts.bar_chart(
                _("Scores of decided clips by outcome"),
                labels,
                [Series(_("manipulated"), manipulated), Series(_("not manipulated"), clean)],
                y_label=_("clips"),
                every_nth_label=4,
            ),
            "pr_curve": charts.line_chart(
                _("Precision and recall by threshold"),
                [
                    Line(_("precision"), [(t, p) for t, p, _r in curve if p is not None]),
                    Line(_("recall"), [(t, r) for t, _p, r in curve if r is not None]),
                ],
                x_label=_("threshold"),
                markers=markers,
            ),
            "reliability_chart": charts.line_chart(
                _("Reliability: share manipulated by mean score"),
                [Line(_("observed"), [(s, share) for s, share, _n in reliability])],
                x_label=_("mean score"),
                diagonal=True,
            ),
        }
    return render(request, "insight/calibration.html", context)


@require_GET
@senior_required
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    form = DateRangeForm(request.GET or None)
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        return JsonResponse(
            {"error": {"code": "not_found", "message": "No such export."}}, status=404
        )
    if form.is_bound and not form.is_valid():
        message = " ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in form.errors.items()
        )
        return JsonResponse({"error": {"code": "invalid_range", "message": message}}, status=400)
    span = form.date_range()
    record_event(
        None,
        "insight.export",
        actor=request.user,
        data={"kind": kind, "format": fmt, "start": str(span.start), "end": str(span.end)},
    )
    response = StreamingHttpResponse(
        exports.export_chunks(kind, fmt, span),
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
    )
    name = f"unmask-{kind}-{span.start:%Y%m%d}-{span.end - timedelta(days=1):%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@moderator_required
def second_review_queue(request: HttpRequest) -> HttpResponse:
    samples = agreement.second_review_queue(request.user)[:50]
    return render(request, "insight/second_review_queue.html", {"samples": samples})


@require_http_methods(["GET", "POST"])
@moderator_required
def second_review(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = get_object_or_404(
        AgreementSample.objects.select_related("clip", "first_decision"), pk=sample_id
    )
    status = 200
    if request.method == "POST":
        try:
            agreement.record_second_opinion(
                sample.pk,
                request.user,
                request.POST.get("action", ""),
                request.POST.get("note", ""),
            )
        except ServiceError as exc:
            status = refuse(request, exc)
        else:
            messages.success(request, "Thank you: your second opinion is recorded.")
            return redirect("insight:second_review_queue")
    else:
        try:
            agreement.check_can_second_review(sample, request.user)
        except ServiceError as exc:
            status = refuse(request, exc)
    return render(
        request,
        "insight/second_review.html",
        {"sample": sample, "actions": DecisionAction.choices, "allowed": status == 200},
        status=status,
    )
