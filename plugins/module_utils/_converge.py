# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One converge: the home, then its plugins; lock, plan, apply or report. PRIVATE to the collection.

:func:`converge` is atk_converge's (and the role's) one call: the home (create, clone, take the
upstream changes, config), every plugin, the push. :func:`converge_plugins` is atk_plugin's: the
plugins of a home that exists. Check mode and the real run share everything up to the plan; only
the real run applies it. In check mode the plugins are planned against the home as the home step
would leave it: a temporary clone of a repository not cloned yet, the manifest after an update.
"""

from __future__ import annotations

import copy
import os
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _apply
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _home_repo
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _desired
from ansible_collections.atk.core.plugins.module_utils import _plan
from ansible_collections.atk.core.plugins.module_utils import _plan_diff
from ansible_collections.atk.core.plugins.module_utils import _saved_plan
from ansible_collections.atk.core.plugins.module_utils import _signatures
from ansible_collections.atk.core.plugins.module_utils import _sources
from ansible_collections.atk.core.plugins.module_utils._agents import _converge as _agents


def _summary(manifest):
    return {"plugins": [{"directory": e["directory"], "name": e["name"], "source": e["source"]["type"],
                         "ref": e["source"]["ref"]} for e in manifest["plugins"]]}


def _diffs(home, before, after, plans, contents=None):
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
        first, rest = (contents or {}).get(plan.directory) or ([], [])
        diffs.extend(first)
        diffs.append({
            "before_header": "%s @ %s" % (label, plan.before_ref or "(not installed)") if plan.action != "add" else label + " (absent)",
            "after_header": "%s (removed)" % label if plan.action == "remove" else "%s @ %s" % (label, plan.target_ref or plan.before_ref or "local"),
            "before": "".join(lines_before), "after": "".join(lines_after)})
        diffs.extend(rest)
    return diffs


def plugin_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_plugin's work from its validated parameters (module and in-process path alike)."""
    problem = _desired.check_prune(params["prune"], params["all"], params["plugins"] is not None)
    if problem:
        raise AtkError(problem)
    if params["plugins"] is not None:
        items = params["plugins"]
    elif params["name"] or params["url"] or params["path"]:
        items = [dict((key, params[key]) for key in _desired.KEYS)]
    else:
        items = []
    return converge_plugins(
        run, git_path, params["home"], items, default_state=params["state"], prune=params["prune"],
        all_plugins=params["all"], registry_url=params["registry_url"], force=params["force"],
        lifecycle=params["lifecycle"], cache_dir=params["cache_dir"], lock_timeout=params["lock_timeout"],
        check_mode=check_mode, want_diff=want_diff, environ=environ, drift=params["drift"], details=params["details"],
        policy=_signatures.Policy.from_params(params, environ))


def converge_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_converge's work from its validated parameters (module and in-process path alike)."""
    problem = _desired.check_prune(params["prune"], params["all"], bool(params["plugins"]))
    if problem:
        raise AtkError(problem)
    return converge(
        run, git_path, home=params["home"], repo=params["repo"], update=params["update"], config=params["config"],
        push=params["push"], items=params["plugins"], default_state=params["state"], prune=params["prune"],
        all_plugins=params["all"], registry_url=params["registry_url"], force=params["force"],
        lifecycle=params["lifecycle"], cache_dir=params["cache_dir"], drift=params["drift"],
        agents_prune=params["agents_prune"], agents_secrets=params["agents_secrets"],
        lock_timeout=params["lock_timeout"], check_mode=check_mode, want_diff=want_diff, environ=environ,
        details=params["details"], plan=params["plan"], plan_host=params["plan_host"], plan_record=params["plan_record"],
        policy=_signatures.Policy.from_params(params, environ))


