# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plugin directory names and source classification, by atk 0.4.0's rules. PRIVATE to the collection."""

from __future__ import annotations

import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

# atk's DIRECTORY_PATTERN plus its minimum length of 2.
DIRECTORY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def is_valid_directory(directory):
    """True when ``directory`` is a name atk accepts for plugins/<directory>."""
    return isinstance(directory, str) and len(directory) >= 2 and DIRECTORY_PATTERN.match(directory) is not None


def sanitize_directory_name(display_name):
    """atk's ``sanitize_directory_name``: 'Demo Plugin_X' -> 'demo-plugin-x', '9Single' -> 'a9single'."""
    name = display_name.strip().lower()
    if not name:
        raise AtkError("Display name '%s' cannot be sanitized: empty after trimming" % display_name)
    name = re.sub(r"[ _]+", "-", name)
    name = re.sub(r"[^a-z0-9-]", "", name)
    name = re.sub(r"-+", "-", name)
    name = name.strip("-")
    if not name:
        raise AtkError("Display name '%s' cannot be sanitized: empty after processing" % display_name)
    if not name[0].isalpha():
        name = "a" + name
    if len(name) < 2:
        raise AtkError("Display name '%s' cannot be sanitized: result too short" % display_name)
    return name


def is_explicit_path(source):
    """atk treats these as local paths whether or not they exist."""
    return source.startswith(("./", "../", "/", "~/", "~\\"))


def is_git_url(source):
    """atk's git URL test: git@host:path, http(s)/file URLs, or host.tld/path shorthand."""
    if source.startswith("git@") and ":" in source[4:]:
        return True
    if source.startswith(("https://", "http://", "file://")):
        return True
    if "/" in source:
        return "." in source.split("/", 1)[0]
    return False


def classify_source(source):
    """'local', 'git' or 'registry' for what a user would type after ``atk add``.

    Unlike atk, an existing ``./<name>`` folder in the current directory does not turn a
    registry name into a local path: a playbook's result must not depend on its CWD.
    """
    source = source.strip()
    if not source:
        raise AtkError("A plugin source cannot be empty.")
    if is_explicit_path(source):
        return "local"
    if is_git_url(source):
        return "git"
    return "registry"
