/**
 * How long the page's own work takes (ms): each render of the list and each message from the
 * host, the last 2,000 of each. Read by the end-to-end test (`window.__cctPerf`) beside the frame
 * times, which on a loaded machine also hold other processes' time.
 */
export const perf = { render: [] as number[], message: [] as number[] };

export function exposePerf(): void {
    (window as unknown as { __cctPerf: typeof perf }).__cctPerf = perf;
}

export function timed<T>(into: number[], f: () => T): T {
    const t0 = performance.now();
    try {
        return f();
    } finally {
        if (into.length >= 2000) into.shift();
        into.push(performance.now() - t0);
    }
}
