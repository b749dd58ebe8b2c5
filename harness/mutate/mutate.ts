/**
 * `faultline mutate`: how blind are a system's tests? Mutants of its core (mutants.ts) each go
 * into a copy of the built systems tree; the swarm hunt in the simulator (`hunt --simulate`) runs
 * against each, and a mutant it leaves alive gets a short real-process hunt (`hunt`). A mutant is
 * killed when a hunt finds an anomaly, or when its node crashes or hangs; it survives otherwise.
 * The score is killed / (run - equivalent), where the user lists the equivalent mutants (those no
 * behaviour can tell from the original) by id in a file.
 *
 * Every hunt is a child process (`faultline hunt`), so each mutant's modules load fresh; a child
 * that outlives its budget is killed by its pid. Writes mutate.json and mutate.html in the folder.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import type { SystemManifest } from '../cluster/manifest.js';
import { BUILT_SYSTEMS_DIR, DIST_ROOT } from '../cluster/manifest.js';
import { EXIT, FaultlineError, UsageError } from '../cli/exit.js';
import { MutableRng, deriveSeed } from '../random.js';
import { writeJson } from '../run/folder.js';
import { shellQuote } from '../run/config.js';
import { escapeHtml } from '../report/html.js';
import { applyMutant, type Mutant, mutantsOf, transpile } from './mutants.js';

/** How a mutant's hunts ended. */
export type MutantFate = 'killed-sim' | 'killed-real' | 'crashed' | 'hung' | 'survived' | 'equivalent' | 'not-run' | 'no-build';

export interface MutantResult extends Omit<Mutant, 'start' | 'end'> {
  fate: MutantFate;
  /** What the killing hunt printed first (the anomaly), or why it was not run. */
  note: string;
  ms: number;
}

export interface MutateOptions {
  systemArg: string;
  manifest: SystemManifest;
  variant: string;
  /** Source files to mutate, relative to the system's source folder (default: its core/). */
  files: string[];
  seed: number;
  budgetMs: number;
  /** Budget of each mutant's simulated hunt. */
  simMs: number;
  /** Budget of the real-process hunt a survivor of the simulator gets (0: none). */
  realMs: number;
  parallel: number;
  equivalent: Set<string>;
  outDir: string;
  log(line: string): void;
}

export interface MutateRecord {
  system: string;
  variant: string;
  seed: number;
  sourceDir: string;
  files: string[];
  mutants: number;
  run: number;
  killed: number;
  equivalent: number;
  /** killed / (run - equivalent), or null when nothing was run. */
  score: number | null;
  wallMs: number;
  results: MutantResult[];
}

const CLI_JS = join(DIST_ROOT, 'harness/cli/main.js');

/** The source folder of a system: the repository's systems/<name> for a built one, else the manifest's folder. */
export function sourceDirOf(manifest: SystemManifest): string {
  const rel = relative(BUILT_SYSTEMS_DIR, manifest.manifestDir);
  if (!rel.startsWith('..') && rel !== '') {
    const src = join(dirname(DIST_ROOT), 'systems', rel);
    if (existsSync(src)) return src;
  }
  return manifest.manifestDir;
}

/** The default files to mutate: every .ts (or .js) file in the source folder's core/. */
export function defaultFiles(sourceDir: string): string[] {
  const core = join(sourceDir, 'core');
  if (!existsSync(core)) return [];
  const ts = readdirSync(core).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const files = ts.length > 0 ? ts : readdirSync(core).filter((f) => f.endsWith('.js'));
  return files.sort().map((f) => `core/${f}`);
}

/**
 * A copy of the built tree under `root` in which the system's `file` (relative to its source
 * folder) is `source`, transpiled: the systems, the wire-message modules of workloads/ they import
 * (ARCHITECTURE.md), and a link to the project's node_modules for their packages. Returns the
 * copy's manifest path.
 */
export function mutantTree(root: string, manifest: SystemManifest, file: string, source: string): string {
  const sysRel = relative(BUILT_SYSTEMS_DIR, manifest.manifestDir);
  const js = transpile(source, file);
  cpSync(BUILT_SYSTEMS_DIR, join(root, 'systems'), { recursive: true });
  cpSync(join(DIST_ROOT, 'workloads'), join(root, 'workloads'), { recursive: true });
  symlinkSync(join(dirname(DIST_ROOT), 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'systems', sysRel, file.replace(/\.ts$/, '.js')), js);
  return join(root, 'systems', sysRel, basename(manifest.manifestPath));
}

/** Runs `faultline hunt` as a child for at most `budgetMs` (+ grace); its exit code and first lines. */
async function huntChild(args: string[], budgetMs: number): Promise<{ code: number | null; timedOut: boolean; out: string }> {
  const r = await execa(process.execPath, [CLI_JS, 'hunt', ...args], { reject: false, timeout: budgetMs + 60_000, killSignal: 'SIGKILL', all: true, stdin: 'ignore' });
  return { code: r.exitCode ?? null, timedOut: r.timedOut === true, out: String(r.all ?? '') };
}

