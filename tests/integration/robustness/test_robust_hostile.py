# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile-input suite: a corpus of malicious or broken inputs, each refused with a clear message.

Every case gets its own copy of a home (atk init + a registry plugin ``alpha`` with ``custom/`` and a
``.env``, and a local plugin ``loc``) and its own ``outside/`` folder next to it (a secret, a victim
file, a directory): the places a traversal, a symlink or an injected command would reach. All cases
run as tasks of real ``ansible-playbook`` runs (``ignore_errors``, a ``timeout`` so a hang is a
failure, not a stuck suite). For each case:

* the task failed and its message matches the expected text (the error is clear);
* the home is byte-for-byte unchanged, modes and ``.git`` (refs, objects, atk.core's state) included;
* ``outside/`` is unchanged (nothing written, created or deleted there);
* the secret in ``outside/`` appears nowhere in the output.

One case is representable rather than hostile (a newline in a .env value): it must round-trip to
what atk reads (python-dotenv of the real atk) instead of failing.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import AnsibleRunner, AtkPeer, IsolatedEnv, build_git_source, build_registry, stub_lifecycle, synthetic_plugin
from harness.paths import atk_bin
from robustness_lib import ChildConverge, copy_tree, home_git, shared_once, snapshot, snapshot_diff

OUTSIDE_SECRET = 'OUTSIDE-S3CRET-do-not-print-4711'
IGNORE = ('.git/atk-core/lock',)
PLUGIN_YAML = {'schema_version': '2026-01-23', 'name': 'evil', 'description': 'A hostile test plugin.', 'maturity': 'verified'}


def _yaml(data):
    return yaml.safe_dump(data, sort_keys=False)


def _bomb(levels=9, width=9):
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append('a%d: &a%d [%s]' % (level, level, ', '.join(['*a%d' % (level - 1)] * width)))
    return '\n'.join(lines) + '\n'


def _deep(levels=200):
    return 'description: ' + '[' * levels + ']' * levels + '\n'


def _serve_repo(daemon, relpath, files, symlinks=None, fifos=None):
    """A repository with exactly ``files`` (+ symlinks ``{path: target}``), served by ``daemon``."""
    repo = daemon.init_repo(relpath)
    repo.write(files)
    for rel, target in (symlinks or {}).items():
        path = repo.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    repo.commit(message='hostile content')
    return repo


def _registry_files(plugins, index=None):
    """index.yaml + plugins/<slug>/... ; ``plugins``: {slug: {relpath: content}}."""
    files = {}
    entries = []
    for slug, content in plugins.items():
        entries.append({'name': slug, 'path': 'plugins/%s' % slug, 'description': 'x'})
        for rel, data in content.items():
            files['plugins/%s/%s' % (slug, rel)] = data
    files['index.yaml'] = index if index is not None else _yaml({'schema_version': '2026-01-23', 'plugins': entries})
    return files


class World:
    """The shared pieces every case draws from."""

    def __init__(self, root, env, daemon, collection_path):
        self.root = Path(root)
        self.env = env
        self.daemon = daemon
        self.collection_path = collection_path
        self.tag = 'hostile-%d' % os.getpid()
        self.registries = {}
        self.sources = {}

    def registry(self, name, files, symlinks=None):
        self.registries[name] = _serve_repo(self.daemon, 'registries/%s-%s' % (self.tag, name), files, symlinks)
        return self.registries[name]

    def git_source(self, name, files, symlinks=None):
        # Served as https://hostile.example/evil/<name> (git sources are https URLs to atk).
        self.sources[name] = _serve_repo(self.daemon, 'sources/%s-ok/hostile.example/evil/%s' % (self.tag, name), files, symlinks)
        return self.sources[name]


def _build_world(tmp_path_factory, git_daemon, collection_path):
    root = tmp_path_factory.mktemp('hostile')
    env = IsolatedEnv(root / 'env')
    git_daemon.ensure_running()
    world = World(root, env, git_daemon, collection_path)
    env.serve_git_sources(git_daemon, prefix='sources/%s-ok' % world.tag)
    env.serve_git_sources(git_daemon, host='hostile.example', prefix='sources/%s-ok' % world.tag)
    good = build_registry(git_daemon.init_repo('registries/%s-good' % world.tag),
                          [synthetic_plugin('alpha', env_vars=1), synthetic_plugin('beta'), synthetic_plugin('gamma')])
    env.use_registry(good)
    world.good = good
    world.gamma_git = build_git_source(git_daemon, 'acme/gamma', prefix='sources/%s-ok' % world.tag,
                                       spec=dict(PLUGIN_YAML, name='gamma'))
    world.good_git = build_git_source(git_daemon, 'acme/fine', prefix='sources/%s-ok' % world.tag)
    # A local plugin source.
    loc = root / 'src' / 'loc'
    for rel, content in stub_lifecycle(synthetic_plugin('loc').files, 'loc').items():
        (loc / rel).parent.mkdir(parents=True, exist_ok=True)
        (loc / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
        (loc / rel).chmod(0o755 if rel.endswith('.sh') else 0o644)
    world.loc_src = str(loc)
    # The template home: atk init, alpha (registry, custom/ + .env) and loc (local).
    template = root / 'template'
    AtkPeer(env).run('init', check=True, env={'ATK_HOME': str(template)})
    child = ChildConverge(collection_path, env, root / 'children')
    killed, res = child.run({'home': str(template), 'cache_dir': str(root / 'cache'), 'items': [
        {'name': 'alpha', 'env': {'ALPHA_VAR_1': 'alpha-value'}}, {'path': world.loc_src}]})
    child.close()
    assert not killed and res['outcome']['ok'] and not res['outcome']['result']['errors'], res
    (template / 'plugins' / 'alpha' / 'custom').mkdir()
    (template / 'plugins' / 'alpha' / 'custom' / 'notes.md').write_text('mine\n')
    home_git(env, template, 'add', '-A')
    home_git(env, template, '-c', 'user.name=U', '-c', 'user.email=u@x', 'commit', '-q', '-m', 'custom notes')
    world.template = template
    # The registry moves on, so state=latest has work to do on alpha.
    good.update_plugin('alpha', {'README.md': '# alpha v2\n'})
    return world


# ---------------------------------------------------------------------------------------------
# The corpus. Each case: id, module, args(world, case) -> module args, expect (regex of the
# message), prepare(world, case) (optional, runs on the case's home/outside before the snapshot).


class Case:
    def __init__(self, cid, module, args, expect, prepare=None, ok=False, check=None):
        self.id = cid
        self.module = module
        self.args = args
        self.expect = expect
        self.prepare = prepare
        self.ok = ok
        self.check = check
        self.home = None
        self.outside = None
        self.cache = None


def _home_manifest_edit(transform):
    def prepare(world, case):
        path = case.home / 'manifest.yaml'
        data = transform(path.read_text()) if callable(transform) else transform
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return prepare


def _symlink(rel, target_fn):
    def prepare(world, case):
        path = case.home / rel
        if path.is_dir() and not path.is_symlink():
            import shutil  # pylint: disable=import-outside-toplevel
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        os.symlink(target_fn(case), path)
    return prepare


def _local_source(files, symlinks=None, fifo=None):
    def prepare(world, case):
        src = case.outside.parent / 'src'
        src.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
        for rel, target in (symlinks or {}).items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target(case) if callable(target) else target, src / rel)
        if fifo:
            os.mkfifo(src / fifo)
    return prepare


def _plugin(args):
    return lambda world, case: dict(args)


def _reg(name, extra=None):
    """atk_plugin args for plugin 'evil' of hostile registry ``name``."""
    def args(world, case):
        out = {'name': 'evil', 'registry_url': world.registries[name].url}
        out.update(extra or {})
        return out
    return args


def _git(name, extra=None):
    def args(world, case):
        out = {'url': 'hostile.example/evil/%s' % name}
        out.update(extra or {})
        return out
    return args


REGISTRY_CASES = {
    # name: (files, symlinks)
    'index-escape': (lambda: _registry_files({}, _yaml({'plugins': [{'name': 'evil', 'path': '../../outside', 'description': 'x'}]})), None),
    'index-absolute': (lambda: _registry_files({}, _yaml({'plugins': [{'name': 'evil', 'path': '/etc', 'description': 'x'}]})), None),
    'index-dotdot-inside': (lambda: _registry_files({}, _yaml({'plugins': [{'name': 'evil', 'path': 'plugins/../..', 'description': 'x'}]})), None),
    'index-not-plugins': (lambda: _registry_files({}, _yaml({'plugins': [{'name': 'evil', 'path': '.git', 'description': 'x'}]})), None),
    'index-name-traversal': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(PLUGIN_YAML)}}, _yaml({'plugins': [
        {'name': 'evil', 'path': 'plugins/evil', 'description': 'x'}, {'name': '../../outside', 'path': 'plugins/evil', 'description': 'x'}]})), None),
    'index-alias-bomb': (lambda: _registry_files({}, _bomb() + 'plugins: *a9\n'), None),
    'index-recursive-alias': (lambda: _registry_files({}, 'plugins: &p [*p]\n'), None),
    'index-not-utf8': (lambda: _registry_files({}, b'plugins:\n- name: evil\n  path: plugins/evil\n  description: caf\xe9 \xff\xfe\n'), None),
    'index-not-a-list': (lambda: _registry_files({}, 'plugins: {evil: plugins/evil}\n'), None),
    'plugin-symlink-absolute': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(PLUGIN_YAML)}}), {'plugins/evil/passwd': '/etc/passwd'}),
    'plugin-symlink-relative': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(PLUGIN_YAML)}}),
                                {'plugins/evil/up': '../../../../../../../../../../tmp'}),
    'plugin-yaml-symlink-sibling': (lambda: _registry_files({'evil': {'README.md': 'x\n'}, 'other': {'plugin.yaml': _yaml(PLUGIN_YAML)}}),
                                    {'plugins/evil/plugin.yaml': '../other/plugin.yaml'}),
    'plugin-huge-yaml': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(PLUGIN_YAML) + '# ' + 'x' * (2 * 1024 * 1024) + '\n'}}), None),
    'plugin-alias-bomb': (lambda: _registry_files({'evil': {'plugin.yaml': _bomb() + _yaml(PLUGIN_YAML)}}), None),
    'plugin-recursive-alias': (lambda: _registry_files({'evil': {'plugin.yaml': 'tags: &t [*t]\n' + _yaml(PLUGIN_YAML)}}), None),
    'plugin-deep': (lambda: _registry_files({'evil': {'plugin.yaml': _deep() + _yaml({k: v for k, v in PLUGIN_YAML.items() if k != 'description'})}}), None),
    'plugin-not-utf8': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(PLUGIN_YAML).encode() + b'# caf\xe9\n'}}), None),
    'plugin-unknown-key': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(dict(PLUGIN_YAML, backdoor='yes'))}}), None),
    'plugin-bad-env-name': (lambda: _registry_files({'evil': {'plugin.yaml': _yaml(dict(PLUGIN_YAML, env_vars=[{'name': 'bad-name; rm -rf /'}]))}}), None),
    'plugin-missing': (lambda: _registry_files({}, _yaml({'plugins': [{'name': 'evil', 'path': 'plugins/evil', 'description': 'x'}]})), None),
}

