/**
 * The renderer of each tool's input and result, by tool name; MCP tools (`mcp__server__tool`) are
 * named by server and tool. A tool without a renderer (or an input its renderer does not
 * understand) keeps today's view: pretty JSON for the input, plain text for the result.
 */
import type { ToolView } from '../../state/tree';
import { ASK_USER_QUESTION } from './ask';
import { BASH } from './bash';
import { EDIT, MULTI_EDIT } from './edit';
import { READ, WRITE } from './files';
import { GLOB, GREP } from './search';
import { TASK } from './task';
import { TODO_WRITE } from './todo';
import type { Rendered, ToolRenderer } from './types';
import { WEB_FETCH, WEB_SEARCH } from './web';

export type { Rendered, ToolRenderer } from './types';

export const TOOL_RENDERERS: Readonly<Record<string, ToolRenderer>> = {
    Edit: EDIT,
    MultiEdit: MULTI_EDIT,
    Write: WRITE,
    Read: READ,
    Bash: BASH,
    Grep: GREP,
    Glob: GLOB,
    TodoWrite: TODO_WRITE,
    WebFetch: WEB_FETCH,
    WebSearch: WEB_SEARCH,
    AskUserQuestion: ASK_USER_QUESTION,
    Task: TASK,
    Agent: TASK,
};

/** `mcp__github__create_issue` → { server: 'github', tool: 'create_issue' }. */
export function mcpName(name: string): { server: string; tool: string } | undefined {
    const m = /^mcp__(.+?)__(.+)$/.exec(name);
    return m ? { server: m[1] ?? '', tool: m[2] ?? '' } : undefined;
}

function safely(f: () => Rendered | undefined): Rendered | undefined {
    try {
        return f();
    } catch {
        return undefined; // a shape the renderer did not expect: the fallback shows it
    }
}

export function renderToolInput(view: ToolView): Rendered | undefined {
    const r = Object.hasOwn(TOOL_RENDERERS, view.name) ? TOOL_RENDERERS[view.name] : undefined;
    return r?.input ? safely(() => r.input?.(view)) : undefined;
}

export function renderToolResult(view: ToolView, text: string): Rendered | undefined {
    const r = Object.hasOwn(TOOL_RENDERERS, view.name) ? TOOL_RENDERERS[view.name] : undefined;
    return r?.result ? safely(() => r.result?.(view, text)) : undefined;
}
