"""Routing tables: `route -n` / `route` / `route -vn` (rows read by jc), `ip route` (read here: jc's
ip_route parser misreads `ip route show table all`) and `ip -j route`."""

from __future__ import annotations

from pathlib import Path

import jc
from hypothesis import given, settings
from hypothesis import strategies as st

from xennet.lint.sources.routes import looks_like, parse_routes

CMD = Path(__file__).resolve().parent.parent / "fixtures" / "cmd-output"

ROUTE_FILES = (
    "insights-route-n.txt",
    "jc-centos-7.7-route.out",
    "jc-centos-7.7-route-vn.out",
    "insights-ip-route-show-table-all.txt",
    "jc-centos-7.7-ip-route.out",
)

# Inline outputs of formats the corpus lacks (dom0s with Xen bridges).
IP_JSON = (
    '[{"dst":"default","gateway":"192.168.1.1","dev":"xenbr0","flags":[]},'
    '{"dst":"192.168.1.0/24","dev":"xenbr0","protocol":"kernel","scope":"link","prefsrc":"192.168.1.10","flags":[]},'
    '{"type":"broadcast","dst":"192.168.1.255","dev":"xenbr0","table":"local","protocol":"kernel","flags":[]}]\n'
)
IP_JSON_PRETTY = """[ {
        "dst": "default",
        "gateway": "10.0.0.1",
        "dev": "xenbr0",
        "flags": [ ]
    },{
        "dst": "10.0.0.0/24",
        "dev": "xenbr0",
        "protocol": "kernel",
        "scope": "link",
        "prefsrc": "10.0.0.5",
        "flags": [ ]
    } ]
"""
IP_MULTIPATH = """default proto static metric 100
\tnexthop via 10.0.0.1 dev xenbr0 weight 1
\tnexthop via 10.0.1.1 dev xenbr1 weight 1
10.0.0.0/24 dev xenbr0 proto kernel scope link src 10.0.0.5
"""
ROUTE_IPV6 = """Kernel IPv6 routing table
Destination                    Next Hop                   Flag Met Ref Use If
2001:db8:1::/64                ::                         U    256 0     0 xenbr0
::/0                           fe80::1                    UG   1024 0     0 xenbr0
::1/128                        ::                         U    256 0     0 lo
"""
ROUTE_E = """Kernel IP routing table
Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
default         10.1.1.254      0.0.0.0         UG        0 0          0 xenbr0
10.1.1.0        *               255.255.255.0   U         0 0          0 xenbr0
"""
MIXED = """Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.2.0.1        0.0.0.0         UG    0      0        0 eth0
default via 10.2.0.1 dev eth0
10.2.0.0/16 dev eth0  proto kernel  scope link  src 10.2.3.4
"""
ROUTE_SAMPLES = {
    "ip -j route": IP_JSON,
    "ip -j -p route": IP_JSON_PRETTY,
    "ip route (multipath)": IP_MULTIPATH,
    "route -A inet6 -n": ROUTE_IPV6,
    "route -e": ROUTE_E,
}


def parse_file(name: str):
    path = CMD / name
    return parse_routes(path.read_text(), str(path))


def table(facts) -> list[tuple[str, str | None, str | None, int]]:
    return [(r.destination, r.gateway, r.device, r.location.line) for r in facts.routes]


def test_route_n():
    facts = parse_file("insights-route-n.txt")
    assert table(facts) == [
        ("10.66.208.0/24", None, "eth0", 3),
        ("169.254.0.0/16", None, "eth0", 4),
        ("default", "10.66.208.254", "eth0", 5),
    ]
    assert {r.source for r in facts.routes} == {"route"}
    assert facts.problems == []
    assert facts.routes[0].location.path.endswith("insights-route-n.txt")


def test_route_without_n_keeps_names():
    facts = parse_file("jc-centos-7.7-route.out")
    assert table(facts) == [
        ("default", "gateway", "ens33", 3),  # `route` resolves the gateway to a host name
        ("172.17.0.0/16", None, "docker0", 4),
        ("192.168.71.0/24", None, "ens33", 5),
    ]
    assert facts.problems == []


