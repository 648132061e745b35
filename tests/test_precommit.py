"""The pre-commit hook of .pre-commit-hooks.yaml, run by pre-commit itself on a throwaway repository.

Two ways: `repo: local` with the manifest's hook pointed at this venv's xennet (fast, no network: it
checks the manifest's file filter and the exit status as pre-commit applies them), and `pre-commit
try-repo` on a snapshot of this working tree committed to a temporary git repository, which is how a
user gets the hook: pre-commit pip-installs the repository into an environment of its own (this needs
PyPI; the test skips without it). Nothing is committed to, or run in, the project's own repository."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = FIXTURES.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BROKEN = FIXTURES / "broken" / "web01.cfg"  # X120: an invalid vif rate (an error), X101 (a warning)
CLEAN = FIXTURES / "xl" / "xen-xlexample.pvlinux.cfg"
BROKEN_FINDING = re.compile(r"web01\.cfg:8:46: error X120 \[vif-rate-invalid\]")
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
XENNET = Path(sys.executable).with_name("xennet")
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "xennet tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
                "GIT_COMMITTER_NAME": "xennet tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid"}


def hook() -> dict:
    (only,) = yaml.safe_load(MANIFEST.read_text())
    return only


@pytest.mark.parametrize("name", [
    "etc/xen/web01", "etc/xen/auto/web01", "xen/etc/xen/xl.conf", "etc/xen/xend-config.sxp", "guests/db01.cfg",
    "web01.cfg", "etc/sysconfig/network-scripts/ifcfg-eth0.3", "ifcfg-xenbr0", "etc/network/interfaces",
    "etc/network/interfaces.d/xenbr0", "etc/sysctl.conf", "etc/sysctl.d/99-bridge.conf", "hosts/dom0/sysctl.conf",
])
def test_hook_files_match_xen_and_network_configs(name):
    spec = hook()
    assert re.search(spec["files"], name) and not re.search(spec["exclude"], name)


@pytest.mark.parametrize("name", [
    "setup.cfg", "python/setup.cfg", "README.md", "etc/hosts", "etc/sysctl.d/README", "docs/interfaces.md",
    "src/xen_config.py", "my-ifcfg.txt/notes",
])
def test_hook_files_leave_out_other_files(name):
    spec = hook()
    assert not re.search(spec["files"], name) or re.search(spec["exclude"], name)


def test_hook_runs_xennet_lint_on_all_files_at_once():
    spec = hook()
    assert (spec["id"], spec["entry"], spec["language"]) == ("xennet", "xennet lint", "python")
    assert spec["pass_filenames"] is True and spec["require_serial"] is True  # cross-file checks see every file


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=cwd,
                   check=True, capture_output=True, env={**os.environ, **GIT_IDENTITY})


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pre-commit with its cache (hook environments) under `home`, so nothing leaks out of the test."""
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([str(PRE_COMMIT), *args], cwd=cwd, capture_output=True, text=True, env=env,
                          check=False, timeout=900)


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    """A repository that uses the hook: a broken and a clean domain config, and files it must skip."""
    repo = tmp_path / "consumer"
    (repo / "etc" / "xen").mkdir(parents=True)
    shutil.copy(BROKEN, repo / "etc" / "xen" / "web01.cfg")
    shutil.copy(CLEAN, repo / "etc" / "xen" / "clean.cfg")
    (repo / "setup.cfg").write_text("[metadata]\nname = not-xen\n")  # xennet would call it Python for xm
    (repo / "notes.txt").write_text("not a config\n")
    git(repo, "init", "-q")
    return repo


def stage(repo: Path, config: dict) -> None:
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(repo, "add", "-A")


def assert_fails_on_broken_passes_on_clean(run) -> None:
    """`run(*files)` runs the hook on those files; the broken config fails with xennet's finding."""
    broken = run("etc/xen/web01.cfg")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert BROKEN_FINDING.search(broken.stdout), broken.stdout
    clean = run("etc/xen/clean.cfg")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def test_local_hook_from_the_manifest(consumer, tmp_path):
    """The manifest's hook as a `repo: local` hook (language system: this venv's xennet)."""
    local = {**hook(), "language": "system", "entry": f"{XENNET} lint"}
    stage(consumer, {"repos": [{"repo": "local", "hooks": [local]}]})
    home = tmp_path / "pre-commit-home"

    assert_fails_on_broken_passes_on_clean(
        lambda *files: pre_commit(consumer, home, "run", "xennet", "--verbose", "--files", *files))

    everything = pre_commit(consumer, home, "run", "xennet", "--verbose", "--all-files")
    assert everything.returncode == 1
    assert BROKEN_FINDING.search(everything.stdout)
    assert "in 2 files." in everything.stdout  # web01.cfg and clean.cfg in one run; setup.cfg and notes.txt left out
    assert "setup.cfg" not in everything.stdout and "notes.txt" not in everything.stdout


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def snapshot(destination: Path) -> Path:
    """This working tree's installable files (pyproject, the README it names, the package folders and
    the hooks manifest) committed to a new repository: try-repo needs the manifest committed, and the
    project's repository must not be touched (nor miss what is not committed yet)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    folders = {path.split("/")[0] for path in project["tool"]["setuptools"]["package-dir"].values()}
    destination.mkdir()
    for name in ("pyproject.toml", project["project"]["readme"], MANIFEST.name):
        shutil.copy(ROOT / name, destination / name)
    for folder in sorted(folders):
        shutil.copytree(ROOT / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(destination, "init", "-q")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "snapshot of the xennet working tree")
    return destination


@pytest.mark.skipif(not pypi_reachable(), reason="pre-commit installs the hook from PyPI packages: no network")
def test_try_repo_installs_and_runs_the_hook(consumer, tmp_path):
    hooks_repo = snapshot(tmp_path / "xennet-hooks")
    stage(consumer, {"repos": []})  # try-repo brings its own config; an empty one keeps git clean
    home = tmp_path / "pre-commit-home"

    try_repo = ("try-repo", str(hooks_repo), "xennet", "--verbose", "--files")
    assert_fails_on_broken_passes_on_clean(lambda *files: pre_commit(consumer, home, *try_repo, *files))
