// The validation problems of a node, each with its field.
import type { ValidationIssue } from '../../api/types';
import { issueText } from '../../graph/issue-text';

export function NodeIssues({ issues }: { issues: ValidationIssue[] }) {
  return (
    <ul className="anode-issues" role="alert">
      {issues.map((issue, i) => (
        <li key={i} data-field={issue.field}>
          {issue.field && <b>{issue.field}: </b>}
          {issueText(issue)}
        </li>
      ))}
    </ul>
  );
}
