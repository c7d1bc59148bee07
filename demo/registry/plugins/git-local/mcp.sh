#!/bin/sh
# Demo stand-in for the git-local MCP server wrapper of the public registry (not bundled here).
echo "git-local: demo stand-in, no MCP server is started" >&2
exit 0
