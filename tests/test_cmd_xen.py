"""Xen command outputs: `xl list` / `xm list` (tables, -l as JSON and SXP), `xl network-list`,
`xenstore-ls` (-f and tree) and `network-bridge status`; and which module claims which output."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cmd_routes import ROUTE_FILES, ROUTE_SAMPLES
from test_cmd_system import SYSTEM_SAMPLES

from xennet.lint.sources import network_bridge_status, routes, system, xen_list, xenstore
from xennet.lint.sources.network_bridge_status import parse_network_bridge_status
from xennet.lint.sources.xen_list import parse_xen_list
from xennet.lint.sources.xenstore import parse_xenstore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CMD = FIXTURES / "cmd-output"

XL_LIST_V = (
    "Name                                        ID   Mem VCPUs\tState\tTime(s)"
    "   UUID                            Reason-Code\tSecurity Label\n"
    "Domain-0                                     0  2048     4     r-----     812.5"
    " 00000000-0000-0000-0000-000000000000        -                -\n"
    "web01                                        3  1024     2     -b----      55.1"
    " 0c1f7d5e-8a1b-4c1e-9f0d-5e1b2a3c4d5e        -                -\n"
)
XM_LIST_INACTIVE = """Name                                      ID   Mem VCPUs      State   Time(s)
Domain-0                                   0  1024     2     r-----   1205.3
web01                                      3   512     1     -b----     40.2
db01                                           512     1                 0.0
"""
XL_LIST_L_JSON = """[
    {
        "domid": 0,
        "config": {
            "c_info": {
                "type": "pv",
                "name": "Domain-0"
            },
            "b_info": {
                "max_memkb": 2097152,
                "target_memkb": 2097152
            }
        }
    },
    {
        "domid": 3,
        "config": {
            "c_info": {
                "type": "pv",
                "name": "web01",
                "uuid": "0c1f7d5e-8a1b-4c1e-9f0d-5e1b2a3c4d5e"
            },
            "b_info": {
                "max_vcpus": 2,
                "max_memkb": 1048576
            },
            "nics": [
                {
                    "backend_domid": 0,
                    "devid": 0,
                    "mac": "00:16:3e:5a:10:01",
                    "bridge": "xenbr0",
                    "script": "vif-bridge",
                    "nictype": "vif"
                }
            ],
            "on_reboot": "restart"
        }
    }
]
"""
XM_LIST_L = """(domain
    (domid 0)
    (on_crash restart)
    (uuid 00000000-0000-0000-0000-000000000000)
    (vcpus 2)
    (name Domain-0)
    (memory 1024)
    (cpu_time 1205.32)
    (image (linux (kernel )))
    (status 2)
    (state r-----)
)
(domain
    (domid 3)
    (on_crash restart)
    (uuid 0c1f7d5e-8a1b-4c1e-9f0d-5e1b2a3c4d5e)
    (vcpus 1)
    (name web01)
    (bootloader /usr/bin/pygrub)
    (memory 512)
    (cpu_time 40.2)
    (image (linux (kernel )))
    (status 2)
    (state -b----)
    (device
        (vif
            (bridge xenbr0)
            (mac 00:16:3e:5a:10:01)
            (script /etc/xen/scripts/vif-bridge)
            (backend 0)
        )
    )
    (device (vbd (uname phy:/dev/vg0/web01) (dev xvda:disk) (mode w) (backend 0)))
)
"""
# Old xl (output_format="sxp"): printf_info_sexp prints no state.
XL_LIST_L_SXP = """(domain
\t(domid 5)
\t(create_info)
\t(hvm 0)
\t(hap <default>)
\t(ssidref 0)
\t(name web02)
\t(uuid 5a1b2c3d-0000-4000-8000-00163e5a1003)
\t(device
\t\t(vif
\t\t\t(backend_domid 0)
\t\t\t(frontend_domid 5)
\t\t\t(devid 0)
\t\t\t(mtu 1492)
\t\t\t(model (null))
\t\t\t(mac 00163e5a1003)
\t\t)
\t)
)
"""
XL_NETWORK_LIST = """Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path
0   0  00:16:3e:5a:10:01     0     4     11   768/769         /local/domain/0/backend/vif/3/0
1   1  00:16:3E:5A:10:02     1     3     12  1280/1281        /local/domain/1/backend/vif/3/1
"""
XM_NETWORK_LIST = (
    "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path\n"
    "0   0  00:16:3e:5a:10:01    0     4      11    768  /769     /local/domain/0/backend/vif/3/0  \n"
)
# xenstore-ls -f of a dom0 with two guests: web01 (domid 3) is connected, db01 (domid 4) failed hotplug.
XENSTORE_F = """/tool = ""
/tool/xenstored = ""
/local = ""
/local/domain = ""
/local/domain/0 = ""
/local/domain/0/control = ""
/local/domain/0/control/feature-poweroff = "1"
/local/domain/0/domid = "0"
/local/domain/0/name = "Domain-0"
/local/domain/0/backend = ""
/local/domain/0/backend/vif = ""
/local/domain/0/backend/vif/3 = ""
/local/domain/0/backend/vif/3/0 = ""
/local/domain/0/backend/vif/3/0/frontend = "/local/domain/3/device/vif/0"
/local/domain/0/backend/vif/3/0/frontend-id = "3"
/local/domain/0/backend/vif/3/0/online = "1"
/local/domain/0/backend/vif/3/0/state = "4"
/local/domain/0/backend/vif/3/0/script = "/etc/xen/scripts/vif-bridge"
/local/domain/0/backend/vif/3/0/mac = "00:16:3e:5a:10:01"
/local/domain/0/backend/vif/3/0/bridge = "xenbr0"
/local/domain/0/backend/vif/3/0/handle = "0"
/local/domain/0/backend/vif/3/0/type = "vif"
/local/domain/0/backend/vif/3/0/feature-sg = "1"
/local/domain/0/backend/vif/3/0/hotplug-status = "connected"
/local/domain/0/backend/vif/4 = ""
/local/domain/0/backend/vif/4/0 = ""
/local/domain/0/backend/vif/4/0/frontend = "/local/domain/4/device/vif/0"
/local/domain/0/backend/vif/4/0/frontend-id = "4"
/local/domain/0/backend/vif/4/0/online = "1"
/local/domain/0/backend/vif/4/0/state = "2"
/local/domain/0/backend/vif/4/0/script = "/etc/xen/scripts/vif-bridge"
/local/domain/0/backend/vif/4/0/mac = "00:16:3e:5a:10:02"
/local/domain/0/backend/vif/4/0/bridge = "xenbr1"
/local/domain/0/backend/vif/4/0/ip = "192.168.10.20"
/local/domain/0/backend/vif/4/0/handle = "0"
/local/domain/0/backend/vif/4/0/hotplug-error = "/etc/xen/scripts/vif-bridge failed; error detected."
/local/domain/0/backend/vif/4/0/hotplug-status = "error"
/local/domain/3 = ""
/local/domain/3/name = "web01"
/local/domain/3/domid = "3"
/local/domain/3/device = ""
/local/domain/3/device/vif = ""
/local/domain/3/device/vif/0 = ""
/local/domain/3/device/vif/0/backend = "/local/domain/0/backend/vif/3/0"
/local/domain/3/device/vif/0/backend-id = "0"
/local/domain/3/device/vif/0/state = "4"
/local/domain/3/device/vif/0/mac = "00:16:3e:5a:10:01"
/local/domain/4 = ""
/local/domain/4/name = "db01"
/local/domain/4/domid = "4"
/vm = ""
/vm/0c1f7d5e-8a1b-4c1e-9f0d-5e1b2a3c4d5e = ""
/vm/0c1f7d5e-8a1b-4c1e-9f0d-5e1b2a3c4d5e/name = "web01"
"""
XENSTORE_TREE = """tool = ""
 xenstored = ""
