"""Configuration: `[tool.xennet]` in `pyproject.toml`, or the top level of `.xennet.toml`.

Discovery: from the common folder of the inputs, walk up and take the first `.xennet.toml`, or the
first `pyproject.toml` that has a `[tool.xennet]` table (in the same folder `.xennet.toml` wins).
The walk stops at the folder holding `.git` (the repository's root) or at the filesystem root.
`--config FILE` names the file instead; `--isolated` reads none. Command line flags win over the
file: --select replaces `select` and `extend-select`, --ignore replaces `ignore`, --fail-on replaces
`fail-on`.

Every key and value is validated; a mistake is a ConfigError whose text is one line naming the file,
the line and the key (the CLI prints it and exits 2). tomllib gives no line numbers for keys, so
`_key_lines` finds them in the text (tables, dotted keys, inline tables take their parent's line).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from xennet.findings import Location, Severity
from xennet.lint.hostfacts import Fact
from xennet.lint.kernel import parse_release
from xennet.lint.site import SiteFacts
from xennet.registry import Rule, select_rules, unknown_codes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

XENNET_TOML, PYPROJECT = ".xennet.toml", "pyproject.toml"
DEFAULT = "default"
_OUI = re.compile(r"^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")
_KEY_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""")


class ConfigError(Exception):
    """A config file xennet cannot use; str() is one line: `path:line: what is wrong`."""


class OptionError(ConfigError):
    """A command line value xennet cannot use (an unknown code in --select or --ignore)."""


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None / empty means "not given"."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    config: str | None = None
    isolated: bool = False
    no_suppressions: bool = False
    baseline: str | None = None
    update_baseline: bool = False


@dataclass
class Settings:
    """The effective configuration, and in `origins` where each key's value came from: "default", a
    config file line ("pyproject.toml:12") or a flag ("--select")."""

    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    severity: dict[str, Severity] = field(default_factory=dict)
    site: SiteFacts = field(default_factory=SiteFacts)
    config_path: str | None = None
    root: str = "."  # the folder per-file-ignores globs are relative to: the config file's, else the cwd
    origins: dict[str, str] = field(default_factory=dict)
    use_suppressions: bool = True
    baseline: str | None = None
    update_baseline: bool = False

    def rules(self) -> list[Rule]:
        """The rules to run: `select` (all when empty) plus `extend-select`, minus `ignore`."""
        return select_rules([*self.select, *self.extend_select] if self.select else [], self.ignore)

    def values(self) -> dict[str, object]:
        """Every key as the config file would spell it, with its effective value (for `xennet config`)."""
        site = self.site
        return {
            "select": list(self.select),
            "extend-select": list(self.extend_select),
            "ignore": list(self.ignore),
            "per-file-ignores": {glob: list(codes) for glob, codes in self.per_file_ignores.items()},
            "fail-on": self.fail_on.value,
            "severity": {code: level.value for code, level in self.severity.items()},
            "site.allowed-ouis": [":".join(f"{octet:02x}" for octet in oui.value) for oui in site.allowed_ouis],
            "site.kernel": site.kernel.value if site.kernel is not None else None,
            "site.bridge-mtu": {bridge: mtu.value for bridge, mtu in site.bridge_mtu.items()},
        }

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT)


def load_settings(paths: Sequence[str], overrides: Overrides = Overrides()) -> Settings:
    """The settings for a run on `paths`: the discovered (or named) config file, then the flags."""
    settings = Settings(root=os.getcwd())
    path = None if overrides.isolated else overrides.config or find_config(paths)
    if path is not None:
        _ConfigFile(path).apply(settings)
    _apply_overrides(settings, overrides)
    return settings


def find_config(paths: Sequence[str]) -> str | None:
    """The config file that governs `paths` (see the module docstring), or None."""
    folder = _common_folder(paths)
    while True:
        for name in (XENNET_TOML, PYPROJECT):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and (name == XENNET_TOML or _has_xennet_table(candidate)):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder or os.path.isdir(os.path.join(folder, ".git")):
            return None
        folder = parent


def _common_folder(paths: Sequence[str]) -> str:
    folders = [path if os.path.isdir(path) else os.path.dirname(path) or "." for path in paths] or ["."]
    return os.path.commonpath([os.path.abspath(folder) for folder in folders])


