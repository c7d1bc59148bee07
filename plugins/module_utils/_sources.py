# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plugin sources: registry cache, git (``.atk/``) sources, local folders. PRIVATE to the collection.

This is the layer under the planner: it turns "plugin X of source S at version V" into
a commit and then into staged files, with as few network round trips as git allows,
and proves how many it made.

Runner
    Every git call goes through an injected ``run(argv, cwd=None, env_update=None,
    data=None) -> (rc, stdout, stderr)`` (text). :func:`subprocess_runner` is a plain
    implementation for tests and non-Ansible use; modules pass
    ``_module.make_runner(module)``. This file always adds ``GIT_TERMINAL_PROMPT=0``,
    ``GCM_INTERACTIVE=Never`` and ``LC_ALL=C`` to the environment it asks for.

Network accounting
    Only ``ls-remote``, ``clone`` and ``fetch`` talk to a remote, and each goes through
    ``_Repo._remote``, which increments ``network_calls`` and appends
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

Public API (every error is an AtkError; every URL in a message or result is redacted)
    ``REGISTRY_URL``, ``ATK_DIR``, ``REGISTRY_FILTER``, ``GIT_SOURCE_FILTER``, ``AtkError``
    ``subprocess_runner(argv, cwd=None, env_update=None, data=None) -> (rc, out, err)``
    ``redact_url(url) -> str``, ``redact_text(text) -> str``
    ``normalize_git_url(url) -> str`` (atk's rule, unchanged)
    ``check_url(url) -> str``, ``check_version(version) -> str``, ``is_sha(text) -> bool``
    ``check_index_path(path) -> str``, ``validate_index(data, url) -> list[dict]``
    ``suggest_names(name, names) -> list[str]``
    ``default_cache_root(environ=None) -> str``
    ``RegistryCache(url=REGISTRY_URL, cache_root=None, run=subprocess_runner,
                    blob_filter=REGISTRY_FILTER, git="git", lock_timeout=600)``
        ``.resolve(version=None) -> sha``      ``.has_commit(sha) -> bool``
        ``.ensure_commit(sha)``                ``.index(sha) -> [{"name", "path", "description"}]``
        ``.lookup(sha, name) -> entry``        ``.stage(sha, names, dest_root) -> {name: dir}``
        ``.changed_files(old, new, path) -> [{"path", "status"}] | None``
        ``.is_ancestor(a, b) -> bool``         ``.drop()``
        ``.cached_head() -> sha | None``       ``.set_head(sha)`` (what atk_registry converges)
        ``.network_calls`` (int), ``.network_log`` ([{"op", "url"}]), ``.contacted`` ([url]),
        ``.url``, ``.display_url`` (redacted), ``.dir`` (the cache directory)
    ``GitSource(url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER, ...)``
        ``url`` is the raw manifest URL (``.raw_url``), normalised like atk into ``.url``;
        the same methods minus index/lookup, ``.stage(sha, dest) -> dest`` (contents of
        ``.atk/``) and ``.changed_files(old, new, path=".atk")``
    ``stage_local(path, dest, follow_symlinks=False, followed=None) -> dest``

Symlinks: a symlink inside a plugin folder is staged as a symlink when its target stays
inside the folder (checked lexically and with ``realpath``); an absolute target or one
that leaves the folder is an AtkError naming it. atk itself copies with
``shutil.copytree(..., symlinks=False)`` and so materialises symlinks as copies; the
only place that behaviour is available here is ``stage_local(follow_symlinks=True)``,
which reports every symlink it followed out of the folder.
"""

from __future__ import annotations

import difflib
import errno
import fcntl
import hashlib
import os
import posixpath
import re
import shutil
import stat
import subprocess
import time
import traceback

from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _schemas
from ansible_collections.atk.core.plugins.module_utils import _validate

try:
    import yaml  # noqa: F401 pylint: disable=unused-import
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

__all__ = [
    "ATK_DIR", "AtkError", "GIT_SOURCE_FILTER", "GitSource", "REGISTRY_FILTER", "REGISTRY_URL",
    "RegistryCache", "check_index_path", "check_url", "check_version", "default_cache_root",
    "is_sha", "normalize_git_url", "redact_text", "redact_url", "stage_local",
    "subprocess_runner", "suggest_names", "validate_index",
]

REGISTRY_URL = "https://github.com/Svtoo/atk-registry"
ATK_DIR = ".atk"
INDEX_FILE = "index.yaml"
REGISTRY_FILTER = "blob:limit=1m"
GIT_SOURCE_FILTER = "blob:none"
PIN_PREFIX = "refs/atk-core/pins/"
HEAD_REF = "refs/atk-core/head"

# Never let git (or a credential manager) wait for a human; C messages so stderr
# classification works in any locale.
BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "Never", "LC_ALL": "C"}

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

_SHA_RE = re.compile(r"^[0-9a-fA-F]{40}$")
_HELPER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
_SCHEME_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", re.S)
_TEXT_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@'\"]+)@")
_NAME_RE = re.compile(r"^[^/\\\x00-\x1f\x7f]+$")
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")

_MISSING_REPO = (
    "repository not found", "not found", "does not appear to be a git repository",
    "repository not exported", "no such repository", "could not read username", "could not read password",
    "authentication failed", "access denied", "permission denied",
)
_UNADVERTISED = (
    "not our ref", "unadvertised object", "couldn't find remote ref", "no such remote ref",
    "server does not allow request",
)


# --------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------

def subprocess_runner(argv, cwd=None, env_update=None, data=None):
    """Run ``argv`` (a list, no shell) and return ``(rc, stdout, stderr)`` as text.

    Environment: ``os.environ`` + :data:`BASE_ENV` + ``env_update``. stdin is ``data``
    (text) or /dev/null, so nothing can wait for a terminal. Output is decoded as UTF-8
    with ``surrogateescape`` (file names are bytes to git).
    """
    env = dict(os.environ)
    env.update(BASE_ENV)
    env.update(env_update or {})
    kwargs = {}
    if data is None:
        kwargs["stdin"] = subprocess.DEVNULL
    else:
        kwargs["input"] = data
    proc = subprocess.run(list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          encoding="utf-8", errors="surrogateescape", check=False, **kwargs)
    return proc.returncode, proc.stdout, proc.stderr


# --------------------------------------------------------------------------------------
# URLs, versions, paths: pure checks
# --------------------------------------------------------------------------------------

def _strip_userinfo(scheme, userinfo):
    """The userinfo to keep: nothing, except a password-less user name for ssh-like URLs."""
    if not userinfo:
        return ""
    if ":" in userinfo:
        return ""
    if "ssh" in scheme.lower():
        return userinfo + "@"
    return ""


def redact_url(url):
    """``url`` without credentials: ``https://user:tok@host/x`` -> ``https://host/x``.

    Any ``user:password@`` is removed; a bare ``user@`` is removed too except for ssh
    URLs (``ssh://git@host/...``, where it is a login name, not a secret). scp-like
    ``git@host:path`` and local paths are returned unchanged.
    """
    if url is None:
        return None
    text = str(url)
    match = _SCHEME_URL_RE.match(text)
    if not match:
        return text
    scheme, authority, rest = match.group(1), match.group(2), match.group(3)
    if "@" not in authority:
        return text
    userinfo, host = authority.rsplit("@", 1)
    return scheme + _strip_userinfo(scheme, userinfo) + host + rest


def redact_text(text):
    """``text`` with the credentials of every ``scheme://user:pass@`` in it removed."""
    if not text:
        return text

    def _sub(match):
        scheme, userinfo = match.group(1), match.group(2)
        return scheme + _strip_userinfo(scheme, userinfo)
    return _TEXT_USERINFO_RE.sub(_sub, text)


def normalize_git_url(url):
    """atk's ``normalize_git_url``: unchanged for git@, https://, http://, file://; else https:// + url."""
    if url.startswith("git@"):
        return url
    if url.startswith(("https://", "http://", "file://")):
        return url
    return "https://" + url


def check_url(url, what="URL"):
    """Return ``url`` if git may be given it; raise AtkError for hostile or broken input.

    Refused: empty, leading ``-`` (would be an option), control characters
    (config injection through a newline), and remote-helper syntax
    ``<transport>::<address>`` (``ext::`` runs arbitrary commands, ``fd::`` talks to
    file descriptors).
    """
    if not isinstance(url, str) or not url.strip():
        raise AtkError("The %s is empty." % what, hint="Give a git URL such as https://host/org/repo.")
    shown = redact_url(url)
    if url.startswith("-"):
        raise AtkError("Refusing %s '%s': it starts with '-' and git would read it as an option." % (what, shown),
                       hint="Give a URL such as https://host/org/repo.")
    if _HELPER_RE.match(url):
        transport = url.split("::", 1)[0]
        raise AtkError("Refusing %s '%s': the '%s::' remote-helper transport is not allowed." % (what, shown, transport),
                       hint="Use an https://, ssh://, git:// or file:// URL.")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in url):
        raise AtkError("Refusing %s %r: it contains control characters (a newline, a tab, ...)." % (what, shown),
                       hint="Remove them from the URL.")
    return url


def _absolute_if_local(url):
    """A local path (git's rule: no ``://`` and no ``:`` before the first ``/``) made absolute."""
    if "://" in url:
        return url
    head = url.split("/", 1)[0]
    if ":" in head:
        return url  # scp-like ssh: [user@]host:path
    return os.path.abspath(os.path.expanduser(url))


def is_sha(text):
    """True for a full 40-hex commit id."""
    return isinstance(text, str) and bool(_SHA_RE.match(text))


def check_version(version):
    """Return ``version`` (a branch, tag, ``refs/...`` name or 40-hex commit) or raise AtkError.

    Follows ``git check-ref-format`` closely enough to refuse anything that is not a
    plausible ref name, and always refuses a leading ``-``.
    """
    if not isinstance(version, str) or not version:
        raise AtkError("The version is empty.", hint="Give a branch, a tag or a 40-character commit id.")
    bad = (
        version.startswith("-") or version.startswith("/") or version.endswith("/") or version.endswith(".")
        or version.endswith(".lock") or ".." in version or "@{" in version or "//" in version or version == "@"
        or _BAD_REF_CHARS.search(version) is not None
        or any(part.startswith(".") for part in version.split("/"))
    )
    if bad:
        raise AtkError("Refusing version %r: it is not a valid git branch, tag or commit id." % version,
                       hint="Give a branch, a tag or a 40-character commit id.")
    return version


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


def validate_index(data, url=REGISTRY_URL):
    """Validate a parsed index.yaml like atk's ``RegistryIndexSchema`` plus the path/name safety rules.

    Returns the list of entries as ``{"name", "path", "description"}`` dicts (extra keys
    dropped, as pydantic does). Raises AtkError naming the offending field.
    """
    where = "Invalid registry index in %s" % redact_url(url)
    if data is None:
        data = {}
    if _validate.HAS_JSONSCHEMA:
        data = _validate.validate(data, _schemas.REGISTRY_INDEX_SCHEMA, "registry index of %s" % redact_url(url))
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
            return redact_text(line)
    return redact_text(lines[0]) if lines else "no error output from git"


def _inside(path, root):
    path = os.path.normpath(path)
    root = os.path.normpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _check_tree(root, label):
    """Refuse symlinks leaving ``root`` and special files; ``label`` names the folder in errors."""
    root = os.path.abspath(root)
    root_real = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                target = os.readlink(full)
                if (os.path.isabs(target) or not _inside(os.path.join(dirpath, target), root)
                        or not _inside(os.path.realpath(full), root_real)):
                    raise AtkError("Refusing symlink '%s' in %s: it points outside the plugin folder (-> %s)."
                                   % (rel, label, target),
                                   hint="Only symlinks to files inside the plugin folder are allowed.")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise AtkError("Refusing '%s' in %s: not a regular file, directory or symlink." % (rel, label))


def _copy_tree(src, dst):
    """Copy ``src`` to the new directory ``dst``: modes kept (copy2), symlinks as symlinks."""
    try:
        shutil.copytree(src, dst, symlinks=True)
    except (shutil.Error, OSError) as exc:
        raise AtkError("Could not copy %s to %s: %s" % (src, dst, exc))


# --------------------------------------------------------------------------------------
# Lock
# --------------------------------------------------------------------------------------

class _CacheLock(object):
    """Re-entrant (per object) exclusive flock on ``<cache dir>/lock``."""

    def __init__(self, path, timeout):
        self.path = path
        self.timeout = timeout
        self._fd = None
        self._depth = 0

    def __enter__(self):
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.time() + self.timeout
            delay = 0.02
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (IOError, OSError) as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        os.close(fd)
                        raise
                if time.time() >= deadline:
                    os.close(fd)
                    raise AtkError("Another process has held the source cache lock %s for more than %d seconds."
                                   % (self.path, self.timeout), hint="Wait for it to finish and retry.")
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            self._fd = fd
        self._depth += 1
        return self

    def __exit__(self, *exc_info):
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        return False


# --------------------------------------------------------------------------------------
# The partial-clone cache shared by RegistryCache and GitSource
# --------------------------------------------------------------------------------------

class _Repo(object):
    """A bare partial clone of one remote, keyed by its (redacted) URL."""

    kind = "git"

    def __init__(self, url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER,
                 git="git", lock_timeout=600):
        check_url(url)
        url = _absolute_if_local(url)
        self.url = url
        self.display_url = redact_url(url)
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
        self._lock = _CacheLock(os.path.join(self.dir, "lock"), lock_timeout)
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
        env = dict(BASE_ENV)
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
        if not is_sha(sha):
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
        return out.strip() if rc == 0 and is_sha(out.strip()) else None

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
        ``refs/tags/X`` (peeled) before branch ``refs/heads/X``, git's own precedence.
        One contact; on a cold cache that contact is the clone itself, and while this
        object lives the refs of a clone it made are used instead of asking again.
        """
        if version is not None:
            check_version(version)
            if is_sha(version):
                return version.lower()
        with self._locked():
            if not self._cloned():
                self._clone()
            if self._refs_fresh:
                return self._resolve_local(version)
            return self._resolve_remote(version)

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
            if len(parts) == 2 and is_sha(parts[0]):
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

    def ensure_commit(self, sha):
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
                    rc, _out, err = self._remote("fetch", [
                        "fetch", "--quiet", "--no-write-fetch-head", "--recurse-submodules=no", "--",
                        "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
                    if rc != 0:
                        raise self._network_error(err)
            if not self._has_commit(sha):
                raise AtkError("pinned ref %s no longer exists in %s" % (sha, self.display_url),
                               hint="The commit was removed from the remote (force-push?); pin another version.",
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


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

class RegistryCache(_Repo):
    """The ATK registry (``index.yaml`` + ``plugins/<slug>/``) as a partial-clone cache."""

    kind = "registries"

    def __init__(self, url=REGISTRY_URL, cache_root=None, run=subprocess_runner, blob_filter=REGISTRY_FILTER,
                 git="git", lock_timeout=600):
        super(RegistryCache, self).__init__(url, cache_root, run, blob_filter, git, lock_timeout)
        self._indexes = {}

    def drop(self):
        super(RegistryCache, self).drop()
        self._indexes = {}

    def _parse_index(self, sha):
        if not HAS_YAML:
            raise AtkError("PyYAML is required to read the registry index.", hint="Install PyYAML on the target host.")
        text = self._read_blob(sha, INDEX_FILE)
        from ansible_collections.atk.core.plugins.module_utils import _spec
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
                    _check_tree(source, "registry plugin '%s'" % entry["name"])
                for entry in chosen:
                    target = os.path.join(dest_root, entry["name"])
                    _copy_tree(os.path.join(work, entry["path"]), target)
                    staged[entry["name"]] = target
                return staged
            finally:
                _fs.remove_tree(tmp)


# --------------------------------------------------------------------------------------
# Git sources (.atk/ convention)
# --------------------------------------------------------------------------------------

class GitSource(_Repo):
    """A plugin repository with an ``.atk/`` folder (atk §4.4). ``url`` is the raw manifest URL."""

    kind = "git"

    def __init__(self, url, cache_root=None, run=subprocess_runner, blob_filter=GIT_SOURCE_FILTER,
                 git="git", lock_timeout=600):
        check_url(url)
        self.raw_url = url
        super(GitSource, self).__init__(normalize_git_url(url), cache_root, run, blob_filter, git, lock_timeout)

    def stage(self, sha, dest):
        """Copy the CONTENTS of ``.atk/`` at ``sha`` into the new directory ``dest``; returns ``dest``.

        atk's checks and texts: the commit must have an ``.atk/`` directory with a
        ``plugin.yaml`` (not ``.yml``). At most one blob fetch.
        """
        sha = self._check_sha(sha)
        dest = os.path.abspath(dest)
        if os.path.lexists(dest):
            raise AtkError("Staging directory %s already exists." % dest)
        parent = os.path.dirname(dest)
        with self._locked():
            self.ensure_commit(sha)
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o700)
            top = self._ls_tree(sha, [ATK_DIR])
            if top.get(ATK_DIR, ("", ""))[1] != "tree":
                raise AtkError("Repository does not contain an '%s/' directory" % ATK_DIR,
                               url=self.display_url, ref=sha)
            inner = self._ls_tree(sha, [ATK_DIR + "/plugin.yaml"])
            if ATK_DIR + "/plugin.yaml" not in inner:
                raise AtkError("'%s/' directory does not contain plugin.yaml" % ATK_DIR,
                               url=self.display_url, ref=sha)
            self._prefetch(sha, [ATK_DIR] + self._attribute_files(sha, [ATK_DIR]))
            tmp, work = self._checkout(sha, [ATK_DIR], parent)
            try:
                source = os.path.join(work, ATK_DIR)
                _check_tree(source, "'%s/' of %s" % (ATK_DIR, self.display_url))
                _copy_tree(source, dest)
            finally:
                _fs.remove_tree(tmp)
        return dest

    def changed_files(self, old_sha, new_sha, path=ATK_DIR):
        return super(GitSource, self).changed_files(old_sha, new_sha, path)


# --------------------------------------------------------------------------------------
# Local folders and files
# --------------------------------------------------------------------------------------

def _external_symlinks(root):
    """Relative paths of symlinks under ``root`` whose target leaves it (not descending into them)."""
    root = os.path.abspath(root)
    root_real = os.path.realpath(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                target = os.readlink(full)
                if (os.path.isabs(target) or not _inside(os.path.join(dirpath, target), root)
                        or not _inside(os.path.realpath(full), root_real)):
                    found.append(os.path.relpath(full, root))
    return found


def stage_local(path, dest, follow_symlinks=False, followed=None):
    """Copy a local plugin into the new directory ``dest`` (atk §5.1); returns ``dest``.

    ``path`` is a folder (must hold plugin.yaml or plugin.yml) or a single .yaml/.yml
    file (copied as ``dest/plugin.yaml`` with copy2, like atk). A folder is copied
    whole, .git and .env included, with modes kept. atk's error texts.

    Symlinks, the decision: by default a symlink whose target stays inside the folder is
    copied as a symlink and one that leaves it (absolute, or resolving outside) is
    refused with an AtkError naming it, so a plugin never pulls files from elsewhere on
    the host unnoticed. With ``follow_symlinks=True`` the copy is exactly atk's
    ``shutil.copytree`` (every symlink followed and materialised as files), and the
    symlinks that led outside the folder are appended to the list ``followed`` (when
    given) so the caller can say so.
    """
    source = os.path.abspath(os.path.expanduser(path))
    dest = os.path.abspath(dest)
    if not os.path.exists(source):
        raise AtkError("Source path '%s' does not exist" % path)
    if os.path.lexists(dest):
        raise AtkError("Staging directory %s already exists." % dest)
    if os.path.isdir(source):
        if not (os.path.exists(os.path.join(source, "plugin.yaml")) or os.path.exists(os.path.join(source, "plugin.yml"))):
            raise AtkError("Directory '%s' does not contain plugin.yaml or plugin.yml" % path)
        if _inside(os.path.realpath(dest), os.path.realpath(source)):
            raise AtkError("Cannot stage %s into %s: the destination is inside the source." % (path, dest))
        if follow_symlinks:
            external = _external_symlinks(source)
            try:
                shutil.copytree(source, dest, symlinks=False)
            except (shutil.Error, OSError) as exc:
                raise AtkError("Could not copy %s to %s: %s" % (path, dest, exc))
            if followed is not None:
                followed.extend(external)
            return dest
        _check_tree(source, "local plugin '%s'" % path)
        _copy_tree(source, dest)
        return dest
    if not source.endswith((".yaml", ".yml")):
        raise AtkError("Source file '%s' must be .yaml or .yml" % path)
    os.makedirs(dest)
    try:
        shutil.copy2(source, os.path.join(dest, "plugin.yaml"))
    except (IOError, OSError) as exc:
        raise AtkError("Could not copy %s to %s: %s" % (path, dest, exc))
    return dest
