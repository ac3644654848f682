import { describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../src/protocol';
import { RequestCancelled, RequestFailed, RequestTracker } from '../../src/webview/state/requests';

function harness() {
    const sent: { id: number; method: string; params: unknown }[] = [];
    const cancels: number[] = [];
    const tracker = new RequestTracker({
        sendRequest: (id, method, params) => sent.push({ id, method, params }),
        sendCancel: (id) => cancels.push(id),
    });
    return { sent, cancels, tracker };
}

const summary = (uuid: string) => ({ uuid }) as unknown as MessageSummary;

describe('RequestTracker', () => {
    it('gives every request a fresh id and resolves the one an answer names', async () => {
        const { sent, tracker } = harness();
        const a = tracker.start<string>('messages/page', { limit: 1 }, 'g1');
        const b = tracker.start<string>('messages/get', { uuid: 'u' }, 'g1');
        expect(a.id).not.toBe(b.id);
        expect(sent.map((s) => s.id)).toEqual([a.id, b.id]);
        expect(tracker.methodOf(b.id)).toBe('messages/get');
        expect(tracker.resolve(b.id, 'B')).toBe(true);
        expect(tracker.resolve(a.id, 'A')).toBe(true);
        await expect(a.promise).resolves.toBe('A');
        await expect(b.promise).resolves.toBe('B');
        expect(tracker.inFlight).toBe(0);
    });

    it('drops answers for ids it does not wait for', () => {
        const { tracker } = harness();
        expect(tracker.resolve(42, 'x')).toBe(false);
        expect(tracker.fail(42, 'x')).toBe(false);
        expect(tracker.partial(42, [])).toBe(false);
        const a = tracker.start('messages/page', {}, 'g');
        expect(tracker.resolve(a.id, 1)).toBe(true);
        expect(tracker.resolve(a.id, 2)).toBe(false); // answered twice: the second is dropped
    });

    it('cancels: tells the host, rejects at once, and ignores the late answer', async () => {
        const { tracker, cancels } = harness();
        const a = tracker.start('messages/stream', {}, 'g1');
        const partials: MessageSummary[][] = [];
        expect(tracker.cancel(a.id)).toBe(true);
        expect(cancels).toEqual([a.id]);
        await expect(a.promise).rejects.toBeInstanceOf(RequestCancelled);
        expect(tracker.partial(a.id, [summary('late')])).toBe(false);
        expect(tracker.resolve(a.id, { messages: [] })).toBe(false);
        expect(partials).toEqual([]);
        expect(tracker.cancel(a.id)).toBe(false);
    });

    it('cancels all requests of one generation and leaves the others alone', async () => {
        const { tracker, cancels } = harness();
        const old1 = tracker.start('messages/page', {}, 'g1');
        const old2 = tracker.start('messages/get', {}, 'g1');
        const keep = tracker.start('messages/filters', {}, 'filters');
        expect(tracker.cancelAll('g1').sort()).toEqual([old1.id, old2.id].sort());
        expect(cancels.sort()).toEqual([old1.id, old2.id].sort());
        await expect(old1.promise).rejects.toBeInstanceOf(RequestCancelled);
        await expect(old2.promise).rejects.toBeInstanceOf(RequestCancelled);
        expect(tracker.isPending(keep.id)).toBe(true);
    });

    it('routes streamed batches and progress to their request, in order, while it is pending', async () => {
        const { tracker } = harness();
        const got: string[] = [];
        const progress: string[] = [];
        const a = tracker.start('messages/stream', {}, 'g', {
            onPartial: (m) => got.push(...m.map((x) => x.uuid)),
            onProgress: (p) => progress.push(`${p.phase}:${p.percentage ?? ''}`),
        });
        const b = tracker.start('messages/stream', {}, 'g', { onPartial: (m) => got.push(...m.map((x) => `b-${x.uuid}`)) });
        tracker.progress(a.id, { phase: 'begin', percentage: 0 });
        tracker.partial(a.id, [summary('1'), summary('2')]);
        tracker.partial(b.id, [summary('1')]);
        tracker.progress(a.id, { phase: 'report', percentage: 50 });
        tracker.partial(a.id, [summary('3')]);
        tracker.progress(a.id, { phase: 'end' });
        tracker.resolve(a.id, 'done');
        tracker.partial(a.id, [summary('4')]); // after the final answer: dropped
        await a.promise;
        expect(got).toEqual(['1', '2', 'b-1', '3']);
        expect(progress).toEqual(['begin:0', 'report:50', 'end:']);
        tracker.cancel(b.id);
        await expect(b.promise).rejects.toBeInstanceOf(RequestCancelled);
    });

    it('turns error answers into readable failures, and a server-side cancel into a cancel', async () => {
        const { tracker } = harness();
        const a = tracker.start('messages/page', {}, 'g');
        const b = tracker.start('messages/page', {}, 'g');
        tracker.fail(a.id, 'messages/page: the cursor was made for another filter', -32602);
        tracker.fail(b.id, 'cancelled', -32800);
        const err = await a.promise.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RequestFailed);
        expect((err as RequestFailed).message).toMatch(/another filter/);
        expect((err as RequestFailed).code).toBe(-32602);
        await expect(b.promise).rejects.toBeInstanceOf(RequestCancelled);
    });
});
