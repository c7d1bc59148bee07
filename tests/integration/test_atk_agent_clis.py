# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agents' own CLIs read what atk.core.atk_agent wrote (Claude Code, Codex, Gemini CLI, Auggie).

The CLIs come from npm (``make agent-clis``: ``@anthropic-ai/claude-code``, ``@openai/codex``,
``@google/gemini-cli``, ``@augmentcode/auggie`` in ``$ATK_CORE_AGENT_CLIS`` or ``${XDG_CACHE_HOME:-~/.cache}/atk-core/agent-clis``);
the test is skipped, naming what is missing, when they are not installed. They run with the
isolated HOME, no login and no network need: ``claude mcp list``/``get`` (health checks of the
fake servers just fail), ``codex mcp list --json``/``get --json``, ``gemini mcp list``
(which lists servers as disabled in an untrusted folder) and ``auggie mcp list --json`` (which
warns that it cannot fetch tenant servers without a login) all work offline.

After the CLIs ran (Claude Code rewrites ``~/.claude.json`` when it starts), a new atk_agent run
must change nothing: the agents' own writes keep atk.core's entries intact.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from harness import AnsibleRunner
from test_atk_agent import ALPHA_SECRET, BETA_SECRET, setup_world, wire_task

CLIS = ("claude", "codex", "gemini", "auggie")


def _cli_dir():
    base = os.environ.get("ATK_CORE_AGENT_CLIS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "atk-core", "agent-clis")
    return os.path.join(base, "node_modules", ".bin")


BIN = _cli_dir()
MISSING = [name for name in CLIS if not os.access(os.path.join(BIN, name), os.X_OK)]
pytestmark = pytest.mark.skipif(bool(MISSING), reason="agent CLIs not installed in %s (%s missing): run `make agent-clis`"
                                % (BIN, ", ".join(MISSING)))

# no telemetry, update checks or other traffic from the CLIs
QUIET = {
    "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "GEMINI_TELEMETRY_ENABLED": "false", "NO_BROWSER": "1",
}


def cli(isolated_env, *argv, extra=None):
    env = isolated_env.environ(dict(QUIET, **(extra or {})))
    env["PATH"] = "%s:%s" % (BIN, env.get("PATH", "/usr/bin:/bin"))
    proc = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]), cwd=str(isolated_env.work), env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=180, check=False)
    return proc


def test_agent_clis_read_what_atk_core_wrote(isolated_env, atk_peer, ansible: AnsibleRunner):
    home, dummy = setup_world(isolated_env, atk_peer)
    task = wire_task(agents=list(CLIS))
    res = ansible.run_tasks([task])
    assert res.rc == 0, res.describe()
    assert res.task("wire")["changed"] is True
    real_alpha = os.path.realpath(str(isolated_env.atk_home / "plugins" / "alpha-tools"))

    # Claude Code
    listed = cli(isolated_env, "claude", "mcp", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("Alpha Tools", "Beta Search", "gamma", "user-server"):
        assert "%s:" % name in listed.stdout, listed.stdout
    assert "%s/server.sh --region eu-west" % real_alpha in listed.stdout
    got = cli(isolated_env, "claude", "mcp", "get", "Alpha Tools")
    assert got.returncode == 0, got.stdout + got.stderr
    assert "Scope: User config" in got.stdout and "ALPHA_TOKEN=${ALPHA_TOKEN}" in got.stdout and "Type: stdio" in got.stdout
    got = cli(isolated_env, "claude", "mcp", "get", "Beta Search")
    assert "Type: http" in got.stdout and "http://127.0.0.1:8931/mcp?key=${BETA_KEY}" in got.stdout, got.stdout
    # the reference is what Claude expands: exported, its "missing environment variable" warning goes away
    assert "Missing environment variables: ALPHA_TOKEN" in listed.stdout + listed.stderr
    exported = cli(isolated_env, "claude", "mcp", "list", extra={"ALPHA_TOKEN": "x", "BETA_KEY": "y"})
    assert "Missing environment variables" not in exported.stdout + exported.stderr

    # Codex
    listed = cli(isolated_env, "codex", "mcp", "list", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    servers = dict((server["name"], server) for server in json.loads(listed.stdout))
    assert sorted(servers) == ["Alpha-Tools", "Beta-Search", "gamma", "keep"]
    alpha = servers["Alpha-Tools"]["transport"]
    assert alpha["command"] == real_alpha + "/server.sh" and alpha["env_vars"] == ["ALPHA_TOKEN"]
    assert alpha["env"] == {"ALPHA_REGION": "eu-west"}
    assert servers["Beta-Search"]["transport"]["url"] == "http://127.0.0.1:8931/mcp?key=" + BETA_SECRET  # literal: Codex cannot expand
    got = cli(isolated_env, "codex", "mcp", "get", "gamma", "--json")
    assert got.returncode == 0 and json.loads(got.stdout)["transport"]["args"] == ["-y", "gamma-mcp@1.0.0"]

    # Gemini CLI
    listed = cli(isolated_env, "gemini", "mcp", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    text = listed.stdout + listed.stderr
    for name in ("Alpha Tools", "Beta Search", "gamma", "keep"):
        assert name in text, text
    assert "%s/server.sh --region eu-west (stdio)" % real_alpha in text
    assert "http://127.0.0.1:8931/mcp?key=${BETA_KEY} (http)" in text

    # Auggie (its on-disk shape was the one the research could not confirm: it reads it)
    listed = cli(isolated_env, "auggie", "mcp", "list", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    servers = dict((server["name"], server) for server in json.loads(listed.stdout[listed.stdout.index("{"):])["servers"])
    assert sorted(servers) == ["Alpha Tools", "Beta Search", "gamma", "keep"]
    assert servers["Alpha Tools"]["transport"] == "stdio" and servers["Alpha Tools"]["enabled"] is True
    assert servers["Alpha Tools"]["command"] == "%s/server.sh --region eu-west" % real_alpha
    assert servers["Beta Search"]["transport"] == "http"

    for rel in (".claude.json", ".codex/config.toml", ".gemini/settings.json"):
        assert ALPHA_SECRET not in (home / rel).read_text(), rel

    # the CLIs' own writes (Claude rewrites ~/.claude.json) leave atk.core's entries as they were
    res = ansible.run_tasks([task])
    assert res.rc == 0, res.describe()
    assert res.task("wire")["changed"] is False, res.task("wire")
