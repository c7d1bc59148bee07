# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _agents: entry shapes and secret strategies per agent, paths, ownership, converge.

With ``secrets: literal`` the OpenCode and Auggie entries must equal what atk 0.4.0 builds
(``build_opencode_mcp_config`` / ``build_auggie_mcp_config``, run by the atk peer's Python);
that comparison is skipped when the peer is not installed.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest
import yaml

from ansible_collections.atk.core.plugins.module_utils import _agents as A
from ansible_collections.atk.core.plugins.module_utils import _jsonc
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _toml_edit
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

SECRET = "s3cr3t-Vq7Lm2"


def spec(mcp, env_vars=(), name="Demo Plugin"):
    return {"schema_version": "2026-01-23", "name": name, "description": "d", "env_vars": list(env_vars), "mcp": mcp}


STDIO = spec({"transport": "stdio", "command": "$ATK_PLUGIN_DIR/run", "args": ["--t=$TOKEN", "--m", "$MODE"], "env": ["TOKEN", "MODE", "MISSING"]},
             [{"name": "TOKEN", "secret": True, "required": True}, {"name": "MODE", "default": "fast"},
              {"name": "MISSING", "required": True}])
HTTP = spec({"transport": "http", "endpoint": "https://h/mcp?k=${TOKEN}", "env": ["TOKEN"], "timeout": 5000},
            [{"name": "TOKEN", "secret": True}])


def build(agent, data=None, secrets="reference", env=None, plugin_dir="/p/demo"):
    return A.build_entry(agent, STDIO if data is None else data, plugin_dir, {"TOKEN": SECRET} if env is None else env, secrets)


@pytest.fixture(autouse=True)
def _no_realpath(monkeypatch):
    from ansible_collections.atk.core.plugins.module_utils import _mcp
    monkeypatch.setattr(_mcp, "real_plugin_dir", lambda path: path)


def test_reference_entries_per_agent_stdio():
    assert build("claude")["entry"] == {"type": "stdio", "command": "/p/demo/run", "args": ["--t=${TOKEN}", "--m", "fast"],
                                        "env": {"TOKEN": "${TOKEN}", "MODE": "fast"}}
    assert build("gemini")["entry"] == {"command": "/p/demo/run", "args": ["--t=${TOKEN}", "--m", "fast"],
                                        "env": {"TOKEN": "$TOKEN", "MODE": "fast"}}
    assert build("opencode")["entry"] == {"type": "local", "command": ["/p/demo/run", "--t={env:TOKEN}", "--m", "fast"],
                                          "environment": {"TOKEN": "{env:TOKEN}", "MODE": "fast"}, "enabled": True}
    assert build("cursor")["entry"] == {"command": "/p/demo/run", "args": ["--t=${env:TOKEN}", "--m", "fast"],
                                        "env": {"MODE": "fast"}, "envFile": "/p/demo/.env"}
    vscode = build("vscode")
    assert vscode["entry"] == {"type": "stdio", "command": "/p/demo/run", "args": ["--t=" + SECRET, "--m", "fast"],
                               "env": {"MODE": "fast"}, "envFile": "/p/demo/.env"}
    assert vscode["literal_secrets"] == ["TOKEN"]
    codex = build("codex")
    assert codex["entry"] == {"command": "/p/demo/run", "args": ["--t=" + SECRET, "--m", "fast"], "env": {"MODE": "fast"},
                              "env_vars": ["TOKEN"]}
    assert codex["literal_secrets"] == ["TOKEN"]
    auggie = build("auggie")
    assert auggie["entry"] == {"command": "/p/demo/run", "args": ["--t=" + SECRET, "--m", "fast"], "env": {"TOKEN": SECRET, "MODE": "fast"}}
    assert auggie["literal_secrets"] == ["TOKEN"] and auggie["missing"] == ["MISSING"]
    for agent in ("claude", "gemini", "opencode", "cursor"):
        assert build(agent)["literal_secrets"] == []
        assert SECRET not in json.dumps(build(agent)["entry"])


def test_reference_entries_per_agent_http():
    assert build("claude", HTTP)["entry"] == {"type": "http", "url": "https://h/mcp?k=${TOKEN}", "timeout": 5000}
    assert build("gemini", HTTP)["entry"] == {"httpUrl": "https://h/mcp?k=${TOKEN}", "timeout": 5000}
    sse = spec(dict(HTTP["mcp"], transport="sse"), HTTP["env_vars"])
    assert build("gemini", sse)["entry"] == {"url": "https://h/mcp?k=${TOKEN}", "timeout": 5000}
    assert build("opencode", HTTP)["entry"] == {"type": "remote", "url": "https://h/mcp?k={env:TOKEN}", "enabled": True}
    assert build("cursor", HTTP)["entry"] == {"url": "https://h/mcp?k=${env:TOKEN}"}
    for agent, entry in (("vscode", {"type": "http", "url": "https://h/mcp?k=" + SECRET}), ("codex", {"url": "https://h/mcp?k=" + SECRET}),
                         ("auggie", {"type": "http", "url": "https://h/mcp?k=" + SECRET})):
        built = build(agent, HTTP)
        assert built["entry"] == entry and built["literal_secrets"] == ["TOKEN"]


def test_literal_mode_writes_values_and_lists_them():
    for agent in A.AGENTS:
        built = build(agent, secrets="literal")
        assert SECRET in json.dumps(built["entry"])
        assert built["literal_secrets"] == ["TOKEN"]


def test_secret_from_a_default_cannot_come_from_env_file():
    data = spec({"transport": "stdio", "command": "c", "env": ["TOKEN"]}, [{"name": "TOKEN", "secret": True, "default": "dflt"}])
    built = build("cursor", data, env={})
    assert built["entry"] == {"command": "c", "env": {"TOKEN": "dflt"}} and built["literal_secrets"] == ["TOKEN"]


def test_no_mcp_section():
    assert A.build_entry("claude", {"name": "x", "description": "d"}, "/p", {}) is None


_ATK_SCRIPT = r'''
import json, sys
from pathlib import Path
from atk.mcp import generate_mcp_config
from atk.mcp_agents import build_opencode_mcp_config, build_auggie_mcp_config
from atk.plugin_schema import PluginSchema
out = []
for case in json.load(sys.stdin):
    schema = PluginSchema.model_validate(case["spec"])
    config = generate_mcp_config(schema, Path(case["dir"]), schema.name)
    argv = build_auggie_mcp_config(config).argv
    out.append({"opencode": build_opencode_mcp_config(config, Path("/x")).entry_value, "auggie": json.loads(argv[-1]), "name": argv[-2]})
print(json.dumps(out))
'''


def _atk_python():
    return atk_peer.ATK_PYTHON


@atk_peer.needs_atk
def test_literal_opencode_and_auggie_entries_equal_atks(tmp_path, monkeypatch):
    from ansible_collections.atk.core.plugins.module_utils import _mcp
    monkeypatch.setattr(_mcp, "real_plugin_dir", os.path.realpath)
    cases = []
    for index, data in enumerate((STDIO, HTTP, spec({"transport": "sse", "endpoint": "$ATK_PLUGIN_DIR/x", "env": []}),
                                  spec({"transport": "stdio", "command": "npx", "args": []}))):
        folder = tmp_path / ("p%d" % index)
        folder.mkdir()
        (folder / ".env").write_text("TOKEN=%s\n" % SECRET)
        cases.append({"spec": data, "dir": str(folder)})
    proc = subprocess.run([_atk_python(), "-c", _ATK_SCRIPT], input=json.dumps(cases), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    for case, want in zip(cases, json.loads(proc.stdout)):
        for agent in ("opencode", "auggie"):
            assert A.build_entry(agent, case["spec"], case["dir"], {"TOKEN": SECRET}, "literal")["entry"] == want[agent]
        assert want["name"] == case["spec"]["name"]


def test_server_names():
    assert A.server_name("codex", "Piper TTS", "piper") == "Piper-TTS"
    assert A.server_name("codex", "a.b/c__d", "x") == "a-b-c__d"
    assert A.server_name("codex", "!!!", "dir-name") == "dir-name"
    assert A.server_name("claude", "Piper TTS", "piper") == "Piper TTS"


def test_paths_user_project_and_environment():
    ctx = A.Context("/h", environ={"CODEX_HOME": "/c", "CLAUDE_CONFIG_DIR": "/cl", "XDG_CONFIG_HOME": "/x"}, platform="linux")
    assert ctx.config_file("codex")[0] == "/c/config.toml"
    assert ctx.config_file("claude")[0] == "/cl/.claude.json"
    assert ctx.config_file("opencode")[0] == "/x/opencode/opencode.jsonc"
    assert ctx.config_file("vscode")[0] == "/x/Code/User/mcp.json"
    assert ctx.skill_target("codex", "d", "D", "/s/SKILL.md")["file"] == "/c/AGENTS.md"
    # an explicit user_home ignores the environment
    ctx = A.Context("/h", environ={"CODEX_HOME": "/c"}, explicit_home=True, platform="linux")
    assert ctx.config_file("codex")[0] == "/h/.codex/config.toml"
    assert ctx.config_file("claude") == ("/h/.claude.json", "json", ("mcpServers",))
    assert ctx.config_file("gemini")[0] == "/h/.gemini/settings.json"
    assert ctx.config_file("auggie")[0] == "/h/.augment/settings.json"
    assert ctx.config_file("cursor")[0] == "/h/.cursor/mcp.json"
    assert ctx.config_file("vscode") == ("/h/.config/Code/User/mcp.json", "json", ("servers",))
    assert A.Context("/h", platform="darwin").config_file("vscode")[0] == "/h/Library/Application Support/Code/User/mcp.json"
    ctx = A.Context("/h", scope="project", project="/proj")
    assert ctx.config_file("claude")[0] == "/proj/.mcp.json"
    assert ctx.config_file("vscode")[0] == "/proj/.vscode/mcp.json"
    assert ctx.skill_target("claude", "d", "D", "/s/SKILL.md") is None
    with pytest.raises(AtkError):
        ctx.config_file("auggie")


def test_mask_text():
    value = 'a"b\\c\u00e9'
    text = json.dumps({"x": value}) + json.dumps({"x": value}, ensure_ascii=False) + _toml_edit.dumps_value(value) + value
    assert A.mask_text(text, [value]).count(A.MASK) == 4
    assert "b" not in A.mask_text(text, [value]).replace('"x"', "")


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
    kwargs.setdefault("agents", list(A.AGENTS))
    kwargs.setdefault("plugin", "demo")
    return A.converge_agents(home=home, user_home=user, environ={}, **kwargs)


@pytest.fixture
def world(tmp_path):
    return make_home(tmp_path, {"demo": (STDIO, "TOKEN=%s\n" % SECRET, True), "web": (dict(HTTP, name="Web"), "TOKEN=%s\n" % SECRET, False)})


def test_converge_is_idempotent_and_check_mode_writes_nothing(world):
    home, user = world
    result = converge(home, user, check_mode=True, want_diff=True)
    assert result["changed"] is True and os.listdir(user) == []
    assert not os.path.exists(A.ledger_path(home))
    assert SECRET not in json.dumps(result)
    result = converge(home, user, want_diff=True)
    assert result["changed"] is True
    assert SECRET not in json.dumps(result)
    assert [r["action"] for r in result["results"]] == ["add"] * 7
    again = converge(home, user, want_diff=True)
    assert again["changed"] is False and again["diff"] == []
    assert [r["action"] for r in again["results"]] == ["none"] * 7
    assert stat.S_IMODE(os.stat(os.path.join(user, ".claude.json")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(A.ledger_path(home)).st_mode) == 0o600


def test_adopt_conflict_force_and_repair(world):
    home, user = world
    path = os.path.join(user, ".cursor", "mcp.json")
    os.makedirs(os.path.dirname(path))
    exact = build("cursor")["entry"]
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
    os.unlink(A.ledger_path(home))
    data["mcpServers"]["Demo Plugin"]["env"]["TOKEN"] = SECRET
    json.dump(data, open(gemini, "w"))
    before = open(gemini).read()
    result = converge(home, user, agents=["gemini"], want_diff=True)
    assert result["results"][0]["action"] == "conflict" and result["conflicts"]
    assert open(gemini).read() == before and result["changed"] is False
    result = converge(home, user, agents=["gemini"], force=True, want_diff=True)
    assert result["results"][0]["action"] == "update"
    assert SECRET not in json.dumps(result) and A.MASK in result["diff"][0]["before"]
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
    assert sorted(r["agent"] for r in removed) == sorted(A.AGENTS) and all(r["plugin"] == "web" for r in removed)
    assert sorted(json.load(open(claude))["mcpServers"]) == ["Demo Plugin", "mine"]
    result = converge(home, user, state="absent", agents=None)
    assert [r["action"] for r in result["results"]] == ["remove"] * 7
    assert json.load(open(claude))["mcpServers"] == {"mine": {"command": "x"}}
    assert json.load(open(A.ledger_path(home)))["entries"] == []
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
        converge(home, user, plugins=[{"name": "demo", "bogus": 1}], plugin=None)
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
