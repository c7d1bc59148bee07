# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_logs: what a plugin's ``logs`` lifecycle command prints, bounded and masked. PRIVATE to the collection.

``atk logs <plugin>`` runs the ``logs`` command (``/bin/sh -c``, in the plugin folder, with the
``.env``) on the terminal. Here it runs through :class:`_lifecycle.Shell` with its output in a 0600
file, for at most ``timeout`` seconds (a command that follows the log, ``docker compose logs -f``,
is stopped then, and what it printed so far is the answer), and only the last ``lines`` lines are
returned, with the plugin's secret values masked; the file is deleted once read. A plugin without a
``logs`` command is listed with ``defined: false``.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _scripts

# Bytes read from the end of a log to find its last lines (more than any sane ``lines`` needs).
READ_LIMIT = 4 * 1024 * 1024


def plugin_logs(shell, plugin, lines, timeout, environ):
    """One plugin's entry of atk_logs' result."""
    entry = {"plugin": plugin.directory, "name": plugin.name, "defined": False, "rc": None, "timed_out": False,
             "lines": [], "truncated": False, "command": None}
    command = _lifecycle.command_for(plugin.spec, "logs", plugin.dir)
    if command is None:
        return entry, None
    entry.update(defined=True, command=command)
    log = _lifecycle.log_path(plugin.home, plugin.directory, "logs")
    try:
        code = shell.run(command, plugin.dir, _lifecycle.environment(plugin.dir, "logs", environ), log, timeout)
        text, cut = _scripts.read_output(log, plugin.secrets(), READ_LIMIT)
    finally:
        if os.path.lexists(log):
            os.unlink(log)
    every = text.splitlines()
    if cut and every:
        every = every[1:]   # the first line read may be a partial one
    entry.update(rc=code, timed_out=code is None, lines=every[-lines:] if lines else [],
                 truncated=cut or len(every) > lines)
    error = None
    if code not in (0, None):
        tail = "\n".join(entry["lines"][-5:])
        error = "The logs command of plugin '%s' failed (exit code %d)%s" % (plugin.name, code, (": " + tail) if tail else "")
    return entry, error


def collect(home, plugins=None, lines=100, timeout=10, lock_timeout=600, environ=None, shell=None):
    """The whole of atk_logs: the logs of the plugins named (every plugin when none is)."""
    if lines < 0 or timeout <= 0:
        raise AtkError("lines must be 0 or more and timeout a positive number of seconds.")
    _home.require(home)
    environ = os.environ if environ is None else environ
    shell = shell or _lifecycle.Shell()
    result = {"changed": False, "home": home, "plugins": [], "warnings": [], "errors": []}
    with _home.lock(home, timeout=lock_timeout, shared=True):
        for plugin in _scripts.every(home, plugins):
            entry, error = plugin_logs(shell, plugin, lines, timeout, environ)
            result["plugins"].append(entry)
            if error:
                result["errors"].append(error)
            if not entry["defined"] and plugins:
                result["warnings"].append("Plugin '%s' has no logs command defined" % plugin.name)
    result["logs"] = dict((entry["plugin"], entry["lines"]) for entry in result["plugins"])
    return result


def logs_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_logs' work from its validated parameters (read-only: the same in check mode)."""
    return collect(_home.resolve_home(params["home"], environ), params["plugins"], params["lines"], params["timeout"],
                   params["lock_timeout"], environ)
