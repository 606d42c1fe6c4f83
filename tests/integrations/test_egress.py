"""The egress guard: webhook URLs on non-public addresses are refused at save and at send time."""

import pytest
from django.core.exceptions import ValidationError

from integrations import delivery, egress
from integrations.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db

# One address of every class Unmask must not call, as URL hosts.
REFUSED_HOSTS = {
    "loopback": "127.0.0.1",
    "loopback-other": "127.8.9.10",
    "ipv6-loopback": "[::1]",
    "metadata-link-local": "169.254.169.254",
    "private-10": "10.0.0.5",
    "private-172": "172.16.3.4",
    "private-192": "192.168.1.1",
    "shared-cgnat": "100.64.0.1",
    "unspecified": "0.0.0.0",  # noqa: S104 - the address under test
    "multicast": "224.0.0.1",
    "reserved": "240.0.0.1",
    "ipv6-link-local": "[fe80::1]",
    "ipv6-unique-local": "[fd12:3456::1]",
    "ipv6-multicast": "[ff0e::1]",
    "ipv4-mapped-loopback": "[::ffff:127.0.0.1]",
    "ipv4-mapped-metadata": "[::ffff:169.254.169.254]",
    "6to4-private": "[2002:c0a8:0101::1]",
    "nat64-loopback": "[64:ff9b::7f00:1]",
}


@pytest.fixture(autouse=True)
def no_exceptions(settings):
    # The package conftest allows the loopback receivers; these tests check the guard itself.
    settings.UNMASK_EGRESS_ALLOW = []


