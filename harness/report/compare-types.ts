/**
 * The data of a comparison of pattern variants: `results/compare-<time>/compare.json`.
 *
 * `faultline compare` runs each variant of a system with the same seeds, workload and faults, and
 * writes this object; `renderCompareHtml` (compare.ts) turns it into `compare.html`, a matrix of
 * variant x metrics whose cells link to the run reports. Kept in its own file, free of any
 * rendering code, so that the command that writes the JSON can import the type alone.
 */

/** The figures of a run, and of a variant (there, the median over its runs). */
export interface CompareMetrics {
  /** Share of completed ops that were `ok` while a fault was active, 0..1; null when no op ran then. */
  okRateInFaults: number | null;
  /** Share of completed ops that were `ok` while no fault was active, 0..1; null when no op ran then. */
  okRateOutsideFaults: number | null;
  /**
   * Share of completed ops answered (`ok`, or refused on their merits: a cas that found another
   * value) while no fault was active; absent from comparisons written before it existed.
   */
  answeredRateOutsideFaults?: number | null;
  /** Completed `ok` operations per second. */
  opsPerSec: number | null;
  /** Median latency of `ok` ops, milliseconds. */
  p50Ms: number | null;
  /** 99th percentile latency of `ok` ops, milliseconds. */
  p99Ms: number | null;
}

/** One run of one variant inside a comparison. */
export interface CompareRun extends CompareMetrics {
  /** The run's root seed (the same list of seeds is used for every variant). */
  seed: number;
  /** The run folder, relative to the folder holding compare.json (or absolute). */
  runDir: string;
  /** The run's composed verdict. */
  valid: boolean | 'unknown';
  /** The run's exit code (0 valid, 1 invalid, 2 unknown, 255 crash...). */
  exitCode: number;
  /** Seconds from the start of the run to the first anomalous op; null when none was found. */
  firstAnomalyS: number | null;
}

/** The aggregate of one variant's runs: its figures are the medians of its runs'. */
export interface CompareSummary extends CompareMetrics {
  /** Number of runs. */
  runs: number;
  /** Number of runs whose verdict was `false` (an anomaly was detected). */
  detected: number;
  /** Median over the detecting runs of `firstAnomalyS`; null when no run detected one. */
  medianTimeToFirstAnomalyS: number | null;
}

/** One variant's row of the matrix. */
export interface CompareVariant {
  variant: string;
  runs: CompareRun[];
  summary: CompareSummary;
}

/** The whole comparison, as written to compare.json. */
export interface CompareJson {
  system: string;
  workload: string;
  /** The workload's own options every run was given; absent when none were. */
  workloadOptions?: Record<string, unknown>;
  nemesis: string[];
  runsPerVariant: number;
  timeLimitS: number;
  seeds: number[];
  /** ISO 8601 UTC time the comparison started. */
  createdAt: string;
  variants: CompareVariant[];
}
