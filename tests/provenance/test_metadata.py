"""Metadata signals: an IPTC source type in XMP, generation parameters in PNG text / EXIF,
generator names in video container tags. Each fires on a file written here and stays silent on
plain media; hostile metadata (huge XMP, malformed XML, billion laughs) declares nothing."""

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from dashboard.constants import ClipKind
from dashboard.signals import SuspicionLevel, gather_signals, suspicion_level
from provenance import services
from provenance.metadata_io import XMP_LIMIT, read_metadata, xmp_findings, xmp_packet
from provenance.metadata_signals import CONTAINER, PARAMETERS, SOURCE_TYPE, metadata_signals
from provenance.models import ClipCredentials, ClipMetadata, CredentialState
from tests.provenance.conftest import stored_clip

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def xmp(term: str, *, element: bool = False) -> str:
    body = (
        f"<Iptc4xmpExt:DigitalSourceType>{IPTC}{term}</Iptc4xmpExt:DigitalSourceType>"
        if element
        else ""
    )
    attr = "" if element else f' Iptc4xmpExt:DigitalSourceType="{IPTC}{term}"'
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        f'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"{attr}>{body}'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def image() -> Image.Image:
    return Image.fromarray(np.random.default_rng(5).integers(0, 255, (48, 64, 3), np.uint8))


def png(path: Path, **texts: str) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in texts.items():
        info.add_itxt(key, value)
    image().save(path, pnginfo=info)
    return path


def names(meta) -> list[tuple[str, str]]:
    return [(f.kind, f.generator) for f in meta.findings]


# --- the reader -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
@pytest.mark.parametrize(
    "term", ["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia"]
)
def test_iptc_source_type_in_jpeg_and_webp_xmp(tmp_path, fmt, term):
    path = tmp_path / f"x.{fmt}"
    image().save(path, format=fmt.upper(), xmp=xmp(term).encode())
    meta = read_metadata(path, "photo")
    assert names(meta) == [("source_type", term)]
    assert meta.findings[0].declares_ai and meta.findings[0].raw == IPTC + term


def test_iptc_source_type_in_png_itxt_element_form(tmp_path):
    path = tmp_path / "x.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp("trainedAlgorithmicMedia", element=True))
    image().save(path, pnginfo=info)
    assert names(read_metadata(path, "photo")) == [("source_type", "trainedAlgorithmicMedia")]


def test_camera_source_type_is_read_but_declares_no_ai(tmp_path):
    path = tmp_path / "x.jpg"
    image().save(path, xmp=xmp("digitalCapture").encode())
    (finding,) = read_metadata(path, "photo").findings
    assert finding.generator == "digitalCapture" and not finding.declares_ai


def test_a1111_parameters_and_comfyui_graph_in_png_text(tmp_path):
    a1111 = png(
        tmp_path / "a.png",
        parameters="a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, Seed: 7",
    )
    comfy = png(tmp_path / "c.png", prompt='{"3": {"class_type": "KSampler"}}', workflow="{}")
    invoke = png(tmp_path / "i.png", invokeai_metadata='{"model": "sd-1.5"}')
    assert names(read_metadata(a1111, "photo")) == [("generation_parameters", "AUTOMATIC1111")]
    assert ("generation_parameters", "ComfyUI") in names(read_metadata(comfy, "photo"))
    assert names(read_metadata(invoke, "photo")) == [("generation_parameters", "InvokeAI")]
    assert "Steps: 20" in read_metadata(a1111, "photo").findings[0].raw


def test_ordinary_png_text_stays_silent(tmp_path):
    # "prompt" that is not a graph, "parameters" without sampler settings, a plain comment.
    path = png(tmp_path / "p.png", prompt="ask first", parameters="width 10", Comment="holiday")
    meta = read_metadata(path, "photo")
    assert meta.findings == () and "PNG text 'Comment'" in meta.fields_read


@pytest.mark.parametrize(
    ("tag", "value", "generator"),
    [
        (305, "Midjourney v6", "Midjourney"),
        (270, "Created with DALL·E 3", "DALL·E"),
        (305, "Adobe Firefly Image 3", "Adobe Firefly"),
    ],
)
def test_exif_naming_a_generator(tmp_path, tag, value, generator):
    exif = Image.Exif()
    exif[tag] = value
    path = tmp_path / "e.jpg"
    image().save(path, exif=exif)
    assert names(read_metadata(path, "photo")) == [("generation_parameters", generator)]


