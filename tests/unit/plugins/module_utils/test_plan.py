# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""_plan, pure parts: desired items, matching them to manifest entries, the manifest after, file changes, state."""

from __future__ import annotations

import copy
import json
import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

REF1 = "1" * 40
REF2 = "2" * 40
MANIFEST = {
    "schema_version": "2026-02-06",
    "config": {"auto_commit": True, "auto_push": False},
    "plugins": [
        M.make_entry("Demo Plugin_X", "demo-plugin-x", "local"),
        M.make_entry("Piper TTS", "piper", "registry", REF1),
        M.make_entry("Git Thing", "git-thing", "git", REF2, "example.org/acme/gitplug"),
        M.make_entry("Other Git", "other-git", "git", REF2, "git@host.example:team/other.git"),
    ],
}


# -- normalize_item -----------------------------------------------------------------------------

def test_registry_name():
    item = P.normalize_item({"name": "piper"})
    assert item == {"name": "piper", "source": "registry", "url": None, "path": None, "version": None,
                    "state": "present", "env": None}


def test_inferred_local_and_git_sources(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    local = P.normalize_item({"name": "./src/demo"})
    assert (local["source"], local["name"], local["path"]) == ("local", None, str(tmp_path / "src" / "demo"))
    home = P.normalize_item({"name": "~/plugins/demo"})
    assert home["path"] == str(tmp_path / "me" / "plugins" / "demo")
    gitted = P.normalize_item({"name": "github.com/org/repo"})
    assert (gitted["source"], gitted["name"], gitted["url"]) == ("git", None, "github.com/org/repo")
    assert P.normalize_item({"path": "rel"})["path"] == str(tmp_path / "rel")
    assert P.normalize_item({"path": "rel", "name": "Demo"})["source"] == "local"
    by_url = P.normalize_item({"url": "https://example.org/x.git", "name": "My Thing"})
    assert (by_url["source"], by_url["name"]) == ("git", "My Thing")


def test_existing_folder_does_not_change_inference(tmp_path, monkeypatch):
    (tmp_path / "piper").mkdir()
    monkeypatch.chdir(tmp_path)
    assert P.normalize_item({"name": "piper"})["source"] == "registry"


def test_defaults_and_states():
    assert P.normalize_item({"name": "piper"}, default_state="latest")["state"] == "latest"
    assert P.normalize_item({"name": "piper", "state": "absent"}, default_state="latest")["state"] == "absent"
    raw = {"name": "piper", "state": None, "extra": 1}
    before = copy.deepcopy(raw)
    assert P.normalize_item(raw)["state"] == "present"
    assert raw == before


@pytest.mark.parametrize("raw, words", [
    ({}, "needs a name, a url"),
    ({"name": "piper", "state": "installed"}, "Unknown state 'installed'"),
    ({"name": "-piper"}, "starts with '-'"),
    ({"name": "piper", "version": "--upload-pack=x"}, "Refusing version"),
    ({"name": "piper", "version": "main\nx"}, "control character"),
    ({"url": "-c core.x=y"}, "Refusing url"),
    ({"name": "a b", "source": "registry"}, "Invalid registry plugin name 'a b'"),
    ({"name": "org/repo"}, "Invalid registry plugin name"),
    ({"source": "registry"}, "needs its registry name"),
    ({"name": "thing", "source": "git"}, "has source git but no url"),
    ({"name": "thing", "source": "local"}, "has source local but no path"),
    ({"path": "/src/demo", "version": "v1"}, "a version cannot be pinned"),
    ({"path": "/src/demo", "state": "latest"}, "cannot be upgraded (state=latest)"),
    ({"name": "piper", "state": "latest", "version": "abc"}, "contradict"),
    ({"name": "piper", "env": ["A=1"]}, "env must be a mapping"),
])
def test_invalid_items(raw, words):
    with pytest.raises(AtkError) as info:
        P.normalize_item(raw)
    assert words in str(info.value)


def test_absent_items_need_no_url_or_path():
    assert P.normalize_item({"name": "Git Thing", "source": "git", "state": "absent"})["url"] is None
    assert P.normalize_item({"name": "Demo", "source": "local", "state": "absent"})["path"] is None


# -- find_existing --------------------------------------------------------------------------------

def item(**raw):
    return P.normalize_item(raw)


def test_find_registry_entry_by_slug():
    assert P.find_existing(MANIFEST, item(name="piper"))["name"] == "Piper TTS"
    assert P.find_existing(MANIFEST, item(name="fancy")) is None


@pytest.mark.parametrize("url", ["example.org/acme/gitplug", "https://example.org/acme/gitplug",
                                 "https://example.org/acme/gitplug.git", "https://example.org/acme/gitplug/"])
def test_find_git_entry_by_normalised_url(url):
    assert P.find_existing(MANIFEST, item(url=url))["directory"] == "git-thing"


def test_find_git_entry_scp_url():
    assert P.find_existing(MANIFEST, item(url="git@host.example:team/other"))["directory"] == "other-git"
    assert P.find_existing(MANIFEST, item(url="https://example.org/acme/other")) is None
    assert P.find_existing(MANIFEST, item(url="http://example.org/acme/gitplug")) is None


def test_find_local_entry_needs_its_spec():
    local = item(path="/src/demo")
    assert P.find_existing(MANIFEST, local) is None
    assert P.find_existing(MANIFEST, local, local_spec={"name": "Demo Plugin_X"})["directory"] == "demo-plugin-x"
    assert P.find_existing(MANIFEST, local, local_spec={"name": "Another"}) is None


def test_find_absent_by_name_or_directory():
    by_name = P.normalize_item({"name": "Git Thing", "source": "git", "state": "absent"})
    assert P.find_existing(MANIFEST, by_name)["directory"] == "git-thing"
    by_dir = P.normalize_item({"name": "demo-plugin-x", "state": "absent"})
    assert P.find_existing(MANIFEST, by_dir)["name"] == "Demo Plugin_X"
    assert P.find_existing(MANIFEST, P.normalize_item({"name": "piper", "state": "absent"}))["name"] == "Piper TTS"
    assert P.find_existing(MANIFEST, P.normalize_item({"name": "gone", "state": "absent"})) is None


@pytest.mark.parametrize("name, directory", [("Piper TTS", "piper"), ("Demo Plugin_X", "demo-plugin-x")])
def test_absent_by_display_name(name, directory):
    assert P.find_existing(MANIFEST, P.normalize_item({"name": name, "state": "absent"}))["directory"] == directory


# -- manifest_after -------------------------------------------------------------------------------

def plan(raw, entry, action, **fields):
    result = P.PluginPlan(P.normalize_item(raw), entry)
    result.action = action
    for key, value in fields.items():
        setattr(result, key, value)
    return result


def test_manifest_after():
    entries = MANIFEST["plugins"]
    before = copy.deepcopy(MANIFEST)
    plans = [
        plan({"name": "piper", "state": "latest"}, entries[1], "upgrade", target_ref=REF2),
        plan({"name": "demo-plugin-x", "state": "absent"}, entries[0], "remove"),
        plan({"name": "fancy"}, None, "add", name="Fancy Tool", directory="fancy", target_ref=REF1),
        plan({"url": "example.org/new/thing"}, None, "add", name="New Thing", directory="new-thing", target_ref=REF2),
        plan({"path": "/src/loc"}, None, "add", name="Loc", directory="loc"),
        plan({"name": "orphan", "state": "absent"}, None, "remove", directory="orphan", orphan=True),
        plan({"name": "broken"}, None, "add", name="Broken", directory="broken", target_ref=REF1, errors=["install failed"]),
        plan({"url": "example.org/acme/gitplug"}, entries[2], "resync", target_ref=REF2),
        plan({"url": "git@host.example:team/other"}, entries[3], "downgrade", target_ref=REF1),
    ]
    after = P.manifest_after(MANIFEST, plans)
    assert MANIFEST == before
    assert [e["directory"] for e in after["plugins"]] == ["piper", "git-thing", "other-git", "fancy", "new-thing", "loc"]
    by_dir = dict((e["directory"], e) for e in after["plugins"])
    assert by_dir["piper"] == M.make_entry("Piper TTS", "piper", "registry", REF2)
    assert by_dir["git-thing"] == entries[2]
    assert by_dir["other-git"]["source"] == {"type": "git", "ref": REF1, "url": "git@host.example:team/other.git"}
    assert by_dir["fancy"] == M.make_entry("Fancy Tool", "fancy", "registry", REF1)
    assert by_dir["new-thing"] == M.make_entry("New Thing", "new-thing", "git", REF2, "example.org/new/thing")
    assert by_dir["loc"] == M.make_entry("Loc", "loc", "local")
    assert M.parse_manifest(M.dump_manifest(after)) == after


def test_manifest_after_without_changes_is_equal():
    plans = [plan({"name": "piper"}, MANIFEST["plugins"][1], "none"),
             plan({"name": "piper"}, MANIFEST["plugins"][1], "configure")]
    assert P.manifest_after(MANIFEST, plans) == MANIFEST
    assert P.manifest_after(MANIFEST, []) == MANIFEST


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
    changes = P._file_changes(str(staged), str(current))  # pylint: disable=protected-access
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
    assert P._file_changes(str(tmp_path / "staged"), None) == expected  # pylint: disable=protected-access
    assert P._file_changes(str(tmp_path / "staged"), str(tmp_path / "missing")) == expected  # pylint: disable=protected-access
    assert P._file_changes(str(tmp_path / "staged"), str(tmp_path / "staged")) == []  # pylint: disable=protected-access


# -- required_names ----------------------------------------------------------------------------------

def test_required_names():
    spec = {"env_vars": [{"name": "A", "required": True}, {"name": "B", "required": "yes"}, {"name": "C", "required": "false"},
                         {"name": "D"}, {"name": "E", "required": 1}, {"name": "F", "required": "no"},
                         {"name": "G", "required": False}, {"name": "H", "required": "TRUE"}, {"name": "I", "required": None}]}
    assert P.required_names(spec) == ["A", "B", "E", "H"]
    assert P.required_names(None) == []
    assert P.required_names({}) == []
    assert P.required_names({"env_vars": None}) == []


# -- read_ref / disk_state -----------------------------------------------------------------------------

def test_disk_state(tmp_path):
    home = str(tmp_path)
    write(tmp_path, "plugins/reg/plugin.yml", b"name: r\n")
    write(tmp_path, "plugins/reg/.atk-ref", (REF1 + "\n").encode())
    write(tmp_path, "plugins/nospec/.atk-ref", REF1.encode())
    assert P.disk_state(home, "reg") == {"exists": True, "has_spec": True, "ref": REF1}
    assert P.disk_state(home, "nospec") == {"exists": True, "has_spec": False, "ref": None}
    assert P.disk_state(home, "missing") == {"exists": False, "has_spec": False, "ref": None}
    assert P.read_ref(str(tmp_path / "plugins" / "missing")) is None


# -- state.json ------------------------------------------------------------------------------------------

def test_state_defaults_when_missing_or_corrupt(tmp_path):
    home = str(tmp_path)
    assert P.load_state(home) == {"pending_install": {}}
    os.makedirs(os.path.join(home, ".git", "atk-core"))
    for text in ("", "{not json", "\x00\x01"):
        with open(os.path.join(home, ".git", "atk-core", "state.json"), "w") as handle:
            handle.write(text)
        assert P.load_state(home) == {"pending_install": {}}


def test_state_round_trip(tmp_path):
    home = str(tmp_path)
    (tmp_path / ".git").mkdir()
    state = {"pending_install": {"piper": True}, "in_flight": ["fancy"]}
    P.save_state(home, state)
    path = tmp_path / ".git" / "atk-core" / "state.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == json.dumps(state, indent=1, sort_keys=True) + "\n"
    assert P.load_state(home) == state
    assert os.listdir(home) == [".git"]
    path.write_text('{"in_flight": []}')
    assert P.load_state(home) == {"in_flight": [], "pending_install": {}}


@pytest.mark.parametrize("text", ["[]", "null", "42", '"text"'])
def test_state_that_is_not_an_object(tmp_path, text):
    path = tmp_path / ".git" / "atk-core" / "state.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    assert P.load_state(str(tmp_path)) == {"pending_install": {}}


def test_custom_must_be_a_real_folder_whose_symlinks_stay_inside(tmp_path):
    """Found by the hostile-input suite: a custom/ symlink (a cloned home can carry one) made an
    upgrade copy the files it led to into the home and commit them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_rsa").write_text("key\n")
    plugin = tmp_path / "plugins" / "p"
    plugin.mkdir(parents=True)
    P._check_custom(str(plugin))  # no custom/: fine
    os.symlink(str(outside), str(plugin / "custom"))
    with pytest.raises(AtkError, match="is a symlink"):
        P._check_custom(str(plugin))
    os.unlink(str(plugin / "custom"))
    (plugin / "custom").mkdir()
    (plugin / "custom" / "notes.md").write_text("mine\n")
    os.symlink("notes.md", str(plugin / "custom" / "alias.md"))
    P._check_custom(str(plugin))
    os.symlink(str(outside / "id_rsa"), str(plugin / "custom" / "key"))
    with pytest.raises(AtkError, match="Refusing symlink 'key'"):
        P._check_custom(str(plugin))
