from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from bot.sources import AddressPolicy, address_category
from bot.sources.addresses import describe_category


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.0.10", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata service
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "non-public"),  # documentation
        ("198.18.0.1", "non-public"),  # benchmarking
        ("0.1.2.3", "non-public"),  # "this network"
        ("2001:db8::1", "non-public"),
        # IPv6 forms that carry an IPv4 address are judged by that address.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:c0a8:000a::1", "private"),  # 6to4 of 192.168.0.10
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ],
)
def test_non_public_addresses_are_categorised(address: str, category: str) -> None:
    assert address_category(ip_address(address)) == category
    assert AddressPolicy().refusal(ip_address(address)) == category


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "211.234.10.5", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_category(ip_address(address)) is None
    assert AddressPolicy().allows(ip_address(address))


def test_allowed_networks_open_exactly_what_they_name() -> None:
    policy = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
    assert policy.allows(ip_address("127.0.0.1"))
    assert policy.allows(ip_address("::ffff:127.0.0.1"))
    assert policy.refusal(ip_address("127.0.0.2")) == "loopback"
    assert policy.refusal(ip_address("::1")) == "loopback"
    assert policy.refusal(ip_address("10.0.0.1")) == "private"


def test_allow_private_opens_lan_addresses_but_not_multicast_or_unspecified() -> None:
    policy = AddressPolicy(allow_private=True)
    for address in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1"):
        assert policy.allows(ip_address(address)), address
    for address in ("0.0.0.0", "224.0.0.1", "240.0.0.1"):
        assert not policy.allows(ip_address(address)), address


def test_describe_category_reads_as_english() -> None:
    assert describe_category("private") == "a private address"
    assert describe_category("loopback") == "a loopback address"
    assert describe_category("unspecified") == "an unspecified address"
    assert describe_category("shared") == "a shared (carrier-grade NAT) address"