function firstLine(out: string, re: RegExp): string {
  return out.split('\n').find((l) => re.test(l))?.trim().slice(0, 400) ?? out.trim().split('\n').slice(-1)[0]?.slice(0, 400) ?? '';
}

/** Runs every mutant the budget allows; returns the record (also written as mutate.json). */
export async function mutate(o: MutateOptions): Promise<{ record: MutateRecord; lines: string[] }> {
  const sourceDir = sourceDirOf(o.manifest);
  const sysRel = relative(BUILT_SYSTEMS_DIR, o.manifest.manifestDir);
  if (sysRel.startsWith('..')) throw new UsageError(`${o.manifest.manifestPath}: faultline mutate works on the built systems (dist/systems); ${o.systemArg} is outside it`);
  const all: Mutant[] = [];
  for (const f of o.files) {
    const p = join(sourceDir, f);
    if (!existsSync(p)) throw new UsageError(`--files: ${f}: no such file in ${sourceDir}`);
    all.push(...mutantsOf(f, readFileSync(p, 'utf8')));
  }
  if (all.length === 0) throw new UsageError(`no mutants in ${o.files.join(', ') || '(no files)'} of ${sourceDir}`);
  const order = new MutableRng(deriveSeed(o.seed, 'mutants')).shuffle(all);
  const start = Date.now();
  const work = join(o.outDir, 'work');
  mkdirSync(work, { recursive: true });
  const results: MutantResult[] = [];
  const huntArgs = (manifestPath: string, dir: string): string[] => ['--system', manifestPath, '--variant', o.variant, '--seed', String(o.seed), '--no-shrink', '--out', dir];

  // The unmutated system must pass the same hunt, or no mutant's death means anything.
  o.log(`baseline: the unmutated ${o.manifest.name} under the simulated hunt (${Math.round(o.simMs / 1000)} s)`);
  const base = await huntChild(['--simulate', ...huntArgs(o.manifest.manifestPath, join(work, 'baseline')), '--budget', `${Math.round(o.simMs / 1000)}s`], o.simMs);
  if (base.code !== 0) throw new FaultlineError(`the unmutated ${o.manifest.name} (variant ${o.variant}) does not pass the simulated hunt (exit ${String(base.code)}): ${firstLine(base.out, /anomaly|error/)}; mutants of it would say nothing`, EXIT.crash);

  let next = 0;
  const runOne = async (m: Mutant, n: number): Promise<MutantResult> => {
    const t0 = Date.now();
    const { start: _s, end: _e, ...desc } = m;
    if (o.equivalent.has(m.id)) return { ...desc, fate: 'equivalent', note: 'listed as equivalent', ms: 0 };
    const root = join(work, `m-${String(n).padStart(4, '0')}`);
    try {
      let manifestPath: string;
      try {
        manifestPath = mutantTree(root, o.manifest, m.file, applyMutant(readFileSync(join(sourceDir, m.file), 'utf8'), m));
      } catch (err) {
        return { ...desc, fate: 'no-build', note: (err as Error).message, ms: Date.now() - t0 };
      }
      const sim = await huntChild(['--simulate', ...huntArgs(manifestPath, join(root, 'sim')), '--budget', `${Math.round(o.simMs / 1000)}s`], o.simMs);
      if (sim.timedOut) return { ...desc, fate: 'hung', note: 'the simulated hunt did not end (a core that never settles)', ms: Date.now() - t0 };
      if (sim.code === 1) return { ...desc, fate: 'killed-sim', note: firstLine(sim.out, /^anomaly found/), ms: Date.now() - t0 };
      if (sim.out.includes('ERR_MODULE_NOT_FOUND')) return { ...desc, fate: 'no-build', note: firstLine(sim.out, /ERR_MODULE_NOT_FOUND/), ms: Date.now() - t0 };
      if (sim.code !== 0 && sim.code !== 2) return { ...desc, fate: 'crashed', note: firstLine(sim.out, /error|Error|failed/), ms: Date.now() - t0 };
      if (o.realMs > 0) {
        const real = await huntChild([...huntArgs(manifestPath, join(root, 'real')), '--budget', `${Math.round(o.realMs / 1000)}s`, '--parallel', '1', '--time-limit', '10'], o.realMs + 60_000);
        if (real.code === 1) return { ...desc, fate: 'killed-real', note: firstLine(real.out, /anomal|invalid/i), ms: Date.now() - t0 };
        if (real.code === 255) return { ...desc, fate: 'crashed', note: firstLine(real.out, /crash|exited|error/i), ms: Date.now() - t0 };
      }
      return { ...desc, fate: 'survived', note: '', ms: Date.now() - t0 };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  const worker = async (): Promise<void> => {
    while (next < order.length && Date.now() - start < o.budgetMs) {
      const n = next++;
      const m = order[n]!;
      const r = await runOne(m, n);
      results.push(r);
      o.log(`[${results.length}/${order.length}] ${r.fate.padEnd(11)} ${m.id}  ${JSON.stringify(m.original).slice(0, 60)} -> ${JSON.stringify(m.replacement).slice(0, 60)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, () => worker()));
  const ran = new Set(results.map((r) => r.id));
  for (const m of order) {
    if (ran.has(m.id)) continue;
    const { start: _s, end: _e, ...desc } = m;
    results.push({ ...desc, fate: o.equivalent.has(m.id) ? 'equivalent' : 'not-run', note: 'the budget ran out first', ms: 0 });
  }
  rmSync(work, { recursive: true, force: true });
  const killedFates: MutantFate[] = ['killed-sim', 'killed-real', 'crashed', 'hung'];
  const killed = results.filter((r) => killedFates.includes(r.fate)).length;
  const equivalent = results.filter((r) => r.fate === 'equivalent').length;
  const runCount = results.filter((r) => r.fate !== 'not-run' && r.fate !== 'equivalent' && r.fate !== 'no-build').length;
  const record: MutateRecord = {
    system: o.manifest.name, variant: o.variant, seed: o.seed, sourceDir, files: o.files, mutants: all.length, run: runCount, killed, equivalent,
    score: runCount > 0 ? killed / runCount : null, wallMs: Date.now() - start, results: results.sort((a, b) => a.id.localeCompare(b.id)),
  };
  writeJson(join(o.outDir, 'mutate.json'), record);
  writeFileSync(join(o.outDir, 'mutate.html'), renderHtml(record));
  const lines = [
    `${o.manifest.name} (${o.variant}): ${all.length} mutants of ${o.files.join(', ')}; ran ${runCount}${equivalent > 0 ? `, ${equivalent} set aside as equivalent` : ''} in ${(record.wallMs / 60000).toFixed(1)} min`,
    `mutation score: ${record.score === null ? '-' : `${(record.score * 100).toFixed(1)} %`} (${killed} killed: ${results.filter((r) => r.fate === 'killed-sim').length} by the simulator, ${results.filter((r) => r.fate === 'killed-real').length} by real processes, ${results.filter((r) => r.fate === 'crashed' || r.fate === 'hung').length} crashed or hung)`,
  ];
  const survivors = results.filter((r) => r.fate === 'survived');
  if (survivors.length > 0) {
    lines.push(`survivors (${survivors.length}): where the tests are blind`);
    for (const s of survivors) lines.push(`  ${s.file}:${s.line}:${s.column} ${s.operator}: ${JSON.stringify(s.original).slice(0, 80)} -> ${JSON.stringify(s.replacement).slice(0, 80)}`);
  }
  const left = results.filter((r) => r.fate === 'not-run').length;
  if (left > 0) lines.push(`${left} mutants not run: the budget ran out (repeat with a larger --budget)`);
  lines.push(`repeat: faultline mutate --system ${shellQuote(o.systemArg)} --variant ${shellQuote(o.variant)} --seed ${o.seed} --budget ${Math.round(o.budgetMs / 60000)}m`);
  lines.push(`report: ${join(o.outDir, 'mutate.html')}`);
  return { record, lines };
}

/** Reads the equivalent mutants' ids: one a line, `#` comments. */
export function readEquivalent(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    throw new UsageError(`--equivalent ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return new Set(text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== ''));
}

function renderHtml(r: MutateRecord): string {
  const row = (m: MutantResult): string =>
    `<tr class="${escapeHtml(m.fate)}"><td>${escapeHtml(`${m.file}:${m.line}:${m.column}`)}</td><td>${escapeHtml(m.operator)}</td><td><code>${escapeHtml(m.original)}</code></td><td><code>${escapeHtml(m.replacement)}</code></td><td>${escapeHtml(m.fate)}</td><td>${escapeHtml(m.note)}</td></tr>`;
  const score = r.score === null ? '-' : `${(r.score * 100).toFixed(1)} %`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(`mutation score of ${r.system}`)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top}code{white-space:pre-wrap}tr.survived{background:#fde8e8}tr.not-run{color:#888}</style></head><body>
<h1>${escapeHtml(`${r.system} (${r.variant}): mutation score ${score}`)}</h1>
<p>${escapeHtml(`${r.mutants} mutants of ${r.files.join(', ')}; ${r.run} run, ${r.killed} killed, ${r.equivalent} equivalent; seed ${r.seed}; ${(r.wallMs / 60000).toFixed(1)} min`)}</p>
<table><tr><th>place</th><th>operator</th><th>original</th><th>mutant</th><th>fate</th><th>note</th></tr>
${r.results.map(row).join('\n')}
</table></body></html>
`;
}
