"""`ip addr` / `ip link` outputs: the corpus files, the forms the corpus lacks, bad input; and which
of the command-output parsers claims each fixture."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from conftest import FIXTURES
from facts_helpers import by_name, printed, where
from xennet.lint.hostfacts import HostFacts
from xennet.lint.sources import brctl, ifconfig, ip_link, proc_net
from xennet.lint.sources.ip_link import looks_like, parse_ip_link

CMD = FIXTURES / "cmd-output"


def parse_file(name: str) -> HostFacts:
    path = CMD / name
    return parse_ip_link(path.read_text(), str(path))





# `ip -d link` on a Debian 11 dom0 (iproute2 5.10): a VLAN port and a vif in bridges, a bridge with
# nf_call_iptables on, an HVM guest's emulated NIC, a bond, a veth. Some detail lines leave out options
# that do not matter here (the parser reads them by keyword); "\" at the end of a line continues it.
IP_D_LINK = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 addrgenmode eui64 \
numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 9000 addrgenmode eui64 \
numtxqueues 8 numrxqueues 8 gso_max_size 65536 gso_max_segs 65535
    altname enp1s0
3: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535
    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 \
vlan_filtering 0 vlan_protocol 802.1Q bridge_id 8000.52:54:0:a1:b2:c3 designated_root 8000.52:54:0:a1:b2:c3 \
root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 \
topology_change_timer    0.00 gc_timer  112.43 vlan_default_pvid 1 vlan_stats_enabled 0 group_fwd_mask 0 \
group_address 01:80:c2:00:00:00 mcast_snooping 1 mcast_router 1 mcast_querier 0 nf_call_iptables 1 \
nf_call_ip6tables 0 nf_call_arptables 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 \
gso_max_segs 65535
4: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master xenbr3 state UP mode DEFAULT \
group default qlen 1000
    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 0 maxmtu 65535
    vlan protocol 802.1Q id 3 <REORDER_HDR>
    bridge_slave state forwarding priority 32 cost 100 hairpin off guard off root_block off fastleave off \
learning on flood on port_id 0x8001 port_no 0x1 designated_port 32769 designated_cost 0 addrgenmode eui64 \
numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
5: xenbr3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535
    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 1 priority 32768 \
vlan_filtering 0 vlan_protocol 802.1Q nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 addrgenmode eui64
6: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master xenbr0 state UP mode DEFAULT group default \
qlen 32
    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 65535
    bridge_slave state forwarding priority 32 cost 100 hairpin off guard off addrgenmode eui64 numtxqueues 1
7: vif2.0-emu: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel master xenbr0 state UNKNOWN mode DEFAULT \
group default qlen 1000
    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 65521
    tun type tap pi off vnet_hdr on persist off
    bridge_slave state disabled priority 32 cost 100 hairpin off guard off addrgenmode eui64 numtxqueues 1
8: bond0: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \
qlen 1000
    link/ether 52:54:00:d4:e5:f6 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535
    bond mode 802.3ad miimon 100 updelay 0 downdelay 0 use_carrier 1 arp_interval 0 arp_validate none \
arp_all_targets any primary_reselect always fail_over_mac none xmit_hash_policy layer2 resend_igmp 1 \
num_grat_arp 1 all_slaves_active 0 min_links 0 lp_interval 1 packets_per_slave 1 lacp_rate slow ad_select stable \
addrgenmode eui64 numtxqueues 16 numrxqueues 16 gso_max_size 65536 gso_max_segs 65535
9: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 9a:3c:1e:22:10:01 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535
    veth addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
"""


