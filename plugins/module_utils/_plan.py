# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired plugins x the home as it is -> the list of actions. PRIVATE to the collection.

One plan serves check mode, ``--diff``, the returned ``actions`` and the real run, so
the prediction cannot differ from what is done. The plan touches the network only for
what it cannot know locally: a version to resolve (``latest``, a branch or tag), or
files to fetch (a plugin to add, upgrade or restore). When every pin is in place it
reads local files only.

Actions: ``add``, ``resync`` (files missing or at another ref than the manifest pins),
``upgrade``/``downgrade`` (the pin moves), ``install`` (retry of a failed install),
``configure`` (only .env values change), ``remove``, ``commit`` (make the commit an interrupted
run did not), ``none``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _home
from ansible_collections.atk.core.plugins.module_utils import _manifest
from ansible_collections.atk.core.plugins.module_utils import _names
from ansible_collections.atk.core.plugins.module_utils import _spec

DEFAULT_REGISTRY_URL = "https://github.com/Svtoo/atk-registry"
REF_FILE = ".atk-ref"
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
# Top-level names of a plugin folder that belong to the user, not to the plugin's source.
LOCAL_NAMES = ("custom", ".env", REF_FILE)
STATES = ("present", "latest", "absent")
_REGISTRY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# -- atk.core's own per-home state (.git/atk-core/state.json) -------------------------

def _state_path(home):
    return os.path.join(_home.state_dir(home), "state.json")


def load_state(home):
    text = _fs.read_text(_state_path(home))
    if not text:
        return {"pending_install": {}}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return {"pending_install": {}}
    if not isinstance(data.get("pending_install"), dict):
        data["pending_install"] = {}
    return data


def save_state(home, state):
    directory = _home.state_dir(home)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    _fs.atomic_write(_state_path(home), json.dumps(state, indent=1, sort_keys=True) + "\n", mode=0o600)


# -- the home as it is -------------------------------------------------------------

def read_ref(plugin_dir):
    text = _fs.read_text(os.path.join(plugin_dir, REF_FILE))
    return text.strip() if text else None


def disk_state(home, directory):
    """What is on disk for one plugin folder."""
    path = _home.plugin_dir(home, directory)
    has_spec = os.path.isfile(os.path.join(path, "plugin.yaml")) or os.path.isfile(os.path.join(path, "plugin.yml"))
    return {"exists": os.path.isdir(path), "has_spec": has_spec, "ref": read_ref(path) if has_spec else None}


# -- desired items -----------------------------------------------------------------

def _check_arg(value, what):
    if value is not None and (value.startswith("-") or "\0" in value or "\n" in value):
        raise AtkError("Refusing %s %r: it starts with '-' or holds a control character." % (what, value))


def normalize_item(raw, default_state="present"):
    """Validate one desired plugin and infer its source the way atk does."""
    item = {k: raw.get(k) for k in ("name", "source", "url", "path", "version", "state", "env")}
    if not item["state"]:
        # A pinned version is kept even when the run's default is latest (e.g. the upgrade playbook).
        item["state"] = "present" if (item["version"] and default_state == "latest") else default_state
    if item["state"] not in STATES:
        raise AtkError("Unknown state %r for plugin %r; use one of %s." % (item["state"], item["name"], ", ".join(STATES)))
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
    if item["path"]:
        item["path"] = os.path.abspath(os.path.expanduser(item["path"]))
    if item["env"] is not None:
        if not isinstance(item["env"], dict):
            raise AtkError("Plugin %r: env must be a mapping of variable names to values." % name)
        from ansible_collections.atk.core.plugins.module_utils import _env
        item["env"] = _env.normalize_values(item["env"])
    return item


def _label(item):
    return item.get("name") or item.get("url") or item.get("path")


def _norm_url(url):
    from ansible_collections.atk.core.plugins.module_utils import _sources
    return _sources.normalize_git_url(url).rstrip("/")


def _strip_git_suffix(url):
    return url[:-4] if url.endswith(".git") else url