def test_exif_user_comment_with_sd_parameters(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[37510] = b"ASCII\x00\x00\x00a cat, Steps: 30, Sampler: DPM++ 2M"
    path = tmp_path / "u.jpg"
    image().save(path, exif=exif)
    assert names(read_metadata(path, "photo")) == [("generation_parameters", "Stable Diffusion")]


def test_camera_exif_stays_silent(tmp_path):
    exif = Image.Exif()
    exif[305] = "Adobe Photoshop Lightroom Classic 13.0"
    exif[270] = "Runway lights at dusk"  # a word, not the generator
    path = tmp_path / "cam.jpg"
    image().save(path, exif=exif)
    assert read_metadata(path, "photo").findings == ()


def _video(path: Path, container_tags: dict[str, str], stream_tags: dict[str, str]) -> Path:
    with av.open(str(path), "w") as out:
        for key, value in container_tags.items():
            out.metadata[key] = value
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for key, value in stream_tags.items():
            stream.metadata[key] = value
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), "rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.mark.parametrize(
    ("container", "stream", "generator"),
    [
        ({"comment": "Generated with Runway Gen-3 Alpha"}, {}, "Runway"),
        ({"title": "OpenAI Sora"}, {}, "Sora"),
        ({}, {"handler_name": "AnimateDiff via ComfyUI"}, "ComfyUI"),
    ],
)
def test_container_and_stream_tags_naming_a_generator(tmp_path, container, stream, generator):
    path = _video(tmp_path / "g.mp4", container, stream)
    meta = read_metadata(path, "video")
    assert ("container_tag", generator) in names(meta)


def test_plain_video_stays_silent(tmp_path, noface_clip):
    assert read_metadata(noface_clip, "video").findings == ()
    camera = _video(tmp_path / "cam.mp4", {"title": "Pikachu plush review"}, {})
    assert read_metadata(camera, "video").findings == ()


def test_plain_photos_stay_silent(tmp_path):
    for name in ("p.png", "p.jpg", "p.webp"):
        image().save(tmp_path / name)
        assert read_metadata(tmp_path / name, "photo").findings == ()


# --- hostile metadata -------------------------------------------------------------------------


def test_billion_laughs_xmp_is_skipped_not_expanded(tmp_path):
    laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "&lol;" * 10}">' for i in range(9)
        )
        + "]>"
    )
    packet = xmp("trainedAlgorithmicMedia").replace("<x:xmpmeta", laughs + "<x:xmpmeta", 1)
    packet = packet.replace("<rdf:RDF", "<!DOCTYPE x [<!ENTITY a '&lol8;'>]><rdf:RDF", 1)
    path = tmp_path / "lol.jpg"
    image().save(path, xmp=packet.encode())
    meta = read_metadata(path, "photo")
    assert meta.findings == () and "DTD" in meta.notes[0]


def test_huge_xmp_is_skipped_with_a_note():
    padding = "<rdf:li>" + "x" * (XMP_LIMIT + 10) + "</rdf:li>"
    huge = xmp("trainedAlgorithmicMedia").replace("</rdf:RDF>", padding + "</rdf:RDF>")
    packet, note = xmp_packet(huge)
    assert packet == "" and "larger than" in note


def test_huge_png_xmp_chunk_does_not_break_the_reader(tmp_path):
    padding = "<rdf:li>" + "x" * (XMP_LIMIT + 10) + "</rdf:li>"
    huge = xmp("trainedAlgorithmicMedia").replace("</rdf:RDF>", padding + "</rdf:RDF>")
    path = tmp_path / "huge.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", huge)
    image().save(path, pnginfo=info)
    meta = read_metadata(path, "photo")  # Pillow may refuse the chunk itself; either way no fire
    assert not [f for f in meta.findings if f.kind == "source_type"]


@pytest.mark.parametrize(
    "packet",
    [
        "<x:xmpmeta><rdf:Description Iptc4xmpExt:DigitalSourceType=",  # unterminated
        "<x:xmpmeta>" + "<" * 5000 + "</x:xmpmeta>",  # garbage
        "\x00\xff<x:xmpmeta \xfe>>></x:xmpmeta>",  # not XML at all
        "no packet here",
    ],
)
def test_malformed_xmp_declares_nothing(packet):
    found, _note = xmp_packet(packet)
    assert xmp_findings(found) == []


def test_not_an_image_declares_nothing(tmp_path):
    path = tmp_path / "junk.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    meta = read_metadata(path, "photo")
    assert meta.findings == () and "unreadable" in meta.notes[0]
    assert read_metadata(path, "video").findings == ()


# --- stored, as signals -----------------------------------------------------------------------


