/**
 * The tree under a message: its content blocks, tool calls with their results nested under them,
 * and subagent transcripts nested under the Task/Agent call that started them. Built from a
 * `messages/get` answer (`MessageDetail`); pure data, rendered by src/webview/render (text as
 * text, markdown and code through the sanitizer).
 */
import type { MessageDetail, MessageSummary } from '../../protocol';

export type NodeKind =
    | 'message' // a (subagent) message row; expanding fetches its detail
    | 'text'
    | 'thinking'
    | 'tool' // a tool_use; children: its input, its results, the subagent it started
    | 'input'
    | 'result'
    | 'agent' // a subagent transcript, paged
    | 'image'
    | 'json'
    | 'raw' // the raw transcript line
    | 'loading'
    | 'more'
    | 'error';

export interface FileLink {
    path: string;
    line?: number;
}

export interface ToolInfo {
    name: string;
    id: string;
    /** uuid of the assistant message holding the tool_use (what `showDiff` asks about). */
    messageUuid: string;
    file?: FileLink;
    /** An Edit/MultiEdit/Write: VS Code's diff editor can show old vs new. */
    diff: boolean;
}

/** What a tool's renderer gets: the call's input and, on a result, the result as the transcript holds it. */
export interface ToolView {
    name: string;
    input: unknown;
    /** A result's `content` (a string or blocks, ANSI codes kept). */
    content?: unknown;
    /** The line's `toolUseResult` (structured: patches, answers, file lists…). */
    toolUseResult?: unknown;
}

/** A base64 image block, checked: a raster type we show and base64 text only. */
export interface ImageData {
    mediaType: string;
    data: string;
}

export interface AgentState {
    agentId: string;
    cursor: string | null;
    hasMore: boolean;
    loaded: boolean;
    total?: number;
}

export interface TreeNode {
    id: string;
    kind: NodeKind;
    label: string;
    detail?: string;
    body?: string;
    expandable: boolean;
    expanded: boolean;
    /** undefined: not fetched yet (a message's detail, an agent's messages). */
    children?: TreeNode[];
    isError?: boolean;
    loading?: boolean;
    error?: string;
    tool?: ToolInfo;
    message?: MessageSummary;
    agent?: AgentState;
    /** A text block of a user or assistant message: rendered as markdown. */
    markdown?: boolean;
    /** The text of a thinking block (shown muted). */
    thought?: boolean;
    /** On a tool's input and result rows: what its renderer needs. */
    toolView?: ToolView;
    image?: ImageData;
}

export interface FlatRow {
    node: TreeNode;
    depth: number;
}

/** Tools whose input names a file (FORMAT.md §5-7); Grep/Glob name a folder or file via `path`. */
const FILE_KEYS = ['file_path', 'notebook_path', 'path'] as const;
const DIFF_TOOLS = new Set(['Edit', 'MultiEdit', 'Write']);
const AGENT_TOOLS = new Set(['Task', 'Agent']);
const BODY_LIMIT = 200_000;

