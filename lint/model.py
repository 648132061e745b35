"""The lint model: every parsed config file, the domains and host-wide vif defaults found in them.

Built from ConfigFile facts by `build_model`; rules read it and never open files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xennet.findings import Finding, Location

from .facts import Atom, ConfigFile, ConfigFormat, ParseProblem, SExpr, Value, ValueKind
from .settings import effective_settings
from .site import SiteFacts
from .vifspec import VifSpec, VifSyntax, parse_script_args, parse_vif_sexpr, parse_vif_string

if TYPE_CHECKING:
    from xennet.pcap.captures import CaptureSet
    from xennet.registry import Rule
    from xennet.suppress import BadSuppression, Suppressed, Suppression

    from .host import GuestLink, Host
    from .inventory import InventoryEntry

# Settings that make an xl/xm file a domain config rather than xl.conf or something else.
DOMAIN_KEYS = frozenset(
    {"name", "memory", "maxmem", "vcpus", "kernel", "builder", "type", "vif", "disk", "bootloader", "uuid"}
)
# SXP heads that hold xend's host-wide settings.
XEND_CONFIG_PREFIXES = ("xend-", "network-script", "vif-script", "dom0-", "enable-dom0", "vnc", "xen-api")


@dataclass
class Domain:
    """A guest as configured: its name, guest type and vifs, with where each came from."""

    source: ConfigFile
    name: str | None
    name_location: Location
    guest_type: str  # "pv", "hvm" or "pvh"
    guest_type_location: Location | None
    vifs: list[VifSpec] = field(default_factory=list)
    settings: dict[str, Value] = field(default_factory=dict)
    uuid: str | None = None  # 32 lower-case hex digits, dashes removed

    @property
    def label(self) -> str:
        """How messages name the domain: its name, else its file."""
        return self.name or self.source.path


@dataclass
class XenDefaults:
    """Host-wide vif defaults: xl.conf's `vif.default.*`, xend-config.sxp's scripts."""

    path: str
    values: dict[str, tuple[str, Location]] = field(default_factory=dict)
    network_script: str | None = None
    network_script_args: dict[str, str] = field(default_factory=dict)


@dataclass
class LintModel:
    files: list[ConfigFile] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    defaults: list[XenDefaults] = field(default_factory=list)
    input_problems: list[ParseProblem] = field(default_factory=list)  # files that could not be read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) not analyzed
    analyzed: list[str] = field(default_factory=list)  # every file that was read and parsed, in order
    # every input (folder file, archive member, capture) and what it was recognized as, in order
    inventory: list[InventoryEntry] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)  # one per input tree (lint/runner.py)
    dom0: Host | None = None
    guest_links: list[GuestLink] = field(default_factory=list)
    captures: CaptureSet | None = None  # set by `xennet pcap`; capture rules (P) read it
    findings: list[Finding] = field(default_factory=list)  # of every other rule, for root causes (C)
    site: SiteFacts = field(default_factory=SiteFacts)  # what the user's config says (lint/site.py)
    # `# xennet: disable=` comments of the inputs (xennet/suppress.py), what they suppressed, the
    # comments that cannot be applied, and the rules that ran (E007 and E008 read them)
    suppressions: list[Suppression] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    bad_suppressions: list[BadSuppression] = field(default_factory=list)
    rules_run: list[Rule] = field(default_factory=list)

    def all_vifs(self) -> list[tuple[Domain, VifSpec]]:
        return [(domain, vif) for domain in self.domains for vif in domain.vifs]


def build_model(
    files: list[ConfigFile],
    input_problems: list[ParseProblem] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> LintModel:
    model = LintModel(files=list(files), input_problems=list(input_problems or []), skipped=list(skipped or []))
    for config in files:
        if config.format is ConfigFormat.SXP:
            _add_sxp(model, config)
        else:
            _add_assignments(model, config)
    return model


def _add_assignments(model: LintModel, config: ConfigFile) -> None:
    settings = effective_settings(config.assignments)
    defaults = {k: v for k, v in settings.items() if k.startswith("vif.default.")}
    if defaults:
        model.defaults.append(
            XenDefaults(
                path=config.path,
                values={
                    key.removeprefix("vif.default."): (str(value.data), value.location)
                    for key, value in defaults.items()
                    if value.kind is ValueKind.STRING
                },
            )
        )
    if not DOMAIN_KEYS & settings.keys():
        return
    name = settings.get("name")
    domain = Domain(
        source=config,
        name=name.data if name is not None and name.kind is ValueKind.STRING else None,  # type: ignore[arg-type]
        name_location=name.location if name is not None else Location(config.path),
        guest_type="pv",
        guest_type_location=None,
        settings=settings,
        uuid=_setting_uuid(settings.get("uuid")),
    )
    domain.guest_type, domain.guest_type_location = _guest_type(settings)
    syntax = VifSyntax.XL if config.format is ConfigFormat.XL else VifSyntax.XM
    vif_list = settings.get("vif")
    if vif_list is not None:
        for devid, item in enumerate(vif_list.items):
            if item.kind is ValueKind.STRING:
                line = config.lines[item.location.line - 1] if 0 < item.location.line <= len(config.lines) else None
                domain.vifs.append(parse_vif_string(str(item.data), devid, syntax, item.location, line))
    model.domains.append(domain)


def _normal_uuid(text: str) -> str | None:
    digits = text.replace("-", "").strip().lower()
    return digits if len(digits) == 32 else None


def _setting_uuid(value: Value | None) -> str | None:
    return _normal_uuid(str(value.data)) if value is not None and value.kind is ValueKind.STRING else None


def _guest_type(settings: dict[str, Value]) -> tuple[str, Location | None]:
    """xl's `type=` wins; the older `builder="hvm"` (xl and xm) means HVM; otherwise PV."""
    for key in ("type", "builder"):
        value = settings.get(key)
        if value is not None and value.kind is ValueKind.STRING:
            text = str(value.data).lower()
            if key == "type" and text in ("pv", "pvh", "hvm"):
                return text, value.location
            if key == "builder" and text == "hvm":
                return "hvm", value.location
    return "pv", None


