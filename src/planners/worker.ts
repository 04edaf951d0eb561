// Runs the built-in planner's search in a worker thread, so a long search never blocks Ctrl-C, SIGTERM or SIGHUP:
// the main thread stays free to answer a signal, and an abort terminates the worker mid-search.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PlannerError, type PlannerErrorKind, type PlanRequest, type PlanResponse, type Planner } from './types.js';

/** Tells this module, loaded as a worker's entry, to serve requests (and nothing else loaded by it to do so). */
const WORKER_TAG = 'jupiter-builtin-planner';

/** What crosses to the worker: the request without its signal and callbacks (they cannot be cloned). */
type WireRequest = Omit<PlanRequest, 'signal' | 'onProgress' | 'onRetry'>;
type WireReply = { ok: true; response: PlanResponse } | { ok: false; kind: PlannerErrorKind | null; message: string };

export interface WorkerPlannerOptions {
  /**
   * The compiled worker entry (this module as JavaScript). Default: this very file, which is right when running
   * from dist/; tests that import the TypeScript source point it at dist/planners/worker.js.
   */
  entry?: URL;
}

/** This module as JavaScript: itself in dist/, or its compiled twin when a TypeScript loader runs src/ (in-process CLI tests). */
function compiledSelf(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith('/src/planners/worker.ts') ? new URL('../../dist/planners/worker.js', self) : self;
}

/**
 * The built-in planner behind a worker thread. One worker is kept between iterations (start-up costs tens of
 * milliseconds) and never keeps the process alive while idle; an aborted request terminates it, and the next
 * request starts a fresh one.
 */
export class WorkerPlanner implements Planner {
  readonly name = 'builtin';
  private worker: Worker | null = null;
  private readonly entry: URL;

  constructor(opts: WorkerPlannerOptions = {}) {
    this.entry = opts.entry ?? compiledSelf();
  }

  async propose(req: PlanRequest): Promise<PlanResponse> {
    if (req.signal.aborted) throw new PlannerError('aborted', 'cancelled');
    const worker = this.worker ?? this.start();
    const { signal, onProgress: _p, onRetry: _r, ...wire } = req;
    return new Promise<PlanResponse>((resolve, reject) => {
      const settle = (fn: () => void) => {
        signal.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
        fn();
      };
      const onAbort = () => {
        // Terminate, not ask: a worker deep in a search reads no messages until it is done.
        this.stop();
        settle(() => reject(new PlannerError('aborted', 'cancelled')));
      };
      const onMessage = (reply: WireReply) =>
        settle(() => (reply.ok ? resolve(reply.response) : reject(reply.kind ? new PlannerError(reply.kind, reply.message) : new Error(reply.message))));
      const onError = (err: Error) => {
        this.worker = null;
        settle(() => reject(new PlannerError('server', `built-in planner worker failed: ${err.message}`)));
      };
      const onExit = (code: number) => {
        this.worker = null;
        settle(() => reject(new PlannerError('server', `built-in planner worker exited (code ${code})`)));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // Kept alive only while it works for us: an idle worker must not hold the process open after the run.
      worker.ref();
      worker.postMessage(wire satisfies WireRequest);
    });
  }

  /** Ends the worker now (abort, or the run is over). */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(this.entry, { workerData: WORKER_TAG });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

/** The worker's side: one request at a time, answered with the plan or the planner's error as data. */
function serve(port: NonNullable<typeof parentPort>): void {
  // Loaded here, in the worker: the main thread imports this module only for WorkerPlanner and never searches itself.
  const planner = import('./builtin.js').then(({ BuiltinPlanner }) => new BuiltinPlanner());
  // Never aborted from here: the main thread terminates the worker instead.
  const signal = new AbortController().signal;
  port.on('message', (req: WireRequest) => {
    planner
      .then((p) => p.propose({ ...req, signal }))
      .then(
        (response) => port.postMessage({ ok: true, response } satisfies WireReply),
        (err: unknown) =>
          port.postMessage({
            ok: false,
            kind: err instanceof PlannerError ? err.kind : null,
            message: err instanceof Error ? err.message : String(err),
          } satisfies WireReply),
      );
  });
}

if (!isMainThread && parentPort && workerData === WORKER_TAG) serve(parentPort);
