/** The number formats the benchmarks' tables share. */

/** `x` with `digits` decimals, or '-' when it is not a finite number. */
export const fmtNum = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** A ratio as `1.23x` (`12x` from 10 up), or '-' when it is not a finite number. */
export const fmtRatio = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}x` : '-');
