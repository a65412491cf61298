/**
 * Flags several commands share, declared once. Each returns a new commander Option whose value type
 * extra-typings infers, so `opts.outputDir` is a string and `opts.json` a boolean in every handler.
 */
import { Option } from '@commander-js/extra-typings';
import { MAX_TREND } from '../config/period.js';
import { ValidationError } from '../errors.js';

export const DEFAULT_OUTPUT_DIR = './tmp/runs';

/** The simulated Fibery latency of sandbox runs: long enough to watch a run, short enough to wait for. */
export const DEFAULT_SANDBOX_LATENCY_MS = 1500;

export const outputDirOption = (help = 'where the run directories are') => new Option('--output-dir <dir>', help).default(DEFAULT_OUTPUT_DIR);

export const runIdOption = (help: string) => new Option('--run-id <id>', help);

export const requiredRunIdOption = (help: string) => new Option('--run-id <id>', help).makeOptionMandatory();

export const jsonOption = (help: string) => new Option('--json', help).default(false);

/** A flag's value as a whole number in [min, max]: a bad one is bad input, named by its flag. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new ValidationError(`${flag} must be a whole number ${range}, not "${value}"`);
    }
    return n;
  };
}

/** A flag's value as a number of seconds ≥ 0. */
export function seconds(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new ValidationError(`${flag} must be a number of seconds ≥ 0, not "${value}"`);
    return n;
  };
}

export const sandboxLatencyOption = (help: string) =>
  new Option('--sandbox-latency <ms>', `${help} (default ${DEFAULT_SANDBOX_LATENCY_MS}, or VOLT_SANDBOX_FIBERY_LATENCY_MS; 0 = at once)`).argParser(
    wholeNumber('--sandbox-latency', 0, 60_000),
  );

/** --period: a period by name (src/config/period.ts reads it, with config.yaml's week start and time zone). */
export const periodOption = (help: string) => new Option('--period <period>', help);

/** --trend: periods of the run's length in the team report's trend, the run's own included. */
export const trendOption = () =>
  new Option('--trend <n>', "periods of the run's length the team report's trend shows, this one included (default: config.yaml periods.trend, else 6 for weekly and shorter runs; 0: none)").argParser(
    wholeNumber('--trend', 0, MAX_TREND),
  );
