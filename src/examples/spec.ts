/**
 * The example systems' manifest, `examples/<name>/example.yaml`, and the pure text work around it: the
 * zod schema (the source of the types), the repository-URL rewrite, and the README's "What to try" section.
 *
 * An example's files name their repositories as a user's would name GitHub:
 * `https://github.com/plumb-examples/<repo>.git`. On this machine those repositories live on the local Git
 * server, so exactly that prefix, for a repository the manifest declares, is rewritten to the local clone
 * URL — in the pushed files, in the applied files and in the README text printed — and nothing else is
 * (docs/adr/0011-example-systems.md).
 *
 * Pure: imports nothing that does I/O.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../core/errors.js";

/** The file of an example folder that `plumb demo --example` reads. */
export const EXAMPLE_FILE = "example.yaml";
/** The most example.yaml may hold. */
export const MAX_EXAMPLE_BYTES = 64 * 1024;
/** The owner the examples' repository URLs name (`https://github.com/plumb-examples/<repo>.git`). */
export const EXAMPLE_URL_PREFIX = "https://github.com/plumb-examples/";

/** A relative path inside the example folder: no absolute path, no `..`, no backslash. */
const relativePath = z
  .string()
  .min(1)
  .max(256)
  .refine((p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."), { message: "must be a path inside the example's folder (relative, no '..')" });

/** A Git branch name, kept to the safe subset (git check-ref-format is stricter in corners). */
const branchName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, { message: "must be a branch name (letters, digits, . _ / -)" })
  .refine((b) => !b.includes("..") && !b.endsWith(".lock") && !b.endsWith("/") && !b.includes("//"), { message: "is not a valid branch name" });

export const ExampleRepositorySchema = z.strictObject({
  /** The repository's name on the local Git server (and in `https://github.com/plumb-examples/<name>.git`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: "must be lower-case letters, digits, . _ - (at most 63)" }),
  /** The example's folder pushed as the repository's content; "." is the whole example folder except example.yaml. */
  dir: relativePath,
  /** Branches created, all at the one first commit. */
  branches: z.array(branchName).min(1).max(10).default(["main"]),
});

/** `namespace/name` or `name` of an Application. */
const appName = z.string().regex(/^([a-z0-9][a-z0-9.-]{0,62}\/)?[a-z0-9][a-z0-9.-]{0,252}$/, { message: "must be an Application's name, or namespace/name" });

export const ExampleSpecSchema = z
  .strictObject({
    /** One line: shown in the list (`plumb demo --example`) and at start. */
    description: z.string().min(1).max(200).refine((d) => !d.includes("\n"), { message: "must be one line" }),
    /** Run the controller in compat mode: it also reconciles argoproj.io Applications. */
    argoCompat: z.boolean().default(false),
    /** Pushed to the local Git server, in order, before anything is applied. */
    repositories: z.array(ExampleRepositorySchema).min(1).max(10),
    /** Files of the example applied in order (as `kubectl apply -f`), once the controller runs. */
    apply: z.array(relativePath).min(1).max(20),
    /**
     * Applications waited for until Synced and Healthy. `name` alone: the namespace and API group of the
     * applied Application of that name, else of the first applied Application (an app-of-apps' children).
     */
    wait: z.array(appName).max(50).default([]),
  })
  .superRefine((spec, ctx) => {
    const names = spec.repositories.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: "custom", path: ["repositories"], message: `repository "${dup}" is declared twice` });
  });

export type ExampleRepository = z.infer<typeof ExampleRepositorySchema>;
export type ExampleSpec = z.infer<typeof ExampleSpecSchema>;

/** An example as loaded: its name (the folder's), its folder, its manifest and its README (when it has one). */
export interface Example {
  name: string;
  dir: string;
  spec: ExampleSpec;
  readme?: string;
}

/** Parses and validates example.yaml's text; `where` names the file in the error. */
export function parseExampleSpec(text: string, where: string): ExampleSpec {
  if (Buffer.byteLength(text) > MAX_EXAMPLE_BYTES) throw new UsageError(`${where} is larger than ${MAX_EXAMPLE_BYTES / 1024} KiB`, "an example.yaml lists repositories, files and apps: keep it short");
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw new UsageError(`${where} is not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  const result = ExampleSpecSchema.safeParse(doc ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
    throw new UsageError(`${where} is not a valid example manifest:\n  ${problems.join("\n  ")}`, "see docs/adr/0011-example-systems.md for its fields");
  }
  return result.data;
}

/** The URL an example's files use for repository `name`. */
export function exampleRepoURL(name: string): string {
  return `${EXAMPLE_URL_PREFIX}${name}.git`;
}

const URL_PATTERN = /https:\/\/github\.com\/plumb-examples\/([A-Za-z0-9._-]+?)\.git(?![A-Za-z0-9._-])/g;

/**
 * Replaces `https://github.com/plumb-examples/<repo>.git` by `urls.get(repo)` for each repo in `urls`;
 * URLs of other repositories are left as written and returned in `unknown`.
 */
export function rewriteRepoURLs(text: string, urls: ReadonlyMap<string, string>): { text: string; unknown: string[] } {
  const unknown = new Set<string>();
  const out = text.replace(URL_PATTERN, (whole, repo: string) => {
    const local = urls.get(repo);
    if (local === undefined) unknown.add(repo);
    return local ?? whole;
  });
  return { text: out, unknown: [...unknown] };
}

/**
 * The body of the README section whose heading (any level) is `heading`, case-insensitively: up to the next
 * heading of the same or a higher level, trimmed; undefined when there is none. Headings inside fenced
 * code blocks are not headings.
 */
export function readmeSection(markdown: string, heading: string): string | undefined {
  const lines = markdown.split("\n");
  let inFence = false;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    if (start < 0) {
      if (m[2]!.toLowerCase() === heading.toLowerCase()) {
        start = i + 1;
        level = m[1]!.length;
      }
    } else if (m[1]!.length <= level) {
      return lines.slice(start, i).join("\n").trim();
    }
  }
  return start < 0 ? undefined : lines.slice(start).join("\n").trim();
}

/** The Application an entry of `wait` names, resolved against the applied Applications. */
export interface AppRef {
  group: string;
  namespace: string;
  name: string;
}

/**
 * Resolves `wait` entries: `namespace/name` keeps its namespace; a bare name takes the namespace of the
 * applied Application of that name, else of the first applied Application; the API group likewise.
 */
export function resolveWaits(wait: readonly string[], applied: ReadonlyArray<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>): AppRef[] {
  const apps = applied.filter((o) => o.kind === "Application");
  const groupOf = (o: { apiVersion: string }): string => o.apiVersion.split("/")[0] ?? "";
  const first = apps[0];
  return wait.map((entry) => {
    const [ns, name] = entry.includes("/") ? (entry.split("/") as [string, string]) : [undefined, entry];
    const same = apps.find((a) => a.metadata.name === name && (ns === undefined || a.metadata.namespace === ns));
    const model = same ?? first;
    if (!model) throw new UsageError(`wait: "${entry}" — none of the applied files is an Application`, "apply an Application (or an app of apps) and wait for it");
    return { group: groupOf(model), namespace: ns ?? model.metadata.namespace ?? "default", name };
  });
}
