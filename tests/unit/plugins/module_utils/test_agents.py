# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _agents._items and _agents._converge: the plugins items, ownership, the converge.

The items are checked with Ansible's own validator over the module's argument spec of
``plugins`` (what the module runs), the converge on homes made by hand.
"""

from __future__ import annotations

import copy
import json
import os
import stat

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.atk.core.plugins.module_utils import _jsonc
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils._agents import _adapters
from ansible_collections.atk.core.plugins.module_utils._agents import _converge
from ansible_collections.atk.core.plugins.module_utils._agents import _entry
from ansible_collections.atk.core.plugins.module_utils._agents import _files
from ansible_collections.atk.core.plugins.module_utils._agents import _items
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

SECRET = "s3cr3t-Vq7Lm2"
AGENTS = _adapters.AGENTS


def spec(mcp, env_vars=(), name="Demo Plugin"):
    return {"schema_version": "2026-01-23", "name": name, "description": "d", "env_vars": list(env_vars), "mcp": mcp}


STDIO = spec({"transport": "stdio", "command": "$ATK_PLUGIN_DIR/run", "args": ["--t=$TOKEN", "--m", "$MODE"], "env": ["TOKEN", "MODE", "MISSING"]},
             [{"name": "TOKEN", "secret": True, "required": True}, {"name": "MODE", "default": "fast"},
              {"name": "MISSING", "required": True}])
HTTP = spec({"transport": "http", "endpoint": "https://h/mcp?k=${TOKEN}", "env": ["TOKEN"], "timeout": 5000},
            [{"name": "TOKEN", "secret": True}])


@pytest.fixture(autouse=True)
def _no_realpath(monkeypatch):
    from ansible_collections.atk.core.plugins.module_utils import _mcp
    monkeypatch.setattr(_mcp, "real_plugin_dir", lambda path: path)


# ---------------------------------------------------------------------------------------------
# The plugins items


def validate(plugins):
    """What the module does with ``plugins``: names expanded, then Ansible's validation of the items."""
    spec = {"plugins": copy.deepcopy(_items.PLUGINS_OPTION)}
    return ArgumentSpecValidator(spec).validate({"plugins": _items.expand_names(plugins)})


def test_items_accept_names_and_the_roles_atk_plugins_entries():
    result = validate(["demo", {"url": "https://github.com/acme/demo.git", "version": "v1", "state": "latest", "agents": ["claude"]},
                       {"path": "~/src/demo", "source": "local", "agents": []}])
    assert result.error_messages == []
    items = result.validated_parameters["plugins"]
    assert [item["name"] for item in items] == ["demo", None, None]
    assert items[2]["path"] == os.path.expanduser("~/src/demo")
    assert validate("a,b").validated_parameters["plugins"] == [dict(dict.fromkeys(_items.ITEM_OPTIONS), name=n) for n in "ab"]


@pytest.mark.parametrize("plugins, words", [
    ([{"name": "demo", "bogus": 1}], "bogus. Supported parameters include: agents, env, name, path, source, state, url, version"),
    ([{"agents": ["claude"]}], "one of the following is required: name, url, path"),
    ([{"name": "demo", "state": "gone"}], "present, latest, absent"),
    ([{"name": "demo", "agents": ["claude", "emacs"]}], "emacs"),
    ([3], "dict"),
])
def test_items_are_refused_by_their_argument_spec(plugins, words):
    messages = " ".join(validate(plugins).error_messages)
    assert words in messages


def test_env_in_an_item_is_refused_and_never_shown():
    result = validate([{"name": "demo", "env": {"TOKEN": "tok-Never-Shown-42"}}])
    assert result.error_messages == [] and "tok-Never-Shown-42" in result._no_log_values  # hidden by Ansible
    with pytest.raises(AtkError) as info:
        _items.normalise(None, result.validated_parameters["plugins"], ["claude"], "present")
    assert "unknown: env" in str(info.value) and "tok-Never-Shown-42" not in str(info.value)
    assert "atk.core.atk_env" in info.value.hint


