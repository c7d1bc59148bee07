# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the robustness suites (crash, concurrency, hostile input, secrets, network)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from harness.paths import REPO_ROOT, atk_bin

HERE = Path(__file__).resolve().parent
CRASH_CHILD = HERE / 'crash_child.py'
STATUS_SERVER = HERE / 'atk_status_server.py'
TEMP_PREFIX = '.atk-core-tmp-'
LONG = os.environ.get('ATK_CORE_LONG', '') not in ('', '0')


def shared_once(tmp_path_factory, name, compute):
    """``compute()`` once per pytest run, even when pytest-xdist splits a suite's tests over workers.

    The first worker computes (holding a lock) and leaves the JSON result where the others find it;
    without xdist this is just ``compute()``. Figures are counted by the computing worker only.
    """
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        return compute()
    import fcntl  # pylint: disable=import-outside-toplevel
    root = tmp_path_factory.getbasetemp().parent
    path = root / ('atk-core-robustness-%s.json' % name)
    with open(root / ('atk-core-robustness-%s.lock' % name), 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text(encoding='utf-8'))
        result = compute()
        path.write_text(json.dumps(result), encoding='utf-8')
        return result


def module_utils(collection_path):
    """Import atk.core's module_utils from the collection layout (the code under test)."""
    path = str(collection_path)
    if path not in sys.path:
        sys.path.insert(0, path)
    # pylint: disable=import-outside-toplevel
    from ansible_collections.atk.core.plugins.module_utils import _envfile, _fs, _manifest, _spec

    class Mods:  # pylint: disable=too-few-public-methods
        envfile = _envfile
        fs = _fs
        manifest = _manifest
        spec = _spec
    return Mods


# ---------------------------------------------------------------------------------------------
# Snapshots


