import { isFlyerError } from '../env/errors.ts';

/**
 * Exit codes of every flyer command: 0 success, 1 the operation failed (a manager unreachable, a node
 * that would not start, a cluster that did not converge), 2 bad input (flags, config files).
 */
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

export function exitCodeOf(error: unknown): number {
  if (isFlyerError(error)) return error.code === 'INVALID_ARGUMENT' ? EXIT_BAD_INPUT : EXIT_FAILED;
  // Plain errors come from argument parsing (commander, parseAddress, sim flags).
  return EXIT_BAD_INPUT;
}

/** The one line a person sees: coded errors already read `FLYER_ERR_<CODE>: message`. */
export function errorLine(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** For long-running service processes, which may hold sockets and timers open: print and leave now. */
export function exitOnError(error: unknown): never {
  process.stderr.write(`${errorLine(error)}\n`);
  process.exit(exitCodeOf(error));
}
