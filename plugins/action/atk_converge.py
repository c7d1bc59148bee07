# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atk_converge in Ansible's worker process when the target is the controller (see plugin_utils/_in_process)."""

from __future__ import annotations

from ansible_collections.atk.core.plugins.plugin_utils._in_process import InProcessAction
from ansible_collections.atk.core.plugins.module_utils import _converge
from ansible_collections.atk.core.plugins.module_utils import _specs


class ActionModule(InProcessAction):
    MODULE = "atk.core.atk_converge"
    SPEC = _specs.ATK_CONVERGE
    WORK = staticmethod(_converge.converge_task)
