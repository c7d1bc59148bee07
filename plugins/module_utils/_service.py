# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start, stop and restart plugin services as atk 0.4.0 does, idempotently. PRIVATE to the collection.

What atk does (docs/atk-compatibility.md §5.6 and §7), and what this file keeps:

* lifecycle commands run as ``/bin/sh -c <command>`` with cwd = the plugin folder and env = the
  process environment plus the plugin's ``.env`` (the .env wins); ``custom/docker-compose.override.yml``
  is injected into ``docker compose`` commands (:func:`_lifecycle.command_for`);
* ``status`` runs with the process environment only (no .env); exit 0 means running;
* before ``start``, required env vars must be set (in .env, even empty, or in the environment)
  and no declared port may already be listening (``Port N is already in use`` /
  ``<name> requires this port for: <desc>``);
* ``stop`` of several plugins runs in reverse order; a restart of several stops them all
  (reverse order) and starts them only if every stop succeeded.

What differs, on purpose:

* idempotence: ``started`` runs ``start`` only when ``status`` says the service is not running,
  ``stopped`` runs ``stop`` only when it is; without a ``status`` command the command runs
  and the result says ``idempotence: unknown``;
* ports are probed in Python (a TCP connect to 127.0.0.1 and ::1), so ``nc`` is not needed;
* required env vars are checked before anything runs, also before the stop of a restart;
* a command's output goes to ``<home>/.git/atk-core/logs/<dir>.<action>.log`` (a file, never a
  pipe, so a daemon a start script leaves behind cannot block the run or die of SIGPIPE), and
  each command runs in its own session so what it starts outlives the Ansible connection.
"""

from __future__ import annotations

import os
import socket
import time
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urljoin, urlsplit

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _spec

STATES = ("started", "stopped", "restarted")
# A stop command may return before its server has closed its listening socket.
PORT_RELEASE_GRACE = 10.0
RUNNING = "running"
STOPPED = "stopped"
UNKNOWN = "unknown"
MCP_ONLY = "mcp-only"
INVALID = "invalid"

PORT_TIMEOUT = 1.0          # seconds, like atk's ``nc -z -w 1``
PROBE_HOSTS = ("127.0.0.1", "::1")
SSE_TIMEOUT = 3             # atk's check_sse_reachable
HEALTH_INTERVAL = 0.5


# -- pure helpers -------------------------------------------------------------------

def port_listening(port, timeout=PORT_TIMEOUT, hosts=PROBE_HOSTS):
    """True when something accepts TCP connections on ``port`` of 127.0.0.1 or ::1."""
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no IPv6 on this host
        try:
            sock.settimeout(timeout)
            if sock.connect_ex((host, int(port))) == 0:
                return True
        except OSError:
            pass
        finally:
            sock.close()
    return False


def port_conflicts(spec, probe=port_listening):
    """Declared ports something already listens on: [{port, description}] in declaration order."""
    return [{"port": port["port"], "description": port["description"]}
            for port in _spec.ports(spec) if probe(port["port"])]


def conflict_message(name, conflicts):
    """atk's two lines per conflicting port, as one sentence each."""
    parts = []
    for conflict in conflicts:
        text = "Port %d is already in use." % conflict["port"]
        if conflict.get("description"):
            text += " %s requires this port for: %s." % (name, conflict["description"])
        else:
            text += " Plugin '%s' declares this port." % name
        parts.append(text)
    return " ".join(parts)


def decide(state, running):
    """The action for ``state`` given ``running`` (True, False, or None when unknown)."""
    if state == "restarted":
        return "restart"
    if state == "started":
        return "none" if running is True else "start"
    if state == "stopped":
        return "none" if running is False else "stop"
    raise ValueError("unknown state %r" % state)


def predict_after(action, before, has_status):
    """What status would say after ``action`` (check mode and failures)."""
    if action == "none":
        return before
    if not has_status:
        return UNKNOWN
    return STOPPED if action == "stop" else RUNNING


def as_running(status):
    return {RUNNING: True, STOPPED: False}.get(status)


# -- HTTP probes (sse status, health) --------------------------------------------------

