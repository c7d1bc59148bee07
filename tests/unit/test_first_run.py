# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a new user meets first: README, `make demo` (demo/demo.sh) and the system packages.

tests/integration/test_role_demo.py runs the demo itself (and the commands it prints);
tests/integration/test_first_run.py runs the README's install-from-git line and checks that
ansible commands print no CryptographyDeprecationWarning.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import os
import re
import stat
import subprocess

import pytest

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(rel):
    with open(os.path.join(COLLECTION_ROOT, rel), encoding="utf-8") as handle:
        return handle.read()


# -- demo/demo.sh --------------------------------------------------------------------------------

def test_demo_previews_with_check_and_diff():
    demo = _read("demo/demo.sh")
    runs = [line.strip() for line in demo.splitlines() if line.strip().startswith("run ansible-playbook")]
    assert runs[0] == 'run ansible-playbook atk.core.bootstrap --check --diff -e @"$vars"', runs


def test_demo_suggests_only_commands_atk_has():
    demo = _read("demo/demo.sh")
    # atk 0.4.0 has no `list` command (docs/atk-compatibility.md §12); `atk status` lists plugins.
    assert not re.search(r"\batk\b[\"']?\s+list\b|\$atk\"?\s+list\b", demo)
    assert '"$atk" status' in demo


def test_demo_prints_the_environment_and_every_command():
    demo = _read("demo/demo.sh")
    # Every variable the commands need is exported, and printed as an export line before they run
    # (test_role_demo.py pastes those lines into a shell).
    for name in ("HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "ANSIBLE_COLLECTIONS_PATH", "PATH"):
        assert re.search(r"^export .*\b%s=" % name, demo, re.M), name
    assert "printf '    export %s=%q" in demo and "printf '    export PATH=%q" in demo
    # ansible-playbook and atk are started through run, or right after show: the command is printed first.
    previous = ""
    for line in demo.splitlines():
        command = line.strip().split(" | ")[0]
        if command.split()[:1] in (["ansible-playbook"], ['"$atk"']) and previous != "show " + command:
            pytest.fail("started without printing the command: %s" % line)
        if line.strip():
            previous = line.strip()


# -- tests/utils/ensure-system-deps.sh ----------------------------------------------------------

def _stub(folder, name, body):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, stat.S_IRWXU)


@pytest.fixture
def debian_root(tmp_path):
    """A fake root shell on Debian where every package is missing; apt-get records what it gets."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    record = tmp_path / "apt-get.log"
    _stub(str(stubs), "id", 'echo 0')
    _stub(str(stubs), "dpkg", 'exit 1')
    _stub(str(stubs), "apt-get", 'echo "$*" >> "%s"' % record)

    def run(*args):
        env = dict(os.environ, PATH="%s:%s" % (stubs, os.environ.get("PATH", "/usr/bin:/bin")))
        env.pop("EXTRA_DEB_PACKAGES", None)
        proc = subprocess.run(["bash", os.path.join(COLLECTION_ROOT, "tests", "utils", "ensure-system-deps.sh")]
                              + list(args) + ["/bin/true"], env=env, capture_output=True, text=True, check=False)
        installed = record.read_text().split() if record.exists() else []
        if record.exists():
            record.unlink()
        return proc, installed
    return run


def test_demo_and_venv_install_no_ssh_server(debian_root):
    proc, installed = debian_root()
    assert proc.returncode == 0, proc.stderr
    assert "openssh-server" not in installed
    assert "fleet" not in proc.stderr


def test_make_test_installs_the_ssh_server_and_says_why(debian_root):
    proc, installed = debian_root("--fleet")
    assert proc.returncode == 0, proc.stderr
    assert {"openssh-server", "iproute2", "python3-yaml", "python3-jsonschema"} <= set(installed)
    why = [line for line in proc.stderr.splitlines() if "openssh-server" in line]
    assert len(why) == 1 and "fleet tests" in why[0], proc.stderr


def test_only_system_deps_and_test_ask_for_the_fleet_packages():
    makefile = _read("Makefile")
    targets, current = {}, None
    for line in makefile.splitlines():
        match = re.match(r"^([A-Za-z$][^:=\s]*)\s*:(?!=)", line)
        if match:
            current = match.group(1)
        elif line.startswith("\t") and current and "ensure-system-deps.sh" in line:
            targets.setdefault(current, []).append("--fleet" in line)
    assert targets.get("system-deps") == [True] and targets.get("test") == [True], targets
    assert not any(any(flags) for name, flags in targets.items() if name not in ("system-deps", "test")), targets
    assert "ensure-system-deps.sh --fleet" not in _read("demo/demo.sh")


# -- README ---------------------------------------------------------------------------------------

def test_readme_install_from_git_names_no_made_up_repository():
    readme = _read("README.md")
    lines = [line for line in readme.splitlines() if "ansible-galaxy collection install" in line and "git+" in line]
    assert lines, "the README shows no install-from-git command"
    for line in lines:
        url = re.search(r"git\+([^\s\"',]+)", line).group(1)
        # A local clone, or a placeholder the reader fills in: never a concrete hosted repository.
        assert url.startswith("file://") or url.startswith("<"), line
    assert "github.com/atk-core" not in readme