def _add_sxp(model: LintModel, config: ConfigFile) -> None:
    defaults = XenDefaults(path=config.path)
    for sexpr in config.sexprs:
        head = sexpr.head or ""
        if head in ("domain", "vm"):
            model.domains.append(_sxp_domain(config, sexpr))
        elif head.startswith(XEND_CONFIG_PREFIXES):
            value = " ".join(a.text for a in sexpr.items[1:] if isinstance(a, Atom))
            defaults.values[head] = (value, sexpr.location)
            if head == "network-script":
                defaults.network_script, defaults.network_script_args = parse_script_args(value)
    if defaults.values:
        model.defaults.append(defaults)


def _sxp_domain(config: ConfigFile, record: SExpr) -> Domain:
    name = record.atom_value("name")
    uuid = record.atom_value("uuid")
    image = record.child("image")
    guest_type, type_location = "pv", None
    if image is not None:
        if image.child("hvm") is not None:
            guest_type, type_location = "hvm", image.child("hvm").location  # type: ignore[union-attr]
        elif image.child("linux") is not None:
            type_location = image.child("linux").location  # type: ignore[union-attr]
    vifs = [
        parse_vif_sexpr(vif, devid)
        for devid, vif in enumerate(
            vif for device in record.children("device") for vif in device.children("vif")
        )
    ]
    return Domain(
        source=config,
        name=name.text if name else None,
        name_location=name.location if name else record.location,
        guest_type=guest_type,
        guest_type_location=type_location,
        vifs=vifs,
        uuid=_normal_uuid(uuid.text) if uuid else None,
    )
