"""Host trees in `xennet bundle`: case folders split into one tree per host, `--guest NAME=PATH`, the
inventory's tree lines and per-file facts, and links inside folders and archives (skipped, their
targets read where they are; links out of an archive refused with E006)."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import zipfile

import pytest
from click.testing import CliRunner
from test_bundles import TOP, VLAN, add_tar_member, findings, lint, tree_files, write_archive

from conftest import FIXTURES
from xennet.cli import main
from xennet.lint.runner import load_model

PCAP = FIXTURES / "pcap" / "icmp-ping-2.pcap"
MAC_LINKS = [("guest3", "guest3", "mac 00:16:3e:00:03:01"), ("guest4", "guest4", "mac 00:16:3e:00:04:01")]


def full_findings(result, strip: str = "") -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(rule, location, message, related locations) of each finding, `strip` removed from paths."""
    return [(rule, where, message, tuple(str(r).replace(strip, "") for r in f.related))
            for (rule, where, message), f in zip(findings(result, strip), result.findings, strict=True)]


def links(model) -> list[tuple[str, str, str]]:
    """(guest tree's folder name, domain, reason) of each guest link."""
    return [(os.path.basename(link.guest.label), link.domain.name, link.reason) for link in model.guest_links]


def bundle(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["bundle", *args])
    return result.exit_code, result.output


def inventory_lines(output: str) -> list[str]:
    return output[output.index("Inventory ("):].splitlines()


def inventory_of(output: str) -> dict[str, str]:
    """{path: what it was read as, with its facts} of the inventory's file lines."""
    lines = [line.split(maxsplit=1) for line in inventory_lines(output)[1:] if not line.startswith("  tree ")]
    return {path: " ".join(what.split()) for path, what in lines}


# --- case folders ---------------------------------------------------------------------------------

def test_case_folder_is_read_as_its_host_trees():
    separately = lint(VLAN / "dom0", VLAN / "guest3", VLAN / "guest4")
    as_case = lint(VLAN)
    assert full_findings(as_case) == full_findings(separately)
    assert [f.rule_id for f in as_case.findings] == ["N170"]
    assert [host.label for host in as_case.model.hosts] == [str(VLAN / host) for host in ("dom0", "guest3", "guest4")]
    assert links(as_case.model) == MAC_LINKS
    dom0 = as_case.model.dom0
    assert dom0 is not None and "eth0.3" not in dom0.interfaces  # the guests' VLAN devices stay theirs


def test_case_folder_with_an_archive_a_capture_and_notes(tmp_path):
    case = tmp_path / "case-0042"
    for host in ("dom0", "guest3"):
        shutil.copytree(VLAN / host, case / host)
    write_archive(case / "guest4", tree_files(VLAN / "guest4", "sosreport-guest4"), "tar.gz")
    shutil.copy(PCAP, case / "vif3.0.pcap")
    (case / "README.txt").write_text("customer says ping dies at 1477 bytes\n")
    code, output = bundle("--inventory", str(case))
    assert code == 1
    assert f"{case}/dom0/sos_commands/kernel/sysctl_-a:7:1: error N170" in output
    assert inventory_lines(output)[:4] == [
        "Inventory (20 input files, 3 host trees):",
        f"  tree {case}/dom0:          dom0 (Xen facts from {case}/dom0/etc/xen/guest3 and 3 more)",
        f"  tree {case}/guest4.tar.gz: guest of domain guest4 (mac 00:16:3e:00:04:01 at"
        f" {case}/guest4.tar.gz!/sos_commands/networking/ip_address:5:16)",
        f"  tree {case}/guest3:        guest of domain guest3 (mac 00:16:3e:00:03:01 at"
        f" {case}/guest3/sos_commands/networking/ip_address:5:16)",
    ]
    inventory = inventory_of(output)
    assert inventory[str(case / "vif3.0.pcap")] == "capture"
    code, output = bundle("--inventory", str(case), "--guest", f"guest3={case}/guest3")
    assert f"  tree {case}/guest3:        guest of domain guest3 (--guest)" in inventory_lines(output)
    assert inventory[str(case / "README.txt")].startswith("skipped: not a Xen config")
    assert inventory[str(case / "dom0/etc/xen/guest4")] == "xl domain guest4 (pv), 1 vif"
    assert inventory[str(case / "dom0/sos_commands/xen/xm_list")] == (
        "xen-list 3 running domains (Domain-0, guest3, guest4)")


def test_folder_with_a_host_source_at_its_top_is_one_tree(tmp_path):
    """A copy of /etc/xen with old configs kept in a subfolder is one host, not a case."""
    shutil.copytree(VLAN / "dom0" / "etc" / "xen", tmp_path / "xen")
    shutil.copytree(VLAN / "guest3", tmp_path / "xen" / "old-guest3")
    model = load_model([str(tmp_path / "xen")])
    assert [host.label for host in model.hosts] == [str(tmp_path / "xen")]
    assert "eth0.3" in model.hosts[0].interfaces


