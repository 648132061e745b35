"""`xennet lint`'s pipeline: discover -> load/parse -> model (domains, hosts) -> rules -> sorted findings.

Each folder the user names is one host tree (a dom0 or a guest); files named one by one form one
more tree. The dom0 is the first tree with Xen facts (domain configs, xl list, xenstore), else the
first tree; the others are guests, joined to their domains by MAC or hostname.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from xennet.correlate import run_rules
from xennet.discover import Candidate, iter_candidates
from xennet.findings import Finding, Location
from xennet.pcap.load import CaptureOptions, is_capture, load_captures
from xennet.registry import Rule

from .classify import kind_by_path
from .facts import ConfigFile, ParseProblem
from .host import Host, build_host, join_guests
from .hostfacts import HostFacts
from .load import Loaded, load_input
from .model import LintModel, build_model
from .sources.interfaces import resolve_sources, source_directives

Progress = Callable[[list[Candidate]], Iterable[Candidate]]
LOOSE_FILES = "files given by name"
MAX_INTERFACES_BYTES = 1024 * 1024
ARCHIVE_REFUSED = "archive-refused"  # the ParseProblem kind of a member an archive reader refused (E006)


@dataclass
class LintResult:
    model: LintModel
    findings: list[Finding]

    @property
    def unreadable(self) -> list[ParseProblem]:
        """Inputs that could not be read at all (they make `xennet lint` exit 2)."""
        return [p for p in self.model.input_problems if p.kind in ("unreadable", "too-large")]


@dataclass
class _Tree:
    label: str
    configs: list[ConfigFile] = field(default_factory=list)
    facts: HostFacts = field(default_factory=HostFacts)


def lint_paths(
    paths: Iterable[str],
    rules: Sequence[Rule],
    progress: Progress | None = None,
    captures: CaptureOptions | None = None,
) -> LintResult:
    """Lint every input under `paths` with `rules`; `progress` may wrap the list of files (a progress bar).
    `captures` says how capture files are read (ports, MTUs, engine).

    Raises MissingPathError for a path that does not exist."""
    model = load_model(paths, progress, captures)
    return LintResult(model=model, findings=run_rules(model, rules))


def load_model(
    paths: Iterable[str],
    progress: Progress | None = None,
    captures: CaptureOptions | None = None,
) -> LintModel:
    """Read and parse every input and assemble the model, without judging anything. Capture files
    (pcap, pcapng) are read after the host model is built, so their ports can take its MTUs."""
    inputs = _Inputs()
    candidates = list(iter_candidates(paths))
    sourced = _sourced_by_interfaces(candidates)
    for candidate in progress(candidates) if progress else candidates:
        inputs.add(candidate, "interfaces" if candidate.path in sourced else None)
    trees = inputs.trees.values()
    model = build_model([c for tree in trees for c in tree.configs], inputs.problems, inputs.skipped)
    model.analyzed = inputs.analyzed
    model.inventory = inputs.inventory
    model.hosts = [_host(tree, model) for tree in trees]
    _choose_dom0(model)
    if inputs.capture_paths or (captures is not None and captures.ports):
        model.captures = load_captures(inputs.capture_paths, captures, model, inputs.capture_bytes)
        named = captures.ports.values() if captures is not None else ()
        added = [path for path in dict.fromkeys(named) if path not in inputs.analyzed]
        model.analyzed.extend(added)
        model.inventory.extend((path, "capture (--port)") for path in added)
    return model


@dataclass
class _Inputs:
    """What the inputs gave, file by file: host trees, captures, problems, and the inventory of
    what each input was recognized as."""

    trees: dict[str, _Tree] = field(default_factory=dict)
    capture_paths: list[str] = field(default_factory=list)
    capture_bytes: dict[str, bytes] = field(default_factory=dict)  # captures read from archives
    problems: list[ParseProblem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    analyzed: list[str] = field(default_factory=list)
    inventory: list[tuple[str, str]] = field(default_factory=list)

    def add(self, candidate: Candidate, forced: str | None) -> None:
        """Read one candidate; `forced` is the host source kind it must be read as, if any."""
        if candidate.refused is not None:
            self.problems.append(ParseProblem(ARCHIVE_REFUSED, candidate.refused, Location(candidate.path)))
            self.inventory.append((candidate.path, f"refused: {candidate.refused}"))
        elif is_capture(candidate.path, candidate.data):
            self.capture_paths.append(candidate.path)
            if candidate.data is not None:
                self.capture_bytes[candidate.path] = candidate.data
            self.analyzed.append(candidate.path)
            self.inventory.append((candidate.path, "capture"))
        else:
            self._load(candidate, forced)

    def _load(self, candidate: Candidate, forced: str | None) -> None:
        label = candidate.root or LOOSE_FILES
        tree = self.trees.setdefault(label, _Tree(label))
        loaded = load_input(candidate.path, candidate.explicit, candidate.relative, forced, candidate.data)
        if loaded.config is not None or loaded.facts is not None:
            self.analyzed.append(candidate.path)
        if loaded.config is not None:
            tree.configs.append(loaded.config)
        if loaded.facts is not None:
            tree.facts.merge(loaded.facts)
        self.problems.extend(loaded.problems)
        if loaded.skipped:
            self.skipped.append((candidate.path, loaded.skipped))
        self.inventory.append((candidate.path, _recognized_as(loaded)))


def _recognized_as(loaded: Loaded) -> str:
    if loaded.kind:
        return loaded.kind
    if loaded.skipped:
        return f"skipped: {loaded.skipped}"
    return "not analyzed: " + "; ".join(problem.message for problem in loaded.problems)


def _sourced_by_interfaces(candidates: list[Candidate]) -> set[str]:
    """Files that an /etc/network/interfaces file includes (`source`, `source-directory`), resolved
    among the files of the same tree: they are interfaces files whatever their names."""
    trees: dict[str | None, list[str]] = {}
    for candidate in candidates:
        trees.setdefault(candidate.root, []).append(candidate.path)
    sourced: set[str] = set()
    for candidate in candidates:
        kind = kind_by_path(candidate.relative)
        if kind is None or kind.name != "interfaces":
            continue
        text = _interfaces_text(candidate)
        if text is None:
            continue  # load_input reports it
        directives = source_directives(text, candidate.path)
        sourced.update(resolve_sources(candidate.path, directives, trees[candidate.root]))
    return sourced


def _interfaces_text(candidate: Candidate) -> str | None:
    if candidate.data is not None:
        return candidate.data[:MAX_INTERFACES_BYTES].decode("utf-8", errors="replace")
    try:
        with open(candidate.path, encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_INTERFACES_BYTES)
    except OSError:
        return None


def _host(tree: _Tree, model: LintModel) -> Host:
    configs = {id(config) for config in tree.configs}
    return build_host(
        tree.label,
        tree.facts,
        tree.configs,
        [d for d in model.domains if id(d.source) in configs],
        [d for d in model.defaults if any(d.path == c.path for c in tree.configs)],
    )


def _choose_dom0(model: LintModel) -> None:
    if not model.hosts:
        return
    dom0 = next((host for host in model.hosts if host.has_xen_facts), model.hosts[0])
    dom0.is_dom0 = True
    model.dom0 = dom0
    model.guest_links = list(join_guests(dom0, [host for host in model.hosts if host is not dom0]))
