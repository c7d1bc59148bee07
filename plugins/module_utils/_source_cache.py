# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The partial-clone cache of a plugin source (registry or git repository). PRIVATE to the collection.

The layer under the planner: it turns "version V of source S" into a commit and then into
staged files, with as few network round trips as git allows, and proves how many it made.
``_registry_source`` and ``_git_source`` build on it.

Runner
    Every git call goes through an injected ``run(argv, cwd=None, env_update=None,
    data=None) -> (rc, stdout, stderr)`` (text). :func:`subprocess_runner` is a plain
    implementation for tests and non-Ansible use; modules pass
    ``_module.make_runner(module)``. This file always adds ``_git.BASE_ENV`` to the
    environment it asks for.

Network accounting
    Only ``ls-remote``, ``clone`` and ``fetch`` talk to a remote, and each goes through
    ``CacheRepo._remote``, which increments ``network_calls`` and appends
    ``{"op": ..., "url": <redacted url>}`` to ``network_log``. Every other git call runs
    with ``GIT_ALLOW_PROTOCOL`` set to a protocol that does not exist, so a partial
    clone's lazy "fetch the missing object" cannot reach the network behind our back:
    it fails instead. That is what makes ``has_commit``, ``resolve(<sha>)``, ``index``
    on a fetched commit, ``changed_files`` and a warm ``stage`` provably offline.

Cache layout (``cache_root`` defaults to ``$XDG_CACHE_HOME/atk-core``, see
:func:`default_cache_root`)::

    <cache_root>/registries/<key>/lock   fcntl lock, serialises every user of this cache
    <cache_root>/registries/<key>/repo   bare partial clone (promisor remote "origin")
    <cache_root>/git/<key>/...           the same for GitSource
    key = sha256(redacted, normalised URL)[:16]

Staging reads files out of the bare clone with a temporary index and work tree
(``git read-tree`` + ``git checkout <sha> -- <paths>``), so git applies the same
attributes, eol rules and file modes as atk's own ``git checkout``. Missing blobs for
all requested paths are fetched first in ONE batched ``git fetch --stdin`` of their ids.
Every commit the cache was asked for is pinned under ``refs/atk-core/pins/<sha>`` so
``git gc`` never drops it.

Round trips (network contacts) per operation
    ``resolve(None|name)``    1 ``ls-remote``; on a cold cache the clone instead
                              (1 contact, and the next ``ensure_commit`` is then free);
                              0 after this object cloned (its refs are that fresh)
    ``resolve(<40-hex>)``     0
    ``has_commit``            0, always
    ``ensure_commit``         0 if present; cold: 1 clone (+1 fetch if the commit is not
                              on a branch or tag); warm: 1 fetch (+1 fetch of all heads
                              and tags when the server refuses a want by id)
    ``index``/``lookup``      0 when index.yaml's blob is local, else 1 blob fetch
    ``stage`` (N plugins)     0 when the blobs are local, else exactly 1 blob fetch
                              (index.yaml included when it was not read yet)
    ``changed_files``         0, always (trees only)

The registry defaults to ``--filter=blob:limit=1m`` (registry plugin folders are small
text files, so one clone or fetch brings everything a later ``stage`` needs and a cold
"stage N plugins" costs one contact in all); git sources default to
``--filter=blob:none`` (their repositories can be large: only ``.atk/`` is fetched).

API (every error is an AtkError; every URL in a message or result is redacted)
    ``default_cache_root(environ=None) -> str``, ``_git.is_sha(text)``, ``_git.check_version(version)``
    ``CacheRepo(url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER,
                git="git", lock_timeout=600)``, the base of ``_registry_source.RegistryCache``
                and ``_git_source.GitSource``:
        ``.resolve(version=None) -> sha``      ``.has_commit(sha) -> bool``
        ``.ensure_commit(sha)``                ``.changed_files(old, new, path) -> [...] | None``
        ``.is_ancestor(a, b) -> bool``         ``.drop()``
        ``.cached_head() -> sha | None``       ``.set_head(sha)`` (what atk_registry converges)
        ``.network_calls`` (int), ``.network_log`` ([{"op", "url"}]), ``.contacted`` ([url]),
        ``.url``, ``.display_url`` (redacted), ``.dir`` (the cache directory)

