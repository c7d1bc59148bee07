# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_home: where the home is, whether atk accepts it, `atk init` byte for byte, and converge_home."""

from __future__ import annotations

import os

import pytest

from ansible_collections.atk.core.plugins.module_utils import _fs
from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _gitignore
from ansible_collections.atk.core.plugins.module_utils import _home as H
from ansible_collections.atk.core.plugins.module_utils import _home_repo as R
from ansible_collections.atk.core.plugins.module_utils import _manifest as M
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

git = atk_peer.git
# Fixed dates: with atk's identity and the same tree, both implementations must then make the same commit.
DATES = {"GIT_AUTHOR_DATE": "2026-02-06T12:00:00+00:00", "GIT_COMMITTER_DATE": "2026-02-06T12:00:00+00:00"}


@pytest.fixture
def env(tmp_path, monkeypatch):
    atk_peer.isolate_git(monkeypatch, tmp_path)
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def make_home(path):
    H.init_home(str(path), G.Git())
    return path


def bare_of(home, path):
    git(path.parent, "clone", "-q", "--bare", str(home), str(path))
    git(home, "remote", "add", "origin", str(path))
    git(home, "fetch", "-q", "origin")
    git(home, "branch", "-q", "--set-upstream-to", "origin/" + branch_of(home))
    return path


def branch_of(repo):
    return git(repo, "branch", "--show-current").strip()


def head_of(repo):
    return git(repo, "rev-parse", "HEAD").strip()


def commit_file(repo, name, text, message="edit"):
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


def committed_files(repo, rev="HEAD"):
    return sorted(git(repo, "show", "--name-only", "--format=", rev).split())


def check_then_apply(root, home, **kwargs):
    """converge_home in check mode (must write nothing), then for real (must do what it predicted)."""
    before = atk_peer.snapshot(root)
    planned, dummy = R.converge_home(str(home), G.Git(), check_mode=True, **kwargs)
    assert atk_peer.snapshot(root) == before, "check mode wrote something"
    done, warnings = R.converge_home(str(home), G.Git(), check_mode=False, **kwargs)
    assert done == planned
    return done, warnings


# -- resolve_home ---------------------------------------------------------------------------

@pytest.mark.parametrize("option, environ, expected", [
    ("/opt/h", {"ATK_HOME": "/e", "HOME": "/u"}, "/opt/h"),
    ("/opt/h/", {}, "/opt/h"),
    (None, {"ATK_HOME": "/e", "HOME": "/u"}, "/e"),
    ("", {"ATK_HOME": "/e", "HOME": "/u"}, "/e"),
    (None, {"ATK_HOME": "", "HOME": "/u"}, "/u/.atk"),
    (None, {"HOME": "/u"}, "/u/.atk"),
    ("~", {"HOME": "/u"}, "/u"),
    ("~/x", {"HOME": "/u", "ATK_HOME": "/e"}, "/u/x"),
    (None, {"ATK_HOME": "~/y", "HOME": "/u"}, "/u/y"),
    (None, {"ATK_HOME": "/a/../b/./c", "HOME": "/u"}, "/b/c"),
])
def test_resolve_home_precedence(option, environ, expected):
    assert H.resolve_home(option, environ) == expected


