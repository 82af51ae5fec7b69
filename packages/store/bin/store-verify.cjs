#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// Run as a program, this file is a shell script that starts Node on itself without
// NODE_EXTRA_CA_CERTS: Node reads that bundle before running any code (≈ 50 ms for the
// system's) and the tools make no TLS connections. Run by `node`, it is JavaScript.
require('../dist/store-verify-bin.cjs')
