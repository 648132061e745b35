"""ICMP and ARP capture rules (P140-P142, P150-P151) and their facts, on corpus captures and on crafted
multi-port cases with exact counts."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES
from xennet.lint.runner import lint_paths
from xennet.pcap.arp import contested_addresses, is_resolution, unanswered_targets
from xennet.pcap.craft import (
    ARP_REPLY,
    ARP_REQUEST,
    GUEST_A,
    ICMP_ECHO_REPLY,
    ICMP_FRAG_NEEDED,
    ICMP_UNREACH,
    TCP,
    UDP,
    arp_frame,
    icmp_frame,
    ipv4_frame,
    pcap_bytes,
)
from xennet.pcap.evidence import MAX_GROUPS
from xennet.pcap.icmp import echo_requests
from xennet.pcap.load import load_captures
from xennet.pcap.sightings import gather
from xennet.registry import select_rules

PCAP = FIXTURES / "pcap"
T = 1_700_000_000.0
GUEST, OTHER, PEER = "00:16:3e:00:00:01", "00:16:3e:00:00:02", "00:16:3e:00:00:fe"
ICMP_ARP_RULES = ("P140", "P141", "P142", "P150", "P151")


def lint_corpus(*names: str) -> list:
    return lint_paths([str(PCAP / name) for name in names], select_rules(ICMP_ARP_RULES)).findings


def write(folder: Path, ports: dict[str, list[tuple[float, bytes]]]) -> list[str]:
    """One capture per port, each given as (seconds after T, frame) pairs; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frames in ports.items():
        path = folder / f"{name}.pcap"
        path.write_bytes(pcap_bytes([f for _, f in frames], times=[T + t for t, _ in frames]))
        paths.append(str(path))
    return paths


def lint(folder: Path, ports: dict[str, list[tuple[float, bytes]]]) -> list:
    return lint_paths(write(folder, ports), select_rules(ICMP_ARP_RULES)).findings


def ping(size: int, seq: int, ident: int = 7) -> bytes:
    return icmp_frame(size, seq=seq, ident=ident, src="198.18.0.1", dst="198.18.0.2")


def pong(size: int, seq: int, ident: int = 7) -> bytes:
    return icmp_frame(size, ICMP_ECHO_REPLY, seq=seq, ident=ident, src="198.18.0.2", dst="198.18.0.1")


def pings(sizes: list[int], answered_up_to: int) -> list[tuple[float, bytes]]:
    """One request a second, answered when not above `answered_up_to`; then a last packet 2 s later,
    so that every request is judged."""
    frames = []
    for seq, size in enumerate(sizes):
        frames.append((seq, ping(size, seq)))
        if size <= answered_up_to:
            frames.append((seq + 0.001, pong(size, seq)))
    return [*frames, (len(sizes) + 2, ipv4_frame(100))]


# --- P140 echo-unanswered -------------------------------------------------------------------------

def test_corpus_pings_all_answered():
    assert lint_corpus("icmp-5-pings-all-replied.pcap", "icmp-5-pings-b.pcap", "icmp-ping-2.pcap") == []
    echo = echo_requests(load_captures([str(PCAP / "icmp-5-pings-b.pcap")]))
    assert set(echo.flow.tolist()) == {0}
    flow = echo.echo_flow(0)
    assert (flow.requester, flow.target, int(flow.requests.rows["icmp_id"][0])) == ("192.168.0.30", "8.8.8.8", 1)
    assert (len(flow.requests), int(flow.answered.sum()), flow.not_judged) == (5, 5, 0)


