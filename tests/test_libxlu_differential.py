"""xennet against Xen's real libxlu (Debian's libxlutil.so.4.17, via ctypes in tests/libxlu.py).

For configs: both accept or both reject the same text, and when they accept, every key has the
same effective value. xennet "accepts" when parse_xl reports no problem and no `+=` mixes a list
and a string (libxlu rejects the file for that). For vif rates: both accept the same rates, and
compute the same bytes per interval and interval.
"""

from __future__ import annotations

from pathlib import Path

import libxlu
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xennet.lint.settings import concat_mismatches, effective_settings
from xennet.lint.vifrate import Rate, parse_rate
from xennet.lint.xlcfg import parse_xl

pytestmark = pytest.mark.libxlu

XLU = libxlu.load()
if XLU is None:
    pytest.skip(libxlu.SKIP_REASON, allow_module_level=True)

XL_FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "xl").iterdir())
EXAMPLES = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def xennet_reads(text: str, with_values: bool = True) -> tuple[bool, dict[str, object]]:
    config = parse_xl(text, "t.cfg")
    accepted = not config.problems and not concat_mismatches(config.assignments)
    if not accepted or not with_values:
        return accepted, {}
    return True, {key: value.as_python() for key, value in effective_settings(config.assignments).items()}


def assert_same_as_libxlu(text: str, with_values: bool = True) -> None:
    theirs = XLU.read(text, values=with_values)
    accepted, ours = xennet_reads(text, with_values)
    why = f"{text!r}: libxlu says {theirs.report!r}, xennet {parse_xl(text, 't.cfg').problems}"
    assert accepted == theirs.accepted, why
    assert ours == theirs.settings, text


