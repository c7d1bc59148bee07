# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """What a module that runs git on the managed host needs there."""

    DOCUMENTATION = r"""
options: {}
requirements:
  - git
  - PyYAML
  - jsonschema
"""
