"""`ifconfig -a` in both net-tools formats: the corpus files, Xen dom0 samples, bad input."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from facts_helpers import by_name, where
from xennet.lint.hostfacts import HostFacts
from xennet.lint.sources.ifconfig import looks_like, parse_ifconfig

CMD = FIXTURES / "cmd-output"


def parse_file(name: str) -> HostFacts:
    path = CMD / name
    return parse_ifconfig(path.read_text(), str(path))




# A RHEL 5 dom0 (net-tools 1.60): a global IPv6 address, a P-t-P tunnel, netback's vif with its
# FE:FF:FF:FF:FF:FF address, an interface that is down.
OLD_DOM0 = """\
eth0      Link encap:Ethernet  HWaddr 00:1E:C9:B3:22:10
          inet addr:192.168.10.5  Bcast:192.168.10.255  Mask:255.255.255.0
          inet6 addr: 2001:db8:10::5/64 Scope:Global
          inet6 addr: fe80::21e:c9ff:feb3:2210/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:4221371 errors:0 dropped:0 overruns:0 frame:0
          TX packets:2100873 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:0
          RX bytes:3219834512 (2.9 GiB)  TX bytes:401235673 (382.6 MiB)

eth1      Link encap:Ethernet  HWaddr 00:1E:C9:B3:22:11
          BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000
          RX bytes:0 (0.0 b)  TX bytes:0 (0.0 b)
          Interrupt:17 Memory:f8000000-f8012800

tun0      Link encap:UNSPEC  HWaddr 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00
          inet addr:10.8.0.1  P-t-P:10.8.0.2  Mask:255.255.255.255
          UP POINTOPOINT RUNNING NOARP MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:100
          RX bytes:0 (0.0 b)  TX bytes:0 (0.0 b)

vif1.0    Link encap:Ethernet  HWaddr FE:FF:FF:FF:FF:FF
          inet6 addr: fe80::fcff:ffff:feff:ffff/64 Scope:Link
          UP BROADCAST RUNNING NOARP  MTU:1500  Metric:1
          RX packets:5531 errors:0 dropped:0 overruns:0 frame:0
          TX packets:6210 errors:0 dropped:1382 overruns:0 carrier:0
          collisions:0 txqueuelen:32
          RX bytes:812345 (793.3 KiB)  TX bytes:1023456 (999.4 KiB)

