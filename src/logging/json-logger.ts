/**
 * VOLT_LOG_FORMAT=json: one JSON object per line (time, level, message), for a log shipper. Inside
 * a workflow or an activity the SDK hands each line its context; it is named here the way
 * volt-agent names it: `run_id` (volt-agent's run), `workflow_id`, `temporal_run_id`, `activity`.
 * Every string passes through the redactor first.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { runIdOfWorkflowId } from '../workflows/contract.js';
import { jsonLine, type LineLevel } from './line.js';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** The SDK's context keys → volt-agent's; the rest of the metadata is kept under its own names. */
function context(meta: LogMetadata): Record<string, unknown> {
  const { workflowId, runId, workflowRunId, activityType, workflowType, namespace, taskQueue, sdkComponent, run_id, ...rest } = meta as Record<string, unknown>;
  const temporalRunId = workflowRunId ?? (activityType === undefined ? runId : undefined);
  const volt = typeof run_id === 'string' ? run_id : typeof workflowId === 'string' ? runIdOfWorkflowId(workflowId) : null;
  const named: Record<string, unknown> = {
    ...(volt ? { run_id: volt } : {}),
    ...(workflowId !== undefined ? { workflow_id: workflowId } : {}),
    ...(temporalRunId !== undefined ? { temporal_run_id: temporalRunId } : {}),
    ...(workflowType !== undefined ? { workflow_type: workflowType } : {}),
    ...(activityType !== undefined ? { activity: activityType } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(taskQueue !== undefined ? { task_queue: taskQueue } : {}),
    ...(sdkComponent !== undefined ? { component: sdkComponent } : {}),
  };
  for (const [key, value] of Object.entries(rest)) named[key] = value instanceof Error ? value.message : value;
  return named;
}

export class JsonLogger implements Logger {
  constructor(
    private readonly minimum: LogLevel,
    private readonly redact: (text: string) => string,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (LEVELS.indexOf(level) < LEVELS.indexOf(this.minimum)) return;
    this.write(jsonLine(level.toLowerCase() as LineLevel, message, context(meta), this.redact));
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
