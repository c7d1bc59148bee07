# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ATK registry (``index.yaml`` + ``plugins/<slug>/``) through the source cache. PRIVATE.

See :mod:`_source_cache` for the cache, its network accounting and round trips per operation.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _schemas
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils import _validate
from ansible_collections.atk.core.plugins.module_utils._proc import subprocess_runner
from ansible_collections.atk.core.plugins.module_utils._source_cache import CacheRepo

INDEX_FILE = "index.yaml"
REGISTRY_FILTER = "blob:limit=1m"
_NAME_RE = re.compile(r"^[^/\\\x00-\x1f\x7f]+$")


def check_index_path(path):
    """Return ``path`` if it is a safe plugin folder path of a registry index, else raise AtkError.

    Safe: a string, relative, already normalised (no ``.``/``..``/empty components, no
    trailing slash, no backslash or control character) and strictly inside ``plugins/``.
    """
    ok = (
        isinstance(path, str) and path and not path.startswith("/") and "\\" not in path
        and not any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in path)
        and posixpath.normpath(path) == path
        and ".." not in path.split("/")
        and path.startswith("plugins/") and len(path) > len("plugins/")
    )
    if not ok:
        raise AtkError("Registry index entry has an unsafe path %r: a plugin path must be a normalised "
                       "relative path inside 'plugins/' without '..'." % (path,),
                       hint="The registry is broken or hostile; refusing to use it.")
    return path


def _check_entry_name(name):
    if not isinstance(name, str) or not _NAME_RE.match(name) or name in (".", "..") or name.startswith("-"):
        raise AtkError("Registry index entry has an unsafe name %r: it must be a single path component." % (name,),
                       hint="The registry is broken or hostile; refusing to use it.")
    return name


def validate_index(data, url=_urls.DEFAULT_REGISTRY_URL):
    """Validate a parsed index.yaml like atk's ``RegistryIndexSchema`` plus the path/name safety rules.

    Returns the list of entries as ``{"name", "path", "description"}`` dicts (extra keys
    dropped, as pydantic does). Raises AtkError naming the offending field.
    """
    where = "Invalid registry index in %s" % _urls.redact_url(url)
    if data is None:
        data = {}
    if _validate.HAS_JSONSCHEMA:
        data = _validate.validate(data, _schemas.REGISTRY_INDEX_SCHEMA, "registry index of %s" % _urls.redact_url(url))
    if not isinstance(data, dict):
        raise AtkError("%s: the document must be a mapping." % where)
    version = data.get("schema_version", "2026-01-23")
    if not isinstance(version, str):
        raise AtkError("%s: schema_version: must be a string." % where)
    plugins = data.get("plugins", [])
    if not isinstance(plugins, list):
        raise AtkError("%s: plugins: must be a list." % where)
    entries = []
    seen = set()
    for number, item in enumerate(plugins):
        if not isinstance(item, dict):
            raise AtkError("%s: plugins.%d: must be a mapping." % (where, number))
        for key in ("name", "path", "description"):
            if key not in item:
                raise AtkError("%s: plugins.%d.%s: field required." % (where, number, key))
            if not isinstance(item[key], str):
                raise AtkError("%s: plugins.%d.%s: must be a string." % (where, number, key))
        _check_entry_name(item["name"])
        check_index_path(item["path"])
        if item["name"] in seen:
            # atk takes the first match; keep that, but do not hand out a second one.
            continue
        seen.add(item["name"])
        entries.append({"name": item["name"], "path": item["path"], "description": item["description"]})
    return entries


def suggest_names(name, names):
    """Up to three index names close to ``name`` (difflib), best first."""
    return difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)



