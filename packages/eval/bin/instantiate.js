#!/usr/bin/env node
import '../dist/instantiate-cli.js'
