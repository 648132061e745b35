"""The `xennet` command line."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator

import click

from xennet import __version__
from xennet.archive import archive_kind
from xennet.collect.command import collect_command
from xennet.discover import Candidate, MissingPathError
from xennet.findings import Severity, by_importance, flatten
from xennet.lint.runner import GuestOptionError, LintResult, lint_paths, load_model
from xennet.pcap.load import CaptureOptions
from xennet.registry import Rule, all_rules, find_rule, select_rules, unknown_codes
from xennet.report import html_report, json_report, model_report, ports_report, rules_doc, text
from xennet.report import inventory as inventory_report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
PROGRESS_THRESHOLD = 200  # files; below this a progress bar would only flicker
CAPTURE_PROGRESS_BYTES = 64 * 1024 * 1024  # smaller captures are read in a blink
MIN_MTU, MAX_MTU = 68, 65535  # IPv4's minimum MTU; the largest IP packet


def _codes(values: Iterable[str]) -> list[str]:
    """--select X1,E --select vif-mac-invalid -> ["X1", "E", "vif-mac-invalid"]."""
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xennet")
def main() -> None:
    """Find why Xen guests cannot talk on the network."""


def _finding_options(command: Callable[..., None]) -> Callable[..., None]:
    """The rule selection and output options `lint` and `pcap` share."""
    options = [
        click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
                     show_default=True, help="Output format."),
        click.option("--select", multiple=True, metavar="CODES",
                     help="Only these rules: IDs, slugs or family prefixes, comma-separated (e.g. X1,E)."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Leave out these rules (same syntax)."),
        click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error",
                     show_default=True, help="Exit 1 when a finding at or above this severity is reported."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True),
        click.option("-v", "--verbose", is_flag=True, help="Also list the files that were skipped and why."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


_html_option = click.option(
    "--html", "html_path", type=click.Path(dir_okay=False), metavar="FILE",
    help="Also write a self-contained HTML report (root causes, topology, charts, inventory) to FILE.")


def _write_html(result: LintResult, path: str | None) -> None:
    """Write the HTML report when --html was given; a FILE that cannot be written ends the run (exit 2)."""
    if path is None:
        return
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(html_report.render_html(result))
    except OSError as error:
        click.echo(f"xennet: cannot write the HTML report {text.safe(path)}: {error.strerror}", err=True)
        sys.exit(EXIT_USAGE)


def _rules(select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Rule]:
    select_codes, ignore_codes = _codes(select), _codes(ignore)
    bad = unknown_codes(select_codes + ignore_codes)
    if bad:
        raise click.UsageError(f"unknown rule code(s): {', '.join(bad)} (see `xennet rules`)")
    return select_rules(select_codes, ignore_codes)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_finding_options
@_html_option
def lint(paths: tuple[str, ...], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
         fail_on: str, color: str, verbose: bool, html_path: str | None) -> None:
    """Lint Xen configs and dom0/guest network sources under PATHS (files or folders).

    Each folder is one host tree (a dom0, or a guest: sosreport, xen-bugtool, a copy of /etc, a folder
    of command outputs), or a case folder of such trees side by side (see `xennet bundle --help`);
    files named one by one form one more tree."""
    rules = _rules(select, ignore)
    try:
        result = _run_with_progress(paths, rules)
    except MissingPathError as error:
        raise click.UsageError(f"no such file or directory: {error}") from None
    _print_result(result, output_format, color, verbose)
    _write_html(result, html_path)
    sys.exit(_exit_code(result, Severity.parse(fail_on)))


_PORT_OPTION = click.option("--port", "port_options", multiple=True, metavar="NAME=FILE",
                            help="Read FILE as the capture of port NAME (a vif, tap or bridge port).")
_MTU_OPTION = click.option("--mtu", "mtu_options", multiple=True, metavar="NAME=N",
                           help="The MTU of port NAME (else the dom0 interface's MTU from the host trees, else 1500).")


@main.command("pcap")
@click.argument("files", nargs=-1, type=click.Path())
@_PORT_OPTION
@_MTU_OPTION
@click.option("--engine", type=click.Choice(["native", "tshark"]), default="native", show_default=True,
              help="Capture reader: the built-in one, or tshark through pyshark (slow; an independent check).")
@click.option("--with", "with_paths", multiple=True, type=click.Path(), metavar="CONFIG_PATH",
              help="Configs and host trees to lint with the captures (MTUs, bridges, vifs), as `lint` reads them.")
@_finding_options
@_html_option
def pcap_command(files: tuple[str, ...], port_options: tuple[str, ...], mtu_options: tuple[str, ...], engine: str,
                 with_paths: tuple[str, ...], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
                 fail_on: str, color: str, verbose: bool, html_path: str | None) -> None:
    """Check packet captures (pcap, pcapng) FILES: findings as `xennet lint` reports them, then each port's
    packets, bytes, largest IP packet, fragments and MTU."""
    ports, mtus = _ports_and_mtus(port_options, mtu_options)
    if not files and not ports:
        raise click.UsageError("no capture given: name FILE... or --port NAME=FILE")
    missing = next((path for path in [*files, *ports.values(), *with_paths] if not os.path.exists(path)), None)
    if missing is not None:
        raise click.UsageError(f"no such file or directory: {missing}")
    if engine == "tshark" and shutil.which("tshark") is None:
        raise click.UsageError("--engine tshark: tshark is not installed (apt-get install tshark)")
    rules = _rules(select, ignore)
    result = _run_with_captures((*with_paths, *files), rules, CaptureOptions(ports=ports, mtus=mtus, engine=engine))
    captures = result.model.captures.ports if result.model.captures is not None else []
    if output_format == "json":
        click.echo(ports_report.render_json(_lint_json(result), captures))
    else:
        _print_result(result, output_format, color, verbose)
        click.echo(ports_report.render_text(captures))
    _write_html(result, html_path)
    sys.exit(_exit_code(result, Severity.parse(fail_on)))


@main.command("bundle")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--inventory", is_flag=True,
              help="After the findings, list what each host tree was taken for, then every input file and archive"
                   " member, what it was read as and the facts it gave.")
@click.option("--guest", "guest_options", multiple=True, metavar="NAME=PATH",
              help="The host tree at PATH (a folder or an archive, read even when not among PATHS) is the guest of"
                   " the dom0's domain NAME, whatever its MACs and hostname say. Repeatable.")
@_PORT_OPTION
@_MTU_OPTION
@_finding_options
@_html_option
def bundle_command(paths: tuple[str, ...], inventory: bool, guest_options: tuple[str, ...],
                   port_options: tuple[str, ...], mtu_options: tuple[str, ...], output_format: str,
                   select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str, color: str, verbose: bool,
                   html_path: str | None) -> None:
    """Analyze support bundles PATHS together: folders and archives (.tar, .tar.gz, .tar.xz, .tar.bz2,
    .tar.zst, .zip; sosreport, xen-bugtool or any copy of /etc and command outputs) and loose captures.

    Each folder or archive is one host tree (the dom0 bundle and the guest bundles), except a case
    folder: a folder with no `sos_commands`, `etc`, `proc` or `sys` folder and no host source or Xen
    config at its top level, whose subfolders have them. Each such subfolder is one host tree; the
    case folder's other files (captures, notes) are still read. The dom0 is the first tree with Xen
    facts; the other trees are joined to its domains by --guest, else by MAC, else by hostname.

    Archives are read in memory, never extracted; members that are unsafe (absolute paths, `..`, links
    out of the archive, devices, bombs) are refused with an E006 finding and the rest is analyzed.
    Links inside a tree are not followed: their targets are read where they are. Prints the findings,
    then each capture port's statistics when there are captures."""
    ports, mtus = _ports_and_mtus(port_options, mtu_options)
    guests = _guest_paths(guest_options)
    missing = next((path for path in [*ports.values(), *guests.values()] if not os.path.exists(path)), None)
    if missing is not None:
        raise click.UsageError(f"no such file or directory: {missing}")
    try:
        result = _run_with_captures(paths, _rules(select, ignore), CaptureOptions(ports=ports, mtus=mtus), guests)
    except GuestOptionError as error:
        raise click.UsageError(str(error)) from None
    result.findings = by_importance(result.findings)
    captures = result.model.captures.ports if result.model.captures is not None else []
    if output_format == "json":
        document = ports_report.render_json(_lint_json(result), captures)
        click.echo(inventory_report.render_json(document, result.model) if inventory else document)
    else:
        _print_result(result, output_format, color, verbose)
        if captures:
            click.echo(ports_report.render_text(captures))
        if inventory:
            click.echo(inventory_report.render_text(result.model))
    _write_html(result, html_path)
    sys.exit(_exit_code(result, Severity.parse(fail_on)))


