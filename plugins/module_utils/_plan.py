# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired plugins x the home as it is -> the list of actions. PRIVATE to the collection.

One plan serves check mode, ``--diff``, the returned ``actions`` and the real run, so
the prediction cannot differ from what is done. The plan touches the network only for
what it cannot know locally: a version to resolve (``latest``, a branch or tag), or
files to fetch (a plugin to add, upgrade or restore). When every pin is in place it
reads local files only.

Actions: ``add``, ``resync`` (files missing, at another ref than the manifest pins, or source files
edited or deleted in place: drift),
``upgrade``/``downgrade`` (the pin moves), ``install`` (retry of a failed install),
``configure`` (only .env values change), ``remove``, ``commit`` (make the commit an interrupted
run did not), ``none``.
"""

from __future__ import annotations

import os

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _desired
from ansible_collections.atk.core.plugins.module_utils import _dotenv
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _local_source
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _names
from ansible_collections.atk.core.plugins.module_utils import _plugin_files
from ansible_collections.atk.core.plugins.module_utils import _spec
from ansible_collections.atk.core.plugins.module_utils import _state
from ansible_collections.atk.core.plugins.module_utils import _urls

# Actions that put new files in the plugin folder.
PUT_ACTIONS = ("add", "resync", "upgrade", "downgrade")


class PluginPlan(object):
    """What will happen to one plugin. ``result()`` is its public, secret-free form."""

    def __init__(self, item, entry):
        self.item = item
        self.entry = entry
        self.source = entry["source"]["type"] if entry else item["source"]
        self.directory = entry["directory"] if entry else None
        self.name = entry["name"] if entry else None
        self.url = entry["source"]["url"] if entry else item.get("url")
        self.action = None
        self.reason = None
        self.before_ref = entry["source"]["ref"] if entry else None
        self.disk_ref = None
        self.target_ref = None
        self.staged = None
        self.spec = None           # the spec after the change (staged or current)
        self.files = []
        self.new_required_env = []
        self.env = None            # (new_text, added, changed, removed) when .env changes
        self.run_install = False
        self.install = "not needed"
        self.errors = []           # failures while applying (install, uninstall)
        self.warnings = []
        self.orphan = False
        self.managed = False       # an orphan folder atk.core installed: its uninstall runs
        self.local_spec = None
        self.missing_env = []
        self.drift = None          # [{path, status}] source files edited or deleted in place
        self.old_paths = None      # the paths the folder's current source has (None: not known)
        self.adopt_paths = None    # no record yet: record these source paths as they are on disk

    @property
    def changed(self):
        return self.action not in (None, "none")

    def needs_fetch(self):
        return self.action in PUT_ACTIONS and self.source in ("registry", "git")

    def manifest_change(self):
        """What this plan does to manifest.yaml: ("put", entry), ("remove", directory) or None.

        The one place the change is computed: the prediction (:func:`manifest_after`) and the
        real run (``_apply``) both apply exactly this, with :func:`_manifest.apply_change`.
        """
        if self.action == "remove" and not self.orphan:
            return ("remove", self.directory)
        if self.action == "add":
            return ("put", _manifest.make_entry(self.name, self.directory, self.source, self.target_ref,
                                                self.item.get("url") if self.source == "git" else None))
        if self.action in ("upgrade", "downgrade"):
            entry = _manifest.make_entry(self.entry["name"], self.entry["directory"], self.entry["source"]["type"],
                                         self.target_ref, self.entry["source"]["url"])
            return ("put", entry)
        return None

    def result(self):
        env = None
        if self.env is not None:
            env = {"added": self.env[1], "changed": self.env[2], "removed": self.env[3]}
        return {
            "plugin": self.directory,
            "name": self.name,
            "source": self.source,
            "url": _urls.redact_url(self.url) if self.url else None,
            "path": self.item.get("path") if self.source == "local" else None,
            "action": self.action,
            "reason": self.reason,
            "changed": self.changed,
            "before": None if self.action == "add" else {"ref": self.before_ref, "disk_ref": self.disk_ref},
            "after": None if self.action == "remove" else {"ref": self.target_ref if self.target_ref else self.before_ref},
            "files": self.files,
            "new_required_env": self.new_required_env,
            "env": env,
            "install": self.install,
            "drift": self.drift or [],
            "warnings": self.warnings,
            "errors": self.errors,
        }


class Planner(object):
    """Builds the plan. ``stage_root`` is where fetched files are staged (a temp dir)."""

    def __init__(self, home, sources, stage_root, lifecycle=True, force=False, environ=None, manifest=None,
                 drift="repair", incoming=()):
        self.home = home
        self.sources = sources
        self.stage_root = stage_root
        self.lifecycle = lifecycle
        self.force = force
        self.environ = os.environ if environ is None else environ
        self.manifest = _manifest.load_manifest(home) if manifest is None else manifest
        self.state = _state.load(home)
        self.records = _plugin_files.Records(home)
        self.drift_mode = drift
        # Plugin folders whose tracked files (custom/, a local plugin) an update brings: in check mode
        # they are not on disk yet, and are taken as they will be.
        self.incoming = set(incoming)
        self.plans = []
        self._check_manifest()

    def _check_manifest(self):
        seen = set()
        for entry in self.manifest["plugins"]:
            if entry["directory"] in seen:
                raise AtkError("manifest.yaml lists the directory '%s' twice." % entry["directory"],
                               hint="Remove the duplicate entry from %s; atk would act on the first one only." %
                               _manifest.manifest_path(self.home))
            seen.add(entry["directory"])

    # -- identify -----------------------------------------------------------------
    def add_items(self, items, prune=False, all_state=None):
        """Plan ``items``; then every manifest entry not listed is pruned (``prune``) or, with
        ``all_state`` (present|latest), kept at that state: the manifest itself is desired state."""
        matched = set()
        for item in items:
            plan = self._identify(item)
            if plan.directory:
                matched.add(plan.directory)
            self.plans.append(plan)
        if not (prune or all_state):
            return
        for entry in self.manifest["plugins"]:
            if entry["directory"] in matched:
                continue
            state = "absent" if prune else all_state
            if state == "latest" and entry["source"]["type"] == "local":
                state = "present"  # atk upgrade --all skips local plugins too
            item = {"name": entry["directory"], "source": entry["source"]["type"], "state": state,
                    "url": entry["source"]["url"], "path": None, "version": None, "env": None, "drift": None}
            plan = PluginPlan(item, entry)
            if prune:
                plan.reason = "not in the desired list (prune)"
            self.plans.append(plan)
            matched.add(entry["directory"])
        self._left_the_manifest(matched)

    def _left_the_manifest(self, matched):
        """Folders atk.core installed whose plugin is no longer in the manifest (an upstream removal
        pulled in, ``atk remove`` of the entry by hand): the desired state no longer has them, so they
        are stopped, uninstalled and deleted. Folders atk.core never installed stay where they are."""
        in_manifest = set(entry["directory"] for entry in self.manifest["plugins"])
        for directory in sorted(self.records.plugins):
            if directory in matched or directory in in_manifest or not _names.is_valid_directory(directory):
                continue
            if not os.path.isdir(_home.plugin_dir(self.home, directory)):
                continue
            item = {"name": directory, "source": "any", "state": "absent", "url": None, "path": None,
                    "version": None, "env": None, "drift": None}
            plan = PluginPlan(item, None)
            plan.directory = directory
            plan.name = directory
            plan.action = "remove"
            plan.orphan = True
            plan.managed = True
            plan.reason = "no longer in manifest.yaml (atk.core installed it)"
            self.plans.append(plan)

    def _identify(self, item):
        local_spec = None
        if item["source"] == "local" and item["path"] and item["state"] != "absent":
            local_spec = self._load_local(item)
        elif item["source"] == "local" and item["path"] and os.path.exists(item["path"]):
            local_spec = self._load_local(item)
        entry = _desired.find_existing(self.manifest, item, local_spec)
        if entry is not None and item["state"] != "absent" and entry["source"]["type"] != item["source"]:
            raise AtkError("Plugin '%s' is already installed from a %s source (directory '%s'), not from %s." % (
                _desired.label(item), entry["source"]["type"], entry["directory"], item["source"]),
                hint="Remove it first (state=absent) or keep its current source.")
        plan = PluginPlan(item, entry)
        plan.local_spec = local_spec
        if entry is None and item["source"] == "registry":
            plan.directory = _names.sanitize_directory_name(item["name"])
        if entry is None and local_spec is not None:
            plan.directory = _names.sanitize_directory_name(local_spec["name"])
            plan.name = local_spec["name"]
        if entry is None and item["state"] == "absent" and item["name"] and _names.is_valid_directory(item["name"]):
            plan.directory = plan.directory or item["name"]
        return plan

    def _load_local(self, item):
        path = item["path"]
        if not os.path.exists(path):
            raise AtkError("Local plugin path '%s' does not exist." % path)
        if os.path.isfile(path):
            if not path.endswith((".yaml", ".yml")):
                raise AtkError("Local plugin file '%s' must be a .yaml or .yml file." % path)
            return _spec.validate_plugin(_spec.load_plugin_file(path), path)
        return _spec.load_plugin(path)

    # -- decide -------------------------------------------------------------------
    def decide(self):
        # Any error here aborts the whole run before anything changed: bad input changes nothing.
        for plan in self.plans:
            self._decide(plan)
        self._check_collisions()

    def _decide(self, plan):
        item = plan.item
        if item["state"] == "absent":
            return self._decide_absent(plan)
        if plan.entry is None:
            plan.action = "add"
            plan.reason = "not installed"
            if plan.source != "local":
                plan.target_ref = self.sources.resolve(plan.source, plan.url, item["version"])
            return None
        disk = _plugin_files.disk_state(self.home, plan.directory)
        plan.disk_ref = disk["ref"]
        pinned = plan.before_ref
        if plan.source == "local":
            if plan.directory in self.incoming:
                plan.action = "none"
            elif not disk["has_spec"]:
                if not item.get("path"):
                    raise AtkError("Plugin '%s' is local but its files are missing. Local plugins cannot be fetched; "
                                   "restore the files manually or give its path." % plan.name)
                plan.action = "resync"
                plan.reason = "files missing"
            else:
                plan.action = "none"
                drift = self.records.drift(plan.directory, _home.plugin_dir(self.home, plan.directory))
                if drift:
                    # A local plugin's folder is its only copy (and tracked by git): report, never overwrite.
                    plan.drift = drift
                    plan.warnings.append("files changed in place (not repaired: a local plugin's folder is its "
                                         "source): %s" % _describe_drift(drift))
            return self._after_decide(plan)
        if item["version"]:
            target = self.sources.resolve(plan.source, plan.url, item["version"])
        elif item["state"] == "latest":
            target = self.sources.resolve(plan.source, plan.url, None)
        else:
            target = pinned
        if not target:
            raise AtkError("Plugin '%s' has no pinned ref in manifest.yaml, so its files cannot be fetched." % plan.name,
                           hint="Give a version, or use state=latest.")
        plan.target_ref = target
        if target != pinned:
            plan.action = self._direction(plan, pinned, target)
            plan.reason = "pin moves"
        elif not disk["has_spec"]:
            plan.action = "resync"
            plan.reason = "files missing"
        elif disk["ref"] != pinned:
            plan.action = "resync"
            plan.reason = "files at %s, manifest pins %s" % (disk["ref"] or "an unknown ref", pinned)
        else:
            plan.action = "none"
            self._check_drift(plan, pinned)
        if plan.action in PUT_ACTIONS and plan.entry is not None:
            plan.old_paths = self.records.paths(plan.directory, disk["ref"]) or \
                self.sources.source_paths(plan.source, plan.url, disk["ref"], plan.directory)
        return self._after_decide(plan)

    def _check_drift(self, plan, pinned):
        """Source files edited or deleted in place, found without network (see _plugin_files.Records)."""
        plugin_dir = _home.plugin_dir(self.home, plan.directory)
        drift = self.records.drift(plan.directory, plugin_dir, pinned)
        if drift is None:
            # No record (a home atk made, or made before records): the cache may know the source's paths
            # offline; those missing now are drift, the rest is recorded as it is (the real run adopts it).
            paths = self.sources.source_paths(plan.source, plan.url, pinned, plan.directory)
            if paths is None:
                return
            drift = [{"path": path, "status": "deleted"} for path in paths
                     if _fs.file_entry(os.path.join(plugin_dir, path)) is None]
            if not drift:
                plan.adopt_paths = paths
                return
        if not drift:
            return
        plan.drift = drift
        if (plan.item.get("drift") or self.drift_mode) == "report":
            plan.warnings.append("files changed in place (reported, not repaired): %s" % _describe_drift(drift))
            return
        plan.action = "resync"
        plan.reason = "files changed in place: %s" % _describe_drift(drift)

    def _direction(self, plan, old, new):
        if not old:
            return "upgrade"
        return "downgrade" if self.sources.is_ancestor(plan.source, plan.url, new, old) else "upgrade"

    def _after_decide(self, plan):
        if plan.action == "none" and self.state["pending_install"].get(plan.directory):
            plan.action = "install"
            plan.reason = "the last install failed"
        elif plan.action == "none":
            self._pending_commit(plan)
        return None

    def _pending_commit(self, plan):
        """A change an interrupted run made but did not commit (see _apply): commit it now.

        Only when there is something to commit under the plugin's paths (the run may have been
        killed after the commit, or before it changed anything)."""
        pending = self.state.get("pending_commit") or {}
        if not pending.get(plan.directory):
            return
        rc, out, dummy = _git.Git(self.sources.run).run(
            ["--no-optional-locks", "status", "--porcelain", "--", _manifest.FILENAME, ".gitignore",
             "plugins/" + plan.directory], cwd=self.home, check=False)
        if rc == 0 and not out.strip():
            del pending[plan.directory]
            return
        plan.action = "commit"
        plan.reason = "an interrupted run left its change uncommitted"

    def _decide_absent(self, plan):
        if plan.entry is not None:
            plan.action = "remove"
            plan.reason = plan.reason or "state=absent"
            return None
        if plan.directory and os.path.isdir(_home.plugin_dir(self.home, plan.directory)):
            plan.action = "remove"
            plan.orphan = True
            plan.managed = plan.managed or self.records.get(plan.directory) is not None
            plan.reason = plan.reason or "orphaned folder (not in manifest.yaml)"
            return None
        plan.action = "none"
        if plan.directory:
            self._pending_commit(plan)
        return None

    def _check_collisions(self):
        seen = {}
        for plan in self.plans:
            if plan.directory and plan.action != "remove" and plan.item["state"] != "absent":
                if plan.directory in seen:
                    raise AtkError("Two desired plugins map to the same folder plugins/%s: %s and %s." % (
                        plan.directory, _desired.label(seen[plan.directory].item), _desired.label(plan.item)),
                        hint="Keep only one of them.")
                seen[plan.directory] = plan

    # -- fetch and compare ----------------------------------------------------------
    def stage(self):
        """Fetch what the plan needs (once per source and commit) and compare files."""
        by_commit = {}
        for plan in self.plans:
            if plan.errors or not plan.needs_fetch():
                continue
            if plan.source == "registry":
                by_commit.setdefault(plan.target_ref, []).append(plan)
            else:
                source = self.sources.git(plan.url)
                source.ensure_commit(plan.target_ref, pinned=plan.target_ref == plan.before_ref)
                dest = os.path.join(self.stage_root, "git-%d" % len(os.listdir(self.stage_root)))
                plan.staged = source.stage(plan.target_ref, dest)
        registry = self.sources.registry() if by_commit else None
        for sha, plans in by_commit.items():
            registry.ensure_commit(sha, pinned=any(plan.target_ref == plan.before_ref for plan in plans))
            names = []
            for plan in plans:
                slug = plan.item["name"] if plan.entry is None else plan.directory
                registry.lookup(sha, slug)
                names.append(slug)
            dest = os.path.join(self.stage_root, "registry-" + sha[:12])
            os.makedirs(dest)
            staged = registry.stage(sha, names, dest)
            for plan, slug in zip(plans, names):
                plan.staged = staged[slug]
        for plan in self.plans:
            if plan.action in ("add", "resync") and plan.source == "local" and not plan.errors:
                dest = os.path.join(self.stage_root, "local-%d" % len(os.listdir(self.stage_root)))
                plan.staged = _local_source.stage_local(plan.item["path"], dest)
            if plan.staged:
                self._compare(plan)
            elif plan.action in ("none", "install", "configure") and plan.directory and \
                    (plan.action != "none" or plan.item.get("env")):
                # finish() reads the spec only to retry an install or to set .env values, so a
                # plugin already in place is not parsed: a no-op converge reads no plugin.yaml.
                plan.spec = _plugin_files.try_load(_home.plugin_dir(self.home, plan.directory))
        self._check_collisions_after_fetch()

    def _compare(self, plan):
        current = _home.plugin_dir(self.home, plan.directory) if plan.directory else None
        if current:
            _plugin_files.check_custom(current)
            # The user's overrides apply to the new files too, so validate them together.
            _plugin_files.carry_custom(current, plan.staged)
        try:
            plan.spec = _spec.load_plugin(plan.staged)
        except AtkError as exc:
            # Name the source, not the staging folder (a temp path gone by the time anyone reads it).
            raise AtkError(str(exc).replace(plan.staged.rstrip(os.sep) + os.sep, self._source_label(plan)))
        if plan.entry is None:
            plan.name = plan.spec["name"]
            if plan.source == "git":
                plan.directory = _names.sanitize_directory_name(plan.spec["name"])
                current = _home.plugin_dir(self.home, plan.directory)
            managed = any(e["directory"] == plan.directory for e in self.manifest["plugins"])
            # A folder of another manifest entry is a collision (_check_collisions_after_fetch
            # names the plugin holding it), not an unmanaged leftover that force may replace.
            if os.path.lexists(current) and not managed and not self._is_own_leftover(plan.directory):
                if not self.force:
                    raise AtkError(
                        "Plugin directory '%s' already exists at %s but is not in manifest.yaml. This may be a leftover "
                        "from an earlier failed or interrupted add." % (plan.directory, current),
                        hint="Remove it (state=absent for '%s') or set force=true to replace it." % plan.directory)
                plan.warnings.append("replacing the unmanaged folder %s (force)" % current)
        plan.files = _plugin_files.file_changes(plan.staged, current if plan.entry is not None else None,
                                                plan.old_paths)
        if plan.entry is not None and plan.action in ("upgrade", "downgrade"):
            old_spec = _plugin_files.try_load(current)
            old_names = set(v["name"] for v in _spec.env_vars(old_spec or {}))
            plan.new_required_env = [n for n in _spec.required_names(plan.spec) if n not in old_names]
            if not plan.files and plan.item["state"] == "latest" and not plan.item["version"] \
                    and plan.disk_ref == plan.before_ref:
                # state=latest judges change by the plugin's own files: the source moved, this
                # plugin did not, so it keeps its pin and nothing is written or reported.
                plan.action = "none"
                plan.reason = "up to date (the source moved, the plugin's files did not)"
                plan.target_ref = plan.before_ref
                plan.staged = None
                self._after_decide(plan)
            elif not plan.files:
                plan.reason = "pin moves; the plugin's files are the same"
        if plan.action in ("add", "resync") or plan.files or self.state["pending_install"].get(plan.directory):
            # The install step applies (finish() decides: run, blocked by unset required variables, or none).
            plan.run_install = self.lifecycle

    def _source_label(self, plan):
        """How a staged plugin's files are named in messages: where they came from, '/'-terminated."""
        if plan.source == "registry":
            slug = plan.item["name"] if plan.entry is None else plan.directory
            return "%s@%s:plugins/%s/" % (_urls.redact_url(self.sources.registry_url), plan.target_ref, slug)
        if plan.source == "git":
            return "%s@%s:.atk/" % (_urls.redact_url(plan.url), plan.target_ref)
        return plan.item["path"].rstrip(os.sep) + os.sep

    def _is_own_leftover(self, directory):
        """A folder atk.core put there: an add a killed run left (in flight), or a plugin it installed
        whose entry left the manifest (an upstream removal pulled in leaves .env and install outputs)
        and that is wanted again. Replacing it keeps its custom/ and .env, as an upgrade does."""
        return directory in (self.state.get("in_flight") or []) or self.records.get(directory) is not None

    def _check_collisions_after_fetch(self):
        seen = {}
        for entry in self.manifest["plugins"]:
            seen[entry["directory"]] = entry
        for plan in self.plans:
            if plan.action == "add" and plan.directory and not plan.errors:
                if plan.directory in seen:
                    other = seen[plan.directory]
                    raise AtkError("Plugin '%s' would go to plugins/%s, which already holds '%s' (%s source)." % (
                        _desired.label(plan.item), plan.directory, other["name"], other["source"]["type"]),
                        hint="Remove the other plugin first, or keep only one of them in the desired list.")
                seen[plan.directory] = {"name": plan.name, "source": {"type": plan.source}}

    # -- env and install prediction -------------------------------------------------
    def finish(self):
        for plan in self.plans:
            if plan.errors or plan.action == "remove":
                continue
            env_text = None
            if plan.directory:
                env_text = _fs.read_text(os.path.join(_home.plugin_dir(self.home, plan.directory), ".env"))
            if plan.item.get("env"):
                descriptions = dict((v["name"], v["description"]) for v in (plan.spec or {}).get("env_vars") or []
                                    if v.get("description"))
                new_text, added, changed, removed = _envfile.set_values(env_text or "", plan.item["env"], descriptions)
                if added or changed or removed:
                    plan.env = (new_text, added, changed, removed)
                    env_text = new_text
                    if plan.action == "none":
                        plan.action = "configure"
                        plan.reason = "env values change"
            has_command = bool((plan.spec or {}).get("lifecycle", {}).get("install"))
            if plan.action == "install":
                plan.run_install = self.lifecycle
            if plan.run_install:
                # atk refuses to install a plugin whose required variables are unset, install command or not.
                env_values = _dotenv.values(env_text) if env_text else {}
                missing = _lifecycle.missing_required(plan.spec, env_values, self.environ)
                if missing:
                    plan.install = "blocked"
                    plan.missing_env = missing
                elif has_command:
                    plan.install = "will run"
                else:
                    plan.install = "not defined"
                    plan.run_install = plan.action == "install"   # clears the retry the last run left
            elif plan.action in PUT_ACTIONS + ("install",):
                plan.install = "not defined" if not has_command else ("skipped" if not self.lifecycle else "not needed")

    def build(self, items, prune=False, all_state=None):
        self.add_items(items, prune, all_state)
        self.decide()
        self.stage()
        self.finish()
        return self.plans


def blocked_message(plan):
    """The failure of a plugin whose required variables are unset: the same in check mode and for real."""
    return _lifecycle.missing_message(plan.name, plan.missing_env)[:-1] + ". Set them with atk.core.atk_env (or " \
        "this plugin's env option) and re-run; the install will be retried."


def _describe_drift(drift):
    return ", ".join("%s (%s)" % (change["path"], change["status"]) for change in drift)


def manifest_after(manifest, plans):
    """The manifest the plan leads to (for --diff, and what the apply step writes)."""
    for plan in plans:
        manifest = _manifest.apply_change(manifest, plan.manifest_change())
    return manifest
