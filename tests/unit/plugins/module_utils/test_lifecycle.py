# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_lifecycle, pure parts: compose override injection, which command runs, output tails, required env."""

from __future__ import annotations


from ansible_collections.atk.core.plugins.module_utils import _lifecycle as L
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

OVERRIDE = "docker compose -f docker-compose.yml -f custom/docker-compose.override.yml"

COMMANDS = ["docker compose up -d", "docker compose", "docker compose  logs -f", "docker compose down --volumes",
            "docker-compose up", " docker compose up", "docker composeup", "DOCKER compose up", "docker  compose up",
            "cd sub && docker compose up", "docker compose -f other.yml up", "", "echo docker compose", "docker compose\tps"]


def plugin_dir(root, name, override):
    """A plugin folder whose custom/docker-compose.override.yml is absent, a file, a link to a file, ..."""
    path = root / name
    (path / "custom").mkdir(parents=True)
    target = path / "custom" / L.OVERRIDE_FILE
    if override == "file":
        target.write_text("services: {}\n")
    elif override == "link":
        (path / "real.yml").write_text("services: {}\n")
        target.symlink_to(path / "real.yml")
    elif override == "dangling":
        target.symlink_to(path / "missing.yml")
    elif override == "dir":
        target.mkdir()
    return str(path)


def test_injection_with_an_override(tmp_path):
    plugin = plugin_dir(tmp_path, "p", "file")
    assert L.inject_compose_override("docker compose up -d", plugin) == OVERRIDE + " up -d"
    assert L.inject_compose_override("docker compose", plugin) == OVERRIDE
    assert L.inject_compose_override("docker composeup", plugin) == OVERRIDE + "up"  # atk's literal prefix match
    assert L.inject_compose_override("docker-compose up", plugin) == "docker-compose up"
    assert L.inject_compose_override(" docker compose up", plugin) == " docker compose up"


def test_no_injection_without_an_override(tmp_path):
    plugin = plugin_dir(tmp_path, "p", None)
    for command in COMMANDS:
        assert L.inject_compose_override(command, plugin) == command
    assert L.inject_compose_override("docker compose up", str(tmp_path / "no-such-plugin")) == "docker compose up"


ATK_INJECT = ("from pathlib import Path\nfrom atk.lifecycle import _inject_compose_override\n"
              "RESULT = [[_inject_compose_override(c, Path(d)) for c in PAYLOAD[1]] for d in PAYLOAD[0]]")


@atk_peer.needs_atk
def test_injection_agrees_with_atk(tmp_path):
    dirs = [plugin_dir(tmp_path, kind or "none", kind) for kind in (None, "file", "link", "dangling")]
    theirs = atk_peer.atk_python(ATK_INJECT, [dirs, COMMANDS])
    assert [[L.inject_compose_override(c, d) for c in COMMANDS] for d in dirs] == theirs


@atk_peer.needs_atk
def test_injection_agrees_with_atk_for_an_override_directory(tmp_path):
    dirs = [plugin_dir(tmp_path, "dir", "dir")]
    theirs = atk_peer.atk_python(ATK_INJECT, [dirs, COMMANDS])
    assert [[L.inject_compose_override(c, d) for c in COMMANDS] for d in dirs] == theirs


# -- command_for ------------------------------------------------------------------------------------

SPEC = {"name": "P", "lifecycle": {"install": "docker compose pull", "uninstall": "docker compose down -v",
                                   "start": "docker compose up -d", "stop": "docker compose stop",
                                   "logs": "docker compose logs", "status": "docker compose ps --status running",
                                   "health_endpoint": "http://localhost:1"}}


def test_command_for_injects_except_status(tmp_path):
    plugin = plugin_dir(tmp_path, "p", "file")
    assert L.command_for(SPEC, "start", plugin) == OVERRIDE + " up -d"
    assert L.command_for(SPEC, "install", plugin) == OVERRIDE + " pull"
    assert L.command_for(SPEC, "uninstall", plugin) == OVERRIDE + " down -v"
    assert L.command_for(SPEC, "status", plugin) == "docker compose ps --status running"


def test_command_for_undefined(tmp_path):
    plugin = plugin_dir(tmp_path, "p", "file")
    assert L.command_for({"name": "P"}, "start", plugin) is None
    assert L.command_for({"name": "P", "lifecycle": None}, "start", plugin) is None
    assert L.command_for({"name": "P", "lifecycle": {"start": None}}, "start", plugin) is None
    assert L.command_for({"name": "P", "lifecycle": {"stop": "x"}}, "start", plugin) is None
    assert L.command_for({"name": "P", "lifecycle": {"start": ""}}, "start", plugin) == ""
    assert L.COMMANDS == ("install", "uninstall", "start", "stop", "logs", "status")


# -- tail -------------------------------------------------------------------------------------------

