/**
 * Request/response correlation between the webview and the extension host.
 *
 * Every request gets a fresh integer id. Answers (`response`, `error`, `partial`, `progress`)
 * carry that id back; an answer whose id is not pending (already answered, cancelled, or never
 * sent) is dropped, so a late reply from a cancelled request can never touch the current state.
 * No DOM here: the transport is injected, so the tests drive it directly.
 */
import type { MessageSummary, RequestMethod } from '../../protocol';

export class RequestCancelled extends Error {
    constructor(readonly id: number) {
        super(`request ${id} was cancelled`);
        this.name = 'RequestCancelled';
    }
}

export class RequestFailed extends Error {
    constructor(
        message: string,
        readonly code?: number,
    ) {
        super(message);
        this.name = 'RequestFailed';
    }
}

export interface WorkProgress {
    phase: 'begin' | 'report' | 'end';
    percentage?: number;
    message?: string;
}

export interface RequestHandlers {
    /** Streamed batches (`messages/stream` partial results), in arrival order. */
    onPartial?: (messages: MessageSummary[]) => void;
    /** Work-done progress of the request (a first parse of a large file). */
    onProgress?: (progress: WorkProgress) => void;
}

/** What the tracker sends: one request or one cancel, as typed envelopes. */
export interface RequestTransport {
    sendRequest(id: number, method: RequestMethod, params: Record<string, unknown>): void;
    sendCancel(id: number): void;
}

interface Pending {
    id: number;
    method: RequestMethod;
    /** Groups requests so one switch of filter can cancel all of them. */
    tag: string;
    handlers: RequestHandlers;
    resolve: (value: unknown) => void;
    reject: (error: Error) => void;
}

export interface Started<T> {
    id: number;
    promise: Promise<T>;
}

export class RequestTracker {
    private nextId = 1;
    private readonly pending = new Map<number, Pending>();

    constructor(private readonly transport: RequestTransport) {}

    get inFlight(): number {
        return this.pending.size;
    }

    /** The method of a pending request (to check an answer's shape before resolving). */
    methodOf(id: number): RequestMethod | undefined {
        return this.pending.get(id)?.method;
    }

    isPending(id: number): boolean {
        return this.pending.has(id);
    }

    pendingIds(tag?: string): number[] {
        return [...this.pending.values()].filter((p) => tag === undefined || p.tag === tag).map((p) => p.id);
    }

    start<T>(
        method: RequestMethod,
        params: Record<string, unknown>,
        tag: string,
        handlers: RequestHandlers = {},
    ): Started<T> {
        const id = this.nextId++;
        let resolve!: (value: unknown) => void;
        let reject!: (error: Error) => void;
        const promise = new Promise<T>((res, rej) => {
            resolve = res as (value: unknown) => void;
            reject = rej;
        });
        this.pending.set(id, { id, method, tag, handlers, resolve, reject });
        this.transport.sendRequest(id, method, params);
        return { id, promise };
    }

    /** A response arrived; false when nobody waits for it any more (dropped). */
    resolve(id: number, result: unknown): boolean {
        const p = this.pending.get(id);
        if (!p) return false;
        this.pending.delete(id);
        p.resolve(result);
        return true;
    }

    fail(id: number, message: string, code?: number): boolean {
        const p = this.pending.get(id);
        if (!p) return false;
        this.pending.delete(id);
        // -32800: the server confirms a cancel we did not initiate here (e.g. host shutdown).
        p.reject(code === -32800 ? new RequestCancelled(id) : new RequestFailed(message, code));
        return true;
    }

    partial(id: number, messages: MessageSummary[]): boolean {
        const p = this.pending.get(id);
        if (!p) return false;
        p.handlers.onPartial?.(messages);
        return true;
    }

    progress(id: number, progress: WorkProgress): boolean {
        const p = this.pending.get(id);
        if (!p) return false;
        p.handlers.onProgress?.(progress);
        return true;
    }

    /** Cancel one request: the host forwards `$/cancelRequest`; the promise rejects at once. */
    cancel(id: number): boolean {
        const p = this.pending.get(id);
        if (!p) return false;
        this.pending.delete(id);
        this.transport.sendCancel(id);
        p.reject(new RequestCancelled(id));
        return true;
    }

    /** Cancel every pending request with this tag (all of them without a tag). */
    cancelAll(tag?: string): number[] {
        const ids = this.pendingIds(tag);
        for (const id of ids) this.cancel(id);
        return ids;
    }
}

export function isCancelled(error: unknown): error is RequestCancelled {
    return error instanceof RequestCancelled;
}
