# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One converge of a home's plugins: lock, plan, apply or report. PRIVATE to the collection.

The entry point of atk_plugin (and of the role through it). Check mode and the real
run share everything up to the plan; only the real run applies it.
"""

from __future__ import annotations

import os
import tempfile

from ansible_collections.atk.core.plugins.module_utils import _apply
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _desired
from ansible_collections.atk.core.plugins.module_utils import _plan
from ansible_collections.atk.core.plugins.module_utils import _sources


def _summary(manifest):
    return {"plugins": [{"directory": e["directory"], "name": e["name"], "source": e["source"]["type"],
                         "ref": e["source"]["ref"]} for e in manifest["plugins"]]}


def _diffs(home, before, after, plans):
    diffs = [{"before_header": os.path.join(home, _manifest.FILENAME), "after_header": os.path.join(home, _manifest.FILENAME),
              "before": _manifest.dump_manifest(before), "after": _manifest.dump_manifest(after)}]
    for plan in plans:
        if not plan.changed:
            continue
        lines_before = ["%s  (changed in place: %s)\n" % (c["path"], c["status"]) for c in plan.drift or []]
        lines_after = []
        for change in plan.files:
            if change["status"] != "added":
                lines_before.append(change["path"] + "\n")
            if change["status"] != "removed":
                lines_after.append(change["path"] + ("  (modified)\n" if change["status"] == "modified" else "\n"))
        if plan.env is not None:
            for key in plan.env[2] + plan.env[3]:
                lines_before.append(".env: %s=<hidden>\n" % key)
            for key in plan.env[1] + plan.env[2]:
                lines_after.append(".env: %s=<hidden>%s\n" % (key, "  (changed)" if key in plan.env[2] else ""))
        label = "plugins/%s" % plan.directory
        diffs.append({
            "before_header": "%s @ %s" % (label, plan.before_ref or "(not installed)") if plan.action != "add" else label + " (absent)",
            "after_header": "%s (removed)" % label if plan.action == "remove" else "%s @ %s" % (label, plan.target_ref or plan.before_ref or "local"),
            "before": "".join(lines_before), "after": "".join(lines_after)})
    return diffs


def converge_plugins(run, git_path, home, items, default_state="present", prune=False, all_plugins=False,
                     registry_url=None, force=False, lifecycle=True, cache_dir=None,
                     lock_timeout=600, check_mode=False, want_diff=False, environ=None, drift="repair"):
    """Plan and (unless ``check_mode``) apply. Returns the module result (plus ``warnings``, ``errors``)."""
    home = _home.resolve_home(home, environ)
    items = [_desired.normalize_item(item, default_state) for item in items]
    sources = _sources.Sources(run, cache_dir, registry_url, environ)
    exists = _home.require(home, check_mode)
    warnings = []
    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        if exists:
            warnings.extend(_git.clear_stale_locks(home, lock_timeout, check_mode))
        if exists and not check_mode:
            _fs.clean_temp_leftovers(os.path.join(home, "plugins"))
            # A run killed between the two renames of a swap left the old plugin folder (the
            # user's custom/ and .env in it) in the trash: put it back before emptying tmp/.
            _fs.restore_swapped(os.path.join(_home.state_dir(home), "tmp", "trash"), os.path.join(home, "plugins"))
            _fs.remove_tree(os.path.join(_home.state_dir(home), "tmp"))
            # Temporary files of atomic writes a killed run left (state dir; home root: older versions).
            _fs.clean_temp_leftovers(_home.state_dir(home))
            _fs.clean_temp_leftovers(home)
        if check_mode or not exists:
            stage_root = tempfile.mkdtemp(prefix="atk-core-check-")
        else:
            work = os.path.join(_home.state_dir(home), "tmp")
            _fs.makedirs(work)
            stage_root = tempfile.mkdtemp(prefix="stage-", dir=work)
        try:
            planner = _plan.Planner(home, sources, stage_root, lifecycle=lifecycle, force=force, environ=environ,
                                    manifest=None if exists else _manifest.initial_manifest(), drift=drift)
            plans = planner.build(items, prune, default_state if all_plugins and default_state != "absent" else None)
            before = planner.manifest
            after = _plan.manifest_after(before, plans)
            if check_mode:
                for plan in plans:
                    if plan.install == "blocked":
                        plan.errors.append(_plan.blocked_message(plan))
            else:
                applier = _apply.Applier(home, _git.Git(run, git_path), before, planner.state,
                                         trash=os.path.join(_home.state_dir(home), "tmp", "trash"),
                                         lifecycle=lifecycle, force=force, environ=environ, records=planner.records)
                applier.apply(plans)
                after = applier.manifest
                warnings.extend(applier.warnings)
        finally:
            _fs.remove_tree(stage_root)
            if exists and not check_mode:
                _fs.remove_tree(os.path.join(_home.state_dir(home), "tmp"))
    results = [plan.result() for plan in plans]
    warnings.extend(sources.warnings())
    for plan in plans:
        warnings.extend("%s: %s" % (plan.directory or plan.item.get("name"), w) for w in plan.warnings)
    result = {
        "changed": any(plan.changed for plan in plans),
        "home": home,
        "plugins": results,
        "actions": [r for r in results if r["action"] != "none"],
        "changed_plugins": [r["plugin"] for r in results if r["changed"]],
        "unchanged_plugins": [r["plugin"] for r in results if not r["changed"]],
        "before": _summary(before),
        "after": _summary(after),
        "network": {"contacts": sources.network_calls(), "urls": sources.contacted()},
        "warnings": warnings,
        "errors": [e for plan in plans for e in plan.errors],
    }
    if want_diff:
        result["diff"] = _diffs(home, before, after, plans)
    return result
