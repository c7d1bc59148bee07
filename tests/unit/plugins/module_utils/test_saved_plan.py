# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_saved_plan: the plan file (records, digest, verification) and the checks a plan run makes."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.atk.core.plugins.module_utils import _desired as D
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils import _plan as P
from ansible_collections.atk.core.plugins.module_utils import _saved_plan as S
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

A, B, C = "a" * 40, "b" * 40, "c" * 40
HOME = "/home/me/.atk"


def identity(**pins):
    return {"path": HOME, "plugins": dict((d, {"name": d, "source": "registry", "url": None, "ref": ref})
                                          for d, ref in pins.items())}


def entry(plugin, action="upgrade", frm=A, to=B, files="sha256:" + "1" * 64, source="registry", location=None):
    return {"plugin": plugin, "name": plugin, "source": source, "location": location or plugin, "action": action,
            "from": frm, "to": to, "files": files, "new_required_env": []}


def record(plugins, home=None, home_actions=()):
    return {"home": home or identity(fetch=A, serena=A), "home_actions": list(home_actions), "plugins": plugins}


class Str(str):
    """A string type of a templating engine."""


# -- the document -------------------------------------------------------------------------------

def test_document_round_trip_and_stable_text():
    doc = S.document({"web-2": record([entry("fetch")]), "web-1": record([]), "down": None})
    assert list(doc) == ["format", "digest", "hosts"] and list(doc["hosts"]) == ["web-1", "web-2"]
    text = S.dumps(doc)
    assert text.startswith('{\n  "format": "atk.core.plan/1",\n  "digest": "sha256:') and text.endswith("}\n")
    assert S.load(text) == doc
    assert S.load(json.loads(text)) == doc
    assert S.dumps(S.document({"web-1": record([]), "web-2": record([entry("fetch")])})) == text
    loaded = S.load({Str(k): v for k, v in json.loads(text).items()})
    assert all(type(key) is str for key in loaded)   # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize("edit", [
    lambda d: d["hosts"]["web-1"]["plugins"][0].update(to=C),
    lambda d: d["hosts"]["web-1"]["home"]["plugins"]["serena"].update(ref=C),
    lambda d: d["hosts"].update(extra=record([])),
    lambda d: d.update(note="reviewed by me"),
    lambda d: d.update(digest="sha256:" + "0" * 64),
    lambda d: d.pop("digest"),
])
def test_an_edited_plan_is_refused(edit):
    doc = json.loads(S.dumps(S.document({"web-1": record([entry("fetch")])})))
    edit(doc)
    with pytest.raises(AtkError, match="changed after it was written"):
        S.load(json.dumps(doc))


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something/else", "hosts": {}}', "not a saved plan"),
    ('[1, 2]', "not a saved plan"),
])
def test_what_is_not_a_plan(text, message):
    with pytest.raises(AtkError, match=message):
        S.load(text)


def test_a_malformed_plan_with_a_good_digest_is_refused():
    body = {"format": S.FORMAT, "hosts": {"web-1": {"home": {}, "plugins": [{"plugin": "../etc", "action": "add"}]}}}
    doc = dict(body, digest=S._digest(body))  # pylint: disable=protected-access
    with pytest.raises(AtkError, match="malformed"):
        S.load(doc)


def test_host_entry():
    doc = S.load(S.dumps(S.document({"web-1": record([])})))
    assert S.host_entry(doc, "web-1") == record([]) and S.host_entry(doc, "web-9") is None


# -- the home ----------------------------------------------------------------------------------

def test_the_same_home_passes():
    S.check_home(record([entry("fetch")]), identity(fetch=A, serena=A))


def test_a_plan_applied_already_passes():
    plan = record([entry("fetch"), entry("notion", action="add", frm=None), entry("serena", action="remove", to=None)])
    S.check_home(plan, identity(fetch=B, notion=B))


@pytest.mark.parametrize("now, message", [
    (identity(fetch=A, serena=C), "'serena' is pinned at cccccccccccc, the plan was computed at aaaaaaaaaaaa"),
    (identity(fetch=A, serena=A, notion=B), "plugin 'notion' was added (registry at bbbbbbbbbbbb)"),
    (identity(fetch=A), "plugin 'serena' was removed"),
    (identity(fetch=C, serena=A), "'fetch' is pinned at cccccccccccc"),
    ({"path": HOME, "plugins": dict(identity(fetch=A, serena=A)["plugins"], serena=dict(
        identity(serena=A)["plugins"]["serena"], source="git", url="https://example.org/x"))},
     "the manifest entry of 'serena' changed (source git, the plan has registry, url https://example.org/x, the plan has None)"),
    ({"path": "/elsewhere", "plugins": {}}, "the plan is for the home /home/me/.atk, this run's home is /elsewhere"),
    ({"path": HOME, "plugins": None}, "the preview found a manifest, there is none now"),
])
def test_a_changed_home_is_refused_with_what_differs(now, message):
    with pytest.raises(AtkError) as info:
        S.check_home(record([entry("fetch")]), now)
    assert "changed since the saved plan was made" in info.value.msg and message in info.value.msg
    assert "Nothing was changed" in info.value.msg


def test_pending_home_actions_are_refused():
    with pytest.raises(AtkError, match=r"changes to the home itself pending \(update\)"):
        S.check_home(record([], home_actions=["update"]), identity(fetch=A, serena=A))


# -- the items of a plan run ---------------------------------------------------------------------

