"""The firewall ruleset parser (lint/sources/netfilter_rules.py) on outputs recorded in network
namespaces of this machine (fixtures/cmd-output/lab-*, see fixtures/SOURCES.md), and how a bundle's
ruleset files are recognized (lint/classify.py)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from xennet.lint.classify import kind_by_content, kind_by_path
from xennet.lint.sources.netfilter_rules import parse_rulesets

OUTPUTS = FIXTURES / "cmd-output"


def parsed(name: str, relative: str = "x"):
    path = OUTPUTS / name
    return parse_rulesets(path.read_text(), str(path), relative)


def rows(facts) -> list[tuple[str, str, str, int, str | None]]:
    """(family, table, chain, line, conntrack) of each chain and rule that has a rule text or a mark."""
    return [(r.family, r.table, r.chain, r.location.line, r.conntrack) for r in facts.firewall if r.rule or r.conntrack]


def test_iptables_save_marks_conntrack_matches_nat_table_and_nat_targets():
    facts = parsed("lab-iptables-save-conntrack-nat.txt")
    assert [(f.value, f.location.line) for f in facts.rulesets] == [("iptables-save", 1)]
    assert rows(facts) == [
        ("ip", "filter", "FORWARD", 6, "-m conntrack"),
        ("ip", "filter", "FORWARD", 7, None),  # -m physdev: no conntrack
        ("ip", "nat", "", 11, "nat table"),
        ("ip", "nat", "POSTROUTING", 16, "-j MASQUERADE"),
    ]
    assert facts.firewall[4].rule == "-A FORWARD -m conntrack --ctstate NEW,RELATED,ESTABLISHED -j ACCEPT"
    assert [r.chain for r in facts.firewall if r.table == "filter" and not r.rule] == ["", "INPUT", "FORWARD", "OUTPUT"]
    assert facts.problems == []


def test_ip6tables_save_is_ipv6_by_its_header():
    facts = parsed("lab-ip6tables-save.txt")
    assert [f.value for f in facts.rulesets] == ["ip6tables-save"]
    assert rows(facts) == [("ip6", "filter", "FORWARD", 6, None)]


def test_iptables_list_takes_its_table_from_the_sosreport_name():
    nat = parsed("lab-iptables-t-nat-nvL.txt", "sos_commands/firewall_tables/iptables_-t_nat_-nvL")
    assert [f.value for f in nat.rulesets] == ["iptables -L"]
    assert rows(nat) == [("ip", "nat", "POSTROUTING", 12, "nat table (MASQUERADE)")]
    filtered = parsed("lab-iptables-t-filter-nvL.txt", "sos_commands/firewall_tables/iptables_-t_filter_-nvL")
    assert rows(filtered) == [("ip", "filter", "FORWARD", 6, "ctstate"), ("ip", "filter", "FORWARD", 7, None)]
    assert nat.problems == filtered.problems == []


def test_nft_ruleset_of_iptables_nft():
    facts = parsed("lab-nft-list-ruleset-iptables-nft.txt")
    assert [f.value for f in facts.rulesets] == ["nft"]
    assert rows(facts) == [
        ("ip", "filter", "FORWARD", 4, "ct state"),
        ("ip", "filter", "FORWARD", 5, None),  # xt match physdev
        ("ip", "nat", "POSTROUTING", 10, "nat chain"),
        ("ip", "nat", "POSTROUTING", 11, "masquerade"),
        ("ip6", "filter", "FORWARD", 17, None),
    ]
    assert facts.problems == []


def test_nft_sets_are_skipped_and_families_kept():
    facts = parsed("lab-nft-list-ruleset-inet-set.txt")
    assert rows(facts) == [
        ("inet", "guests", "forward", 9, None),
        ("inet", "guests", "forward", 10, "ct state"),
        ("bridge", "br", "forward", 16, None),
    ]
    assert facts.problems == []


def test_a_cut_nft_ruleset_is_reported_and_its_rules_kept(tmp_path):
    text = (OUTPUTS / "lab-nft-list-ruleset-iptables-nft.txt").read_text().split("table ip nat")[0] + "table ip nat {\n"
    facts = parse_rulesets(text, "nft_list_ruleset", "sos_commands/firewall_tables/nft_list_ruleset")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 8)]
    assert rows(facts)[0] == ("ip", "filter", "FORWARD", 4, "ct state")


def test_an_empty_ruleset_is_a_fact():
    facts = parse_rulesets("", "iptables-save", "sos_commands/firewall_tables/iptables-save")
    assert [f.value for f in facts.rulesets] == ["iptables-save"] and facts.firewall == []
    empty_nft = parse_rulesets("", "n", "sos_commands/firewall_tables/nft_list_ruleset")
    assert [f.value for f in empty_nft.rulesets] == ["nft"]


@pytest.mark.parametrize("relative", [
    "sos_commands/firewall_tables/iptables-save",
    "sos_commands/firewall_tables/ip6tables-save",
    "sos_commands/firewall_tables/iptables_-t_nat_-nvL",
    "sos_commands/firewall_tables/nft_list_ruleset",
    "sosreport-dom0/sos_commands/firewalld/nft_list_ruleset",
    "bug-report-20090201120000/iptables-save.out",
])
def test_ruleset_files_are_recognized_by_path(relative):
    kind = kind_by_path(relative)
    assert kind is not None and kind.name == "firewall"


@pytest.mark.parametrize("name", ["lab-iptables-save-physdev.txt", "lab-nft-list-ruleset-inet-set.txt",
                                  "lab-iptables-t-filter-nvL.txt"])
def test_ruleset_outputs_are_recognized_by_content(name):
    kind = kind_by_content((OUTPUTS / name).read_text())
    assert kind is not None and kind.name == "firewall"
