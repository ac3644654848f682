// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { blockRow, COLLAPSE_OVER } from '../../src/webview/render/block';
import { mcpName, renderToolInput, renderToolResult, TOOL_RENDERERS } from '../../src/webview/render/tools';
import { unnumber } from '../../src/webview/render/tools/files';
import type { ToolView, TreeNode } from '../../src/webview/state/tree';

function input(name: string, value: unknown): HTMLElement {
    const r = renderToolInput({ name, input: value });
    if (!r) throw new Error(`${name}: no input view`);
    return r.node;
}

function result(view: ToolView, text = ''): HTMLElement {
    const r = renderToolResult(view, text);
    if (!r) throw new Error(`${view.name}: no result view`);
    return r.node;
}

const texts = (root: Element, sel: string): string[] => [...root.querySelectorAll(sel)].map((e) => e.textContent ?? '');

describe('Edit and MultiEdit', () => {
    it('shows an Edit as a unified diff of old_string and new_string', () => {
        const node = input('Edit', { file_path: '/w/a.py', old_string: 'a = 1\nb = 2\nc = 3\n', new_string: 'a = 1\nb = 20\nc = 3\n' });
        expect(texts(node, '.diff-line.del')).toEqual(['-b = 2']);
        expect(texts(node, '.diff-line.add')).toEqual(['+b = 20']);
        expect(texts(node, '.diff-line.ctx')).toEqual([' a = 1', ' c = 3']);
    });

    it('says when every occurrence was replaced', () => {
        const node = input('Edit', { file_path: '/w/a.py', old_string: 'x', new_string: 'y', replace_all: true });
        expect(node.textContent).toContain('Every occurrence replaced.');
    });

    it('shows each edit of a MultiEdit in turn', () => {
        const node = input('MultiEdit', {
            file_path: '/w/a.py',
            edits: [
                { old_string: 'one', new_string: 'uno' },
                { old_string: 'two', new_string: 'dos' },
            ],
        });
        expect(texts(node, '.diff-note')).toEqual(['Edit 1 of 2', 'Edit 2 of 2']);
        expect(texts(node, '.diff-line.add')).toEqual(['+uno', '+dos']);
    });

    it("shows the result's structured patch with the file's line numbers", () => {
        const toolUseResult = { structuredPatch: [{ oldStart: 40, oldLines: 2, newStart: 40, newLines: 2, lines: [' keep', '-old', '+new'] }] };
        const node = result({ name: 'Edit', input: {}, content: 'ok', toolUseResult });
        expect(texts(node, '.diff-line.hunk')).toEqual(['@@ -40,2 +40,2 @@']);
        expect(texts(node, '.diff-line.add')).toEqual(['+new']);
    });

    it('falls back when the input is not an edit', () => {
        expect(renderToolInput({ name: 'Edit', input: { file_path: '/a' } })).toBeUndefined();
        expect(renderToolResult({ name: 'Edit', input: {}, content: 'ok' }, 'ok')).toBeUndefined();
    });
});

describe('Write and Read', () => {
    it('shows a Write as highlighted code with line numbers', () => {
        const node = input('Write', { file_path: '/w/g.py', content: 'def greet(name):\n    return "hi"\n' });
        expect(node.querySelector('.gutter')?.textContent).toBe('1\n2');
        expect(node.querySelector('.hljs-keyword')?.textContent).toBe('def');
        expect(node.querySelector('.code-lines')?.textContent).toBe('def greet(name):\n    return "hi"');
    });

    it('shows a Read as file:lines', () => {
        const node = input('Read', { file_path: '/w/a.py', offset: 10, limit: 5 });
        const link = node.querySelector('a');
        expect(link?.textContent).toBe('/w/a.py:10–14');
        expect(link?.dataset).toMatchObject({ action: 'open', path: '/w/a.py', line: '10' });
    });

    it("shows a Read's numbered result as code, numbered from its first line", () => {
        const text = '    10→import os\n    11→x = "s"\n\n<system-reminder>not code</system-reminder>';
        const node = result({ name: 'Read', input: { file_path: '/w/a.py' }, content: text });
        expect(node.querySelector('.gutter')?.textContent).toBe('10\n11');
        expect(node.querySelector('.code-lines')?.textContent).toBe('import os\nx = "s"');
        expect(node.querySelector('.hljs-keyword')?.textContent).toBe('import');
    });

    it('reads tab-numbered lines of older versions and refuses text that is not numbered', () => {
        expect(unnumber('1\tone\n2\ttwo')).toEqual({ code: 'one\ntwo', first: 1 });
        expect(unnumber('File does not exist.')).toBeUndefined();
    });
});

