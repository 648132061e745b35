"""`xennet lint`'s pipeline: discover -> load/parse -> model -> rules -> sorted findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from xennet.discover import Candidate, iter_candidates
from xennet.findings import Finding
from xennet.registry import Rule

from .facts import ConfigFile, ParseProblem
from .load import load_config
from .model import LintModel, build_model


@dataclass
class LintResult:
    model: LintModel
    findings: list[Finding]

    @property
    def unreadable(self) -> list[ParseProblem]:
        """Inputs that could not be read at all (they make `xennet lint` exit 2)."""
        return [p for p in self.model.input_problems if p.kind in ("unreadable", "too-large")]


Progress = Callable[[list[Candidate]], Iterable[Candidate]]


def lint_paths(paths: Iterable[str], rules: Sequence[Rule], progress: Progress | None = None) -> LintResult:
    """Lint every config under `paths` with `rules`; `progress` may wrap the list of files (a progress bar).

    Raises MissingPathError for a path that does not exist."""
    configs: list[ConfigFile] = []
    problems: list[ParseProblem] = []
    skipped: list[tuple[str, str]] = []
    candidates = list(iter_candidates(paths))
    for candidate in progress(candidates) if progress else candidates:
        loaded = load_config(candidate.path, candidate.explicit)
        if loaded.config is not None:
            configs.append(loaded.config)
        problems.extend(loaded.problems)
        if loaded.skipped:
            skipped.append((candidate.path, loaded.skipped))
    model = build_model(configs, problems, skipped)
    findings = [finding for rule in rules for finding in rule.run(model)]
    findings.sort(key=lambda finding: finding.sort_key)
    return LintResult(model=model, findings=findings)
