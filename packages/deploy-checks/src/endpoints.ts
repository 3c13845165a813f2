/** A host (and port) that a configuration value points at: a URL, or a `host:port[,host:port…]` list. */
export interface Endpoint {
  readonly host: string;
  readonly port?: number;
}

const hostPortList = /^[A-Za-z0-9.-]+:\d+(,\s*[A-Za-z0-9.-]+:\d+)*$/;
const urlLike = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]+$/;
const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Hosts a value refers to; values with unresolved `${…}` interpolation refer to none. */
export function endpointsIn(value: string): Endpoint[] {
  const v = value.trim();
  if (v.includes('${')) return [];
  if (urlLike.test(v)) {
    try {
      const url = new URL(v);
      if (!url.hostname) return [];
      const port = url.port ? Number(url.port) : defaultPorts[url.protocol];
      return [port === undefined ? { host: url.hostname } : { host: url.hostname, port }];
    } catch {
      return [];
    }
  }
  if (hostPortList.test(v)) {
    return v.split(',').map((part) => {
      const [host = '', port = ''] = part.trim().split(':');
      return { host, port: Number(port) };
    });
  }
  return [];
}

const loopback = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

/**
 * Problems with a value's endpoints: loopback addresses (inside a container they mean the
 * container itself), hosts that `ports` does not know, and ports the host does not listen on.
 * `ports(host)` returns the ports a known host listens on, or undefined for an unknown host.
 */
export function endpointProblems(
  where: string,
  value: string,
  ports: (host: string) => readonly number[] | undefined,
): string[] {
  const problems: string[] = [];
  for (const { host, port } of endpointsIn(value)) {
    if (loopback.has(host)) {
      problems.push(
        `${where}: "${value}" points at ${host}, which is the container itself; use the service's hostname`,
      );
      continue;
    }
    const listening = ports(host);
    if (listening === undefined) {
      problems.push(`${where}: "${value}" refers to host "${host}", which is not a service here`);
    } else if (port !== undefined && listening.length > 0 && !listening.includes(port)) {
      problems.push(`${where}: "${value}" uses port ${port}, but ${host} listens on ${listening.join(', ')}`);
    }
  }
  return problems;
}
