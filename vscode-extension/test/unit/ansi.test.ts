// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderAnsi } from '../../src/webview/render/ansi';

describe('terminal output with ANSI colours', () => {
    it('renders named colours as theme classes and keeps the text', () => {
        const out = renderAnsi('\x1b[31merror\x1b[0m: \x1b[1;32mok\x1b[0m done');
        expect(out.textContent).toBe('error: ok done');
        const spans = [...out.querySelectorAll('span')];
        expect(spans.map((s) => [s.textContent, s.className])).toEqual([
            ['error', 'ansi-fg-red'],
            ['ok', 'ansi-fg-green ansi-bold'],
        ]);
    });

    it('sets 256-colour and RGB colours through the style object', () => {
        const out = renderAnsi('\x1b[38;5;196mhot\x1b[0m \x1b[48;2;10;20;30mbg\x1b[0m');
        const [hot, bg] = [...out.querySelectorAll('span')];
        expect(hot?.style.color).toBe('rgb(255, 0, 0)');
        expect(bg?.style.backgroundColor).toBe('rgb(10, 20, 30)');
    });

    it('never interprets the output as markup', () => {
        const out = renderAnsi('\x1b[33m<img src=x onerror=alert(1)>\x1b[0m<b>bold?</b>');
        expect(out.querySelector('img, b')).toBeNull();
        expect(out.textContent).toBe('<img src=x onerror=alert(1)><b>bold?</b>');
    });

    it('drops cursor moves, window titles and stray control characters', () => {
        const out = renderAnsi('\x1b]0;evil title\x07\x1b[2K\x1b[1Aline\x07\x08 \x1b[34mblue\x1b[0m');
        expect(out.textContent).toBe('line blue');
        expect(out.querySelector('.ansi-fg-blue')?.textContent).toBe('blue');
    });

    it('puts plain output in one text node', () => {
        const out = renderAnsi('just text\nsecond line');
        expect(out.childNodes).toHaveLength(1);
        expect(out.textContent).toBe('just text\nsecond line');
    });
});
