# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue between AnsibleModule and the rest of module_utils. PRIVATE to the collection.

The only module_utils file that knows about AnsibleModule: it turns ``run_command``
into the plain runner the other files take, checks the Python libraries modules
need, and turns :class:`AtkError` into ``fail_json``.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError


def make_runner(module):
    """``run(argv, cwd=None, env_update=None, data=None) -> (rc, out, err)`` over run_command."""
    def run(argv, cwd=None, env_update=None, data=None):
        return module.run_command(list(argv), cwd=cwd, environ_update=env_update or {}, data=data,
                                  binary_data=True, check_rc=False)
    return run


def require_libraries(module, yaml=True, jsonschema=True):
    """Fail with ``missing_required_lib`` when PyYAML or jsonschema are absent on the host."""
    if yaml:
        if not _manifest.HAS_YAML:
            module.fail_json(msg=missing_required_lib("PyYAML"), exception=_manifest.YAML_IMPORT_ERROR)
    if jsonschema:
        if not _validate.HAS_JSONSCHEMA:
            module.fail_json(msg=missing_required_lib("jsonschema"), exception=_validate.JSONSCHEMA_IMPORT_ERROR)


def new(argument_spec, module_class=AnsibleModule, **rules):
    """The AnsibleModule of an atk.core module (check mode supported), its libraries checked."""
    module = module_class(argument_spec=argument_spec, supports_check_mode=True, **rules)
    require_libraries(module)
    return module


def run_task(module, task, git=True):
    """Run ``task(params, run, git_path, check_mode, want_diff)`` (a module_utils function, the same
    the in-process path calls) and exit with its result."""
    git_path = module.get_bin_path("git", required=True) if git else None
    run_module(module, lambda: task(module.params, make_runner(module), git_path, module.check_mode, module._diff))


def run_module(module, work):
    """Call ``work()`` -> result dict; exit with it, or fail with the AtkError's message.

    A result may carry ``warnings`` (each becomes ``module.warn``) and ``errors`` (failures
    after partial work, e.g. an install that failed: the module fails with them joined,
    keeping the rest of the result so ``changed`` and the per-plugin details are reported).
    """
    try:
        result = work()
    except AtkError as exc:
        details = dict(exc.details)
        details.pop("msg", None)
        details.pop("stderr", None)
        module.fail_json(msg=str(exc), **details)
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    errors = result.pop("errors", None)
    if errors:
        module.fail_json(msg="; ".join(errors), **result)
    module.exit_json(**result)