# --- --guest NAME=PATH ----------------------------------------------------------------------------

def test_guest_option_overrides_the_mac_join():
    code, output = bundle("--inventory", str(VLAN), "--guest", f"guest4={VLAN}/guest3")
    assert code == 1
    mismatch = next(line for line in output.splitlines() if " N110 " in line)
    assert mismatch.startswith(f"{VLAN}/guest3/etc/sysconfig/network-scripts/ifcfg-eth0:4:8: error N110")
    assert "eth0 of guest guest3 (domain guest4, joined by --guest) has MAC 00:16:3e:00:03:01" in mismatch
    assert inventory_lines(output)[:4] == [
        "Inventory (18 input files, 3 host trees):",  # guest3 is not read twice
        f"  tree {VLAN}/dom0:   dom0 (Xen facts from {VLAN}/dom0/etc/xen/guest3 and 3 more)",
        f"  tree {VLAN}/guest3: guest of domain guest4 (--guest)",
        f"  tree {VLAN}/guest4: not joined to any domain (no vif mac= or domain name matches)",
    ]


def test_guest_path_not_among_the_paths_is_read():
    code, output = bundle("--inventory", "--format", "json", str(VLAN / "dom0"), "--guest", f"guest3={VLAN}/guest3/")
    document = json.loads(output)
    assert code == 1 and [f["rule_id"] for f in document["findings"]] == ["N170"]
    assert document["trees"][1] == {"label": f"{VLAN}/guest3/", "role": "guest", "domain": "guest3",
                                    "reason": "--guest"}
    entry = next(e for e in document["inventory"] if e["path"].endswith("guest3/sos_commands/networking/ip_address"))
    assert entry == {"path": f"{VLAN}/guest3/sos_commands/networking/ip_address", "recognized_as": "ip",
                     "facts": ["3 interfaces (lo, eth0, eth0.3)", "2 addresses"]}


def test_guest_tree_is_never_the_dom0(tmp_path):
    """A guest with Xen tools installed (an xl.conf) comes first, but --guest says it is a guest."""
    guest = tmp_path / "guest3"
    shutil.copytree(VLAN / "guest3", guest)
    (guest / "etc" / "xen").mkdir()
    (guest / "etc" / "xen" / "xl.conf").write_text('vif.default.bridge = "xenbr0"\n')
    assert load_model([str(guest), str(VLAN / "dom0")]).dom0.label == str(guest)
    model = load_model([str(guest), str(VLAN / "dom0")], guests={"guest3": str(guest)})
    assert model.dom0.label == str(VLAN / "dom0")
    assert links(model) == [("guest3", "guest3", "--guest")]


@pytest.mark.parametrize(("guest", "error"), [
    ("nosuch=GUEST3", "Error: --guest nosuch=VLAN/guest3: nosuch is not a domain of the dom0;"
                      " dom0 VLAN/dom0 has the domains guest3, guest4"),
    ("guest3=VLAN/missing", "Error: no such file or directory: VLAN/missing"),
    ("guest3=VLAN/guest3/sos_commands/general/hostname", "Error: --guest guest3=VLAN/guest3/sos_commands/general/"
                                                         "hostname: VLAN/guest3/sos_commands/general/hostname is a"
                                                         " file; PATH must be a host tree (a folder or an archive)"),
    ("guest3", "Error: --guest 'guest3': expected NAME=PATH"),
    ("guest3=VLAN/dom0/etc", "Error: --guest guest3=VLAN/dom0/etc: VLAN/dom0/etc is part of the host tree VLAN/dom0"),
])
def test_bad_guest_option_is_a_one_line_usage_error(guest, error):
    guest = guest.replace("GUEST3", "VLAN/guest3").replace("VLAN", str(VLAN))
    code, output = bundle(str(VLAN / "dom0"), "--guest", guest)
    assert code == 2
    assert output.splitlines()[-1] == error.replace("VLAN", str(VLAN))


def test_guest_named_twice_is_a_usage_error():
    code, output = bundle(str(VLAN), "--guest", f"guest3={VLAN}/guest3", "--guest", f"guest3={VLAN}/guest4")
    assert code == 2
    assert output.splitlines()[-1] == (f"Error: --guest guest3={VLAN}/guest4: conflicts with --guest"
                                       f" guest3={VLAN}/guest3 (one tree per domain, one domain per tree)")


# --- links ----------------------------------------------------------------------------------------