def find_existing(manifest, item, local_spec=None):
    """The manifest entry a desired item refers to, or None."""
    source = item["source"]
    if item["state"] == "absent" and item["name"]:
        entry = _manifest.find_entry(manifest, item["name"])
        if entry is not None:
            return entry
    if source == "registry":
        directory = _names.sanitize_directory_name(item["name"])
        for entry in manifest["plugins"]:
            if entry["directory"] == directory:
                return entry
        return None
    if source == "git" and item["url"]:
        wanted = _strip_git_suffix(_norm_url(item["url"]))
        for entry in manifest["plugins"]:
            if entry["source"]["type"] == "git" and entry["source"]["url"] and \
                    _strip_git_suffix(_norm_url(entry["source"]["url"])) == wanted:
                return entry
        return None
    if source == "local" and local_spec is not None:
        directory = _names.sanitize_directory_name(local_spec["name"])
        for entry in manifest["plugins"]:
            if entry["directory"] == directory:
                return entry
    return None


class Sources(object):
    """Every source of one run, each contacted at most once per thing it is asked.

    Resolutions are memoised, so 20 registry plugins at one registry commit cost one
    resolution and one fetch, not twenty.
    """

    def __init__(self, run, cache_root, registry_url=DEFAULT_REGISTRY_URL):
        self.run = run
        self.cache_root = cache_root
        self.registry_url = registry_url
        self._registries = {}
        self._gits = {}
        self._resolved = {}

    def registry(self, url=None):
        from ansible_collections.atk.core.plugins.module_utils import _sources
        url = url or self.registry_url
        if url not in self._registries:
            self._registries[url] = _sources.RegistryCache(url, self.cache_root, self.run)
        return self._registries[url]

    def git(self, url):
        from ansible_collections.atk.core.plugins.module_utils import _sources
        key = _norm_url(url)
        if key not in self._gits:
            self._gits[key] = _sources.GitSource(url, self.cache_root, self.run)
        return self._gits[key]

    def source_for(self, kind, url=None):
        return self.registry() if kind == "registry" else self.git(url)

    def resolve(self, kind, url, version):
        """A commit for ``version`` (None = the source's HEAD), asked once per run."""
        source = self.source_for(kind, url)
        key = (id(source), version)
        if key not in self._resolved:
            self._resolved[key] = source.resolve(version)
        return self._resolved[key]

    def network_calls(self):
        sources = list(self._registries.values()) + list(self._gits.values())
        return sum(getattr(s, "network_calls", 0) for s in sources)

    def contacted(self):
        urls = []
        for source in list(self._registries.values()) + list(self._gits.values()):
            urls.extend(source.contacted)
        return urls


def _file_changes(staged, current):
    """[{path, status}] between a staged tree and the plugin folder on disk (user names skipped)."""
    new = _fs.tree_files(staged, LOCAL_NAMES)
    old = _fs.tree_files(current, LOCAL_NAMES) if current and os.path.isdir(current) else {}
    changes = []
    for path in sorted(set(new) | set(old)):
        if path not in old:
            changes.append({"path": path, "status": "added"})
        elif path not in new:
            changes.append({"path": path, "status": "removed"})
        elif new[path] != old[path]:
            changes.append({"path": path, "status": "modified"})
    return changes


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "on", "t", "true", "y", "yes")
    return bool(value)


def required_names(spec):
    return [v["name"] for v in (spec or {}).get("env_vars") or [] if _bool(v.get("required"))]


def _try_load(plugin_dir):
    try:
        return _spec.load_plugin(plugin_dir)
    except AtkError:
        return None


def _check_custom(plugin_dir):
    """custom/ is copied into every new version of the plugin and committed: it must be a real
    folder whose symlinks stay inside it, or the files a symlink leads to (anywhere on the host)
    would be copied into the home and its history."""
    from ansible_collections.atk.core.plugins.module_utils import _sources
    custom = os.path.join(plugin_dir, "custom")
    if os.path.islink(custom):
        raise AtkError("Refusing %s: it is a symlink (-> %s), and atk.core copies custom/ into the new version of the "
                       "plugin and commits it." % (custom, os.readlink(custom)),
                       hint="Make custom/ a real folder inside the plugin folder.")
    if os.path.isdir(custom):
        _sources._check_tree(custom, custom)


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
        self.local_spec = None
        self.missing_env = []

    @property
    def changed(self):
        return self.action not in (None, "none")

    def needs_fetch(self):
        return self.action in ("add", "resync", "upgrade", "downgrade") and self.source in ("registry", "git")

    def result(self):
        from ansible_collections.atk.core.plugins.module_utils import _sources
        env = None
        if self.env is not None:
            env = {"added": self.env[1], "changed": self.env[2], "removed": self.env[3]}
        return {
            "plugin": self.directory,
            "name": self.name,
            "source": self.source,
            "url": _sources.redact_url(self.url) if self.url else None,
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
            "warnings": self.warnings,
            "errors": self.errors,
        }


