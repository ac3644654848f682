/** The kinds of rows, their labels and codicons (the filter bar and the rows share them). */
import type { Kind } from '../../protocol';
import type { TreeNode } from '../state/tree';

export const KIND_LABELS: [Kind, string, string][] = [
    ['user', 'User', 'account'],
    ['assistant', 'Assistant', 'sparkle'],
    ['tool_result', 'Tool results', 'output'],
    ['system', 'System', 'gear'],
    ['progress', 'Progress', 'sync'],
    ['attachment', 'Attachments', 'file'],
    ['unknown', 'Other', 'question'],
];
export const KIND_ICON = new Map(KIND_LABELS.map(([k, , icon]) => [k, icon]));
export const NODE_ICON: Partial<Record<TreeNode['kind'], string>> = {
    thinking: 'lightbulb',
    tool: 'tools',
    input: 'json',
    result: 'output',
    agent: 'hubot',
    image: 'file-media',
    json: 'json',
    raw: 'json',
    error: 'error',
};
