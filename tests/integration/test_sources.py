# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_sources against REAL git: repositories served by a real ``git daemon`` on 127.0.0.1.

Network round trips are measured twice: by the cache's own counter (``network_calls``)
and by the daemon, which logs one ``Connection from`` line per connection (``--verbose``).
Client git runs with an empty global config (``GIT_CONFIG_GLOBAL``, ``GIT_CONFIG_NOSYSTEM``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest
import yaml

from harness.paths import collections_root, fixture_registry_dir  # tests/integration/conftest.py puts harness on sys.path

FIXTURE_REGISTRY = str(fixture_registry_dir())

try:
    from ansible_collections.atk.core.plugins.module_utils import _git_source as GS
except ImportError:  # plain pytest: import the code under test from the `make collection` layout
    sys.path.insert(0, str(collections_root(sync=True)))
    from ansible_collections.atk.core.plugins.module_utils import _git_source as GS
from ansible_collections.atk.core.plugins.module_utils import _proc  # noqa: E402
from ansible_collections.atk.core.plugins.module_utils import _registry_source as RS  # noqa: E402
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError  # noqa: E402

FIVE = ["exa", "fetch", "github", "slack", "piper"]
SERVE_CONFIG = {"uploadpack.allowFilter": "true", "uploadpack.allowAnySHA1InWant": "true"}


# --------------------------------------------------------------------------------------
# helpers: hermetic git, repositories, a git daemon
# --------------------------------------------------------------------------------------

def _hermetic_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.path.join(home, "gitconfig"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid",
        "GIT_TERMINAL_PROMPT": "0",
    })
    return env


class World(object):
    """A temp dir with served repositories, a daemon and a hermetic client runner."""

    def __init__(self, base):
        self.base = base
        self.serve = os.path.join(base, "serve")
        os.makedirs(self.serve)
        with open(os.path.join(base, "gitconfig"), "w") as handle:
            handle.write("")
        self.env = _hermetic_env(base)
        self.extra_client_env = {}
        self.argv_log = []
        self.port = None
        self.proc = None
        self.probes = 0  # connections start() made to see the daemon listen
        self.log_path = os.path.join(base, "daemon.log")

    # -- git ---------------------------------------------------------------------------
    def git(self, *args, **kwargs):
        proc = subprocess.run(["git"] + list(args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False, cwd=kwargs.get("cwd"))
        if proc.returncode != 0:
            raise RuntimeError("git %s: %s" % (" ".join(args), proc.stderr))
        return proc.stdout.strip()

    def repo(self, name, files, config=None):
        """A served repository ``name`` with one commit holding ``files`` (path -> str|bytes|('link', target))."""
        path = os.path.join(self.serve, name)
        self.git("init", "-q", "-b", "main", path)
        for key, value in dict(SERVE_CONFIG, **(config or {})).items():
            self.git("config", key, value, cwd=path)
        self.commit(name, files, "initial")
        return path

    def commit(self, name, files, message="change"):
        path = os.path.join(self.serve, name)
        for rel, content in files.items():
            target = os.path.join(path, rel)
            if content is None:
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                elif os.path.lexists(target):
                    os.unlink(target)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target):
                os.unlink(target)
            if isinstance(content, tuple) and content[0] == "link":
                os.symlink(content[1], target)
            elif isinstance(content, tuple) and content[0] == "exec":
                with open(target, "w") as handle:
                    handle.write(content[1])
                os.chmod(target, 0o755)
            else:
                with open(target, "wb" if isinstance(content, bytes) else "w") as handle:
                    handle.write(content)
        self.git("add", "-A", cwd=path)
        self.git("commit", "-q", "--allow-empty", "-m", message, cwd=path)
        return self.git("rev-parse", "HEAD", cwd=path)

    def url(self, name):
        return "git://127.0.0.1:%d/%s" % (self.port, name)

    def git_source_url(self, name):
        """An atk-style shorthand (``git.test/<name>``): atk normalises it to https://, which the
        client's global config rewrites to the daemon (``insteadOf``, as users redirect atk)."""
        return "git.test/" + name

    # -- daemon ------------------------------------------------------------------------
    def start(self):
        if self.port is None:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
            sock.close()
        log = open(self.log_path, "ab")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["git", "daemon", "--export-all", "--enable=upload-pack", "--reuseaddr", "--verbose",
             "--informative-errors", "--base-path=" + self.serve, "--listen=127.0.0.1", "--port=%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env, start_new_session=True)
        log.close()
        with open(os.path.join(self.base, "gitconfig"), "w") as handle:
            handle.write('[url "git://127.0.0.1:%d/"]\n\tinsteadOf = https://git.test/\n' % self.port)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.02)
                continue
            self.probes += 1
            self._logged(self.probes)
            return
        raise RuntimeError("git daemon did not start")

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None

    def _count(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().count(b"Connection from")

    def _logged(self, at_least, timeout=10):
        """Wait until the log shows ``at_least`` connections; -> the count (maybe less at the deadline)."""
        deadline = time.monotonic() + timeout
        count = self._count()
        while count < at_least and time.monotonic() < deadline:
            time.sleep(0.01)
            count = self._count()
        return count

    def connections(self):
        """Connections the daemon accepted so far (its probe connections from start() included).

        The daemon's child logs ``Connection from`` before it reads a request, so a git command
        that finished is already counted; only start()'s bare probes (connect, close) may be
        logged later, and those are waited for.
        """
        return self._logged(self.probes)

    # -- client ------------------------------------------------------------------------
    def run(self, argv, cwd=None, env_update=None, data=None):
        self.argv_log.append(list(argv))
        update = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.path.join(self.base, "gitconfig")}
        update.update(self.extra_client_env)
        update.update(env_update or {})
        return _proc.subprocess_runner(argv, cwd=cwd, env_update=update, data=data)


