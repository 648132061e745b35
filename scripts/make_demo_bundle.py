"""Write the demo bundle, fixtures/demo/: what a customer with the field case sends to support.

- sosreport-dom0.tar.xz, sosreport-guest3.tar.xz, sosreport-guest4.tar.xz: the host trees of
  fixtures/hosts/vlan-bridge-nf packed like sosreport archives (one top folder each), reproducibly
  (sorted members, fixed times and owners).
- captures/vif3.0.pcap and captures/vif4.0.pcap, taken on the dom0 on both guests' vifs. They
  re-enact the field case: guest3 (198.18.3.3, vif3.0) pings guest4 (198.18.3.4, vif4.0) over
  VLAN 3, tagged inside the guests, across bridge xenbr0 of a dom0 running kernel 2.6.18-128.el5xen
  with bridge-nf-call-iptables=1 and ip_conntrack loaded. Pings up to IP length 1500 cross the
  bridge and are answered. Larger pings leave guest3 as two fragments; the bridge reassembles them
  (conntrack), forwards the reassembled packet whole, and the egress port drops it for exceeding
  its MTU before the capture point: nothing of them appears on vif4.0.

This is what that kernel did; a current kernel refragments, so these captures are written by this
script, not recorded. Run from the repository root:
    .venv/bin/python scripts/make_demo_bundle.py
"""

from __future__ import annotations

import io
import lzma
import struct
import tarfile
from pathlib import Path

from xennet.pcap.craft import (
    ARP_REPLY,
    ARP_REQUEST,
    ICMP,
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    arp_frame,
    ipv4_frame,
    pcap_bytes,
)

GUEST3 = ("00:16:3e:00:03:01", "198.18.3.3")
GUEST4 = ("00:16:3e:00:04:01", "198.18.3.4")
VLAN = (3,)
MTU = 1500
PING_DATA = (56, 1000, 1472, 1472, 1473, 1477, 1477, 1477, 2000, 56, 56)  # `ping -s N`: IP length N + 28
START = 1_233_446_400.0  # 2009-02-01, the kernel's era
DEMO = Path("fixtures/demo")
HOSTS = Path("fixtures/hosts/vlan-bridge-nf")
SOSREPORT_TOP = "sosreport-{host}-02171234-2009-02-01-qwhxkfd"


def echo(kind: int, ip_len: int, seq: int, sender: tuple[str, str], receiver: tuple[str, str]) -> list[bytes]:
    """The frames of one ICMP echo message of IP length `ip_len`, fragmented for the guest MTU."""
    icmp = struct.pack("!BBHHH", kind, 0, 0, 0x3A5D, seq)
    fields = {"src": sender[1], "dst": receiver[1], "ip_id": 0x4000 + seq * 2 + (kind == ICMP_ECHO_REPLY),
              "proto": ICMP, "eth_src": sender[0], "eth_dst": receiver[0], "vlans": VLAN}
    step = (MTU - 20) // 8 * 8
    data = ip_len - 20
    frames = []
    for offset in range(0, data, step):
        size = min(step, data - offset)
        frames.append(ipv4_frame(20 + size, offset=offset, mf=offset + size < data,
                                 l4=icmp if offset == 0 else b"", **fields))
    return frames


def captures() -> dict[str, bytes]:
    """{port name: pcap bytes} of both vifs."""
    on_vif3: list[tuple[float, bytes]] = []
    on_vif4: list[tuple[float, bytes]] = []
    arp_request = arp_frame(ARP_REQUEST, GUEST3[0], GUEST3[1], GUEST4[1], vlans=VLAN)
    arp_reply = arp_frame(ARP_REPLY, GUEST4[0], GUEST4[1], GUEST3[1], tha=GUEST3[0], vlans=VLAN)
    on_vif3 += [(START, arp_request), (START + 0.0004, arp_reply)]
    on_vif4 += [(START + 0.0001, arp_request), (START + 0.0003, arp_reply)]
    for seq, size in enumerate(PING_DATA, start=1):
        sent = START + seq
        request = echo(ICMP_ECHO_REQUEST, size + 28, seq, GUEST3, GUEST4)
        on_vif3 += [(sent + i * 0.00002, frame) for i, frame in enumerate(request)]
        if len(request) > 1:
            continue  # reassembled on xenbr0, dropped whole at vif4.0
        reply = echo(ICMP_ECHO_REPLY, size + 28, seq, GUEST4, GUEST3)
        on_vif4 += [(sent + 0.0001, request[0]), (sent + 0.0002, reply[0])]
        on_vif3.append((sent + 0.0003, reply[0]))
    pcaps = {}
    for name, frames in (("vif3.0", on_vif3), ("vif4.0", on_vif4)):
        frames.sort(key=lambda item: item[0])
        pcaps[name] = pcap_bytes([frame for _, frame in frames], times=[time for time, _ in frames])
    return pcaps


def sosreport(host: str) -> bytes:
    """The tree of `host` as a .tar.xz with one top folder, byte-for-byte reproducible."""
    top = SOSREPORT_TOP.format(host=host)
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for path in sorted(p for p in (HOSTS / host).rglob("*") if p.is_file()):
            info = tarfile.TarInfo(f"{top}/{path.relative_to(HOSTS / host).as_posix()}")
            data = path.read_bytes()
            info.size, info.mtime, info.mode = len(data), int(START), 0o644
            archive.addfile(info, io.BytesIO(data))
    return lzma.compress(packed.getvalue(), preset=9)


def main() -> None:
    (DEMO / "captures").mkdir(parents=True, exist_ok=True)
    for name, data in captures().items():
        (DEMO / "captures" / f"{name}.pcap").write_bytes(data)
    for host in ("dom0", "guest3", "guest4"):
        (DEMO / f"sosreport-{host}.tar.xz").write_bytes(sosreport(host))


if __name__ == "__main__":
    main()