def test_corpus_unanswered_echo_at_the_end_is_not_judged():
    capture = load_captures([str(PCAP / "ipv6-atomic-frag-packet-too-big.pcap")])
    echo = echo_requests(capture)
    assert set(echo.flow.tolist()) == {0}
    flow = echo.echo_flow(0)
    assert (flow.requester, flow.target) == ("2001:db8:2::2", "fe80::6600:6aff:fe5b:8f4a")
    assert set(flow.requests.rows["icmp_id"].tolist()) == {0xFACE}
    assert (len(flow.requests), int(flow.answered.sum()), flow.not_judged) == (1, 0, 1)
    assert [f.rule_id for f in lint_corpus("ipv6-atomic-frag-packet-too-big.pcap")] == ["P141"]


def test_size_threshold_where_replies_stop(tmp_path):
    sizes = [1000, 1100, 1200, 1300, 1400, 1500, 1501, 1502, 1550, 1600]
    findings = lint(tmp_path, {"vif1.0": pings(sizes, answered_up_to=1500)})
    (finding,) = [f for f in findings if f.rule_id == "P140"]
    assert finding.severity.value == "error"
    assert finding.message == ("vif1.0: 198.18.0.1 -> 198.18.0.2: 4 of 10 echo request(s) unanswered:"
                               " answered up to IP length 1500, none from 1501 up")
    assert len(finding.evidence) == 4
    assert finding.evidence[0] == ("vif1.0 frame 13 at 2023-11-14T22:13:26.000000Z: echo request seq 6,"
                                   " IP length 1501, no reply captured")


def fragmented(kind: int, ip_len: int, seq: int, src: str, dst: str) -> list[bytes]:
    """An echo message of `ip_len` bytes in fragments for MTU 1500: the ICMP header in the first."""
    head = icmp_frame(1500, kind, seq=seq, ident=7, src=src, dst=dst, ip_id=seq, mf=True)
    return [head, ipv4_frame(ip_len - 1480, src=src, dst=dst, ip_id=seq, proto=1, offset=1480)]


def test_fragmented_pings_count_by_their_whole_size(tmp_path):
    """`ping -s 1473` and up over MTU 1500: each request in two fragments; the 1501-byte one is answered
    (in fragments too), the 1505-byte ones are not."""
    a, b = "198.18.0.1", "198.18.0.2"
    frames = [(0, ping(1500, 1)), (0.001, pong(1500, 1))]
    frames += [(1 + i * 0.0001, f) for i, f in enumerate(fragmented(8, 1501, 2, a, b))]
    frames += [(1.001 + i * 0.0001, f) for i, f in enumerate(fragmented(ICMP_ECHO_REPLY, 1501, 2, b, a))]
    for seq in (3, 4, 5):
        frames += [(seq + i * 0.0001, f) for i, f in enumerate(fragmented(8, 1505, seq, a, b))]
    (finding,) = lint(tmp_path, {"vif1.0": [*frames, (8, ipv4_frame(100))]})
    assert finding.message == ("vif1.0: 198.18.0.1 -> 198.18.0.2: 3 of 5 echo request(s) unanswered:"
                               " answered up to IP length 1501, none from 1505 up")
    assert finding.evidence[0] == ("vif1.0 frame 7 at 2023-11-14T22:13:23.000000Z: echo request seq 3,"
                                   " IP length 1505, no reply captured")


def test_all_answered_is_clean(tmp_path):
    assert lint(tmp_path, {"vif1.0": pings([100, 1000, 1400], answered_up_to=1500)}) == []


def test_sizes_that_do_not_separate_give_both_ranges(tmp_path):
    frames = [(0, ping(1000, 1)), (0.001, pong(1000, 1)), (1, ping(1200, 2)), (2, ping(1400, 3)),
              (2.001, pong(1400, 3)), (3, ping(1300, 4)), (5, ipv4_frame(100))]
    (finding,) = lint(tmp_path, {"vif1.0": frames})
    assert finding.message.endswith("2 of 4 echo request(s) unanswered: answered IP length 1000-1400,"
                                    " unanswered IP length 1200-1300")


