"""The X rules (Xen config settings and vif specs) on inline xl, xm and SXP files: rule id, where,
what the message says, related locations, and the cases each rule must leave alone.

Files whose name ends in `.xm` are read as xm (Python) configs, `.sxp` as SXP, the rest as xl.
"""

from __future__ import annotations

import pytest

from conftest import lint_files
from facts_helpers import at, related, spot
from xennet.findings import Severity


def run(tmp_path, files: dict[str, str], rule: str):
    """The findings of `rule` alone for these files."""
    return lint_files(tmp_path, files, select=(rule,)).findings





def xl(name: str = "web", vifs: str = '"bridge=xenbr0"', extra: str = "") -> str:
    return f'name = "{name}"\n{extra}vif = [ {vifs} ]\n'


def sxp_domain(name: str, vif: str, image: str = "(linux (kernel '/boot/vmlinuz'))", extra: str = "") -> str:
    return f"(domain\n  (name {name})\n{extra}  (image {image})\n  (device\n    (vif {vif})\n  )\n)\n"


# --- X001 duplicate-key -----------------------------------------------------------------------


def test_x001_points_at_the_winner_and_relates_every_dead_assignment(tmp_path):
    text = 'name = "web"\nmemory = 256\nvif = [ "bridge=xenbr0" ]\nmemory = 512\nmemory = 1024\n'
    (finding,) = run(tmp_path, {"web.cfg": text}, "X001")
    assert finding.rule_id == "X001" and finding.severity is Severity.WARNING
    assert at(finding) == ("web.cfg", 5, 1)
    assert related(finding) == [("web.cfg", 2, 1), ("web.cfg", 4, 1)]
    assert "`memory` is assigned 3 times" in finding.message
    assert "lines 2, 4 have no effect" in finding.message


def test_x001_ignores_plus_equals(tmp_path):
    text = 'name = "web"\nvif = [ "bridge=xenbr0" ]\nvif += [ "bridge=xenbr1" ]\n'
    assert run(tmp_path, {"web.cfg": text}, "X001") == []


def test_x001_in_python_configs_counts_top_level_constants_only(tmp_path):
    text = (
        "import os\nname = 'web'\nif os.uname()[4] == 'x86_64':\n    kernel = '/boot/a'\nelse:\n"
        "    kernel = '/boot/b'\nmemory = 256\nmemory = 512\nvif = [ 'bridge=xenbr0' ]\n"
    )
    (finding,) = run(tmp_path, {"web.xm": text}, "X001")
    assert at(finding) == ("web.xm", 8, 1)
    assert related(finding) == [("web.xm", 7, 1)]


def test_x001_not_for_sxp(tmp_path):
    text = sxp_domain("web", "(mac 00:16:3e:00:00:01)", extra="  (memory 256)\n  (memory 512)\n")
    assert run(tmp_path, {"web.sxp": text}, "X001") == []


# --- X002 concat-type-mismatch ------------------------------------------------------------------


def test_x002_xl_string_added_to_list(tmp_path):
    text = 'name = "web"\nvif = [ "bridge=xenbr0" ]\nvif += "bridge=xenbr1"\n'
    (finding,) = run(tmp_path, {"web.cfg": text}, "X002")
    assert finding.severity is Severity.ERROR
    assert at(finding) == ("web.cfg", 3, 1)
    assert related(finding) == [("web.cfg", 2, 1)]
    assert "`vif +=` adds a string to the list set on line 2" in finding.message
    assert 'can\'t add [list] to "string"' in finding.message


def test_x002_python_list_added_to_string_raises(tmp_path):
    text = "name = 'web'\nextra = 'console=hvc0'\nextra += [ 'quiet' ]\nvif = [ '' ]\n"
    (finding,) = run(tmp_path, {"web.xm": text}, "X002")
    assert at(finding) == ("web.xm", 3, 1)
    assert "adds a list to the string" in finding.message and "TypeError" in finding.message


