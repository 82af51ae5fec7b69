#!/usr/bin/env node
import '../dist/instantiate-bin.js'
