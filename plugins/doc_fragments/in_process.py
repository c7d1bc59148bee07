# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The switch of the modules that have an action plugin in front of them."""

    DOCUMENTATION = r"""
options:
  in_process:
    description:
      - When the target is the controller itself (the C(local) connection, no C(become), not C(async)) and the
        controller's Python has PyYAML and jsonschema, the work runs inside Ansible's worker process, with the same
        code, argument validation, check mode, diff, warnings and C(no_log) masking as the module, without the
        price of a module call (about 0.3 s). Every other case takes the module path automatically.
      - V(false) always takes the module path. Left out, the variable C(atk_core_in_process) decides (for
        example V(false) for a host in inventory), else V(true).
    type: bool
attributes:
  action:
    description: Indicates this has a corresponding action plugin, so some parts of the work can run on the controller.
    support: full
    details: On the local connection the work runs in the controller's process (see O(in_process)).
"""