def converge_plugins(run, git_path, home, items, default_state="present", prune=False, all_plugins=False,
                     registry_url=None, force=False, lifecycle=True, cache_dir=None,
                     lock_timeout=600, check_mode=False, want_diff=False, environ=None, drift="repair", details="auto",
                     policy=None):
    """Plan and (unless ``check_mode``) apply. Returns the module result (plus ``warnings``, ``errors``).
    ``policy``: a :class:`_signatures.Policy` every fetched commit must satisfy."""
    home = _home.resolve_home(home, environ)
    items = [_desired.normalize_item(item, default_state) for item in items]
    sources = _sources.Sources(run, cache_dir, registry_url, environ, policy)
    exists = _home.require(home, check_mode)
    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        warnings = _git.clear_stale_locks(home, lock_timeout, check_mode) if exists else []
        step = PluginStep(home, _git.Git(run, git_path), sources, lifecycle=lifecycle, force=force, drift=drift,
                          check_mode=check_mode, environ=environ, details=details)
        result = step.run(items, default_state, prune, all_plugins, exists, want_diff)
        if not check_mode and result["changed"]:
            _manifest.remember_validated(home)
    result["warnings"] = warnings + result["warnings"]
    return _verified(result, policy)


def _verified(result, policy):
    """The commits whose signatures this run checked (``verified``), and the policy's warnings."""
    if policy is not None:
        result["warnings"] = result["warnings"] + policy.warnings
        if policy.enabled:
            result["verified"] = list(policy.verified)
    return result


def converge(run, git_path, home=None, repo=None, update=None, remote_url=None, config=None, push=False, items=(),
             default_state="present", prune=False, all_plugins=True, registry_url=None, force=False, lifecycle=True,
             cache_dir=None, drift="repair", agents_prune=False, agents_secrets="reference", lock_timeout=600,
             check_mode=False, want_diff=False, environ=None, details="auto", plan=None, plan_host=None,
             plan_record=False, policy=None):
    """The home, its plugins, their agents, then the push, under one lock. Returns atk_converge's result.

    ``plan_record`` (check mode): also return this host's record of a saved plan. ``plan``: a saved plan to
    apply instead of ``items`` (see _saved_plan): verified first, ``plan_host`` names this host in it; the
    home step and the agents step do not run. ``policy``: a :class:`_signatures.Policy` the home's and the
    plugins' new commits must satisfy."""
    home = _home.resolve_home(home, environ)
    saved = _load_plan(plan, plan_host, plan_record, check_mode)
    if saved is not None and saved[1] is None:
        return _saved_plan.untouched(home, _git.Git(run, git_path), saved[0], plan_host, want_diff)
    if saved is not None:
        # Refused before the lock too: a changed home gets nothing written, not even the lock file.
        _saved_plan.check_home(saved[1], _saved_plan.home_identity(home))
    wiring = [dict((k, item.get(k)) for k in ("name", "url", "path", "agents", "state"))
              for item in items if item.get("agents") is not None]
    items = [_desired.normalize_item(item, default_state) for item in items]
    git = _git.Git(run, git_path)
    sources = _sources.Sources(run, cache_dir, registry_url, environ, policy)
    if update is None:
        update = bool(repo)
    with _home.lock(home, timeout=lock_timeout, shared=check_mode):
        home_run = _home_repo.HomeRun(home, git, check_mode, lock_timeout, policy)
        try:
            before = _home_repo.describe(home, git)
            identity = _saved_plan.home_identity(home) if plan_record or saved else None
            if saved is not None:
                _saved_plan.check_home(saved[1], identity)
                items = [_desired.normalize_item(item) for item in _saved_plan.items(
                    saved[1], _manifest.load_manifest(home), items)]
                all_plugins, prune, wiring, agents_prune = False, False, [], False
            else:
                try:
                    home_run.converge(repo=repo, remote_url=remote_url, update=update, config=config)
                except AtkError as exc:
                    raise AtkError("The home step failed: %s" % exc.msg, hint=exc.hint, **exc.details)
            exists = os.path.isdir(os.path.join(home_run.view, ".git"))
            step = PluginStep(home, git, sources, lifecycle=lifecycle, force=force, drift=drift, check_mode=check_mode,
                              environ=environ, view=home_run.view, manifest=home_run.manifest,
                              incoming=home_run.incoming, details=details, saved=saved and saved[1],
                              record=plan_record)
            result = step.run(items, default_state, prune, all_plugins, exists, want_diff)
            if plan_record:
                result["plan_record"] = _saved_plan.host_record(identity, step.plans, step.digests, home_run.actions)
            if saved is not None:
                result["saved_plan"] = {"digest": saved[0]["digest"], "host": plan_host, "named": True}
            if wiring or agents_prune:
                result["agents"] = _wire_agents(home, wiring, agents_prune, agents_secrets, check_mode, want_diff,
                                                environ, result)
            if push:
                pushed = _home_repo.push_step(git, home_run.view, check_mode,
                                              pending=check_mode and bool(home_run.commits or step.would_commit()))
                home_run.actions.extend(pushed[0])
                home_run.warnings.extend(pushed[1])
        finally:
            home_run.cleanup()
        if check_mode:
            after = _home_repo.predict(before, home_run.actions)
        elif home_run.actions or result["changed"]:
            after = _home_repo.describe(home, git)
        else:
            # Nothing was written (the no-op): the home is as described before, three git calls fewer.
            after = copy.deepcopy(before)
        if not check_mode and (home_run.actions or result["changed"]):
            _manifest.remember_validated(home)
    result["home_actions"] = home_run.actions
    result["home_before"], result["home_after"] = before, after
    result["changed"] = result["changed"] or bool(home_run.actions)
    result["warnings"] = home_run.warnings + result["warnings"]
    if want_diff:
        result["diff"] = [_home_repo.diff(before, after)] + result["diff"] if home_run.actions else result["diff"]
    return _verified(result, policy)


