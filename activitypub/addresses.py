"""Which IP addresses outbound requests may reach, checked both for literals and after DNS.

A peer controls the URLs we fetch (actor ids, key ids, inboxes), so without these checks it
could make us talk to our own loopback, the cloud metadata endpoint or the LAN (SSRF).
"""

from __future__ import annotations

import ipaddress
import re
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_INET_ATON_FORM = re.compile(r"^[0-9a-fA-FxX.]+$")


class ForbiddenAddressError(OSError):
    """A host resolved to an address we refuse to connect to.

    An ``OSError`` so that aiohttp reports it as a connection error, keeping it as
    ``ClientConnectorError.os_error`` where the client finds it again.
    """


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # IPv6 forms that reach an IPv4 address: mapped, 6to4, Teredo, NAT64.
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | IPAddress) -> bool:
    """True only for globally routable unicast addresses.

    Loopback, private, link-local, multicast, reserved, unspecified (``0.0.0.0``, ``::``),
    shared (CGNAT) and documentation ranges are not public; IPv6 forms embedding an IPv4
    address are judged by that IPv4 address. An unparsable string is not public.
    """
    if isinstance(address, str):
        try:
            address = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def ip_literal(host: str) -> IPAddress | None:
    """The IP address a URL host denotes literally, or None for a DNS name.

    Accepts bracketed IPv6 with a zone and the legacy numeric IPv4 forms (``2130706433``,
    ``0x7f.1``) that ``inet_aton`` and thus some socket layers still accept.
    """
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _INET_ATON_FORM.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class PublicAddressResolver(AbstractResolver):
    """A resolver that refuses a host if any address it resolves to is not public.

    aiohttp calls it for DNS names only; IP-literal URLs never reach a resolver, so the
    client checks those itself with ``ip_literal``/``is_public_address``.
    """

    def __init__(self, resolver: AbstractResolver | None = None):
        self._resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve ``host`` with the wrapped resolver, raising ``ForbiddenAddressError`` if not public."""
        results = await self._resolver.resolve(host, port, family)
        refused = [result["host"] for result in results if not is_public_address(result["host"])]
        if refused or not results:
            raise ForbiddenAddressError(f"{host} resolves to a non-public address ({', '.join(refused)})")
        return results

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._resolver.close()
