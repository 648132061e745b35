"""ARP facts over every captured port: requests nobody answered, and IPv4 addresses that more than
one MAC claims. Whole-column numpy over the ports' notable rows (they hold every ARP packet).

A broadcast request crosses every port of a bridge, so the same request is usually captured on
several ports: counts are kept per port, and a reply seen on any port answers a request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np

from xennet.lint.mac import normalize_mac

from .captures import CaptureSet
from .sightings import REPLY_GRACE_NS, Sightings, capture_end, first_rows, gather, groups_of

ARP_REQUEST, ARP_REPLY = 1, 2


def ipv4_text(value: int) -> str:
    return str(ipaddress.IPv4Address(int(value)))


def mac_text(value: int) -> str:
    return normalize_mac(tuple(int(value).to_bytes(6, "big")))


def is_arp(table: np.ndarray) -> np.ndarray:
    return (table["arp_op"] == ARP_REQUEST) | (table["arp_op"] == ARP_REPLY)


def is_resolution(table: np.ndarray) -> np.ndarray:
    """ARP requests that ask for another host's MAC: not gratuitous (sender = target address) and
    not address probes (sender 0.0.0.0, RFC 5227 duplicate address detection)."""
    return (table["arp_op"] == ARP_REQUEST) & (table["arp_spa"] != 0) & (table["arp_spa"] != table["arp_tpa"])


def per_port(sightings: Sightings) -> dict[int, int]:
    """How many of `sightings` each port holds: port index -> count."""
    ports, counts = np.unique(sightings.port, return_counts=True)
    return {int(p): int(c) for p, c in zip(ports, counts, strict=True)}


@dataclass(frozen=True)
class UnansweredTarget:
    """The requests for one IPv4 address that no reply on any port answered, in time order. Requests
    sent within REPLY_GRACE_NS of the end of the capture are not judged (the reply may come after
    it): `requests` leaves them out, `not_judged` counts them."""

    target: str
    requests: Sightings
    not_judged: int

    def askers(self) -> list[str]:
        """`10.0.0.2 (00:16:3e:00:00:01)` for each distinct sender, in order of first request."""
        pairs = np.column_stack([self.requests.rows["arp_spa"].astype(np.uint64), self.requests.rows["arp_sha"]])
        return [f"{ipv4_text(pairs[i[0], 0])} ({mac_text(pairs[i[0], 1])})" for i in groups_of(pairs)]


def unanswered_targets(captures: CaptureSet) -> list[UnansweredTarget]:
    """Targets with at least one judged unanswered request, in order of first request."""
    arp = gather(captures, is_arp)
    replied = arp.rows["arp_spa"][arp.rows["arp_op"] == ARP_REPLY]
    requests = arp.take(np.flatnonzero(is_resolution(arp.rows) & ~np.isin(arp.rows["arp_tpa"], replied)))
    judged = requests.rows["time_ns"] <= capture_end(captures) - REPLY_GRACE_NS
    found = []
    for index in groups_of(requests.rows["arp_tpa"].reshape(-1, 1)):
        old_enough = index[judged[index]]
        if len(old_enough):
            target = ipv4_text(requests.rows["arp_tpa"][index[0]])
            found.append(UnansweredTarget(target, requests.take(old_enough), len(index) - len(old_enough)))
    return found


@dataclass(frozen=True)
class Claim:
    """The ARP packets in which one MAC said it has the address (requests, replies, gratuitous ARP)."""

    mac: str
    packets: Sightings


@dataclass(frozen=True)
class ContestedAddress:
    """An IPv4 address that two or more MACs claimed as ARP sender, the claims in order of first
    appearance."""

    address: str
    claims: list[Claim]


def contested_addresses(captures: CaptureSet) -> list[ContestedAddress]:
    """Addresses claimed by several MACs, in order of first claim."""
    arp = gather(captures, lambda table: is_arp(table) & (table["arp_spa"] != 0) & (table["arp_sha"] != 0))
    pairs = np.column_stack([arp.rows["arp_spa"].astype(np.uint64), arp.rows["arp_sha"]])
    addresses, macs = np.unique(pairs[first_rows(pairs), 0], return_counts=True)
    contested = np.flatnonzero(np.isin(pairs[:, 0], addresses[macs > 1]))
    found = []
    for index in groups_of(pairs[contested, :1]):
        claims = arp.take(contested[index])
        by_mac = groups_of(claims.rows["arp_sha"].reshape(-1, 1))
        found.append(ContestedAddress(ipv4_text(claims.rows["arp_spa"][0]),
                                      [Claim(mac_text(claims.rows["arp_sha"][i[0]]), claims.take(i)) for i in by_mac]))
    return found
