// One row of `npm run bench`: a measurement next to its baseline from the same run.
export interface BenchRow {
  name: string;
  baseline: number;
  value: number;
  unit: string;
  ratio: number;
  goal: string;
  pass: boolean;
}
