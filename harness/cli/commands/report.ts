/**
 * `faultline report <run dir>`: writes the run's self-contained HTML report, report.html, from
 * the files of the run folder (also a partial one, from a run that was killed).
 */
import type { Command } from 'commander';
import { writeReport } from '../../report/index.js';

/** Registers `faultline report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description("write a run's self-contained HTML report (report.html) from its run folder")
    .argument('<run-dir>', 'the run folder (results/<run>, or results/latest)')
    .option('-o, --out <file>', 'write the report here instead of <run-dir>/report.html')
    .action((runDir: string, opts: { out?: string }) => {
      const r = writeReport(runDir, opts.out ? { outFile: opts.out } : {});
      for (const w of r.warnings) process.stderr.write(`faultline report: warning: ${w}\n`);
      process.stdout.write(`${r.file} (${r.ops} ops, ${(r.bytes / 1024).toFixed(0)} KiB)\n`);
    });
}