def snapshot(root, ignore=()):
    """relpath -> ('dir', mode) | ('file', mode, bytes) | ('link', target) for everything under ``root``.

    ``.git`` is included (refs, objects, config, atk-core state); ``ignore`` lists relative paths
    left out (for example ``.git/atk-core/lock``, which any run creates).
    """
    root = Path(root)
    out = {}
    if not os.path.lexists(root):
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = str(full.relative_to(root))
            if rel in ignore:
                continue
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel + '/'] = ('dir', stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ('file', stat.S_IMODE(st.st_mode), full.read_bytes())
            else:  # FIFO, socket, device: never opened (a FIFO would block)
                out[rel] = ('special', stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return out


def snapshot_diff(before, after, limit=20):
    """Readable differences between two snapshots (empty when equal)."""
    lines = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            lines.append('removed: %s' % key)
        elif key not in before:
            lines.append('added:   %s' % key)
        elif before[key] != after[key]:
            lines.append('changed: %s' % key)
    if len(lines) > limit:
        lines = lines[:limit] + ['... %d more' % (len(lines) - limit)]
    return lines


def plugin_tree(folder):
    """A plugin folder's full content (``.env``, ``custom/`` and ``.atk-ref`` included), or None."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return None
    return snapshot(folder)


def temp_leftovers(home):
    """atk.core temporaries (``.atk-core-tmp-*``) anywhere in the home's working tree (not .git)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(home):
        if os.path.abspath(dirpath) == os.path.abspath(home) and '.git' in dirnames:
            dirnames.remove('.git')
        for name in dirnames + filenames:
            if name.startswith(TEMP_PREFIX):
                found.append(os.path.relpath(os.path.join(dirpath, name), home))
    return sorted(found)


def copy_tree(src, dst):
    """Copy a folder with modes, mtimes and symlinks kept (homes, caches, marker dirs)."""
    if os.path.lexists(dst):
        shutil.rmtree(dst)
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True)
    else:
        os.makedirs(dst)


# ---------------------------------------------------------------------------------------------
# git in a home


def home_git(env, home, *args, check=True):
    """git in ``home`` with the isolated environment; returns stdout."""
    proc = subprocess.run(['git'] + list(args), cwd=str(home), env=env.environ(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if check and proc.returncode != 0:
        raise AssertionError('git %s in %s failed: %s' % (' '.join(args), home, proc.stderr))
    return proc.stdout


def head_manifest(env, home):
    """manifest.yaml as committed at HEAD (parsed)."""
    return yaml.safe_load(home_git(env, home, 'show', 'HEAD:manifest.yaml'))


def subjects(env, home, since=None):
    """Commit subjects, oldest first (after ``since`` when given)."""
    rev = 'HEAD' if since is None else '%s..HEAD' % since
    out = home_git(env, home, 'log', '--reverse', '--format=%s', rev)
    return [line for line in out.splitlines() if line]


def history_is_linear(env, home):
    """No commit with more than one parent."""
    out = home_git(env, home, 'rev-list', '--min-parents=2', 'HEAD')
    return out.strip() == ''


# ---------------------------------------------------------------------------------------------
# The converge in a child process (crash tests)


class ChildConverge:
    """The converge in a forked child (``crash_child.py --serve``), optionally killed at a named point.

    One fork server per instance (atk.core imported once); not thread-safe: use one per worker.
    """

    _ids = iter(range(1, 1 << 30))

    def __init__(self, collection_path, env, workdir):
        self.collection_path = str(collection_path)
        self.env = env
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, str(CRASH_CHILD), '--serve', self.collection_path], env=env.environ(),
                                     cwd=str(env.work), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, converge, kill=None, extra_env=None):
        """-> (killed, info): ``info['outcome']`` is the child's JSON (None when killed), ``info['log']`` its kill note."""
        tag = '%05d' % next(self._ids)
        result_path = self.workdir / ('child-%s.result.json' % tag)
        log_path = self.workdir / ('child-%s.log' % tag)
        output_path = self.workdir / ('child-%s.out' % tag)
        environ = {k: v for k, v in (extra_env or {}).items() if v is not None}
        cfg = {'collections_path': self.collection_path, 'converge': converge, 'kill': kill, 'environ': environ,
               'result': str(result_path), 'log': str(log_path), 'output': str(output_path)}
        self.proc.stdin.write(json.dumps(cfg) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError('the converge fork server died')
        rc = json.loads(line)['rc']
        killed = rc == -signal.SIGKILL
        log = log_path.read_text(encoding='utf-8') if log_path.exists() else ''
        output = output_path.read_text(encoding='utf-8', errors='replace') if output_path.exists() else ''
        outcome = json.loads(result_path.read_text(encoding='utf-8')) if result_path.exists() else None
        if not killed and outcome is None:
            raise AssertionError('child converge died (rc %s) without a result:\n%s' % (rc, output))
        return killed, {'outcome': outcome, 'log': log, 'output': output, 'rc': rc}

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


# ---------------------------------------------------------------------------------------------
# The real `atk status`, many times in one process


class AtkStatus:
    """Client of ``atk_status_server.py`` running under the atk peer's own Python."""

    def __init__(self, env):
        python = atk_bin().parent / 'python'
        self.proc = subprocess.Popen([str(python), str(STATUS_SERVER)], env=env.environ(), cwd=str(env.work),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    def status(self, home):
        """-> (rc, output) of ``atk status`` with ATK_HOME=home."""
        with self.lock:
            self.proc.stdin.write(json.dumps({'home': str(home), 'args': ['status']}) + '\n')
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise AssertionError('atk status server died: %s' % self.proc.stderr.read())
        answer = json.loads(line)
        return answer['rc'], answer['output']

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------------------------
# ansible-playbook started in the background (kills at random times, parallel runs)


def start_playbook(ansible, playbook, extra_args=(), env=None):
    """Start ``ansible-playbook`` like ``AnsibleRunner.run`` does, but return the Popen (own session).

    Returns ``(proc, argv, run_dir)``; stdout/stderr go to files in ``run_dir``.
    """
    run_dir = ansible.workdir / ('bg-%d-%d' % (os.getpid(), time.monotonic_ns()))
    run_dir.mkdir(parents=True)
    playbook_path = run_dir / 'playbook.yml'
    text = playbook if isinstance(playbook, str) else yaml.safe_dump(list(playbook), sort_keys=False)
    playbook_path.write_text(text, encoding='utf-8')
    inventory_path = run_dir / 'inventory.ini'
    inventory_path.write_text(ansible.default_inventory(), encoding='utf-8')
    argv = [str(ansible.playbook_bin), '-i', str(inventory_path)] + list(extra_args) + [str(playbook_path)]
    out = open(run_dir / 'stdout', 'w')  # pylint: disable=consider-using-with
    err = open(run_dir / 'stderr', 'w')  # pylint: disable=consider-using-with
    proc = subprocess.Popen(argv, cwd=str(run_dir), env=ansible.environ(env), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                            start_new_session=True)
    out.close()
    err.close()
    return proc, argv, run_dir


def finish_playbook(proc, run_dir, timeout=300):
    """Wait for a background playbook; -> (rc, stdout, stderr, data)."""
    # pylint: disable=import-outside-toplevel
    from harness import parse_output
    rc = proc.wait(timeout=timeout)
    stdout = (run_dir / 'stdout').read_text(encoding='utf-8', errors='replace')
    stderr = (run_dir / 'stderr').read_text(encoding='utf-8', errors='replace')
    return rc, stdout, stderr, parse_output(stdout)


def _children():
    """{ppid: [pid, ...]} of every process on the host."""
    tree = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid):
    tree = _children()
    found, todo = [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(proc):
    """SIGKILL a background process and every descendant, even those in other sessions.

    Ansible's workers call setsid(), so a process-group kill of ansible-playbook leaves the
    module running; a crash (OOM killer, power loss, container stop) takes all of them. The tree
    is frozen with SIGSTOP first (until no new process appears), then killed.
    """
    frozen = set()
    for _round in range(50):
        pids = [proc.pid] + descendants(proc.pid)
        new = [pid for pid in pids if pid not in frozen]
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            frozen.add(pid)
    for pid in frozen:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    # Reap nothing else: the orphans are re-parented to init, which reaps them.
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists('/proc/%d' % pid) and _state(pid) not in ('Z', 'X') for pid in frozen):
        time.sleep(0.01)


def _state(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return 'X'


class ArgvSampler:
    """Samples ``/proc/*/cmdline`` (and ``/proc/*/environ`` is deliberately NOT read) every few ms.

    Collects the argv of every process seen while running, so a secret passed on a command
    line, even for a few milliseconds, is caught.
    """

    def __init__(self, interval=0.002):
        self.interval = interval
        self.seen = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        me = os.getpid()
        while not self._stop.is_set():
            for entry in os.listdir('/proc'):
                if not entry.isdigit() or int(entry) == me:
                    continue
                try:
                    with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                        data = handle.read()
                except OSError:
                    continue
                if data:
                    self.seen[(entry, data)] = True
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def argvs(self):
        return [data.split(b'\0') for (_pid, data) in self.seen]


def repo_root():
    return REPO_ROOT
