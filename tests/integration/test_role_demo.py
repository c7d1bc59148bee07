# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""``make demo`` (demo/demo.sh) works end to end and stays inside its demo folder.

The script is run the way the Makefile runs it (venv bin dir, the atk peer, the collection
layout, a demo folder), with a HOME that must not be touched: the demo sets its own. It shows
the ``--check --diff`` preview, prints no CryptographyDeprecationWarning, and the commands it
prints (the export lines, then the ones to run again) work when pasted into a shell as shown.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from harness import REPO_ROOT, atk_bin

EXPECTED = ['fetch', 'git-local', 'serena']


def test_make_demo_bootstraps_a_home_from_the_bundled_registry(tmp_path, collection_path):
    demo_dir = tmp_path / 'demo'
    outside_home = tmp_path / 'real-home'
    outside_home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'GIT_', 'ATK_', 'XDG_'))}
    env['HOME'] = str(outside_home)
    system_tmp = tmp_path / 'system-tmp'  # stands for /tmp: the demo leaves nothing there
    system_tmp.mkdir()
    env['TMPDIR'] = str(system_tmp)
    proc = subprocess.run(['bash', str(REPO_ROOT / 'demo' / 'demo.sh'), str(Path(sys.executable).parent), str(atk_bin()),
                           str(collection_path), str(demo_dir)], cwd=str(REPO_ROOT), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out
    assert 'Would change 3 plugin(s): fetch (add), git-local (add), serena (add)' in out
    assert 'Changed 3 plugin(s): fetch (add), git-local (add), serena (add)' in out
    assert out.count('changed=0') >= 1, out
    for plugin in EXPECTED:
        assert '%s (%s)' % (plugin, plugin) in out  # atk status table
    assert 'Working dir: clean' in out
    assert '\033[' not in out  # no colour codes when not on a terminal
    # The preview is the diff of what would change, printed before anything changed.
    preview = out.split('==> Converge')[0]
    assert '    ansible-playbook atk.core.bootstrap --check --diff -e @%s' % (REPO_ROOT / 'demo' / 'vars.yml') in preview
    assert '+++ after: %s' % (demo_dir / 'home' / '.atk' / 'manifest.yaml') in preview
    assert '+- name: serena' in preview and '+++ after: plugins/fetch @ ' in preview
    assert 'CryptographyDeprecationWarning' not in out
    assert 'atk list' not in out

    home = demo_dir / 'home' / '.atk'
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    assert [p['directory'] for p in manifest['plugins']] == EXPECTED
    commit = yaml.safe_load((demo_dir / 'registry' / 'registry.json').read_text())['commit']
    assert {p['source']['ref'] for p in manifest['plugins']} == {commit}
    assert os.listdir(outside_home) == []  # nothing written to the caller's HOME
    assert os.listdir(system_tmp) == []  # nor to the system temp dir
    # The registry's git daemon is gone.
    assert not (demo_dir / 'registry' / 'git-daemon.pid').exists()

    # What it printed runs as printed: the export lines, then "Run the playbooks again" and
    # "Look around with atk", in a shell with the caller's environment.
    lines = out.splitlines()
    exports = [line.strip() for line in lines if line.startswith('    export ')]
    assert [e.split('=')[0] for e in exports] == ['export HOME', 'export GIT_CONFIG_GLOBAL', 'export GIT_CONFIG_NOSYSTEM',
                                                  'export ANSIBLE_COLLECTIONS_PATH', 'export PATH'], exports

    def block(title):
        start = next(i for i, line in enumerate(lines) if line.startswith(title))
        return [line for line in lines[start + 1:] if line.startswith('    ')][:3]
    again = block('Run the playbooks again')
    look = block('Look around with atk')[:2]
    assert 'registry_server.py start' in again[0] and '--check --diff' in again[1] and 'registry_server.py stop' in again[2], again
    script = '\n'.join(['set -e'] + exports + again + look) + '\n'
    proc = subprocess.run(['bash', '-c', script], cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
    assert proc.returncode == 0, script + proc.stdout
    assert 'changed=0' in proc.stdout and 'failed=0' in proc.stdout, proc.stdout
    assert 'fetch (fetch)' in proc.stdout and '"fetch"' in proc.stdout, proc.stdout  # atk status, atk mcp fetch --json
    assert os.listdir(outside_home) == []
    assert not (demo_dir / 'registry' / 'git-daemon.pid').exists()
