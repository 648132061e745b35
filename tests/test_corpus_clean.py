"""The real public configs under fixtures/xl, fixtures/xm and fixtures/sxp lint without errors (but
the three libvirt test files that really are unbalanced), and the X rules find exactly the true
positives listed here. fixtures/broken is deliberately broken and not part of this."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES
from xennet.lint.runner import lint_paths
from xennet.registry import all_rules

CORPUS = [str(FIXTURES / folder) for folder in ("xl", "xm", "sxp")]

# (rule, file) of every X finding on the corpus, each a true positive:
# - libvirt's PV test guests "pvtest" use 00:11:22:33:44:55, which is outside Xen's OUI (X114);
# - libvirt's PV guests with model=e1000 get no emulated NIC from xend (X123);
# - xm configs that use Python (def, %, os.uname(), triple quotes) which xl rejects (X003).
EXPECTED_X = {
    ("X003", "xm/xen-2004-xmexample"),
    ("X003", "xm/libvirt-xmconfig-test-escape-paths.cfg"),
    ("X003", "xm/xen-xmexample.vti"),
    ("X003", "xm/xen-xmexample2"),
    ("X114", "sxp/libvirt-sexpr2xml-bridge-ipaddr.sexpr"),
    ("X114", "sxp/libvirt-sexpr2xml-net-bridged.sexpr"),
    ("X114", "sxp/libvirt-sexpr2xml-net-e1000.sexpr"),
    ("X114", "sxp/libvirt-sexpr2xml-net-routed.sexpr"),
    ("X114", "sxp/libvirt-xml2sexpr-net-routed.sexpr"),
    ("X123", "sxp/libvirt-sexpr2xml-net-e1000.sexpr"),
    ("X123", "xm/libvirt-xmconfig-test-paravirt-net-e1000.cfg"),
}


# Genuinely unbalanced parentheses: xend rejects these files, libvirt's reader tolerates them.
EXPECTED_ERRORS = {
    ("E001", "sxp/libvirt-sexpr2xml-bridge-ipaddr.sexpr"),
    ("E001", "sxp/libvirt-sexpr2xml-net-routed.sexpr"),
    ("E001", "sxp/libvirt-sexpr2xml-pv-vfb-new.sexpr"),
}


def _relative(path: str) -> str:
    return Path(path).relative_to(FIXTURES).as_posix()


def test_corpus_has_no_error_findings_but_the_unbalanced_files():
    result = lint_paths(CORPUS, all_rules())
    errors = [(f.rule_id, _relative(f.location.path)) for f in result.findings if f.severity.value == "error"]
    assert sorted(errors) == sorted(EXPECTED_ERRORS)


def test_corpus_x_findings_are_the_known_true_positives():
    result = lint_paths(CORPUS, all_rules())
    found = {(f.rule_id, _relative(f.location.path)) for f in result.findings if f.rule_id.startswith("X")}
    assert found == EXPECTED_X