def test_route_vn():
    facts = parse_file("jc-centos-7.7-route-vn.out")
    assert table(facts)[0] == ("default", "192.168.71.2", "ens33", 3)
    assert len(facts.routes) == 3 and facts.problems == []


def test_ip_route():
    facts = parse_file("jc-centos-7.7-ip-route.out")
    assert table(facts) == [
        ("default", "10.0.2.2", "enp0s3", 1),
        ("10.0.2.0/24", None, "enp0s3", 2),
        ("169.254.0.0/16", None, "enp0s3", 3),
        ("172.17.0.0/16", None, "docker0", 4),  # linkdown, still a route
    ]
    assert {r.source for r in facts.routes} == {"ip-route"} and facts.problems == []


def test_ip_route_show_table_all_keeps_unicast_routes_of_the_main_table():
    facts = parse_file("insights-ip-route-show-table-all.txt")
    routes = table(facts)
    assert routes[0] == ("default", "192.168.23.250", "enp0s25", 1)
    assert ("66.187.239.220/32", "192.168.23.250", "enp0s25", 4) in routes  # a host route
    assert ("::/0", "fe80::a96:d7ff:fe38:d757", "enp0s25", 45) in routes  # the IPv6 default
    assert [r for r in facts.routes if r.destination == "default"] == facts.routes[:1]
    # broadcast/local/unreachable/multicast lines and table local are skipped, "cache" lines too
    assert not {"10.64.54.0/32", "127.0.0.0/8", "ff00::/8", "2001:dbc::/64", "::/96"} & {r[0] for r in routes}
    assert len(routes) == 17
    assert facts.problems == []


def test_jc_ip_route_misreads_table_all():
    """Why routes.py reads `ip route` itself: jc takes the route type for the destination."""
    text = (CMD / "insights-ip-route-show-table-all.txt").read_text()
    rows = jc.parse("ip_route", text, quiet=True)
    assert rows[6]["ip"] == "broadcast" and "table" not in rows[6]
    assert {"ip": "cache"} in rows


def test_ip_json_one_line_and_pretty():
    facts = parse_routes(IP_JSON, "r.json")
    assert table(facts) == [("default", "192.168.1.1", "xenbr0", 1), ("192.168.1.0/24", None, "xenbr0", 1)]
    pretty = parse_routes(IP_JSON_PRETTY, "r.json")
    assert table(pretty) == [("default", "10.0.0.1", "xenbr0", 2), ("10.0.0.0/24", None, "xenbr0", 7)]
    assert facts.problems == pretty.problems == []


def test_ip_json_nexthops():
    text = (
        '[{"dst":"10.9.0.0/16","nexthops":[{"gateway":"10.0.0.1","dev":"eth0"},{"gateway":"10.0.1.1","dev":"eth1"}]}]'
    )
    assert table(parse_routes(text, "r")) == [
        ("10.9.0.0/16", "10.0.0.1", "eth0", 1),
        ("10.9.0.0/16", "10.0.1.1", "eth1", 1),
    ]


def test_multipath_gives_one_route_per_next_hop():
    assert table(parse_routes(IP_MULTIPATH, "r")) == [
        ("default", "10.0.0.1", "xenbr0", 2),
        ("default", "10.0.1.1", "xenbr1", 3),
        ("10.0.0.0/24", None, "xenbr0", 4),
    ]


def test_route_ipv6_table():
    facts = parse_routes(ROUTE_IPV6, "r")
    assert table(facts) == [
        ("2001:db8:1::/64", None, "xenbr0", 3),
        ("::/0", "fe80::1", "xenbr0", 4),
        ("::1/128", None, "lo", 5),
    ]
    assert facts.problems == []


def test_route_e_other_columns():
    facts = parse_routes(ROUTE_E, "r")
    assert table(facts) == [("default", "10.1.1.254", "xenbr0", 3), ("10.1.1.0/24", None, "xenbr0", 4)]
    assert facts.problems == []


