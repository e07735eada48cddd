import { FlyerError } from '../../env/errors.ts';

export function parsePid(text: string): number {
  const pid = Number(text);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new FlyerError('INVALID_ARGUMENT', `--exit-with-pid must be a process id, got '${text}'`);
  return pid;
}
