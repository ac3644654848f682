import { describe, expect, it } from 'vitest';
import { displayTitle, distinctLabels, sessionTitle, tabTitle } from '../../src/names';

describe('project labels', () => {
    it('tells projects with the same folder name apart by the least of their path', () => {
        const paths = ['/home/me/work/irrlicht', '/home/me/forks/irrlicht', '/tmp/a/irrlicht', '/home/me/notes', '/srv/x/cwd', '/srv/y/cwd'];
        const labels = distinctLabels(paths);
        expect(labels).toEqual(['work/irrlicht', 'forks/irrlicht', 'a/irrlicht', 'notes', 'x/cwd', 'y/cwd']);
        expect(new Set(labels).size).toBe(paths.length);
    });

    it('goes up as far as it takes, and gives equal paths equal labels', () => {
        expect(distinctLabels(['/a/same/app', '/b/same/app', '/b/same/app'])).toEqual(['a/same/app', 'b/same/app', 'b/same/app']);
        // One path is the tail of the other: the shorter one is shown whole.
        expect(distinctLabels(['/x/app', '/y/x/app'])).toEqual(['x/app', 'y/x/app']);
        expect(distinctLabels(['C:\\\\src\\\\one\\\\app', 'C:\\\\src\\\\two\\\\app'])).toEqual(['one/app', 'two/app']);
        expect(distinctLabels(['/'])).toEqual(['/']);
    });
});

describe('session titles', () => {
    const info = { sessionId: '4d5611e5-241a', title: null, firstPrompt: 'Work on\n bead   spotter-dov', archived: false };

    it('is the title, else the first prompt on one line, else the id', () => {
        expect(sessionTitle({ ...info, title: 'Named' })).toBe('Named');
        expect(sessionTitle(info)).toBe('Work on bead spotter-dov');
        expect(sessionTitle({ ...info, firstPrompt: '  ' })).toBe('4d5611e5-241a');
        expect(displayTitle({ ...info, archived: true })).toBe('Work on bead spotter-dov (archived)');
    });

    it('is cut to about 40 characters in a tab, at a word when one is near', () => {
        const long = 'Please read the parser module and tell me why the tokens of a heredoc are lost';
        const t = tabTitle(long);
        expect(t.length).toBeLessThanOrEqual(40);
        expect(t).toBe('Please read the parser module and tell…');
        expect(tabTitle('Short title')).toBe('Short title');
        expect(tabTitle('x'.repeat(80))).toBe(`${'x'.repeat(39)}…`);
    });
});
