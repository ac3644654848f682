import { el, icon } from '../dom';

/** The twisty of an expandable row (clicking it toggles: `data-action="toggle"`). */
export function chevron(expandable: boolean, expanded: boolean): HTMLSpanElement {
    if (!expandable) return el('span', 'twisty');
    const c = icon(expanded ? 'chevron-down' : 'chevron-right', 'twisty');
    c.dataset.action = 'toggle';
    return c;
}