def fixture_plugin_files(slug):
    root = os.path.join(FIXTURE_REGISTRY, "plugins", slug)
    files = {}
    for name in sorted(os.listdir(root)):
        with open(os.path.join(root, name), "rb") as handle:
            files["plugins/%s/%s" % (slug, name)] = handle.read()
    return files


def index_yaml(entries):
    return yaml.safe_dump({"schema_version": "2026-01-23", "plugins": entries}, sort_keys=False)


def registry_files(slugs, extra_entries=(), extra_files=None):
    with open(os.path.join(FIXTURE_REGISTRY, "index.yaml")) as handle:
        index = yaml.safe_load(handle)
    entries = [e for e in index["plugins"] if e["name"] in slugs] + list(extra_entries)
    files = {"index.yaml": index_yaml(entries), "README.md": "test registry\n"}
    for slug in slugs:
        files.update(fixture_plugin_files(slug))
    files.update(extra_files or {})
    return files


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(str(tmp_path_factory.mktemp("sources")))
    w.repo("registry.git", registry_files(FIVE + ["notion", "obsidian-local-rest-api"]))
    w.start()
    yield w
    w.stop()


@pytest.fixture
def cache(world, tmp_path):
    world.extra_client_env = {}
    world.argv_log[:] = []
    if world.proc is None:
        world.start()
    return str(tmp_path / "cache")


def _same_tree(staged, fixture_slug):
    src = os.path.join(FIXTURE_REGISTRY, "plugins", fixture_slug)
    assert sorted(os.listdir(staged)) == sorted(os.listdir(src))
    for name in os.listdir(src):
        with open(os.path.join(src, name), "rb") as a, open(os.path.join(staged, name), "rb") as b:
            assert a.read() == b.read(), name


# --------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------

def test_cold_stage_of_five_plugins_is_one_clone(world, cache, tmp_path):
    sha = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    before = world.connections()
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    reg.ensure_commit(sha)
    staged = reg.stage(sha, FIVE, str(tmp_path / "stage"))
    assert [c["op"] for c in reg.network_log] == ["clone"]
    assert reg.network_calls == 1
    assert world.connections() - before == 1
    assert sorted(staged) == sorted(FIVE)
    for slug in FIVE:
        assert staged[slug] == str(tmp_path / "stage" / slug)
        _same_tree(staged[slug], slug)
    # no temporaries left next to the staged folders
    assert sorted(os.listdir(str(tmp_path / "stage"))) == sorted(FIVE)


