# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_plugin_files: what in a plugin folder is the source's, and comparing it with staged files."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _plugin_files as PF
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

REF1 = "1" * 40


# -- _file_changes ---------------------------------------------------------------------------------

def write(root, rel, data=b"x", mode=None):
    path = os.path.join(str(root), rel)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "wb") as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(path, mode)


def test_file_changes(tmp_path):
    staged, current = tmp_path / "staged", tmp_path / "current"
    for root in (staged, current):
        write(root, "plugin.yaml", b"same")
        write(root, "run.sh", b"#!/bin/sh\n", 0o644)
        write(root, "custom/overrides.yaml", b"mine" if root == current else b"theirs")
        write(root, "sub/.env", b"nested " + root.name.encode())
    write(staged, "README.md", b"new")
    write(current, "old.txt", b"gone")
    write(current, ".env", b"SECRET=1")
    write(current, ".atk-ref", REF1.encode())
    os.chmod(str(staged / "run.sh"), 0o755)
    os.symlink("plugin.yaml", str(staged / "link"))
    os.symlink("README.md", str(current / "link"))
    changes = PF.file_changes(str(staged), str(current))  # pylint: disable=protected-access
    assert changes == [
        {"path": "README.md", "status": "added"},
        {"path": "link", "status": "modified"},
        {"path": "old.txt", "status": "removed"},
        {"path": "run.sh", "status": "modified"},
        {"path": "sub/.env", "status": "modified"},
    ]


def test_file_changes_for_a_new_plugin(tmp_path):
    write(tmp_path / "staged", "plugin.yaml")
    write(tmp_path / "staged", "custom/x")
    expected = [{"path": "plugin.yaml", "status": "added"}]
    assert PF.file_changes(str(tmp_path / "staged"), None) == expected  # pylint: disable=protected-access
    assert PF.file_changes(str(tmp_path / "staged"), str(tmp_path / "missing")) == expected  # pylint: disable=protected-access
    assert PF.file_changes(str(tmp_path / "staged"), str(tmp_path / "staged")) == []  # pylint: disable=protected-access


# -- read_ref / disk_state -----------------------------------------------------------------------------

def test_disk_state(tmp_path):
    home = str(tmp_path)
    write(tmp_path, "plugins/reg/plugin.yml", b"name: r\n")
    write(tmp_path, "plugins/reg/.atk-ref", (REF1 + "\n").encode())
    write(tmp_path, "plugins/nospec/.atk-ref", REF1.encode())
    assert PF.disk_state(home, "reg") == {"exists": True, "has_spec": True, "ref": REF1}
    assert PF.disk_state(home, "nospec") == {"exists": True, "has_spec": False, "ref": None}
    assert PF.disk_state(home, "missing") == {"exists": False, "has_spec": False, "ref": None}
    assert PF.read_ref(str(tmp_path / "plugins" / "missing")) is None


