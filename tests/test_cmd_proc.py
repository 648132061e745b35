"""/proc/net/dev, /proc/net/vlan/config, `ethtool -k` and `ethtool -i`: corpus files, samples, bad input."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from facts_helpers import by_name, where
from xennet.lint.hostfacts import HostFacts
from xennet.lint.sources.proc_net import (
    looks_like,
    parse_ethtool,
    parse_proc_net,
    parse_proc_net_dev,
    parse_proc_vlan,
)

CMD = FIXTURES / "cmd-output"


def parse_file(name: str, path: str | None = None) -> HostFacts:
    file = CMD / name
    return parse_proc_net(file.read_text(), path or str(file))




# /proc/net/dev of a RHEL 5 dom0 (2.6.18-xen): "%6s:%8lu", so a byte count of 8 digits or more
# touches the colon, and names longer than 6 characters push the row.
NET_DEV_2_6_18 = """\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls \
carrier compressed
    lo:   12345     120    0    0    0     0          0         0    12345     120    0    0    0     0       0 \
         0
 peth0:4016716398 31263937    0    0    0     0          0    10452 3224386404 27497305    0    0    0     0 \
      0          0
vif1.0:  8712456   60321    0    0    0     0          0         0 98765432   71234    0  412    0     0       0 \
         0
vif12.0-emu:       0       0    0    0    0     0          0         0     1608      12    0    0    0     0 \
      0          0
