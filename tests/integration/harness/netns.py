"""Several SSH hosts on one machine: one network namespace + veth pair + sshd per host.

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN), ``ip netns`` (iproute2), ``unshare`` (util-linux)
and ``/usr/sbin/sshd`` (openssh-server). Layout of host ``i`` (1-based within the fleet)::

    machine side  <veth>a  10.200.N.1/24   (the gateway: serve git daemons here)
    host side     <veth>b  10.200.N.2/24   inside netns ``atk-core-N``; sshd listens on :22

``N`` is a subnet index allocated under a lock (``/run/atk-core-fleet/``), so concurrent test
runs on one machine never collide; namespaces left behind by a dead run are removed when the
next run allocates. Each sshd runs in its own mount + UTS namespace with ``<root>/hI/root``
bind-mounted on ``/root`` and ``<root>/hI/run`` on ``/run`` and hostname ``hI``: every host
has its own home (``~/.atk``, ``~/.gitconfig``, ``~/.ansible``) while sharing ``/usr``.

``SshFleet.stop()`` kills everything the fleet started (sshd and its sessions in each
namespace, the controller's ControlPersist masters for ``control_path_dir``), deletes the
links and namespaces, and is safe to call twice or after a failed start.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Union

from .daemon import port_open

STATE_DIR = Path('/run/atk-core-fleet')
NS_PREFIX = 'atk-core-'
SUBNET = '10.200'
SSHD = '/usr/sbin/sshd'
SFTP_CANDIDATES = ('/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/libexec/sftp-server')


def _run(argv: Sequence[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False, **kw)
    if check and proc.returncode != 0:
        raise RuntimeError('%s failed (rc %d): %s%s' % (' '.join(argv), proc.returncode, proc.stdout, proc.stderr))
    return proc


def unavailable_reason() -> Optional[str]:
    """Why fleet tests cannot run here (None when they can): root and ``ip netns`` are needed."""
    if os.geteuid() != 0:
        return 'fleet tests need root (network namespaces, veth pairs, bind mounts); running as uid %d' % os.geteuid()
    if shutil.which('ip') is None:
        return '`ip` (iproute2) is not installed, so `ip netns` is unavailable'
    probe = _run(['ip', 'netns', 'list'], check=False)
    if probe.returncode != 0:
        return '`ip netns` is unavailable here: %s' % (probe.stderr.strip() or 'rc %d' % probe.returncode)
    return None


def missing_host_software() -> List[str]:
    """What the hosts need and the machine lacks (tests/utils/ensure-system-deps.sh installs it as root)."""
    missing = [] if os.path.exists(SSHD) else ['openssh-server']
    probe = subprocess.run(['/usr/bin/python3', '-c', 'import yaml, jsonschema'], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False) if os.path.exists('/usr/bin/python3') else None
    if probe is None or probe.returncode != 0:
        missing += ['python3-yaml', 'python3-jsonschema']
    return missing


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_pids(pids: Sequence[int], timeout: float = 3.0) -> None:
    pids = [p for p in pids if p != os.getpid()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in pids if _pid_alive(p) and not _is_zombie(p)]
            if not pids:
                return
            time.sleep(0.02)


def _is_zombie(pid: int) -> bool:
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except (OSError, IndexError):
        return True


def _netns_pids(namespace: str) -> List[int]:
    proc = _run(['ip', 'netns', 'pids', namespace], check=False)
    return [int(p) for p in proc.stdout.split() if p.isdigit()]


def _teardown_index(index: int) -> None:
    """Kill what runs in namespace ``atk-core-<index>``, delete its veth and the namespace."""
    namespace = '%s%d' % (NS_PREFIX, index)
    if Path('/run/netns', namespace).exists():
        _kill_pids(_netns_pids(namespace))
        _run(['ip', 'netns', 'del', namespace], check=False)
    _run(['ip', 'link', 'del', 'atkv%da' % index], check=False)
    try:
        (STATE_DIR / str(index)).unlink()
    except FileNotFoundError:
        pass


def _used_indexes() -> set:
    used = set()
    addrs = _run(['ip', '-o', '-4', 'addr', 'show'], check=False).stdout
    for token in addrs.split():
        if token.startswith(SUBNET + '.'):
            parts = token.split('/')[0].split('.')
            if len(parts) == 4 and parts[2].isdigit():
                used.add(int(parts[2]))
    for name in _run(['ip', 'netns', 'list'], check=False).stdout.split():
        if name.startswith(NS_PREFIX) and name[len(NS_PREFIX):].isdigit():
            used.add(int(name[len(NS_PREFIX):]))
    links = _run(['ip', '-o', 'link', 'show'], check=False).stdout
    for line in links.splitlines():
        parts = line.split(':')
        if len(parts) > 1:
            name = parts[1].strip().split('@')[0]
            if name.startswith('atkv') and name[4:-1].isdigit():
                used.add(int(name[4:-1]))
    return used


def _reap_stale() -> None:
    """Tear down subnets whose owning test process is gone (a run killed before its teardown)."""
    if not STATE_DIR.is_dir():
        return
    for entry in STATE_DIR.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            owner = int(entry.read_text(encoding='utf-8').strip() or 0)
        except (OSError, ValueError):
            owner = 0
        if owner and _pid_alive(owner):
            continue
        _teardown_index(int(entry.name))


class SshHost:
    """One host of a :class:`SshFleet` (attributes are set when the fleet starts)."""

    def __init__(self, fleet: 'SshFleet', number: int, index: int):
        self.fleet = fleet
        self.number = number
        self.index = index
        self.name = 'h%d' % number
        self.namespace = '%s%d' % (NS_PREFIX, index)
        self.veth_machine = 'atkv%da' % index
        self.veth_host = 'atkv%db' % index
        self.gateway = '%s.%d.1' % (SUBNET, index)
        self.address = '%s.%d.2' % (SUBNET, index)
        self.dir = fleet.root / self.name
        self.root_home = self.dir / 'root'     # /root inside the host
        self.run_dir = self.dir / 'run'        # /run inside the host
        self.etc = self.dir / 'etc'            # sshd config and host key (outside the bind mounts)
        self.log_path = self.dir / 'sshd.log'
        self.proc: Optional[subprocess.Popen] = None

    # -- paths as the host sees them, translated to the machine's view -------------------------

    def path(self, inside: Union[str, Path]) -> Path:
        """The machine's path for ``inside`` (an absolute path under /root as seen on the host)."""
        inside = Path(inside)
        if inside == Path('/root') or Path('/root') in inside.parents:
            return self.root_home / inside.relative_to('/root')
        raise ValueError('only paths under /root are private to a host: %s' % inside)

    @property
    def atk_home(self) -> Path:
        """``~/.atk`` of the host (machine path)."""
        return self.root_home / '.atk'

    @property
    def gitconfig(self) -> Path:
        """``~/.gitconfig`` of the host (machine path; the host's global git config)."""
        return self.root_home / '.gitconfig'

    def git_config(self, key: str, value: str, add: bool = False) -> None:
        """Set a key in the host's own ``~/.gitconfig``."""
        argv = ['git', 'config', '--file', str(self.gitconfig)] + (['--add'] if add else []) + [key, value]
        _run(argv, env={'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'GIT_CONFIG_NOSYSTEM': '1'})

    # -- running things on the host ------------------------------------------------------------

    def environ(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """A login-like environment of the host's root user, with machine paths for HOME."""
        env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8',
               'HOME': str(self.root_home), 'USER': 'root', 'LOGNAME': 'root', 'NO_COLOR': '1', 'TERM': 'dumb',
               'COLUMNS': '200'}
        env.update(extra or {})
        return env

    def run(self, argv: Sequence[str], env: Optional[Mapping[str, str]] = None, input: Optional[str] = None,  # pylint: disable=redefined-builtin
            timeout: float = 120, cwd: Union[str, Path, None] = None) -> subprocess.CompletedProcess:
        """Run ``argv`` inside the host's network namespace with HOME = the host's home (machine path).

        The mount namespace is not entered, so binaries that live under the machine's /root
        (virtualenvs, pyenv) still work; HOME, and so ``~/.atk`` and ``~/.gitconfig``, is the host's.
        """
        return subprocess.run(['ip', 'netns', 'exec', self.namespace] + [str(a) for a in argv], env=self.environ(env),
                              input=input if input is not None else '', text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, cwd=str(cwd or self.root_home), check=False)

    def ssh(self, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a shell command on the host over SSH as root (what Ansible sees)."""
        argv = ['ssh'] + self.fleet.ssh_options() + ['root@%s' % self.address, command]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, check=False, env={'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
                                                                 'HOME': str(self.fleet.root)})

    # -- setup / teardown ----------------------------------------------------------------------

    def _write_sshd_config(self) -> Path:
        sftp = next((p for p in SFTP_CANDIDATES if os.path.exists(p)), None)
        lines = [
            'ListenAddress %s' % self.address,
            'Port 22',
            'HostKey %s' % (self.etc / 'ssh_host_ed25519_key'),
            'PidFile /run/sshd.pid',
            'PermitRootLogin prohibit-password',
            'PubkeyAuthentication yes',
            'AuthorizedKeysFile /root/.ssh/authorized_keys',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'StrictModes no',
            'PrintMotd no',
            'PermitUserEnvironment no',
            'MaxStartups 100',
            'MaxSessions 100',
            'LogLevel ERROR',
        ]
        if sftp:
            lines.append('Subsystem sftp %s' % sftp)
        path = self.etc / 'sshd_config'
        path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
        return path

    def create(self, public_key: str) -> None:
        """Namespace, veth pair, addresses, per-host dirs and keys (no process yet)."""
        for folder in (self.root_home / '.ssh', self.run_dir, self.etc):
            folder.mkdir(parents=True, exist_ok=True)
        self.root_home.chmod(0o700)
        (self.root_home / '.ssh').chmod(0o700)
        keys = self.root_home / '.ssh' / 'authorized_keys'
        keys.write_text(public_key, encoding='utf-8')
        keys.chmod(0o600)
        _run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', self.name, '-f', str(self.etc / 'ssh_host_ed25519_key')])
        _run(['ip', 'netns', 'add', self.namespace])
        _run(['ip', 'link', 'add', self.veth_machine, 'type', 'veth', 'peer', 'name', self.veth_host])
        _run(['ip', 'link', 'set', self.veth_host, 'netns', self.namespace])
        _run(['ip', 'addr', 'add', '%s/24' % self.gateway, 'dev', self.veth_machine])
        _run(['ip', 'link', 'set', self.veth_machine, 'up'])
        inside = ['ip', 'netns', 'exec', self.namespace]
        _run(inside + ['ip', 'addr', 'add', '%s/24' % self.address, 'dev', self.veth_host])
        _run(inside + ['ip', 'link', 'set', self.veth_host, 'up'])
        _run(inside + ['ip', 'link', 'set', 'lo', 'up'])

    def start_sshd(self) -> None:
        """Start sshd in the namespace with its own /root, /run and hostname (does not wait)."""
        config = self._write_sshd_config()
        script = ('mount --bind "$1" /root && mount --bind "$2" /run && mkdir -p /run/sshd && chmod 0755 /run/sshd '
                  '&& hostname "$3" && exec "$4" -D -e -f "$5"')
        argv = ['ip', 'netns', 'exec', self.namespace, 'unshare', '-m', '-u', '--propagation', 'private', 'sh', '-c', script,
                'sh', str(self.root_home), str(self.run_dir), self.name, SSHD, str(config)]
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,  # pylint: disable=consider-using-with
                                         start_new_session=True, env={'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'})

    def wait_ready(self, deadline: float) -> None:
        """Wait until sshd accepts connections on the host's address."""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if port_open(self.address, 22, timeout=0.2):
                return
            time.sleep(0.02)
        log = self.log_path.read_text(encoding='utf-8', errors='replace') if self.log_path.exists() else ''
        raise RuntimeError('sshd of %s (%s) did not start:\n%s' % (self.name, self.address, log[-2000:]))

    def destroy(self) -> None:
        """Kill everything in the namespace (sshd, sessions, stray children); delete veth and namespace."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        _teardown_index(self.index)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
            self.proc = None

    def __repr__(self) -> str:
        return '<SshHost %s %s ns=%s>' % (self.name, self.address, self.namespace)


class SshFleet:
    """``count`` SSH hosts (``h1``..``hN``) under ``root``; use as a context manager or start()/stop().

    ``control_path_dir`` is the folder for the controller's SSH ControlPersist sockets: pass it to
    ansible-playbook as ANSIBLE_SSH_CONTROL_PATH_DIR (see :meth:`ansible_env`). It must be short
    (a Unix socket path holds at most 107 bytes, and pytest's tmp_path is long), so by default the
    fleet makes one under /tmp and deletes it in stop(). stop() kills the ssh masters that use the
    fleet's key (they would otherwise outlive the test by ControlPersist seconds).
    """

    def __init__(self, root: Union[str, Path], count: int = 3, control_path_dir: Union[str, Path, None] = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.count = count
        self._own_control_dir = control_path_dir is None
        self.control_path_dir = Path(control_path_dir) if control_path_dir else Path(tempfile.mkdtemp(prefix='atk-cp-', dir='/tmp'))
        self.hosts: List[SshHost] = []
        self.key = self.root / 'id_ed25519'
        self._started = False

    COMMON_OPTIONS = ('-F', '/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no',
                      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10')

    def ssh_options(self) -> List[str]:
        """Client options: the fleet key, and neither the user's ssh config nor known_hosts."""
        return list(self.COMMON_OPTIONS) + ['-o', 'BatchMode=yes', '-i', str(self.key)]

    @property
    def gateways(self) -> List[str]:
        """The machine-side addresses (listen here to be reachable from the hosts)."""
        return [h.gateway for h in self.hosts]

    def start(self, timeout: float = 20.0) -> 'SshFleet':
        """Create the hosts and start their sshd; on any failure everything made so far is torn down."""
        if self._started:
            return self
        self._started = True
        try:
            if not self.key.exists():
                _run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'atk-core-fleet', '-f', str(self.key)])
            public_key = (self.root / 'id_ed25519.pub').read_text(encoding='utf-8')
            STATE_DIR.mkdir(parents=True, exist_ok=True)
            with open(STATE_DIR / '.lock', 'w', encoding='utf-8') as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                _reap_stale()
                used = _used_indexes()
                free = [i for i in range(1, 255) if i not in used]
                if len(free) < self.count:
                    raise RuntimeError('no free %s.N.0/24 subnets left for %d hosts' % (SUBNET, self.count))
                for number, index in enumerate(free[:self.count], start=1):
                    (STATE_DIR / str(index)).write_text(str(os.getpid()), encoding='utf-8')
                    host = SshHost(self, number, index)
                    self.hosts.append(host)
                    host.create(public_key)
            for host in self.hosts:
                host.start_sshd()
            deadline = time.monotonic() + timeout
            for host in self.hosts:
                host.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Tear everything down (idempotent)."""
        self._kill_control_masters()
        for host in self.hosts:
            try:
                host.destroy()
            except Exception:  # pylint: disable=broad-except  # keep tearing the others down
                pass
        self.hosts = []
        self._started = False
        if self._own_control_dir:
            shutil.rmtree(self.control_path_dir, ignore_errors=True)

    def ansible_env(self) -> Dict[str, str]:
        """Environment additions for ansible-playbook runs against the fleet."""
        self.control_path_dir.mkdir(parents=True, exist_ok=True)
        return {'ANSIBLE_SSH_CONTROL_PATH_DIR': str(self.control_path_dir)}

    def _kill_control_masters(self) -> None:
        """Kill the controller's ssh processes whose command line names our key or control path dir."""
        needles = [str(self.key), str(self.control_path_dir)]
        pids = []
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                    cmdline = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')
            except OSError:
                continue
            if cmdline.startswith('ssh ') and any(n in cmdline for n in needles):
                pids.append(int(entry))
        _kill_pids(pids)

    def inventory(self, group: str = 'fleet', host_vars: Optional[Mapping[str, Mapping[str, str]]] = None) -> str:
        """INI inventory of the hosts (SSH as root with the fleet key, /usr/bin/python3, pipelining)."""
        lines = ['[%s]' % group]
        for host in self.hosts:
            extra = ''.join(' %s=%s' % (k, v) for k, v in (host_vars or {}).get(host.name, {}).items())
            lines.append('%s ansible_host=%s%s' % (host.name, host.address, extra))
        lines += ['', '[%s:vars]' % group, 'ansible_user=root', 'ansible_ssh_private_key_file=%s' % self.key,
                  "ansible_ssh_common_args='%s'" % ' '.join(self.COMMON_OPTIONS),
                  'ansible_python_interpreter=/usr/bin/python3', 'ansible_ssh_pipelining=true', '']
        return '\n'.join(lines)

    def __enter__(self) -> 'SshFleet':
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return '<SshFleet %s %s>' % (self.root, self.hosts)
