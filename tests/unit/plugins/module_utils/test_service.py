# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for _service: decisions, port and health probes, the shell runner, and run ordering."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time

import pytest

from ansible_collections.atk.core.plugins.module_utils import _service as S
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


# -- decisions ---------------------------------------------------------------------------

@pytest.mark.parametrize("state, running, action", [
    ("started", True, "none"), ("started", False, "start"), ("started", None, "start"),
    ("stopped", True, "stop"), ("stopped", False, "none"), ("stopped", None, "stop"),
    ("restarted", True, "restart"), ("restarted", False, "restart"), ("restarted", None, "restart"),
])
def test_decide(state, running, action):
    assert S.decide(state, running) == action


def test_decide_rejects_unknown_state():
    with pytest.raises(ValueError):
        S.decide("reloaded", True)


@pytest.mark.parametrize("action, before, has_status, after", [
    ("none", "running", True, "running"), ("start", "stopped", True, "running"), ("stop", "running", True, "stopped"),
    ("restart", "running", True, "running"), ("start", "unknown", False, "unknown"), ("none", "unknown", False, "unknown"),
])
def test_predict_after(action, before, has_status, after):
    assert S.predict_after(action, before, has_status) == after


def test_as_running():
    assert S.as_running("running") is True
    assert S.as_running("stopped") is False
    assert S.as_running("unknown") is None


# -- messages ---------------------------------------------------------------------------

def test_conflict_message_uses_atk_wording():
    text = S.conflict_message("Piper TTS", [{"port": 5847, "description": "Piper TTS HTTP API endpoint"},
                                            {"port": 9000, "description": None}])
    assert "Port 5847 is already in use." in text
    assert "Piper TTS requires this port for: Piper TTS HTTP API endpoint." in text
    assert "Port 9000 is already in use. Plugin 'Piper TTS' declares this port." in text


def test_missing_env_message_names_every_variable():
    assert S.missing_env_message("Demo", ["A", "B"]) == "Missing required environment variables for 'Demo': A, B."


def test_mask_longest_first_and_skips_short_values():
    assert S.mask("token=abcdef abc ab", ["abc", "abcdef", "ab", ""]) == "token=******** ******** ab"


def test_port_conflicts_in_declaration_order():
    spec = {"ports": [{"port": 1, "description": "one"}, {"port": 2}, {"port": 3, "description": "three"}]}
    expected = [{"port": 1, "description": "one"}, {"port": 3, "description": "three"}]
    assert S.port_conflicts(spec, probe=lambda port: port != 2) == expected
    assert S.port_conflicts({}, probe=lambda port: True) == []


# -- probes -----------------------------------------------------------------------------

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_port_listening_real_sockets():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        assert S.port_listening(port)
    assert not S.port_listening(port)


def test_port_listening_ipv6_only_listener():
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with sock:
        sock.listen(1)
        port = sock.getsockname()[1]
        assert S.port_listening(port)
        assert not S.port_listening(port, hosts=("127.0.0.1",))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name
        code = 200 if self.path == "/ok" else 503
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture()
def http_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http_probe(http_server):
    assert S.http_probe(http_server + "/ok", 2) == (True, 200)
    assert S.http_probe(http_server + "/down", 2) == (True, 503)
    assert S.http_probe("http://127.0.0.1:%d/" % _free_port(), 2) == (False, None)
    assert S.http_probe("not a url", 2) == (False, None)


def test_wait_healthy_real_server(http_server):
    healthy, status, dummy = S.wait_healthy(http_server + "/ok", 5)
    assert (healthy, status) == (True, 200)


def test_wait_healthy_times_out_on_error_status():
    now = [0.0]
    calls = []

    def probe(url, timeout):
        calls.append(url)
        return True, 503

    def sleep(seconds):
        now[0] += seconds

    healthy, status, waited = S.wait_healthy("http://x", 3, probe=probe, sleep=sleep, clock=lambda: now[0], interval=1)
    assert (healthy, status) == (False, 503)
    assert waited == 3
    assert len(calls) == 4


def test_wait_healthy_waits_until_up():
    answers = iter([(False, None), (False, None), (True, 204)])
    healthy, status, dummy = S.wait_healthy("http://x", 30, probe=lambda u, t: next(answers), sleep=lambda s: None)
    assert (healthy, status) == (True, 204)


# -- the shell runner --------------------------------------------------------------------

def test_shell_writes_output_to_a_file(tmp_path):
    log = tmp_path / "out.log"
    code = S.Shell().run("echo hello; echo oops >&2; pwd; exit 3", str(tmp_path), {"PATH": os.environ["PATH"]}, str(log))
    assert code == 3
    assert log.read_text().splitlines() == ["hello", "oops", str(tmp_path)]
    assert (log.stat().st_mode & 0o777) == 0o600


