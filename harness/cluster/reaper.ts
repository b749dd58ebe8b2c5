/**
 * The reaper: a tiny process that outlives the harness only to kill what it left behind.
 *
 * Nodes exit when their stdin closes, which covers a harness killed with SIGKILL, except for a
 * node that is paused (SIGSTOP) at that moment: it cannot read its stdin. The harness therefore
 * tells this process every node pid it starts ("+pid" / "-pid" lines on its stdin); when that
 * stdin closes, whatever the harness died of, the reaper sends SIGKILL to every pid still listed
 * (and their process groups) and exits.
 *
 * Started by `LocalLauncher`; not meant to be run by hand.
 */
const pids = new Set<number>();
let buf = '';

function reap(): void {
  for (const pid of pids) {
    // Each node leads its own process group: kill the group, then the pid in case it had none.
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  process.exit(0);
}

// Ctrl-C in a terminal reaches the whole process group; the reaper waits for its stdin instead.
process.on('SIGINT', () => {});
process.on('SIGTERM', reap);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buf += chunk;
  let nl: number;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl).trim();
    buf = buf.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') pids.add(pid);
    else if (line[0] === '-') pids.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
process.stdout.write('ready\n');
