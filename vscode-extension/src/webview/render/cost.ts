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
    if (c.complete) return { text: dollars(c.costUsd), title: [...lines, source].join('\n') };
    return {
        text: `${dollars(c.costUsd)} + unpriced`,
        title: [`No price for ${c.unpricedModels.join(', ')}: their tokens are not in the total.`, ...lines, source].join('\n'),
    };
}
