# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A desired plugin (an item of ``plugins``), checked, and the manifest entry it means. PRIVATE.

An item says ``name`` / ``url`` / ``path``, ``source``, ``version``, ``state`` and ``env``.
:func:`normalize_item` fills in the source the way atk classifies what a user types
(``atk add <x>``) and refuses what cannot work; :func:`find_existing` finds the entry the item
refers to: by directory for registry and local plugins, by repository for git plugins
(:func:`_urls.identity`), by atk's own lookup for ``state: absent``.
"""

from __future__ import annotations

import os
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _names
from ansible_collections.atk.core.plugins.module_utils import _urls

STATES = ("present", "latest", "absent")
DRIFT = ("repair", "report")
KEYS = ("name", "source", "url", "path", "version", "state", "env", "drift")
_REGISTRY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_arg(value, what):
    if value is not None and (value.startswith("-") or "\0" in value or "\n" in value):
        raise AtkError("Refusing %s %r: it starts with '-' or holds a control character." % (what, value))


def label(item):
    """How an item is named in messages."""
    return item.get("name") or item.get("url") or item.get("path")


def normalize_item(raw, default_state="present"):
    """Validate one desired plugin and infer its source the way atk does."""
    item = dict((k, raw.get(k)) for k in KEYS)
    if not item["state"]:
        # A pinned version is kept even when the run's default is latest (e.g. the upgrade playbook).
        item["state"] = "present" if (item["version"] and default_state == "latest") else default_state
    if item["state"] not in STATES:
        raise AtkError("Unknown state %r for plugin %r; use one of %s." % (item["state"], item["name"], ", ".join(STATES)))
    if item["drift"] is not None and item["drift"] not in DRIFT:
        raise AtkError("Unknown drift %r for plugin %r; use one of %s." % (item["drift"], item["name"], ", ".join(DRIFT)))
    name = item["name"]
    for key in ("name", "url", "version"):
        _check_arg(item[key], key)
    source = item["source"]
    if source is None:
        if item["path"]:
            source = "local"
        elif item["url"]:
            source = "git"
        elif name and item["state"] == "absent" and not _names.is_explicit_path(name) and not _names.is_git_url(name):
            source = "any"  # atk's lookup: directory or display name, whatever the source
        elif name:
            source = _names.classify_source(name)
            if source == "local":
                item["path"] = name
                item["name"] = None
            elif source == "git":
                item["url"] = name
                item["name"] = None
        else:
            raise AtkError("A plugin needs a name, a url (git source) or a path (local source).")
    item["source"] = source
    if source == "any":
        return item
    _check_source(item, name)
    if item["path"]:
        item["path"] = os.path.abspath(os.path.expanduser(item["path"]))
    if item["env"] is not None:
        if not isinstance(item["env"], dict):
            raise AtkError("Plugin %r: env must be a mapping of variable names to values." % name)
        item["env"] = _envfile.normalize_values(item["env"])
    return item


def _check_source(item, name):
    source = item["source"]
    if source == "registry":
        if not name:
            raise AtkError("A registry plugin needs its registry name in 'name'.")
        if not _REGISTRY_NAME_RE.match(name):
            raise AtkError("Invalid registry plugin name %r." % name,
                           hint="Registry names are letters, digits, '.', '_' and '-' (as listed by atk.core.atk_registry).")
    elif source == "git" and not item["url"] and item["state"] != "absent":
        raise AtkError("Plugin %r has source git but no url." % name)
    elif source == "local" and not item["path"] and item["state"] != "absent":
        raise AtkError("Plugin %r has source local but no path." % name)
    if source == "local" and item["version"]:
        raise AtkError("Plugin %r is local: a version cannot be pinned for a local folder." % (name or item["path"]))
    if source == "local" and item["state"] == "latest":
        raise AtkError("Plugin '%s' is a local plugin and cannot be upgraded (state=latest)." % (name or item["path"]),
                       hint="Use state=present for local plugins.")
    if item["state"] == "latest" and item["version"]:
        raise AtkError("Plugin %r: state=latest and a version contradict each other." % name,
                       hint="Drop version to follow the source's HEAD, or use state=present with the version.")


def check_prune(prune, all_plugins, listed):
    """The combinations of prune and all that contradict themselves, as messages (None: fine)."""
    if prune and not listed:
        return "prune needs the whole desired list in plugins."
    if prune and all_plugins:
        return "prune and all contradict each other: prune removes what is not listed, all keeps it."
    return None


def find_existing(manifest, item, local_spec=None):
    """The manifest entry a desired item refers to, or None."""
    source = item["source"]
    if item["state"] == "absent" and item["name"]:
        entry = _manifest.find_entry(manifest, item["name"])
        if entry is not None:
            return entry
    if source == "registry":
        directory = _names.sanitize_directory_name(item["name"])
        return _by_directory(manifest, directory)
    if source == "git" and item["url"]:
        wanted = _urls.identity(item["url"])
        for entry in manifest["plugins"]:
            if entry["source"]["type"] == "git" and entry["source"]["url"] and \
                    _urls.identity(entry["source"]["url"]) == wanted:
                return entry
        return None
    if source == "local" and local_spec is not None:
        return _by_directory(manifest, _names.sanitize_directory_name(local_spec["name"]))
    return None


def _by_directory(manifest, directory):
    for entry in manifest["plugins"]:
        if entry["directory"] == directory:
            return entry
    return None
