/** The header's cost badge: dollars of the priced models, and which models have no price. */
import type { SessionCost } from '../../protocol';

export function dollars(n: number): string {
    if (n > 0 && n < 0.01) return '<$0.01';
    return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Text and tooltip, or undefined when there is nothing to show (no model of the session is priced). */
export function costLabel(c: SessionCost): { text: string; title: string } | undefined {
    const priced = c.byModel.filter((m) => m.costUsd !== null);
    if (!priced.length) return undefined;
    const lines = c.byModel.map((m) => `${m.model}: ${m.costUsd === null ? 'no price' : dollars(m.costUsd)} (${m.apiCalls} calls)`);
    const mine = c.overriddenModels?.length ? [`Your prices for ${c.overriddenModels.join(', ')} (claudeCodeTracer.prices).`] : [];
    const source = [...mine, `Prices of ${c.pricesAsOf}, ${c.pricesSource}`].join('\n');
    // The session's own cost and its subagents' share of the total.
    const sub = c.subagentCostUsd ?? 0;
    const split = sub > 0 ? [`This session ${dollars(c.costUsd - sub)} + its subagents ${dollars(sub)} = ${dollars(c.costUsd)}`] : [];
    if (c.complete) return { text: dollars(c.costUsd), title: [...split, ...lines, source].join('\n') };
    return {
        text: `${dollars(c.costUsd)} + unpriced`,
        title: [`No price for ${c.unpricedModels.join(', ')}: their tokens are not in the total.`, ...split, ...lines, source].join('\n'),
    };
}

/** The sessions tree tooltip's cost: dollars, or why there are none (undefined: not computed). */
export function costLine(c: SessionCost | undefined): string {
    if (!c) return 'not computed yet (open the session)';
    const label = costLabel(c);
    const missing = c.unpricedModels.length ? `no price for ${c.unpricedModels.join(', ')}` : '';
    if (!label) return missing;
    const mine = c.overriddenModels?.length ? `your prices for ${c.overriddenModels.join(', ')}` : '';
    const sub = c.subagentCostUsd ?? 0;
    const split = sub > 0 ? `subagents ${dollars(sub)} of it` : '';
    const notes = [split, missing, mine].filter(Boolean).join('; ');
    return notes ? `${dollars(c.costUsd)} (${notes})` : label.text;
}
