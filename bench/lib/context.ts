import type { Engine } from './engine.ts';
import type { Row } from './report.ts';

/** What every workload receives. */
export interface BenchContext {
  engine: Engine;
  /** Recorded runs per contender (after one unrecorded warm-up round). */
  runs: number;
  /** Smaller sizes for development; the table says so. */
  quick: boolean;
  /** A fresh temp dir, removed at the end. */
  workDir: string;
  /** Free-text notes for the report (fairness caveats, load errors). */
  notes: string[];
  /** Progress lines go to stderr so stdout stays the table. */
  log(message: string): void;
}

/** One numbered workload: returns its rows. */
export interface Workload {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
