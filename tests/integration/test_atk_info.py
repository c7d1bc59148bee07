"""atk.core.atk_info through real ansible-playbook, on homes the real atk built.

* One home with a plugin in each drift state (in sync, files missing, ref mismatch, invalid),
  an orphan folder, a remote with local commits, dirty files and a leaked .env.
* Service status by atk's rules: status command (stub markers), mcp-only, sse probe (a real
  listener and a closed port), unknown.
* MCP configs: for every fixture plugin with an ``mcp`` section (plus synthetic sse/http/timeout
  plugins), ``mcp_revealed`` equals ``atk mcp <plugin> --json`` exactly, and ``mcp`` equals it
  with every value masked; no value leaks into the output of the masked run.
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading

import pytest
import yaml

from harness import fixture_plugins, free_port

MASK = '********'
NOT_SET = '<NOT_SET>'


def info(args=None, name='info'):
    return {'name': name, 'atk.core.atk_info': dict(args or {})}


def add(atk_peer, source, answers='', env=None):
    proc = atk_peer.run('add', source, '-y', input=answers + '\n' * 12, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def write_local(root, slug, spec):
    folder = root / slug
    folder.mkdir(parents=True)
    base = {'schema_version': '2026-01-23', 'description': 'A test plugin.', 'maturity': 'verified'}
    base.update(spec)
    (folder / 'plugin.yaml').write_text(yaml.safe_dump(base, sort_keys=False))
    return folder


@pytest.fixture
def sse_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(404)  # any HTTP answer counts as running for atk
            self.end_headers()

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


# -- drift, orphans, home, env, hygiene, service ------------------------------------------------

def test_drift_states_home_env_hygiene_and_service(registry, atk_peer, ansible, isolated_env, tmp_path, sse_server):
    atk_peer.init()
    add(atk_peer, 'exa', 'exa-secret-value-1\n')
    for slug in ('fetch', 'git-local', 'serena', 'github', 'piper'):
        add(atk_peer, slug)
    closed = free_port()
    locals_ = {
        'sse-up': {'name': 'SSE Up', 'mcp': {'transport': 'sse', 'endpoint': 'http://127.0.0.1:%d/sse' % sse_server}},
        'sse-down': {'name': 'SSE Down', 'mcp': {'transport': 'sse', 'endpoint': 'http://127.0.0.1:%d/sse' % closed}},
        'http-only': {'name': 'HTTP Only', 'mcp': {'transport': 'http', 'endpoint': 'http://127.0.0.1:%d/mcp' % closed}},
        'bare': {'name': 'Bare', 'env_vars': [{'name': 'BARE_TOKEN', 'required': True, 'secret': True},
                                              {'name': 'BARE_OPT', 'required': False},
                                              {'name': 'BARE_EMPTY', 'required': True},
                                              {'name': 'BARE_FROM_ENV', 'required': True}]},
    }
    for slug, spec in locals_.items():
        add(atk_peer, str(write_local(tmp_path / 'src', slug, spec)))
    home = atk_peer.home
    plugins = home / 'plugins'
    # drift: files missing, ref mismatch, invalid; an orphan folder
    subprocess.run(['rm', '-rf', str(plugins / 'fetch')], check=True)
    (plugins / 'git-local' / '.atk-ref').write_text('0' * 40 + '\n')
    (plugins / 'serena' / 'custom').mkdir()
    (plugins / 'serena' / 'custom' / 'overrides.yaml').write_text('bogus_key: 1\n')
    (plugins / 'stray').mkdir()
    (plugins / 'stray' / 'file.txt').write_text('x\n')
    (plugins / 'bare' / '.env').write_text('BARE_EMPTY=\n')
    # a remote the home is one commit ahead of, a modified and an untracked file, a leaked .env
    remote = tmp_path / 'remote.git'
    subprocess.run(['git', 'init', '-q', '--bare', str(remote)], check=True)
    assert atk_peer.git('remote', 'add', 'origin', str(remote)).returncode == 0
    branch = atk_peer.git('branch', '--show-current').stdout.strip()
    assert atk_peer.git('push', '-q', '-u', 'origin', branch).returncode == 0, 'push failed'
    # the upstream ref stays; only the URL now carries credentials that must never be shown
    assert atk_peer.git('remote', 'set-url', 'origin', 'https://user:s3cret@example.invalid/home.git').returncode == 0
    (plugins / 'bare' / '.env').write_text('BARE_EMPTY=\n')
    assert atk_peer.git('add', '-f', 'plugins/bare/.env').returncode == 0
    assert atk_peer.git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'leak').returncode == 0
    with open(home / '.gitignore', 'a') as handle:
        handle.write('!plugins/bare/**\n')
    (home / 'untracked.txt').write_text('x\n')

    # atk's own view of the repository, to compare with
    status = atk_peer.run('status', env={'BARE_FROM_ENV': 'set'})
    assert status.returncode == 0, status.stdout + status.stderr

    res = ansible.run_tasks([dict(info({'home': str(home)}), environment={'BARE_FROM_ENV': 'set'})])
    assert res.rc == 0, res.describe()
    facts = res.task('info')
    assert facts['changed'] is False

    by_dir = {p['directory']: p for p in facts['plugins']}
    assert [p['directory'] for p in facts['plugins']] == [e['directory'] for e in atk_peer.manifest()['plugins']]
    assert by_dir['exa']['state'] == 'in sync' and by_dir['exa']['valid'] is True
    assert by_dir['exa']['ref'] == by_dir['exa']['disk_ref'] == registry.head()
    assert by_dir['fetch']['state'] == 'files missing' and by_dir['fetch']['disk_ref'] is None
    assert by_dir['git-local']['state'] == 'ref mismatch' and by_dir['git-local']['disk_ref'] == '0' * 40
    assert by_dir['serena']['state'] == 'invalid' and 'bogus_key' in by_dir['serena']['error']
    assert by_dir['piper']['name'] == 'Piper TTS' and by_dir['piper']['source'] == 'registry'
    assert by_dir['bare']['state'] == 'in sync' and by_dir['bare']['source'] == 'local' and by_dir['bare']['ref'] is None
    assert facts['orphans'] == ['stray']

    # home: what atk status prints in its Repository block
    home_facts = facts['home']
    assert home_facts['valid'] is True and home_facts['branch'] == branch
    assert home_facts['remote'] == {'name': 'origin', 'url': 'https://example.invalid/home.git'}
    assert (home_facts['ahead'], home_facts['behind']) == (1, 0)
    text = status.stdout
    assert 'Branch:      %s' % branch in text
    assert 'Sync:        1 ahead, 0 behind' in text
    dirty = home_facts['dirty']
    assert 'Working dir: %d modified, %d untracked' % (dirty['modified'], dirty['untracked']) in text
    assert dirty['modified'] >= 1 and dirty['untracked'] >= 1
    assert home_facts['last_commit']['subject'] == 'leak'

    # env: names only, atk's rule (empty in .env counts, the environment counts)
    assert facts['env']['bare'] == {
        'declared': ['BARE_TOKEN', 'BARE_OPT', 'BARE_EMPTY', 'BARE_FROM_ENV'], 'set': ['BARE_EMPTY', 'BARE_FROM_ENV'],
        'required_unset': ['BARE_TOKEN'], 'optional_unset': ['BARE_OPT'], 'secret': ['BARE_TOKEN'],
        'sources': {'BARE_EMPTY': '.env', 'BARE_FROM_ENV': 'environment'}, 'mcp_not_set': [], 'mcp_optional_unset': []}
    assert facts['env']['exa']['set'] == ['EXA_API_KEY']
    assert facts['env']['github']['required_unset'] == ['GITHUB_PERSONAL_ACCESS_TOKEN']
    assert 'BARE_TOKEN' in text and '! BARE_TOKEN' in text  # atk's ENV column agrees
    assert 'serena' not in facts['env'] and 'fetch' not in facts['env']

    # service, by atk status's rules
    service = facts['service']
    assert service['piper']['status'] == 'stopped' and service['piper']['via'] == 'status command'
    assert service['exa']['status'] == 'mcp-only'
    assert service['http-only']['status'] == 'mcp-only'
    assert service['sse-up']['status'] == 'running'
    assert service['sse-down']['status'] == 'stopped'
    assert service['bare']['status'] == 'unknown'
    assert service['serena']['status'] == 'invalid' and service['fetch']['status'] == 'invalid'
    for slug, word in (('piper', 'stopped'), ('exa', 'mcp-only'), ('sse-up', 'running'), ('sse-down', 'stopped'),
                       ('bare', 'unknown'), ('serena', 'invalid')):
        assert re.search(r'\(%s\)\s*│\s*%s' % (re.escape(slug), word), text), (slug, word, text)

    # hygiene: what atk doctor would repair
    assert facts['hygiene'] == {'tracked_secrets': ['plugins/bare/.env'], 'gitignore_present': True,
                                'gitignore_secrets_last': False, 'doctor_needed': True}

    # nothing secret in the output, nothing changed in the home
    assert 'exa-secret-value-1' not in res.stdout + res.stderr
    assert 's3cret' not in res.stdout + res.stderr
    assert atk_peer.git('status', '--porcelain').stdout == subprocess.run(
        ['git', 'status', '--porcelain'], cwd=str(home), env=isolated_env.environ(), text=True,
        stdout=subprocess.PIPE, check=True).stdout

    # a running stub service: ports get probed, like atk status does
    (isolated_env.markers / 'piper.running').write_text('')
    res = ansible.run_tasks([info({'plugins': ['Piper TTS'], 'gather': ['service']})])
    assert res.rc == 0, res.describe()
    facts = res.task('info')
    assert facts['service'] == {'piper': {'status': 'running', 'via': 'status command', 'error': None,
                                          'ports': [{'port': 5847, 'description': 'Piper TTS HTTP API endpoint', 'listening': False}]}}
    assert set(facts) >= {'service'} and 'plugins' not in facts and 'home' not in facts

    res = ansible.run_tasks([info({'plugins': ['nope']})])
    assert res.rc != 0 and "Plugin 'nope' not found in manifest" in res.entry('info')['result']['msg']


def test_missing_home_is_reported_not_failed(ansible, tmp_path):
    res = ansible.run_tasks([info({'home': str(tmp_path / 'nowhere')})])
    assert res.rc == 0, res.describe()
    facts = res.task('info')
    assert facts['home']['exists'] is False and facts['home']['valid'] is False
    assert facts['plugins'] == [] and facts['mcp'] == {}


def test_reveal_requires_no_log(ansible, atk_peer):
    atk_peer.init()
    res = ansible.run_tasks([info({'reveal_secrets': True})])
    assert res.rc != 0
    assert 'no_log' in res.entry('info')['result']['msg']


# -- MCP configs equal atk mcp --json -----------------------------------------------------------

SECRETS = {
    'exa': {'EXA_API_KEY': 'exa-key-0123456789'},
    'github': {'GITHUB_PERSONAL_ACCESS_TOKEN': 'ghp_0123456789abcdef'},
    'openmemory': {'OPENMEMORY_URL': 'http://memory.internal:8787'},
    'metabase': {'METABASE_API_KEY': 'mb-secret-key', 'METABASE_PASSWORD': 'pa ss"word'},
    'slack': {'SLACK_BOT_TOKEN': 'xoxb-secret-token'},
    'notion': {'NOTION_TOKEN': ''},
}


def secret_names(plugin_dir):
    """Names whose values atk.core hides (_mask's rule): declared secret, or not declared at all."""
    spec = yaml.safe_load((plugin_dir / 'plugin.yaml').read_text())
    declared = dict((v['name'], v) for v in spec.get('env_vars') or [])
    names = set((spec.get('mcp') or {}).get('env') or [])
    return set(n for n in names if n not in declared or declared[n].get('secret'))


def same_up_to_masking(masked, document, secret):
    """``masked`` is atk's ``document`` with its secret env values hidden: those are ``********`` (but
    <NOT_SET>), the others atk's values, and every ``********`` in args/url stands for a secret value."""
    (identifier, inner), = document.items()
    assert list(masked) == [identifier]
    got = masked[identifier]
    assert sorted(got) == sorted(inner)
    values = [v for k, v in (inner.get('env') or {}).items() if v != NOT_SET and k in secret]
    if 'env' in inner:
        assert got['env'] == {k: (MASK if k in secret and v != NOT_SET else v) for k, v in inner['env'].items()}
    alternatives = '(?:%s)' % '|'.join(re.escape(v) for v in sorted(values, key=len, reverse=True)) if values else '(?!)'

    def fits(hidden, real):
        return re.fullmatch(alternatives.join(re.escape(part) for part in hidden.split(MASK)), real) is not None
    for key in ('args', 'url'):
        if key in inner:
            pairs = zip(got[key], inner[key]) if key == 'args' else [(got[key], inner[key])]
            assert len(got[key]) == len(inner[key]) if key == 'args' else True
            assert all(fits(hidden, real) for hidden, real in pairs), (got, inner)
    for key in ('command', 'type', 'timeout'):
        assert got.get(key) == inner.get(key)
    return True


def test_mcp_equals_atk_mcp_json(registry, atk_peer, ansible, isolated_env, tmp_path):
    with_mcp = [p.slug for p in fixture_plugins() if 'mcp' in p.spec()]
    assert len(with_mcp) >= 15
    atk_peer.init()
    items = [{'name': slug, 'env': SECRETS[slug]} if slug in SECRETS else {'name': slug} for slug in with_mcp]
    res = ansible.run_tasks([{'name': 'install', 'atk.core.atk_plugin': {'plugins': items, 'lifecycle': False}}])
    assert res.rc == 0, res.describe()
    # synthetic remote transports, a timeout and env substitution into the URL (atk-added, local)
    extras = {
        'remote-sse': {'name': 'Remote SSE', 'env_vars': [{'name': 'SSE_TOKEN', 'secret': True}, {'name': 'SSE_PORT', 'default': '9911'}],
                       'mcp': {'transport': 'sse', 'endpoint': 'http://127.0.0.1:${SSE_PORT}/sse?t=$SSE_TOKEN&d=$ATK_PLUGIN_DIR',
                               'env': ['SSE_TOKEN', 'SSE_PORT', 'UNDECLARED'], 'timeout': 45000}},
        'remote-http': {'name': 'Remote HTTP', 'mcp': {'transport': 'http', 'endpoint': 'https://mcp.example.invalid/v1', 'timeout': 0}},
        'stdio-extra': {'name': 'Stdio Extra', 'env_vars': [{'name': 'OUT', 'default': '$ATK_PLUGIN_DIR/out'}],
                        'mcp': {'transport': 'stdio', 'command': '${ATK_PLUGIN_DIR}/bin/run', 'args': ['--out', '$OUT', '${OUT}x'],
                                'env': ['OUT'], 'timeout': 120}},
    }
    answers = {'remote-sse': 'sse-token-secret\n', 'stdio-extra': '/tmp/elsewhere\n'}
    for slug, spec in extras.items():
        add(atk_peer, str(write_local(tmp_path / 'src', slug, spec)), answers.get(slug, ''))
    dirs = with_mcp + list(extras)

    dump = tmp_path / 'revealed.json'
    res = ansible.run_tasks([
        info({'gather': ['mcp']}, 'masked'),
        {'name': 'revealed', 'atk.core.atk_info': {'gather': ['mcp'], 'reveal_secrets': True}, 'no_log': True, 'register': 'r'},
        {'name': 'dump', 'ansible.builtin.copy': {'content': '{{ r.mcp_revealed | to_json }}', 'dest': str(dump), 'mode': '0600'},
         'no_log': True},
    ])
    assert res.rc == 0, res.describe()
    masked = res.task('masked')['mcp']
    revealed = json.loads(dump.read_text())
    assert sorted(masked) == sorted(dirs) == sorted(revealed)
    for directory in dirs:
        proc = atk_peer.run('mcp', directory, '--json')
        assert proc.returncode == 0, proc.stdout + proc.stderr
        # atk prints its "Environment variable 'X' is not set" warnings on stdout, before the JSON
        expected = json.loads(proc.stdout[proc.stdout.index('{'):])
        assert revealed[directory] == expected, directory
        assert same_up_to_masking(masked[directory], expected, secret_names(atk_peer.home / 'plugins' / directory)), directory
    # spot checks of the rules (and that the comparison is not vacuous)
    assert revealed['openmemory']['OpenMemory']['args'] == ['-y', 'mcp-remote', 'http://memory.internal:8787/mcp']
    # A declared, non-secret value stays readable in the masked view; secrets do not.
    assert masked['openmemory']['OpenMemory']['args'] == ['-y', 'mcp-remote', 'http://memory.internal:8787/mcp']
    piper_dir = str((atk_peer.home / 'plugins' / 'piper').resolve())
    assert masked['piper'] == {'Piper TTS': {'command': 'uv', 'args': ['run', '--directory', piper_dir, 'server.py'],
                                             'env': {'PIPER_TTS_URL': revealed['piper']['Piper TTS']['env']['PIPER_TTS_URL']}}}
    assert revealed['notion']['notion']['env'] == {'NOTION_TOKEN': NOT_SET}  # an empty value counts as unset
    sse = revealed['remote-sse']['Remote SSE']
    assert sse['timeout'] == 45000 and sse['env']['UNDECLARED'] == NOT_SET
    assert masked['remote-sse']['Remote SSE']['url'].startswith('http://127.0.0.1:9911/sse?t=%s&d=/' % MASK)
    assert 'timeout' not in revealed['remote-http']['Remote HTTP']
    secret_values = ['exa-key-0123456789', 'ghp_0123456789abcdef', 'mb-secret-key', 'pa ss"word', 'xoxb-secret-token',
                     'sse-token-secret']
    output = res.stdout + res.stderr + json.dumps(masked)
    assert not [v for v in secret_values if v in output]
    assert 'http://memory.internal:8787' in json.dumps(masked) and '/tmp/elsewhere' in json.dumps(masked)
