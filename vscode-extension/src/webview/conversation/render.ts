/**
 * A message drawn as part of the conversation: a head (who, when, the response's cost) when the
 * speaker changes, then its prose rendered whole (markdown through the sanitizer), each thought
 * folded, each tool call as one line that opens in place to its input and output (one click),
 * images inline. A failed call is marked on its line (icon, colour, "failed"). Hook and progress
 * lines are not rows: a count on the call (or message) they report on opens their list in place
 * (conversation/hooks.ts). Compactions are a divider; other harness lines shrink to one muted line. Transcript text reaches the DOM
 * as text nodes or through render/markdown's sanitizer, never as HTML.
 */
import { totalTokens, type MessageSummary } from '../../protocol';
import { el, fileLink, icon } from '../dom';
import { compact, formatTime } from '../format';
import { blockBox } from '../render/block';
import { dollars } from '../render/cost';
import { imageThumb } from '../render/image';
import { isCompaction, isCompactionSummary } from '../render/message';
import { renderMarkdown } from '../render/markdown';
import { diffButton } from '../render/tool';
import { mcpName } from '../render/tools';
import { oneLine, stripAnsi } from '../state/tree';
import { hookCountLabel, hookLabel } from './hooks';
import { conversationParts, isThoughtOnly, type ConvPart } from './model';
import type { ConversationState } from './state';

export interface ConversationContext {
    state: ConversationState;
    showDates: boolean;
    /** The row before this one is the same speaker: no head. */
    continued: boolean;
    costOf?: (uuid: string) => number | undefined;
    /** Keys (`<row>#<tool>:in|out`) whose long output the user expanded. */
    shownAll: ReadonlySet<string>;
}

/**
 * Rendered markdown by message and block: a row scrolled out and back (or redrawn when costs
 * come) clones its nodes instead of parsing and sanitizing the text again. Bounded.
 */
const MARKDOWN_CACHE = new Map<string, HTMLElement>();
const MARKDOWN_CACHE_SIZE = 400;

function markdownOf(key: string, text: string): HTMLElement {
    const hit = MARKDOWN_CACHE.get(key);
    if (hit) return hit.cloneNode(true) as HTMLElement;
    const md = renderMarkdown(text);
    MARKDOWN_CACHE.set(key, md.cloneNode(true) as HTMLElement);
    if (MARKDOWN_CACHE.size > MARKDOWN_CACHE_SIZE) MARKDOWN_CACHE.delete(MARKDOWN_CACHE.keys().next().value as string);
    return md;
}

const WHO: Record<string, [string, string]> = {
    user: ['You', 'account'],
    assistant: ['Claude', 'sparkle'],
    system: ['System', 'gear'],
    tool_result: ['Tool result', 'output'],
    progress: ['Progress', 'sync'],
    attachment: ['Attachment', 'file'],
    unknown: ['Entry', 'question'],
};

function actionButton(action: string, codicon: string, title: string, uuid: string): HTMLButtonElement {
    const b = el('button', `row-action ${action}`);
    b.type = 'button';
    b.dataset.action = action;
    b.dataset.uuid = uuid;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.append(icon(codicon));
    return b;
}

function head(m: MessageSummary, ctx: ConversationContext, thought: boolean): HTMLDivElement {
    const h = el('div', 'conv-head');
    const [who, codicon] = WHO[m.kind] ?? ['Entry', 'question'];
    h.append(icon(thought ? 'lightbulb' : codicon), el('span', 'who', thought ? 'Claude (thinking)' : who));
    const time = el('span', 'time', formatTime(m.timestamp, ctx.showDates));
    if (m.timestamp) time.title = m.timestamp;
    h.append(time);
    if (m.isSidechain) h.append(el('span', 'badge agent', 'subagent'));
    return h;
}

/** The response's cost and tokens, on the line that starts it only (the others repeat its usage). */
function usage(m: MessageSummary, ctx: ConversationContext): HTMLElement | undefined {
    const cost = ctx.costOf?.(m.uuid);
    if (cost === undefined) return undefined;
    const u = el('span', 'meta usage');
    const tokens = totalTokens(m.tokens);
    u.textContent = tokens ? `${dollars(cost)} · ${compact(tokens)} tok` : dollars(cost);
    u.title = "This API response's cost (its tokens once, at the session's prices)";
    return u;
}

function thinkingPart(rowKey: string, m: MessageSummary, p: Extract<ConvPart, { type: 'thinking' }>, ctx: ConversationContext): HTMLElement {
    const box = el('div', 'conv-thought');
    const open = ctx.state.isOpen(rowKey, `thought:${p.index}`);
    const line = el('div', 'conv-line thought-line');
    if (!p.text.trim()) {
        line.append(el('span', 'twisty'), icon('lightbulb'), el('span', 'label', 'Thinking'), el('span', 'detail', 'omitted: the transcript keeps only its signature'));
        box.append(line);
        return box;
    }
    line.dataset.action = 'part';
    line.dataset.part = `thought:${p.index}`;
    line.dataset.uuid = m.uuid;
    line.setAttribute('role', 'button');
    line.setAttribute('aria-expanded', String(open));
    line.append(icon(open ? 'chevron-down' : 'chevron-right', 'twisty'), icon('lightbulb'), el('span', 'label', 'Thinking'));
    if (!open) line.append(el('span', 'detail', oneLine(p.text, 140)));
    box.append(line);
    if (open) {
        const md = renderMarkdown(p.text);
        md.classList.add('thought-body');
        box.append(md);
    }
    return box;
}

