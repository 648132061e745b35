"""Queries over every vif of the lint model, shared by the X rules.

`field_uses(model, key)` walks the field that takes effect for a key on each vif; `all_field_uses`
walks every field as written. `clashes` finds the same value on vifs that can be up at the same
time, which is what the duplicate rules (MAC, vifname, IP) need.

Two domains with the same name or the same UUID are one guest described twice (an xm config
converted to xl, or a config next to its `xm list -l` record): xl and xend refuse a second domain
with a name that is in use, so such vifs never exist side by side and never clash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from xennet.findings import Location

from .facts import Assignment, ConfigFile, ConfigFormat
from .mac import parse_mac
from .model import Domain, LintModel
from .vifspec import VifField, VifSpec, VifSyntax


@dataclass(frozen=True)
class FieldUse:
    """One field of one vif of one domain."""

    domain: Domain
    vif: VifSpec
    field: VifField

    @property
    def where(self) -> str:
        """How messages name the vif: `vif 0 of web`."""
        return f"vif {self.vif.devid} of {self.domain.label}"

    @property
    def value(self) -> str:
        return self.field.value or ""


def field_uses(model: LintModel, key: str) -> Iterator[FieldUse]:
    """The field that takes effect for `key` (the last one) on every vif that sets it to a value."""
    for domain, vif in model.all_vifs():
        field = vif.get(key)
        if field is not None and field.value is not None:
            yield FieldUse(domain, vif, field)


def mac_uses(model: LintModel) -> Iterator[tuple[FieldUse, tuple[int, ...]]]:
    """Every effective `mac=` that is a well-formed MAC (X110 reports the others), with its octets."""
    for use in field_uses(model, "mac"):
        octets = parse_mac(use.value.strip())
        if octets is not None:
            yield use, octets


def all_field_uses(model: LintModel, syntaxes: Iterable[VifSyntax] = tuple(VifSyntax)) -> Iterator[FieldUse]:
    """Every field of every vif written in one of `syntaxes`, in file order."""
    wanted = frozenset(syntaxes)
    for domain, vif in model.all_vifs():
        if vif.syntax in wanted:
            for field in vif.fields:
                yield FieldUse(domain, vif, field)


def pv_guest_uses(model: LintModel, key: str) -> Iterator[FieldUse]:
    """`field_uses` restricted to PV and PVH guests (no device model, so no emulated NIC)."""
    for use in field_uses(model, key):
        if use.domain.guest_type in ("pv", "pvh"):
            yield use


def guest_type_related(domain: Domain) -> tuple[Location, ...]:
    """The location that makes the guest what it is (`type=`/`builder=`, or the SXP image), if any."""
    return (domain.guest_type_location,) if domain.guest_type_location is not None else ()


def emulated_nic(domain: Domain, vif: VifSpec) -> bool:
    """Whether the vif also gets an emulated NIC (and a tap device): an HVM guest whose vif type is
    ioemu, which is the default for HVM in both xl (libxl) and xend."""
    kind = (vif.value("type") or "ioemu").strip()
    return domain.guest_type == "hvm" and kind == "ioemu"


def decimal(text: str) -> int | None:
    """The value of a plain decimal number (ASCII digits only), else None."""
    return int(text) if text.isascii() and text.isdigit() else None


def settings_named(model: LintModel, key: str) -> Iterator[tuple[ConfigFile, Assignment]]:
    """Every assignment of `key` in the xl and xm files, in file order."""
    for config in model.files:
        if config.format is not ConfigFormat.SXP:
            for assignment in config.assignments:
                if assignment.key == key:
                    yield config, assignment


def source_text(config: ConfigFile, location: Location, limit: int = 60) -> str:
    """The source line at `location` from its column on, stripped and cut to `limit` characters."""
    if not 0 < location.line <= len(config.lines):
        return ""
    text = config.lines[location.line - 1][max(location.column - 1, 0) :].strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- the same value on two vifs -------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """`use` repeats `value`, which `others` already have or also have (in model order)."""

    use: FieldUse
    value: str
    others: tuple[FieldUse, ...]

    @property
    def others_text(self) -> str:
        """`vif 0 of web`, or `vif 0 of web and 2 other vifs`."""
        rest = len(self.others) - 1
        more = f" and {rest} other vif{'s' if rest > 1 else ''}" if rest else ""
        return f"{self.others[0].where}{more}"

    @property
    def related(self) -> tuple[Location, ...]:
        return tuple(other.field.location for other in self.others)


def same_guest(a: Domain, b: Domain) -> bool:
    """Two different domain descriptions of one guest: the same name or the same UUID."""
    if a is b:
        return False
    if a.name is not None and a.name == b.name:
        return True
    return a.uuid is not None and a.uuid == b.uuid


def can_coexist(a: FieldUse, b: FieldUse) -> bool:
    """Vifs that can be up together: in one domain, or in domains of different guests."""
    return not same_guest(a.domain, b.domain)


def other_guests(a: FieldUse, b: FieldUse) -> bool:
    """Vifs of two different guests."""
    return a.domain is not b.domain and not same_guest(a.domain, b.domain)


def clashes(
    keyed: Iterable[tuple[str, FieldUse]],
    may_clash: Callable[[FieldUse, FieldUse], bool] = can_coexist,
) -> Iterator[Clash]:
    """One Clash for each use whose value an earlier use already has (and may clash with); its
    `others` are every use of the value it clashes with, earlier ones first."""
    groups: dict[str, list[FieldUse]] = {}
    for value, use in keyed:
        groups.setdefault(value, []).append(use)
    for value, group in groups.items():
        for index, use in enumerate(group):
            if any(may_clash(earlier, use) for earlier in group[:index]):
                others = tuple(other for other in group if other is not use and may_clash(other, use))
                yield Clash(use, value, others)
