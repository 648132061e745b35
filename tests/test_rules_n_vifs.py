"""The N1 rules (vifs, bridges, MACs) on the host fixtures under fixtures/hosts and on inline trees in
sosreport layout: rule id, file:line:column, message, related locations, severity, counts, and the
cases each rule must leave alone (no proof of absence, other scripts, other toolstacks)."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, write_files
from facts_helpers import at, related, spot
from xennet.findings import Severity
from xennet.lint.runner import lint_paths
from xennet.registry import all_rules, select_rules

HOSTS = FIXTURES / "hosts"
CFG = "etc/xen/web.cfg"
XL_LIST = "sos_commands/xen/xl_list"
XM_LIST = "sos_commands/xen/xm_list"
IP = "sos_commands/networking/ip_address"
BRCTL = "sos_commands/networking/brctl_show"
XEND = "etc/xen/xend-config.sxp"
WEB_MAC = "00:16:3e:5a:01:02"


# --- helpers --------------------------------------------------------------------------------------


def run(paths: list[str], rule: str):
    return lint_paths(paths, select_rules((rule,))).findings


def run_tree(tmp_path: Path, files: dict[str, str], rule: str, name: str = "dom0"):
    root = tmp_path / name
    write_files(root, files)
    return run([str(root)], rule)





def line_of(name: str, content: str, needle: str) -> tuple[str, int, int]:
    """(file name, line, 0): the whole line, as an `xl list` row is located."""
    found = spot(name, content, needle)
    return found[0], found[1], 0


def xl_cfg(name: str = "web", vif: str = f"mac={WEB_MAC},bridge=xenbr0", extra: str = "") -> str:
    return f'name = "{name}"\n{extra}vif = [ "{vif}" ]\n'


def xl_list(*domains: tuple[str, int], state: str = "-b----") -> str:
    rows = [f"{'Domain-0':<40} {0:>5} {2048:>5} {4:>5}     r-----  {512.3:>8.1f}\n"]
    rows += [f"{name:<40} {domid:>5} {1024:>5} {1:>5}     {state}  {40.0:>8.1f}\n" for name, domid in domains]
    return "Name                                        ID   Mem VCPUs\tState\tTime(s)\n" + "".join(rows)


def xm_list(*domains: tuple[str, int]) -> str:
    rows = [f"{'Domain-0':<40} {0:>3} {3456:>8} {4:>5} r----- {2113.1:>8.1f}\n"]
    rows += [f"{name:<40} {domid:>3} {511:>8} {1:>5} -b---- {91.2:>8.1f}\n" for name, domid in domains]
    return "Name                                      ID Mem(MiB) VCPUs State   Time(s)\n" + "".join(rows)


def ip_address(*devices: tuple[str, str | None], lo: bool = True) -> str:
    """`ip address` of dom0: lo (unless told), then (name, master) devices; vifs get fe:ff:ff:ff:ff:ff."""
    text = ""
    if lo:
        text = (
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "    inet 127.0.0.1/8 scope host lo\n"
            "       valid_lft forever preferred_lft forever\n"
        )
    for index, (name, master) in enumerate(devices, start=2):
        mac = "fe:ff:ff:ff:ff:ff" if name.startswith(("vif", "tap")) else f"00:1e:c9:4d:2a:{index:02x}"
        on = f" master {master}" if master else ""
        text += (
            f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq{on} state UP group default"
            " qlen 1000\n"
            f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n"
        )
    return text


def brctl_show(**bridges: list[str]) -> str:
    text = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
    for number, (name, ports) in enumerate(bridges.items()):
        first = ports[0] if ports else ""
        text += f"{name}\t\t8000.001ec94d2a{number:02x}\tno\t\t{first}\n"
        text += "".join(f"\t\t\t\t\t\t\t{port}\n" for port in ports[1:])
    return text


# --- the host fixtures --------------------------------------------------------------------------


def trees(scenario: str) -> list[str]:
    return [str(path) for path in sorted((HOSTS / scenario).iterdir())]


def n_vif_findings(scenario: str):
    return [f for f in lint_paths(trees(scenario), all_rules()).findings if f.rule_id.startswith(("N10", "N11", "N18"))]


def test_clean_host_gives_no_warning_or_error_of_any_rule():
    clean = HOSTS / "clean"
    result = lint_paths([str(clean / "dom0"), str(clean / "guest-web01"), str(clean / "guest-db01")], all_rules())
    assert [(f.rule_id, f.message) for f in result.findings if f.severity is not Severity.INFO] == []
    assert {link.domain.name for link in result.model.guest_links} == {"web01", "db01"}
    assert len(result.model.dom0.bridges()) == 2


def test_missing_bridge_fixture():
    (finding,) = n_vif_findings("missing-bridge")
    config = (HOSTS / "missing-bridge/dom0/etc/xen/backup01.cfg").read_text()
    assert finding.rule_id == "N101" and finding.severity is Severity.ERROR
    assert at(finding) == spot("backup01.cfg", config, "bridge=xenbr1")
    assert related(finding) == [("brctl_show", 2, 1)]
    assert finding.message == (
        "vif 0 of backup01 names bridge `xenbr1` but dom0 has only xenbr0 (brctl_show:2):"
        " vif-bridge cannot add the vif to it"
    )


def test_vif_no_bridge_fixture():
    (finding,) = n_vif_findings("vif-no-bridge")
    dom0 = HOSTS / "vif-no-bridge/dom0"
    config = (dom0 / "etc/xen/mail01").read_text()
    listing = (dom0 / IP).read_text()
    assert finding.rule_id == "N104" and finding.severity is Severity.ERROR
    assert at(finding) == spot("mail01", config, "bridge=xenbr0")
    assert related(finding) == [spot("ip_address", listing, "vif3.0"), ("brctl_show", 2, 1)]
    assert finding.message.startswith("vif3.0 (vif 0 of mail01) is a port of no bridge, though its bridge= puts it")
    assert "brctl_show lists it under no bridge" in finding.message


def test_mac_mismatch_fixture():
    (finding,) = n_vif_findings("mac-mismatch")
    root = HOSTS / "mac-mismatch"
    ifcfg = (root / "guest-app01/etc/sysconfig/network-scripts/ifcfg-eth0").read_text()
    config = (root / "dom0/etc/xen/app01.cfg").read_text()
    listing = (root / "guest-app01" / IP).read_text()
    assert finding.rule_id == "N110" and finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth0", ifcfg, "00:16:3e:4a:05:99")
    vif = spot("app01.cfg", config, "mac=00:16:3e:4a:05:01")
    assert related(finding) == [vif, spot("ip_address", listing, "00:16")]
    assert finding.message == (
        "eth0 of guest app01.example.net (domain app01, joined by hostname) has MAC 00:16:3e:4a:05:99"
        " (ifcfg-eth0:2), but vif 0 of app01 sets mac=00:16:3e:4a:05:01 (app01.cfg:8): at its next boot"
        " the guest gets 00:16:3e:4a:05:01, which ifcfg-eth0:2 does not expect"
    )


# --- N101 vif-bridge-missing ---------------------------------------------------------------------


def test_n101_without_bridge_facts_says_nothing(tmp_path):
    files = {CFG: xl_cfg(vif="bridge=xenbr7"), XL_LIST: xl_list()}
    assert run_tree(tmp_path, files, "N101") == []


def test_n101_from_a_complete_interface_listing(tmp_path):
    listing = ip_address(("eth0", None))
    files = {CFG: xl_cfg(vif="bridge=br1"), IP: listing}
    (finding,) = run_tree(tmp_path, files, "N101")
    assert at(finding) == spot("web.cfg", files[CFG], "bridge=br1")
    assert related(finding) == [("ip_address", 0, 0)]
    assert "dom0 has no interface `br1` (ip_address lists every interface)" in finding.message


def test_n101_not_from_a_partial_listing(tmp_path):
    # `ip addr show eth0` (no lo): it shows one device, not all of them
    files = {CFG: xl_cfg(vif="bridge=br1"), IP: ip_address(("eth0", None), lo=False)}
    assert run_tree(tmp_path, files, "N101") == []


def test_n101_bridges_from_ifcfg_or_a_master_count(tmp_path):
    files = {
        CFG: xl_cfg(vif="bridge=xenbr1") + 'vif += [ "bridge=xenbr2" ]\n',
        BRCTL: brctl_show(xenbr0=["eth0"]),
        "etc/sysconfig/network-scripts/ifcfg-xenbr1": "DEVICE=xenbr1\nTYPE=Bridge\nONBOOT=yes\n",
        IP: ip_address(("eth1", "xenbr2"), ("xenbr2", None)),
    }
    assert run_tree(tmp_path, files, "N101") == []


def test_n101_xenbr_n_becomes_eth_n_when_that_is_a_bridge(tmp_path):
    files = {CFG: xl_cfg(vif="bridge=xenbr0"), BRCTL: brctl_show(eth0=["peth0"])}
    assert run_tree(tmp_path, files, "N101") == []
    files[BRCTL] = brctl_show(eth1=["peth1"])
    (finding,) = run_tree(tmp_path, files, "N101")
    assert "dom0 has only eth1 (brctl_show:2)" in finding.message


def test_n101_counts_one_finding_per_vif_and_lists_every_bridge(tmp_path):
    files = {
        CFG: 'name = "web"\nvif = [ "bridge=xenbr9", "bridge=xenbr0", "bridge=br2" ]\n',
        BRCTL: brctl_show(xenbr0=["eth0"], xenbr1=["eth1"]),
    }
    findings = run_tree(tmp_path, files, "N101")
    assert [at(f) for f in findings] == [spot("web.cfg", files[CFG], f"bridge={b}") for b in ("xenbr9", "br2")]
    assert related(findings[0]) == [("brctl_show", 2, 1), ("brctl_show", 3, 1)]
    assert "dom0 has only xenbr0 (brctl_show:2), xenbr1 (brctl_show:3)" in findings[0].message


def test_n101_skips_routed_vifs_and_driver_domains(tmp_path):
    files = {
        CFG: 'name = "web"\nvif = [ "bridge=xenbr9,script=vif-route", "bridge=xenbr9,backend=netdom" ]\n',
        BRCTL: brctl_show(xenbr0=["eth0"]),
    }
    assert run_tree(tmp_path, files, "N101") == []


def test_n101_default_script_of_the_toolstack(tmp_path):
    base = {CFG: xl_cfg(vif="bridge=xenbr9"), BRCTL: brctl_show(xenbr0=["eth0"])}
    routed_xl = {**base, "etc/xen/xl.conf": 'vif.default.script = "vif-route"\n'}
    assert run_tree(tmp_path / "a", routed_xl, "N101") == []
    routed_xend = {**base, XEND: "(vif-script vif-route)\n"}
    assert run_tree(tmp_path / "b", routed_xend, "N101") == []
    # both configs, no list output: the toolstack is unknown and the two scripts differ
    both = {**routed_xend, "etc/xen/xl.conf": 'vif.default.script = "vif-bridge"\n'}
    assert run_tree(tmp_path / "c", both, "N101") == []
    assert len(run_tree(tmp_path / "d", {**both, XL_LIST: xl_list()}, "N101")) == 1  # xl runs: vif-bridge


def test_n101_a_bridge_without_ports_exists(tmp_path):
    files = {CFG: xl_cfg(vif="bridge=xenbr1"), BRCTL: brctl_show(xenbr0=["eth0"], xenbr1=[])}
    assert run_tree(tmp_path, files, "N101") == []


# --- N102 default-bridge-missing -----------------------------------------------------------------


def test_n102_xl_default_xenbr0(tmp_path):
    files = {CFG: xl_cfg(vif=f"mac={WEB_MAC}"), XL_LIST: xl_list(), BRCTL: brctl_show(br0=["eth0"])}
    (finding,) = run_tree(tmp_path, files, "N102")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("web.cfg", files[CFG], '"mac=')
    assert related(finding) == [("brctl_show", 2, 1)]
    assert finding.message == (
        "vif 0 of web names no bridge, so it goes to `xenbr0`, xl's default, but dom0 has only br0"
        " (brctl_show:2): vif-bridge cannot add the vif to it"
    )


def test_n102_xl_conf_default(tmp_path):
    xl_conf = 'vif.default.bridge = "br1"\n'
    files = {CFG: xl_cfg(vif=f"mac={WEB_MAC}"), "etc/xen/xl.conf": xl_conf, BRCTL: brctl_show(br0=["eth0"])}
    (finding,) = run_tree(tmp_path, files, "N102")
    assert "goes to `br1`, xl.conf's vif.default.bridge (xl.conf:1)" in finding.message
    assert related(finding) == [spot("xl.conf", xl_conf, '"br1"'), ("brctl_show", 2, 1)]
    files["etc/xen/xl.conf"] = 'vif.default.bridge = "br0"\n'
    assert run_tree(tmp_path, files, "N102") == []


def test_n102_xend_with_no_bridge_at_all(tmp_path):
    files = {
        XEND: "(network-script network-bridge)\n(vif-script vif-bridge)\n",
        "etc/xen/web": xl_cfg(vif=f"mac={WEB_MAC}"),
        BRCTL: brctl_show(),
    }
    (finding,) = run_tree(tmp_path, files, "N102")
    assert at(finding) == spot("web", files["etc/xen/web"], '"mac=')
    assert related(finding) == [("brctl_show", 0, 0)]
    assert finding.message == (
        "vif 0 of web names no bridge, so xend's vif-bridge takes the first bridge `brctl show` lists,"
        ' but brctl_show lists none: the script fails ("Could not find bridge, and none was specified")'
    )
    files[BRCTL] = brctl_show(xenbr0=["peth0"])
    assert run_tree(tmp_path, files, "N102") == []


def test_n102_xend_vif_script_bridge_argument(tmp_path):
    files = {
        XEND: "(vif-script 'vif-bridge bridge=xenbr1')\n",
        "etc/xen/web": xl_cfg(vif=f"mac={WEB_MAC}"),
        BRCTL: brctl_show(xenbr0=["peth0"]),
    }
    (finding,) = run_tree(tmp_path, files, "N102")
    assert "goes to `xenbr1`, the bridge= of xend's vif-script (xend-config.sxp:1)" in finding.message


def test_n102_unknown_toolstack_only_when_there_is_no_bridge(tmp_path):
    files = {CFG: xl_cfg(vif=f"mac={WEB_MAC}"), BRCTL: brctl_show(br0=["eth0"])}
    assert run_tree(tmp_path, files, "N102") == []
    files[BRCTL] = brctl_show()
    (finding,) = run_tree(tmp_path, files, "N102")
    assert "whichever toolstack starts the guest" in finding.message


def test_n102_not_for_vifs_with_a_bridge(tmp_path):
    files = {CFG: xl_cfg(vif="bridge=br0"), XL_LIST: xl_list(), BRCTL: brctl_show(br0=["eth0"])}
    assert run_tree(tmp_path, files, "N102") == []


# --- N103 default-bridge-ambiguous ---------------------------------------------------------------


def xend_tree(vif: str, brctl: str, vif_script: str = "vif-bridge") -> dict[str, str]:
    return {
        XEND: f"(network-script network-bridge)\n(vif-script '{vif_script}')\n",
        "etc/xen/web": xl_cfg(vif=vif),
        BRCTL: brctl,
        XM_LIST: xm_list(("web", 3)),
    }


def test_n103_xend_picks_the_first_of_several_bridges(tmp_path):
    files = xend_tree(f"mac={WEB_MAC}", brctl_show(xenbr0=["peth0"], xenbr1=["peth1"]))
    (finding,) = run_tree(tmp_path, files, "N103")
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("web", files["etc/xen/web"], '"mac=')
    assert related(finding) == [("brctl_show", 2, 1), ("brctl_show", 3, 1)]
    assert finding.message == (
        "vif 0 of web names no bridge, and dom0 has 2 (xenbr0, xenbr1): xend's vif-bridge silently adds"
        " it to the first that `brctl show` lists, `xenbr0` (brctl_show:2)"
    )


def test_n103_without_brctl_the_pick_is_not_named(tmp_path):
    files = xend_tree(f"mac={WEB_MAC}", "")
    del files[BRCTL]
    for name in ("xenbr0", "xenbr1"):
        files[f"etc/sysconfig/network-scripts/ifcfg-{name}"] = f"DEVICE={name}\nTYPE=Bridge\nONBOOT=yes\n"
    (finding,) = run_tree(tmp_path, files, "N103")
    assert finding.message.endswith("xend's vif-bridge silently adds it to whichever `brctl show` lists first")
    assert related(finding) == [("ifcfg-xenbr0", 2, 6), ("ifcfg-xenbr1", 2, 6)]


def test_n103_not_with_one_bridge_a_bridge_argument_or_xl(tmp_path):
    two = brctl_show(xenbr0=["peth0"], xenbr1=["peth1"])
    assert run_tree(tmp_path, xend_tree(f"mac={WEB_MAC}", brctl_show(xenbr0=["peth0"])), "N103") == []
    assert run_tree(tmp_path, xend_tree(f"mac={WEB_MAC},bridge=xenbr1", two), "N103") == []
    assert run_tree(tmp_path, xend_tree(f"mac={WEB_MAC}", two, "vif-bridge bridge=xenbr1"), "N103") == []
    files = {CFG: xl_cfg(vif=f"mac={WEB_MAC}"), XL_LIST: xl_list(), BRCTL: two}
    assert run_tree(tmp_path, files, "N103") == []


# --- N104 vif-not-on-bridge ----------------------------------------------------------------------


def test_n104_on_another_bridge(tmp_path):
    listing = ip_address(("eth0", "xenbr0"), ("xenbr0", None), ("xenbr1", None), ("vif3.0", "xenbr1"))
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), IP: listing}
    (finding,) = run_tree(tmp_path, files, "N104")
    assert at(finding) == spot("web.cfg", files[CFG], "bridge=xenbr0")
    port = spot("ip_address", listing, "xenbr1 state", 1)
    assert related(finding) == [port, spot("ip_address", listing, "xenbr0: ")]
    assert finding.message == (
        f"vif3.0 (vif 0 of web) is a port of `xenbr1` (ip_address:{port[1]}), though its bridge= puts it on"
        " `xenbr0`"
    )


def test_n104_on_no_bridge_from_ip_master(tmp_path):
    listing = ip_address(("eth0", "xenbr0"), ("xenbr0", None), ("vif3.0", None))
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), IP: listing}
    (finding,) = run_tree(tmp_path, files, "N104")
    assert "ip_address:" in finding.message and "shows no master for it" in finding.message


def test_n104_needs_a_source_that_shows_ports(tmp_path):
    # iproute2 of RHEL 5 prints no `master`: a vif without one proves nothing
    listing = ip_address(("eth0", None), ("xenbr0", None), ("vif3.0", None))
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), IP: listing}
    assert run_tree(tmp_path, files, "N104") == []


def test_n104_default_bridge_and_eth_alias(tmp_path):
    files = {CFG: xl_cfg(vif=f"mac={WEB_MAC}"), XL_LIST: xl_list(("web", 3)), BRCTL: brctl_show(br0=["eth0", "vif3.0"])}
    (finding,) = run_tree(tmp_path, files, "N102")  # xenbr0 is missing: N102, not N104
    assert run_tree(tmp_path, files, "N104") == []
    files[BRCTL] = brctl_show(eth0=["peth0", "vif3.0"])  # xl's xenbr0 is eth0 for vif-bridge
    assert run_tree(tmp_path, files, "N104") == []
    files[BRCTL] = brctl_show(eth0=["peth0"], xenbr1=["vif3.0"])
    (finding,) = run_tree(tmp_path, files, "N104")
    assert at(finding) == spot("web.cfg", files[CFG], '"mac=')
    assert "is a port of `xenbr1` (brctl_show:3), though xl's default puts it on `xenbr0`" in finding.message


def test_n104_checks_the_emulated_nic_of_hvm_guests(tmp_path):
    files = {
        CFG: xl_cfg(extra='type = "hvm"\n'),
        XL_LIST: xl_list(("web", 3)),
        BRCTL: brctl_show(xenbr0=["eth0", "vif3.0"]),
        IP: ip_address(("vif3.0", "xenbr0"), ("vif3.0-emu", None)),
    }
    (finding,) = run_tree(tmp_path, files, "N104")
    assert finding.message.startswith("vif3.0-emu (vif 0 of web) is a port of no bridge")


# --- N105 vif-stale ------------------------------------------------------------------------------


def test_n105_vif_of_a_domain_that_is_not_running(tmp_path):
    listing = ip_address(("vif3.0", None), ("vif7.0", None), ("tap7.1", None))
    files = {XL_LIST: xl_list(("web", 3)), IP: listing}
    findings = run_tree(tmp_path, files, "N105")
    assert [at(f) for f in findings] == [spot("ip_address", listing, name) for name in ("vif7.0", "tap7.1")]
    assert all(f.severity is Severity.WARNING for f in findings)
    assert related(findings[0]) == [("xl_list", 0, 0)]
    assert findings[0].message == (
        "vif7.0 is a backend device of domain 7, which is not running (xl_list shows domain IDs 0, 3):"
        " a leftover of a domain whose teardown failed"
    )


def test_n105_xm_era_dom0_without_a_list_says_nothing(tmp_path):
    files = {
        XEND: "(network-script network-bridge)\n(vif-script vif-bridge)\n",
        IP: ip_address(("vif0.0", "xenbr0"), ("vif3.0", None)),
        BRCTL: brctl_show(xenbr0=["peth0", "vif0.0", "vif3.0"]),
    }
    assert run_tree(tmp_path, files, "N105") == []


def test_n105_dom0_netloop_vif_and_xenstore_domains_are_running():
    assert run(trees("vif-no-bridge"), "N105") == []  # vif0.0 is Domain-0's
    assert run(trees("vlan-bridge-nf"), "N105") == []


def test_n105_xenstore_is_a_list_of_running_domains(tmp_path):
    xenstore = '/local/domain/0/name = "Domain-0"\n/local/domain/3/name = "web"\n'
    files = {"sos_commands/xen/xenstore-ls": xenstore, IP: ip_address(("vif3.0", None), ("vif4.0", None))}
    (finding,) = run_tree(tmp_path, files, "N105")
    assert finding.message.startswith("vif4.0 is a backend device of domain 4")
    assert "xenstore-ls shows domain IDs 0, 3" in finding.message


# --- N106 vif-device-missing ---------------------------------------------------------------------


def test_n106_running_domain_without_its_vif(tmp_path):
    listing = ip_address(("eth0", "xenbr0"), ("xenbr0", None))
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), IP: listing}
    (finding,) = run_tree(tmp_path, files, "N106")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("web.cfg", files[CFG], '"mac=')
    assert related(finding) == [line_of("xl_list", files[XL_LIST], "web"), ("ip_address", 0, 0)]
    assert finding.message == (
        "web runs as domain 3 (xl_list:3) but dom0 has no device for its vif 0"
        " (vif3.0 / vif3.0-emu / tap3.0; ip_address lists dom0's interfaces)"
    )


def test_n106_custom_vifname_and_counts(tmp_path):
    cfg = 'name = "web"\nvif = [ "bridge=xenbr0,vifname=web-eth0", "bridge=xenbr0" ]\n'
    files = {CFG: cfg, XL_LIST: xl_list(("web", 3)), IP: ip_address(("xenbr0", None), ("web-eth0", "xenbr0"))}
    (finding,) = run_tree(tmp_path, files, "N106")
    assert at(finding) == spot("web.cfg", cfg, '"bridge=xenbr0"')
    assert "its vif 1 (vif3.1 / vif3.1-emu / tap3.1;" in finding.message


def test_n106_needs_a_complete_listing_and_a_live_domain(tmp_path):
    base = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3))}
    assert run_tree(tmp_path, {**base, BRCTL: brctl_show(xenbr0=["eth0"])}, "N106") == []
    one = "sos_commands/networking/ip_-o_addr"
    assert run_tree(tmp_path, {**base, one: "2: xenbr0    inet 198.18.0.10/24 scope global xenbr0\n"}, "N106") == []
    stopped = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3), state="---s--"), IP: ip_address(("xenbr0", None))}
    assert run_tree(tmp_path, stopped, "N106") == []
    not_listed = {CFG: xl_cfg(), XL_LIST: xl_list(("db", 4)), IP: ip_address(("xenbr0", None))}
    assert run_tree(tmp_path, not_listed, "N106") == []


# --- N110 guest-mac-mismatch ---------------------------------------------------------------------


def guest(mac: str, hwaddr: str | None = None, hostname: str = "web.example.net") -> dict[str, str]:
    files = {
        IP: "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP qlen 1000\n"
        f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n",
        "sos_commands/general/hostname": hostname + "\n",
    }
    if hwaddr:
        files["etc/sysconfig/network-scripts/ifcfg-eth0"] = f"DEVICE=eth0\nHWADDR={hwaddr}\nONBOOT=yes\n"
    return files


def dom0_and_guest(tmp_path: Path, cfg: str, guest_files: dict[str, str]) -> list[str]:
    write_files(tmp_path / "dom0", {CFG: cfg})
    write_files(tmp_path / "guest", guest_files)
    return [str(tmp_path / "dom0"), str(tmp_path / "guest")]


def test_n110_running_guest_without_ifcfg(tmp_path):
    files = guest("00:16:3e:5a:01:77")
    (finding,) = run(dom0_and_guest(tmp_path, xl_cfg(), files), "N110")
    assert at(finding) == spot("ip_address", files[IP], "00:16")
    assert related(finding) == [spot("web.cfg", xl_cfg(), "mac=")]
    assert "has MAC 00:16:3e:5a:01:77 (ip_address:2), but vif 0 of web sets mac=00:16:3e:5a:01:02" in finding.message
    assert "the guest does not run with the MAC its config gives it" in finding.message


def test_n110_case_insensitive_and_joined_by_mac(tmp_path):
    assert run(dom0_and_guest(tmp_path, xl_cfg(), guest("00:16:3E:5A:01:02", "00:16:3E:5A:01:02")), "N110") == []


def test_n110_second_vif_of_a_guest_joined_by_mac(tmp_path):
    cfg = 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02", "mac=00:16:3e:5a:01:03" ]\n'
    files = guest(WEB_MAC)
    files[IP] += (
        "3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP qlen 1000\n"
        "    link/ether 00:16:3e:5a:01:99 brd ff:ff:ff:ff:ff:ff\n"
    )
    (finding,) = run(dom0_and_guest(tmp_path, cfg, files), "N110")
    assert finding.message.startswith("eth1 of guest web.example.net (domain web, joined by mac)")
    assert "vif 1 of web sets mac=00:16:3e:5a:01:03" in finding.message


def test_n110_needs_macs_on_both_sides(tmp_path):
    no_mac = xl_cfg(vif="bridge=xenbr0")
    assert run(dom0_and_guest(tmp_path / "a", no_mac, guest("00:16:3e:5a:01:77")), "N110") == []
    only_hostname = {"sos_commands/general/hostname": "web\n"}
    assert run(dom0_and_guest(tmp_path / "b", xl_cfg(), only_hostname), "N110") == []
    backend_mac = guest("fe:ff:ff:ff:ff:ff")  # never a guest's MAC
    assert run(dom0_and_guest(tmp_path / "c", xl_cfg(), backend_mac), "N110") == []


def test_n110_hwaddr_disagrees_with_the_running_mac(tmp_path):
    files = guest(WEB_MAC, hwaddr="00:16:3e:5a:01:66")
    (finding,) = run(dom0_and_guest(tmp_path, xl_cfg(), files), "N110")
    ifcfg = files["etc/sysconfig/network-scripts/ifcfg-eth0"]
    assert at(finding) == spot("ifcfg-eth0", ifcfg, "00:16")
    assert related(finding) == [spot("ip_address", files[IP], "00:16")]
    assert finding.message == (
        "ifcfg-eth0:2 expects eth0 to have MAC 00:16:3e:5a:01:66, but ip_address:2 shows it with"
        ' 00:16:3e:5a:01:02: ifup refuses the device ("Device eth0 has different MAC address than'
        ' expected, ignoring.")'
    )


def test_n110_hwaddr_with_macaddr_is_fine(tmp_path):
    files = guest(WEB_MAC)
    files["etc/sysconfig/network-scripts/ifcfg-eth0"] = (
        f"DEVICE=eth0\nHWADDR=00:16:3e:5a:01:66\nMACADDR={WEB_MAC}\nONBOOT=yes\n"
    )
    assert run(dom0_and_guest(tmp_path, xl_cfg(), files), "N110") == []


# --- N111 xenstore-mismatch ----------------------------------------------------------------------


def xenstore(mac: str, bridge: str) -> str:
    return (
        '/local/domain/3/name = "web"\n'
        f'/local/domain/0/backend/vif/3/0/mac = "{mac}"\n'
        f'/local/domain/0/backend/vif/3/0/bridge = "{bridge}"\n'
    )


def test_n111_mac_and_bridge_differ(tmp_path):
    store = xenstore("00:16:3e:5a:01:09", "xenbr1")
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), "sos_commands/xen/xenstore-ls": store}
    mac, bridge = run_tree(tmp_path, files, "N111")
    assert at(mac) == spot("web.cfg", files[CFG], "mac=")
    assert related(mac) == [spot("xenstore-ls", store, "00:16"), ("xl_list", 3, 0)]
    assert mac.message == (
        "vif 0 of web (domain 3) runs with MAC 00:16:3e:5a:01:09 (xenstore-ls:2) but its config sets"
        " mac=00:16:3e:5a:01:02: the domain was started with other settings than its config has now"
    )
    assert at(bridge) == spot("web.cfg", files[CFG], "bridge=")
    assert "runs on bridge `xenbr1` (xenstore-ls:3) but its config sets bridge=xenbr0" in bridge.message


def test_n111_same_values_in_other_case_or_unset_are_fine(tmp_path):
    store = xenstore("00:16:3E:5A:01:02", "xenbr0")
    assert run_tree(tmp_path, {CFG: xl_cfg(), "xenstore-ls": store}, "N111") == []
    store = xenstore("00:16:3e:5a:01:09", "xenbr1")
    assert run_tree(tmp_path, {CFG: xl_cfg(vif=""), "xenstore-ls": store}, "N111") == []
    assert run_tree(tmp_path, {CFG: xl_cfg(), "xenstore-ls": store.replace("/3/name", "/4/name")}, "N111") == []


def test_n111_xl_network_list(tmp_path):
    network_list = (
        "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path\n"
        "0   0  00:16:3e:5a:01:0a     0     4     11   768/769         /local/domain/0/backend/vif/3/0\n"
    )
    files = {CFG: xl_cfg(), XL_LIST: xl_list(("web", 3)), "sos_commands/xen/xl_network-list": network_list}
    (finding,) = run_tree(tmp_path, files, "N111")
    assert "runs with MAC 00:16:3e:5a:01:0a (xl_network-list:2)" in finding.message


# --- N180 vif-drops ------------------------------------------------------------------------------


def ip_s_link(*devices: tuple[str, int, int, int, int]) -> str:
    """`ip -s link` blocks: (name, rx packets, rx dropped, tx packets, tx dropped)."""
    text = ""
    for index, (name, rx, rx_drop, tx, tx_drop) in enumerate(devices, start=5):
        text += (
            f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP qlen 32\n"
            "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
            "    RX: bytes  packets  errors  dropped overrun mcast\n"
            f"    {rx * 90}    {rx}    0       {rx_drop}       0       0\n"
            "    TX: bytes  packets  errors  dropped carrier collsns\n"
            f"    {tx * 90}    {tx}    0       {tx_drop}     0       0\n"
        )
    return text


def test_n180_drop_ratio_above_one_percent(tmp_path):
    text = ip_s_link(("vif3.0", 19822, 0, 20310, 412), ("vif4.0", 5000, 2, 6000, 3))
    (finding,) = run_tree(tmp_path, {"sos_commands/networking/ip_-s_link": text}, "N180")
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("ip_-s_link", text, "412")
    assert related(finding) == [spot("ip_-s_link", text, "20310    0")]
    assert finding.message == "vif3.0 dropped 412 of 20722 packets toward the guest (TX): 2.0%, above 1%"


def test_n180_unused_pv_vif_of_an_hvm_guest_is_info(tmp_path):
    text = ip_s_link(("vif5.0", 0, 0, 0, 812), ("vif5.0-emu", 3100, 0, 2900, 0))
    (finding,) = run_tree(tmp_path, {"sos_commands/networking/ip_-s_link": text}, "N180")
    assert finding.severity is Severity.INFO
    assert related(finding) == [spot("ip_-s_link", text, "0    0       812"), spot("ip_-s_link", text, "vif5.0-emu")]
    assert finding.message.startswith(
        "vif5.0 dropped 812 packets toward the guest and sent none, while the emulated NIC vif5.0-emu is in"
        " use, 6000 packets: the HVM guest runs without PV network drivers"
    )


def test_n180_all_drops_without_an_emulated_nic_is_a_warning(tmp_path):
    text = ip_s_link(("vif5.0", 10, 0, 0, 812))
    (finding,) = run_tree(tmp_path, {"sos_commands/networking/ip_-s_link": text}, "N180")
    assert finding.severity is Severity.WARNING
    assert "dropped 812 of 812 packets toward the guest (TX): 100.0%" in finding.message


def test_n180_rx_drops_and_no_counters(tmp_path):
    text = ip_s_link(("vif3.0", 1000, 50, 1000, 0))
    (finding,) = run_tree(tmp_path, {"sos_commands/networking/ip_-s_link": text}, "N180")
    assert finding.message == "vif3.0 dropped 50 of 1050 packets from the guest (RX): 4.8%, above 1%"
    assert run_tree(tmp_path, {IP: ip_address(("vif3.0", None))}, "N180", name="no-counters") == []