def test_x002_like_with_like_and_unknown_values_are_fine(tmp_path):
    ok = 'name = "web"\nextra = "a"\nextra += " b"\nvif = [ "" ]\nvif += [ "bridge=xenbr1" ]\n'
    assert run(tmp_path, {"web.cfg": ok}, "X002") == []
    unknown = "import os\nname = 'web'\nvif = os.environ['VIFS']\nvif += [ 'bridge=xenbr1' ]\n"
    assert run(tmp_path, {"dyn.xm": unknown}, "X002") == []


# --- X101 vif-unknown-key ------------------------------------------------------------------------


def test_x101_typo_gets_a_suggestion_and_the_field_column(tmp_path):
    text = xl(vifs='"mac=00:16:3e:5a:01:02,brige=xenbr0"')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X101")
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("web.cfg", text, "brige=")
    assert finding.message == (
        "vif 0 of web: `brige=xenbr0`: unknown vif key `brige`; xl ignores it; did you mean `bridge`?"
    )


def test_x101_keys_are_case_sensitive(tmp_path):
    (finding,) = run(tmp_path, {"web.cfg": xl(vifs='"Bridge=xenbr0"')}, "X101")
    assert "did you mean `bridge`?" in finding.message


def test_x101_xend_keys_in_xl_and_xm_specs(tmp_path):
    vifs = "'bridge=xenbr0,policy=ACM,label=red'"
    found = run(tmp_path, {"web.cfg": xl(vifs=vifs)}, "X101")
    assert [f.message.split(": ", 1)[1] for f in found] == [
        "`policy=ACM`: `policy` is an xend (xm) key that xl does not know; xl ignores it",
        "`label=red`: `label` is an xend (xm) key that xl does not know; xl ignores it",
    ]
    assert run(tmp_path, {"db.xm": xl(name="db", vifs=vifs)}, "X101") == []


def test_x101_unknown_in_xm_spec_names_xend(tmp_path):
    text = xl(vifs="'type=ioemu, bridg=xenbr0'")
    (finding,) = run(tmp_path, {"web.xm": text}, "X101")
    assert at(finding) == spot("web.xm", text, "bridg=")
    assert "xend refuses it (Invalid vif option)" in finding.message
    assert "did you mean `bridge`?" in finding.message


def test_x101_flags_and_bare_keys(tmp_path):
    text = xl(vifs='"trusted", "untrusted=1", "bridge", "mac=00:16:3e:00:00:01,colo_sock_mirror_id=1"')
    found = run(tmp_path, {"web.cfg": text}, "X101")
    assert [(f.message.split(":")[0], at(f)) for f in found] == [
        ("vif 1 of web", spot("web.cfg", text, "untrusted=1")),
        ("vif 2 of web", spot("web.cfg", text, 'bridge", "mac')),
    ]
    assert "`untrusted` is a flag: write it bare" in found[0].message
    assert "`bridge` needs a value (`bridge=...`)" in found[1].message


def test_x101_not_for_sxp_records(tmp_path):
    text = sxp_domain("web", "(mac 00:16:3e:00:00:01) (brige xenbr0) (uuid 1234)")
    assert run(tmp_path, {"web.sxp": text}, "X101") == []


def test_x101_leaves_whitespace_before_equals_to_x103(tmp_path):
    assert run(tmp_path, {"web.cfg": xl(vifs='"bridge =xenbr0"')}, "X101") == []


# --- X102 vif-deprecated-key ---------------------------------------------------------------------


def test_x102_netdev_and_accel(tmp_path):
    text = xl(vifs='"script=vif-route,netdev=eth0", "accel=sfc"')
    netdev, accel = run(tmp_path, {"web.cfg": text}, "X102")
    assert at(netdev) == spot("web.cfg", text, "netdev=")
    assert "`netdev=eth0`" in netdev.message and "write `gatewaydev=` instead" in netdev.message
    assert netdev.message.startswith("vif 0 of web:")
    assert accel.message.startswith("vif 1 of web: `accel=sfc`")
    assert "ignores it" in accel.message


