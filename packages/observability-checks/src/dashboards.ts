import { readFileSync } from 'node:fs';
import path from 'node:path';
import { asArray, asRecord, asString, filesUnder, isRecord } from './repo';

export interface Dashboard {
  readonly file: string;
  readonly json: Record<string, unknown>;
}

export interface PanelQuery {
  /** `file › panel title › refId`, for messages. */
  readonly where: string;
  readonly expr: string;
}

/** Every `*.json` dashboard under `dir`; a file that is not a JSON object throws, naming the file. */
export function loadDashboards(dir: string): Dashboard[] {
  return filesUnder(dir, (n) => n.endsWith('.json')).map((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    if (!isRecord(json)) throw new Error(`${file} is not a JSON object`);
    return { file, json };
  });
}

/** The prometheus data source uid in a Grafana data source provisioning file. */
export function prometheusDatasourceUid(provisioning: unknown): string | undefined {
  const ds = asArray(asRecord(provisioning).datasources).map(asRecord).find((d) => d.type === 'prometheus');
  return ds ? asString(ds.uid) : undefined;
}

/** Panels in display order, including those inside collapsed rows; rows themselves left out. */
export function panelsOf(dashboard: Dashboard): Record<string, unknown>[] {
  return asArray(dashboard.json.panels)
    .map(asRecord)
    .flatMap((p) => (p.type === 'row' ? asArray(p.panels).map(asRecord) : [p]));
}

const label = (d: Dashboard) => path.basename(d.file);
const panelName = (p: Record<string, unknown>) => asString(p.title) || `panel ${String(p.id)}`;

/** Every PromQL query of a dashboard: panel targets and query template variables. */
export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  const panels = panelsOf(dashboard).flatMap((p) =>
    asArray(p.targets)
      .map(asRecord)
      .filter((t) => typeof t.expr === 'string')
      .map((t) => ({ where: `${label(dashboard)} › ${panelName(p)} › ${String(t.refId)}`, expr: t.expr as string })),
  );
  const variables = asArray(asRecord(dashboard.json.templating).list)
    .map(asRecord)
    .filter((v) => v.type === 'query')
    .map((v) => {
      const q = v.query;
      const text = typeof q === 'string' ? q : asString(asRecord(q).query) ?? '';
      // label_values(metric, label) and query_result(expr) are Grafana functions around PromQL.
      const inner = /^\s*(?:label_values\((.*?)(?:,\s*\w+)?\)|query_result\((.*)\))\s*$/s.exec(text);
      const expr = inner ? (inner[1] ?? inner[2] ?? '') : text;
      return { where: `${label(dashboard)} › variable ${String(v.name)}`, expr };
    });
  return [...panels, ...variables];
}

const usesDatasource = (ds: unknown, uid: string) => isRecord(ds) && ds.uid === uid && ds.type === 'prometheus';

/**
 * What Grafana's file provisioning or a reader would trip over: no uid or title, no panels, a
 * panel or query on another data source than the provisioned Prometheus, duplicate panel ids,
 * a panel without a query.
 */
export function dashboardProblems(dashboard: Dashboard, datasourceUid: string): string[] {
  const where = label(dashboard);
  const problems: string[] = [];
  const uid = asString(dashboard.json.uid);
  if (!uid) problems.push(`${where}: no uid`);
  else if (!/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) problems.push(`${where}: uid "${uid}" must be 1-40 letters, digits, - or _`);
  if (!asString(dashboard.json.title)) problems.push(`${where}: no title`);
  const panels = panelsOf(dashboard);
  if (panels.length === 0) problems.push(`${where}: no panels`);
  const ids = new Set<unknown>();
  for (const p of panels) {
    const name = `${where} › ${panelName(p)}`;
    if (ids.has(p.id)) problems.push(`${name}: duplicate panel id ${String(p.id)}`);
    ids.add(p.id);
    if (!asString(p.title)) problems.push(`${name}: no title`);
    if (!isRecord(p.gridPos)) problems.push(`${name}: no gridPos`);
    if (p.type === 'text') continue;
    if (!usesDatasource(p.datasource, datasourceUid))
      problems.push(`${name}: datasource must be {"type":"prometheus","uid":"${datasourceUid}"}, is ${JSON.stringify(p.datasource)}`);
    const targets = asArray(p.targets).map(asRecord);
    if (targets.length === 0) problems.push(`${name}: no queries`);
    for (const t of targets) {
      if (t.datasource !== undefined && !usesDatasource(t.datasource, datasourceUid))
        problems.push(`${name} › ${String(t.refId)}: datasource is ${JSON.stringify(t.datasource)}, not the provisioned Prometheus`);
      if (typeof t.expr !== 'string' || t.expr.trim() === '') problems.push(`${name} › ${String(t.refId)}: no expr`);
    }
  }
  for (const v of asArray(asRecord(dashboard.json.templating).list).map(asRecord))
    if (v.type === 'query' && !usesDatasource(v.datasource, datasourceUid))
      problems.push(`${where} › variable ${String(v.name)}: datasource is not the provisioned Prometheus`);
  return problems;
}

/** Dashboard uids or titles used by more than one file. */
export function duplicateDashboards(dashboards: readonly Dashboard[]): string[] {
  const problems: string[] = [];
  for (const key of ['uid', 'title'] as const) {
    const seen = new Map<string, string>();
    for (const d of dashboards) {
      const value = asString(d.json[key]);
      if (value === undefined) continue;
      const first = seen.get(value);
      if (first) problems.push(`${label(d)} and ${first} share the ${key} "${value}"`);
      else seen.set(value, label(d));
    }
  }
  return problems;
}
