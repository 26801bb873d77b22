import { readFileSync } from 'fs';
import * as path from 'path';

declare const __EGRESS_LENS_VERSION__: string | undefined;

/** The package version: set into the bundles at build time; read from package.json otherwise. */
function lookup(): string {
  if (typeof __EGRESS_LENS_VERSION__ === 'string') return __EGRESS_LENS_VERSION__;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'egress-lens' && pkg.version) return pkg.version;
    } catch {
      // not here
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

export const VERSION = lookup();
