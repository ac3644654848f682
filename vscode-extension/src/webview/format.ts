/** Times, durations and counts as the webview shows them (no DOM). */

export function parseTime(iso: string | null): Date | undefined {
    if (!iso) return undefined;
    // The server sends UTC without a zone suffix.
    const d = new Date(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
}

export function formatTime(iso: string | null, withDate: boolean): string {
    const d = parseTime(iso);
    if (!d) return '';
    const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    if (!withDate) return time;
    return `${d.toLocaleDateString([], { month: 'short', day: '2-digit' })} ${time}`;
}

export function duration(seconds: number): string {
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
}

export function compact(n: number): string {
    if (n < 1000) return String(n);
    if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}K`;
    return `${(n / 1_000_000).toFixed(1)}M`;
}
