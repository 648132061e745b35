"""`netstat -i`: MTUs and counters per interface, with positions; bad rows reported."""

from __future__ import annotations

from conftest import FIXTURES
from facts_helpers import by_name, where
from xennet.lint.load import load_input
from xennet.lint.sources.netstat_i import looks_like, parse_netstat_i

CENTOS = FIXTURES / "cmd-output" / "jc-centos-7.7-netstat-i.out"


def test_centos_table():
    text = CENTOS.read_text()
    facts = parse_netstat_i(text, str(CENTOS))
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["docker0", "ens33", "lo"]
    ens33 = records["ens33"]
    assert (ens33.mtu.value, where(ens33.mtu)) == (1500, (4, 18))
    assert ens33.counters["rx_packets"].value == 476
    assert ens33.counters["tx_packets"].value == 312
    assert ens33.counters["tx_dropped"].value == 0
    assert ens33.options["flags"].value == "BMRU"
    assert records["lo"].mtu.value == 65536


def test_old_format_with_met_column_and_a_cut_row():
    text = (
        "Kernel Interface table\n"
        "Iface       MTU Met    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n"
        "vif3.0     1500   0     1022      0      0      0      880      0     17      0 BMRU\n"
        "eth0       1500   0    93121      0  \n"
    )
    facts = parse_netstat_i(text, "netstat")
    assert by_name(facts)["vif3.0"].counters["tx_dropped"].value == 17
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 4)]


def test_recognized_by_content_and_by_sosreport_name(tmp_path):
    assert looks_like(CENTOS.read_text())
    assert not looks_like("Kernel IP routing table\nDestination Gateway\n")
    assert load_input(str(CENTOS), explicit=True).kind == "netstat-i"
