#!/usr/bin/env node
import '../dist/store-verify-cli.js'
