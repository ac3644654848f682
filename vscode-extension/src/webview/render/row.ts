/**
 * One virtualized row, built from a `Row` of SessionState: hands each kind of row to its renderer.
 * Every renderer puts transcript text in with textContent (or DOM nodes it built), never as HTML.
 */
import { el, icon } from '../dom';
import type { Row } from '../state/session';
import { BLOCK_KINDS, blockRow } from './block';
import { chevron } from './chevron';
import type { RenderContext } from './context';
import { NODE_ICON } from './kinds';
import { messageRow } from './message';
import { mcpName } from './tools';
import { toolHead } from './tool';

export interface RowContext extends RenderContext {
    selectedKey: string | undefined;
    /** Rows whose long output the user expanded ("Show all"). */
    shownAll: ReadonlySet<string>;
}

/** What a row's DOM depends on: the row is rebuilt only when this changes. */
export function signature(row: Row, selectedKey: string | undefined, shownAll: ReadonlySet<string>): string {
    const sel = `${row.key === selectedKey ? 's' : ''}${shownAll.has(row.key) ? 'a' : ''}`;
    if (row.kind === 'message') return `m${row.expanded ? 1 : 0}${sel}`;
    if (row.kind === 'skeleton') return 'k';
    const n = row.node;
    return `n${n.expanded ? 1 : 0}${n.loading ? 'l' : ''}${n.detail ?? ''}${n.error ?? ''}${sel}${row.depth}`;
}

function skeleton(e: HTMLDivElement): HTMLDivElement {
    e.classList.add('skeleton');
    e.setAttribute('aria-busy', 'true');
    e.append(el('span', 'bone short'), el('span', 'bone'));
    return e;
}

export function buildRow(row: Row, ctx: RowContext): HTMLDivElement {
    const e = el('div', 'row');
    e.setAttribute('role', 'treeitem');
    e.dataset.key = row.key;
    e.style.paddingLeft = `${6 + row.depth * 18}px`;
    e.setAttribute('aria-level', String(row.depth + 1));
    if (row.key === ctx.selectedKey) {
        e.classList.add('selected');
        e.setAttribute('aria-selected', 'true');
    }
    if (row.kind === 'skeleton') return skeleton(e);
    if (row.kind === 'message') {
        messageRow(e, row.message, row.expanded, ctx);
        return e;
    }
    const n = row.node;
    e.classList.add(`node-${n.kind}`);
    if (n.isError) e.classList.add('error');
    if (n.thought) e.classList.add('thought');
    if (n.kind === 'message' && n.message) {
        messageRow(e, n.message, n.expanded, ctx);
        return e;
    }
    if (n.kind === 'loading' || (n.kind === 'more' && n.loading)) return skeleton(e);
    if (n.kind === 'more') {
        e.append(icon('ellipsis'), el('span', 'label', n.label));
        return e;
    }
    if (n.kind === 'error') {
        e.append(icon('error'), el('span', 'label', n.label));
        return e;
    }
    e.append(chevron(n.expandable, n.expanded));
    if (n.expandable) e.setAttribute('aria-expanded', String(n.expanded));
    const ic = NODE_ICON[n.kind];
    if (ic) e.append(icon(n.isError ? 'error' : ic));
    if (BLOCK_KINDS.has(n.kind) && (n.body !== undefined || n.kind === 'image')) {
        blockRow(e, n, { shownAll: ctx.shownAll.has(row.key) });
        return e;
    }
    const mcp = n.kind === 'tool' ? mcpName(n.label) : undefined;
    if (mcp) {
        e.append(el('span', 'badge mcp', mcp.server), el('span', 'label', mcp.tool));
        e.title = `MCP server ${mcp.server}, tool ${mcp.tool}`;
    } else {
        e.append(el('span', 'label', n.label));
    }
    if (n.detail && !(n.kind === 'tool' && n.tool?.file)) e.append(el('span', 'detail', n.detail));
    if (n.kind === 'tool') toolHead(e, n);
    if (n.isError && n.kind === 'tool') e.append(el('span', 'badge error', 'error'));
    return e;
}
