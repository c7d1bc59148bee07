# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """What a module needs on the managed host: the Python libraries every module checks for
    (DOCUMENTATION), and git too for the modules that fetch or commit (GIT)."""

    DOCUMENTATION = r"""
options: {}
requirements:
  - PyYAML
  - jsonschema
"""

    GIT = r"""
options: {}
requirements:
  - git
  - PyYAML
  - jsonschema
"""
