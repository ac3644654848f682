/**
 * Terminal output with its colours: SGR sequences parsed (ansi-sequence-parser) into spans whose
 * text goes in with textContent, so escape codes are never interpreted as markup. Named colours use
 * the theme's terminal palette (`--vscode-terminal-ansi*`, via classes); 256-colour and RGB codes
 * are set through the CSSOM, which the CSP permits. Other sequences (cursor moves, titles) are
 * dropped.
 */
import { parseAnsiSequences, type Color, type ParseToken } from 'ansi-sequence-parser';

// Everything that is not an SGR (`ESC [ … m`): CSI with another final byte, OSC, two-byte escapes.
// eslint-disable-next-line no-control-regex
const NON_SGR = /\x1b(?:\[[0-?]*[ -/]*[@-ln-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const OTHER_CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

/** The 16 base colours, then the 6x6x6 cube and the grey ramp of xterm's 256-colour table. */
function tableColor(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 16 || index > 255) return undefined;
    if (index >= 232) {
        const v = 8 + (index - 232) * 10;
        return `rgb(${v}, ${v}, ${v})`;
    }
    const i = index - 16;
    const step = (n: number): number => (n === 0 ? 0 : 55 + n * 40);
    return `rgb(${step(Math.floor(i / 36))}, ${step(Math.floor(i / 6) % 6)}, ${step(i % 6)})`;
}

const NAMED_BY_INDEX = [
    'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
    'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite',
] as const;

/** A class for a named colour (`ansi-fg-brightRed`) or a CSS colour value for the others. */
function colour(c: Color | null): { name?: string; css?: string } {
    if (!c) return {};
    if (c.type === 'named') return { name: c.name };
    if (c.type === 'table') {
        if (c.index >= 0 && c.index < 16) return { name: NAMED_BY_INDEX[c.index] };
        const css = tableColor(c.index);
        return css ? { css } : {};
    }
    const [r, g, b] = c.rgb.map((v) => Math.max(0, Math.min(255, Math.round(Number(v) || 0))));
    return { css: `rgb(${r}, ${g}, ${b})` };
}

export function ansiTokens(text: string): ParseToken[] {
    const clean = text.includes('\x1b') ? text.replace(NON_SGR, '') : text;
    return parseAnsiSequences(clean.replace(OTHER_CONTROLS, ''));
}

/** A `<code>` of spans: the text with its colours and decorations. */
export function renderAnsi(text: string): HTMLElement {
    const out = document.createElement('code');
    out.className = 'ansi';
    if (!text.includes('\x1b')) {
        out.textContent = text.replace(OTHER_CONTROLS, '');
        return out;
    }
    for (const t of ansiTokens(text)) {
        if (!t.value) continue;
        const fg = colour(t.foreground);
        const bg = colour(t.background);
        if (!fg.name && !fg.css && !bg.name && !bg.css && t.decorations.size === 0) {
            out.append(document.createTextNode(t.value));
            continue;
        }
        const span = document.createElement('span');
        span.textContent = t.value;
        if (fg.name) span.classList.add(`ansi-fg-${fg.name}`);
        if (fg.css) span.style.color = fg.css;
        if (bg.name) span.classList.add(`ansi-bg-${bg.name}`);
        if (bg.css) span.style.backgroundColor = bg.css;
        for (const d of t.decorations) span.classList.add(`ansi-${d}`);
        out.append(span);
    }
    return out;
}
