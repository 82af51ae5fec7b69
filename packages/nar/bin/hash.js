#!/usr/bin/env node
import '../dist/cli/hash.js'
