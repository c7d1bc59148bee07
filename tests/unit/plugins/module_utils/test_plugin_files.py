# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_plugin_files: what in a plugin folder is the source's, and comparing it with staged files."""

from __future__ import annotations

import os

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
