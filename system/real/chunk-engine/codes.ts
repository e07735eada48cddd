/**
 * Native status codes are the catalogue's wire numbers (errors.rs mirrors system/env/errors.ts), so the
 * mapping is a lookup; a number outside the engine's set means the library and catalogue disagree.
 */
import { ErrorCodes, FlyerError, type ErrorCode } from '../../env/errors.ts';

const ENGINE_CODES = (Object.keys(ErrorCodes) as ErrorCode[]).filter(
  (code) => code.startsWith('CHUNK_') || code === 'INVALID_ARGUMENT' || code === 'ASSERTION',
);
const codeByStatus = new Map<number, ErrorCode>(ENGINE_CODES.map((code) => [ErrorCodes[code].wire, code]));

export function nativeError(status: number, detail: string): FlyerError {
  const code = codeByStatus.get(status);
  if (code === undefined) return new FlyerError('ASSERTION', `chunk engine returned unknown status ${status}: ${detail}`);
  return new FlyerError(code, detail);
}

/** Reads the NUL-terminated detail a failed call left in `errBuf`. */
export function errorDetail(errBuf: Buffer): string {
  const end = errBuf.indexOf(0);
  return errBuf.toString('utf8', 0, end < 0 ? errBuf.length : end);
}
