import { describe, expect, it } from 'vitest';
import { findMatches, queryTerms, tokenize } from '../../src/shared/queryTerms';

/** The text with each match written as [..]. */
function shown(text: string, query: string): string {
    let out = '';
    let at = 0;
    for (const r of findMatches(text, queryTerms(query))) {
        out += `${text.slice(at, r.start)}[${text.slice(r.start, r.end)}]`;
        at = r.end;
    }
    return out + text.slice(at);
}

describe('queryTerms reads a query as the server does', () => {
    it('keeps words, phrases and prefixes, in the order typed', () => {
        expect(queryTerms('Token "refresh the cache" sess*')).toEqual([
            { words: ['token'], prefix: false },
            { words: ['refresh', 'the', 'cache'], prefix: false },
            { words: ['sess'], prefix: true },
        ]);
    });

    it('drops excluded words and phrases: they name text the hits do not have', () => {
        expect(queryTerms('deploy -staging -"dry run"')).toEqual([{ words: ['deploy'], prefix: false }]);
    });

    it('drops filters and the word errors, negated filters too', () => {
        expect(queryTerms('tool:Bash kind:user -tool:Read project:x after:2026-01-01 before:"2026-02-01" errors -errors npm')).toEqual([
            { words: ['npm'], prefix: false },
        ]);
    });

    it('searches a name:value that is not a filter, a quoted "errors" and an empty filter as text', () => {
        expect(queryTerms('http://x "errors" tool:')).toEqual([
            { words: ['http', 'x'], prefix: false },
            { words: ['errors'], prefix: false },
            { words: ['tool'], prefix: false },
        ]);
    });

    it('-after: is not a negatable filter: the server searches it as an excluded text clause', () => {
        expect(queryTerms('-after:2026-01-01 build')).toEqual([{ words: ['build'], prefix: false }]);
    });

    it('reads a quoted prefix phrase, an unclosed quote and a quote inside a word', () => {
        expect(queryTerms('"token refr"*')).toEqual([{ words: ['token', 'refr'], prefix: true }]);
        expect(queryTerms('"open end')).toEqual([{ words: ['open', 'end'], prefix: false }]);
        // Quoted inside: not a prefix, the quotes become spaces (searchquery.py's last branch).
        expect(queryTerms('a"b c"*')).toEqual([{ words: ['a', 'b', 'c'], prefix: false }]);
    });

    it('treats punctuation-only pieces and words too long to be indexed as nothing to mark', () => {
        expect(queryTerms('--- *** "" ' + 'x'.repeat(101))).toEqual([]);
        expect(queryTerms('x'.repeat(100))).toEqual([{ words: ['x'.repeat(100)], prefix: false }]);
    });

    it('splits on what Python calls whitespace (the file separators too), not on a BOM', () => {
        expect(queryTerms('alpha\x1cbeta').map((t) => t.words)).toEqual([['alpha'], ['beta']]);
        expect(queryTerms('alpha\ufeffbeta').map((t) => t.words)).toEqual([['alpha', 'beta']]);
    });

    it('drops a term typed twice', () => {
        expect(queryTerms('cache Cache "cache"')).toEqual([{ words: ['cache'], prefix: false }]);
    });
});

describe('tokenize splits like tantivy simple + lowercase', () => {
    it('makes words of letters and digits of any script, lower-cased per character', () => {
        expect(tokenize('Fix_the ÉCOLE-42 日本語 ΣΟΦΙΑΣ').map((t) => t.text)).toEqual(['fix', 'the', 'école', '42', '日本語', 'σοφιασ']);
    });

    it('gives offsets into the text, astral characters counted as JavaScript counts them', () => {
        const text = '😀 café 𝐀𝐁';
        expect(tokenize(text).map((t) => text.slice(t.start, t.end))).toEqual(['café', '𝐀𝐁']);
    });

    it('leaves words over 100 UTF-8 bytes unmatchable, as the index does', () => {
        const [long, short] = tokenize(`${'é'.repeat(51)} ok`);
        expect(long?.text).toBe('');
        expect(short?.text).toBe('ok');
    });
});

describe('findMatches', () => {
    it('marks whole words only, any case', () => {
        expect(shown('Cache, cached, CACHE and precache', 'cache')).toBe('[Cache], cached, [CACHE] and precache');
    });

    it('marks a prefix on the words that start with it', () => {
        expect(shown('refresh refreshed free', 'refr*')).toBe('[refresh] [refreshed] free');
    });

    it('marks a phrase from its first word to its last, punctuation between included', () => {
        expect(shown('the token-refresh; a token then refresh', '"token refresh"')).toBe('the [token-refresh]; a token then refresh');
    });

    it('marks a prefix phrase and a multi-word clause (a:b searched as a phrase)', () => {
        expect(shown('token refreshing, token rot', '"token refr"*')).toBe('[token refreshing], token rot');
        expect(shown('see http://x and http then x', 'http://x')).toBe('see [http://x] and http then x');
    });

    it('merges overlapping matches of several terms', () => {
        expect(shown('run the build now', 'build "the build"')).toBe('run [the build] now');
    });

    it('finds nothing for filters only, and stops at the limit', () => {
        expect(findMatches('tool Bash', queryTerms('tool:Bash'))).toEqual([]);
        expect(findMatches('a a a a', queryTerms('a'), 2)).toHaveLength(2);
    });
});
