import { describe, expect, it } from 'vitest';
import type { ModelCost, SessionCost } from '../../src/protocol';
import { costLabel, costLine, dollars } from '../../src/webview/render/cost';

const tokens = { input: 1, output: 2, cacheRead: 3, cacheCreation: 4 };
const model = (name: string, costUsd: number | null): ModelCost => ({ model: name, apiCalls: 3, tokens, cacheWriteOneHour: 0, costUsd });
const cost = (byModel: ModelCost[]): SessionCost => {
    const unpriced = byModel.filter((m) => m.costUsd === null).map((m) => m.model);
    return {
        sessionId: 's',
        costUsd: byModel.reduce((a, m) => a + (m.costUsd ?? 0), 0),
        subagentCostUsd: 0,
        complete: unpriced.length === 0,
        unpricedModels: unpriced,
        byModel,
        pricesAsOf: '2025-11-24',
        pricesSource: 'https://docs.claude.com/en/docs/about-claude/pricing',
        overriddenModels: [],
        responseCosts: {},
    };
};

describe('the cost in the session header', () => {
    it("splits the session's own cost from its subagents' share, in the header's tooltip and the tree's", () => {
        const c = { ...cost([model('claude-opus-4-6', 3.5)]), subagentCostUsd: 1.25 };
        expect(costLabel(c)?.text).toBe('$3.50');
        expect(costLabel(c)?.title.split('\n')[0]).toBe('This session $2.25 + its subagents $1.25 = $3.50');
        expect(costLine(c)).toBe('$3.50 (subagents $1.25 of it)');
        expect(costLabel(cost([model('claude-opus-4-6', 3.5)]))?.title).not.toContain('subagents');
    });

    it('shows dollars with two decimals, and tiny amounts as under a cent', () => {
        expect(dollars(12.345)).toBe('$12.35');
        expect(dollars(1234.5)).toBe('$1,234.50');
        expect(dollars(0.004)).toBe('<$0.01');
        expect(dollars(0)).toBe('$0.00');
    });

    it('shows the total of a fully priced session with the source of its prices', () => {
        const label = costLabel(cost([model('claude-sonnet-4-5', 1.5), model('claude-haiku-4-5', 0.25)]));
        expect(label?.text).toBe('$1.75');
        expect(label?.title).toContain('claude-haiku-4-5: $0.25 (3 calls)');
        expect(label?.title).toContain('Prices of 2025-11-24, https://docs.claude.com/en/docs/about-claude/pricing');
    });

    it("names the models priced from the user's own prices", () => {
        const label = costLabel({ ...cost([model('claude-opus-4-6', 2)]), overriddenModels: ['claude-opus-4-6'] });
        expect(label?.text).toBe('$2.00');
        expect(label?.title).toContain('Your prices for claude-opus-4-6 (claudeCodeTracer.prices).');
        expect(costLabel(cost([model('claude-opus-4-6', 2)]))?.title).not.toContain('Your prices');
    });

    it('says when some models have no price, and never prices them', () => {
        const label = costLabel(cost([model('claude-opus-4-6', null), model('claude-sonnet-4-5', 0.45)]));
        expect(label?.text).toBe('$0.45 + unpriced');
        expect(label?.title).toContain('No price for claude-opus-4-6');
        expect(label?.title).toContain('claude-opus-4-6: no price');
    });

    it('shows nothing when no model of the session is priced', () => {
        expect(costLabel(cost([model('claude-opus-4-6', null)]))).toBeUndefined();
    });
});

describe("the cost in a sessions tree item's tooltip", () => {
    it('gives the dollars, names unpriced models and the user\'s own prices', () => {
        expect(costLine(cost([model('claude-sonnet-4-5', 1.5)]))).toBe('$1.50');
        expect(costLine(cost([model('claude-fable-5-1', null), model('claude-sonnet-4-5', 0.45)]))).toBe('$0.45 (no price for claude-fable-5-1)');
        expect(costLine({ ...cost([model('claude-opus-4-6', 2)]), overriddenModels: ['claude-opus-4-6'] })).toBe('$2.00 (your prices for claude-opus-4-6)');
    });

    it('never shows $0.00 for a session whose models all lack a price, nor a cost it did not get', () => {
        expect(costLine(cost([model('claude-fable-5-1', null)]))).toBe('no price for claude-fable-5-1');
        expect(costLine(undefined)).toBe('not computed yet (open the session)');
    });
});
