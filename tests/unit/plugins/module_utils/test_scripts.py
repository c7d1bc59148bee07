# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_scripts, _run, _logs and _backup on a real home with a local plugin: atk run's order and environment,
creates/removes, masking and bounds, the backup convention and restore's checksums and memory."""

from __future__ import annotations

import os

import pytest

from ansible_collections.atk.core.plugins.module_utils import _backup as B
from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _home as H
from ansible_collections.atk.core.plugins.module_utils import _logs as L
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _run as R
from ansible_collections.atk.core.plugins.module_utils import _scripts as S
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

SECRET = "s3cr3t-VALUE-91"
SPEC = """schema_version: '2026-01-23'
name: Keeper
description: keeps data
env_vars:
  - name: KEEPER_TOKEN
    secret: true
  - name: KEEPER_COLOR
lifecycle:
  logs: ./logs.sh
"""


def _script(folder, name, text, mode=0o755):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


@pytest.fixture
def home(tmp_path, monkeypatch):
    atk_peer.isolate_git(monkeypatch, tmp_path)
    root = str(tmp_path / "home")
    H.init_home(root, G.Git())
    plugin = os.path.join(root, "plugins", "keeper")
    os.makedirs(plugin)
    with open(os.path.join(plugin, "plugin.yaml"), "w") as handle:
        handle.write(SPEC)
    with open(os.path.join(plugin, ".env"), "w") as handle:
        handle.write("KEEPER_TOKEN=%s\nKEEPER_COLOR=teal\n" % SECRET)
    _script(plugin, "hello.sh", '#!/bin/sh\necho "hello $* $KEEPER_TOKEN $KEEPER_COLOR $EXTRA"\necho "err $KEEPER_TOKEN" >&2\n'
            '[ "$1" = touch ] && touch made\nexit "${CODE:-0}"\n')
    _script(plugin, "logs.sh", '#!/bin/sh\nfor i in 1 2 3 4 5; do echo "log $i $KEEPER_TOKEN"; done\n')
    _script(plugin, "backup.sh", '#!/bin/sh\nset -e\ncp -R data/. "$ATK_BACKUP_DIR/"\necho "saved $KEEPER_TOKEN"\n')
    _script(plugin, "restore.sh", '#!/bin/sh\nset -e\nmkdir -p restored\ncp -R "$ATK_RESTORE_DIR/." restored/\n')
    os.makedirs(os.path.join(plugin, "data", "sub"))
    with open(os.path.join(plugin, "data", "a.bin"), "wb") as handle:
        handle.write(b"\x00\x01data")
    with open(os.path.join(plugin, "data", "sub", "b.txt"), "w") as handle:
        handle.write("b\n")
    manifest = M.load_manifest(root)
    manifest["plugins"].append(M.make_entry("Keeper", "keeper", "local"))
    M.save_manifest(root, manifest)
    return root


def test_resolution_follows_atk_run(home):
    plugin = os.path.join(home, "plugins", "keeper")
    assert S.candidates("x") == ["custom/x", "custom/x.sh", "x", "x.sh"]
    assert S.resolve(plugin, "hello") == "hello.sh"
    _script(plugin, "hello", "#!/bin/sh\necho root\n")
    assert S.resolve(plugin, "hello") == "hello"
    _script(plugin, "custom/hello.sh", "#!/bin/sh\necho custom\n")
    assert S.resolve(plugin, "hello") == "custom/hello.sh"
    os.symlink("nowhere", os.path.join(plugin, "custom", "hello"))   # a broken link does not exist for atk
    assert S.resolve(plugin, "hello") == "custom/hello.sh"
    assert S.resolve(plugin, "nope") is None
    for bad in ("", "a/b", "..", "."):
        with pytest.raises(AtkError, match="Refusing script name"):
            S.resolve(plugin, bad)