export function rowKey(m: Pick<MessageSummary, 'file' | 'line'>): string {
    return `${m.file}:${m.line}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
    return typeof v === 'string' ? v : undefined;
}

// Terminal colour and cursor codes (CSI and OSC sequences) in tool output: shown as text they are noise.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
    return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

function clip(raw: string, limit = BODY_LIMIT): string {
    const text = stripAnsi(raw);
    return text.length > limit ? `${text.slice(0, limit)}\n… (${text.length - limit} more characters)` : text;
}

export function oneLine(text: string, limit = 200): string {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

export function pretty(value: unknown): string {
    try {
        return clip(JSON.stringify(value, null, 2) ?? String(value));
    } catch {
        return String(value);
    }
}

/** A tool_result's content (a string, or text/image/tool_reference blocks) as plain text. */
export function resultText(content: unknown): string {
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
        return content
            .map((part) => {
                if (!isRecord(part)) return String(part);
                if (part.type === 'text') return str(part.text) ?? '';
                if (part.type === 'image') {
                    const source = isRecord(part.source) ? part.source : {};
                    return `[image ${str(source.media_type) ?? ''}]`;
                }
                if (part.type === 'tool_reference') return `[tool ${str(part.tool_name) ?? ''}]`;
                return pretty(part);
            })
            .join('\n');
    }
    return content === undefined || content === null ? '' : pretty(content);
}

/** The file a tool call touches, when its input names one. */
export function fileOf(name: string, input: unknown): FileLink | undefined {
    if (!isRecord(input)) return undefined;
    for (const key of FILE_KEYS) {
        const path = str(input[key]);
        if (path && path.length < 4096) {
            const link: FileLink = { path };
            if (name === 'Read' && typeof input.offset === 'number' && input.offset > 0) link.line = input.offset;
            return link;
        }
    }
    return undefined;
}

/** One line saying what a tool call does. */
export function describeInput(name: string, input: unknown): string {
    if (!isRecord(input)) return '';
    const file = fileOf(name, input);
    const parts: string[] = [];
    if (typeof input.command === 'string') parts.push(input.command);
    if (typeof input.pattern === 'string') parts.push(input.pattern);
    if (file) parts.push(file.line ? `${file.path}:${file.line}` : file.path);
    if (typeof input.description === 'string' && !parts.length) parts.push(input.description);
    if (typeof input.url === 'string') parts.push(input.url);
    if (typeof input.query === 'string') parts.push(input.query);
    if (typeof input.prompt === 'string' && !parts.length) parts.push(input.prompt);
    if (Array.isArray(input.questions) && !parts.length) {
        const first: unknown = input.questions[0];
        if (isRecord(first) && typeof first.question === 'string') parts.push(first.question);
    }
    if (Array.isArray(input.todos) && !parts.length) parts.push(`${input.todos.length} to-dos`);
    if (!parts.length) {
        try {
            parts.push(JSON.stringify(input));
        } catch {
            /* unserialisable input: no description */
        }
    }
    return oneLine(parts.join('  '));
}

/** The edited line, from the structured patch an Edit/Write result carries. */
function patchLine(result: MessageDetail | undefined): number | undefined {
    const tur = result && isRecord(result.entry) ? result.entry.toolUseResult : undefined;
    if (!isRecord(tur) || !Array.isArray(tur.structuredPatch)) return undefined;
    const first = tur.structuredPatch[0];
    if (isRecord(first) && typeof first.newStart === 'number' && first.newStart > 0) return first.newStart;
    return undefined;
}

function agentIdOf(result: MessageDetail): string | undefined {
    if (result.spawnedAgentId) return result.spawnedAgentId;
    const tur = isRecord(result.entry) ? result.entry.toolUseResult : undefined;
    return isRecord(tur) ? str(tur.agentId) : undefined;
}

export function agentNode(parentId: string, agentId: string, label?: string): TreeNode {
    return {
        id: `${parentId}/agent:${agentId}`,
        kind: 'agent',
        label: label ?? `Subagent ${agentId}`,
        expandable: true,
        expanded: false,
        agent: { agentId, cursor: null, hasMore: false, loaded: false },
    };
}

export function messageNode(parentId: string, m: MessageSummary): TreeNode {
    return {
        id: `${parentId}/${rowKey(m)}`,
        kind: 'message',
        label: m.preview,
        expandable: true,
        expanded: false,
        isError: m.isError,
        message: m,
    };
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** About 15 MB of image: larger ones are named, not shown. */
const IMAGE_LIMIT = 20_000_000;

/** The image of an `image` block, when it is base64 of a raster type (never a URL: no remote loads). */
export function imageOf(block: unknown): ImageData | undefined {
    if (!isRecord(block) || block.type !== 'image' || !isRecord(block.source)) return undefined;
    const { type, media_type: mediaType, data } = block.source;
    if (type !== 'base64' || typeof mediaType !== 'string' || typeof data !== 'string') return undefined;
    if (!IMAGE_TYPES.has(mediaType) || data.length > IMAGE_LIMIT || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined;
    return { mediaType, data };
}

function imageNode(id: string, block: unknown): TreeNode {
    const source = isRecord(block) && isRecord(block.source) ? block.source : {};
    const node: TreeNode = { id, kind: 'image', label: `[image ${str(source.media_type) ?? ''}]`, expandable: false, expanded: false };
    const image = imageOf(block);
    if (image) node.image = image;
    return node;
}

/** The images inside a tool_result's content blocks (screenshots a tool returned). */
function resultImages(content: unknown, parentId: string): TreeNode[] {
    if (!Array.isArray(content)) return [];
    return content.flatMap((part, k) => (isRecord(part) && part.type === 'image' ? [imageNode(`${parentId}/img${k}`, part)] : []));
}

function resultNodes(toolId: string, results: MessageDetail[], toolName: string, parentId: string, input: unknown): TreeNode[] {
    const out: TreeNode[] = [];
    let j = 0;
    for (const result of results) {
        const blocks = Array.isArray(result.content) ? result.content : [];
        const matching = blocks.filter((b) => isRecord(b) && b.type === 'tool_result' && b.tool_use_id === toolId);
        for (const block of matching as Record<string, unknown>[]) {
            const text = resultText(block.content);
            const id = `${parentId}/r${j++}`;
            const toolView: ToolView = { name: toolName, input, content: block.content };
            if (isRecord(result.entry) && result.entry.toolUseResult !== undefined) toolView.toolUseResult = result.entry.toolUseResult;
            out.push({
                id,
                kind: 'result',
                label: block.is_error === true ? 'Error' : 'Result',
                body: clip(text),
                expandable: false,
                expanded: false,
                isError: block.is_error === true || result.isError,
                toolView,
            });
            out.push(...resultImages(block.content, id));
        }
        const agentId = agentIdOf(result);
        if (agentId && (AGENT_TOOLS.has(toolName) || result.spawnedAgentId)) {
            out.push(agentNode(parentId, agentId));
        }
    }
    return out;
}

/** The children of a message, from its detail. */
export function detailChildren(detail: MessageDetail, parentId: string): TreeNode[] {
    const out: TreeNode[] = [];
    const blocks = Array.isArray(detail.content) ? detail.content : [];
    blocks.forEach((block, i) => {
        const id = `${parentId}/b${i}`;
        if (!isRecord(block)) {
            out.push({ id, kind: 'text', label: '', body: clip(String(block)), expandable: false, expanded: false });
            return;
        }
        switch (block.type) {
            case 'text': {
                const node: TreeNode = { id, kind: 'text', label: '', body: clip(str(block.text) ?? ''), expandable: false, expanded: false };
                if (detail.kind === 'user' || detail.kind === 'assistant') node.markdown = true;
                out.push(node);
                return;
            }
            case 'thinking':
            case 'redacted_thinking': {
                // Collapsed under its label; newer transcripts keep only the signature of the thought.
                const thought = str(block.thinking) ?? '';
                if (!thought.trim()) {
                    out.push({ id, kind: 'thinking', label: 'Thinking', detail: 'omitted: the transcript holds only its signature', expandable: false, expanded: false });
                    return;
                }
                out.push({
                    id,
                    kind: 'thinking',
                    label: 'Thinking',
                    detail: oneLine(thought, 120),
                    expandable: true,
                    expanded: false,
                    children: [{ id: `${id}/text`, kind: 'text', label: '', body: clip(thought), expandable: false, expanded: false, markdown: true, thought: true }],
                });
                return;
            }
            case 'tool_use': {
                const name = str(block.name) ?? 'tool';
                const toolId = str(block.id) ?? `${i}`;
                const mine = detail.toolResults.filter((r) => r.toolUseIds.includes(toolId) || r.toolUseIds.length === 0);
                const file = fileOf(name, block.input);
                const edited = DIFF_TOOLS.has(name) ? patchLine(mine[0]) : undefined;
                if (file && edited && !file.line) file.line = edited;
                const tool: ToolInfo = { name, id: toolId, messageUuid: detail.uuid, diff: DIFF_TOOLS.has(name) };
                if (file) tool.file = file;
                const children: TreeNode[] = [
                    {
                        id: `${id}/in`,
                        kind: 'input',
                        label: 'Input',
                        body: pretty(block.input),
                        expandable: false,
                        expanded: false,
                        toolView: { name, input: block.input },
                    },
                    ...resultNodes(toolId, mine, name, id, block.input),
                ];
                const hasResult = children.some((c) => c.kind === 'result');
                out.push({
                    id,
                    kind: 'tool',
                    label: name,
                    detail: describeInput(name, block.input),
                    expandable: true,
                    expanded: false,
                    children,
                    isError: children.some((c) => c.kind === 'result' && c.isError),
                    tool,
                    ...(hasResult ? {} : { error: 'no result' }),
                });
                return;
            }
            case 'tool_result': {
                const text = resultText(block.content);
                out.push({
                    id,
                    kind: 'result',
                    label: block.is_error === true ? 'Error' : 'Result',
                    body: clip(text),
                    expandable: false,
                    expanded: false,
                    isError: block.is_error === true,
                });
                out.push(...resultImages(block.content, id));
                return;
            }
            case 'image':
                out.push(imageNode(id, block));
                return;
            default:
                out.push({
                    id,
                    kind: 'json',
                    label: str(block.type) ?? 'block',
                    body: pretty(block),
                    expandable: false,
                    expanded: false,
                });
        }
    });
    // A tool_result row (shown when that kind is listed) links to the subagent it spawned.
    if (detail.kind === 'tool_result' && detail.spawnedAgentId) {
        out.push(agentNode(parentId, detail.spawnedAgentId));
    }
    out.push({
        id: `${parentId}/raw`,
        kind: 'raw',
        label: `Raw line ${detail.file}:${detail.line}`,
        expandable: true,
        expanded: false,
        children: [
            { id: `${parentId}/raw/json`, kind: 'json', label: '', body: pretty(detail.entry), expandable: false, expanded: false },
        ],
    });
    return out;
}

/** Visible descendants of `node` (not the node itself), depth-first, with placeholder rows. */
export function flatten(node: TreeNode, depth = 1, out: FlatRow[] = []): FlatRow[] {
    if (!node.expanded) return out;
    if (node.error && node.children === undefined) {
        out.push({ node: { id: `${node.id}/error`, kind: 'error', label: node.error, expandable: false, expanded: false }, depth });
        return out;
    }
    if (node.children === undefined) {
        out.push({ node: { id: `${node.id}/loading`, kind: 'loading', label: '', expandable: false, expanded: false }, depth });
        return out;
    }
    for (const child of node.children) {
        out.push({ node: child, depth });
        flatten(child, depth + 1, out);
    }
    if (node.kind === 'agent' && node.agent?.hasMore) {
        out.push({
            node: { id: `${node.id}/more`, kind: 'more', label: 'More messages…', expandable: false, expanded: false, loading: node.loading ?? false },
            depth,
        });
    }
    return out;
}

/** Find a node by id under `root` (including root). */
export function findNode(root: TreeNode, id: string): TreeNode | undefined {
    if (root.id === id) return root;
    if (!id.startsWith(root.id)) return undefined;
    for (const child of root.children ?? []) {
        const hit = findNode(child, id);
        if (hit) return hit;
    }
    return undefined;
}

/** Find the parent of the node with this id. */
export function findParent(root: TreeNode, id: string): TreeNode | undefined {
    for (const child of root.children ?? []) {
        if (child.id === id) return root;
        if (id.startsWith(child.id)) {
            const hit = findParent(child, id);
            if (hit) return hit;
        }
    }
    return undefined;
}
