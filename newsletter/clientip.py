"""Who the client is: the service decides from the connection, and from proxy headers only
when a trusted proxy wrote them.

The peer of a request is the other end of its TCP connection. Behind a reverse proxy that is
the proxy, which names the client in a header it appends to (`X-Forwarded-For`, or RFC 7239
`Forwarded`). Such a header is only as good as whoever wrote it: a client sends its own, and a
proxy appends to what it received. So it is read only when the peer is in
`NEWSLETTER["trusted_proxies"]` (default: none), and from the right: trusted hops are skipped
and the first untrusted one is the client. uvicorn's own proxy-header handling (which trusts
127.0.0.1 by default) is switched off wherever we run it (newsletter/serving.py).

`ProxyHeaders` rewrites `scope["client"]` once per request, so the handlers, our log lines and
uvicorn's access log all name the same, real client.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Iterable

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HEADERS = ("x-forwarded-for", "forwarded")
_FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)', re.IGNORECASE)
_IPV4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$")


def parse_network(value: str) -> Network:
    """An IP address or CIDR network -> a network; ValueError naming a bad one."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or network "
                         "(e.g. '127.0.0.1', '10.0.0.0/8', '::1')") from None


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """IP addresses or CIDR networks -> networks; ValueError naming the first bad entry."""
    return tuple(parse_network(value) for value in values)


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header hop (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `"[::1]"`), else None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    else:
        text = _IPV4_PORT.sub(r"\1", text)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def hops(header: str, value: str) -> list[str]:
    """The client addresses a header lists, left (first client) to right (nearest proxy)."""
    if header == "forwarded":
        return [match.group(1) for element in value.split(",")
                for match in [_FOR.search(element)] if match]
    return [hop for hop in value.split(",") if hop.strip()]


def limit_key(client: str) -> str:
    """The rate-limit key of a client address: an IPv6 client is its /64 (one subscriber line
    gets a whole /64, so counting single IPv6 addresses would count nothing)."""
    address = parse_ip(client)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address) if address is not None else client


class ClientAddresses:
    """Decides the client address of a request from its peer and headers."""

    def __init__(self, trusted: Iterable[Network] = (), header: str = "x-forwarded-for"):
        self.trusted = tuple(trusted)
        self.header = header.lower()
        if self.header not in HEADERS:
            raise ValueError(f"proxy header {header!r}: use one of {HEADERS}")
        self._warned = False

    def is_trusted(self, address) -> bool:
        return address is not None and any(address in net for net in self.trusted)

    def client(self, peer: str, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """The right-most address in the chain peer <- proxies <- client not in `trusted`."""
        if not self.trusted or not self.is_trusted(parse_ip(peer)):
            return peer
        name = self.header.encode("ascii")
        # Several header lines are one comma-separated list (RFC 9110 5.3).
        value = ",".join(v.decode("latin-1") for k, v in headers if k.lower() == name)
        chain = hops(self.header, value)
        if not chain:
            if not self._warned:
                self._warned = True
                logger.warning("newsletter: trusted proxy %s sent no %s header: every client "
                               "looks like the proxy (one rate-limit budget for all); make "
                               "the proxy set it", peer, self.header)
            return peer
        for hop in reversed(chain):
            address = parse_ip(hop)
            if not self.is_trusted(address):
                # Not an address ("unknown", an obfuscated name): still the client's hop,
                # written by a trusted proxy; it keys the limit as it stands.
                return str(address) if address is not None else hop.strip()[:64]
        return str(parse_ip(chain[0]))  # every hop is a trusted proxy: the first one asked


class ProxyHeaders:
    """ASGI middleware: `scope["client"]` becomes the client `ClientAddresses` decides."""

    def __init__(self, app, addresses: ClientAddresses):
        self.app = app
        self.addresses = addresses

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.addresses.trusted and scope.get("client"):
            client = self.addresses.client(scope["client"][0], scope.get("headers", []))
            if client != scope["client"][0]:
                scope["client"] = (client, 0)  # the client's port is not known to us
        return await self.app(scope, receive, send)