describe('Bash', () => {
    it('shows $ command and its description', () => {
        const node = input('Bash', { command: 'ls -la', description: 'List files' });
        expect(node.querySelector('.tool-note')?.textContent).toBe('List files');
        expect(node.querySelector('pre.command')?.textContent).toBe('$ ls -la');
    });

    it('renders output colours as escaped spans', () => {
        const node = result({ name: 'Bash', input: { command: 'x' }, content: [{ type: 'text', text: '\x1b[32mPASS\x1b[0m <b>ok</b>' }] });
        expect(node.querySelector('.ansi-fg-green')?.textContent).toBe('PASS');
        expect(node.querySelector('b')).toBeNull();
        expect(node.textContent).toBe('PASS <b>ok</b>');
    });
});

describe('Grep and Glob', () => {
    it('shows the pattern and where it looked', () => {
        const node = input('Grep', { pattern: 'def \\w+', path: '/w/src', glob: '*.py' });
        expect(node.querySelector('code.pattern')?.textContent).toBe('def \\w+');
        expect(node.querySelector('a')?.dataset.path).toBe('/w/src');
        expect(node.textContent).toContain('glob: *.py');
    });

    it('links each file of a Grep result, with the line of a content hit', () => {
        const text = 'Found 2 files\n/w/src/a.py:12:def main():\n/w/src/b.py';
        const node = result({ name: 'Grep', input: { pattern: 'x' }, content: text });
        const links = [...node.querySelectorAll('a')];
        expect(links.map((a) => [a.dataset.path, a.dataset.line])).toEqual([
            ['/w/src/a.py', '12'],
            ['/w/src/b.py', undefined],
        ]);
        expect(texts(node, '.hit-text')).toEqual(['def main():']);
        expect(node.querySelector('.hit')?.textContent).toBe('Found 2 files');
    });

    it('links every path of a Glob result', () => {
        const node = result({ name: 'Glob', input: { pattern: '**/*.ts' }, content: 'src/a.ts\nsrc/b/c.ts\n' });
        expect([...node.querySelectorAll('a')].map((a) => a.dataset.path)).toEqual(['src/a.ts', 'src/b/c.ts']);
    });
});

describe('TodoWrite', () => {
    it('shows a checklist with each status', () => {
        const node = input('TodoWrite', {
            todos: [
                { content: 'Write tests', status: 'completed', activeForm: 'Writing tests' },
                { content: 'Fix bug', status: 'in_progress', activeForm: 'Fixing bug' },
                { content: 'Ship', status: 'pending', activeForm: 'Shipping' },
            ],
        });
        const items = [...node.querySelectorAll('li')];
        expect(items.map((li) => [li.className, li.textContent, li.querySelector('.codicon')?.getAttribute('aria-label')])).toEqual([
            ['todo completed', 'Write tests', 'done'],
            ['todo in_progress', 'Fix bug', 'in progress'],
            ['todo pending', 'Ship', 'to do'],
        ]);
    });
});

describe('WebFetch and WebSearch', () => {
    it('shows the URL as a web link and the answer as markdown', () => {
        const view = { name: 'WebFetch', input: { url: 'https://example.com/doc', prompt: 'Summarize' } };
        const node = input('WebFetch', view.input);
        expect(node.querySelector('a')?.getAttribute('href')).toBe('https://example.com/doc');
        expect(node.textContent).toContain('Summarize');
        expect(result({ ...view, content: '# Title\n\n*body*' }).querySelector('h1')?.textContent).toBe('Title');
    });

    it('does not link a URL that is not http(s)', () => {
        const node = input('WebFetch', { url: 'javascript:alert(1)', prompt: '' });
        expect(node.querySelector('a')).toBeNull();
    });

    it('shows the query of a WebSearch', () => {
        const node = input('WebSearch', { query: 'duckdb arrow', allowed_domains: ['duckdb.org'] });
        expect(node.querySelector('q')?.textContent).toBe('duckdb arrow');
        expect(node.textContent).toContain('allowed domains: duckdb.org');
    });
});

