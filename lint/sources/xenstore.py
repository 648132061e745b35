"""`xenstore-ls -f` (full paths, one node a line) and plain `xenstore-ls` (the indented tree, one
space per level) -> the backend vifs of dom0 and the names of the domains.

Each /local/domain/0/backend/vif/DOMID/DEVID directory becomes a XenstoreVif with its keys
(mac, bridge, script, hotplug-status, online, state, frontend, handle, ip, ...); each
/local/domain/DOMID/name a RunningDomain without a state. A plain tree is read as a listing of
the root, which is how sosreport and xen-bugtool run it. `-p` permissions after a value are
ignored. xenstore-ls escapes a backslash and unprintable characters in values (sanitise_value);
those escapes are decoded as xenstore decodes them (unsanitise_value).
"""

from __future__ import annotations

import re

from xennet.findings import Location

from ..hostfacts import Fact, HostFacts, RunningDomain, XenstoreVif
from ._text import Reader

_WHAT = "`xenstore-ls`"
# `KEY = "VALUE"`, `KEY = "VALUE"  (n0,r3)` with -p; the value keeps any quote inside it.
_NODE = re.compile(r'(?P<indent> *)(?P<key>\S+) = "(?P<value>.*)"(?:\s+\([^()]*\))?\s*$')
# xen-bugtool replaces the value of a guest's clipboard nodes (filter_xenstore_secrets): not read.
_FILTERED = re.compile(r" *\S+ = <filtered for security>\s*$")
_VIF = re.compile(r"/local/domain/0/backend/vif/(?P<domid>\d+)/(?P<devid>\d+)(?:/(?P<key>[^/]+))?")
_NAME = re.compile(r"/local/domain/(?P<domid>\d+)/name")
# xenstore's unsanitise_value: \t \n \r, \xHH, \OOO; any other escaped character is itself.
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.DOTALL)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r"}


def looks_like(text: str) -> bool:
    """True for `xenstore-ls -f` output and for a plain `xenstore-ls` tree of the root."""
    lines = [line for line in text.split("\n") if line.strip()][:2]
    nodes = [_NODE.match(line) for line in lines]
    if not nodes or nodes[0] is None or nodes[0]["indent"]:
        return False
    if nodes[0]["key"].startswith("/"):
        return True
    # A tree starts with a directory (value "") whose first child is one space in.
    return nodes[0]["value"] == "" and len(nodes) == 2 and nodes[1] is not None and nodes[1]["indent"] == " "


def parse_xenstore(text: str, path: str) -> HostFacts:
    """The dom0 backend vifs and domain names of a xenstore listing."""
    reader, facts = Reader(path, text), HostFacts()
    vifs: dict[tuple[int, int], XenstoreVif] = {}
    parents: list[str] = []  # tree form: the path of the node above, one name per level
    understood = False
    for line in reader.lines:
        if not line.text.strip():
            continue
        if _FILTERED.match(line.text):
            continue
        node = _NODE.match(line.text)
        if node is None:
            reader.bad_line(line, _WHAT)
            continue
        understood = True
        if node["key"].startswith("/"):
            full = node["key"]
        elif len(node["indent"]) > len(parents):
            reader.problem("syntax", "indented more than one level below the line above", reader.at(line))
            continue
        else:
            del parents[len(node["indent"]) :]
            parents.append(node["key"])
            full = "/" + "/".join(parents)
        _collect(full, reader.fact(_unescape(node["value"]), line, node.start("value")), vifs, facts)
    facts.xenstore_vifs.extend(vifs.values())
    return reader.finish(facts, _WHAT, understood)


def _collect(full: str, value: Fact[str], vifs: dict[tuple[int, int], XenstoreVif], facts: HostFacts) -> None:
    """Keep `value` (read at `full`) if it belongs to a dom0 backend vif or names a domain."""
    if vif := _VIF.fullmatch(full):
        key = (int(vif["domid"]), int(vif["devid"]))
        if key not in vifs:  # the vif's directory line, or its first key in a partial listing
            line_only = Location(value.location.path, value.location.line)
            vifs[key] = XenstoreVif(*key, values={}, location=line_only)
        if vif["key"]:
            vifs[key].values[vif["key"]] = value
    elif name := _NAME.fullmatch(full):
        facts.running.append(RunningDomain(value.value, int(name["domid"]), None, value.location))


def _unescape(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] == "x":
            return chr(int(code[1:], 16)) if len(code) > 1 else code
        return chr(int(code, 8)) if code[0] in "01234567" else _ESCAPES.get(code, code)

    return _ESCAPE.sub(replace, value)
