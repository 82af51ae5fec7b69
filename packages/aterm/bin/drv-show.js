#!/usr/bin/env node
import '../dist/drv-show-cli.js'
