"""The GitHub Action (action.yml) and shell completion, as docs/ci.md describes them.

The action's shell steps are run here as GitHub runs them (bash, their `env:` values filled in from
the inputs and the earlier steps' outputs), with this venv's xennet on PATH instead of a pip install."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES
from xennet.cli import main

ROOT = FIXTURES.parent
ACTION = ROOT / "action.yml"
VENV_BIN = Path(sys.executable).parent
XENNET = VENV_BIN / "xennet"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def steps(action: dict) -> dict[str, dict]:
    return {step["name"]: step for step in action["runs"]["steps"]}


def test_action_is_a_composite_action_with_documented_inputs(action):
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "args", "sarif-file", "upload", "python-version"}
    assert all(spec["description"] and "default" in spec for spec in action["inputs"].values())
    used = {match for step in action["runs"]["steps"] for match in re.findall(r"inputs\.([\w-]+)", yaml.dump(step))}
    assert used == set(action["inputs"])  # every input is used, none is made up


def test_scripts_take_values_from_env_only(action):
    """An input such as `paths: "$(rm -rf ~)"` must stay data: no expression inside a run script."""
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert scripts and not [script for script in scripts if "${{" in script]
    assert all(step["shell"] == "bash" for step in action["runs"]["steps"] if "run" in step)


def test_action_installs_itself_and_uploads_to_code_scanning(action):
    by_name = steps(action)
    assert by_name["Set up Python"]["uses"].startswith("actions/setup-python@")
    install = by_name["Install xennet"]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}" and '"$ACTION_PATH"' in install["run"]
    upload = by_name["Upload the SARIF report"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "inputs.upload == 'true'" in upload["if"]


def lint_command_options(script: str) -> list[tuple[str, str | None]]:
    """The options of the `xennet lint` line of a script, each with the literal value after it."""
    line = next(line for line in script.splitlines() if line.strip().startswith("xennet lint"))
    words = shlex.split(line.split(">")[0])[2:]
    return [(word, words[index + 1] if index + 1 < len(words) else None)
            for index, word in enumerate(words) if word.startswith("--")]


def test_action_uses_existing_lint_options(action):
    lint = main.commands["lint"]
    params = {name: param for param in lint.params for name in param.opts}
    options = lint_command_options(steps(action)["Lint with xennet"]["run"])
    assert [name for name, _value in options] == ["--format", "--color"]
    for name, value in options:
        assert name in params, f"action.yml uses {name}, which `xennet lint` does not have"
        choices = getattr(params[name].type, "choices", None)
        if choices is not None:
            assert value in choices, f"action.yml uses {name} {value}; `xennet lint` takes {choices}"
    help_text = subprocess.run([str(XENNET), "lint", "--help"], capture_output=True, text=True, check=True).stdout
    assert "sarif" in help_text


class Runner:
    """Runs the action's shell steps in order, as GitHub would for the given inputs."""

    def __init__(self, action: dict, inputs: dict[str, str], workspace: Path) -> None:
        self.inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
        self.workspace = workspace
        self.outputs: dict[str, dict[str, str]] = {}

    def value(self, expression: str) -> str:
        """The only expressions the scripts' env may use: inputs, earlier steps' outputs, the action path."""
        if expression == "github.action_path":
            return str(ROOT)
        if expression.startswith("inputs."):
            return self.inputs[expression.removeprefix("inputs.")]
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        assert match, f"unexpected expression {expression!r} in action.yml"
        return self.outputs.get(match[1], {}).get(match[2], "")

    def run(self, step: dict) -> subprocess.CompletedProcess[str]:
        output_file = self.workspace / f"output-{len(self.outputs)}"
        output_file.write_text("")
        env = {name: EXPRESSION.sub(lambda m: self.value(m[1]), str(value)) for name, value in step["env"].items()}
        env |= {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(output_file)}
        completed = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=self.workspace, env=env,
                                   capture_output=True, text=True, check=False)
        lines = output_file.read_text().splitlines()
        self.outputs[step.get("id", step["name"])] = dict(line.split("=", 1) for line in lines)
        return completed


