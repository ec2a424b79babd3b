/**
 * `plumb image set IMAGE:TAG --file F` and `plumb image tag`: the CI pipeline's "gitops update" stage in one
 * command. `set` edits the file (a Helm values file at a key, a kustomization's images, or a manifest's
 * containers — src/ci/image-edit.ts, every other byte kept), commits and pushes, trying again on the new
 * head when another pipeline pushed first (src/ci/bump.ts). `tag` prints `{short-sha}-{run-number}` from
 * the CI system's environment.
 *
 * Credentials for the push come from the environment: PLUMB_GIT_USERNAME with PLUMB_GIT_PASSWORD (or
 * PLUMB_GIT_TOKEN), PLUMB_GIT_BEARER_TOKEN, or PLUMB_GIT_SSH_PRIVATE_KEY for SSH URLs; none set: git's own
 * configuration (a credential helper, an SSH agent) applies.
 */
import type { Command } from "commander";
import { bumpAndPush } from "../../ci/bump.js";
import { fileKind, imageRepository, setKustomizeImage, setManifestImage, setValuesKey, type EditResult } from "../../ci/image-edit.js";
import { imageTag } from "../../ci/image-tag.js";
import { UsageError } from "../../core/errors.js";
import type { RepoCredentials } from "../../git/credentials.js";

interface SetFlags {
  file: string;
  key?: string;
  repo?: string;
  workTree?: string;
  branch?: string;
  message?: string;
  author?: string;
  push: boolean;
  retries: string;
}

export function register(program: Command): void {
  const image = program.command("image").description("set an image tag in a GitOps repository and push it; print a CI run's tag");
  image
    .command("set")
    .description("set IMAGE's tag in a values file, kustomization or manifest of a GitOps repository, commit and push (retried when another push came first)")
    .argument("<image>", "IMAGE:TAG (or IMAGE=TAG), e.g. registry.example/shop:1a2b3c4-17")
    .requiredOption("-f, --file <path>", "the file to edit, inside the repository: values*.yaml (Helm), kustomization.yaml, or a manifest")
    .option("--key <path>", "a values file's key path (default image.tag)")
    .option("--repo <url>", "clone this repository (into a temporary folder) and push to it")
    .option("--work-tree <dir>", "commit in this work tree and push to its origin (default: the current folder, unless --repo)")
    .option("--branch <name>", "the branch to push to (default: the work tree's, or the remote's default)")
    .option("-m, --message <text>", "the commit message (default: image: IMAGE → TAG in FILE)")
    .option("--author <who>", 'the commit\'s author, "Name <email>" (default: git\'s configured identity)')
    .option("--no-push", "commit only")
    .option("--retries <n>", "how many times a refused push is tried again on the new head", "5")
    .action(async (ref: string, flags: SetFlags) => {
      const { repo, tag } = parseImageArg(ref);
      const retries = Number(flags.retries);
      if (!Number.isInteger(retries) || retries < 0 || retries > 100) throw new UsageError(`--retries ${flags.retries}: expected a whole number from 0 to 100`);
      const kind = fileKind(flags.file, flags.key);
      const edit = (text: string): EditResult =>
        kind === "kustomize" ? setKustomizeImage(text, repo, tag, flags.file) : kind === "values" ? setValuesKey(text, (flags.key ?? "image.tag").split("."), tag, flags.file) : setManifestImage(text, repo, tag, flags.file);
      const credentials = credentialsFromEnv(flags.repo ?? "", process.env);
      const result = await bumpAndPush({
        ...(flags.repo ? { repoURL: flags.repo } : { workTree: flags.workTree ?? process.cwd() }),
        ...(flags.branch ? { branch: flags.branch } : {}),
        file: flags.file,
        edit,
        message: flags.message ?? `image: ${repo} → ${tag} in ${flags.file}`,
        ...(flags.author ? { author: parseAuthor(flags.author) } : {}),
        push: flags.push,
        retries,
        ...(credentials ? { credentials } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(result.changed ? `${result.commit}\n` : "");
    });
  image
    .command("tag")
    .description("print the tag a CI run builds: {short-sha}-{run-number}, from the CI system's environment or the flags")
    .option("--sha <sha>", "the commit (default: GITHUB_SHA, CI_COMMIT_SHA, BUILDKITE_COMMIT, CIRCLE_SHA1, GIT_COMMIT, ...)")
    .option("--run <n>", "the run's number (default: GITHUB_RUN_NUMBER, CI_PIPELINE_IID, BUILD_NUMBER, ...)")
    .option("--length <n>", "digits of the SHA kept", "7")
    .action((flags: { sha?: string; run?: string; length: string }) => {
      const length = Number(flags.length);
      if (!Number.isInteger(length) || length < 4 || length > 40) throw new UsageError(`--length ${flags.length}: expected 4 to 40`);
      process.stdout.write(`${imageTag({ ...(flags.sha ? { sha: flags.sha } : {}), ...(flags.run ? { run: flags.run } : {}), length }, process.env)}\n`);
    });
}

/** "registry:5000/team/app:1.2" or "registry:5000/team/app=1.2" → repository and tag. */
export function parseImageArg(ref: string): { repo: string; tag: string } {
  const eq = ref.lastIndexOf("=");
  const repo = eq > 0 ? ref.slice(0, eq) : imageRepository(ref);
  const tag = eq > 0 ? ref.slice(eq + 1) : ref.slice(repo.length + 1);
  const slash = repo.lastIndexOf("/");
  const tagged = repo.slice(slash + 1).includes(":");
  if (!repo || !tag || ref.includes("@") || tagged || !/^[a-z0-9][a-z0-9._\-/:]*$/.test(repo)) throw new UsageError(`"${ref}" is not IMAGE:TAG`, "e.g. plumb image set registry.example/shop:1a2b3c4-17 --file values.yaml");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new UsageError(`"${tag}" is not a valid image tag`, "a tag is up to 128 letters, digits, _, . and -, not starting with . or -");
  return { repo, tag };
}

function parseAuthor(who: string): { name: string; email: string } {
  const m = /^\s*(.+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(who);
  if (!m) throw new UsageError(`--author "${who}": expected "Name <email>"`);
  return { name: m[1]!, email: m[2]! };
}

/** Push credentials from PLUMB_GIT_* (none set: undefined, git's own configuration applies). */
export function credentialsFromEnv(url: string, env: Readonly<Record<string, string | undefined>>): RepoCredentials | undefined {
  const c: RepoCredentials = { url };
  if (env.PLUMB_GIT_USERNAME) c.username = env.PLUMB_GIT_USERNAME;
  if (env.PLUMB_GIT_PASSWORD) c.password = env.PLUMB_GIT_PASSWORD;
  if (env.PLUMB_GIT_TOKEN) c.token = env.PLUMB_GIT_TOKEN;
  if (env.PLUMB_GIT_BEARER_TOKEN) c.bearerToken = env.PLUMB_GIT_BEARER_TOKEN;
  if (env.PLUMB_GIT_SSH_PRIVATE_KEY) c.sshPrivateKey = env.PLUMB_GIT_SSH_PRIVATE_KEY;
  return Object.keys(c).length > 1 ? c : undefined;
}
