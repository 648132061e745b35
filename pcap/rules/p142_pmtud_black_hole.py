"""IPv4 packets with DF set, too big for their port, and no fragmentation-needed back to their
sender on any port: path MTU discovery cannot shrink them, so they are lost every time. A capture on
a bridge device is not judged: the bridge device is no hop (its MTU does not limit forwarded frames),
and its oversize packets are rule P104's."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..captures import BRIDGE_DEVICE
from ..craft import ICMP_FRAG_NEEDED, ICMP_UNREACH, UDP, icmp_frame, ipv4_frame, latin1, pcap_bytes
from ..evidence import examples
from ..icmp import DfOversize, df_oversize
from ..oversize import mtu_text

ID = "P142"
SLUG = "pmtud-black-hole"
SEVERITY = Severity.ERROR
SUMMARY = "Packets with DF set exceed the port's MTU and no ICMP fragmentation-needed goes back to their sender."
RATIONALE = """\
A packet with Don't Fragment set that does not fit the next link is dropped, and the hop must tell
the sender with ICMP fragmentation-needed so that it sends smaller packets (path MTU discovery).
No such message toward the sender was captured on any port: a bridge drops oversize frames without
a word, and a firewall may drop the ICMP. The sender never learns, resends the same size, and the
connection hangs after the handshake (a PMTUD black hole). TCP super-frames from segmentation
offload also carry DF and are left to P101."""
FIX = ("Make the MTUs of guest, vif and bridge agree so that the packets fit, or let ICMP type 3 code 4"
       " through the firewalls on the way back to the sender.")
_SENDER, _PEER = "198.18.0.1", "198.51.100.7"
_BIG = ipv4_frame(1600, src=_SENDER, dst=_PEER, proto=UDP, df=True)
BAD = {"vif1.0.pcap": latin1(pcap_bytes([_BIG]))}
# After the hop's fragmentation-needed the sender fits its datagrams to the announced MTU.
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([
    icmp_frame(576, ICMP_UNREACH, ICMP_FRAG_NEEDED, mtu=1400, src="198.18.0.254", dst=_SENDER),
    ipv4_frame(1400, src=_SENDER, dst=_PEER, proto=UDP, df=True),
]))}


def _message(found: DfOversize) -> str:
    port, untold, told = found.port, found.untold, int(found.told.sum())
    message = (f"{port.name}: {int(untold.sum())} IPv4 packet(s) with DF set, up to {int(found.size[untold].max())}"
               f" bytes, above {mtu_text(port)}; no ICMP fragmentation-needed toward their source(s) was captured"
               " on any port, so path MTU discovery cannot shrink them")
    if told:
        message += f" ({told} more such packet(s) from sources that did get one)"
    return message


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in df_oversize(model.captures):
        if found.untold.any() and found.port.role.kind != BRIDGE_DEVICE:
            yield Problem(_message(found), found.port.location, evidence=examples(found.port, found.untold, found.size))