def test_x102_not_for_sxp_nor_gatewaydev(tmp_path):
    sxp = sxp_domain("db", "(accel sfc) (mac 00:16:3e:00:00:02)")
    files = {"web.cfg": xl(vifs='"gatewaydev=eth0"'), "db.sxp": sxp}
    assert run(tmp_path, files, "X102") == []


# --- X103 vif-trailing-space ---------------------------------------------------------------------


def test_x103_trailing_space_in_bridge(tmp_path):
    text = xl(vifs='"bridge=xenbr0 , mac=00:16:3e:5a:01:02 "')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X103")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("web.cfg", text, "bridge=")
    assert finding.message == (
        'vif 0 of web: `bridge=xenbr0 ` ends with whitespace that xl keeps: the bridge is "xenbr0 ", not "xenbr0"'
    )


def test_x103_space_before_equals_and_after_a_flag(tmp_path):
    text = xl(vifs='"bridge =xenbr0,script= vif-bridge", "trusted "')
    found = run(tmp_path, {"web.cfg": text}, "X103")
    assert [at(f) for f in found] == [
        spot("web.cfg", text, "bridge ="),
        spot("web.cfg", text, "script="),
        spot("web.cfg", text, "trusted "),
    ]
    assert "whitespace before `=`" in found[0].message
    assert "starts with whitespace" in found[1].message
    assert 'does not recognize "trusted "' in found[2].message


def test_x103_not_for_xm_nor_numeric_values(tmp_path):
    spaced = '"bridge=xenbr0 , mac=00:16:3e:5a:01:02 "'
    assert run(tmp_path, {"web.xm": xl(vifs=spaced)}, "X103") == []
    assert (
        run(tmp_path, {"db.cfg": xl(name="db", vifs='"mac=00:16:3e:5a:01:02 ,mtu=9000 ,ip=10.0.0.1 "')}, "X103") == []
    )


# --- X111 / X112 / X114 MAC checks --------------------------------------------------------------


def test_x111_multicast_in_xl_and_sxp(tmp_path):
    text = xl(vifs='"bridge=xenbr0,mac=03:16:3e:00:00:01"')
    sxp = sxp_domain("db", "(mac 01:00:5e:00:00:fb)")
    found = run(tmp_path, {"web.cfg": text, "db.sxp": sxp}, "X111")
    assert [at(f) for f in found] == [("db.sxp", 5, 10), spot("web.cfg", text, "mac=")]
    assert found[1].message == (
        "vif 0 of web: `mac=03:16:3e:00:00:01` is a multicast address (first octet 03 is odd) and cannot be a"
        " NIC's own address"
    )
    assert found[0].message.startswith("vif 0 of db: `mac=01:00:5e:00:00:fb`")


def test_x111_x112_x114_leave_a_xen_mac_alone(tmp_path):
    files = {"web.cfg": xl(vifs='"mac=00:16:3E:5A:01:02", "mac=02:00:00:00:00:01"')}
    assert lint_files(tmp_path, files, select=("X111", "X112", "X114")).findings == []


def test_x112_zero_mac_says_what_each_tool_does(tmp_path):
    zero = '"mac=00:00:00:00:00:00"'
    files = {"web.cfg": xl(vifs=zero), "db.xm": xl(name="db", vifs=zero)}
    xm_finding, xl_finding = run(tmp_path, files, "X112")
    assert xl_finding.severity is Severity.ERROR
    assert at(xl_finding) == spot("web.cfg", files["web.cfg"], "mac=")
    assert "new random MAC at every start" in xl_finding.message
    assert "xend gives the guest this address" in xm_finding.message


