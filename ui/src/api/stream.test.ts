import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoff, keepOpen, withParam, type StreamEnvironment } from "./stream";

/** An EventSource the test drives: what the browser's does, minus the network. */
class TestSource {
  static made: TestSource[] = [];
  readyState = 0;
  onmessage?: (m: MessageEvent<string>) => void;
  onopen?: () => void;
  onerror?: () => void;
  private listeners = new Map<string, (m: unknown) => void>();
  constructor(readonly url: string) {
    TestSource.made.push(this);
  }
  addEventListener(type: string, l: (m: unknown) => void) {
    this.listeners.set(type, l);
  }
  close() {
    this.readyState = 2;
  }
  /** The server answered 200: open. */
  opened() {
    this.readyState = 1;
    this.onopen?.();
  }
  message(data: unknown, lastEventId = "") {
    this.onmessage?.({ data: JSON.stringify(data), lastEventId } as MessageEvent<string>);
  }
  /** A non-2xx answer: the browser gives up for good. */
  refused() {
    this.readyState = 2;
    this.onerror?.();
  }
  /** A dropped connection: the browser retries by itself. */
  dropped() {
    this.readyState = 0;
    this.onerror?.();
  }
}

let who: boolean | undefined;
let asked = 0;
const env = (): StreamEnvironment => ({
  EventSource: TestSource as unknown as StreamEnvironment["EventSource"],
  loggedIn: () => (asked++, Promise.resolve(who)),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t),
});
const latest = () => TestSource.made[TestSource.made.length - 1]!;

beforeEach(() => {
  vi.useFakeTimers();
  TestSource.made = [];
  who = true;
  asked = 0;
});
afterEach(() => vi.useRealTimers());

describe("keepOpen", () => {
  it("reopens a stream the browser gave up on, with growing delays, from the last event id", async () => {
    const results: unknown[] = [];
    const close = keepOpen<unknown>("/api/v1/stream/applications?resourceVersion=10&name=a", { onResult: (r) => results.push(r) }, { resumeParam: "resourceVersion" }, env());
    latest().opened();
    latest().message({ result: 1 }, "17");
    latest().refused(); // e.g. a 503 while the server restarts
    await vi.advanceTimersByTimeAsync(999);
    expect(TestSource.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(TestSource.made).toHaveLength(2);
    expect(latest().url).toBe("/api/v1/stream/applications?resourceVersion=17&name=a");
    latest().refused();
    await vi.advanceTimersByTimeAsync(1999);
    expect(TestSource.made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(TestSource.made).toHaveLength(3);
    latest().opened(); // open again: the next failure waits 1 s again
    latest().refused();
    await vi.advanceTimersByTimeAsync(1000);
    expect(TestSource.made).toHaveLength(4);
    expect(results).toEqual([1]);
    close();
  });

  it("asks who is logged in, and stays closed when nobody is", async () => {
    const close = keepOpen("/s", { onResult: () => undefined }, {}, env());
    who = false; // the session expired: userinfo says so (a 401 says so too)
    latest().refused();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toBe(1);
    expect(TestSource.made).toHaveLength(1);
    close();
  });

  it("leaves a dropped connection to the browser, and a closed stream is never reopened", async () => {
    const close = keepOpen("/s", { onResult: () => undefined }, {}, env());
    latest().dropped();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toBe(0);
    expect(TestSource.made).toHaveLength(1);
    latest().refused();
    close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(TestSource.made).toHaveLength(1);
  });

  it("without a resume parameter (the tree stream), reopens the same URL", async () => {
    const close = keepOpen("/tree?appNamespace=plumb", { onResult: () => undefined }, {}, env());
    latest().message({ result: {} }, "5");
    latest().refused();
    await vi.advanceTimersByTimeAsync(1000);
    expect(latest().url).toBe("/tree?appNamespace=plumb");
    close();
  });
});

describe("backoff and withParam", () => {
  it("doubles from 1 s to at most 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(backoff)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
  it("sets one query parameter, keeping the others", () => {
    expect(withParam("/s", "resourceVersion", "3")).toBe("/s?resourceVersion=3");
    expect(withParam("/s?name=a&resourceVersion=1", "resourceVersion", "3")).toBe("/s?name=a&resourceVersion=3");
  });
});
