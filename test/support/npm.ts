import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** npm with no way to reach a registry: an unreachable one, an empty cache of its own, offline mode. */
export function npmEnv(tmp: string): NodeJS.ProcessEnv {
  const userconfig = path.join(tmp, 'npmrc');
  writeFileSync(userconfig, '');
  return {
    ...process.env,
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_cache: path.join(tmp, 'npm-cache'),
    npm_config_userconfig: userconfig,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_yes: 'false',
  };
}