def test_x114_foreign_oui_is_info_and_skips_multicast_zero_and_local(tmp_path):
    vifs = '"mac=00:11:22:33:44:55", "mac=01:11:22:33:44:55", "mac=00:00:00:00:00:00", "mac=06:11:22:33:44:55"'
    (finding,) = run(tmp_path, {"web.cfg": xl(vifs=vifs)}, "X114")
    assert finding.severity is Severity.INFO
    assert finding.message == (
        "vif 0 of web: `mac=00:11:22:33:44:55` is in OUI 00:11:22, neither Xen's 00:16:3e nor a locally"
        " administered address"
    )


# --- X113 vif-mac-duplicate ----------------------------------------------------------------------


def test_x113_same_mac_across_files_case_insensitive(tmp_path):
    web = xl("web", '"mac=00:16:3e:5a:01:02,bridge=xenbr0"')
    db = xl("db", '"bridge=xenbr0", "mac=00:16:3E:5A:01:02"')
    (finding,) = run(tmp_path, {"web.cfg": web, "db.cfg": db}, "X113")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("db.cfg", db, "mac=")  # web.cfg is linted first: it owns the MAC
    assert related(finding) == [spot("web.cfg", web, "mac=")]
    assert finding.message == (
        "vif 1 of db: `mac=00:16:3E:5A:01:02` repeats the MAC of vif 0 of web: the bridge cannot tell the"
        " interfaces apart"
    )


def test_x113_one_finding_per_repeat_each_relating_all_others(tmp_path):
    mac = '"mac=00:16:3e:00:00:07"'
    files = {"a.cfg": xl("a", mac), "b.cfg": xl("b", mac), "c.xm": xl("c", mac)}
    found = run(tmp_path, files, "X113")
    assert [at(f)[0] for f in found] == ["b.cfg", "c.xm"]
    assert [[r[0] for r in related(f)] for f in found] == [["a.cfg", "c.xm"], ["a.cfg", "b.cfg"]]
    assert "repeats the MAC of vif 0 of a and 1 other vif" in found[0].message


def test_x113_within_one_domain_and_against_an_sxp_record(tmp_path):
    web = xl("web", '"mac=00:16:3e:00:00:01", "mac=00:16:3e:00:00:01"')
    db = sxp_domain("db", "(mac 00:16:3e:00:00:01)")
    found = run(tmp_path, {"web.cfg": web, "db.sxp": db}, "X113")
    assert [at(f) for f in found] == [("db.sxp", 5, 10), spot("web.cfg", web, "mac=", 2)]
    assert found[0].message.startswith("vif 0 of db: `mac=00:16:3e:00:00:01` repeats the MAC of vif 0 of web and 1")
    assert related(found[1]) == [spot("web.cfg", web, "mac="), ("db.sxp", 5, 10)]


def test_x113_same_guest_in_two_files_is_not_a_clash(tmp_path):
    mac = '"mac=00:16:3e:00:00:01"'
    uuid = 'uuid = "596a5d21-71f4-8fb2-e068-e2386a5c413e"\n'
    files = {
        "web.cfg": xl("web", mac),  # the same name...
        "web-old.xm": xl("web", mac),
        "db.cfg": xl("db", mac.replace("01", "02"), extra=uuid),  # ...or the same UUID, spelt differently
        "db.sxp": sxp_domain(
            "db-renamed", "(mac 00:16:3e:00:00:02)", extra="  (uuid 596a5d2171f48fb2e068e2386a5c413e)\n"
        ),
    }
    assert run(tmp_path, files, "X113") == []


# --- X120 vif-rate-invalid -----------------------------------------------------------------------


def test_x120_reports_the_rate_parsers_message(tmp_path):
    text = xl(vifs='"bridge=xenbr0,rate=10M"')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X120")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("web.cfg", text, "rate=")
    assert finding.message.startswith('vif 0 of web: `rate=10M`: invalid vif rate "10M"')


