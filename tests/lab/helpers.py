"""Processes the lab runs inside a guest namespace (`python helpers.py COMMAND ...`).

- `vlan-shim PARENT NAME VID`: this kernel has no 802.1Q support (`ip link add type vlan` fails), so a
  guest's VLAN interface is a TAP device NAME whose frames this process tags with VID and sends on
  PARENT through an AF_PACKET socket, and whose tagged frames received on PARENT it writes back to the
  TAP untagged. The kernel strips a received tag into the skb (packet sockets report it in
  PACKET_AUXDATA), so both the stripped and the in-band form are handled.
- `tcp-server ADDRESS PORT`: accepts one connection and reads it to the end.
- `tcp-client ADDRESS PORT BYTES`: sends BYTES to the server.

Each prints "ready" once it is listening, so the lab knows when traffic may start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def _ready() -> None:
    print("ready", flush=True)


def _received_tag(ancdata: list[tuple[int, int, bytes]]) -> int | None:
    """The VLAN TCI the kernel stripped from a received frame, if any."""
    for level, kind, data in ancdata:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= AUXDATA.size:
            status, _, _, _, _, tci, _ = AUXDATA.unpack_from(data)
            if status & TP_STATUS_VLAN_VALID:
                return tci
    return None


def vlan_shim(parent: str, name: str, vid: int) -> None:
    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    wire = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    wire.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    wire.bind((parent, ETH_P_ALL))
    tag = struct.pack("!HH", ETH_P_8021Q, vid)
    _ready()
    while True:
        readable, _, _ = select.select([tap, wire], [], [])
        if tap in readable:
            frame = os.read(tap, 65536)
            with contextlib.suppress(OSError):  # ENOBUFS: the veth dropped it (above its peer's MTU), as a NIC would
                wire.send(frame[:12] + tag + frame[12:])
        if wire in readable:
            frame, ancdata, _, address = wire.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
            if address[2] == PACKET_OUTGOING:
                continue
            tci = _received_tag(ancdata)
            if tci is None and frame[12:14] == tag[:2]:
                tci, frame = struct.unpack_from("!H", frame, 14)[0], frame[:12] + frame[16:]
            if tci is not None and tci & 0x0FFF == vid:
                os.write(tap, frame)


def tcp_server(address: str, port: int) -> None:
    with socket.create_server((address, port)) as server:
        _ready()
        connection, _ = server.accept()
        received = 0
        with connection:
            while chunk := connection.recv(1 << 16):
                received += len(chunk)
    print(received, flush=True)


def tcp_client(address: str, port: int, size: int) -> None:
    with socket.create_connection((address, port), timeout=10) as client:
        _ready()
        client.sendall(b"\0" * size)


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    command, *args = argv
    if command == "vlan-shim":
        vlan_shim(args[0], args[1], int(args[2]))
    elif command == "tcp-server":
        tcp_server(args[0], int(args[1]))
    elif command == "tcp-client":
        tcp_client(args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
