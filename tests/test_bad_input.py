"""Bad input never produces a traceback: an E finding or a one-line error, and the rest is still linted."""

from __future__ import annotations

import os

from click.testing import CliRunner

from conftest import write_files
from xennet.cli import main
from xennet.lint.runner import lint_paths
from xennet.registry import all_rules

GOOD = 'name = "ok"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n'


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def ids(result) -> list[str]:
    return [finding.rule_id for finding in result.findings]


def test_binary_file_named_explicitly_is_e002_and_others_still_linted(tmp_path):
    binary, good = write_files(tmp_path, {"blob.cfg": "\x7fELF\0\0\x01\x02", "ok.cfg": GOOD})
    result = lint_paths([binary, good], all_rules())
    assert ids(result) == ["E002"]
    assert result.findings[0].location.path == binary
    assert "binary" in result.findings[0].message
    assert [c.path for c in result.model.files] == [good]


def test_binary_file_in_a_folder_is_skipped_and_counted(tmp_path):
    write_files(tmp_path, {"blob.bin": "\0\1\2\3", "ok.cfg": GOOD})
    result = lint_paths([str(tmp_path)], all_rules())
    assert ids(result) == []
    assert result.model.skipped == [(str(tmp_path / "blob.bin"), "binary file")]
    out = run_cli("lint", "-v", str(tmp_path))
    assert out.exit_code == 0
    assert f"skipped: {tmp_path / 'blob.bin'}: binary file" in out.output
    assert "1 file not recognized and skipped" in out.output


def test_empty_file_named_explicitly_is_reported_not_dropped(tmp_path):
    (empty,) = write_files(tmp_path, {"empty.cfg": ""})
    result = lint_paths([empty], all_rules())
    assert ids(result) == ["E004"]


def test_invalid_utf8_is_e003_with_position_and_the_file_is_still_linted(tmp_path):
    (path,) = write_files(tmp_path, {"g.cfg": 'name = "caf\xe9"\nvif = [ "mac=01:16:3e:00:00:01" ]\n'})
    result = lint_paths([path], all_rules())
    assert ids(result) == ["E003", "X111"]
    e003 = result.findings[0]
    assert (e003.location.line, e003.location.column) == (1, 12)
    assert "0xe9" in e003.message


def test_ten_megabyte_single_line_file(tmp_path):
    big = tmp_path / "big.cfg"
    big.write_text('name = "' + "a" * (10 * 1024 * 1024) + '"\n')
    garbage = tmp_path / "garbage.cfg"
    garbage.write_text("name = " + "x-" * (5 * 1024 * 1024) + "\n")
    result = lint_paths([str(big), str(garbage)], all_rules())
    assert [c.path for c in result.model.files] == [str(big), str(garbage)]
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("E001", str(garbage), 1)
    ]


def test_unreadable_inputs_are_e002_and_exit_2(tmp_path):
    fifo = tmp_path / "pipe.cfg"
    os.mkfifo(fifo)
    dangling = tmp_path / "gone.cfg"
    dangling.symlink_to(tmp_path / "does-not-exist")
    (good,) = write_files(tmp_path, {"ok.cfg": GOOD})
    out = run_cli("lint", str(fifo), str(dangling), good)
    assert out.exit_code == 2
    assert f"{fifo}: error E002 [unreadable-input] not a regular file; not analyzed" in out.output
    assert f"{dangling}: error E002 [unreadable-input]" in out.output
    assert "in 1 file" in out.output


def test_missing_path_is_a_one_line_usage_error():
    out = CliRunner().invoke(main, ["lint", "/nonexistent/xennet-test"])
    assert out.exit_code == 2
    assert "no such file or directory: /nonexistent/xennet-test" in out.output
    assert "Traceback" not in out.output


def test_ten_thousand_configs(tmp_path):
    for index in range(10_000):
        folder = tmp_path / f"d{index // 1000}"
        folder.mkdir(exist_ok=True)
        (folder / f"g{index}.cfg").write_text(
            f'name = "g{index}"\nvif = [ "mac=00:16:3e:00:{index // 256:02x}:{index % 256:02x},bridge=xenbr0" ]\n'
        )
    (tmp_path / "d3" / "g3333.cfg").write_text('name = "broken"\nvif = [ "mac=00:16:3e:00:00:01" \n')
    result = lint_paths([str(tmp_path)], all_rules())
    assert len(result.model.files) == 10_000
    assert result.model.skipped == []
    broken = str(tmp_path / "d3" / "g3333.cfg")
    assert [(f.rule_id, f.location.path) for f in result.findings if f.severity.value == "error"] == [
        ("E001", broken)
    ]
