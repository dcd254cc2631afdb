import { createRequire } from 'node:module';

type YamlLib = typeof import('yaml');
let lib: YamlLib | undefined;

/**
 * The `yaml` library, loaded on first use (~50 ms of start-up): missions in the plain subset
 * are read by fast-yaml.ts and never need it; the full path, positions for diagnostics,
 * policy files and `mission migrate` do. Synchronous (yaml ships CommonJS for node), as the
 * loader is.
 */
export function yaml(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}
