"""Sysctl sources: `sysctl -a` output, sysctl.conf / sysctl.d files, /proc/sys files, and systemd's order."""

from __future__ import annotations

from pathlib import Path

import jc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xennet.findings import Location
from xennet.lint.hostfacts import Sysctl
from xennet.lint.sources.sysctl import (
    effective_sysctls,
    looks_like_sysctl_conf,
    looks_like_sysctl_output,
    normalize_key,
    parse_proc_sys,
    parse_sysctl_conf,
    parse_sysctl_output,
    running_sysctls,
    sysctl_order,
)

SYSCTL = Path(__file__).resolve().parent.parent / "fixtures" / "sysctl"
SYSCTL_A = SYSCTL / "jc-centos-7.7-sysctl-a.out"
INSIGHTS = SYSCTL / "insights-sysctl.conf-semicolon-comments.conf"
SYSTEMD_DEFAULT = SYSCTL / "systemd-sysctl.d-50-default.conf"


def by_key(sysctls: list[Sysctl]) -> dict[str, Sysctl]:
    return {sysctl.key: sysctl for sysctl in sysctls}


def conf(path: str, text: str) -> list[Sysctl]:
    facts = parse_sysctl_conf(text, path)
    assert facts.problems == []
    return facts.sysctls


# --- sysctl -a ---------------------------------------------------------------------------------


def test_sysctl_a_of_centos_7():
    facts = parse_sysctl_output(SYSCTL_A.read_text(), "sysctl-a.out")
    assert facts.problems == []
    sysctls = by_key(facts.sysctls)
    assert len(facts.sysctls) == len(sysctls) == 895
    forward = sysctls["net.ipv4.ip_forward"]
    assert (forward.value, forward.source, forward.order) == ("1", "sysctl-a", ())
    assert forward.location == Location("sysctl-a.out", 412, 1, 412, 24)
    assert sysctls["net.bridge.bridge-nf-call-iptables"].value == "0"
    assert sysctls["net.bridge.bridge-nf-call-iptables"].location.line == 220
    assert sysctls["net.ipv4.tcp_rmem"].value == "4096\t87380\t6291456"
    assert sysctls["kernel.hotplug"].value == ""
    assert sysctls["net.ipv4.conf.ens33.rp_filter"].value == "1"


def test_sysctl_a_joins_the_lines_of_a_multi_line_value():
    info = by_key(parse_sysctl_output(SYSCTL_A.read_text(), "a").sysctls)["dev.cdrom.info"]
    assert info.location.line == 10 and info.location.end_line == 33
    lines = info.value.split("\n")
    assert lines[0] == "CD-ROM information, Id: cdrom.c 3.20 2003/12/17"
    assert lines[1] == "" and lines[2] == "drive name:\t\tsr0"
    assert len(lines) == 24


def test_sysctl_a_agrees_with_jc():
    text = SYSCTL_A.read_text()
    ours = {sysctl.key: sysctl.value for sysctl in parse_sysctl_output(text, "a").sysctls}
    assert ours == jc.parse("sysctl", text, raw=True, quiet=True)


def test_sysctl_a_bsd_form_and_continuation_lines():
    text = "kern.ostype: FreeBSD\nkern.conftxt: options\tA\nident\tGENERIC\nnet.inet.ip.forwarding: 1\n"
    facts = parse_sysctl_output(text, "bsd")
    assert facts.problems == []
    sysctls = by_key(facts.sysctls)
    assert sysctls["kern.conftxt"].value == "options\tA\nident\tGENERIC"
    assert sysctls["kern.conftxt"].location.end_line == 3
    assert sysctls["net.inet.ip.forwarding"].value == "1"


def test_sysctl_a_error_lines_are_problems():
    text = "net.ipv4.ip_forward = 0\nsysctl: permission denied on key 'fs.protected_fifos'\n\nvm.swappiness = 60\n"
    facts = parse_sysctl_output(text, "a")
    assert [s.key for s in facts.sysctls] == ["net.ipv4.ip_forward", "vm.swappiness"]
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line) == ("syntax", 2)
    assert "error message" in problem.hint


# --- sysctl.conf / sysctl.d --------------------------------------------------------------------


def test_insights_conf_with_semicolon_comment_and_indented_lines():
    facts = parse_sysctl_conf(INSIGHTS.read_text(), "/etc/sysctl.conf")
    assert facts.problems == []
    assert [(s.key, s.value, s.location.line, s.location.column) for s in facts.sysctls] == [
        ("kernel.domainname", "example.com", 3, 3),
        ("kernel.modprobe", "/sbin/mod probe", 7, 3),  # the ';' comment on line 6 is skipped
    ]
    assert all(s.source == "sysctl.conf" and s.order[:3] == (1, "", 0) for s in facts.sysctls)