describe('AskUserQuestion', () => {
    const questions = [
        {
            question: 'Which database?',
            header: 'DB',
            multiSelect: false,
            options: [
                { label: 'DuckDB', description: 'embedded' },
                { label: 'Postgres', description: 'server' },
            ],
        },
    ];

    it('shows the question and its options', () => {
        const node = input('AskUserQuestion', { questions });
        expect(node.querySelector('.question-text')?.textContent).toBe('Which database?');
        expect(texts(node, '.option-label')).toEqual(['DuckDB', 'Postgres']);
        expect(node.querySelector('.chosen')).toBeNull();
    });

    it('shows the answer the user chose, marked when it is one of the options', () => {
        const node = result({ name: 'AskUserQuestion', input: { questions }, content: 'answered', toolUseResult: { answers: { 'Which database?': 'Postgres' } } });
        expect(node.querySelector('.question-text')?.textContent).toBe('Which database?');
        expect(texts(node, '.answer.chosen .option-label')).toEqual(['Postgres']);
    });

    it('shows an answer the user typed, not marked as an option', () => {
        const node = result({ name: 'AskUserQuestion', input: { questions }, content: 'answered', toolUseResult: { answers: { 'Which database?': 'SQLite, really' } } });
        expect(node.querySelector('.answer')?.textContent).toBe('SQLite, really');
        expect(node.querySelector('.chosen')).toBeNull();
    });
});

describe('MCP tools and tools without a renderer', () => {
    it('names an MCP tool by server and tool', () => {
        expect(mcpName('mcp__github__create_issue')).toEqual({ server: 'github', tool: 'create_issue' });
        expect(mcpName('mcp__claude_ai_Notion__notion-search')).toEqual({ server: 'claude_ai_Notion', tool: 'notion-search' });
        expect(mcpName('Bash')).toBeUndefined();
    });

    it('leaves MCP and unknown tools (and a Task without a prompt) to the JSON view', () => {
        for (const name of ['Task', 'Agent', 'mcp__x__y', 'SomethingNew', 'constructor', '__proto__']) {
            expect(renderToolInput({ name, input: { a: 1 } })).toBeUndefined();
        }
        expect(Object.keys(TOOL_RENDERERS).sort()).toEqual(
            ['Agent', 'AskUserQuestion', 'Bash', 'Edit', 'Glob', 'Grep', 'MultiEdit', 'Read', 'Task', 'TodoWrite', 'WebFetch', 'WebSearch', 'Write'],
        );
    });

    it("renders a Task's prompt as markdown (not JSON with literal \\n) and its answer as markdown", () => {
        const input = { description: 'Find the parser', subagent_type: 'Explore', prompt: '## Goal\n\nFind **the parser**.\n\n- one\n- two' };
        const r = renderToolInput({ name: 'Task', input });
        expect(r).toBeDefined();
        const node = r!.node;
        expect(node.querySelector('h2')?.textContent).toBe('Goal');
        expect(node.querySelector('strong')?.textContent).toBe('the parser');
        expect(node.querySelectorAll('li')).toHaveLength(2);
        expect(node.textContent).toContain('Explore · Find the parser');
        expect(node.textContent).not.toContain('\\n');
        const answer = '# Found\n\n`src/parser.py` holds it.';
        const res = renderToolResult({ name: 'Agent', input, content: [{ type: 'text', text: answer }] }, answer);
        expect(res!.node.querySelector('h1')?.textContent).toBe('Found');
        expect(res!.node.querySelector('code')?.textContent).toBe('src/parser.py');
    });

    it('falls back instead of throwing on a malformed input', () => {
        expect(renderToolInput({ name: 'TodoWrite', input: { todos: [null] } })).toBeUndefined();
        expect(renderToolInput({ name: 'Bash', input: 'not an object' })).toBeUndefined();
    });
});

