# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values that must be written in more than one file (YAML and docs cannot import Python) are
checked against the one definition in module_utils."""

from __future__ import annotations

import os
import re

import yaml

from ansible_collections.atk.core.plugins.module_utils import _urls

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return handle.read()


def _documentation(module):
    text = _read("plugins", "modules", module + ".py")
    return yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])


def test_default_registry_url_is_the_one_definition():
    url = _urls.DEFAULT_REGISTRY_URL
    assert yaml.safe_load(_read("roles", "atk", "defaults", "main.yml"))["atk_registry_url"] == url
    specs = yaml.safe_load(_read("roles", "atk", "meta", "argument_specs.yml"))
    assert specs["argument_specs"]["main"]["options"]["atk_registry_url"]["default"] == url
    fragment = _read("plugins", "doc_fragments", "plugin_run.py")
    assert yaml.safe_load(fragment.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])["options"]["registry_url"][
        "default"] == url
    assert _documentation("atk_registry")["options"]["url"]["default"] == url


def test_no_other_registry_url_is_typed_in_the_code():
    """module_utils and modules name the public registry only through _urls.DEFAULT_REGISTRY_URL."""
    pattern = re.compile(r"https://github\.com/Svtoo/atk-registry")
    for folder in ("module_utils", "modules"):
        for name in sorted(os.listdir(os.path.join(ROOT, "plugins", folder))):
            if not name.endswith(".py") or name == "_urls.py":
                continue
            text = _read("plugins", folder, name)
            code = text.split('DOCUMENTATION = r"""', 1)[0] + text.split('RETURN = r"""', 1)[-1].split('"""', 1)[-1] \
                if folder == "modules" else text
            assert not pattern.search(code), "%s/%s types the registry URL; use _urls.DEFAULT_REGISTRY_URL" % (folder, name)