def _guest_paths(values: tuple[str, ...]) -> dict[str, str]:
    """--guest NAME=PATH as {name: path}; a NAME or a PATH given twice, or a PATH that is a plain file,
    is a usage error."""
    pairs = _pairs(values, "--guest", "NAME=PATH")
    for index, (name, path) in enumerate(pairs):
        twice = next((other for other in pairs[:index] if other[0] == name or other[1] == path), None)
        if twice is not None:
            raise click.UsageError(f"--guest {name}={path}: conflicts with --guest {twice[0]}={twice[1]}"
                                   " (one tree per domain, one domain per tree)")
        if os.path.isfile(path) and archive_kind(path) is None:
            raise click.UsageError(f"--guest {name}={path}: {path} is a file; PATH must be a host tree"
                                   " (a folder or an archive)")
    return dict(pairs)


def _ports_and_mtus(port_options: tuple[str, ...], mtu_options: tuple[str, ...]) -> tuple[dict[str, str],
                                                                                           dict[str, int]]:
    """--port NAME=FILE and --mtu NAME=N as {name: file} and {name: mtu}; bad values are usage errors."""
    ports = _assignments(port_options, "--port", "NAME=FILE")
    mtus = {name: _mtu_value(name, value) for name, value in _assignments(mtu_options, "--mtu", "NAME=N").items()}
    return ports, mtus


