"""The outbound address check: which addresses webhooks may never reach, the allow list, and
that the connection goes to the address that was checked."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from server.notifications import outbound
from server.notifications.outbound import (
    AllowList,
    OutboundError,
    Refused,
    checked_address,
    forbidden_reason,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),  # reserved; Python counts it private
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("168.63.129.16", "metadata"),  # Azure: a public address
        ("100.64.0.1", "not a public address"),  # shared address space (CGNAT)
        ("192.0.2.10", "private"),  # documentation
        # IPv4 inside IPv6:
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "metadata"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ],
)
def test_forbidden_addresses(address, reason):
    found = forbidden_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2400:3200::1", "::ffff:8.8.8.8", "120.55.1.1"])
def test_public_addresses_pass(address):
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def _resolving(monkeypatch, answers: dict[str, list[str]]):
    """Make getaddrinfo answer ``answers`` for the names given (and count its calls)."""
    real = socket.getaddrinfo
    calls: list[str] = []

    def fake(host, port, *args, **kwargs):
        calls.append(host)
        if host in answers:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    _resolving(monkeypatch, {"hooks.example": ["10.0.0.7"]})
    with pytest.raises(Refused) as refused:
        checked_address("hooks.example", 443, AllowList.parse([]))
    assert refused.value.reason == (
        "refused: hooks.example resolves to 10.0.0.7, a private address; "
        "list it in LIANXIN_WEBHOOK_ALLOW_HOSTS to allow it")
    assert refused.value.retry is False


def test_one_private_address_among_public_ones_is_refused(monkeypatch):
    _resolving(monkeypatch, {"mixed.example": ["8.8.8.8", "127.0.0.1"]})
    with pytest.raises(Refused, match="loopback"):
        checked_address("mixed.example", 80, AllowList.parse([]))


def test_public_name_passes(monkeypatch):
    _resolving(monkeypatch, {"hooks.example": ["203.0.113.9", "8.8.4.4"]})
    # 203.0.113.0/24 is documentation space: refused even among public ones.
    with pytest.raises(Refused):
        checked_address("hooks.example", 443, AllowList.parse([]))
    _resolving(monkeypatch, {"hooks.example": ["8.8.4.4"]})
    assert checked_address("hooks.example", 443, AllowList.parse([])) == "8.8.4.4"


@pytest.mark.parametrize("entries", [["intranet.example"], ["INTRANET.example."], ["10.0.0.7"], ["10.0.0.0/8"], ["x.example", " 10.0.0.7 "]])
def test_allow_list_by_name_address_or_network(monkeypatch, entries):
    _resolving(monkeypatch, {"intranet.example": ["10.0.0.7"]})
    assert checked_address("intranet.example", 80, AllowList.parse(entries)) == "10.0.0.7"


def test_allow_list_of_another_address_does_not_help(monkeypatch):
    _resolving(monkeypatch, {"intranet.example": ["10.0.0.7"]})
    with pytest.raises(Refused):
        checked_address("intranet.example", 80, AllowList.parse(["10.0.0.8", "other.example"]))


def test_unresolvable_name_may_be_retried():
    with pytest.raises(OutboundError) as failed:
        checked_address("no-such-host.invalid", 80, AllowList.parse([]))
    assert failed.value.retry is True and not isinstance(failed.value, Refused)


def test_numeric_forms_of_loopback_are_refused():
    # The resolver turns these into 127.0.0.1; the check looks at what it resolved to.
    for host in ("2130706433", "0x7f.1", "127.1"):
        with pytest.raises(Refused, match="loopback"):
            checked_address(host, 80, AllowList.parse([]))


@pytest.mark.parametrize("url", ["ftp://hooks.example/x", "file:///etc/passwd", "http:///nohost", "gopher://x/"])
def test_only_http_urls(url):
    with pytest.raises(Refused, match="not an http"):
        outbound.post(url, b"{}", {}, allow=AllowList.parse([]), timeout=1)


def test_allow_list_takes_chinese_host_names(monkeypatch):
    host = "内网.测试".encode("idna").decode()
    _resolving(monkeypatch, {host: ["10.0.0.7"]})
    assert checked_address(host, 80, AllowList.parse(["内网.测试"])) == "10.0.0.7"


def test_settings_list_is_split_on_commas(settings, monkeypatch):
    from server.config import get_settings

    monkeypatch.setenv("LIANXIN_WEBHOOK_ALLOW_HOSTS", " Hooks.Intranet , 10.0.0.8,,10.1.0.0/16 ")
    get_settings.cache_clear()
    assert get_settings().webhook_allowed == ("hooks.intranet", "10.0.0.8", "10.1.0.0/16")