def test_systemd_50_default_with_ignore_errors_prefix():
    sysctls = by_key(conf("/usr/lib/sysctl.d/50-default.conf", SYSTEMD_DEFAULT.read_text()))
    assert len(sysctls) == 11
    ping = sysctls["net.ipv4.ping_group_range"]
    assert (ping.value, ping.ignore_errors, ping.location.line) == ("0 2147483647", True, 39)
    assert ping.location.column == 1  # the '-' is part of the setting as written
    assert not sysctls["net.core.default_qdisc"].ignore_errors
    assert sysctls["net.ipv4.conf.all.rp_filter"].value == "2"
    assert sysctls["kernel.sysrq"].location.line == 19
    assert {s.source for s in sysctls.values()} == {"sysctl.d"}
    assert sysctls["kernel.sysrq"].order == (0, "50-default.conf", 2, 19)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("net.ipv4.ip_forward", "net.ipv4.ip_forward"),
        ("net/ipv4/ip_forward", "net.ipv4.ip_forward"),
        ("net/ipv4/conf/eth0.100/rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),
        ("net.ipv4.conf.eth0/100.rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),
        ("net.ipv4.conf.*.rp_filter", "net.ipv4.conf.*.rp_filter"),
        ("net/ipv4/conf/*/rp_filter", "net.ipv4.conf.*.rp_filter"),
        ("kernel", "kernel"),
    ],
)
def test_keys_are_normalized_to_sysctl_dotted_form(written, key):
    assert normalize_key(written) == key


def test_conf_line_forms():
    text = "net.ipv4.ip_forward=1\n  net/bridge/bridge-nf-call-iptables\t =  0  \n-kernel.x =\n\r\n"
    sysctls = conf("/etc/sysctl.d/10-x.conf", text)
    assert [(s.key, s.value, s.ignore_errors) for s in sysctls] == [
        ("net.ipv4.ip_forward", "1", False),
        ("net.bridge.bridge-nf-call-iptables", "0", False),
        ("kernel.x", "", True),
    ]
    assert sysctls[1].location == Location("/etc/sysctl.d/10-x.conf", 2, 3, 2, 43)


def test_conf_lines_without_equals_are_syntax_problems():
    facts = parse_sysctl_conf("net.ipv4.ip_forward 1\n-net.ipv4.conf.all.rp_filter\n= 1\n", "/etc/sysctl.conf")
    assert facts.sysctls == []
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 1), ("syntax", 2), ("syntax", 3)]
    assert "glob" in facts.problems[1].hint  # systemd's exclusion syntax, rejected by procps


def test_conf_outside_systemd_directories_has_no_order():
    (sysctl,) = conf("/root/sysctl.conf.bak", "vm.swappiness = 10\n")
    assert (sysctl.source, sysctl.order) == ("sysctl.conf", ())


# --- systemd's order ---------------------------------------------------------------------------


def test_sysctl_order_sorts_by_name_and_puts_etc_sysctl_conf_last():
    paths = [
        "/etc/sysctl.conf",
        "/etc/sysctl.d/99-x.conf",
        "/usr/lib/sysctl.d/50-default.conf",
        "/run/sysctl.d/60-run.conf",
        "/usr/local/lib/sysctl.d/10-local.conf",
        "/lib/sysctl.d/70-lib.conf",
    ]
    assert sysctl_order(paths) == [
        "/usr/local/lib/sysctl.d/10-local.conf",
        "/usr/lib/sysctl.d/50-default.conf",
        "/run/sysctl.d/60-run.conf",
        "/lib/sysctl.d/70-lib.conf",
        "/etc/sysctl.d/99-x.conf",
        "/etc/sysctl.conf",
    ]


def test_sysctl_order_masks_files_of_the_same_name():
    paths = ["/usr/lib/sysctl.d/50-default.conf", "/etc/sysctl.d/50-default.conf", "/run/sysctl.d/50-default.conf"]
    assert sysctl_order(paths) == ["/etc/sysctl.d/50-default.conf"]
    assert sysctl_order(paths[::2]) == ["/run/sysctl.d/50-default.conf"]


def test_sysctl_order_with_bundle_prefix_and_unread_files():
    paths = [
        "bundle/etc/sysctl.d/README",
        "bundle/etc/sysctl.d/90-xen.conf.rpmsave",
        "bundle/etc/sysctl.conf",
        "bundle/usr/lib/sysctl.d/50-default.conf",
        "bundle/etc/sysctl.d/50-default.conf",
        "bundle/etc/modprobe.d/xen.conf",
    ]
    assert sysctl_order(paths) == ["bundle/etc/sysctl.d/50-default.conf", "bundle/etc/sysctl.conf"]