/** The count of folded hook and progress lines on a row: a button that opens their list in place. */
function hooksBadge(m: MessageSummary, part: string, lines: readonly MessageSummary[], open: boolean): HTMLButtonElement {
    const b = el('button', 'hooks-badge');
    b.type = 'button';
    b.dataset.action = 'part';
    b.dataset.part = part;
    b.dataset.uuid = m.uuid;
    b.setAttribute('aria-expanded', String(open));
    const text = hookCountLabel(lines);
    const failed = lines.some((l) => l.isError);
    if (failed) b.classList.add('error');
    b.title = `${open ? 'Hide' : 'Show'} ${text}${failed ? ' (one failed)' : ''}`;
    b.append(icon(failed ? 'error' : 'zap'), el('span', '', text));
    return b;
}

/** The folded lines, one muted line each: what ran, its detail, its time. */
function hooksList(lines: readonly MessageSummary[], ctx: ConversationContext): HTMLElement {
    const list = el('div', 'conv-hook-list');
    list.setAttribute('role', 'list');
    for (const h of lines) {
        const line = el('div', `conv-line conv-hook${h.isError ? ' error' : ''}`);
        line.setAttribute('role', 'listitem');
        const { label, detail } = hookLabel(h);
        line.append(icon(h.isError ? 'error' : h.kind === 'attachment' ? 'file' : 'zap'), el('span', 'label', label));
        if (detail) line.append(el('span', 'detail', oneLine(stripAnsi(detail), 200)));
        const time = el('span', 'time', formatTime(h.timestamp, ctx.showDates));
        line.append(time);
        line.title = `${h.kind}${h.subtype ? `/${h.subtype}` : ''} · ${h.file}:${h.line}`;
        list.append(line);
    }
    return list;
}

/** A message's own folded lines (hooks that name no tool call): a count after its body. */
function messageHooks(rowKey: string, m: MessageSummary, ctx: ConversationContext): HTMLElement | undefined {
    const lines = ctx.state.hooksOfMessage(m);
    if (!lines.length) return undefined;
    const open = ctx.state.isOpen(rowKey, 'hooks');
    const box = el('div', 'conv-hooks');
    box.append(hooksBadge(m, 'hooks', lines, open));
    if (open) box.append(hooksList(lines, ctx));
    return box;
}

function toolPart(rowKey: string, m: MessageSummary, p: Extract<ConvPart, { type: 'tool' }>, ctx: ConversationContext): HTMLElement {
    const box = el('div', 'conv-tool');
    const open = ctx.state.isOpen(rowKey, `tool:${p.id}`);
    const failed = ctx.state.isFailed(p.id);
    const node = open ? ctx.state.toolNode(m.uuid, p.id) : undefined;
    const isError = failed || !!node?.isError;
    if (isError) box.classList.add('error');
    const line = el('div', 'conv-line tool-line');
    line.dataset.action = 'part';
    line.dataset.part = `tool:${p.id}`;
    line.dataset.uuid = m.uuid;
    line.dataset.toolId = p.id;
    line.setAttribute('role', 'button');
    line.setAttribute('aria-expanded', String(open));
    line.append(icon(open ? 'chevron-down' : 'chevron-right', 'twisty'), icon(isError ? 'error' : 'tools', isError ? 'error-icon' : ''));
    const mcp = mcpName(p.name);
    if (mcp) {
        line.append(el('span', 'badge mcp', mcp.server), el('span', 'tool-name', mcp.tool));
    } else {
        line.append(el('span', 'tool-name', p.name));
    }
    if (p.file) {
        line.append(fileLink(p.file.path, p.file.line));
    } else if (p.summary) {
        line.append(el('span', 'detail', p.summary));
    }
    if (p.name === 'Edit' || p.name === 'MultiEdit' || p.name === 'Write') line.append(diffButton(m.uuid, p.id));
    if (isError) line.append(el('span', 'badge error', 'failed'));
    const hooks = ctx.state.hooksOfTool(p.id);
    const hooksOpen = hooks.length > 0 && ctx.state.isOpen(rowKey, `hooks:${p.id}`);
    if (hooks.length) line.append(hooksBadge(m, `hooks:${p.id}`, hooks, hooksOpen));
    box.append(line);
    if (hooksOpen) box.append(hooksList(hooks, ctx));
    if (!open) return box;
    const body = el('div', 'conv-tool-body');
    const entry = ctx.state.detailOf(m.uuid);
    if (entry?.error) {
        body.append(el('div', 'conv-note error', entry.error));
    } else if (!node) {
        body.append(el('div', 'conv-note', entry?.detail ? 'This tool call is not in the message any more.' : 'Loading…'));
    } else {
        for (const child of node.children ?? []) {
            if (child.kind !== 'input' && child.kind !== 'result' && child.kind !== 'image') continue;
            const k = `${rowKey}#${p.id}:${child.id.slice(child.id.lastIndexOf('/') + 1)}`;
            const b = blockBox(child, { shownAll: ctx.shownAll.has(k), showAllKey: k });
            b.classList.add(`conv-${child.kind}`);
            if (child.isError) b.classList.add('error');
            body.append(b);
        }
        if (node.error) body.append(el('div', 'conv-note', 'No result was recorded for this call.'));
        const agent = node.children?.find((c) => c.kind === 'agent');
        if (agent) body.append(el('div', 'conv-note', `Subagent ${agent.agent?.agentId ?? ''}: its transcript is under this call in the Detail view.`));
    }
    box.append(body);
    return box;
}

