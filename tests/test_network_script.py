"""Network-script wrappers: the calls of network-bridge/-route/-nat, and every construct not modelled."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xennet.findings import Location
from xennet.lint.hostfacts import HostFacts
from xennet.lint.sources.network_script import looks_like, parse_network_script

SAMPLE = """#!/bin/sh
dir=$(dirname "$0")
"$dir/network-bridge" "$@" vifnum=0 netdev=eth0 bridge=xenbr0
"$dir/network-bridge" "$@" vifnum=1 netdev=eth1 bridge=xenbr1 antispoof=no
"""


def parse(text: str) -> HostFacts:
    return parse_network_script(text, "my-script")


def calls(text: str) -> list[tuple[str, dict[str, str]]]:
    facts = parse(text)
    assert facts.problems == []
    return [(call.script, {key: fact.value for key, fact in call.args.items()}) for call in facts.network_calls]


def test_the_sample_wrapper():
    facts = parse(SAMPLE)
    assert facts.problems == []
    first, second = facts.network_calls
    assert first.script == second.script == "network-bridge"
    values = {key: fact.value for key, fact in first.args.items()}
    assert values == {"vifnum": "0", "netdev": "eth0", "bridge": "xenbr0"}
    assert second.args["antispoof"].value == "no"
    assert first.args["netdev"].location == Location("my-script", 3, 37, 3, 48)
    assert second.args["bridge"].location == Location("my-script", 4, 49, 4, 62)
    assert first.location == Location("my-script", 3, 1, 3, 62)


@pytest.mark.parametrize(
    "line",
    [
        "$dir/network-bridge start netdev=eth2",
        "${dir}/network-bridge $1 netdev=eth2",
        "/etc/xen/scripts/network-bridge $* netdev=eth2",
        'network-bridge "${@}" netdev=eth2',
        'exec "$dir/network-bridge" "$@" netdev=eth2',
        "sh -x /etc/xen/scripts/network-bridge start netdev=eth2",
        "$(dirname $0)/network-bridge start netdev=eth2 >/dev/null 2>&1 &",
        '"$dir/network-bridge" "$@" netdev=eth2 || exit 1',
        '"$dir/network-bridge" "$@" netdev=eth2 | logger -t xen',
        '"$dir/network-bridge" "$@" netdev=eth2  # the second NIC',
    ],
)
def test_ways_to_call_a_script(line):
    assert calls(line + "\n") == [("network-bridge", {"netdev": "eth2"})]


def test_route_and_nat():
    text = '${dir}/network-route "$@" netdev=eth0\n"$dir/network-nat" "$@" netdev=eth1 dhcp=yes\n'
    assert calls(text) == [("network-route", {"netdev": "eth0"}), ("network-nat", {"netdev": "eth1", "dhcp": "yes"})]


def test_continuation_lines_and_locations():
    text = '"$dir/network-bridge" "$@" \\\n    vifnum=1 \\\n    net\\\ndev=eth1\n"$dir/network-bridge" "$@"\n'
    facts = parse(text)
    assert facts.problems == []
    first, second = facts.network_calls
    assert first.args["vifnum"].location == Location("my-script", 2, 5, 2, 13)
    assert first.args["netdev"].value == "eth1"  # a continuation inside a word joins it
    assert first.args["netdev"].location == Location("my-script", 3, 5, 4, 9)
    assert first.location.end_line == 4
    assert (second.location.line, second.args) == (5, {})


def test_quote_removal():
    text = """"$dir/network-bridge" "$@" bridge='xen br0' "netdev=eth0" antispoof=n"o" vifnum=\\1\n"""
    args = {"bridge": "xen br0", "netdev": "eth0", "antispoof": "no", "vifnum": "1"}
    assert calls(text) == [("network-bridge", args)]


def test_later_arguments_and_environment_assignments():
    text = 'netdev=eth3 bridge=br3 "$dir/network-bridge" "$@" netdev=eth4\n'
    assert calls(text) == [("network-bridge", {"netdev": "eth4", "bridge": "br3"})]


def test_harmless_lines_are_skipped():
    text = """#!/bin/bash
