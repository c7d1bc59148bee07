# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The home as a git repository: create, clone, configure, update from and push to its remote.

PRIVATE to the collection. The logic of atk_home: :func:`converge_home` brings a home to the
asked state (check mode writes nothing), :func:`describe` says what it looks like (never a
secret: remote URLs are redacted).
"""

from __future__ import annotations

import os
import tempfile

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _home_sync
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _signatures
from ansible_collections.atk.core.plugins.module_utils import _state
from ansible_collections.atk.core.plugins.module_utils import _urls


def describe(home, git):
    """What the home looks like now (before/after of atk_home). Never holds a secret."""
    info = {"path": home, "exists": os.path.isdir(home), "valid": False, "errors": [], "head": None,
            "branch": None, "remote_url": None, "config": None, "plugins": []}
    if not info["exists"]:
        return info
    info["errors"] = _home.validate_home(home)
    info["valid"] = not info["errors"]
    if os.path.isdir(os.path.join(home, ".git")):
        info["head"] = git.head(home)
        rc, out, dummy = git.run(["branch", "--show-current"], cwd=home, check=False)
        info["branch"] = out.strip() or None if rc == 0 else None
        info["remote_url"] = _urls.redact_url(git.remote_url(home))
    if os.path.isfile(_manifest.manifest_path(home)):
        try:
            manifest = _manifest.load_manifest(home)
        except AtkError as exc:
            info["errors"].append(str(exc))
            info["valid"] = False
        else:
            info["config"] = dict(manifest["config"])
            info["plugins"] = [entry["directory"] for entry in manifest["plugins"]]
    return info


def converge_home(home, git, check_mode=False, state="present", repo=None, remote_url=None, update=False,
                  config=None, push=False, force=False, lock_timeout=600, policy=None):
    """Bring the home to the asked state. Returns (actions, warnings); check mode writes nothing.

    ``actions`` is the list of what was (or would be) done, each a dict with ``action``
    (init, clone, repair, remote, update, config, push, remove) and details.
    """
    run = HomeRun(home, git, check_mode, lock_timeout, policy)
    try:
        run.converge(state, repo, remote_url, update, config, push, force)
    finally:
        run.cleanup()
    return run.actions, run.warnings


class HomeRun(object):
    """One converge of the home itself. Beside ``actions`` and ``warnings`` it leaves, for the plugins
    that follow in the same run, the home as it will be: ``view`` (where to read it: the home, or in
    check mode a temporary clone of a repository not cloned yet), ``manifest`` (check mode: the
    manifest after the update and config changes; None: read it from ``view``) and ``incoming``
    (plugin folders whose tracked files the update brings: check mode cannot see them yet)."""

    def __init__(self, home, git, check_mode=False, lock_timeout=600, policy=None):
        self.home = home
        self.policy = policy   # _signatures.Policy: the commits a clone or an update takes are verified
        self.git = git
        self.check_mode = check_mode
        self.lock_timeout = lock_timeout
        self.actions = []
        self.warnings = []
        self.view = home
        self.manifest = None
        self.incoming = set()
        self.commits = 0
        self._temp = None

    def cleanup(self):
        if self._temp:
            _fs.remove_tree(self._temp)
            self._temp = None

    def converge(self, state="present", repo=None, remote_url=None, update=False, config=None, push=False, force=False):
        home, git, check_mode = self.home, self.git, self.check_mode
        if state == "absent":
            return self._remove(force)
        exists = _home.check_init_target(home)
        if exists and os.path.isdir(os.path.join(home, ".git")):
            self.warnings.extend(_git.clear_stale_locks(home, self.lock_timeout, check_mode))
        fresh = not exists
        if fresh and repo:
            # A clone always needs plugins/ created (git keeps no empty folder): that is part of
            # the clone, so check mode and the real run report the same single action.
            self.actions.append({"action": "clone", "repo": _urls.redact_url(repo)})
            if check_mode:
                # Look at what the clone will hold from a temporary clone outside the home.
                self._temp = tempfile.mkdtemp(prefix="atk-core-clone-")
                self.view = os.path.join(self._temp, "home")
                _clone(git, repo, self.view, self.policy)
            else:
                _clone(git, repo, home, self.policy)
            _home.repair(self.view)
        elif fresh:
            self.actions.append({"action": "init"})
            if not check_mode:
                _home.init_home(home, git)
        if os.path.isdir(home) and not os.path.isdir(os.path.join(home, "plugins")):
            self.actions.append({"action": "repair", "create": "plugins/"})
            if not check_mode:
                _home.repair(home)
        known = os.path.isdir(os.path.join(self.view, ".git"))   # not a home that check mode would init
        if remote_url and (known or fresh):
            self._remote(remote_url, git.remote_url(self.view) if known else None)
        if update and known and not fresh:
            self._update()
        if config and (known or fresh):
            self._config(config)
        if push and known:
            _push(git, self.view, check_mode, self.actions, self.warnings)

    def _remove(self, force):
        if not os.path.lexists(self.home):
            return
        if not force:
            raise AtkError("Refusing to delete the ATK home %s: it holds every plugin's files, custom/ and .env secrets."
                           % self.home, hint="Set force=true to delete it.")
        self.actions.append({"action": "remove", "path": self.home})
        if not self.check_mode:
            _fs.remove_tree(self.home)

    def _remote(self, remote_url, current):
        if current == remote_url:
            return
        self.actions.append({"action": "remote", "name": "origin", "from": _urls.redact_url(current),
                             "to": _urls.redact_url(remote_url)})
        if not self.check_mode:
            verb = "add" if current is None else "set-url"
            self.git.run(["remote", verb, "--", "origin", remote_url], cwd=self.home)

    def _update(self):
        """Take every upstream change, the host's own layer replayed on top (_home_sync)."""
        home, git = self.home, self.git
        if _home_sync.upstream_of(git, home) is None:
            raise AtkError("Cannot update %s: its branch tracks no remote branch." % home,
                           hint="Set an upstream (git -C %s branch --set-upstream-to origin/<branch>) or drop update "
                           "(the role's atk_home_update)." % home)
        state = _state.load(home)
        result = _home_sync.compute(git, home, None, state.get("own_commits") or [], self.policy)
        try:
            if result.changed:
                self.actions.append(result.action())
            if self.check_mode:
                self.manifest = result.manifest_after
                self.incoming = result.incoming()
            else:
                _home_sync.apply(git, home, result)
                _state.replay_own_commits(state, result.replayed)
                _state.save(home, state)
                _home.repair(home)
        finally:
            _home_sync.finish(result)

    def _config(self, config):
        home, git = self.home, self.git
        if self.manifest is not None:
            base = self.manifest
        elif os.path.isfile(os.path.join(self.view, _manifest.FILENAME)):
            base = _manifest.load_manifest(self.view)
        else:
            base = _manifest.initial_manifest()
        wanted = dict(base["config"])
        for key in ("auto_commit", "auto_push"):
            if config.get(key) is not None:
                wanted[key] = bool(config[key])
        if wanted == base["config"]:
            return
        self.actions.append({"action": "config", "from": dict(base["config"]), "to": wanted})
        manifest = dict(base)
        manifest["config"] = wanted
        if self.check_mode:
            self.manifest = manifest
            return
        _manifest.save_manifest(home, manifest)
        if wanted["auto_commit"]:
            if git.commit(home, "Update ATK config", paths=[_manifest.FILENAME]):
                self.commits += 1
                state = _state.load(home)
                _state.add_own_commit(state, git.head(home))
                _state.save(home, state)
            if wanted["auto_push"]:
                self.warnings.extend(git.auto_push(home))


