/**
 * A raw NDJSON echo server: the practical ceiling of request/reply over loopback on this machine,
 * the baseline of bench/raftkv.ts. It parses each line as JSON and answers
 * `{"type":"<type>_ok","in_reply_to":<msg_id>}` at once, like a node that does no work.
 * Prints its port on stdout; exits when stdin closes.
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let out = '';
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const req = JSON.parse(line) as { type?: string; msg_id?: number };
        out += JSON.stringify({ type: `${req.type ?? 'echo'}_ok`, in_reply_to: req.msg_id }) + '\n';
      } catch {
        // Not JSON: ignore, as a node would drop a line without msg_id.
      }
    }
    if (out.length > 0) socket.write(out);
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
