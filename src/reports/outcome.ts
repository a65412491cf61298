/** What the report activities do with a rendered report besides writing it. */
import type { RunMetadata } from '../storage/schemas.js';

/** `reports/team_summary.md` → `reports/team_summary.html`: the HTML page sits next to its markdown. */
export function htmlPathOf(markdownPath: string): string {
  return markdownPath.replace(/\.md$/, '.html');
}

/** Records a report's fallback warning (the LLM failed, the data-only narrative was used) once. */
export function addReportWarning(metadata: RunMetadata, warning: string | null): void {
  if (warning && !metadata.warnings.includes(warning)) metadata.warnings.push(warning);
}
