"""Support bundles of the lab's dom0 and guests, written by `xennet collect` run inside each host's
network namespace (and in a UTS namespace of its own, so that each host reports its own hostname).

A namespace has its own network but shares the machine's files: the configuration files `collect`
copies (etc/, run/, usr/lib/) are the test machine's, not the lab host's, and are left out.

What a real host has and the lab cannot make is added to the collected files from the lab's own
description: dom0's Xen facts (`xl list`, each domain's config with its vif's mac=: no hypervisor
runs here) and a guest's ifcfg for its VLAN interface (the lab's stand-in for it is a TAP device,
where a real guest's would read `vlan protocol 802.1Q id VID`).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import STARTUP_TIMEOUT, Lab, run

XENNET = Path(sys.executable).with_name("xennet")


def _collect_command(role: str, archive: Path, options: tuple[str, ...]) -> tuple[str, ...]:
    """`xennet collect -o ARCHIVE OPTIONS` in a UTS namespace whose hostname is `role`."""
    set_hostname = 'hostname "$1" && shift && exec "$@"'
    return ("unshare", "--uts", "sh", "-c", set_hostname, "collect", role, str(XENNET), "collect", "-o", str(archive),
            *options)


def collect(lab: Lab, role: str, archive: Path, *options: str) -> Path:
    """Run `xennet collect -o ARCHIVE OPTIONS` as host `role` (dom0, dom1, ...) and return the archive."""
    run(*_collect_command(role, archive, options), namespace=lab.namespace(role))
    return archive


@contextmanager
def collecting(lab: Lab, role: str, archive: Path, ports: tuple[str, ...], *options: str) -> Iterator[Path]:
    """Run `xennet collect --capture ...` as host `role` in the background: yields once its capture
    files of `ports` exist (its tcpdumps are listening), and waits for it to write `archive` on leaving."""
    command = ["ip", "netns", "exec", lab.namespace(role), *_collect_command(role, archive, options)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not all(any(archive.parent.glob(f".xennet-collect-*/**/{port}.pcap")) for port in ports):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"xennet collect did not start capturing on {ports}: {process.communicate()}")
            time.sleep(0.1)
        yield archive
    finally:
        _, errors = process.communicate(timeout=60)
    if process.returncode != 0:
        raise RuntimeError(f"xennet collect failed ({process.returncode}): {errors.strip()}")


SHARED_FILES = ("etc/", "run/", "usr/")  # copies of the test machine's files, not the namespace's


def unpack(archive: Path, folder: Path) -> Path:
    """Extract a collected bundle into `folder`, without its top folder and the machine's own files,
    and return `folder`."""
    with tarfile.open(archive) as bundle:
        for member in bundle.getmembers():
            inside = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if member.isfile() and not inside.startswith(SHARED_FILES):
                target = folder / inside
                target.parent.mkdir(parents=True, exist_ok=True)
                source = bundle.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
    return folder


def dom0_bundle(lab: Lab, folder: Path) -> Path:
    """dom0's bundle in `folder`: what `xennet collect` gathered, with the lab's Xen facts."""
    unpack(collect(lab, "dom0", folder.with_suffix(".tar.gz")), folder)
    domains = "".join(f"{guest.name:<40}{guest.domid:>6}   512     1     -b----       1.0\n" for guest in lab.guests)
    files = {
        "sos_commands/xen/xl_list": (
            "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
            "Domain-0                                     0  1024     1     r-----      10.0\n" + domains
        ),
    }
    files.update({
        f"etc/xen/{guest.name}.cfg": (
            f'name = "{guest.name}"\ntype = "pv"\nmemory = 512\nvif = [ "mac={guest.mac},bridge=xenbr0" ]\n'
        )
        for guest in lab.guests
    })
    return _write(folder, files)


def guest_bundle(lab: Lab, name: str, folder: Path) -> Path:
    """Guest `name`'s bundle in `folder`: what `xennet collect` gathered, with its VLAN ifcfg."""
    unpack(collect(lab, name, folder.with_suffix(".tar.gz")), folder)
    if lab.vlan is None:
        return folder
    guest = lab.guest(name)
    return _write(folder, {
        f"etc/sysconfig/network-scripts/ifcfg-eth0.{lab.vlan}": (
            f"DEVICE=eth0.{lab.vlan}\nVLAN=yes\nBOOTPROTO=static\nIPADDR={guest.vlan_address(lab.vlan)}\n"
            f"NETMASK=255.255.255.0\nMTU={lab.guest_mtu(guest)}\nONBOOT=yes\n"
        ),
    })


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder
