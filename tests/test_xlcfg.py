"""The xl.cfg parser (lint/xlcfg.py), libxlu's semantics over it (lint/settings.py) and the vif rate
parser (lint/vifrate.py): concrete facts, exact locations, and libxlu's quirks.

Whether libxlu really behaves like this is checked in test_libxlu_differential.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from xennet.findings import Location
from xennet.lint.facts import ConfigFile, ConfigFormat, ValueKind
from xennet.lint.settings import concat_mismatches, effective_settings, xl_number
from xennet.lint.vifrate import Rate, RateError, parse_rate
from xennet.lint.xlcfg import PYTHON_HINT, parse_xl

XL_FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "xl").iterdir())


def parse(text: str) -> ConfigFile:
    return parse_xl(text, "t.cfg")


def values(text: str) -> dict[str, object]:
    config = parse(text)
    assert not config.problems, config.problems
    return {key: value.as_python() for key, value in effective_settings(config.assignments).items()}


def problems(text: str) -> list[tuple[int, int, str]]:
    return [(p.location.line, p.location.column, p.message) for p in parse(text).problems]


# --- the fixtures -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", XL_FIXTURES, ids=lambda path: path.name)
def test_every_xl_fixture_parses_cleanly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    config = parse_xl(text, str(path))
    assert config.format is ConfigFormat.XL
    assert config.problems == []
    assert config.lines == tuple(text.splitlines())
    assert not concat_mismatches(config.assignments)


def test_vif_rate_fixture_facts() -> None:
    path = next(path for path in XL_FIXTURES if path.name == "libvirt-xlconfig-test-vif-rate.cfg")
    config = parse_xl(path.read_text(encoding="utf-8"), str(path))
    settings = effective_settings(config.assignments)

    assert settings["name"].data == "XenGuest2"
    assert settings["name"].location == Location(str(path), 1, 8, 1, 19)
    assert settings["maxmem"].kind is ValueKind.NUMBER
    assert xl_number(settings["maxmem"].data) == 579

    (vif,) = [a for a in config.assignments if a.key == "vif"]
    assert vif.location == Location(str(path), 20, 1, 20, 4)
    assert vif.value.kind is ValueKind.LIST
    assert vif.value.location.line == 20 and vif.value.location.column == 7
    (spec,) = vif.value.items
    assert spec.kind is ValueKind.STRING
    assert "rate=10240KB/s" in spec.data
    assert spec.location.column == 9 and spec.location.end_column == 9 + len(spec.data) + 2
    assert parse_rate("10240KB/s") == Rate(bytes_per_interval=512_000, interval_usecs=50_000)

    assert len(settings["disk"].items) == 3


def test_xl_conf_fixture_is_all_comments() -> None:
    path = next(path for path in XL_FIXTURES if path.name == "xen-xl.conf")
    config = parse_xl(path.read_text(encoding="utf-8"), str(path))
    assert config.assignments == [] and config.problems == []


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a = "x\\ny\\t\\\\\\"\\a\\b\\f\\r\\v"', 'x\ny\t\\"\a\b\f\r\v'),
        ("a = 'it\\'s'", "it's"),
        ("a = 'say \"hi\"'", 'say "hi"'),
        # libxlu's numeric escapes: up to 3 more characters read in base 10, and nothing comes out
        ('a = "A\\101B"', "AB"),
        ('a = "x\\123y"', "xy"),
        ('a = "\\1234"', ""),
        ('a = "\\1 5z"', "z"),
        ('a = "\\1+2"', ""),
        ('a = "\\0\t9x"', "x"),
        ('a = "\r"', "\r"),
        ('a = "caf\u00e9"', "caf\u00e9"),
    ],
)
def test_string_escapes(text: str, expected: str) -> None:
    assert values(text)["a"] == expected


@pytest.mark.parametrize(
    ("text", "column", "wording"),
    [
        ('a = "\\12"', 6, 'invalid numeric escape "\\12"'),
        ('a = "\\7 x"', 6, 'invalid numeric escape "\\7 x"'),
        ('a = "ok\\x41"', 8, 'invalid escape "\\x41" in quoted string: xl rejects every \\x escape'),
        ('a = "\\q"', 6, 'invalid escape "\\q" in quoted string'),
        ('a = "\\8"', 6, 'invalid escape "\\8" in quoted string'),
    ],
)
def test_bad_escapes(text: str, column: int, wording: str) -> None:
    ((line, at, message),) = problems(text)
    assert (line, at) == (1, column)
    assert message.startswith(wording)


def test_numbers_keep_their_source_text() -> None:
    config = parse("a = 0x1f\nb = 08\nc = 1e5\n")
    assert [(a.value.kind, a.value.data) for a in config.assignments] == [
        (ValueKind.NUMBER, "0x1f"),
        (ValueKind.NUMBER, "08"),
        (ValueKind.NUMBER, "1e5"),
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("579", 579),
        ("0x1f", 31),
        ("0X1F", 31),
        ("017", 15),
        ("0", 0),
        ("-12", -12),
        (" 7", 7),
        ("08", None),
        ("1e5", None),
        ("0x", None),
        ("", None),
        ("12 ", None),
        ("512MB", None),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
    ],
)
def test_xl_number_is_strtol_base_0(text: str, number: int | None) -> None:
    assert xl_number(text) == number


def test_nested_lists_trailing_commas_and_newlines() -> None:
    text = 'disk = [\n  "a",\n\n  [ "b", 2, ],\n  [],\n]\nvif = [ "x" ,\n ]\n'
    assert values(text) == {"disk": ["a", ["b", "2"], []], "vif": ["x"]}
    disk = parse(text).assignments[0].value
    assert disk.location == Location("t.cfg", 1, 8, 6, 2)
    assert disk.items[1].location == Location("t.cfg", 4, 3, 4, 14)


def test_semicolons_comments_and_eof_without_newline() -> None:
    text = "# leading comment\na = 1; b = 'two' # trailing\n\n;;\nc = [3]"
    config = parse(text)
    assert config.problems == []
    assert [(a.key, a.location.line, a.location.column) for a in config.assignments] == [
        ("a", 2, 1),
        ("b", 2, 8),
        ("c", 5, 1),
    ]
    assert values(text) == {"a": "1", "b": "two", "c": ["3"]}


def test_names_may_hold_dots_digits_and_underscores() -> None:
    assert values("vif.default.bridge = 'xenbr0'\nvm.pv.cpumask_2 = \"0-3\"\n") == {
        "vif.default.bridge": "xenbr0",
        "vm.pv.cpumask_2": "0-3",
    }


# --- += and last-wins -----------------------------------------------------------------------------


def test_last_assignment_wins_and_plus_equals_concatenates() -> None:
    text = 'name = "a"\nname = "b"\nextra = "x"\nextra += "y"\nvif = ["p"]\nvif += ["q", ["r"]]\nn = 1\nn += 2\n'
    config = parse(text)
    assert [a.op for a in config.assignments] == ["=", "=", "=", "+=", "=", "+=", "=", "+="]
    assert values(text) == {"name": "b", "extra": "xy", "vif": ["p", "q", ["r"]], "n": "12"}
    settings = effective_settings(config.assignments)
    assert settings["n"].kind is ValueKind.STRING  # xl reads no number from a += setting
    assert settings["vif"].location.line == 6
    assert concat_mismatches(config.assignments) == []


def test_plus_equals_without_previous_value_is_an_assignment() -> None:
    assert values("vif += ['a']\nextra += 'x'\n") == {"vif": ["a"], "extra": "x"}


def test_concat_mismatch_keeps_previous_value() -> None:
    config = parse('vif = ["a"]\nvif += "b"\nname = "x"\nname += ["y"]\n')
    assert config.problems == []
    mismatches = concat_mismatches(config.assignments)
    assert [(previous.location.line, offending.location.line) for previous, offending in mismatches] == [
        (1, 2),
        (3, 4),
    ]
    settings = effective_settings(config.assignments)
    assert settings["vif"].as_python() == ["a"] and settings["name"].as_python() == "x"


# --- errors and recovery --------------------------------------------------------------------------


def test_syntax_error_names_the_token_and_its_place() -> None:
    assert problems('name = "web"\nmemory = big\n') == [
        (2, 10, 'unexpected name "big", expecting a quoted string, a number or "["'),
    ]
    assert problems("a = [1 2]\n") == [(1, 8, 'unexpected number "2", expecting "]", "," or end of line')]
    assert problems("a = 1 b = 2\n") == [(1, 7, 'unexpected name "b", expecting ";", end of line or end of file')]
    assert problems("a =\n") == [(1, 4, 'unexpected end of line, expecting a quoted string, a number or "["')]
    assert problems("a = [1") == [(1, 7, 'unexpected end of file, expecting "]", "," or end of line')]


def test_error_locations_span_the_offending_token() -> None:
    (problem,) = parse("a = 'x' 'yz'\n").problems
    assert problem.kind == "syntax"
    assert problem.location == Location("t.cfg", 1, 9, 1, 13)


def test_recovery_reports_each_bad_line_and_keeps_the_good_ones() -> None:
    config = parse("a = = 1\nb = 2\nc = = 3\nd = 4\n")
    assert [(p.location.line, p.location.column) for p in config.problems] == [(1, 5), (3, 5)]
    assert [a.key for a in config.assignments] == ["b", "d"]


def test_an_error_right_after_recovery_is_not_reported_again() -> None:
    # Like bison: within 3 tokens of the last error, a new one is most likely its echo.
    assert [line for line, _, _ in problems('a = ["x",\n "y" "z",\n "w" ]\nb = 1\n')] == [2]


def test_lexical_error_takes_the_rest_of_the_word() -> None:
    assert problems("memory = 512MB\n") == [
        (1, 13, 'unexpected "M" in "MB": names are lowercase letters, digits, "_" and "."')
    ]
    assert problems("a = 1 % 2\n") == [(1, 7, 'unexpected "%"')]


def test_uppercase_keys_are_rejected() -> None:
    config = parse("Memory = 512\nname = 'ok'\n")
    (problem,) = config.problems
    assert (problem.location.line, problem.location.column) == (1, 1)
    assert "lowercase" in problem.message
    assert [a.key for a in config.assignments] == ["name"]


def test_unterminated_string() -> None:
    assert problems('a = "abc\nb = 1\n') == [(1, 5, 'unterminated quoted string: "abc')]


def test_crlf_is_rejected_on_every_line() -> None:
    config = parse("a = 1\r\nb = 'x'\r\n")
    assert [(p.location.line, p.location.column) for p in config.problems] == [(1, 6), (2, 8)]
    assert "CRLF" in config.problems[0].message
    assert [a.key for a in config.assignments] == ["a", "b"]
    assert config.lines == ("a = 1", "b = 'x'")


def test_carriage_return_is_fine_in_comments_and_strings() -> None:
    assert values("# comment\r\na = 'x\ry'\n") == {"a": "x\ry"}


def test_python_looking_files_get_the_hint() -> None:
    config = parse('name = "vm"\nmemory = (512)\nvcpus = 2 + 1\n')
    assert [(p.location.line, p.location.column, p.hint) for p in config.problems] == [
        (2, 10, PYTHON_HINT),
        (3, 11, PYTHON_HINT),
    ]
    assert config.problems[0].message == 'unexpected "(" in "(512)"'
    assert parse("a = 1 % 2\n").problems[0].hint == ""


def test_python_hint_goes_on_the_first_problem_when_its_own_error_is_lost() -> None:
    # libxlu never reports a bad character that ends the file, but remembers it looked like Python.
    assert problems("a = 1 )") == []
    config = parse("a = = 1\nb = 1 +")
    assert [(p.location.line, p.hint) for p in config.problems] == [(1, PYTHON_HINT)]


def test_comment_at_eof_needs_a_newline() -> None:
    assert problems("a = 1\n# the end") == [
        (2, 1, "comment at the end of the file without a newline: xl needs the final newline"),
    ]
    assert problems("a = 1\n#") == []  # a lone "#" is the lost last character above


def test_nesting_fails_where_bisons_stack_does() -> None:
    depth = 4996
    assert parse("a = " + "[" * depth + "]" * depth).problems == []
    (problem,) = parse("a = " + "[" * (depth + 1) + "]" * (depth + 1)).problems
    assert problem.message.startswith("lists nested too deeply")


def test_never_raises_on_garbage() -> None:
    for text in ("\x00\xff\ufffd", 'a = "x\x00y"\n', "[" * 20000, "]]]", "=" * 100, "\r" * 10):
        assert parse(text).problems, text
    assert "NUL" in parse('a = "x\x00y"\n').problems[0].message


def test_large_inputs_are_fast() -> None:
    started = time.monotonic()
    big_string = parse('extra = "' + "x" * 10_000_000 + '"')
    big_list = parse("vif = [" + ",".join(f'"bridge=xenbr{i}"' for i in range(200_000)) + "]")
    parse("# " * 1_000_000)  # no comment on a last line without newline: each "#" must not scan to the end
    assert time.monotonic() - started < 30
    assert len(big_string.assignments[0].value.data) == 10_000_000
    assert len(big_list.assignments[0].value.items) == 200_000


# --- vif rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10MB/s", Rate(500_000, 50_000)),
        ("10Mb/s@20ms", Rate(25_000, 20_000)),
        ("1GB/s@1s", Rate(1_000_000_000, 1_000_000)),
        ("100GB/s@1s", Rate(100_000_000_000, 1_000_000)),  # past 2^32 per interval: libxlu allows it
        ("10MB/s@5", Rate(50_000_000, 5_000_000)),  # a bare interval is seconds
        ("10MB/s@5u", Rate(50, 5)),
        ("010MB/s", Rate(400_000, 50_000)),  # octal
        ("1B/s@1us", Rate(0, 1)),
    ],
)
def test_valid_rates(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("", "empty vif rate"),
        ("@1s", 'no rate before "@" in vif rate "@1s"'),
        ("10MB", 'invalid vif rate "10MB": expected a number, an optional K, M or G, then B (bytes) or b'),
        ("10kB/s", 'invalid vif rate "10kB/s"'),
        ("10 MB/s", 'invalid vif rate "10 MB/s"'),
        ("0B/s", 'vif rate "0B/s" is zero'),
        ("08MB/s", 'vif rate "08MB/s" reads as 0: a leading 0 makes xl read the number as octal'),
        ("4294967296B/s", 'vif rate "4294967296B/s" is too large'),
        ("10MB/s@", 'vif rate "10MB/s@": invalid interval "" after "@"'),
        ("10MB/s@5x", 'vif rate "10MB/s@5x": invalid interval "5x" after "@"'),
        ("10MB/s@0ms", 'vif rate "10MB/s@0ms": interval "0ms" is zero'),
        ("1B/s@4294968s", 'vif rate "1B/s@4294968s": interval "4294968s" is too long'),
        ("4000000000GB/s@1s", 'vif rate "4000000000GB/s@1s" overflows'),
    ],
)
def test_invalid_rates_say_what_is_wrong(text: str, wording: str) -> None:
    error = parse_rate(text)
    assert isinstance(error, RateError)
    assert error.message.startswith(wording), error.message