function rawPart(rowKey: string, m: MessageSummary, ctx: ConversationContext): HTMLElement | undefined {
    if (!ctx.state.isOpen(rowKey, 'raw')) return undefined;
    const entry = ctx.state.detailOf(m.uuid);
    const box = el('div', 'conv-raw');
    box.append(el('div', 'block-label', `Raw line ${m.file}:${m.line}`));
    if (entry?.error) box.append(el('div', 'conv-note error', entry.error));
    else if (!entry?.detail) box.append(el('div', 'conv-note', 'Loading…'));
    else {
        let text: string;
        try {
            text = JSON.stringify(entry.detail.entry, null, 2) ?? '';
        } catch {
            text = String(entry.detail.entry);
        }
        const k = `${rowKey}#raw`;
        const b = blockBox({ id: `${rowKey}/raw`, kind: 'json', label: '', body: text, expandable: false, expanded: false }, { shownAll: ctx.shownAll.has(k), showAllKey: k });
        box.append(b);
    }
    return box;
}

/** Fill row `e` (a `.row`) with message `m` read as conversation. */
export function conversationRow(e: HTMLDivElement, rowKey: string, m: MessageSummary, ctx: ConversationContext): void {
    e.classList.add('conv', `kind-${m.kind}`);
    if (m.isSidechain) e.classList.add('sidechain');
    if (isCompaction(m)) {
        e.classList.add('compaction');
        e.append(el('span', 'rule'), icon('fold'), el('span', 'label', m.subtype === 'microcompact_boundary' ? 'Context micro-compacted' : 'Conversation compacted'), el('span', 'rule'));
        return;
    }
    if (m.kind !== 'user' && m.kind !== 'assistant') {
        // Hooks and other harness lines: one muted line, the noise kept out of the way.
        e.classList.add('condensed');
        const line = el('div', 'conv-line');
        const label = m.subtype ?? m.kind;
        const detail = oneLine(stripAnsi(m.preview), 160);
        line.append(icon(m.isError ? 'error' : 'gear'), el('span', 'label', label));
        if (detail && detail !== label) line.append(el('span', 'detail', detail));
        line.title = `${m.kind}${m.subtype ? `/${m.subtype}` : ''} · ${m.file}:${m.line}`;
        e.append(line, actionButton('raw', 'json', 'Show raw line', m.uuid));
        const hooks = messageHooks(rowKey, m, ctx);
        if (hooks) e.append(hooks);
        return;
    }
    // The response's cost and the row's buttons float at the right of its first line.
    const actions = el('div', 'conv-actions');
    const u = usage(m, ctx);
    if (u) actions.append(u);
    actions.append(actionButton('copy', 'copy', 'Copy message', m.uuid), actionButton('raw', 'json', 'Show raw line', m.uuid));
    e.append(actions);
    const parts = conversationParts(m);
    const thought = isThoughtOnly(parts);
    if (thought) e.classList.add('thought-only');
    if (!ctx.continued) e.append(head(m, ctx, thought));
    else e.classList.add('continued');
    const body = el('div', 'conv-body');
    if (isCompactionSummary(m)) body.append(el('span', 'badge summary', 'compaction summary'));
    parts.forEach((p, i) => {
        if (p.type === 'text') {
            const md = markdownOf(`${m.uuid}:${i}`, p.text);
            md.classList.add('conv-text');
            body.append(md);
        } else if (p.type === 'thinking') body.append(thinkingPart(rowKey, m, p, ctx));
        else if (p.type === 'tool') body.append(toolPart(rowKey, m, p, ctx));
        else if (p.type === 'image') {
            const fig = el('div', 'conv-image');
            if (p.image) fig.append(imageThumb(p.image, p.label));
            else fig.append(el('span', 'conv-note', p.label));
            body.append(fig);
        } else body.append(el('div', 'conv-note', `[${p.label}]`));
    });
    if (!parts.length) body.append(el('div', 'conv-note', m.kind === 'assistant' ? '(no text)' : '(empty)'));
    const hooks = messageHooks(rowKey, m, ctx);
    if (hooks) body.append(hooks);
    const raw = rawPart(rowKey, m, ctx);
    if (raw) body.append(raw);
    e.append(body);
}
