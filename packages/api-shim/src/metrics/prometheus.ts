/**
 * A minimal Prometheus registry and its text exposition (format 0.0.4): counters, gauges and
 * histograms, with labels. Families appear once first used (as with TGI's metrics exporter), sorted
 * by name so the output is stable.
 */

export type Labels = Readonly<Record<string, string>>;

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  const escaped = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${pairs.map(([k, v]) => `${k}="${escaped(v)}"`).join(',')}}`;
}

/** Prometheus sample values: integers without a decimal point, `+Inf`/`-Inf`/`NaN` spelled out. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** Sample lines, or none when the family has not been used yet. */
  lines(): string[];
}

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  /** Current value (for tests and the handler's own bookkeeping). */
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  lines(name: string): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${name}${formatLabels(labels)} ${formatValue(value)}`);
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  private buckets: number[] | undefined;

  /** Buckets are computed on first use: some depend on limits known only once the model is loaded. */
  constructor(private readonly bucketsOf: () => number[]) {}

  observe(value: number, labels: Labels = {}): void {
    this.buckets ??= this.bucketsOf();
    const key = labelKey(labels);
    const s = this.series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((upper, i) => {
      if (value <= upper) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
    this.series.set(key, s);
  }

  lines(name: string): string[] {
    const out: string[] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets!.forEach((upper, i) => {
        out.push(`${name}_bucket${formatLabels(labels, ['le', formatValue(upper)])} ${counts[i]}`);
      });
      out.push(`${name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${count}`);
      out.push(`${name}_sum${formatLabels(labels)} ${formatValue(sum)}`);
      out.push(`${name}_count${formatLabels(labels)} ${count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Counter {
    const counter = new Counter();
    this.families.push({ name, help, type: 'counter', lines: () => counter.lines(name) });
    return counter;
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.families.push({ name, help, type: 'gauge', lines: () => [`${name} ${formatValue(read())}`] });
  }

  histogram(name: string, help: string, buckets: () => number[]): Histogram {
    const histogram = new Histogram(buckets);
    this.families.push({ name, help, type: 'histogram', lines: () => histogram.lines(name) });
    return histogram;
  }

  render(): string {
    let out = '';
    const sorted = [...this.families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const family of sorted) {
      const lines = family.lines();
      if (lines.length === 0) continue;
      out += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n${lines.join('\n')}\n\n`;
    }
    return out;
  }
}
