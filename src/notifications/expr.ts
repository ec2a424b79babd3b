/**
 * Trigger conditions: the subset of expr-lang (https://expr-lang.org, what Argo CD Notifications evaluates
 * `when` and `oncePer` with) that plumb evaluates itself. jsep parses; `compile` walks the tree once and
 * refuses anything outside the subset, so a condition is either evaluated with expr-lang's meaning or
 * reported as unsupported — never guessed at.
 *
 * The subset: literals (strings, numbers, true/false, nil, arrays), member access (`a.b`, `a["b"]`,
 * optional `a?.b`), `== != < <= > >=`, `and && or || not !`, `in` (element of an array, key of a map),
 * `contains startsWith endsWith` (strings), `+ - * / %`, `c ? a : b`, and the calls `len(x)`,
 * `time.Now()`, `time.Parse(rfc3339)` with the methods `.Before(t) .After(t) .Equal(t) .Unix()`, and
 * `strings.Contains HasPrefix HasSuffix ToLower ToUpper TrimSpace`. Not supported (reported at compile
 * time): `not in`, `matches`, closures and pipes, any other function.
 *
 * expr-lang's runtime semantics kept: fetching a field of nil is an error (`?.` gives nil instead); a
 * missing map key is nil; `and`/`or` take booleans only and short-circuit; comparing values of different
 * types with `==` is false.
 *
 * Pure.
 */
import jsep from "jsep";

jsep.addBinaryOp("and", 2);
jsep.addBinaryOp("or", 1);
jsep.addBinaryOp("in", 7);
jsep.addBinaryOp("contains", 7);
jsep.addBinaryOp("startsWith", 7);
jsep.addBinaryOp("endsWith", 7);
jsep.addBinaryOp("matches", 7);
jsep.addUnaryOp("not");

/** A time value (time.Parse / time.Now). */
export class GoTime {
  constructor(readonly ms: number) {}
}

/** A condition that cannot be evaluated by this subset. */
export class UnsupportedExpression extends Error {}
/** A condition that failed while evaluating (e.g. a field fetched from nil). */
export class EvaluationError extends Error {}

export type Compiled = (vars: Record<string, unknown>) => unknown;

type Node = jsep.Expression;

const BINARY = new Set(["==", "!=", "<", "<=", ">", ">=", "and", "&&", "or", "||", "in", "contains", "startsWith", "endsWith", "+", "-", "*", "/", "%"]);
const STRING_FUNCS: Record<string, (...a: string[]) => unknown> = {
  Contains: (a, b) => a!.includes(b!),
  HasPrefix: (a, b) => a!.startsWith(b!),
  HasSuffix: (a, b) => a!.endsWith(b!),
  ToLower: (a) => a!.toLowerCase(),
  ToUpper: (a) => a!.toUpperCase(),
  TrimSpace: (a) => a!.trim(),
};
const TIME_METHODS = new Set(["Before", "After", "Equal", "Unix"]);

/** Parses and checks `text`; throws UnsupportedExpression naming what is outside the subset. */
export function compile(text: string): Compiled {
  let ast: Node;
  try {
    ast = jsep(text);
  } catch (err) {
    throw new UnsupportedExpression(`cannot parse "${text}": ${err instanceof Error ? err.message : String(err)}`);
  }
  check(ast, text);
  return (vars) => evaluate(ast, vars);
}

