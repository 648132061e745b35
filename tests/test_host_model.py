"""The host model on a support-bundle-shaped tree: classification by bundle path, the joins (vif ->
dom0 device -> bridge, guest tree -> domain), `xennet model`, and bad host inputs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import FIXTURES, write_files
from xennet.cli import main
from xennet.discover import iter_candidates
from xennet.lint.load import load_input
from xennet.lint.runner import _sourced_by_interfaces, lint_paths, load_model
from xennet.registry import all_rules

VLAN = FIXTURES / "hosts" / "vlan-bridge-nf"
TREES = [str(VLAN / "dom0"), str(VLAN / "guest3"), str(VLAN / "guest4")]


def test_sosreport_names_are_read_as_their_command():
    kinds = {
        "sos_commands/networking/ip_address": "ip",
        "sos_commands/networking/brctl_show": "brctl",
        "sos_commands/networking/route_-n": "routes",
        "sos_commands/kernel/sysctl_-a": "sysctl-a",
        "sos_commands/kernel/uname_-a": "system",
        "sos_commands/kernel/lsmod": "system",
        "sos_commands/xen/xm_list": "xen-list",
        "etc/xen/guest3": "xl",
        "etc/xen/xend-config.sxp": "sxp",
    }
    for relative, kind in kinds.items():
        loaded = load_input(str(VLAN / "dom0" / relative), explicit=False, relative=relative)
        assert loaded.kind == kind, relative
    guest = "etc/sysconfig/network-scripts/ifcfg-eth0.3"
    assert load_input(str(VLAN / "guest3" / guest), explicit=False, relative=guest).kind == "ifcfg"


def test_dom0_and_guests_are_joined():
    model = load_model(TREES)
    dom0 = model.dom0
    assert dom0 is not None and dom0.label == TREES[0]
    assert dom0.kernel.value == "2.6.18-128.el5xen"
    assert dom0.hostname == "dom0.example.net"
    assert sorted(dom0.ports("xenbr0")) == ["peth0", "vif0.0", "vif3.0", "vif4.0"]
    guest3 = next(d for d in dom0.domains if d.name == "guest3")
    device = dom0.device_of(guest3, guest3.vifs[0])
    assert device is not None and device.name == "vif3.0"
    assert dom0.bridge_of("vif3.0")[0] == "xenbr0"
    links = {(link.guest.label, link.domain.name, link.reason) for link in model.guest_links}
    assert links == {
        (TREES[1], "guest3", "mac 00:16:3e:00:03:01"),
        (TREES[2], "guest4", "mac 00:16:3e:00:04:01"),
    }
    (eth03,) = [i for i in model.hosts[1].interfaces.values() if i.name == "eth0.3"]
    assert (eth03.kind, eth03.value("vlan_id"), eth03.value("parent")) == ("vlan", 3, "eth0")
    assert {source for source, _ in eth03.facts("parent")} == {"ifcfg", "ip-addr"}  # ip addr has no VLAN id


def test_sysctls_running_and_configured():
    model = load_model(TREES)
    (setting,) = model.dom0.sysctl("net.bridge.bridge-nf-call-iptables")
    assert setting.value == "1"
    assert (setting.source, setting.location.line) == ("sysctl-a", 7)


def test_backend_mac_never_joins_a_guest(tmp_path):
    dom0 = tmp_path / "dom0"
    guest = tmp_path / "guest"
    write_files(dom0, {"etc/xen/g.cfg": 'name = "g"\nvif = [ "mac=fe:ff:ff:ff:ff:ff" ]\n'})
    write_files(guest, {"sos_commands/networking/ip_address": (
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\n"
        "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n")})
    model = load_model([str(dom0), str(guest)])
    assert model.guest_links == []


def test_model_command_text_and_json():
    runner = CliRunner()
    text = runner.invoke(main, ["model", *TREES], catch_exceptions=False).output
    assert "dom0 " + TREES[0] + " (hostname dom0.example.net), kernel 2.6.18-128.el5xen" in text
    assert "    vif 0: mac 00:16:3e:00:03:01, bridge xenbr0 -> device vif3.0 on xenbr0" in text
    assert "  runs as domain guest4 (joined by mac 00:16:3e:00:04:01," in text
    document = json.loads(runner.invoke(main, ["model", "--format", "json", *TREES]).output)
    assert document["version"] == 1
    roles = [(h["role"], h["hostname"]) for h in document["hosts"]]
    assert roles == [("dom0", "dom0.example.net"), ("guest", "guest3"), ("guest", "guest4")]
    vif = document["hosts"][0]["domains"][0]["vifs"][0]
    assert (vif["device"], vif["bridge_actual"]) == ("vif3.0", "xenbr0")


def test_bad_host_inputs_are_findings_and_the_model_is_still_built(tmp_path):
    """A truncated output, unknown columns, a file of another kind under a known name, mixed formats."""
    write_files(tmp_path, {
        "sos_commands/networking/ip_address": (
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 15"),
        "sos_commands/networking/brctl_show": "this is not brctl output at all\njust some text\n",
        "sos_commands/networking/route_-n": (
            "Kernel IP routing table\n"
            "Destination Gateway Genmask Flags Metric Ref Use Iface Extra\n"
            "0.0.0.0 198.18.0.1 0.0.0.0 UG 0 0 0 eth0 foo\n"),
        "sos_commands/kernel/sysctl_-a": "net.ipv4.ip_forward = 1\nsysctl: permission denied on key 'x'\n",
        "etc/xen/g.cfg": 'name = "g"\nvif = [ "bridge=xenbr0" ]\n',
    })
    result = lint_paths([str(tmp_path)], all_rules())
    e_findings = {(f.rule_id, f.location.path.removeprefix(str(tmp_path) + "/")) for f in result.findings
                  if f.rule_id.startswith("E")}
    assert ("E005", "sos_commands/networking/ip_address") in e_findings
    assert ("E005", "sos_commands/networking/brctl_show") in e_findings
    assert any(path == "sos_commands/kernel/sysctl_-a" for _, path in e_findings)
    host = result.model.dom0
    assert "lo" in host.interfaces  # what was understood is kept
    assert [d.name for d in host.domains] == ["g"]
    assert host.sysctl("net.ipv4.ip_forward")[0].value == "1"


def test_interfaces_source_directives_are_resolved_inside_the_tree(tmp_path):
    write_files(tmp_path, {
        "etc/network/interfaces": "auto lo\niface lo inet loopback\nsource /etc/network/vlans/*\n",
        "etc/network/vlans/eth0.7": "auto eth0.7\niface eth0.7 inet static\n    address 198.18.7.2/24\n",
    })
    candidates = list(iter_candidates([str(tmp_path)]))
    assert _sourced_by_interfaces(candidates) == {str(tmp_path / "etc/network/vlans/eth0.7")}
    model = load_model([str(tmp_path)])
    assert model.hosts[0].interfaces["eth0.7"].value("vlan_id") == 7
    assert model.skipped == []