local = ""
 domain = ""
  0 = ""
   name = "Domain-0"
   backend = ""
    vif = ""
     3 = ""
      0 = ""
       frontend = "/local/domain/3/device/vif/0"
       mac = "00:16:3e:5a:10:01"
       bridge = "xenbr0"
       hotplug-status = "connected"
  3 = ""
   name = "web01"
"""
# tools/hotplug/Linux/network-bridge status on a Xen 3.x dom0 (show_status eth0 xenbr0): the
# commands' outputs between two rules of '=', `echo ' '` between them.
RULE = "=" * 60 + "\n"
NETWORK_BRIDGE_STATUS = (
    RULE
    + """4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
    link/ether 00:1e:c9:3a:bb:01 brd ff:ff:ff:ff:ff:ff
    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0
    inet6 fe80::21e:c9ff:fe3a:bb01/64 scope link
       valid_lft forever preferred_lft forever
7: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff
"""
    + " \n"
    + """bridge name\tbridge id\t\tSTP enabled\tinterfaces
xenbr0\t\t8000.feffffffffff\tno\t\tvif3.0
\t\t\t\t\t\t\tpeth0
"""
    + " \n"
    + """192.168.1.0/24 dev eth0  proto kernel  scope link  src 192.168.1.10
default via 192.168.1.1 dev eth0
"""
    + " \n"
    + """Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
