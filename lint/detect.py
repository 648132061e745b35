"""Which kind of Xen config a file is, by content first and name second; None when it is none.

Policy:
1. Not text (NUL bytes, control characters), or a script (`#!`) -> None.
2. The first character outside comments is `(` -> SXP, if the file is named *.sxp / *.sexpr or
   names a Xen S-expression head (domain, vm, vnet, device, xend-*, network-script, ...).
   Content wins over the name: a `*.sxp` file holding `vif = [...]` is read as assignments.
3. Otherwise the file must assign at least one Xen setting (a guest key such as name, memory,
   vif, kernel, or an xl.conf key such as vif.default.*); in a file whose settings are all
   commented out, the commented ones count. ifcfg files (DEVICE=eth0) have none -> None.
4. Every statement in libxlu's form (`key = "str" | 'str' | number | [ ... ]`, `+=`) -> a simple
   file, which the xl and the xm parser read alike. It is XM when something says xm: the path
   (`xm/`, `*.xm`, xmexample*, xmconfig*), a comment naming xm or xend, or a key that only
   `xm create` knows (nics, dhcp, ip, ...); otherwise XL.
5. Any Python-only construct (import, def, blocks, calls, names of earlier settings, operators,
   True/False/None, tuples, triple quotes, prefixed strings, floats, uppercase helper variables)
   -> XM. A file Python cannot parse is XM if it shows Python keywords or something says xm,
   else XL (a broken xl config gets libxlu's view of its errors).
"""

from __future__ import annotations

import ast
import re
import warnings

from .facts import ConfigFormat


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_GUEST_KEYS = _words(
    """
    name uuid type builder memory maxmem vcpus maxvcpus cpus cpu cpu_weight cpu_cap kernel ramdisk
    extra root cmdline bootloader bootloader_args disk vif vfb vtpm pci usb usbdevice usbctrl usbdev
    on_poweroff on_reboot on_crash on_watchdog on_soft_reset device_model device_model_version
    device_model_override boot vnc vnclisten vncpasswd vncdisplay vncunused vncconsole sdl opengl
    serial parallel acpi apic pae hap hpet nestedhvm viridian localtime rtc_timeoffset firmware
    stdvga videoram soundhw keymap channel dhcp ip netmask gateway hostname nics shadow_memory
    tsc_mode xen_platform_pci
    """
)
_XL_CONF_KEYS = _words(
    """
    autoballoon run_hotplug_scripts lockfile vifscript defaultbridge blkdev_start claim_mode
    domid_policy output_format max_grant_frames max_maptrack_frames vm.cpumask vm.pv.cpumask
    vm.hvm.cpumask
    """
)
_KEY_PREFIXES = ("vif.default.", "remus.default.", "colo.default.")
# Options of xend's `xm create` that xl.cfg does not have.
_XM_ONLY_KEYS = _words("nics dhcp ip netmask gateway hostname restart cpu vncconsole")

