/**
 * The image tag a CI run builds: `{short-sha}-{run-number}` (the reference pipeline's), from the
 * environment of the common CI systems, or from what the caller passes. Pure: the environment is an
 * argument.
 */
import { UsageError } from "../core/errors.js";

/** Where each CI system keeps the commit and the run's number. */
const SYSTEMS: ReadonlyArray<{ name: string; sha: string; run: string }> = [
  { name: "GitHub Actions", sha: "GITHUB_SHA", run: "GITHUB_RUN_NUMBER" },
  { name: "GitLab CI", sha: "CI_COMMIT_SHA", run: "CI_PIPELINE_IID" },
  { name: "Buildkite", sha: "BUILDKITE_COMMIT", run: "BUILDKITE_BUILD_NUMBER" },
  { name: "CircleCI", sha: "CIRCLE_SHA1", run: "CIRCLE_BUILD_NUM" },
  { name: "Azure Pipelines", sha: "BUILD_SOURCEVERSION", run: "BUILD_BUILDID" },
  { name: "Jenkins", sha: "GIT_COMMIT", run: "BUILD_NUMBER" },
  { name: "Drone / Woodpecker", sha: "CI_COMMIT_SHA", run: "CI_BUILD_NUMBER" },
];

export interface TagInput {
  /** The commit (full or short); default from the environment. */
  sha?: string;
  /** The run's number; default from the environment. */
  run?: string;
  /** Digits of the SHA kept (default 7, as `git rev-parse --short`). */
  length?: number;
}

/** `{short-sha}-{run-number}`; a UsageError naming what is missing and where it was looked for. */
export function imageTag(input: TagInput, env: Readonly<Record<string, string | undefined>>): string {
  const system = SYSTEMS.find((s) => env[s.sha] && env[s.run]);
  const sha = input.sha ?? (system ? env[system.sha] : SYSTEMS.map((s) => env[s.sha]).find(Boolean));
  const run = input.run ?? (system ? env[system.run] : undefined);
  const where = SYSTEMS.map((s) => `${s.sha}/${s.run} (${s.name})`).join(", ");
  if (!sha) throw new UsageError("no commit for the tag", `pass --sha, or run in CI (looked for ${where})`);
  if (!/^[0-9a-f]{4,64}$/i.test(sha)) throw new UsageError(`the commit "${sha}" is not a hexadecimal SHA`, "pass --sha with the commit's SHA");
  if (!run) throw new UsageError("no run number for the tag", `pass --run, or run in CI (looked for ${where})`);
  if (!/^[0-9]{1,20}$/.test(run)) throw new UsageError(`the run number "${run}" is not a number`, "pass --run with the CI run's number");
  const length = input.length ?? 7;
  return `${sha.slice(0, length).toLowerCase()}-${run}`;
}