def test_x120_xm_and_sxp_too_and_valid_rates_pass(tmp_path):
    files = {
        "web.xm": xl(vifs="'rate = 5Mb'"),
        "db.sxp": sxp_domain("db", "(rate 100MB/s@20ms)"),
        "ok.cfg": xl("ok", '"rate=10Mb/s", "rate=1MB/s@20ms", "rate=250KB/s"'),
    }
    (finding,) = run(tmp_path, files, "X120")
    assert at(finding)[0] == "web.xm"
    assert "`rate = 5Mb`" in finding.message and '"5Mb"' in finding.message


# --- X121 vif-vlan-invalid -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vlan", "reason"),
    [
        ("4095", "VLAN ID 4095 in `4095` is outside 1..4094"),
        ("0", "VLAN ID 0 in `0` is outside 1..4094"),
        ("10/20", "no VLAN is marked as the PVID"),
        ("10p/20p", "2 VLANs are marked as the PVID"),
        ("10p/30-20", "the range `30-20` runs backwards"),
        ("10p/4000+100x1", "VLAN ID 4100 in `4000+100x1` is outside 1..4094"),
        ("10,20", "`10,20` is not a VLAN ID"),
        ("ten", "`ten` is not a VLAN ID"),
    ],
)
def test_x121_invalid_vlans(tmp_path, vlan, reason):
    text = xl(vifs=f"'bridge=xenbr0;vlan={vlan}'".replace(";", ","))
    found = run(tmp_path, {"web.cfg": text}, "X121")
    if "," in vlan:  # the comma ends the vif item: what is left is `vlan=10`, which is valid
        assert found == []
        return
    (finding,) = found
    assert at(finding) == spot("web.cfg", text, "vlan=")
    assert finding.message.startswith(f"vif 0 of web: `vlan={vlan}`: {reason}")


@pytest.mark.parametrize("vlan", ["10", "10u", "10p/20", "10p/100+10x4", "1p/2-4094u", "20/10p"])
def test_x121_valid_vlans(tmp_path, vlan):
    assert run(tmp_path, {"web.cfg": xl(vifs=f"'vlan={vlan}'")}, "X121") == []


# --- X122 vif-type-invalid -----------------------------------------------------------------------


def test_x122_xl_accepts_only_vif_and_ioemu(tmp_path):
    text = xl(vifs='"type=iomeu", "type=netfront", "type=vif", "type=ioemu"', extra='type = "hvm"\n')
    found = run(tmp_path, {"web.cfg": text}, "X122")
    assert [at(f) for f in found] == [spot("web.cfg", text, "type=iomeu"), spot("web.cfg", text, "type=netfront")]
    assert found[0].message == (
        'vif 0 of web: `type=iomeu` is not one of vif, ioemu: xl prints "Invalid parameter `type\'" and ignores it'
    )


def test_x122_xend_also_knows_netfront(tmp_path):
    files = {
        "web.xm": xl(vifs="'type=netfront', 'type=paravirt'", extra="builder = 'hvm'\n"),
        "db.sxp": sxp_domain("db", "(type netfront)"),
    }
    (finding,) = run(tmp_path, files, "X122")
    assert at(finding) == spot("web.xm", files["web.xm"], "type=paravirt")
    assert "is not one of vif, ioemu, netfront: xend treats it as a PV-only vif" in finding.message


# --- X123 vif-emulated-on-pv / X128 vif-ioemu-on-pv ------------------------------------------------


def test_x123_model_on_pv_guest_relates_the_guest_type(tmp_path):
    text = xl(vifs='"bridge=xenbr0,model=e1000"', extra='type = "pvh"\n')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X123")
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("web.cfg", text, "model=")
    assert related(finding) == [spot("web.cfg", text, '"pvh"')]
    assert finding.message == (
        "vif 0 of web: `model=e1000` asks for an emulated NIC, but web is a PVH guest with no device model:"
        " the setting has no effect"
    )