def test_run_script_masks_and_is_idempotent_with_creates(home):
    result = R.run_script(home, "keeper", "hello", ["touch"], creates="made", env={"EXTRA": "x"})
    assert result["changed"] and result["ran"] and result["rc"] == 0
    assert result["stdout"] == "hello touch ******** teal x\n" and result["stderr"] == "err ********\n"
    again = R.run_script(home, "keeper", "hello", ["touch"], creates="made")
    assert again["changed"] is False and again["msg"] == "skipped, since made exists" and "rc" not in again
    assert R.run_script(home, "keeper", "hello", removes="absent-file")["changed"] is False
    preview = R.run_script(home, "Keeper", "hello", check_mode=True)
    assert preview["changed"] is True and preview["ran"] is False
    failed = R.run_script(home, "keeper", "hello", env={"CODE": "4"})
    assert failed["rc"] == 4 and failed["errors"] == ["hello.sh of plugin 'Keeper' failed (exit code 4)."]
    with pytest.raises(AtkError, match="Script 'nope' not found in plugin directory"):
        R.run_script(home, "keeper", "nope")
    assert not os.listdir(os.path.join(H.state_dir(home), "logs")), "output files are deleted once read"


def test_read_output_masks_before_cutting(tmp_path):
    path = str(tmp_path / "out")
    with open(path, "w") as handle:
        handle.write("x" * 100 + SECRET + "y" * 10)
    text, cut = S.read_output(path, [SECRET], limit=30)
    assert cut and SECRET not in text and text.endswith("********" + "y" * 10) and len(text) == 30


def test_logs_are_bounded_and_masked(home):
    result = L.collect(home, ["keeper"], lines=2, timeout=5)
    assert result["logs"] == {"keeper": ["log 4 ********", "log 5 ********"]}
    assert result["plugins"][0]["truncated"] is True and result["errors"] == []


def test_backup_and_restore(home, tmp_path):
    dest = str(tmp_path / "out")
    preview = B.backup(home, dest=dest, check_mode=True)
    assert preview["saved"] == ["keeper"] and not os.path.exists(dest)
    made = B.backup(home, dest=dest)
    entry = made["plugins"][0]
    assert entry["status"] == "saved" and [f["path"] for f in entry["files"]] == ["a.bin", "sub/b.txt"]
    assert entry["stdout"] == "saved ********" and SECRET not in str(made)
    assert oct(os.stat(entry["dir"]).st_mode & 0o777) == "0o700"
    assert not os.path.exists(os.path.join(entry["dir"], ".env"))
    sums = dict((f["path"], f["sha256"]) for f in entry["files"])

    restored = B.restore(home, "keeper", entry["dir"], sums)
    assert restored["status"] == "restored" and restored["id"] == entry["id"]
    with open(os.path.join(home, "plugins", "keeper", "restored", "a.bin"), "rb") as handle:
        assert handle.read() == b"\x00\x01data"
    assert B.restore(home, "keeper", entry["dir"], sums)["status"] == "already restored"
    assert B.restore(home, "keeper", entry["dir"], sums, force=True)["changed"] is True
    env = B.restore(home, "keeper", entry["dir"], sums, env="KEEPER_TOKEN=other\n", check_mode=True)
    assert env["env"] == "would be written" and env["changed"] is True

    with open(os.path.join(entry["dir"], "a.bin"), "wb") as handle:
        handle.write(b"changed")
    with pytest.raises(AtkError, match="does not match its checksums: a.bin has SHA-256"):
        B.restore(home, "keeper", entry["dir"], sums, force=True)
    os.symlink("a.bin", os.path.join(entry["dir"], "link"))
    with pytest.raises(AtkError, match="link, which is not a regular file"):
        B.artefacts(entry["dir"])


def test_plugins_without_scripts_are_skipped(home):
    os.unlink(os.path.join(home, "plugins", "keeper", "backup.sh"))
    result = B.backup(home)
    assert result["skipped_plugins"] == ["keeper"] and result["dir"] is None and result["changed"] is False
    os.unlink(os.path.join(home, "plugins", "keeper", "restore.sh"))
    src = os.path.join(home, "plugins", "keeper", "data")
    assert B.restore(home, "keeper", src)["status"] == "skipped"