def test_cold_resolve_head_then_stage_is_one_contact(world, cache, tmp_path):
    before = world.connections()
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    sha = reg.resolve()
    assert sha == world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    assert reg.lookup(sha, "exa")["path"] == "plugins/exa"
    reg.stage(sha, FIVE, str(tmp_path / "stage"))
    assert reg.network_calls == 1 and world.connections() - before == 1


def test_warm_stage_works_with_the_daemon_stopped(world, cache, tmp_path):
    sha = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    reg.stage(sha, FIVE, str(tmp_path / "one"))
    world.stop()
    try:
        again = RS.RegistryCache(world.url("registry.git"), cache, world.run)
        assert again.resolve(sha) == sha
        assert again.has_commit(sha)
        again.ensure_commit(sha)
        assert len(again.index(sha)) == 7
        staged = again.stage(sha, FIVE, str(tmp_path / "two"))
        assert again.network_calls == 0
        for slug in FIVE:
            _same_tree(staged[slug], slug)
        # and a network call really fails now, fast and clearly
        start = time.time()
        with pytest.raises(AtkError) as err:
            again.resolve()
        assert time.time() - start < 3
        assert str(err.value).startswith("Cannot reach %s: " % world.url("registry.git"))
        assert "Check the URL and your network connection" in str(err.value)
    finally:
        world.start()


def test_has_commit_and_resolve_sha_never_touch_the_network(world, cache):
    sha = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    assert reg.has_commit(sha) is False          # cold cache: not even a git call
    assert reg.resolve(sha.upper()) == sha
    assert world.argv_log == []                 # no git process at all
    reg.ensure_commit(sha)
    before, calls = world.connections(), reg.network_calls
    assert reg.has_commit(sha) is True
    assert reg.has_commit("0123456789abcdef0123456789abcdef01234567") is False
    assert reg.resolve(sha) == sha
    assert reg.changed_files(sha, sha, "plugins/exa") == []
    assert reg.is_ancestor(sha, sha) is True
    assert reg.network_calls == calls
    assert world.connections() == before


def test_new_commit_fetches_once_and_changed_files_come_from_trees(world, tmp_path):
    name = "reg-update.git"
    world.repo(name, registry_files(FIVE))
    cache = str(tmp_path / "cache")
    reg = RS.RegistryCache(world.url(name), cache, world.run, blob_filter="blob:none")
    old = reg.resolve()
    reg.stage(old, ["exa"], str(tmp_path / "s1"))
    new = world.commit(name, {
        "plugins/exa/README.md": "new readme\n",
        "plugins/exa/extra.txt": "added\n",
        "plugins/exa/SKILL.md": None,
        "plugins/fetch/README.md": "other plugin\n",
    })
    # a later run: a new object on the same cache asks the remote again
    reg = RS.RegistryCache(world.url(name), cache, world.run, blob_filter="blob:none")
    calls, before = reg.network_calls, world.connections()
    assert reg.resolve() == new                                   # 1 ls-remote
    reg.ensure_commit(new)                                        # 1 fetch
    assert [c["op"] for c in reg.network_log[calls:]] == ["ls-remote", "fetch"]
    assert world.connections() - before == 2
    calls, before = reg.network_calls, world.connections()
    assert reg.changed_files(old, new, "plugins/exa") == [
        {"path": "README.md", "status": "M"},
        {"path": "SKILL.md", "status": "D"},
        {"path": "extra.txt", "status": "A"},
    ]
    assert reg.changed_files(old, new, "plugins/github") == []
    assert reg.changed_files("0123456789abcdef0123456789abcdef01234567", new, "plugins/exa") is None
    assert reg.is_ancestor(old, new) and not reg.is_ancestor(new, old)
    assert reg.network_calls == calls and world.connections() == before
    # already present: no-op
    reg.ensure_commit(new)
    assert reg.network_calls == calls