describe('a tool block row', () => {
    function row(n: TreeNode, shownAll = false): HTMLDivElement {
        const e = document.createElement('div');
        blockRow(e, n, { shownAll });
        return e;
    }

    it('shows the JSON of an input no renderer knows', () => {
        const e = row({ id: 'x', kind: 'input', label: 'Input', body: '{\n  "a": 1\n}', expandable: false, expanded: false, toolView: { name: 'Task', input: { a: 1 } } });
        expect(e.querySelector('pre.body.code')?.textContent).toBe('{\n  "a": 1\n}');
    });

    it('collapses a long output to a few lines with "Show all", and shows all once asked', () => {
        const lines = COLLAPSE_OVER + 26;
        const text = Array.from({ length: lines }, (_, i) => `line ${i}`).join('\n');
        const n: TreeNode = { id: 'r', kind: 'result', label: 'Result', body: text, expandable: false, expanded: false, toolView: { name: 'Bash', input: {}, content: text } };
        const collapsed = row(n);
        expect(collapsed.querySelector('.rendered')?.classList.contains('collapsed')).toBe(true);
        expect(collapsed.querySelector('button.show-all')?.textContent).toBe(`Show all ${lines} lines`);
        expect(collapsed.querySelector('.rendered')?.textContent).toBe(text);
        const open = row(n, true);
        expect(open.querySelector('.rendered')?.classList.contains('expanded-all')).toBe(true);
        expect(open.querySelector('button.show-all')?.textContent).toBe('Show less');
    });

    it('does not collapse a short output', () => {
        const n: TreeNode = { id: 'r', kind: 'result', label: 'Result', body: 'a\nb', expandable: false, expanded: false };
        expect(row(n).querySelector('button.show-all')).toBeNull();
    });

    it('renders markdown text and an inline image', () => {
        const text = row({ id: 't', kind: 'text', label: '', body: '**bold** <b>raw</b>', expandable: false, expanded: false, markdown: true });
        expect(text.querySelector('strong')?.textContent).toBe('bold');
        expect(text.querySelector('b')).toBeNull();
        const img = row({ id: 'i', kind: 'image', label: '[image image/png]', expandable: false, expanded: false, image: { mediaType: 'image/png', data: 'iVBORw0KGgo=' } });
        const el = img.querySelector('img');
        expect(el?.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
        expect(el?.dataset.action).toBe('image');
    });
});

describe('hostile text in tool calls stays text', () => {
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const cases: [string, unknown, unknown?][] = [
        ['Bash', { command: evil, description: evil }, evil],
        ['Edit', { file_path: '/a', old_string: evil, new_string: `${evil}!` }],
        ['Write', { file_path: '/a.html', content: evil }],
        ['Read', { file_path: evil }, `     1→${evil}`],
        ['Grep', { pattern: evil, path: evil }, `${evil}\n/a.py:3:${evil}`],
        ['Glob', { pattern: evil }, evil],
        ['TodoWrite', { todos: [{ content: evil, status: evil, activeForm: evil }] }],
        ['WebFetch', { url: `javascript:${evil}`, prompt: evil }, `# ${evil}\n[x](javascript:alert(1))`],
        ['WebSearch', { query: evil, allowed_domains: [evil] }, evil],
        ['AskUserQuestion', { questions: [{ question: evil, header: evil, options: [{ label: evil, description: evil }] }] }],
    ];

    it.each(cases)('%s', (name, value, resultText) => {
        const nodes: HTMLElement[] = [];
        const i = renderToolInput({ name, input: value });
        if (i) nodes.push(i.node);
        if (resultText !== undefined) {
            const r = renderToolResult({ name, input: value, content: resultText }, String(resultText));
            if (r) nodes.push(r.node);
        }
        expect(nodes.length).toBeGreaterThan(0);
        for (const node of nodes) {
            expect(node.querySelector('img, script, iframe, svg, style, object')).toBeNull();
            for (const e of node.querySelectorAll('*')) {
                for (const a of e.attributes) expect(a.name.startsWith('on'), `${e.tagName} ${a.name}`).toBe(false);
                const href = e.getAttribute('href');
                if (href !== null) expect(href === '#' || /^https?:\/\//.test(href), href).toBe(true);
            }
            expect(node.textContent).toContain('onerror');
        }
    });
});