def test_insights_ip_addr_vlan_bond_tunnels():
    facts = parse_file("insights-ip-addr-vlan-bond-tunnels.txt")
    records = by_name(facts)
    assert list(records) == ["lo", "eth7", "tunl0", "tunl1", "bond1.57", "ip.tun2"]
    assert {record.source for record in facts.interfaces} == {"ip-addr"}
    lo = records["lo"]
    assert lo.kind.value == "loopback"
    assert (lo.mtu.value, where(lo.mtu)) == (16436, (4, 35))
    assert [address.value for address in lo.addresses] == ["127.0.0.1/8", "::1/128"]
    eth7 = records["eth7"]
    assert (eth7.master.value, where(eth7.master)) == ("bond1", (9, 77))
    assert eth7.mac.value == "00:11:3f:e2:f5:9f"
    assert eth7.state.value == "down"
    assert eth7.options["flags"].value == "NO-CARRIER,BROADCAST,MULTICAST,SLAVE,UP"
    vlan = records["bond1.57"]
    assert (vlan.parent.value, where(vlan.parent)) == ("bond1", (16, 13))
    assert vlan.kind is None  # without -d, ip does not say what the device is
    assert [address.value for address in vlan.addresses] == [
        "10.192.4.171/27",
        "fe80::211:3fff:fee2:f59e/64",
        "2001::211:3fff:fee2:f59e/64",
    ]
    assert where(vlan.addresses[0]) == (18, 10)
    # "inet LOCAL peer PEER/32": the prefix printed after the peer belongs to the local address
    assert [address.value for address in records["tunl1"].addresses] == ["172.30.0.1/32"]
    assert [address.value for address in records["ip.tun2"].addresses] == ["192.168.112.5/32"]
    assert records["ip.tun2"].mtu.value == 80
    assert records["tunl1"].mac is None  # link/[65534]
    # The three "Message truncated" lines at the top are one problem; the rest is read
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line, problem.location.end_line) == ("syntax", 1, 3)
    assert "Message truncated" in problem.message


def test_insights_ip_d_s_link_bond_ovs_mtu9000():
    facts = parse_file("insights-ip-d-s-link-bond-ovs-mtu9000.txt")
    assert facts.problems == []
    records = by_name(facts)
    assert len(records) == 14
    assert {record.source for record in facts.interfaces} == {"ip-link"}
    port = records["eth0_1"]
    assert (port.mtu.value, where(port.mtu)) == (9000, (19, 56))
    assert port.master.value == "bond0"
    assert port.kind is None
    assert port.options["info_slave_kind"].value == "bond"
    assert (port.options["port_state"].value, where(port.options["port_state"])) == ("ACTIVE", (21, 22))
    assert port.options["mii_status"].value == "UP"
    assert port.counters["rx_dropped"].value == 117902
    assert where(port.counters["rx_dropped"]) == (23, 40)
    assert port.counters["multicast"].value == 863246747
    assert port.counters["tx_bytes"].value == 35867456371871
    vxlan = records["vxlan_sys_4789"]
    assert (vxlan.kind.value, where(vxlan.kind)) == ("tunnel", (42, 5))
    assert vxlan.options["info_kind"].value == "vxlan"
    assert vxlan.options["info_slave_kind"].value == "openvswitch"
    assert vxlan.master.value == "ovs-system"
    assert records["ovs-system"].kind.value == "other"
    assert records["ovs-system"].options["info_kind"].value == "openvswitch"
    assert records["br-int"].counters["rx_dropped"].value == 101259804
    assert records["br-int"].mtu.value == 8950
    assert records["gre0"].parent is None  # gre0@NONE
    assert records["gre1"].kind.value == "tunnel"
    assert records["gre1"].counters["tx_bytes"].value == 168
    assert records["geneve1"].counters["rx_errors"].value == 8
    assert records["lo"].counters["rx_bytes"].value == 18951865334


def test_insights_ip_s_link():
    facts = parse_file("insights-ip-s-link.txt")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["enp0s3", "lo", "enp0s8", "enp0s9", "tm0"]
    enp0s3 = records["enp0s3"]
    assert enp0s3.mac.value == "08:00:27:4a:c5:ef"
    assert (enp0s3.counters["rx_bytes"].value, where(enp0s3.counters["rx_bytes"])) == (1113685, (4, 5))
    assert enp0s3.counters["tx_packets"].value == 1407
    assert enp0s3.state.value == "up"
    team = records["tm0"]
    assert team.kind.value == "team"
    assert team.master.value == "br0"
    assert team.options["info_slave_kind"].value == "bridge"
    assert team.options["port_state"].value == "forwarding"
    assert team.counters["multicast"].value == 1
    assert records["enp0s9"].counters["tx_packets"].value == 12