@pytest.mark.parametrize("path", XL_FIXTURES, ids=lambda path: path.name)
def test_fixtures(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert XLU.read(text).accepted
    assert_same_as_libxlu(text)


CASES = [
    # plain statements, separators, comments, end of file
    "",
    "\n\n",
    ";;\n",
    "a = 1",
    "a = 1\n",
    "a=1;b=2;",
    "a = 1 ;b=2",
    "a = 1;",
    "a = 1 # c\n",
    "a = 1 # c",
    "#",
    "# foo",
    "#foo",
    "a=1\n#",
    "\n#\n",
    "a = 1\n\n# end\n",
    # names and numbers
    "A = 1",
    "_a = 1",
    "a.b_c = 0x1f",
    "vif.default.bridge = 'x'",
    "a = 08",
    "a = 1e5",
    "a = 1g",
    "a = 0x1F",
    "a9 = 9",
    "a = b",
    "a..b = 1",
    "1 = 1",
    "a = 1 b = 2",
    # strings and escapes
    'a = ""',
    "a = ''",
    'a = "x\\ny"',
    "a = 'it\\'s'",
    "a = 'it''s'",
    'a = "\\101"',
    'a = "x\\123y"',
    'a = "\\12"',
    'a = "\\1 5z"',
    'a = "\\1+2"',
    'a = "\\1 -2x"',
    'a = "\\0\t9x"',
    'a = "\\7 x"',
    'a = "\\7"',
    'a = "\\8"',
    'a = "\\x41"',
    'a = "\\x414"',
    'a = "\\x"',
    'a = "\\q"',
    'a = "\\\\"',
    "a = '\\''",
    'a = "\\a\\b\\f\\n\\r\\t\\v"',
    'a = "\r"',
    'a = "abc',
    'a = "a b c',
    "a = 'x\"y'",
    'a = "\u00e9\u4e2d"',
    "\u00e9 = 1",
    'a = "a\\\nb"',
    # lists
    "a = []",
    "a = [\n]",
    "a=[,]",
    "a = [1,]",
    "a = [1,,2]",
    "a = [1 2]",
    "a = [1,[2,3],]",
    "a = [\n1,\n2\n,\n]",
    "a = [1\n,2]",
    "a = [1,\n\n]",
    "a = [\n\n1\n\n]",
    "a = [1] [2]",
    "a = [1",
    "a = 1]",
    "a = [[[]]]",
    "a = [ # c\n 1 ]",
    "a = [1\n",
    "a = [1,\n2\nb = 3",
    # += and last-wins
    'a = "x"\na += "y"',
    "a = 1\na += [2]",
    "a = [1]\na += 2",
    "a += [1]\na += [2]",
    "a = 1\na += 2",
    "a += 1",
    "a = 1\na = [2]\na += [3]",
    "a = [1]\nb = [2]\na += [3]\nb += [4]",
    "a+=1",
    "a + = 1",
    'a = "x"\na += "y"\na += "z"',
    "a = [1]\na += []\na += [[2]]",
    # errors and recovery
    "a =\n1",
    "a = = 1\nb = = 2",
    'a = [ "x",\n "y" "z",\n "w" ]\nb = 1',
    "=",
    "a",
    "a =",
    "a\n= 1",
    # bad characters, Python, CR
    "a = 1 +",
    "a = 1 +x",
    "a = 1 + ",
    "a = 1 +\n",
    "a = (1)",
    "a = 1 +\nb = 2",
    "a = 1 \\\nb=2",
    "a= 1 :",
    "a = 1 .",
    "a = 1 )",
    "a = 1\x0c",
    "a = 1\x0c\n",
    "a = 1\r\n",
    "a = 1\n\rb = 2",
    "# c\r\na = 1\n",
    "a = 1\r",
    "memory = 512MB\n",
    "a = 1 % 2\n",
    "import os\n",
    'name = "vm%d" % vmid\n',
    "a = 1\x00\nb = 2",
    "a = 1\x00",
    "a = 1 \x00",
]


@pytest.mark.parametrize("text", CASES)
def test_cases(text: str) -> None:
    assert_same_as_libxlu(text)


NESTING = {
    "plain": lambda n: "a = " + "[" * n + "]" * n,
    "atom": lambda n: "a = " + "[" * n + "1" + "]" * n,
    "newlines": lambda n: "a = " + "[\n" * n + "]" * n,
    "newlines and atom": lambda n: "a = " + "[\n" * n + "1\n" + "]\n" * n,
    "after items": lambda n: "b=1\na = " + "[1," * n + "]" * n + "\n",
    "after lists": lambda n: "x=2\n\n\na = " + "[1,[2]," * n + "]" * n + ";",
}


@pytest.mark.parametrize("shape", NESTING)
def test_nesting_limit(shape: str) -> None:
    """libxlu's bison stack has room for 9999 states: find where libxlu starts failing, and check
    xennet agrees on both sides of that edge."""
    make = NESTING[shape]
    accepted, rejected = 1, 6000
    assert XLU.read(make(accepted), values=False).accepted and not XLU.read(make(rejected), values=False).accepted
    while rejected - accepted > 1:
        middle = (accepted + rejected) // 2
        if XLU.read(make(middle), values=False).accepted:
            accepted = middle
        else:
            rejected = middle
    for depth in (accepted - 1, accepted, rejected, rejected + 1):
        assert_same_as_libxlu(make(depth), with_values=False)


# --- generated configs ----------------------------------------------------------------------------

BLANK = st.sampled_from(["", " ", "\t", "  "])
NEWLINES = st.sampled_from(["", "\n", " \n", "\n\n", " # note\n"])
NAMES = st.sampled_from(["vif", "disk", "name", "memory", "vif.default.bridge", "a_1"]) | st.from_regex(
    r"[a-z][._0-9a-z]{0,5}", fullmatch=True
)
NUMBERS = st.from_regex(r"[0-9][0-9a-fx]{0,4}", fullmatch=True)
ESCAPES = st.sampled_from(["\\n", "\\t", "\\\\", '\\"', "\\'", "\\a", "\\v", "\\101", "\\1 5", "\\0+1"])
PLAIN = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n\"'\\"), max_size=8)
STRINGS = st.builds(
    lambda quote, pieces: quote + "".join(pieces) + quote,
    st.sampled_from(['"', "'"]),
    st.lists(PLAIN | ESCAPES, max_size=3),
)
ATOMS = STRINGS | NUMBERS


def render_list(items: list[str], gaps: list[str], trailing: bool) -> str:
    """`[`, the items with newlines or blanks after each and commas between, maybe a trailing comma."""
    body = ",".join(item + gap for item, gap in zip(items, gaps[1:], strict=False))
    return "[" + gaps[0] + body + ("," if trailing and items else "") + "]"


