"""xm (Python syntax) config parser: the corpus, constant folding, unknowns, syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xennet.lint.facts import ConfigFormat, ValueKind
from xennet.lint.xmcfg import parse_xm

XM = Path(__file__).resolve().parent.parent / "fixtures" / "xm"

# name, vif list, first vif's MAC (None when the vif sets none), line of `vif =`
CORPUS = {
    "libvirt-xmconfig-test-escape-paths.cfg": ("XenGuest2&test", 1, "00:16:3e:66:92:9c", 23),
    "libvirt-xmconfig-test-fullvirt-localtime.cfg": ("XenGuest2", 1, "00:16:3e:66:92:9c", 23),
    "libvirt-xmconfig-test-fullvirt-net-ioemu.cfg": ("XenGuest2", 1, "00:16:3e:66:92:9c", 23),
    "libvirt-xmconfig-test-paravirt-net-e1000.cfg": ("XenGuest1", 1, "00:16:3e:66:94:9c", 13),
    "libvirt-xmconfig-test-paravirt-new-pvfb.cfg": ("XenGuest1", 1, "00:16:3e:66:94:9c", 13),
    "xen-2004-xmexample": (None, None, None, None),  # no vif at all; name depends on vmid
    "xen-xmexample.hvm": ("ExampleHVMDomain", 1, None, 71),
    "xen-xmexample.nbd": ("nbd4", 1, None, 20),
    "xen-xmexample.pv-grub": ("ExampleDomain", 1, None, 62),
    "xen-xmexample.vti": ("ExampleVTIDomain", 1, None, 47),
    "xen-xmexample1": ("ExampleDomain", 1, None, 58),
    "xen-xmexample2": (None, 1, None, 89),
}


def parse(name: str):
    path = XM / name
    return parse_xm(path.read_text(encoding="utf-8"), str(path))


def settings_of(config) -> dict:
    return {assignment.key: assignment.value for assignment in config.assignments}


def test_corpus_table_covers_every_file():
    assert set(CORPUS) == {path.name for path in XM.iterdir()}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_file_parses(name):
    config = parse(name)
    expected_name, vif_count, mac, vif_line = CORPUS[name]
    assert config.format is ConfigFormat.XM
    assert config.problems == []
    values = settings_of(config)
    if expected_name is None:
        assert values["name"].kind is ValueKind.UNKNOWN
    else:
        assert values["name"].as_python() == expected_name
    if vif_count is None:
        assert "vif" not in values
        return
    vif = values["vif"]
    assert vif.kind is ValueKind.LIST and len(vif.items) == vif_count
    [assignment] = [a for a in config.assignments if a.key == "vif"]
    assert (assignment.location.line, assignment.location.column) == (vif_line, 1)
    first = vif.items[0].as_python()
    assert (f"mac={mac}" in first) if mac else ("mac=" not in first)


def test_xmexample2_unknowns_and_numbers():
    config = parse("xen-xmexample2")
    values = settings_of(config)
    assert [a.key for a in config.assignments] == ["kernel", "memory", "name", "vcpus", "vif", "disk", "root", "extra"]
    assert values["name"].kind is ValueKind.UNKNOWN
    assert values["name"].data == '"VM%d" % vmid'
    assert (values["memory"].kind, values["memory"].data) == (ValueKind.NUMBER, "64")
    assert values["vcpus"].data == "4"
    [empty] = values["vif"].items
    assert (empty.kind, empty.data) == (ValueKind.STRING, "")
    assert (empty.location.line, empty.location.column) == (89, 9)
    first_disk, second_disk = values["disk"].items
    assert first_disk.kind is ValueKind.UNKNOWN and "7+vmid" in first_disk.data
    assert (second_disk.data, second_disk.location.line) == ("phy:sda6,sda6,r", 103)
    assert values["extra"].kind is ValueKind.UNKNOWN


def test_vti_folds_names_defined_earlier():
    values = settings_of(parse("xen-xmexample.vti"))
    assert values["arch_libdir"].data == "lib"
    assert values["arch"].kind is ValueKind.UNKNOWN
    assert values["arch"].data == "os.uname()[4]"
    assert (values["device_model"].kind, values["device_model"].data) == (
        ValueKind.STRING,
        "/usr/lib/xen/bin/qemu-dm",
    )


def test_triple_quoted_string():
    disk = settings_of(parse("libvirt-xmconfig-test-escape-paths.cfg"))["disk"]
    assert [item.data for item in disk.items] == [
        "phy:/dev/HostVG/XenGuest2,hda,w",
        "phy:/dev/HostVG/XenGuest'\",hdb,w",
        "file:/root/boot.iso&test,hdc:cdrom,r",
    ]


def test_2004_example_cpu_is_unknown():
    values = settings_of(parse("xen-2004-xmexample"))
    assert (values["cpu"].kind, values["cpu"].data) == (ValueKind.UNKNOWN, "vmid")
    assert values["memory"].data == "64"


def xm(text: str):
    return parse_xm(text, "t.cfg")


@pytest.mark.parametrize(
    ("expression", "kind", "data"),
    [
        ("'a' + 'b'", ValueKind.STRING, "ab"),
        ("-5", ValueKind.NUMBER, "-5"),
        ("2 * 1024 + 1", ValueKind.NUMBER, "2049"),
        ("7 / 2", ValueKind.NUMBER, "3"),  # Python 2 division, as xend ran it
        ("7.0 / 2", ValueKind.NUMBER, "3.5"),
        ("7 // 2 % 2", ValueKind.NUMBER, "1"),
        ("0x10", ValueKind.NUMBER, "16"),
        ("True", ValueKind.NUMBER, "1"),
        ("False", ValueKind.NUMBER, "0"),
        ("'vm%02d-%s' % (3, 'x')", ValueKind.STRING, "vm03-x"),
        ("'%s' % 'y'", ValueKind.STRING, "y"),
        ("'%d' % 1 + '0'", ValueKind.STRING, "10"),
        ("['a', 'b'][1]", ValueKind.STRING, "b"),
        ("None", ValueKind.UNKNOWN, "None"),
        ("1 / 0", ValueKind.UNKNOWN, "1 / 0"),
        ("'a' - 'b'", ValueKind.UNKNOWN, "'a' - 'b'"),
        ("'%d' % 'x'", ValueKind.UNKNOWN, "'%d' % 'x'"),
        ("'%99999999d' % 1", ValueKind.UNKNOWN, "'%99999999d' % 1"),
        ("open('/etc/passwd').read()", ValueKind.UNKNOWN, "open('/etc/passwd').read()"),
        ("os.environ['HOME']", ValueKind.UNKNOWN, "os.environ['HOME']"),
        ("undefined_name", ValueKind.UNKNOWN, "undefined_name"),
        ("lambda: 1", ValueKind.UNKNOWN, "lambda: 1"),
    ],
)
def test_constant_folding(expression, kind, data):
    [assignment] = xm(f"x = {expression}\n").assignments
    assert (assignment.value.kind, assignment.value.data) == (kind, data)


def test_value_and_key_locations():
    [assignment] = xm("\n  \nmemory =   512  # MB\n").assignments
    assert (assignment.location.line, assignment.location.column, assignment.location.end_column) == (3, 1, 7)
    location = assignment.value.location
    assert (location.line, location.column, location.end_line, location.end_column) == (3, 12, 3, 15)


def test_list_items_keep_their_own_locations_and_unknowns():
    [assignment] = xm("vif = [ 'bridge=xenbr0',\n        'mac=%s' % mac ]\n").assignments
    known, unknown = assignment.value.items
    assert (known.data, known.location.line, known.location.column) == ("bridge=xenbr0", 1, 9)
    assert (unknown.kind, unknown.data, unknown.location.line) == (ValueKind.UNKNOWN, "'mac=%s' % mac", 2)
    assert assignment.value.as_python() == ["bridge=xenbr0", None]


def test_names_follow_the_file_order():
    config = xm("br = 'xenbr0'\nvif = ['bridge=' + br]\nbr = 'xenbr1'\nvif2 = ['bridge=' + br]\n")
    values = [a.value.as_python() for a in config.assignments]
    assert values == ["xenbr0", ["bridge=xenbr0"], "xenbr1", ["bridge=xenbr1"]]


def test_augmented_and_tuple_assignments():
    config = xm(
        "vif = ['a']\nvif += ['b']\nmemory = 256\nmemory *= 2\nmaxmem = memory\na, b = 1, 'x'\nc, d = pair\ne = f = 3\n"
    )
    assert [(a.key, a.op, a.value.as_python()) for a in config.assignments] == [
        ("vif", "=", ["a"]),
        ("vif", "+=", ["b"]),
        ("memory", "=", "256"),
        ("memory", "=", None),  # `memory *= 2`: not a second, independent assignment
        ("maxmem", "=", "512"),
        ("a", "=", "1"),
        ("b", "=", "x"),
        ("c", "=", None),
        ("d", "=", None),
        ("e", "=", "3"),
        ("f", "=", "3"),
    ]
    both = xm("vif = ['a']\nvif += ['b']\nx = vif\n").assignments[-1]
    assert both.value.as_python() == ["a", "b"]


def test_blocks_make_settings_unknown():
    config = xm("import os\nif os.path.exists('/x'):\n    lib = 'lib64'\nelse:\n    lib = 'lib'\ndm = '/usr/' + lib\n")
    assert [(a.key, a.value.kind) for a in config.assignments] == [
        ("lib", ValueKind.UNKNOWN),
        ("lib", ValueKind.UNKNOWN),
        ("dm", ValueKind.UNKNOWN),
    ]
    assert config.assignments[0].value.data == "'lib64' (inside `if` at line 2)"
    assert config.assignments[0].location.line == 3


def test_imports_defs_and_expressions_are_not_settings():
    config = xm("import os\ndef f(x):\n    y = 2\n    return x\nf(1)\nos.sep = '/'\nname = 'vm'\n")
    assert [a.key for a in config.assignments] == ["name"]


def test_rebinding_by_import_or_loop_forgets_the_constant():
    config = xm("os = 'x'\nimport os\na = os\ni = 1\nfor i in range(3): pass\nb = i\n")
    values = settings_of(config)
    assert values["a"].kind is ValueKind.UNKNOWN
    assert values["b"].kind is ValueKind.UNKNOWN


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / "ran"
    xm(f"import os\nos.mkdir({str(marker)!r})\nx = __import__('os').mkdir({str(marker)!r})\n")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("name = 'a'\nmemory = = 3\n", 2, 10, "invalid syntax"),
        ('name = "a\n', 1, 8, "unterminated string literal"),
        ("print 'x'\n", 1, 1, "Missing parentheses"),
        ("vif = [ 'a',\n  'b'\n", 1, 7, "was never closed"),
    ],
)
def test_syntax_error_location(text, line, column, message):
    config = xm(text)
    assert config.assignments == []
    [problem] = config.problems
    assert problem.kind == "syntax"
    assert message in problem.message
    assert (problem.location.line, problem.location.column) == (line, column)
    assert problem.location.end_column > problem.location.column


def test_nul_byte_is_a_problem_not_an_exception():
    [problem] = xm("name = 'a'\x00\n").problems
    assert problem.kind == "syntax"


def test_invalid_escapes_are_read_as_python_reads_them():
    [assignment] = xm('extra = "root=/dev/sda1 \\d"\n').assignments
    assert assignment.value.data == "root=/dev/sda1 \\d"


def test_lines_are_kept():
    assert xm("a = 1\r\nb = 2\n").lines == ("a = 1", "b = 2")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_never_raises_on_random_bytes(data):
    config = xm(data.decode("latin-1"))
    assert config.format is ConfigFormat.XM


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["x", "=", "+", "%", "'a'", "1", "(", ")", "[", "]", ",", "\n", "y", "*", "-"])))
def test_never_raises_on_python_like_text(tokens):
    xm(" ".join(tokens))


def test_utf8_bom_is_an_encoding_mark():
    config = xm("\ufeffname = 'vm'\n")
    assert config.problems == []
    assert config.assignments[0].location.column == 1
