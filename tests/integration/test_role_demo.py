# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""``make demo`` (demo/demo.sh) works end to end and stays inside its demo folder.

The script is run the way the Makefile runs it (venv bin dir, the atk peer, the collection
layout, a demo folder), with a HOME that must not be touched: the demo sets its own.
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

    home = demo_dir / 'home' / '.atk'
    manifest = yaml.safe_load((home / 'manifest.yaml').read_text())
    assert [p['directory'] for p in manifest['plugins']] == EXPECTED
    commit = yaml.safe_load((demo_dir / 'registry' / 'registry.json').read_text())['commit']
    assert {p['source']['ref'] for p in manifest['plugins']} == {commit}
    assert os.listdir(outside_home) == []  # nothing written to the caller's HOME
    # The registry's git daemon is gone.
    assert not (demo_dir / 'registry' / 'git-daemon.pid').exists()
