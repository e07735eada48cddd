import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { FlyerError } from '../../env/errors.ts';
import { ConfigTable } from '../config/config-table.ts';
import type { NodeRole } from './cluster-manifest.ts';

/**
 * A hosts file for `flyer cluster up --hosts FILE`: per host, the address the other nodes reach it at,
 * the command prefix that runs a command there, and the services it runs.
 *
 * ```toml
 * [[host]]
 * name = "h1"
 * address = "10.0.0.11"
 * exec = ["ssh", "-tt", "-o", "BatchMode=yes", "root@10.0.0.11"]   # or ["ip", "netns", "exec", "flyer-h1"]
 * roles = ["mgmtd", "meta", "storage"]
 * ```
 *
 * The checkout and the cluster directory must be at the same path on every host (a shared file system,
 * or the same path synced), as they are for network namespaces on one machine.
 */
export interface ClusterHost {
  readonly name: string;
  readonly address: string;
  readonly exec: readonly string[];
  readonly roles: ReadonlySet<NodeRole>;
}

const ROLES: readonly NodeRole[] = ['mgmtd', 'meta', 'storage'];

export function loadHostsFile(path: string): ClusterHost[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cannot read hosts file ${path}: ${(error as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `hosts file ${path} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const root = new ConfigTable('', raw);
  const hosts = root.tables('host').map((table): ClusterHost => {
    const name = table.string('name');
    const address = table.string('address');
    const exec = table.array('exec');
    const roles = table.array('roles');
    table.rejectUnknown();
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new FlyerError('INVALID_ARGUMENT', `${path}: host name '${name}' may hold letters, digits, '.', '_' and '-' only`);
    if (!exec.every((part) => typeof part === 'string' && part.length > 0)) throw new FlyerError('INVALID_ARGUMENT', `${path}: host ${name}: exec must be a list of strings`);
    for (const role of roles) {
      if (!ROLES.includes(role as NodeRole)) throw new FlyerError('INVALID_ARGUMENT', `${path}: host ${name}: unknown role '${String(role)}' (known: ${ROLES.join(', ')})`);
    }
    return { name, address, exec: exec as string[], roles: new Set(roles as NodeRole[]) };
  });
  root.rejectUnknown();
  if (hosts.length === 0) throw new FlyerError('INVALID_ARGUMENT', `${path}: no [[host]] entries`);
  const names = new Set(hosts.map((h) => h.name));
  if (names.size !== hosts.length) throw new FlyerError('INVALID_ARGUMENT', `${path}: host names must be unique`);
  if (!hosts.some((h) => h.roles.has('mgmtd'))) throw new FlyerError('INVALID_ARGUMENT', `${path}: no host has the mgmtd role`);
  if (!hosts.some((h) => h.roles.has('storage'))) throw new FlyerError('INVALID_ARGUMENT', `${path}: no host has the storage role`);
  return hosts;
}
