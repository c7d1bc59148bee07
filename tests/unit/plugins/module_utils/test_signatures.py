# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_signatures: verified pins with real git, ssh-keygen and gpg; keys are made in the test, no network.

The judgement table is checked on its own; then real signed commits go through the one check, the
memory of accepted commits, the source cache (a refused commit is never staged), a clone of the home
repository (nothing checked out) and an update (the home untouched).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.atk.core.plugins.module_utils import _git as G
from ansible_collections.atk.core.plugins.module_utils import _git_source as GS
from ansible_collections.atk.core.plugins.module_utils import _home as H
from ansible_collections.atk.core.plugins.module_utils import _home_repo as HR
from ansible_collections.atk.core.plugins.module_utils import _signatures as S
from ansible_collections.atk.core.plugins.module_utils._errors import AtkError
from ansible_collections.atk.core.tests.unit.plugins.module_utils import atk_peer

git = atk_peer.git

pytestmark = pytest.mark.skipif(not (shutil.which("ssh-keygen") and shutil.which("gpg")),
                                reason="ssh-keygen and gpg are needed (tests/utils/ensure-system-deps.sh)")


def _run(argv, env=None):
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, "%s: %s" % (argv, proc.stderr)
    return proc.stdout


class Keys(object):
    """SSH keys (an allowed one and a foreign one) and two OpenPGP keyrings: the signers' and the verifier's."""

    def __init__(self, root):
        self.root = root
        for name in ("allowed", "foreign"):
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", os.path.join(root, name)])
        self.allowed_signers = os.path.join(root, "allowed_signers")
        with open(self.allowed_signers, "w") as handle:
            handle.write("release@example.org %s" % open(os.path.join(root, "allowed.pub")).read())
        # gpg-agent sockets must fit in sun_path: keep the keyrings under a short folder.
        self.short = tempfile.mkdtemp(prefix="atkgpg-", dir="/tmp")
        self.signer_home = os.path.join(self.short, "s")
        self.verify_home = os.path.join(self.short, "v")
        os.mkdir(self.signer_home, 0o700)
        os.mkdir(self.verify_home, 0o700)
        self.fpr = {}
        for name, email in (("alice", "alice@example.org"), ("mallory", "mallory@example.org"), ("bob", "bob@example.org")):
            self._gpg(self.signer_home, "--passphrase", "", "--quick-gen-key", "%s <%s>" % (name, email), "ed25519", "sign", "never")
            out = self._gpg(self.signer_home, "--with-colons", "--list-keys", email)
            self.fpr[name] = [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:")][0]
        for name in ("alice", "bob"):   # mallory's key is not in the verifier's keyring
            exported = os.path.join(self.short, name + ".asc")
            self._gpg(self.signer_home, "--armor", "--output", exported, "--export", self.fpr[name])
            self._gpg(self.verify_home, "--import", exported)

    def _gpg(self, home, *args):
        env = dict(os.environ, GNUPGHOME=home)
        return _run(["gpg", "--batch", "--quiet", "--no-tty"] + list(args), env=env)

    def sign_args(self, who):
        """git -c options that sign a commit as ``who`` (an SSH key name or an OpenPGP key name)."""
        if who in ("allowed", "foreign"):
            return ["-c", "gpg.format=ssh", "-c", "user.signingkey=" + os.path.join(self.root, who), "-c", "commit.gpgsign=true"]
        return ["-c", "gpg.format=openpgp", "-c", "user.signingkey=" + self.fpr[who], "-c", "commit.gpgsign=true"]

    def close(self):
        for home in (self.signer_home, self.verify_home):
            subprocess.run(["gpgconf", "--kill", "all"], env=dict(os.environ, GNUPGHOME=home), capture_output=True, check=False)
        shutil.rmtree(self.short, ignore_errors=True)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    made = Keys(str(tmp_path_factory.mktemp("keys")))
    yield made
    made.close()


@pytest.fixture
def env(monkeypatch, tmp_path, keys):
    atk_peer.isolate_git(monkeypatch, tmp_path)
    monkeypatch.setenv("GNUPGHOME", keys.verify_home)
    return tmp_path


def commit(repo, keys, who, message, files=None):
    for path, text in (files or {"file.txt": message}).items():
        full = os.path.join(str(repo), path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    git(repo, "add", "-A")
    sign = keys.sign_args(who) if who else []
    git(repo, *(sign + ["commit", "-q", "-m", message]), env={"GNUPGHOME": keys.signer_home})
    return git(repo, "rev-parse", "HEAD").strip()


def content(root):
    """Every path under ``root`` with its kind, mode and content (git may touch the times of objects it reads)."""
    return dict((path, entry[:3]) for path, entry in atk_peer.snapshot(root).items())


def local_git(repo):
    return lambda args: G.Git().run(args, cwd=str(repo), check=False)


@pytest.fixture
def repo(env, keys):
    path = env / "repo"
    git(env, "init", "-q", "-b", "main", str(path))
    shas = {}
    for who in (None, "allowed", "foreign", "alice", "mallory", "bob"):
        shas[who] = commit(path, keys, who, "by %s" % who)
    return path, shas


# -- the judgement, as a table ------------------------------------------------------------------

SSH_OK = ("G", "", "SHA256:abc", "", "release@example.org")
PGP_OK = ("G", "1E7D1F2943D3C07C", "F6B43CAAF46A0C95A53347391E7D1F2943D3C07C", "F6B43CAAF46A0C95A53347391E7D1F2943D3C07C", "Alice")


@pytest.mark.parametrize("kind, fields, policy, accepted", [
    (None, ("N", "", "", "", ""), {}, False),
    ("ssh", SSH_OK, {"ssh_allowed_signers": "/x"}, True),
    ("ssh", ("U", "", "SHA256:abc", "", ""), {"ssh_allowed_signers": "/x"}, False),
    ("ssh", ("U", "", "SHA256:abc", "", ""), {}, False),
    ("openpgp", PGP_OK, {}, True),                                                  # keyring mode
    ("openpgp", PGP_OK, {"gpg_allowlist": ["f6b4 3caa f46a 0c95 a533 4739 1e7d 1f29 43d3 c07c"]}, True),
    ("openpgp", PGP_OK, {"gpg_allowlist": ["0x" + "A" * 40]}, False),
    ("openpgp", PGP_OK, {"ssh_allowed_signers": "/x"}, False),                      # only SSH signatures count
    ("openpgp", ("U",) + PGP_OK[1:], {}, True),                                     # good, trust unknown: the keyring is the trust
    ("openpgp", ("E", "E098250A2316768D", "", "", ""), {}, False),                  # key not in the keyring
    ("openpgp", ("B",) + PGP_OK[1:], {}, False),
    ("openpgp", ("X",) + PGP_OK[1:], {}, False),
    ("openpgp", ("Y",) + PGP_OK[1:], {}, False),
    ("openpgp", ("R",) + PGP_OK[1:], {}, False),
    ("x509", ("G", "", "", "", ""), {}, False),
])
def test_which_signatures_count(kind, fields, policy, accepted):
    record, reason = S.judge(S.Policy(True, **policy), kind, fields)
    assert (reason is None) is accepted, reason
    if accepted:
        assert record["format"] == kind


def test_signature_kind_from_the_raw_commit():
    assert S.signature_kind("tree x\nauthor a\n\nmessage\ngpgsig -----BEGIN SSH SIGNATURE-----\n") is None
    assert S.signature_kind("tree x\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n\nm\n") == "ssh"
    assert S.signature_kind("tree x\ngpgsig -----BEGIN PGP SIGNATURE-----\n abc\n\nm\n") == "openpgp"
    assert S.signature_kind("tree x\ngpgsig-sha256 -----BEGIN PGP SIGNATURE-----\n\nm\n") == "openpgp"


def test_allow_lists_without_verify_commit_warn():
    assert S.Policy(False, ["ABCD"]).warnings
    assert not S.Policy(False).warnings and not S.Policy(True, ["ABCD"]).warnings


def test_a_missing_allowed_signers_file_is_a_clear_error(tmp_path):
    with pytest.raises(AtkError, match="ssh_allowed_signers .*: .* is not a readable file"):
        S.Policy.from_params({"verify_commit": True, "ssh_allowed_signers": str(tmp_path / "nope")})
    S.Policy.from_params({"verify_commit": False, "ssh_allowed_signers": str(tmp_path / "nope")})


# -- real signatures ----------------------------------------------------------------------------

def test_ssh_signatures(repo, keys):
    path, shas = repo
    policy = S.Policy(True, ssh_allowed_signers=keys.allowed_signers)
    record = S.verify(policy, local_git(path), shas["allowed"], "the test repository")
    assert record["format"] == "ssh" and record["signer"] == "release@example.org" and record["key"].startswith("SHA256:")
    with pytest.raises(AtkError) as unsigned:
        S.verify(policy, local_git(path), shas[None], "the test repository")
    assert "Refusing commit %s of the test repository: it is not signed" % shas[None] in unsigned.value.msg
    with pytest.raises(AtkError) as foreign:
        S.verify(policy, local_git(path), shas["foreign"], "the test repository")
    assert "signed by SSH key SHA256:" in foreign.value.msg and "does not list" in foreign.value.msg
    assert foreign.value.details["commit"] == shas["foreign"]
    with pytest.raises(AtkError, match="only SSH signatures are allowed"):
        S.verify(policy, local_git(path), shas["alice"], "the test repository")
    assert [r["commit"] for r in policy.verified] == [shas["allowed"]]


def test_openpgp_signatures(repo, keys):
    path, shas = repo
    allow = S.Policy(True, gpg_allowlist=[keys.fpr["alice"]])
    assert S.verify(allow, local_git(path), shas["alice"], "r")["key"] == keys.fpr["alice"]
    with pytest.raises(AtkError, match="signed by OpenPGP key %s \\(bob <bob@example.org>\\), which gpg_allowlist does not list"
                       % keys.fpr["bob"]):
        S.verify(allow, local_git(path), shas["bob"], "r")
    with pytest.raises(AtkError, match="not in the OpenPGP keyring"):
        S.verify(allow, local_git(path), shas["mallory"], "r")
    with pytest.raises(AtkError, match="not signed"):
        S.verify(allow, local_git(path), shas[None], "r")
    with pytest.raises(AtkError, match="no ssh_allowed_signers file"):
        S.verify(allow, local_git(path), shas["allowed"], "r")
    keyring = S.Policy(True)   # no allow-list: every key of the keyring
    assert S.verify(keyring, local_git(path), shas["bob"], "r")["signer"] == "bob <bob@example.org>"
    both = S.Policy(True, gpg_allowlist=[keys.fpr["bob"]], ssh_allowed_signers=keys.allowed_signers)
    assert S.verify(both, local_git(path), shas["bob"], "r")["format"] == "openpgp"
    assert S.verify(both, local_git(path), shas["allowed"], "r")["format"] == "ssh"


def test_accepted_commits_are_remembered_per_policy(repo, keys, tmp_path):
    path, shas = repo
    memory = str(tmp_path / "memory")
    calls = []

    def counting(args):
        calls.append(args)
        return local_git(path)(args)

    first = S.verify(S.Policy(True, ssh_allowed_signers=keys.allowed_signers), counting, shas["allowed"], "r", memory)
    assert first["remembered"] is False and calls
    del calls[:]
    again = S.verify(S.Policy(True, ssh_allowed_signers=keys.allowed_signers), counting, shas["allowed"], "r", memory)
    assert again["remembered"] is True and not calls, "a remembered commit is not checked again"
    for dummy in range(2):   # a refusal is never remembered
        with pytest.raises(AtkError):
            S.verify(S.Policy(True, ssh_allowed_signers=keys.allowed_signers), counting, shas["foreign"], "r", memory)
    # Another allow-list is another policy: checked again, and refused when the key is no longer allowed.
    other = tmp_path / "other_signers"
    other.write_text("someone@example.org %s" % open(os.path.join(keys.root, "foreign.pub")).read())
    with pytest.raises(AtkError, match="does not list"):
        S.verify(S.Policy(True, ssh_allowed_signers=str(other)), counting, shas["allowed"], "r", memory)


def test_the_source_cache_refuses_before_staging(repo, keys, tmp_path):
    path, shas = repo
    plugin = {".atk/plugin.yaml": "schema_version: '2026-01-23'\nname: signed\ndescription: d\n"}
    unsigned = commit(path, keys, None, "plugin, unsigned", plugin)
    signed = commit(path, keys, "allowed", "plugin, signed", {".atk/README.md": "signed\n"})
    source = GS.GitSource("file://" + str(path), cache_root=str(tmp_path / "cache"))
    source.policy = S.Policy(True, ssh_allowed_signers=keys.allowed_signers)
    with pytest.raises(AtkError, match="Refusing commit %s" % unsigned):
        source.stage(unsigned, str(tmp_path / "stage-1"))
    assert not (tmp_path / "stage-1").exists()
    assert source.stage(signed, str(tmp_path / "stage-2")) == str(tmp_path / "stage-2")
    assert (tmp_path / "stage-2" / "README.md").read_text() == "signed\n"
    assert os.listdir(str(tmp_path / "cache" / "git" / source.key / "verified" / source.policy.key())) == [signed]


def test_a_home_clone_checks_out_nothing_it_refuses(env, keys):
    upstream = env / "upstream"
    H.init_home(str(upstream), G.Git())
    policy = S.Policy(True, ssh_allowed_signers=keys.allowed_signers)
    home = env / "home"
    for check_mode in (True, False):
        with pytest.raises(AtkError, match="Refusing commit .* of the home repository .*: it is not signed"):
            HR.converge_home(str(home), G.Git(), repo=str(upstream), policy=policy, check_mode=check_mode)
    assert not home.exists() and not [n for n in os.listdir(str(env)) if n.startswith(".atk-core-tmp")]
    commit(upstream, keys, "allowed", "signed tip", {"custom-note.txt": "x\n"})
    actions, dummy = HR.converge_home(str(home), G.Git(), repo=str(upstream), policy=policy)
    assert [a["action"] for a in actions][:1] == ["clone"]
    assert (home / "custom-note.txt").is_file() and policy.verified[-1]["signer"] == "release@example.org"


def test_an_update_takes_only_a_signed_upstream(env, keys):
    upstream = env / "upstream"
    H.init_home(str(upstream), G.Git())
    commit(upstream, keys, "allowed", "signed start", {"a.txt": "1\n"})
    home = env / "home"
    policy = S.Policy(True, ssh_allowed_signers=keys.allowed_signers)
    HR.converge_home(str(home), G.Git(), repo=str(upstream), policy=policy)
    before = content(home)
    commit(upstream, keys, "foreign", "foreign change", {"a.txt": "2\n"})
    for check_mode in (True, False):
        with pytest.raises(AtkError, match="Refusing commit .*: it is signed by SSH key SHA256:.*does not list"):
            HR.converge_home(str(home), G.Git(), update=True, check_mode=check_mode, policy=S.Policy(
                True, ssh_allowed_signers=keys.allowed_signers))
        assert content(home) == before
    commit(upstream, keys, "allowed", "signed again", {"a.txt": "3\n"})
    actions, dummy = HR.converge_home(str(home), G.Git(), update=True, policy=policy)
    assert [a["action"] for a in actions] == ["update"] and (home / "a.txt").read_text() == "3\n"
