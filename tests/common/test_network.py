"""The client's address: X-Forwarded-For is read only as far as trusted proxies wrote it."""

from __future__ import annotations

import pytest

from services.common.network import forwarded_client, parse_networks

GATEWAY_ONLY = parse_networks("127.0.0.1")
CLUSTER = parse_networks("10.0.0.0/8, fd00::/8")


def test_a_peer_that_is_not_a_proxy_is_the_client_whatever_it_forwards():
    assert forwarded_client("203.0.113.7", "192.0.2.1", GATEWAY_ONLY, 1) == "203.0.113.7"


def test_behind_the_gateway_the_client_is_what_the_gateway_appended():
    # The client wrote 192.0.2.1 itself; the gateway appended the address it saw.
    assert forwarded_client("127.0.0.1", "192.0.2.1, 203.0.113.7", GATEWAY_ONLY, 1) == (
        "203.0.113.7"
    )


def test_an_ingress_then_the_gateway_are_two_trusted_hops():
    chain = "192.0.2.1, 203.0.113.7, 10.1.2.3"  # forged, the client, the ingress pod
    assert forwarded_client("10.4.5.6", chain, CLUSTER, 2) == "203.0.113.7"


def test_the_walk_stops_at_the_first_address_that_is_not_a_proxy():
    # Configured for two hops, but this request reached the gateway without the ingress.
    assert forwarded_client("10.4.5.6", "192.0.2.1, 203.0.113.7", CLUSTER, 2) == "203.0.113.7"


def test_never_more_entries_than_the_hops_configured():
    chain = "192.0.2.1, 10.9.9.9, 10.1.2.3"
    assert forwarded_client("10.4.5.6", chain, CLUSTER, 2) == "10.9.9.9"


def test_garbage_from_the_client_is_never_taken_for_an_address():
    assert forwarded_client("127.0.0.1", "not-an-ip", GATEWAY_ONLY, 1) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", "", GATEWAY_ONLY, 1) == "127.0.0.1"


def test_ipv4_peers_seen_on_a_dual_stack_socket_match_ipv4_networks():
    assert forwarded_client("::ffff:127.0.0.1", "203.0.113.7", GATEWAY_ONLY, 1) == "203.0.113.7"


def test_a_bad_setting_names_itself():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8, gateway")
