/**
 * Properties of the webhook receiver (src/webhooks, in-process through `app.request`) over random requests:
 *  - with a secret configured, a request that is not signed with it — random bodies, random or forged
 *    signatures, any provider's headers — is refused (400/401/413) and never reaches onPush;
 *  - a correctly signed request whose JSON is a real provider payload with random parts replaced or
 *    removed is answered 200/202/400, never 500, and every push it yields is well formed (a repository
 *    URL, a ref, a branch or tag name only when the ref is refs/heads/… or refs/tags/… of that name).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { webhookApp, type PushEvent, type WebhookSecrets } from "../../src/webhooks/index.js";
import { eventHeaders, loadCases, memoryLogger, payload, post, sign, type ProviderCases } from "../unit/webhooks/support.js";
import { checkAsync, jsonValue } from "./support.js";

const cases = loadCases();
const SECRET = "fuzz-secret-1";
const secrets: WebhookSecrets = Object.fromEntries(cases.map((c) => [c.name, SECRET]));

function receiver() {
  const events: PushEvent[] = [];
  const app = webhookApp({ secrets, maxBodyBytes: 64 * 1024, logger: memoryLogger(), onPush: (e) => (events.push(e), Promise.resolve(1)) });
  return { app, events };
}

/** Every path in a JSON document, for mutations. */
function pathsIn(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsIn(x, [...prefix, i])));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...pathsIn(x, [...prefix, k]));
  return out;
}

/** `doc` with the value at `path` replaced (or removed when `value` is the symbol). */
function mutate(doc: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let cur = copy;
  for (const el of path.slice(0, -1)) cur = cur[el] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}
const REMOVE = Symbol("remove");

const provider = fc.constantFrom(...cases);
const pushCase = provider.chain((pc) => fc.constantFrom(...pc.pushes.map((p) => ({ pc, push: p }))));

function refOk(e: PushEvent): void {
  assert.ok(Array.isArray(e.repoURLs) && e.repoURLs.length > 0 && e.repoURLs.every((u) => typeof u === "string" && u.length > 0), `repoURLs ${JSON.stringify(e.repoURLs)}`);
  assert.ok(typeof e.ref === "string" && e.ref.length > 0, `ref ${JSON.stringify(e.ref)}`);
  if (e.branch !== undefined) assert.equal(e.ref, `refs/heads/${e.branch}`);
  if (e.tag !== undefined) assert.equal(e.ref, `refs/tags/${e.tag}`);
  if (e.after !== undefined) assert.equal(typeof e.after, "string");
}

describe("fuzz: webhook receiver", () => {
  it("a request not signed with the configured secret never reaches onPush", async () => {
    // header values are bytes on the wire (printable ASCII here; fetch's Headers refuses others itself)
    const headerText = fc.stringMatching(/^[ -~]{0,30}$/);
    const forged = fc.oneof(fc.constant(undefined), headerText, fc.constantFrom("sha256=", "sha256=00", "sha1=abc", SECRET.toUpperCase(), `x${SECRET}`, `${SECRET}x`, SECRET.slice(0, -1)));
    const body = fc.oneof(fc.string({ maxLength: 300 }), jsonValue.map((v) => JSON.stringify(v)), pushCase.map(({ pc, push }) => payload(pc.name, push.file)));
    await checkAsync("webhook unsigned", fc.record({ pc: provider, event: fc.oneof(fc.constantFrom("push", "Push Hook", "repo:push", "ping", "issues"), headerText), body, forged, wrongSecret: fc.boolean(), extra: fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,12}$/), fc.stringMatching(/^[ -~]{0,20}$/), { maxKeys: 3, noNullPrototype: true }) }), async ({ pc, event, body: b, forged: f, wrongSecret, extra }) => {
      const { app, events } = receiver();
      const auth = wrongSecret ? sign(pc.signature, b, `${SECRET}x`) : f === undefined ? {} : signatureHeaders(pc, f);
      const res = await post(app, { ...extra, ...eventHeaders(pc, event), ...auth }, b);
      assert.ok([400, 401, 413].includes(res.status), `answered ${res.status}`);
      assert.equal(events.length, 0, "onPush was called for an unsigned request");
    });
  });

  it("a signed, damaged payload is answered without a 500, and every push it yields is well formed", async () => {
    const damaged = pushCase.chain(({ pc, push }) => {
      const doc = JSON.parse(payload(pc.name, push.file)) as unknown;
      const paths = pathsIn(doc);
      return fc.record({ pc: fc.constant(pc), event: fc.constant(push.event), doc: fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(jsonValue, fc.constant<unknown>(REMOVE))), { maxLength: 3 }).map((muts) => muts.reduce<unknown>((d, [p, v]) => { try { return mutate(d, p, v); } catch { return d; } }, doc)) });
    });
    await checkAsync("webhook damaged payload", damaged, async ({ pc, event, doc }) => {
      const { app, events } = receiver();
      const b = JSON.stringify(doc) ?? "null";
      const res = await post(app, { ...eventHeaders(pc, event), "content-type": "application/json", ...sign(pc.signature, b, SECRET) }, b);
      assert.ok([200, 202, 400].includes(res.status), `answered ${res.status}: ${JSON.stringify(res.json)}`);
      if (res.status !== 200) assert.equal(events.length, 0);
      events.forEach(refOk);
    });
  });
});

/** A provider's authentication headers carrying `value` as they are (a forged signature or token). */
function signatureHeaders(pc: ProviderCases, value: string): Record<string, string> {
  if (pc.signature.scheme === "token") return { [pc.signature.header]: value };
  return Object.fromEntries(pc.signature.headers.map((h) => [h.name, value]));
}
