"""Where a request comes from: its peer, or the client that trusted proxies say they served.

Each proxy appends the address it received the request from to X-Forwarded-For, so entries are
facts only from the right and only while the one who appended them is a trusted proxy; what a
client sends itself (a forged first entry) stays on the left and is never reached.
"""

from __future__ import annotations

import ipaddress

from flask import current_app, request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK = "127.0.0.0/8,::1/128"


def parse_networks(text: str, setting: str = "TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Comma-separated addresses or CIDRs ("10.0.0.0/8, ::1"); a clear error names the setting."""
    try:
        return tuple(
            ipaddress.ip_network(item.strip(), strict=False)
            for item in text.split(",")
            if item.strip()
        )
    except ValueError as exc:
        raise ValueError(
            f"{setting}: {exc}; expected comma-separated addresses or CIDRs, e.g. 10.0.0.0/8"
        ) from exc


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; CIDRs are written as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted(peer: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether `peer` is one of the proxies whose forwarding headers are believed."""
    address = _address(peer or "")
    return address is not None and any(address in network for network in networks)


def forwarded_client(
    peer: str, forwarded_for: str, networks: tuple[Network, ...], hops: int
) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then X-Forwarded-For
    read from the right, skipping entries that are themselves trusted proxies, at most `hops`
    entries back (the number of proxies in front of the service)."""
    current = _address(peer)
    if current is None:
        return peer[:64] or "unknown"
    entries = forwarded_for.split(",") if forwarded_for else []
    for _ in range(hops):
        if not entries or not any(current in network for network in networks):
            break
        appended = _address(entries.pop())
        if appended is None:  # not written by a proxy of ours: keep the last fact
            break
        current = appended
    return str(current)


def client_address() -> str:
    """The address of the client of this request (login throttling, evidence of a signature),
    per the TRUSTED_PROXIES and TRUSTED_PROXY_HOPS settings."""
    config = current_app.config
    return forwarded_client(
        request.remote_addr or "",
        request.headers.get("X-Forwarded-For", ""),
        config["TRUSTED_PROXIES"],
        config["TRUSTED_PROXY_HOPS"],
    )