def test_effective_sysctls_later_files_win_and_masked_files_do_not_count():
    sysctls = [
        *conf("/etc/sysctl.conf", "net.ipv4.ip_forward = 1\n"),
        *conf("/etc/sysctl.d/99-x.conf", "net.ipv4.ip_forward = 0\nvm.swappiness = 5\nvm.swappiness = 7\n"),
        *conf("/usr/lib/sysctl.d/50-default.conf", SYSTEMD_DEFAULT.read_text()),
        *conf("/etc/sysctl.d/50-default.conf", "net.ipv4.conf.all.rp_filter = 1\n"),
        *conf("/etc/sysctl.d/90-disabled.conf.bak", "net.bridge.bridge-nf-call-iptables = 0\n"),
        *parse_sysctl_output("net.bridge.bridge-nf-call-iptables = 1\n", "sysctl-a").sysctls,
    ]
    effective = effective_sysctls(sysctls)
    assert effective["net.ipv4.ip_forward"].location.path == "/etc/sysctl.conf"
    assert effective["vm.swappiness"].value == "7"
    assert effective["net.ipv4.conf.all.rp_filter"].location.path == "/etc/sysctl.d/50-default.conf"
    assert "kernel.sysrq" not in effective  # only in the masked /usr/lib file
    assert "net.bridge.bridge-nf-call-iptables" not in effective  # .bak is never read; sysctl -a is running
    applied = sorted((s for s in sysctls if s.key == "net.ipv4.ip_forward"), key=lambda s: s.order)
    assert applied[-1] is effective["net.ipv4.ip_forward"]


def test_effective_sysctls_keep_glob_keys_apart():
    sysctls = conf("/etc/sysctl.d/20-rp.conf", "net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.conf.eth0.rp_filter = 1\n")
    assert {key: s.value for key, s in effective_sysctls(sysctls).items()} == {
        "net.ipv4.conf.*.rp_filter": "2",
        "net.ipv4.conf.eth0.rp_filter": "1",
    }


# --- running kernel ----------------------------------------------------------------------------


def test_proc_sys_file():
    facts = parse_proc_sys("1\n", "b/proc/sys/net/bridge/x", "proc/sys/net/bridge/bridge-nf-call-iptables")
    (sysctl,) = facts.sysctls
    assert (sysctl.key, sysctl.value, sysctl.source) == ("net.bridge.bridge-nf-call-iptables", "1", "proc-sys")
    assert sysctl.location == Location("b/proc/sys/net/bridge/x", 1, 1, 1, 2)


def test_proc_sys_keys_of_vlan_interfaces_and_bundle_prefixes():
    facts = parse_proc_sys("0\n", "f", "sosreport-h/proc/sys/net/ipv4/conf/eth0.100/rp_filter")
    assert facts.sysctls[0].key == "net.ipv4.conf.eth0/100.rp_filter"
    tcp = parse_proc_sys("4096\t87380\t6291456\n", "f", "/proc/sys/net/ipv4/tcp_rmem").sysctls[0]
    assert tcp.value == "4096\t87380\t6291456"


def test_proc_sys_needs_a_proc_sys_path():
    with pytest.raises(ValueError):
        parse_proc_sys("1\n", "f", "etc/sysctl.conf")


def test_running_sysctls_keep_every_reading():
    sysctls = [
        *parse_sysctl_output("net.ipv4.ip_forward = 0\n", "sysctl-a").sysctls,
        *conf("/etc/sysctl.conf", "net.ipv4.ip_forward = 1\n"),
        *parse_proc_sys("1\n", "pf", "proc/sys/net/ipv4/ip_forward").sysctls,
    ]
    readings = running_sysctls(sysctls)
    assert [(s.source, s.value) for s in readings["net.ipv4.ip_forward"]] == [("sysctl-a", "0"), ("proc-sys", "1")]
    assert effective_sysctls(sysctls)["net.ipv4.ip_forward"].value == "1"


# --- recognition and robustness ----------------------------------------------------------------


def test_looks_like():
    output, insights, systemd = SYSCTL_A.read_text(), INSIGHTS.read_text(), SYSTEMD_DEFAULT.read_text()
    assert looks_like_sysctl_output(output) and not looks_like_sysctl_conf(output)
    assert looks_like_sysctl_conf(insights) and not looks_like_sysctl_output(insights)
    assert looks_like_sysctl_conf(systemd) and not looks_like_sysctl_output(systemd)
    for other in ("DEVICE=eth0\nBOOTPROTO=dhcp\n", 'vif = ["bridge=xenbr0"]\n', "", "# only comments\n"):
        assert not looks_like_sysctl_conf(other) and not looks_like_sysctl_output(other)


@given(st.binary(max_size=400).map(lambda data: data.decode("latin-1")))
def test_random_text_never_raises(text):
    parse_sysctl_output(text, "a")
    parse_sysctl_conf(text, "/etc/sysctl.d/x.conf")
    parse_proc_sys(text, "p", "proc/sys/x/y")
    looks_like_sysctl_output(text)
    looks_like_sysctl_conf(text)
