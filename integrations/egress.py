"""The outbound-URL guard: which hosts Unmask may call, checked by resolved address.

Every call Unmask makes to a URL an operator typed (webhook endpoints today, remote detector
providers later) goes through here, twice:

* at save time, `check_url` refuses a URL whose host is, or resolves to, an address that is not on
  the public internet: loopback, private ranges, link-local (169.254.169.254, the cloud metadata
  service), multicast, reserved, unspecified, shared (100.64/10), IPv4-mapped or -embedded IPv6 of
  any of those. A name that does not resolve yet is accepted; the send re-checks it.
* at send time, `open_connection` resolves the host again, refuses the same addresses before any
  socket is opened, and connects to the address it vetted (Host header and TLS SNI/certificate
  check still use the name), so a DNS answer that changes between the check and the connect (DNS
  rebinding) cannot switch the target.

`UNMASK_EGRESS_ALLOW` lists the exceptions for on-premise receivers: CIDRs (`10.20.0.0/16`,
`127.0.0.1/32`, `fd00::/8`) or exact host names (`hooks.corp.internal`). With
`UNMASK_WEBHOOK_PROXY` set, the proxy makes the connection and resolves the name itself: the URL
is still vetted here, but the proxy must enforce its own egress rules.
"""

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from dashboard.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class EgressRefused(ServiceError):
    """A URL Unmask will not call: bad scheme, no host, or an address that is not public."""

    default_status = 400


@dataclass(frozen=True)
class Target:
    """A vetted destination: connect to `address`, speak to `host` (Host header, SNI)."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def _allow_list() -> tuple[list[IPNetwork], set[str]]:
    networks: list[IPNetwork] = []
    names: set[str] = set()
    for item in settings.UNMASK_EGRESS_ALLOW:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item.strip().lower().rstrip("."))
    return networks, names


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` is not a public destination, or None when it is one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = refusal_reason(embedded)
        return f"{reason} (inside an IPv6 address)" if reason else None
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


def _vet_address(host: str, raw: str) -> str:
    address = ipaddress.ip_address(raw.split("%", 1)[0])
    networks, _ = _allow_list()
    if any(address.version == net.version and address in net for net in networks):
        return raw
    reason = refusal_reason(address)
    if reason:
        shown = host if host == raw else f"{host} ({raw})"
        article = "an" if reason[0] in "aeiou" else "a"
        raise EgressRefused(
            "egress_refused",
            f"{shown} is {article} {reason} address; Unmask calls only public addresses. "
            "Add it to UNMASK_EGRESS_ALLOW for an on-premise receiver.",
        )
    return raw


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a literal resolves to itself). Patched in tests."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise EgressRefused("egress_refused", "Only http(s) URLs are allowed.")
    try:
        host = parts.hostname
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise EgressRefused("egress_refused", f"The URL is malformed: {exc}.") from exc
    if not host:
        raise EgressRefused("egress_refused", "The URL has no host.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host.lower().rstrip("."), port, path


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def vet_url(url: str) -> Target:
    """Resolve the URL's host now and return the target to connect to, or raise EgressRefused.

    Every address the name resolves to must pass (an attacker's name may answer a public and a
    private address), and the first one is the one to connect to.
    """
    scheme, host, port, path = _split(url)
    _, allowed_names = _allow_list()
    try:
        addresses = [host] if _is_literal(host) else resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise EgressRefused("egress_unresolvable", f"{host} does not resolve: {exc}.") from exc
    if not addresses:
        raise EgressRefused("egress_unresolvable", f"{host} does not resolve.")
    if host not in allowed_names:
        for address in addresses:
            _vet_address(host, address)
    return Target(scheme, host, port, addresses[0], path)


def check_url(url: str) -> None:
    """Save-time check: refuse a URL on a non-public address; a name not resolving yet passes."""
    try:
        vet_url(url)
    except EgressRefused as refused:
        if refused.code != "egress_unresolvable":
            raise


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Speaks HTTP to `host` but opens the socket to the vetted address only."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the vetted address, with SNI and the certificate checked against `host`."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def open_connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, Target]:
    """Send-time check, then a connection pinned to the vetted address (not yet connected).

    With UNMASK_WEBHOOK_PROXY the connection goes to the proxy instead (a CONNECT tunnel for
    https); the target was still vetted, but the proxy resolves the name again itself.
    """
    target = vet_url(url)
    proxy = settings.UNMASK_WEBHOOK_PROXY
    if not proxy:
        pinned = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        return pinned(target, timeout), target
    proxy_parts = urlsplit(proxy)
    proxy_host = proxy_parts.hostname or ""
    proxy_port = proxy_parts.port or (443 if proxy_parts.scheme == "https" else 8080)
    if target.scheme == "https":
        tunnelled = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=timeout)
        tunnelled.set_tunnel(target.host, target.port)
        return tunnelled, target
    plain = http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout)
    absolute = f"http://{target.host}:{target.port}{target.path}"
    return plain, Target(target.scheme, target.host, target.port, target.address, absolute)