class Planner(object):
    """Builds the plan. ``stage_root`` is where fetched files are staged (a temp dir)."""

    def __init__(self, home, sources, stage_root, lifecycle=True, force=False, environ=None, manifest=None):
        self.home = home
        self.sources = sources
        self.stage_root = stage_root
        self.lifecycle = lifecycle
        self.force = force
        self.environ = os.environ if environ is None else environ
        self.manifest = _manifest.load_manifest(home) if manifest is None else manifest
        self.state = load_state(home)
        self.plans = []
        self._ancestry = {}  # (id(source), its network calls, new, old) -> new is an ancestor of old
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
                    "url": entry["source"]["url"], "path": None, "version": None, "env": None}
            plan = PluginPlan(item, entry)
            if prune:
                plan.reason = "not in the desired list (prune)"
            self.plans.append(plan)

    def _identify(self, item):
        local_spec = None
        if item["source"] == "local" and item["path"] and item["state"] != "absent":
            local_spec = self._load_local(item)
        elif item["source"] == "local" and item["path"] and os.path.exists(item["path"]):
            local_spec = self._load_local(item)
        entry = find_existing(self.manifest, item, local_spec)
        if entry is not None and item["state"] != "absent" and entry["source"]["type"] != item["source"]:
            raise AtkError("Plugin '%s' is already installed from a %s source (directory '%s'), not from %s." % (
                _label(item), entry["source"]["type"], entry["directory"], item["source"]),
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
        disk = disk_state(self.home, plan.directory)
        plan.disk_ref = disk["ref"]
        pinned = plan.before_ref
        if plan.source == "local":
            if not disk["has_spec"]:
                if not item.get("path"):
                    raise AtkError("Plugin '%s' is local but its files are missing. Local plugins cannot be fetched; "
                                   "restore the files manually or give its path." % plan.name)
                plan.action = "resync"
                plan.reason = "files missing"
            else:
                plan.action = "none"
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
        return self._after_decide(plan)

    def _direction(self, plan, old, new):
        if not old:
            return "upgrade"
        source = self.sources.source_for(plan.source, plan.url)
        is_ancestor = getattr(source, "is_ancestor", None)
        if is_ancestor is None:
            return "upgrade"
        # Asked once per source and pair of commits while the source's cache stays as it is (only a
        # clone or fetch, which count as network calls, adds commits): 20 registry plugins moving
        # from one registry commit to the next are one question, not 20 git calls.
        key = (id(source), getattr(source, "network_calls", 0), new, old)
        if key not in self._ancestry:
            self._ancestry[key] = is_ancestor(new, old)
        return "downgrade" if self._ancestry[key] else "upgrade"

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
        from ansible_collections.atk.core.plugins.module_utils import _git
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
            plan.reason = "orphaned folder (not in manifest.yaml)"
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
                        plan.directory, _label(seen[plan.directory].item), _label(plan.item)),
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
                source.ensure_commit(plan.target_ref)
                dest = os.path.join(self.stage_root, "git-%d" % len(os.listdir(self.stage_root)))
                plan.staged = source.stage(plan.target_ref, dest)
        registry = self.sources.registry() if by_commit else None
        for sha, plans in by_commit.items():
            registry.ensure_commit(sha)
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
                from ansible_collections.atk.core.plugins.module_utils import _sources
                dest = os.path.join(self.stage_root, "local-%d" % len(os.listdir(self.stage_root)))
                plan.staged = _sources.stage_local(plan.item["path"], dest)
            if plan.staged:
                self._compare(plan)
            elif plan.action in ("none", "install", "configure") and plan.directory and \
                    (plan.action != "none" or plan.item.get("env")):
                # finish() reads the spec only to retry an install or to set .env values, so a
                # plugin already in place is not parsed: a no-op converge reads no plugin.yaml.
                plan.spec = _try_load(_home.plugin_dir(self.home, plan.directory))
        self._check_collisions_after_fetch()

    def _compare(self, plan):
        current = _home.plugin_dir(self.home, plan.directory) if plan.directory else None
        if current:
            _check_custom(current)
        # The user's overrides apply to the new files too, so validate them together.
        if current and os.path.isdir(os.path.join(current, "custom")) and \
                not os.path.lexists(os.path.join(plan.staged, "custom")):
            shutil.copytree(os.path.join(current, "custom"), os.path.join(plan.staged, "custom"), symlinks=True)
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
        plan.files = _file_changes(plan.staged, current if plan.entry is not None else None)
        if plan.entry is not None and plan.action in ("upgrade", "downgrade"):
            old_spec = _try_load(current)
            old_names = set(required_names(old_spec)) | set(v["name"] for v in (old_spec or {}).get("env_vars") or [])
            plan.new_required_env = [n for n in required_names(plan.spec) if n not in old_names]
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
        has_install = bool((plan.spec.get("lifecycle") or {}).get("install"))
        if plan.action in ("add", "resync") or plan.files or self.state["pending_install"].get(plan.directory):
            plan.run_install = has_install and self.lifecycle

    def _source_label(self, plan):
        """How a staged plugin's files are named in messages: where they came from, '/'-terminated."""
        from ansible_collections.atk.core.plugins.module_utils import _sources
        if plan.source == "registry":
            slug = plan.item["name"] if plan.entry is None else plan.directory
            return "%s@%s:plugins/%s/" % (_sources.redact_url(self.sources.registry_url), plan.target_ref, slug)
        if plan.source == "git":
            return "%s@%s:.atk/" % (_sources.redact_url(plan.url), plan.target_ref)
        return plan.item["path"].rstrip(os.sep) + os.sep

    def _is_own_leftover(self, directory):
        return directory in (self.state.get("in_flight") or [])

    def _check_collisions_after_fetch(self):
        seen = {}
        for entry in self.manifest["plugins"]:
            seen[entry["directory"]] = entry
        for plan in self.plans:
            if plan.action == "add" and plan.directory and not plan.errors:
                if plan.directory in seen:
                    other = seen[plan.directory]
                    raise AtkError("Plugin '%s' would go to plugins/%s, which already holds '%s' (%s source)." % (
                        _label(plan.item), plan.directory, other["name"], other["source"]["type"]),
                        hint="Remove the other plugin first, or keep only one of them in the desired list.")
                seen[plan.directory] = {"name": plan.name, "source": {"type": plan.source}}

    # -- env and install prediction -------------------------------------------------
    def finish(self):
        from ansible_collections.atk.core.plugins.module_utils import _envfile
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
            if plan.action == "install":
                plan.run_install = bool(self.lifecycle and (plan.spec or {}).get("lifecycle", {}).get("install"))
            if plan.run_install:
                env_values = _envfile.values(env_text) if env_text else {}
                missing = [n for n in required_names(plan.spec) if n not in env_values and n not in self.environ]
                if missing:
                    plan.install = "blocked"
                    plan.missing_env = missing
                else:
                    plan.install = "will run"
            elif plan.action in ("add", "resync", "upgrade", "downgrade", "install"):
                plan.install = "not defined" if not (plan.spec or {}).get("lifecycle", {}).get("install") else \
                    ("skipped" if not self.lifecycle else "not needed")

    def build(self, items, prune=False, all_state=None):
        self.add_items(items, prune, all_state)
        self.decide()
        self.stage()
        self.finish()
        return self.plans


def manifest_after(manifest, plans):
    """The manifest the plan leads to (for --diff and for the apply step)."""
    result = copy.deepcopy(manifest)
    for plan in plans:
        if plan.errors:
            continue
        if plan.action == "remove" and not plan.orphan:
            result = _manifest.without_entry(result, plan.directory)
        elif plan.action == "add":
            result = _manifest.with_entry(result, _manifest.make_entry(
                plan.name, plan.directory, plan.source, plan.target_ref,
                plan.item.get("url") if plan.source == "git" else None))
        elif plan.action in ("upgrade", "downgrade"):
            entry = copy.deepcopy(plan.entry)
            entry["source"]["ref"] = plan.target_ref
            result = _manifest.with_entry(result, entry)
    return result
