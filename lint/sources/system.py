"""The host itself: `uname -a` (kernel release and hostname), `lsmod` (loaded modules), `hostname`
and `netstat -s` (the IP counters that show fragments being lost: reassembly and fragmentation
failures and dropped outgoing packets, a classic of MTU trouble between guests and the world).

jc reads lsmod. Its uname parser raises IndexError on a line cut short, which loses the two words
needed (hostname and release), so uname is read here; jc has no parser for `netstat -s` either.
The sentences of `netstat -s` are net-tools' (statistics.c), each the text of one /proc/net/snmp
counter.
"""

from __future__ import annotations

import re

import jc

from ..hostfacts import HostFacts, Stat
from ._text import Line, Reader

_WHAT = "`uname -a`, `lsmod`, `hostname` or `netstat -s`"
_UNAME = re.compile(r"Linux\s+\S+\s+\d+\.\d+\S*\s")
_LSMOD_HEADER = re.compile(r"Module\s+Size\s+Used\s+by")
_NETSTAT_SECTION = re.compile(r"(?P<name>[A-Z][A-Za-z]*):\s*$")  # Ip: Icmp: Tcp: ...; Ip: comes first
_NETSTAT_COUNT = re.compile(r"\s+(?P<value>\d+) (?P<text>.*?)\s*$")
_NETSTAT_PAIR = re.compile(r"\s+\w+: \d+\s*$")  # "Forwarding: 1", which is not a counter
_HOSTNAME = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
# net-tools' sentence in the Ip: section -> the counter's name as nstat prints it.
_IP_COUNTERS = {
    "outgoing packets dropped": "IpOutDiscards",
    "reassemblies required": "IpReasmReqds",
    "packets reassembled ok": "IpReasmOKs",
    "packet reassemblies failed": "IpReasmFails",
    "fragments received ok": "IpFragOKs",  # sic: net-tools' words for FragOKs (fragmented ok)
    "fragments failed": "IpFragFails",
    "fragments created": "IpFragCreates",
}


def looks_like(text: str) -> bool:
    """True for `uname -a`, `lsmod` and `netstat -s` output.

    A bare `hostname` output is one word, as are many files; it is not recognized by content,
    only read when a caller knows the file is one (parse_system).
    """
    first = next((line for line in text.split("\n") if line.strip()), "")
    return bool(_UNAME.match(first) or _LSMOD_HEADER.match(first) or first.strip() == "Ip:")


def parse_system(text: str, path: str) -> HostFacts:
    """Facts of any of the outputs above, told apart by their first line."""
    reader = Reader(path, text)
    first = next((line for line in reader.lines if line.text.strip()), None)
    if first is None:
        return HostFacts()
    if _UNAME.match(first.text):
        facts = _read_uname(first, reader)
    elif _LSMOD_HEADER.match(first.text):
        facts = _read_lsmod(first, reader)
    elif first.text.strip() == "Ip:":
        facts = _read_netstat(reader)
    elif _HOSTNAME.fullmatch(first.text.strip()) and first.number == reader.last:
        [(index, name)] = first.words()
        facts = HostFacts(hostname=[reader.fact(name, first, index)])
    else:
        return reader.finish(HostFacts(), _WHAT, understood=False)
    return reader.finish(facts, _WHAT, understood=True)


def _read_uname(line: Line, reader: Reader) -> HostFacts:
    """`Linux NODENAME RELEASE VERSION... MACHINE ... OS`: the hostname and release are the 2nd and 3rd
    words, and stay readable when the line is cut short (where jc's uname parser raises IndexError)."""
    words = line.words()
    (host_at, host), (release_at, release) = words[1], words[2]
    return HostFacts(kernel=[reader.fact(release, line, release_at)], hostname=[reader.fact(host, line, host_at)])


def _read_lsmod(header: Line, reader: Reader) -> HostFacts:
    """Module names, read by jc; a row without a numeric size is cut short and is reported, not read."""
    facts = HostFacts()
    rows = [line for line in reader.lines if line.number > header.number and line.text.strip()]
    # jc splits lines with str.splitlines, which also breaks at \v, \f, \x1c-\x1e, \x85...: words
    # joined by single spaces keep one jc row per line.
    table = "\n".join(" ".join(line.text.split()) for line in [header, *rows])
    for line, row in zip(rows, jc.parse("lsmod", table, quiet=True), strict=True):
        if isinstance(row.get("size"), int):
            facts.modules.append(reader.fact(row["module"], line, line.words()[0][0]))
        else:
            reader.bad_line(line, "`lsmod`")
    return facts


def _read_netstat(reader: Reader) -> HostFacts:
    """The counters of _IP_COUNTERS; the other sections are skipped unread."""
    facts = HostFacts()
    section = None
    for line in reader.lines:
        if header := _NETSTAT_SECTION.match(line.text):
            section = header["name"]
        elif section != "Ip" or not line.text.strip() or _NETSTAT_PAIR.match(line.text):
            continue
        elif count := _NETSTAT_COUNT.match(line.text):
            if name := _IP_COUNTERS.get(count["text"]):
                facts.stats.append(Stat(name, int(count["value"]), "netstat-s", reader.at(line, count.start("value"))))
        else:
            reader.bad_line(line, "`netstat -s`")
    return facts
