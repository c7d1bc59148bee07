# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_desired: desired items, and matching them to manifest entries."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
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
    item = D.normalize_item({"name": "piper"})
    assert item == {"name": "piper", "source": "registry", "url": None, "path": None, "version": None,
                    "state": "present", "env": None, "drift": None}


def test_inferred_local_and_git_sources(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    local = D.normalize_item({"name": "./src/demo"})
    assert (local["source"], local["name"], local["path"]) == ("local", None, str(tmp_path / "src" / "demo"))
    home = D.normalize_item({"name": "~/plugins/demo"})
    assert home["path"] == str(tmp_path / "me" / "plugins" / "demo")
    gitted = D.normalize_item({"name": "github.com/org/repo"})
    assert (gitted["source"], gitted["name"], gitted["url"]) == ("git", None, "github.com/org/repo")
    assert D.normalize_item({"path": "rel"})["path"] == str(tmp_path / "rel")
    assert D.normalize_item({"path": "rel", "name": "Demo"})["source"] == "local"
    by_url = D.normalize_item({"url": "https://example.org/x.git", "name": "My Thing"})
    assert (by_url["source"], by_url["name"]) == ("git", "My Thing")


def test_existing_folder_does_not_change_inference(tmp_path, monkeypatch):
    (tmp_path / "piper").mkdir()
    monkeypatch.chdir(tmp_path)
    assert D.normalize_item({"name": "piper"})["source"] == "registry"


def test_defaults_and_states():
    assert D.normalize_item({"name": "piper"}, default_state="latest")["state"] == "latest"
    assert D.normalize_item({"name": "piper", "state": "absent"}, default_state="latest")["state"] == "absent"
    raw = {"name": "piper", "state": None, "extra": 1}
    before = copy.deepcopy(raw)
    assert D.normalize_item(raw)["state"] == "present"
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
        D.normalize_item(raw)
    assert words in str(info.value)


def test_absent_items_need_no_url_or_path():
    assert D.normalize_item({"name": "Git Thing", "source": "git", "state": "absent"})["url"] is None
    assert D.normalize_item({"name": "Demo", "source": "local", "state": "absent"})["path"] is None


# -- find_existing --------------------------------------------------------------------------------

def item(**raw):
    return D.normalize_item(raw)


def test_find_registry_entry_by_slug():
    assert D.find_existing(MANIFEST, item(name="piper"))["name"] == "Piper TTS"
    assert D.find_existing(MANIFEST, item(name="fancy")) is None


@pytest.mark.parametrize("url", ["example.org/acme/gitplug", "https://example.org/acme/gitplug",
                                 "https://example.org/acme/gitplug.git", "https://example.org/acme/gitplug/"])
def test_find_git_entry_by_normalised_url(url):
    assert D.find_existing(MANIFEST, item(url=url))["directory"] == "git-thing"


def test_find_git_entry_scp_url():
    assert D.find_existing(MANIFEST, item(url="git@host.example:team/other"))["directory"] == "other-git"
    assert D.find_existing(MANIFEST, item(url="https://example.org/acme/other")) is None
    # One repository, whatever the scheme (_urls.identity, the rule atk_agent uses too).
    assert D.find_existing(MANIFEST, item(url="http://example.org/acme/gitplug"))["directory"] == "git-thing"


def test_find_local_entry_needs_its_spec():
    local = item(path="/src/demo")
    assert D.find_existing(MANIFEST, local) is None
    assert D.find_existing(MANIFEST, local, local_spec={"name": "Demo Plugin_X"})["directory"] == "demo-plugin-x"
    assert D.find_existing(MANIFEST, local, local_spec={"name": "Another"}) is None


def test_find_absent_by_name_or_directory():
    by_name = D.normalize_item({"name": "Git Thing", "source": "git", "state": "absent"})
    assert D.find_existing(MANIFEST, by_name)["directory"] == "git-thing"
    by_dir = D.normalize_item({"name": "demo-plugin-x", "state": "absent"})
    assert D.find_existing(MANIFEST, by_dir)["name"] == "Demo Plugin_X"
    assert D.find_existing(MANIFEST, D.normalize_item({"name": "piper", "state": "absent"}))["name"] == "Piper TTS"
    assert D.find_existing(MANIFEST, D.normalize_item({"name": "gone", "state": "absent"})) is None


@pytest.mark.parametrize("name, directory", [("Piper TTS", "piper"), ("Demo Plugin_X", "demo-plugin-x")])
def test_absent_by_display_name(name, directory):
    assert D.find_existing(MANIFEST, D.normalize_item({"name": name, "state": "absent"}))["directory"] == directory
