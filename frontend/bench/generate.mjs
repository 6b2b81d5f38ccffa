// Generates a layered DAG of assets in groups, as a data platform has them: groups in
// tiers (sources, staging, marts, …), each group a few layers deep, each asset depending
// on one or two neighbours of the layer before it, and a group's first layer on the last
// layers of groups in the tier before. Deterministic for a given size.

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * generate returns assets [{key, group, deps, kinds, owners}] for n assets: groups of
 * about 100 in five tiers, five layers per group.
 */
export function generate(n, { groupSize = 100, tiers = 5, layersPerGroup = 5, seed = 42 } = {}) {
  const random = rng(seed + n)
  const groupCount = Math.max(1, Math.ceil(n / groupSize))
  const groups = []
  let made = 0
  for (let g = 0; g < groupCount; g++) {
    const size = Math.min(groupSize, n - made)
    const tier = g % tiers
    const name = `t${tier}_g${String(g).padStart(3, '0')}`
    const layers = Array.from({ length: layersPerGroup }, () => [])
    for (let i = 0; i < size; i++) layers[Math.floor((i * layersPerGroup) / size)].push(`${name}/a${String(i).padStart(4, '0')}`)
    groups.push({ name, tier, layers })
    made += size
  }
  const assets = []
  for (const grp of groups) {
    const earlier = groups.filter((o) => o.tier === grp.tier - 1)
    grp.layers.forEach((layer, l) => {
      layer.forEach((key, i) => {
        const deps = new Set()
        if (l > 0) {
          const prev = grp.layers[l - 1]
          const pos = Math.round((i * prev.length) / Math.max(1, layer.length))
          for (let k = 0; k < 1 + Math.floor(random() * 2); k++) {
            const j = Math.min(prev.length - 1, Math.max(0, pos + Math.floor(random() * 5) - 2))
            if (prev[j]) deps.add(prev[j])
          }
        } else if (earlier.length > 0 && random() < 0.6) {
          const src = earlier[Math.floor(random() * earlier.length)]
          const last = src.layers[src.layers.length - 1]
          if (last.length > 0) deps.add(last[Math.floor(random() * last.length)])
        }
        assets.push({
          key,
          group: grp.name,
          deps: [...deps],
          kinds: [['dbt', 'snowflake'], ['python'], ['airbyte', 'postgres'], ['spark']][grp.tier % 4],
          owners: [`team:${['data-eng', 'analytics', 'ml', 'growth'][grp.tier % 4]}`],
        })
      })
    })
  }
  return assets
}

/** toYAML writes assets as a plumbline.yaml definitions file. */
export function toYAML(assets) {
  const lines = ['assets:']
  for (const a of assets) {
    lines.push(`  - key: ${a.key}`, `    group: ${a.group}`, `    kinds: [${a.kinds.join(', ')}]`, `    owners: [${a.owners.join(', ')}]`)
    if (a.deps.length > 0) lines.push(`    deps: [${a.deps.join(', ')}]`)
  }
  return lines.join('\n') + '\n'
}
