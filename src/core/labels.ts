/**
 * Kubernetes label selectors — the one place plumb parses, validates and matches them. Two forms compile to
 * the same list of requirements, which are ANDed:
 * - the string form of `?labelSelector=` and `kubectl -l` (`app=web,tier!=db,env in (prod,qa),!canary,team`,
 *   also `==`, `notin`, and `>`/`<` against an integer), read with the API server's grammar: tokens are
 *   separated by the symbols `= ! ( ) , > <` or white space, a requirement is followed by `,` or the end,
 *   `key=` means "the value is empty", `in`/`notin` take a parenthesised list that may not be empty;
 * - the LabelSelector object of workload, NetworkPolicy and ApplicationSet specs (`matchLabels`,
 *   `matchExpressions` with In/NotIn/Exists/DoesNotExist): In/NotIn need values, Exists/DoesNotExist take
 *   none, any other operator is an error, and an empty selector matches everything.
 * Keys are qualified names (`[prefix/]name`, the prefix a DNS subdomain), values at most 63 characters of
 * `[A-Za-z0-9_.-]` starting and ending alphanumeric — both checked as the API server checks them
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
 * Matching follows k8s.io/apimachinery's Requirement.Matches: `!=` and `notin` match objects without the
 * key, everything else but `!key` needs the key.
 *
 * Pure: imports nothing that does I/O.
 */
import { UsageError } from "./errors.js";

/** Labels as objects carry them; undefined is "no labels". */
export type Labels = Readonly<Record<string, string>> | undefined;

/** A compiled selector: whether an object with these labels is selected. */
export type LabelMatcher = (labels: Labels) => boolean;

/** The operators of a LabelSelector object's matchExpressions. */
export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** A LabelSelector object (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A selector Kubernetes would refuse; `problems` lists each one with where it is. */
export class LabelSelectorError extends UsageError {
  constructor(
    readonly problems: string[],
    hint: string,
  ) {
    super(problems.join("; "), hint);
  }
}

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!exists" | ">" | "<";
interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const STRING_HINT = "write requirements joined by commas: key=value, key!=value, key in (a,b), key notin (a,b), key, !key";
const OBJECT_HINT = `use matchLabels {key: value} and matchExpressions {key, operator: ${SELECTOR_OPERATORS.join(" | ")}, values}; In and NotIn need values, Exists and DoesNotExist take none`;

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INTEGER = /^[+-]?[0-9]+$/;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;

/** Why `key` is not a label key (IsQualifiedName), or undefined when it is one. */
function keyProblem(key: string): string | undefined {
  const parts = key.split("/");
  const name = parts[parts.length - 1]!;
  if (parts.length > 2) return `invalid label key "${key}": at most one "/"`;
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS_SUBDOMAIN.test(parts[0]!))) return `invalid label key "${key}": the prefix must be a lower-case DNS subdomain`;
  if (name.length > 63 || !NAME.test(name)) return `invalid label key "${key}": the name must be 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`;
  return undefined;
}

/** Why `value` is not a label value, or undefined when it is one ("" is). */
function valueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !NAME.test(value)) return `invalid label value "${value}": at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`;
  return undefined;
}

function int64(text: string): bigint | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64[0] || n > INT64[1] ? undefined : n;
}

/** Checks one requirement as NewRequirement does; the problems are prefixed with `where`. */
function requirement(key: string, op: Op, values: string[], where: string, problems: string[]): Requirement {
  const bad = (why: string): void => void problems.push(`${where}${why}`);
  const kp = keyProblem(key);
  if (kp) bad(kp);
  if ((op === "in" || op === "notin") && values.length === 0) bad(`operator ${op} needs values`);
  if ((op === "exists" || op === "!exists") && values.length > 0) bad(`operator ${op} takes no values`);
  if ((op === "=" || op === "!=") && values.length !== 1) bad(`operator ${op} takes exactly one value`);
  if ((op === ">" || op === "<") && (values.length !== 1 || int64(values[0]!) === undefined)) bad(`operator ${op} takes one integer value`);
  for (const v of values) {
    const vp = valueProblem(v);
    if (vp) bad(vp);
  }
  return { key, op, values };
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key]!;
  switch (r.op) {
    case "=":
    case "in":
      return has && r.values.includes(value);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value);
    case "exists":
      return has;
    case "!exists":
      return !has;
    case ">":
    case "<": {
      const n = has ? int64(value) : undefined;
      if (n === undefined) return false;
      return r.op === ">" ? n > int64(r.values[0]!)! : n < int64(r.values[0]!)!;
    }
  }
}

function matcher(reqs: readonly Requirement[]): LabelMatcher {
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

// ---- the string form ----------------------------------------------------------------------------------

type Token = { kind: "id"; text: string } | { kind: "sym"; text: string } | { kind: "end"; text: "" };

const SYMBOLS = ["!=", "==", "=", "!", "(", ")", ",", ">", "<"];
const SYMBOL_CHARS = new Set("=!(),><");
const WHITESPACE = new Set(" \t\r\n");

function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym) {
      out.push({ kind: "sym", text: sym });
      i += sym.length;
      continue;
    }
    let j = i;
    while (j < text.length && !WHITESPACE.has(text[j]!) && !SYMBOL_CHARS.has(text[j]!)) j++;
    out.push({ kind: "id", text: text.slice(i, j) });
    i = j;
  }
  out.push({ kind: "end", text: "" });
  return out;
}

const shown = (t: Token): string => (t.kind === "end" ? "the end" : `"${t.text}"`);

/**
 * Parses a selector in its string form; "" (or only spaces) matches everything. Throws LabelSelectorError
 * naming the first thing that is wrong, with the forms that are allowed.
 */