def _load_plan(plan, host, record, check_mode):
    """(document, this host's record or None) of a saved plan to apply, verified; None without one."""
    if record and not check_mode:
        raise AtkError("plan_record needs check mode: a saved plan is what a preview computed.")
    if plan is None:
        return None
    if record:
        raise AtkError("plan and plan_record contradict each other: a run either applies a saved plan or writes one.")
    if not host:
        raise AtkError("plan needs plan_host: the name of this host in the saved plan.")
    doc = _saved_plan.load(plan)
    return doc, _saved_plan.host_entry(doc, host)


def _wire_agents(home, wiring, prune, secrets, check_mode, want_diff, environ, result):
    """The agents step (atk_agent's converge, under the lock this run holds); merged into ``result``."""
    try:
        wired = _agents.converge_agents(home=home, plugins=wiring, prune=prune, secrets=secrets, check_mode=check_mode,
                                        want_diff=want_diff, environ=environ, locked=True)
    except AtkError as exc:
        raise AtkError("The agents step failed (the plugins converged): %s" % exc.msg, hint=exc.hint, **exc.details)
    result["changed"] = result["changed"] or wired["changed"]
    result["warnings"].extend(wired.pop("warnings"))
    result["errors"].extend(wired.pop("errors"))
    if want_diff:
        result["diff"].extend(wired["diff"])
    wired.pop("diff", None)
    return wired