def test_shell_does_not_wait_for_background_children(tmp_path):
    started = time.monotonic()
    code = S.Shell().run("sleep 30 & echo $! > pid", str(tmp_path), {"PATH": os.environ["PATH"]}, str(tmp_path / "log"))
    assert code == 0
    assert time.monotonic() - started < 10
    pid = int((tmp_path / "pid").read_text())
    os.kill(pid, 0)  # the child is alive: it outlived the command
    os.kill(pid, 9)


def test_shell_timeout_kills_the_process_group(tmp_path):
    code = S.Shell().run("sleep 30 & echo $! > pid; wait", str(tmp_path), {"PATH": os.environ["PATH"]}, None, timeout=0.5)
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


def test_status_runs_without_env_file_and_lifecycle_env_has_it(tmp_path):
    (tmp_path / ".env").write_text("ONLY_IN_ENV_FILE=1\n")
    spec = {"name": "Demo", "lifecycle": {"status": 'test -z "$ONLY_IN_ENV_FILE"'}}
    environ = {"PATH": os.environ["PATH"]}
    assert S.run_status(S.Shell(), spec, str(tmp_path), environ, 10) == S.RUNNING
    spec["lifecycle"]["status"] = 'test -n "$ONLY_IN_ENV_FILE"'
    assert S.run_status(S.Shell(), spec, str(tmp_path), environ, 10) == S.STOPPED
    assert S.run_status(S.Shell(), {"name": "Demo"}, str(tmp_path), environ, 10) is None
    env = S.lifecycle_env(str(tmp_path), {"PATH": "/bin", "ONLY_IN_ENV_FILE": "process"})
    assert env == {"PATH": "/bin", "ONLY_IN_ENV_FILE": "1"}


def test_status_timeout_is_an_error(tmp_path):
    spec = {"name": "Slow", "lifecycle": {"status": "sleep 5"}}
    with pytest.raises(AtkError, match="did not finish within 1 seconds"):
        S.run_status(S.Shell(), spec, str(tmp_path), {"PATH": os.environ["PATH"]}, 1)


# -- a run with a fake shell -----------------------------------------------------------

class FakeShell(object):
    """status commands are ``status <key>``; others are ``<action> <key>``; records what ran."""

    def __init__(self, running, fail=()):
        self.running = dict(running)
        self.fail = set(fail)
        self.ran = []

    def run(self, command, cwd, env, output=None, timeout=None):
        action, key = command.split()
        if action == "status":
            return 0 if self.running.get(key) else 1
        self.ran.append(command)
        if command in self.fail:
            if output:
                with open(output, "w") as handle:
                    handle.write("boom with secret-value\n")
            return 7
        self.running[key] = action == "start"
        return 0


def target(home, key, status=True, start=True, stop=True, env_vars=None, ports=None):
    lifecycle = {}
    if status:
        lifecycle["status"] = "status %s" % key
    if start:
        lifecycle["start"] = "start %s" % key
    if stop:
        lifecycle["stop"] = "stop %s" % key
    spec = {"name": key.upper(), "lifecycle": lifecycle, "env_vars": env_vars or [], "ports": ports or []}
    plugin_dir = os.path.join(home, "plugins", key)
    if not os.path.isdir(plugin_dir):
        os.makedirs(plugin_dir)
    return S.Target({"name": key.upper(), "directory": key}, plugin_dir, spec)


def make_run(tmp_path, state, shell, **kwargs):
    home = str(tmp_path)
    os.makedirs(os.path.join(home, ".git"), exist_ok=True)
    kwargs.setdefault("port_probe", lambda port: False)
    return S.ServiceRun(home, state, shell=shell, environ={}, **kwargs), home


def test_started_runs_start_only_where_not_running(tmp_path):
    shell = FakeShell({"a": True})
    run, home = make_run(tmp_path, "started", shell)
    run.plan([target(home, "a"), target(home, "b")])
    run.execute()
    run.observe()
    result = run.result()
    assert shell.ran == ["start b"]
    assert [(p["plugin"], p["action"], p["before"], p["after"], p["changed"]) for p in result["plugins"]] == [
        ("a", "none", "running", "running", False), ("b", "start", "stopped", "running", True)]
    assert result["changed"] is True
    assert result["plugins"][1]["logs"] == [os.path.join(home, ".git", "atk-core", "logs", "b.start.log")]


def test_stopped_runs_in_reverse_order(tmp_path):
    shell = FakeShell({"a": True, "b": True, "c": False})
    run, home = make_run(tmp_path, "stopped", shell)
    run.plan([target(home, "a"), target(home, "b"), target(home, "c")])
    run.execute()
    assert shell.ran == ["stop b", "stop a"]


def test_restart_stops_all_in_reverse_then_starts_in_order(tmp_path):
    shell = FakeShell({"a": True, "b": False})
    run, home = make_run(tmp_path, "restarted", shell)
    run.plan([target(home, "a"), target(home, "b")])
    run.execute()
    run.observe()
    assert shell.ran == ["stop b", "stop a", "start a", "start b"]
    assert [p["command"] for p in run.result()["plugins"]] == ["stop a && start a", "stop b && start b"]


