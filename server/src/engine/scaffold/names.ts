/**
 * The names a scaffold writes into YAML, checked before anything is generated: Kubernetes refuses an
 * object whose namespace is not an RFC 1123 label, and a host or a port that cannot exist makes a policy
 * that never matches. Each check gives the reason in words, or undefined when the value is fine.
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` cannot be a Kubernetes namespace (an RFC 1123 label), or undefined. */
export function namespaceProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'A namespace name is needed.';
  const shown = JSON.stringify(name);
  const rule = 'a namespace name is an RFC 1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters (e.g. shop)';
  if (name.length > 63) return `${shown.slice(0, 40)}…" is not a valid namespace name: it has ${name.length} characters; ${rule}.`;
  if (!LABEL.test(name)) {
    const why = /[A-Z]/.test(name) ? 'it has capital letters' : /^-|-$/.test(name) ? 'it starts or ends with "-"' : 'it has characters other than lowercase letters, digits and "-"';
    return `${shown} is not a valid namespace name: ${why}; ${rule}.`;
  }
  return undefined;
}

/** Why `host` cannot be a DNS host name (optionally `*.` for any subdomain), or undefined. */
export function hostProblem(host: unknown, allowWildcard = true): string | undefined {
  if (typeof host !== 'string' || host === '') return 'A host name is needed.';
  const shown = JSON.stringify(host.length > 80 ? `${host.slice(0, 80)}…` : host);
  const bare = host.replace(/\.$/, '').replace(allowWildcard ? /^\*\./ : /^$/, '');
  const labels = bare.split('.');
  if (bare.length > 253) return `${shown} is not a host name: it is longer than 253 characters.`;
  if (labels.length < 2 || !labels.every((l) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i.test(l)) || !/^[a-z]{2,}$/i.test(labels[labels.length - 1])) {
    return `${shown} is not a host name (e.g. api.example.com${allowWildcard ? ', or *.example.com for its subdomains' : ''}).`;
  }
  if (labels.some((l) => l.length > 63)) return `${shown} is not a host name: a part between dots is longer than 63 characters.`;
  return undefined;
}

/** Why `port` cannot be a TCP/UDP port, or undefined. */
export function portProblem(port: unknown): string | undefined {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `Port ${JSON.stringify(port)} is not a port: a port is a whole number from 1 to 65535.`;
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** Why `protocol` is not one a policy port can name, or undefined. */
export function protocolProblem(protocol: unknown): string | undefined {
  return typeof protocol === 'string' && PROTOCOLS.includes(protocol) ? undefined : `Protocol ${JSON.stringify(protocol)} is not one of ${PROTOCOLS.join(', ')}.`;
}