def http_probe(url, timeout, redirects=5):
    """(answered, status): any HTTP response counts as answered, like atk's ``check_sse_reachable``.
    Redirects are followed (up to ``redirects``); the plugin's own endpoint is asked directly (no proxy)."""
    for dummy in range(redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False, None
        connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        try:
            connection = connection_class(parts.hostname, parts.port, timeout=timeout)
            try:
                connection.request("GET", (parts.path or "/") + ("?" + parts.query if parts.query else ""))
                response = connection.getresponse()
                status, location = response.status, response.getheader("Location")
            finally:
                connection.close()
        except (HTTPException, ValueError, OSError):
            # connection refused, timeout, DNS, a garbled answer: "not reachable" for atk too
            return False, None
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return True, status
    return True, status


def wait_healthy(url, timeout, probe=http_probe, sleep=time.sleep, clock=time.monotonic, interval=HEALTH_INTERVAL):
    """Poll ``url`` until it answers with a status below 400 or ``timeout`` seconds pass.

    Returns ``(healthy, last_status, waited_seconds)``.
    """
    start = clock()
    status = None
    while True:
        answered, status = probe(url, max(1.0, min(5.0, float(timeout))))
        if answered and status is not None and status < 400:
            return True, status, round(clock() - start, 2)
        if clock() - start >= timeout:
            return False, status, round(clock() - start, 2)
        sleep(interval)


# -- status ---------------------------------------------------------------------------

def status_command(spec, plugin_dir):
    return _lifecycle.command_for(spec, "status", plugin_dir)


def run_status(shell, spec, plugin_dir, environ, timeout):
    """atk's status: RUNNING / STOPPED from the status command (no .env), None without one.

    Raises AtkError when the command does not finish within ``timeout`` seconds.
    """
    command = status_command(spec, plugin_dir)
    if command is None:
        return None
    code = shell.run(command, plugin_dir, _lifecycle.environment(plugin_dir, "status", environ), None, timeout)
    if code is None:
        raise AtkError("The status command of plugin '%s' did not finish within %d seconds: %s" % (
            spec["name"], timeout, command), hint="Raise status_timeout, or fix the command.")
    return RUNNING if code == 0 else STOPPED


# -- one run -------------------------------------------------------------------------

class Target(object):
    """One plugin of the run."""

    def __init__(self, entry, plugin_dir, spec):
        self.entry = entry
        self.directory = entry["directory"]
        self.name = spec["name"]
        self.plugin_dir = plugin_dir
        self.spec = spec
        self.before = None
        self.after = None
        self.action = "none"
        self.commands = []
        self.has_status = status_command(spec, plugin_dir) is not None
        self.health = "not checked"
        self.health_status = None
        self.logs = []
        self.error = None
        self.warnings = []

    def command(self, key):
        return _lifecycle.command_for(self.spec, key, self.plugin_dir)

    def result(self):
        if not self.commands:
            command = None
        else:
            command = " && ".join(self.commands)
        return {
            "plugin": self.directory,
            "name": self.name,
            "action": self.action,
            "changed": self.action != "none",
            "before": self.before,
            "after": self.after,
            "command": command,
            "commands": list(self.commands),
            "idempotence": "status" if self.has_status else "unknown",
            "health": self.health,
            "health_status": self.health_status,
            "logs": list(self.logs),
            "error": self.error,
        }


def select(home, manifest, identifiers, all_plugins=False):
    """The manifest entries named by ``identifiers`` (atk's lookup), each once, in the given order."""
    entries = list(manifest["plugins"]) if all_plugins else []
    for identifier in identifiers or []:
        entry = _manifest.find_entry(manifest, identifier)
        if entry is None:
            raise AtkError("Plugin '%s' not found in manifest" % identifier,
                           hint="Use a directory or display name listed in %s." % _manifest.manifest_path(home))
        entries.append(entry)
    seen = set()
    unique = []
    for entry in entries:
        if entry["directory"] not in seen:
            seen.add(entry["directory"])
            unique.append(entry)
    return unique


def load_target(home, entry):
    plugin_dir = _home.plugin_dir(home, entry["directory"])
    try:
        spec = _spec.load_plugin(plugin_dir)
    except AtkError as exc:
        raise AtkError("Cannot load plugin '%s': %s" % (entry["name"], exc.msg),
                       hint="Restore its files with atk.core.atk_plugin (state=present) or fix its plugin.yaml.")
    return Target(entry, plugin_dir, spec)


class ServiceRun(object):
    """Brings the services of a list of plugins to one state."""

    def __init__(self, home, state, check_mode=False, wait_health=False, health_timeout=60, status_timeout=60,
                 shell=None, environ=None, port_probe=port_listening, health_probe=http_probe, sleep=time.sleep):
        if state not in STATES:
            raise AtkError("Unknown state %r; use one of %s." % (state, ", ".join(STATES)))
        self.home = home
        self.state = state
        self.check_mode = check_mode
        self.wait_health = wait_health
        self.health_timeout = health_timeout
        self.status_timeout = status_timeout
        self.shell = shell or _lifecycle.Shell()
        self.environ = os.environ if environ is None else environ
        self.port_probe = port_probe
        self.health_probe = health_probe
        self.sleep = sleep
        self.targets = []
        self.warnings = []
        self.errors = []

    # -- steps --------------------------------------------------------------------------
    def plan(self, targets):
        self.targets = targets
        for target in targets:
            target.before = run_status(self.shell, target.spec, target.plugin_dir, self.environ, self.status_timeout) or UNKNOWN
            action = decide(self.state, as_running(target.before))
            if action in ("start", "stop") and not target.has_status:
                target.warnings.append("Plugin '%s' has no status command, so whether its service runs is unknown: "
                                       "the %s command runs every time (idempotence unknown)." % (target.name, action))
            target.action = self._available(target, action)
        self._check_env()
        if self.state != "restarted":
            self._check_ports([t for t in targets if t.action == "start"])
        return targets

    def _available(self, target, action):
        """Drop the parts of ``action`` the plugin has no command for (atk warns and goes on)."""
        keys = {"start": ["start"], "stop": ["stop"], "restart": ["stop", "start"], "none": []}[action]
        missing = [key for key in keys if target.command(key) is None]
        for key in missing:
            target.warnings.append("Plugin '%s' has no %s command defined" % (target.name, key))
        if (action == "restart" and len(missing) == 2) or (action in ("start", "stop") and missing):
            return "none"
        return action

    def _check_env(self):
        problems = []
        for target in self.targets:
            if target.action in ("start", "restart") and target.command("start") is not None:
                env_values = _lifecycle.read_env(target.plugin_dir)
                missing = _lifecycle.missing_required(target.spec, env_values, self.environ)
                if missing:
                    problems.append(_lifecycle.missing_message(target.name, missing))
        if problems:
            raise AtkError(" ".join(problems),
                           hint="Set them in the plugin's .env (atk.core.atk_env; an empty value counts as set) or in "
                                "the environment of the user running the module.")

    def _check_ports(self, targets, grace=0.0):
        """Refuse to start over a listening port. ``grace``: seconds to wait for ports to be
        released, for a restart whose stop command returns before its server has exited."""
        deadline = time.time() + grace
        while True:
            problems = []
            for target in targets:
                if target.command("start") is None:
                    continue
                conflicts = port_conflicts(target.spec, self.port_probe)
                if conflicts:
                    problems.append(conflict_message(target.name, conflicts))
            if not problems or time.time() >= deadline:
                break
            self.sleep(0.1)
        if problems:
            raise AtkError(" ".join(problems),
                           hint="Stop the conflicting service, or use state=restarted if the plugin is already running.")

    def _run(self, target, key):
        """Run ``key`` for ``target`` (or record it in check mode). True when it succeeded."""
        command = target.command(key)
        if command is None:
            return True
        target.commands.append(command)
        if self.check_mode:
            return True
        log = _lifecycle.log_path(self.home, target.directory, key)
        target.logs.append(log)
        code, output = _lifecycle.run(self.shell, target.spec, key, target.plugin_dir, self.environ, log, keep_log=True)
        if code == 0:
            return True
        output = output.strip()
        target.error = "%s failed for plugin '%s' (exit code %s)%s" % (
            key.capitalize(), target.name, code, (": " + output) if output else "")
        self.errors.append(target.error)
        return False

    def execute(self):
        targets = self.targets
        if self.state == "stopped":
            for target in reversed(targets):
                if target.action == "stop":
                    self._run(target, "stop")
        elif self.state == "started":
            for target in targets:
                if target.action == "start":
                    self._run(target, "start")
        else:
            restarting = [t for t in targets if t.action == "restart"]
            stopped_ok = True
            for target in reversed(restarting):
                stopped_ok = self._run(target, "stop") and stopped_ok
            if not stopped_ok:
                self.errors.append("Restart aborted: stop phase had failures")
                return
            if not self.check_mode:
                self._check_ports(restarting, grace=PORT_RELEASE_GRACE)
            for target in restarting:
                self._run(target, "start")

    def observe(self):
        """``after`` of each target; then the health wait."""
        for target in self.targets:
            expected = predict_after(target.action, target.before, target.has_status)
            if self.check_mode or target.action == "none" or not target.has_status:
                target.after = expected
                continue
            try:
                target.after = run_status(self.shell, target.spec, target.plugin_dir, self.environ, self.status_timeout)
            except AtkError as exc:
                target.after = UNKNOWN
                target.warnings.append(exc.msg)
                continue
            if target.error is None and target.after != expected:
                target.warnings.append("Plugin '%s': the %s command succeeded but its status command reports '%s'." % (
                    target.name, target.action, target.after))
        if self.wait_health and self.state != "stopped" and not self.check_mode:
            for target in self.targets:
                if target.error is None:
                    self._health(target)

    def _health(self, target):
        url = (target.spec.get("lifecycle") or {}).get("health_endpoint")
        if not url:
            target.health = "no endpoint"
            target.warnings.append("Plugin '%s' declares no lifecycle.health_endpoint; wait_health has nothing to wait for."
                                   % target.name)
            return
        healthy, status, waited = wait_healthy(url, self.health_timeout, self.health_probe, self.sleep)
        target.health_status = status
        if healthy:
            target.health = "healthy"
            return
        target.health = "unhealthy"
        target.error = "Plugin '%s' is not healthy: %s %s within %s seconds." % (
            target.name, url, "answered HTTP %s" % status if status is not None else "did not answer", self.health_timeout)
        self.errors.append(target.error)

    def result(self):
        warnings = list(self.warnings)
        for target in self.targets:
            warnings.extend(target.warnings)
        results = [t.result() for t in self.targets]
        return {
            "changed": any(r["changed"] for r in results),
            "home": self.home,
            "state": self.state,
            "plugins": results,
            "warnings": warnings,
            "errors": list(self.errors),
        }


def converge_services(home, identifiers, state, all_plugins=False, check_mode=False, wait_health=False,
                      health_timeout=60, status_timeout=60, lock_timeout=600, shell=None, environ=None,
                      port_probe=port_listening, health_probe=http_probe, sleep=time.sleep):
    """The whole of atk_service. Returns its result (plus ``warnings`` and ``errors``)."""
    _home.require(home)
    run = ServiceRun(home, state, check_mode=check_mode, wait_health=wait_health, health_timeout=health_timeout,
                     status_timeout=status_timeout, shell=shell, environ=environ, port_probe=port_probe,
                     health_probe=health_probe, sleep=sleep)
    with _home.lock(home, timeout=lock_timeout, shared=True):
        manifest = _manifest.load_manifest(home)
        entries = select(home, manifest, identifiers, all_plugins)
        if not entries:
            return run.result()
        run.plan([load_target(home, entry) for entry in entries])
        run.execute()
        run.observe()
    return run.result()


def service_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_service's work from its validated parameters."""
    identifiers = [params["name"]] if params["name"] else list(params["names"] or [])
    return converge_services(_home.resolve_home(params["home"], environ), identifiers, params["state"],
                             all_plugins=params["all"], check_mode=check_mode, wait_health=params["wait_health"],
                             health_timeout=params["health_timeout"], status_timeout=params["status_timeout"],
                             lock_timeout=params["lock_timeout"], environ=environ)
