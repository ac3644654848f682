/** TodoWrite as a checklist: done, in progress, to do. */
import { el, icon } from '../../dom';
import { isRecord, str, type ToolRenderer } from './types';

const STATUS: Record<string, [string, string]> = {
    completed: ['pass', 'done'],
    in_progress: ['circle-large-filled', 'in progress'],
    pending: ['circle-large-outline', 'to do'],
};

export const TODO_WRITE: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input) || !Array.isArray(v.input.todos)) return undefined;
        const list = el('ul', 'checklist');
        for (const todo of v.input.todos) {
            if (!isRecord(todo)) return undefined;
            const status = str(todo.status) ?? 'pending';
            const [name, label] = STATUS[status] ?? ['circle-large-outline', status];
            const item = el('li', `todo ${status.replace(/[^a-z_]/g, '')}`);
            const mark = icon(name);
            mark.setAttribute('aria-hidden', 'false');
            mark.setAttribute('role', 'img');
            mark.setAttribute('aria-label', label);
            item.append(mark, el('span', 'todo-text', str(todo.content) ?? str(todo.activeForm) ?? ''));
            list.append(item);
        }
        return { node: list, lines: v.input.todos.length };
    },
};