def test_reply_on_another_port_answers_and_copies_count_once(tmp_path):
    """The request crosses vif1.0 and xenbr0; the reply is only captured on xenbr0."""
    ports = {
        "vif1.0": [(0, ping(100, 1)), (1, ping(100, 2)), (2, ping(1600, 3))],
        "xenbr0": [(0, ping(100, 1)), (0.001, pong(100, 1)), (1, ping(100, 2)), (1.001, pong(100, 2)),
                   (2, ping(1600, 3)), (4, ipv4_frame(100))],
    }
    (finding,) = lint(tmp_path, ports)
    assert finding.message == ("vif1.0: 198.18.0.1 -> 198.18.0.2: 1 of 3 echo request(s) unanswered:"
                               " answered up to IP length 100, none from 1600 up")


def test_requests_in_the_last_second_are_left_out(tmp_path):
    frames = [(0, ping(1600, 1)), (0.5, ping(1600, 2)), (1.5, ping(1600, 3))]
    (finding,) = lint(tmp_path, {"vif1.0": frames})
    assert finding.message.endswith(
        "2 of 2 echo request(s) unanswered: none answered, IP length 1600; 1 more unanswered in the last second"
        " of the capture not judged (their reply may come after its end)")
    assert lint(tmp_path / "late", {"vif1.0": frames[2:]}) == []


def test_separate_ping_runs_to_one_target_make_one_flow(tmp_path):
    """`ping -s 72` then `ping -s 1572`: two echo ids, one threshold."""
    frames = [(0, ping(100, 1, ident=1)), (0.001, pong(100, 1, ident=1)), (0.5, ping(1600, 1, ident=2)),
              (3, ipv4_frame(100))]
    (finding,) = lint(tmp_path, {"vif1.0": frames})
    assert finding.message.endswith("198.18.0.2: 1 of 2 echo request(s) unanswered: answered up to IP length 100,"
                                    " none from 1600 up")


def test_flows_are_told_apart_by_target(tmp_path):
    other = icmp_frame(100, seq=1, ident=7, src="198.18.0.1", dst="198.18.0.9")
    frames = [(0, ping(100, 1)), (0.001, pong(100, 1)), (0.5, other), (3, ipv4_frame(100))]
    (finding,) = lint(tmp_path, {"vif1.0": frames})
    assert "198.18.0.1 -> 198.18.0.9: 1 of 1 echo request(s)" in finding.message


# --- P141 frag-needed-seen ------------------------------------------------------------------------

def test_corpus_frag_needed_with_next_hop_mtu():
    (finding,) = lint_corpus("pmtud-icmp-frag-needed-smtp.pcap")
    assert (finding.rule_id, finding.severity.value) == ("P141", "warning")
    assert finding.message.startswith(
        "pmtud-icmp-frag-needed-smtp: 4 ICMP fragmentation-needed message(s) from 192.168.1.1 to 10.10.1.4"
        " announce a next-hop MTU of 1492: the path from 10.10.1.4 is narrower than the packets it sends"
        " (this port: MTU 1500 (assumed")
    assert [e.split(" at ")[0] for e in finding.evidence] == [
        f"pmtud-icmp-frag-needed-smtp frame {n}" for n in (26, 28, 29, 30)]


def test_corpus_icmpv6_packet_too_big():
    (finding,) = lint_corpus("icmpv6-packet-too-big.pcap")
    assert "1 ICMPv6 packet-too-big message(s) from fe80::dead to fe80::beef announce a next-hop MTU of 1280" in (
        finding.message)
    (finding,) = lint_corpus("ipv6-atomic-frag-packet-too-big.pcap")
    assert ("1 ICMPv6 packet-too-big message(s) from 2001:db8:2::2 to fe80::6600:6aff:fe5b:8f4a announce a"
            " next-hop MTU of 1200") in finding.message
    assert finding.evidence[0].startswith("ipv6-atomic-frag-packet-too-big frame 2 at ")


