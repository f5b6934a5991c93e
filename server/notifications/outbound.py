"""Outbound HTTP for webhooks, safe against being pointed inwards (SSRF).

Before each attempt, and again after each redirect, the host is resolved and every address it
resolves to is checked: loopback, private, link-local, multicast, unspecified, reserved,
shared (CGNAT) and cloud-metadata addresses are refused — IPv4 addresses hidden in IPv6 ones
(``::ffff:10.0.0.1``, 6to4, Teredo, NAT64) included — unless the host name or the address is
listed in ``LIANXIN_WEBHOOK_ALLOW_HOSTS``. The connection then goes to the very address that
was checked (the host name still names the server for TLS and the Host header), so a second
DNS answer cannot swap in another address between the check and the connection (DNS
rebinding). Redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each one checked.

Only the standard library: httpx is a test dependency here, not a runtime one."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import string
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from server.notifications import answers

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_REDIRECTS = 3
# A receiver's answer is kept for the delivery record, not read whole.
MAX_ANSWER_BYTES = 16 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Everything printable in ASCII stays as written (existing %-escapes included).
_URL_SAFE = string.punctuation

# Cloud instance-metadata services: AWS, GCP, Azure, OpenStack (169.254.169.254 and its IPv6
# twin), AWS ECS task metadata, AWS's DNS, Alibaba Cloud, Oracle Cloud, Azure's wire server.
# Most are link-local or shared addresses anyway; listed so the refusal says what they are,
# and because 168.63.129.16 is a public address.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.169.253", "fd00:ec2::23",
    "100.100.100.200", "192.0.0.192", "168.63.129.16",
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """The request was not made, or got no answer. ``reason`` is recorded as the attempt's
    answer; ``retry`` says whether trying again later may succeed."""

    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Refused(OutboundError):
    """The address is not allowed: trying again cannot help until the settings change."""

    def __init__(self, reason: str):
        super().__init__(reason, retry=False)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    url: str  # where it came from, after redirects


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: tuple[str, ...] | list[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in entries:
            entry = entry.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                name = entry.rstrip(".")
                with contextlib.suppress(UnicodeError):
                    name = name.encode("idna").decode("ascii")  # as the URL's host is compared
                hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: Address) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)


def forbidden_reason(address: Address) -> str | None:
    """Why ``address`` may not receive webhooks, or None for an ordinary public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return forbidden_reason(address.ipv4_mapped)
        embedded = [address.sixtofour, address.teredo[1] if address.teredo else None,
                    ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None]
        for inner in embedded:
            if inner is not None and (reason := forbidden_reason(inner)):
                return reason
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, name in ((address.is_loopback, "a loopback address"), (address.is_unspecified, "an unspecified address"),
                       (address.is_link_local, "a link-local address"), (address.is_multicast, "a multicast address"),
                       (address.is_private, "a private address"), (address.is_reserved, "a reserved address")):
        if test:
            return name
    if not address.is_global:
        return "not a public address"
    return None


def checked_address(host: str, port: int, allow: AllowList) -> str:
    """Resolve ``host`` and return the address to connect to, once every address it resolves
    to has passed the check (a host answering with one public and one private address is
    refused: the resolver could hand out either)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"cannot resolve {host}: {exc}", retry=True) from exc
    addresses: list[Address] = []
    for family, *_rest, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OutboundError(f"cannot resolve {host}: no address", retry=True)
    if not allow.allows_host(host):
        for address in addresses:
            reason = forbidden_reason(address)
            if reason and not allow.allows_address(address):
                shown = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
                raise Refused(f"refused: {shown} {reason}; list it in LIANXIN_WEBHOOK_ALLOW_HOSTS to allow it")
    return str(addresses[0])


def post(url: str, body: bytes, headers: dict[str, str], *, allow: AllowList, timeout: float,
         max_redirects: int = MAX_REDIRECTS) -> Answer:
    """POST ``body`` to ``url``, following redirects (the same POST to the new address, each
    address checked). Raises :class:`Refused` or :class:`OutboundError`; an answer of any
    status is returned."""
    for _hop in range(max_redirects + 1):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"refused: {url[:200]} is not an http(s) address")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
            # 例子.中国 → xn--fsqu00a.xn--fiqs8s: what DNS, TLS and the Host header carry.
            host = parts.hostname.encode("idna").decode("ascii")
        except (ValueError, UnicodeError) as exc:
            raise Refused(f"refused: {url[:200]} has no valid host and port") from exc
        address = checked_address(host, port, allow)
        # A path or query typed with Chinese characters goes out percent-encoded.
        target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE)
        status, location, answer = _send(scheme, host, port, address, target, body, headers, timeout)
        if status in REDIRECT_STATUSES and location:
            url = urljoin(url, location)
            continue
        return Answer(status, answer, url)
    raise OutboundError(f"more than {max_redirects} redirects (last to {url[:200]})", retry=False)


def _send(scheme: str, host: str, port: int, address: str, target: str, body: bytes, headers: dict[str, str],
          timeout: float) -> tuple[int, str | None, bytes]:
    if scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_to_checked(_address, timeout=None, source_address=None):
        # http.client would resolve the host name again here; connect to what we checked.
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = connect_to_checked  # type: ignore[attr-defined]
    try:
        connection.request("POST", target, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        answer = response.read(MAX_ANSWER_BYTES)
        return response.status, response.getheader("Location"), answer
    except (OSError, http.client.HTTPException) as exc:
        # Timeouts, refused connections, TLS failures, broken answers: the receiver may be
        # back later.
        raise OutboundError(answers.write(answers.NO_ANSWER, host=host, reason=f"{exc.__class__.__name__}: {exc}")[:500],
                            retry=True) from exc
    except (ValueError, UnicodeError) as exc:
        # Something in the request itself that http.client will not send: no retry mends it.
        raise OutboundError(f"not sent to {host}: {exc}"[:500], retry=False) from exc
    finally:
        connection.close()
