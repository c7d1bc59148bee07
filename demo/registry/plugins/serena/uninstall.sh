#!/bin/sh
# Demo stand-in for serena's uninstall script.
echo "serena: uninstalled (demo stand-in)"
