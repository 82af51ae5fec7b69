#!/usr/bin/env node
import '../dist/cli/ref-scan.js'
