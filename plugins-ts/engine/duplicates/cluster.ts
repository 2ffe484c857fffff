/**
 * Clustering that does not let chains merge unrelated records. Pairs at or above the threshold
 * are first grouped into connected components; inside a component, records are merged greedily
 * from the strongest pair down, and two groups merge only when a strict majority of all pairs
 * between them match (pairs that blocking never compared are scored on demand). So A~B and B~C
 * with A≁C gives {A,B} and {C}, not {A,B,C}.
 */

export interface ScoredEdge {
  a: number;
  b: number;
  probability: number;
}

export interface ClusterResult {
  /** Clusters of two or more record indexes, each sorted, largest first. */
  clusters: number[][];
  /** Edges at or above the threshold whose records ended in different clusters. */
  split: ScoredEdge[];
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[x] !== r) {
      const next = this.parent[x];
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[ra] = rb;
  }
}


export interface ClusterOptions {
  threshold: number;
  /**
   * Components larger than this are split using only the compared pairs (no on-demand scoring of
   * every cross pair); default 200.
   */
  maxComponentForFullCheck?: number;
}

/**
 * Clusters records `0..n-1` from `edges` (the pairs at or above the threshold). `score(a, b)`
 * gives the match probability of any two records, for pairs that blocking did not compare.
 */
export function clusterRecords(
  n: number,
  edges: readonly ScoredEdge[],
  score: (a: number, b: number) => number,
  options: ClusterOptions,
): ClusterResult {
  const threshold = options.threshold;
  const maxFull = options.maxComponentForFullCheck ?? 200;
  const uf = new UnionFind(n);
  for (const e of edges) uf.union(e.a, e.b);
  const byComponent = new Map<number, ScoredEdge[]>();
  for (const e of edges) {
    const root = uf.find(e.a);
    const list = byComponent.get(root);
    if (list) list.push(e);
    else byComponent.set(root, [e]);
  }
  const clusters: number[][] = [];
  const split: ScoredEdge[] = [];
  // a number per unordered pair (exact for n up to ~94 million)
  const pairKey = (a: number, b: number): number => (a < b ? a * n + b : b * n + a);
  for (const compEdges of byComponent.values()) {
    if (compEdges.length === 1) {
      clusters.push([compEdges[0].a, compEdges[0].b].sort((x, y) => x - y));
      continue;
    }
    const known = new Map<number, number>();
    const members = new Set<number>();
    for (const e of compEdges) {
      known.set(pairKey(e.a, e.b), e.probability);
      members.add(e.a);
      members.add(e.b);
    }
    const full = members.size <= maxFull;
    const probabilityOf = (x: number, y: number): number => {
      const p = known.get(pairKey(x, y));
      if (p !== undefined) return p;
      if (!full) return 0;
      const s = score(x, y);
      known.set(pairKey(x, y), s);
      return s;
    };
    const groupOf = new Map<number, number[]>();
    for (const m of members) groupOf.set(m, [m]);
    const sorted = [...compEdges].sort((p, q) => q.probability - p.probability || p.a - q.a || p.b - q.b);
    for (const e of sorted) {
      const ga = groupOf.get(e.a)!;
      const gb = groupOf.get(e.b)!;
      if (ga === gb) continue;
      let agree = 0;
      for (const x of ga) for (const y of gb) if (probabilityOf(x, y) >= threshold) agree++;
      if (agree * 2 > ga.length * gb.length) {
        const merged = ga.length >= gb.length ? ga : gb;
        const other = merged === ga ? gb : ga;
        for (const y of other) {
          merged.push(y);
          groupOf.set(y, merged);
        }
      }
    }
    const seen = new Set<number[]>();
    for (const g of groupOf.values()) {
      if (seen.has(g)) continue;
      seen.add(g);
      if (g.length > 1) clusters.push([...g].sort((x, y) => x - y));
    }
    for (const e of compEdges) if (groupOf.get(e.a) !== groupOf.get(e.b)) split.push(e);
  }
  clusters.sort((p, q) => q.length - p.length || p[0] - q[0]);
  return { clusters, split };
}
