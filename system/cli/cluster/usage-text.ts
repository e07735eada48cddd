import { managersOf, metaServersOf, type ClusterManifest } from './cluster-manifest.ts';
import { describe } from './cluster-up.ts';

/** What `cluster up` prints at the end: where things are and the commands to use next. */
export function usageText(dir: string, manifest: ClusterManifest): string {
  const mgmtd = managersOf(manifest).map((m) => `${m.id}=${m.host}:${m.port}`).join(',');
  return [
    `cluster up: ${describe(manifest)}`,
    `  directory  ${dir}`,
    `  manager    ${mgmtd}`,
    ...metaServersOf(manifest).map((m) => `  meta       ${m.id}=${m.host}:${m.port}`),
    ...manifest.nodes.filter((n) => n.role === 'kv').map((k) => `  kv         ${k.id}=${k.host}:${k.port} (the meta servers' shared namespace)`),
    `  logs       ${dir}/logs/<node>.log    pids ${dir}/run/<node>.pid`,
    '',
    'next:',
    `  npx flyer cluster status --dir ${dir}`,
    `  npx flyer admin --mgmtd ${mgmtd} list-chains`,
    `  npx flyer admin --dir ${dir} list-targets`,
    ...(manifest.nodes.some((n) => n.role === 'meta') ? [
      `  npx flyer fs --dir ${dir} mkdir -p /data`,
      `  npx flyer fs --dir ${dir} cp ./some-file flyer:/data/`,
      `  npx flyer fs --dir ${dir} ls -l /data`,
    ] : []),
    `  npx flyer cluster down --dir ${dir}`,
  ].join('\n');
}