192.168.1.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0
0.0.0.0         192.168.1.1     0.0.0.0         UG    0      0        0 eth0
"""
    + RULE
)

XEN_SAMPLES = {
    "xl list -v": ("xen_list", XL_LIST_V),
    "xm list (inactive domain)": ("xen_list", XM_LIST_INACTIVE),
    "xl list -l": ("xen_list", XL_LIST_L_JSON),
    "xm list -l": ("xen_list", XM_LIST_L),
    "xl list -l (sxp)": ("xen_list", XL_LIST_L_SXP),
    "xl network-list": ("xen_list", XL_NETWORK_LIST),
    "xm network-list": ("xen_list", XM_NETWORK_LIST),
    "xenstore-ls -f": ("xenstore", XENSTORE_F),
    "xenstore-ls": ("xenstore", XENSTORE_TREE),
    "network-bridge status": ("network_bridge_status", NETWORK_BRIDGE_STATUS),
}


def rows(facts) -> list[tuple[str, int | None, str | None, int]]:
    return [(d.name, d.domid, d.state, d.location.line) for d in facts.running]


def read(name: str, parse):
    path = CMD / name
    return parse(path.read_text(), str(path))


# xl list / xm list


def test_xl_list_corpus():
    facts = read("xen-man-xl-list.txt", parse_xen_list)
    assert rows(facts) == [("Domain-0", 0, "r-----", 2), ("win", 1, "r-----", 3), ("linux", 2, "r-----", 4)]
    assert facts.problems == []


def test_xm_list_corpus():
    facts = read("xen-man-xm-list.txt", parse_xen_list)
    assert rows(facts)[:3] == [
        ("Domain-0", 0, "r-----", 2),
        ("Fedora3", 164, "r-----", 3),
        ("Fedora4", 165, "------", 4),
    ]
    assert ("Mandrake2006", 166, "-b----", 5) in rows(facts)
    assert [d.name for d in facts.running][-1] == "Suse9.2"
    assert facts.problems == []


def test_xl_list_verbose_columns():
    facts = parse_xen_list(XL_LIST_V, "xl_list_-v")
    assert rows(facts) == [("Domain-0", 0, "r-----", 2), ("web01", 3, "-b----", 3)]
    assert facts.problems == []


def test_xm_list_inactive_domain_has_no_domid():
    facts = parse_xen_list(XM_LIST_INACTIVE, "xm_list")
    assert rows(facts)[-1] == ("db01", None, None, 4)


def test_xl_list_unknown_column_and_cut_rows():
    text = (
        "Name                                        ID   Mem VCPUs\tState\tTime(s)  Colour\n"
        "Domain-0                                     0  2048     4     r-----     812.5 blue\n"
        "libxl: error: libxl_utils.c:820: failed to retrieve the maximum number of cpus\n"
        "web01                                        3  1024     2     -b----      55.1 red\n"
        "db01                                         4  10"
    )
    facts = parse_xen_list(text, "xl_list")
    assert rows(facts) == [("Domain-0", 0, "r-----", 2), ("web01", 3, "-b----", 4)]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 1), ("syntax", 3), ("truncated", 5)]
    assert "Colour" in facts.problems[0].message


# xl list -l / xm list -l


def test_xl_list_l_json():
    facts = parse_xen_list(XL_LIST_L_JSON, "xl_list_-l")
    assert [(d.name, d.domid, d.state, d.location.line, d.location.column) for d in facts.running] == [
        ("Domain-0", 0, None, 2, 5),
        ("web01", 3, None, 15, 5),
    ]
    assert facts.problems == []


def test_xl_list_l_json_cut_short_keeps_the_domains_before_the_cut():
    cut = XL_LIST_L_JSON[: XL_LIST_L_JSON.index('"bridge"')]
    facts = parse_xen_list(cut, "xl_list_-l")
    assert rows(facts) == [("Domain-0", 0, None, 2)]
    assert [p.kind for p in facts.problems] == ["truncated"]
    closed_early = parse_xen_list(XL_LIST_L_JSON.rstrip().removesuffix("]"), "xl_list_-l")
    assert len(closed_early.running) == 2 and [p.kind for p in closed_early.problems] == ["truncated"]


def test_xl_list_l_json_errors():
    facts = parse_xen_list('[{"domid": 1, "config": {}}, {"domid": 2, "config": {"c_info": {"name": "x"}}} ??? ]', "f")
    assert rows(facts) == [("x", 2, None, 1)]
    assert [(p.kind, p.location.column) for p in facts.problems] == [("syntax", 2), ("syntax", 80)]


def test_xm_list_l_sxp():
    facts = parse_xen_list(XM_LIST_L, "xm_list_-l")
    assert [(d.name, d.domid, d.state, d.location.line, d.location.column) for d in facts.running] == [
        ("Domain-0", 0, "r-----", 6, 11),
        ("web01", 3, "-b----", 18, 11),
    ]
    assert facts.problems == []


def test_old_xl_list_l_sxp_has_no_state():
    facts = parse_xen_list(XL_LIST_L_SXP, "xl_list_-l")
    assert rows(facts) == [("web02", 5, None, 7)]


def test_libvirt_domain_sexpr_is_xm_list_l_output():
    facts = parse_xen_list((FIXTURES / "sxp" / "libvirt-sexpr2xml-net-bridged.sexpr").read_text(), "f")
    assert rows(facts) == [("pvtest", 6, None, 1)]


def test_sxp_problems():
    unbalanced = parse_xen_list(XM_LIST_L.rstrip().removesuffix(")"), "xm_list_-l")
    assert [d.name for d in unbalanced.running] == ["Domain-0", "web01"]
    assert [p.message for p in unbalanced.problems] == ["'(' is never closed"]
    other = parse_xen_list((FIXTURES / "sxp" / "xen-4.4-xend-config.sxp").read_text(), "xm_list_-l")
    assert other.running == [] and [p.kind for p in other.problems] == ["unrecognized"]


# xl network-list


def test_xl_network_list():
    facts = parse_xen_list(XL_NETWORK_LIST, "xl_network-list")
    first, second = facts.xenstore_vifs
    assert (first.domid, first.devid, first.location.line) == (3, 0, 2)
    assert {key: fact.value for key, fact in first.values.items()} == {
        "mac": "00:16:3e:5a:10:01",
        "handle": "0",
        "frontend-state": "4",
        "event-channel": "11",
        "tx-ring-ref": "768",
        "rx-ring-ref": "769",
        "backend-id": "0",
        "backend": "/local/domain/0/backend/vif/3/0",
    }
    assert (first.values["mac"].location.line, first.values["mac"].location.column) == (2, 8)
    assert (second.domid, second.devid) == (3, 1)
    assert second.values["mac"].value == "00:16:3E:5A:10:02"  # as printed
    assert second.values["backend-id"].value == "1"  # a driver domain's backend
    assert facts.running == [] and facts.problems == []


def test_xm_network_list():
    [vif] = parse_xen_list(XM_NETWORK_LIST, "xm_network-list").xenstore_vifs
    assert (vif.domid, vif.devid, vif.values["tx-ring-ref"].value, vif.values["rx-ring-ref"].value) == (
        3,
        0,
        "768",
        "769",
    )


def test_network_list_bad_rows():
    text = (
        "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path\n"
        "2   0  00:16:3e:5a:10:03     2     4     13  1282/1283        /local/domain/0/backend/vbd/3/51712\n"
        "0   0  00:16:3e:5a:10:01     0     4     11   768/769         /local/domain/0/backend/vif/3/0\n"
        "3   0  00:16:3e:5a:10:04     3     4     14  1284/1285\n"
        "/local/domain/0/backend/vif/3/3\n"
    )
    facts = parse_xen_list(text, "xl_network-list")
    assert [(vif.domid, vif.devid) for vif in facts.xenstore_vifs] == [(3, 0)]
    assert [(p.kind, p.location.line, p.location.column) for p in facts.problems] == [
        ("syntax", 2, 63),
        ("syntax", 4, 0),
        ("truncated", 5, 0),
    ]


@pytest.mark.parametrize("text", [(CMD / "insights-lsmod.txt").read_text(), ROUTE_SAMPLES["ip -j route"]])
def test_xen_list_of_another_kind_is_one_problem(text):
    facts = parse_xen_list(text, "xl_list")
    assert facts.running == [] and [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


# xenstore-ls


def test_xenstore_ls_f_two_guests():
    facts = parse_xenstore(XENSTORE_F, "xenstore-ls")
    web, db = facts.xenstore_vifs
    assert (web.domid, web.devid, web.location.line) == (3, 0, 13)
    assert {key: fact.value for key, fact in web.values.items()} == {
        "frontend": "/local/domain/3/device/vif/0",
        "frontend-id": "3",
        "online": "1",
        "state": "4",
        "script": "/etc/xen/scripts/vif-bridge",
        "mac": "00:16:3e:5a:10:01",
        "bridge": "xenbr0",
        "handle": "0",
        "type": "vif",
        "feature-sg": "1",
        "hotplug-status": "connected",
    }
    bridge = web.values["bridge"].location
    assert (bridge.line, bridge.column) == (20, 43)
    assert (db.domid, db.devid, db.location.line) == (4, 0, 26)
    assert (db.values["bridge"].value, db.values["ip"].value, db.values["hotplug-status"].value) == (
        "xenbr1",
        "192.168.10.20",
        "error",
    )
    assert db.values["hotplug-status"].location.line == 37
    assert rows(facts) == [("Domain-0", 0, None, 9), ("web01", 3, None, 39), ("db01", 4, None, 49)]
    assert facts.problems == []


def test_xenstore_tree():
    facts = parse_xenstore(XENSTORE_TREE, "xenstore-ls")
    [vif] = facts.xenstore_vifs
    assert (vif.domid, vif.devid, vif.location.line) == (3, 0, 10)
    assert {key: (fact.value, fact.location.line) for key, fact in vif.values.items()} == {
        "frontend": ("/local/domain/3/device/vif/0", 11),
        "mac": ("00:16:3e:5a:10:01", 12),
        "bridge": ("xenbr0", 13),
        "hotplug-status": ("connected", 14),
    }
    assert rows(facts) == [("Domain-0", 0, None, 6), ("web01", 3, None, 16)]


def test_xenstore_permissions_escapes_and_partial_listings():
    text = (
        '/local/domain/0/backend/vif/7/1/bridge = "xen\\\\br0"  (n0,r7)\n'
        '/local/domain/0/backend/vif/7/1/description = "tab\\there \\x41\\001 \\"q\\""\n'
        '/local/domain/1/backend/vif/7/0/mac = "00:16:3e:00:00:01"\n'
    )
    facts = parse_xenstore(text, "xenstore-ls")
    [vif] = facts.xenstore_vifs  # a driver domain's backend (domain 1) is not dom0's
    assert (vif.domid, vif.devid, vif.location.line) == (7, 1, 1)
    assert vif.values["bridge"].value == "xen\\br0"
    assert vif.values["description"].value == 'tab\there A\x01 "q"'


def test_xenstore_bad_lines():
    text = XENSTORE_TREE + '     deep = ""\n   domid = "3"\nnot a node\n/local/domain/0/backend/vif/9/0/mac = "00:16'
    facts = parse_xenstore(text, "xenstore-ls")
    assert [vif.domid for vif in facts.xenstore_vifs] == [3]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 17), ("syntax", 19), ("truncated", 20)]


def test_xenstore_of_another_kind_is_one_problem():
    facts = read("jc-centos-7.7-ip-route.out", parse_xenstore)
    assert facts.xenstore_vifs == [] and [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


# network-bridge status


def test_network_bridge_status():
    facts = parse_network_bridge_status(NETWORK_BRIDGE_STATUS, "network-bridge_status")
    interfaces = [(i.name, i.source, i.location.line) for i in facts.interfaces]
    assert interfaces == [
        ("eth0", "ip-addr", 2),
        ("xenbr0", "ip-addr", 7),
        ("xenbr0", "brctl", 11),
        ("vif3.0", "brctl", 11),
        ("peth0", "brctl", 12),
    ]
    eth0 = facts.interfaces[0]
    assert [(a.value, a.location.line) for a in eth0.addresses] == [
        ("192.168.1.10/24", 4),
        ("fe80::21e:c9ff:fe3a:bb01/64", 5),
    ]
    peth0 = facts.interfaces[-1]
    assert (peth0.master.value, peth0.master.location.line) == ("xenbr0", 12)
    assert [(r.destination, r.gateway, r.device, r.source, r.location.line) for r in facts.routes] == [
        ("192.168.1.0/24", None, "eth0", "ip-route", 14),
        ("default", "192.168.1.1", "eth0", "ip-route", 15),
        ("192.168.1.0/24", None, "eth0", "route", 19),
        ("default", "192.168.1.1", "eth0", "route", 20),
    ]
    assert facts.problems == []


def test_network_bridge_status_with_an_unknown_section():
    text = NETWORK_BRIDGE_STATUS.replace("bridge name\t", 'Device "peth0" does not exist.\n \nbridge name\t')
    facts = parse_network_bridge_status(text, "network-bridge_status")
    assert [(p.kind, p.location.line, p.location.end_line) for p in facts.problems] == [("syntax", 10, 10)]
    assert [r.location.line for r in facts.routes] == [16, 17, 21, 22]
    assert len(facts.interfaces) == 5


def test_network_bridge_status_of_another_kind_is_one_problem():
    facts = parse_network_bridge_status(XL_LIST_V + "\n" + XM_LIST_INACTIVE, "network-bridge_status")
    assert facts.interfaces == facts.routes == [] and [(p.kind, p.location.line) for p in facts.problems] == [
        ("unrecognized", 1)
    ]


# Which module claims which output


MODULES = {
    "routes": routes,
    "xen_list": xen_list,
    "xenstore": xenstore,
    "system": system,
    "network_bridge_status": network_bridge_status,
}
FIXTURE_OWNERS = dict.fromkeys(ROUTE_FILES, "routes") | {
    "xen-man-xl-list.txt": "xen_list",
    "xen-man-xm-list.txt": "xen_list",
    "insights-lsmod.txt": "system",
}
OUTPUTS = (
    {f"fixture {path.name}": (FIXTURE_OWNERS.get(path.name), path.read_text()) for path in sorted(CMD.iterdir())}
    | {f"config {path.name}": (None, path.read_text()) for path in sorted((FIXTURES / "xl").iterdir())}
    | {f"config {path.name}": (None, path.read_text()) for path in sorted((FIXTURES / "xm").iterdir())}
    | {name: ("routes", text) for name, text in ROUTE_SAMPLES.items()}
    | {name: ("system", text) for name, text in SYSTEM_SAMPLES.items()}
    | XEN_SAMPLES
)


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_looks_like_claims_own_outputs_only(name):
    owner, text = OUTPUTS[name]
    claims = {module for module, source in MODULES.items() if source.looks_like(text)}
    assert claims == ({owner} if owner else set())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('/local/domain0123 ="\\\n[]{}(),:Name ID-'), max_size=200))
def test_never_raises(text):
    for module in (xen_list, xenstore, network_bridge_status):
        module.looks_like(text)
    parse_xen_list(text, "f")
    parse_xenstore(text, "f")
    parse_network_bridge_status(text, "f")