def test_custom_must_be_a_real_folder_whose_symlinks_stay_inside(tmp_path):
    """Found by the hostile-input suite: a custom/ symlink (a cloned home can carry one) made an
    upgrade copy the files it led to into the home and commit them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_rsa").write_text("key\n")
    plugin = tmp_path / "plugins" / "p"
    plugin.mkdir(parents=True)
    PF.check_custom(str(plugin))  # no custom/: fine
    os.symlink(str(outside), str(plugin / "custom"))
    with pytest.raises(AtkError, match="is a symlink"):
        PF.check_custom(str(plugin))
    os.unlink(str(plugin / "custom"))
    (plugin / "custom").mkdir()
    (plugin / "custom" / "notes.md").write_text("mine\n")
    os.symlink("notes.md", str(plugin / "custom" / "alias.md"))
    PF.check_custom(str(plugin))
    os.symlink(str(outside / "id_rsa"), str(plugin / "custom" / "key"))
    with pytest.raises(AtkError, match="Refusing symlink 'key'"):
        PF.check_custom(str(plugin))


# -- records and drift ------------------------------------------------------------------------------

def _home_with_plugin(tmp_path):
    home = tmp_path / "home"
    plugin = home / "plugins" / "demo"
    (home / ".git").mkdir(parents=True)
    plugin.mkdir(parents=True)
    (plugin / "plugin.yaml").write_text("name: demo\n")
    (plugin / "SKILL.md").write_text("# skill\n")
    (plugin / "bin").mkdir()
    (plugin / "bin" / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(str(plugin / "bin" / "run.sh"), 0o755)
    return home, plugin


def test_records_find_edits_and_deletions_but_not_install_outputs(tmp_path):
    home, plugin = _home_with_plugin(tmp_path)
    records = PF.Records(str(home))
    assert records.drift("demo", str(plugin)) is None  # nothing recorded yet
    records.put("demo", REF1, str(plugin), ["plugin.yaml", "SKILL.md", "bin/run.sh"])
    records.save()
    again = PF.Records(str(home))
    assert again.drift("demo", str(plugin), REF1) == []
    assert again.drift("demo", str(plugin), "2" * 40) is None  # recorded for another commit
    # an install leaves outputs: not the plugin's, not drift
    (plugin / ".venv").mkdir()
    (plugin / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (plugin / "build.out").write_text("x")
    assert again.drift("demo", str(plugin), REF1) == []
    # edits in place, a deletion and a lost executable bit are drift
    (plugin / "SKILL.md").write_text("# edited by hand\n")
    (plugin / "plugin.yaml").unlink()
    os.chmod(str(plugin / "bin" / "run.sh"), 0o644)
    assert again.drift("demo", str(plugin), REF1) == [
        {"path": "SKILL.md", "status": "modified"}, {"path": "bin/run.sh", "status": "modified"},
        {"path": "plugin.yaml", "status": "deleted"}]


def test_an_edit_that_keeps_size_and_mtime_is_still_found_by_content(tmp_path):
    home, plugin = _home_with_plugin(tmp_path)
    records = PF.Records(str(home))
    records.put("demo", REF1, str(plugin), ["SKILL.md"])
    info = os.stat(str(plugin / "SKILL.md"))
    (plugin / "SKILL.md").write_text("# SKILL\n")  # same size
    os.utime(str(plugin / "SKILL.md"), ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    assert records.drift("demo", str(plugin)) == [{"path": "SKILL.md", "status": "modified"}]


def test_records_survive_a_corrupt_file_and_drop(tmp_path):
    home, plugin = _home_with_plugin(tmp_path)
    (home / ".git" / "atk-core").mkdir()
    (home / ".git" / "atk-core" / "files.json").write_text("{not json")
    records = PF.Records(str(home))
    assert records.plugins == {}
    records.put("demo", None, str(plugin), ["plugin.yaml"])
    records.drop("demo")
    records.save()
    assert json.loads((home / ".git" / "atk-core" / "files.json").read_text()) == {"version": 1, "plugins": {}}
    assert stat.S_IMODE(os.stat(str(home / ".git" / "atk-core" / "files.json")).st_mode) == 0o600


def test_file_changes_look_only_at_the_sources_paths(tmp_path):
    """An upgrade compares what the old and the new commit have: an install's outputs are not 'removed'."""
    staged, current = tmp_path / "staged", tmp_path / "current"
    for root in (staged, current):
        root.mkdir()
        (root / "plugin.yaml").write_text("name: demo\n")
    (current / ".venv").mkdir()
    (current / ".venv" / "bin").write_text("x")
    (current / "old.sh").write_text("old\n")
    assert PF.file_changes(str(staged), str(current), old_paths=["plugin.yaml", "old.sh"]) == [
        {"path": "old.sh", "status": "removed"}]
    assert {"path": ".venv/bin", "status": "removed"} in PF.file_changes(str(staged), str(current))
