"""A plugin that stores data, with the scripts of the backup convention (and a few more for atk_run).

``data_plugin(slug='notes')`` -> PluginSource for a registry: ``NOTES_TOKEN`` (secret) and
``NOTES_COLOR`` (not secret) variables; scripts (``.sh``, so the registry builder makes them
executable):

- ``backup.sh`` copies ``data/`` of the plugin folder into ``$ATK_BACKUP_DIR`` and prints the token
  on stdout and stderr (atk.core must mask it);
- ``restore.sh`` copies ``$ATK_RESTORE_DIR/`` back into ``data/`` and prints the token too;
- ``hello.sh`` prints ``hello <args>``, the working directory, ``NOTES_COLOR``, ``EXTRA`` and the token; with
  the arguments ``fail N`` it exits N; it creates or removes ``data/<$HELLO_TOUCH>`` / ``$HELLO_RM`` when set;
- ``sleepy.sh`` sleeps 60 s; ``plain`` is a script file without the executable bit;
- the ``logs`` lifecycle command prints 300 numbered lines holding the token (``./logs.sh``), or
  with ``follow`` keeps printing every 0.1 s until killed.
"""

from __future__ import annotations

from .registry import PluginSource, dump_yaml

SPEC = {
    'schema_version': '2026-01-23',
    'name': 'Notes',
    'description': 'A plugin that keeps data in data/.',
    'maturity': 'verified',
    'env_vars': [
        {'name': 'NOTES_TOKEN', 'required': False, 'secret': True, 'description': 'API token'},
        {'name': 'NOTES_COLOR', 'required': False, 'secret': False, 'default': 'blue'},
    ],
    'lifecycle': {'install': 'mkdir -p data', 'uninstall': 'true', 'logs': './logs.sh'},
}

SCRIPTS = {
    'backup.sh': '#!/bin/sh\nset -e\necho "backing up with token $NOTES_TOKEN"\necho "stderr token $NOTES_TOKEN" >&2\n'
                 'cp -R data/. "$ATK_BACKUP_DIR/"\n',
    'restore.sh': '#!/bin/sh\nset -e\necho "restoring with token $NOTES_TOKEN"\nmkdir -p data\n'
                  'cp -R "$ATK_RESTORE_DIR/." data/\n',
    'hello.sh': '#!/bin/sh\necho "hello $*"\necho "cwd=$(pwd)"\necho "color=$NOTES_COLOR extra=$EXTRA"\n'
                'echo "token=$NOTES_TOKEN" >&2\n'
                '[ -n "$HELLO_TOUCH" ] && mkdir -p data && touch "data/$HELLO_TOUCH"\n'
                '[ -n "$HELLO_RM" ] && rm -f "data/$HELLO_RM"\n'
                '[ "$1" = fail ] && exit "$2"\nexit 0\n',
    'sleepy.sh': '#!/bin/sh\necho started\nsleep 60\n',
    'logs.sh': '#!/bin/sh\nif [ "$1" = follow ]; then i=0; while :; do i=$((i+1)); echo "tick $i $NOTES_TOKEN"; sleep 0.1; done; fi\n'
               'i=1; while [ $i -le 300 ]; do echo "line $i token=$NOTES_TOKEN"; i=$((i+1)); done\n',
    'plain': '#!/bin/sh\necho never\n',
}


def data_plugin(slug: str = 'notes', logs: str = './logs.sh') -> PluginSource:
    spec = dict(SPEC, lifecycle=dict(SPEC['lifecycle'], logs=logs))
    files = {'plugin.yaml': dump_yaml(spec), 'README.md': '# notes\n'}
    files.update(SCRIPTS)
    return PluginSource(slug, files, 'A plugin that keeps data.')