def test_ip_d_link_vlan_bridge_and_xen_devices():
    facts = parse_ip_link(IP_D_LINK, "ip_-d_link")
    assert facts.problems == []
    records = by_name(facts)
    bridge = records["xenbr0"]
    assert bridge.kind.value == "bridge"
    assert bridge.options["nf_call_iptables"].value == "1"
    assert printed(IP_D_LINK, bridge.options["nf_call_iptables"]).startswith("1 nf_call_ip6tables 0")
    assert bridge.options["nf_call_ip6tables"].value == "0"
    assert bridge.options["stp_state"].value == "0"
    assert bridge.options["vlan_filtering"].value == "0"
    assert records["xenbr3"].options["stp_state"].value == "1"
    vlan = records["eth0.3"]
    assert (vlan.kind.value, vlan.vlan_id.value, vlan.parent.value) == ("vlan", 3, "eth0")
    assert printed(IP_D_LINK, vlan.vlan_id).startswith("3 <REORDER_HDR>")
    assert vlan.options["vlan_protocol"].value == "802.1Q"
    assert vlan.master.value == "xenbr3"
    assert vlan.options["port_state"].value == "forwarding"
    vif = records["vif1.0"]
    assert vif.kind.value == "vif"  # netback prints no link kind: the name says it
    assert printed(IP_D_LINK, vif.kind).startswith("vif1.0: <")
    assert vif.mac.value == "fe:ff:ff:ff:ff:ff"
    assert vif.master.value == "xenbr0"
    emulated = records["vif2.0-emu"]
    assert emulated.kind.value == "tap"
    assert emulated.options["tun_type"].value == "tap"
    assert emulated.options["port_state"].value == "disabled"
    assert emulated.state.value == "unknown"
    assert records["eth0"].kind is None
    bond = records["bond0"]
    assert (bond.kind.value, bond.options["bond_mode"].value) == ("bond", "802.3ad")
    assert printed(IP_D_LINK, bond.options["bond_mode"]).startswith("802.3ad miimon 100")
    veth = records["veth0"]
    assert (veth.kind.value, veth.parent.value, veth.state.value) == ("veth", "veth1", "down")


IP_J_D_S_LINK = (
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue",'
    '"operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback",'
    '"address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","promiscuity":0,"min_mtu":0,"max_mtu":0,'
    '"stats64":{"rx":{"bytes":2952,"packets":36,"errors":0,"dropped":0,"over_errors":0,"multicast":0},'
    '"tx":{"bytes":2952,"packets":36,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}},'
    '{"ifindex":3,"ifname":"xenbr0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,'
    '"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,'
    '"link_type":"ether","address":"52:54:00:a1:b2:c3","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,'
    '"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":1500,'
    '"hello_time":200,"max_age":2000,"ageing_time":30000,"stp_state":0,"priority":32768,"vlan_filtering":0,'
    '"vlan_protocol":"802.1Q","bridge_id":"8000.52:54:0:a1:b2:c3","root_id":"8000.52:54:0:a1:b2:c3",'
    '"hello_timer":0.00,"gc_timer":229.04,"mcast_snooping":1,"nf_call_iptables":1,"nf_call_ip6tables":1,'
    '"nf_call_arptables":0}},"stats64":{"rx":{"bytes":91830,"packets":1201,"errors":0,"dropped":17,'
    '"over_errors":0,"multicast":301},"tx":{"bytes":12001,"packets":99,"errors":0,"dropped":0,'
    '"carrier_errors":0,"collisions":0}}},'
    '{"ifindex":4,"ifname":"eth0.3","link":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],'
    '"mtu":1500,"qdisc":"noqueue","master":"xenbr3","operstate":"UP","linkmode":"DEFAULT","group":"default",'
    '"txqlen":1000,"link_type":"ether","address":"52:54:00:a1:b2:c3","broadcast":"ff:ff:ff:ff:ff:ff",'
    '"promiscuity":1,"min_mtu":0,"max_mtu":65535,"linkinfo":{"info_kind":"vlan","info_data":{"protocol":"802.1Q",'
    '"id":3,"flags":["REORDER_HDR"]},"info_slave_kind":"bridge","info_slave_data":{"state":"forwarding",'
    '"priority":32,"cost":100,"hairpin":false,"guard":false}},"stats64":{"rx":{"bytes":0,"packets":0,"errors":0,'
    '"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":0,"packets":0,"errors":0,"dropped":0,'
    '"carrier_errors":0,"collisions":0}}},'
    '{"ifindex":6,"ifname":"vif1.0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"mq",'
    '"master":"xenbr0","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":32,"link_type":"ether",'
    '"address":"fe:ff:ff:ff:ff:ff","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":1,"min_mtu":68,'
    '"max_mtu":65535,"linkinfo":{"info_slave_kind":"bridge","info_slave_data":{"state":"forwarding",'
    '"priority":32,"cost":100}},"stats64":{"rx":{"bytes":812345,"packets":5531,"errors":0,"dropped":0,'
    '"over_errors":0,"multicast":0},"tx":{"bytes":1023456,"packets":6210,"errors":0,"dropped":1382,'
    '"carrier_errors":0,"collisions":0}}}]\n'
)

