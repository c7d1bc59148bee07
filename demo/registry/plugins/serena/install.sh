#!/bin/sh
# Demo stand-in for serena's install script: the real one installs serena with uv.
echo "serena: installed (demo stand-in, nothing downloaded)"
