# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_run: one plugin script, the way ``atk run`` runs it, made idempotent. PRIVATE to the collection.

:func:`run_script` is the module's one call. The script is found and run by :mod:`_scripts` (atk's
order and environment); ``creates`` and ``removes`` make it idempotent as they make
ansible.builtin.command (paths relative to the plugin folder, where the script runs); check mode
runs nothing and reports that the script would run. Output is masked (the plugin's secret values)
and bounded (the end of each stream).
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _scripts


def _where(plugin, path):
    return path if os.path.isabs(path) else os.path.join(plugin.dir, path)


def skip_reason(plugin, creates=None, removes=None):
    """Why the script does not need to run (``creates`` exists, ``removes`` does not), or None."""
    if creates and os.path.exists(_where(plugin, os.path.expanduser(creates))):
        return "skipped, since %s exists" % creates
    if removes and not os.path.exists(_where(plugin, os.path.expanduser(removes))):
        return "skipped, since %s does not exist" % removes
    return None


def run_script(home, plugin, script, args=(), creates=None, removes=None, env=None, timeout=3600, check_mode=False,
               lock_timeout=600, environ=None, shell=None):
    """The whole of atk_run. Returns its result (plus ``warnings`` and ``errors``)."""
    _home.require(home)
    check_timeout(timeout)
    shell = shell or _lifecycle.Shell()
    with _home.lock(home, timeout=lock_timeout, shared=True):
        target = _scripts.find(home, plugin)
        relative = _scripts.resolve(target.dir, script)
        if relative is None:
            raise _scripts.not_found(script, target.name)
        result = {"changed": False, "home": home, "plugin": target.directory, "name": target.name, "script": relative,
                  "args": list(args), "ran": False, "stdout": "", "stderr": "", "stdout_lines": [],
                  "stderr_lines": [], "truncated": False, "warnings": [], "errors": []}
        reason = skip_reason(target, creates, removes)
        if reason is not None:
            result["msg"] = reason
            return result
        result["changed"] = True
        if check_mode:
            result["msg"] = "%s of plugin '%s' would run (check mode runs nothing)" % (relative, target.name)
            return result
        code, stdout, stderr, truncated = _scripts.run(shell, target, relative, args, env, environ, timeout)
    # Ansible takes a result's non-zero rc for a failure: rc is there only when the script ran (-9: killed).
    result.update(ran=True, rc=-9 if code is None else code, stdout=stdout, stderr=stderr, stdout_lines=stdout.splitlines(),
                  stderr_lines=stderr.splitlines(), truncated=truncated)
    if code is None:
        result["errors"].append("%s of plugin '%s' did not finish within %d seconds and was killed." % (
            relative, target.name, timeout))
    elif code != 0:
        result["errors"].append("%s of plugin '%s' failed (exit code %d)." % (relative, target.name, code))
    else:
        result["msg"] = "%s of plugin '%s' ran" % (relative, target.name)
    return result


def check_timeout(timeout):
    if timeout is not None and timeout <= 0:
        raise AtkError("timeout must be a positive number of seconds, got %s." % timeout)
    return timeout


def script_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_run's work from its validated parameters (``run``, ``git_path`` and ``want_diff`` are not used)."""
    env = dict((str(k), str(v)) for k, v in (params["env"] or {}).items())
    return run_script(_home.resolve_home(params["home"], environ), params["plugin"], params["script"], params["args"],
                      params["creates"], params["removes"], env, params["timeout"], check_mode, params["lock_timeout"],
                      environ)