def _has_xennet_table(path: str) -> bool:
    """Whether a pyproject.toml has [tool.xennet]; a pyproject that does not mention it is not parsed."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return False
    if "xennet" not in text:
        return False
    tool = _parse(path, text).get("tool")
    return isinstance(tool, dict) and "xennet" in tool


def _parse(path: str, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        at = _TOML_AT.search(message)
        line = at.group(1) if at is not None and at.group(1) else str(text.count("\n") + 1)
        raise ConfigError(f"{_shown(path)}:{line}: invalid TOML: {message[: at.start()] if at else message}") from None


def _shown(path: str) -> str:
    """A config path as messages show it: relative to the current folder when it is below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _apply_overrides(settings: Settings, overrides: Overrides) -> None:
    if overrides.select:
        settings.select, settings.extend_select = _cli_codes(overrides.select, "--select"), ()
        settings.origins["select"] = settings.origins["extend-select"] = "--select"
    if overrides.ignore:
        settings.ignore = _cli_codes(overrides.ignore, "--ignore")
        settings.origins["ignore"] = "--ignore"
    if overrides.fail_on is not None:
        settings.fail_on = Severity.parse(overrides.fail_on)
        settings.origins["fail-on"] = "--fail-on"
    settings.use_suppressions = not overrides.no_suppressions
    settings.baseline, settings.update_baseline = overrides.baseline, overrides.update_baseline


def _cli_codes(values: Iterable[str], option: str) -> tuple[str, ...]:
    """--select X1,E --select vif-mac-invalid -> ("X1", "E", "vif-mac-invalid"); unknown codes are errors."""
    codes = tuple(code.strip() for value in values for code in value.split(",") if code.strip())
    bad = unknown_codes(codes)
    if bad:
        raise OptionError(f"unknown rule code(s): {', '.join(bad)} in {option} (see `xennet rules`)")
    return codes


class _ConfigFile:
    """One config file: its table of settings and the line of each key."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.shown = _shown(path)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ConfigError(f"{self.shown}: cannot read the config file: {reason}") from None
        document = _parse(path, text)
        self.lines = _key_lines(text)
        self.prefix: tuple[str, ...] = ("tool", "xennet") if os.path.basename(path) == PYPROJECT else ()
        table: object = document
        for part in self.prefix:
            table = table.get(part) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            raise ConfigError(f"{self.shown}: no [tool.xennet] table")
        self.table: dict[str, object] = table

    def line(self, *keys: str) -> int:
        """The line of a key (or of the nearest enclosing key or table that has one), else 1."""
        full = (*self.prefix, *keys)
        for end in range(len(full), 0, -1):
            if full[:end] in self.lines:
                return self.lines[full[:end]]
        return 1

    def error(self, keys: Sequence[str], message: str) -> ConfigError:
        dotted = ".".join(key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key) for key in keys)
        return ConfigError(f"{self.shown}:{self.line(*keys)}: `{dotted}`: {message}")

    def apply(self, settings: Settings) -> None:
        settings.config_path = self.path
        settings.root = os.path.dirname(os.path.abspath(self.path))
        _check_keys(self, (), self.table, [*_TOP_KEYS, "site"])
        for key, value in self.table.items():
            if key == "site":
                continue
            _TOP_KEYS[key](self, key, value, settings)
            settings.origins[key] = f"{self.shown}:{self.line(key)}"
        site = self.table.get("site", {})
        if not isinstance(site, dict):
            raise self.error(["site"], "expected a table ([tool.xennet.site] or [site])")
        _check_keys(self, ("site",), site, _SITE_KEYS)
        settings.site = SiteFacts(
            allowed_ouis=_ouis(self, site.get("allowed-ouis", [])),
            kernel=_kernel(self, site.get("kernel")),
            bridge_mtu=_bridge_mtus(self, site.get("bridge-mtu", {})),
        )
        settings.origins.update((f"site.{key}", f"{self.shown}:{self.line('site', key)}") for key in site)


def _check_keys(config: _ConfigFile, where: tuple[str, ...], table: Mapping[str, object],
                known: Iterable[str]) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known keys: {', '.join(known)}"
            raise config.error([*where, key], f"unknown key{hint}")


def _codes(config: _ConfigFile, keys: Sequence[str], value: object) -> tuple[str, ...]:
    """A list of rule codes (IDs, slugs, prefixes), each one known."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise config.error(keys, f"expected a list of rule codes such as [\"X101\", \"N1\"], got {json.dumps(value)}")
    bad = unknown_codes(value)
    if bad:
        raise config.error(keys, f"unknown rule code(s): {', '.join(bad)} (see `xennet rules`)")
    return tuple(item.strip() for item in value)


def _level(config: _ConfigFile, keys: Sequence[str], value: object) -> Severity:
    if not isinstance(value, str) or value.strip().lower() not in {level.value for level in Severity}:
        raise config.error(keys, f"expected \"error\", \"warning\" or \"info\", got {json.dumps(value)}")
    return Severity.parse(value)


