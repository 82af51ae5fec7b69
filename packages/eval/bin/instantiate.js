#!/usr/bin/env node
import '../dist/instantiate.bundle.js'
