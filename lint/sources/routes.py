"""Routing tables: `route -n` (also `route`, `route -vn`, `route -e`, `route -A inet6 -n`),
`ip route` (also `ip route show table all`, `ip -6 route`) and `ip -j route`; one Route per next hop.

Route has no field for the route type or the table, so only what a packet to a guest or to the
world follows is kept: unicast routes of the main table. `ip route show table all` also lists
local/broadcast/unreachable routes and other tables; those lines are understood and skipped, not
reported. `ip route` says "default" for IPv4 and IPv6 alike; an IPv6 default (its gateway is an
IPv6 address) becomes "::/0" so that "default" always means the IPv4 default route. Destinations
without a prefix length are host routes and get /32 or /128.

jc reads the rows of `route` tables. It cannot read `ip route show table all` (it takes the route
type "broadcast"/"local"/"unreachable" for the destination, drops the table and turns the "cache"
continuation lines into routes), so `ip route` lines are read here.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

import jc

from xennet.findings import Location

from ..hostfacts import HostFacts, Route
from ._text import Line, Reader, word_set

_WHAT = "`route` or `ip route`"
_TITLE = re.compile(r"Kernel IP(?:v6)? routing table")
_HEADER = re.compile(r"Destination\s+(?:Gateway|Next Hop)\s")
_COLUMNS = word_set("Destination Gateway Next_Hop Genmask Flags Flag Metric Met Ref Use Iface If MSS Window irtt")
_FLAGS = re.compile(r"[UGHRDMACN!]+")
_NO_GATEWAY = word_set("0.0.0.0 * ::")
# Route types that `ip route` prints before the destination; only unicast routes are kept.
_TYPES = word_set("unicast local broadcast multicast anycast unreachable prohibit blackhole throw nat")
# What `ip route` prints first after the destination (iproute2's print_route).
_KEYWORDS = word_set(
    "via dev proto scope src metric table mtu from tos dsfield realms expires pref onlink linkdown error nhid encap"
)
# `ip neigh` lines also read "ADDRESS dev DEV ..."; these words tell them apart.
_NEIGHBOUR_WORDS = word_set("lladdr REACHABLE STALE DELAY PROBE FAILED INCOMPLETE PERMANENT NOARP")


def looks_like(text: str) -> bool:
    """True for `route` tables, `ip route` lines and `ip -j route` JSON."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if _TITLE.match(first) or _HEADER.match(first):
        return True
    if first.startswith("["):
        return _json_routes(text) is not None
    return _read_ip_route(first.split()) is not None


def parse_routes(text: str, path: str) -> HostFacts:
    """The routes of any of the outputs above; a file may hold several of them one after another."""
    reader = Reader(path, text)
    if text.lstrip().startswith("["):
        return _parse_json(reader)
    facts = HostFacts()
    table: _Table | None = None
    above: _IpRoute | None = None  # the last `ip route` line, for the nexthop lines under it
    understood = False
    for line in reader.lines:
        tokens = line.text.split()
        if not tokens:
            continue
        if _TITLE.match(line.text):
            understood = True
        elif _HEADER.match(line.text):
            understood, table, above = True, _Table.of(tokens), None
            for name in table.unknown_columns():
                reader.problem("syntax", f"unknown column {name!r} in the routing table header", reader.at(line))
        elif table is not None and table.is_row(tokens):
            _read_row(table, line, reader, facts)
        elif line.text[0].isspace() and above is not None:
            if tokens[0] == "nexthop":  # multipath: one next hop per line
                facts.routes.extend(above.routes(*_next_hop(tokens), reader.at(line)))
            # else "cache ..." or another attribute line of the route above
        elif (read := _read_ip_route(tokens)) is not None:
            understood, table, above = True, None, read
            facts.routes.extend(read.routes(*_next_hop(tokens), reader.at(line)))
        else:
            above = None
            _bad_line(table, line, reader)
    return reader.finish(facts, _WHAT, understood)


@dataclass(frozen=True)
class _Table:
    """The column names of a `route` table ("Next Hop" written Next_Hop)."""

    names: tuple[str, ...]

    @classmethod
    def of(cls, tokens: list[str]) -> _Table:
        return cls(tuple(" ".join(tokens).replace("Next Hop", "Next_Hop").split()))

    def unknown_columns(self) -> list[str]:
        return [name for name in self.names if name not in _COLUMNS]

    def is_row(self, tokens: list[str]) -> bool:
        """A row has its flags where the header says, even when columns are missing after them."""
        flags = next((i for i, name in enumerate(self.names) if name in ("Flags", "Flag")), len(self.names))
        return len(tokens) > flags and _FLAGS.fullmatch(tokens[flags]) is not None

    def jc_input(self, tokens: list[str]) -> str:
        """The row as a table that jc's route parser reads (it expects the title line first)."""
        title = "Kernel IPv6 routing table" if "Next_Hop" in self.names else "Kernel IP routing table"
        header = " ".join(self.names).replace("Next_Hop", "Next Hop")
        return f"{title}\n{header}\n{' '.join(tokens)}\n"


