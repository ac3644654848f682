/**
 * Syntax highlighting with highlight.js core and a fixed set of common languages (a smaller bundle
 * than the full build, and no language is loaded at run time: the CSP allows no other script).
 * Its output is HTML, so it goes through the same sanitizer as markdown before it reaches the DOM;
 * the colours come from the theme's variables in webview.css.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { sanitizeToFragment } from './sanitize';

const LANGUAGES = {
    bash,
    c,
    cpp,
    csharp,
    css,
    diff,
    dockerfile,
    go,
    ini,
    java,
    javascript,
    json,
    kotlin,
    makefile,
    markdown,
    php,
    plaintext,
    python,
    ruby,
    rust,
    shell,
    sql,
    swift,
    typescript,
    xml,
    yaml,
};
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
hljs.configure({ classPrefix: 'hljs-' });

/** Above this many characters code is shown plain: highlighting it would stall the frame. */
export const HIGHLIGHT_LIMIT = 100_000;

const EXTENSIONS: Record<string, string> = {
    tsx: 'typescript',
    jsx: 'javascript',
    mjs: 'javascript',
    cjs: 'javascript',
    mts: 'typescript',
    cts: 'typescript',
    pyi: 'python',
    toml: 'ini',
    cfg: 'ini',
    h: 'c',
    hpp: 'cpp',
    cc: 'cpp',
    htm: 'xml',
    html: 'xml',
    svg: 'xml',
    vue: 'xml',
    zsh: 'bash',
    jsonl: 'json',
    lock: 'json',
    kt: 'kotlin',
    mk: 'makefile',
};

/** The language of a file name (by extension or name), when one of ours knows it. */
export function languageOfPath(path: string): string | undefined {
    const base = path.split(/[\\/]/).pop() ?? '';
    if (/^dockerfile/i.test(base)) return 'dockerfile';
    if (/^makefile$/i.test(base)) return 'makefile';
    const dot = base.lastIndexOf('.');
    if (dot < 0) return undefined;
    return knownLanguage(base.slice(dot + 1).toLowerCase());
}

/** A name or alias highlight.js knows (`py`, `ts`, `sh`…), else undefined. */
export function knownLanguage(name: string | undefined): string | undefined {
    if (!name) return undefined;
    const n = name.toLowerCase();
    const mapped = EXTENSIONS[n] ?? n;
    return hljs.getLanguage(mapped) ? mapped : undefined;
}

/** Highlighted HTML (hljs escapes the text itself; callers still sanitize before inserting). */
export function highlightHtml(code: string, language: string | undefined): string | undefined {
    const lang = knownLanguage(language);
    if (!lang || code.length > HIGHLIGHT_LIMIT) return undefined;
    try {
        return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    } catch {
        return undefined;
    }
}

/** A `<code>` holding the text, highlighted when its language is known and it is not too long. */
export function highlightedCode(code: string, language: string | undefined): HTMLElement {
    const el = document.createElement('code');
    const html = highlightHtml(code, language);
    if (html === undefined) {
        el.textContent = code;
    } else {
        el.className = `hljs language-${knownLanguage(language) ?? ''}`;
        el.append(sanitizeToFragment(html));
    }
    return el;
}
