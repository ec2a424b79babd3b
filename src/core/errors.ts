/**
 * Typed errors of the core. Each says what went wrong and what to do; the CLI maps them to exit codes and
 * the API to HTTP statuses in one place each.
 */

/** Base class: `hint` tells the user what to do about it. */
export class PlumbError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  → ${hint}` : message);
    this.name = new.target.name;
  }
}

/** A required external program (helm, kustomize, git, a control-plane binary) is not there. */
export class ToolMissingError extends PlumbError {}

/** The input is wrong (bad flag, bad file, bad manifest): the user must change it. */
export class UsageError extends PlumbError {}

/** The local control plane could not start or stop as asked. */
export class ClusterError extends PlumbError {}

/** The named object does not exist (the API answers 404, the CLI exits 1). */
export class NotFoundError extends PlumbError {}

/** The request conflicts with the object's state, e.g. an operation already running (409; CLI exit 1). */
export class ConflictError extends PlumbError {}
