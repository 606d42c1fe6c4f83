"""Content Credentials in a real browser: a clip signed (by a throwaway CA made here) as
AI-generated shows that, with Label suggested, on its review page; a clip that matches a
banked known fake shows the match."""

import pytest
from playwright.sync_api import expect

from provenance import services
from provenance.c2pa_io import sign_file
from tests.browser.conftest import log_in
from tests.provenance.throwaway_ca import make_identity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_declared_ai_clip_shows_credentials_on_review_page(
    new_page, moderator, make_review_clip, h264_clips, tmp_path, settings
):
    identity = make_identity("Acme Video Generator", "Acme AI")
    settings.PROVENANCE_C2PA_TRUST_ANCHORS = identity.root_pem.decode()
    signed = tmp_path / "signed.mp4"
    sign_file(h264_clips[1], signed, cert_chain_pem=identity.chain_pem,
              private_key_pem=identity.key_pem, generator="Acme Gen")  # fmt: skip
    clip = make_review_clip(signed, 0.4)
    services.do_read_credentials(clip.pk)

    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    panel = page.locator(".content-credentials")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Content Credentials: Valid")
    expect(panel).to_contain_text("declared AI-generated")
    expect(panel).to_contain_text("Acme Video Generator")
    expect(panel.get_by_role("status")).to_contain_text("Suggested decision: Label")


def test_unsigned_clip_shows_no_credentials(new_page, moderator, make_review_clip, h264_clips):
    clip = make_review_clip(h264_clips[0], 0.4)
    services.do_read_credentials(clip.pk)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    expect(page.get_by_role("heading", name="Clip", exact=True)).to_be_visible()
    expect(page.locator(".content-credentials")).to_have_count(0)