def test_items_meaning():
    items = validate(["demo", {"name": "web", "state": "latest"}, {"name": "gone", "state": "absent"},
                      {"name": "none", "agents": []}, {"url": "u", "agents": ["vscode", "claude"]}]).validated_parameters["plugins"]
    assert _items.normalise("one", items, ["codex"], "present") == [
        {"name": "one", "url": None, "path": None, "agents": ["codex"], "state": "present"},
        {"name": "demo", "url": None, "path": None, "agents": ["codex"], "state": "present"},
        {"name": "web", "url": None, "path": None, "agents": ["codex"], "state": "present"},
        {"name": "gone", "url": None, "path": None, "agents": ["codex"], "state": "absent"},
        {"name": "u", "url": "u", "path": None, "agents": ["claude", "vscode"], "state": "present"}]
    assert _items.normalise(None, ["gone"], None, "absent")[0]["agents"] == list(AGENTS)
    with pytest.raises(AtkError, match="No agents for plugin demo"):
        _items.normalise(None, ["demo"], None, "present")


# ---------------------------------------------------------------------------------------------
# The converge on a home made by hand (no git needed: atk only checks that .git is a folder)


def make_home(tmp_path, plugins):
    home = tmp_path / "atk"
    (home / ".git").mkdir(parents=True)
    (home / "plugins").mkdir()
    manifest = _manifest.initial_manifest()
    for directory, (data, env_text, skill) in plugins.items():
        folder = home / "plugins" / directory
        folder.mkdir()
        (folder / "plugin.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        if env_text is not None:
            (folder / ".env").write_text(env_text)
        if skill:
            (folder / "SKILL.md").write_text("# skill\n")
        manifest = _manifest.with_entry(manifest, _manifest.make_entry(data["name"], directory, "local"))
    (home / "manifest.yaml").write_text(_manifest.dump_manifest(manifest))
    user = tmp_path / "user"
    user.mkdir()
    return str(home), str(user)


def converge(home, user, **kwargs):
    kwargs.setdefault("agents", list(AGENTS))
    kwargs.setdefault("plugin", "demo")
    return _converge.converge_agents(home=home, user_home=user, environ={}, **kwargs)


@pytest.fixture
def world(tmp_path):
    return make_home(tmp_path, {"demo": (STDIO, "TOKEN=%s\n" % SECRET, True), "web": (dict(HTTP, name="Web"), "TOKEN=%s\n" % SECRET, False)})


def test_converge_is_idempotent_and_check_mode_writes_nothing(world):
    home, user = world
    result = converge(home, user, check_mode=True, want_diff=True)
    assert result["changed"] is True and os.listdir(user) == []
    assert not os.path.exists(_files.ledger_path(home))
    assert SECRET not in json.dumps(result)
    result = converge(home, user, want_diff=True)
    assert result["changed"] is True
    assert SECRET not in json.dumps(result)
    assert [r["action"] for r in result["results"]] == ["add"] * 7
    again = converge(home, user, want_diff=True)
    assert again["changed"] is False and again["diff"] == []
    assert [r["action"] for r in again["results"]] == ["none"] * 7
    assert stat.S_IMODE(os.stat(os.path.join(user, ".claude.json")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(_files.ledger_path(home)).st_mode) == 0o600


def test_adopt_conflict_force_and_repair(world):
    home, user = world
    path = os.path.join(user, ".cursor", "mcp.json")
    os.makedirs(os.path.dirname(path))
    exact = _entry.build_entry(_adapters.adapter("cursor"), STDIO, "/p/demo", {"TOKEN": SECRET})["entry"]
    exact["envFile"] = os.path.join(home, "plugins", "demo", ".env")
    exact["command"] = os.path.join(home, "plugins", "demo", "run")
    with open(path, "w") as handle:
        json.dump({"mcpServers": {"Demo Plugin": dict(exact, alwaysAllow=["x"])}}, handle)
    result = converge(home, user, agents=["cursor", "gemini"])
    by = dict((r["agent"], r) for r in result["results"])
    assert by["cursor"]["action"] == "none" and "adopted" in by["cursor"]["reason"]
    # a user edit of a recorded entry is repaired; the key they added stays
    data = json.load(open(path))
    data["mcpServers"]["Demo Plugin"]["command"] = "tampered"
    json.dump(data, open(path, "w"))
    result = converge(home, user, agents=["cursor"])
    assert result["results"][0]["action"] == "update" and "repaired" in result["results"][0]["reason"]
    assert json.load(open(path))["mcpServers"]["Demo Plugin"] == dict(exact, alwaysAllow=["x"])
    # an entry atk.core never wrote and that differs: conflict, untouched, unless force
    gemini = os.path.join(user, ".gemini", "settings.json")
    data = _jsonc.loads(open(gemini).read())
    os.unlink(_files.ledger_path(home))
    data["mcpServers"]["Demo Plugin"]["env"]["TOKEN"] = SECRET
    json.dump(data, open(gemini, "w"))
    before = open(gemini).read()
    result = converge(home, user, agents=["gemini"], want_diff=True)
    assert result["results"][0]["action"] == "conflict" and result["conflicts"]
    assert open(gemini).read() == before and result["changed"] is False
    result = converge(home, user, agents=["gemini"], force=True, want_diff=True)
    assert result["results"][0]["action"] == "update"
    assert SECRET not in json.dumps(result) and _mask.MASK in result["diff"][0]["before"]
    assert SECRET not in open(gemini).read()


def test_absent_removes_only_owned_and_prune(world):
    home, user = world
    converge(home, user, plugins=["demo", "Web"], plugin=None)
    claude = os.path.join(user, ".claude.json")
    data = json.load(open(claude))
    data["mcpServers"]["mine"] = {"command": "x"}
    json.dump(data, open(claude, "w"), indent=2)
    result = converge(home, user, plugins=["demo"], plugin=None, prune=True)
    removed = [r for r in result["results"] if r["action"] == "remove"]
    assert sorted(r["agent"] for r in removed) == sorted(AGENTS) and all(r["plugin"] == "web" for r in removed)
    assert sorted(json.load(open(claude))["mcpServers"]) == ["Demo Plugin", "mine"]
    result = converge(home, user, state="absent", agents=None)
    assert [r["action"] for r in result["results"]] == ["remove"] * 7
    assert json.load(open(claude))["mcpServers"] == {"mine": {"command": "x"}}
    assert json.load(open(_files.ledger_path(home)))["entries"] == []
    assert not os.path.lexists(os.path.join(user, ".gemini", "skills", "atk-demo"))


def test_absent_after_the_plugin_is_gone(world, tmp_path):
    home, user = world
    converge(home, user, agents=["claude", "gemini"])
    manifest = _manifest.without_entry(_manifest.load_manifest(home), "demo")
    with open(os.path.join(home, "manifest.yaml"), "w") as handle:
        handle.write(_manifest.dump_manifest(manifest))
    result = converge(home, user, plugin="Demo Plugin", state="absent", agents=None)
    assert sorted((r["agent"], r["entry"]) for r in result["results"] if r["action"] == "remove") == [
        ("claude", "Demo Plugin"), ("gemini", "Demo Plugin")]
    assert sorted((r["agent"], r["skill"]["kind"]) for r in result["results"] if (r["skill"] or {}).get("action") == "remove") == [
        ("claude", "line"), ("gemini", "link")]
    assert json.load(open(os.path.join(user, ".claude.json")))["mcpServers"] == {}
    assert "@" not in open(os.path.join(user, ".claude", "CLAUDE.md")).read()
    assert not os.path.lexists(os.path.join(user, ".gemini", "skills", "atk-demo"))


@pytest.mark.parametrize("agent, rel, content", [
    ("gemini", ".gemini/settings.json", '{\n  // managed by my dotfiles\n  "theme": "x"\n}\n'),
    ("claude", ".claude/CLAUDE.md", "# managed by my dotfiles\n"),
])
@pytest.mark.parametrize("mode, kept", [
    (0o604, 0o604),   # an unusual mode no default produces: kept exactly
    (0o640, 0o640),
    (0o404, 0o604),   # read-only for the owner: kept, plus the owner's write bit
])
def test_symlinked_config_is_followed_and_mode_kept(world, tmp_path, agent, rel, content, mode, kept):
    """A config file that is a symlink (dotfiles) is written through to its target, whose mode
    stays what the user chose (only the owner's write bit is added to a read-only file)."""
    home, user = world
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / os.path.basename(rel)
    target.write_text(content)
    os.chmod(str(target), mode)
    os.makedirs(os.path.join(user, os.path.dirname(rel)))
    os.symlink(str(target), os.path.join(user, rel))
    converge(home, user, agents=[agent])
    assert os.path.islink(os.path.join(user, rel))
    text = target.read_text()
    assert "managed by my dotfiles" in text and ("Demo Plugin" in text or "SKILL.md" in text)
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == kept


def test_blocked_skill_link_is_a_conflict(world):
    home, user = world
    os.makedirs(os.path.join(user, ".gemini", "skills", "atk-demo"))
    result = converge(home, user, agents=["gemini"])
    assert result["results"][0]["action"] == "add"
    assert result["results"][0]["skill"]["action"] == "conflict"
    assert result["conflicts"]


def test_broken_file_fails_that_agent_only(world):
    home, user = world
    os.makedirs(os.path.join(user, ".cursor"))
    with open(os.path.join(user, ".cursor", "mcp.json"), "w") as handle:
        handle.write("{ broken")
    result = converge(home, user, agents=["cursor", "claude"])
    by = dict((r["agent"], r) for r in result["results"])
    assert by["cursor"]["action"] == "failed" and by["claude"]["action"] == "add"
    assert result["errors"] and os.path.exists(os.path.join(user, ".claude.json"))


def test_missing_plugin_and_bad_options(world):
    home, user = world
    with pytest.raises(AtkError):
        converge(home, user, plugin="nope")
    result = converge(home, user, plugin="nope", check_mode=True)
    assert result["warnings"] and result["results"] == []
    with pytest.raises(AtkError):
        converge(home, user, agents=None)
    with pytest.raises(AtkError):
        converge(home, user, scope="project", project=user, agents=["auggie"])


def test_project_scope(world, tmp_path):
    home, user = world
    project = tmp_path / "proj"
    project.mkdir()
    result = converge(home, user, scope="project", project=str(project), agents=["claude", "codex", "vscode"])
    assert sorted(os.path.relpath(f, str(project)) for f in result["files"]) == [".codex/config.toml", ".mcp.json", ".vscode/mcp.json"]
    assert all(r["skill"] is None for r in result["results"])
    assert converge(home, user, scope="project", project=str(project), agents=["claude", "codex", "vscode"])["changed"] is False
    # absent without agents means every agent that has a project scope (Auggie has none)
    result = converge(home, user, scope="project", project=str(project), state="absent", agents=None)
    assert sorted((r["agent"], r["action"]) for r in result["results"]) == [
        ("claude", "remove"), ("codex", "remove"), ("cursor", "none"), ("gemini", "none"), ("opencode", "none"), ("vscode", "remove")]
    assert converge(home, user, scope="project", project=str(project), state="absent", agents=["auggie"])["results"] == []


def test_items_by_url_and_path_like_the_roles_atk_plugins(tmp_path):
    home, user = make_home(tmp_path, {"demo": (STDIO, "TOKEN=%s\n" % SECRET, False)})
    manifest = _manifest.load_manifest(home)
    manifest["plugins"][0]["source"] = {"type": "git", "ref": "a" * 40, "url": "github.com/acme/demo"}
    with open(os.path.join(home, "manifest.yaml"), "w") as handle:
        handle.write(_manifest.dump_manifest(manifest))
    source = tmp_path / "src"
    source.mkdir()
    (source / "plugin.yaml").write_text(yaml.safe_dump(STDIO))
    items = [{"url": "https://github.com/acme/demo.git", "version": "v1", "state": "latest", "agents": ["claude"]},
             {"path": str(source), "source": "local", "agents": ["gemini"]}]
    result = converge(home, user, plugins=items, plugin=None, agents=None)
    assert [(r["plugin"], r["agent"], r["action"]) for r in result["results"]] == [("demo", "claude", "add"), ("demo", "gemini", "add")]
    with pytest.raises(AtkError) as info:
        converge(home, user, plugins=[{"name": "demo", "env": {"TOKEN": "tok-Never-Shown-42"}}], plugin=None)
    assert "unknown: env" in str(info.value) and "tok-Never-Shown-42" not in str(info.value)