def _run_with_captures(paths: tuple[str, ...], rules: list[Rule], options: CaptureOptions,
                       guests: dict[str, str] | None = None) -> LintResult:
    """`_run_with_progress` with a progress bar over the capture bytes; a missing path is a usage error."""
    progress = _ByteProgress()
    options.progress = progress
    try:
        return _run_with_progress(paths, rules, options, guests)
    except MissingPathError as error:
        raise click.UsageError(f"no such file or directory: {error}") from None
    finally:
        progress.close()


def _assignments(values: tuple[str, ...], option: str, form: str) -> dict[str, str]:
    """("vif1.0=a.pcap",) -> {"vif1.0": "a.pcap"}; a value without a name or a value is a usage error."""
    return dict(_pairs(values, option, form))


def _pairs(values: tuple[str, ...], option: str, form: str) -> list[tuple[str, str]]:
    """("vif1.0=a.pcap",) -> [("vif1.0", "a.pcap")]; a value without a name or a value is a usage error."""
    pairs = []
    for value in values:
        name, equals, item = value.partition("=")
        if not equals or not name.strip() or not item.strip():
            raise click.UsageError(f"{option} {value!r}: expected {form}")
        pairs.append((name.strip(), item.strip()))
    return pairs


def _mtu_value(name: str, value: str) -> int:
    try:
        mtu = int(value)
    except ValueError:
        raise click.UsageError(f"--mtu {name}={value}: the MTU must be a whole number of bytes") from None
    if not MIN_MTU <= mtu <= MAX_MTU:
        raise click.UsageError(f"--mtu {name}={value}: the MTU must be between {MIN_MTU} and {MAX_MTU}")
    return mtu


def _run_with_progress(paths: tuple[str, ...], rules: list[Rule], captures: CaptureOptions | None = None,
                       guests: dict[str, str] | None = None) -> LintResult:
    """A progress bar on a terminal for big trees; quiet otherwise (CI logs, pipes)."""

    def progress(candidates: list[Candidate]) -> Iterator[Candidate]:
        if len(candidates) < PROGRESS_THRESHOLD or not sys.stderr.isatty():
            yield from candidates
            return
        with click.progressbar(candidates, label="Linting", file=sys.stderr, show_pos=True) as bar:
            yield from bar

    return lint_paths(paths, rules, progress, captures, guests)


class _ByteProgress:
    """A progress bar over the bytes of the capture files, on a terminal and for big captures only."""

    def __init__(self) -> None:
        self.bar: click._termui_impl.ProgressBar[int] | None = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < CAPTURE_PROGRESS_BYTES or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label="Reading captures", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _print_result(result: LintResult, output_format: str, color: str, verbose: bool) -> None:
    if output_format == "json":
        click.echo(_lint_json(result))
        return
    model = result.model
    files = model.analyzed
    use_color = color == "always" or (color == "auto" and sys.stdout.isatty())
    for finding in result.findings:
        click.echo(text.format_finding(finding, use_color), color=use_color)
    if verbose:
        for path, reason in model.skipped:
            click.echo(f"skipped: {text.safe(path)}: {reason}")
    click.echo(text.summary_line(flatten(result.findings), len(files), len(model.skipped)))


def _lint_json(result: LintResult) -> str:
    return json_report.render(result.findings, result.model.analyzed, result.model.skipped)


def _exit_code(result: LintResult, fail_on: Severity) -> int:
    if result.unreadable:
        return EXIT_USAGE
    if any(finding.severity.rank >= fail_on.rank for finding in flatten(result.findings)):
        return EXIT_FINDINGS
    return EXIT_CLEAN


main.add_command(collect_command)


@main.command("model")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def model_command(paths: tuple[str, ...], output_format: str) -> None:
    """Print what xennet understood of PATHS: hosts, interfaces, bridges, domains and their vifs.

    Each folder is one host tree (a dom0 or a guest), or a case folder of such trees side by side (see
    `xennet bundle --help`); files named one by one form one more tree."""
    try:
        model = load_model(paths)
    except MissingPathError as error:
        raise click.UsageError(f"no such file or directory: {error}") from None
    click.echo(model_report.render_json(model) if output_format == "json" else model_report.render_text(model))


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: ID, slug, default severity and summary."""
    click.echo(rules_doc.render_table(all_rules(), output_format))


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation (ID or slug) with its bad and good examples."""
    rule = find_rule(code)
    if rule is None:
        raise click.UsageError(f"unknown rule {code!r} (see `xennet rules`)")
    click.echo(rules_doc.render_rule(rule))