def test_mixed_route_n_and_ip_route():
    facts = parse_routes(MIXED, "r")
    assert [(r.destination, r.source, r.location.line) for r in facts.routes] == [
        ("default", "route", 3),
        ("default", "ip-route", 4),
        ("10.2.0.0/16", "ip-route", 5),
    ]
    assert facts.problems == []


def test_truncated_and_malformed_rows_are_problems_and_the_rest_is_kept():
    text = (
        "Kernel IP routing table\n"
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
        "10.0.0.0        0.0.0.0         255.0.0.0       U     0      0        0 eth1\n"
        "0.0.0.0         10.66.208.254\n"
        "192.168.1.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0 extra\n"
        "10.9.0.0        0.0.0.0         255.255.0.300   U     0      0        0 eth2\n"
        "default via\n"
    )
    facts = parse_routes(text, "r")
    assert table(facts) == [("10.0.0.0/8", None, "eth1", 3)]
    assert [(p.location.line, p.kind, p.message) for p in facts.problems] == [
        (4, "syntax", "routing table row with 2 columns, the header has 8"),
        (5, "syntax", "routing table row with 9 columns, the header has 8"),
        (6, "syntax", "bad destination or genmask: '10.9.0.0 0.0.0.0 255.255.0.300 U 0 0 0 eth2'"),
        (7, "truncated", "output ends in an incomplete line: 'default via'"),
    ]


def test_unknown_column_is_a_problem_and_rows_are_still_read():
    text = "Destination Gateway Genmask Flags Metric Ref Use Iface Zone\n0.0.0.0 10.0.0.1 0.0.0.0 UG 0 0 0 eth0 a\n"
    facts = parse_routes(text, "r")
    assert table(facts) == [("default", "10.0.0.1", "eth0", 2)]
    assert [(p.location.line, p.message) for p in facts.problems] == [
        (1, "unknown column 'Zone' in the routing table header")
    ]


def test_file_of_another_kind_is_one_problem():
    facts = parse_routes((CMD / "insights-ip-neigh-show.txt").read_text(), "routes")
    assert facts.routes == []
    assert [(p.location.line, p.kind, p.message) for p in facts.problems] == [
        (1, "unrecognized", "not `route` or `ip route` output")
    ]
    lsmod = parse_routes((CMD / "insights-lsmod.txt").read_text(), "routes")
    assert lsmod.routes == [] and [p.kind for p in lsmod.problems] == ["unrecognized"]


def test_unreadable_lines_between_routes_are_one_problem():
    text = "default via 10.0.0.1 dev eth0\nsome warning\nand its second line\n10.0.0.0/24 dev eth0\n"
    facts = parse_routes(text, "r")
    assert [r.location.line for r in facts.routes] == [1, 4]
    [problem] = facts.problems
    assert (problem.kind, problem.location.line, problem.location.end_line) == ("syntax", 2, 3)


def test_bad_json():
    facts = parse_routes('[{"dst": "default", "gateway": "10.0.0.1"', "r.json")
    assert facts.routes == [] and [p.message for p in facts.problems] == ["not `ip -j route` output"]
    text = '[{"dst": "10.0.0.0/33", "dev": "eth0"}, {"dst": "10.1.0.0/16", "dev": "eth1", "nexthops": [1]}]'
    bad = parse_routes(text, "r.json")
    assert bad.routes == []
    assert [(p.location.column, p.message) for p in bad.problems] == [(3, "not a route destination: '10.0.0.0/33'")]


def test_empty_file():
    facts = parse_routes("", "r")
    assert facts.routes == [] and facts.problems == []


def test_looks_like_route_outputs():
    for name in ROUTE_FILES:
        assert looks_like((CMD / name).read_text()), name
    for name, text in ROUTE_SAMPLES.items():
        assert looks_like(text), name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('0123456789./:abcdefvia devUG \n\t[]{}",')))
def test_never_raises(text):
    parse_routes(text, "r")
    looks_like(text)


def test_ip_json_without_routes():
    """A network namespace without addresses: `ip -j route` prints `[]`, which is an answer, not junk."""
    facts = parse_routes("[]\n", "ip_-j_route")
    assert (facts.routes, facts.problems) == ([], [])
