/** Synthetic applications for the list's unit tests (and the 10,000-app timing). */
import type { Application } from "../api/types";

export interface AppFixture {
  name: string;
  namespace?: string;
  project?: string;
  sync?: "Synced" | "OutOfSync" | "Unknown";
  health?: "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
  labels?: Record<string, string>;
  repo?: string;
  path?: string;
  chart?: string;
  sources?: Array<{ repoURL: string; path?: string; chart?: string }>;
  server?: string;
  cluster?: string;
  destNamespace?: string;
  finishedAt?: string;
  phase?: "Running" | "Succeeded" | "Failed";
  conditions?: Array<{ type: string; message: string }>;
  revision?: string;
}

/** An Application as the list holds it (the list summary's fields). */
export function fixture(f: AppFixture): Application {
  const source = f.sources ? undefined : { repoURL: f.repo ?? "https://git.example/apps.git", targetRevision: "main", ...(f.chart ? { chart: f.chart } : { path: f.path ?? f.name }) };
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: f.name, namespace: f.namespace ?? "plumb", ...(f.labels ? { labels: f.labels } : {}) },
    spec: {
      project: f.project ?? "default",
      ...(source ? { source } : { sources: f.sources?.map((s) => ({ targetRevision: "main", ...s })) }),
      destination: { ...(f.cluster ? { name: f.cluster } : { server: f.server ?? "https://kubernetes.default.svc" }), namespace: f.destNamespace ?? f.name },
    },
    status: {
      sync: { status: f.sync ?? "Synced", ...(f.revision ? { revision: f.revision } : {}) },
      health: { status: f.health ?? "Healthy" },
      ...(f.conditions ? { conditions: f.conditions } : {}),
      ...(f.finishedAt || f.phase ? { operationState: { phase: f.phase ?? "Succeeded", startedAt: f.finishedAt ?? "2026-01-01T00:00:00Z", ...(f.finishedAt ? { finishedAt: f.finishedAt } : {}) } } : {}),
    },
  } as unknown as Application;
}

const HEALTHS = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as const;
const SYNCS = ["Synced", "OutOfSync", "Unknown"] as const;

/** n apps spread over 20 projects, 50 namespaces, 5 clusters, 3 teams, 10 repositories, every status. */
export function many(n: number): Application[] {
  const out: Application[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      fixture({
        name: `app-${String(i).padStart(5, "0")}`,
        project: `proj-${i % 20}`,
        destNamespace: `ns-${i % 50}`,
        server: `https://cluster-${i % 5}.example`,
        labels: { team: `team-${i % 3}`, tier: i % 2 ? "web" : "db", ...(i % 7 === 0 ? { canary: "true" } : {}) },
        repo: `https://git.example/repo-${i % 10}.git`,
        sync: SYNCS[i % 3],
        health: HEALTHS[i % 6],
        finishedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      }),
    );
  }
  return out;
}
