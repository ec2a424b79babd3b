/**
 * The apps feed behind useApps (hooks.ts): the list once, then the stream from the list's resourceVersion,
 * events applied to the TanStack Query cache in batches (at most ~10 copies of the map a second, so 100
 * updates a second cost 10 renders). One feed per QueryClient however many components ask.
 *
 * - A relist from the server (its buffer no longer reaches back to where the stream resumed): the map on
 *   screen stays, the list is fetched again and swapped in at once, and the stream continues from the new
 *   list's resourceVersion — no empty list flashing by, no layout jump.
 * - A list that cannot be fetched: the query holds the error (the page shows it) and the list is asked
 *   again after 1 s, 2 s, 4 s … 30 s, until it comes or the feed stops.
 * - `reset()` (a logout) stops everything at once: stream, batches and retries.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { AppMap, WatchEvent } from "./live";
import { apply, listView } from "./live";
import { backoff, openStream, query } from "./stream";

/** Whether a stream is connected: before the first answer, live, or retrying. */
export type Connection = "loading" | "live" | "reconnecting";

/** The apps as the list query holds them. */
export interface AppsData {
  apps: AppMap;
  resourceVersion: string;
}

/** The query key of the apps list (hooks.ts keys.apps). */
export const APPS_KEY = ["apps"] as const;

/** What the feed reads the apps through (the API's; parameters so that its logic can be tested). */
export interface FeedSource {
  list: () => Promise<AppsData>;
  open: typeof openStream<WatchEvent>;
}

/** How long the feed stays open after its last user left: going to an app and back must not fetch 10,000 apps again. */
const LINGER_MS = 60_000;

/** The apps feed shared by every `useApps` of one QueryClient: opened by the first, closed a minute after the last. */
export class AppsFeed {
  private users = 0;
  private close?: () => void;
  private flush?: ReturnType<typeof setTimeout>;
  private retry?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private pending: WatchEvent[] = [];
  private connection: Connection = "loading";
  private listeners = new Set<() => void>();
  private generation = 0;
  private running = false;
  private linger?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly qc: QueryClient,
    private readonly source: FeedSource,
  ) {}

  conn = (): Connection => this.connection;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private setConn(c: Connection): void {
    if (c === this.connection) return;
    this.connection = c;
    for (const l of this.listeners) l();
  }

  /** Keeps the feed open while used, and LINGER_MS after. Returns the release. */
  retain(): () => void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    if (this.users++ === 0 && !this.running) void this.start();
    return () => {
      if (--this.users > 0) return;
      this.linger = setTimeout(() => this.stop(), LINGER_MS);
    };
  }

  /** The list (swapped into the cache in one piece when it comes), then the stream from its resourceVersion. */
  private async start(): Promise<void> {
    const generation = ++this.generation;
    this.running = true;
    this.retry = undefined;
    let list: AppsData;
    try {
      list = await this.qc.fetchQuery({ queryKey: APPS_KEY, queryFn: this.source.list, staleTime: 0, retry: false });
    } catch {
      // The query holds the error (the page shows it); ask again later, unless stopped meanwhile.
      if (generation === this.generation) this.retry = setTimeout(() => void this.start(), backoff(this.failures++));
      return;
    }
    if (generation !== this.generation) return;
    this.failures = 0;
    this.setConn("live");
    this.close = this.source.open(
      `/api/v1/stream/applications${query({ resourceVersion: list.resourceVersion })}`,
      {
        onResult: (e) => {
          if (!e.application?.metadata) return;
          this.setConn("live");
          this.queue(e);
        },
        onRelist: () => this.relist(),
        onOpen: () => this.setConn("live"),
        onError: () => this.setConn("reconnecting"),
      },
      { resumeParam: "resourceVersion" },
    );
  }

  /** The stream cannot resume: keep what is shown, fetch the list again and continue from it. */
  private relist(): void {
    this.halt();
    void this.start();
  }

  private queue(e: WatchEvent): void {
    this.pending.push(e);
    this.flush ??= setTimeout(() => {
      this.flush = undefined;
      const batch = this.pending;
      this.pending = [];
      this.qc.setQueryData<AppsData>(APPS_KEY, (prev) => (prev ? { ...prev, apps: apply(prev.apps, batch, listView) } : prev));
    }, 100);
  }

  /** Closes the stream now (a logout: nothing of this session may flow into the next). */
  reset(): void {
    if (this.linger) clearTimeout(this.linger);
    this.stop();
  }

  private stop(): void {
    this.halt();
    this.running = false;
    this.linger = undefined;
    this.failures = 0;
    this.setConn("loading");
  }

  /** Ends the stream, batches and retries of this generation (a start under way will not open its stream). */
  private halt(): void {
    this.generation++;
    this.close?.();
    this.close = undefined;
    if (this.flush) clearTimeout(this.flush);
    this.flush = undefined;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.pending = [];
  }
}