IP_J_ADDR_PRETTY = """\
[ {
        "ifindex": 3,
        "ifname": "xenbr0",
        "flags": [ "BROADCAST","MULTICAST","UP","LOWER_UP" ],
        "mtu": 1500,
        "qdisc": "noqueue",
        "operstate": "UP",
        "group": "default",
        "txqlen": 1000,
        "link_type": "ether",
        "address": "52:54:00:a1:b2:c3",
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "addr_info": [ {
                "family": "inet",
                "local": "192.168.1.10",
                "prefixlen": 24,
                "broadcast": "192.168.1.255",
                "scope": "global",
                "label": "xenbr0",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            },{
                "family": "inet6",
                "local": "fe80::5054:ff:fea1:b2c3",
                "prefixlen": 64,
                "scope": "link",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            } ]
    } ]
"""


def test_ip_j_d_s_link_json():
    facts = parse_ip_link(IP_J_D_S_LINK, "ip_-d_-s_-j_link")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["lo", "xenbr0", "eth0.3", "vif1.0"]
    assert {record.source for record in facts.interfaces} == {"ip-link"}
    assert records["lo"].kind.value == "loopback"
    bridge = records["xenbr0"]
    assert bridge.kind.value == "bridge"
    assert bridge.options["nf_call_iptables"].value == "1"
    assert bridge.options["nf_call_ip6tables"].value == "1"
    assert bridge.options["vlan_filtering"].value == "0"
    assert bridge.mtu.value == 1500
    assert bridge.mac.value == "52:54:00:a1:b2:c3"
    assert bridge.state.value == "up"
    assert bridge.counters["rx_dropped"].value == 17
    assert bridge.counters["multicast"].value == 301
    # one line of JSON: every value has its own column
    assert bridge.options["nf_call_iptables"].location.line == 1
    assert printed(IP_J_D_S_LINK, bridge.options["nf_call_iptables"]).startswith('1,"nf_call_ip6tables"')
    assert printed(IP_J_D_S_LINK, bridge).startswith('"xenbr0"')
    vlan = records["eth0.3"]
    assert (vlan.kind.value, vlan.vlan_id.value, vlan.parent.value) == ("vlan", 3, "eth0")
    assert printed(IP_J_D_S_LINK, vlan.vlan_id).startswith('3,"flags"')
    assert vlan.master.value == "xenbr3"
    assert vlan.options["port_state"].value == "forwarding"
    assert vlan.options["info_slave_kind"].value == "bridge"
    assert vlan.options["flags"].value == "BROADCAST,MULTICAST,UP,LOWER_UP"
    vif = records["vif1.0"]
    assert vif.kind.value == "vif"
    assert vif.counters["tx_dropped"].value == 1382
    assert printed(IP_J_D_S_LINK, vif.counters["tx_dropped"]).startswith("1382")


def test_ip_j_addr_pretty_json():
    facts = parse_ip_link(IP_J_ADDR_PRETTY, "ip_-j_-p_addr")
    assert facts.problems == []
    (record,) = facts.interfaces
    assert record.source == "ip-addr"
    assert [address.value for address in record.addresses] == ["192.168.1.10/24", "fe80::5054:ff:fea1:b2c3/64"]
    assert [where(address) for address in record.addresses] == [(15, 26), (24, 26)]
    assert where(record.mtu) == (5, 16)
    assert where(record) == (3, 19)


