/** The one way a valibot issue becomes text: `path.to[0].field: message` ("is missing" for an absent value). */
import type * as v from "valibot";

export function describeIssue(issues: readonly v.BaseIssue<unknown>[], topLevel = "(top level)"): string {
  const issue = issues[0];
  const path = (issue.path ?? []).map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`)).join("").replace(/^\./, "");
  const message = issue.kind === "schema" && issue.received === "undefined" ? "is missing" : issue.message;
  return `${path || topLevel}: ${message}`;
}
