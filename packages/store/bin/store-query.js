#!/usr/bin/env node
import '../dist/store-query-cli.js'
