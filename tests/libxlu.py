"""ctypes bindings to Xen's real libxlutil (Debian package libxenmisc4.17), for differential tests.

Only what the tests compare is bound: reading a config from memory, the effective value of every
setting, and the vif rate parser. `load()` returns None when the library is not installed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

LIBRARY = "libxlutil.so.4.17"
SKIP_REASON = f"{LIBRARY} not found: apt-get install libxenmisc4.17"

_XLU_STRING = 0  # enum XLU_ConfigValueType (tools/include/libxlutil.h); the other one is XLU_LIST

_NIC_SIZE = 4096  # far larger than libxl_device_nic; the rate parser writes two fields of it


class _Setting(ctypes.Structure):
    """XLU_ConfigSetting (tools/libs/util/libxlu_internal.h), newest assignment first."""


_Setting._fields_ = [
    ("next", ctypes.POINTER(_Setting)),
    ("name", ctypes.c_char_p),
    ("value", ctypes.c_void_p),
    ("op", ctypes.c_int),
    ("lineno", ctypes.c_int),
]


class _Config(ctypes.Structure):
    """XLU_Config: its first field heads the list of settings. Walked only to learn the names."""

    _fields_ = [("settings", ctypes.POINTER(_Setting))]


@dataclass(frozen=True)
class XluRead:
    """The outcome of xlu_cfg_readdata: its return code, its report, and (when it succeeded) the
    effective value of every setting — strings as str, lists as Python lists."""

    rc: int
    report: str
    settings: dict[str, object]

    @property
    def accepted(self) -> bool:
        return self.rc == 0


@dataclass(frozen=True)
class XluRate:
    """The outcome of xlu_vif_parse_rate. `values` is (bytes_per_interval, interval_usecs) when the
    call succeeded and the fields' offsets in libxl_device_nic are known."""

    rc: int
    values: tuple[int, int] | None