Symlinks in staged trees are checked by ``_fs.check_tree``: one whose target stays inside the
plugin folder is staged as a symlink; one that leaves it is an AtkError naming it.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git
from ansible_collections.atk.core.plugins.module_utils import _lock
from ansible_collections.atk.core.plugins.module_utils import _signatures
from ansible_collections.atk.core.plugins.module_utils import _urls
from ansible_collections.atk.core.plugins.module_utils._proc import subprocess_runner

GIT_SOURCE_FILTER = "blob:none"
PIN_PREFIX = "refs/atk-core/pins/"
HEAD_REF = "refs/atk-core/head"

# Set on every call that must not touch the network: no transport is allowed, so a
# lazy fetch of a missing object in the partial clone fails instead of connecting.
OFFLINE_ENV = {"GIT_ALLOW_PROTOCOL": "atk-core-offline"}

# Per-call configuration: no user hooks, fsmonitor or submodule recursion on our
# internal repository, no remote helpers that run commands, gc in the foreground
# (inside our lock) instead of a detached process.
SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "submodule.recurse=false",
    "-c", "fetch.recurseSubmodules=false",
    "-c", "protocol.ext.allow=never",
    "-c", "protocol.fd.allow=never",
    "-c", "gc.autoDetach=false",
    "-c", "maintenance.autoDetach=false",
    "-c", "advice.detachedHead=false",
)

_SHORT_SHA_RE = re.compile(r"^[0-9a-fA-F]{4,39}$")

_MISSING_REPO = (
    "repository not found", "not found", "does not appear to be a git repository",
    "repository not exported", "no such repository", "could not read username", "could not read password",
    "authentication failed", "access denied", "permission denied",
)
_UNADVERTISED = (
    "not our ref", "unadvertised object", "couldn't find remote ref", "no such remote ref",
    "server does not allow request",
)


def default_cache_root(environ=None):
    """``$XDG_CACHE_HOME/atk-core`` or ``~/.cache/atk-core`` (``$HOME`` honoured)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = environ.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".cache")
    return os.path.join(base, "atk-core")


def _first_error_line(stderr):
    """The most telling line of git's stderr (a fatal/error line if any), credentials removed."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith(("fatal:", "error:")):
            return _urls.redact_text(line)
    return _urls.redact_text(lines[0]) if lines else "no error output from git"


# --------------------------------------------------------------------------------------
# The partial-clone cache shared by RegistryCache and GitSource
# --------------------------------------------------------------------------------------