def has_sarif() -> bool:
    fmt = next(param for param in main.commands["lint"].params if "--format" in param.opts)
    return "sarif" in getattr(fmt.type, "choices", ())


# test_action_uses_existing_lint_options fails while `--format sarif` is missing; the runs below need it.
needs_sarif = pytest.mark.skipif(not has_sarif(), reason="`xennet lint --format sarif` is not in this CLI")


def run_lint_and_final_steps(action: dict, tmp_path: Path, **inputs: str) -> tuple[Runner, int]:
    """GitHub runs shell steps with `bash -e`: the lint step must survive xennet's exit 1."""
    runner = Runner(action, inputs, tmp_path)
    by_name = steps(action)
    assert runner.run(by_name["Lint with xennet"]).returncode == 0
    return runner, runner.run(by_name["Fail on findings"]).returncode


@needs_sarif
def test_findings_are_reported_then_fail_the_job(action, tmp_path):
    runner, status = run_lint_and_final_steps(action, tmp_path, paths=str(FIXTURES / "broken" / "web01.cfg"))
    assert runner.outputs["lint"] == {"exit-code": "1", "sarif-file": "xennet.sarif"}
    report = json.loads((tmp_path / "xennet.sarif").read_text())
    assert report["runs"][0]["results"]  # the findings are in the report that gets uploaded
    assert status == 1


@needs_sarif
def test_clean_configs_pass(action, tmp_path):
    clean = FIXTURES / "xl" / "xen-xlexample.pvlinux.cfg"
    inputs = {"paths": str(clean), "args": "--select X", "sarif-file": "out.sarif"}
    runner, status = run_lint_and_final_steps(action, tmp_path, **inputs)
    assert runner.outputs["lint"]["exit-code"] == "0"
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"] == []
    assert status == 0


def test_usage_error_fails_without_upload(action, tmp_path):
    runner, status = run_lint_and_final_steps(action, tmp_path, paths=str(tmp_path / "missing"))
    assert runner.outputs["lint"]["exit-code"] == "2"
    assert steps(action)["Upload the SARIF report"]["if"].endswith("steps.lint.outputs.exit-code != '2'")
    assert status == 2


def completion(env: dict[str, str]) -> str:
    completed = subprocess.run([str(XENNET)], env={**os.environ, **env}, capture_output=True, text=True,
                               check=False, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o nosort -F _xennet_completion xennet"),
    ("zsh", "#compdef xennet"),
    ("fish", "complete --no-files --command xennet"),
])
def test_completion_scripts(shell, marker):
    """The lines docs/ci.md tells users to add to their shell's startup file print a script."""
    assert marker in completion({"_XENNET_COMPLETE": f"{shell}_source"})
    assert f"_XENNET_COMPLETE={shell}_source xennet" in (ROOT / "docs" / "ci.md").read_text()


def test_completion_proposes_commands_and_options():
    assert completion({"_XENNET_COMPLETE": "bash_complete", "COMP_WORDS": "xennet li", "COMP_CWORD": "1"}) \
        .splitlines() == ["plain,lint"]
    proposed = completion({"_XENNET_COMPLETE": "bash_complete", "COMP_WORDS": "xennet lint --format ",
                           "COMP_CWORD": "3"}).splitlines()
    assert {"plain,text", "plain,json", "plain,sarif"} <= set(proposed)
    explain = {"_XENNET_COMPLETE": "bash_complete", "COMP_CWORD": "2"}
    codes = completion({**explain, "COMP_WORDS": "xennet explain C10"})
    assert codes.splitlines() == [f"plain,C10{n}" for n in range(1, 6)]
    assert completion({**explain, "COMP_WORDS": "xennet explain vif-mac-m"}).splitlines() == ["plain,vif-mac-multicast"]
