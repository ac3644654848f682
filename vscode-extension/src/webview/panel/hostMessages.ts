/**
 * The messages the extension host posts to a session webview, checked (shared/ipc.ts's zod
 * schemas; anything else is dropped) and sent where they belong: answers, errors, streamed
 * batches and progress to the request tracker (each answer validated against its method's
 * schema), the rest to the page.
 */
import type { MessageSummary } from '../../protocol';
import { parseHostMessage, type HostToWebview, type SessionView } from '../../shared/ipc';
import type { RequestTracker } from '../state/requests';
import { validateBatch, validateResult } from '../validate';
import type { RevealTarget } from './reveal';

export interface HostMessageHandlers {
    readonly tracker: RequestTracker;
    init(msg: Extract<HostToWebview, { type: 'init' }>): void;
    title(title: string): void;
    view(view: SessionView): void;
    sessionChanged(kind: Extract<HostToWebview, { type: 'sessionChanged' }>['kind']): void;
    notice(text: string): void;
    pricesChanged(): void;
    /** A search's hit brings its query; Open trace from the code brings none. */
    reveal(target: RevealTarget, highlight: string): void;
}

export function handleHostMessage(data: unknown, h: HostMessageHandlers): void {
    const msg = parseHostMessage(data);
    if (!msg) return; // not ours, or malformed: ignored
    switch (msg.type) {
        case 'init':
            h.init(msg);
            return;
        case 'response': {
            const method = h.tracker.methodOf(msg.id);
            if (!method) return; // cancelled or unknown: dropped
            const checked = validateResult(method, msg.result);
            if (checked.ok) h.tracker.resolve(msg.id, checked.value);
            else h.tracker.fail(msg.id, `malformed answer to ${method}: ${checked.message}`);
            return;
        }
        case 'error':
            h.tracker.fail(msg.id, msg.message, msg.code);
            return;
        case 'partial': {
            const checked = validateBatch(msg.messages);
            if (checked.ok) h.tracker.partial(msg.id, checked.value as MessageSummary[]);
            else h.tracker.fail(msg.id, `malformed streamed batch: ${checked.message}`);
            return;
        }
        case 'progress': {
            const p: { phase: typeof msg.phase; percentage?: number; message?: string } = { phase: msg.phase };
            if (msg.percentage !== undefined) p.percentage = msg.percentage;
            if (msg.message !== undefined) p.message = msg.message;
            h.tracker.progress(msg.id, p);
            return;
        }
        case 'title':
            h.title(msg.title);
            return;
        case 'view':
            h.view(msg.view);
            return;
        case 'sessionChanged':
            h.sessionChanged(msg.kind);
            return;
        case 'notice':
            h.notice(msg.message);
            return;
        case 'pricesChanged':
            h.pricesChanged();
            return;
        case 'reveal': {
            const { type: _type, highlight, ...target } = msg;
            h.reveal(target, highlight ?? '');
            return;
        }
    }
}
