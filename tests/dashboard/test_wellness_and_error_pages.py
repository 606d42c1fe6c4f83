"""Wellness on every page (blur from the viewer's preferences, strength and greyscale-only
stored per user), the error pages in the desk's layout, and the one SLA countdown format the
server and desk.js share."""

from datetime import timedelta

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dashboard.models import DeskPreference
from desk.templatetags.desk import duration, time_left_text

pytestmark = pytest.mark.django_db


def test_blur_holds_on_pages_whose_view_does_not_ask(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("teamwork:confirmations")).content.decode()
    assert '<body class="blur-media"' in page
    client.post(reverse("dashboard:blur"), {"blur": "0"})
    page = client.get(reverse("teamwork:confirmations")).content.decode()
    assert '<body class=""' in page and 'aria-pressed="true"' in page


def test_blur_strength_and_greyscale_only_are_stored_per_user(client, moderator, moderator2):
    client.force_login(moderator)
    assert "Blur strength" in client.get(reverse("profile")).content.decode()
    response = client.post(
        reverse("dashboard:wellness"), {"blur_strength": "strong", "grayscale_only": "on"}
    )
    assert response.status_code == 302
    preference = DeskPreference.objects.get(user=moderator)
    assert (preference.blur_strength, preference.grayscale_only) == ("strong", True)
    page = client.get(reverse("dashboard:queue")).content.decode()
    assert '<body class="blur-media blur-strong grayscale-only"' in page
    client.force_login(moderator2)
    assert '<body class="blur-media"' in client.get(reverse("dashboard:queue")).content.decode()


def test_an_unknown_blur_strength_is_refused(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("dashboard:wellness"), {"blur_strength": "total"})
    assert response.status_code == 400
    assert "Choose a blur strength." in response.content.decode()
    answer = client.post(
        reverse("dashboard:wellness"), {"blur_strength": "x"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_form"


def test_not_found_and_forbidden_pages_have_the_layout(client, moderator):
    client.force_login(moderator)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "Page not found" in html and 'href="/team/confirmations/"' in html  # navigation
    forbidden = client.get(reverse("teamwork:sla"))  # seniors only
    assert forbidden.status_code == 403
    assert "Not allowed" in forbidden.content.decode()
    assert 'class="topbar"' in forbidden.content.decode()


def test_server_error_page_needs_no_request_nor_database(django_assert_num_queries):
    template = engines["django"].get_template("500.html")
    with django_assert_num_queries(0):
        html = template.render()  # as django.views.defaults.server_error renders it
    assert "Something went wrong" in html and 'class="topbar"' in html and 'href="/"' in html


@override_settings(LANGUAGE_CODE="en")
def test_countdown_reads_the_same_as_desk_js():
    now = timezone.now()
    assert time_left_text(now + timedelta(hours=3, minutes=50, seconds=5), now) == (
        "3 h 50 min left"
    )
    assert time_left_text(now + timedelta(minutes=7, seconds=59), now) == "7 min left"
    assert time_left_text(now - timedelta(minutes=12, seconds=1), now) == "overdue by 12 min"


def test_durations_never_print_microseconds():
    assert duration(timedelta(hours=3, minutes=12, seconds=7, microseconds=481516)) == (
        "3 h 12 min"
    )
    assert duration(timedelta(seconds=40)) == "under a minute"
    assert duration(timedelta(days=3, hours=4, minutes=5)) == "3 d 4 h"
