/**
 * The process in which the suite and compare commands run one `faultline run`.
 *
 * It is `faultline <args>` (the same `main` as the CLI) plus one duty: it watches its stdin, a pipe
 * from the parent, and when that closes (the suite was killed, even with SIGKILL) it stops the run
 * with SIGTERM, so the run heals its faults and stops its nodes instead of running on as an orphan.
 * This is the same rule the nodes of a run follow towards the run itself.
 */
import { main } from '../cli/main.js';

/** How long a run may take to shut down after its parent went away before it is ended outright. */
const ORPHAN_GRACE_MS = 15_000;

let finished = false;

function parentGone(): void {
  if (finished) return;
  finished = true;
  // SIGTERM lets the run's own handler stop its nodes; when it has none, the default action ends the
  // process and the nodes follow when their stdin closes.
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(255), ORPHAN_GRACE_MS).unref();
}

process.stdin.on('end', parentGone);
process.stdin.on('close', parentGone);
process.stdin.on('error', parentGone);
process.stdin.resume();

main([process.argv[0] ?? 'node', process.argv[1] ?? 'faultline', ...process.argv.slice(2)]).then(
  (code) => {
    finished = true;
    process.stdin.destroy();
    process.exitCode = code;
  },
  (err: unknown) => {
    finished = true;
    process.stdin.destroy();
    process.stderr.write(`faultline: internal error: ${String(err)}\n`);
    process.exitCode = 255;
  },
);
