/**
 * One server process of the bare Node TCP bound (node-tcp-bound.ts): answers every 4-byte request
 * (u32 little-endian: bytes wanted) with a u32 length prefix and that many bytes from one reused
 * buffer. No framing checksum, no storage, no codec: what Node and the kernel cost alone.
 * Usage: `node sim/perf/node-tcp-bound-server.ts`; prints `{"port":N}` when listening; exits with
 * its parent.
 */
import { createServer } from 'node:net';

const REQUEST_BYTES = 4;
/** Replies are served from one buffer this large; larger requests are refused by closing. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

const payload = Buffer.alloc(MAX_REPLY_BYTES, 0x5a);

const server = createServer({ noDelay: true }, (socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= REQUEST_BYTES) {
      const wantBytes = pending.readUInt32LE(0);
      pending = pending.subarray(REQUEST_BYTES);
      if (wantBytes > MAX_REPLY_BYTES) {
        socket.destroy();
        return;
      }
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32LE(wantBytes, 0);
      socket.cork();
      socket.write(header);
      socket.write(payload.subarray(0, wantBytes));
      process.nextTick(() => socket.uncork());
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
});

// Never outlive the benchmark that started us.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 500).unref();
