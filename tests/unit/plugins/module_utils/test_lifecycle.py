# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_lifecycle, pure parts: compose override injection, which command runs, output tails, required env."""

from __future__ import annotations


import os
import time

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


# -- missing_required ---------------------------------------------------------------------------------

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


def test_missing_required():
    values = {"ATKT_REQ_IN_FILE": "x", "ATKT_REQ_EMPTY": ""}
    assert L.missing_required(ENV_SPEC, values, PROCESS_ENV) == ["ATKT_REQ_MISSING", "ATKT_REQ_NO_VALUE", "ATKT_REQ_LAST"]
    assert L.missing_required(ENV_SPEC, values, {}) == ["ATKT_REQ_IN_ENV", "ATKT_REQ_MISSING", "ATKT_REQ_NO_VALUE",
                                                        "ATKT_REQ_LAST"]
    assert L.missing_required({"name": "P"}, {}, {}) == []
    assert L.missing_required({"name": "P", "env_vars": None}, {}, {}) == []


def test_missing_required_uses_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("ATKT_REQ_LAST", "set")
    spec = {"env_vars": [{"name": "ATKT_REQ_LAST", "required": True}, {"name": "ATKT_REQ_NOT_SET", "required": True}]}
    monkeypatch.delenv("ATKT_REQ_NOT_SET", raising=False)
    assert L.missing_required(spec, {}) == ["ATKT_REQ_NOT_SET"]


@atk_peer.needs_atk
def test_missing_required_agrees_with_atk(tmp_path):
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
    assert L.missing_required(spec, L.read_env(str(plugin)), PROCESS_ENV) == theirs


def test_run_returns_masked_output_and_leaves_no_log_behind(tmp_path):
    """The output holds what the command printed, secrets from its .env included: returned masked, not kept."""
    logs, plugin = tmp_path / "logs", tmp_path / "p"
    logs.mkdir()
    plugin.mkdir()
    (plugin / ".env").write_text("TOKEN=s3cr3t-value\nPLAIN=visible-value\n")
    spec = {"name": "P", "env_vars": [{"name": "TOKEN", "secret": True}, {"name": "PLAIN"}],
            "lifecycle": {"install": 'echo "token $TOKEN plain $PLAIN"; echo oops >&2; exit 3'}}
    code, out = L.run(L.Shell(), spec, "install", str(plugin), {"PATH": "/usr/bin:/bin"}, log=str(logs / "p.install.log"))
    assert code == 3
    assert "token ******** plain visible-value" in out and "oops" in out
    assert "s3cr3t-value" not in out
    assert list(logs.iterdir()) == []
    assert L.run(L.Shell(), {"name": "P"}, "install", str(plugin)) is None


def test_run_keeps_the_log_when_asked_and_status_gets_no_env(tmp_path):
    plugin = tmp_path / "p"
    plugin.mkdir()
    (plugin / ".env").write_text("TOKEN=abc\n")
    spec = {"name": "P", "lifecycle": {"status": 'echo "[$TOKEN]"', "start": 'echo "[$TOKEN]"'}}
    log = tmp_path / "start.log"
    code, out = L.run(L.Shell(), spec, "start", str(plugin), {"PATH": "/usr/bin:/bin"}, log=str(log), keep_log=True)
    assert code == 0 and log.read_text() == "[abc]\n"
    assert out == "[********]\n"  # TOKEN is not declared: secret
    code, out = L.run(L.Shell(), spec, "status", str(plugin), {"PATH": "/usr/bin:/bin"}, log=str(log))
    assert (code, out) == (0, "[]\n")


# -- Shell --------------------------------------------------------------------------------------

def test_shell_writes_output_to_a_file(tmp_path):
    log = tmp_path / "out.log"
    code = L.Shell().run("echo hello; echo oops >&2; pwd; exit 3", str(tmp_path), {"PATH": os.environ["PATH"]}, str(log))
    assert code == 3
    assert log.read_text().splitlines() == ["hello", "oops", str(tmp_path)]
    assert (log.stat().st_mode & 0o777) == 0o600


def test_shell_does_not_wait_for_background_children(tmp_path):
    started = time.monotonic()
    code = L.Shell().run("sleep 30 & echo $! > pid", str(tmp_path), {"PATH": os.environ["PATH"]}, str(tmp_path / "log"))
    assert code == 0
    assert time.monotonic() - started < 10
    pid = int((tmp_path / "pid").read_text())
    os.kill(pid, 0)  # the child is alive: it outlived the command
    os.kill(pid, 9)


def test_shell_timeout_kills_the_process_group(tmp_path):
    code = L.Shell().run("sleep 30 & echo $! > pid; wait", str(tmp_path), {"PATH": os.environ["PATH"]}, None, timeout=0.5)
    assert code is None
    pid = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _gone(pid)


def _gone(pid):
    """True when ``pid`` is dead (a zombie nobody reaped counts: in a container PID 1 may not reap)."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (IOError, OSError):
        return True


def test_missing_message_names_every_variable():
    assert L.missing_message("Demo", ["A", "B"]) == "Missing required environment variables for 'Demo': A, B."
