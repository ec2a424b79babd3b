/** Container image references. Pure. */

/** Splits `registry:port/repo/name:tag@digest` into its parts (a registry's port is not a tag). */
export function splitImageRef(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest !== undefined ? { digest } : {}) };
  return { name: rest, ...(digest !== undefined ? { digest } : {}) };
}