class LibXlu:
    """The loaded library. Each call makes and destroys its own XLU_Config."""

    def __init__(self, lib: ctypes.CDLL, libc: ctypes.CDLL) -> None:
        self._lib = lib
        self._libc = libc
        self._declare()
        self._rate_offsets = self._find_rate_offsets()

    def _declare(self) -> None:
        lib, libc, vp = self._lib, self._libc, ctypes.c_void_p
        libc.open_memstream.restype = vp
        libc.open_memstream.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
        libc.fopen.restype = vp
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libc.fclose.argtypes = [vp]
        libc.free.argtypes = [vp]
        lib.xlu_cfg_init.restype = ctypes.POINTER(_Config)
        lib.xlu_cfg_init.argtypes = [vp, ctypes.c_char_p]
        lib.xlu_cfg_readdata.argtypes = [ctypes.POINTER(_Config), ctypes.c_char_p, ctypes.c_int]
        lib.xlu_cfg_destroy.argtypes = [ctypes.POINTER(_Config)]
        lib.xlu_cfg_get_string.argtypes = [
            ctypes.POINTER(_Config),
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
        ]
        lib.xlu_cfg_get_list.argtypes = [
            ctypes.POINTER(_Config),
            ctypes.c_char_p,
            ctypes.POINTER(vp),
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        lib.xlu_cfg_get_listitem2.restype = vp
        lib.xlu_cfg_get_listitem2.argtypes = [vp, ctypes.c_int]
        lib.xlu_cfg_value_type.argtypes = [vp]
        lib.xlu_cfg_value_get_string.argtypes = [
            ctypes.POINTER(_Config),
            vp,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
        ]
        lib.xlu_cfg_value_get_list.argtypes = [ctypes.POINTER(_Config), vp, ctypes.POINTER(vp), ctypes.c_int]
        lib.xlu_vif_parse_rate.argtypes = [ctypes.POINTER(_Config), ctypes.c_char_p, ctypes.c_char_p]

    def read(self, text: str, values: bool = True) -> XluRead:
        """Parse `text` (sent as UTF-8) as libxlu does for `xl create`. `values=False` skips reading
        the settings back (they are read recursively, too deep for lists nested thousands deep)."""
        data = text.encode("utf-8", "surrogateescape")
        buf, size = ctypes.c_char_p(), ctypes.c_size_t()
        report = self._libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
        cfg = self._lib.xlu_cfg_init(report, b"test.cfg")
        try:
            rc = self._lib.xlu_cfg_readdata(cfg, data, len(data))
            settings = self._settings(cfg) if rc == 0 and values else {}
        finally:
            self._lib.xlu_cfg_destroy(cfg)
            self._libc.fclose(report)
        message = (buf.value or b"").decode("utf-8", "replace")
        self._libc.free(buf)
        return XluRead(rc, message, settings)

    def _settings(self, cfg: ctypes._Pointer) -> dict[str, object]:
        names: list[bytes] = []
        node = cfg.contents.settings
        while node:
            names.append(node.contents.name)
            node = node.contents.next
        return {name.decode("utf-8"): self._setting(cfg, name) for name in dict.fromkeys(names)}

    def _setting(self, cfg: ctypes._Pointer, name: bytes) -> object:
        string = ctypes.c_char_p()
        if self._lib.xlu_cfg_get_string(cfg, name, ctypes.byref(string), 1) == 0:
            return _decode(string)
        listp, count = ctypes.c_void_p(), ctypes.c_int()
        rc = self._lib.xlu_cfg_get_list(cfg, name, ctypes.byref(listp), ctypes.byref(count), 1)
        assert rc == 0, f"setting {name!r} is neither a string nor a list (rc={rc})"
        return self._list(cfg, listp)

    def _list(self, cfg: ctypes._Pointer, listp: ctypes.c_void_p) -> list[object]:
        items: list[object] = []
        while item := self._lib.xlu_cfg_get_listitem2(listp, len(items)):
            if self._lib.xlu_cfg_value_type(item) == _XLU_STRING:
                string = ctypes.c_char_p()
                assert self._lib.xlu_cfg_value_get_string(cfg, item, ctypes.byref(string), 1) == 0
                items.append(_decode(string))
            else:
                inner = ctypes.c_void_p()
                assert self._lib.xlu_cfg_value_get_list(cfg, item, ctypes.byref(inner), 1) == 0
                items.append(self._list(cfg, inner))
        return items

    def parse_rate(self, rate: str) -> XluRate:
        """Call xlu_vif_parse_rate on a zeroed libxl_device_nic-sized buffer."""
        rc, nic = self._raw_rate(rate)
        if rc or self._rate_offsets is None:
            return XluRate(rc, None)
        bytes_at, usecs_at = self._rate_offsets
        values = (
            int.from_bytes(nic[bytes_at : bytes_at + 8], "little"),
            int.from_bytes(nic[usecs_at : usecs_at + 4], "little"),
        )
        return XluRate(rc, values)

    def _raw_rate(self, rate: str) -> tuple[int, bytes]:
        nic = ctypes.create_string_buffer(_NIC_SIZE)
        report = self._libc.fopen(b"/dev/null", b"w")
        cfg = self._lib.xlu_cfg_init(report, b"test.cfg")
        ctypes.set_errno(0)  # libxlu tests errno == ERANGE after strtoull without clearing it first
        try:
            rc = self._lib.xlu_vif_parse_rate(cfg, rate.encode("utf-8"), nic)
        finally:
            self._lib.xlu_cfg_destroy(cfg)
            self._libc.fclose(report)
        return rc, nic.raw

    def _find_rate_offsets(self) -> tuple[int, int] | None:
        """Where libxl_device_nic keeps rate_bytes_per_interval (uint64) and rate_interval_usecs
        (uint32): the only offsets at which two calls with distinctive results show those results."""
        found: list[tuple[int, int]] = []
        for rate, bytes_per_interval, usecs in (
            ("3000000B/s@7s", 21000000, 7000000),
            ("1111111B/s@3s", 3333333, 3000000),
        ):
            rc, nic = self._raw_rate(rate)
            bytes_at = _offsets(nic, bytes_per_interval.to_bytes(8, "little"), 8)
            usecs_at = _offsets(nic, usecs.to_bytes(4, "little"), 4)
            if rc or len(bytes_at) != 1 or len(usecs_at) != 1:
                return None
            found.append((bytes_at[0], usecs_at[0]))
        return found[0] if found[0] == found[1] else None

    @property
    def compares_rate_values(self) -> bool:
        return self._rate_offsets is not None


def _offsets(buffer: bytes, needle: bytes, align: int) -> list[int]:
    return [at for at in range(0, len(buffer) - len(needle) + 1, align) if buffer[at : at + len(needle)] == needle]


def _decode(string: ctypes.c_char_p) -> str:
    return (string.value or b"").decode("utf-8", "surrogateescape")


def load() -> LibXlu | None:
    """The real libxlutil, or None when it is not installed."""
    try:
        lib = ctypes.CDLL(LIBRARY, use_errno=True)
    except OSError:
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return LibXlu(lib, libc)
