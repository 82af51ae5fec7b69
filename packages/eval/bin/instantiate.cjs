#!/usr/bin/env node
require('../dist/instantiate-bin.cjs')
