/** A message row: kind icon, time, tools badge, one-line preview, tokens. */
import { totalTokens, type MessageSummary } from '../../protocol';
import { el, icon } from '../dom';
import { compact, formatTime } from '../format';
import { stripAnsi } from '../state/tree';
import { chevron } from './chevron';
import type { RenderContext } from './context';
import { KIND_ICON } from './kinds';

export function messageRow(e: HTMLDivElement, m: MessageSummary, expanded: boolean, ctx: RenderContext): void {
    e.classList.add('message', `kind-${m.kind}`);
    if (m.isError) e.classList.add('error');
    if (m.isSidechain) e.classList.add('sidechain');
    e.setAttribute('aria-expanded', String(expanded));
    e.append(chevron(true, expanded));
    e.append(icon(m.isError ? 'error' : (KIND_ICON.get(m.kind) ?? 'question')));
    const time = el('span', 'time', formatTime(m.timestamp, ctx.showDates));
    if (m.timestamp) time.title = m.timestamp;
    e.append(time);
    if (m.toolNames.length) e.append(el('span', 'badge tool', m.toolNames.join(', ')));
    const preview = el('span', 'label', stripAnsi(m.preview) || (m.subtype ? m.subtype : m.kind));
    e.append(preview);
    if (m.spawnedAgentId) e.append(el('span', 'badge agent', `agent ${m.spawnedAgentId}`));
    const tokens = totalTokens(m.tokens);
    if (tokens) e.append(el('span', 'meta', `${compact(tokens)} tok`));
    e.title = `${m.kind}${m.subtype ? `/${m.subtype}` : ''} · ${m.file}:${m.line}${m.model ? ` · ${m.model}` : ''}`;
}
