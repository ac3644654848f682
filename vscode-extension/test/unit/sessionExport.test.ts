import { describe, expect, it } from 'vitest';
import { EXPORT_CHOICES, exportFileName, exportMessage, exportParams, exportTarget } from '../../src/sessionExport';

describe('Export Session…', () => {
    it('offers both formats, each plain and redacted', () => {
        const pairs = EXPORT_CHOICES.map((c) => `${c.format}:${c.redact}`);
        expect(new Set(pairs)).toEqual(new Set(['md:false', 'md:true', 'html:false', 'html:true']));
    });

    it('takes the session from a tree node or from open-session args', () => {
        const info = { sessionId: 's1', project: '-p', title: 't' };
        expect(exportTarget({ type: 'session', group: 'all', info })).toEqual({ sessionId: 's1', project: '-p' });
        expect(exportTarget(info)).toEqual({ sessionId: 's1', project: '-p' });
    });

    it.each([[undefined], [null], ['s1'], [{ type: 'project', project: '-p' }], [{ sessionId: '', project: '-p' }], [{ info: { sessionId: 1 } }]])(
        'has no session for %j',
        (arg) => {
            expect(exportTarget(arg)).toBeUndefined();
        },
    );

    it('sends the chosen format and redaction', () => {
        const choice = EXPORT_CHOICES.find((c) => c.format === 'html' && c.redact)!;
        expect(exportParams({ sessionId: 's', project: 'p' }, choice)).toEqual({ sessionId: 's', project: 'p', format: 'html', redact: true });
    });

    it('names the file after the session with only safe characters', () => {
        expect(exportFileName('4d5611e5-241a', 'html')).toBe('claude-session-4d5611e5-241a.html');
        expect(exportFileName('../../etc/passwd', 'md')).toBe('claude-session-______etc_passwd.md');
        expect(exportFileName('', 'md')).toBe('claude-session-session.md');
    });

    it('says how many secrets it masked, by kind', () => {
        const result = { content: '', redactions: { password: 1, anthropic_key: 2 } };
        expect(exportMessage('a.md', result, true)).toBe('Exported the session to a.md. Masked 3 secrets (anthropic_key 2, password 1).');
        expect(exportMessage('a.md', { content: '', redactions: {} }, true)).toBe('Exported the session to a.md. No secrets found to mask.');
        expect(exportMessage('a.md', { content: '', redactions: {} }, false)).toBe('Exported the session to a.md.');
    });
});