def _clone(git, repo, home, policy=None):
    if repo.startswith("-") or "::" in repo.split("/", 1)[0]:
        raise AtkError("Refusing the home repository URL %s: it looks like an option or a remote-helper transport." % _urls.redact_url(repo))
    parent = os.path.dirname(home)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    work = os.path.join(parent, _fs.TEMP_PREFIX + "clone-" + os.path.basename(home))
    _fs.remove_tree(work)
    try:
        verifying = policy is not None and policy.enabled
        rc, dummy, err = git.run(["clone", "-q"] + (["--no-checkout"] if verifying else []) + ["--", repo, work], check=False)
        if rc != 0:
            raise AtkError("Cannot clone the ATK home repository %s: %s" % (_urls.redact_url(repo), _git.first_line(err)),
                           hint="Check the URL, your credentials and your network connection.")
        if verifying:
            _verify_clone(git, repo, work, policy)
        if not os.path.isfile(os.path.join(work, _manifest.FILENAME)):
            raise AtkError("The repository %s is not an ATK home: it has no manifest.yaml." % _urls.redact_url(repo),
                           hint="Point repo (the role's atk_home_repo) at a repository made by atk init / atk.core.atk_home.")
        os.rename(work, home)
    finally:
        _fs.remove_tree(work)


def _verify_clone(git, repo, work, policy):
    """The commit a clone checks out must be signed by an allowed key: checked before the checkout."""
    rc, out, dummy = git.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=work, check=False)
    if rc != 0:
        raise AtkError("The repository %s is not an ATK home: it has no commit." % _urls.redact_url(repo))
    _signatures.verify(policy, lambda args: git.run(args, cwd=work, check=False), out.strip(),
                       "the home repository %s" % _urls.redact_url(repo))
    git.run(["checkout", "-q"], cwd=work)