def test_restart_aborts_start_phase_when_a_stop_fails(tmp_path):
    shell = FakeShell({"a": True, "b": True}, fail={"stop b"})
    run, home = make_run(tmp_path, "restarted", shell)
    (tmp_path / "plugins" / "b").mkdir(parents=True)
    (tmp_path / "plugins" / "b" / ".env").write_text("TOKEN=secret-value\n")
    run.plan([target(home, "a"), target(home, "b")])
    run.execute()
    assert shell.ran == ["stop b", "stop a"]
    errors = run.result()["errors"]
    assert errors[0] == "Stop failed for plugin 'B' (exit code 7): boom with ********"
    assert errors[-1] == "Restart aborted: stop phase had failures"


def test_check_mode_runs_status_only(tmp_path):
    shell = FakeShell({"a": False})
    run, home = make_run(tmp_path, "started", shell, check_mode=True)
    run.plan([target(home, "a")])
    run.execute()
    run.observe()
    plugin = run.result()["plugins"][0]
    assert shell.ran == []
    assert (plugin["action"], plugin["changed"], plugin["after"], plugin["command"], plugin["logs"]) == (
        "start", True, "running", "start a", [])


def test_no_status_command_runs_every_time_and_says_so(tmp_path):
    shell = FakeShell({})
    run, home = make_run(tmp_path, "started", shell)
    run.plan([target(home, "a", status=False)])
    run.execute()
    run.observe()
    result = run.result()
    plugin = result["plugins"][0]
    assert (plugin["action"], plugin["before"], plugin["after"], plugin["idempotence"]) == ("start", "unknown", "unknown", "unknown")
    assert any("no status command" in w for w in result["warnings"])


def test_missing_start_command_is_a_warning_not_a_change(tmp_path):
    run, home = make_run(tmp_path, "started", FakeShell({}))
    run.plan([target(home, "a", start=False)])
    result = run.result()
    assert result["plugins"][0]["action"] == "none"
    assert "Plugin 'A' has no start command defined" in result["warnings"]


def test_required_env_checked_before_anything(tmp_path, monkeypatch):
    shell = FakeShell({"a": True})
    run, home = make_run(tmp_path, "restarted", shell)
    env_vars = [{"name": "NEEDED", "required": True}, {"name": "EMPTY_OK", "required": True}, {"name": "FROM_ENV", "required": True}]
    a = target(home, "a", env_vars=env_vars)
    with open(os.path.join(a.plugin_dir, ".env"), "w") as handle:
        handle.write("EMPTY_OK=\n")
    run.environ = {"FROM_ENV": "x"}
    with pytest.raises(AtkError, match=r"Missing required environment variables for 'A': NEEDED\."):
        run.plan([a])
    assert shell.ran == []


def test_port_conflict_blocks_start(tmp_path):
    run, home = make_run(tmp_path, "started", FakeShell({}), port_probe=lambda port: port == 8080)
    spec_ports = [{"port": 8080, "description": "web UI"}, {"port": 8081}]
    with pytest.raises(AtkError) as info:
        run.plan([target(home, "a", ports=spec_ports)])
    assert "Port 8080 is already in use. A requires this port for: web UI." in str(info.value)
    assert "8081" not in str(info.value)


def test_port_not_checked_when_already_running(tmp_path):
    run, home = make_run(tmp_path, "started", FakeShell({"a": True}), port_probe=lambda port: True)
    run.plan([target(home, "a", ports=[{"port": 8080}])])
    assert run.result()["plugins"][0]["action"] == "none"


def test_wait_health_failure_is_an_error(tmp_path):
    shell = FakeShell({})
    run, home = make_run(tmp_path, "started", shell, wait_health=True, health_timeout=0,
                         health_probe=lambda url, timeout: (False, None), sleep=lambda s: None)
    a = target(home, "a")
    a.spec["lifecycle"]["health_endpoint"] = "http://127.0.0.1:1/health"
    b = target(home, "b")
    run.plan([a, b])
    run.execute()
    run.observe()
    result = run.result()
    assert result["plugins"][0]["health"] == "unhealthy"
    assert result["plugins"][1]["health"] == "no endpoint"
    assert result["errors"] == ["Plugin 'A' is not healthy: http://127.0.0.1:1/health did not answer within 0 seconds."]


def test_select_uses_atk_lookup_and_dedups(tmp_path):
    manifest = {"plugins": [{"name": "Piper TTS", "directory": "piper"}, {"name": "exa", "directory": "exa"}]}
    assert [e["directory"] for e in S.select(str(tmp_path), manifest, ["Piper TTS", "piper", "exa"])] == ["piper", "exa"]
    assert [e["directory"] for e in S.select(str(tmp_path), manifest, None, all_plugins=True)] == ["piper", "exa"]
    with pytest.raises(AtkError, match="Plugin 'nope' not found in manifest"):
        S.select(str(tmp_path), manifest, ["nope"])
