/**
 * Following a run until it ends, or until the operator stops watching (`q`, Ctrl-C): the live box
 * on a terminal, plain lines elsewhere. Stopping to watch never stops the run.
 */
import { CancelledFailure, TerminatedFailure, TimeoutFailure, ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { Env } from '../config/env.js';
import type { PipelineResult, Progress, StageName } from '../workflows/contract.js';
import { openUrl } from './open-url.js';
import { PlainProgressPrinter, renderProgressBox, withWallClock } from './progress-view.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type WatchOutcome =
  | { kind: 'completed'; result: PipelineResult }
  | { kind: 'failed'; message: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'detached' };

export interface WatchOutput {
  info(line: string): void;
}

export interface WatchOptions {
  runId: string;
  /** Settles when the workflow closes (handle.result()). */
  result: Promise<PipelineResult>;
  /** The getProgress query; null when it cannot be answered right now. */
  query: () => Promise<Progress | null>;
  uiUrl: string;
  /** Draw the box (a terminal); otherwise plain lines through `out`. */
  live: boolean;
  /** Read q/d from stdin (a terminal in raw mode). */
  keys: boolean;
  out: WatchOutput;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  pollMs?: number;
  /** Called every few seconds; a returned note is shown (live) or printed once (plain). */
  check?: () => Promise<string | null>;
  env: Env;
  /** When the workflow started (epoch ms), for elapsed time and ETA by the wall clock. */
  startedAt?: number | null;
}

/** The innermost message of a workflow failure: what went wrong, without Temporal's wrapping. */
export function failureMessage(error: unknown): string {
  if (error instanceof WorkflowFailedError) {
    let cause: unknown = error.cause;
    while (cause instanceof Error && cause.cause instanceof Error && !(cause instanceof ApplicationFailure && cause.type === 'PipelineFailed')) cause = cause.cause;
    if (cause instanceof Error) return cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function classifyResult(error: unknown): WatchOutcome {
  if (error instanceof WorkflowFailedError) {
    if (error.cause instanceof CancelledFailure) return { kind: 'cancelled', message: 'the workflow was cancelled' };
    if (error.cause instanceof TerminatedFailure) return { kind: 'failed', message: `the workflow was terminated${error.cause.message ? `: ${error.cause.message}` : ''}` };
    if (error.cause instanceof TimeoutFailure) return { kind: 'failed', message: 'the workflow timed out' };
  }
  return { kind: 'failed', message: failureMessage(error) };
}


const ESC = '\x1b[';

/** Redraws a block of lines in place. */
class LiveFrame {
  private height = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  draw(lines: string[]): void {
    let text = this.height > 0 ? `${ESC}${this.height}A\r` : '';
    text += `${ESC}0J${lines.join('\n')}\n`;
    this.stream.write(text);
    // A line longer than the terminal (a URL) wraps onto more rows.
    const columns = this.stream.columns || 80;
    this.height = lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / columns)), 0);
  }
  reset(): void {
    this.stream.write(`${ESC}2J${ESC}H`);
    this.height = 0;
  }
}

export async function watchRun(opts: WatchOptions): Promise<WatchOutcome> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const pollMs = opts.pollMs ?? (opts.live ? 500 : 1000);
  const outcome: Promise<WatchOutcome> = opts.result.then(
    (result) => ({ kind: 'completed', result }),
    (error: unknown) => classifyResult(error),
  );
  let finished: WatchOutcome | null = null;
  void outcome.then((o) => (finished = o));

  let detach!: () => void;
  const detached = new Promise<WatchOutcome>((resolve) => (detach = () => resolve({ kind: 'detached' })));
  let isDetached = false;
  void detached.then(() => (isDetached = true));

  let message: string | null = null;
  let note: string | null = null;
  let last: Progress | null = null;
  let lastStage: StageName | null = null;
  const frame = opts.live ? new LiveFrame(stdout) : null;
  const printer = new PlainProgressPrinter();
  let wake: () => void = () => undefined;

  const draw = (progress: Progress | null) => {
    if (!frame) return;
    const lines = renderProgressBox(opts.runId, progress, {
      now: Date.now(),
      columns: stdout.columns,
      lastStage,
      keys: opts.keys && !finished,
      message: [note, message].filter(Boolean).join('\n') || null,
    });
    frame.draw(lines.flatMap((l) => l.split('\n')));
  };

  const onKey = (data: Buffer | string) => {
    const key = String(data);
    if (key === 'q' || key === 'Q' || key === '\u0003') detach();
    else if (key === 'd' || key === 'D') {
      const opened = openUrl(opts.uiUrl, opts.env);
      message = opened ? `Opened the Temporal UI: ${opts.uiUrl}` : `Temporal UI: ${opts.uiUrl}`;
      draw(last);
    }
  };
  const onSigint = () => detach();
  const onResize = () => {
    frame?.reset();
    draw(last);
  };

  let rawMode = false;
  if (opts.keys && stdin.isTTY) {
    stdin.setRawMode(true);
    rawMode = true;
    stdin.resume();
    stdin.on('data', onKey);
  }
  process.on('SIGINT', onSigint);
  if (frame) {
    stdout.write(`${ESC}?25l`);
    stdout.on('resize', onResize);
  } else {
    opts.out.info(`Watching run ${opts.runId} (Ctrl-C stops watching; the run goes on)`);
  }

  let lastCheck = Date.now();
  let printedNote: string | null = null;
  try {
    draw(null);
    while (!finished && !isDetached) {
      try {
        const answer = await opts.query();
        const progress = answer && withWallClock(answer, opts.startedAt ?? null, Date.now());
        if (progress) {
          last = progress;
          if (progress.current_stage) lastStage = progress.current_stage;
        }
      } catch {
        // The first workflow task may not have run yet, or the workflow has just closed.
      }
      if (finished || isDetached) break;
      if (opts.check && Date.now() - lastCheck >= 10_000) {
        lastCheck = Date.now();
        note = await opts.check().catch(() => null);
        if (!frame && note && note !== printedNote) opts.out.info(note);
        printedNote = note;
      }
      if (frame) draw(last);
      else if (last) for (const line of printer.next(last, Date.now())) opts.out.info(line);
      await Promise.race([outcome, detached, sleep(pollMs), new Promise<void>((resolve) => (wake = resolve))]);
    }
    const result = finished ?? (isDetached ? { kind: 'detached' as const } : await outcome);
    if (frame && result.kind !== 'detached') {
      const status = result.kind === 'completed' ? 'completed' : result.kind === 'cancelled' ? 'cancelled' : 'failed';
      const final: Progress | null = last && {
        ...last,
        status,
        current_stage: null,
        current_activity: null,
        ...(status === 'completed' ? { percentage: 100, activity_index: last.activity_count } : {}),
        eta_seconds: 0,
        details: { ...last.details, current_type: null },
      };
      message = null;
      note = null;
      draw(final);
    }
    if (frame) stdout.write('\n');
    return result;
  } finally {
    wake();
    process.off('SIGINT', onSigint);
    if (rawMode) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    if (frame) {
      stdout.off('resize', onResize);
      stdout.write(`${ESC}?25h`);
    }
  }
}
