# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _agents._adapters and _agents._entry: each agent's entry shape and secret strategy,
its paths per scope, its entry names, and the one list of agents.

With ``secrets: literal`` the OpenCode and Auggie entries must equal what atk 0.4.0 builds
(``build_opencode_mcp_config`` / ``build_auggie_mcp_config``, run by the atk peer's Python);
that comparison is skipped when the peer is not installed.

The contract tests run over every adapter, so a new agent is checked by them as soon as it is
listed in ``ADAPTERS``; its own entry shapes and paths get a case in the tests below.
"""

from __future__ import annotations

import ast
import json
import os

import pytest
import yaml

from ansible_collections.atk.core.plugins.module_utils._agents import _adapters
from ansible_collections.atk.core.plugins.module_utils._agents import _entry
from ansible_collections.atk.core.plugins.module_utils._agents import _items
from ansible_collections.atk.core.plugins.module_utils import _specs
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SECRET = "s3cr3t-Vq7Lm2"


def spec(mcp, env_vars=(), name="Demo Plugin"):
    return {"schema_version": "2026-01-23", "name": name, "description": "d", "env_vars": list(env_vars), "mcp": mcp}


STDIO = spec({"transport": "stdio", "command": "$ATK_PLUGIN_DIR/run", "args": ["--t=$TOKEN", "--m", "$MODE"], "env": ["TOKEN", "MODE", "MISSING"]},
             [{"name": "TOKEN", "secret": True, "required": True}, {"name": "MODE", "default": "fast"},
              {"name": "MISSING", "required": True}])
HTTP = spec({"transport": "http", "endpoint": "https://h/mcp?k=${TOKEN}", "env": ["TOKEN"], "timeout": 5000},
            [{"name": "TOKEN", "secret": True}])


def build(agent, data=None, secrets="reference", env=None, plugin_dir="/p/demo"):
    return _entry.build_entry(_adapters.adapter(agent), STDIO if data is None else data, plugin_dir,
                              {"TOKEN": SECRET} if env is None else env, secrets)


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
    for agent in _adapters.AGENTS:
        built = build(agent, secrets="literal")
        assert SECRET in json.dumps(built["entry"])
        assert built["literal_secrets"] == ["TOKEN"]


def test_secret_from_a_default_cannot_come_from_env_file():
    data = spec({"transport": "stdio", "command": "c", "env": ["TOKEN"]}, [{"name": "TOKEN", "secret": True, "default": "dflt"}])
    built = build("cursor", data, env={})
    assert built["entry"] == {"command": "c", "env": {"TOKEN": "dflt"}} and built["literal_secrets"] == ["TOKEN"]


def test_no_mcp_section():
    assert _entry.build_entry(_adapters.adapter("claude"), {"name": "x", "description": "d"}, "/p", {}) is None


_ATK_SCRIPT = r'''
from pathlib import Path
from atk.mcp import generate_mcp_config
from atk.mcp_agents import build_opencode_mcp_config, build_auggie_mcp_config
from atk.plugin_schema import PluginSchema
RESULT = []
for case in PAYLOAD:
    schema = PluginSchema.model_validate(case["spec"])
    config = generate_mcp_config(schema, Path(case["dir"]), schema.name)
    argv = build_auggie_mcp_config(config).argv
    RESULT.append({"opencode": build_opencode_mcp_config(config, Path("/x")).entry_value, "auggie": json.loads(argv[-1]), "name": argv[-2]})
'''


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
    for case, want in zip(cases, atk_peer.atk_python(_ATK_SCRIPT, cases)):
        for agent in ("opencode", "auggie"):
            built = _entry.build_entry(_adapters.adapter(agent), case["spec"], case["dir"], {"TOKEN": SECRET}, "literal")
            assert built["entry"] == want[agent]
        assert want["name"] == case["spec"]["name"]


def test_server_names():
    codex, claude = _adapters.adapter("codex"), _adapters.adapter("claude")
    assert codex.server_name("Piper TTS", "piper") == "Piper-TTS"
    assert codex.server_name("a.b/c__d", "x") == "a-b-c__d"
    assert codex.server_name("!!!", "dir-name") == "dir-name"
    assert claude.server_name("Piper TTS", "piper") == "Piper TTS"


def path(agent, ctx):
    return _adapters.adapter(agent).config_file(ctx)[0]


def test_paths_user_project_and_environment():
    ctx = _adapters.Context("/h", environ={"CODEX_HOME": "/c", "CLAUDE_CONFIG_DIR": "/cl", "XDG_CONFIG_HOME": "/x"}, platform="linux")
    assert path("codex", ctx) == "/c/config.toml"
    assert path("claude", ctx) == "/cl/.claude.json"
    assert path("opencode", ctx) == "/x/opencode/opencode.jsonc"
    assert path("vscode", ctx) == "/x/Code/User/mcp.json"
    assert _adapters.adapter("codex").skill_target(ctx, "d", "D", "/s/SKILL.md")["file"] == "/c/AGENTS.md"
    assert _adapters.adapter("claude").skill_target(ctx, "d", "D", "/s/SKILL.md")["file"] == "/cl/CLAUDE.md"
    # an explicit user_home ignores the environment
    ctx = _adapters.Context("/h", environ={"CODEX_HOME": "/c"}, explicit_home=True, platform="linux")
    assert path("codex", ctx) == "/h/.codex/config.toml"
    assert _adapters.adapter("claude").config_file(ctx) == ("/h/.claude.json", "json", ("mcpServers",))
    assert path("gemini", ctx) == "/h/.gemini/settings.json"
    assert path("auggie", ctx) == "/h/.augment/settings.json"
    assert path("cursor", ctx) == "/h/.cursor/mcp.json"
    assert _adapters.adapter("vscode").config_file(ctx) == ("/h/.config/Code/User/mcp.json", "json", ("servers",))
    assert path("vscode", _adapters.Context("/h", platform="darwin")) == "/h/Library/Application Support/Code/User/mcp.json"
    ctx = _adapters.Context("/h", scope="project", project="/proj")
    assert path("claude", ctx) == "/proj/.mcp.json"
    assert path("vscode", ctx) == "/proj/.vscode/mcp.json"
    assert _adapters.adapter("claude").skill_target(ctx, "d", "D", "/s/SKILL.md") is None
    with pytest.raises(AtkError):
        path("auggie", ctx)


def test_skill_targets_per_agent(tmp_path):
    skill = str(tmp_path / "plugins" / "demo" / "SKILL.md")
    real = os.path.realpath(skill)
    ctx = _adapters.Context(str(tmp_path / "u"), explicit_home=True)
    home = ctx.user_home
    targets = dict((agent.name, agent.skill_target(ctx, "demo", "Demo", skill)) for agent in _adapters.ADAPTERS)
    assert targets == {
        "claude": {"kind": "line", "file": home + "/.claude/CLAUDE.md", "line": "@" + real},
        "codex": {"kind": "line", "file": home + "/.codex/AGENTS.md",
                  "line": "Read %s for instructions on using the Demo MCP tools." % real},
        "gemini": {"kind": "link", "file": home + "/.gemini/skills/atk-demo", "target": os.path.dirname(real)},
        "auggie": {"kind": "link", "file": home + "/.augment/rules/atk-demo.md", "target": real},
        "opencode": {"kind": "instruction", "file": home + "/.config/opencode/opencode.jsonc", "item": real},
        "cursor": None,
        "vscode": None,
    }


# ---------------------------------------------------------------------------------------------
# The adapter contract, for every agent


@pytest.mark.parametrize("agent", _adapters.ADAPTERS, ids=_adapters.AGENTS)
def test_every_adapter_keeps_the_contract(agent, tmp_path):
    assert agent.name and agent.label and agent.fmt in ("json", "toml") and agent.container
    assert _adapters.adapter(agent.name) is agent
    for data in (STDIO, HTTP, spec(dict(HTTP["mcp"], transport="sse"), HTTP["env_vars"])):
        for secrets in _entry.SECRETS:
            entry = _entry.build_entry(agent, data, "/p/demo", {"TOKEN": SECRET}, secrets)["entry"]
            # every key atk.core writes is a managed key, or drift and prune would not see it
            assert set(entry) <= set(agent.managed), sorted(set(entry) - set(agent.managed))
            assert agent.projection(dict(entry, userKey=1)) == entry
    ctx = _adapters.Context(str(tmp_path), explicit_home=True)
    assert agent.config_file(ctx)[0].startswith(str(tmp_path) + os.sep)
    target = agent.skill_target(ctx, "demo", "Demo", str(tmp_path / "SKILL.md"))
    assert (target is None) == (agent.skill_kind is None)
    assert target is None or target["kind"] == agent.skill_kind
    assert (agent.instructions is not None) == (agent.skill_kind == "instruction")
    project = _adapters.Context(str(tmp_path), scope="project", project=str(tmp_path / "proj"))
    assert agent.skill_target(project, "demo", "Demo", str(tmp_path / "SKILL.md")) is None
    if agent.project_file is None:
        with pytest.raises(AtkError, match="has no project scope"):
            agent.config_file(project)
    else:
        assert agent.config_file(project)[0].startswith(str(tmp_path / "proj") + os.sep)
    assert agent.server_name("Demo", "demo")


def test_unknown_agent():
    with pytest.raises(AtkError, match="Unknown agent 'emacs'"):
        _adapters.adapter("emacs")


def _documentation(module):
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % module)


def test_one_list_of_agents():
    """YAML cannot import Python: the module's docs and the role's spec must repeat AGENTS exactly."""
    agents = list(_adapters.AGENTS)
    doc = _documentation("atk_agent")["options"]
    with open(os.path.join(ROOT, "roles", "atk", "meta", "argument_specs.yml")) as handle:
        role_item = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["atk_plugins"]["options"]
    assert doc["agents"]["choices"] == agents
    assert doc["plugins"]["suboptions"]["agents"]["choices"] == agents
    assert role_item["agents"]["choices"] == agents
    assert _items.ITEM_OPTIONS["agents"]["choices"] == agents
    assert sorted(doc["plugins"]["suboptions"]) == sorted(_items.ITEM_OPTIONS)
    # the role's atk_plugins items pass through to atk_converge as they are, agents included
    converge = _documentation("atk_converge")["options"]["plugins"]["suboptions"]
    assert converge["agents"]["choices"] == agents
    assert sorted(role_item) == sorted(converge) == sorted(_specs.CONVERGE_ITEM)
    with open(os.path.join(ROOT, "docs", "agents.md")) as handle:
        guide = handle.read()
    for agent in _adapters.ADAPTERS:
        assert "\n| %s |" % agent.label in guide, "docs/agents.md has no row for %s" % agent.label
