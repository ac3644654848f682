import { describe, expect, it } from 'vitest';
import { diffSides } from '../../src/diffSides';
import type { MessageDetail } from '../../src/protocol';
import { describeInput, detailChildren, fileOf, flatten, resultText, stripAnsi, type TreeNode } from '../../src/webview/state/tree';
import { summary } from './fakeServer';

function detail(content: unknown[], toolResults: MessageDetail[] = [], over: Partial<MessageDetail> = {}): MessageDetail {
    return { ...summary(1, { kind: 'assistant' }), content, entry: {}, toolResults, ...over };
}

function result(toolUseId: string, content: unknown, over: Partial<MessageDetail> = {}, entry: Record<string, unknown> = {}): MessageDetail {
    return {
        ...summary(2, { kind: 'tool_result', toolUseIds: [toolUseId] }),
        content: [{ type: 'tool_result', tool_use_id: toolUseId, content, ...(over.isError ? { is_error: true } : {}) }],
        entry,
        toolResults: [],
        ...over,
    };
}

describe('the tree under a message', () => {
    it('nests each tool call with its input and its own result', () => {
        const d = detail(
            [
                { type: 'thinking', thinking: 'hmm' },
                { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls -la', description: 'list' } },
                { type: 'tool_use', id: 't2', name: 'Read', input: { file_path: '/w/a.py', offset: 12 } },
            ],
            [result('t2', 'read text'), result('t1', [{ type: 'text', text: 'total 0' }], { isError: true })],
        );
        const kids = detailChildren(d, 'root');
        expect(kids.map((k) => `${k.kind}:${k.label}`)).toEqual(['thinking:Thinking', 'tool:Bash', 'tool:Read', 'raw:Raw line session:2']);
        const [, bash, read] = kids as [TreeNode, TreeNode, TreeNode];
        expect(bash.detail).toBe('ls -la');
        expect(bash.children?.map((c) => `${c.kind}:${c.body?.split('\n')[0]}`)).toEqual(['input:{', 'result:total 0']);
        expect(bash.isError).toBe(true);
        expect(read.tool?.file).toEqual({ path: '/w/a.py', line: 12 });
        expect(read.children?.[1]?.body).toBe('read text');
        const ids = kids.flatMap((k) => [k.id, ...(k.children ?? []).map((c) => c.id)]);
        expect(new Set(ids).size).toBe(ids.length); // row keys are unique
    });

    it('puts a subagent transcript under the Task/Agent call that started it', () => {
        const d = detail(
            [{ type: 'tool_use', id: 't1', name: 'Agent', input: { description: 'explore', prompt: 'look around' } }],
            [result('t1', 'agent said', { spawnedAgentId: 'abc123' })],
        );
        const tool = detailChildren(d, 'r')[0]!;
        const agent = tool.children?.find((c) => c.kind === 'agent');
        expect(agent?.agent).toMatchObject({ agentId: 'abc123', loaded: false });
        expect(agent?.children).toBeUndefined(); // fetched when expanded
    });

    it('takes the edited line of an Edit from its structured patch', () => {
        const d = detail(
            [{ type: 'tool_use', id: 'e1', name: 'Edit', input: { file_path: '/w/b.py', old_string: 'a', new_string: 'b' } }],
            [result('e1', 'ok', {}, { toolUseResult: { structuredPatch: [{ oldStart: 40, newStart: 41, lines: [] }] } })],
        );
        const tool = detailChildren(d, 'r')[0]!;
        expect(tool.tool).toMatchObject({ name: 'Edit', diff: true, file: { path: '/w/b.py', line: 41 } });
    });

    it('flattens only expanded branches, with placeholders for what is loading', () => {
        const root: TreeNode = {
            id: 'm',
            kind: 'message',
            label: '',
            expandable: true,
            expanded: true,
            children: [
                { id: 'm/a', kind: 'tool', label: 'A', expandable: true, expanded: false, children: [{ id: 'm/a/in', kind: 'input', label: '', expandable: false, expanded: false }] },
                { id: 'm/b', kind: 'agent', label: 'B', expandable: true, expanded: true },
            ],
        };
        expect(flatten(root).map((r) => `${r.depth}:${r.node.id}`)).toEqual(['1:m/a', '1:m/b', '2:m/b/loading']);
        root.children![0]!.expanded = true;
        expect(flatten(root).map((r) => r.node.id)).toEqual(['m/a', 'm/a/in', 'm/b', 'm/b/loading']);
    });

    it('reads tool result content of every shape as text', () => {
        expect(resultText('plain')).toBe('plain');
        expect(resultText([{ type: 'text', text: 'a' }, { type: 'image', source: { media_type: 'image/png' } }, { type: 'tool_reference', tool_name: 'X' }])).toBe(
            'a\n[image image/png]\n[tool X]',
        );
        expect(resultText(null)).toBe('');
    });

    it('finds the file of file tools (FORMAT.md §6 tool inputs)', () => {
        expect(fileOf('Write', { file_path: '/x' })).toEqual({ path: '/x' });
        expect(fileOf('NotebookEdit', { notebook_path: '/n.ipynb' })).toEqual({ path: '/n.ipynb' });
        expect(fileOf('Grep', { pattern: 'x', path: '/src' })).toEqual({ path: '/src' });
        expect(fileOf('Bash', { command: 'ls' })).toBeUndefined();
        expect(describeInput('Grep', { pattern: 'TODO', path: '/src' })).toBe('TODO /src');
    });
});

describe('terminal escapes', () => {
    it('are removed from bodies, the rest of the text stays as it is', () => {
        expect(stripAnsi('\x1b[32mok\x1b[0m <b>x</b> \x1b]0;title\x07done')).toBe('ok <b>x</b> done');
        const d = detail([{ type: 'text', text: '\x1b[1;31mERROR\x1b[0m: <script>' }]);
        expect(detailChildren(d, 'r')[0]?.body).toBe('ERROR: <script>');
    });
});

describe('Show diff sides', () => {
    const file = 'line1\nhello\nline3\nhello\n';
    it('applies an Edit to the original file the result carries', () => {
        const d = detail(
            [{ type: 'tool_use', id: 'e', name: 'Edit', input: { file_path: '/w/f.txt', old_string: 'hello', new_string: 'bye' } }],
            [result('e', 'ok', {}, { toolUseResult: { originalFile: file } })],
        );
        expect(diffSides(d, 'e')).toEqual({ filePath: '/w/f.txt', toolName: 'Edit', left: file, right: 'line1\nbye\nline3\nhello\n', wholeFile: true });
    });

    it('honours replace_all and MultiEdit order', () => {
        const d = detail(
            [
                {
                    type: 'tool_use',
                    id: 'm',
                    name: 'MultiEdit',
                    input: {
                        file_path: '/w/f.txt',
                        edits: [
                            { old_string: 'hello', new_string: 'bye', replace_all: true },
                            { old_string: 'line1', new_string: 'first' },
                        ],
                    },
                },
            ],
            [result('m', 'ok', {}, { toolUseResult: { originalFileContents: file } })],
        );
        expect(diffSides(d, 'm')?.right).toBe('first\nbye\nline3\nbye\n');
    });

    it('falls back to the old and new strings without the original file', () => {
        const d = detail([{ type: 'tool_use', id: 'e', name: 'Edit', input: { file_path: '/w/f.txt', old_string: 'a', new_string: 'b' } }]);
        expect(diffSides(d, 'e')).toMatchObject({ left: 'a', right: 'b', wholeFile: false });
    });

    it('shows a Write as the new content against the file before (or nothing)', () => {
        const d = detail([{ type: 'tool_use', id: 'w', name: 'Write', input: { file_path: '/w/n.txt', content: 'new' } }]);
        expect(diffSides(d, 'w')).toMatchObject({ left: '', right: 'new', wholeFile: true });
        expect(diffSides(d, 'nope')).toBeUndefined();
    });
});
