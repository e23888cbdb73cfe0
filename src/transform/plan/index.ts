// The DataFrame API in one import, and the object .ts models receive.
import { CaseBuilder, Column, col, lit, when } from './column.js';
import { DataFrame, GroupedData, ref, source } from './dataframe.js';
import * as fns from './functions.js';
import { Window, WindowBuilder } from './window.js';

export { CaseBuilder, Column, DataFrame, GroupedData, Window, WindowBuilder, col, lit, ref, source, when };
export * from './functions.js';

/** Everything a DataFrame model may use; a .ts model's default export receives it. */
export const dataframeApi = {
  source,
  ref,
  col,
  lit,
  when,
  Window,
  sum: fns.sum,
  avg: fns.avg,
  min: fns.min,
  max: fns.max,
  count: fns.count,
  countDistinct: fns.countDistinct,
  coalesce: fns.coalesce,
  nullif: fns.nullif,
  greatest: fns.greatest,
  least: fns.least,
  abs: fns.abs,
  lower: fns.lower,
  upper: fns.upper,
  trim: fns.trim,
  length: fns.length,
  round: fns.round,
  truncDate: fns.truncDate,
  toDate: fns.toDate,
  year: fns.year,
  month: fns.month,
  dateDiffDays: fns.dateDiffDays,
  monthsBetween: fns.monthsBetween,
  rowNumber: fns.rowNumber,
  rank: fns.rank,
  denseRank: fns.denseRank,
  ntile: fns.ntile,
  lag: fns.lag,
  lead: fns.lead,
  firstValue: fns.firstValue,
  lastValue: fns.lastValue,
};

export type DataFrameApi = typeof dataframeApi;