@pytest.fixture
def resolver(monkeypatch):
    """A scripted DNS: name -> list of answers, consumed one per lookup (last answer repeats)."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        script = answers[host]
        return script.pop(0) if len(script) > 1 else script[0]

    monkeypatch.setattr(egress, "resolve", resolve)
    return answers, lookups


@pytest.fixture
def no_sockets(monkeypatch):
    """Fail the test if anything opens a TCP connection."""
    opened: list[object] = []

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        raise AssertionError(f"a connection to {address} was opened")

    monkeypatch.setattr(egress.socket, "create_connection", create_connection)
    return opened


def _endpoint(url: str) -> WebhookEndpoint:
    return WebhookEndpoint(name="hook", url=url, events=["clip.decided"])


@pytest.mark.parametrize("host", REFUSED_HOSTS.values(), ids=REFUSED_HOSTS.keys())
def test_non_public_literal_addresses_are_refused_at_save(host):
    with pytest.raises(ValidationError) as refused:
        _endpoint(f"http://{host}:8080/hook").full_clean()
    message = " ".join(refused.value.message_dict["url"])
    assert "only public addresses" in message and "UNMASK_EGRESS_ALLOW" in message


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1"])
def test_names_resolving_to_non_public_addresses_are_refused_at_save(resolver, address):
    answers, _ = resolver
    answers["hooks.attacker.example"] = [[address]]
    with pytest.raises(ValidationError) as refused:
        _endpoint("https://hooks.attacker.example/h").full_clean()
    assert address in " ".join(refused.value.message_dict["url"])


def test_one_private_answer_among_public_ones_is_enough_to_refuse(resolver):
    answers, _ = resolver
    answers["mixed.example"] = [["93.184.215.14", "192.168.0.10"]]
    with pytest.raises(ValidationError):
        _endpoint("https://mixed.example/h").full_clean()


def test_public_names_and_not_yet_resolving_names_are_accepted_at_save(resolver):
    answers, _ = resolver
    answers["partner.example"] = [["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]
    _endpoint("https://partner.example/h").full_clean()
    answers["later.example"] = [[]]
    _endpoint("https://later.example/h").full_clean()


def test_admin_form_refuses_the_metadata_address(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "name": "metadata",
            "url": "http://169.254.169.254/latest/meta-data/",
            "secret": "whsec_x",
            "events": ["clip.decided"],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert b"link-local address" in response.content
    assert not WebhookEndpoint.objects.exists()


def _pending_delivery(url: str) -> WebhookDelivery:
    from integrations.events import queue_webhook_event

    # Saved directly: the endpoint passed the save-time check with an earlier DNS answer.
    WebhookEndpoint.objects.create(name="hook", url=url, events=["clip.decided"])
    event = queue_webhook_event(
        "clip.decided", ClipFactory(status="approved"), {"action": "approve"}
    )
    return WebhookDelivery.objects.get(event=event)


@pytest.mark.parametrize("host", REFUSED_HOSTS.values(), ids=REFUSED_HOSTS.keys())
def test_non_public_addresses_are_refused_at_send_before_connecting(no_sockets, host):
    pending = _pending_delivery(f"http://{host}:8080/hook")
    outcome = delivery.attempt_delivery(pending.pk)
    assert outcome.outcome == "retry" and outcome.status_code is None
    attempt = DeliveryAttempt.objects.get(delivery=pending)
    assert "only public addresses" in attempt.error and attempt.response_excerpt == ""
    assert no_sockets == []


def test_dns_rebinding_after_the_save_check_is_refused_at_send(resolver, no_sockets):
    answers, lookups = resolver
    # Public when the operator saved it, loopback when the worker sends.
    answers["rebind.attacker.example"] = [["93.184.215.14"], ["127.0.0.1"]]
    endpoint = _endpoint("http://rebind.attacker.example/h")
    endpoint.full_clean()
    endpoint.save()
    from integrations.events import queue_webhook_event

    queue_webhook_event("clip.decided", ClipFactory(status="approved"), {"action": "approve"})
    pending = WebhookDelivery.objects.get(endpoint=endpoint)
    delivery.attempt_delivery(pending.pk)
    attempt = DeliveryAttempt.objects.get(delivery=pending)
    assert "127.0.0.1" in attempt.error and "loopback" in attempt.error
    assert lookups == ["rebind.attacker.example", "rebind.attacker.example"]
    assert no_sockets == []


def test_localhost_by_name_is_refused_at_send(no_sockets):
    pending = _pending_delivery("http://localhost:8000/hook")
    delivery.attempt_delivery(pending.pk)
    assert "loopback" in DeliveryAttempt.objects.get(delivery=pending).error
    assert no_sockets == []


def test_send_connects_to_the_vetted_address_and_keeps_the_host_name(resolver, monkeypatch):
    answers, _ = resolver
    # The second lookup is the send's own; whatever the name says later is not asked again.
    answers["partner.example"] = [["93.184.215.14"], ["127.0.0.1"]]
    connection, target = egress.open_connection("http://partner.example:8081/in?x=1", 2.0)
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.215.14",
        "partner.example",
        8081,
        "/in?x=1",
    )
    connected: list[tuple[str, int]] = []

    class FakeSocket:
        def setsockopt(self, *args):
            pass

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        return FakeSocket()

    monkeypatch.setattr(egress.socket, "create_connection", create_connection)
    connection.connect()
    assert connected == [("93.184.215.14", 8081)]
    assert connection.host == "partner.example"  # the Host header and TLS SNI use the name


def test_allow_list_lets_an_on_premise_receiver_through(settings, receiver, resolver):
    answers, _ = resolver
    answers["hooks.corp.internal"] = [["10.20.0.7"]]
    settings.UNMASK_EGRESS_ALLOW = ["127.0.0.1/32", "hooks.corp.internal"]
    _endpoint(receiver.url).full_clean()
    _endpoint("https://hooks.corp.internal/h").full_clean()
    with pytest.raises(ValidationError):
        _endpoint("http://127.0.0.2:8000/h").full_clean()  # only the listed /32
    with pytest.raises(ValidationError):
        _endpoint("http://10.20.0.7/h").full_clean()  # the name is allowed, not its address
    pending = _pending_delivery(receiver.url)
    assert delivery.attempt_delivery(pending.pk).outcome == "delivered"
    assert len(receiver.requests) == 1


def test_allow_list_by_network_covers_ipv6(settings):
    settings.UNMASK_EGRESS_ALLOW = ["fd00::/8"]
    _endpoint("http://[fd12::5]/h").full_clean()
    with pytest.raises(ValidationError):
        _endpoint("http://[fe80::5]/h").full_clean()


def test_stored_excerpt_is_bounded_and_escaped(settings, receiver, monkeypatch):
    settings.UNMASK_EGRESS_ALLOW = ["127.0.0.1/32"]
    reply = ("\x1b[31m<secret>" + "A" * 5000 + "\n").encode()
    monkeypatch.setattr(delivery, "EXCERPT_BYTES", 8192)
    receiver.script = [500]
    receiver.body = reply
    pending = _pending_delivery(receiver.url)
    delivery.attempt_delivery(pending.pk)
    attempt = DeliveryAttempt.objects.get(delivery=pending)
    assert attempt.status_code == 500
    assert len(attempt.response_excerpt) == delivery.EXCERPT_CHARS
    assert attempt.response_excerpt.startswith("\\x1b[31m<secret>AAA")
    assert "\x1b" not in attempt.response_excerpt


def test_https_connects_to_the_vetted_address_with_sni_for_the_name(resolver, monkeypatch):
    answers, _ = resolver
    answers["partner.example"] = [["93.184.215.14"]]
    connection, _ = egress.open_connection("https://partner.example/in", 2.0)
    monkeypatch.setattr(egress.socket, "create_connection", lambda address, *a, **k: address)
    wrapped: list[tuple[object, str]] = []

    class Context:
        def wrap_socket(self, sock, server_hostname):
            wrapped.append((sock, server_hostname))
            return sock

    connection._context = Context()
    connection.connect()
    assert wrapped == [(("93.184.215.14", 443), "partner.example")]


def test_with_a_proxy_the_target_is_still_vetted(settings, resolver, no_sockets):
    answers, _ = resolver
    answers["proxy.corp"] = [["10.0.0.3"]]
    answers["partner.example"] = [["93.184.215.14"]]
    settings.UNMASK_WEBHOOK_PROXY = "http://proxy.corp:3128"
    connection, target = egress.open_connection("http://partner.example/in", 2.0)
    assert (connection.host, connection.port) == ("proxy.corp", 3128)
    assert target.path == "http://partner.example:80/in"
    tunnel, _ = egress.open_connection("https://partner.example/in", 2.0)
    assert tunnel._tunnel_host == "partner.example" and tunnel.host == "proxy.corp"
    answers["inside.example"] = [["192.168.7.7"]]
    with pytest.raises(egress.EgressRefused):
        egress.open_connection("http://inside.example/in", 2.0)
