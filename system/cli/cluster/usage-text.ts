import { managersOf, type ClusterManifest } from './cluster-manifest.ts';
import { describe } from './cluster-up.ts';

/** What `cluster up` prints at the end: where things are and the commands to use next. */
export function usageText(dir: string, manifest: ClusterManifest): string {
  const mgmtd = managersOf(manifest).map((m) => `${m.id}=${m.host}:${m.port}`).join(',');
  return [
    `cluster up: ${describe(manifest)}`,
    `  directory  ${dir}`,
    `  manager    ${mgmtd}`,
    `  logs       ${dir}/logs/<node>.log    pids ${dir}/run/<node>.pid`,
    '',
    'next:',
    `  npx flyer cluster status --dir ${dir}`,
    `  npx flyer admin --mgmtd ${mgmtd} list-chains`,
    `  npx flyer admin --dir ${dir} list-targets`,
    `  npx flyer cluster down --dir ${dir}`,
  ].join('\n');
}
