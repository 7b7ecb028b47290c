"""Which IP addresses the fetcher may connect to.

The bot fetches URLs that people send it, so it must not become a way to reach the
machine it runs on or the network around it (SSRF). Only public unicast addresses are
allowed by default. IPv6 addresses that embed an IPv4 address (IPv4-mapped, NAT64,
6to4, IPv4-compatible) are judged by the IPv4 address inside them, so
``::ffff:127.0.0.1`` is as refused as ``127.0.0.1``.

:class:`AddressPolicy` has two escape hatches: ``allow_private`` (for a bot meant to read an
intranet) and ``allowed_networks``, an explicit allow-list checked first — the tests use it
to reach their own server on 127.0.0.1 while everything else stays refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

__all__ = ["AddressPolicy", "IPAddress", "IPNetwork", "address_category", "describe_category"]

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
_RFC1918 = (ip_network("10.0.0.0/8"), ip_network("172.16.0.0/12"), ip_network("192.168.0.0/16"))
_UNIQUE_LOCAL = ip_network("fc00::/7")
_SHARED = ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_IPV4_COMPATIBLE = ip_network("::/96")  # deprecated IPv4-compatible IPv6 (RFC 4291)

# Categories that allow_private=True lets through: unicast addresses a LAN really uses.
_PRIVATE_CATEGORIES = frozenset({"loopback", "private", "link-local", "site-local", "shared"})


def address_category(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or ``None`` when it is.

    The answer is a short word used in messages: ``"loopback"``, ``"private"``,
    ``"link-local"``, ``"site-local"``, ``"multicast"``, ``"shared"`` (100.64.0.0/10),
    ``"unspecified"``, ``"reserved"`` or ``"non-public"`` (documentation, benchmarking and
    other special-purpose ranges).
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_category(embedded)
    # Order matters: 127.0.0.1 is also "private" to the ipaddress module, and the more
    # specific word makes the better message.
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, IPv6Address) and address.is_site_local:  # deprecated fec0::/10
        return "site-local"
    if address.is_multicast:
        return "multicast"
    if address in _SHARED:
        return "shared"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        # is_private also covers special-purpose ranges (192.0.2.0/24, 198.18.0.0/15, ...);
        # only RFC 1918 and unique-local addresses are "private" in the everyday sense.
        return "private" if _is_lan(address) else "non-public"
    if not address.is_global:
        return "non-public"
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Decides whether the fetcher may connect to an address."""

    allow_private: bool = False
    """Also allow loopback, private (RFC 1918, fc00::/7), link-local and shared addresses."""
    allowed_networks: tuple[IPNetwork, ...] = ()
    """Networks that are always allowed, whatever their category (a hook for tests)."""

    def refusal(self, address: IPAddress) -> str | None:
        """The category that makes ``address`` refused, or ``None`` if it may be contacted."""
        plain = _embedded_ipv4(address) or address
        for network in self.allowed_networks:
            if address in network or plain in network:
                return None
        category = address_category(plain)
        if category is None or (self.allow_private and category in _PRIVATE_CATEGORIES):
            return None
        return category

    def allows(self, address: IPAddress) -> bool:
        return self.refusal(address) is None


def describe_category(category: str) -> str:
    """``"private"`` -> ``"a private address"``, for messages."""
    if category == "shared":
        return "a shared (carrier-grade NAT) address"
    article = "an" if category[0] in "aeiou" else "a"
    return f"{article} {category} address"


def _embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address carried inside an IPv6 address, if it carries one."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_lan(address: IPAddress) -> bool:
    if isinstance(address, IPv4Address):
        return any(address in net for net in _RFC1918)
    return address in _UNIQUE_LOCAL
