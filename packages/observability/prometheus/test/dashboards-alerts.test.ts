import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createPrometheusObserver } from '../src/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dashboardFile = join(root, 'dashboards', 'structllm.json');
const rulesFile = join(root, 'alerts', 'structllm.rules.yml');
const rulesTestFile = join(root, 'test', 'alerts', 'structllm.rules.test.yml');

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.error === undefined && promtool.status === 0;
if (!hasPromtool) {
  console.warn(
    'promtool is not on PATH (Debian package "prometheus"): the `promtool check/test rules` tests are skipped',
  );
}

// What PromQL spells that is not a metric name.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);
const LABEL_LIST = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/**
 * The metric names an expression selects: string literals, label matchers,
 * ranges and label lists removed, what is left that is an identifier and not a
 * function call or keyword.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(LABEL_LIST, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

/** Every series name the package exports: counters and gauges by name, histograms as _bucket/_sum/_count. */
async function exportedNames(): Promise<{ names: Set<string>; families: string[] }> {
  const { registry } = createPrometheusObserver();
  const metrics = await registry.getMetricsAsJSON();
  const names = new Set<string>();
  for (const metric of metrics) {
    if (String(metric.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    } else names.add(metric.name);
  }
  return { names, families: metrics.map((metric) => metric.name) };
}

/** The family a series name belongs to. */
const familyOf = (name: string): string => name.replace(/_(?:bucket|sum|count)$/, '');

interface Target {
  readonly expr?: string;
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: Target[];
}
interface Dashboard {
  readonly title: string;
  readonly uid: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
  readonly templating: { list: { name: string; type: string; query?: unknown }[] };
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

let exported: { names: Set<string>; families: string[] };
let dashboard: Dashboard;
let rules: Rule[];
const work = mkdtempSync(join(tmpdir(), 'structllm-dashboards-'));

beforeAll(async () => {
  exported = await exportedNames();
  dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
  const parsed = parseYaml(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] };
  rules = parsed.groups.flatMap((group) => group.rules);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const panelsWithQueries = (): Panel[] => dashboard.panels.filter((panel) => panel.type !== 'row');
const exprs = (): string[] =>
  panelsWithQueries().flatMap((panel) => (panel.targets ?? []).map((t) => t.expr ?? ''));

describe('metricNames', () => {
  it('finds the selected metrics and nothing of functions, labels, strings or ranges', () => {
    expect(
      metricNames(
        'sum by (model, le) (rate(a_total{model=~"$model", x!="b_total"}[5m])) / on (model) group_left sum(b_count) > 0.5 and c or vector(0)',
      ),
    ).toEqual(['a_total', 'b_count', 'c']);
  });
});

describe('dashboards/structllm.json', () => {
  it('is a Grafana dashboard: title, uid, panels with queries on the chosen data source, a tidy grid', () => {
    expect(dashboard.title).toBe('structllm');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variables = dashboard.templating.list.map((v) => `${v.name}:${v.type}`);
    expect(variables).toEqual(['datasource:datasource', 'provider:query', 'model:query']);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
    for (const panel of panelsWithQueries()) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr, panel.title).toBeTruthy();
    }
  });

  it('queries only metrics the package exports, and shows every one of them', () => {
    const used = new Set<string>();
    for (const expr of exprs()) {
      const names = metricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) {
        expect(exported.names, `${name} in ${expr}`).toContain(name);
        used.add(familyOf(name));
      }
    }
    // requests, errors, latency, time to first partial, retries, fallbacks, breaker, tokens…
    expect([...used].sort()).toEqual([...exported.families].sort());
  });

  it.skipIf(!hasPromtool)(
    'every query is valid PromQL (`promtool check rules` on them as recording rules)',
    () => {
      const all = [
        ...exprs(),
        ...dashboard.templating.list
          .filter((v) => v.type === 'query')
          .map((v) => String((v.query as { query: string }).query))
          .map((query) => /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1] ?? query),
      ].map((expr) =>
        expr
          .replaceAll('$__rate_interval', '5m')
          .replaceAll('$provider', '.*')
          .replaceAll('$model', '.*'),
      );
      const file = join(work, 'dashboard-queries.yml');
      writeFileSync(
        file,
        JSON.stringify({
          groups: [
            {
              name: 'dashboard',
              rules: all.map((expr, i) => ({ record: `structllm:dashboard_query_${i}`, expr })),
            },
          ],
        }),
      );
      const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${all.length} rules found`);
      expect(result.status).toBe(0);
    },
  );
});

describe('alerts/structllm.rules.yml', () => {
  it('has the six alerts, each with a severity, a summary and a description', () => {
    expect(rules.map((rule) => rule.alert)).toEqual([
      'StructLLMErrorRatioHigh',
      'StructLLMCircuitBreakerOpen',
      'StructLLMLatencyP90High',
      'StructLLMRetryStorm',
      'StructLLMFallbackRateHigh',
      'StructLLMTimeToFirstPartialHigh',
    ]);
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(rule.for, rule.alert).toMatch(/^\d+m$/);
    }
  });

  it('queries only metrics the package exports, and leaves cancelled requests out of every ratio', () => {
    for (const rule of rules) {
      for (const name of metricNames(rule.expr)) {
        expect(exported.names, `${name} in ${rule.alert}`).toContain(name);
      }
      for (const selector of rule.expr.matchAll(
        /structured_llm_streaming_requests_total\{[^}]*\}/g,
      )) {
        expect(selector[0], rule.alert).toContain('status!="cancelled"');
      }
    }
  });

  it.skipIf(!hasPromtool)('passes `promtool check rules`', () => {
    const result = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('SUCCESS: 6 rules found');
    expect(result.status).toBe(0);
  });

  it.skipIf(!hasPromtool)(
    'passes its unit tests (`promtool test rules`): each alert fires when it should, and only then',
    () => {
      const result = spawnSync('promtool', ['test', 'rules', rulesTestFile], {
        encoding: 'utf8',
      });
      expect(result.stdout + result.stderr).toContain('SUCCESS');
      expect(result.status, result.stdout + result.stderr).toBe(0);
    },
  );
});