def test_frag_needed_grouped_per_mtu(tmp_path):
    def told(mtu: int) -> bytes:
        return icmp_frame(576, ICMP_UNREACH, ICMP_FRAG_NEEDED, mtu=mtu, src="198.18.0.254", dst="198.18.0.1")

    findings = lint(tmp_path, {"vif1.0": [(0, told(1400)), (1, told(1400)), (2, told(0))]})
    assert sorted(f.message.split(": the path")[0] for f in findings) == [
        "vif1.0: 1 ICMP fragmentation-needed message(s) from 198.18.0.254 to 198.18.0.1 announce no next-hop"
        " MTU (a router older than RFC 1191)",
        "vif1.0: 2 ICMP fragmentation-needed message(s) from 198.18.0.254 to 198.18.0.1 announce a next-hop"
        " MTU of 1400",
    ]


# --- P142 pmtud-black-hole ------------------------------------------------------------------------

def df_udp(size: int, src: str = "198.18.0.1") -> bytes:
    return ipv4_frame(size, src=src, dst="198.51.100.7", proto=UDP, df=True)


def test_df_udp_above_the_limit_without_frag_needed(tmp_path):
    frames = [(0, df_udp(1505)), (1, df_udp(2000)), (2, df_udp(1504)),
              (3, ipv4_frame(9000, proto=TCP, df=True)), (4, ipv4_frame(1600, proto=UDP))]
    (finding,) = [f for f in lint(tmp_path, {"vif1.0": frames}) if f.rule_id == "P142"]
    assert finding.severity.value == "error"
    assert finding.message == (
        "vif1.0: 2 IPv4 packet(s) with DF set, up to 2000 bytes, above MTU 1500 (assumed, no --mtu and no host"
        " model entry) + 4 bytes of VLAN slack = 1504; no ICMP fragmentation-needed toward their source(s) was"
        " captured on any port, so path MTU discovery cannot shrink them")
    assert len(finding.evidence) == 2 and "IP length 2000" in finding.evidence[1]


def test_frag_needed_on_another_port_explains_the_drop(tmp_path):
    told = icmp_frame(576, ICMP_UNREACH, ICMP_FRAG_NEEDED, mtu=1400, src="198.18.0.254", dst="198.18.0.1")
    ports = {"vif1.0": [(0, df_udp(2000)), (1, df_udp(2000, src="198.18.0.9"))], "xenbr0": [(0.5, told)]}
    (finding,) = [f for f in lint(tmp_path, ports) if f.rule_id == "P142"]
    assert finding.message.startswith("vif1.0: 1 IPv4 packet(s) with DF set, up to 2000 bytes")
    assert finding.message.endswith("(1 more such packet(s) from sources that did get one)")
    assert "198.18.0.9 -> 198.51.100.7" in finding.evidence[0]
    ports["vif1.0"] = ports["vif1.0"][:1]
    assert [f.rule_id for f in lint(tmp_path / "told", ports)] == ["P141"]


def test_corpus_df_udp_on_loopback():
    (finding,) = lint_corpus("loopback-3040B-udp-unfragmented.pcap")
    assert finding.rule_id == "P142"
    assert "1 IPv4 packet(s) with DF set, up to 3040 bytes" in finding.message


# --- P150 arp-unanswered --------------------------------------------------------------------------

def ask(target: str, sender: str = "198.18.0.1", mac: str = GUEST) -> bytes:
    return arp_frame(ARP_REQUEST, mac, sender, target)


def answer(target: str, mac: str, asker: str = "198.18.0.1", asker_mac: str = GUEST) -> bytes:
    return arp_frame(ARP_REPLY, mac, target, asker, tha=asker_mac)


def test_corpus_arp_answered():
    assert lint_corpus("arp-requests-replies.pcap", "arp-who-has-reply.pcap", "qinq-8021ad-arp.pcap") == []