def test_ip_o_addr():
    text = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n"
        "3: xenbr0    inet 192.168.1.10/24 brd 192.168.1.255 scope global xenbr0\\       valid_lft forever "
        "preferred_lft forever\n"
        "3: xenbr0    inet 192.168.1.11/24 brd 192.168.1.255 scope global secondary xenbr0:1\\       valid_lft "
        "forever preferred_lft forever\n"
        "3: xenbr0    inet6 fe80::5054:ff:fea1:b2c3/64 scope link \\       valid_lft forever preferred_lft forever\n"
    )
    facts = parse_ip_link(text, "ip_-o_addr")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["lo", "xenbr0"]
    bridge = records["xenbr0"]
    assert bridge.source == "ip-addr"
    assert [address.value for address in bridge.addresses] == [
        "192.168.1.10/24",
        "192.168.1.11/24",
        "fe80::5054:ff:fea1:b2c3/64",
    ]
    assert [address.location.line for address in bridge.addresses] == [3, 4, 5]
    assert where(bridge) == (3, 4)
    assert bridge.options["ifindex"].value == "3"
    assert bridge.mtu is None  # ip -o addr prints no link lines


def test_ip_o_link_with_details_and_counters():
    text = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000"
        "\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        "4: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master xenbr3 state UP mode "
        "DEFAULT group default qlen 1000\\    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff promiscuity 1 "
        "\\    vlan protocol 802.1Q id 3 <REORDER_HDR> \\    bridge_slave state forwarding priority 32 cost 100 "
        "\\    RX: bytes  packets  errors  dropped overrun mcast   \\    8123       71       0       2       0"
        "       0       \\    TX: bytes  packets  errors  dropped carrier collsns \\    4410       40       0"
        "       0       0       0\n"
    )
    facts = parse_ip_link(text, "ip_-o_-d_-s_link")
    assert facts.problems == []
    vlan = by_name(facts)["eth0.3"]
    assert (vlan.kind.value, vlan.vlan_id.value, vlan.parent.value) == ("vlan", 3, "eth0")
    assert vlan.mac.value == "52:54:00:a1:b2:c3"
    assert vlan.counters["rx_dropped"].value == 2
    assert vlan.counters["tx_bytes"].value == 4410
    # columns count in the whole line, across the "\" joins
    assert printed(text, vlan.vlan_id).startswith("3 <REORDER_HDR>")
    assert printed(text, vlan.counters["tx_bytes"]).startswith("4410 ")


def test_old_iproute2_without_operstate_and_xen_names():
    """RHEL 5's iproute2 printed no "state"; Xen 3's network-bridge renamed eth0 to peth0."""
    text = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
2: peth0: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast master xenbr0 qlen 1000
    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff
3: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop
    link/ether 00:1e:c9:b3:22:10 brd ff:ff:ff:ff:ff:ff
6: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
    link/ether 00:1e:c9:b3:22:10 brd ff:ff:ff:ff:ff:ff
    inet 192.168.10.5/24 brd 192.168.10.255 scope global xenbr0
9: vif1.0: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master xenbr0
    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff
10: tap1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast master xenbr0 qlen 500
    link/ether 46:2a:7e:10:22:01 brd ff:ff:ff:ff:ff:ff
11: vif1.0-emu: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast master xenbr0 qlen 1000
    link/ether 46:2a:7e:10:22:02 brd ff:ff:ff:ff:ff:ff
"""
    facts = parse_ip_link(text, "ip_addr")
    assert facts.problems == []
    records = by_name(facts)
    assert {name: record.kind and record.kind.value for name, record in records.items()} == {
        "lo": "loopback",
        "peth0": None,
        "eth0": None,
        "xenbr0": None,
        "vif1.0": "vif",
        "tap1.0": "tap",
        "vif1.0-emu": "tap",
    }
    assert records["eth0"].state.value == "down"
    assert records["peth0"].state.value == "up"
    assert printed(text, records["peth0"].state).startswith("BROADCAST,MULTICAST,NOARP,UP")
    assert records["tap1.0"].master.value == "xenbr0"
    assert records["xenbr0"].addresses[0].value == "192.168.10.5/24"


def test_ip_s_s_link_error_counters():
    text = """\
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 52:54:00:a1:b2:c3 brd ff:ff:ff:ff:ff:ff
    RX:  bytes packets errors dropped  missed   mcast
      98213342   81021      3       0      11     270
    RX errors:  length    crc   frame    fifo overrun
                     0      3       0       0       0
    TX:  bytes packets errors dropped carrier collsns
       5521034   40121      0       0       0       0
    TX errors: aborted   fifo  window heartbt transns
                     0      0       0       0       2
