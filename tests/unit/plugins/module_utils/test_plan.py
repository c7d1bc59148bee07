# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_plan, pure parts: the manifest a plan leads to."""

from __future__ import annotations

import copy

from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P
from ansible_collections.atk.core.plugins.module_utils import _spec

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


# -- manifest_after -------------------------------------------------------------------------------

def plan(raw, entry, action, **fields):
    result = P.PluginPlan(D.normalize_item(raw), entry)
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
        # A failed install keeps the plugin in the manifest (the next run retries the install).
        plan({"name": "broken"}, None, "add", name="Broken", directory="broken", target_ref=REF1, errors=["install failed"]),
        plan({"url": "example.org/acme/gitplug"}, entries[2], "resync", target_ref=REF2),
        plan({"url": "git@host.example:team/other"}, entries[3], "downgrade", target_ref=REF1),
    ]
    after = P.manifest_after(MANIFEST, plans)
    assert MANIFEST == before
    assert [e["directory"] for e in after["plugins"]] == ["piper", "git-thing", "other-git", "fancy", "new-thing", "loc", "broken"]
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


# -- required_names ----------------------------------------------------------------------------------

def test_required_names():
    spec = {"env_vars": [{"name": "A", "required": True}, {"name": "B", "required": "yes"}, {"name": "C", "required": "false"},
                         {"name": "D"}, {"name": "E", "required": 1}, {"name": "F", "required": "no"},
                         {"name": "G", "required": False}, {"name": "H", "required": "TRUE"}, {"name": "I", "required": None}]}
    assert _spec.required_names(spec) == ["A", "B", "E", "H"]
    assert _spec.required_names(None) == []
    assert _spec.required_names({}) == []
    assert _spec.required_names({"env_vars": None}) == []
