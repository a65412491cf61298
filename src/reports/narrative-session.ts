/**
 * One report's requests to the LLM: each asks with the same system and user prompt (a correction
 * adds turns after them) within what is left of the report's deadline, and every answer is kept
 * as it came, for the run's record of what the model wrote and what the report made of it.
 */
import { EmptyAnswerError } from '../llm/answer.js';
import type { LlmClient, LlmResult, LlmTurn } from '../llm/client.js';
import type { BuiltPrompt } from './narrative-prompt.js';

export type CompletionClient = Pick<LlmClient, 'complete'>;

/** One answer the LLM gave a report, as it came (reasoning included): kept with the run for review. */
export interface RawAnswer {
  request: 'answer' | 'retry' | 'correction';
  text: string;
  /** Whether the report used it (a rejected correction, an empty first answer are not). */
  used: boolean;
  /** Why it was not used, or which of its sections were not. */
  note: string | null;
}

/** The answer of one request, '' when the provider sent an empty one. */
export type Asked = { result: LlmResult | null; text: string };

/** What every request of the report sends besides the prompt. */
export interface RequestSettings {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export class NarrativeSession {
  /** The requests that brought text (an empty answer is an `EmptyAnswerError`, not a result). */
  readonly calls: LlmResult[] = [];

  constructor(
    private readonly client: CompletionClient,
    readonly prompt: BuiltPrompt,
    private readonly settings: RequestSettings,
    private readonly deadlineAt: number,
    /** Shared with the caller: what came before a failure is kept with the run too. */
    readonly answers: RawAnswer[],
  ) {}

  /** What the model was sent: an answer that echoes it is no report. */
  get sent(): string[] {
    return [this.prompt.system, this.prompt.user];
  }

  msLeft(): number {
    return this.deadlineAt - Date.now();
  }

  /** The record of the latest answer, for what the report made of it. */
  latest(): RawAnswer {
    return this.answers[this.answers.length - 1]!;
  }

  /** HTTP requests made, retries included; an empty answer is a request too (the provider threw it away as no text). */
  requests(): number {
    return this.calls.reduce((n, c) => n + (c.attempts ?? 1), 0) + (this.answers.length - this.calls.length);
  }

  /** Asks once (the client retries what is transient); an empty answer comes back as '' for the caller to judge. */
  async ask(followUp: LlmTurn[], request: RawAnswer['request']): Promise<Asked> {
    const { maxTokens, temperature, signal } = this.settings;
    try {
      const result = await this.client.complete({
        system: this.prompt.system,
        user: this.prompt.user,
        ...(followUp.length ? { followUp } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
        ...(signal ? { signal } : {}),
        deadlineMs: Math.max(1, this.msLeft()),
      });
      this.calls.push(result);
      this.answers.push({ request, text: result.text, used: false, note: null });
      return { result, text: result.text };
    } catch (error) {
      if (!(error instanceof EmptyAnswerError)) throw error;
      this.answers.push({ request, text: '', used: false, note: error.message });
      return { result: null, text: '' };
    }
  }
}
