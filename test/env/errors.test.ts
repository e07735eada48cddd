import test from 'ava';
import { ErrorCodes, FlyerError, isFlyerError, toFlyerError, type ErrorCode } from '../../system/env/errors.ts';

const codes = Object.keys(ErrorCodes) as ErrorCode[];

test('every code has a unique positive integer wire number and a message', (t) => {
  t.true(codes.length > 10);
  const wires = codes.map((code) => ErrorCodes[code].wire);
  t.is(new Set(wires).size, wires.length, 'duplicate wire numbers');
  for (const code of codes) {
    t.true(Number.isInteger(ErrorCodes[code].wire) && ErrorCodes[code].wire > 0, code);
    t.true(ErrorCodes[code].message.length > 0, code);
    t.regex(code, /^[A-Z][A-Z0-9_]*$/);
  }
});

test('wire numbers that travel today stay fixed', (t) => {
  // Codes are a wire contract: renumbering one breaks mixed-version clusters.
  t.is(ErrorCodes.INVALID_ARGUMENT.wire, 1);
  t.is(ErrorCodes.ASSERTION.wire, 2);
  t.is(ErrorCodes.NON_DETERMINISM.wire, 5);
  t.is(ErrorCodes.RPC_TIMEOUT.wire, 100);
  t.is(ErrorCodes.RPC_FRAME_MALFORMED.wire, 105);
  t.is(ErrorCodes.RPC_REGION_BOUNDS.wire, 109);
  t.is(ErrorCodes.DISK_IO_ERROR.wire, 200);
});

test('fromWire round-trips every code with its detail', (t) => {
  for (const code of codes) {
    const original = new FlyerError(code, `detail of ${code}`);
    const back = FlyerError.fromWire(original.wireCode, original.detail);
    t.is(back.code, code);
    t.is(back.detail, `detail of ${code}`);
    t.is(back.message, original.message);
    t.is(back.fullCode, `FLYER_ERR_${code}`);
  }
});

test('fromWire of an unknown number gives RPC_HANDLER_FAILED naming the number', (t) => {
  const error = FlyerError.fromWire(424242, 'boom');
  t.is(error.code, 'RPC_HANDLER_FAILED');
  t.regex(error.detail, /424242/);
  t.regex(error.detail, /boom/);
});

test('message, name and fields are built from the code', (t) => {
  const error = new FlyerError('RPC_TIMEOUT', 'call to n3 after 5s');
  t.is(error.name, 'FlyerError');
  t.is(error.message, 'FLYER_ERR_RPC_TIMEOUT: rpc deadline exceeded: call to n3 after 5s');
  t.is(error.wireCode, 100);
  t.true(error instanceof Error);
  t.is(new FlyerError('ABORTED').message, 'FLYER_ERR_ABORTED: operation aborted');
  const cause = new Error('root');
  t.is(new FlyerError('DISK_IO_ERROR', 'x', { cause }).cause, cause);
});

test('instanceof works for a structurally branded object from another module copy', (t) => {
  // What a duplicated copy of errors.ts would construct: same global symbol, different class.
  class ForeignFlyerError extends Error {
    readonly code = 'DISK_FULL';
    constructor(message: string) {
      super(message);
      Object.defineProperty(this, Symbol.for('flyer.error'), { value: true });
    }
  }
  const foreign = new ForeignFlyerError('disk full elsewhere');
  t.true(foreign instanceof FlyerError);
  t.true(isFlyerError(foreign));
  t.true(isFlyerError(foreign, 'DISK_FULL'));
  t.false(isFlyerError(foreign, 'DISK_NOT_FOUND'));
  t.true({ [Symbol.for('flyer.error')]: true } instanceof FlyerError);
});

test('instanceof rejects look-alikes without the brand', (t) => {
  t.false(new Error('plain') instanceof FlyerError);
  t.false({ code: 'ASSERTION', name: 'FlyerError' } instanceof FlyerError);
  t.false({ [Symbol.for('flyer.error')]: 'yes' } instanceof FlyerError);
  t.false({ [Symbol('flyer.error')]: true } instanceof FlyerError);
  t.false((null as unknown) instanceof FlyerError);
  t.false(('FLYER_ERR_ASSERTION' as unknown) instanceof FlyerError);
  t.false(isFlyerError(undefined));
});

test('toFlyerError keeps coded errors and wraps everything else', (t) => {
  const coded = new FlyerError('DISK_FULL', 'no room');
  t.is(toFlyerError(coded), coded);
  t.is(toFlyerError(coded, 'ABORTED'), coded);

  const plain = new Error('something broke');
  const wrapped = toFlyerError(plain);
  t.is(wrapped.code, 'RPC_HANDLER_FAILED');
  t.is(wrapped.detail, 'something broke');
  t.is(wrapped.cause, plain);

  const withFallback = toFlyerError('a string', 'ABORTED');
  t.is(withFallback.code, 'ABORTED');
  t.is(withFallback.detail, 'a string');
  t.is(toFlyerError(undefined).detail, 'undefined');
});
