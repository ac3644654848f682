/**
 * A message row: kind icon, time, tools badge, one-line preview, tokens, and a "Copy message"
 * button. A compaction boundary is drawn as a divider; the summary after it is badged; hook and
 * other harness lines (system, progress, attachments) are condensed so the conversation stands out.
 */
import { totalTokens, type MessageSummary } from '../../protocol';
import { el, icon } from '../dom';
import { compact, formatTime } from '../format';
import { stripAnsi } from '../state/tree';
import { chevron } from './chevron';
import type { RenderContext } from './context';
import { dollars } from './cost';
import { KIND_ICON } from './kinds';

const COMPACTION = new Set(['compact_boundary', 'microcompact_boundary']);
/** The text Claude Code starts a compaction summary with (FORMAT.md §8). */
const SUMMARY_START = 'This session is being continued from a previous conversation';
const CONDENSED_KINDS = new Set(['system', 'progress', 'attachment']);

/** What the server's preview says for Claude Code's "\n\n" text blocks. */
const BLANK = '[blank text]';

/** The preview without the tool's name when the badge shows it already ("Bash Bash ls" read twice). */
export function previewText(m: Pick<MessageSummary, 'preview' | 'toolNames'>): string {
    const text = stripAnsi(m.preview);
    const [only] = m.toolNames;
    if (m.toolNames.length === 1 && only && text.startsWith(only) && /^[\s:(]/.test(text.slice(only.length, only.length + 1) || ' ')) {
        return text.slice(only.length).replace(/^[\s:]+/, '') || text;
    }
    return text;
}

export function isCompaction(m: Pick<MessageSummary, 'kind' | 'subtype'>): boolean {
    return m.kind === 'system' && COMPACTION.has(m.subtype ?? '');
}

export function isCompactionSummary(m: Pick<MessageSummary, 'kind' | 'preview'>): boolean {
    return m.kind === 'user' && m.preview.startsWith(SUMMARY_START);
}

function copyButton(m: MessageSummary): HTMLButtonElement {
    const b = el('button', 'row-action copy');
    b.type = 'button';
    b.dataset.action = 'copy';
    b.dataset.uuid = m.uuid;
    b.title = 'Copy message';
    b.setAttribute('aria-label', 'Copy message');
    b.append(icon('copy'));
    return b;
}

export function messageRow(e: HTMLDivElement, m: MessageSummary, expanded: boolean, ctx: RenderContext): void {
    e.classList.add('message', `kind-${m.kind}`);
    if (m.isError) e.classList.add('error');
    if (m.isSidechain) e.classList.add('sidechain');
    const compaction = isCompaction(m);
    if (compaction) e.classList.add('compaction');
    else if (CONDENSED_KINDS.has(m.kind)) e.classList.add('condensed');
    e.setAttribute('aria-expanded', String(expanded));
    e.append(chevron(true, expanded));
    e.append(icon(m.isError ? 'error' : compaction ? 'fold' : (KIND_ICON.get(m.kind) ?? 'question')));
    const time = el('span', 'time', formatTime(m.timestamp, ctx.showDates));
    if (m.timestamp) time.title = m.timestamp;
    e.append(time);
    if (compaction) {
        e.append(el('span', 'rule'), el('span', 'label', m.subtype === 'microcompact_boundary' ? 'Context micro-compacted' : 'Conversation compacted'), el('span', 'rule'));
    } else {
        if (isCompactionSummary(m)) e.append(el('span', 'badge summary', 'compaction summary'));
        if (m.toolNames.length) e.append(el('span', 'badge tool', m.toolNames.join(', ')));
        const preview = el('span', 'label', previewText(m) || (m.subtype ? m.subtype : m.kind));
        e.append(preview);
    }
    if (m.spawnedAgentId) e.append(el('span', 'badge agent', `agent ${m.spawnedAgentId}`));
    // A response's tokens and cost go on the line that starts it (setRowCost), not on each of its
    // lines (they all repeat its usage); a blank text line carries neither.
    const tokens = totalTokens(m.tokens);
    if (tokens && m.kind !== 'assistant') e.append(el('span', 'meta', `${compact(tokens)} tok`));
    if (tokens) e.dataset.tokens = compact(tokens);
    if (m.preview === BLANK) e.dataset.blank = '1';
    e.append(copyButton(m));
    if (m.kind === 'assistant' && m.preview !== BLANK) setRowCost(e, ctx.costOf?.(m.uuid));
    e.title = `${m.kind}${m.subtype ? `/${m.subtype}` : ''} · ${m.file}:${m.line}${m.model ? ` · ${m.model}` : ''}`;
}

/**
 * Put a response's cost on its row (before the Copy button), or take it off. Costs arrive after
 * the rows are drawn: they are set on the rows in place, so the list neither rebuilds nor moves.
 */
export function setRowCost(e: HTMLElement, cost: number | undefined): void {
    const old = e.querySelector(':scope > .meta.cost');
    if (cost === undefined) {
        old?.remove();
        return;
    }
    const c = old ?? el('span', 'meta cost');
    c.textContent = e.dataset.tokens ? `${dollars(cost)} · ${e.dataset.tokens} tok` : dollars(cost);
    if (!old) {
        (c as HTMLElement).title = 'What this API response cost (its tokens once, at the session\'s prices)';
        e.insertBefore(c, e.querySelector(':scope > .row-action.copy'));
    }
}