@pytest.mark.django_db
def test_declared_photo_fires_strong_and_shows_the_raw_field(tmp_path):
    path = tmp_path / "ai.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp("trainedAlgorithmicMedia"))
    info.add_text("parameters", "a kiss\nSteps: 20, Sampler: Euler a, Seed: 1")
    image().save(path, pnginfo=info)
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    clip.refresh_from_db()
    before = clip.priority
    record = services.do_read_metadata(clip.pk)
    clip.refresh_from_db()
    assert clip.priority >= before + 60  # the strong level's points (dashboard.priority)
    assert services.do_read_metadata(clip.pk).pk == record.pk  # idempotent
    by_name = {s.name: s for s in metadata_signals(clip)}
    source, params = by_name[SOURCE_TYPE], by_name[PARAMETERS]
    assert source.fired and source.supports == SuspicionLevel.STRONG and source.value == 1.0
    assert "trainedAlgorithmicMedia" in source.sentence
    assert IPTC + "trainedAlgorithmicMedia" in source.detail
    assert params.fired and "AUTOMATIC1111" in params.sentence and "Steps: 20" in params.detail
    assert not by_name[CONTAINER].applicable  # photos have no container tags
    assert suspicion_level(gather_signals(clip)) == SuspicionLevel.STRONG
    assert clip.audit_events.filter(action="provenance.metadata_read").exists()


@pytest.mark.django_db
def test_plain_photo_is_not_applicable_never_evidence(tmp_path):
    path = tmp_path / "plain.jpg"
    image().save(path)
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    signals = metadata_signals(clip)
    assert all(not s.applicable and s.not_applicable == "not read yet" for s in signals)
    services.do_read_metadata(clip.pk)
    signals = metadata_signals(clip)
    assert all(not s.applicable and not s.fired for s in signals)
    assert all(s.value is None for s in signals)  # absence is no score of authenticity
    assert suspicion_level(gather_signals(clip)) == SuspicionLevel.NONE


@pytest.mark.django_db
def test_source_type_defers_to_content_credentials(tmp_path):
    path = tmp_path / "signed.jpg"
    image().save(path, xmp=xmp("trainedAlgorithmicMedia").encode())
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    ClipCredentials.objects.create(clip=clip, state=CredentialState.VALID, signer_org="Org")
    services.do_read_metadata(clip.pk)
    (source,) = [s for s in metadata_signals(clip) if s.name == SOURCE_TYPE]
    assert not source.applicable and source.not_applicable == "content credentials present"


@pytest.mark.django_db
def test_video_with_generator_tag_fires_via_the_match_job(tmp_path):
    from provenance.tasks import match_clip

    path = _video(tmp_path / "sora.mp4", {"comment": "Made with Kling AI 1.6"}, {})
    clip = stored_clip(path)
    match_clip(clip.pk)
    record = ClipMetadata.objects.get(clip=clip)
    assert record.of_kind("container_tag")[0]["field"] == "container comment"
    (tag,) = [s for s in metadata_signals(clip) if s.name == CONTAINER]
    assert tag.fired and "Kling" in tag.sentence and "Made with Kling AI 1.6" in tag.detail
    assert tag.as_dict()["detail"] == tag.detail  # the API and evidence keep the raw field


@pytest.mark.django_db
def test_metadata_sentences_are_translated_to_korean(tmp_path):
    from django.utils import translation

    path = tmp_path / "k.jpg"
    image().save(path, xmp=xmp("trainedAlgorithmicMedia").encode())
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    services.do_read_metadata(clip.pk)
    with translation.override("ko"):
        signals = {s.name: s for s in metadata_signals(clip)}
    assert "생성형 AI" in signals[SOURCE_TYPE].sentence
    assert signals[SOURCE_TYPE].title == "XMP의 IPTC 출처 유형"
    assert signals[PARAMETERS].title == "생성 매개변수"
    assert "어느 쪽으로도 판단할 수 없습니다" in signals[PARAMETERS].sentence


@pytest.mark.django_db
def test_review_page_and_api_show_the_raw_field(tmp_path, client, moderator, api_client_for):
    from django.urls import reverse

    path = png(tmp_path / "comfy.png", prompt='{"3": {"class_type": "KSampler", "seed": 42}}')
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    services.do_read_metadata(clip.pk)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert 'data-suspicion="strong"' in page
    assert f'data-signal="{PARAMETERS}"' in page
    assert "PNG text &#x27;prompt&#x27;: {&quot;3&quot;: {&quot;class_type&quot;" in page
    body = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/").json()
    assert body["suspicion"]["level"] == "strong"
    (signal,) = [s for s in body["suspicion"]["signals"] if s["name"] == PARAMETERS]
    assert signal["fired"] and signal["supports"] == "strong"
    assert signal["detail"].startswith("PNG text 'prompt': {\"3\"")


@pytest.mark.django_db
def test_read_metadata_tags_command_reads_clips_matched_before(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "old.jpg"
    exif = Image.Exif()
    exif[305] = "Midjourney v5"
    image().save(path, exif=exif)
    clip = stored_clip(path, kind=ClipKind.PHOTO)
    out = StringIO()
    call_command("read_metadata_tags", stdout=out)
    assert "read 1 clips" in out.getvalue()
    assert ClipMetadata.objects.get(clip=clip).of_kind("generation_parameters")
    call_command("read_metadata_tags", stdout=out)  # nothing left to read
    assert ClipMetadata.objects.count() == 1 and "read 0 clips" in out.getvalue()
