// A validation issue's message without a repeated "field: " prefix (the field is shown beside it).
import type { ValidationIssue } from '../api/types';

export function issueText(issue: ValidationIssue): string {
  const prefix = issue.field ? `${issue.field}: ` : '';
  return prefix && issue.message.startsWith(prefix) ? issue.message.slice(prefix.length) : issue.message;
}
