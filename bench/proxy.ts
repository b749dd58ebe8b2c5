/**
 * Benchmark of the embedded Toxiproxy server's data plane with no toxics, against direct loopback
 * in the same run.
 *
 *   npm run bench:proxy            (node dist/bench/proxy.js [--rounds 7] [--pings 1000] [--mb 128])
 *
 * Three processes, as in real use: this one is the client; a child runs the upstream (an echo
 * port for latency and a sink port for throughput); a child runs `faultline toxiproxy`.
 * - Latency: sequential 64-byte ping-pongs. Added latency per one-way hop is
 *   (round trip through the proxy - direct round trip) / 2, at p50 and p99.
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

/** Sequential ping-pongs; returns round-trip times in microseconds. */
async function pings(port: number, count: number): Promise<number[]> {
  const s = await open(port);
  const msg = Buffer.alloc(64, 'p');
  const out: number[] = [];
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
  for (let i = 0; i < count + 50; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((r) => {
      pending = r;
      s.write(msg);
    });
    if (i >= 50) out.push(Number(process.hrtime.bigint() - t0) / 1000); // first 50 warm up
  }
  s.destroy();
  return out;
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
  const rounds = arg('rounds', 7);
  const count = arg('pings', 1000);
  const mb = arg('mb', 128);
  const upstream = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role-upstream'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const proxyServer = spawn(process.execPath, [join(here, '../harness/cli/main.js'), 'toxiproxy', '--port', '0', '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [, echoPort, sinkPort] = await waitLine(upstream, /ports (\d+) (\d+)/);
    const [, api] = await waitLine(proxyServer, /API on (http:\/\/\S+)/);
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
    for (let r = 0; r < rounds; r++) {
      const d = await pings(Number(echoPort), count);
      const p = await pings(pEcho, count);
      directP50.push(median(d));
      hopP50.push((median(p) - median(d)) / 2);
      hopP99.push((pct(p, 99) - pct(d, 99)) / 2);
      mbDirect.push(await throughput(Number(sinkPort), mb));
      mbProxy.push(await throughput(pSink, mb));
      process.stderr.write(
        `round ${r + 1}/${rounds}: hop p50 ${hopP50[r]!.toFixed(1)} us, p99 ${hopP99[r]!.toFixed(1)} us; direct ${mbDirect[r]!.toFixed(0)} MB/s, proxy ${mbProxy[r]!.toFixed(0)} MB/s\n`,
      );
    }
    const hop50 = median(hopP50);
    const hop99 = median(hopP99);
    const tDirect = median(mbDirect);
    const tProxy = median(mbProxy);
    const lines = [
      `faultline toxiproxy data plane, no toxics (${rounds} rounds, ${count} pings, ${mb} MB each; medians over rounds)`,
      `  direct loopback round trip p50         ${median(directP50).toFixed(1)} us`,
      `  added latency per one-way hop  p50     ${hop50.toFixed(1)} us   (toxiproxy-server: ${REFERENCE_HOP_US} us; ratio ${(hop50 / REFERENCE_HOP_US).toFixed(2)}x, target <= 2x)`,
      `  added latency per one-way hop  p99     ${hop99.toFixed(1)} us`,
      `  throughput direct                      ${tDirect.toFixed(0)} MB/s`,
      `  throughput through the proxy           ${tProxy.toFixed(0)} MB/s   (${((100 * tProxy) / tDirect).toFixed(0)}% of direct; toxiproxy-server: ${REFERENCE_MBPS} MB/s, ratio ${(tProxy / REFERENCE_MBPS).toFixed(2)}, target >= 0.5)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    upstream.kill('SIGTERM');
    proxyServer.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:proxy: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(255);
});
