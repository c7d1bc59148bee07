# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a plan on the home. PRIVATE to the collection.

Order per plugin, chosen so that a run killed at any point leaves a home atk accepts
and the next run repairs: the new folder is assembled off to the side (fetched files
+ the user's ``custom/`` and ``.env`` copied in + ``.atk-ref``), swapped in with two
renames, then the manifest is written atomically, then install runs, then the commit.
A folder being added is recorded in ``.git/atk-core/state.json`` (``in_flight``) first,
so a leftover of a killed add is recognised as ours and replaced.
"""

from __future__ import annotations

import copy
import os
import shutil

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _envfile
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _lifecycle
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _plan
from ansible_collections.atk.core.plugins.module_utils import _plugin_files
from ansible_collections.atk.core.plugins.module_utils import _state


class Applier(object):
    """Applies the plans of one run, plugin by plugin, in order."""

    def __init__(self, home, git, manifest, state, trash, lifecycle=True, force=False, environ=None, shell=None,
                 records=None):
        self.home = home
        self.git = git
        self.manifest = copy.deepcopy(manifest)
        self.state = state
        self.trash = trash
        self.lifecycle = lifecycle
        self.force = force
        self.environ = os.environ if environ is None else environ
        self.commits = 0
        self.warnings = []
        self._manifest_saved = None  # repr() of the manifest this run last saved (see _save_manifest)
        self.shell = shell or _lifecycle.Shell()
        self.records = records if records is not None else _plugin_files.Records(home)

    @property
    def auto_commit(self):
        return self.manifest["config"]["auto_commit"]

    def apply(self, plans):
        try:
            self._apply_all(plans)
        finally:
            self.records.save()
        if self.commits and self.auto_commit and self.manifest["config"]["auto_push"]:
            self.warnings.extend(self.git.auto_push(self.home))
        return plans

    def _apply_all(self, plans):
        for plan in plans:
            if plan.adopt_paths is not None and plan.action not in _plan.PUT_ACTIONS + ("remove",):
                # First sight of a plugin atk.core did not install here: record its source files as they are.
                self.records.put(plan.directory, plan.before_ref, _home.plugin_dir(self.home, plan.directory),
                                 plan.adopt_paths)
            if plan.action in (None, "none"):
                continue
            try:
                if plan.action == "remove":
                    self._remove(plan)
                elif plan.action in _plan.PUT_ACTIONS:
                    self._put(plan)
                elif plan.action == "install":
                    target = _home.plugin_dir(self.home, plan.directory)
                    if plan.env is not None:  # the retried install must see the new .env values
                        _envfile.write_file(os.path.join(target, ".env"), plan.env[0], temp_dir=_home.state_dir(self.home))
                    self._install(plan, target)
                elif plan.action == "configure":
                    target = _home.plugin_dir(self.home, plan.directory)
                    _envfile.write_file(os.path.join(target, ".env"), plan.env[0], temp_dir=_home.state_dir(self.home))
                if plan.action in ("install", "configure", "commit"):
                    self._commit_pending(plan.directory)
            except AtkError as exc:
                plan.errors.append(str(exc))

    # -- helpers --------------------------------------------------------------------
    def _save_state(self):
        _state.save(self.home, self.state)

    def _commit(self, message, directory, nothing_expected=False):
        paths = [_manifest.FILENAME, ".gitignore", "plugins/" + directory]
        committed = self.auto_commit and not (nothing_expected and self._clean(paths)) and \
            self.git.commit(self.home, message, paths=paths)
        if committed:
            self.commits += 1
            # The commit is the desired state's: an update may replay it or let upstream win (_home_sync).
            _state.add_own_commit(self.state, self.git.head(self.home))
        if (self.state.get("pending_commit") or {}).pop(directory, None) is not None or committed:
            self._save_state()

    def _clean(self, paths):
        """True when git status shows nothing under ``paths``, so ``git add -A`` + ``diff --cached``
        would stage nothing: one git call instead of two where a commit is unlikely (a resync writes
        git-ignored files only). Untracked files and submodules are listed whatever the config says."""
        rc, out, dummy = self.git.run(["--no-optional-locks", "status", "--porcelain", "--untracked-files=all",
                                       "--ignore-submodules=none", "--"] + paths, cwd=self.home, check=False)
        return rc == 0 and not out.strip()

    def _remember_commit(self, message, directory):
        """Recorded (and saved by the caller) before a plugin's first change to the home: a run
        killed before its commit leaves the message here and the next run makes the commit."""
        if self.auto_commit:
            self.state.setdefault("pending_commit", {})[directory] = message

    def _commit_pending(self, directory):
        """The commit an interrupted run did not make (action ``commit``, or after a retried install)."""
        message = (self.state.get("pending_commit") or {}).get(directory)
        if message:
            self._commit(message, directory)

    def _write_gitignore(self, transform, directory):
        path = os.path.join(self.home, ".gitignore")
        content = _fs.read_text(path) or ""
        new = transform(content, directory)
        if new != content:
            _fs.atomic_write(path, new, temp_dir=_home.state_dir(self.home))

    def _save_manifest(self):
        """save_manifest, unless this run already saved this very manifest. Dumping it costs
        O(plugins) and a resync (a fresh clone restoring every plugin) leaves it unchanged, so
        saving it after each plugin made such a run O(plugins^2); under the home lock the file
        still holds what the last save wrote, so skipping leaves the same bytes."""
        saved = repr(self.manifest)
        if saved != self._manifest_saved:
            _manifest.save_manifest(self.home, self.manifest)
            self._manifest_saved = saved

    # -- add, resync, upgrade, downgrade -------------------------------------------
    def _put(self, plan):
        target = _home.plugin_dir(self.home, plan.directory)
        staged = plan.staged
        self._carry_user_files(plan, target, staged)
        if plan.source in ("registry", "git"):
            with open(os.path.join(staged, _plugin_files.REF_FILE), "w") as handle:
                handle.write(plan.target_ref + "\n")
        if plan.action == "add":
            self.state.setdefault("in_flight", [])
            if plan.directory not in self.state["in_flight"]:
                self.state["in_flight"].append(plan.directory)
        if plan.run_install:
            # Recorded before anything moves: a run killed between the swap and the end of the
            # install leaves files that look converged, and only this makes the next run install.
            self.state.setdefault("pending_install", {})[plan.directory] = True
        message = {"add": _git.msg_add, "upgrade": _git.msg_upgrade, "downgrade": _git.msg_downgrade,
                   "resync": _git.msg_restore}[plan.action](plan.name)
        self._remember_commit(message, plan.directory)
        self._save_state()
        source_paths = sorted(_fs.tree_files(staged, _plugin_files.LOCAL_NAMES))
        _fs.swap_tree(staged, target, self.trash)
        plan.staged = None
        self.records.put(plan.directory, plan.target_ref, target, source_paths)
        if plan.action == "add" and plan.source == "local":
            self._write_gitignore(_gitignore.add_exemption, plan.directory)
        self.manifest = _manifest.apply_change(self.manifest, plan.manifest_change())
        self._save_manifest()
        if plan.action == "add":
            self.state["in_flight"] = [d for d in self.state["in_flight"] if d != plan.directory]
            self._save_state()
        if plan.run_install:
            self._install(plan, target)
        self._commit(message, plan.directory, nothing_expected=plan.action == "resync")

    def _carry_user_files(self, plan, target, staged):
        """custom/ and .env survive every change; everything else comes from the source."""
        _plugin_files.carry_custom(target, staged)
        env_target = os.path.join(staged, ".env")
        if plan.env is not None:
            _envfile.write_file(env_target, plan.env[0])
        elif os.path.isfile(os.path.join(target, ".env")):
            shutil.copy2(os.path.join(target, ".env"), env_target)

    # -- lifecycle --------------------------------------------------------------------
    def _lifecycle(self, spec, key, target, directory):
        return _lifecycle.run(self.shell, spec, key, target, self.environ,
                              log=_lifecycle.log_path(self.home, directory, key))

    def _install(self, plan, target):
        pending = self.state.setdefault("pending_install", {})
        if plan.install == "blocked":
            pending[plan.directory] = True
            self._save_state()
            plan.errors.append(_plan.blocked_message(plan))
            return
        outcome = self._lifecycle(plan.spec, "install", target, plan.directory)
        if outcome is None:
            plan.install = "not defined"
            pending.pop(plan.directory, None)
        elif outcome[0] != 0:
            plan.install = "failed"
            pending[plan.directory] = True
            plan.errors.append("Install failed for plugin '%s' (exit code %d): %s" % (
                plan.name, outcome[0], outcome[1].strip()))
        else:
            plan.install = "ran"
            pending.pop(plan.directory, None)
        self._save_state()

    # -- remove -----------------------------------------------------------------------
    def _remove(self, plan):
        target = _home.plugin_dir(self.home, plan.directory)
        if os.path.isdir(target) and self.lifecycle and (plan.managed or not plan.orphan):
            spec = _plugin_files.try_load(target)
            if spec is None and plan.orphan and not _plugin_files.has_spec(target):
                plan.warnings.append("its plugin.yaml is gone, so its stop and uninstall commands could not run")
            elif spec is None and not self.force:
                raise AtkError("Cannot remove plugin '%s': its plugin.yaml is invalid, so its uninstall command "
                               "cannot run." % plan.name, hint="Fix the plugin.yaml, or set force=true to delete it anyway.")
            if spec is not None:
                stopped = self._lifecycle(spec, "stop", target, plan.directory)
                if stopped is not None and stopped[0] != 0:
                    plan.warnings.append("stop failed (exit code %d); continuing" % stopped[0])
                outcome = self._lifecycle(spec, "uninstall", target, plan.directory)
                if outcome is not None and outcome[0] != 0:
                    detail = outcome[1].strip()
                    if not self.force:
                        raise AtkError("Uninstall failed for '%s' (exit code %d). Plugin was NOT removed: %s" % (
                            plan.name, outcome[0], detail), hint="Fix the issue and retry, or set force=true to remove anyway.")
                    plan.warnings.append("uninstall failed (exit code %d); removed anyway (force)" % outcome[0])
        if not plan.orphan:
            self._remember_commit(_git.msg_remove(plan.name), plan.directory)
            self._save_state()
        if os.path.lexists(target):
            _fs.swap_out(target, self.trash)
        self.records.drop(plan.directory)
        if plan.orphan:
            self.state.setdefault("pending_install", {}).pop(plan.directory, None)
            self._save_state()
            return
        if plan.source == "local":
            self._write_gitignore(_gitignore.remove_exemption, plan.directory)
        self.manifest = _manifest.apply_change(self.manifest, plan.manifest_change())
        self._save_manifest()
        self.state.setdefault("pending_install", {}).pop(plan.directory, None)
        self._save_state()
        self._commit(_git.msg_remove(plan.name), plan.directory)