"""
    facts = parse_ip_link(text, "ip_-s_-s_link")
    assert facts.problems == []
    counters = facts.interfaces[0].counters
    assert counters["rx_missed_errors"].value == 11
    assert counters["rx_crc_errors"].value == 3
    assert where(counters["rx_crc_errors"]) == (6, 29)
    assert counters["rx_over_errors"].value == 0
    assert counters["carrier_changes"].value == 2
    assert counters["tx_heartbeat_errors"].value == 0
    assert counters["multicast"].value == 270


# Bad input: never an exception; a problem with its line, and what was understood is kept.

IP_S_LINK_TWO = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    RX: bytes  packets  errors  dropped overrun mcast
    884        98       0       0       0       0
    TX: bytes  packets  errors  dropped carrier collsns
    884        10       0       0       0       0
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT qlen 1000
    link/ether 08:00:27:4a:c5:ef brd ff:ff:ff:ff:ff:ff
    RX: bytes  packets  errors  dropped overrun mcast
    1113685    2244     0       0       0       0
"""


def test_truncated_block_keeps_the_interfaces_before_it():
    # cut after eth0's RX counters
    facts = parse_ip_link(IP_S_LINK_TWO, "ip_-s_link")
    assert list(by_name(facts)) == ["lo", "eth0"]
    assert by_name(facts)["eth0"].counters["rx_bytes"].value == 1113685
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line) == ("truncated", 10)
    # cut after a counter header
    facts = parse_ip_link(IP_S_LINK_TWO.rsplit("\n", 2)[0] + "\n", "ip_-s_link")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 9)]
    # cut inside a header line
    facts = parse_ip_link(IP_S_LINK_TWO[: IP_S_LINK_TWO.index("2: eth0") + 20], "ip_-s_link")
    assert list(by_name(facts)) == ["lo"]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 7)]


def test_unknown_counter_column_and_extra_field():
    rx_header = "    RX: bytes  packets  errors  dropped overrun mcast"
    eth0_rx = "    1113685    2244     0       0       0       0"
    text = IP_S_LINK_TWO.replace(f"{rx_header}\n    884 ", f"{rx_header}  frobs\n    884 ")
    text = text.replace(eth0_rx, eth0_rx + "  7")
    text += "    TX: bytes  packets  errors  dropped carrier collsns\n"
    text += "    550754     1407     0       0       0       0\n"
    facts = parse_ip_link(text, "ip_-s_link")
    problems = [(p.kind, p.location.line, p.message) for p in facts.problems]
    assert problems == [
        ("syntax", 3, "unknown RX column 'frobs'"),
        ("syntax", 4, "6 numbers under 7 RX columns"),
        ("syntax", 10, "7 numbers under 6 RX columns"),
    ]
    records = by_name(facts)
    # numbers that do not fit their header are not kept; the other blocks are
    assert sorted(records["lo"].counters) == [
        "collisions",
        "tx_bytes",
        "tx_carrier_errors",
        "tx_dropped",
        "tx_errors",
        "tx_packets",
    ]
    assert "rx_bytes" not in records["eth0"].counters
    assert records["eth0"].counters["tx_bytes"].value == 550754


def test_truncated_and_broken_json():
    cut = IP_J_D_S_LINK[: IP_J_D_S_LINK.index('"ifname":"eth0.3"') + 30]
    facts = parse_ip_link(cut, "ip_-j_link")
    assert list(by_name(facts)) == ["lo", "xenbr0"]
    (problem,) = facts.problems
    assert problem.kind == "truncated"
    broken = IP_J_D_S_LINK.replace('"mtu":1500,"qdisc":"mq"', '"mtu":1500 "qdisc":"mq"')
    facts = parse_ip_link(broken, "ip_-j_link")
    assert list(by_name(facts)) == ["lo", "xenbr0", "eth0.3"]
    (problem,) = facts.problems
    assert problem.kind == "syntax"
    assert broken[problem.location.column - 1 :].startswith('"qdisc":"mq"')


