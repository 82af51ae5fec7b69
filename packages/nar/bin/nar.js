#!/usr/bin/env node
import '../dist/cli/nar.js'