# Xen network start: one bridge per NIC
set -e
dir=$(dirname "$0")
NIC=eth1
. "$dir/xen-script-common.sh"
echo "starting bridges: netdev=eth0"
modprobe netloop nloopbacks=8
ip link set eth1 up
export PATH=/sbin:$PATH
"$dir/network-bridge" "$@" netdev=eth0
exit 0
"""
    assert calls(text) == [("network-bridge", {"netdev": "eth0"})]


@pytest.mark.parametrize(
    ("text", "line", "end_line"),
    [
        ('if [ -n "$x" ]; then\n  "$dir/network-bridge" "$@" netdev=eth1\nfi\n', 1, 3),
        ('for i in 0 1; do "$dir/network-bridge" "$@" vifnum=$i; done\n', 1, 1),
        ('while read nic; do\n  "$dir/network-bridge" start netdev=eth0\ndone < /etc/nics\n', 1, 3),
        ('case "$1" in\n  start) "$dir/network-bridge" start netdev=eth0 ;;\nesac\n', 1, 3),
        ('start_all() {\n  "$dir/network-bridge" "$@" netdev=eth0\n}\n', 1, 3),
        ('start_all ()\n{\n  "$dir/network-bridge" "$@" netdev=eth0\n}\n', 1, 4),
        ('function start_all {\n  "$dir/network-bridge" "$@" netdev=eth0\n}\n', 1, 3),
        ('{ "$dir/network-bridge" "$@" netdev=eth0; }\n', 1, 1),
        ('( "$dir/network-bridge" "$@" netdev=eth0 )\n', 1, 1),
    ],
)
def test_compound_commands_are_reported_with_the_calls_inside(text, line, end_line):
    facts = parse(text)
    assert facts.network_calls == []
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line, problem.location.end_line) == ("unmodelled", line, end_line)
    assert "network-bridge (line " in problem.message


def test_a_compound_command_not_closed():
    text = 'if true; then\n  "$dir/network-bridge" start netdev=eth0\n'
    (problem,) = parse(text).problems
    assert "not closed" in problem.message and problem.location.end_line == 2


def test_calls_after_a_compound_command_are_read():
    text = 'if [ -d /sys/class/net/eth1 ]; then\n  echo yes\nfi\n"$dir/network-bridge" "$@" netdev=eth0\n'
    facts = parse(text)
    assert [call.location.line for call in facts.network_calls] == [4]
    assert [(p.kind, p.location.line, p.location.end_line) for p in facts.problems] == [("unmodelled", 1, 3)]
    assert "calls in it" not in facts.problems[0].message


@pytest.mark.parametrize(
    ("text", "kind", "line", "column", "words"),
    [
        ('"$dir/network-bridge" "$@" netdev=$NIC\n', "unmodelled", 1, 28, "netdev=$NIC"),
        ('"$dir/network-bridge" "$@" netdev="${NIC}"\n', "unmodelled", 1, 28, "netdev"),
        ('"$dir/network-bridge" "$@" bridge=xenbr$(echo 1)\n', "unmodelled", 1, 28, "bridge="),
        ('"$dir/network-bridge" "$@" `cat /etc/xen/args`\n', "unmodelled", 1, 28, "KEY=VALUE"),
        ('"$dir/network-bridge" "$@" $EXTRA_ARGS\n', "unmodelled", 1, 28, "$EXTRA_ARGS"),
        ('"$dir/network-bridge" "$@" net-dev=eth0\n', "unmodelled", 1, 28, "net-dev=eth0"),
        ('[ -x "$dir/network-bridge" ] && "$dir/network-bridge" "$@" netdev=eth0\n', "unmodelled", 1, 33, "&&"),
        ('"$dir/my-bridges" "$@" netdev=eth0\n', "unmodelled", 1, 1, "my-bridges"),
        ('$SCRIPT "$@" netdev=eth0\n', "unmodelled", 1, 1, "$SCRIPT"),
        (". /etc/xen/scripts/my-functions.sh\n", "unmodelled", 1, 1, "another file"),
        ("export netdev=eth1\n", "unmodelled", 1, 8, "netdev"),
        ("set -a\n", "unmodelled", 1, 1, "set -a"),
        ("fi\n", "unmodelled", 1, 1, "`fi`"),
        ("exit 0\n$dir/network-bridge start netdev=eth0\n", "unreachable", 2, 1, "line 1"),
        ('cat <<EOF\n"$dir/network-bridge" "$@" netdev=eth0\nEOF\n', "unmodelled", 1, 5, "here-document"),
        ('echo \'no end\n"$dir/network-bridge" "$@" netdev=eth0\n', "syntax", 1, 6, "unterminated '"),
    ],
)
def test_each_construct_not_modelled_is_reported_at_its_place(text, kind, line, column, words):
    facts = parse(text)
    assert facts.network_calls == []
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line, problem.location.column) == (kind, line, column)
    assert words in problem.message


def test_a_bad_argument_drops_only_its_own_call():
    text = SAMPLE + '"$dir/network-bridge" "$@" vifnum=2 netdev=$THIRD_NIC\n'
    facts = parse(text)
    assert [call.args["vifnum"].value for call in facts.network_calls] == ["0", "1"]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("unmodelled", 5)]


def test_dos_line_ends():
    facts = parse(SAMPLE.replace("\n", "\r\n"))
    assert facts.problems[-1].kind == "syntax" and facts.problems[-1].location.line == 1
    assert "carriage return" in facts.problems[-1].message


def test_empty_and_comment_only_scripts():
    assert calls("") == []
    assert calls("#!/bin/sh\n# nothing here\n\n") == []


def test_looks_like():
    assert looks_like(SAMPLE)
    assert looks_like("exec /etc/xen/scripts/network-route start netdev=eth0\n")
    assert not looks_like("# network-bridge (start|stop|status) {VAR=VAL}*\n")
    assert not looks_like("(network-script network-bridge)\n")
    assert not looks_like("(network-script 'network-bridge netdev=eth1')\n")
    assert not looks_like("DEVICE=eth0\nBRIDGE=xenbr0\n")


@given(st.binary(max_size=400).map(lambda data: data.decode("latin-1")))
def test_random_bytes_never_raise(text):
    facts = parse(text)
    assert all(problem.location.line >= 1 for problem in facts.problems)
    looks_like(text)


@given(st.text(alphabet="ab=$/\"'`\\(){}<>;&|# \t\n-.019!@*", max_size=200))
def test_random_shell_punctuation_never_raises(text):
    parse(text)
