# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""The role's dependency step (roles/atk/tasks/dependencies.yml) through real ansible-playbook runs.

* A fresh virtualenv lacking jsonschema runs the modules (``ansible_python_interpreter``): the
  first module call fails, the role installs jsonschema with that virtualenv's own pip, and the
  converge succeeds; the next run goes straight through.
* macOS, as far as the role can tell: the facts it reads are set (``system: Darwin``) and
  ``xcode-select`` (and, for a Mac without the Xcode command line tools, ``git``) are stubs on
  PATH that answer like the real ones. Without the tools the role stops and says to run
  ``xcode-select --install``; with them, a virtualenv without pip gets pip (ensurepip) and then
  the libraries, and a Python that is not a virtualenv (macOS's /usr/bin/python3; here any such
  Python of the machine lacking the libraries) gets them with ``pip install --user``, in the
  user's own site-packages.

pip installs from the package index these runs are configured with, into throw-away folders.
"""

from __future__ import annotations

import getpass
import glob
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness import AnsibleRunner, IsolatedEnv, fixture_plugins

PIP_TASK = 'atk.core.atk : Install PyYAML and jsonschema with the pip of the Python that runs the modules'
ENSUREPIP_TASK = 'atk.core.atk : Give the Python that runs the modules a pip (ensurepip)'
PACKAGE_TASKS = ('atk.core.atk : Install git, PyYAML and jsonschema (Debian family)',
                 'atk.core.atk : Install git, PyYAML and jsonschema (other package managers)')
INCLUDE_TASK = 'atk.core.atk : Install what the atk.core modules need on the host'
XCRUN_ERROR = ('xcrun: error: invalid active developer path (/Library/Developer/CommandLineTools), '
               'missing xcrun at: /Library/Developer/CommandLineTools/usr/bin/xcrun')


@pytest.fixture
def small_registry(registry_factory):
    return registry_factory(fixture_plugins(['fetch']))


def ran(result, name):
    """Entries of task ``name`` that were not skipped."""
    return [r for r in result.results if r['task'] == name and r['status'] != 'skipped']


def probe(python: str, env=None) -> dict:
    """Where this Python finds yaml and jsonschema (None when it does not)."""
    code = textwrap.dedent("""\
        import json, sys
        from importlib.util import find_spec
        out = {'venv': sys.prefix != sys.base_prefix}
        for name in ('yaml', 'jsonschema'):
            spec = find_spec(name)
            out[name] = spec.origin if spec else None
        print(json.dumps(out))
        """)
    proc = subprocess.run([python, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, check=True)
    return json.loads(proc.stdout)


def make_venv(path: Path, with_pip: bool = True) -> str:
    """``python3 -m venv`` (the Python running the tests), returns its bin/python."""
    argv = [sys.executable, '-m', 'venv', str(path)] + ([] if with_pip else ['--without-pip'])
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return str(path / 'bin' / 'python')


def localhost(python: str) -> str:
    return 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % python


def stub(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(0o755)
    return path


def mac_stubs(tmp_path: Path, command_line_tools: bool) -> Path:
    """A folder to put first on PATH: xcode-select (and without the tools, git) answering like macOS's."""
    folder = tmp_path / 'macos-bin'
    log = tmp_path / 'xcode-select.log'
    if command_line_tools:
        stub(folder, 'xcode-select', 'echo "$*" >> "%s"\necho /Library/Developer/CommandLineTools\n' % log)
    else:
        stub(folder, 'xcode-select', 'echo "$*" >> "%s"\n'
             'echo "xcode-select: error: unable to get active developer directory, use \\`sudo xcode-select --switch '
             'path/to/Xcode.app\\` to set the tools path." >&2\nexit 2\n' % log)
        # /usr/bin/git on a Mac without the tools: a shim that fails (and offers the installer).
        stub(folder, 'git', 'echo "%s" >&2\nexit 1\n' % XCRUN_ERROR)
    return folder


def mac_play(python: str):
    """bootstrap's play, after setting the facts the role reads to what a Mac reports."""
    return [{
        'name': 'Bootstrap an ATK home on a Mac',
        'hosts': 'localhost',
        'gather_facts': False,
        'pre_tasks': [{
            'name': 'Say what a Mac says',
            'ansible.builtin.set_fact': {'system': 'Darwin', 'os_family': 'Darwin', 'distribution': 'MacOSX', 'user_id': getpass.getuser(),
                                         'python': {'executable': python}, 'cacheable': True},
        }],
        'roles': [{'role': 'atk.core.atk'}],
    }]


def path_with(folder: Path) -> dict:
    return {'PATH': '%s:%s' % (folder, os.environ.get('PATH', '/usr/bin:/bin'))}