"""

# Debian 11 dom0 (net-tools 2.10) with an HVM guest: netback's vif and qemu's tap for the emulated NIC.
NEW_DOM0 = """\
vif1.0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet6 fe80::fcff:ffff:feff:ffff  prefixlen 64  scopeid 0x20<link>
        ether fe:ff:ff:ff:ff:ff  txqueuelen 32  (Ethernet)
        RX packets 5531  bytes 812345 (793.3 KiB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 6210  bytes 1023456 (999.4 KiB)
        TX errors 0  dropped 1382 overruns 0  carrier 0  collisions 0

vif1.0-emu: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        ether fe:ff:ff:ff:ff:ff  txqueuelen 1000  (Ethernet)
        RX packets 12  bytes 1608 (1.5 KiB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 301  bytes 40210 (39.2 KiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

xenbr0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 9000
        inet 192.168.1.10  netmask 255.255.255.0  broadcast 192.168.1.255
        ether 52:54:00:a1:b2:c3  txqueuelen 1000  (Ethernet)
        RX packets 91830  bytes 18000221 (17.1 MiB)
        RX errors 0  dropped 17  overruns 0  frame 0
        TX packets 1201  bytes 120001 (117.1 KiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0
        device interrupt 16  memory 0xf7100000-f7120000

"""


def test_jc_centos_new_format():
    facts = parse_file("jc-centos-7.7-ifconfig.out")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["docker0", "ens33", "lo"]
    assert {record.source for record in facts.interfaces} == {"ifconfig"}
    ens33 = records["ens33"]
    assert where(ens33) == (9, 1)
    assert (ens33.mtu.value, where(ens33.mtu)) == (1500, (9, 56))
    assert (ens33.mac.value, where(ens33.mac)) == ("00:0c:29:3b:58:0e", (12, 15))
    assert [address.value for address in ens33.addresses] == ["192.168.71.137/24", "fe80::c1cb:715d:bc3e:b8a0/64"]
    assert where(ens33.addresses[0]) == (10, 14)
    assert (ens33.counters["rx_bytes"].value, where(ens33.counters["rx_bytes"])) == (1514413, (13, 32))
    assert ens33.counters["tx_packets"].value == 4502
    assert ens33.counters["collisions"].value == 0
    assert ens33.state.value == "up"
    assert ens33.options["flags"].value == "UP,BROADCAST,RUNNING,MULTICAST"
    assert records["docker0"].addresses[0].value == "172.17.0.1/16"
    assert records["docker0"].state.value == "up"
    lo = records["lo"]
    assert lo.kind.value == "loopback"
    assert lo.mac is None
    assert lo.mtu.value == 65536
    assert [address.value for address in lo.addresses] == ["127.0.0.1/8", "::1/128"]


def test_jc_ubuntu_old_format():
    facts = parse_file("jc-ubuntu-16.04-ifconfig-old-format.out")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["ens33", "lo"]
    ens33 = records["ens33"]
    assert (ens33.mac.value, where(ens33.mac)) == ("00:0c:29:c2:c8:63", (1, 39))
    assert (ens33.mtu.value, where(ens33.mtu)) == (1500, (4, 47))
    assert [address.value for address in ens33.addresses] == ["192.168.248.129/24", "fe80::c1ca:3dee:39f7:5937/64"]
    # jc reads these flags as one string "UP BROADCAST RUNNING MULTICAST "
    assert ens33.options["flags"].value == "UP,BROADCAST,RUNNING,MULTICAST"
    assert (ens33.state.value, where(ens33.state)) == ("up", (4, 11))
    assert ens33.counters["rx_packets"].value == 36
    assert (ens33.counters["tx_bytes"].value, where(ens33.counters["tx_bytes"])) == (13935, (8, 44))
    assert records["lo"].kind.value == "loopback"
    assert records["lo"].counters["rx_bytes"].value == 17363


def test_old_format_dom0():
    facts = parse_ifconfig(OLD_DOM0, "ifconfig_-a")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["eth0", "eth1", "tun0", "vif1.0"]
    eth0 = records["eth0"]
    assert [address.value for address in eth0.addresses] == [
        "192.168.10.5/24",
        "2001:db8:10::5/64",  # jc drops the addresses of scope Global
        "fe80::21e:c9ff:feb3:2210/64",
    ]
    assert eth0.mac.value == "00:1e:c9:b3:22:10"
    assert eth0.counters["rx_bytes"].value == 3219834512
    eth1 = records["eth1"]
    assert eth1.state.value == "down"
    assert eth1.options["flags"].value == "BROADCAST,MULTICAST"
    tun = records["tun0"]
    assert [address.value for address in tun.addresses] == ["10.8.0.1/32"]  # jc drops P-t-P addresses
    assert tun.mac is None
    vif = records["vif1.0"]
    assert vif.kind.value == "vif"
    assert vif.mac.value == "fe:ff:ff:ff:ff:ff"
    assert (vif.counters["tx_dropped"].value, where(vif.counters["tx_dropped"])) == (1382, (31, 44))


def test_new_format_dom0_with_emulated_nic():
    facts = parse_ifconfig(NEW_DOM0, "ifconfig")
    assert facts.problems == []
    records = by_name(facts)
    assert [(name, record.kind and record.kind.value) for name, record in records.items()] == [
        ("vif1.0", "vif"),
        ("vif1.0-emu", "tap"),
        ("xenbr0", None),
    ]
    assert records["vif1.0"].counters["tx_dropped"].value == 1382
    assert records["vif1.0-emu"].counters["tx_packets"].value == 301
    bridge = records["xenbr0"]
    assert bridge.mtu.value == 9000
    assert bridge.counters["rx_dropped"].value == 17
    assert bridge.addresses[0].value == "192.168.1.10/24"


def test_truncated_block():
    text = OLD_DOM0[: OLD_DOM0.index("          TX packets:6210")]
    facts = parse_ifconfig(text, "ifconfig_-a")
    assert list(by_name(facts)) == ["eth0", "eth1", "tun0", "vif1.0"]
    assert by_name(facts)["vif1.0"].counters["rx_packets"].value == 5531
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line) == ("truncated", 30)
    assert "vif1.0" in problem.message
    # cut inside a line: that line is the problem
    facts = parse_ifconfig(OLD_DOM0[: OLD_DOM0.index("MTU:1500  Metric:1\n          RX packets:5531")], "x")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 29)]


def test_unknown_lines_and_garbage_between_blocks():
    text = NEW_DOM0.replace(
        "        TX packets 301",
        "        frobnicated 3 ways\n        TX packets 301",
    ).replace("xenbr0: flags", "ifconfig: error fetching interface information\nxenbr0: flags")
    facts = parse_ifconfig(text, "ifconfig")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 13), ("syntax", 17)]
    assert list(by_name(facts)) == ["vif1.0", "vif1.0-emu", "xenbr0"]
    assert by_name(facts)["vif1.0-emu"].counters["tx_packets"].value == 301


def test_bad_netmask_is_a_problem_and_the_rest_is_read():
    text = NEW_DOM0.replace("netmask 255.255.255.0", "netmask 255.0.255.0")
    facts = parse_ifconfig(text, "ifconfig")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 17)]
    assert by_name(facts)["xenbr0"].addresses == []
    assert by_name(facts)["xenbr0"].mtu.value == 9000


def test_another_kind_of_file_under_the_ifconfig_name():
    text = (CMD / "insights-ip-s-link.txt").read_text()
    facts = parse_ifconfig(text, "sos_commands/networking/ifconfig_-a")
    assert facts.interfaces == []
    assert [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


def test_looks_like_inline_samples():
    assert looks_like(OLD_DOM0)
    assert looks_like(NEW_DOM0)
    assert not looks_like("")


SAMPLES = {"old dom0": OLD_DOM0, "new dom0": NEW_DOM0} | {
    name: (CMD / name).read_text() for name in ("jc-centos-7.7-ifconfig.out", "jc-ubuntu-16.04-ifconfig-old-format.out")
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_cut_parses_without_raising(name):
    text = SAMPLES[name]
    for end in range(0, len(text), 7):
        facts = parse_ifconfig(text[:end], "ifconfig")
        assert {problem.kind for problem in facts.problems} <= {"syntax", "truncated", "unrecognized"}
