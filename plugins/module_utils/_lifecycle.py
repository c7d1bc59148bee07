# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's lifecycle commands, run the way atk 0.4.0 runs them. PRIVATE to the collection.

atk runs ``/bin/sh -c <command>`` with cwd = the plugin folder and env = process env
plus the plugin's .env (the .env wins). Defaults from plugin.yaml and ATK_PLUGIN_DIR are
NOT exported. A ``custom/docker-compose.override.yml`` is injected into commands that
start with ``docker compose`` (except ``status``). Secrets travel in the environment only.
"""

from __future__ import annotations

import os
import subprocess

from ansible_collections.atk.core.plugins.module_utils import _fs

COMMANDS = ("install", "uninstall", "start", "stop", "logs", "status")
OVERRIDE_FILE = "docker-compose.override.yml"
# How much of a failed command's output goes into a message (the tail is the useful part).
OUTPUT_TAIL = 2000


def inject_compose_override(command, plugin_dir):
    """atk's literal-prefix rewrite to ``docker compose -f docker-compose.yml -f custom/...``."""
    if not os.path.exists(os.path.join(plugin_dir, "custom", OVERRIDE_FILE)):
        return command
    if not command.startswith("docker compose"):
        return command
    return "docker compose -f docker-compose.yml -f custom/%s%s" % (OVERRIDE_FILE, command[len("docker compose"):])


def command_for(spec, key, plugin_dir):
    """The shell command atk would run for ``key``, or None when the plugin defines none."""
    command = ((spec.get("lifecycle") or {}).get(key))
    if command is None:
        return None
    if key == "status":
        return command
    return inject_compose_override(command, plugin_dir)


def read_env(plugin_dir):
    """The plugin's .env values as atk reads them (python-dotenv semantics)."""
    from ansible_collections.atk.core.plugins.module_utils import _envfile
    text = _fs.read_text(os.path.join(plugin_dir, ".env"))
    return _envfile.values(text) if text else {}


def run(run_cmd, spec, key, plugin_dir, with_env=True):
    """Run lifecycle ``key``. Returns None when undefined, else (rc, stdout, stderr).

    ``run_cmd`` is the runner contract of the other module_utils. ``status`` runs
    without the .env, as atk's does.
    """
    command = command_for(spec, key, plugin_dir)
    if command is None:
        return None
    env = read_env(plugin_dir) if (with_env and key != "status") else {}
    return run_cmd(["/bin/sh", "-c", command], cwd=plugin_dir, env_update=env)


def detached_runner(log_dir, environ=None):
    """A runner (the module_utils runner contract) for lifecycle commands.

    atk runs them with the terminal's stdio. A module has only pipes, and a daemon started by
    an install or start command that keeps writing to an inherited pipe breaks once the module
    exits (or holds the module open). So: own session, stdin from /dev/null, stdout and stderr
    into a 0600 log file under ``log_dir`` (in .git/atk-core, never in the tracked tree), whose
    text is returned as stdout once the command has exited.
    """
    base = os.environ if environ is None else environ

    def run(argv, cwd=None, env_update=None, data=None):
        if not os.path.isdir(log_dir):
            os.makedirs(log_dir)
        log = os.path.join(log_dir, "%s.log" % os.path.basename(cwd or "lifecycle"))
        if os.path.lexists(log):
            os.unlink(log)  # a daemon of an earlier run may still hold the old file open
        env = dict(base)
        env.update(env_update or {})
        handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                    stderr=subprocess.STDOUT, close_fds=True, start_new_session=True)
        finally:
            os.close(handle)
        code = proc.wait()
        with open(log, "rb") as output:
            output.seek(0, os.SEEK_END)
            output.seek(max(0, output.tell() - 4 * OUTPUT_TAIL))
            text = output.read().decode("utf-8", "replace")
        # The output can hold the plugin's secrets (its .env is the command's environment): it
        # lives on only in the caller's masked message. A daemon still writing goes on writing
        # into the unlinked file, which disappears with it.
        os.unlink(log)
        return code, text, ""
    return run


def tail(text, secrets=()):
    """The end of a command's output for an error message, with secret values masked."""
    text = text or ""
    # Mask before cutting (a secret across the cut would survive) and longest first
    # (masking "admin" before "admin123" would leave "123" visible).
    for secret in sorted(set(s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "********")
    return text[-OUTPUT_TAIL:]


def required_unset(spec, env_values, environ=None):
    """Required env var names that are set neither in .env (even empty counts) nor in the environment."""
    environ = os.environ if environ is None else environ
    return [var["name"] for var in spec.get("env_vars") or []
            if var.get("required") and var["name"] not in env_values and var["name"] not in environ]
