#!/bin/sh
# Demo stand-in for the serena MCP server wrapper of the public registry (not bundled here).
echo "serena: demo stand-in, no MCP server is started" >&2
exit 0
