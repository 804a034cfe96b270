// Column standardisation fitted on training rows: the one statistic the look and style features share.

/** Mean and spread (population standard deviation) of each column, rounded to 6 decimals as labels.json stores them. */
export interface ColumnStats {
  readonly mean: number[];
  readonly std: number[];
}

/**
 * Mean and standard deviation of each of `columns` columns over `rows` rows, where
 * `value(row, column)` reads one value. Two passes in double precision (no cancellation when a
 * column's spread is small against its mean); values rounded to 6 decimals, so a model folder's
 * labels.json stays readable and its numbers are the ones classification uses. No rows give
 * zero means and spreads.
 */
export function fitColumnScaling(rows: number, columns: number, value: (row: number, column: number) => number): ColumnStats {
  const mean = new Float64Array(columns);
  const variance = new Float64Array(columns);
  const n = Math.max(1, rows);
  for (let r = 0; r < rows; r++) for (let j = 0; j < columns; j++) mean[j]! += value(r, j);
  for (let j = 0; j < columns; j++) mean[j]! /= n;
  for (let r = 0; r < rows; r++) for (let j = 0; j < columns; j++) variance[j]! += (value(r, j) - mean[j]!) ** 2;
  return {
    mean: Array.from(mean, round6),
    std: Array.from(variance, (v) => round6(Math.sqrt(v / n))),
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
