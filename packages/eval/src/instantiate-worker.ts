/** Worker entry of the `instantiate` tool: evaluates on a thread with a large stack. */
import { parentPort, workerData } from 'node:worker_threads'
import { runInstantiate, type InstantiateOptions } from './instantiate.js'

const opts = workerData as InstantiateOptions
const res = runInstantiate(opts)
parentPort?.postMessage(res)
