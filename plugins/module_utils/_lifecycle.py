# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plugin's lifecycle commands, run the way atk 0.4.0 runs them. PRIVATE to the collection.

atk runs ``/bin/sh -c <command>`` with cwd = the plugin folder and env = process env plus the
plugin's .env (the .env wins); ``status`` runs without the .env. Defaults from plugin.yaml and
ATK_PLUGIN_DIR are NOT exported. A ``custom/docker-compose.override.yml`` is injected into
commands that start with ``docker compose`` (except ``status``). Secrets travel in the
environment only. (docs/atk-compatibility.md §5.6, §7.)

:class:`Shell` is the one runner of these commands (atk_plugin's install and uninstall,
atk_service's start, stop and status, atk_info's status). atk runs them with the terminal's
stdio; a module has only pipes, and a daemon started by an install or start command that kept
writing to an inherited pipe would break once the module exits (or hold the module open). So
each command runs in its own session, stdin from /dev/null, stdout and stderr into a 0600 log
file under ``<home>/.git/atk-core/logs/`` (never in the tracked tree) or nowhere.
"""

from __future__ import annotations

import os
import signal
import subprocess

from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _mask
from ansible_collections.atk.core.plugins.module_utils import _spec

COMMANDS = ("install", "uninstall", "start", "stop", "logs", "status")
OVERRIDE_FILE = "docker-compose.override.yml"
LOG_DIR = "logs"
# How much of a command's output goes into a message (the tail is the useful part).
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
    command = (spec.get("lifecycle") or {}).get(key)
    if command is None:
        return None
    if key == "status":
        return command
    return inject_compose_override(command, plugin_dir)


def read_env(plugin_dir):
    """The plugin's .env values as atk reads them (python-dotenv semantics)."""
    text = _fs.read_text(os.path.join(plugin_dir, ".env"))
    return _dotenv.values(text) if text else {}


def missing_required(spec, env_values, environ=None):
    """Required names set neither in .env (even empty counts) nor in the environment (atk's
    ``check_required_env_vars``, which refuses install and start)."""
    environ = os.environ if environ is None else environ
    return [name for name in _spec.required_names(spec) if name not in env_values and name not in environ]


def missing_message(name, missing):
    """atk's refusal (``Missing required environment variables for '<name>': A, B.``)."""
    return "Missing required environment variables for '%s': %s." % (name, ", ".join(missing))


def log_path(home, directory, key):
    """Where the output of ``key`` for plugin ``directory`` goes (0700 folder in .git/atk-core)."""
    folder = os.path.join(_home.state_dir(home), LOG_DIR)
    _fs.makedirs(folder)
    return os.path.join(folder, "%s.%s.log" % (directory, key))


def _open_log(path):
    """A new 0600 file for a command's output (None: discarded)."""
    if not path:
        return subprocess.DEVNULL
    if os.path.lexists(path):
        os.unlink(path)  # a daemon of an earlier run may still write to the old file
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


class Shell(object):
    """Runs one lifecycle command: ``/bin/sh -c <command>`` in its own session.

    ``run`` returns the exit code, or None when ``timeout`` passed (the command's whole process
    group is then killed). Output goes to the file ``log`` (created 0600), or is discarded.
    """

    def run(self, command, cwd, env, log=None, timeout=None):
        return self.execute(["/bin/sh", "-c", command], cwd, env, log, timeout)

    def execute(self, argv, cwd, env, log=None, timeout=None, errors=None):
        """An argument list (a plugin script, run the way ``atk run`` runs it: no shell) as :meth:`run`
        runs a command; ``errors``: a file of its own for stderr (default: with stdout in ``log``)."""
        handles = [_open_log(log), _open_log(errors) if errors else subprocess.STDOUT]
        try:
            proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=handles[0],
                                    stderr=handles[1], close_fds=True, start_new_session=True)
        finally:
            for handle in handles:
                if isinstance(handle, int) and handle >= 0:
                    os.close(handle)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
            return None


def environment(plugin_dir, key, environ):
    """What atk gives command ``key``: the environment, plus the .env except for ``status``."""
    env = dict(environ)
    if key != "status":
        env.update(read_env(plugin_dir))
    return env


def read_tail(log):
    """The end of a log file (enough for :func:`tail`), or ''."""
    try:
        with open(log, "rb") as output:
            output.seek(0, os.SEEK_END)
            output.seek(max(0, output.tell() - 4 * OUTPUT_TAIL))
            return output.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


def run(shell, spec, key, plugin_dir, environ=None, log=None, keep_log=False, timeout=None):
    """Run lifecycle ``key``. None when the plugin defines none, else ``(code, output)``.

    ``output`` is the end of what the command printed, secrets masked. Unless ``keep_log``
    (a service keeps writing to it), the log is deleted once read: the output can hold the
    plugin's secrets, and lives on only in the caller's masked message. A daemon still
    writing goes on writing into the unlinked file, which disappears with it.
    """
    command = command_for(spec, key, plugin_dir)
    if command is None:
        return None
    environ = os.environ if environ is None else environ
    code = shell.run(command, plugin_dir, environment(plugin_dir, key, environ), log, timeout)
    output = ""
    if log:
        output = tail(read_tail(log), _mask.secret_values(spec, read_env(plugin_dir)))
        if not keep_log and os.path.lexists(log):
            os.unlink(log)
    return code, output


def tail(text, secrets=()):
    """The end of a command's output for a message, with secret values masked (before cutting:
    a secret across the cut would survive)."""
    return _mask.mask(text or "", secrets)[-OUTPUT_TAIL:]
