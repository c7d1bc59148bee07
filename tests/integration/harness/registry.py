"""Test registries (the public registry snapshot or synthetic plugins) and git-source plugin repos.

Everything here produces ordinary git repositories that a :class:`harness.daemon.GitDaemon`
serves; lifecycle commands are swapped for a small real shell script (:func:`stub_script`)
that records what ran in ``$ATK_TEST_MARKERS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Union

import yaml

from .gitrepo import Content, GitRepo
from .paths import fixture_registry_dir

INDEX_SCHEMA_VERSION = '2026-01-23'
PLUGIN_SCHEMA_VERSION = '2026-01-23'
STUB_NAME = 'atk-test-lifecycle.sh'
LIFECYCLE_COMMANDS = ('install', 'uninstall', 'start', 'stop', 'logs', 'status')
LIFECYCLE_MODES = ('replace', 'all', 'full', 'keep', 'none')


@dataclass
class PluginSource:
    """One registry plugin before it is committed: ``files`` maps paths inside ``plugins/<slug>/`` to content."""

    slug: str
    files: Dict[str, Union[str, bytes]] = field(default_factory=dict)
    description: str = ''

    def spec(self) -> dict:
        """The parsed plugin.yaml."""
        raw = self.files.get('plugin.yaml', self.files.get('plugin.yml'))
        if raw is None:
            raise KeyError('plugin %s has no plugin.yaml' % self.slug)
        return yaml.safe_load(raw)


# ---------------------------------------------------------------------------------------------
# Lifecycle stubs


def stub_script(key: str, env_names: Iterable[str] = ()) -> str:
    """The POSIX shell script that stands in for a plugin's lifecycle (``./atk-test-lifecycle.sh <action>``).

    With ``$ATK_TEST_MARKERS`` set (a directory), every call appends ``"<key> <action> <cwd>"``
    to ``$ATK_TEST_MARKERS/log``; ``install`` writes ``<key>.installed`` (``cwd=...`` and
    ``NAME=value`` for each of the plugin's env vars that is set), ``uninstall`` deletes it;
    ``start``/``stop`` create/delete ``<key>.running`` and ``status`` succeeds while it exists.
    Without ``$ATK_TEST_MARKERS`` it writes nothing and succeeds (``status`` fails).
    Failure injection: ``ATK_TEST_FAIL="key:action ..."`` makes that call exit 3, and a file
    ``$ATK_TEST_MARKERS/<key>.<action>.fail`` makes it exit with the code the file holds.
    ``$ATK_TEST_INSTALL_OUTPUTS`` set: ``install`` also leaves ``.venv/`` and ``build/`` in the plugin
    folder, as real installs do.
    """
    if not re.match(r'^[A-Za-z0-9._-]+$', key):
        raise ValueError('marker key must be a simple name: %r' % key)
    env_lines = ''.join(
        '            [ -z "${%(n)s+x}" ] || printf \'%(n)s=%%s\\n\' "$%(n)s"\n' % {'n': name}
        for name in env_names if re.match(r'^[A-Z_][A-Z0-9_]*$', name)
    )
    return '''#!/bin/sh
# Test stand-in for the lifecycle commands of plugin '%(key)s' (atk.core integration harness).
set -u
key='%(key)s'
action="${1:-}"
markers="${ATK_TEST_MARKERS:-}"
if [ -n "$markers" ]; then
    mkdir -p "$markers"
    printf '%%s %%s %%s\\n' "$key" "$action" "$(pwd)" >> "$markers/log"
fi
case " ${ATK_TEST_FAIL:-} " in
    *" $key:$action "*) echo "$key: $action failing on purpose (ATK_TEST_FAIL)" >&2; exit 3 ;;
esac
if [ -n "$markers" ] && [ -f "$markers/$key.$action.fail" ]; then
    code=$(cat "$markers/$key.$action.fail")
    echo "$key: $action failing on purpose ($markers/$key.$action.fail)" >&2
    exit "${code:-1}"
fi
case "$action" in
    install)
        [ -z "$markers" ] || {
            echo "cwd=$(pwd)"
%(env_lines)s        } > "$markers/$key.installed"
        if [ -n "${ATK_TEST_INSTALL_OUTPUTS:-}" ]; then
            # what real installs leave in their own folder: a virtualenv, build outputs
            mkdir -p .venv build && echo "home = /usr" > .venv/pyvenv.cfg && date +%%s%%N > build/stamp
        fi
        echo "$key: installed"
        ;;
    uninstall) [ -z "$markers" ] || rm -f "$markers/$key.installed"; echo "$key: uninstalled" ;;
    start) [ -z "$markers" ] || : > "$markers/$key.running"; echo "$key: started" ;;
    stop) [ -z "$markers" ] || rm -f "$markers/$key.running"; echo "$key: stopped" ;;
    status) [ -n "$markers" ] && [ -f "$markers/$key.running" ] ;;
    logs) echo "$key: no logs (test stub)" ;;
    *) echo "$key: unknown lifecycle action '$action'" >&2; exit 2 ;;
esac
''' % {'key': key, 'env_lines': env_lines}


def stub_lifecycle(files: Mapping[str, Union[str, bytes]], key: str, mode: str = 'replace', prefix: str = '') -> Dict[str, Union[str, bytes]]:
    """Return ``files`` with the plugin's lifecycle commands swapped for :func:`stub_script`.

    ``prefix`` is where plugin.yaml sits inside ``files`` (``''`` for a registry plugin folder,
    ``'.atk/'`` for a git source). Modes:

    * ``replace`` (default): each command the plugin defines (install, uninstall, start, stop,
      logs, status) runs the stub; ``health_endpoint`` is kept; plugins without a
      ``lifecycle`` stay as they are (atk's "no install command" path stays testable);
    * ``all``: like ``replace``, and every plugin gets at least install + uninstall;
    * ``full``: every plugin gets all six commands;
    * ``keep``: the real commands are left alone (they will fail: the scripts are not in the snapshot);
    * ``none``: ``lifecycle`` is removed.
    Plugins whose plugin.yaml does not change keep their original bytes.
    """
    if mode not in LIFECYCLE_MODES:
        raise ValueError('lifecycle mode must be one of %s, not %r' % (', '.join(LIFECYCLE_MODES), mode))
    out = dict(files)
    name = prefix + 'plugin.yaml' if prefix + 'plugin.yaml' in files else prefix + 'plugin.yml'
    if mode == 'keep' or name not in files:
        return out
    spec = yaml.safe_load(files[name])
    lifecycle = dict(spec.get('lifecycle') or {})
    if mode == 'none':
        if 'lifecycle' not in spec:
            return out
        spec.pop('lifecycle')
    else:
        wanted = [c for c in LIFECYCLE_COMMANDS if lifecycle.get(c)]
        if mode == 'all':
            wanted = sorted(set(wanted) | {'install', 'uninstall'}, key=LIFECYCLE_COMMANDS.index)
        elif mode == 'full':
            wanted = list(LIFECYCLE_COMMANDS)
        if not wanted:
            return out
        for command in wanted:
            lifecycle[command] = './%s %s' % (STUB_NAME, command)
        spec['lifecycle'] = lifecycle
        env_names = [v.get('name') for v in spec.get('env_vars') or [] if isinstance(v, dict)]
        out[prefix + STUB_NAME] = stub_script(key, env_names)
    out[name] = dump_yaml(spec)
    return out


def dump_yaml(data) -> str:
    """YAML the way the registry's generator writes it (keys in order, unicode kept)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)


# ---------------------------------------------------------------------------------------------
# Plugin sets


def fixture_plugins(only: Optional[Iterable[str]] = None, source: Union[str, Path, None] = None) -> List[PluginSource]:
    """The snapshot's plugins, in index order (every file of each ``plugins/<slug>/``).

    ``only`` restricts (and orders) the set by slug; ``source`` overrides the snapshot folder.
    """
    root = Path(source) if source else fixture_registry_dir()
    index = yaml.safe_load((root / 'index.yaml').read_text(encoding='utf-8'))
    entries = {e['name']: e for e in index['plugins']}
    slugs = list(only) if only is not None else [e['name'] for e in index['plugins']]
    plugins = []
    for slug in slugs:
        if slug not in entries:
            raise KeyError('plugin %r is not in the fixture registry (%s)' % (slug, ', '.join(sorted(entries))))
        folder = root / entries[slug]['path']
        files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}
        plugins.append(PluginSource(slug, files, entries[slug].get('description', '')))
    return plugins


def synthetic_plugin(slug: str, env_vars: int = 0, lifecycle: bool = True, mcp: bool = True, skill: bool = True,
                     name: Optional[str] = None, description: Optional[str] = None, extra_files: Optional[Mapping[str, Content]] = None) -> PluginSource:
    """One small valid plugin: plugin.yaml (+ README.md, SKILL.md), optional env vars, lifecycle and stdio MCP."""
    prefix = re.sub(r'[^A-Z0-9]', '_', slug.upper())
    spec: dict = {
        'schema_version': PLUGIN_SCHEMA_VERSION,
        'name': name or slug,
        'description': description or 'Synthetic test plugin %s.' % slug,
        'maturity': 'verified',
    }
    if env_vars:
        spec['env_vars'] = [
            {'name': '%s_VAR_%d' % (prefix, i), 'required': False, 'secret': i == 1, 'default': 'default-%d' % i,
             'description': 'Synthetic variable %d of %s' % (i, slug)}
            for i in range(1, env_vars + 1)
        ]
    if lifecycle:
        spec['lifecycle'] = {'install': 'true', 'uninstall': 'true'}
    if mcp:
        spec['mcp'] = {'transport': 'stdio', 'command': 'bash', 'args': ['$ATK_PLUGIN_DIR/mcp.sh']}
        if env_vars:
            spec['mcp']['env'] = [v['name'] for v in spec['env_vars']]
    files: Dict[str, Union[str, bytes]] = {'plugin.yaml': dump_yaml(spec), 'README.md': '# %s\n\nSynthetic plugin for atk.core tests.\n' % slug}
    if skill:
        files['SKILL.md'] = '# %s\n\nUse the %s tools.\n' % (slug, slug)
    if mcp:
        files['mcp.sh'] = '#!/bin/sh\nexec cat\n'
    for rel, content in (extra_files or {}).items():
        if content is not None:
            files[rel] = content
    return PluginSource(slug, files, spec['description'])


def synthetic_plugins(count: int, prefix: str = 'synth', start: int = 1, **kwargs) -> List[PluginSource]:
    """``count`` synthetic plugins named ``<prefix>-001``, ``<prefix>-002``, ... (see :func:`synthetic_plugin`)."""
    return [synthetic_plugin('%s-%03d' % (prefix, i), **kwargs) for i in range(start, start + count)]


# ---------------------------------------------------------------------------------------------
# The registry repository


class Registry(GitRepo):
    """A registry repository (``index.yaml`` + ``plugins/<slug>/``) on branch ``main``.

    Build one with :func:`build_registry` (or the ``registry`` / ``registry_factory`` fixtures).
    ``url`` is its git:// URL; :meth:`commit` / :meth:`head` come from :class:`GitRepo`.
    """

    lifecycle_mode = 'replace'

    def index(self, ref: Optional[str] = None) -> dict:
        """The parsed index.yaml (work tree, or at ``ref``)."""
        text = self.read('index.yaml', ref) if ref else (self.path / 'index.yaml').read_text(encoding='utf-8')
        return yaml.safe_load(text)

    def slugs(self) -> List[str]:
        """Plugin slugs listed in the index, in index order."""
        return [entry['name'] for entry in self.index()['plugins']]

    def plugin_dir(self, slug: str) -> Path:
        """The work-tree folder of a plugin."""
        return self.path / 'plugins' / slug

    def plugin_spec(self, slug: str) -> dict:
        """A plugin's parsed plugin.yaml (work tree)."""
        folder = self.plugin_dir(slug)
        name = 'plugin.yaml' if (folder / 'plugin.yaml').exists() else 'plugin.yml'
        return yaml.safe_load((folder / name).read_text(encoding='utf-8'))

    def update_plugin(self, slug: str, changes: Mapping[str, Content], message: Optional[str] = None) -> str:
        """Commit changes inside ``plugins/<slug>/`` (paths relative to it; None deletes); return the sha.

        A dict given for ``plugin.yaml`` is dumped as YAML.
        """
        prepared = {}
        for rel, content in changes.items():
            if isinstance(content, dict):
                content = dump_yaml(content)
            prepared['plugins/%s/%s' % (slug, rel)] = content
        return self.commit(prepared, message or 'Update %s' % slug)

    def add_plugin(self, plugin: PluginSource, lifecycle: Optional[str] = None, message: Optional[str] = None) -> str:
        """Add (or replace) a plugin and its index entry in one commit; return the sha."""
        files = stub_lifecycle(plugin.files, plugin.slug, lifecycle or self.lifecycle_mode)
        changes: Dict[str, Content] = {}
        if self.plugin_dir(plugin.slug).exists():
            changes['plugins/%s' % plugin.slug] = None
        self.write(changes)
        self.write({'plugins/%s/%s' % (plugin.slug, rel): content for rel, content in files.items()})
        _fix_modes(self.plugin_dir(plugin.slug), files)
        entries = [e for e in self.index()['plugins'] if e['name'] != plugin.slug]
        entries.append({'name': plugin.slug, 'path': 'plugins/%s' % plugin.slug, 'description': plugin.description})
        self._write_index(entries)
        return self.commit(message=message or 'Add %s' % plugin.slug)

    def remove_plugin(self, slug: str, message: Optional[str] = None) -> str:
        """Delete a plugin folder and its index entry in one commit; return the sha."""
        self.write({'plugins/%s' % slug: None})
        self._write_index([e for e in self.index()['plugins'] if e['name'] != slug])
        return self.commit(message=message or 'Remove %s' % slug)

    def _write_index(self, entries: List[dict]) -> None:
        index = self.index()
        index['plugins'] = sorted(entries, key=lambda e: e['name'])
        self.write({'index.yaml': dump_yaml(index)})


def build_registry(repo: GitRepo, plugins: Optional[Iterable[PluginSource]] = None, lifecycle: str = 'replace',
                   message: str = 'Registry snapshot') -> Registry:
    """Fill an empty repository with a registry and commit it; return it as a :class:`Registry`.

    ``plugins`` defaults to the whole fixture snapshot (whose original index.yaml bytes are
    then kept); otherwise the index is generated (sorted by slug, like the registry's CI).
    """
    full_snapshot = plugins is None
    plugin_list = fixture_plugins() if full_snapshot else list(plugins)
    registry = Registry(repo.path, daemon=repo.daemon, relpath=repo.relpath)
    registry.lifecycle_mode = lifecycle
    for plugin in plugin_list:
        files = stub_lifecycle(plugin.files, plugin.slug, lifecycle)
        registry.write({'plugins/%s/%s' % (plugin.slug, rel): content for rel, content in files.items()})
        _fix_modes(registry.plugin_dir(plugin.slug), files)
    if full_snapshot:
        registry.write({'index.yaml': (fixture_registry_dir() / 'index.yaml').read_bytes()})
    else:
        entries = sorted(({'name': p.slug, 'path': 'plugins/%s' % p.slug, 'description': p.description} for p in plugin_list),
                         key=lambda e: e['name'])
        registry.write({'index.yaml': dump_yaml({'schema_version': INDEX_SCHEMA_VERSION, 'plugins': entries})})
    registry.commit(message=message)
    return registry


def _fix_modes(folder: Path, files: Mapping[str, Content]) -> None:
    """Fixture files are read-only copies; make them writable, and shell scripts executable."""
    for rel in files:
        path = folder / rel
        if path.is_file():
            path.chmod(0o755 if rel.endswith('.sh') else 0o644)


# ---------------------------------------------------------------------------------------------
# Git-source plugins (the `.atk/` convention)


class GitSource(GitRepo):
    """A plugin repository with ``.atk/plugin.yaml``, served as if it were ``https://<host>/<owner>/<repo>``.

    ``source`` is what a user types (``example.org/acme/demo``), ``public_url`` its https form
    (both rewritten to ``url`` by the ``url.<daemon>/<prefix>/<host>/.insteadOf https://<host>/``
    entry that :meth:`harness.env.IsolatedEnv.serve_git_sources` writes).
    """

    host = 'example.org'
    owner_repo = ''

    @property
    def public_url(self) -> str:
        """``https://<host>/<owner>/<repo>``."""
        return 'https://%s/%s' % (self.host, self.owner_repo)

    @property
    def source(self) -> str:
        """``<host>/<owner>/<repo>`` (atk classifies it as a git source and prefixes https://)."""
        return '%s/%s' % (self.host, self.owner_repo)

    def update_plugin(self, changes: Mapping[str, Content], message: str = 'Update plugin') -> str:
        """Commit changes inside ``.atk/`` (dict values for plugin.yaml are dumped as YAML); return the sha."""
        return self.commit({'.atk/%s' % rel: dump_yaml(c) if isinstance(c, dict) else c for rel, c in changes.items()}, message)


SOURCES_DIR = 'sources'


def build_git_source(daemon, owner_repo: str, spec: Union[dict, str, None] = None, files: Optional[Mapping[str, Content]] = None,
                     host: str = 'example.org', lifecycle: str = 'replace', readme: bool = True, prefix: str = SOURCES_DIR) -> GitSource:
    """Create and commit a git-source repository ``<daemon base>/<prefix>/<host>/<owner>/<repo>``.

    Pair it with ``IsolatedEnv.serve_git_sources(daemon, host, prefix)`` so that
    ``https://<host>/<owner>/<repo>`` (and ``<host>/<owner>/<repo>``) reach it.

    ``spec`` is the plugin.yaml (dict or text; default: a synthetic plugin named after the repo);
    ``files`` are extra files inside ``.atk/``. The lifecycle stub key is the repo name.
    A ``<repo>.git`` alias is served too.
    """
    owner, name = owner_repo.partition('/')[::2]
    if not owner or not name or '/' in name:
        raise ValueError('owner_repo must look like "owner/repo": %r' % owner_repo)
    relpath = '%s/%s/%s' % (prefix.strip('/'), host, owner_repo)
    repo = daemon.init_repo(relpath, cls=GitSource)
    repo.host = host
    repo.owner_repo = owner_repo
    if spec is None:
        plugin_files: Dict[str, Content] = dict(synthetic_plugin(name).files)
    else:
        plugin_files = {'plugin.yaml': dump_yaml(spec) if isinstance(spec, dict) else spec}
    plugin_files.update(files or {})
    plugin_files = {'.atk/%s' % rel: c for rel, c in plugin_files.items() if c is not None}
    plugin_files = stub_lifecycle(plugin_files, name, lifecycle, prefix='.atk/')
    if readme:
        plugin_files['README.md'] = '# %s\n\nA project that ships an ATK plugin in .atk/.\n' % owner_repo
    repo.write(plugin_files)
    _fix_modes(repo.path, plugin_files)
    alias = repo.path.parent / (name + '.git')
    if not alias.exists():
        alias.symlink_to(name)
    repo.commit(message='Initial commit')
    return repo
