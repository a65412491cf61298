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
  const watcher = new RunWatcher(opts);
  watcher.attach();
  try {
    return await watcher.follow();
  } finally {
    watcher.release();
  }
}

/** One watch of a run: what it last showed, the terminal while watching, the loop until the run ends or the operator detaches. */
class RunWatcher {
  private readonly stdout: NodeJS.WriteStream;
  private readonly stdin: NodeJS.ReadStream;
  private readonly pollMs: number;
  private readonly outcome: Promise<WatchOutcome>;
  private readonly detached: Promise<WatchOutcome>;
  private detach!: () => void;
  private finished: WatchOutcome | null = null;
  private isDetached = false;
  private message: string | null = null;
  private note: string | null = null;
  private printedNote: string | null = null;
  private last: Progress | null = null;
  private lastStage: StageName | null = null;
  private lastCheck = Date.now();
  private readonly frame: LiveFrame | null;
  private readonly printer = new PlainProgressPrinter();
  private wake: () => void = () => undefined;
  private rawMode = false;

  constructor(private readonly opts: WatchOptions) {
    this.stdout = opts.stdout ?? process.stdout;
    this.stdin = opts.stdin ?? process.stdin;
    this.pollMs = opts.pollMs ?? (opts.live ? 500 : 1000);
    this.outcome = opts.result.then(
      (result) => ({ kind: 'completed', result }),
      (error: unknown) => classifyResult(error),
    );
    void this.outcome.then((o) => (this.finished = o));
    this.detached = new Promise<WatchOutcome>((resolve) => (this.detach = () => resolve({ kind: 'detached' })));
    void this.detached.then(() => (this.isDetached = true));
    this.frame = opts.live ? new LiveFrame(this.stdout) : null;
  }

  /** Keys from a terminal in raw mode, Ctrl-C as detaching, the cursor hidden while the box is drawn. */
  attach(): void {
    if (this.opts.keys && this.stdin.isTTY) {
      this.stdin.setRawMode(true);
      this.rawMode = true;
      this.stdin.resume();
      this.stdin.on('data', this.onKey);
    }
    process.on('SIGINT', this.onSigint);
    if (this.frame) {
      this.stdout.write(`${ESC}?25l`);
      this.stdout.on('resize', this.onResize);
    } else {
      this.opts.out.info(`Watching run ${this.opts.runId} (Ctrl-C stops watching; the run goes on)`);
    }
  }

  /** Asks, shows and waits until the run ends or the operator detaches; the outcome. */
  async follow(): Promise<WatchOutcome> {
    this.lastCheck = Date.now();
    this.draw(null);
    while (!this.finished && !this.isDetached) {
      await this.ask();
      if (this.finished || this.isDetached) break;
      await this.checkNote();
      this.show();
      await Promise.race([this.outcome, this.detached, sleep(this.pollMs), new Promise<void>((resolve) => (this.wake = resolve))]);
    }
    const result = this.finished ?? (this.isDetached ? { kind: 'detached' as const } : await this.outcome);
    if (this.frame && result.kind !== 'detached') this.drawEnd(result);
    if (this.frame) this.stdout.write('\n');
    return result;
  }

  /** The terminal as it was before watching. */
  release(): void {
    this.wake();
    process.off('SIGINT', this.onSigint);
    if (this.rawMode) {
      this.stdin.off('data', this.onKey);
      this.stdin.setRawMode(false);
      this.stdin.pause();
    }
    if (this.frame) {
      this.stdout.off('resize', this.onResize);
      this.stdout.write(`${ESC}?25h`);
    }
  }

  private async ask(): Promise<void> {
    try {
      const answer = await this.opts.query();
      const progress = answer && withWallClock(answer, this.opts.startedAt ?? null, Date.now());
      if (progress) {
        this.last = progress;
        if (progress.current_stage) this.lastStage = progress.current_stage;
      }
    } catch {
      // The first workflow task may not have run yet, or the workflow has just closed.
    }
  }

  /** Every ten seconds the caller's check: its note is shown in the box, or printed once in plain lines. */
  private async checkNote(): Promise<void> {
    if (!this.opts.check || Date.now() - this.lastCheck < 10_000) return;
    this.lastCheck = Date.now();
    this.note = await this.opts.check().catch(() => null);
    if (!this.frame && this.note && this.note !== this.printedNote) this.opts.out.info(this.note);
    this.printedNote = this.note;
  }

  private show(): void {
    if (this.frame) this.draw(this.last);
    else if (this.last) for (const line of this.printer.next(this.last, Date.now())) this.opts.out.info(line);
  }

  private draw(progress: Progress | null): void {
    if (!this.frame) return;
    const lines = renderProgressBox(this.opts.runId, progress, {
      now: Date.now(),
      columns: this.stdout.columns,
      lastStage: this.lastStage,
      keys: this.opts.keys && !this.finished,
      message: [this.note, this.message].filter(Boolean).join('\n') || null,
    });
    this.frame.draw(lines.flatMap((l) => l.split('\n')));
  }

  /** The box once more as the run ended: its status, 100% when it completed, no keys. */
  private drawEnd(result: WatchOutcome): void {
    const status = result.kind === 'completed' ? 'completed' : result.kind === 'cancelled' ? 'cancelled' : 'failed';
    const last = this.last;
    const final: Progress | null = last && {
      ...last,
      status,
      current_stage: null,
      current_activity: null,
      ...(status === 'completed' ? { percentage: 100, activity_index: last.activity_count } : {}),
      eta_seconds: 0,
      details: { ...last.details, current_type: null },
    };
    this.message = null;
    this.note = null;
    this.draw(final);
  }

  private readonly onKey = (data: Buffer | string) => {
    const key = String(data);
    if (key === 'q' || key === 'Q' || key === '\u0003') this.detach();
    else if (key === 'd' || key === 'D') {
      const opened = openUrl(this.opts.uiUrl, this.opts.env);
      this.message = opened ? `Opened the Temporal UI: ${this.opts.uiUrl}` : `Temporal UI: ${this.opts.uiUrl}`;
      this.draw(this.last);
    }
  };

  private readonly onSigint = () => this.detach();

  private readonly onResize = () => {
    this.frame?.reset();
    this.draw(this.last);
  };
}