class PluginStep(object):
    """Plan the plugins and apply (or report) the plan. ``view``, ``manifest`` and ``incoming``: the home
    as the home step leaves it (see _home_repo.HomeRun), for check mode."""

    def __init__(self, home, git, sources, lifecycle=True, force=False, drift="repair", check_mode=False,
                 environ=None, view=None, manifest=None, incoming=(), details="auto", saved=None, record=False):
        self.home = home
        self.git = git
        self.sources = sources
        self.lifecycle = lifecycle
        self.force = force
        self.drift = drift
        self.check_mode = check_mode
        self.environ = environ
        self.view = view or home
        self.manifest = manifest
        self.incoming = set(incoming or ())
        self.plans = []
        self.auto_commit = True
        self.details = details
        self.saved = saved        # a saved plan's host record: the plans must do exactly what it says
        self.record = record      # compute the digests of staged files (for a saved plan's record)
        self.digests = {}

    def would_commit(self):
        """Whether the real run would make a commit (for the push check mode predicts)."""
        return self.auto_commit and any(plan.changed and plan.action not in ("configure", "install") for plan in self.plans)

    def _clean_leftovers(self):
        home = self.home
        _fs.clean_temp_leftovers(os.path.join(home, "plugins"))
        # A run killed between the two renames of a swap left the old plugin folder (the
        # user's custom/ and .env in it) in the trash: put it back before emptying tmp/.
        _fs.restore_swapped(os.path.join(_home.state_dir(home), "tmp", "trash"), os.path.join(home, "plugins"))
        _fs.remove_tree(os.path.join(_home.state_dir(home), "tmp"))
        # Temporary files of atomic writes a killed run left (state dir; home root: older versions).
        _fs.clean_temp_leftovers(_home.state_dir(home))
        _fs.clean_temp_leftovers(home)

    def run(self, items, default_state, prune, all_plugins, exists, want_diff):
        home, check_mode = self.home, self.check_mode
        if exists and not check_mode:
            self._clean_leftovers()
        if check_mode or not exists:
            stage_root = tempfile.mkdtemp(prefix="atk-core-check-")
        else:
            work = os.path.join(_home.state_dir(home), "tmp")
            _fs.makedirs(work)
            stage_root = tempfile.mkdtemp(prefix="stage-", dir=work)
        warnings = []
        try:
            manifest = self.manifest if self.manifest is not None else (None if exists else _manifest.initial_manifest())
            planner = _plan.Planner(self.view, self.sources, stage_root, lifecycle=self.lifecycle, force=self.force,
                                    environ=self.environ, manifest=manifest, drift=self.drift, incoming=self.incoming)
            self.plans = plans = planner.build(items, prune, default_state if all_plugins and default_state != "absent"
                                               else None)
            before = planner.manifest
            if self.saved is not None or self.record:
                self.digests = _saved_plan.staged_digests(plans)
            if self.saved is not None:
                _saved_plan.check_plans(self.saved, plans, self.digests)
            contents = dict((plan.directory, _plan_diff.plugin_diffs(self.view, plan, self.environ))
                            for plan in plans if want_diff and plan.staged)
            self.auto_commit = before["config"]["auto_commit"]
            after = _plan.manifest_after(before, plans)
            if check_mode:
                for plan in plans:
                    if plan.install == "blocked":
                        plan.errors.append(_plan.blocked_message(plan))
            else:
                applier = _apply.Applier(home, self.git, before, planner.state,
                                         trash=os.path.join(_home.state_dir(home), "tmp", "trash"),
                                         lifecycle=self.lifecycle, force=self.force, environ=self.environ,
                                         records=planner.records)
                applier.apply(plans)
                after = applier.manifest
                warnings.extend(applier.warnings)
        finally:
            _fs.remove_tree(stage_root)
            if exists and not check_mode:
                _fs.remove_tree(os.path.join(_home.state_dir(home), "tmp"))
        return _result(home, plans, before, after, self.sources, warnings, want_diff, self.details, contents)


# With more plugins than this, ``details=auto`` lists only the plugins that changed, drifted or failed.
DETAILS_LIMIT = 100


def _result(home, plans, before, after, sources, warnings, want_diff, details="auto", contents=None):
    results = [plan.result() for plan in plans]
    counts = {"plugins": len(results), "changed": sum(1 for r in results if r["changed"])}
    counts["unchanged"] = counts["plugins"] - counts["changed"]
    warnings = list(warnings) + sources.warnings()
    for plan in plans:
        warnings.extend("%s: %s" % (plan.directory or plan.item.get("name"), w) for w in plan.warnings)
    listed = results
    if details == "changed" or (details == "auto" and len(results) > DETAILS_LIMIT):
        listed = [r for r in results if r["changed"] or r["errors"] or r["drift"] or r["warnings"]]
    result = {
        "changed": any(plan.changed for plan in plans),
        "home": home,
        "plugins": listed,
        "counts": counts,
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
        result["diff"] = _diffs(home, before, after, plans, contents)
    return result
