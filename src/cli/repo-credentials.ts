/**
 * Repository credentials for the CLI's own Git reads in core mode (`plumb app diff --git`, `app manifests
 * --source git`): the same Secrets the controller reads — Argo CD's `repository` and `repo-creds` Secrets,
 * labelled argocd.argoproj.io/secret-type or plumb.dev/secret-type — listed once with the user's
 * kubeconfig from one namespace, and parsed by git/credentials.ts exactly as the controller parses them.
 *
 * The controller reads them from its `--repos-namespace` (none when not given); the CLI cannot see the
 * controller's flags, so it reads `--repos-namespace` (default: the Applications' namespace, where an
 * installation keeps its repository Secrets next to its Applications, as Argo CD keeps both in `argocd`).
 * A user who may not list Secrets there gets a warning and anonymous Git, not a failure.
 */
import { ApiError } from "../cluster/client.js";
import type { Resources } from "../cluster/resources.js";
import { credentialsFromSecrets, hasAuth, SECRET_TYPE_LABELS, type CredentialSource } from "../git/credentials.js";
import { GitAuthError } from "../git/errors.js";
import { PlumbError } from "../core/errors.js";

/** The credential source over the repository Secrets of `namespace`; `warn` hears about unreadable or bad ones. */
export async function repoCredentials(resources: Resources, namespace: string, warn: (line: string) => void): Promise<CredentialSource> {
  const lists = await Promise.all(
    SECRET_TYPE_LABELS.map(async (label) => {
      try {
        return (await resources.list("v1", "Secret", { namespace, labelSelector: label })).items;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 403 || err.status === 401)) {
          warn(`cannot list the repository Secrets of namespace "${namespace}" (${err.status === 403 ? "forbidden" : "unauthorized"}); Git is read without them`);
          return [];
        }
        throw err;
      }
    }),
  );
  return credentialsFromSecrets(lists.flat(), { onProblem: (secret, problem) => warn(`repository Secret ${secret}: ${problem}`) });
}

/**
 * Runs `fn`; a refused Git login becomes an error saying where the CLI looked for credentials, so the user
 * is not told to add a Secret that exists in another namespace.
 */
export async function explainingAuth<T>(credentials: CredentialSource, namespace: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof GitAuthError)) throw err;
    const found = hasAuth(await credentials(err.repoURL));
    throw new PlumbError(
      err.message.split("\n")[0]!,
      found
        ? `the repository Secret in namespace "${namespace}" that matches ${err.repoURL} was refused: update its username/password, token or key`
        : `no repository Secret in namespace "${namespace}" has credentials for ${err.repoURL}: pass --repos-namespace NS (the namespace of the controller's --repos-namespace), or add a Secret labelled argocd.argoproj.io/secret-type: repository there`,
    );
  }
}