def test_tail_keeps_the_end():
    text = "".join("line %d\n" % i for i in range(1000))
    assert L.tail(text) == text[-L.OUTPUT_TAIL:]
    assert len(L.tail(text)) == L.OUTPUT_TAIL == 2000
    assert L.tail("short") == "short"
    assert L.tail(None) == ""
    assert L.tail("") == ""


def test_tail_masks_secrets():
    assert L.tail("token=abc123 and abc123 again", secrets=("abc123",)) == "token=******** and ******** again"
    assert L.tail("nothing to hide", secrets=("", None)) == "nothing to hide"
    assert L.tail("a=x1 b=y2", secrets=["x1", "y2"]) == "a=******** b=********"


def fragments(secret, size=4):
    return [secret[i:i + size] for i in range(len(secret) - size + 1)]


def test_tail_does_not_leak_a_secret_cut_at_the_boundary():
    secret = "SUPERSECRETVALUE"
    text = "Error: bad credentials " + secret + "y" * (L.OUTPUT_TAIL - 5)
    shown = L.tail(text, secrets=(secret,))
    assert not any(piece in shown for piece in fragments(secret)), shown[:20]


def test_tail_masks_overlapping_secrets_completely():
    shown = L.tail("login admin with admin123", secrets=("admin", "admin123"))
    assert "123" not in shown, shown


# -- required_unset ---------------------------------------------------------------------------------

ENV_SPEC = {"name": "P", "env_vars": [
    {"name": "ATKT_REQ_IN_FILE", "required": True},
    {"name": "ATKT_REQ_EMPTY", "required": True},
    {"name": "ATKT_REQ_IN_ENV", "required": True},
    {"name": "ATKT_REQ_MISSING", "required": True, "default": "has-a-default"},
    {"name": "ATKT_OPTIONAL", "required": False},
    {"name": "ATKT_REQ_NO_VALUE", "required": True},
    {"name": "ATKT_REQ_LAST", "required": True},
]}
ENV_TEXT = "ATKT_REQ_IN_FILE=x\nATKT_REQ_EMPTY=\nATKT_REQ_NO_VALUE\n# ATKT_REQ_LAST=commented\n"
PROCESS_ENV = {"ATKT_REQ_IN_ENV": "from-env", "ATKT_REQ_EMPTY": "ignored"}


def test_required_unset():
    values = {"ATKT_REQ_IN_FILE": "x", "ATKT_REQ_EMPTY": ""}
    assert L.required_unset(ENV_SPEC, values, PROCESS_ENV) == ["ATKT_REQ_MISSING", "ATKT_REQ_NO_VALUE", "ATKT_REQ_LAST"]
    assert L.required_unset(ENV_SPEC, values, {}) == ["ATKT_REQ_IN_ENV", "ATKT_REQ_MISSING", "ATKT_REQ_NO_VALUE",
                                                      "ATKT_REQ_LAST"]
    assert L.required_unset({"name": "P"}, {}, {}) == []
    assert L.required_unset({"name": "P", "env_vars": None}, {}, {}) == []


def test_required_unset_uses_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("ATKT_REQ_LAST", "set")
    spec = {"env_vars": [{"name": "ATKT_REQ_LAST", "required": True}, {"name": "ATKT_REQ_NOT_SET", "required": True}]}
    monkeypatch.delenv("ATKT_REQ_NOT_SET", raising=False)
    assert L.required_unset(spec, {}) == ["ATKT_REQ_NOT_SET"]


@atk_peer.needs_atk
def test_required_unset_agrees_with_atk(tmp_path):
    plugin = tmp_path / "p"
    plugin.mkdir()
    (plugin / ".env").write_text(ENV_TEXT)
    spec = {"schema_version": "2026-01-23", "name": "P", "description": "d", "env_vars": ENV_SPEC["env_vars"]}
    extra = dict(PROCESS_ENV)
    extra.update((v["name"], None) for v in spec["env_vars"] if v["name"] not in PROCESS_ENV)
    theirs = atk_peer.atk_python(
        "from pathlib import Path\nfrom atk.env import check_required_env_vars\nfrom atk.plugin_schema import PluginSchema\n"
        "RESULT = check_required_env_vars(PluginSchema.model_validate(PAYLOAD[0]), Path(PAYLOAD[1]))",
        [spec, str(plugin)], env=extra)
    assert L.required_unset(spec, L.read_env(str(plugin)), PROCESS_ENV) == theirs


def test_detached_runner_leaves_no_output_file_behind(tmp_path):
    """The output holds what the command printed, secrets from its .env included: returned, not kept."""
    logs, plugin = tmp_path / "logs", tmp_path / "p"
    plugin.mkdir()
    run = L.detached_runner(str(logs), environ={"PATH": "/usr/bin:/bin"})
    code, out, err = run(["/bin/sh", "-c", 'echo "token $TOKEN"; echo oops >&2; exit 3'], cwd=str(plugin),
                         env_update={"TOKEN": "s3cr3t-value"})
    assert (code, err) == (3, "")
    assert "token s3cr3t-value" in out and "oops" in out
    assert list(logs.iterdir()) == []
