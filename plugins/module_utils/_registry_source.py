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


def _entry_schema():
    return _schemas.REGISTRY_INDEX_SCHEMA["properties"]["plugins"]["items"]


def _document_schema():
    schema = dict(_schemas.REGISTRY_INDEX_SCHEMA)
    properties = dict(schema["properties"])
    properties["plugins"] = dict((k, v) for k, v in properties["plugins"].items() if k != "items")
    schema["properties"] = properties
    return schema


def _check_entry(item, number, url):
    """One index entry, validated like atk's schema plus the name/path safety rules."""
    where = "registry index entry plugins.%d of %s" % (number, _urls.redact_url(url))
    if _validate.HAS_JSONSCHEMA:
        item = _validate.validate(item, _entry_schema(), where)
    if not isinstance(item, dict):
        raise AtkError("Invalid %s: must be a mapping." % where)
    for key in ("name", "path", "description"):
        if key not in item:
            raise AtkError("Invalid %s: %s: field required." % (where, key))
        if not isinstance(item[key], str):
            raise AtkError("Invalid %s: %s: must be a string." % (where, key))
    _check_entry_name(item["name"])
    check_index_path(item["path"])
    return {"name": item["name"], "path": item["path"], "description": item["description"]}


def validate_index(data, url=_urls.DEFAULT_REGISTRY_URL):
    """Validate a parsed index.yaml like atk's ``RegistryIndexSchema`` plus the path/name safety rules.

    Returns ``(entries, bad)``: ``entries`` as ``{"name", "path", "description"}`` dicts (extra keys
    dropped, as pydantic does), ``bad`` the entries that are invalid or unsafe, each
    ``{"entry": number, "name": its name or None, "error": AtkError}``. One bad entry must not make
    every other plugin of the registry unusable (Helm skips an invalid chart entry the same way);
    a document that is not an index at all raises AtkError.
    """
    where = "Invalid registry index in %s" % _urls.redact_url(url)
    if data is None:
        data = {}
    if _validate.HAS_JSONSCHEMA:
        data = _validate.validate(data, _document_schema(), "registry index of %s" % _urls.redact_url(url))
    if not isinstance(data, dict):
        raise AtkError("%s: the document must be a mapping." % where)
    if not isinstance(data.get("schema_version", "2026-01-23"), str):
        raise AtkError("%s: schema_version: must be a string." % where)
    plugins = data.get("plugins", [])
    if not isinstance(plugins, list):
        raise AtkError("%s: plugins: must be a list." % where)
    entries, bad = [], []
    seen = set()
    for number, item in enumerate(plugins):
        try:
            entry = _check_entry(item, number, url)
        except AtkError as exc:
            name = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else None
            bad.append({"entry": number, "name": name, "error": exc})
            continue
        if entry["name"] in seen:
            # atk takes the first match; keep that, but do not hand out a second one.
            continue
        seen.add(entry["name"])
        entries.append(entry)
    return entries, bad


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
        self._bad = {}
        self.warnings = []

    def drop(self):
        super(RegistryCache, self).drop()
        self._indexes = {}
        self._bad = {}

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
        entries, bad = validate_index(data, self.url)
        self._indexes[sha] = entries
        self._bad[sha] = bad
        for item in bad:
            self.warnings.append("Skipping entry %d%s of the registry index of %s at %s: %s" % (
                item["entry"], " (%r)" % item["name"] if item["name"] is not None else "", self.display_url, sha,
                item["error"].msg))
        return entries

    def bad_entries(self, sha):
        """The invalid or unsafe entries of the index at ``sha`` (see :func:`validate_index`)."""
        self.index(sha)
        return list(self._bad.get(self._check_sha(sha), []))

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

    def _find(self, sha, entries, name):
        for entry in entries:
            if entry["name"] == name:
                return entry
        for item in self._bad.get(sha, []):
            if item["name"] == name:
                raise item["error"]
        hint = None
        near = suggest_names(name, [entry["name"] for entry in entries])
        if near:
            hint = "Did you mean: %s?" % ", ".join(near)
        raise AtkError("Plugin '%s' not found in registry %s" % (name, self.display_url), hint=hint,
                       name=name, suggestions=near)

    def lookup(self, sha, name):
        """The index entry whose name is exactly ``name`` (atk: case-sensitive, first match)."""
        return self._find(sha, self.index(sha), name)

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
            chosen = [self._find(sha, entries, name) for name in names]
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
