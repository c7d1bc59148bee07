# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk.core.atk_agent through real ansible-playbook, with the real atk 0.4.0 as the peer.

Three local plugins are added with ``atk add`` (a stdio server with a secret in ``env``, an
http server with a secret in its URL, a stdio server without env or SKILL.md), then wired into
all seven agents of an isolated HOME whose agent files were pre-seeded with unrelated settings,
servers and comments. Checked:

* first run changes, a second run changes nothing; check mode predicts and writes nothing;
* every pre-seeded byte that is not ours is still there (TOML: the seeded text is a prefix;
  JSONC: comments, trailing commas and other keys intact);
* secret values: absent from the files of agents that can reference them, reported by name
  in ``literal_secrets`` where not, and never in ansible-playbook's output at ``-vvv --diff``;
* ``atk unplug <p> --claude --codex --gemini --auggie --opencode -y`` (stub agent CLIs that
  exit 0 on PATH) removes the SKILL.md wiring atk.core added: managed-section lines, symlinks,
  OpenCode instructions and OpenCode's MCP entries;
* the next run repairs that, ``state: absent`` removes exactly what atk.core wrote, ``prune``
  removes what is no longer declared.
"""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap

import yaml

from harness import AnsibleRunner, AtkPeer, IsolatedEnv

ALPHA_SECRET = "alpha-S3cr3t-Zq8xW1"
BETA_SECRET = "beta-K3y-Pm4vR9"
AGENTS = ["claude", "codex", "gemini", "auggie", "opencode", "cursor", "vscode"]

PLUGINS = {
    "alpha": {
        "schema_version": "2026-01-23",
        "name": "Alpha Tools",
        "description": "stdio server with a secret in env",
        "maturity": "verified",
        "env_vars": [
            {"name": "ALPHA_TOKEN", "required": True, "secret": True, "description": "token"},
            {"name": "ALPHA_REGION", "required": False, "default": "eu-west", "description": "region"},
        ],
        "mcp": {"transport": "stdio", "command": "$ATK_PLUGIN_DIR/server.sh", "args": ["--region", "$ALPHA_REGION"],
                "env": ["ALPHA_TOKEN", "ALPHA_REGION"]},
    },
    "beta": {
        "schema_version": "2026-01-23",
        "name": "Beta Search",
        "description": "http server with a secret in its URL",
        "maturity": "verified",
        "env_vars": [{"name": "BETA_KEY", "required": True, "secret": True, "description": "key"}],
        "mcp": {"transport": "http", "endpoint": "http://127.0.0.1:8931/mcp?key=${BETA_KEY}", "env": ["BETA_KEY"]},
    },
    "gamma": {
        "schema_version": "2026-01-23",
        "name": "gamma",
        "description": "stdio server, no env, no SKILL.md",
        "maturity": "verified",
        "mcp": {"transport": "stdio", "command": "npx", "args": ["-y", "gamma-mcp@1.0.0"]},
    },
}
ANSWERS = {"alpha": [ALPHA_SECRET, ""], "beta": [BETA_SECRET], "gamma": []}
DIRS = {"alpha": "alpha-tools", "beta": "beta-search", "gamma": "gamma"}

SEED = {
    ".claude.json": json.dumps({
        "numStartups": 7,
        "projects": {"/srv/project-x": {"allowedTools": [], "mcpServers": {}}},
        "mcpServers": {"user-server": {"type": "stdio", "command": "foo", "args": [], "env": {}}},
        "tipsHistory": {"a": 1},
    }, indent=2) + "\n",
    ".codex/config.toml": textwrap.dedent('''\
        # my codex settings
        model = "o3"   # the model
        approval_policy = "on-request"

        [projects."/srv/project-x"]
        trust_level = "trusted"

        [mcp_servers.keep]
        # hand-written, must survive
        command = "uvx"
        args = [
          "keep-server", # first arg
          "--flag",
        ]
        env = { KEEP = "1", "WITH SPACE" = 'literal' }

        [mcp_servers.keep.tools]
        search = { approval_mode = "approve" }
    '''),
    ".gemini/settings.json": textwrap.dedent('''\
        {
          // Gemini reads JSONC
          "theme": "GitHub",
          "mcpServers": {
            "keep": {"command": "node", "args": ["keep.js"]}
          }
        }
    '''),
    ".augment/settings.json": json.dumps({"model": "claude", "mcpServers": {"keep": {"command": "k", "args": [], "env": {}}}},
                                         indent=2) + "\n",
    # strict JSON on purpose: atk unplug (json.loads) must be able to read it
    ".config/opencode/opencode.jsonc": json.dumps({
        "$schema": "https://opencode.ai/config.json", "theme": "tokyonight",
        "mcp": {"keep": {"type": "local", "command": ["keep"], "enabled": False}},
        "instructions": ["/srv/project-x/RULES.md"],
    }, indent=2) + "\n",
    ".cursor/mcp.json": json.dumps({"mcpServers": {"keep": {"url": "https://example.invalid/mcp"}}}, indent=4) + "\n",
    ".config/Code/User/mcp.json": textwrap.dedent('''\
        // VS Code user MCP servers
        {
        \t"inputs": [
        \t\t{"type": "promptString", "id": "pat", "description": "PAT", "password": true},
        \t],
        \t"servers": {
        \t\t/* mine */
        \t\t"keep": {"type": "http", "url": "https://example.invalid/mcp", "headers": {"Authorization": "Bearer ${input:pat}"}},
        \t},
        }
    '''),
    ".claude/CLAUDE.md": "# My instructions\n\nBe concise.\n",
    ".codex/AGENTS.md": "# Codex rules\r\nAlways test.\r\n",
}
COMMENTS = {
    ".codex/config.toml": ["# my codex settings", "# hand-written, must survive", '"keep-server", # first arg'],
    ".gemini/settings.json": ["// Gemini reads JSONC"],
    ".config/Code/User/mcp.json": ["// VS Code user MCP servers", "/* mine */", '"password": true},\n\t],'],
}
CONTAINER = {".claude.json": "mcpServers", ".gemini/settings.json": "mcpServers", ".augment/settings.json": "mcpServers",
             ".config/opencode/opencode.jsonc": "mcp", ".cursor/mcp.json": "mcpServers", ".config/Code/User/mcp.json": "servers"}
FILES = {"claude": ".claude.json", "codex": ".codex/config.toml", "gemini": ".gemini/settings.json", "auggie": ".augment/settings.json",
         "opencode": ".config/opencode/opencode.jsonc", "cursor": ".cursor/mcp.json", "vscode": ".config/Code/User/mcp.json"}


def _jsonc(text):
    """An independent JSONC reader for the assertions: drop comments and trailing commas, then json.loads."""
    out = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == '"':
            match = re.compile(r'"(?:[^"\\]|\\.)*"').match(text, pos)
            out.append(match.group(0))
            pos = match.end()
        elif text.startswith("//", pos):
            pos = text.find("\n", pos) if "\n" in text[pos:] else len(text)
        elif text.startswith("/*", pos):
            pos = text.index("*/", pos) + 2
        else:
            out.append(char)
            pos += 1
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))


def _toml(text):
    import tomllib  # pylint: disable=import-outside-toplevel
    return tomllib.loads(text)


def setup_world(isolated_env: IsolatedEnv, atk_peer: AtkPeer):
    atk_peer.init()
    src = isolated_env.root / "src"
    for key, spec in PLUGINS.items():
        folder = src / key
        folder.mkdir(parents=True)
        (folder / "plugin.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        if key != "gamma":
            (folder / "SKILL.md").write_text("# %s\nUse the tools.\n" % spec["name"], encoding="utf-8")
        atk_peer.add(str(folder), answers=ANSWERS[key])
    assert atk_peer.plugin_dirs() == sorted(DIRS.values())
    home = isolated_env.home
    for rel, text in SEED.items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    os.chmod(home / ".claude.json", 0o600)
    stubs = isolated_env.root / "stubs"
    stubs.mkdir()
    for name in ("claude", "codex", "gemini", "auggie"):
        script = stubs / name
        script.write_text('#!/bin/sh\necho "%s $*" >> "%s/calls"\nexit 0\n' % (name, stubs), encoding="utf-8")
        script.chmod(0o755)
    return home, stubs


def wire_task(name="wire", **extra):
    args = {"plugins": ["alpha-tools", "Beta Search", "gamma"], "agents": AGENTS, "user_home": "{{ lookup('env', 'HOME') }}"}
    args.update(extra)
    return {"name": name, "atk.core.atk_agent": args, "register": "out"}


def read(home, rel):
    path = home / rel
    return path.read_bytes().decode("utf-8") if path.exists() else None


def assert_seed_kept(home):
    for rel, seeded in SEED.items():
        text = read(home, rel)
        if rel.endswith(".toml"):
            assert text.startswith(seeded), text
            data = _toml(text)
            assert data["mcp_servers"]["keep"] == _toml(seeded)["mcp_servers"]["keep"]
            assert data["projects"] == {"/srv/project-x": {"trust_level": "trusted"}}
        elif rel.endswith(".md"):
            assert text.replace("\r\n", "\n").startswith(seeded.replace("\r\n", "\n").rstrip("\n")), text
        else:
            before, after = _jsonc(seeded), _jsonc(text)
            container = CONTAINER[rel]
            for key, value in before.items():
                if key == container:
                    for name, server in value.items():
                        assert after[container][name] == server, (rel, name)
                elif key != "instructions":
                    assert after[key] == value, (rel, key)
        for comment in COMMENTS.get(rel, ()):
            assert comment in text, (rel, comment)


def test_wire_all_agents_idempotent_secrets_and_atk_unplug(isolated_env, atk_peer, ansible: AnsibleRunner):
    home, stubs = setup_world(isolated_env, atk_peer)
    atk_home = isolated_env.atk_home

    # check mode: predicts changes, writes nothing
    res = ansible.run_tasks([wire_task()], check=True, diff=True)
    assert res.rc == 0, res.describe()
    assert res.task("wire")["changed"] is True
    assert all(read(home, rel) == text for rel, text in SEED.items())
    assert not (atk_home / ".git" / "atk-core" / "agents.json").exists()

    res = ansible.run_tasks([wire_task()], diff=True, verbosity=3)
    assert res.rc == 0, res.describe()
    result = res.task("wire")
    assert result["changed"] is True
    for text in (res.stdout, res.stderr):
        assert ALPHA_SECRET not in text and BETA_SECRET not in text
    by = dict(((r["plugin"], r["agent"]), r) for r in result["results"])
    assert len(by) == 21
    assert all(r["action"] == "add" for r in result["results"]), result["results"]
    for agent in AGENTS:
        assert by[("alpha-tools", agent)]["literal_secrets"] == (["ALPHA_TOKEN"] if agent == "auggie" else [])
        assert by[("beta-search", agent)]["literal_secrets"] == (["BETA_KEY"] if agent in ("auggie", "codex", "vscode") else [])
        assert by[("gamma", agent)]["literal_secrets"] == []
    assert by[("beta-search", "codex")]["entry"] == "Beta-Search"
    assert by[("alpha-tools", "claude")]["skill"]["action"] == "add"
    assert by[("gamma", "claude")]["skill"] is None

    # secrets: only where the agent cannot reference them
    for agent, rel in FILES.items():
        text = read(home, rel)
        assert (ALPHA_SECRET in text) == (agent == "auggie"), agent
        assert (BETA_SECRET in text) == (agent in ("auggie", "codex", "vscode")), agent
    assert_seed_kept(home)
    assert stat.S_IMODE(os.stat(home / ".claude.json").st_mode) == 0o600

    # the entries, as each agent stores them
    real_alpha = os.path.realpath(str(atk_home / "plugins" / "alpha-tools"))
    claude = _jsonc(read(home, ".claude.json"))["mcpServers"]
    assert claude["Alpha Tools"] == {"type": "stdio", "command": real_alpha + "/server.sh", "args": ["--region", "eu-west"],
                                     "env": {"ALPHA_TOKEN": "${ALPHA_TOKEN}", "ALPHA_REGION": "eu-west"}}
    assert claude["Beta Search"] == {"type": "http", "url": "http://127.0.0.1:8931/mcp?key=${BETA_KEY}"}
    codex = _toml(read(home, ".codex/config.toml"))["mcp_servers"]
    assert codex["Alpha-Tools"] == {"command": real_alpha + "/server.sh", "args": ["--region", "eu-west"],
                                    "env": {"ALPHA_REGION": "eu-west"}, "env_vars": ["ALPHA_TOKEN"]}
    assert codex["gamma"] == {"command": "npx", "args": ["-y", "gamma-mcp@1.0.0"]}
    gemini = _jsonc(read(home, ".gemini/settings.json"))["mcpServers"]
    assert gemini["Alpha Tools"]["env"] == {"ALPHA_TOKEN": "$ALPHA_TOKEN", "ALPHA_REGION": "eu-west"}
    assert gemini["Beta Search"] == {"httpUrl": "http://127.0.0.1:8931/mcp?key=${BETA_KEY}"}
    opencode = _jsonc(read(home, ".config/opencode/opencode.jsonc"))
    assert opencode["mcp"]["Alpha Tools"]["environment"]["ALPHA_TOKEN"] == "{env:ALPHA_TOKEN}"
    assert opencode["instructions"] == ["/srv/project-x/RULES.md", real_alpha + "/SKILL.md",
                                        os.path.realpath(str(atk_home / "plugins" / "beta-search")) + "/SKILL.md"]
    cursor = _jsonc(read(home, ".cursor/mcp.json"))["mcpServers"]
    assert cursor["Alpha Tools"]["envFile"] == real_alpha + "/.env" and "ALPHA_TOKEN" not in cursor["Alpha Tools"]["env"]
    assert cursor["Beta Search"] == {"url": "http://127.0.0.1:8931/mcp?key=${env:BETA_KEY}"}
    vscode = _jsonc(read(home, ".config/Code/User/mcp.json"))["servers"]
    assert vscode["Alpha Tools"]["envFile"] == real_alpha + "/.env"
    claude_md = read(home, ".claude/CLAUDE.md")
    assert claude_md == SEED[".claude/CLAUDE.md"].rstrip("\n") + "\n<!-- ATK:BEGIN -->\n@%s/SKILL.md\n@%s/SKILL.md\n<!-- ATK:END -->\n" % (
        real_alpha, os.path.realpath(str(atk_home / "plugins" / "beta-search")))
    assert "Read %s/SKILL.md for instructions on using the Alpha Tools MCP tools." % real_alpha in read(home, ".codex/AGENTS.md")
    assert os.readlink(str(home / ".gemini" / "skills" / "atk-alpha-tools")) == real_alpha
    assert os.readlink(str(home / ".augment" / "rules" / "atk-beta-search.md")).endswith("/beta-search/SKILL.md")
    ledger = json.loads((atk_home / ".git" / "atk-core" / "agents.json").read_text())
    assert len([r for r in ledger["entries"] if r["kind"] == "mcp"]) == 21
    assert atk_peer.git("status", "--porcelain").stdout == ""  # nothing in the tracked tree

    # second run: nothing to do
    snapshot = dict((rel, read(home, rel)) for rel in SEED)
    res = ansible.run_tasks([wire_task()], diff=True)
    assert res.rc == 0, res.describe()
    assert res.task("wire")["changed"] is False, res.task("wire")
    assert all(r["action"] == "none" for r in res.task("wire")["results"])
    assert all(read(home, rel) == text for rel, text in snapshot.items())

    # atk unplug (atk 0.4.0, stub agent CLIs) undoes the skill wiring atk.core added
    path = "%s:%s" % (stubs, os.environ.get("PATH", "/usr/bin:/bin"))
    for plugin in ("alpha-tools", "beta-search"):
        proc = atk_peer.run("unplug", plugin, "--claude", "--codex", "--gemini", "--auggie", "--opencode", "-y", env={"PATH": path})
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "@" not in read(home, ".claude/CLAUDE.md").split("<!-- ATK:BEGIN -->")[1]
    assert "Read " not in read(home, ".codex/AGENTS.md").split("<!-- ATK:BEGIN -->")[1]
    assert not os.path.lexists(str(home / ".gemini" / "skills" / "atk-alpha-tools"))
    assert not os.path.lexists(str(home / ".augment" / "rules" / "atk-alpha-tools.md"))
    assert not os.path.lexists(str(home / ".augment" / "rules" / "atk-beta-search.md"))
    opencode = _jsonc(read(home, ".config/opencode/opencode.jsonc"))
    assert opencode["instructions"] == ["/srv/project-x/RULES.md"]
    assert sorted(opencode["mcp"]) == ["gamma", "keep"]
    calls = (stubs / "calls").read_text()
    assert "claude mcp remove --scope user Alpha Tools" in calls

    # the next run repairs what was undone (recorded entries and skill wiring)
    res = ansible.run_tasks([wire_task()])
    assert res.rc == 0, res.describe()
    result = res.task("wire")
    assert result["changed"] is True
    by = dict(((r["plugin"], r["agent"]), r) for r in result["results"])
    assert by[("alpha-tools", "opencode")]["action"] == "add"
    assert by[("alpha-tools", "claude")]["action"] == "none" and by[("alpha-tools", "claude")]["skill"]["action"] == "add"
    assert os.path.islink(str(home / ".gemini" / "skills" / "atk-alpha-tools"))

    # prune: only gamma stays declared, for claude only
    res = ansible.run_tasks([{"name": "prune", "atk.core.atk_agent": {
        "plugins": [{"name": "gamma", "agents": ["claude"]}], "prune": True, "user_home": "{{ lookup('env', 'HOME') }}"}}])
    assert res.rc == 0, res.describe()
    assert res.task("prune")["changed"] is True
    assert sorted(_jsonc(read(home, ".claude.json"))["mcpServers"]) == ["gamma", "user-server"]
    for agent in ("gemini", "auggie", "cursor", "vscode"):
        data = _jsonc(read(home, FILES[agent]))
        assert sorted(data[CONTAINER[FILES[agent]]]) == ["keep"], agent
    assert sorted(_toml(read(home, ".codex/config.toml"))["mcp_servers"]) == ["keep"]
    assert read(home, ".codex/config.toml") == SEED[".codex/config.toml"]
    assert not os.path.lexists(str(home / ".gemini" / "skills" / "atk-alpha-tools"))
    assert_seed_kept(home)

    # state absent: gamma goes from claude too; the user's own server stays
    res = ansible.run_tasks([{"name": "absent", "atk.core.atk_agent": {
        "plugin": "gamma", "state": "absent", "user_home": "{{ lookup('env', 'HOME') }}"}}])
    assert res.rc == 0, res.describe()
    assert sorted(_jsonc(read(home, ".claude.json"))["mcpServers"]) == ["user-server"]
    ledger = json.loads((atk_home / ".git" / "atk-core" / "agents.json").read_text())
    assert ledger["entries"] == []


def test_conflict_adopt_and_force(isolated_env, atk_peer, ansible: AnsibleRunner):
    setup_world(isolated_env, atk_peer)
    home = isolated_env.home
    claude = json.loads(read(home, ".claude.json"))
    # what `atk plug --claude` would have left: literal secret, no ownership record
    claude["mcpServers"]["Alpha Tools"] = {"type": "stdio", "command": "old", "args": [], "env": {"ALPHA_TOKEN": ALPHA_SECRET}}
    (home / ".claude.json").write_text(json.dumps(claude, indent=2) + "\n")
    task = wire_task(plugins=["alpha-tools"], agents=["claude", "cursor"])
    res = ansible.run_tasks([task], diff=True, verbosity=3)
    assert res.rc == 0, res.describe()
    assert ALPHA_SECRET not in res.stdout + res.stderr
    by = dict((r["agent"], r) for r in res.task("wire")["results"])
    assert by["claude"]["action"] == "conflict" and by["cursor"]["action"] == "add"
    assert json.loads(read(home, ".claude.json"))["mcpServers"]["Alpha Tools"]["command"] == "old"
    res = ansible.run_tasks([dict(task, **{"atk.core.atk_agent": dict(task["atk.core.atk_agent"], force=True)})], diff=True, verbosity=3)
    assert res.rc == 0, res.describe()
    assert ALPHA_SECRET not in res.stdout + res.stderr
    assert json.loads(read(home, ".claude.json"))["mcpServers"]["Alpha Tools"]["env"]["ALPHA_TOKEN"] == "${ALPHA_TOKEN}"
    # literal mode writes the values (as atk plug does) but never shows them
    res = ansible.run_tasks([dict(task, **{"atk.core.atk_agent": dict(task["atk.core.atk_agent"], secrets="literal")})],
                            diff=True, verbosity=3)
    assert res.rc == 0, res.describe()
    assert ALPHA_SECRET not in res.stdout + res.stderr
    assert json.loads(read(home, ".claude.json"))["mcpServers"]["Alpha Tools"]["env"]["ALPHA_TOKEN"] == ALPHA_SECRET
    assert res.task("wire")["results"][0]["literal_secrets"] == ["ALPHA_TOKEN"]


def test_items_are_validated_by_their_suboptions(isolated_env, atk_peer, ansible: AnsibleRunner):
    """``plugins`` items as roles/atk passes them are taken; what the suboptions refuse fails, and
    a value given in an item's ``env`` appears in no output, even at -vvv."""
    setup_world(isolated_env, atk_peer)
    home = isolated_env.home
    user_home = "{{ lookup('env', 'HOME') }}"

    def task(name, plugins, **extra):
        return {"name": name, "atk.core.atk_agent": dict({"plugins": plugins, "agents": ["claude"], "user_home": user_home}, **extra),
                "ignore_errors": True}

    role_items = [{"path": str(isolated_env.root / "src" / "alpha"), "source": "local", "version": "1.0", "state": "latest",
                   "agents": ["claude", "cursor"]},
                  {"name": "Beta Search", "agents": []}]
    res = ansible.run_tasks([
        task("role items", role_items),
        task("env", [{"name": "alpha-tools", "env": {"ALPHA_TOKEN": ALPHA_SECRET}}]),
        task("unknown key", [{"name": "alpha-tools", "bogus": 1}]),
        task("nameless", [{"agents": ["claude"]}]),
        task("bad agent", [{"name": "alpha-tools", "agents": ["claude", "emacs"]}]),
        task("bad state", ["gamma", {"name": "alpha-tools", "state": "gone"}]),
    ], diff=True, verbosity=3)
    assert res.rc == 0, res.describe()
    assert ALPHA_SECRET not in res.stdout + res.stderr
    assert res.entry("role items")["status"] == "ok"
    assert [(r["plugin"], r["agent"], r["action"]) for r in res.task("role items")["results"]] == [
        ("alpha-tools", "claude", "add"), ("alpha-tools", "cursor", "add")]
    assert sorted(_jsonc(read(home, ".claude.json"))["mcpServers"]) == ["Alpha Tools", "user-server"]
    refused = {
        "env": "(unknown: env)",
        "unknown key": "plugins.bogus. Supported parameters include: agents, env, name, path, source, state, url, version",
        "nameless": "one of the following is required: name, url, path found in plugins",
        "bad agent": "emacs",
        "bad state": "present, latest, absent",
    }
    for name, words in refused.items():
        entry = res.entry(name)
        assert entry["status"] == "failed" and words in entry["result"]["msg"], (name, entry["result"])
    assert sorted(_jsonc(read(home, ".claude.json"))["mcpServers"]) == ["Alpha Tools", "user-server"]