def test_blob_none_fetches_every_plugin_folder_in_one_round_trip(world, tmp_path):
    sha = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    reg = RS.RegistryCache(world.url("registry.git"), str(tmp_path / "cache"), world.run, blob_filter="blob:none")
    before = world.connections()
    reg.ensure_commit(sha)
    staged = reg.stage(sha, FIVE, str(tmp_path / "stage"))    # index.yaml + 5 folders: one fetch
    assert [c["op"] for c in reg.network_log] == ["clone", "fetch"]
    assert world.connections() - before == 2
    for slug in FIVE:
        _same_tree(staged[slug], slug)
    # plugins that were not asked for were not downloaded
    assert reg._missing_blobs(sha, ["plugins/notion"])  # pylint: disable=protected-access
    # a second batch costs one more fetch, the index is not fetched again
    reg.stage(sha, ["notion", "obsidian-local-rest-api"], str(tmp_path / "stage2"))
    assert [c["op"] for c in reg.network_log] == ["clone", "fetch", "fetch"]
    reg.stage(sha, FIVE, str(tmp_path / "stage3"))
    assert reg.network_calls == 3


def test_lookup_suggests_near_names(world, cache):
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    sha = reg.resolve()
    with pytest.raises(AtkError) as err:
        reg.lookup(sha, "githb")
    assert str(err.value) == "Plugin 'githb' not found in registry %s. Did you mean: github?" % world.url("registry.git")


def test_modes_and_internal_symlinks_are_kept(world, tmp_path):
    name = "reg-modes.git"
    tool = {
        "plugins/tool/plugin.yaml": "name: Tool\n",
        "plugins/tool/install.sh": ("exec", "#!/bin/sh\necho hi\n"),
        "plugins/tool/docs/a.md": "doc\n",
        "plugins/tool/link.md": ("link", "docs/a.md"),
        "plugins/tool/.hidden": "dot\n",
    }
    files = registry_files(["exa"], extra_entries=[{"name": "tool", "path": "plugins/tool", "description": "x"}],
                           extra_files=tool)
    world.repo(name, files)
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    staged = reg.stage(reg.resolve(), ["tool"], str(tmp_path / "stage"))["tool"]
    assert os.stat(os.path.join(staged, "install.sh")).st_mode & 0o111
    assert not os.stat(os.path.join(staged, "plugin.yaml")).st_mode & 0o111
    assert os.path.islink(os.path.join(staged, "link.md"))
    assert os.readlink(os.path.join(staged, "link.md")) == "docs/a.md"
    assert os.path.isfile(os.path.join(staged, ".hidden"))


def test_symlink_escaping_the_plugin_folder_is_refused(world, tmp_path):
    name = "reg-evil-link.git"
    files = registry_files(["exa"], extra_entries=[{"name": "bad", "path": "plugins/bad", "description": "x"}],
                           extra_files={"plugins/bad/plugin.yaml": "name: Bad\n",
                                        "plugins/bad/leak": ("link", "../../index.yaml")})
    world.repo(name, files)
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    sha = reg.resolve()
    with pytest.raises(AtkError) as err:
        reg.stage(sha, ["exa", "bad"], str(tmp_path / "stage"))
    assert "Refusing symlink 'leak'" in str(err.value) and "bad" in str(err.value)
    assert os.listdir(str(tmp_path / "stage")) == []      # nothing staged, no temporaries left
    # an absolute target is refused too
    world.commit(name, {"plugins/bad/leak": ("link", "/etc/passwd")})
    sha = reg.resolve()
    with pytest.raises(AtkError, match="Refusing symlink 'leak'"):
        reg.stage(sha, ["bad"], str(tmp_path / "stage2"))


def test_a_unique_short_commit_id_is_a_version(world, tmp_path):
    """As git accepts it: a unique abbreviated id resolves to its commit; an ambiguous or unknown one is a clear error."""
    name = "reg-short.git"
    world.repo(name, registry_files(["exa"]))
    first = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, name))
    world.commit(name, {"plugins/exa/SKILL.md": "# v2\n"})
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    assert reg.resolve(first[:10]) == first
    assert RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run).resolve(first[:7].upper()) == first
    with pytest.raises(AtkError) as info:
        reg.resolve("0000000")
    assert "not found" in str(info.value) and "force-push" not in str(info.value)


