/**
 * The language client: starts `<python> -m claude_code_tracer serve` over stdio and offers typed
 * requests (protocol.ts), the `messages/stream` partial results and work-done progress, and the
 * `sessions/didChange` notification as an event.
 */
import * as vscode from 'vscode';
import {
    LanguageClient,
    ProgressType,
    ResponseError,
    State,
    Trace,
    WorkDoneProgress,
    type LanguageClientOptions,
    type ServerOptions as LspServerOptions,
    type WorkDoneProgressBegin,
    type WorkDoneProgressEnd,
    type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import {
    Method,
    type MessagesPage,
    type MessagesPartial,
    type MessagesStreamParams,
    type ParamsOf,
    type RequestMethod,
    type ResultOf,
    type SearchGroup,
    type SearchPage,
    type SearchParams,
    type ServerOptions,
    type SessionChange,
    type SessionsDidChange,
} from './protocol';

/** The command code lenses and hover links run (implemented here, never by the server). */
export const OPEN_TRACE_COMMAND = 'claudeCodeTracer.openTrace';

export type ClientState = 'stopped' | 'starting' | 'running' | 'failed';

export type WorkDoneValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** An error from the server, reduced to its readable message (never a stack trace). */
export class ServerError extends Error {
    constructor(
        message: string,
        readonly code?: number,
    ) {
        super(message);
        this.name = 'ServerError';
    }
}

export function toServerError(err: unknown): ServerError {
    if (err instanceof ServerError) return err;
    if (err instanceof ResponseError) return new ServerError(err.message, err.code);
    if (err instanceof Error) return new ServerError(err.message.split('\n')[0] ?? err.message);
    return new ServerError(String(err));
}

let tokenSeq = 0;
function newToken(kind: string): string {
    tokenSeq += 1;
    return `cct-${kind}-${process.pid}-${Date.now().toString(36)}-${tokenSeq}`;
}

export class TracerClient implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private readonly disposables: vscode.Disposable[] = [];
    private readonly changeEmitter = new vscode.EventEmitter<SessionChange[]>();
    private readonly stateEmitter = new vscode.EventEmitter<ClientState>();
    private current: ClientState = 'stopped';
    private failure: string | undefined;
    private ready: Promise<void> | undefined;
    /** Set while the extension looks for a Python to start the server with (before `start`). */
    private pending: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;

    readonly onDidChangeSessions = this.changeEmitter.event;
    readonly onDidChangeState = this.stateEmitter.event;

    constructor(private readonly log: vscode.LogOutputChannel) {
        this.disposables.push(
            this.changeEmitter,
            this.stateEmitter,
            log.onDidChangeLogLevel((level) => {
                void this.client?.setTrace(level === vscode.LogLevel.Trace ? Trace.Verbose : Trace.Off);
            }),
        );
    }

    get state(): ClientState {
        return this.current;
    }

    /** Why the server is not running, when it failed. */
    get failureMessage(): string | undefined {
        return this.failure;
    }

    private setState(state: ClientState, failure?: string): void {
        this.current = state;
        this.failure = failure;
        this.stateEmitter.fire(state);
    }

    /**
     * Resolves once the server answers, rejects if it could not start. While the extension is
     * still finding a Python (`expectStart`), requests wait rather than fail.
     */
    whenReady(): Promise<void> {
        if (this.current === 'running') return Promise.resolve();
        if (this.ready) return this.ready;
        if (this.pending) return this.pending.promise;
        return Promise.reject(new ServerError(this.failure ?? 'The Claude Code Tracer server is not running.'));
    }

    /** The server is about to be started (Python is being looked for): callers wait for it. */
    expectStart(): void {
        if (this.current === 'running') return;
        if (!this.pending) {
            let resolve!: () => void;
            let reject!: (e: Error) => void;
            const promise = new Promise<void>((a, b) => {
                resolve = a;
                reject = b;
            });
            promise.catch(() => {}); // nobody may be waiting
            this.pending = { promise, resolve, reject };
        }
        if (this.current !== 'starting') this.setState('starting');
    }

    /** The server will not be started (no Python, install declined): the waiters get `message`. */
    giveUp(message: string): void {
        const pending = this.pending;
        this.pending = undefined;
        this.setState('failed', message);
        pending?.reject(new ServerError(message));
    }

    async start(python: string, options: ServerOptions): Promise<void> {
        await this.stop();
        const serverOptions: LspServerOptions = {
            command: python,
            args: ['-m', 'claude_code_tracer', 'serve'],
            options: { env: { ...process.env, PYTHONUNBUFFERED: '1' } },
        };
        const clientOptions: LanguageClientOptions = {
            // Every file is synced: the server answers code lenses and hovers for files sessions touched.
            documentSelector: [{ scheme: 'file' }],
            // Hovers carry an [Open trace](command:claudeCodeTracer.openTrace?…) link: trust that command only.
            markdown: { isTrusted: { enabledCommands: [OPEN_TRACE_COMMAND] }, supportHtml: false },
            outputChannel: this.log,
            traceOutputChannel: this.log,
            initializationOptions: options,
            connectionOptions: { maxRestartCount: 3 },
        };
        const client = new LanguageClient('claudeCodeTracer', 'Claude Code Tracer', serverOptions, clientOptions);
        this.client = client;
        this.setState('starting');
        client.onDidChangeState((e) => {
            if (this.client !== client) return;
            if (e.newState === State.Running) this.setState('running');
            else if (e.newState === State.Stopped && this.current === 'running') this.setState('stopped');
        });
        this.ready = (async () => {
            try {
                await client.start();
                client.onNotification(Method.SESSIONS_DID_CHANGE, (params: SessionsDidChange) => {
                    if (params && Array.isArray(params.changes)) this.changeEmitter.fire(params.changes);
                });
                if (this.log.logLevel === vscode.LogLevel.Trace) await client.setTrace(Trace.Verbose);
                this.log.info(`server started: ${python} -m claude_code_tracer serve`);
                this.setState('running');
            } catch (err) {
                const message = toServerError(err).message;
                this.log.error(`the server did not start: ${message}`);
                this.setState('failed', `The Claude Code Tracer server did not start: ${message}`);
                throw new ServerError(this.failure ?? message);
            }
        })();
        const pending = this.pending;
        this.pending = undefined;
        this.ready.then(
            () => pending?.resolve(),
            (err: unknown) => pending?.reject(toServerError(err)),
        );
        return this.ready;
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        this.ready = undefined;
        if (!client) return;
        if (this.pending) {
            // A restart: stopped only to start again, waiters keep waiting.
            try {
                if (client.isRunning()) await client.stop(5000);
            } catch (err) {
                this.log.warn(`stopping the server: ${toServerError(err).message}`);
            }
            return;
        }
        try {
            if (client.isRunning()) await client.stop(5000);
        } catch (err) {
            this.log.warn(`stopping the server: ${toServerError(err).message}`);
        }
        this.setState('stopped');
    }

    async didChangeConfiguration(options: ServerOptions): Promise<void> {
        await this.whenReady();
        await this.client?.sendNotification('workspace/didChangeConfiguration', { settings: { claudeCodeTracer: options } });
    }

    private async running(): Promise<LanguageClient> {
        await this.whenReady();
        const client = this.client;
        if (!client) throw new ServerError('The Claude Code Tracer server is not running.');
        return client;
    }

    async request<M extends RequestMethod>(method: M, params: ParamsOf<M>, token?: vscode.CancellationToken): Promise<ResultOf<M>> {
        const client = await this.running();
        try {
            // An `undefined` token would be sent as a second positional param: pass it only if set.
            const result = token ? await client.sendRequest(method, params, token) : await client.sendRequest(method, params);
            return result as ResultOf<M>;
        } catch (err) {
            throw toServerError(err);
        }
    }

    /**
     * `messages/stream`: batches arrive through `onPartial` (in order) before the final page,
     * and a first parse reports work-done progress through `onProgress`.
     */
    async stream(
        params: Omit<MessagesStreamParams, 'partialResultToken' | 'workDoneToken'>,
        onPartial: (value: MessagesPartial) => void,
        onProgress: (value: WorkDoneValue) => void,
        token?: vscode.CancellationToken,
    ): Promise<MessagesPage> {
        const client = await this.running();
        const partialResultToken = newToken('partial');
        const workDoneToken = newToken('work');
        const subs = [
            client.onProgress(new ProgressType<MessagesPartial>(), partialResultToken, onPartial),
            client.onProgress(WorkDoneProgress.type, workDoneToken, onProgress),
        ];
        try {
            const full = { ...params, partialResultToken, workDoneToken };
            const result = token
                ? await client.sendRequest(Method.MESSAGES_STREAM, full, token)
                : await client.sendRequest(Method.MESSAGES_STREAM, full);
            return result as MessagesPage;
        } catch (err) {
            throw toServerError(err);
        } finally {
            for (const s of subs) s.dispose();
        }
    }

    /** `search/query` with each session's group of hits streamed through `onGroups` before the final page. */
    async search(
        params: Omit<SearchParams, 'partialResultToken' | 'workDoneToken'>,
        onGroups: (groups: SearchGroup[]) => void,
        token?: vscode.CancellationToken,
    ): Promise<SearchPage> {
        const client = await this.running();
        const partialResultToken = newToken('search');
        const sub = client.onProgress(new ProgressType<{ groups: SearchGroup[] }>(), partialResultToken, (v) => onGroups(v.groups));
        try {
            const full = { ...params, partialResultToken };
            const result = token
                ? await client.sendRequest(Method.SEARCH_QUERY, full, token)
                : await client.sendRequest(Method.SEARCH_QUERY, full);
            return result as SearchPage;
        } catch (err) {
            throw toServerError(err);
        } finally {
            sub.dispose();
        }
    }

    dispose(): void {
        void this.stop();
        for (const d of this.disposables) d.dispose();
    }
}