def test_resolve_home_relative_and_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert H.resolve_home("rel/home", {}) == str(tmp_path / "rel" / "home")
    assert H.resolve_home(None, {"ATK_HOME": "envrel"}) == str(tmp_path / "envrel")
    monkeypatch.setenv("ATK_HOME", "/from/process/env")
    assert H.resolve_home() == "/from/process/env"
    monkeypatch.delenv("ATK_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "fakehome"))
    assert H.resolve_home() == str(tmp_path / "fakehome" / ".atk")
    # No HOME in the given environ: the user's home directory as Python knows it.
    assert H.resolve_home(None, {}) == os.path.join(os.path.expanduser("~"), ".atk")


@atk_peer.needs_atk
def test_resolve_home_agrees_with_atk(tmp_path):
    cases = [{"ATK_HOME": "/e", "HOME": "/u"}, {"ATK_HOME": "", "HOME": "/u"}, {"HOME": "/u"},
             {"ATK_HOME": "~/y", "HOME": "/u"}, {"ATK_HOME": "rel", "HOME": "/u"}, {"ATK_HOME": "/x/../y/", "HOME": "/u"}]
    theirs = atk_peer.atk_python(
        "import importlib, os\nimport atk.home\nRESULT = []\n"
        "for case in PAYLOAD:\n"
        "    os.environ.pop('ATK_HOME', None)\n"
        "    os.environ.update(case)\n"
        "    importlib.reload(atk.home)\n"
        "    RESULT.append(os.path.abspath(str(atk.home.get_atk_home())))\n", cases, cwd=str(tmp_path))
    old = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        ours = [H.resolve_home(None, case) for case in cases]
    finally:
        os.chdir(old)
    assert ours == theirs


# -- validate_home -------------------------------------------------------------------------

def layout(root, name, manifest="file", plugins="dir", dot_git="dir"):
    home = root / name
    home.mkdir()
    (root / "elsewhere").mkdir(exist_ok=True)
    for entry, kind in (("manifest.yaml", manifest), ("plugins", plugins), (".git", dot_git)):
        path = home / entry
        if kind == "file":
            path.write_text("gitdir: /elsewhere\n" if entry == ".git" else "schema_version: '1'\n")
        elif kind == "dir":
            path.mkdir()
        elif kind == "dirlink":
            target = root / "elsewhere" / (name + entry)
            target.mkdir()
            path.symlink_to(target)
        elif kind == "dangling":
            path.symlink_to(root / "elsewhere" / "missing")
    return home


LAYOUTS = {
    "empty": dict(manifest=None, plugins=None, dot_git=None),
    "manifest-only": dict(plugins=None, dot_git=None),
    "no-git": dict(dot_git=None),
    "valid": dict(),
    "git-file": dict(dot_git="file"),
    "plugins-file": dict(plugins="file"),
    "plugins-link": dict(plugins="dirlink"),
    "manifest-dangling": dict(manifest="dangling"),
    "clone": dict(plugins=None),
}
# Layouts where atk.core's answer differs from atk's (see the xfail reasons).
ODD_LAYOUTS = {
    "git-link": dict(dot_git="dirlink"),
    "manifest-dir": dict(manifest="dir"),
}
ATK_VALIDATE = "from pathlib import Path\nfrom atk.home import validate_atk_home\nRESULT = [validate_atk_home(Path(p)).errors for p in PAYLOAD]"


def test_validate_home_messages(tmp_path):
    homes = dict((name, layout(tmp_path, name, **kw)) for name, kw in LAYOUTS.items())
    assert H.validate_home(str(homes["valid"])) == []
    assert H.validate_home(str(homes["empty"])) == [
        "Missing manifest.yaml file", "Missing plugins/ directory", "Missing .git directory (not a git repository)"]
    assert H.validate_home(str(homes["git-file"])) == ["Missing .git directory (not a git repository)"]
    assert H.validate_home(str(homes["clone"])) == ["Missing plugins/ directory"]
    assert H.is_repairable(str(homes["clone"]))
    assert not H.is_repairable(str(homes["valid"]))
    assert not H.is_repairable(str(homes["no-git"]))


@atk_peer.needs_atk
def test_validate_home_agrees_with_atk(tmp_path):
    homes = [str(layout(tmp_path, name, **kw)) for name, kw in sorted(LAYOUTS.items())]
    assert [H.validate_home(h) for h in homes] == atk_peer.atk_python(ATK_VALIDATE, homes)


@atk_peer.needs_atk
@pytest.mark.parametrize("name", sorted(ODD_LAYOUTS))
def test_validate_home_agrees_with_atk_on_symlinked_git_and_odd_manifest(tmp_path, name):
    home = str(layout(tmp_path, name, **ODD_LAYOUTS[name]))
    assert [H.validate_home(home)] == atk_peer.atk_python(ATK_VALIDATE, [home])


# -- init_home == atk init ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def atk_made_home(tmp_path_factory):
    if atk_peer.ATK_VENV is None:
        pytest.skip(atk_peer.NO_ATK_REASON)
    root = tmp_path_factory.mktemp("atk-init")
    config = root / "gitconfig"
    config.write_text("")
    extra = {"HOME": str(root / "fakehome"), "ATK_HOME": str(root / "unused"), "GIT_CONFIG_GLOBAL": str(config),
             "GIT_CONFIG_NOSYSTEM": "1"}
    extra.update(DATES)
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        extra[name] = None
    proc = atk_peer.atk_cli(["init", str(root / "home")], env=extra, cwd=str(root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (root / "unused").exists()
    return root / "home"


def describe_repo(home):
    return {
        "manifest": (home / "manifest.yaml").read_bytes(),
        "gitignore": (home / ".gitignore").read_bytes(),
        "entries": sorted(os.listdir(str(home))),
        "plugins": os.listdir(str(home / "plugins")),
        "tracked": git(home, "ls-files", "-s"),
        "tree": git(home, "rev-parse", "HEAD^{tree}"),
        "log": git(home, "log", "--format=%an <%ae>|%cn <%ce>|%ad|%cd|%s|%P", "--date=iso-strict"),
        "branch": git(home, "branch", "--show-current"),
        "commit": head_of(home),
        "status": git(home, "status", "--porcelain", "--ignored"),
    }


@atk_peer.needs_atk
def test_init_home_is_atk_init(env, atk_made_home):
    ours = make_home(env / "home")
    assert describe_repo(ours) == describe_repo(atk_made_home)
    assert (ours / "manifest.yaml").read_bytes() == M.dump_manifest(M.initial_manifest()).encode("utf-8")
    assert (ours / ".gitignore").read_bytes() == _gitignore.INITIAL_CONTENT.encode("utf-8")
    assert git(ours, "ls-files").split() == [".gitignore", "manifest.yaml"]
    assert [n for n in os.listdir(str(env)) if n.startswith(_fs.TEMP_PREFIX)] == []


@atk_peer.needs_atk
def test_atk_accepts_our_home(env):
    home = make_home(env / "home")
    answer = atk_peer.atk_python(
        "from pathlib import Path\nfrom atk.home import validate_atk_home\nfrom atk.manifest_schema import load_manifest\n"
        "RESULT = [validate_atk_home(Path(PAYLOAD)).errors, load_manifest(Path(PAYLOAD)).model_dump(mode='json')]",
        str(home))
    assert answer == [[], M.initial_manifest()]


def test_init_into_an_existing_empty_dir(env):
    (env / "home").mkdir()
    assert H.check_init_target(str(env / "home")) is False
    make_home(env / "home")
    assert H.validate_home(str(env / "home")) == []
    assert git(env / "home", "log", "--format=%s") == "Initialize ATK Home\n"


def test_init_creates_missing_parents(env):
    make_home(env / "a" / "b" / "home")
    assert H.validate_home(str(env / "a" / "b" / "home")) == []


def test_failed_init_leaves_nothing_behind(env):
    def failing(argv, cwd=None, env_update=None, data=None):
        return (1, "", "fatal: simulated failure\n") if argv[1] == "commit" else G.subprocess_runner(argv, cwd, env_update, data)

    with pytest.raises(AtkError):
        H.init_home(str(env / "home"), G.Git(failing))
    assert not (env / "home").exists()
    assert [n for n in os.listdir(str(env)) if n.startswith(_fs.TEMP_PREFIX)] == []


# -- check_init_target ---------------------------------------------------------------------------

def test_check_init_target(env):
    assert H.check_init_target(str(env / "missing")) is False
    (env / "empty").mkdir()
    assert H.check_init_target(str(env / "empty")) is False
    assert H.check_init_target(str(make_home(env / "valid"))) is True


def test_check_init_target_refuses_a_file(env):
    (env / "afile").write_text("x")
    with pytest.raises(AtkError) as info:
        H.check_init_target(str(env / "afile"))
    assert info.value.msg == "Path exists but is a file, not a directory: %s" % (env / "afile")


def test_check_init_target_refuses_a_non_empty_dir(env):
    (env / "busy").mkdir()
    (env / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(AtkError) as info:
        H.check_init_target(str(env / "busy"))
    assert info.value.msg == (
        "Directory exists but is not a valid ATK Home: %s (Missing manifest.yaml file; Missing plugins/ directory; "
        "Missing .git directory (not a git repository))" % (env / "busy"))
    assert (env / "busy" / "notes.txt").read_text() == "mine"


@atk_peer.needs_atk
def test_check_init_target_refuses_what_atk_init_refuses(env):
    (env / "afile").write_text("x")
    (env / "busy").mkdir()
    (env / "busy" / "notes.txt").write_text("mine")
    theirs = atk_peer.atk_python(
        "from pathlib import Path\nfrom atk.init import init_atk_home\n"
        "RESULT = [init_atk_home(Path(p)).errors for p in PAYLOAD]", [str(env / "afile"), str(env / "busy")])
    for path, errors in zip((env / "afile", env / "busy"), theirs):
        with pytest.raises(AtkError) as info:
            H.check_init_target(str(path))
        assert info.value.msg.startswith(errors[0])
        for error in errors[1:]:
            assert error in info.value.msg


# -- clones and repair -----------------------------------------------------------------------------

def test_a_clone_without_plugins_is_repairable(env):
    origin = make_home(env / "origin")
    git(env, "clone", "-q", str(origin), str(env / "clone"))
    clone = env / "clone"
    assert H.validate_home(str(clone)) == ["Missing plugins/ directory"]
    assert H.is_repairable(str(clone))
    assert H.check_init_target(str(clone)) is True
    (clone / "plugins").mkdir()
    (clone / "plugins" / (_fs.TEMP_PREFIX + "stage-x")).mkdir()
    (clone / "plugins" / "user-dir").mkdir()
    assert H.repair(str(clone)) == ["removed leftover %sstage-x" % _fs.TEMP_PREFIX]
    (clone / "plugins" / "user-dir").rmdir()
    (clone / "plugins").rmdir()
    assert H.repair(str(clone)) == ["created plugins/"]
    assert H.validate_home(str(clone)) == []
    assert H.repair(str(clone)) == []


def test_state_dir_is_inside_dot_git(env):
    assert H.state_dir("/h") == "/h/.git/atk-core"
    assert H.plugin_dir("/h", "demo") == "/h/plugins/demo"


# -- converge_home ------------------------------------------------------------------------------------

def test_converge_fresh_home_with_config(env):
    home = env / "home"
    done, warnings = check_then_apply(env, home, config={"auto_commit": True, "auto_push": True})
    assert done == [{"action": "init"},
                    {"action": "config", "from": {"auto_commit": True, "auto_push": False}, "to": {"auto_commit": True, "auto_push": True}}]
    assert warnings == [G.NO_REMOTE_WARNING]
    assert git(home, "log", "--format=%s").splitlines() == ["Update ATK config", "Initialize ATK Home"]
    assert committed_files(home) == ["manifest.yaml"]
    assert M.load_manifest(str(home))["config"] == {"auto_commit": True, "auto_push": True}
    again, dummy = R.converge_home(str(home), G.Git(), config={"auto_commit": True, "auto_push": True})
    assert again == []


def test_converge_existing_valid_home_is_a_no_op(env):
    home = make_home(env / "home")
    before = atk_peer.snapshot(env)
    assert R.converge_home(str(home), G.Git(), config={"auto_commit": True}) == ([], [])
    assert R.converge_home(str(home), G.Git(), check_mode=True) == ([], [])
    assert atk_peer.snapshot(env) == before


def test_config_change_commits_only_the_manifest(env):
    home = make_home(env / "home")
    (home / "stray.txt").write_text("user's")
    (home / ".gitignore").write_text(_gitignore.INITIAL_CONTENT + "# user edit\n")
    done, dummy = check_then_apply(env, home, config={"auto_push": True})
    assert done == [{"action": "config", "from": {"auto_commit": True, "auto_push": False},
                     "to": {"auto_commit": True, "auto_push": True}}]
    assert committed_files(home) == ["manifest.yaml"]
    assert git(home, "log", "-1", "--format=%an <%ae>|%s") == "ATK <atk@localhost>|Update ATK config\n"
    assert sorted(git(home, "status", "--porcelain").splitlines()) == [" M .gitignore", "?? stray.txt"]
    expected = M.initial_manifest()
    expected["config"]["auto_push"] = True
    assert (home / "manifest.yaml").read_text() == M.dump_manifest(expected)


def test_config_auto_commit_off_writes_without_committing(env):
    home = make_home(env / "home")
    head = head_of(home)
    done, dummy = check_then_apply(env, home, config={"auto_commit": False})
    assert [a["action"] for a in done] == ["config"]
    assert head_of(home) == head
    assert git(home, "status", "--porcelain") == " M manifest.yaml\n"


def test_remote_url_is_added_then_changed(env):
    home = make_home(env / "home")
    done, dummy = check_then_apply(env, home, remote_url="https://example.invalid/me/home.git")
    assert done == [{"action": "remote", "name": "origin", "from": None, "to": "https://example.invalid/me/home.git"}]
    done, dummy = check_then_apply(env, home, remote_url="https://user:tok3n@example.invalid/me/other.git")
    assert done == [{"action": "remote", "name": "origin", "from": "https://example.invalid/me/home.git",
                     "to": "https://example.invalid/me/other.git"}]
    assert "tok3n" not in repr(done)
    assert git(home, "remote", "get-url", "origin").strip() == "https://user:tok3n@example.invalid/me/other.git"


def test_converge_repairs_a_clone(env):
    origin = make_home(env / "origin")
    git(env, "clone", "-q", str(origin), str(env / "clone"))
    done, dummy = check_then_apply(env, env / "clone")
    assert done == [{"action": "repair", "create": "plugins/"}]
    assert H.validate_home(str(env / "clone")) == []


def test_converge_clones_a_home(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    done, dummy = R.converge_home(str(env / "home"), G.Git(), repo=str(bare))
    assert done == [{"action": "clone", "repo": str(bare)}]  # creating plugins/ is part of the clone
    assert H.validate_home(str(env / "home")) == []
    assert head_of(env / "home") == head_of(origin)
    assert [n for n in os.listdir(str(env)) if n.startswith(_fs.TEMP_PREFIX)] == []


def test_check_mode_predicts_a_clone(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    check_then_apply(env, env / "home", repo=str(bare))


def test_check_mode_predicts_remote_for_a_fresh_home(env):
    check_then_apply(env, env / "home", remote_url="https://example.invalid/me/home.git")


def test_clone_refuses_non_homes_and_option_like_urls(env):
    plain = env / "plain"
    plain.mkdir()
    git(plain, "init", "-q")
    commit_file(plain, "README", "x")
    with pytest.raises(AtkError) as info:
        R.converge_home(str(env / "home"), G.Git(), repo=str(plain))
    assert "it has no manifest.yaml" in info.value.msg
    with pytest.raises(AtkError) as info:
        R.converge_home(str(env / "home"), G.Git(), repo=str(env / "missing.git"))
    assert info.value.msg.startswith("Cannot clone the ATK home repository")
    for url in ("--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/x"):
        with pytest.raises(AtkError):
            R.converge_home(str(env / "home"), G.Git(), repo=url)
    assert not (env / "home").exists()
    assert [n for n in os.listdir(str(env)) if n.startswith(_fs.TEMP_PREFIX)] == []


def test_update_fast_forwards_from_a_local_bare_remote(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    R.converge_home(str(env / "home"), G.Git(), repo=str(bare))
    home = env / "home"
    old = head_of(home)
    commit_file(origin, "manifest.yaml", M.dump_manifest(M.with_entry(M.initial_manifest(), M.make_entry("A", "aa", "local"))))
    git(origin, "push", "-q")
    done, dummy = check_then_apply(env, home, update=True)
    assert done == [{"action": "update", "from": old, "to": head_of(origin), "upstream": head_of(origin),
                     "remote": "origin/" + branch_of(home), "replayed": [], "dropped": []}]
    assert head_of(home) == head_of(origin)
    assert [e["directory"] for e in M.load_manifest(str(home))["plugins"]] == ["aa"]
    assert H.validate_home(str(home)) == []
    assert R.converge_home(str(home), G.Git(), update=True) == ([], [])


def test_update_when_the_remote_is_behind_does_nothing(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    R.converge_home(str(env / "home"), G.Git(), repo=str(bare))
    commit_file(env / "home", "notes.txt", "local work")
    before = head_of(env / "home")
    assert R.converge_home(str(env / "home"), G.Git(), update=True) == ([], [])
    assert head_of(env / "home") == before


def test_update_refuses_a_diverged_home_that_truly_conflicts(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    R.converge_home(str(env / "home"), G.Git(), repo=str(bare))
    home = env / "home"
    commit_file(home, "manifest.yaml", "schema_version: 'local'\n")
    local = head_of(home)
    commit_file(origin, "manifest.yaml", "schema_version: 'remote'\n")
    git(origin, "push", "-q")
    for check_mode in (True, False):   # the same refusal in check mode and for real
        with pytest.raises(AtkError) as info:
            R.converge_home(str(home), G.Git(), check_mode=check_mode, update=True)
        assert info.value.msg.startswith("Cannot take the upstream changes of origin/%s: the manifest's schema_version was "
                                         "changed both here (commit %s" % (branch_of(home), local[:12]))
        assert "git reset --keep origin/%s" % branch_of(home) in info.value.hint
    assert head_of(home) == local
    assert (home / "manifest.yaml").read_text() == "schema_version: 'local'\n"


def test_update_without_upstream(env):
    home = make_home(env / "home")
    with pytest.raises(AtkError) as info:
        R.converge_home(str(home), G.Git(), update=True)
    assert info.value.msg == "Cannot update %s: its branch tracks no remote branch." % home


def test_push_sets_upstream_then_pushes_new_commits(env):
    home = make_home(env / "home")
    bare = env / "remote.git"
    git(env, "init", "-q", "--bare", str(bare))
    git(home, "remote", "add", "origin", str(bare))
    branch = branch_of(home)
    done, dummy = check_then_apply(env, home, push=True)
    assert done == [{"action": "push", "remote": "origin", "branch": branch}]
    assert git(bare, "rev-parse", branch) == git(home, "rev-parse", "HEAD")
    commit_file(home, "notes.txt", "x")
    done, dummy = check_then_apply(env, home, push=True)
    assert done == [{"action": "push", "remote": "origin", "branch": branch, "commits": 1}]
    assert R.converge_home(str(home), G.Git(), push=True) == ([], [])


def test_absent_needs_force(env):
    home = make_home(env / "home")
    with pytest.raises(AtkError) as info:
        R.converge_home(str(home), G.Git(), state="absent")
    assert "Refusing to delete the ATK home %s" % home in info.value.msg
    assert info.value.hint == "Set force=true to delete it."
    assert H.validate_home(str(home)) == []
    done, dummy = check_then_apply(env, home, state="absent", force=True)
    assert done == [{"action": "remove", "path": str(home)}]
    assert not home.exists()
    assert R.converge_home(str(home), G.Git(), state="absent") == ([], [])


def test_predict_matches_describe_after_the_real_run(env):
    home = str(env / "home")
    before = R.describe(home, G.Git())
    planned, dummy = R.converge_home(home, G.Git(), check_mode=True, config={"auto_push": True})
    predicted = R.predict(before, planned)
    R.converge_home(home, G.Git(), config={"auto_push": True})
    after = R.describe(home, G.Git())
    for key in ("path", "exists", "valid", "errors", "config", "plugins", "remote_url"):
        assert predicted[key] == after[key], key


def test_push_is_never_forced_and_a_refused_push_says_why(env):
    origin = make_home(env / "origin")
    bare = bare_of(origin, env / "remote.git")
    R.converge_home(str(env / "home"), G.Git(), repo=str(bare))
    home = env / "home"
    commit_file(home, "notes.txt", "mine")
    commit_file(origin, "other.txt", "theirs")   # upstream moves meanwhile
    git(origin, "push", "-q")
    before = git(bare, "rev-parse", "HEAD").strip()
    with pytest.raises(AtkError) as info:
        R.push_step(G.Git(), str(home), check_mode=False)
    assert info.value.msg.startswith("Pushing the home to origin/%s was refused" % branch_of(home))
    assert "run again" in info.value.hint
    assert git(bare, "rev-parse", "HEAD").strip() == before   # the shared history is untouched
    assert R.push_step(G.Git(), str(home), check_mode=True)[0][0]["action"] == "push"
