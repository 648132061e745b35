"""The toolstack's view of running domains and their vifs: `xl list` / `xm list` tables, `xl list -l`
(JSON in xl since Xen 4.2; SXP in older xl, with xl.conf's output_format="sxp", and in `xm list -l`)
and `xl network-list` / `xm network-list` tables.

`xl network-list` prints one row per vif of the named domains, read from the FRONTEND's xenstore
directory (tools/xl/xl_vif.c, main_networklist): its state is the frontend's, kept as
"frontend-state" so that it is not taken for the backend's "state" that xenstore-ls shows. The
other values use the xenstore key names: mac, handle, event-channel, tx-ring-ref, rx-ring-ref,
backend-id (the BE column) and backend (the BE-path, /local/domain/BE/backend/vif/DOMID/DEVID,
which gives the guest's domid).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ..facts import ParseProblem
from ..hostfacts import HostFacts, RunningDomain, XenstoreVif
from ..sxp import parse_sxp
from ._text import Line, Reader, word_set

_TABLES = "`xl list` or `xl network-list`"
_LIST_HEADER = re.compile(r"Name\s+ID\s+Mem\S*\s+VCPUs\s+State\s+Time\(s\)(?P<extra>.*)$")
_LIST_EXTRA_COLUMNS = word_set("UUID Reason-Code Security Label NODE Affinity")  # xl list -v, -Z, -n
# xl/xm: "%-40s %5d %5lu %5d %c%c%c%c%c%c %8.1f"; xm leaves ID and State blank for a domain that is
# not running (a domain xend manages).
_LIST_ROW = re.compile(
    r"(?P<name>\S.*?)\s+(?:(?P<domid>\d+)\s+)?\d+\s+\d+\s+(?:(?P<state>[-rbpscd]{5,6})\s+)?\d+(?:\.\d+)?(?:\s.*)?$"
)
_NETWORK_HEADER = re.compile(r"Idx\s+BE\s+MAC\s+Addr\.", re.IGNORECASE)
# xl: "%-3d %-2d MAC %6d %5d %6d %5d/%-11d %-30s"; xm: "%-3d %-3dMAC    %-3d   %-3d    %-3d   %-5d/%-5d   %-30s".
_NETWORK_ROW = re.compile(
    r"(?P<idx>\d+)\s+(?P<be>\d+)\s+(?P<mac>[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s+(?P<handle>-?\d+)\s+"
    r"(?P<state>-?\d+)\s+(?P<evtch>-?\d+)\s+(?P<tx>-?\d+)\s*/\s*(?P<rx>-?\d+)\s+(?P<path>\S+)\s*$"
)
_NETWORK_VALUES = {
    "mac": "mac",
    "handle": "handle",
    "frontend-state": "state",
    "event-channel": "evtch",
    "tx-ring-ref": "tx",
    "rx-ring-ref": "rx",
    "backend-id": "be",
    "backend": "path",
}
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")
_BACKEND_PATH = re.compile(r"/local/domain/\d+/backend/vif/(?P<domid>\d+)/(?P<devid>\d+)")


def looks_like(text: str) -> bool:
    """True for `xl list` / `xm list` tables, `xl list -l` (JSON or SXP) and network-list tables."""
    start = text.lstrip()
    if start.startswith(("[", "{")):
        return '"domid"' in start and '"c_info"' in start
    if start.startswith("("):
        return re.match(r"\(\s*domain\s*\(", start) is not None
    first = start.split("\n", 1)[0]
    return bool(_LIST_HEADER.match(first) or _NETWORK_HEADER.match(first))


def parse_xen_list(text: str, path: str) -> HostFacts:
    """Running domains (and vifs, from network-list) of any of the outputs above."""
    start = text.lstrip()
    if start.startswith("("):
        return _parse_sxp(text, path)
    reader = Reader(path, text)
    if start.startswith(("[", "{")):
        return _parse_json(reader)
    return _parse_tables(reader)


def _parse_tables(reader: Reader) -> HostFacts:
    facts = HostFacts()
    table = None  # "list" or "network" once a header was seen
    for line in reader.lines:
        if not line.text.strip():
            continue
        if header := _LIST_HEADER.match(line.text):
            table = "list"
            unknown = [word for word in header["extra"].split() if word not in _LIST_EXTRA_COLUMNS]
            if unknown:
                reader.problem("syntax", f"unknown columns in `xl list`: {' '.join(unknown)}", reader.at(line))
        elif _NETWORK_HEADER.match(line.text):
            table = "network"
        elif table == "list" and (row := _LIST_ROW.match(line.text)):
            domid = int(row["domid"]) if row["domid"] else None
            facts.running.append(RunningDomain(row["name"], domid, row["state"], reader.at(line)))
        elif table == "network" and (row := _NETWORK_ROW.match(line.text)):
            _read_vif(row, line, reader, facts)
        else:
            reader.bad_line(line, _TABLES)
    return reader.finish(facts, _TABLES, table is not None)


def _read_vif(row: re.Match[str], line: Line, reader: Reader, facts: HostFacts) -> None:
    backend = _BACKEND_PATH.fullmatch(row["path"])
    if backend is None:
        reader.problem("syntax", f"not a vif backend path: {row['path']!r}", reader.at(line, row.start("path")))
        return
    values = {key: reader.fact(row[group], line, row.start(group)) for key, group in _NETWORK_VALUES.items()}
    facts.xenstore_vifs.append(XenstoreVif(int(backend["domid"]), int(backend["devid"]), values, reader.at(line)))


def _parse_sxp(text: str, path: str) -> HostFacts:
    """`xm list -l` and old `xl list -l`: one (domain ...) list per domain; xl prints no state."""
    config = parse_sxp(text, path)
    facts = HostFacts(problems=list(config.problems))
    others = []
    for record in config.sexprs:
        name = record.atom_value("name")
        if record.head != "domain" or name is None:
            others.append(record)
            continue
        domid, state = record.atom_value("domid"), record.atom_value("state")
        number = int(domid.text) if domid is not None and domid.text.isdigit() else None
        facts.running.append(RunningDomain(name.text, number, state.text if state else None, name.location))
    if facts.running:
        message = "not a (domain ...) record with a name"
        facts.problems.extend(ParseProblem("syntax", message, record.location) for record in others)
    elif others:  # another SXP file (xend-config.sxp, a vnet): one problem, not one per record
        facts.problems.append(ParseProblem("unrecognized", "not `xm list -l` output", others[0].location))
    return facts


def _parse_json(reader: Reader) -> HostFacts:
    """`xl list -l`: a JSON list of {"domid": N, "config": {"c_info": {"name": ...}, ...}}.

    Read element by element, so that the domains before a cut (a truncated file) are kept and each
    domain gets the place where its object starts.
    """
    facts = HostFacts()
    understood = False
    for value, offset in _json_elements(reader):
        domid = value.get("domid") if isinstance(value, dict) else None
        config = value.get("config") if isinstance(value, dict) else None
        c_info = config.get("c_info") if isinstance(config, dict) else None
        name = c_info.get("name") if isinstance(c_info, dict) else None
        understood = understood or isinstance(domid, int)  # a list of other objects is another file
        if isinstance(name, str) and isinstance(domid, int):
            facts.running.append(RunningDomain(name, domid, None, reader.at_offset(offset)))
        else:
            reader.problem("syntax", "not a domain: no domid or config.c_info.name", reader.at_offset(offset))
    return reader.finish(facts, "`xl list -l`", understood)


def _json_elements(reader: Reader) -> Iterator[tuple[object, int]]:
    """The values in the top-level JSON list(s), or bare top-level values, with their offsets.

    Reading stops at the first error, which becomes a problem; separators are not checked.
    """
    text, in_list = reader.text, False
    position = _SPACE.match(text).end()
    try:
        while position < len(text):
            char = text[position]
            if (char == "[" and not in_list) or (char in ",]" and in_list):
                in_list = char != "]"
                position += 1
            else:
                value, end = _DECODER.raw_decode(text, position)
                yield value, position
                position = end
            position = _SPACE.match(text, position).end()
    except json.JSONDecodeError as error:
        if error.pos < len(text.rstrip()):
            reader.problem("syntax", f"JSON: {error.msg}", reader.at_offset(error.pos))
            return
    if in_list or position < len(text):
        reader.problem("truncated", "output ends inside a JSON value", reader.at_offset(len(text.rstrip())))