def test_corpus_arp_unanswered_counts():
    (finding,) = lint_corpus("raw-packets-mixed.pcap")
    assert (finding.rule_id, finding.severity.value) == ("P150", "warning")
    assert finding.message == (
        "192.168.1.44: 3 ARP request(s) from 192.168.1.104 (00:50:56:3e:93:6b) got no reply on any port, from"
        " 2015-05-23T20:53:43.689874Z to 2015-05-23T20:53:45.687259Z; captured on raw-packets-mixed (3)")
    assert finding.evidence == ("raw-packets-mixed frame(s) 9, 10, 17",)
    (finding,) = lint_corpus("tcpreplay-mixed-179.pcap")
    assert finding.message.startswith("172.16.11.194: 1 ARP request(s) from 172.16.11.1 (00:1f:f3:3c:e1:13)")


def test_corpus_vlan_arp_within_the_last_second_is_not_judged():
    """Three requests (0, 1 and 2 VLAN tags) within 1.2 ms: too close to the end to judge."""
    capture = load_captures([str(PCAP / "vlan-arp-unanswered.pcap")])
    requests = gather(capture, is_resolution)
    assert requests.rows["frame"].tolist() == [1, 2, 3]
    assert set(requests.rows["arp_tpa"].tolist()) == {0}
    assert unanswered_targets(capture) == []
    assert lint_corpus("vlan-arp-unanswered.pcap") == []


def test_one_request_answered_one_not(tmp_path):
    ports = {
        "vif1.0": [(0, ask("198.18.0.2")), (0.5, ask("198.18.0.3")), (1, ask("198.18.0.3")),
                   (1.001, answer("198.18.0.2", OTHER)), (5, ask("198.18.0.3"))],
        "xenbr0": [(0, ask("198.18.0.2")), (0.5, ask("198.18.0.3"))],
    }
    (finding,) = lint(tmp_path, ports)
    assert finding.message == (
        "198.18.0.3: 2 ARP request(s) from 198.18.0.1 (00:16:3e:00:00:01) got no reply on any port, from"
        " 2023-11-14T22:13:20.500000Z to 2023-11-14T22:13:21.000000Z; captured on vif1.0 (2), xenbr0 (1);"
        " 1 more in the last second of the capture not judged")
    assert finding.evidence == ("vif1.0 frame(s) 2, 3", "xenbr0 frame(s) 2")
    assert [loc.path for loc in finding.related] == [str(tmp_path / "xenbr0.pcap")]


def test_gratuitous_arp_and_probes_expect_no_reply(tmp_path):
    frames = [(0, ask("198.18.0.1")), (0.5, ask("198.18.0.1", sender="0.0.0.0")), (3, ipv4_frame(100))]
    assert lint(tmp_path, {"vif1.0": frames}) == []


# --- P151 ip-claimed-by-two-macs ------------------------------------------------------------------

def test_two_macs_claim_one_address(tmp_path):
    ports = {
        "vif1.0": [(0, ask("198.18.0.254", sender="198.18.0.5", mac=GUEST)),
                   (0.001, answer("198.18.0.254", PEER, asker="198.18.0.5", asker_mac=GUEST))],
        "vif2.0": [(1, ask("198.18.0.5", sender="198.18.0.5", mac=OTHER)),
                   (2, ask("198.18.0.254", sender="198.18.0.5", mac=OTHER))],
        "xenbr0": [(0, ask("198.18.0.254", sender="198.18.0.5", mac=GUEST))],
    }
    (finding,) = lint(tmp_path, ports)
    assert (finding.rule_id, finding.severity.value) == ("P151", "error")
    assert finding.message == ("vif1.0, xenbr0, vif2.0: 198.18.0.5 is claimed in ARP by 2 MACs:"
                               " 00:16:3e:00:00:01, 00:16:3e:00:00:02")
    assert finding.evidence == ("00:16:3e:00:00:01: vif1.0 frame(s) 1; xenbr0 frame(s) 1",
                                "00:16:3e:00:00:02: vif2.0 frame(s) 1, 2")
    assert finding.location.path == str(tmp_path / "vif1.0.pcap")