export function parseSelector(text: string): LabelMatcher {
  const tokens = lex(text);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const fail = (why: string): never => {
    throw new LabelSelectorError([`selector "${text}": ${why}`], STRING_HINT);
  };
  const sym = (t: Token, ...texts: string[]): boolean => t.kind === "sym" && texts.includes(t.text);
  const endOfRequirement = (t: Token): boolean => t.kind === "end" || sym(t, ",");
  const reqs: Requirement[] = [];
  if (peek().kind === "end") return matcher(reqs);
  for (;;) {
    // `in` and `notin` are operators only after a key: as a key or a value they are plain words
    const not = sym(peek(), "!") ? next() : undefined;
    const k = next();
    if (k.kind !== "id") fail(`found ${shown(k)}, expected ${not ? 'a key after "!"' : '"!" or a key'}`);
    const key = k.text;
    let op: Op;
    const values: string[] = [];
    if (not) op = "!exists";
    else if (endOfRequirement(peek())) op = "exists";
    else {
      const o = next();
      if (sym(o, "=", "==", "!=")) {
        op = o.text === "!=" ? "!=" : "=";
        const v = peek();
        if (endOfRequirement(v)) values.push("");
        else if (v.kind === "id") values.push(next().text);
        else fail(`found ${shown(v)}, expected a value after "${o.text}"`);
      } else if (sym(o, ">", "<")) {
        op = o.text as ">" | "<";
        const v = next();
        if (v.kind !== "id") fail(`found ${shown(v)}, expected an integer after "${o.text}"`);
        values.push(v.text);
      } else if (o.kind === "id" && (o.text === "in" || o.text === "notin")) {
        op = o.text;
        if (!sym(next(), "(")) fail(`expected "(" after "${key} ${o.text}"`);
        // as the API server reads them: `()` is the empty value, and so is an empty item between commas
        for (;;) {
          values.push(peek().kind === "id" ? next().text : "");
          const sep = next();
          if (sym(sep, ")")) break;
          if (!sym(sep, ",")) fail(`found ${shown(sep)}, expected "," or ")" in the values of "${key}"`);
        }
      } else return fail(`found ${shown(o)} after "${key}", expected one of =, ==, !=, in, notin, >, <`);
    }
    const problems: string[] = [];
    reqs.push(requirement(key, op, values, `selector "${text}": `, problems));
    if (problems.length) throw new LabelSelectorError(problems.slice(0, 1), STRING_HINT);
    const sep = next();
    if (sep.kind === "end") return matcher(reqs);
    if (!sym(sep, ",")) fail(`found ${shown(sep)} after the requirement on "${key}", expected "," or the end`);
    if (peek().kind === "end") fail(`expected a requirement after the last ","`);
  }
}

// ---- the object form ----------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Compiles a LabelSelector object, or lists what is wrong with it (fields prefixed with `field`). */
function compileObject(selector: unknown, field: string): { reqs: Requirement[]; problems: string[] } {
  const reqs: Requirement[] = [];
  const problems: string[] = [];
  if (selector === undefined || selector === null) return { reqs, problems };
  if (!isRecord(selector)) return { reqs, problems: [`${field}: must be an object with matchLabels and/or matchExpressions`] };
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null && !isRecord(matchLabels)) problems.push(`${field}.matchLabels: must be a map of strings`);
  for (const [k, v] of Object.entries(isRecord(matchLabels) ? matchLabels : {})) {
    if (typeof v !== "string") problems.push(`${field}.matchLabels[${k}]: must be a string`);
    else reqs.push(requirement(k, "=", [v], `${field}.matchLabels: `, problems));
  }
  if (matchExpressions !== undefined && matchExpressions !== null && !Array.isArray(matchExpressions)) problems.push(`${field}.matchExpressions: must be a list`);
  (Array.isArray(matchExpressions) ? matchExpressions : []).forEach((e: unknown, i) => {
    const where = `${field}.matchExpressions[${i}]`;
    const x = isRecord(e) ? e : {};
    const values = x.values ?? [];
    if (typeof x.key !== "string") return void problems.push(`${where}: key must be a string`);
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) return void problems.push(`${where}: values must be a list of strings`);
    const n = values.length;
    switch (x.operator) {
      case "In":
      case "NotIn":
        if (n === 0) return void problems.push(`${where}: operator ${x.operator} needs values`);
        return void reqs.push(requirement(x.key, x.operator === "In" ? "in" : "notin", values, `${where}: `, problems));
      case "Exists":
      case "DoesNotExist":
        if (n > 0) return void problems.push(`${where}: operator ${x.operator} takes no values`);
        return void reqs.push(requirement(x.key, x.operator === "Exists" ? "exists" : "!exists", [], `${where}: `, problems));
      default:
        return void problems.push(`${where}: operator ${JSON.stringify(x.operator)} is not one of ${SELECTOR_OPERATORS.join(", ")}`);
    }
  });
  return { reqs, problems };
}

/** What Kubernetes would refuse in a LabelSelector object, each prefixed with `field`; [] when it is valid. */
export function labelSelectorProblems(selector: unknown, field = "selector"): string[] {
  return compileObject(selector, field).problems;
}

/**
 * Compiles a LabelSelector object (read defensively: it may come from unvalidated manifests). An empty
 * selector, and undefined, match everything — callers for which a missing selector selects nothing
 * (a PodDisruptionBudget's, say) check for it first. Throws LabelSelectorError listing every problem.
 */
export function labelSelectorMatcher(selector: unknown, field = "selector"): LabelMatcher {
  const { reqs, problems } = compileObject(selector, field);
  if (problems.length) throw new LabelSelectorError(problems, OBJECT_HINT);
  return matcher(reqs);
}

/** Whether a LabelSelector object has no requirement at all (and so selects everything). */
export function isEmptyLabelSelector(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}