function check(n: Node, text: string): void {
  const no = (what: string): never => {
    throw new UnsupportedExpression(`${what} is not supported in "${text}" (plumb evaluates a subset of expr-lang: docs/notifications.md)`);
  };
  switch (n.type) {
    case "Literal":
    case "Identifier":
      return;
    case "MemberExpression":
      check(n.object as Node, text);
      if (n.computed) check(n.property as Node, text);
      return;
    case "ArrayExpression":
      for (const e of (n.elements as Array<Node | null>) ?? []) if (e) check(e, text);
      return;
    case "UnaryExpression":
      if (!["!", "not", "-", "+"].includes(n.operator as string)) no(`the operator ${String(n.operator)}`);
      check(n.argument as Node, text);
      return;
    case "BinaryExpression":
      if (!BINARY.has(n.operator as string)) no(`the operator ${String(n.operator)}`);
      check(n.left as Node, text);
      check(n.right as Node, text);
      return;
    case "ConditionalExpression":
      check(n.test as Node, text);
      check(n.consequent as Node, text);
      check(n.alternate as Node, text);
      return;
    case "CallExpression": {
      const callee = n.callee as Node;
      const args = n.arguments as Node[];
      for (const a of args) check(a, text);
      if (callee.type === "Identifier" && callee.name === "len") return;
      if (callee.type === "MemberExpression" && !callee.computed) {
        const obj = callee.object as Node;
        const prop = (callee.property as Node).name as string;
        if (obj.type === "Identifier" && obj.name === "time") {
          if (prop === "Now" || prop === "Parse") return;
          no(`time.${prop}`);
        }
        if (obj.type === "Identifier" && obj.name === "strings") {
          if (prop in STRING_FUNCS) return;
          no(`strings.${prop}`);
        }
        if (TIME_METHODS.has(prop)) {
          check(obj, text);
          return;
        }
        no(`the method ${prop}`);
      }
      return no("this call");
    }
    default:
      no(`a ${n.type}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof GoTime);
}

function fetch(from: unknown, key: unknown, optional: boolean): unknown {
  if (from === null || from === undefined) {
    if (optional) return undefined;
    throw new EvaluationError(`cannot fetch ${String(key)} from nil`);
  }
  if (Array.isArray(from)) {
    if (typeof key !== "number") throw new EvaluationError(`cannot fetch ${String(key)} from an array`);
    return from[key < 0 ? from.length + key : key];
  }
  if (isRecord(from)) return Object.hasOwn(from, String(key)) ? from[String(key)] : undefined;
  throw new EvaluationError(`cannot fetch ${String(key)} from ${typeof from}`);
}

function bool(v: unknown, op: string): boolean {
  if (typeof v !== "boolean") throw new EvaluationError(`${op} needs booleans, got ${v === undefined || v === null ? "nil" : typeof v}`);
  return v;
}

function equal(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (a instanceof GoTime && b instanceof GoTime) return a.ms === b.ms;
  return a === b;
}

function ordered(a: unknown, b: unknown, op: string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof GoTime && b instanceof GoTime) return a.ms - b.ms;
  throw new EvaluationError(`invalid operation: ${op} between ${typeof a} and ${typeof b}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new EvaluationError(`${what} needs a string, got ${v === undefined || v === null ? "nil" : typeof v}`);
  return v;
}

function parseTime(v: unknown): GoTime {
  const s = str(v, "time.Parse");
  const ms = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(ms)) throw new EvaluationError(`time.Parse: "${s}" is not an RFC 3339 time`);
  return new GoTime(ms);
}

function evaluate(n: Node, vars: Record<string, unknown>): unknown {
  switch (n.type) {
    case "Literal":
      return n.value;
    case "Identifier":
      if (n.name === "nil") return undefined;
      return Object.hasOwn(vars, n.name as string) ? vars[n.name as string] : undefined;
    case "ArrayExpression":
      return ((n.elements as Array<Node | null>) ?? []).map((e) => (e ? evaluate(e, vars) : undefined));
    case "MemberExpression": {
      const obj = evaluate(n.object as Node, vars);
      const key = n.computed ? evaluate(n.property as Node, vars) : (n.property as Node).name;
      return fetch(obj, key, Boolean(n.optional));
    }
    case "UnaryExpression": {
      const v = evaluate(n.argument as Node, vars);
      if (n.operator === "-" || n.operator === "+") {
        if (typeof v !== "number") throw new EvaluationError(`unary ${String(n.operator)} needs a number`);
        return n.operator === "-" ? -v : v;
      }
      return !bool(v, String(n.operator));
    }
    case "ConditionalExpression":
      return bool(evaluate(n.test as Node, vars), "?:") ? evaluate(n.consequent as Node, vars) : evaluate(n.alternate as Node, vars);
    case "BinaryExpression": {
      const op = n.operator as string;
      if (op === "and" || op === "&&") return bool(evaluate(n.left as Node, vars), op) && bool(evaluate(n.right as Node, vars), op);
      if (op === "or" || op === "||") return bool(evaluate(n.left as Node, vars), op) || bool(evaluate(n.right as Node, vars), op);
      const a = evaluate(n.left as Node, vars);
      const b = evaluate(n.right as Node, vars);
      switch (op) {
        case "==":
          return equal(a, b);
        case "!=":
          return !equal(a, b);
        case "<":
          return ordered(a, b, op) < 0;
        case "<=":
          return ordered(a, b, op) <= 0;
        case ">":
          return ordered(a, b, op) > 0;
        case ">=":
          return ordered(a, b, op) >= 0;
        case "in":
          if (Array.isArray(b)) return b.some((x) => equal(x, a));
          if (isRecord(b)) return Object.hasOwn(b, String(a));
          if (b === undefined || b === null) return false;
          throw new EvaluationError(`operator in: ${typeof b} is not an array or map`);
        case "contains":
          return str(a, op).includes(str(b, op));
        case "startsWith":
          return str(a, op).startsWith(str(b, op));
        case "endsWith":
          return str(a, op).endsWith(str(b, op));
        case "+":
          if (typeof a === "string" && typeof b === "string") return a + b;
          if (typeof a === "number" && typeof b === "number") return a + b;
          throw new EvaluationError(`invalid operation: + between ${typeof a} and ${typeof b}`);
        default: {
          if (typeof a !== "number" || typeof b !== "number") throw new EvaluationError(`invalid operation: ${op} between ${typeof a} and ${typeof b}`);
          if ((op === "/" || op === "%") && b === 0) throw new EvaluationError("division by zero");
          return op === "-" ? a - b : op === "*" ? a * b : op === "/" ? a / b : a % b;
        }
      }
    }
    case "CallExpression": {
      const callee = n.callee as Node;
      const args = (n.arguments as Node[]).map((a) => evaluate(a, vars));
      if (callee.type === "Identifier") {
        const v = args[0];
        if (typeof v === "string" || Array.isArray(v)) return v.length;
        if (isRecord(v)) return Object.keys(v).length;
        throw new EvaluationError(`len of ${v === undefined || v === null ? "nil" : typeof v}`);
      }
      const obj = callee.object as Node;
      const prop = (callee.property as Node).name as string;
      if (obj.type === "Identifier" && obj.name === "time") return prop === "Now" ? new GoTime(Date.now()) : parseTime(args[0]);
      if (obj.type === "Identifier" && obj.name === "strings") return STRING_FUNCS[prop]!(...args.map((a) => str(a, `strings.${prop}`)));
      const t = evaluate(obj, vars);
      if (!(t instanceof GoTime)) throw new EvaluationError(`${prop} called on ${t === undefined || t === null ? "nil" : typeof t}, not a time`);
      if (prop === "Unix") return Math.floor(t.ms / 1000);
      const other = args[0];
      if (!(other instanceof GoTime)) throw new EvaluationError(`${prop} needs a time`);
      return prop === "Before" ? t.ms < other.ms : prop === "After" ? t.ms > other.ms : t.ms === other.ms;
    }
    default:
      throw new UnsupportedExpression(`a ${n.type}`);
  }
}

/** expr-lang's `%v` of a oncePer value (Go's fmt of the JSON value): nil prints as "<nil>". */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  if (v instanceof GoTime) return new Date(v.ms).toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
