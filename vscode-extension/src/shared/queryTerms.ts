/**
 * What a search query asks to find, for highlighting it: the same reading of the query as the
 * server's (searchquery.py `parse`) and the same words as its index (tantivy's simple tokenizer:
 * runs of letters and digits, lower-cased per character, words over 100 UTF-8 bytes not indexed).
 * A highlight that used other rules would mark text the search did not match, or miss what it did.
 *
 * Excluded clauses (`-word`), filters (`tool:Bash`, `kind:user`, `after:…`) and the bare word
 * `errors` select messages but name no text: they are not highlighted. Pure: no DOM.
 */

/** One thing to mark: a word, a phrase (several words in a row), the last one a prefix when `prefix`. */
export interface Term {
    words: string[];
    prefix: boolean;
}

export interface TextRange {
    start: number;
    end: number;
}

export interface Token extends TextRange {
    /** Lower-cased; '' for a word too long to be indexed (it never matches). */
    text: string;
}

const FILTERS = new Set(['tool', 'kind', 'project', 'session', 'model', 'after', 'before']);
const NEGATABLE = new Set(['tool', 'kind', 'project', 'session', 'model']);
/** textindex.py LONGEST_WORD: longer words are left out of the index. */
export const LONGEST_WORD = 100;
const WORD = /[\p{Alphabetic}\p{N}]+/gu;
/** Python's str.isspace (what the server splits the query on), not JavaScript's \s. */
const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const encoder = new TextEncoder();

/** tantivy's LowerCaser: each character on its own (no final-sigma rule). */
function lower(word: string): string {
    let ascii = true;
    for (let i = 0; i < word.length; i++) {
        if (word.charCodeAt(i) > 0x7f) {
            ascii = false;
            break;
        }
    }
    if (ascii) return word.toLowerCase();
    let out = '';
    for (const c of word) out += c.toLowerCase();
    return out;
}

/** The index's words of `text`, with where each one is. */
export function tokenize(text: string): Token[] {
    const out: Token[] = [];
    for (const m of text.matchAll(WORD)) {
        const start = m.index;
        const word = m[0];
        const long = word.length > LONGEST_WORD / 4 && encoder.encode(word).length > LONGEST_WORD;
        out.push({ start, end: start + word.length, text: long ? '' : lower(word) });
    }
    return out;
}

function words(text: string): string[] {
    return tokenize(text).map((t) => t.text);
}

/** searchquery.py `_words`: whitespace-separated pieces, double-quoted runs kept whole. */
function pieces(text: string): { piece: string; quoted: boolean }[] {
    const out: { piece: string; quoted: boolean }[] = [];
    let i = 0;
    const n = text.length;
    while (i < n) {
        if (SPACE.test(text[i]!)) {
            i++;
            continue;
        }
        const start = i;
        let quoted = false;
        while (i < n && !SPACE.test(text[i]!)) {
            if (text[i] === '"') {
                quoted = true;
                const close = text.indexOf('"', i + 1);
                i = close < 0 ? n : close + 1;
            } else {
                i++;
            }
        }
        out.push({ piece: text.slice(start, i), quoted });
    }
    return out;
}

function unquote(value: string): string {
    if (value.startsWith('"')) {
        value = value.slice(1);
        if (value.endsWith('"')) value = value.slice(0, -1);
    }
    return value;
}

/** The terms a query highlights, in the order typed (duplicates dropped). */
export function queryTerms(query: string): Term[] {
    const out: Term[] = [];
    const seen = new Set<string>();
    const add = (text: string, prefix: boolean): void => {
        const w = words(text);
        // No word (punctuation only) or a word too long to be indexed: the server matches nothing.
        if (!w.length || w.includes('')) return;
        const key = `${prefix ? '*' : ''}${w.join(' ')}`;
        if (seen.has(key)) return;
        seen.add(key);
        out.push({ words: w, prefix });
    };
    for (const { piece, quoted } of pieces(query)) {
        let negated = false;
        let body = piece;
        if (body.startsWith('-') && body.length > 1) {
            negated = true;
            body = body.slice(1);
        }
        const colon = body.indexOf(':');
        if (colon >= 0) {
            const name = body.slice(0, colon);
            const field = name.toLowerCase();
            if (FILTERS.has(field) && (NEGATABLE.has(field) || !negated) && !name.startsWith('"') && unquote(body.slice(colon + 1))) continue;
        }
        if (body === 'errors') continue;
        if (negated) continue;
        if (body.startsWith('"') && body.endsWith('"*')) add(unquote(body.slice(0, -1)), true);
        else if (body.startsWith('"')) add(unquote(body), false);
        else if (body.endsWith('*') && !quoted) add(body.replace(/\*+$/, ''), true);
        else add(body.replaceAll('"', ' '), false);
    }
    return out;
}

function matchesAt(tokens: readonly Token[], i: number, term: Term): boolean {
    const n = term.words.length;
    if (i + n > tokens.length) return false;
    for (let k = 0; k < n; k++) {
        const t = tokens[i + k]!.text;
        const w = term.words[k]!;
        if (!t) return false;
        if (term.prefix && k === n - 1 ? !t.startsWith(w) : t !== w) return false;
    }
    return true;
}

/**
 * Where `terms` occur in `text`: a word where a token is that word (or starts with it, for a
 * prefix), a phrase from its first word's start to its last word's end. Sorted, overlaps merged;
 * at most `limit` ranges.
 */
export function findMatches(text: string, terms: readonly Term[], limit = Number.POSITIVE_INFINITY): TextRange[] {
    if (!terms.length || !text) return [];
    const tokens = tokenize(text);
    const out: TextRange[] = [];
    for (let i = 0; i < tokens.length && out.length < limit; i++) {
        let end = -1;
        for (const term of terms) {
            if (matchesAt(tokens, i, term)) end = Math.max(end, tokens[i + term.words.length - 1]!.end);
        }
        if (end < 0) continue;
        const start = tokens[i]!.start;
        const last = out[out.length - 1];
        if (last && start <= last.end) last.end = Math.max(last.end, end);
        else out.push({ start, end });
    }
    return out;
}
