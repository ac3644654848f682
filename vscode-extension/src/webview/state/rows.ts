/**
 * Row bookkeeping for the virtualized tree: top-level message i is followed by the visible
 * descendants of its expanded subtree (its "extra" rows). Few messages are expanded at a time,
 * so the expanded ones are kept sorted with prefix sums: row <-> (message, offset) is a binary
 * search, whatever the number of messages (100K rows cost nothing until they are looked at).
 */

export interface RowLocation {
    /** Top-level message index. */
    index: number;
    /** 0: the message's own row; k > 0: the k-th visible descendant. */
    offset: number;
}

export class RowIndex {
    private readonly extras = new Map<number, number>();
    private sorted: number[] = [];
    /** prefix[k] = extra rows of sorted[0..k). */
    private prefix: number[] = [0];
    private dirty = false;

    /** Set the number of rows shown under message `index` (0 removes it). */
    setExtra(index: number, rows: number): void {
        const n = Math.max(0, Math.floor(rows));
        if (n === 0) {
            if (this.extras.delete(index)) this.dirty = true;
            return;
        }
        if (this.extras.get(index) !== n) {
            this.extras.set(index, n);
            this.dirty = true;
        }
    }

    extraOf(index: number): number {
        return this.extras.get(index) ?? 0;
    }

    clear(): void {
        this.extras.clear();
        this.dirty = true;
    }

    expandedIndices(): number[] {
        this.rebuild();
        return [...this.sorted];
    }

    private rebuild(): void {
        if (!this.dirty) return;
        this.sorted = [...this.extras.keys()].sort((a, b) => a - b);
        this.prefix = [0];
        for (const i of this.sorted) this.prefix.push(this.prefix[this.prefix.length - 1]! + this.extras.get(i)!);
        this.dirty = false;
    }

    /** Extra rows of expanded messages before message `index`. */
    private extrasBefore(index: number): number {
        this.rebuild();
        // number of sorted entries < index
        let lo = 0;
        let hi = this.sorted.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (this.sorted[mid]! < index) lo = mid + 1;
            else hi = mid;
        }
        return this.prefix[lo]!;
    }

    /** Rows for `messages` top-level messages (expansions past the end are ignored). */
    rowCount(messages: number): number {
        return messages + this.extrasBefore(messages);
    }

    /** The row of message `index` itself. */
    rowOf(index: number): number {
        return index + this.extrasBefore(index);
    }

    locate(row: number): RowLocation {
        this.rebuild();
        // Largest k with sorted[k] + prefix[k] <= row (the message row of the k-th expanded one).
        let lo = 0;
        let hi = this.sorted.length - 1;
        let k = -1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            if (this.sorted[mid]! + this.prefix[mid]! <= row) {
                k = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (k < 0) return { index: row, offset: 0 };
        const index = this.sorted[k]!;
        const base = index + this.prefix[k]!;
        const extra = this.extras.get(index)!;
        if (row - base <= extra) return { index, offset: row - base };
        return { index: row - this.prefix[k + 1]!, offset: 0 };
    }
}
