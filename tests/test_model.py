"""The lint model built from the real corpus files: domains, guest types, vifs, MACs, defaults."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from xennet.lint.facts import ConfigFormat
from xennet.lint.load import load_input
from xennet.lint.model import build_model
from xennet.lint.vifspec import VifSyntax

# file -> (format, domain name, guest type, number of vifs, MAC of vif 0 or None)
DOMAINS = {
    "xl/libvirt-xlconfig-test-vif-multi-ip.cfg": ("xl", "XenGuest2", "hvm", 1, "00:16:3e:66:92:9c"),
    "xl/libvirt-xlconfig-test-vif-rate.cfg": ("xl", "XenGuest2", "hvm", 1, "00:16:3e:66:92:9c"),
    "xl/libvirt-xlconfig-test-vif-typename.cfg": ("xl", "XenGuest2", "hvm", 1, "00:16:3e:66:92:9c"),
    "xl/xen-xlexample.hvm.cfg": ("xl", "example.hvm", "hvm", 1, None),
    "xl/xen-xlexample.pvlinux.cfg": ("xl", "example.pvlinux", "pv", 1, None),
    "xm/libvirt-xmconfig-test-escape-paths.cfg": ("xm", "XenGuest2&test", "hvm", 1, "00:16:3e:66:92:9c"),
    "xm/libvirt-xmconfig-test-fullvirt-localtime.cfg": ("xm", "XenGuest2", "hvm", 1, "00:16:3e:66:92:9c"),
    "xm/libvirt-xmconfig-test-fullvirt-net-ioemu.cfg": ("xm", "XenGuest2", "hvm", 1, "00:16:3e:66:92:9c"),
    "xm/libvirt-xmconfig-test-paravirt-net-e1000.cfg": ("xm", "XenGuest1", "pv", 1, "00:16:3e:66:94:9c"),
    "xm/libvirt-xmconfig-test-paravirt-new-pvfb.cfg": ("xm", "XenGuest1", "pv", 1, "00:16:3e:66:94:9c"),
    "xm/xen-2004-xmexample": ("xm", None, "pv", 0, None),
    "xm/xen-xmexample.hvm": ("xm", "ExampleHVMDomain", "hvm", 1, None),
    "xm/xen-xmexample.nbd": ("xm", "nbd4", "pv", 1, None),
    "xm/xen-xmexample.pv-grub": ("xm", "ExampleDomain", "pv", 1, None),
    "xm/xen-xmexample.vti": ("xm", "ExampleVTIDomain", "hvm", 1, None),
    "xm/xen-xmexample1": ("xm", "ExampleDomain", "pv", 1, None),
    "xm/xen-xmexample2": ("xm", None, "pv", 1, None),
    "sxp/libvirt-sexpr2xml-bridge-ipaddr.sexpr": ("sxp", "pvtest", "pv", 1, "00:11:22:33:44:55"),
    "sxp/libvirt-sexpr2xml-curmem.sexpr": ("sxp", "rhel5", "pv", 1, "00:16:3e:1d:06:15"),
    "sxp/libvirt-sexpr2xml-fv-net-ioemu.sexpr": ("sxp", "fvtest", "hvm", 1, "00:16:3e:1b:b1:47"),
    "sxp/libvirt-sexpr2xml-net-bridged.sexpr": ("sxp", "pvtest", "pv", 1, "00:11:22:33:44:55"),
    "sxp/libvirt-sexpr2xml-net-e1000.sexpr": ("sxp", "pvtest", "pv", 1, "00:11:22:33:44:55"),
    "sxp/libvirt-sexpr2xml-net-routed.sexpr": ("sxp", "pvtest", "pv", 1, "00:11:22:33:44:55"),
    "sxp/libvirt-sexpr2xml-pv-vfb-new.sexpr": ("sxp", "pvtest", "pv", 0, None),
    "sxp/libvirt-xml2sexpr-fv-net-ioemu.sexpr": ("sxp", "fvtest", "hvm", 1, "00:16:3e:1b:b1:47"),
    "sxp/libvirt-xml2sexpr-net-routed.sexpr": ("sxp", "pvtest", "pv", 1, "00:11:22:33:44:55"),
}
# files that hold no domain at all
NOT_DOMAINS = {
    "xl/xen-xl.conf": "xl",
    "sxp/xen-4.4-xend-config.sxp": "sxp",
    "sxp/xen-vnet97.sxp": "sxp",
    "sxp/xen-xend-config-xenapi.sxp": "sxp",
    "sxp/xen-xend-pci-permissive.sxp": "sxp",
    "sxp/xen-xend-pci-quirks.sxp": "sxp",
    "sxp/xen-xend-tests-xend-config.sxp": "sxp",
}


# Three libvirt test files are genuinely unbalanced: xend rejects them, libvirt's reader closes or
# ignores the extra parenthesis. xennet reports that (E001) and still reads them as libvirt does.
UNBALANCED = {
    "sxp/libvirt-sexpr2xml-bridge-ipaddr.sexpr": (1, 1, "'(' is never closed"),
    "sxp/libvirt-sexpr2xml-net-routed.sexpr": (1, 1, "'(' is never closed"),
    "sxp/libvirt-sexpr2xml-pv-vfb-new.sexpr": (9, 52, "')' without a matching '('"),
}


def model_of(relative: str):
    loaded = load_input(str(FIXTURES / relative), explicit=True)
    assert loaded.problems == []
    config = loaded.config
    assert config is not None
    expected = UNBALANCED.get(relative)
    found = [(p.location.line, p.location.column, p.message) for p in config.problems]
    assert found == ([expected] if expected else [])
    return config, build_model([config])


def test_every_corpus_config_is_covered():
    on_disk = {f"{p.parent.name}/{p.name}" for d in ("xl", "xm", "sxp") for p in (FIXTURES / d).iterdir()}
    assert on_disk == DOMAINS.keys() | NOT_DOMAINS.keys()


@pytest.mark.parametrize("relative", sorted(DOMAINS))
def test_corpus_domain_facts(relative):
    fmt, name, guest_type, vif_count, mac = DOMAINS[relative]
    config, model = model_of(relative)
    assert config.format is ConfigFormat(fmt)
    (domain,) = model.domains
    assert (domain.name, domain.guest_type, len(domain.vifs)) == (name, guest_type, vif_count)
    if vif_count:
        assert domain.vifs[0].value("mac") == mac
        assert domain.vifs[0].syntax is VifSyntax(fmt)


@pytest.mark.parametrize("relative", sorted(NOT_DOMAINS))
def test_corpus_files_without_domains(relative):
    config, model = model_of(relative)
    assert config.format is ConfigFormat(NOT_DOMAINS[relative])
    assert model.domains == []


def test_multi_ip_vif_fields_have_exact_columns():
    _, model = model_of("xl/libvirt-xlconfig-test-vif-multi-ip.cfg")
    vif = model.domains[0].vifs[0]
    ip = vif.get("ip")
    assert ip.value == "10.0.0.1 10.1.1.1 2000::1"
    line = (FIXTURES / "xl/libvirt-xlconfig-test-vif-multi-ip.cfg").read_text().splitlines()[ip.location.line - 1]
    assert line[ip.location.column - 1 :].startswith("ip=10.0.0.1 10.1.1.1 2000::1,")
    assert [f.key for f in vif.fields] == ["mac", "bridge", "ip", "script", "type"]


def test_xm_vif_tokenization_strips_spaces():
    _, model = model_of("xm/xen-xmexample.hvm")
    vif = model.domains[0].vifs[0]
    assert [(f.key, f.value) for f in vif.fields] == [("type", "ioemu"), ("bridge", "xenbr0")]


def test_sxp_vif_record_fields():
    _, model = model_of("sxp/libvirt-sexpr2xml-net-routed.sexpr")
    vif = model.domains[0].vifs[0]
    assert vif.value("script") == "vif-routed"
    assert vif.value("ip") == "172.14.5.6"
    assert vif.value("dev") == "eth3"
    assert (vif.location.line, vif.location.column) == (9, 9)


def test_xend_config_defaults():
    _, model = model_of("sxp/xen-4.4-xend-config.sxp")
    (defaults,) = model.defaults
    assert defaults.network_script == "network-bridge"
    assert defaults.values["vif-script"][0] == "vif-bridge"
    assert defaults.values["vif-script"][1].line == 189
    assert defaults.values["network-script"][1].line == 173


def test_network_script_arguments(tmp_path):
    path = tmp_path / "xend-config.sxp"
    path.write_text("(network-script 'network-bridge netdev=eth1 bridge=xenbr1')\n(vif-script vif-bridge)\n")
    loaded = load_input(str(path), explicit=True)
    (defaults,) = build_model([loaded.config]).defaults
    assert defaults.network_script == "network-bridge"
    assert defaults.network_script_args == {"netdev": "eth1", "bridge": "xenbr1"}


def test_xl_conf_vif_defaults(tmp_path):
    path = tmp_path / "xl.conf"
    path.write_text('autoballoon="off"\nvif.default.bridge="xenbr1"\nvif.default.script="vif-bridge"\n')
    loaded = load_input(str(path), explicit=True)
    model = build_model([loaded.config])
    assert model.domains == []
    (defaults,) = model.defaults
    assert defaults.values["bridge"][0] == "xenbr1"
    assert defaults.values["bridge"][1].line == 2