def push_step(git, home, check_mode, pending=False):
    """Push the home's commits to the branch it tracks, never with force. Returns (actions, warnings).

    ``pending`` (check mode): commits the run would make first, so a push would follow them."""
    actions, warnings = [], []
    _push(git, home, check_mode, actions, warnings, pending)
    return actions, warnings


def _push(git, home, check_mode, actions, warnings, pending=False):
    upstream = _home_sync.upstream_of(git, home)
    if upstream is None:
        if git.remote_url(home) is None:
            warnings.append("push requested but the home has no remote: clone it from repo (the role's atk_home_repo), set atk_home's "
                            "remote_url, or run git remote add origin <url> in the home.")
            return
        rc, out, dummy = git.run(["branch", "--show-current"], cwd=home, check=False)
        branch = out.strip()
        actions.append({"action": "push", "remote": "origin", "branch": branch})
        if not check_mode:
            git.run(["push", "-q", "-u", "--", "origin", branch], cwd=home)
        return
    rc, out, dummy = git.run(["rev-list", "--count", "@{upstream}..HEAD"], cwd=home, check=False)
    ahead = int(out.strip() or 0) if rc == 0 else 0
    if not ahead and not pending:
        return
    actions.append({"action": "push", "remote": upstream[0], "branch": upstream[1], "commits": ahead})
    if check_mode:
        return
    rc, dummy, err = git.run(["push", "-q", "--", upstream[0], "HEAD:" + upstream[1]], cwd=home, check=False)
    if rc != 0:
        # Never forced: a rejected push means upstream moved meanwhile; the next run takes it and pushes again.
        raise AtkError("Pushing the home to %s/%s was refused: %s" % (upstream[0], upstream[1], _git.first_line(err)),
                       hint="Upstream moved since this run took it; run again (it takes the new commits, then pushes).")


def predict(before, actions):
    """The ``after`` of a check-mode run, derived from ``before`` and the planned actions."""
    after = dict(before)
    for action in actions:
        kind = action["action"]
        if kind == "init":
            after.update(exists=True, valid=True, errors=[], branch=after.get("branch"),
                         config=_manifest.initial_manifest()["config"], plugins=[])
        elif kind == "clone":
            after.update(exists=True, valid=None, errors=[], remote_url=action["repo"])
        elif kind == "repair":
            after["errors"] = [e for e in after.get("errors") or [] if e != "Missing plugins/ directory"]
            after["valid"] = not after["errors"] if after.get("valid") is not None else None
        elif kind == "remote":
            after["remote_url"] = action["to"]
        elif kind == "update":
            after["head"] = action["to"]
        elif kind == "config":
            after["config"] = dict(action["to"])
        elif kind == "remove":
            after = {"path": before["path"], "exists": False, "valid": False, "errors": [], "head": None,
                     "branch": None, "remote_url": None, "config": None, "plugins": []}
    return after


def _summary(info):
    lines = ["path: %s" % info["path"], "exists: %s" % info["exists"], "valid: %s" % info["valid"]]
    for key in ("head", "branch", "remote_url"):
        if info.get(key):
            lines.append("%s: %s" % (key, info[key]))
    if info.get("config"):
        lines.append("config: auto_commit=%s auto_push=%s" % (info["config"]["auto_commit"], info["config"]["auto_push"]))
    for directory in info.get("plugins") or []:
        lines.append("plugin: %s" % directory)
    return "\n".join(lines) + "\n"


def diff(before, after):
    return {"before_header": "%s (before)" % before["path"], "after_header": "%s (after)" % after["path"],
            "before": _summary(before), "after": _summary(after)}


def home_task(params, run, git_path, check_mode, want_diff, environ=None):
    """atk_home's work from its validated parameters."""
    home = _home.resolve_home(params["path"], environ)
    if params["state"] == "present" and os.path.lexists(home) and not os.path.isdir(home):
        raise AtkError("Path exists but is a file, not a directory: %s" % home)
    git = _git.Git(run, git_path)
    policy = _signatures.Policy.from_params(params, environ)
    with _home.lock(home, timeout=params["lock_timeout"], shared=check_mode):
        before = describe(home, git)
        actions, warnings = converge_home(
            home, git, check_mode=check_mode, state=params["state"], repo=params["repo"],
            remote_url=params["remote_url"], update=params["update"], config=params["config"],
            push=params["push"], force=params["force"], lock_timeout=params["lock_timeout"], policy=policy)
        after = predict(before, actions) if check_mode else describe(home, git)
    result = dict(changed=bool(actions), path=home, actions=actions, before=before, after=after,
                  warnings=warnings + policy.warnings)
    if policy.enabled:
        result["verified"] = policy.verified
    if want_diff:
        result["diff"] = diff(before, after)
    return result
