# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry cache as a managed thing (atk_registry). PRIVATE to the collection.

``present`` makes sure the cache holds a commit (no network when it already does),
``latest`` moves to the remote's HEAD, ``absent`` drops the cache. The index can be
searched like ``atk search`` and every plugin validated like the registry's own CI.
"""

from __future__ import annotations

import os
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _source_cache
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._registry_source import RegistryCache


def search(index, query):
    """atk search: case-insensitive substring on name or description."""
    if not query:
        return list(index)
    needle = query.lower()
    return [e for e in index if needle in e["name"].lower() or needle in (e.get("description") or "").lower()]


def validate_all(cache, sha, index, stage_root):
    """Every plugin of the index checked as the registry's CI does. Returns (valid, invalid)."""
    valid, invalid = [], []
    names = [entry["name"] for entry in index]
    if not names:
        return valid, invalid
    staged = cache.stage(sha, names, stage_root)
    for name in names:
        plugin_dir = staged[name]
        try:
            _spec.load_plugin(plugin_dir, overrides=False)
            if not os.path.isfile(os.path.join(plugin_dir, "README.md")):
                raise AtkError("plugins/%s has no README.md (the registry requires one)" % name)
            valid.append(name)
        except AtkError as exc:
            invalid.append({"name": name, "error": str(exc)})
    return valid, invalid


def converge_registry(run, url, cache_root, state="present", version=None, query=None, validate=False,
                      check_mode=False):
    cache_root = cache_root or _source_cache.default_cache_root()
    cache = RegistryCache(url, cache_root, run)
    existed = os.path.isdir(cache.repo)
    result = {"url": _urls.redact_url(url), "cache": cache.dir, "changed": False, "commit": None,
              "before": {"cached": existed, "commit": cache.cached_head() if existed else None}}
    if state == "absent":
        result["changed"] = existed
        if existed and not check_mode:
            cache.drop()
        result["after"] = {"cached": False if existed else existed, "commit": None}
        result["network"] = {"contacts": 0, "urls": []}
        return result
    if state == "latest" or (version is not None and not _git.is_sha(version)) or (version is None and not existed):
        sha = cache.resolve(version) if existed or not check_mode else None
    elif version is not None:
        sha = version.lower()
    else:
        sha = cache.cached_head()
    work_cache = cache
    temp_root = None
    try:
        if check_mode and (sha is None or not cache.has_commit(sha)):
            # Look without touching the real cache: a throw-away one, deleted below.
            temp_root = tempfile.mkdtemp(prefix="atk-core-registry-")
            work_cache = RegistryCache(url, temp_root, run)
            sha = work_cache.resolve(version)
            result["changed"] = True
        elif not cache.has_commit(sha):
            result["changed"] = True
        work_cache.ensure_commit(sha)
        index = work_cache.index(sha)
        result["commit"] = sha
        result["index"] = search(index, query)
        if validate:
            stage_root = tempfile.mkdtemp(prefix="atk-core-validate-")
            try:
                valid, invalid = validate_all(work_cache, sha, index, stage_root)
            finally:
                _fs.remove_tree(stage_root)
            invalid = [{"name": item["name"] if item["name"] is not None else "index entry %d" % item["entry"],
                        "error": str(item["error"])} for item in work_cache.bad_entries(sha)] + invalid
            result["validation"] = {"valid": valid, "invalid": invalid}
        if not check_mode:
            cache.set_head(sha)
        result["after"] = {"cached": True, "commit": sha}
        result["changed"] = result["changed"] or result["before"]["commit"] != sha
        result["network"] = {"contacts": cache.network_calls + (work_cache.network_calls if work_cache is not cache else 0),
                             "urls": cache.contacted + (work_cache.contacted if work_cache is not cache else [])}
        result["warnings"] = list(work_cache.warnings)
    finally:
        if temp_root:
            _fs.remove_tree(temp_root)
    return result


def registry_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_registry's work from its validated parameters."""
    if params["state"] == "latest" and params["version"]:
        raise AtkError("state=latest follows the remote's HEAD; drop version or use state=present.")
    result = converge_registry(run, params["url"], params["cache_dir"], state=params["state"], version=params["version"],
                               query=params["query"], validate=params["validate"], check_mode=check_mode)
    if want_diff:
        result["diff"] = {"before": "commit: %s\n" % result["before"]["commit"],
                          "after": "commit: %s\n" % result["after"]["commit"],
                          "before_header": "%s (cache)" % result["url"], "after_header": "%s (cache)" % result["url"]}
    invalid = (result.get("validation") or {}).get("invalid")
    if invalid:
        details = dict(result)
        details.pop("warnings", None)
        raise AtkError("%d plugin(s) of %s are invalid: %s" % (
            len(invalid), result["url"], "; ".join("%s: %s" % (i["name"], i["error"]) for i in invalid)), **details)
    return result