def test_x123_default_pv_and_xend_ioemu_but_not_hvm(tmp_path):
    files = {
        "web.cfg": xl(vifs='"model=rtl8139"'),  # PV by default: nothing to relate
        "db.xm": xl("db", "'type=ioemu, bridge=xenbr0'"),
        "win.cfg": xl("win", '"type=ioemu,model=e1000"', extra='builder = "hvm"\n'),
        "pv.sxp": sxp_domain("pv", "(model e1000)"),
        "fv.sxp": sxp_domain("fv", "(model e1000) (type ioemu)", image="(hvm (kernel hvmloader))"),
    }
    found = run(tmp_path, files, "X123")
    assert [at(f)[0] for f in found] == ["db.xm", "pv.sxp", "web.cfg"]
    assert related(found[2]) == []
    assert related(found[1]) == [("pv.sxp", 3, 10)]


def test_x128_ioemu_on_xl_pv_guest_is_an_error(tmp_path):
    text = xl(vifs='"type=ioemu"', extra='type = "pv"\n')
    files = {"web.cfg": text, "db.xm": xl("db", "'type=ioemu'")}
    (finding,) = run(tmp_path, files, "X128")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("web.cfg", text, "type=ioemu")
    assert related(finding) == [spot("web.cfg", text, '"pv"')]
    assert "libxl refuses an emulated interface" in finding.message
    assert [f.rule_id for f in lint_files(tmp_path, files, select=("X123",)).findings] == ["X123"]  # db.xm only


# --- X124 vifname-too-long -----------------------------------------------------------------------


def test_x124_pv_limit_is_15(tmp_path):
    ok, long = "a" * 15, "b" * 16
    text = xl(vifs=f'"vifname={ok}", "vifname={long}"')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X124")
    assert at(finding) == spot("web.cfg", text, f"vifname={long}")
    assert finding.message == (
        f"vif 1 of web: `vifname={long}`: 16 characters, more than the 15 a Linux interface name can have"
    )


def test_x124_hvm_counts_the_emulated_tap(tmp_path):
    name = "web-frontend"  # 12 characters
    files = {
        "web.cfg": xl(vifs=f'"vifname={name}", "type=vif,vifname={name}1"', extra='type = "hvm"\n'),
        "db.xm": xl("db", f"'vifname={name}'", extra="builder = 'hvm'\n"),
    }
    xm_finding, xl_finding = run(tmp_path, files, "X124")
    assert at(xl_finding) == spot("web.cfg", files["web.cfg"], "vifname=")
    assert "tap device `web-frontend-emu` has 16 characters" in xl_finding.message
    assert "vifname may have at most 11 here" in xl_finding.message
    assert "`tap-web-frontend`" in xm_finding.message


# --- X125 vifname-duplicate / X126 vif-ip-duplicate ------------------------------------------------


def test_x125_same_vifname_in_two_domains(tmp_path):
    web = xl("web", '"vifname=front"')
    db = xl("db", '"vifname=back", "vifname=front"')
    (finding,) = run(tmp_path, {"web.cfg": web, "db.cfg": db}, "X125")
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("db.cfg", db, "vifname=front")
    assert related(finding) == [spot("web.cfg", web, "vifname=")]
    assert finding.message == (
        "vif 1 of db: `vifname=front` is also the vifname of vif 0 of web: only one interface can have the name"
    )


def test_x125_same_guest_twice_is_fine(tmp_path):
    files = {"web.cfg": xl("web", '"vifname=front"'), "web.xm": xl("web", "'vifname=front'")}
    assert run(tmp_path, files, "X125") == []


def test_x126_same_address_on_two_guests(tmp_path):
    web = xl("web", '"ip=192.0.2.10 2001:db8::1"')
    db = xl("db", '"ip=2001:0db8:0::1/64"')
    sxp = sxp_domain("mail", "(ip '192.0.2.10')")
    found = run(tmp_path, {"web.cfg": web, "db.cfg": db, "mail.sxp": sxp}, "X126")
    assert [(at(f), f.severity) for f in found] == [
        (spot("db.cfg", db, "ip="), Severity.WARNING),
        (("mail.sxp", 5, 10), Severity.WARNING),
    ]
    assert found[0].message == "vif 0 of db: `ip=2001:0db8:0::1/64`: 2001:db8::1 is also an address of vif 0 of web"
    assert "192.0.2.10 is also an address of vif 0 of web" in found[1].message
    assert related(found[0]) == related(found[1]) == [spot("web.cfg", web, "ip=")]


