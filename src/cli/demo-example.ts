/**
 * What `plumb demo --example` prints: the list of the examples (no name given), and the "running" banner
 * of one example followed by its README's "What to try" section (URLs rewritten to the local Git server).
 * The running itself is src/examples/start.ts, called by commands/demo.ts.
 */
import { EXAMPLES_DIR, listExamples } from "../examples/catalog.js";
import type { Example } from "../examples/spec.js";
import { examplePath, whatToTry, type StartedExample } from "../examples/start.js";

/** `plumb demo --example` with no name: one line per example, and how to run one. */
export function examplesListText(): string {
  const examples = listExamples();
  if (examples.length === 0) return `No examples: no folder of ${EXAMPLES_DIR} holds an example.yaml.\n`;
  const width = Math.max(...examples.map((e) => e.name.length));
  return [
    "The example systems (each runs on a local cluster with plumb; see examples/<name>/README.md):",
    "",
    ...examples.map((e) => `  ${e.name.padEnd(width)}  ${e.description}`),
    "",
    "Run one: plumb demo --example <name>",
    "",
  ].join("\n");
}

export interface ExampleFacts {
  example: Example;
  started: StartedExample;
  server: string;
  state: string;
  kubeconfig: string;
  serverURL: string;
  webhookURL: string;
  adminPassword: string;
  secret: string;
  kubectlPathExport?: string;
  needsIdentity: boolean;
}

/** The banner and the example's "What to try", every command working as printed in another terminal. */
export function exampleRunningText(f: ExampleFacts): string {
  const { example, started } = f;
  const apps = started.apps.map((a) => `${a.namespace}/${a.name}${a.group === "argoproj.io" ? " (argoproj.io)" : ""}`);
  const tryText = whatToTry(example, started.urls);
  // Code fences are markdown, not commands: dropped, so every printed line can be pasted as it is.
  const indent = (text: string): string[] => text.split("\n").filter((l) => !/^\s*(```|~~~)/.test(l)).map((l) => (l ? `  ${l}` : ""));
  return [
    "",
    `plumb demo --example ${example.name} is running: ${example.spec.description}`,
    `  cluster      ${f.server}   (state in ${f.state})`,
    ...started.repos.map((r) => `  Git          ${r.url}   (branch${r.branches.length > 1 ? "es" : ""} ${r.branches.join(", ")}; ${examplePath(example, example.spec.repositories.find((x) => x.name === r.name)?.dir ?? ".")})`),
    ...(apps.length ? [`  Applications ${apps.join(", ")}: Synced and Healthy${example.spec.argoCompat ? " (the controller runs in compat mode: Argo CD's Applications as written)" : ""}`] : []),
    `  API server   ${f.serverURL}   (user admin, password ${f.adminPassword}; plain HTTP on loopback)`,
    `  web UI       ${f.serverURL}/   (open it in a browser on this machine; log in as admin)`,
    `  webhook      ${f.webhookURL}   (secret ${f.secret}, for GitHub, GitLab, Gitea or Bitbucket)`,
    "",
    "What to try, in another terminal:",
    "",
    `  export KUBECONFIG=${f.kubeconfig}`,
    ...(f.kubectlPathExport ? [`  ${f.kubectlPathExport}`] : []),
    ...(f.needsIdentity ? ['  export GIT_AUTHOR_NAME="plumb demo" GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME="plumb demo" GIT_COMMITTER_EMAIL=demo@example.com   # git has no identity here'] : []),
    "",
    ...indent(tryText ?? `See examples/${example.name}/README.md.`),
    "",
    "The repository URLs above are the local Git server's: the example's files name https://github.com/plumb-examples/<repo>.git.",
    "Each sync and self-heal is reported below. Press Ctrl-C to stop: everything the demo started is stopped and removed.",
    "",
  ].join("\n");
}