class CacheRepo(object):
    """A bare partial clone of one remote, keyed by its (redacted) URL."""

    kind = "git"
    policy = None   # a _signatures.Policy: ensure_commit verifies every commit it makes local

    def __init__(self, url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER,
                 git="git", lock_timeout=600):
        _urls.check_url(url)
        url = _urls.absolute_if_local(url)
        self.url = url
        self.display_url = _urls.redact_url(url)
        self.cache_root = os.path.abspath(cache_root or default_cache_root())
        self.run = run
        self.git = git
        self.blob_filter = blob_filter
        key_source = self.display_url.rstrip("/")
        self.key = hashlib.sha256(key_source.encode("utf-8")).hexdigest()[:16]
        self.dir = os.path.join(self.cache_root, self.kind, self.key)
        self.repo = os.path.join(self.dir, "repo")
        self.network_calls = 0
        self.network_log = []
        lock_path = os.path.join(self.dir, "lock")
        self._lock = _lock.FileLock(lock_path, lock_timeout, "Another process has held the source cache lock %s for "
                                    "more than %d seconds." % (lock_path, lock_timeout))
        self._remote_url_checked = False
        self._refs_fresh = False
        self._known_commits = set()   # commits seen in the cache (they never leave it but by drop())
        self._trees = {}              # (sha, path) -> (mode, type, oid) | None: trees never change

    @property
    def contacted(self):
        """The (redacted) URL of every network contact so far, one item per contact."""
        return [item["url"] for item in self.network_log]

    # -- plumbing -----------------------------------------------------------------------

    def _locked(self):
        # exist_ok: the first users of an empty cache race to create it (two playbooks at once).
        os.makedirs(self.dir, 0o700, exist_ok=True)
        return self._lock

    def _env(self, offline, extra=None):
        env = dict(_git.BASE_ENV)
        if offline:
            env.update(OFFLINE_ENV)
        env.update(extra or {})
        return env

    def _git(self, args, env=None, data=None, work_tree=None, check=True):
        """A local git call on the cache repository: never reaches the network."""
        argv = [self.git, "--git-dir=" + self.repo]
        if work_tree is not None:
            argv.append("--work-tree=" + work_tree)
        argv += ["--literal-pathspecs"] + list(SAFE_CONFIG) + list(args)
        rc, out, err = self.run(argv, cwd=self.dir, env_update=self._env(True, env), data=data)
        if check and rc != 0:
            raise AtkError("git %s failed in the source cache for %s (exit code %d): %s"
                           % (args[0], self.display_url, rc, _first_error_line(err)),
                           hint="If this persists, remove the cache directory %s." % self.dir)
        return rc, out, err

    def _remote(self, op, args, repo=True, data=None):
        """The ONE way to talk to the remote: counted and logged (URL redacted)."""
        self.network_calls += 1
        self.network_log.append({"op": op, "url": self.display_url})
        argv = [self.git]
        if repo:
            argv.append("--git-dir=" + self.repo)
        argv += list(SAFE_CONFIG) + list(args)
        env = self._env(False, {"GIT_CEILING_DIRECTORIES": os.path.dirname(self.dir)})
        return self.run(argv, cwd=self.dir, env_update=env, data=data)

    def _network_error(self, err):
        line = _first_error_line(err)
        lowered = (err or "").lower()
        if any(marker in lowered for marker in _MISSING_REPO):
            return AtkError("Repository %s not found or not accessible: %s" % (self.display_url, line),
                            hint="Check the URL and your credentials.", url=self.display_url)
        return AtkError("Cannot reach %s: %s" % (self.display_url, line),
                        hint="Check the URL and your network connection.", url=self.display_url)

    def _cloned(self):
        return os.path.isfile(os.path.join(self.repo, "HEAD"))

    def _sync_remote_url(self):
        """Keep ``remote.origin.url`` equal to the URL we were given (credentials may change)."""
        if self._remote_url_checked:
            return
        rc, out, _err = self._git(["config", "--get", "remote.origin.url"], check=False)
        if rc != 0 or out.rstrip("\n") != self.url:
            self._git(["config", "remote.origin.url", self.url])
        self._remote_url_checked = True

    def _clone(self):
        """First use: a bare, blob-filtered clone of every branch and tag (one contact)."""
        _fs.clean_temp_leftovers(self.dir)
        tmp = _fs.make_temp_dir(self.dir, "clone")
        target = os.path.join(tmp, "repo")
        try:
            rc, _out, err = self._remote("clone", [
                "clone", "--bare", "--quiet", "--no-local", "--filter=" + self.blob_filter,
                "--config", "gc.autoDetach=false", "--config", "core.hooksPath=/dev/null",
                "--", self.url, target], repo=False)
            if rc != 0:
                raise self._network_error(err)
            os.rename(target, self.repo)
        finally:
            _fs.remove_tree(tmp)
        self._remote_url_checked = True
        self._refs_fresh = True

    # -- commits ------------------------------------------------------------------------

    def _check_sha(self, sha):
        if not _git.is_sha(sha):
            raise AtkError("Expected a 40-character commit id, got %r." % (sha,))
        return sha.lower()

    def has_commit(self, sha):
        """True when commit ``sha`` is in the cache. Local only: provably no network."""
        sha = self._check_sha(sha)
        with self._locked():
            return self._has_commit(sha)

    def _has_commit(self, sha):
        if sha in self._known_commits:
            return True
        if not self._cloned():
            return False
        # rev-list --missing=... turns the lazy fetch off; OFFLINE_ENV would stop it anyway.
        rc, out, _err = self._git(["rev-list", "--missing=allow-any", "--no-walk", sha, "--"], check=False)
        if rc == 0 and out.strip() == sha:
            self._known_commits.add(sha)
            return True
        return False

    def _local_ref(self, ref):
        rc, out, _err = self._git(["rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"],
                                  check=False)
        return out.strip() if rc == 0 and _git.is_sha(out.strip()) else None

    def _no_head(self):
        return AtkError("Remote '%s' returned no HEAD ref" % self.display_url,
                        hint="The repository is empty or its default branch is missing; pin a version.")

    def _not_found(self, version):
        return AtkError("Version '%s' not found in %s (no such branch or tag)." % (version, self.display_url),
                        hint="Check the version, or pin a 40-character commit id.")

    def resolve(self, version=None):
        """``version`` -> 40-hex commit id.

        None: the remote HEAD (``git ls-remote <url> HEAD``, like atk). A 40-hex id: itself,
        lower-cased, no network. ``refs/...``: that exact ref. Anything else: tag
        ``refs/tags/X`` (peeled) before branch ``refs/heads/X``, git's own precedence; then, as
        git accepts it, a unique abbreviated commit id (4 to 39 hex digits) of a commit on a
        branch or tag (one more contact, a fetch of every head and tag, unless just cloned).
        One contact; on a cold cache that contact is the clone itself, and while this
        object lives the refs of a clone it made are used instead of asking again.
        """
        if version is not None:
            _git.check_version(version)
            if _git.is_sha(version):
                return version.lower()
        with self._locked():
            if not self._cloned():
                self._clone()
            try:
                if self._refs_fresh:
                    return self._resolve_local(version)
                return self._resolve_remote(version)
            except AtkError:
                if version is None or not _SHORT_SHA_RE.match(version):
                    raise
                return self._resolve_abbreviated(version)

    def _resolve_abbreviated(self, version):
        if not self._refs_fresh:
            self._fetch_all()
        rc, out, err = self._git(["rev-parse", "--verify", "--quiet", "--end-of-options", version + "^{commit}"],
                                 check=False)
        if rc == 0 and _git.is_sha(out.strip()):
            self._known_commits.add(out.strip())
            return out.strip()
        _rc, out, _err = self._git(["rev-parse", "--disambiguate=" + version.lower()], check=False)
        matches = [line for line in out.split() if _git.is_sha(line)]
        if len(matches) > 1:
            raise AtkError("Version '%s' is ambiguous in %s: it abbreviates %d objects (%s)." % (
                version, self.display_url, len(matches), ", ".join(m[:12] for m in matches[:5])),
                hint="Give more digits of the commit id.")
        raise AtkError("Version '%s' not found in %s (no such branch, tag or commit)." % (version, self.display_url),
                       hint="Check the version, or pin a 40-character commit id.")

    def _fetch_all(self):
        """Every head and tag of the remote (one contact)."""
        self._sync_remote_url()
        rc, _out, err = self._remote("fetch", [
            "fetch", "--quiet", "--no-write-fetch-head", "--recurse-submodules=no", "--",
            "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
        if rc != 0:
            raise self._network_error(err)
        self._refs_fresh = True

    def _candidates(self, version):
        if version.startswith("refs/"):
            return [version]
        return ["refs/tags/" + version, "refs/heads/" + version]

    def _resolve_local(self, version):
        if version is None:
            sha = self._local_ref("HEAD")
            if sha is None:
                raise self._no_head()
            return sha
        for ref in self._candidates(version):
            sha = self._local_ref(ref)
            if sha is not None:
                return sha
        raise self._not_found(version)

    def _resolve_remote(self, version):
        patterns = ["HEAD"] if version is None else []
        for ref in ([] if version is None else self._candidates(version)):
            patterns += [ref, ref + "^{}"]
        rc, out, err = self._remote("ls-remote", ["ls-remote", "--", self.url] + patterns, repo=False)
        if rc != 0:
            raise self._network_error(err)
        refs = {}
        for line in out.splitlines():
            parts = line.split("\t", 1)
            if len(parts) == 2 and _git.is_sha(parts[0]):
                refs[parts[1]] = parts[0].lower()
        if version is None:
            if "HEAD" not in refs:
                raise self._no_head()
            return refs["HEAD"]
        for ref in self._candidates(version):
            if ref + "^{}" in refs:
                return refs[ref + "^{}"]
            if ref in refs:
                return refs[ref]
        raise self._not_found(version)

    def is_ancestor(self, ancestor, descendant):
        """True when commit ``ancestor`` is an ancestor of ``descendant`` (both local; else False). No network."""
        ancestor = self._check_sha(ancestor)
        descendant = self._check_sha(descendant)
        with self._locked():
            if not (self._has_commit(ancestor) and self._has_commit(descendant)):
                return False
            rc, _out, _err = self._git(["merge-base", "--is-ancestor", ancestor, descendant], check=False)
        return rc == 0

    def cached_head(self):
        """The commit the cache is "at": the one recorded by :meth:`set_head`, else the default
        branch as last fetched, else None (no clone yet). Local only."""
        with self._locked():
            if not self._cloned():
                return None
            return self._local_ref(HEAD_REF) or self._local_ref("HEAD")

    def set_head(self, sha):
        """Record ``sha`` (which must be in the cache) as the commit the cache is at. Local only."""
        sha = self._check_sha(sha)
        with self._locked():
            if not self._has_commit(sha):
                raise AtkError("Commit %s is not in the cache of %s." % (sha, self.display_url),
                               hint="Call ensure_commit() first.")
            self._git(["update-ref", HEAD_REF, sha])

    def _pin(self, sha):
        self._git(["update-ref", PIN_PREFIX + sha, sha])

    def ensure_commit(self, sha, pinned=True):
        """:meth:`_ensure_commit`, then, with a verifying ``policy`` (:mod:`_signatures`), the refusal
        of a commit not signed by an allowed key: before any file of it is staged."""
        sha = self._check_sha(sha)
        with self._locked():
            self._ensure_commit(sha, pinned)
            if self.policy is not None and self.policy.enabled:
                _signatures.verify(self.policy, lambda args: self._git(args, check=False), sha, self.display_url,
                                   os.path.join(self.dir, "verified"))

    def _ensure_commit(self, sha, pinned=True):
        """Make commit ``sha`` (and its trees) local. No-op, and no network, when it already is.

        Cold cache: clone (+ a fetch by id when the commit is on no branch or tag). Warm:
        ``git fetch origin <sha>``; if the server refuses a want by id, one fetch of all
        heads and tags. Raises AtkError "pinned ref <sha> no longer exists in <url>"
        when the commit cannot be found.
        """
        sha = self._check_sha(sha)
        with self._locked():
            if self._has_commit(sha):
                return
            just_cloned = False
            if not self._cloned():
                self._clone()
                just_cloned = True
                if self._has_commit(sha):
                    self._pin(sha)
                    return
            self._sync_remote_url()
            rc, _out, err = self._remote("fetch", [
                "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no",
                "--", "origin", "+%s:%s%s" % (sha, PIN_PREFIX, sha)])
            if rc != 0:
                lowered = (err or "").lower()
                if not any(marker in lowered for marker in _UNADVERTISED):
                    raise self._network_error(err)
                if not just_cloned:
                    self._fetch_all()
            if not self._has_commit(sha):
                if not pinned:
                    raise AtkError("Commit %s not found in %s." % (sha, self.display_url),
                                   hint="Check the version: it must name a commit of that repository.",
                                   url=self.display_url, ref=sha)
                raise AtkError("pinned ref %s no longer exists in %s" % (sha, self.display_url),
                               hint="The manifest pins it, so the remote had it once: its history was rewritten "
                                    "(force-push?). Pin another version.",
                               url=self.display_url, ref=sha)
            self._pin(sha)

    # -- trees and blobs ----------------------------------------------------------------

    def _ls_tree(self, sha, paths):
        """``{path: (mode, type, oid)}`` for the entries at ``paths`` (trees only, no blob needed)."""
        unknown = sorted(set(path for path in paths if (sha, path) not in self._trees))
        if unknown:
            _rc, out, _err = self._git(["ls-tree", "-z", "--full-tree", sha, "--"] + unknown)
            found = {}
            for record in out.split("\0"):
                if not record:
                    continue
                meta, path = record.split("\t", 1)
                mode, kind, oid = meta.split()
                found[path] = (mode, kind, oid)
            for path in unknown:
                self._trees[(sha, path)] = found.get(path)
        return dict((path, self._trees[(sha, path)]) for path in paths if self._trees[(sha, path)] is not None)

    def _attribute_files(self, sha, paths):
        """The .gitattributes files on the way to ``paths`` (git reads them during checkout)."""
        candidates = set()
        for path in paths:
            parts = path.split("/")
            for depth in range(len(parts)):
                candidates.add("/".join(parts[:depth] + [".gitattributes"]))
        return sorted(self._ls_tree(sha, sorted(candidates)))

    def _missing_blobs(self, sha, paths):
        """Ids of the blobs under ``paths`` at ``sha`` that are not local (no lazy fetch)."""
        if not paths:
            return []
        _rc, out, _err = self._git(["rev-list", "--objects", "--missing=print", sha + "^{tree}", "--"] + list(paths))
        return sorted(set(line[1:].strip() for line in out.splitlines() if line.startswith("?")))

    def _prefetch(self, sha, paths):
        """Fetch every missing blob under ``paths`` at ``sha`` in ONE round trip. Returns the count."""
        missing = self._missing_blobs(sha, paths)
        if not missing:
            return 0
        self._sync_remote_url()
        rc, _out, err = self._remote("fetch", [
            "-c", "fetch.negotiationAlgorithm=noop", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
            "--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin"], data="\n".join(missing) + "\n")
        if rc != 0:
            raise self._network_error(err)
        still = self._missing_blobs(sha, paths)
        if still:
            raise AtkError("%s did not send %d file(s) of commit %s." % (self.display_url, len(still), sha),
                           hint="The server must allow fetching objects by id (uploadpack.allowAnySHA1InWant "
                                "or protocol v2).")
        return len(missing)

    def _read_blob(self, sha, path):
        _rc, out, _err = self._git(["cat-file", "blob", "%s:%s" % (sha, path)])
        return out

    def _checkout(self, sha, paths, parent):
        """A temporary work tree in ``parent`` holding ``paths`` at ``sha`` (blobs must be local)."""
        tmp = _fs.make_temp_dir(parent, "checkout")
        work = os.path.join(tmp, "wt")
        os.mkdir(work)
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        self._git(["read-tree", sha], env=env, work_tree=work)
        self._git(["checkout", "--no-overlay", sha, "--"] + list(paths), env=env, work_tree=work)
        return tmp, work

    def tree_paths(self, sha, path):
        """The file paths under ``path`` at commit ``sha`` (relative to it), from trees only: no network.
        None when the commit is not in the cache or ``path`` is not a folder there."""
        sha = self._check_sha(sha)
        path = path.strip("/")
        if not self._cloned():
            return None  # no cache at all: nothing to create for a question it cannot answer
        with self._locked():
            if not self._has_commit(sha):
                return None
            rc, out, _err = self._git(["ls-tree", "-r", "-z", "--name-only", "--full-tree", sha, "--", path + "/"],
                                      check=False)
        if rc != 0:
            return None
        prefix = path + "/"
        names = [name[len(prefix):] for name in out.split("\0") if name.startswith(prefix)]
        return sorted(names) or None

    def changed_files(self, old_sha, new_sha, path):
        """Files under ``path`` that differ between two commits, from trees only (no blob fetch).

        Returns ``[{"path": <relative to path>, "status": "A"|"D"|"M"|"T"}]`` sorted by
        path, or None when either commit is not local (the caller then compares files).
        """
        old_sha = self._check_sha(old_sha)
        new_sha = self._check_sha(new_sha)
        path = path.strip("/")
        if posixpath.normpath(path) != path or path.startswith("../") or path == "..":
            raise AtkError("Refusing path %r: it must be a normalised relative path." % (path,))
        with self._locked():
            if not (self._has_commit(old_sha) and self._has_commit(new_sha)):
                return None
            _rc, out, _err = self._git(["diff-tree", "-r", "-z", "--no-renames", "--name-status", old_sha, new_sha,
                                        "--", path])
        fields = [field for field in out.split("\0") if field != ""]
        result = []
        prefix = path + "/"
        for status, name in zip(fields[0::2], fields[1::2]):
            rel = name[len(prefix):] if name.startswith(prefix) else name
            result.append({"path": rel, "status": status[:1]})
        return sorted(result, key=lambda item: item["path"])

    def drop(self):
        """Remove the cached clone (the lock file stays so concurrent users stay serialised)."""
        if not os.path.isdir(self.dir):
            return
        with self._locked():
            for name in os.listdir(self.dir):
                if name != "lock":
                    _fs.remove_tree(os.path.join(self.dir, name))
        self._remote_url_checked = False
        self._refs_fresh = False
        self._known_commits = set()
        self._trees = {}
