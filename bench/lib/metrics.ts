/** Prometheus text exposition, read just enough for the bench: sample values by name and labels. */
export type Samples = Map<string, number>;

/** GET a /metrics page; each `name{labels}` line becomes one entry (the key is the line's left part). */
export async function scrapeMetrics(url: string): Promise<Samples> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** after − before for every sample of `name` (e.g. a counter or a histogram's _sum/_count). */
export function metricDelta(before: Samples, after: Samples, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    if (key === name || key.startsWith(`${name}{`)) out[key] = value - (before.get(key) ?? 0);
  }
  return out;
}