def test_a_fresh_virtualenv_gets_jsonschema_from_its_own_pip_and_the_converge_succeeds(
        tmp_path, small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    venv = tmp_path / 'module-venv'
    python = make_venv(venv)
    subprocess.run([python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'PyYAML'], check=True)
    before = probe(python)
    assert before['venv'] and before['yaml'] and before['jsonschema'] is None

    first = ansible.run(Path('atk.core.bootstrap'), inventory=localhost(python), extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert first.rc == 0, first.describe()
    # The first module call found jsonschema missing; the role installed it, the second call converged.
    converge_task = 'atk.core.atk : Converge the ATK home, its plugins and their agents'
    assert 'Failed to import the required Python library (jsonschema)' in first.tasks(converge_task)[0]['result']['msg']
    pip = ran(first, PIP_TASK)
    assert len(pip) == 1 and pip[0]['status'] == 'ok', first.describe()
    argv = pip[0]['result']['cmd']
    assert argv[:4] == [python, '-m', 'pip', 'install'] and '--user' not in argv, argv
    assert not ran(first, ENSUREPIP_TASK)
    assert not [t for t in PACKAGE_TASKS if ran(first, t)]  # never the system's package manager
    assert (isolated_env.atk_home / 'plugins' / 'fetch' / 'plugin.yaml').exists()
    after = probe(python)
    assert after['jsonschema'] and after['jsonschema'].startswith(str(venv) + '/'), after

    second = ansible.run(Path('atk.core.bootstrap'), inventory=localhost(python), extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert second.rc == 0, second.describe()
    assert second.changed() == 0
    assert not ran(second, INCLUDE_TASK)


def test_a_mac_without_the_command_line_tools_is_told_to_run_xcode_select_install(
        tmp_path, small_registry, ansible: AnsibleRunner):
    stubs = mac_stubs(tmp_path, command_line_tools=False)
    result = ansible.run(mac_play(ansible.python), env=path_with(stubs), extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc != 0
    home = result.tasks('atk.core.atk : Converge the ATK home, its plugins and their agents')[0]
    # A missing dependency the role can act on: the task is not failed, the role takes it from there.
    assert home['status'] == 'ok' and 'xcrun: error' in home['result']['msg'], home
    failed = result.failed()[-1]
    assert failed['task'] == 'atk.core.atk : Explain how to get git on macOS', result.describe()
    assert 'Run `xcode-select --install` on localhost' in failed['result']['msg'], failed['result']['msg']
    assert 'unable to get active developer directory' in failed['result']['msg']
    assert (tmp_path / 'xcode-select.log').read_text() == '-p\n'
    assert not [t for t in PACKAGE_TASKS + (PIP_TASK,) if ran(result, t)]


def test_a_mac_with_the_tools_gives_a_virtualenv_without_pip_a_pip_then_the_libraries(
        tmp_path, small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    stubs = mac_stubs(tmp_path, command_line_tools=True)
    venv = tmp_path / 'bare-venv'
    python = make_venv(venv, with_pip=False)
    assert probe(python) == {'venv': True, 'yaml': None, 'jsonschema': None}

    result = ansible.run(mac_play(python), inventory=localhost(python), env=path_with(stubs),
                         extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc == 0, result.describe()
    assert ran(result, ENSUREPIP_TASK)[0]['result']['cmd'] == [python, '-m', 'ensurepip', '--upgrade']
    assert '--user' not in ran(result, PIP_TASK)[0]['result']['cmd']
    assert not [t for t in PACKAGE_TASKS if ran(result, t)]
    assert not (tmp_path / 'xcode-select.log').exists()  # git works: the tools were not even looked for
    found = probe(python)
    assert all(found[name].startswith(str(venv) + '/') for name in ('yaml', 'jsonschema')), found
    assert (isolated_env.atk_home / 'plugins' / 'fetch' / 'plugin.yaml').exists()


def python_outside_any_virtualenv_without_the_libraries():
    """A Python of this machine that is not a virtualenv, not externally managed, has pip and lacks PyYAML and jsonschema."""
    candidates = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/3.*/bin/python3')))
    candidates += [p for p in (os.path.join(d, 'python3.%d' % minor) for d in os.environ.get('PATH', '').split(os.pathsep)
                               for minor in range(9, 14)) if os.path.isfile(p)]
    code = textwrap.dedent("""\
        import os, sys, sysconfig
        from importlib.util import find_spec
        managed = os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))
        ok = (sys.version_info >= (3, 9) and sys.prefix == sys.base_prefix and not managed and find_spec('pip') is not None
              and find_spec('yaml') is None and find_spec('jsonschema') is None)
        sys.exit(0 if ok else 1)
        """)
    for candidate in candidates:
        try:
            if subprocess.run([candidate, '-s', '-c', code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                              check=False).returncode == 0:
                return candidate
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def test_a_mac_system_python_gets_the_libraries_with_pip_user(tmp_path, small_registry, ansible: AnsibleRunner, isolated_env: IsolatedEnv):
    python = python_outside_any_virtualenv_without_the_libraries()
    if python is None:
        pytest.skip('no Python outside a virtualenv lacking PyYAML and jsonschema on this machine (Python 3.9+, not externally managed)')
    stubs = mac_stubs(tmp_path, command_line_tools=True)
    user_env = isolated_env.environ(path_with(stubs))
    assert probe(python, env=user_env)['jsonschema'] is None

    result = ansible.run(mac_play(python), inventory=localhost(python), env=path_with(stubs),
                         extra_vars={'atk_plugins': [{'name': 'fetch'}]})
    assert result.rc == 0, result.describe()
    argv = ran(result, PIP_TASK)[0]['result']['cmd']
    assert argv[:4] == [python, '-m', 'pip', 'install'] and '--user' in argv, argv
    assert not [t for t in PACKAGE_TASKS if ran(result, t)]
    # In the user's own site-packages (under HOME), not in the Python's.
    found = probe(python, env=user_env)
    assert all(found[name].startswith(str(isolated_env.home) + '/') for name in ('yaml', 'jsonschema')), found
    assert probe(python, env=dict(user_env, PYTHONNOUSERSITE='1'))['jsonschema'] is None
    assert (isolated_env.atk_home / 'plugins' / 'fetch' / 'plugin.yaml').exists()