_SXP_NAME = re.compile(r"\.(sxp|sexpr)$", re.IGNORECASE)
_SXP_HEAD = re.compile(
    r"\(\s*(?:domain|vm|vnet|device|vif|image|xend-[\w-]+|xen-api-server|network-script|vif-script"
    r"|dom0-[\w-]+|enable-dom0-ballooning|pci_ids|unconstrained_dev_ids)(?=[\s()]|$)"
)
# "xm" as a word of the path (xmexample1, /etc/xen/xm-configs/); `_` counts as a letter so that the random
# names of temporary folders (tempfile's [a-z0-9_]: "tmpk_xm_3ab") never read as a hint
_XM_NAME = re.compile(r"(?<![a-z0-9_])xm(?:example|config|domain)?(?![a-z0-9_])", re.IGNORECASE)
_XM_COMMENT = re.compile(r"#.*\b(?:xm|xend)\b", re.IGNORECASE)
_PYTHON_KEYWORD = re.compile(
    r"^[ \t]*(?:import|from|def|class|if|elif|else|for|while|try|except|finally|with|print|return)\b"
    r"|\"\"\"|'''",
    re.MULTILINE,
)
_KEY_LINE = re.compile(r"^[ \t]*([A-Za-z_][\w.]*)[ \t]*\+?=(?!=)", re.MULTILINE)
_COMMENTED_KEY_LINE = re.compile(r"^[ \t]*#+[ \t]*([A-Za-z_][\w.]*)[ \t]*\+?=(?!=)", re.MULTILINE)
_XL_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_XL_NUMBER = re.compile(r"[0-9][0-9a-fx]*")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def detect_format(path: str, text: str) -> ConfigFormat | None:
    """The format to parse `text` (read from `path`) with, or None if it is not a Xen config."""
    text = text.removeprefix("\ufeff")
    if _is_binary(text) or text.startswith("#!"):
        return None
    if _first_significant_char(text) == "(":
        return ConfigFormat.SXP if _SXP_NAME.search(path) or _SXP_HEAD.search(text) else None
    tree = _python_tree(text)
    keys = _assigned_keys(tree) if tree is not None else _KEY_LINE.findall(text)
    if not keys:
        keys = _COMMENTED_KEY_LINE.findall(text)
    if not any(_is_xen_key(key) for key in keys):
        return None
    xm_hint = bool(_XM_NAME.search(path) or _XM_COMMENT.search(text) or _XM_ONLY_KEYS.intersection(keys))
    if tree is None:
        return ConfigFormat.XM if xm_hint or _PYTHON_KEYWORD.search(text) else ConfigFormat.XL
    if xm_hint or not _is_xl_form(tree, text):
        return ConfigFormat.XM
    return ConfigFormat.XL


def _is_binary(text: str) -> bool:
    sample = text[:8192]
    return "\x00" in sample or len(_CONTROL.findall(sample)) > len(sample) // 20


def _first_significant_char(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip(" \t\r\v\f")
        if stripped and not stripped.startswith("#"):
            return stripped[0]
    return ""


def _python_tree(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_xen_key(key: str) -> bool:
    return key in _GUEST_KEYS or key in _XL_CONF_KEYS or key.startswith(_KEY_PREFIXES)


def _dotted(target: ast.expr) -> str | None:
    """`vif.default.bridge` as xl reads it (Python sees attribute access); None for other targets."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        base = _dotted(target.value)
        return f"{base}.{target.attr}" if base else None
    return None


def _assigned_keys(node: ast.AST) -> list[str]:
    """Keys assigned at the top level or in blocks there (`if`, `try`, ...), not in functions."""
    keys: list[str] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Assign):
            keys.extend(key for key in map(_dotted, child.targets) if key)
        elif isinstance(child, ast.AugAssign):
            keys.extend(key for key in [_dotted(child.target)] if key)
        elif isinstance(child, (ast.stmt, ast.excepthandler)) and not isinstance(child, _SCOPES):
            keys.extend(_assigned_keys(child))
    return keys


def _is_xl_form(tree: ast.Module, text: str) -> bool:
    """Every statement is `key = value` or `key += value` as libxlu would lex and parse it."""
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add):
            target = statement.target
        else:
            return False
        key = _dotted(target)
        if not key or key[0].isupper() or not _is_xl_value(statement.value, text, bound):
            return False
    return True


def _is_xl_value(node: ast.expr, text: str, bound: set[str]) -> bool:
    if isinstance(node, ast.List):
        return all(_is_xl_value(item, text, bound) for item in node.elts)
    if isinstance(node, ast.Name):  # an unquoted word: an xl error, but nothing Python about it
        return node.id not in bound
    source = ast.get_source_segment(text, node) or ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_XL_STRING.fullmatch(source))
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return bool(_XL_NUMBER.fullmatch(source))
    return False
