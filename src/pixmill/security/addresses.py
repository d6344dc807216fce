"""Which network addresses a caller-given URL may reach: public ones, and the allow-list.

An address is refused when it is loopback, private, link-local, multicast, reserved,
unspecified or otherwise not globally routable, judged on the IPv4 address inside the
IPv6 forms that embed one (IPv4-mapped, 6to4, Teredo, NAT64), so `::ffff:127.0.0.1`
counts as loopback. Cloud metadata addresses are refused even when a broad allow-list
range covers them; only an entry naming that one address lets them through.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why a caller-given URL must not reach `address`, or None when it is public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return refusal(inner)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, reason in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    ):
        if test:
            return reason
    return None


def _unwrap(address: IPAddress) -> IPAddress:
    return embedded_ipv4(address) or address


@dataclass(frozen=True)
class AllowList:
    """Hostnames (`hooks.internal`, `*.corp.example`) and networks (`10.1.0.0/16`, `::1`)
    that caller-given URLs may reach although they are not public."""

    hostnames: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str] | AllowList | None) -> AllowList:
        """Build from settings entries; an entry that is not an address or network is a name."""
        if isinstance(entries, AllowList):
            return entries
        hostnames: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for raw in entries or ():
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("*."):
                suffixes.append(entry[1:].rstrip("."))
            else:
                hostnames.add(entry.rstrip("."))
        return cls(frozenset(hostnames), tuple(suffixes), tuple(networks))

    def allows_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hostnames or any(name.endswith(s) for s in self.suffixes)

    def allows_address(self, address: IPAddress) -> bool:
        candidates = {address, _unwrap(address)}
        for network in self.networks:
            for candidate in candidates:
                if candidate.version != network.version or candidate not in network:
                    continue
                # A metadata address needs an entry naming it alone, not a broad range.
                if candidate in METADATA_ADDRESSES and network.num_addresses > 1:
                    continue
                return True
        return False


def check_address(host: str, address: IPAddress, allow: AllowList) -> str | None:
    """Why `host`, resolved to `address`, must not be reached; None when it may be."""
    if allow.allows_host(host) or allow.allows_address(address):
        return None
    return refusal(address)
