"""Capture rules (family P) on corpus captures and crafted multi-port cases, and the capture loader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import FIXTURES, lint_files
from xennet.lint.runner import lint_paths
from xennet.pcap.craft import TCP, fragments, ipv4_frame, latin1, pcap_bytes, pcapng_bytes
from xennet.pcap.load import CaptureOptions, is_capture, load_captures, port_name_from_file
from xennet.pcap.stats import port_stats
from xennet.registry import select_rules

PCAP = FIXTURES / "pcap"


def lint_corpus(*names: str, select: tuple[str, ...] = ("P",)) -> list:
    return lint_paths([str(PCAP / name) for name in names], select_rules(select)).findings


def ids(findings: list) -> list[tuple[str, str]]:
    return [(f.rule_id, f.severity.value) for f in findings]


@pytest.mark.parametrize("name", ["gso-ipv4-7306B-tcp.pcap", "bigtcp-ipv4-80kB-totlen0.pcap",
                                  "bigtcp-ipv6-80kB-plen0.pcap"])
def test_offload_superframes_are_info_only(name):
    findings = lint_corpus(name)
    assert ids(findings) == [("P101", "info")]
    assert "1 TCP offload super-frame(s)" in findings[0].message
    assert "+ 4 bytes of VLAN slack = 1504" in findings[0].message
    assert "frame 1 " in findings[0].evidence[0]


def test_bigtcp_size_comes_from_the_frame():
    (finding,) = lint_corpus("bigtcp-ipv4-80kB-totlen0.pcap")
    assert "up to 80052 bytes" in finding.message  # 80066-byte frame minus the Ethernet header


def test_ipv6_trains_longer_than_a_datagram():
    (finding,) = lint_corpus("ipv6-frag-incomplete-trains-synthetic.pcap")
    assert (finding.rule_id, finding.severity.value) == ("P110", "warning")
    assert "2 of 2 fragment train(s) cannot be reassembled" in finding.message
    assert "only the last" not in finding.message
    assert len(finding.evidence) == 2
    assert "reassembles to 65536 bytes, more than 65535" in finding.evidence[0]
    assert finding.evidence[0].startswith("2001:db8::1 -> 2001:db8::2 id 2684354560 proto 17: frames 1, 2,")


def test_ipv4_train_without_last_fragment():
    (finding,) = lint_corpus("ipv4-frag-tcp-df-incomplete.pcap")
    assert finding.rule_id == "P110"
    assert "1 of 1 fragment train(s)" in finding.message
    assert finding.evidence == (
        "210.54.213.247 -> 131.243.1.10 id 19397 proto 6: frames 1, 2, 3, 4, 5;"
        " missing the last fragment (every fragment seen has MF set)",
    )


def test_ipv4_train_with_a_gap():
    (finding,) = lint_corpus("ipv4-frag-3frags-b.pcap")
    assert "frames 1, 2, 3; missing offsets 18-48" in finding.evidence[0]


def test_broken_pcapng_reports_offset_and_packet():
    (finding,) = lint_corpus("corrupt-pcapng-shb-option-too-long.pcapng")
    assert (finding.rule_id, finding.severity.value) == ("P130", "error")
    assert "at byte offset 24 (packet 1)" in finding.message
    assert finding.evidence == ("byte offset 24", "packet 1")


def test_isb_drops_are_capture_drops():
    findings = lint_corpus("pcapng-isb-mixed.pcapng")
    assert ids(findings) == [("P131", "warning"), ("P131", "warning")]
    messages = sorted(f.message for f in findings)
    assert messages[0].startswith("eth0: the capture itself dropped 1 packet(s)")
    assert messages[1].startswith("silly ethernet interface 2: the capture itself dropped 10 packet(s)")


def test_clean_corpus_captures_have_no_p_findings():
    assert lint_corpus("icmp-5-pings-all-replied.pcap", "ipv4-frag-tcp-syn.pcap", "empty.pcapng") == []


def test_reassembled_datagram_across_ports(tmp_path):
    files = {
        "vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(60, ip_id=3), *fragments(3000, 1500, ip_id=7)])),
        "vif2.0.pcap": latin1(pcap_bytes([ipv4_frame(60, ip_id=4), ipv4_frame(3000, ip_id=7)])),
    }
    result = lint_files(tmp_path, files, select=("P",))
    (finding,) = result.findings
    assert (finding.rule_id, finding.severity.value) == ("P102", "error")
    assert finding.message.startswith("vif2.0: 1 datagram(s) of up to 3000 bytes")
    assert "reassembled from fragments captured on vif1.0" in finding.message
    assert finding.location.path.endswith("vif2.0.pcap")
    assert [loc.path for loc in finding.related] == [str(tmp_path / "vif1.0.pcap")]
    assert finding.evidence[0].startswith("vif2.0 frame 2 at ")
    assert "id 7 proto 17, IP length 3000" in finding.evidence[0]
    assert finding.evidence[1] == "  its fragments on vif1.0: frames 2, 3, 4"
    assert result.model.analyzed == [str(tmp_path / "vif1.0.pcap"), str(tmp_path / "vif2.0.pcap")]


@pytest.mark.parametrize(("ip_len", "expected"), [(1504, []), (1505, [("P103", "error")])])
def test_bridge_slack(tmp_path, ip_len, expected):
    result = lint_files(tmp_path, {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(ip_len)]))}, select=("P",))
    assert ids(result.findings) == expected


def test_oversize_without_fragments_elsewhere_is_p103(tmp_path):
    files = {"vif1.0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=1))),
             "vif2.0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=2)]))}
    assert ids(lint_files(tmp_path, files, select=("P",)).findings) == [("P103", "error")]


def test_bridge_capture_is_a_warning(tmp_path):
    files = {"vif1.0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=7))),
             "xenbr0-20260102T030405.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=7)]))}
    (finding,) = lint_files(tmp_path, files, select=("P",)).findings
    assert (finding.rule_id, finding.severity.value) == ("P104", "warning")
    assert finding.message == (
        "xenbr0 is a bridge: 1 packet(s) up to 3000 bytes, above MTU 1500 (assumed, no --mtu and no host model"
        " entry) + 4 bytes of VLAN slack = 1504; they were captured as fragments on vif1.0: bridge netfilter"
        " (br_netfilter with conntrack) reassembled them: the bridge device shows the reassembled datagrams, not"
        " what crossed the ports")


def test_jumbo_port_with_mtu_allows_it(tmp_path):
    paths = [str(tmp_path / "vif1.0.pcap")]
    Path(paths[0]).write_bytes(pcap_bytes([ipv4_frame(9000)]))
    rules = select_rules(("P",))
    assert ids(lint_paths(paths, rules).findings) == [("P103", "error")]
    assert lint_paths(paths, rules, captures=CaptureOptions(mtus={"vif1.0": 9000})).findings == []


def test_mtu_from_host_model(tmp_path):
    (tmp_path / "ip_address").write_text(
        "5: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP\n"
        "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n")
    (tmp_path / "vif1.0.pcap").write_bytes(pcap_bytes([ipv4_frame(9000, proto=TCP)]))
    captures = lint_paths([str(tmp_path)], select_rules(("P",))).model.captures
    assert captures is not None
    (port,) = captures.ports
    assert (port.name, port.mtu.value, port.mtu.origin) == ("vif1.0", 9000, "host model")
    assert port.mtu.location is not None and port.mtu.location.path == str(tmp_path / "ip_address")


def test_port_override_and_default_mtu(tmp_path):
    path = tmp_path / "capture.pcap"
    path.write_bytes(pcap_bytes([ipv4_frame(100)]))
    captures = load_captures([], CaptureOptions(ports={"vif7.1": str(path)}))
    (port,) = captures.ports
    assert (port.name, port.mtu.value, port.mtu.origin) == ("vif7.1", 1500, "assumed")


def test_pcapng_interfaces_are_ports(tmp_path):
    path = tmp_path / "any.pcapng"
    path.write_bytes(pcapng_bytes([ipv4_frame(100), ipv4_frame(200)], "vif3.0"))
    (port,) = load_captures([str(path)], CaptureOptions(mtus={"vif3.0": 1400})).ports
    assert (port.name, port.summary.packets, port.mtu.origin) == ("vif3.0", 2, "--mtu")
    two = load_captures([str(PCAP / "pcapng-isb-mixed.pcapng")]).ports
    assert [(p.name, p.summary.packets) for p in two] == [("eth0", 2), ("null1", 1), ("silly ethernet interface 2", 1)]


@pytest.mark.parametrize(("file", "port"), [("vif3.0.pcap", "vif3.0"), ("vif3.0-20260102T030405.pcap", "vif3.0"),
                                            ("vif3.0-2026-01-02_03-04-05.pcapng", "vif3.0"), ("tap4.0", "tap4.0")])
def test_port_name_from_file(file, port):
    assert port_name_from_file(file) == port


def test_is_capture(tmp_path):
    assert all(is_capture(str(PCAP / name)) for name in (
        "gso-ipv4-7306B-tcp.pcap", "sll-nanosecond-tcp-handshake.pcap", "empty.pcapng"))
    (tmp_path / "x.cfg").write_text('name = "x"\n')
    assert not is_capture(str(tmp_path / "x.cfg"))
    assert not is_capture(str(tmp_path))


def test_port_stats():
    (port,) = load_captures([str(PCAP / "ipv4-frag-tcp-df-incomplete.pcap")]).ports
    stats = port_stats(port)
    assert stats["packets"] == 5 and stats["bytes"] == 5 * 1514
    assert stats["fragments"] == 5 and stats["largest_ip_length"] == 1500
    assert stats["frame_sizes"]["1024-1518"] == 5 and sum(stats["frame_sizes"].values()) == 5
    (big,) = load_captures([str(PCAP / "bigtcp-ipv4-80kB-totlen0.pcap")]).ports
    assert port_stats(big)["largest_ip_length"] == 80052 and port_stats(big)["frame_sizes"]["9019+"] == 1


def test_gap_in_a_train_after_a_longer_one(tmp_path):
    """Each train's covered range is its own: a long train before does not hide the next one's gap."""
    long_train = fragments(9000, 1500, ip_id=1)
    short = fragments(3000, 1500, ip_id=2)
    files = {"vif1.0.pcap": latin1(pcap_bytes([*long_train, short[0], short[2]]))}
    (finding,) = lint_files(tmp_path, files, select=("P110",)).findings
    assert "1 of 2 fragment train(s)" in finding.message
    first = len(long_train) + 1
    assert finding.evidence[0].endswith(f"frames {first}, {first + 1}; missing offsets 1480-2960")


def test_only_tails_arrived_is_an_mtu_drop(tmp_path):
    tails = [fragments(3000, 1500, ip_id=i)[-1] for i in range(1, 8)]
    (finding,) = lint_files(tmp_path, {"vif1.0.pcap": latin1(pcap_bytes(tails))}, select=("P",)).findings
    assert finding.message == ("vif1.0: 7 of 7 fragment train(s) cannot be reassembled; in 7 only the last"
                               " fragment(s) arrived, the signature of an MTU drop of the big leading fragments")
    assert len(finding.evidence) == 5


def test_is_capture_never_opens_a_fifo(tmp_path):
    fifo = tmp_path / "pipe.pcap"
    os.mkfifo(fifo)
    assert not is_capture(str(fifo))