VALUES = st.recursive(
    ATOMS,
    lambda inner: st.builds(
        render_list, st.lists(inner, max_size=4), st.lists(NEWLINES | BLANK, min_size=5, max_size=5), st.booleans()
    ),
    max_leaves=8,
)
STATEMENTS = st.builds(
    lambda name, op, value, blanks: f"{name}{blanks[0]}{op}{blanks[1]}{value}{blanks[2]}",
    NAMES,
    st.sampled_from(["=", "=", "+="]),
    VALUES,
    st.tuples(BLANK, BLANK, BLANK),
)
ENDS = st.sampled_from(["\n", "\n", ";", ";\n", " # comment\n", "\n\n"])
MUTATIONS = st.sampled_from(
    [
        *["\r", "\r\n", "\x0c", "\u00e9", "A", "_", "%", "*", "@", "0x"],  # characters xl rejects
        *["+", "-", ".", ":", "(", ")"],  # the ones that make libxlu suspect Python
        *["\\", "\\q", "\\x41", "\\12", "\\7", "\\8"],  # bad escapes (when inside a string)
        *['"', "'", "[", "]", ",", "=", "+=", ";", "#", "\n", " "],  # unbalanced or stray tokens
    ]
)


@st.composite
def configs(draw: st.DrawFn) -> str:
    statements = draw(st.lists(st.tuples(STATEMENTS, ENDS), max_size=6))
    text = "".join(statement + end for statement, end in statements)
    if statements and draw(st.booleans()):
        text = text.rstrip("\n;")  # the last statement without its newline
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3]))):  # mostly valid, some broken
        at = draw(st.integers(0, len(text)))
        delete = bool(text) and draw(st.booleans())
        text = text[:at] + text[at + 1 :] if delete else text[:at] + draw(MUTATIONS) + text[at:]
    return text


@EXAMPLES
@given(configs())
def test_generated_configs(text: str) -> None:
    assert_same_as_libxlu(text)


# --- vif rates ------------------------------------------------------------------------------------

RATES = [
    "10MB/s",
    "10MB",
    "0B/s",
    "010MB/s",
    "08MB/s",
    "0189B/s",
    "018b/s",
    "1B/s@1us",
    "100GB/s@1s",
    "4294967295B/s",
    "4294967295GB/s",
    "4294967296B/s",
    "4294967295GB/s@4294967295us",
    "4000000000GB/s@1s",
    "10Mb/s@20ms",
    "10MB/s@",
    "10MB/s@0",
    "10MB/s@5",
    "10MB/s@5m",
    "10MB/s@5u",
    "10MB/s@010ms",
    "10MB/s@0189",
    "@1s",
    "",
    "@",
    "10kB/s",
    "10 MB/s",
    "10MB/s@1s@2s",
    "5000s@",
    "1B/s@4294967296us",
    "1B/s@4294968s",
    "1B/s@4294967s",
    "10240KB/s",
    "1Gb/s",
    "1GB/s@4294ms",
    "3b/s",
    "7b/s@1s",
    "10MB/s ",
    " 10MB/s",
    "10MB/s@50ms",
    "10MB/s@50mss",
    "10M/s",
    "10Mb",
    "10MBs",
    "10MB/m",
    "0x10MB/s",
    "1.5MB/s",
    "-1MB/s",
    "+1MB/s",
    "99999999999999999999B/s",
]


def assert_same_rate(text: str) -> None:
    theirs = XLU.parse_rate(text)
    ours = parse_rate(text)
    assert isinstance(ours, Rate) == (theirs.rc == 0), f"{text!r}: libxlu rc {theirs.rc}, xennet {ours}"
    if isinstance(ours, Rate):
        assert (ours.bytes_per_interval, ours.interval_usecs) == theirs.values, text


def test_rate_values_are_compared() -> None:
    """The offsets of the rate fields in libxl_device_nic were found, so values are compared too."""
    assert XLU.compares_rate_values


@pytest.mark.parametrize("text", RATES)
def test_rates(text: str) -> None:
    assert_same_rate(text)


RATE_NUMBERS = st.from_regex(r"0?[0-9]{1,3}", fullmatch=True) | st.integers(0, 2**34).map(str)
GENERATED_RATES = st.builds(
    lambda number, prefix, unit, per, interval: number + prefix + unit + per + interval,
    RATE_NUMBERS,
    st.sampled_from(["", "", "K", "M", "G", "k", "m"]),
    st.sampled_from(["B", "b", "B", "b", ""]),
    st.sampled_from(["/s", "/s", "/s", "", "/m"]),
    st.just("") | st.builds("@{}{}".format, RATE_NUMBERS, st.sampled_from(["", "s", "ms", "us", "m", "u", "x"])),
) | st.text(alphabet="0123456789KMGBbs/@mux ", max_size=12)


@EXAMPLES
@given(GENERATED_RATES)
def test_generated_rates(text: str) -> None:
    assert_same_rate(text)
