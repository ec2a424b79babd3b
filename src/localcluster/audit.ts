/**
 * The audit log of the local control plane, for tests that count the API server's writes per object
 * ("a sync that changes nothing writes nothing"). kube-apiserver writes one JSON line per request the
 * policy keeps (https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/); the policy here keeps:
 *   - writes (create, update, patch, delete, deletecollection) of every resource, at Metadata level: who,
 *     which verb and object, the request URI (where a dry run shows as `dryRun=All`) and the response code;
 *     deletes at Request level, because a delete's dry run is in its body (DeleteOptions), not its URI;
 *   - nothing for reads (get, list, watch) and nothing for the writes the control plane makes all the time
 *     on its own: events, leases, token and access reviews.
 * Only the ResponseComplete stage is logged, so each request is one line. The log backend runs in blocking
 * mode: a request's line is written before the API server moves on, so a test reads it promptly.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** The audit policy (audit.k8s.io/v1) the local control plane runs with. The first matching rule wins. */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  # The control plane's own chatter: events, heartbeats and leader leases, authentication and authorization reviews.
  - level: None
    resources:
      - group: ""
        resources: ["events"]
      - group: "events.k8s.io"
        resources: ["events"]
      - group: "coordination.k8s.io"
        resources: ["leases"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
      - group: "authorization.k8s.io"
        resources: ["subjectaccessreviews", "selfsubjectaccessreviews", "localsubjectaccessreviews", "selfsubjectrulesreviews"]
  # Deletes with their DeleteOptions, where a dry run says so.
  - level: Request
    verbs: ["delete", "deletecollection"]
  # Every other write: who wrote what, how, and how it ended.
  - level: Metadata
    verbs: ["create", "update", "patch"]
  # Reads.
  - level: None
`;

/** The audit files of a cluster folder: the policy and the log. */
export interface AuditFiles {
  policyPath: string;
  logPath: string;
}

/** Writes the policy into `dir` and returns the files with kube-apiserver's flags for them. */
export function prepareAudit(dir: string): AuditFiles & { flags: string[] } {
  const policyPath = join(dir, "audit-policy.yaml");
  const logPath = join(dir, "audit.log");
  writeFileSync(policyPath, AUDIT_POLICY);
  const flags = [
    `--audit-policy-file=${policyPath}`,
    `--audit-log-path=${logPath}`,
    "--audit-log-format=json",
    // Written before the request completes; batch mode would buffer events for a while.
    "--audit-log-mode=blocking",
    // A test cluster's log is removed with its folder; rotation would split it across files.
    "--audit-log-maxsize=0",
  ];
  return { policyPath, logPath, flags };
}
