/**
 * Benchmark of the embedded Toxiproxy server's data plane with no toxics, against direct loopback
 * in the same run.
 *
 *   npm run bench:proxy            (node dist/bench/proxy.js [--rounds 7] [--pings 1000] [--mb 128])
 *
 * Separate processes, as in real use: this one is the client; a child runs the upstream (an echo
 * port for latency and a sink port for throughput); a child runs `faultline toxiproxy`; a child
 * runs the plainest Node proxy (socket.pipe both ways) as a floor for what Node can do.
 * - Latency: 64-byte ping-pongs, each direct one paired with a proxied one right after it (so
 *   that load bursts on a shared machine hit both). Added latency per one-way hop of a pair is
 *   (proxied round trip - direct round trip) / 2; the report gives its p50 and p99.
 * - Throughput: the client writes N MB in 12 KiB writes; the sink answers one byte when it has
 *   counted N MB. MB/s = N / elapsed (MB = 10^6 bytes).
 * Each round measures direct and proxied back to back; the report gives medians over rounds and
 * ratios, plus the reference figures of toxiproxy-server 2.12.0 measured on the same kind of
 * machine (22 us per hop, 1089 MB/s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const REFERENCE_HOP_US = 22;
const REFERENCE_MBPS = 1089;
const here = dirname(fileURLToPath(import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`bench:proxy: --${name} must be a positive integer\n`);
    process.exit(254);
  }
  return v;
}

/** Child role: an echo port and a sink port, printed as "ports <echo> <sink>". */
async function upstreamRole(): Promise<void> {
  const echo = net.createServer({ noDelay: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
  });
  const sink = net.createServer({ noDelay: true }, (s) => {
    let want = -1;
    let got = 0;
    let header = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      if (want < 0) {
        header = Buffer.concat([header, d]);
        if (header.length < 8) return;
        want = Number(header.readBigUInt64BE(0));
        got = header.length - 8;
      } else {
        got += d.length;
      }
      if (got >= want) s.write('k');
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  process.stdout.write(`ports ${(echo.address() as net.AddressInfo).port} ${(sink.address() as net.AddressInfo).port}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

/** Child role: the plainest Node proxy (socket.pipe both ways) to the sink, printed as "pipe <port>". */
async function pipeRole(upstreamPort: number): Promise<void> {
  const server = net.createServer({ noDelay: true }, (c) => {
    const u = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    c.pipe(u);
    u.pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`pipe ${(server.address() as net.AddressInfo).port}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

function waitLine(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
}

function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** A ping-pong socket: `ping()` sends 64 bytes and resolves with the round trip in microseconds. */
async function pinger(port: number): Promise<{ ping(): Promise<number>; close(): void }> {
  const s = await open(port);
  const msg = Buffer.alloc(64, 'p');
  let pending: (() => void) | null = null;
  let got = 0;
  s.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= 64 && pending) {
      got -= 64;
      const p = pending;
      pending = null;
      p();
    }
  });
  return {
    async ping(): Promise<number> {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((r) => {
        pending = r;
        s.write(msg);
      });
      return Number(process.hrtime.bigint() - t0) / 1000;
    },
    close: () => s.destroy(),
  };
}

/**
 * Interleaved ping-pongs, direct then proxied, `count` pairs after 50 warm-up pairs. Returns the
 * direct round trips and the added latency per one-way hop of each pair, in microseconds.
 */
async function pings(directPort: number, proxyPort: number, count: number): Promise<{ direct: number[]; hop: number[] }> {
  const d = await pinger(directPort);
  const p = await pinger(proxyPort);
  const direct: number[] = [];
  const hop: number[] = [];
  for (let i = 0; i < count + 50; i++) {
    const a = await d.ping();
    const b = await p.ping();
    if (i >= 50) {
      direct.push(a);
      hop.push((b - a) / 2);
    }
  }
  d.close();
  p.close();
  return { direct, hop };
}

/** Sends `mb` MB in 12 KiB writes; returns MB/s. */
async function throughput(port: number, mb: number): Promise<number> {
  const s = await open(port);
  const total = mb * 1_000_000;
  const chunk = Buffer.alloc(12 * 1024, 'x');
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(total));
  const t0 = process.hrtime.bigint();
  const acked = new Promise<void>((r) => s.once('data', () => r()));
  s.write(header);
  let sent = 0;
  while (sent < total) {
    const n = Math.min(chunk.length, total - sent);
    sent += n;
    if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise((r) => s.once('drain', r));
  }
  await acked;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  return mb / secs;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]): number => pct(xs, 50);

