"""The `xennet collect` click command: options in, one archive out, its path printed."""

from __future__ import annotations

import re
import signal
import socket
import sys
from datetime import datetime
from pathlib import Path

import click

from .bundle import collect
from .capture import MAX_SNAPLEN, PCAP_HEADER, RECORD_HEADER, CaptureSettings
from .gather import Plan
from .units import parse_duration, parse_size

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
MAX_DURATION = 24 * 3600.0
DEFAULT_PORTS = "vif*,tap*"
_HOST_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def _duration(_context: click.Context, _parameter: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if seconds > MAX_DURATION:
        raise click.BadParameter(f"{value!r}: at most {MAX_DURATION / 3600:g} hours")
    return seconds


def _size(_context: click.Context, _parameter: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _patterns(_context: click.Context, _parameter: click.Parameter, value: str) -> tuple[str, ...]:
    patterns = tuple(pattern.strip() for pattern in value.split(",") if pattern.strip())
    if not patterns:
        raise click.BadParameter("give at least one interface name or pattern, e.g. 'vif*,xenbr0'")
    return patterns


def bundle_name(now: datetime | None = None, host: str | None = None) -> str:
    """xennet-collect-HOSTNAME-YYYYMMDD-HHMMSS (the short host name, anything unsafe in a file name as `_`)."""
    short = (host if host is not None else socket.gethostname()).split(".")[0]
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"xennet-collect-{_HOST_UNSAFE.sub('_', short) or 'host'}-{stamp}"


def _destination(output: str | None, top: str) -> Path:
    """--output as given, a folder's default name inside it, or the default name here."""
    path = Path(output) if output else Path(f"{top}.tar.gz")
    if path.is_dir():
        path = path / f"{top}.tar.gz"
    if not path.parent.resolve().is_dir():
        raise click.BadParameter(f"{path.parent}: no such folder", param_hint="'--output'")
    return path


@click.command("collect", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-o", "--output", metavar="FILE.tar.gz", help="Where to write the bundle (a folder: the default name in"
              " it). Default: xennet-collect-HOSTNAME-YYYYMMDD-HHMMSS.tar.gz here.")
@click.option("--capture", metavar="DURATION", callback=_duration,
              help="Also capture on the --ports interfaces for DURATION (30s, 2m, 500ms, or seconds).")
@click.option("--ports", default=DEFAULT_PORTS, show_default=True, metavar="PATTERNS", callback=_patterns,
              help="Interfaces to capture on: comma-separated names or shell patterns, e.g. 'vif*,xenbr0'.")
@click.option("--snaplen", type=click.IntRange(1, MAX_SNAPLEN), default=256, show_default=True, metavar="N",
              help="Bytes kept of each packet (headers; raise it to keep payloads).")
@click.option("--max-packets", type=click.IntRange(1), default=100000, show_default=True, metavar="N",
              help="At most N packets per captured port.")
@click.option("--max-bytes", default="100M", show_default=True, metavar="SIZE", callback=_size,
              help="At most SIZE bytes per capture file (100M, 1G, 64k, or bytes).")
def collect_command(output: str | None, capture: float | None, ports: tuple[str, ...], snaplen: int,
                    max_packets: int, max_bytes: int) -> None:
    """Gather what xennet reads from this dom0 into one tar.gz: ip/bridge/sysctl/uname/lsmod/ethtool
    outputs, xl and xenstore state, /etc/xen and the network configs, and optionally packet captures.

    A missing command or file is noted in the bundle's manifest.json and the run goes on. Read the
    bundle with `xennet bundle FILE` (also `xennet lint`, `xennet model`). Prints progress on a
    terminal and, at the end, the path written."""
    settings = None
    if capture is not None:
        settings = CaptureSettings(capture, ports, snaplen, max_packets, max_bytes)
        if settings.packet_cap < 1:
            raise click.BadParameter(f"{max_bytes} bytes cannot hold one packet of --snaplen {snaplen}: give at"
                                     f" least {PCAP_HEADER + RECORD_HEADER + snaplen}", param_hint="'--max-bytes'")
    top = bundle_name()
    destination = _destination(output, top)
    report = _terminal_report if sys.stderr.isatty() else _quiet
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the tcpdumps and clean up on `kill` too
    try:
        collect(Plan(capture=settings), destination, top, report)
    except KeyboardInterrupt:
        click.echo("xennet collect: interrupted; no bundle written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as error:
        click.echo(f"xennet collect: cannot write {error.filename or destination}: {error.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(str(destination))


def _interrupt(_number: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _terminal_report(line: str) -> None:
    click.echo(line, err=True)


def _quiet(_line: str) -> None:
    pass