class RegistryCache(CacheRepo):
    """The ATK registry (``index.yaml`` + ``plugins/<slug>/``) as a partial-clone cache."""

    kind = "registries"

    def __init__(self, url=_urls.DEFAULT_REGISTRY_URL, cache_root=None, run=subprocess_runner, blob_filter=REGISTRY_FILTER,
                 git="git", lock_timeout=600):
        super(RegistryCache, self).__init__(url, cache_root, run, blob_filter, git, lock_timeout)
        self._indexes = {}

    def drop(self):
        super(RegistryCache, self).drop()
        self._indexes = {}

    def _parse_index(self, sha):
        if not _spec.HAS_YAML:
            raise AtkError("PyYAML is required to read the registry index.", hint="Install PyYAML on the target host.")
        text = self._read_blob(sha, INDEX_FILE)
        try:
            # _spec's parser refuses alias bombs and recursive aliases (yaml.safe_load would
            # build them and validation would expand them: memory and time without bound).
            data = _spec.parse_yaml(text, INDEX_FILE)
        except AtkError as exc:
            detail = exc.msg.split("': ", 1)[-1] if exc.msg.startswith("Invalid YAML in '") else exc.msg
            raise AtkError("Invalid registry index in %s at %s: %s" % (self.display_url, sha, detail))
        entries = validate_index(data, self.url)
        self._indexes[sha] = entries
        return entries

    def _index_entry_present(self, sha):
        if INDEX_FILE not in self._ls_tree(sha, [INDEX_FILE]):
            raise AtkError("Registry does not contain index.yaml (%s at %s)" % (self.display_url, sha))

    def index(self, sha):
        """The validated index at commit ``sha``: ``[{"name", "path", "description"}]``.

        Ensures the commit first (see :meth:`ensure_commit`); at most one blob fetch.
        """
        sha = self._check_sha(sha)
        if sha in self._indexes:
            return self._indexes[sha]
        with self._locked():
            self.ensure_commit(sha)
            self._index_entry_present(sha)
            self._prefetch(sha, [INDEX_FILE])
            return self._parse_index(sha)

    def _find(self, entries, name):
        for entry in entries:
            if entry["name"] == name:
                return entry
        hint = None
        near = suggest_names(name, [entry["name"] for entry in entries])
        if near:
            hint = "Did you mean: %s?" % ", ".join(near)
        raise AtkError("Plugin '%s' not found in registry %s" % (name, self.display_url), hint=hint,
                       name=name, suggestions=near)

    def lookup(self, sha, name):
        """The index entry whose name is exactly ``name`` (atk: case-sensitive, first match)."""
        return self._find(self.index(sha), name)

    def stage(self, sha, names, dest_root):
        """Copy the folders of ``names`` at commit ``sha`` to ``<dest_root>/<name>``; returns ``{name: dir}``.

        One blob fetch at most for all of them (index.yaml included when it is not local
        yet: the fetch then takes ``plugins/<name>`` as the likely path, and only a
        registry whose index says otherwise costs a second fetch). ``dest_root`` is created
        when missing; ``<dest_root>/<name>`` must not exist.
        """
        sha = self._check_sha(sha)
        names = list(dict.fromkeys(names))
        if not names:
            return {}
        dest_root = os.path.abspath(dest_root)
        for name in names:
            _check_entry_name(name)
            if os.path.lexists(os.path.join(dest_root, name)):
                raise AtkError("Staging directory %s already exists." % os.path.join(dest_root, name))
        with self._locked():
            self.ensure_commit(sha)
            if not os.path.isdir(dest_root):
                os.makedirs(dest_root, 0o700)
            entries = self._indexes.get(sha)
            if entries is None:
                self._index_entry_present(sha)
                guesses = ["plugins/" + name for name in names]
                present = self._ls_tree(sha, guesses)
                wanted = [INDEX_FILE] + [path for path in guesses if present.get(path, ("", ""))[1] == "tree"]
                self._prefetch(sha, wanted + self._attribute_files(sha, wanted))
                entries = self._parse_index(sha)
            chosen = [self._find(entries, name) for name in names]
            paths = [entry["path"] for entry in chosen]
            tree = self._ls_tree(sha, paths)
            for entry in chosen:
                if tree.get(entry["path"], ("", ""))[1] != "tree":
                    raise AtkError("Plugin directory '%s' listed in index but missing from registry (%s at %s)"
                                   % (entry["path"], self.display_url, sha))
            self._prefetch(sha, paths + self._attribute_files(sha, paths))
            tmp, work = self._checkout(sha, paths, dest_root)
            try:
                staged = {}
                for entry in chosen:
                    source = os.path.join(work, entry["path"])
                    _fs.check_tree(source, "registry plugin '%s'" % entry["name"])
                for entry in chosen:
                    target = os.path.join(dest_root, entry["name"])
                    _fs.copy_tree(os.path.join(work, entry["path"]), target)
                    staged[entry["name"]] = target
                return staged
            finally:
                _fs.remove_tree(tmp)
