"""atk.core.atk_service through real ansible-playbook: real background services, real ports, atk's semantics.

* Script plugins whose start/stop/status scripts manage a real ``python -m http.server`` on a
  free loopback port (pid file outside the plugin folder). The start script does not redirect
  the server's output, so the server inherits the command's stdout: the module must neither
  hang on it nor kill it.
* docker-compose plugins from the registry snapshot, with a recording stand-in ``docker``
  first on PATH: the exact compose argv is asserted, with and without
  ``custom/docker-compose.override.yml``.
Homes are built with the real atk (the peer), so the module acts on homes atk made.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from harness import fixture_plugins, free_port, port_open

PY = sys.executable


# -- a real web service as a local plugin ---------------------------------------------------

def make_web_plugin(root: Path, name: str, port: int, required_env: bool = True) -> Path:
    """A local plugin folder whose lifecycle runs a real http.server on ``port``.

    State (pid, calls) lives in ``root/state-<slug>``, outside the plugin folder.
    """
    slug = name.lower().replace(' ', '-')
    folder = root / ('src-' + slug)
    state = root / ('state-' + slug)
    (state / 'www').mkdir(parents=True)
    (state / 'www' / 'index.html').write_text('<p>%s</p>\n' % name)
    folder.mkdir(parents=True)
    spec = {
        'schema_version': '2026-01-23',
        'name': name,
        'description': 'A real web server for atk_service tests.',
        'maturity': 'verified',
        'ports': [{'port': port, 'name': 'http', 'protocol': 'http', 'description': 'demo web server'}],
        'env_vars': [{'name': 'WEB_PORT', 'required': required_env, 'description': 'port to listen on'},
                     {'name': 'WEB_TOKEN', 'required': False, 'secret': True}],
        'lifecycle': {
            'start': './start.sh',
            'stop': './stop.sh',
            'status': './status.sh',
            'health_endpoint': 'http://127.0.0.1:%d/' % port,
        },
    }
    (folder / 'plugin.yaml').write_text(yaml.safe_dump(spec, sort_keys=False))
    scripts = {
        'start.sh': '''#!/bin/sh
set -e
echo "start port=${WEB_PORT-unset} token=${WEB_TOKEN-unset} cwd=$(pwd)" >> "%(state)s/calls"
[ -n "${WEB_PORT:-}" ] || { echo "WEB_PORT is not set" >&2; exit 4; }
# no output redirection on purpose: the server inherits the command's stdout/stderr
"%(py)s" -m http.server "$WEB_PORT" --bind 127.0.0.1 --directory "%(state)s/www" &
echo $! > "%(state)s/pid"
echo "started pid $!"
''',
        'stop.sh': '''#!/bin/sh
echo "stop cwd=$(pwd)" >> "%(state)s/calls"
[ -f "%(state)s/pid" ] || exit 0
kill "$(cat "%(state)s/pid")" 2>/dev/null
rm -f "%(state)s/pid"
''',
        'status.sh': '''#!/bin/sh
echo "status port=${WEB_PORT-unset}" >> "%(state)s/calls"
[ -f "%(state)s/pid" ] || exit 1
pid=$(cat "%(state)s/pid")
[ -r "/proc/$pid/stat" ] || exit 1
# a zombie (killed, not reaped yet) is not running
state=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
[ "$state" != Z ] && [ "$state" != X ]
''',
    }
    for script, text in scripts.items():
        (folder / script).write_text(text % {'state': state, 'py': PY})
        (folder / script).chmod(0o755)
    return folder


def calls(root: Path, name: str):
    path = root / ('state-' + name.lower().replace(' ', '-')) / 'calls'
    return path.read_text().splitlines() if path.exists() else []


def eventually(predicate, timeout: float = 10) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed; -> its last answer.

    For effects of other processes (a server's log line, a port closing): no fixed sleep.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(0.02)
    return True


def wait_port(port: int, up: bool, timeout: float = 10) -> bool:
    return eventually(lambda: port_open('127.0.0.1', port) == up, timeout)


def kill_service(root: Path, name: str):
    pid_file = root / ('state-' + name.lower().replace(' ', '-')) / 'pid'
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), 15)
        except (OSError, ValueError):
            pass


def svc(args, name='svc'):
    return {'name': name, 'atk.core.atk_service': dict(args)}


@pytest.fixture
def web(atk_peer, tmp_path):
    """A home (made by atk) with one real web-service plugin; its WEB_PORT is in .env."""
    port = free_port()
    atk_peer.init()
    src = make_web_plugin(tmp_path, 'Web Demo', port)
    atk_peer.add(str(src), answers=[str(port), ''])
    assert (atk_peer.home / 'plugins' / 'web-demo' / '.env').read_text().startswith('# port to listen on\nWEB_PORT=%d' % port)
    yield {'port': port, 'root': tmp_path, 'dir': 'web-demo', 'name': 'Web Demo'}
    kill_service(tmp_path, 'Web Demo')


# -- script plugins: real processes ------------------------------------------------------------

def test_started_idempotent_stopped_restarted(web, ansible, atk_peer):
    port, root = web['port'], web['root']
    res = ansible.run_tasks([
        svc({'name': 'web-demo', 'state': 'started', 'wait_health': True, 'health_timeout': 20}, 'start'),
        svc({'name': 'Web Demo', 'state': 'started'}, 'start again'),
    ])
    assert res.rc == 0, res.describe()
    first = res.task('start')
    assert first['changed'] is True
    plugin = first['plugins'][0]
    assert plugin == {
        'plugin': 'web-demo', 'name': 'Web Demo', 'action': 'start', 'changed': True, 'before': 'stopped', 'after': 'running',
        'command': './start.sh', 'commands': ['./start.sh'], 'idempotence': 'status', 'health': 'healthy', 'health_status': 200,
        'logs': [str(atk_peer.home / '.git' / 'atk-core' / 'logs' / 'web-demo.start.log')], 'error': None}
    assert port_open('127.0.0.1', port)
    second = res.task('start again')
    assert second['changed'] is False
    assert second['plugins'][0]['action'] == 'none' and second['plugins'][0]['before'] == 'running'
    # .env reached start (and the optional, unset WEB_TOKEN stayed unset); status never saw the .env
    log = calls(root, 'Web Demo')
    assert 'start port=%d token=unset cwd=%s' % (port, atk_peer.home / 'plugins' / 'web-demo') in log
    assert all(line == 'status port=unset' for line in log if line.startswith('status'))
    # the server survived the end of the module and of ansible-playbook, and still serves: its request log
    # goes to the command's log file, not to a pipe closed with the module (which would break every request)
    for _attempt in range(3):
        with urllib.request.urlopen('http://127.0.0.1:%d/' % port, timeout=5) as response:
            assert response.status == 200
    start_log = atk_peer.home / '.git' / 'atk-core' / 'logs' / 'web-demo.start.log'
    assert eventually(lambda: '"GET / HTTP/1.1" 200' in start_log.read_text()), start_log.read_text()
    # atk sees the same home as valid and untouched by the run
    assert atk_peer.git('status', '--porcelain').stdout == ''

    res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'stopped'}, 'stop'),
                             svc({'name': 'web-demo', 'state': 'stopped'}, 'stop again')])
    assert res.rc == 0, res.describe()
    assert res.task('stop')['plugins'][0]['action'] == 'stop'
    assert res.task('stop')['plugins'][0]['after'] == 'stopped'
    assert res.task('stop again')['changed'] is False
    assert wait_port(port, up=False)

    res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'restarted', 'wait_health': True}, 'restart stopped'),
                             svc({'name': 'web-demo', 'state': 'restarted', 'wait_health': True}, 'restart running')])
    assert res.rc == 0, res.describe()
    for task in ('restart stopped', 'restart running'):
        plugin = res.task(task)['plugins'][0]
        assert res.task(task)['changed'] is True
        assert (plugin['action'], plugin['after'], plugin['command'], plugin['health']) == (
            'restart', 'running', './stop.sh && ./start.sh', 'healthy')
    assert port_open('127.0.0.1', port)


def test_port_held_by_another_listener_blocks_start(web, ansible):
    port, root = web['port'], web['root']
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(('127.0.0.1', port))
        holder.listen(1)
        res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'started'}, 'start')])
    assert res.rc != 0
    entry = res.entry('start')
    assert entry['status'] == 'failed'
    msg = entry['result']['msg']
    assert 'Port %d is already in use.' % port in msg
    assert 'Web Demo requires this port for: demo web server.' in msg
    assert not any(line.startswith('start') for line in calls(root, 'Web Demo'))


def test_check_mode_starts_nothing(web, ansible):
    port, root = web['port'], web['root']
    res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'started'}, 'start')], check=True)
    assert res.rc == 0, res.describe()
    result = res.task('start')
    assert result['changed'] is True
    plugin = result['plugins'][0]
    assert (plugin['action'], plugin['before'], plugin['after'], plugin['command'], plugin['logs']) == (
        'start', 'stopped', 'running', './start.sh', [])
    assert [line.split()[0] for line in calls(root, 'Web Demo')] == ['status']
    assert not port_open('127.0.0.1', port)


def test_required_env_unset_fails_naming_it_and_environment_counts(web, ansible, atk_peer):
    env_file = atk_peer.home / 'plugins' / 'web-demo' / '.env'
    env_file.write_text('WEB_TOKEN=tok-secret-123\n')
    res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'started'}, 'start')])
    assert res.rc != 0
    assert "Missing required environment variables for 'Web Demo': WEB_PORT." in res.entry('start')['result']['msg']
    assert not any(line.startswith('start') for line in calls(web['root'], 'Web Demo'))
    # atk's rule: set in the environment counts too (and an empty value in .env would count as set)
    res = ansible.run_tasks([dict(svc({'name': 'web-demo', 'state': 'started', 'wait_health': True}, 'start'),
                                  environment={'WEB_PORT': str(web['port'])})])
    assert res.rc == 0, res.describe()
    assert 'start port=%d token=tok-secret-123' % web['port'] in '\n'.join(calls(web['root'], 'Web Demo'))
    assert 'tok-secret-123' not in res.stdout + res.stderr


def test_failed_start_reports_tail_with_secrets_masked(web, ansible, atk_peer):
    env_file = atk_peer.home / 'plugins' / 'web-demo' / '.env'
    env_file.write_text('WEB_PORT=\nWEB_TOKEN=tok-secret-456\n')
    script = atk_peer.home / 'plugins' / 'web-demo' / 'start.sh'
    script.write_text('#!/bin/sh\necho "using $WEB_TOKEN"\nexit 5\n')
    res = ansible.run_tasks([svc({'name': 'web-demo', 'state': 'started'}, 'start')])
    assert res.rc != 0
    msg = res.entry('start')['result']['msg']
    assert msg == "Start failed for plugin 'Web Demo' (exit code 5): using ********"
    assert 'tok-secret-456' not in res.stdout + res.stderr


def test_several_plugins_and_no_status_command(atk_peer, ansible, tmp_path):
    atk_peer.init()
    ports = [free_port(), free_port()]
    for name, port in zip(('Web One', 'Web Two'), ports):
        atk_peer.add(str(make_web_plugin(tmp_path, name, port)), answers=[str(port), ''])
    # a plugin without status command: honest about it
    nostatus = tmp_path / 'src-nostatus'
    nostatus.mkdir()
    (nostatus / 'plugin.yaml').write_text(yaml.safe_dump({
        'schema_version': '2026-01-23', 'name': 'No Status', 'description': 'd', 'maturity': 'verified',
        'lifecycle': {'start': 'echo started >> "%s/nostatus.calls"' % tmp_path, 'stop': 'true'}}))
    atk_peer.add(str(nostatus))
    try:
        res = ansible.run_tasks([
            svc({'names': ['web-one', 'Web Two', 'no-status'], 'state': 'started'}, 'start all'),
            svc({'names': ['web-one', 'web-two', 'no-status'], 'state': 'started'}, 'start all again'),
            svc({'all': True, 'state': 'stopped'}, 'stop all'),
        ])
        assert res.rc == 0, res.describe()
        first = res.task('start all')
        assert [(p['plugin'], p['action'], p['idempotence']) for p in first['plugins']] == [
            ('web-one', 'start', 'status'), ('web-two', 'start', 'status'), ('no-status', 'start', 'unknown')]
        assert first['plugins'][2]['before'] == 'unknown' and first['plugins'][2]['after'] == 'unknown'
        assert any('no status command' in w for w in first['warnings'])
        again = res.task('start all again')
        assert [p['action'] for p in again['plugins']] == ['none', 'none', 'start']
        assert again['changed'] is True
        assert (tmp_path / 'nostatus.calls').read_text() == 'started\nstarted\n'
        stopped = res.task('stop all')
        assert [p['action'] for p in stopped['plugins']] == ['stop', 'stop', 'stop']
        # stop --all runs in reverse manifest order
        stops = [line for name in ('Web One', 'Web Two') for line in calls(tmp_path, name) if line.startswith('stop')]
        assert len(stops) == 2
        assert all(wait_port(p, up=False) for p in ports)
    finally:
        for name in ('Web One', 'Web Two'):
            kill_service(tmp_path, name)


def test_unknown_plugin_fails_like_atk(web, ansible):
    res = ansible.run_tasks([svc({'name': 'nope', 'state': 'started'}, 'start')])
    assert res.rc != 0
    assert res.entry('start')['result']['msg'].startswith("Plugin 'nope' not found in manifest")


# -- docker-compose plugins with a recording stand-in docker ------------------------------------

DOCKER_STUB = r'''#!/bin/sh
# stand-in docker: records argv (one line, args separated by \037), cwd and PIPER_VOICE; emulates up/down/ps
rec="%(rec)s"
{ for a in "$@"; do printf '%%s\037' "$a"; done; printf '\t%%s\t%%s\n' "$(pwd)" "${PIPER_VOICE-unset}"; } >> "$rec/calls"
up="$rec/$(basename "$(pwd)").up"
case " $* " in
    *" up "*) : > "$up" ;;
    *" down "*) rm -f "$up" ;;
    *" ps "*) [ -f "$up" ] && cat "$rec/$(basename "$(pwd)").services" ;;
esac
exit 0
'''


def compose_plugins():
    """piper and openmemory with their real compose commands; openmemory's install/uninstall scripts are
    not in the snapshot, so those two become ``true``."""
    piper, openmemory = fixture_plugins(['piper', 'openmemory'])
    spec = openmemory.spec()
    spec['lifecycle'].update(install='true', uninstall='true')
    openmemory.files['plugin.yaml'] = yaml.safe_dump(spec, sort_keys=False)
    return [piper, openmemory]


@pytest.fixture
def compose(registry_factory, atk_peer, tmp_path):
    registry_factory(compose_plugins(), lifecycle='keep')
    rec = tmp_path / 'docker-rec'
    rec.mkdir()
    (rec / 'piper.services').write_text('piper-tts\n')
    (rec / 'openmemory.services').write_text('openmemory\n')
    bindir = tmp_path / 'stub-bin'
    bindir.mkdir()
    (bindir / 'docker').write_text(DOCKER_STUB % {'rec': rec})
    (bindir / 'docker').chmod(0o755)
    path = '%s:%s' % (bindir, os.environ['PATH'])
    atk_peer.init()
    for slug in ('piper', 'openmemory'):
        proc = atk_peer.run('add', slug, '-y', input='\n' * 10, env={'PATH': path})
        assert proc.returncode == 0, proc.stdout + proc.stderr
    (rec / 'calls').unlink()
    for marker in rec.glob('*.up'):  # piper's install ends with `docker compose up -d`
        marker.unlink()
    return {'rec': rec, 'path': path}


def docker_calls(rec: Path):
    out = []
    for line in (rec / 'calls').read_text().splitlines() if (rec / 'calls').exists() else []:
        args, cwd, voice = line.split('\t')
        out.append((args.split('\x1f')[:-1], os.path.basename(cwd), voice))
    return out


def test_compose_commands_exact_argv_and_override(compose, ansible, atk_peer):
    rec, env = compose['rec'], {'PATH': compose['path']}
    res = ansible.run_tasks([svc({'name': 'piper', 'state': 'started'}, 'start'),
                             svc({'name': 'Piper TTS', 'state': 'started'}, 'start again')], play_env=env)
    assert res.rc == 0, res.describe()
    plugin = res.task('start')['plugins'][0]
    assert (plugin['action'], plugin['before'], plugin['after'], plugin['command']) == ('start', 'stopped', 'running', 'docker compose up -d')
    assert res.task('start again')['changed'] is False
    ps = ['compose', 'ps', '--filter', 'status=running', '--services']
    assert docker_calls(rec) == [
        (ps, 'piper', 'unset'),                           # status: no .env
        (['compose', 'up', '-d'], 'piper', 'en_GB-alba-medium'),  # start: .env values in the environment
        (ps, 'piper', 'unset'),                           # after
        (ps, 'piper', 'unset'),                           # second run: status only
    ]
    (rec / 'calls').unlink()

    custom = atk_peer.home / 'plugins' / 'piper' / 'custom'
    custom.mkdir()
    (custom / 'docker-compose.override.yml').write_text('services: {}\n')
    res = ansible.run_tasks([svc({'name': 'piper', 'state': 'restarted'}, 'restart'),
                             svc({'names': ['openmemory', 'piper'], 'state': 'stopped'}, 'stop')], play_env=env)
    assert res.rc == 0, res.describe()
    override = ['compose', '-f', 'docker-compose.yml', '-f', 'custom/docker-compose.override.yml']
    assert res.task('restart')['plugins'][0]['command'] == (
        'docker compose -f docker-compose.yml -f custom/docker-compose.override.yml down && '
        'docker compose -f docker-compose.yml -f custom/docker-compose.override.yml up -d')
    assert [c[0] for c in docker_calls(rec)] == [
        ps,                                 # restart: before
        override + ['down'],                # stop phase (override injected)
        override + ['up', '-d'],            # start phase
        ps,                                 # after (status never gets the override)
        ps, ps,                             # stop task: status of openmemory, piper
        override + ['down'],                # only piper runs: openmemory is not running
        ps,                                 # after
    ]
    stop = res.task('stop')
    assert [(p['plugin'], p['action']) for p in stop['plugins']] == [('openmemory', 'none'), ('piper', 'stop')]


def test_compose_check_mode_runs_only_status(compose, ansible):
    rec = compose['rec']
    res = ansible.run_tasks([svc({'all': True, 'state': 'started'}, 'start')], play_env={'PATH': compose['path']}, check=True)
    assert res.rc == 0, res.describe()
    assert [p['command'] for p in res.task('start')['plugins']] == ['docker compose up -d', 'docker compose up -d']
    assert all(c[0][1] == 'ps' for c in docker_calls(rec))
    assert len(docker_calls(rec)) == 2
