#!/bin/sh
# Demo stand-in for the fetch MCP server wrapper of the public registry (not bundled here).
echo "fetch: demo stand-in, no MCP server is started" >&2
exit 0
