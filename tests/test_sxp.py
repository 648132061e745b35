"""SXP parser: the xend and libvirt S-expression files of the corpus, continuations, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xennet.lint.facts import Atom, ConfigFormat, SExpr
from xennet.lint.sxp import parse_sxp

SXP = Path(__file__).resolve().parent.parent / "fixtures" / "sxp"

# libvirt test inputs that are genuinely unbalanced; libvirt's string2sexpr reads them anyway
# (it closes lists at the end of the text and stops after the first complete expression).
UNBALANCED = {
    "libvirt-sexpr2xml-bridge-ipaddr.sexpr": ("'(' is never closed", 1, 1),
    "libvirt-sexpr2xml-net-routed.sexpr": ("'(' is never closed", 1, 1),
    "libvirt-sexpr2xml-pv-vfb-new.sexpr": ("')' without a matching '('", 9, 52),
}


def parse(name: str):
    path = SXP / name
    return parse_sxp(path.read_text(encoding="utf-8"), str(path))


def parse_text(text: str):
    return parse_sxp(text, "t.sxp")


def walk(node: SExpr):
    yield node
    for item in node.items:
        if isinstance(item, SExpr):
            yield from walk(item)


def vifs(config) -> list[SExpr]:
    return [node for top in config.sexprs for node in walk(top) if node.head == "vif"]


@pytest.mark.parametrize("name", sorted(p.name for p in SXP.iterdir()))
def test_every_corpus_file_parses(name):
    config = parse(name)
    assert config.format is ConfigFormat.SXP
    assert config.sexprs
    if name in UNBALANCED:
        message, line, column = UNBALANCED[name]
        [problem] = config.problems
        assert (problem.kind, problem.message) == ("syntax", message)
        assert (problem.location.line, problem.location.column) == (line, column)
        assert "libvirt" in problem.hint
    else:
        assert config.problems == []


def test_curmem_vif_mac_with_its_line():
    config = parse("libvirt-sexpr2xml-curmem.sexpr")
    [domain] = config.sexprs
    assert domain.head == "domain"
    assert domain.atom_value("name").text == "rhel5"
    [vif] = vifs(config)
    mac = vif.atom_value("mac")
    assert mac == Atom("00:16:3e:1d:06:15", quoted=False, location=mac.location)
    assert (mac.location.line, mac.location.column, mac.location.end_column) == (31, 18, 35)
    assert vif.child("mac").location.line == 31
    assert (vif.location.line, vif.location.end_line) == (27, 32)
    assert vif.atom_value("bridge").text == "xenbr0"
    assert domain.child("features").items == (Atom("features", False, domain.child("features").items[0].location),)


def test_continuations_keep_original_lines():
    config = parse("libvirt-sexpr2xml-net-bridged.sexpr")
    [domain] = config.sexprs
    assert domain.atom_value("name").text == "pvtest"
    [vif] = vifs(config)
    mac = vif.atom_value("mac")
    assert (mac.text, mac.quoted, mac.location.line, mac.location.column) == ("00:11:22:33:44:55", True, 9, 19)
    assert vif.atom_value("script").location.line == 9
    # the kernel args string runs over a continuation: joined as libvirt's loader joins it
    args = domain.child("image").child("linux").atom_value("args")
    assert args.text == " method=http://download.fedora.devel.redhat.com/pub/fedora/linux/core/test/5.91/x86_64/os  "
    assert (args.location.line, args.location.end_line) == (6, 7)


def test_file_ending_in_continuation():
    config = parse("libvirt-xml2sexpr-net-routed.sexpr")
    [vm] = config.sexprs
    assert vm.head == "vm"
    [vif] = vifs(config)
    assert vif.atom_value("ip").text == "172.14.5.6"
    assert vif.atom_value("ip").location.line == 10
    assert parse_text("(a b)\\").sexprs[0].items[1].text == "b"


def test_unbalanced_files_are_read_as_libvirt_reads_them():
    missing = parse("libvirt-sexpr2xml-bridge-ipaddr.sexpr")
    [vif] = vifs(missing)
    assert vif.atom_value("ip").text == "192.0.2.1"
    extra = parse("libvirt-sexpr2xml-pv-vfb-new.sexpr")
    [domain] = extra.sexprs
    assert domain.child("device") is not None


def test_xend_config_settings():
    config = parse("xen-4.4-xend-config.sxp")
    heads = [node.head for node in config.sexprs]
    assert heads[:4] == ["xend-relocation-server", "xend-relocation-hosts-allow", "network-script", "vif-script"]
    allow = config.sexprs[1].items[1]
    assert allow.text == r"^localhost$ ^localhost\.localdomain$"  # '\\' in the file is one backslash
    assert allow.location.line == 129
    assert config.sexprs[2].items[1] == Atom("network-bridge", False, config.sexprs[2].items[1].location)
    assert config.sexprs[2].location.line == 173
    assert [a.text for a in config.sexprs[-1].items] == ["vncpasswd", ""]


def test_nested_lists_and_comments_inside_lists():
    config = parse("xen-xend-pci-quirks.sxp")
    [tg3] = config.sexprs
    assert tg3.head == "tg3"
    ids = tg3.child("pci_ids").items[1]
    assert isinstance(ids, SExpr)
    assert len(ids.items) == 45
    assert ids.items[0].text == "14e4:1644" and ids.items[0].location.line == 32
    assert ids.items[-1].text == "106b:1645" and ids.items[-1].location.line == 76
    fields = tg3.child("pci_config_space_fields").items[1]
    assert len(fields.items) == 11


def test_commented_out_item_leaves_an_empty_list():
    [node] = parse("xen-xend-pci-permissive.sxp").sexprs
    assert [item.text for item in node.items] == ["unconstrained_dev_ids"]
    assert (node.location.line, node.location.end_line) == (25, 27)


def test_vnet_and_xen_api_server():
    [vnet] = parse("xen-vnet97.sxp").sexprs
    assert vnet.atom_value("id").text == "97"
    assert vnet.atom_value("bridge").text == "vnet97"
    api = parse("xen-xend-config-xenapi.sxp").sexprs[0]
    assert api.head == "xen-api-server"
    assert api.location.column == 4
    assert isinstance(api.items[1], SExpr) and isinstance(api.items[1].items[0], SExpr)


def test_fv_vif_has_model_and_type():
    [vif] = vifs(parse("libvirt-sexpr2xml-fv-net-ioemu.sexpr"))
    assert [item.head for item in vif.items[1:]] == ["mac", "bridge", "script", "model", "type"]
    assert vif.atom_value("mac").text == "00:16:3e:1b:b1:47"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"(a 'x\ty')", "x\ty"),
        (r'(a "say \"hi\"")', 'say "hi"'),
        (r"(a 'it\'s')", "it's"),
        (r"(a '\x41\101\0')", "AA\0"),
        (r"(a '\.')", "\\"),  # xend keeps the backslash and drops the unknown escaped character
        ("(a 'two\nlines')", "two\nlines"),
    ],
)
def test_string_escapes_as_xend_reads_them(text, expected):
    config = parse_text(text)
    assert config.problems == []
    atom = config.sexprs[0].items[1]
    assert atom.quoted and atom.text == expected


def test_atoms_end_at_separators_and_comments():
    [node] = parse_text("(a b[c]d;e!f x#comment\n y'z')").sexprs
    assert [item.text for item in node.items] == ["a", "b", "[", "c", "]", "d", ";", "e", "!", "f", "x", "y'z'"]


def test_several_top_level_expressions_and_locations():
    config = parse_text("# head\n(a 1)\n  (b (c 'x y'))\n")
    assert [node.head for node in config.sexprs] == ["a", "b"]
    b = config.sexprs[1]
    assert (b.location.line, b.location.column, b.location.end_line, b.location.end_column) == (3, 3, 3, 16)
    c = b.child("c")
    assert (c.items[1].location.column, c.items[1].location.end_column) == (9, 14)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("(a\n  (b 1)\n", "'(' is never closed", 1, 1),
        ("(a (b 1)\n  (c 2\n", "'(' is never closed (2 lists are open at the end of the file)", 2, 3),
        ("(a 1))\n", "')' without a matching '('", 1, 6),
        ("(a 'open\n  b)\n", "unterminated string: no closing '", 1, 4),
        ("(a \x01)", "invalid character '\\x01': xend accepts only printable ASCII outside strings", 1, 4),
        ("(a '\\777')", "invalid octal escape \\777: out of range", 1, 4),
        ("(a)\nstray\n", "'stray' is outside any list", 2, 1),
    ],
)
def test_errors_have_locations(text, message, line, column):
    [problem] = parse_text(text).problems
    assert problem.kind == "syntax"
    assert problem.message == message
    assert (problem.location.path, problem.location.line, problem.location.column) == ("t.sxp", line, column)


def test_error_location_after_a_continuation():
    [problem] = parse_text("(a \\\n b) )").problems
    assert (problem.location.line, problem.location.column) == (2, 5)


def test_lines_are_kept():
    config = parse_text("(a\r\n b)\n")
    assert config.lines == ("(a", " b)")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_never_raises_on_random_bytes(data):
    config = parse_text(data.decode("latin-1"))
    assert config.format is ConfigFormat.SXP


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="()'\"\\#\n ab;[", max_size=60))
def test_never_raises_on_sxp_like_text(text):
    parse_text(text)
