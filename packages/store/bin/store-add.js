#!/usr/bin/env node
import '../dist/store-add-cli.js'