def test_one_mac_per_address_is_clean(tmp_path):
    frames = [(0, ask("198.18.0.254")), (0.001, answer("198.18.0.254", PEER)), (1, ask("198.18.0.1"))]
    assert contested_addresses(load_captures(write(tmp_path, {"vif1.0": frames}))) == []


def test_many_flows_are_summed_up_after_the_busiest(tmp_path):
    """A scan (a target per request) must not print a finding per request: the MAX_GROUPS flows
    with the most unanswered requests one by one, the rest in one finding."""
    flows = [icmp_frame(100, ident=7, seq=1, src="198.18.0.1", dst=f"198.18.1.{host}") for host in range(30)]
    busiest = [icmp_frame(100, ident=99, seq=seq, src="198.18.0.1", dst="198.18.0.3") for seq in range(3)]
    frames = [*flows, *busiest, ipv4_frame(100)]
    start = 1_700_000_000.0
    times = [start + i * 0.01 for i in range(33)] + [start + 5]
    (tmp_path / "vif1.0.pcap").write_bytes(pcap_bytes(frames, times=times))
    found = [f for f in lint_paths([str(tmp_path)], select_rules(("P140",))).findings]
    assert len(found) == MAX_GROUPS + 1
    assert sum("198.18.0.3: 3 of 3" in f.message for f in found) == 1
    (summary,) = [f for f in found if "more echo flow" in f.message]
    assert summary.message == (f"{30 + 1 - MAX_GROUPS} more echo flow(s) (requester, target) with"
                               f" {30 + 1 - MAX_GROUPS} unanswered echo request(s) in all, not listed one by one")


def test_many_unanswered_arp_targets_are_summed_up(tmp_path):
    """An ARP scan: the MAX_GROUPS targets with the most requests one by one, the rest in one finding."""
    scan = [arp_frame(1, GUEST_A, "198.18.0.1", f"198.18.1.{host}") for host in range(1, 26)]
    twice = [arp_frame(1, GUEST_A, "198.18.0.1", "198.18.2.1")] * 2
    frames = [*scan, *twice, ipv4_frame(100)]
    start = 1_700_000_000.0
    times = [start + i * 0.01 for i in range(27)] + [start + 5]
    (tmp_path / "vif1.0.pcap").write_bytes(pcap_bytes(frames, times=times))
    found = lint_paths([str(tmp_path)], select_rules(("P150",))).findings
    assert len(found) == MAX_GROUPS + 1
    assert sum("198.18.2.1" in f.message for f in found) == 1
    (summary,) = [f for f in found if "more IPv4 address" in f.message]
    assert summary.message == (f"{26 - MAX_GROUPS} more IPv4 address(es) asked for by {26 - MAX_GROUPS} unanswered"
                               " ARP request(s), not listed one by one")


def test_unanswered_pings_are_also_about_the_targets_port(tmp_path):
    """vif1.0's guest pings vif2.0's: the finding is at vif1.0 (where the requests were seen) and also
    about vif2.0, behind which the captures place the target's MAC (a root cause about vif2.0 can
    explain it)."""
    reply = icmp_frame(100, ICMP_ECHO_REPLY, seq=1, ident=7, src="198.18.0.2", dst="198.18.0.1", eth_src=OTHER,
                       eth_dst=GUEST)
    ports = {
        "vif1.0": [(0, ping(100, 1)), (0.0003, reply), (1, ping(1600, 2)), (3, ipv4_frame(100))],
        "vif2.0": [(0.0001, ping(100, 1)), (0.0002, reply), (3.0001, ipv4_frame(100))],
    }
    (finding,) = lint(tmp_path, ports)
    assert (finding.rule_id, finding.subject, finding.also_about) == ("P140", "vif1.0", ("vif2.0",))
    assert finding.is_about({"vif2.0"}) and not finding.is_about({"vif3.0"})
