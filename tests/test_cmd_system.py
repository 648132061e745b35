"""The host itself: `uname -a`, `lsmod` (jc), `hostname` and the IP counters of `netstat -s`."""

from __future__ import annotations

from pathlib import Path

import jc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xennet.findings import Location
from xennet.lint.hostfacts import HostFacts, Stat
from xennet.lint.sources.system import looks_like, parse_system

CMD = Path(__file__).resolve().parent.parent / "fixtures" / "cmd-output"

# A RHEL 5 dom0 (Xen 3.x): the kernel release names the Xen kernel.
UNAME = "Linux xenhost1 2.6.18-128.el5xen #1 SMP Wed Dec 17 11:42:39 EST 2008 x86_64 x86_64 x86_64 GNU/Linux\n"
NETSTAT_S = """Ip:
    Forwarding: 1
    8123456 total packets received
    12 with invalid addresses
    0 forwarded
    0 incoming packets discarded
    8123001 incoming packets delivered
    7009871 requests sent out
    45 outgoing packets dropped
    3 dropped because of missing route
    1802 reassemblies required
    871 packets reassembled ok
    60 packet reassemblies failed
    0 fragments received ok
    214 fragments failed
    0 fragments created
Icmp:
    1432 ICMP messages received
    7 input ICMP message failed.
    ICMP input histogram:
        destination unreachable: 1402
Tcp:
    3021 active connections openings
    62 failed connection attempts
Udp:
    96210 packets received
    0 packets to unknown port received.
"""
SYSTEM_SAMPLES = {"uname -a": UNAME, "netstat -s": NETSTAT_S, "lsmod": (CMD / "insights-lsmod.txt").read_text()}


def test_uname_of_a_xen_kernel():
    facts = parse_system(UNAME, "uname_-a")
    assert [(f.value, f.location.line, f.location.column) for f in facts.kernel] == [("2.6.18-128.el5xen", 1, 16)]
    assert [(f.value, f.location.column) for f in facts.hostname] == [("xenhost1", 7)]
    assert facts.problems == []


def test_uname_cut_short_keeps_hostname_and_release():
    """jc's uname parser raises on such a line; the two words needed are there."""
    line = "Linux xenhost1 2.6.18-128.el5xen #1\n"
    with pytest.raises(IndexError):
        jc.parse("uname", line, quiet=True)
    facts = parse_system(line, "uname_-a")
    assert [f.value for f in facts.kernel] == ["2.6.18-128.el5xen"]
    assert [f.value for f in facts.hostname] == ["xenhost1"]


def test_lsmod_corpus():
    facts = parse_system((CMD / "insights-lsmod.txt").read_text(), "lsmod")
    names = [f.value for f in facts.modules]
    assert len(names) == 16
    assert names[0] == "xt_CHECKSUM" and names[-1] == "ip6table_nat"
    bridge = next(f for f in facts.modules if f.value == "bridge")
    assert (bridge.location.line, bridge.location.column) == (12, 1)
    assert {"ebtables", "stp", "tun"} <= set(names)
    assert facts.problems == []


def test_lsmod_truncated_last_row():
    text = (CMD / "insights-lsmod.txt").read_text() + "xen_netba"
    facts = parse_system(text, "lsmod")
    assert len(facts.modules) == 16
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 18)]


def test_hostname():
    facts = parse_system("xenhost1.example.com\n", "hostname")
    assert [(f.value, f.location) for f in facts.hostname] == [("xenhost1.example.com", Location("hostname", 1, 1))]
    assert facts.kernel == [] and facts.problems == []


def test_netstat_s_keeps_the_ip_fragment_counters():
    facts = parse_system(NETSTAT_S, "netstat_-s")
    assert [(s.name, s.value, s.location.line, s.location.column) for s in facts.stats] == [
        ("IpOutDiscards", 45, 9, 5),
        ("IpReasmReqds", 1802, 11, 5),
        ("IpReasmOKs", 871, 12, 5),
        ("IpReasmFails", 60, 13, 5),
        ("IpFragOKs", 0, 14, 5),
        ("IpFragFails", 214, 15, 5),
        ("IpFragCreates", 0, 16, 5),
    ]
    assert {s.source for s in facts.stats} == {"netstat-s"}
    assert facts.problems == []


def test_netstat_s_garbage_in_the_ip_section():
    text = "Ip:\n    2 fragments failed\n    something else\n    7 fragments created\nTcp:\n    junk\n"
    facts = parse_system(text, "netstat_-s")
    assert [(s.name, s.value) for s in facts.stats] == [("IpFragFails", 2), ("IpFragCreates", 7)]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 3)]


def test_stats_merge():
    facts = HostFacts()
    facts.merge(parse_system(NETSTAT_S, "a"))
    facts.merge(HostFacts(stats=[Stat("IpReasmFails", 1, "netstat-s", Location("b", 3))]))
    assert [s.location.path for s in facts.stats if s.name == "IpReasmFails"] == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    ["Linux xenhost1\n", "two words\n", (CMD / "insights-route-n.txt").read_text(), "0\n"],
    ids=["uname cut after the hostname", "two words", "route -n", "a number"],
)
def test_other_files_are_one_problem(text):
    facts = parse_system(text, "f")
    assert facts.kernel == facts.hostname == facts.modules == facts.stats == []
    assert [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


def test_empty_file():
    assert parse_system("", "f") == HostFacts()


def test_looks_like():
    for name, text in SYSTEM_SAMPLES.items():
        assert looks_like(text), name
    assert not looks_like("xenhost1\n")  # one word: read when named hostname, not recognized


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("LinuxIp:Module Size Used by0123456789 \n\t.-")))
def test_never_raises(text):
    parse_system(text, "f")
    looks_like(text)