GIT_CASES = {
    'atk-dir-is-symlink': ({'README.md': 'x\n'}, {'.atk': '/etc'}),
    'atk-symlink-absolute': ({'.atk/plugin.yaml': _yaml(PLUGIN_YAML)}, {'.atk/passwd': '/etc/passwd'}),
    'atk-plugin-yaml-symlink-up': ({'README.md': _yaml(PLUGIN_YAML)}, {'.atk/plugin.yaml': '../README.md'}),
    'atk-plugin-yml-only': ({'.atk/plugin.yml': _yaml(PLUGIN_YAML)}, None),
    'atk-name-sanitizes-to-nothing': ({'.atk/plugin.yaml': _yaml(dict(PLUGIN_YAML, name='!!! ///'))}, None),
}


def _cases():
    cases = []
    add = cases.append
    # -- names, paths, URLs and versions (refused before any network or file access) ----------------
    add(Case('name-traversal', 'plugin', _plugin({'name': '../../outside', 'source': 'registry'}), r'Invalid registry plugin name'))
    add(Case('name-absolute', 'plugin', _plugin({'name': '/etc/passwd', 'source': 'registry'}), r'Invalid registry plugin name'))
    add(Case('name-leading-dash', 'plugin', _plugin({'name': '--upload-pack=touch /tmp/x', 'source': 'registry'}), r"starts with '-'"))
    add(Case('name-newline', 'plugin', _plugin({'name': 'alpha\n[core]', 'source': 'registry'}), r'control character'))
    add(Case('name-absolute-file', 'plugin', lambda w, c: {'name': str(c.outside / 'secret.txt')}, r'must be a \.yaml or \.yml file'))
    add(Case('path-missing', 'plugin', lambda w, c: {'path': str(c.outside / 'nothing-here')}, r'does not exist'))
    add(Case('path-fifo', 'plugin', lambda w, c: {'path': str(c.outside.parent / 'src' / 'plugin.fifo')},
             r'(not a regular file|must be a \.yaml)', prepare=_local_source({}, fifo='plugin.fifo')))
    add(Case('git-url-leading-dash', 'plugin', lambda w, c: {'url': '--upload-pack=touch %s/pwned' % c.outside}, r"starts with '-'"))
    add(Case('git-url-ext', 'plugin', lambda w, c: {'url': 'ext::sh -c touch%% %s/pwned' % c.outside}, r"'ext::' remote-helper transport is not allowed"))
    add(Case('git-url-fd', 'plugin', _plugin({'url': 'fd::17'}), r"'fd::' remote-helper transport is not allowed"))
    add(Case('git-url-newline', 'plugin', _plugin({'url': 'example.org/acme/fine\n\tpushurl = evil'}), r'control character'))
    add(Case('git-url-ssh-option-host', 'plugin', lambda w, c: {'url': 'ssh://-oProxyCommand=touch%%20%s%%2Fpwned/x/y' % c.outside},
             r'(strange hostname|Cannot reach|not found or not accessible)'))
    add(Case('git-version-leading-dash', 'plugin', lambda w, c: {'url': w.good_git.url, 'version': '--output=%s/pwned' % c.outside},
             r"Refusing version"))
    add(Case('git-version-ext', 'plugin', lambda w, c: {'url': w.good_git.url, 'version': 'ext::sh'}, r'not a valid git branch, tag or commit id'))
    add(Case('git-version-traversal', 'plugin', lambda w, c: {'url': w.good_git.url, 'version': '../../refs/x'}, r'not a valid git branch'))
    add(Case('registry-version-dash', 'plugin', _plugin({'name': 'beta', 'version': '-c core.sshCommand=touch'}), r"starts with '-'"))
    add(Case('registry-url-dash', 'plugin', lambda w, c: {'name': 'beta', 'registry_url': '--upload-pack=touch %s/pwned' % c.outside},
             r"starts with '-'"))
    add(Case('registry-url-ext', 'plugin', lambda w, c: {'name': 'beta', 'registry_url': 'ext::sh -c touch%% %s/pwned' % c.outside},
             r"'ext::' remote-helper transport is not allowed"))
    # -- hostile registries ----------------------------------------------------------------------
    expect = {
        'index-escape': r"unsafe path '\.\./\.\./outside'", 'index-absolute': r"unsafe path '/etc'",
        'index-dotdot-inside': r'unsafe path', 'index-not-plugins': r"unsafe path '\.git'",
        'index-alias-bomb': r'(alias|too large|nodes)',
        'index-recursive-alias': r'recursive', 'index-not-utf8': r'(UTF-8|utf-8|Invalid registry index)',
        'index-not-a-list': r'plugins', 'plugin-symlink-absolute': r"Refusing symlink 'passwd'.*points outside",
        'plugin-symlink-relative': r"Refusing symlink 'up'.*points outside",
        'plugin-yaml-symlink-sibling': r"Refusing symlink 'plugin\.yaml'.*points outside",
        'plugin-huge-yaml': r'larger than 1048576 bytes', 'plugin-alias-bomb': r'alias bomb',
        'plugin-recursive-alias': r'recursive alias', 'plugin-deep': r'nested more than 100 levels',
        'plugin-not-utf8': r'not UTF-8', 'plugin-unknown-key': r'backdoor', 'plugin-bad-env-name': r'env_vars',
        'plugin-missing': r"Plugin directory 'plugins/evil' listed in index but missing",
    }
    for name in REGISTRY_CASES:
        if name == 'index-name-traversal':
            # One unsafe entry does not spoil the registry: it is skipped (with a warning naming it), and the
            # plugin asked for installs from its own, safe entry. Nothing may appear outside the home.
            add(Case('registry-' + name, 'plugin', _reg(name), None, ok=True,
                     check=lambda world, case: (case.home / 'plugins' / 'evil' / 'plugin.yaml').is_file()))
            continue
        add(Case('registry-' + name, 'plugin', _reg(name), expect[name]))
    expect = {
        'atk-dir-is-symlink': r"does not contain an '\.atk/' directory", 'atk-symlink-absolute': r"Refusing symlink 'passwd'",
        'atk-plugin-yaml-symlink-up': r"Refusing symlink 'plugin\.yaml'", 'atk-plugin-yml-only': r'does not contain plugin\.yaml',
        'atk-name-sanitizes-to-nothing': r'cannot be sanitized',
    }
    for name in GIT_CASES:
        add(Case('git-' + name, 'plugin', _git(name), expect[name]))
    # -- local plugin folders ------------------------------------------------------------------------
    add(Case('local-symlink-outside', 'plugin', lambda w, c: {'path': str(c.outside.parent / 'src')}, r"Refusing symlink 'secret'.*points outside",
             prepare=_local_source({'plugin.yaml': _yaml(dict(PLUGIN_YAML, name='evil-local'))},
                                   {'secret': lambda case: str(case.outside / 'secret.txt')})))
    add(Case('local-plugin-yaml-symlink-outside', 'plugin', lambda w, c: {'path': str(c.outside.parent / 'src')},
             r"Refusing '[^']*/src/plugin\.yaml': it is a symlink to '[^']*/outside/secret\.txt', outside the plugin folder",
             prepare=_local_source({}, {'plugin.yaml': lambda case: str(case.outside / 'secret.txt')})))
    add(Case('local-folder-with-fifo', 'plugin', lambda w, c: {'path': str(c.outside.parent / 'src')}, r"not a regular file",
             prepare=_local_source({'plugin.yaml': _yaml(dict(PLUGIN_YAML, name='evil-local'))}, fifo='pipe')))
    add(Case('local-latest', 'plugin', lambda w, c: {'path': w.loc_src, 'state': 'latest'}, r'cannot be upgraded'))
    # -- the user's side of an installed plugin (a cloned home can carry symlinks in custom/) ---------
    add(Case('custom-dir-symlink-outside', 'plugin', _plugin({'name': 'alpha', 'state': 'latest'}), r"(symlink|custom)",
             prepare=_symlink('plugins/alpha/custom', lambda case: str(case.outside / 'dir'))))
    add(Case('overrides-symlink-outside', 'plugin', _plugin({'name': 'alpha', 'state': 'latest'}), r"(symlink|overrides)",
             prepare=_symlink('plugins/alpha/custom/overrides.yaml', lambda case: str(case.outside / 'secret.txt'))))
    add(Case('overrides-unknown-key', 'plugin', _plugin({'name': 'alpha', 'state': 'latest'}), r'sneaky_key',
             prepare=lambda w, c: (c.home / 'plugins/alpha/custom/overrides.yaml').write_text('sneaky_key: 1\n')))
    add(Case('overrides-alias-bomb', 'plugin', _plugin({'name': 'alpha', 'state': 'latest'}), r'alias bomb',
             prepare=lambda w, c: (c.home / 'plugins/alpha/custom/overrides.yaml').write_text(_bomb())))
    # -- manifests ----------------------------------------------------------------------------------

    def dup(text):
        return text.replace('plugins:\n', 'plugins:\n' + text.split('plugins:\n', 1)[1], 1)
    add(Case('manifest-duplicate-directory', 'plugin', _plugin({'all': True}), r"lists the directory '\w+' twice",
             prepare=_home_manifest_edit(lambda t: dup(t).encode())))
    add(Case('manifest-directory-traversal', 'plugin', _plugin({'all': True}), r'directory',
             prepare=_home_manifest_edit(lambda t: t.replace('directory: alpha', 'directory: ../../outside').encode())))
    add(Case('manifest-recursive-alias', 'plugin', _plugin({'all': True}), r'(recursive alias|manifest)',
             prepare=_home_manifest_edit(b'schema_version: &s "2026-02-06"\nconfig: &c {x: *c}\nplugins: []\n')))
    add(Case('manifest-alias-bomb', 'plugin', _plugin({'all': True}), r'(alias|manifest)',
             prepare=_home_manifest_edit((_bomb() + 'schema_version: "2026-02-06"\nplugins: *a9\n').encode())))
    add(Case('manifest-not-utf8', 'plugin', _plugin({'all': True}), r'(UTF-8|utf-8)',
             prepare=_home_manifest_edit(lambda t: t.encode() + b'# caf\xe9\n')))
    add(Case('manifest-ref-option', 'plugin', _plugin({'all': True}), r'(40-character commit id|Refusing)',
             prepare=_home_manifest_edit(lambda t: re.sub(r"ref: '?[0-9a-f]{40}'?", "ref: --upload-pack=touch", t).encode())))
    add(Case('manifest-git-url-ext', 'plugin', _plugin({'all': True}), r"'ext::' remote-helper transport is not allowed",
             prepare=_home_manifest_edit(lambda t: t + "- name: evil\n  directory: evil\n  source:\n    type: git\n    ref: '%s'\n"
                                         "    url: ext::sh -c touch%% /tmp/pwned\n" % ('0' * 40))))
    # -- two desired plugins, one folder ---------------------------------------------------------------
    add(Case('two-sources-one-folder', 'plugin', lambda w, c: {'plugins': [{'name': 'gamma'}, {'url': w.gamma_git.source}]},
             r'(same folder plugins/gamma|would go to plugins/gamma)'))
    add(Case('same-registry-plugin-twice', 'plugin', _plugin({'plugins': [{'name': 'beta'}, {'name': 'beta', 'state': 'latest'}]}),
             r'same folder plugins/beta'))
    add(Case('local-shadows-registry', 'plugin', lambda w, c: {'plugins': [{'name': 'beta'}, {'path': str(c.outside.parent / 'src')}]},
             r'(same folder plugins/beta|would go to plugins/beta)',
             prepare=_local_source({'plugin.yaml': _yaml(dict(PLUGIN_YAML, name='Beta'))})))
    # -- atk_env ---------------------------------------------------------------------------------------
    add(Case('env-nul-value', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': 'a\u0000b'}}), r'(NUL|control character)'))
    add(Case('env-escape-value', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': 'a\u001b[31mb'}}), r'control character'))
    add(Case('env-bad-name', 'env', _plugin({'plugin': 'alpha', 'values': {'lower-case': 'x'}}), r'lower-case'))
    add(Case('env-name-with-equals', 'env', _plugin({'plugin': 'alpha', 'values': {'A=B': 'x'}}), r'A=B'))
    add(Case('env-name-newline', 'env', _plugin({'plugin': 'alpha', 'values': {'A\nB': 'x'}}), r'(invalid|name|must match)'))
    add(Case('env-bool', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': True}}), r'boolean'))
    add(Case('env-dict', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': {'a': 1}}}), r'must be text'))
    add(Case('env-plugin-traversal', 'env', _plugin({'plugin': '../../outside'}), r"Plugin '\.\./\.\./outside' not found"))
    add(Case('env-plugin-absolute', 'env', lambda w, c: {'plugin': str(c.outside)}, r'not found'))
    add(Case('env-file-not-utf8', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': 'new value'}}), r'not valid UTF-8',
             prepare=lambda w, c: (c.home / 'plugins/alpha/.env').write_bytes(b'ALPHA_VAR_1=caf\xe9\n')))
    add(Case('env-newline-round-trips', 'env', _plugin({'plugin': 'alpha', 'values': {'ALPHA_VAR_1': 'line one\nline "two" ${HOME}'}}),
             None, ok=True, check=lambda w, c: _dotenv_reads(c.home / 'plugins/alpha/.env') == {'ALPHA_VAR_1': 'line one\nline "two" ${HOME}'}))
    return cases


def _dotenv_reads(path):
    """What atk reads from a .env: python-dotenv of the atk peer's own environment."""
    python = atk_bin().parent / 'python'
    code = 'import json,sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))\n'
    proc = subprocess.run([str(python), '-c', code, str(path)], text=True, capture_output=True, check=True)
    return json.loads(proc.stdout)


CASES = [c for c in _cases() if re.search(os.environ.get('ATK_CORE_HOSTILE_ONLY', ''), c.id)]


def _prepare_case(world, case):
    base = world.root / 'cases' / case.id
    case.home = base / 'home'
    case.outside = base / 'outside'
    case.cache = world.root / 'caches' / case.id
    copy_tree(world.template, case.home)
    (case.outside / 'dir').mkdir(parents=True)
    # Not YAML that parses: the line a parser error would quote holds the secret.
    (case.outside / 'secret.txt').write_text('token: one\n  bad: [%s\n' % OUTSIDE_SECRET)
    (case.outside / 'victim.txt').write_text('do not touch\n')
    (case.outside / 'dir' / 'file.yaml').write_text('leak: %s\n' % OUTSIDE_SECRET)
    if case.prepare:
        case.prepare(world, case)
    case.before_home = snapshot(case.home, ignore=IGNORE)
    case.before_outside = snapshot(base, ignore=tuple('home/' + p for p in IGNORE))


def _task(world, case):
    args = case.args(world, case)
    if case.module == 'plugin':
        args.setdefault('home', str(case.home))
        args.setdefault('cache_dir', str(case.cache))
        module = 'atk.core.atk_plugin'
    else:
        args.setdefault('home', str(case.home))
        module = 'atk.core.atk_env'
    return {'name': case.id, module: args, 'ignore_errors': True, 'timeout': 60}


@pytest.fixture(scope='module')
def hostile_run(tmp_path_factory, git_daemon, collection_path, figures):
    """Every case, run once per pytest run (xdist or not); -> {case id: [problems]}."""
    return shared_once(tmp_path_factory, 'hostile', lambda: _run_cases(tmp_path_factory, git_daemon, collection_path, figures))


def _run_cases(tmp_path_factory, git_daemon, collection_path, figures):
    world = _build_world(tmp_path_factory, git_daemon, collection_path)
    for name, (files, symlinks) in REGISTRY_CASES.items():
        world.registry(name, files(), symlinks)
    for name, (files, symlinks) in GIT_CASES.items():
        world.git_source(name, files, symlinks)
    for case in CASES:
        _prepare_case(world, case)
    ansible = AnsibleRunner(world.env, collections_path=collection_path)
    # Two playbooks side by side (each case touches only its own home and outside/).
    halves = [CASES[0::2], CASES[1::2]]

    def play(cases):
        return ansible.run([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [_task(world, c) for c in cases]}], timeout=900)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(play, halves))
    figure = figures.suite('hostile', 'cases handled {handled}/{cases}')
    figure.set('cases', len(CASES))
    outcome = {}
    for cases, run in zip(halves, runs):
        for case in cases:
            outcome[case.id] = _judge(world, case, run)
            if not outcome[case.id]:
                figure.add('handled')
    return outcome


def _judge(world, case, run):
    problems = []
    try:
        entry = run.entry(case.id)
    except KeyError:
        return ['no result (the playbook died?): %s' % run.describe()[-3000:]]
    result = entry['result']
    msg = str(result.get('msg', ''))
    if case.ok:
        if entry['status'] != 'ok':
            problems.append('expected success, got %s: %s' % (entry['status'], msg))
        elif case.check and not case.check(world, case):
            problems.append('the value did not round-trip to what atk reads')
    else:
        if entry['status'] != 'failed':
            problems.append('expected a failure, got %s (changed=%s)' % (entry['status'], result.get('changed')))
        # (Ansible 2.19 attaches the traceback of the AtkError being reported as 'exception'.)
        exception = str(result.get('exception') or '')
        crashed = 'Traceback' in msg or 'MODULE FAILURE' in msg or 'Timed out' in msg or (
            'Traceback (most recent call last)' in exception and 'AtkError' not in exception)
        if crashed:
            problems.append('not a clear error but a crash: %s' % (msg + str(result.get('exception') or ''))[-1500:])
        elif not re.search(case.expect, msg, re.S):
            problems.append('message does not match %r: %s' % (case.expect, msg[-1500:]))
        diff = snapshot_diff(case.before_home, snapshot(case.home, ignore=IGNORE))
        if diff:
            problems.append('the home changed: %s' % diff)
    base = case.outside.parent
    diff = [d for d in snapshot_diff(case.before_outside, snapshot(base, ignore=tuple('home/' + p for p in IGNORE)), limit=10 ** 6)
            if not d.split()[-1].startswith('home/')][:20]
    if diff:
        problems.append('outside the home changed: %s' % diff)
    if OUTSIDE_SECRET in json.dumps(result):
        problems.append('the secret of outside/ appears in the result')
    return problems


@pytest.mark.parametrize('cid', [c.id for c in CASES])
def test_hostile_input(hostile_run, cid):
    problems = hostile_run[cid]
    assert not problems, '%s:\n  %s' % (cid, '\n  '.join(problems))


def test_corpus_size():
    assert len(_cases()) >= 40
