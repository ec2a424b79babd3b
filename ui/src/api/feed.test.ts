import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AppsFeed, APPS_KEY, type AppsData, type FeedSource } from "./feed";
import type { StreamHandlers } from "./stream";
import type { WatchEvent } from "./live";
import type { Application } from "./types";

const app = (name: string): Application => ({ apiVersion: "plumb.dev/v1alpha1", kind: "Application", metadata: { name, namespace: "plumb" }, spec: { destination: {}, project: "default" } }) as Application;
const data = (rv: string, ...names: string[]): AppsData => ({ apps: new Map(names.map((n) => [`plumb/${n}`, app(n)])), resourceVersion: rv });

/** The feed's API: lists answered by the test (a list or an error each), streams recorded. */
function source() {
  const answers: Array<AppsData | Error> = [];
  const streams: Array<{ url: string; on: StreamHandlers<WatchEvent>; closed: boolean }> = [];
  let lists = 0;
  const src: FeedSource = {
    list: async () => {
      lists++;
      const a = answers.shift();
      if (!a) throw new Error("no answer set");
      if (a instanceof Error) throw a;
      return a;
    },
    open: (url, on) => {
      const s = { url, on, closed: false };
      streams.push(s);
      return () => void (s.closed = true);
    },
  };
  return { src, answers, streams, lists: () => lists };
}

let qc: QueryClient;
beforeEach(() => {
  vi.useFakeTimers();
  qc = new QueryClient();
});
afterEach(() => {
  qc.clear();
  vi.useRealTimers();
});
const shown = () => [...(qc.getQueryData<AppsData>(APPS_KEY)?.apps.keys() ?? [])];

describe("AppsFeed", () => {
  it("on a relist keeps the apps shown until the new list replaces them, then streams from its resourceVersion", async () => {
    const s = source();
    s.answers.push(data("10", "a", "b"));
    const feed = new AppsFeed(qc, s.src);
    feed.retain();
    await vi.advanceTimersByTimeAsync(0);
    expect(shown()).toEqual(["plumb/a", "plumb/b"]);
    expect(s.streams[0]!.url).toBe("/api/v1/stream/applications?resourceVersion=10");

    let answer!: (d: AppsData) => void;
    s.src.list = () => new Promise((r) => (answer = r));
    s.streams[0]!.on.onRelist!();
    expect(s.streams[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(shown(), "the list on screen stays while the new one loads").toEqual(["plumb/a", "plumb/b"]);
    answer(data("20", "b", "c"));
    await vi.advanceTimersByTimeAsync(0);
    expect(shown()).toEqual(["plumb/b", "plumb/c"]);
    expect(s.streams).toHaveLength(2);
    expect(s.streams[1]!.url).toBe("/api/v1/stream/applications?resourceVersion=20");
    feed.reset();
  });

  it("asks again for a list that failed, with growing delays, and a reset stops the retries", async () => {
    const s = source();
    s.answers.push(new Error("503"), new Error("503"), data("7", "a"));
    const feed = new AppsFeed(qc, s.src);
    feed.retain();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.lists()).toBe(1);
    expect(qc.getQueryState(APPS_KEY)?.error).toBeInstanceOf(Error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.lists()).toBe(2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(s.lists()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.lists()).toBe(3);
    expect(shown()).toEqual(["plumb/a"]);
    expect(s.streams).toHaveLength(1);

    const t = source();
    t.answers.push(new Error("503"), data("1", "x"));
    const other = new AppsFeed(new QueryClient(), t.src);
    other.retain();
    await vi.advanceTimersByTimeAsync(0);
    other.reset(); // a logout
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.lists()).toBe(1);
    expect(t.streams).toHaveLength(0);
    feed.reset();
  });

  it("applies streamed events in batches", async () => {
    const s = source();
    s.answers.push(data("1", "a"));
    const feed = new AppsFeed(qc, s.src);
    feed.retain();
    await vi.advanceTimersByTimeAsync(0);
    s.streams[0]!.on.onResult({ type: "ADDED", application: app("z") });
    s.streams[0]!.on.onResult({ type: "DELETED", application: app("a") });
    expect(shown()).toEqual(["plumb/a"]);
    await vi.advanceTimersByTimeAsync(100);
    expect(shown()).toEqual(["plumb/z"]);
    feed.reset();
  });
});
