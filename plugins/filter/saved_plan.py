# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The saved_plan filter: the plan records of a preview's hosts -> the text of one plan file.

Documentation: saved_plan.yml next to this file. The format and the digest are defined once, in
module_utils/_saved_plan (which also verifies a plan before a run applies it).
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.atk.core.plugins.module_utils import _saved_plan
from ansible_collections.atk.core.plugins.plugin_utils._in_process import plain


def saved_plan(records):
    """``{host: plan_record or None}`` -> the plan file's JSON text (with its digest)."""
    if not isinstance(records, Mapping):
        raise AnsibleFilterError("saved_plan expects a mapping of host names to atk_converge plan records, got %s"
                                 % type(records).__name__)
    records = plain(records)
    for host, record in records.items():
        if record is not None and not isinstance(record, dict):
            raise AnsibleFilterError("saved_plan: the record of %s is not a mapping (atk_converge's plan_record)" % host)
    return _saved_plan.dumps(_saved_plan.document(records))


class FilterModule(object):
    """atk.core filters."""

    def filters(self):
        return {"saved_plan": saved_plan}