def _read_row(table: _Table, line: Line, reader: Reader, facts: HostFacts) -> None:
    tokens = line.text.split()
    if len(tokens) != len(table.names):
        _bad_line(table, line, reader)
        return
    row = jc.parse("route", table.jc_input(tokens), quiet=True)[0]
    destination = _table_destination(row["destination"], row.get("genmask"))
    if destination is None:
        reader.problem("syntax", f"bad destination or genmask: {' '.join(tokens)!r}", reader.at(line))
        return
    gateway = row.get("gateway", row.get("next_hop"))
    gateway = None if gateway in _NO_GATEWAY else gateway
    facts.routes.append(Route(destination, gateway, row.get("iface"), "route", reader.at(line)))


def _bad_line(table: _Table | None, line: Line, reader: Reader) -> None:
    """A line that is neither a row of `table` nor an `ip route` line; the last line is cut short."""
    if table is None or line.number >= reader.last:
        reader.bad_line(line, _WHAT)
    else:
        message = f"routing table row with {len(line.text.split())} columns, the header has {len(table.names)}"
        reader.problem("syntax", message, reader.at(line))


def _table_destination(destination: str, genmask: str | None) -> str | None:
    """The destination as "default" or CIDR; names (`route` without -n) stay names: "link-local/16"."""
    if genmask is None:  # IPv6 tables print prefixes
        return _with_prefix(destination)
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{genmask}").prefixlen
    except ValueError:
        return None
    if prefix == 0 and destination in ("0.0.0.0", "default"):
        return "default"
    return f"{destination}/{prefix}"


def _with_prefix(destination: str) -> str | None:
    """An address or prefix as CIDR (an address is a host route); None if it is neither."""
    try:
        network = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None
    return destination if "/" in destination else f"{destination}/{network.prefixlen}"


@dataclass(frozen=True)
class _IpRoute:
    """What an `ip route` line says before its next hops."""

    destination: str  # "default" or CIDR
    kept: bool  # a unicast route of the main table

    @classmethod
    def of(cls, route_type: str, destination: str, table: str) -> _IpRoute | None:
        prefix = destination if destination == "default" else _with_prefix(destination)
        if prefix is None:
            return None
        return cls(prefix, route_type == "unicast" and table in ("main", "254"))

    def routes(self, gateway: str | None, device: str | None, here: Location) -> list[Route]:
        """The route through this next hop, if the route is kept and the hop names one."""
        if not self.kept or (gateway is None and device is None):
            return []
        destination = "::/0" if self.destination == "default" and gateway and ":" in gateway else self.destination
        return [Route(destination, gateway, device, "ip-route", here)]


def _read_ip_route(tokens: list[str]) -> _IpRoute | None:
    """The route of an `ip route` line, or None if the line is not one (or is cut after a keyword)."""
    typed = bool(tokens) and tokens[0] in _TYPES
    rest = tokens[1:] if typed else tokens
    if not rest or _NEIGHBOUR_WORDS & set(rest) or rest[-1] in ("via", "dev", "table"):
        return None
    if len(rest) > 1 and rest[1] not in _KEYWORDS:
        return None
    return _IpRoute.of(tokens[0] if typed else "unicast", rest[0], _value(rest, "table") or "main")


def _next_hop(tokens: list[str]) -> tuple[str | None, str | None]:
    """(gateway, device) of "... via ADDR dev DEV ..."."""
    return _value(tokens, "via"), _value(tokens, "dev")


def _value(tokens: list[str], keyword: str) -> str | None:
    """The word after `keyword` ("via inet6 ADDR" has a family word first)."""
    if keyword not in tokens:
        return None
    following = tokens[tokens.index(keyword) + 1 :]
    if following[:1] in (["inet"], ["inet6"]):
        following = following[1:]
    return following[0] if following else None


def _json_routes(text: str) -> list[dict[str, object]] | None:
    """`ip -j route` output as a list of route objects, or None if it is not that."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, list) and all(isinstance(item, dict) and "dst" in item for item in data):
        return data
    return None


def _parse_json(reader: Reader) -> HostFacts:
    facts = HostFacts()
    parsed = _json_routes(reader.text)
    routes = parsed or []
    # json gives no positions: the n-th "dst" key is the n-th route (next hops have no "dst").
    starts = [match.start() for match in re.finditer(r'"dst"\s*:', reader.text)]
    for index, item in enumerate(routes):
        here = reader.at_offset(starts[index]) if index < len(starts) else Location(reader.path)
        read = _IpRoute.of(str(item.get("type", "unicast")), str(item["dst"]), str(item.get("table", "main")))
        if read is None:
            reader.problem("syntax", f"not a route destination: {item['dst']!r}", here)
            continue
        hops = item["nexthops"] if isinstance(item.get("nexthops"), list) else [item]
        for hop in (hop for hop in hops if isinstance(hop, dict)):
            facts.routes.extend(read.routes(_json_text(hop.get("gateway")), _json_text(hop.get("dev")), here))
    return reader.finish(facts, "`ip -j route`", parsed is not None)  # `[]`: a namespace without routes


def _json_text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
