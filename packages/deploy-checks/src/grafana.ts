import { asArray, asRecord, asString } from './repo';

export interface GrafanaDatasource {
  readonly name: string;
  readonly uid?: string;
  readonly type: string;
  readonly url: string;
  readonly isDefault: boolean;
}

export function datasources(provisioning: unknown): GrafanaDatasource[] {
  return asArray(asRecord(provisioning).datasources).map((d) => {
    const r = asRecord(d);
    const uid = asString(r.uid);
    return {
      name: asString(r.name) ?? '',
      ...(uid === undefined ? {} : { uid }),
      type: asString(r.type) ?? '',
      url: asString(r.url) ?? '',
      isDefault: r.isDefault === true,
    };
  });
}

/** Provisioning files Grafana accepts: apiVersion 1, named data sources with a type and URL, unique uids, one default. */
export function datasourceProblems(provisioning: unknown): string[] {
  const problems: string[] = [];
  if (asRecord(provisioning).apiVersion !== 1) problems.push('datasources: apiVersion must be 1');
  const list = datasources(provisioning);
  for (const d of list)
    if (!d.name || !d.type || !d.url) problems.push(`datasource "${d.name}" needs a name, type and url`);
  const uids = list.map((d) => d.uid).filter((u): u is string => u !== undefined);
  if (new Set(uids).size !== uids.length) problems.push('datasource uids are not unique');
  if (list.filter((d) => d.isDefault).length !== 1)
    problems.push('exactly one datasource must be the default');
  return problems;
}

/** Folders the dashboard providers load from. */
export function dashboardPaths(provisioning: unknown): string[] {
  return asArray(asRecord(provisioning).providers)
    .filter((p) => asRecord(p).type === undefined || asRecord(p).type === 'file')
    .map((p) => asString(asRecord(asRecord(p).options).path) ?? '');
}