def _table(config: _ConfigFile, keys: Sequence[str], value: object, form: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise config.error(keys, f"expected a table such as {form}")
    return value


def _set_codes(attribute: str) -> Callable[[_ConfigFile, str, object, Settings], None]:
    def setter(config: _ConfigFile, key: str, value: object, settings: Settings) -> None:
        setattr(settings, attribute, _codes(config, [key], value))
    return setter


def _set_per_file_ignores(config: _ConfigFile, key: str, value: object, settings: Settings) -> None:
    table = _table(config, [key], value, '{"legacy/*.cfg" = ["X130"]}')
    settings.per_file_ignores = {glob: _codes(config, [key, glob], codes) for glob, codes in table.items()}


def _set_fail_on(config: _ConfigFile, key: str, value: object, settings: Settings) -> None:
    settings.fail_on = _level(config, [key], value)


def _set_severity(config: _ConfigFile, key: str, value: object, settings: Settings) -> None:
    table = _table(config, [key], value, '{"X114" = "warning"}')
    settings.severity = {code: _level(config, [key, code], level) for code, level in table.items()}
    bad = unknown_codes(settings.severity)
    if bad:
        raise config.error([key, bad[0]], f"unknown rule code(s): {', '.join(bad)} (see `xennet rules`)")


def _ouis(config: _ConfigFile, value: object) -> tuple[Fact[tuple[int, int, int]], ...]:
    keys = ["site", "allowed-ouis"]
    if not isinstance(value, list) or not all(isinstance(item, str) and _OUI.match(item.lower()) for item in value):
        raise config.error(keys, f"expected a list of MAC prefixes such as [\"52:54:00\"], got {json.dumps(value)}")
    location = Location(config.shown, config.line(*keys))
    return tuple(Fact(tuple(int(part, 16) for part in item.split(":")), location)  # type: ignore[misc]
                 for item in value)


def _kernel(config: _ConfigFile, value: object) -> Fact[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or parse_release(value) is None:
        raise config.error(["site", "kernel"], f"expected a kernel release such as \"2.6.18-128.el5xen\","
                                               f" got {json.dumps(value)}")
    return Fact(value.strip(), Location(config.shown, config.line("site", "kernel")))


def _bridge_mtus(config: _ConfigFile, value: object) -> dict[str, Fact[int]]:
    """{bridge: expected MTU}, each an MTU a Linux bridge can have."""
    keys = ["site", "bridge-mtu"]
    table = _table(config, keys, value, '{"xenbr0" = 9000}')
    for bridge, mtu in table.items():
        if not isinstance(mtu, int) or isinstance(mtu, bool) or not MIN_MTU <= mtu <= MAX_MTU:
            raise config.error([*keys, bridge], f"expected an MTU from {MIN_MTU} to {MAX_MTU}, got {json.dumps(mtu)}")
    return {bridge: Fact(mtu, Location(config.shown, config.line(*keys, bridge))) for bridge, mtu in table.items()}


_TOP_KEYS: dict[str, Callable[[_ConfigFile, str, object, Settings], None]] = {
    "select": _set_codes("select"),
    "extend-select": _set_codes("extend_select"),
    "ignore": _set_codes("ignore"),
    "per-file-ignores": _set_per_file_ignores,
    "fail-on": _set_fail_on,
    "severity": _set_severity,
}  # and "site": _ConfigFile.apply builds SiteFacts from its keys
MIN_MTU, MAX_MTU = 68, 65535  # IPv4's minimum MTU; the largest IP packet
_SITE_KEYS = ("allowed-ouis", "kernel", "bridge-mtu")


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """{("tool", "xennet", "select"): 5, ...}: the line each table header and key is on."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            table = _split_key(header.group(1))
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key is not None:
            lines.setdefault((*table, *_split_key(key.group(1))), number)
    return lines


def _split_key(text: str) -> tuple[str, ...]:
    """`tool.xennet."per-file-ignores"` -> ("tool", "xennet", "per-file-ignores")."""
    return tuple(next(part for part in match.groups() if part is not None) for match in _KEY_PART.finditer(text))


def render(settings: Settings, output_format: str) -> str:
    """`xennet config`: each key's effective value and where it came from."""
    config = _shown(settings.config_path) if settings.config_path else None
    values = settings.values()
    if output_format == "json":
        return json.dumps({
            "config_file": config,
            "settings": {key: {"value": value, "origin": settings.origin(key)} for key, value in values.items()},
        }, indent=2)
    shown = {key: _toml(value) for key, value in values.items()}
    width = max(len(key) + len(value) for key, value in shown.items()) + 3
    lines = [f"# config file: {config or 'none'}"]
    lines.extend(f"{f'{key} = {value}':<{width}}  # {settings.origin(key)}" for key, value in shown.items())
    return "\n".join(lines)


def _toml(value: object) -> str:
    """A value in TOML's notation (strings and lists as JSON writes them, tables inline)."""
    if value is None:
        return '""'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)} = {_toml(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)
