// The stack of open multipart boundaries (rfc2046#section-5.1.1), matched against "--" lines in
// time proportional to the line, whatever the nesting: a trie of the boundaries' bytes.

/** Boundaries are compared on their first 80 bytes (rfc2046 allows 70), as Dovecot does. */
export const BOUNDARY_MAX = 80

interface Node {
  /** Stack levels of the boundaries that end here, in push order. */
  levels: number[]
  children: Map<number, Node>
}

function node(): Node {
  return { levels: [], children: new Map() }
}

/** A stack of boundaries; `match` finds the innermost one that a line starts with. */
export class BoundaryStack {
  private readonly root = node()
  private readonly stack: Buffer[] = []

  get depth(): number {
    return this.stack.length
  }

  /** Opens a multipart with boundary `b`; returns its level (0 = outermost). */
  push(b: Buffer): number {
    const bytes = b.subarray(0, BOUNDARY_MAX)
    let n = this.root
    for (const c of bytes) {
      let next = n.children.get(c)
      if (next === undefined) {
        next = node()
        n.children.set(c, next)
      }
      n = next
    }
    n.levels.push(this.stack.length)
    this.stack.push(bytes)
    return this.stack.length - 1
  }

  /** Closes every boundary at `level` and deeper. */
  truncate(level: number): void {
    while (this.stack.length > level) {
      const bytes = this.stack.pop() as Buffer
      const path: Node[] = [this.root]
      for (const c of bytes) path.push((path[path.length - 1] as Node).children.get(c) as Node)
      ;(path[path.length - 1] as Node).levels.pop()
      // prune nodes that no boundary uses any more
      for (let i = bytes.length; i > 0; i--) {
        const n = path[i] as Node
        if (n.levels.length > 0 || n.children.size > 0) break
        ;(path[i - 1] as Node).children.delete(bytes[i - 1] as number)
      }
    }
  }

  /**
   * The innermost open boundary that the bytes at `at` start with (a boundary matches as a prefix
   * of the line), with its length; undefined when none does.
   */
  match(buf: Buffer, at: number): { level: number; length: number } | undefined {
    let n: Node | undefined = this.root
    let best: { level: number; length: number } | undefined
    for (let i = at; n !== undefined; i++) {
      const top = n.levels[n.levels.length - 1]
      if (top !== undefined && (best === undefined || top > best.level)) best = { level: top, length: i - at }
      if (i >= buf.length) break
      n = n.children.get(buf[i] as number)
    }
    return best
  }
}
