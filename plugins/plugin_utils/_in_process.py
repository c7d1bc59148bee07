# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's work in Ansible's worker process when the target is the controller itself.

PRIVATE to the collection. A module call costs about 0.3 s (AnsiballZ: zip, copy, a new Python,
imports); the converge itself takes a few hundredths. When the task runs on the local connection,
without become, not async, and the controller's Python has PyYAML and jsonschema, the action plugin
in front of the module does the work right here with the same code: the module's argument spec
(validated with ``ansible.module_utils.common.arg_spec``, as AnsibleModule does), the same
module_utils function, check mode, diff, warnings, and ``no_log`` values removed from the result.
Anything else (an SSH host, become, delegate_to another host, an ``ansible_python_interpreter``
other than the controller's, a missing library, or ``in_process: false``) takes the module path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

# First: the module_utils below then load from .pyc files (Ansible's loader compiles them every run).
from ansible_collections.atk.core.plugins.plugin_utils import _bytecode

_bytecode.install()

try:
    from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
    from ansible_collections.atk.core.plugins.module_utils import _manifest
    from ansible_collections.atk.core.plugins.module_utils import _validate
    HAS_LIBRARIES = _manifest.HAS_YAML and _validate.HAS_JSONSCHEMA
except ImportError:  # the collection's code needs PyYAML at import time in places
    HAS_LIBRARIES = False

LOCAL = ("local", "ansible.builtin.local")
SWITCH = "in_process"
VARIABLE = "atk_core_in_process"


def plain(value):
    """``value`` as the module would receive it (JSON types): Ansible's tagged, unsafe or vaulted
    strings become plain ``str`` (a vaulted value decrypted, as the module's JSON gets it)."""
    if isinstance(value, Mapping):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    # str.__str__: ansible-core 2.17's unsafe text returns itself from str(), and would reach YAML dumps as a tag.
    return str.__str__(value) if isinstance(value, str) else str(value)


def runner(environ):
    """The module_utils runner contract, with the task's environment (``environment:``) applied."""
    def run(argv, cwd=None, env_update=None, data=None):
        env = dict(environ)
        env.update(env_update or {})
        kwargs = {"stdin": subprocess.DEVNULL} if data is None else {"input": data}
        proc = subprocess.run(list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              encoding="utf-8", errors="surrogateescape", check=False, **kwargs)
        return proc.returncode, proc.stdout, proc.stderr
    return run


class InProcessAction(ActionBase):
    """Subclasses set MODULE (its FQCN), SPEC (its argument spec), RULES (mutually_exclusive, ...) and
    WORK: ``work(params, run, git_path, check_mode, want_diff, environ) -> result``."""

    MODULE = None
    SPEC = None
    RULES = {}
    WORK = None

    def _in_process(self, task_vars):
        """Why this task cannot run here (None: it can)."""
        switch = self._task.args.get(SWITCH)
        if switch is None:
            switch = self._templar.template((task_vars or {}).get(VARIABLE, True))
        if not boolean(switch, strict=False):
            return "in_process is false"
        if getattr(self._connection, "_load_name", None) not in LOCAL and \
                getattr(self._connection, "transport", None) not in LOCAL:
            return "the connection is not local"
        if self._play_context.become:
            return "become is on"
        if self._task.async_val:
            return "the task is async"
        if not HAS_LIBRARIES:
            return "the controller's Python lacks PyYAML or jsonschema"
        interpreter = (task_vars or {}).get("ansible_python_interpreter")
        if interpreter:
            interpreter = self._templar.template(interpreter)
            if os.path.abspath(os.path.expanduser(str(interpreter))) != os.path.abspath(sys.executable):
                return "the host's ansible_python_interpreter is another Python"
        return None

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessAction, self).run(tmp, task_vars)
        del tmp
        if self._in_process(task_vars) is not None:
            result.update(self._execute_module(module_name=self.MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        environ = dict(os.environ)
        environ.update(dict((str(k), str(v)) for k, v in environment.items()))
        result.update(self._work(plain(self._task.args), environ))
        return result

    def _work(self, args, environ):
        validator = ArgumentSpecValidator(self.SPEC, **self.RULES)
        validated = validator.validate(args)
        no_log = set(validated._no_log_values)  # pylint: disable=protected-access
        try:
            error = validated.errors[0]
        except IndexError:
            error = None
        if error is not None:
            msg = validated.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self.MODULE, msg)
            return self._finish({"failed": True, "msg": msg}, args, no_log)
        params = validated.validated_parameters
        if not os.path.isdir(os.getcwd() if os.path.exists(".") else "/"):
            os.chdir("/")
        git = shutil.which("git", path=environ.get("PATH"))
        if git is None:
            return self._finish({"failed": True, "msg": "Failed to find required executable \"git\" in paths: %s"
                                 % environ.get("PATH", "")}, params, no_log)
        try:
            output = self.WORK(params, runner(environ), git, bool(self._task.check_mode), bool(self._task.diff),
                               environ)
        except AtkError as exc:
            details = dict(exc.details)
            details.pop("msg", None)
            details.pop("stderr", None)
            return self._finish(dict(details, failed=True, msg=str(exc)), params, no_log)
        warnings = output.pop("warnings", None) or []
        errors = output.pop("errors", None)
        if errors:
            output.update(failed=True, msg="; ".join(errors))
        if warnings:
            output["warnings"] = list(warnings)
        return self._finish(output, params, no_log)

    @staticmethod
    def _finish(output, params, no_log):
        """What AnsibleModule.exit_json/fail_json return: the invocation, no_log values removed."""
        output["invocation"] = {"module_args": params}
        preserved = dict((k, v) for k, v in output.items() if v is None or isinstance(v, bool))
        output = remove_values(output, no_log)
        output.update(preserved)
        return output
