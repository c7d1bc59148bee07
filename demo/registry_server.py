# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# MIT License (see LICENSE)
"""Serve a folder as the ATK registry on loopback, for the demo and the molecule scenario.

    python3 demo/registry_server.py start --state DIR [--registry demo/registry] [--listen 127.0.0.1]
    python3 demo/registry_server.py stop --state DIR

``start`` copies the registry folder into ``DIR/srv/atk-registry``, commits it (one commit,
fixed identity), serves ``DIR/srv`` with ``git daemon`` on a free port of the listen address,
and writes:

* ``DIR/gitconfig``: a global git config whose ``url.<local>.insteadOf`` sends atk's hard-coded
  registry URL (https://github.com/Svtoo/atk-registry) to the local daemon; use it with
  ``GIT_CONFIG_GLOBAL=DIR/gitconfig GIT_CONFIG_NOSYSTEM=1`` (never the user's ~/.gitconfig);
* ``DIR/registry.json``: ``{"url", "public_url", "port", "commit", "gitconfig", "pid"}``
  (also printed on stdout).

``stop`` kills the daemon recorded in ``DIR/git-daemon.pid`` (only if that process is a
``git daemon`` serving ``DIR``) and is a no-op when nothing runs. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

PUBLIC_URL = 'https://github.com/Svtoo/atk-registry'
REPO_NAME = 'atk-registry'
IDENTITY = {
    'GIT_AUTHOR_NAME': 'atk.core demo', 'GIT_AUTHOR_EMAIL': 'demo@atk-core.invalid',
    'GIT_COMMITTER_NAME': 'atk.core demo', 'GIT_COMMITTER_EMAIL': 'demo@atk-core.invalid',
    # A fixed date makes the demo registry's commit the same on every machine.
    'GIT_AUTHOR_DATE': '2026-01-01T00:00:00Z', 'GIT_COMMITTER_DATE': '2026-01-01T00:00:00Z',
}
SERVE_CONFIG = (('uploadpack.allowFilter', 'true'), ('uploadpack.allowAnySHA1InWant', 'true'),
                ('uploadpack.allowReachableSHA1InWant', 'true'))
DEFAULT_REGISTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'registry')


def git_env():
    """Environment for our own git calls: no user or system config, fixed identity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
    env.update(IDENTITY)
    env.update(GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT='0')
    return env


def git(*args, cwd=None):
    """Run git; raise with its output when it fails."""
    proc = subprocess.run(['git'] + list(args), cwd=cwd, env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit('git %s failed: %s%s' % (' '.join(args), proc.stdout, proc.stderr))
    return proc.stdout.strip()


def free_port(host):
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host, port):
    """True when something accepts connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def read_pid(state):
    """The daemon's pid from the pid file, or None."""
    try:
        with open(os.path.join(state, 'git-daemon.pid'), encoding='utf-8') as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def is_our_daemon(pid, state):
    """True when ``pid`` is a git daemon serving ``state``/srv (never kill anything else)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            argv = handle.read().decode('utf-8', 'replace').split('\0')
    except OSError:
        return False
    return any('daemon' in a for a in argv) and '--base-path=%s' % os.path.join(state, 'srv') in argv


def stop(state):
    """Stop the daemon started by :func:`start` for ``state``; no-op when none runs."""
    pid = read_pid(state)
    if pid is None or not is_our_daemon(pid, state):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and is_our_daemon(pid, state):
        time.sleep(0.02)
    if is_our_daemon(pid, state):
        os.kill(pid, signal.SIGKILL)
    os.unlink(os.path.join(state, 'git-daemon.pid'))
    return True


def build_repo(registry, state):
    """Copy ``registry`` into a fresh served repository with one commit; return the commit."""
    repo = os.path.join(state, 'srv', REPO_NAME)
    if os.path.exists(repo):
        shutil.rmtree(repo)
    shutil.copytree(registry, repo, ignore=shutil.ignore_patterns('.git', '__pycache__', '*.pyc'))
    git('init', '-q', '-b', 'main', repo)
    for key, value in SERVE_CONFIG:
        git('config', key, value, cwd=repo)
    git('add', '-A', cwd=repo)
    git('commit', '-q', '-m', 'Demo registry snapshot', cwd=repo)
    return git('rev-parse', 'HEAD', cwd=repo)


def start(registry, state, listen):
    """Build the repository, start the daemon, write gitconfig and registry.json; return the info."""
    state = os.path.abspath(state)
    os.makedirs(state, exist_ok=True)
    stop(state)
    commit = build_repo(os.path.abspath(registry), state)
    daemon_config = os.path.join(state, 'git-daemon.gitconfig')
    with open(daemon_config, 'w', encoding='utf-8') as handle:
        handle.write('[uploadpack]\n' + ''.join('\t%s = %s\n' % (k.split('.', 1)[1], v) for k, v in SERVE_CONFIG))
    env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
    env.update(GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL=daemon_config)
    pid_file = os.path.join(state, 'git-daemon.pid')
    for _attempt in range(5):
        port = free_port(listen)
        argv = ['git', 'daemon', '--export-all', '--enable=upload-pack', '--reuseaddr', '--informative-errors',
                '--base-path=%s' % os.path.join(state, 'srv'), '--listen=%s' % listen, '--port=%d' % port,
                '--detach', '--pid-file=%s' % pid_file]
        with open(os.path.join(state, 'git-daemon.log'), 'ab') as log:
            subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not port_open(listen, port):
            time.sleep(0.02)
        if port_open(listen, port):
            break
        stop(state)
    else:
        raise SystemExit('git daemon did not start on %s (see %s/git-daemon.log)' % (listen, state))
    url = 'git://%s:%d/%s' % (listen, port, REPO_NAME)
    gitconfig = os.path.join(state, 'gitconfig')
    with open(gitconfig, 'w', encoding='utf-8') as handle:
        handle.write('[url "%s"]\n\tinsteadOf = %s\n' % (url, PUBLIC_URL))
    info = {'url': url, 'public_url': PUBLIC_URL, 'port': port, 'commit': commit, 'gitconfig': gitconfig,
            'pid': read_pid(state)}
    with open(os.path.join(state, 'registry.json'), 'w', encoding='utf-8') as handle:
        json.dump(info, handle, indent=2)
        handle.write('\n')
    return info


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('command', choices=['start', 'stop'])
    parser.add_argument('--state', required=True, help='working folder (repository, pid file, gitconfig)')
    parser.add_argument('--registry', default=DEFAULT_REGISTRY, help='registry folder to serve (default: demo/registry)')
    parser.add_argument('--listen', default='127.0.0.1', help='address to listen on (default: 127.0.0.1)')
    args = parser.parse_args(argv)
    if args.command == 'start':
        print(json.dumps(start(args.registry, args.state, args.listen)))
    else:
        print(json.dumps({'stopped': stop(os.path.abspath(args.state))}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
