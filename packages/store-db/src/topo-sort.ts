import { StoreDbError } from './errors.js'

/**
 * Nix's `topoSort` (src/libutil/topo-sort.hh) on integer nodes, iteratively so deep graphs
 * cannot overflow the stack. Nodes are visited in ascending order, children in the order
 * given (callers pass them ascending, as Nix's `std::set` iterates); children outside the
 * item set and self-edges are skipped. Returns the post-order: every node after all of its
 * children, i.e. the reverse of what Nix's `topoSort` returns.
 *
 * @param items ascending node numbers to sort
 * @param children ascending children of a node
 * @param inItems whether a node belongs to the item set
 * @param describe turns a node into its store path for the cycle error
 * @throws {StoreDbError} `cycle`: "cycle detected in the references of 'X' from 'Y'".
 */
export function postOrder(
  items: Iterable<number>,
  children: (node: number) => readonly number[],
  inItems: (node: number) => boolean,
  describe: (node: number) => string,
): number[] {
  const out: number[] = []
  const visited = new Set<number>()
  const parents = new Set<number>()
  const stackNode: number[] = []
  const stackKids: (readonly number[])[] = []
  const stackIdx: number[] = []
  const enter = (node: number): void => {
    visited.add(node)
    parents.add(node)
    stackNode.push(node)
    stackKids.push(children(node))
    stackIdx.push(0)
  }
  for (const start of items) {
    if (visited.has(start)) continue
    enter(start)
    while (stackNode.length > 0) {
      const top = stackNode.length - 1
      const node = stackNode[top] as number
      const kids = stackKids[top] as readonly number[]
      const idx = stackIdx[top] as number
      if (idx < kids.length) {
        stackIdx[top] = idx + 1
        const child = kids[idx] as number
        if (child === node || !inItems(child)) continue
        if (parents.has(child)) {
          throw new StoreDbError('cycle', `cycle detected in the references of '${describe(child)}' from '${describe(node)}'`)
        }
        if (visited.has(child)) continue
        enter(child)
      } else {
        out.push(node)
        parents.delete(node)
        stackNode.pop()
        stackKids.pop()
        stackIdx.pop()
      }
    }
  }
  return out
}

/**
 * Sort store paths as Nix's `topoSort` does with the given reference lists: referrers
 * before their references, ties broken by path order. Returns Nix's order (the one
 * `nix-store -q --requisites` prints reversed).
 * @throws {StoreDbError} `cycle`.
 */
export function topoSortPaths(paths: Iterable<string>, references: (path: string) => Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort(comparePaths)
  const index = new Map<string, number>()
  sorted.forEach((p, i) => index.set(p, i))
  const kids = (n: number): number[] => {
    const list: number[] = []
    for (const r of references(sorted[n] as string)) {
      const i = index.get(r)
      if (i !== undefined) list.push(i)
    }
    return list.sort((a, b) => a - b)
  }
  const order = postOrder(sorted.keys(), kids, () => true, (n) => sorted[n] as string)
  return order.reverse().map((n) => sorted[n] as string)
}

/** Byte order of store paths (ASCII), as Nix's `std::set<StorePath>` iterates. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
