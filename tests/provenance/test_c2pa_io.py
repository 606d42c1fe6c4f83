"""Reading Content Credentials from fixtures signed in the test by a throwaway CA."""

from pathlib import Path

import pytest

from detection.synthetic import make_clip
from provenance.c2pa_io import INVALID, UNTRUSTED, VALID, read_credentials, sign_file
from tests.provenance.throwaway_ca import make_identity


@pytest.fixture(scope="module")
def identity():
    return make_identity("Acme Video Generator", "Acme AI")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("c2pa") / "plain.mp4"
    return make_clip(path, kind="noface", seconds=1, size=(160, 120), seed=4)


@pytest.fixture(scope="module")
def signed(plain, identity) -> Path:
    out = plain.with_name("signed.mp4")
    sign_file(plain, out, cert_chain_pem=identity.chain_pem, private_key_pem=identity.key_pem,
              generator="Acme Gen")  # fmt: skip
    return out


def tamper(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    at = data.find(b"mdat") + 200
    data[at] ^= 0xFF
    out = path.with_name("tampered.mp4")
    out.write_bytes(bytes(data))
    return out


def test_unsigned_file_has_no_credentials(plain):
    assert read_credentials(plain) is None


def test_signed_file_declares_ai_generation(signed, identity):
    creds = read_credentials(signed, identity.root_pem.decode())
    assert creds.state == VALID
    assert creds.ai_generated and creds.source_type == "trainedAlgorithmicMedia"
    assert creds.signer == "Acme Video Generator" and creds.signer_org == "Acme AI"
    assert creds.claim_generator == "Acme Gen 1"


def test_signer_outside_the_trust_anchors_is_untrusted(signed):
    assert read_credentials(signed).state == UNTRUSTED
    other = make_identity("Someone", "Elsewhere")
    assert read_credentials(signed, other.root_pem.decode()).state == UNTRUSTED


def test_tampered_file_is_invalid(signed, identity):
    creds = read_credentials(tamper(signed), identity.root_pem.decode())
    assert creds.state == INVALID
    assert any("mismatch" in code for code in creds.failures)


def test_composite_source_type_counts_as_ai(plain, identity, tmp_path):
    out = tmp_path / "composite.mp4"
    sign_file(plain, out, cert_chain_pem=identity.chain_pem, private_key_pem=identity.key_pem,
              generator="Acme", source_type="compositeWithTrainedAlgorithmicMedia")  # fmt: skip
    assert read_credentials(out).ai_generated
    camera = tmp_path / "camera.mp4"
    sign_file(plain, camera, cert_chain_pem=identity.chain_pem, private_key_pem=identity.key_pem,
              generator="Camera", source_type="digitalCapture")  # fmt: skip
    assert not read_credentials(camera).ai_generated