# member name (inside TOP) -> (link type, target): the sosreport habit, inside the archive
INSIDE_LINKS = {
    "uname": (tarfile.SYMTYPE, "sos_commands/kernel/uname_-a"),
    "ip_addr": (tarfile.SYMTYPE, "sos_commands/networking/ip_address"),
    "sos_commands/xen/uname": (tarfile.SYMTYPE, "../kernel/uname_-a"),
    "sos_commands/kernel/sysctl_copy": (tarfile.LNKTYPE, f"{TOP}/sos_commands/kernel/sysctl_-a"),
}
OUTSIDE_LINKS = {
    "etc/xen/passwd": (tarfile.SYMTYPE, "/etc/passwd"),
    "sos_commands/escape": (tarfile.SYMTYPE, "../../../outside"),
}


def test_links_inside_a_tar_are_skipped_and_their_targets_read_once(tmp_path):
    path = tmp_path / "dom0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in tree_files(VLAN / "dom0").items():
            add_tar_member(archive, name, data)
        for name, (kind, target) in {**INSIDE_LINKS, **OUTSIDE_LINKS}.items():
            add_tar_member(archive, f"{TOP}/{name}", kind=kind, linkname=target)
    result = lint(path, VLAN / "guest3", VLAN / "guest4")
    refused = [(f.location.path.removeprefix(f"{path}!/"), f.message) for f in result.findings if f.rule_id == "E006"]
    assert refused == [
        ("etc/xen/passwd", "symlink to /etc/passwd points out of the archive; not followed"),
        ("sos_commands/escape", "symlink to ../../../outside points out of the archive; not followed"),
    ]
    expected = findings(lint(VLAN / "dom0", VLAN / "guest3", VLAN / "guest4"), f"{VLAN}/dom0/")
    assert [f for f in findings(result, f"{path}!/") if f[0] != "E006"] == expected
    inventory = {entry.path.removeprefix(f"{path}!/"): entry.recognized_as for entry in result.model.inventory}
    assert inventory["uname"] == "skipped: link to sos_commands/kernel/uname_-a (read there)"
    assert inventory["sos_commands/xen/uname"] == "skipped: link to sos_commands/kernel/uname_-a (read there)"
    assert inventory["sos_commands/kernel/sysctl_copy"] == "skipped: link to sos_commands/kernel/sysctl_-a (read there)"
    assert list(inventory.values()).count("sysctl-a") == 1
    assert len(result.model.dom0.facts.kernel) == 1


def test_links_inside_a_zip_are_skipped(tmp_path):
    path = write_archive(tmp_path / "dom0", tree_files(VLAN / "dom0"), "zip")
    with zipfile.ZipFile(path, "a") as archive:
        for name, target in [("uname", "sos_commands/kernel/uname_-a"), ("etc/xen/passwd", "/etc/passwd"),
                             ("gone", "sos_commands/kernel/missing")]:
            link = zipfile.ZipInfo(f"{TOP}/{name}")
            link.external_attr = 0o120777 << 16
            archive.writestr(link, target)
    result = lint(path)
    inventory = {entry.path.removeprefix(f"{path}!/"): entry.recognized_as for entry in result.model.inventory}
    assert inventory["uname"] == "skipped: link to sos_commands/kernel/uname_-a (read there)"
    assert inventory["gone"] == "skipped: link to sos_commands/kernel/missing, which is not in the archive"
    assert inventory["etc/xen/passwd"] == "refused: symlink to /etc/passwd points out of the archive; not followed"
    assert [f.location.path for f in result.findings if f.rule_id == "E006"] == [f"{path}!/etc/xen/passwd"]


def test_links_in_a_folder_are_not_followed(tmp_path):
    tree = tmp_path / "dom0"
    shutil.copytree(VLAN / "dom0", tree)
    (tmp_path / "secret").write_text("root:x:0:0\n")
    (tree / "uname").symlink_to("sos_commands/kernel/uname_-a")
    (tree / "networking").symlink_to("sos_commands/networking", target_is_directory=True)
    (tree / "sos_commands" / "outside").symlink_to(tmp_path / "secret")
    code, output = bundle("--inventory", str(tree), str(VLAN / "guest3"), str(VLAN / "guest4"))
    assert code == 1 and "error E" not in output
    assert f"{tree}/sos_commands/kernel/sysctl_-a:7:1: error N170" in output
    inventory = inventory_of(output)
    assert inventory[str(tree / "uname")] == "skipped: link to sos_commands/kernel/uname_-a (read there)"
    assert inventory[str(tree / "networking")] == "skipped: link to sos_commands/networking (read there)"
    assert inventory[str(tree / "sos_commands" / "outside")] == "skipped: link outside the tree (not followed)"
    assert inventory[str(tree / "sos_commands" / "kernel" / "uname_-a")] == (
        "system kernel 2.6.18-128.el5xen, hostname dom0.example.net")
    assert len(load_model([str(tree)]).dom0.facts.kernel) == 1

