"""The `xennet` command line."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import NoReturn

import click

from xennet import __version__
from xennet import config as config_file
from xennet.archive import archive_kind
from xennet.baseline import BaselineError
from xennet.collect.command import collect_command
from xennet.config import MAX_MTU, MIN_MTU, ConfigError, OptionError, Overrides, Settings, load_settings
from xennet.discover import Candidate, MissingPathError
from xennet.exitcodes import EXIT_USAGE
from xennet.finalize import Outcome, finalize
from xennet.findings import by_importance, flatten
from xennet.lint.runner import GuestOptionError, LintResult, lint_paths, load_model
from xennet.pcap.load import CaptureOptions
from xennet.registry import all_rules, find_rule
from xennet.report import github as github_report
from xennet.report import html_report, json_report, model_report, ports_report, rules_doc, text
from xennet.report import inventory as inventory_report
from xennet.report import junit as junit_report
from xennet.report import sarif as sarif_report

# --format values that print only the findings, for CI systems (docs/output-formats.md)
MACHINE_FORMATS = {"sarif": sarif_report, "junit": junit_report, "github": github_report}
PROGRESS_THRESHOLD = 200  # files; below this a progress bar would only flicker
CAPTURE_PROGRESS_BYTES = 64 * 1024 * 1024  # smaller captures are read in a blink


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xennet")
def main() -> None:
    """Find why Xen guests cannot talk on the network."""


@dataclass(frozen=True)
class FindingOptions:
    """The options `lint`, `pcap` and `bundle` share (see `_finding_options`)."""

    output_format: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    fail_on: str | None
    color: str
    verbose: bool
    config: str | None
    isolated: bool
    no_suppressions: bool
    baseline: str | None
    update_baseline: bool

    def settings(self, paths: tuple[str, ...]) -> Settings:
        """The effective settings: the config file for `paths`, then these flags; a broken config or an
        unknown code is a one-line error and exit 2."""
        if self.update_baseline and self.baseline is None:
            raise click.UsageError("--update-baseline needs --baseline FILE")
        return _load_settings(paths, Overrides(**{item.name: getattr(self, item.name) for item in fields(Overrides)}))


def _load_settings(paths: tuple[str, ...], overrides: Overrides) -> Settings:
    try:
        return load_settings(paths, overrides)
    except OptionError as error:
        raise click.UsageError(str(error)) from None
    except ConfigError as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    click.echo(f"xennet: {message}", err=True)
    sys.exit(EXIT_USAGE)


_SELECTION_OPTIONS = [
    click.option("--select", multiple=True, metavar="CODES",
                 help="Only these rules: IDs, slugs or family prefixes, comma-separated (e.g. X1,E)."
                      " Replaces select and extend-select of the config file."),
    click.option("--ignore", multiple=True, metavar="CODES",
                 help="Leave out these rules (same syntax). Replaces ignore of the config file."),
    click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
                 help="Exit 1 when a finding at or above this severity is reported [default: fail-on of the"
                      " config file, else error]."),
    click.option("--config", type=click.Path(dir_okay=False), metavar="FILE",
                 help="Read this config file (.xennet.toml, or a pyproject.toml with [tool.xennet]) instead of"
                      " looking for one from the inputs up."),
    click.option("--isolated", is_flag=True, help="Read no config file."),
]


def _with_options(command: Callable[..., None], options: list[Callable[..., object]]) -> Callable[..., None]:
    for option in reversed(options):
        command = option(command)  # type: ignore[assignment]
    return command


def _finding_options(command: Callable[..., None]) -> Callable[..., None]:
    """The rule selection, configuration and output options `lint`, `pcap` and `bundle` share, passed
    to the command as one FindingOptions `options`."""
    names = [item.name for item in fields(FindingOptions)]

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> None:
        options = FindingOptions(**{name: kwargs.pop(name) for name in names})  # type: ignore[arg-type]
        command(*args, options=options, **kwargs)

    return _with_options(wrapper, [
        click.option("--format", "output_format", type=click.Choice(["text", "json", *MACHINE_FORMATS]), default="text",
                     show_default=True, help="Output format."),
        *_SELECTION_OPTIONS,
        click.option("--no-suppressions", is_flag=True,
                     help="Ignore `# xennet: disable=` comments in the inputs: show everything."),
        click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Report only findings not recorded in FILE; when FILE does not exist, record the"
                          " current findings in it and report none."),
        click.option("--update-baseline", is_flag=True, help="With --baseline: record the current findings again."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True),
        click.option("-v", "--verbose", is_flag=True,
                     help="Also list the files that were skipped and why, and the findings suppressed or ignored."),
    ])


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


def _finish(result: LintResult, settings: Settings) -> Outcome:
    """The findings after per-file-ignores, severity overrides and the baseline; a baseline file that
    cannot be read or written is a one-line error and exit 2."""
    try:
        return finalize(result, settings)
    except BaselineError as error:
        _fail(str(error))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_finding_options
@_html_option
def lint(paths: tuple[str, ...], options: FindingOptions, html_path: str | None) -> None:
    """Lint Xen configs and dom0/guest network sources under PATHS (files or folders).

    Each folder is one host tree (a dom0, or a guest: sosreport, xen-bugtool, a copy of /etc, a folder
    of command outputs), or a case folder of such trees side by side (see `xennet bundle --help`);
    files named one by one form one more tree."""
    settings = options.settings(paths)
    try:
        result = _run_with_progress(paths, settings)
    except MissingPathError as error:
        raise click.UsageError(f"no such file or directory: {error}") from None
    outcome = _finish(result, settings)
    _print_result(outcome, options)
    _write_html(outcome.result, html_path)
    sys.exit(outcome.exit_code)


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
                 with_paths: tuple[str, ...], options: FindingOptions, html_path: str | None) -> None:
    """Check packet captures (pcap, pcapng) FILES: findings as `xennet lint` reports them, then each port's
    packets, bytes, largest IP packet, fragments and MTU."""
    ports, mtus = _ports_and_mtus(port_options, mtu_options)
    if not files and not ports and not with_paths:
        raise click.UsageError("no capture given: name FILE... or --port NAME=FILE")
    missing = next((path for path in [*files, *ports.values(), *with_paths] if not os.path.exists(path)), None)
    if missing is not None:
        raise click.UsageError(f"no such file or directory: {missing}")
    if engine == "tshark" and shutil.which("tshark") is None:
        raise click.UsageError("--engine tshark: tshark is not installed (apt-get install tshark)")
    inputs = (*with_paths, *files)
    settings = options.settings(inputs)
    outcome = _finish(_run_with_captures(inputs, settings, CaptureOptions(ports=ports, mtus=mtus, engine=engine)),
                      settings)
    result = outcome.result
    captures = result.model.captures.ports if result.model.captures is not None else []
    if not captures:  # only --with paths were given (a `xennet collect` bundle holds its captures)
        raise click.UsageError("no capture given or found: name FILE... or --port NAME=FILE")
    if options.output_format in MACHINE_FORMATS:
        _print_result(outcome, options)
    elif options.output_format == "json":
        click.echo(ports_report.render_json(_lint_json(outcome), captures))
    else:
        _print_result(outcome, options)
        click.echo(ports_report.render_text(captures))
    _write_html(result, html_path)
    sys.exit(outcome.exit_code)


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
                   port_options: tuple[str, ...], mtu_options: tuple[str, ...], options: FindingOptions,
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
    settings = options.settings(paths)
    try:
        outcome = _finish(_run_with_captures(paths, settings, CaptureOptions(ports=ports, mtus=mtus), guests), settings)
    except GuestOptionError as error:
        raise click.UsageError(str(error)) from None
    result = outcome.result
    result.findings = by_importance(result.findings)
    captures = result.model.captures.ports if result.model.captures is not None else []
    if options.output_format in MACHINE_FORMATS:
        _print_result(outcome, options)
    elif options.output_format == "json":
        document = ports_report.render_json(_lint_json(outcome), captures)
        click.echo(inventory_report.render_json(document, result.model) if inventory else document)
    else:
        _print_result(outcome, options)
        if captures:
            click.echo(ports_report.render_text(captures))
        if inventory:
            click.echo(inventory_report.render_text(result.model))
    _write_html(result, html_path)
    sys.exit(outcome.exit_code)


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


def _run_with_captures(paths: tuple[str, ...], settings: Settings, options: CaptureOptions,
                       guests: dict[str, str] | None = None) -> LintResult:
    """`_run_with_progress` with a progress bar over the capture bytes; a missing path is a usage error."""
    progress = _ByteProgress()
    options.progress = progress
    try:
        return _run_with_progress(paths, settings, options, guests)
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


def _run_with_progress(paths: tuple[str, ...], settings: Settings, captures: CaptureOptions | None = None,
                       guests: dict[str, str] | None = None) -> LintResult:
    """A progress bar on a terminal for big trees; quiet otherwise (CI logs, pipes)."""

    def progress(candidates: list[Candidate]) -> Iterator[Candidate]:
        if len(candidates) < PROGRESS_THRESHOLD or not sys.stderr.isatty():
            yield from candidates
            return
        with click.progressbar(candidates, label="Linting", file=sys.stderr, show_pos=True) as bar:
            yield from bar

    return lint_paths(paths, settings.rules(), progress, captures, guests,
                      suppressions=settings.use_suppressions, site=settings.site)


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


def _print_result(outcome: Outcome, options: FindingOptions) -> None:
    result = outcome.result
    if options.output_format in MACHINE_FORMATS:
        report = MACHINE_FORMATS[options.output_format].render(
            result.findings, result.model.rules_run, result.model.analyzed, outcome.exit_code)
        click.echo(report, nl=not report.endswith("\n"))
        return
    if options.output_format == "json":
        click.echo(_lint_json(outcome))
        return
    model = result.model
    files = model.analyzed
    use_color = options.color == "always" or (options.color == "auto" and sys.stdout.isatty())
    for finding in result.findings:
        click.echo(text.format_finding(finding, use_color), color=use_color)
    if options.verbose:
        for path, reason in model.skipped:
            click.echo(f"skipped: {text.safe(path)}: {reason}")
        for item in model.suppressed:
            reason = f" -- {item.suppression.reason}" if item.suppression.reason else ""
            click.echo(f"suppressed: {text.safe(str(item.finding.location))} {item.finding.rule_id}"
                       f" by {item.suppression.location.path}:{item.suppression.location.line}{reason}")
        for finding, glob in outcome.ignored:
            click.echo(f"ignored: {text.safe(str(finding.location))} {finding.rule_id} (per-file-ignores {glob!r})")
    line = text.summary_line(flatten(result.findings), len(files), len(model.skipped))
    if outcome.baseline_written is not None:
        written = outcome.baseline_written
        plural = "s" if written != 1 else ""
        click.echo(f"baseline written: {written} finding{plural} in {text.safe(options.baseline or '')}")
    if outcome.baselined:
        line = f"{line[:-1]} ({outcome.baselined} more in the baseline)."
    click.echo(line)


def _lint_json(outcome: Outcome) -> str:
    model = outcome.result.model
    left_out = {"suppressed": len(model.suppressed), "ignored": len(outcome.ignored), "baselined": outcome.baselined}
    return json_report.render(outcome.result.findings, model.analyzed, model.skipped, left_out)


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


@main.command("config")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@functools.partial(_with_options, options=_SELECTION_OPTIONS)
def config_command(paths: tuple[str, ...], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
                   fail_on: str | None, config: str | None, isolated: bool) -> None:
    """Print the effective configuration for PATHS (default: the current folder), each value with where it
    came from: default, FILE:LINE of the config file, or the flag that set it."""
    settings = _load_settings(paths or (".",), Overrides(select, ignore, fail_on, config, isolated))
    click.echo(config_file.render(settings, output_format))


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: ID, slug, default severity and summary."""
    click.echo(rules_doc.render_table(all_rules(), output_format))


def _rule_codes(_context: click.Context, _parameter: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of `xennet explain`: the rule IDs and slugs that start with what was typed."""
    codes = [code for rule in all_rules() for code in (rule.id, rule.slug)]
    return [code for code in codes if code.lower().startswith(incomplete.lower())]


@main.command()
@click.argument("code", shell_complete=_rule_codes)
def explain(code: str) -> None:
    """Print a rule's documentation (ID or slug) with its bad and good examples."""
    rule = find_rule(code)
    if rule is None:
        raise click.UsageError(f"unknown rule {code!r} (see `xennet rules`)")
    click.echo(rules_doc.render_rule(rule))
