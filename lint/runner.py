"""`xennet lint`'s pipeline: discover -> load/parse -> model (domains, hosts) -> rules -> sorted findings.

Each folder or archive the user names is one host tree (a dom0 or a guest), or, for a case folder,
each of its subfolders that looks like a host (xennet/discover.py); files named one by one form one
more tree. The dom0 is the first tree with Xen facts (domain configs, xl list, xenstore), else the
first tree, never a tree named by `--guest`; the others are guests, joined to their domains by
`--guest`, else by MAC, else by hostname.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from xennet.correlate import run_rules
from xennet.discover import Candidate, iter_candidates
from xennet.findings import Finding, Location
from xennet.pcap.load import CaptureOptions, is_capture, load_captures
from xennet.registry import Rule
from xennet.suppress import BadSuppression, Suppression
from xennet.suppress import apply as apply_suppressions

from .classify import kind_by_path
from .facts import ConfigFile, ParseProblem
from .host import Host, build_host, join_guests
from .hostfacts import HostFacts
from .inventory import InventoryEntry, config_summary, facts_summary
from .kernel import running_kernel
from .load import Loaded, load_input
from .model import Domain, LintModel, build_model
from .site import SiteFacts
from .sources.interfaces import resolve_sources, source_directives

Progress = Callable[[list[Candidate]], Iterable[Candidate]]
LOOSE_FILES = "files given by name"
MAX_INTERFACES_BYTES = 1024 * 1024
ARCHIVE_REFUSED = "archive-refused"  # the ParseProblem kind of a member an archive reader refused (E006)
AFTER_SUPPRESSIONS = ("E007",)  # rules that judge the suppression comments once they were applied


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


class GuestOptionError(Exception):
    """A `--guest NAME=PATH` that cannot be applied: PATH is no host tree, or NAME no domain of the dom0."""


def lint_paths(
    paths: Iterable[str],
    rules: Sequence[Rule],
    progress: Progress | None = None,
    captures: CaptureOptions | None = None,
    guests: Mapping[str, str] | None = None,
    *,
    suppressions: bool = True,
    site: SiteFacts | None = None,
) -> LintResult:
    """Lint every input under `paths` with `rules`; `progress` may wrap the list of files (a progress bar).
    `captures` says how capture files are read (ports, MTUs, engine); `guests` ({domain name: tree
    path}) joins those trees to those domains of the dom0. `suppressions=False` ignores the inputs'
    `# xennet: disable=` comments (--no-suppressions); `site` holds the facts of the user's config.

    Raises MissingPathError for a path that does not exist, GuestOptionError for a bad `guests` entry."""
    model = load_model(paths, progress, captures, guests, site)
    if not suppressions:
        model.suppressions, model.bad_suppressions = [], []
    model.rules_run = list(rules)
    findings = run_rules(model, [rule for rule in rules if rule.id not in AFTER_SUPPRESSIONS])
    findings, model.suppressed = apply_suppressions(findings, model.suppressions)
    late = [finding for rule in rules if rule.id in AFTER_SUPPRESSIONS for finding in rule.run(model)]
    roots = [finding for finding in findings if finding.explains]
    rest = [finding for finding in findings if not finding.explains] + late
    return LintResult(model=model, findings=roots + sorted(rest, key=lambda finding: finding.sort_key))


def load_model(
    paths: Iterable[str],
    progress: Progress | None = None,
    captures: CaptureOptions | None = None,
    guests: Mapping[str, str] | None = None,
    site: SiteFacts | None = None,
) -> LintModel:
    """Read and parse every input and assemble the model, without judging anything. Capture files
    (pcap, pcapng) are read after the host model is built, so their ports can take its MTUs. A tree
    named in `guests` that is not among `paths` is read too."""
    inputs = _Inputs()
    candidates = list(iter_candidates(paths, _recognized_at_top))
    guest_trees = _guest_trees(guests or {}, candidates)
    sourced = _sourced_by_interfaces(candidates)
    for candidate in progress(candidates) if progress else candidates:
        inputs.add(candidate, "interfaces" if candidate.path in sourced else None)
    trees = inputs.trees.values()
    model = build_model([c for tree in trees for c in tree.configs], inputs.problems, inputs.skipped)
    model.analyzed = inputs.analyzed
    model.inventory = [_with_config_facts(model, entry) for entry in inputs.inventory]
    model.hosts = [_host(tree, model) for tree in trees]
    _choose_dom0(model, guest_trees)
    model.suppressions, model.bad_suppressions = inputs.suppressions, inputs.bad_suppressions
    if site is not None:
        _add_site(model, site)
    if inputs.capture_paths or (captures is not None and captures.ports):
        model.captures = load_captures(inputs.capture_paths, captures, model, inputs.capture_bytes)
        named = captures.ports.values() if captures is not None else ()
        added = [path for path in dict.fromkeys(named) if path not in inputs.analyzed]
        model.analyzed.extend(added)
        model.inventory.extend(InventoryEntry(path, "capture (--port)") for path in added)
    return model


def _add_site(model: LintModel, site: SiteFacts) -> None:
    """Put the site facts on the model; the site's kernel becomes the dom0's when its tree states none
    (the finding then cites the config file's line)."""
    model.site = site
    if site.kernel is not None and model.dom0 is not None and running_kernel(model.dom0) is None:
        model.dom0.facts.kernel.append(site.kernel)


def _recognized_at_top(path: str) -> bool:
    """Whether a file at a folder's top level makes the folder a host tree (not a case folder): xennet
    reads it as a host source or a Xen config. A capture does not: cases keep captures at the top."""
    return not is_capture(path) and bool(load_input(path, explicit=False).kind)


def _guest_trees(guests: Mapping[str, str], candidates: list[Candidate]) -> dict[str, str]:
    """{tree label: domain name} for `--guest NAME=PATH`; a PATH that is not one of the trees read
    from `candidates` is read as one more input (its candidates are added)."""
    labels = {os.path.realpath(c.root): c.root for c in candidates if c.root is not None}
    trees: dict[str, str] = {}
    for name, path in guests.items():
        real = os.path.realpath(path)
        if real not in labels:
            inside = next((label for root, label in labels.items() if real.startswith(root + os.sep)), None)
            if inside is not None:
                raise GuestOptionError(f"--guest {name}={path}: {path} is part of the host tree {inside}")
            added = list(iter_candidates([path], _recognized_at_top))
            candidates.extend(added)
            labels.update((os.path.realpath(c.root), c.root) for c in added if c.root is not None)
        if real not in labels:
            raise GuestOptionError(f"--guest {name}={path}: {path} is not one host tree (a folder or an archive)")
        trees[labels[real]] = name
    return trees


def _with_config_facts(model: LintModel, entry: InventoryEntry) -> InventoryEntry:
    """A Xen config's entry with the domains and defaults it gave (known once the model is built)."""
    if entry.facts or entry.path not in {config.path for config in model.files}:
        return entry
    return InventoryEntry(entry.path, entry.recognized_as, config_summary(model, entry.path))


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
    inventory: list[InventoryEntry] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    bad_suppressions: list[BadSuppression] = field(default_factory=list)

    def add(self, candidate: Candidate, forced: str | None) -> None:
        """Read one candidate; `forced` is the host source kind it must be read as, if any."""
        if candidate.refused is not None:
            self.problems.append(ParseProblem(ARCHIVE_REFUSED, candidate.refused, Location(candidate.path)))
            self.inventory.append(InventoryEntry(candidate.path, f"refused: {candidate.refused}"))
        elif candidate.skipped is not None:
            self.skipped.append((candidate.path, candidate.skipped))
            self.inventory.append(InventoryEntry(candidate.path, f"skipped: {candidate.skipped}"))
        elif is_capture(candidate.path, candidate.data):
            self.capture_paths.append(candidate.path)
            if candidate.data is not None:
                self.capture_bytes[candidate.path] = candidate.data
            self.analyzed.append(candidate.path)
            self.inventory.append(InventoryEntry(candidate.path, "capture"))
        else:
            self._load(candidate, forced)

    def _load(self, candidate: Candidate, forced: str | None) -> None:
        """Read one file into its tree; a tree exists once one of its files gave a config or facts."""
        loaded = load_input(candidate.path, candidate.explicit, candidate.relative, forced, candidate.data)
        if loaded.config is not None or loaded.facts is not None:
            self.analyzed.append(candidate.path)
            label = candidate.root or LOOSE_FILES
            tree = self.trees.setdefault(label, _Tree(label))
            if loaded.config is not None:
                tree.configs.append(loaded.config)
            if loaded.facts is not None:
                tree.facts.merge(loaded.facts)
        self.problems.extend(loaded.problems)
        self.suppressions.extend(loaded.suppressions)
        self.bad_suppressions.extend(loaded.bad_suppressions)
        if loaded.skipped:
            self.skipped.append((candidate.path, loaded.skipped))
        facts = facts_summary(loaded.facts) if loaded.facts is not None else ()
        self.inventory.append(InventoryEntry(candidate.path, _recognized_as(loaded), facts))


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


def _choose_dom0(model: LintModel, guest_trees: Mapping[str, str]) -> None:
    """The dom0 is the first tree with Xen facts, else the first tree, never a `--guest` tree; the
    others are joined to its domains. Raises GuestOptionError for a bad `--guest`."""
    candidates = [host for host in model.hosts if host.label not in guest_trees]
    dom0 = next((host for host in candidates if host.has_xen_facts), candidates[0] if candidates else None)
    forced = _forced_domains(model, dom0, guest_trees)
    if dom0 is not None:
        dom0.is_dom0 = True
        model.dom0 = dom0
        model.guest_links = list(join_guests(dom0, [host for host in model.hosts if host is not dom0], forced))


def _forced_domains(model: LintModel, dom0: Host | None, guest_trees: Mapping[str, str]) -> dict[str, Domain]:
    """{tree label: domain} for the `--guest` trees."""
    read = {host.label for host in model.hosts}
    forced = {}
    for label, name in guest_trees.items():
        if label not in read:
            raise GuestOptionError(f"--guest {name}={label}: nothing in {label} was read as host facts or configs")
        forced[label] = _domain_named(dom0, name, label)
    return forced


def _domain_named(dom0: Host | None, name: str, path: str) -> Domain:
    """The dom0's domain `name`; the error lists the names it has."""
    domain = next((d for d in dom0.domains if d.name == name), None) if dom0 is not None else None
    if domain is not None:
        return domain
    if dom0 is None:
        where = "there is no dom0 tree (every tree given is a --guest)"
    else:
        known = sorted({d.name for d in dom0.domains if d.name})
        where = f"dom0 {dom0.label} has " + (f"the domains {', '.join(known)}" if known else "no domain configs")
    raise GuestOptionError(f"--guest {name}={path}: {name} is not a domain of the dom0; {where}")