def test_a_commit_that_never_existed_is_not_called_removed(world, tmp_path):
    name = "reg-never.git"
    world.repo(name, registry_files(["exa"]))
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    reg.resolve()
    with pytest.raises(AtkError) as info:
        reg.ensure_commit("1" * 40, pinned=False)
    assert str(info.value).startswith("Commit %s not found in %s." % ("1" * 40, world.url(name)))
    assert "force-push" not in str(info.value) and "no longer exists" not in str(info.value)
    with pytest.raises(AtkError, match="pinned ref 1{40} no longer exists"):
        reg.ensure_commit("1" * 40)


def test_path_escaping_index_entry_is_refused_alone(world, tmp_path):
    """An unsafe entry is skipped with a warning naming it; asking for it is the clear error; the
    registry's other plugins stay usable."""
    name = "reg-evil-index.git"
    files = registry_files(["exa"], extra_entries=[{"name": "up", "path": "plugins/../../etc", "description": "x"}])
    world.repo(name, files)
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    sha = reg.resolve()
    assert [entry["name"] for entry in reg.index(sha)] == ["exa"]
    assert [(item["name"], item["entry"]) for item in reg.bad_entries(sha)] == [("up", 1)]
    assert len(reg.warnings) == 1 and "'up'" in reg.warnings[0] and "unsafe path 'plugins/../../etc'" in reg.warnings[0]
    with pytest.raises(AtkError, match="unsafe path 'plugins/../../etc'"):
        reg.lookup(sha, "up")
    with pytest.raises(AtkError, match="unsafe path"):
        reg.stage(sha, ["up"], str(tmp_path / "stage-up"))
    staged = reg.stage(sha, ["exa"], str(tmp_path / "stage"))
    assert os.path.isfile(os.path.join(staged["exa"], "plugin.yaml"))


def test_index_entry_whose_folder_is_missing(world, tmp_path):
    name = "reg-missing-dir.git"
    world.repo(name, registry_files(["exa"], extra_entries=[{"name": "ghost", "path": "plugins/ghost", "description": "x"}]))
    reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
    with pytest.raises(AtkError, match="Plugin directory 'plugins/ghost' listed in index but missing from registry"):
        reg.stage(reg.resolve(), ["ghost"], str(tmp_path / "stage"))


