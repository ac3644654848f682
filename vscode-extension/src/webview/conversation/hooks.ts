/**
 * Hook and progress lines folded into the row they belong to (the conversation view). Claude Code
 * 2.1 writes a progress line for each hook run, each second of a long Bash and each step of a
 * subagent: ~70 % of a session's lines. The conversation does not show them as rows; it counts
 * them on the tool call or message they report on, and lists them there when asked.
 *
 * Where a line belongs (FORMAT.md §7): a progress line names its tool call (`parentToolUseID`,
 * which the summary carries in `toolUseIds`), so does a hook's attachment (`toolUseID`). Hooks
 * that run for no tool call (SessionStart, UserPromptSubmit, Stop) carry a synthetic id, a UUID
 * where tool ids are `toolu_…`: those, and lines without an id, belong to the message their
 * `parentUuid` chain (through other hook lines) leads back to; a chain that starts the session
 * (a SessionStart hook) belongs to the first message that follows it. Pure: no DOM, no requests.
 */
import type { MessageSummary } from '../../protocol';

/** A hook run's synthetic id: a UUID (tool calls' ids are `toolu_…`, `call_…`). */
const SYNTHETIC_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest parentUuid chain followed through hook lines (a cycle in a damaged file ends it). */
const MAX_CHAIN = 10_000;

/** The tool call a line reports on, or undefined when it names none (or only its own run). */
export function toolCallOf(m: MessageSummary): string | undefined {
    const id = m.toolUseIds[0];
    return id && !SYNTHETIC_ID.test(id) ? id : undefined;
}

/** How a folded line reads in its list: what ran (a hook's name, the kind of progress) and its detail. */
export function hookLabel(m: MessageSummary): { label: string; detail: string } {
    const words = m.preview.split(' ').filter(Boolean);
    if (m.subtype && words[0] === m.subtype) words.shift();
    if (m.subtype === 'hook_progress' && words.length) {
        // "PreToolUse:Bash PreToolUse <command>": the hook's name, its event (said by the name), the command
        const name = words.shift()!;
        if (words[0] && name.startsWith(words[0])) words.shift();
        return { label: name, detail: words.join(' ') };
    }
    return { label: m.subtype ?? m.kind, detail: words.join(' ') };
}

/** "2 hooks", "14 progress", "3 hooks and progress": what a row's marker says. */
export function hookCountLabel(lines: readonly MessageSummary[]): string {
    const hooks = lines.filter((m) => (m.subtype ?? '').startsWith('hook')).length;
    const n = lines.length;
    if (hooks === n) return `${n} hook${n === 1 ? '' : 's'}`;
    if (hooks === 0) return `${n} progress`;
    return `${n} hooks and progress`;
}

export class HookIndex {
    private readonly lines = new Map<string, MessageSummary>();
    private byTool = new Map<string, MessageSummary[]>();
    private byMessage = new Map<string, MessageSummary[]>();
    /** Chains that start the session, by the uuid of their last line (what the next message's parentUuid names). */
    private byChainEnd = new Map<string, MessageSummary[]>();
    private dirty = false;

    get size(): number {
        return this.lines.size;
    }

    /** Lines of a listing page (any order; a line seen again is kept once). */
    add(batch: readonly MessageSummary[]): void {
        for (const m of batch) {
            if (!this.lines.has(m.uuid)) {
                this.lines.set(m.uuid, m);
                this.dirty = true;
            }
        }
    }

    clear(): void {
        this.lines.clear();
        this.byTool.clear();
        this.byMessage.clear();
        this.byChainEnd.clear();
        this.dirty = false;
    }

    /** The lines that report on this tool call, in the session's order. */
    ofTool(toolUseId: string): MessageSummary[] {
        this.index();
        return this.byTool.get(toolUseId) ?? [];
    }

    /** The lines that belong to this message without naming a tool call (its hooks, a session start's). */
    ofMessage(m: Pick<MessageSummary, 'uuid' | 'parentUuid'>): MessageSummary[] {
        this.index();
        const own = this.byMessage.get(m.uuid) ?? [];
        const before = m.parentUuid ? this.byChainEnd.get(m.parentUuid) : undefined;
        return before ? [...before, ...own] : own;
    }

    private index(): void {
        if (!this.dirty) return;
        this.dirty = false;
        const byTool = new Map<string, MessageSummary[]>();
        const byMessage = new Map<string, MessageSummary[]>();
        const byChainEnd = new Map<string, MessageSummary[]>();
        const push = (map: Map<string, MessageSummary[]>, key: string, m: MessageSummary): void => {
            const list = map.get(key);
            if (list) list.push(m);
            else map.set(key, [m]);
        };
        const rootOf = new Map<string, string>(); // a session-start chain's line -> the chain's first line
        const ordered = [...this.lines.values()].sort(bySessionOrder);
        for (const m of ordered) {
            const tool = toolCallOf(m);
            if (tool) {
                push(byTool, tool, m);
                continue;
            }
            // Up the parentUuid chain through hook lines to the message they follow.
            let up = m.parentUuid;
            let top = m;
            for (let i = 0; up && i < MAX_CHAIN; i++) {
                const prev = this.lines.get(up);
                if (!prev) break;
                top = prev;
                up = prev.parentUuid;
            }
            if (up) push(byMessage, up, m);
            else rootOf.set(m.uuid, top.uuid);
        }
        // A session-start chain goes to the message whose parentUuid is its last line.
        const chains = new Map<string, MessageSummary[]>();
        for (const m of ordered) {
            const root = rootOf.get(m.uuid);
            if (root) push(chains, root, m);
        }
        for (const list of chains.values()) byChainEnd.set(list[list.length - 1]!.uuid, list);
        this.byTool = byTool;
        this.byMessage = byMessage;
        this.byChainEnd = byChainEnd;
    }
}

function bySessionOrder(a: MessageSummary, b: MessageSummary): number {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return a.line - b.line;
}
