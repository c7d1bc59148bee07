# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of _sources: URLs, refusals, redaction, index safety, suggestions, local staging.

Anything that needs a git server lives in tests/integration/test_sources.py. Here git is a
fake runner, so these tests also prove which inputs never reach a git process.
"""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _git_source as GS
from ansible_collections.atk.core.plugins.module_utils import _local_source as LS
from ansible_collections.atk.core.plugins.module_utils import _proc
from ansible_collections.atk.core.plugins.module_utils import _registry_source as RS
from ansible_collections.atk.core.plugins.module_utils import _source_cache as SC
from ansible_collections.atk.core.plugins.module_utils import _urls as U
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError

SHA = "0123456789abcdef0123456789abcdef01234567"


class FakeRunner(object):
    """Records argv; answers with a fixed (rc, out, err) or a callable."""

    def __init__(self, answer=(0, "", "")):
        self.calls = []
        self.answer = answer

    def __call__(self, argv, cwd=None, env_update=None, data=None):
        self.calls.append({"argv": list(argv), "cwd": cwd, "env": dict(env_update or {}), "data": data})
        if callable(self.answer):
            return self.answer(argv)
        return self.answer


# -- normalize_git_url: atk's exact rule -------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    ("https://github.com/org/repo", "https://github.com/org/repo"),
    ("http://host/x", "http://host/x"),
    ("file:///srv/repo", "file:///srv/repo"),
    ("github.com/org/repo", "https://github.com/org/repo"),
    ("gitlab.example.org/a/b.git", "https://gitlab.example.org/a/b.git"),
    # atk prefixes everything else, even schemes it does not list
    ("ssh://git@host/x", "https://ssh://git@host/x"),
    ("git://host/x", "https://git://host/x"),
    ("git@", "git@"),
])
def test_normalize_git_url_is_atks(raw, expected):
    assert U.normalize_git_url(raw) == expected


# -- hostile URLs -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "ext::sh -c touch% /tmp/pwned",
    "ext::ssh -oProxyCommand=x host",
    "fd::17",
    "fd::3,4/path",
    "foo::https://host/repo",
    "git-remote-x::anything",
    "-uhelp",
    "--upload-pack=touch /tmp/x",
    "-",
    "https://host/x\n[core]\n\tsshCommand = evil",
    "https://host/\tx",
    "https://host/\x00x",
    "",
    "   ",
])
def test_hostile_urls_are_refused_before_git_runs(url, tmp_path):
    run = FakeRunner()
    with pytest.raises(AtkError):
        U.check_url(url)
    with pytest.raises(AtkError):
        RS.RegistryCache(url, str(tmp_path), run)
    with pytest.raises(AtkError):
        GS.GitSource(url, str(tmp_path), run)
    assert run.calls == []


@pytest.mark.parametrize("url", [
    "https://github.com/Svtoo/atk-registry",
    "git://127.0.0.1:9418/registry.git",
    "ssh://git@host:22/org/repo.git",
    "git@github.com:org/repo.git",
    "file:///srv/git/registry.git",
    "/srv/git/registry.git",
    "https://user:p%40ss@host/x.git",
    "https://[::1]:8443/x.git",
    "/home/me/My Repos/registry",
])
def test_ordinary_urls_are_accepted(url):
    assert U.check_url(url) == url


def test_remote_helper_error_names_the_transport():
    with pytest.raises(AtkError) as err:
        U.check_url("ext::sh -c id")
    assert "'ext::' remote-helper transport is not allowed" in str(err.value)


# -- versions -------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [
    "main", "v1.2.3", "release/2026-01", "refs/heads/main", "refs/tags/v1", SHA, SHA.upper(), "feature_x", "a@b",
])
def test_plausible_versions_are_accepted(version):
    assert G.check_version(version) == version


@pytest.mark.parametrize("version", [
    "-main", "--upload-pack=x", "", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "/main", "main/",
    "main.", "x.lock", "@", "a@{1}", "a//b", ".hidden", "dir/.hidden", "ma\x00in", "ma\nin", "ma\x7fin",
])
def test_bad_versions_are_refused(version):
    with pytest.raises(AtkError):
        G.check_version(version)


def test_resolve_refuses_bad_versions_without_running_git(tmp_path):
    run = FakeRunner()
    reg = RS.RegistryCache("https://host/registry", str(tmp_path), run)
    for version in ("-x", "--upload-pack=evil", "a..b"):
        with pytest.raises(AtkError, match="Refusing version"):
            reg.resolve(version)
    assert run.calls == []


def test_resolve_of_a_full_sha_needs_nothing(tmp_path):
    run = FakeRunner()
    reg = RS.RegistryCache("https://host/registry", str(tmp_path), run)
    assert reg.resolve(SHA.upper()) == SHA
    assert run.calls == [] and reg.network_calls == 0


def test_has_commit_on_a_cold_cache_runs_nothing(tmp_path):
    run = FakeRunner()
    reg = RS.RegistryCache("https://host/registry", str(tmp_path), run)
    assert reg.has_commit(SHA) is False
    assert run.calls == []
    with pytest.raises(AtkError, match="40-character commit id"):
        reg.has_commit("abc")


def test_is_sha():
    assert G.is_sha(SHA) and G.is_sha(SHA.upper())
    assert not G.is_sha(SHA[:-1]) and not G.is_sha(SHA + "0") and not G.is_sha("g" * 40) and not G.is_sha(None)


# -- redaction ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("https://user:secret@github.com/org/repo", "https://github.com/org/repo"),
    ("https://ghp_token@github.com/org/repo", "https://github.com/org/repo"),
    ("http://a:b@127.0.0.1:8080/x.git?y=1", "http://127.0.0.1:8080/x.git?y=1"),
    ("https://user:p@ss@host/x", "https://host/x"),
    ("ssh://git@host/org/repo", "ssh://git@host/org/repo"),
    ("ssh://git:pw@host/org/repo", "ssh://host/org/repo"),
    ("git+ssh://me@host/r", "git+ssh://me@host/r"),
    ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    ("https://github.com/org/repo", "https://github.com/org/repo"),
    ("/srv/repo", "/srv/repo"),
    ("https://user:secret@host", "https://host"),
])
def test_redact_url(url, expected):
    assert U.redact_url(url) == expected


def test_redact_text_removes_every_credential():
    text = "fatal: unable to access 'https://bob:hunter2@host/x/': 403; also http://tok@h2/y and ssh://git@h3/z"
    out = U.redact_text(text)
    assert "hunter2" not in out and "bob" not in out and "tok@" not in out
    assert "https://host/x/" in out and "http://h2/y" in out and "ssh://git@h3/z" in out


def test_display_url_network_log_and_errors_are_redacted(tmp_path):
    err = "fatal: unable to access 'https://bob:hunter2@host/x/': Failed to connect to host port 443: Connection refused"
    run = FakeRunner((128, "", "Cloning into bare repository...\n" + err + "\n"))
    reg = RS.RegistryCache("https://bob:hunter2@host/x", str(tmp_path), run)
    assert reg.display_url == "https://host/x"
    with pytest.raises(AtkError) as exc:
        reg.resolve()
    message = str(exc.value)
    assert "hunter2" not in message and "bob" not in message
    assert message.startswith("Cannot reach https://host/x: fatal: unable to access 'https://host/x/'")
    assert exc.value.hint == "Check the URL and your network connection."
    assert reg.network_log == [{"op": "clone", "url": "https://host/x"}]
    assert reg.contacted == ["https://host/x"]
    # the credentials the user put in the URL are passed to git (and only there)
    assert "https://bob:hunter2@host/x" in run.calls[0]["argv"]


def test_cache_key_ignores_credentials(tmp_path):
    one = RS.RegistryCache("https://a:b@host/x", str(tmp_path))
    two = RS.RegistryCache("https://host/x/", str(tmp_path))
    assert one.dir == two.dir
    assert one.dir.startswith(os.path.join(str(tmp_path), "registries") + os.sep)
    assert GS.GitSource("host/x", str(tmp_path)).dir.startswith(os.path.join(str(tmp_path), "git") + os.sep)


@pytest.mark.parametrize("stderr, expected", [
    ("fatal: remote error: access denied or repository not exported: /x.git", "not found or not accessible"),
    ("remote: Repository not found.\nfatal: repository 'https://github.com/a/b/' not found", "not found or not accessible"),
    ("fatal: could not read Username for 'https://github.com': terminal prompts disabled", "not found or not accessible"),
    ("fatal: '/nope' does not appear to be a git repository", "not found or not accessible"),
    ("fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused", "Cannot reach"),
    ("fatal: unable to access 'https://x/': Could not resolve host: x", "Cannot reach"),
    ("", "Cannot reach"),
])
def test_network_errors_are_classified(stderr, expected, tmp_path):
    reg = RS.RegistryCache("https://host/x", str(tmp_path), FakeRunner((128, "", stderr)))
    with pytest.raises(AtkError) as exc:
        reg.resolve()
    assert expected in str(exc.value)


def test_every_git_call_is_non_interactive_and_network_calls_are_counted(tmp_path):
    def answer(argv):
        if "ls-remote" in argv:
            return 0, SHA + "\tHEAD\n", ""
        return 0, "", ""
    run = FakeRunner(answer)
    reg = RS.RegistryCache("https://host/x", str(tmp_path), run)
    os.makedirs(os.path.join(reg.repo))
    with open(os.path.join(reg.repo, "HEAD"), "w") as handle:
        handle.write("ref: refs/heads/main\n")
    assert reg.resolve() == SHA
    assert reg.network_calls == 1 and reg.network_log == [{"op": "ls-remote", "url": "https://host/x"}]
    (call,) = run.calls
    assert call["argv"][-3:] == ["--", "https://host/x", "HEAD"]
    assert call["env"]["GIT_TERMINAL_PROMPT"] == "0" and call["env"]["LC_ALL"] == "C"
    assert "GIT_ALLOW_PROTOCOL" not in call["env"]
    reg.has_commit(SHA)
    local = run.calls[-1]
    assert local["env"]["GIT_ALLOW_PROTOCOL"] == SC.OFFLINE_ENV["GIT_ALLOW_PROTOCOL"]
    assert reg.network_calls == 1


def test_remote_head_missing(tmp_path):
    run = FakeRunner((0, "", ""))
    reg = RS.RegistryCache("https://host/x", str(tmp_path), run)
    os.makedirs(reg.repo)
    with open(os.path.join(reg.repo, "HEAD"), "w") as handle:
        handle.write("ref: refs/heads/main\n")
    with pytest.raises(AtkError, match="Remote 'https://host/x' returned no HEAD ref"):
        reg.resolve()


# -- registry index -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["plugins/exa", "plugins/a-b_c.d", "plugins/group/exa"])
def test_safe_index_paths(path):
    assert RS.check_index_path(path) == path


@pytest.mark.parametrize("path", [
    "plugins", "plugins/", "plugins/exa/", "/plugins/exa", "plugins/../etc", "plugins/exa/..", "../plugins/exa",
    "plugins//exa", "plugins/./exa", "./plugins/exa", "other/exa", "pluginsx/exa", "plugins\\..\\x", "plugins/a\nb",
    "", None, 3, "index.yaml", ".git/config",
])
def test_unsafe_index_paths(path):
    with pytest.raises(AtkError, match="unsafe path"):
        RS.check_index_path(path)


def test_validate_index_keeps_atks_fields_and_first_duplicates():
    data = {"schema_version": "2026-01-23", "plugins": [
        {"name": "exa", "path": "plugins/exa", "description": "Exa", "extra": 1},
        {"name": "exa", "path": "plugins/exa2", "description": "shadowed"},
        {"name": "fetch", "path": "plugins/fetch", "description": ""},
    ]}
    assert RS.validate_index(data, "https://u:p@host/r") == ([
        {"name": "exa", "path": "plugins/exa", "description": "Exa"},
        {"name": "fetch", "path": "plugins/fetch", "description": ""},
    ], [])
    assert RS.validate_index(None) == ([], []) and RS.validate_index({}) == ([], [])


@pytest.mark.parametrize("data, fragment", [
    ([], "mapping"),
    ({"plugins": {}}, "plugins"),
])
def test_validate_index_refuses_what_is_no_index(data, fragment):
    with pytest.raises(AtkError) as err:
        RS.validate_index(data, "https://user:secret@host/r")
    assert fragment in str(err.value)
    assert "secret" not in str(err.value)


@pytest.mark.parametrize("bad_entry, fragment", [
    ({"name": "a", "path": "plugins/a"}, "description"),
    ({"name": 1, "path": "plugins/a", "description": ""}, "name"),
    ({"name": "a", "path": "plugins/../../etc", "description": ""}, "unsafe path"),
    ({"name": "../x", "path": "plugins/x", "description": ""}, "unsafe name"),
    ({"name": "-x", "path": "plugins/x", "description": ""}, "unsafe name"),
    ({"name": "..", "path": "plugins/x", "description": ""}, "unsafe name"),
    ("not a mapping", "mapping"),
])
def test_a_bad_entry_is_skipped_and_named_the_others_stay(bad_entry, fragment):
    good = {"name": "exa", "path": "plugins/exa", "description": "Exa"}
    entries, bad = RS.validate_index({"plugins": [good, bad_entry]}, "https://user:secret@host/r")
    assert entries == [good]
    assert [item["entry"] for item in bad] == [1]
    assert fragment in str(bad[0]["error"]) and "secret" not in str(bad[0]["error"])
    assert bad[0]["name"] == (bad_entry.get("name") if isinstance(bad_entry, dict) and isinstance(bad_entry.get("name"), str) else None)


def test_suggest_names():
    names = ["github", "gitlab", "git-local", "exa", "fetch", "notion"]
    assert RS.suggest_names("githb", names)[0] == "github"
    assert "gitlab" in RS.suggest_names("gitlb", names)
    assert RS.suggest_names("zzzzzz", names) == []


def test_unknown_plugin_message_suggests_near_names(tmp_path):
    reg = RS.RegistryCache("https://user:pw@host/registry", str(tmp_path), FakeRunner())
    entries = [{"name": n, "path": "plugins/" + n, "description": ""} for n in ("github", "gitlab", "exa")]
    with pytest.raises(AtkError) as err:
        reg._find("0" * 40, entries, "githu")  # pylint: disable=protected-access
    assert err.value.msg == "Plugin 'githu' not found in registry https://host/registry"
    assert err.value.hint.startswith("Did you mean: github")
    with pytest.raises(AtkError) as err:
        reg._find("0" * 40, entries, "qqqq")  # pylint: disable=protected-access
    assert str(err.value) == "Plugin 'qqqq' not found in registry https://host/registry"
    assert reg._find("0" * 40, entries, "exa")["path"] == "plugins/exa"  # pylint: disable=protected-access


def test_stage_refuses_unsafe_names_and_existing_targets(tmp_path):
    run = FakeRunner()
    reg = RS.RegistryCache("https://host/r", str(tmp_path / "c"), run)
    with pytest.raises(AtkError, match="unsafe name"):
        reg.stage(SHA, ["../x"], str(tmp_path / "s"))
    (tmp_path / "s" / "exa").mkdir(parents=True)
    with pytest.raises(AtkError, match="already exists"):
        reg.stage(SHA, ["exa"], str(tmp_path / "s"))
    assert run.calls == []


def test_changed_files_refuses_escaping_paths(tmp_path):
    reg = RS.RegistryCache("https://host/r", str(tmp_path), FakeRunner())
    for path in ("../x", "..", "plugins/../../x"):
        with pytest.raises(AtkError):
            reg.changed_files(SHA, SHA, path)
    assert reg.changed_files(SHA, SHA, "plugins/exa") is None   # cold cache: caller compares files


def test_default_cache_root():
    assert SC.default_cache_root({"XDG_CACHE_HOME": "/x/cache", "HOME": "/h"}) == "/x/cache/atk-core"
    assert SC.default_cache_root({"HOME": "/h"}) == "/h/.cache/atk-core"
    assert SC.default_cache_root({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == "/h/.cache/atk-core"


# -- local sources ------------------------------------------------------------------------

def _plugin(root, extra=None):
    root.mkdir(parents=True)
    (root / "plugin.yaml").write_text("name: Demo\n")
    for rel, content in (extra or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root


def test_stage_local_copies_everything_with_modes(tmp_path):
    files = {"run.sh": "#!/bin/sh\n", ".env": "A=1\n", "custom/overrides.yaml": "{}\n", "docs/a.md": "a\n"}
    src = _plugin(tmp_path / "src", files)
    os.chmod(str(src / "run.sh"), 0o750)
    os.symlink("docs/a.md", str(src / "link.md"))
    dest = LS.stage_local(str(src), str(tmp_path / "dest"))
    assert dest == str(tmp_path / "dest")
    assert sorted(os.listdir(dest)) == [".env", "custom", "docs", "link.md", "plugin.yaml", "run.sh"]
    assert stat.S_IMODE(os.stat(os.path.join(dest, "run.sh")).st_mode) == 0o750
    assert os.readlink(os.path.join(dest, "link.md")) == "docs/a.md"


def test_stage_local_single_file_becomes_plugin_yaml(tmp_path):
    spec = tmp_path / "demo.yml"
    spec.write_text("name: Demo\n")
    dest = LS.stage_local(str(spec), str(tmp_path / "dest"))
    assert os.listdir(dest) == ["plugin.yaml"]
    with pytest.raises(AtkError, match="must be .yaml or .yml"):
        (tmp_path / "demo.txt").write_text("x")
        LS.stage_local(str(tmp_path / "demo.txt"), str(tmp_path / "dest2"))


def test_stage_local_errors_use_atks_texts(tmp_path):
    with pytest.raises(AtkError, match="Source path '/nope' does not exist"):
        LS.stage_local("/nope", str(tmp_path / "d"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AtkError, match="does not contain plugin.yaml or plugin.yml"):
        LS.stage_local(str(tmp_path / "empty"), str(tmp_path / "d"))
    src = _plugin(tmp_path / "src")
    with pytest.raises(AtkError, match="inside the source"):
        LS.stage_local(str(src), str(src / "sub"))
    (tmp_path / "taken").mkdir()
    with pytest.raises(AtkError, match="already exists"):
        LS.stage_local(str(src), str(tmp_path / "taken"))


@pytest.mark.parametrize("target", ["../outside.txt", "/etc/hostname", "sub/../../outside.txt", "dirlink/../../outside.txt"])
def test_stage_local_refuses_symlinks_leaving_the_folder(tmp_path, target):
    (tmp_path / "outside.txt").write_text("secret\n")
    src = _plugin(tmp_path / "src", {"sub/x": "x"})
    os.symlink("sub", str(src / "dirlink"))
    os.symlink(target, str(src / "leak"))
    with pytest.raises(AtkError) as err:
        LS.stage_local(str(src), str(tmp_path / "dest"))
    assert "Refusing symlink 'leak'" in str(err.value)
    assert not os.path.exists(str(tmp_path / "dest"))


def test_stage_local_realpath_check_catches_symlinked_directories(tmp_path):
    # 'inner' looks inside lexically, but goes through a symlinked directory that leaves
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    (tmp_path / "elsewhere" / "secret").write_text("s\n")
    src = _plugin(tmp_path / "src")
    os.symlink(str(tmp_path / "elsewhere" / "deep"), str(src / "d"))
    with pytest.raises(AtkError, match="Refusing symlink 'd'"):
        LS.stage_local(str(src), str(tmp_path / "dest"))


def test_stage_local_follow_mode_is_atks_copytree_and_reports(tmp_path):
    (tmp_path / "shared.sh").write_text("echo shared\n")
    src = _plugin(tmp_path / "src", {"docs/a.md": "a\n"})
    os.symlink(str(tmp_path / "shared.sh"), str(src / "shared.sh"))
    os.symlink("docs/a.md", str(src / "inner.md"))
    followed = []
    dest = LS.stage_local(str(src), str(tmp_path / "dest"), follow_symlinks=True, followed=followed)
    assert followed == ["shared.sh"]
    assert not os.path.islink(os.path.join(dest, "shared.sh"))
    assert open(os.path.join(dest, "shared.sh")).read() == "echo shared\n"
    assert not os.path.islink(os.path.join(dest, "inner.md"))       # atk materialises every symlink


def test_stage_local_refuses_special_files(tmp_path):
    src = _plugin(tmp_path / "src")
    os.mkfifo(str(src / "pipe"))
    with pytest.raises(AtkError, match="not a regular file"):
        LS.stage_local(str(src), str(tmp_path / "dest"))


def test_subprocess_runner(tmp_path):
    """The runner contract: env_update on top of the environment, stdin from data, text out.
    (The git environment, _git.BASE_ENV, is added by the git callers: see the test above.)"""
    rc, out, err = _proc.subprocess_runner(["sh", "-c", 'printf "%s|%s|" "$X" "$PWD"; cat; echo oops >&2'],
                                           cwd=str(tmp_path), env_update={"X": "y"}, data="in")
    assert (rc, out, err) == (0, "y|%s|in" % tmp_path, "oops\n")
    rc, out, _err = _proc.subprocess_runner(["sh", "-c", "cat; exit 3"])
    assert (rc, out) == (3, "")


def test_local_paths_are_made_absolute_urls_are_not(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    assert RS.RegistryCache("reg", str(tmp_path / "c")).url == str(tmp_path / "reg")
    assert RS.RegistryCache("../reg", str(tmp_path / "c")).url == os.path.join(os.path.dirname(str(tmp_path)), "reg")
    for url in ("git@host:org/repo", "host:org/repo", "https://host/x", "file:///srv/x"):
        assert RS.RegistryCache(url, str(tmp_path / "c")).url == url