def test_items_take_refs_from_the_plan_and_values_from_inventory():
    manifest = M.initial_manifest()
    manifest["plugins"] = [M.make_entry("fetch", "fetch", "registry", A), M.make_entry("serena", "serena", "registry", A),
                           M.make_entry("tool", "tool", "git", A, "https://example.org/acme/tool")]
    plan = record([entry("fetch"), entry("serena", action="remove", to=None),
                   entry("notion", action="add", frm=None, location="notion"),
                   entry("tool", source="git", location="https://example.org/acme/tool"),
                   entry("other", action="add", frm=None, source="git", location="https://example.org/acme/other")])
    desired = [{"name": "fetch", "env": {"USER_AGENT": "x"}, "drift": "report"},
               {"url": "https://user:tok@example.org/acme/other.git"}, {"name": "unrelated"}]
    items = [D.normalize_item(item) for item in S.items(plan, manifest, desired)]
    by = dict((item["name"] or item["url"], item) for item in items)
    assert by["fetch"]["version"] == B and by["fetch"]["env"] == {"USER_AGENT": "x"} and by["fetch"]["drift"] == "report"
    assert (by["serena"]["state"], by["serena"]["source"], by["serena"]["version"]) == ("absent", "any", None)
    assert (by["notion"]["source"], by["notion"]["version"], by["notion"]["env"]) == ("registry", B, None)
    assert by["tool"]["url"] == "https://example.org/acme/tool" and by["tool"]["version"] == B
    assert by["https://user:tok@example.org/acme/other.git"]["version"] == B   # the credentials come from inventory
    assert len(items) == 5


# -- the plans of a plan run -------------------------------------------------------------------

def make_plan(directory, action, before=A, target=B):
    plan = P.PluginPlan(D.normalize_item({"name": directory}), M.make_entry(directory, directory, "registry", before))
    plan.action, plan.target_ref = action, target
    return plan


def test_plans_that_do_what_the_record_says_pass():
    digest = "sha256:" + "1" * 64
    plans = [make_plan("fetch", "upgrade"), make_plan("serena", "remove", target=None)]
    S.check_plans(record([entry("fetch", files=digest), entry("serena", action="remove", to=None)]), plans,
                  {"fetch": digest})
    # applied already: the pin is the plan's target, nothing to do
    S.check_plans(record([entry("fetch", files=digest)]), [make_plan("fetch", "none", before=B, target=B)], {})


@pytest.mark.parametrize("plans, digests, message", [
    ([make_plan("fetch", "upgrade", target=C)], {"fetch": "sha256:1"},
     "'fetch': the plan says upgrade to bbbbbbbbbbbb, this run would upgrade to cccccccccccc"),
    ([make_plan("fetch", "upgrade")], {"fetch": "sha256:2"}, "the files of 'fetch' at bbbbbbbbbbbb are not the ones reviewed"),
    ([make_plan("fetch", "remove", target=None)], {}, "the plan says upgrade to bbbbbbbbbbbb, this run would remove"),
    ([], {}, "plugin 'fetch' of the plan was not found"),
    ([make_plan("fetch", "upgrade"), make_plan("zzz", "add")], {"fetch": "sha256:1"}, "plugin 'zzz' is not in the plan"),
])
def test_plans_that_differ_are_refused(plans, digests, message):
    with pytest.raises(AtkError) as info:
        S.check_plans(record([entry("fetch", files="sha256:1")]), plans, digests)
    assert "would not do what the saved plan says" in info.value.msg and message in info.value.msg


# -- writing -----------------------------------------------------------------------------------

def write(root, rel, data, mode=0o644):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(data)
    os.chmod(path, mode)


def test_files_digest_covers_the_source_files_only(tmp_path):
    write(tmp_path, "plugin.yaml", "name: x\n")
    write(tmp_path, "install.sh", "echo\n", 0o755)
    first = S.files_digest(str(tmp_path))
    write(tmp_path, "custom/mine.txt", "mine\n")
    write(tmp_path, ".env", "A=1\n")
    write(tmp_path, ".atk-ref", A + "\n")
    assert S.files_digest(str(tmp_path)) == first and first.startswith("sha256:")
    os.chmod(str(tmp_path / "install.sh"), 0o644)
    assert S.files_digest(str(tmp_path)) != first


def test_host_record_lists_changed_plugins(tmp_path):
    upgrade = make_plan("fetch", "upgrade")
    upgrade.staged = str(tmp_path)
    upgrade.new_required_env = ["NEW_VAR"]
    added = P.PluginPlan(D.normalize_item({"name": "notion"}), None)
    added.directory, added.name, added.action, added.target_ref = "notion", "Notion", "add", C
    plans = [upgrade, make_plan("serena", "none", target=A), added, make_plan("old", "remove", target=None)]
    result = S.host_record(identity(fetch=A, serena=A, old=A), plans, {"fetch": "sha256:f", "notion": "sha256:n"},
                           [{"action": "update", "from": A}])
    assert result["home_actions"] == ["update"]
    assert [(p["plugin"], p["action"], p["from"], p["to"], p["files"]) for p in result["plugins"]] == [
        ("fetch", "upgrade", A, B, "sha256:f"), ("notion", "add", None, C, "sha256:n"), ("old", "remove", A, None, None)]
    assert result["plugins"][0]["new_required_env"] == ["NEW_VAR"] and result["plugins"][1]["location"] == "notion"
