"""Signing keys made in the test, and signed commits (verified pins). No network, no user keyring.

``Signers(root)`` makes two SSH keys (``trusted``, listed in ``allowed_signers``, and ``foreign``)
with ``ssh-keygen``, and two OpenPGP keys (``release`` and ``stranger``) with ``gpg --batch`` in a
temporary GNUPGHOME of the signer; the verifier's keyring (``verify_gnupghome``, what the managed
host's user has) holds both public keys, so a ``stranger`` signature is good but not allow-listed.

- ``sign(repo, who, message)`` -> sha: a new (empty) commit on top of the repository's branch,
  signed by ``who`` (``trusted``, ``foreign``, ``release`` or ``stranger``); ``None`` makes it unsigned
- ``fingerprint[who]`` (OpenPGP), ``ssh_fingerprint(who)`` (``SHA256:...``), ``allowed_signers`` (path)
- ``close()`` stops the gpg-agents it started (the keyrings live under a short folder in /tmp,
  since agent sockets must fit in ``sun_path``) and removes them
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Union

from .gitrepo import GitRepo, git

SSH_KEYS = ('trusted', 'foreign')
GPG_KEYS = {'release': 'Release Manager <release@example.org>', 'stranger': 'Stranger <stranger@example.org>'}
PRINCIPAL = 'release@example.org'


def _run(argv, env=None):
    proc = subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError('%s failed (rc %d): %s' % (' '.join(map(str, argv)), proc.returncode, proc.stderr))
    return proc.stdout


class Signers:
    """Keys for signing commits in a test (see the module docstring)."""

    def __init__(self, root: Union[str, Path]):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for name in SSH_KEYS:
            _run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', self.root / name])
        self.allowed_signers = self.root / 'allowed_signers'
        self.allowed_signers.write_text('%s %s' % (PRINCIPAL, (self.root / 'trusted.pub').read_text()))
        self._short = Path(tempfile.mkdtemp(prefix='atksig-', dir='/tmp'))
        self.signer_gnupghome = self._short / 's'
        self.verify_gnupghome = self._short / 'v'
        for home in (self.signer_gnupghome, self.verify_gnupghome):
            home.mkdir(mode=0o700)
        self.fingerprint = {}
        for name, uid in GPG_KEYS.items():
            self._gpg(self.signer_gnupghome, '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never')
            listing = self._gpg(self.signer_gnupghome, '--with-colons', '--list-keys', uid)
            self.fingerprint[name] = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
            exported = self._short / ('%s.asc' % name)
            self._gpg(self.signer_gnupghome, '--armor', '--output', exported, '--export', self.fingerprint[name])
            self._gpg(self.verify_gnupghome, '--import', exported)

    def _gpg(self, home, *args):
        return _run(['gpg', '--batch', '--quiet', '--no-tty'] + list(args), env=dict(os.environ, GNUPGHOME=str(home)))

    def ssh_fingerprint(self, who: str) -> str:
        out = _run(['ssh-keygen', '-l', '-E', 'sha256', '-f', self.root / ('%s.pub' % who)])
        return out.split()[1]

    def sign_args(self, who: str):
        if who in SSH_KEYS:
            return ['-c', 'gpg.format=ssh', '-c', 'user.signingkey=%s' % (self.root / who)]
        return ['-c', 'gpg.format=openpgp', '-c', 'user.signingkey=%s' % self.fingerprint[who]]

    def sign(self, repo: Union[GitRepo, str, Path], who: Optional[str], message: Optional[str] = None) -> str:
        """A new empty commit on top of ``repo``'s branch (a GitRepo or a work tree's path), signed by
        ``who`` (None: unsigned); returns its sha."""
        path = repo.path if isinstance(repo, GitRepo) else Path(repo)
        args = ['commit', '-q', '--allow-empty', '--no-verify', '-m', message or 'release, signed by %s' % who]
        if who is None:
            args.insert(1, '--no-gpg-sign')
            git(*args, cwd=path)
        else:
            git(*(self.sign_args(who) + args[:1] + ['-S'] + args[1:]), cwd=path,
                env={'GNUPGHOME': str(self.signer_gnupghome)})
        return git('rev-parse', 'HEAD', cwd=path).stdout.strip()

    def close(self) -> None:
        for home in (self.signer_gnupghome, self.verify_gnupghome):
            subprocess.run(['gpgconf', '--kill', 'all'], env=dict(os.environ, GNUPGHOME=str(home)), capture_output=True,
                           check=False)
        shutil.rmtree(self._short, ignore_errors=True)