def test_mixed_formats_ip_then_ifconfig():
    text = (CMD / "insights-ip-s-link.txt").read_text() + (CMD / "jc-centos-7.7-ifconfig.out").read_text()
    facts = parse_ip_link(text, "ip_link")
    assert len(facts.interfaces) == 5
    lines = text.split("\n")
    first_ifconfig = lines.index("docker0: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500") + 1
    assert facts.problems
    assert facts.problems[0].location.line == first_ifconfig
    assert {problem.kind for problem in facts.problems} <= {"syntax", "truncated"}


def test_another_kind_of_file_under_an_ip_name():
    text = (CMD / "insights-brctl-show-tabs.txt").read_text()
    facts = parse_ip_link(text, "sos_commands/networking/ip_address")
    assert facts.interfaces == []
    assert [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


def test_bridge_link_is_not_ip_output():
    text = "2: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 100\n"
    assert not looks_like(text)


def test_looks_like():
    assert looks_like(IP_D_LINK)
    assert looks_like(IP_J_D_S_LINK)
    assert looks_like(IP_J_ADDR_PRETTY)
    assert looks_like("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n")
    assert not looks_like('[{"dst":"default","gateway":"10.0.0.1","dev":"eth0"}]')
    assert not looks_like("")


SAMPLES = {"ip -d link": IP_D_LINK, "ip -j": IP_J_D_S_LINK, "ip -j -p addr": IP_J_ADDR_PRETTY} | {
    name: (CMD / name).read_text()
    for name in ("insights-ip-addr-vlan-bond-tunnels.txt", "insights-ip-d-s-link-bond-ovs-mtu9000.txt")
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_cut_parses_without_raising(name):
    text = SAMPLES[name]
    for end in range(0, len(text), 5):
        facts = parse_ip_link(text[:end], "ip_addr")
        assert {problem.kind for problem in facts.problems} <= {"syntax", "truncated", "unrecognized"}


SNIFFERS = {
    "ip": ip_link.looks_like,
    "ifconfig": ifconfig.looks_like,
    "brctl": brctl.looks_like,
    "proc_net": proc_net.looks_like,
}
# The fixtures each parser reads: corpus files, and the outputs of the example hosts by sosreport's names.
OWNERS = {
    "insights-ip-*": "ip",
    "ip_*addr*": "ip",
    "ip_*link*": "ip",
    "jc-*ifconfig*": "ifconfig",
    "ifconfig*": "ifconfig",
    "insights-brctl-*": "brctl",
    "brctl_show*": "brctl",
    "bridge_*link*": "brctl",
    "lab-bridge-j-d-link.json": "brctl",
    "jc-linux-proc-net-dev.txt": "proc_net",
    "insights-ethtool-*": "proc_net",
    "ethtool_-*": "proc_net",
    # fixtures/bundles: the field case under xen-bugtool's names and under names a user chose
    "ip-a*": "ip",
    "brctl.out": "brctl",
    "brctl-show.out": "brctl",
}
NOT_OURS = {"insights-ip-neigh-show.txt", "insights-ip-route-show-table-all.txt"}


def owner(name: str) -> str | None:
    if name in NOT_OURS:
        return None
    return next((parser for pattern, parser in OWNERS.items() if fnmatchcase(name, pattern)), None)


@pytest.mark.parametrize(
    "path",
    sorted(path for path in FIXTURES.rglob("*") if path.is_file() and path.name != "SOURCES.md"),
    ids=lambda path: str(path.relative_to(FIXTURES)),
)
def test_looks_like_matrix(path):
    """Each parser recognizes its own outputs and none of the other fixtures."""
    text = path.read_text(errors="replace")
    claimed = {parser for parser, sniff in SNIFFERS.items() if sniff(text)}
    assert claimed == ({owner(path.name)} - {None})
