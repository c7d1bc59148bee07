# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers for the module_utils unit tests.

* The real atk 0.4.0 as a differential oracle: the venv named by ``$ATK_CORE_ATK_VENV``,
  else ``<collection root>/.venv-atk`` (plain pytest in the repository), else the
  ``.venv-atk`` of the repository a ``make collection`` layout was mirrored from (the layout's
  ``SOURCE`` file names it): ``ansible-test units`` runs from that layout, which has no venvs,
  and passes no custom environment variables. :func:`atk_python` runs one script
  in atk's interpreter for a whole JSON batch, :class:`Oracle` keeps one such process
  alive and answers batch after batch (for hypothesis), :func:`atk_cli` runs the CLI.
  Tests that need it are skipped with :data:`NO_ATK_REASON` when it is not installed.
* Real git, isolated from the user's configuration: :func:`isolate_git` and :func:`git`.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess

import pytest

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def _layout_source():
    """The repository a ``make collection`` layout was mirrored from, or None outside a layout."""
    marker = os.path.join(COLLECTION_ROOT, "..", "..", "..", "SOURCE")
    try:
        with open(marker, encoding="utf-8") as handle:
            source = handle.read().strip()
    except (IOError, OSError):
        return None
    return source or None


def _find_atk_venv():
    candidates = [os.environ.get("ATK_CORE_ATK_VENV"), os.path.join(COLLECTION_ROOT, ".venv-atk")]
    source = _layout_source()
    if source:
        candidates.append(os.path.join(source, ".venv-atk"))
    for venv in candidates:
        if not venv:
            continue
        python = os.path.join(venv, "bin", "python")
        lib = os.path.join(venv, "lib")
        if not os.access(python, os.X_OK) or not os.path.isdir(lib):
            continue
        for pyver in os.listdir(lib):
            site = os.path.join(lib, pyver, "site-packages")
            if os.path.isdir(os.path.join(site, "atk")) and os.path.isdir(os.path.join(site, "atk_cli-0.4.0.dist-info")):
                return venv
    return None


ATK_VENV = _find_atk_venv()
ATK_PYTHON = os.path.join(ATK_VENV, "bin", "python") if ATK_VENV else None
ATK_CLI = os.path.join(ATK_VENV, "bin", "atk") if ATK_VENV else None
NO_ATK_REASON = ("atk-cli 0.4.0 (the differential oracle) is not installed in %s/.venv-atk "
                 "(run `make venv`, or point ATK_CORE_ATK_VENV at a venv with atk-cli==0.4.0)" % (_layout_source() or COLLECTION_ROOT))
needs_atk = pytest.mark.skipif(ATK_VENV is None, reason=NO_ATK_REASON)

# Variables that would make atk's interpreter import our code, or git act on another repository.
_DROP = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def peer_env(extra=None):
    """The environment for atk's interpreter: ours (git isolation included), minus PYTHON* paths.

    ``extra`` overrides; a value of None removes the variable.
    """
    env = dict((k, v) for k, v in os.environ.items() if k not in _DROP)
    env["PYTHONUTF8"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def atk_python(script, payload=None, env=None, cwd=None):
    """Run ``script`` with atk's interpreter, once for the whole batch.

    The script sees the decoded JSON ``payload`` as ``PAYLOAD`` and must assign its
    JSON-serialisable answer to ``RESULT``.
    """
    code = "import json, sys\nPAYLOAD = json.loads(sys.stdin.read())\nRESULT = None\n" + script + \
        "\nsys.stdout.write(json.dumps(RESULT))\n"
    proc = subprocess.run([ATK_PYTHON, "-s", "-c", code], input=json.dumps(payload), capture_output=True,
                          text=True, encoding="utf-8", env=peer_env(env), cwd=cwd, check=False)
    if proc.returncode != 0:
        raise AssertionError("atk's interpreter failed (exit %d):\n%s" % (proc.returncode, proc.stderr))
    return json.loads(proc.stdout)


_ORACLE_LOOP = """
import json, sys
for _line in sys.stdin:
    sys.stdout.write(json.dumps(handle(json.loads(_line))) + "\\n")
    sys.stdout.flush()
"""


class Oracle(object):
    """One long-lived atk interpreter: ``oracle(batch)`` sends a JSON batch, returns ``handle(batch)``.

    ``source`` defines ``handle(batch)``; it runs in atk's venv.
    """

    def __init__(self, source, cwd=None):
        self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [ATK_PYTHON, "-s", "-c", source + _ORACLE_LOOP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", env=peer_env(), cwd=cwd)
        self.calls = 0

    def __call__(self, batch):
        self.calls += 1
        self._proc.stdin.write(json.dumps(batch) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise AssertionError("atk's interpreter died (exit %s)" % self._proc.poll())
        return json.loads(line)

    def close(self):
        try:
            self._proc.stdin.close()
        except OSError:
            pass  # it died already; the failing test has said why
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()


def atk_cli(args, env=None, cwd=None):
    """Run the real ``atk`` CLI; returns the CompletedProcess (text)."""
    return subprocess.run([ATK_CLI] + list(args), capture_output=True, text=True, encoding="utf-8",
                          env=peer_env(env), cwd=cwd, check=False)


# -- git ------------------------------------------------------------------------------

TEST_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test User",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test User",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}

_GIT_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
             "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
             "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "ATK_HOME")


def isolate_git(monkeypatch, tmp_path):
    """Point git at an empty global config of our own and no system config; returns its path."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in _GIT_VARS:
        monkeypatch.delenv(name, raising=False)
    return str(config)


def git(cwd, *args, **kwargs):
    """Run real git (test identity for the commits tests make themselves); returns stdout; raises on failure."""
    env = dict(os.environ)
    env.update(TEST_IDENTITY)
    env["LC_ALL"] = "C"
    env.update(kwargs.get("env") or {})
    proc = subprocess.run(["git"] + list(args), cwd=str(cwd), capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0 and kwargs.get("check", True):
        raise AssertionError("git %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr))
    return proc.stdout


def snapshot(root):
    """Everything under ``root`` (``.git`` included): path -> (kind, mode, content hash or link target, mtime_ns)."""
    result = {}
    root = str(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                result[rel] = ("link", os.readlink(full))
            elif stat.S_ISDIR(info.st_mode):
                result[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                with open(full, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                result[rel] = ("file", stat.S_IMODE(info.st_mode), digest, info.st_mtime_ns)
    return result