def test_unreachable_and_missing_repositories_fail_fast_and_clearly(world, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()
    url = "git://127.0.0.1:%d/registry.git" % closed
    reg = RS.RegistryCache(url, str(tmp_path / "c1"), world.run)
    start = time.time()
    with pytest.raises(AtkError) as err:
        reg.resolve()
    assert time.time() - start < 3
    assert str(err.value).startswith("Cannot reach %s: " % url)
    assert err.value.hint == "Check the URL and your network connection."
    with pytest.raises(AtkError, match="Cannot reach"):
        reg.ensure_commit("0123456789abcdef0123456789abcdef01234567")
    assert not os.path.exists(os.path.join(reg.dir, "repo"))
    missing = RS.RegistryCache(world.url("nope.git"), str(tmp_path / "c2"), world.run)
    with pytest.raises(AtkError) as err:
        missing.resolve()
    assert "not found or not accessible" in str(err.value)


def test_credentials_never_appear_in_messages_or_logs(world, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()
    url = "http://alice:s3cr3t-token@127.0.0.1:%d/registry.git" % closed
    reg = RS.RegistryCache(url, str(tmp_path / "c"), world.run)
    with pytest.raises(AtkError) as err:
        reg.resolve()
    assert "s3cr3t" not in str(err.value) and "alice" not in str(err.value)
    assert reg.network_log == [{"op": "clone", "url": "http://127.0.0.1:%d/registry.git" % closed}]
    assert reg.contacted == ["http://127.0.0.1:%d/registry.git" % closed]


def test_pinned_ref_that_no_longer_exists(world, cache):
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    reg.ensure_commit(reg.resolve())
    gone = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(AtkError) as err:
        reg.ensure_commit(gone)
    assert str(err.value).startswith("pinned ref %s no longer exists in %s" % (gone, world.url("registry.git")))
    # cold cache: the clone, then one fetch by id
    cold = RS.RegistryCache(world.url("registry.git"), cache + "-cold", world.run)
    with pytest.raises(AtkError, match="no longer exists"):
        cold.ensure_commit(gone)
    assert [c["op"] for c in cold.network_log] == ["clone", "fetch"]


def test_server_refusing_unadvertised_wants_falls_back_to_heads(world, tmp_path):
    name = "reg-strict.git"
    world.repo(name, registry_files(["exa"]), config={"uploadpack.allowAnySHA1InWant": "false"})
    # protocol v0: the server checks that every want is advertised
    world.extra_client_env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.version",
                              "GIT_CONFIG_VALUE_0": "0"}
    try:
        reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
        reg.ensure_commit(reg.resolve())
        new = world.commit(name, {"plugins/exa/README.md": "v2\n"})
        world.commit(name, {"plugins/exa/README.md": "v3\n"})    # `new` is no longer advertised
        calls = reg.network_calls
        reg.ensure_commit(new)
        assert [c["op"] for c in reg.network_log[calls:]] == ["fetch", "fetch"]
        assert reg.has_commit(new)
    finally:
        world.extra_client_env = {}


def test_version_names_resolve_like_git(world, tmp_path):
    name = "reg-versions.git"
    world.repo(name, registry_files(["exa"]))
    path = os.path.join(world.serve, name)
    first = world.git("rev-parse", "HEAD", cwd=path)
    world.git("tag", "-a", "v1", "-m", "v1", cwd=path)
    world.git("branch", "stable", cwd=path)
    second = world.commit(name, {"plugins/exa/README.md": "v2\n"})
    for cold in (True, False):
        # cold: the clone answers every question; warm (a new object on the cache): ls-remote each
        reg = RS.RegistryCache(world.url(name), str(tmp_path / "cache"), world.run)
        calls = reg.network_calls
        assert reg.resolve("v1") == first                 # annotated tag, peeled
        assert reg.resolve("stable") == first
        assert reg.resolve("refs/heads/main") == second
        assert reg.resolve() == second
        with pytest.raises(AtkError, match="Version 'nope' not found"):
            reg.resolve("nope")
        assert [c["op"] for c in reg.network_log[calls:]] == (["clone"] if cold else ["ls-remote"] * 5)
        with pytest.raises(AtkError, match="Refusing version"):
            reg.resolve("--upload-pack=evil")


def _stage_together(sources, stage):
    """Every source object runs ``stage(source, number)`` at once (threads released by one barrier); -> the errors."""
    errors = []
    barrier = threading.Barrier(len(sources))

    def work(number):
        try:
            barrier.wait()
            stage(sources[number], number)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _race_rounds(most=12, seconds=20, least=3):
    deadline = time.time() + seconds
    number = 0
    while number < most and (number < least or time.time() < deadline):
        yield number
        number += 1


def test_concurrent_users_share_one_clone(world, tmp_path):
    """Four users of one EMPTY cache at once: no error, one clone between them.

    A race shows only now and then, so the test repeats it with a fresh cache each round
    (threads released together by a barrier), for a bounded number of rounds and seconds.
    """
    sha = world.git("rev-parse", "HEAD", cwd=os.path.join(world.serve, "registry.git"))
    for rounds in _race_rounds():
        cache = str(tmp_path / ("cache%d" % rounds))
        regs = [RS.RegistryCache(world.url("registry.git"), cache, world.run) for _number in range(4)]
        stage_root = tmp_path / ("round%d" % rounds)
        errors = _stage_together(regs, lambda reg, number, root=stage_root: reg.stage(sha, FIVE, str(root / ("stage%d" % number))))
        assert errors == [], "round %d: %r" % (rounds, errors)
        assert sum(r.network_calls for r in regs) == 1, "round %d" % rounds


def test_concurrent_users_share_one_git_source_clone(world, tmp_path):
    """The same race for a git source (.atk/ folder): four first users of an empty cache at once."""
    name = "race-tool.git"
    if not os.path.isdir(os.path.join(world.serve, name)):
        world.repo(name, {".atk/plugin.yaml": "name: Race Tool\n", ".atk/run.sh": ("exec", "#!/bin/sh\n"), "README.md": "x\n"})
    for rounds in _race_rounds(most=8, seconds=10):
        cache = str(tmp_path / ("cache%d" % rounds))
        srcs = [GS.GitSource(world.git_source_url(name), cache, world.run) for _number in range(4)]
        stage_root = tmp_path / ("round%d" % rounds)
        errors = _stage_together(srcs, lambda src, number, root=stage_root: src.stage(src.resolve(), str(root / ("stage%d" % number) / "tool")))
        assert errors == [], "round %d: %r" % (rounds, errors)
        for number in range(4):
            assert sorted(os.listdir(str(stage_root / ("stage%d" % number) / "tool"))) == ["plugin.yaml", "run.sh"], "round %d" % rounds


# -- git sources -----------------------------------------------------------------------

def test_git_source_stages_the_contents_of_dot_atk(world, tmp_path):
    name = "tool-repo.git"
    big = os.urandom(200000)
    world.repo(name, {
        ".atk/plugin.yaml": "name: Tool\n",
        ".atk/run.sh": ("exec", "#!/bin/sh\n"),
        ".atk/sub/link": ("link", "../plugin.yaml"),
        "src/big.bin": big,
        "README.md": "the app\n",
    })
    src = GS.GitSource(world.git_source_url(name), str(tmp_path / "cache"), world.run)
    before = world.connections()
    sha = src.resolve()                       # cold: the clone
    dest = src.stage(sha, str(tmp_path / "stage" / "tool"))
    assert [c["op"] for c in src.network_log] == ["clone", "fetch"]
    assert world.connections() - before == 2
    assert sorted(os.listdir(dest)) == ["plugin.yaml", "run.sh", "sub"]
    assert os.stat(os.path.join(dest, "run.sh")).st_mode & stat.S_IXUSR
    assert os.readlink(os.path.join(dest, "sub", "link")) == "../plugin.yaml"
    assert src._missing_blobs(sha, ["src/big.bin"])  # pylint: disable=protected-access
    # warm: offline
    world.stop()
    try:
        again = GS.GitSource(world.git_source_url(name), str(tmp_path / "cache"), world.run)
        again.stage(sha, str(tmp_path / "stage2" / "tool"))
        assert again.network_calls == 0
    finally:
        world.start()


def test_git_source_errors_use_atks_texts(world, tmp_path):
    world.repo("no-atk.git", {"README.md": "x\n"})
    world.repo("yml-atk.git", {".atk/plugin.yml": "name: X\n"})
    world.repo("escape-atk.git", {".atk/plugin.yaml": "name: X\n", ".atk/readme": ("link", "../README.md"),
                                  "README.md": "x\n"})
    for repo, text in (("no-atk.git", "Repository does not contain an '.atk/' directory"),
                       ("yml-atk.git", "'.atk/' directory does not contain plugin.yaml"),
                       ("escape-atk.git", "Refusing symlink 'readme'")):
        src = GS.GitSource(world.git_source_url(repo), str(tmp_path / "cache"), world.run)
        with pytest.raises(AtkError) as err:
            src.stage(src.resolve(), str(tmp_path / repo / "dest"))
        assert str(err.value).startswith(text)
        assert not os.path.exists(str(tmp_path / repo / "dest"))


def test_hostile_urls_never_reach_git(world, cache):
    for url in ("ext::sh -c touch% /tmp/pwned", "fd::17", "-uhelp", "--upload-pack=touch /tmp/x", "foo::bar"):
        with pytest.raises(AtkError, match="Refusing"):
            RS.RegistryCache(url, cache, world.run)
        with pytest.raises(AtkError, match="Refusing"):
            GS.GitSource(url, cache, world.run)
    assert world.argv_log == []


def test_drop_removes_the_cache(world, cache):
    reg = RS.RegistryCache(world.url("registry.git"), cache, world.run)
    assert reg.cached_head() is None
    sha = reg.resolve()
    assert reg.has_commit(sha)
    assert reg.cached_head() == sha                 # the clone's default branch
    with pytest.raises(AtkError, match="not in the cache"):
        reg.set_head("0123456789abcdef0123456789abcdef01234567")
    reg.set_head(sha)
    calls = reg.network_calls
    assert RS.RegistryCache(world.url("registry.git"), cache, world.run).cached_head() == sha
    assert reg.network_calls == calls
    reg.drop()
    assert reg.cached_head() is None
    assert not reg.has_commit(sha)
    assert os.listdir(reg.dir) == ["lock"]
