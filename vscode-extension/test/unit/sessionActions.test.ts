import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cwdOf, messageAsText, resumeCommand } from '../../src/sessionActions';

describe('Resume in terminal', () => {
    it('builds claude --resume with a real session id', () => {
        expect(resumeCommand('0f3c2a9e-1b2c-4d5e-8f90-123456789abc')).toBe('claude --resume 0f3c2a9e-1b2c-4d5e-8f90-123456789abc');
    });

    it.each([
        ['a command separator', 'abc; rm -rf ~'],
        ['a substitution', '$(touch /tmp/x)'],
        ['backticks', '`id`'],
        ['a space', 'a b'],
        ['a newline', 'abc\nrm x'],
        ['an option', '--dangerously-skip-permissions'],
        ['a path', '../../etc'],
        ['a quote', "a'b"],
        ['nothing', ''],
        ['too long an id', 'a'.repeat(129)],
    ])('refuses an id with %s', (_, id) => {
        expect(resumeCommand(id)).toBeUndefined();
    });

    it("takes the session's folder from the first line that names an absolute one", () => {
        const lines = [{ entry: {} }, { entry: { cwd: 'relative/dir' } }, { entry: { cwd: '/home/u/proj' } }, { entry: { cwd: '/other' } }];
        expect(cwdOf(lines, isAbsolute)).toBe('/home/u/proj');
        expect(cwdOf([{ entry: { cwd: '/a\nb' } }], isAbsolute)).toBeUndefined();
        expect(cwdOf([], isAbsolute)).toBeUndefined();
    });
});

describe('Copy message', () => {
    it('joins text, tool calls and results', () => {
        const text = messageAsText({
            preview: 'p',
            entry: {},
            content: [
                { type: 'text', text: 'Let me look.' },
                { type: 'thinking', thinking: '' },
                { type: 'tool_use', id: 't', name: 'Read', input: { file_path: '/a.py' } },
                { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'file body' }], is_error: true },
            ],
        });
        expect(text).toBe('Let me look.\n\n[Read]\n{\n  "file_path": "/a.py"\n}\n\n[error]\nfile body');
    });

    it("falls back to the line's message content, then to the preview", () => {
        expect(messageAsText({ preview: 'p', content: null, entry: { message: { content: 'typed prompt' } } })).toBe('typed prompt');
        expect(messageAsText({ preview: 'only preview', content: [], entry: {} })).toBe('only preview');
    });
});