def test_x126_ignores_repeats_within_one_guest(tmp_path):
    web = xl("web", '"ip=192.0.2.10", "ip=192.0.2.10"')
    assert run(tmp_path, {"web.cfg": web, "web.xm": xl("web", "'ip=192.0.2.10'")}, "X126") == []


# --- X127 vif-mtu-invalid / X129 vif-devid-invalid -------------------------------------------------


def test_x127_mtu_must_be_a_number_in_range(tmp_path):
    text = xl(vifs='"mtu=9k", "mtu=40", "mtu=65536", "mtu=68", "mtu=9000"')
    found = run(tmp_path, {"web.cfg": text}, "X127")
    assert [f.message for f in found] == [
        "vif 0 of web: `mtu=9k`: the MTU is not a decimal number",
        "vif 1 of web: `mtu=40`: the MTU is outside 68..65535",
        "vif 2 of web: `mtu=65536`: the MTU is outside 68..65535",
    ]
    assert at(found[0]) == spot("web.cfg", text, "mtu=9k")


def test_x127_applies_to_sxp_records(tmp_path):
    (finding,) = run(tmp_path, {"db.sxp": sxp_domain("db", "(mtu jumbo)")}, "X127")
    assert at(finding) == ("db.sxp", 5, 10)


def test_x129_devid_not_a_number(tmp_path):
    text = xl(vifs='"devid=eth0"')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X129")
    assert at(finding) == spot("web.cfg", text, "devid=")
    assert finding.message == "vif 0 of web: `devid=eth0` is not a decimal number"


def test_x129_explicit_devid_repeats_an_implicit_one(tmp_path):
    text = xl(vifs='"bridge=xenbr0", "bridge=xenbr1,devid=0", "devid=5"')
    (finding,) = run(tmp_path, {"web.cfg": text}, "X129")
    assert at(finding) == spot("web.cfg", text, "devid=0")
    assert related(finding) == [spot("web.cfg", text, '"bridge=xenbr0"')]
    assert finding.message == (
        "vif 1 of web: devid 0 (from devid=) is also the devid of vif 0 (its place in the vif list):"
        " libxl cannot add both"
    )


# --- X130 nics-deprecated / X131 vif2-deprecated ----------------------------------------------------


def test_x130_nics_in_an_xend_config(tmp_path):
    text = "name = 'web'\nnics = 2\nvif = [ 'bridge=xenbr0' ]\n"
    (finding,) = run(tmp_path, {"web.cfg": text}, "X130")
    assert finding.severity is Severity.WARNING
    assert at(finding) == ("web.cfg", 2, 1)
    assert finding.message.startswith("`nics = 2`: deprecated: xend padded the vif list up to this count")


def test_x131_vif2(tmp_path):
    text = "name = 'web'\nmemory = 256\nvif2 = [ 'front_mac=00:16:3e:00:00:01' ]\n"
    (finding,) = run(tmp_path, {"web.cfg": text}, "X131")
    assert at(finding) == ("web.cfg", 3, 1)
    assert finding.message.startswith("`vif2 = [ 'front_mac=00:16:3e:00:00:01' ]`: netchannel2 is gone")


def test_x130_x131_not_for_sxp(tmp_path):
    text = sxp_domain("db", "(mac 00:16:3e:00:00:02)", extra="  (nics 2)\n  (vif2 (bridge xenbr0))\n")
    assert lint_files(tmp_path, {"db.sxp": text}, select=("X130", "X131")).findings == []
