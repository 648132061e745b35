"""Rule documentation: the `xennet rules` table, each rule's page and the index of the pages.

A rule's page is Markdown and has one source: `render_rule` writes it, `xennet explain` prints it and
scripts/rule_docs.py stores it as docs/rules/ID.md. The page follows ruff's order (what it does, why
it is bad, an example, what to use instead) and shows what xennet really reports on the example: the
examples are linted when the page is rendered, in a temporary folder whose path is cut out of the
findings so that the page does not change from one run to the next.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xennet.findings import Finding
from xennet.registry import ROOT_CAUSE_FAMILY, Rule, all_rules, find_rule, select_rules
from xennet.report import text

if TYPE_CHECKING:
    from xennet.lint.runner import LintResult

INDEX = "README.md"
REGENERATE = ".venv/bin/python scripts/rule_docs.py"
# The folder the examples are written to inside the temporary folder: a fixed name, so that a finding
# that names its tree reads the same in every run.
EXAMPLE_FOLDER = "example"
CAPTURE_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\n\r\r\n")
MAX_SIZES_LISTED = 8  # frames of an example capture listed one by one
FAMILY_NAMES = {
    "E": "Inputs xennet cannot read",
    "X": "Xen domain configs",
    "N": "dom0 and guest network configuration",
    "P": "Packet captures",
    ROOT_CAUSE_FAMILY: "Root causes (configuration joined with captures)",
}


def render_table(rules: Sequence[Rule], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            [{"id": r.id, "slug": r.slug, "severity": r.severity.value, "summary": r.summary} for r in rules],
            indent=2,
        )
    width = max(len(rule.slug) for rule in rules)
    return "\n".join(f"{r.id:<6}{r.slug:<{width + 2}}{r.severity.value:<9}{r.summary}" for r in rules)


def write_example(folder: Path, files: dict[str, str], trees: Sequence[str] = ()) -> list[str]:
    """Write an example's {name: content} under `folder` and return the paths to lint: each file, or
    each of `trees` (EXAMPLE_TREES) as one host tree. Content that is not ASCII is written as Latin-1
    bytes: that is how the examples hold binary files (captures, archives, invalid UTF-8)."""
    paths = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("latin-1") if not content.isascii() else content.encode())
        paths.append(str(path))
    return [str(folder / tree) for tree in trees] if trees else paths


EXAMPLE_CONFIG = ".xennet.toml"  # an example's own configuration (site facts), at its top: never an input


def lint_example(folder: Path, files: dict[str, str], trees: Sequence[str] = (),
                 rules: Sequence[Rule] | None = None) -> LintResult:
    """Write an example under `folder` and lint it as `xennet lint` would (every rule by default), with
    the site facts of its own EXAMPLE_CONFIG when it has one."""
    from xennet.config import Overrides, load_settings  # imports the runner: only when needed
    from xennet.lint.runner import lint_paths

    paths = write_example(folder, files, trees)
    config = folder / EXAMPLE_CONFIG
    site = load_settings([str(folder)], Overrides(config=str(config))).site if config.exists() else None
    return lint_paths([path for path in paths if path != str(config)], select_rules() if rules is None else rules,
                      site=site)


def example_findings(rule: Rule, files: dict[str, str]) -> list[str]:
    """What `xennet lint` reports for `rule` on the example `files` (every rule runs, as root causes
    need the findings they join; only this rule's findings are kept), paths relative to the example."""
    with tempfile.TemporaryDirectory(prefix="xennet-example-") as temp:
        folder = Path(temp).resolve() / EXAMPLE_FOLDER
        folder.mkdir()
        result = lint_example(folder, files, rule.example_trees)
        found: list[Finding] = [finding for finding in result.findings if finding.rule_id == rule.id]
        lines = [text.format_finding(finding, color=False) for finding in found]
        prefixes = {f"{folder}/", f"{Path(temp)}/{EXAMPLE_FOLDER}/"}
    return [_strip(line, prefixes) for line in lines]


def _strip(line: str, prefixes: set[str]) -> str:
    for prefix in prefixes:
        line = line.replace(prefix, "")
    return line


def _fenced(body: str) -> str:
    """A fenced code block whose fence is longer than any run of backticks in `body`."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{body.rstrip(chr(10))}\n{fence}"


def _escaped(content: str) -> str:
    """Text with its bytes that are neither printable ASCII nor a tab or newline as \\xNN."""
    return re.sub(r"[^\x20-\x7e\n\t]", lambda match: f"\\x{ord(match.group()):02x}", content)


def _binary_description(name: str, data: bytes) -> str | None:
    """A sentence about a capture or a zip archive (which a page cannot show), else None."""
    if data.startswith(CAPTURE_MAGICS):
        from xennet.pcap.reader import open_capture

        capture = open_capture(name, data=data)
        sizes = [int(size) for chunk in capture.chunks for size in chunk["wirelen"]]
        kind = "pcapng" if data.startswith(b"\n\r\r\n") else "pcap"
        return f"a packet capture ({kind}, {len(data)} bytes): {_frames(sizes)}."
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = ", ".join(f"`{info.filename}` ({info.file_size} bytes)" for info in archive.infolist())
        return f"a zip archive ({len(data)} bytes) with the member(s) {members}."
    return None


def _frames(sizes: list[int]) -> str:
    """`3 frames of 1514, 1514 and 54 bytes`; a long capture by its smallest and largest frame."""
    if not sizes:
        return "no frames"
    if len(sizes) == 1:
        return f"1 frame of {sizes[0]} bytes"
    if len(sizes) > MAX_SIZES_LISTED:
        return f"{len(sizes)} frames of {min(sizes)} to {max(sizes)} bytes"
    return f"{len(sizes)} frames of {', '.join(map(str, sizes[:-1]))} and {sizes[-1]} bytes"


def _example_files(rule: Rule, files: dict[str, str]) -> list[str]:
    module = rule.check.__module__
    parts = []
    for name, content in files.items():
        data = content.encode("latin-1") if not content.isascii() else content.encode()
        described = _binary_description(name, data)
        if described is not None:
            parts += [f"`{name}`: {described} The example builds it in `{module}`.", ""]
        elif _escaped(content) != content:
            parts += [f"`{name}` (bytes that are not printable ASCII written as \\xNN):", "",
                      _fenced(_escaped(content)), ""]
        else:
            parts += [f"`{name}`:", "", _fenced(content), ""]
    return parts


def _reported(rule: Rule, files: dict[str, str]) -> list[str]:
    findings = example_findings(rule, files)
    if not findings:
        return [f"`xennet lint` reports no {rule.id} finding here.", ""]
    return ["`xennet lint` reports:", "", _fenced("\n".join(findings)), ""]


def _links(rule_ids: Sequence[str]) -> list[str]:
    """`- [N170](N170.md) `bridge-nf-fragments`: summary` for each known rule ID."""
    rules = [rule for rule in map(find_rule, rule_ids) if rule is not None]
    return [f"- [{r.id}]({r.id}.md) `{r.slug}`: {r.summary}" for r in rules]


def _joins(rule: Rule) -> tuple[str, ...]:
    """The rules a root cause (family C) joins: its CAUSE then its SYMPTOMS. The registry keeps only
    what every rule has, so these are read from the rule's module."""
    module = sys.modules[rule.check.__module__]
    return (getattr(module, "CAUSE", ""), *getattr(module, "SYMPTOMS", ()))


def _see_also(rule: Rule) -> list[str]:
    if rule.family == ROOT_CAUSE_FAMILY:
        joined = _joins(rule)
        if not any(joined):
            return []
        return ["## See also", "", f"{rule.id} explains findings of these rules:", "", *_links(joined), ""]
    explainers = [other.id for other in all_rules() if other.family == ROOT_CAUSE_FAMILY and rule.id in _joins(other)]
    if not explainers:
        return []
    return ["## See also", "", f"Root causes that explain {rule.id} findings with other evidence:", "",
            *_links(explainers), ""]


def render_rule(rule: Rule) -> str:
    """The rule's page in Markdown: what `xennet explain` prints and docs/rules/ID.md holds."""
    parts = [
        f"# {rule.id} {rule.slug}",
        "",
        f"Default severity: {rule.severity.value}",
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why is this bad?",
        "",
        rule.rationale.strip(),
        "",
        "## Example",
        "",
        *_example_files(rule, rule.bad),
        *_reported(rule, rule.bad),
        "## Use instead",
        "",
        *_example_files(rule, rule.good),
        *_reported(rule, rule.good),
        "## Fix",
        "",
        rule.fix,
        "",
    ]
    if rule.references:
        parts += ["## References", "", *(f"- {reference}" for reference in rule.references), ""]
    parts += _see_also(rule)
    return "\n".join(parts).rstrip("\n")


def render_index(rules: Sequence[Rule]) -> str:
    """docs/rules/README.md: one table per family, each rule linking its page."""
    parts = [
        "# xennet rules",
        "",
        f"Generated from the rule registry by `{REGENERATE}`; do not edit. `xennet explain ID` prints the same",
        "page as the file ID.md here.",
        "",
    ]
    for family, name in FAMILY_NAMES.items():
        members = [rule for rule in rules if rule.family == family]
        if not members:
            continue
        parts += [f"## {family}: {name}", "", "| ID | slug | severity | what it finds |", "|---|---|---|---|"]
        parts += [f"| [{r.id}]({r.id}.md) | `{r.slug}` | {r.severity.value} | {r.summary.replace('|', chr(92) + '|')} |"
                  for r in members]
        parts.append("")
    return "\n".join(parts).rstrip("\n")


def rule_docs() -> dict[str, str]:
    """Every generated file of docs/rules: {file name: content}, the index first."""
    rules = all_rules()
    return {INDEX: render_index(rules) + "\n", **{f"{rule.id}.md": render_rule(rule) + "\n" for rule in rules}}


def stale_docs(folder: Path, docs: dict[str, str]) -> list[str]:
    """The files of `folder` that differ from `docs`: missing, changed, or Markdown files that no rule
    generates any more (a removed rule's page)."""
    present = {path.name for path in folder.glob("*.md")} if folder.is_dir() else set()
    stale = [name for name, content in docs.items()
             if name not in present or (folder / name).read_text(encoding="utf-8") != content]
    return stale + sorted(present - docs.keys())
