# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Naming installed plugins as atk does (_manifest.find_entry): one (DOCUMENTATION) or several (PLUGINS).
    A module that requires the option adds ``required: true`` to it (ansible-doc merges an option's keys)."""

    DOCUMENTATION = r"""
options:
  plugin:
    description:
      - The plugin, by directory (for example V(exa)) or display name (for example V(Piper TTS)) - the first manifest
        entry whose directory or name equals it, case-sensitive, as C(atk) looks plugins up.
    type: str
"""

    PLUGINS = r"""
options:
  plugins:
    description:
      - The plugins, each by directory or display name as C(atk) looks plugins up (the first manifest entry whose
        directory or name equals it). Left out or empty, every plugin of the manifest.
    type: list
    elements: str
    default: []
"""
