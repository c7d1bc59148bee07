# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret masking: which values are secret, and how they are hidden. PRIVATE to the collection.

The one rule every output of atk.core goes through (lifecycle and service output in
messages, agent config diffs, atk_info's MCP view):

* what to mask (:func:`secret_values`): the values of variables plugin.yaml declares
  ``secret: true``, plus the values of names plugin.yaml does not declare at all (atk.core
  cannot know what they hold). A declared, non-secret value (``OPENMEMORY_URL``) stays
  readable;
* how (:func:`mask`): every occurrence, whatever the value's length, in its raw form and in
  the escaped forms a JSON or TOML file gives it, longest first (masking ``admin`` before
  ``admin123`` would leave ``123`` visible).
"""

from __future__ import annotations

import json

from ansible_collections.atk.core.plugins.module_utils import _toml
from ansible_collections.atk.core.plugins.module_utils import _validate

MASK = "********"


def secret_names(spec, names):
    """The names among ``names`` whose values are secret under ``spec`` (plugin.yaml, may be None)."""
    declared = dict((var.get("name"), var) for var in (spec or {}).get("env_vars") or [])
    return [name for name in names if name not in declared or _validate.truthy(declared[name].get("secret"))]


def secret_values(spec, env_values):
    """The values of ``env_values`` (name -> value) that must never be shown."""
    return [env_values[name] for name in secret_names(spec, list(env_values)) if env_values[name]]


def forms(value):
    """``value`` as it appears raw, in a JSON string and in a TOML basic string."""
    found = set([value, json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1],
                 _toml.dumps_value(value)[1:-1]])
    found.discard("")
    return found


def mask(text, values):
    """``text`` with every form of every value replaced by ``********``."""
    if not text:
        return text
    every = set()
    for value in values:
        if value:
            every.update(forms(value))
    for form in sorted(every, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text