"""

VLAN_CONFIG = """\
VLAN Dev name	 | VLAN ID
Name-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD
eth0.3         | 3  | eth0
bond0.100      | 100  | bond0
"""

# ethtool 6 on a RHEL 5 dom0: the header and feature names of the time, and a message of a driver
# that cannot report one feature.
ETHTOOL_K_OLD = """\
Offload parameters for peth0:
Cannot get device udp large send offload settings: Operation not supported
rx-checksumming: on
tx-checksumming: off
scatter-gather: on
tcp segmentation offload: off
udp fragmentation offload: off
generic segmentation offload: off
"""


def test_jc_proc_net_dev():
    facts = parse_file("jc-linux-proc-net-dev.txt")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["lo", "ens33"]
    assert {record.source for record in facts.interfaces} == {"proc-net-dev"}
    ens33 = records["ens33"]
    assert where(ens33) == (4, 2)
    assert (ens33.counters["rx_bytes"].value, where(ens33.counters["rx_bytes"])) == (60600053, (4, 9))
    assert ens33.counters["rx_packets"].value == 109378
    assert (ens33.counters["tx_bytes"].value, where(ens33.counters["tx_bytes"])) == (44256546, (4, 68))
    assert ens33.counters["tx_packets"].value == 121425
    assert ens33.counters["tx_compressed"].value == 0
    assert len(ens33.counters) == 16
    assert records["lo"].counters["multicast"].value == 0


def test_proc_net_dev_of_a_2_6_18_kernel():
    """jc reads "peth0:4016716398" as the interface "peth0:401671639" and shifts every counter."""
    facts = parse_proc_net(NET_DEV_2_6_18, "proc/net/dev")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["lo", "peth0", "vif1.0", "vif12.0-emu"]
    peth0 = records["peth0"]
    assert (peth0.counters["rx_bytes"].value, where(peth0.counters["rx_bytes"])) == (4016716398, (4, 8))
    assert peth0.counters["rx_packets"].value == 31263937
    assert peth0.counters["multicast"].value == 10452
    assert peth0.counters["tx_bytes"].value == 3224386404
    assert records["vif1.0"].counters["tx_dropped"].value == 412
    assert records["vif12.0-emu"].counters["tx_packets"].value == 12
    assert records["vif1.0"].kind is None  # /proc/net/dev does not say what a device is


def test_proc_net_dev_bad_rows_and_unknown_columns():
    lines = NET_DEV_2_6_18.split("\n")
    lines[1] += " frobs"  # a column of a future kernel, with a number in every row
    lines[2:6] = [row + "     7" for row in lines[2:6]]
    lines[4] = lines[4].replace("vif1.0:  8712456   60321", "vif1.0:  8712456   ")
    text = "\n".join(lines) + "  eth1: 1200 12 0"
    facts = parse_proc_net_dev(text, "proc/net/dev")
    assert [(p.kind, p.location.line, p.location.column, p.message) for p in facts.problems] == [
        ("syntax", 2, 124, "unknown TX column 'frobs'"),
        ("syntax", 5, 0, "vif1.0: 16 values, the header has 17 columns"),
        ("truncated", 7, 0, "output ends in an incomplete line: 'eth1: 1200 12 0'"),
    ]
    records = by_name(facts)
    assert list(records) == ["lo", "peth0", "vif1.0", "vif12.0-emu"]  # eth1 was cut: its values are not kept
    assert records["peth0"].counters["tx_bytes"].value == 3224386404
    assert len(records["peth0"].counters) == 16
    assert records["vif1.0"].counters == {}  # which number is whose is unknown


def test_proc_vlan_config():
    facts = parse_proc_net(VLAN_CONFIG, "proc/net/vlan/config")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["eth0.3", "bond0.100"]
    vlan = records["bond0.100"]
    assert vlan.source == "proc-vlan"
    assert (vlan.kind.value, vlan.vlan_id.value, vlan.parent.value) == ("vlan", 100, "bond0")
    assert where(vlan.vlan_id) == (4, 18)
    assert where(vlan.parent) == (4, 25)
    assert parse_proc_vlan(VLAN_CONFIG.split("eth0.3")[0], "config").problems == []  # no VLANs


def test_proc_vlan_bad_rows():
    text = VLAN_CONFIG.replace("eth0.3         | 3  | eth0", "eth0.3         | three  | eth0") + "eth1.7  | 7"
    facts = parse_proc_vlan(text, "proc/net/vlan/config")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 3), ("truncated", 5)]
    assert list(by_name(facts)) == ["bond0.100"]


def test_insights_ethtool_k():
    facts = parse_file("insights-ethtool-k-bond0.txt")
    assert facts.problems == []
    (record,) = facts.interfaces
    assert (record.name, record.source, where(record)) == ("bond0", "ethtool", (1, 14))
    offloads = record.offloads
    assert len(offloads) == 34
    assert (offloads["rx-checksumming"].value, where(offloads["rx-checksumming"])) == (False, (2, 18))
    assert offloads["tx-checksumming"].value is True
    assert (offloads["tx-checksum-ipv4"].value, where(offloads["tx-checksum-ipv4"])) == (False, (4, 23))
    assert offloads["generic-segmentation-offload"].value is False  # "off [requested on]"
    assert offloads["tx-udp_tnl-segmentation"].value is True
    assert offloads["loopback"].value is False


def test_old_ethtool_k():
    facts = parse_proc_net(ETHTOOL_K_OLD, "ethtool_-k_peth0")
    assert facts.problems == []
    (record,) = facts.interfaces
    assert record.name == "peth0"
    assert record.offloads["tx-checksumming"].value is False
    assert record.offloads["tcp-segmentation-offload"].value is False  # printed "tcp segmentation offload"
    assert where(record.offloads["tcp-segmentation-offload"]) == (6, 27)


def test_insights_ethtool_i():
    # the output does not name the interface: sosreport's file name does
    facts = parse_file("insights-ethtool-i-virtio.txt", "sos_commands/networking/ethtool_-i_eth0")
    assert facts.problems == []
    (record,) = facts.interfaces
    assert (record.name, record.source) == ("eth0", "ethtool")
    assert (record.options["driver"].value, where(record.options["driver"])) == ("virtio_net", (1, 9))
    assert record.options["driver_version"].value == "1.0.0"
    assert record.options["bus_info"].value == "0000:00:03.0"
    assert "firmware_version" not in record.options  # printed empty
    unnamed = parse_file("insights-ethtool-i-virtio.txt")
    assert unnamed.interfaces == []
    assert [(p.kind, p.location.line) for p in unnamed.problems] == [("incomplete", 1)]


def test_ethtool_bad_lines():
    text = (CMD / "insights-ethtool-k-bond0.txt").read_text().replace("ntuple-filters: off", "ntuple-filters: maybe")
    facts = parse_ethtool(text + "highdma: o", "ethtool_-k_bond0")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 23), ("truncated", 36)]
    assert len(facts.interfaces[0].offloads) == 33


def test_another_kind_of_file_under_a_proc_net_name():
    text = (CMD / "insights-ip-s-link.txt").read_text()
    for parse in (parse_proc_net, parse_proc_net_dev, parse_proc_vlan, parse_ethtool):
        facts = parse(text, "proc/net/dev")
        assert facts.interfaces == []
        assert [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


def test_looks_like_inline_samples():
    assert looks_like(NET_DEV_2_6_18)
    assert looks_like(VLAN_CONFIG)
    assert looks_like(ETHTOOL_K_OLD)
    assert not looks_like("Settings for eth0:\n\tSpeed: 1000Mb/s\n\tLink detected: yes\n")  # `ethtool eth0`
    assert not looks_like("")


SAMPLES = {"2.6.18": NET_DEV_2_6_18, "vlan": VLAN_CONFIG, "ethtool 6": ETHTOOL_K_OLD} | {
    name: (CMD / name).read_text()
    for name in ("jc-linux-proc-net-dev.txt", "insights-ethtool-k-bond0.txt", "insights-ethtool-i-virtio.txt")
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_cut_parses_without_raising(name):
    text = SAMPLES[name]
    for end in range(0, len(text), 3):
        facts = parse_proc_net(text[:end], "ethtool_-i_eth0")
        assert {problem.kind for problem in facts.problems} <= {"syntax", "truncated", "unrecognized"}