async function main(): Promise<void> {
  if (process.argv.includes('--role-upstream')) return upstreamRole();
  const pipeAt = process.argv.indexOf('--role-pipe');
  if (pipeAt >= 0) return pipeRole(Number(process.argv[pipeAt + 1]));
  const rounds = arg('rounds', 7);
  const count = arg('pings', 1000);
  const mb = arg('mb', 128);
  const upstream = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role-upstream'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const proxyServer = spawn(process.execPath, [join(here, '../harness/cli/main.js'), 'toxiproxy', '--port', '0', '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pipeProxy: ChildProcess | undefined;
  try {
    const [, echoPort, sinkPort] = await waitLine(upstream, /ports (\d+) (\d+)/);
    const [, api] = await waitLine(proxyServer, /API on (http:\/\/\S+)/);
    pipeProxy = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role-pipe', sinkPort!], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [, pipePort] = await waitLine(pipeProxy, /pipe (\d+)/);
    const mk = async (name: string, port: string): Promise<number> => {
      const r = await fetch(`${api}/proxies`, {
        method: 'POST',
        body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` }),
      });
      const body = (await r.json()) as { listen: string };
      return Number(body.listen.split(':')[1]);
    };
    const pEcho = await mk('echo', echoPort!);
    const pSink = await mk('sink', sinkPort!);
    const hopP50: number[] = [];
    const hopP99: number[] = [];
    const directP50: number[] = [];
    const mbDirect: number[] = [];
    const mbProxy: number[] = [];
    const mbPipe: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const { direct, hop } = await pings(Number(echoPort), pEcho, count);
      directP50.push(median(direct));
      hopP50.push(median(hop));
      hopP99.push(pct(hop, 99));
      mbDirect.push(await throughput(Number(sinkPort), mb));
      mbProxy.push(await throughput(pSink, mb));
      mbPipe.push(await throughput(Number(pipePort), mb));
      process.stderr.write(
        `round ${r + 1}/${rounds}: hop p50 ${hopP50[r]!.toFixed(1)} us, p99 ${hopP99[r]!.toFixed(1)} us; direct ${mbDirect[r]!.toFixed(0)} MB/s, proxy ${mbProxy[r]!.toFixed(0)} MB/s, node pipe ${mbPipe[r]!.toFixed(0)} MB/s\n`,
      );
    }
    const hop50 = median(hopP50);
    const hop99 = median(hopP99);
    const tDirect = median(mbDirect);
    const tProxy = median(mbProxy);
    const tPipe = median(mbPipe);
    const lines = [
      `faultline toxiproxy data plane, no toxics (${rounds} rounds, ${count} pings, ${mb} MB each; medians over rounds)`,
      `  direct loopback round trip p50         ${median(directP50).toFixed(1)} us`,
      `  added latency per one-way hop  p50     ${hop50.toFixed(1)} us   (toxiproxy-server: ${REFERENCE_HOP_US} us; ratio ${(hop50 / REFERENCE_HOP_US).toFixed(2)}x, target <= 2x)`,
      `  added latency per one-way hop  p99     ${hop99.toFixed(1)} us`,
      `  throughput direct                      ${tDirect.toFixed(0)} MB/s`,
      `  throughput through the proxy           ${tProxy.toFixed(0)} MB/s   (${((100 * tProxy) / tDirect).toFixed(0)}% of direct; toxiproxy-server: ${REFERENCE_MBPS} MB/s, ratio ${(tProxy / REFERENCE_MBPS).toFixed(2)}, target >= 0.5)`,
      `  throughput, plainest Node pipe proxy    ${tPipe.toFixed(0)} MB/s   (the proxy reaches ${((100 * tProxy) / tPipe).toFixed(0)}% of it)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    upstream.kill('SIGTERM');
    proxyServer.kill('SIGTERM');
    pipeProxy?.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:proxy: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(255);
});
