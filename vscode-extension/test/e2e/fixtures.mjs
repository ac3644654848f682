// Transcripts for the end-to-end test: a generated 20K-message session, the project's real
// samples, and a small hand-written session in the workspace's project with hostile text
// (<script>, <img onerror>), a Read of a workspace file, an Edit with its structured patch, a Write
// of a file the workspace still holds (code lens, hover, edits view), and room for live appends.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync, appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

export const BIG_SESSION = '11111111-2222-4333-8444-555555555555';
export const SMALL_SESSION = '22222222-3333-4444-8555-666666666666';
// Not starting with '<': a prompt that starts with a tag is taken for a command and not as the title.
export const HOSTILE_PROMPT = 'Please read app.py <script>window.__cctPwned=1</script><img src=x onerror="window.__cctPwned=2">';
export const HOSTILE_REPLY = 'Done. <img src=y onerror="window.__cctPwned=3"><b>not bold</b>';

/** Claude Code's folder name for a cwd (FORMAT.md §1.1), for short ASCII paths. */
export function encodeCwd(cwd) {
    return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

const APP_PY = [
    '"""A tiny module the transcript reads and edits."""',
    '',
    'def hello(name):',
    '    return f"hello {name}"',
    '',
    '',
    'def goodbye(name):',
    '    return f"goodbye {name}"',
    '',
].join('\n');

/** What the small session's Write put in src/greet_e2e.py (the workspace file still holds it). */
export const GREET_FILE = 'greet_e2e.py';
export const WRITE_TOOL_ID = 'toolu_write1';
const GREET_PY = ['# Greetings: written by the Claude Code session of the e2e transcript.', '', '', 'def greet(name):', '    return f"hi {name}"', ''].join('\n');
/** The workspace's file: the session's text, then a function the user added by hand (no hover there). */
const GREET_WORKSPACE = `${GREET_PY}\n\ndef farewell(name):  # the user's own\n    return f"bye {name}"\n`;

function line(obj) {
    return `${JSON.stringify(obj)}\n`;
}

export function smallSessionLines(workspace) {
    const base = {
        isSidechain: false,
        userType: 'external',
        cwd: workspace,
        sessionId: SMALL_SESSION,
        version: '2.1.39',
        gitBranch: 'main',
    };
    const file = join(workspace, 'src', 'app.py');
    const greet = join(workspace, 'src', GREET_FILE);
    const u = Array.from({ length: 8 }, () => randomUUID());
    const t = (s) => `2026-03-01T10:00:${String(s).padStart(2, '0')}.000Z`;
    const usage = { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const newText = '    return f"hello, {name}!"';
    return [
        { ...base, parentUuid: null, type: 'user', message: { role: 'user', content: HOSTILE_PROMPT }, uuid: u[0], timestamp: t(1) },
        {
            ...base,
            parentUuid: u[0],
            type: 'assistant',
            requestId: 'req_1',
            message: {
                id: 'msg_1',
                type: 'message',
                role: 'assistant',
                model: 'claude-sonnet-4-5',
                content: [{ type: 'tool_use', id: 'toolu_read1', name: 'Read', input: { file_path: file, offset: 3, limit: 2 } }],
                stop_reason: null,
                usage,
            },
            uuid: u[1],
            timestamp: t(2),
        },
        {
            ...base,
            parentUuid: u[1],
            type: 'user',
            message: {
                role: 'user',
                content: [{ type: 'tool_result', tool_use_id: 'toolu_read1', content: '     3→def hello(name):\n     4→    return f"hello {name}"' }],
            },
            toolUseResult: { type: 'text', file: { filePath: file, content: 'def hello(name):\n    return f"hello {name}"', numLines: 2, startLine: 3, totalLines: 9 } },
            sourceToolAssistantUUID: u[1],
            uuid: u[2],
            timestamp: t(3),
        },
        {
            ...base,
            parentUuid: u[2],
            type: 'assistant',
            requestId: 'req_2',
            message: {
                id: 'msg_2',
                type: 'message',
                role: 'assistant',
                model: 'claude-sonnet-4-5',
                content: [
                    {
                        type: 'tool_use',
                        id: 'toolu_edit1',
                        name: 'Edit',
                        input: { file_path: file, old_string: '    return f"hello {name}"', new_string: newText },
                    },
                ],
                stop_reason: null,
                usage,
            },
            uuid: u[3],
            timestamp: t(4),
        },
        {
            ...base,
            parentUuid: u[3],
            type: 'user',
            message: {
                role: 'user',
                content: [{ type: 'tool_result', tool_use_id: 'toolu_edit1', content: `The file ${file} has been updated.` }],
            },
            toolUseResult: {
                filePath: file,
                oldString: '    return f"hello {name}"',
                newString: newText,
                originalFile: APP_PY,
                replaceAll: false,
                userModified: false,
                structuredPatch: [{ oldStart: 3, oldLines: 2, newStart: 3, newLines: 2, lines: [' def hello(name):', '-    return f"hello {name}"', `+${newText}`] }],
            },
            sourceToolAssistantUUID: u[3],
            uuid: u[4],
            timestamp: t(5),
        },
        {
            ...base,
            parentUuid: u[4],
            type: 'assistant',
            requestId: 'req_w',
            message: {
                id: 'msg_w',
                type: 'message',
                role: 'assistant',
                model: 'claude-sonnet-4-5',
                content: [
                    { type: 'text', text: 'And a greeting module.' },
                    { type: 'tool_use', id: WRITE_TOOL_ID, name: 'Write', input: { file_path: greet, content: GREET_PY } },
                ],
                stop_reason: null,
                usage,
            },
            uuid: u[5],
            timestamp: t(6),
        },
        {
            ...base,
            parentUuid: u[5],
            type: 'user',
            message: {
                role: 'user',
                content: [{ type: 'tool_result', tool_use_id: WRITE_TOOL_ID, content: `File created successfully at: ${greet}` }],
            },
            toolUseResult: { type: 'create', filePath: greet, content: GREET_PY, structuredPatch: [] },
            sourceToolAssistantUUID: u[5],
            uuid: u[6],
            timestamp: t(7),
        },
        {
            ...base,
            parentUuid: u[6],
            type: 'assistant',
            requestId: 'req_3',
            message: {
                id: 'msg_3',
                type: 'message',
                role: 'assistant',
                model: 'claude-sonnet-4-5',
                content: [{ type: 'text', text: HOSTILE_REPLY }],
                stop_reason: 'end_turn',
                usage,
            },
            uuid: u[7],
            timestamp: t(8),
        },
    ].map(line);
}

export function appendedLine(workspace, text, parentUuid = null) {
    return line({
        parentUuid,
        isSidechain: false,
        userType: 'external',
        cwd: workspace,
        sessionId: SMALL_SESSION,
        version: '2.1.39',
        gitBranch: 'main',
        type: 'user',
        message: { role: 'user', content: text },
        uuid: randomUUID(),
        timestamp: new Date().toISOString(),
    });
}

/**
 * A Write deep in the generated session (past its first pages): the workspace gets that file with
 * that content, so a hover on it (the newest write whose text is in the file) opens the big session
 * far from its start. Returns {path, rel, uuid, toolUseId, line} or undefined.
 */
export function deepWrite(bigFile, workspace) {
    const lines = readFileSync(bigFile, 'utf8').split('\n');
    const candidates = [];
    lines.forEach((text, i) => {
        if (!text.includes('"name":"Write"')) return;
        const entry = JSON.parse(text);
        if (entry.isSidechain || entry.type !== 'assistant') return;
        for (const b of entry.message?.content ?? []) {
            const p = b?.input?.file_path;
            if (b?.type === 'tool_use' && b.name === 'Write' && typeof p === 'string' && p.startsWith(`${workspace}/`) && b.input.content?.trim()) {
                candidates.push({ path: p, content: b.input.content, uuid: entry.uuid, toolUseId: b.id, line: i + 1 });
            }
        }
    });
    const from = Math.floor(candidates.length * 0.5);
    for (const c of [...candidates.slice(from), ...candidates.slice(0, from).reverse()]) {
        if (c.line < 2000 || existsSync(c.path)) continue;
        mkdirSync(dirname(c.path), { recursive: true });
        writeFileSync(c.path, c.content);
        return { ...c, rel: relative(workspace, c.path) };
    }
    return undefined;
}

export const GALLERY_SESSION = '33333333-4444-4555-8666-777777777777';
/** The gallery's project folder (its cwd): the tree labels the project by the folder's name. */
export const GALLERY_PROJECT = 'e2e-gallery';
export const GALLERY_TITLE = 'Show me what the screenshot says';

/** A small PNG (a colour gradient), built here: the webview must show it inline. */
export function gradientPng(width = 96, height = 48) {
    const chunk = (type, data) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(data.length);
        const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        return Buffer.concat([len, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // RGB
    const rows = [];
    for (let y = 0; y < height; y++) {
        const row = Buffer.alloc(1 + width * 3);
        for (let x = 0; x < width; x++) {
            row[1 + x * 3] = Math.round((255 * x) / width);
            row[2 + x * 3] = Math.round((255 * y) / height);
            row[3 + x * 3] = 160;
        }
        rows.push(row);
    }
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    return Buffer.concat([sig, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A session that shows what the webview renders beyond text: a pasted image, thinking kept only
 * as its signature, a TodoWrite, a Bash call with coloured output, a compaction and its summary.
 */
export function gallerySessionLines(cwd) {
    const base = { isSidechain: false, userType: 'external', cwd, sessionId: GALLERY_SESSION, version: '2.1.39', gitBranch: 'main' };
    const u = Array.from({ length: 10 }, () => randomUUID());
    const t = (s) => `2026-03-02T09:00:${String(s).padStart(2, '0')}.000Z`;
    const usage = { input_tokens: 800, output_tokens: 60, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const png = gradientPng().toString('base64');
    const assistant = (i, id, content) => ({
        ...base,
        parentUuid: u[i - 1],
        type: 'assistant',
        message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, stop_reason: 'tool_use', usage },
        uuid: u[i],
        timestamp: t(i * 2),
    });
    const result = (i, toolUseId, content, toolUseResult) => ({
        ...base,
        parentUuid: u[i - 1],
        type: 'user',
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content }] },
        toolUseResult,
        uuid: u[i],
        timestamp: t(i * 2 + 1),
    });
    const todos = [
        { content: 'Read the screenshot', status: 'completed', activeForm: 'Reading the screenshot' },
        { content: 'Run the tests', status: 'in_progress', activeForm: 'Running the tests' },
        { content: 'Summarize', status: 'pending', activeForm: 'Summarizing' },
    ];
    return [
        {
            ...base,
            parentUuid: null,
            type: 'user',
            message: { role: 'user', content: [{ type: 'text', text: `${GALLERY_TITLE}?` }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] },
            uuid: u[0],
            timestamp: t(0),
        },
        assistant(1, 'msg_g1', [
            { type: 'thinking', thinking: '', signature: 'EqQBCkYIBxgCKkA0c2lnbmF0dXJlIG9ubHk=' },
            { type: 'tool_use', id: 'toolu_todo', name: 'TodoWrite', input: { todos } },
        ]),
        result(2, 'toolu_todo', 'Todos have been modified successfully.', { oldTodos: [], newTodos: todos }),
        assistant(3, 'msg_g2', [{ type: 'tool_use', id: 'toolu_bash', name: 'Bash', input: { command: 'pytest -q', description: 'Run the tests' } }]),
        result(4, 'toolu_bash', '\u001b[32m3 passed\u001b[0m, \u001b[31m1 failed\u001b[0m in 0.12s', { stdout: '', stderr: '', interrupted: false }),
        {
            ...base,
            parentUuid: null,
            logicalParentUuid: u[4],
            type: 'system',
            subtype: 'compact_boundary',
            content: 'Conversation compacted',
            isMeta: false,
            level: 'info',
            compactMetadata: { trigger: 'manual', preTokens: 48000 },
            uuid: u[5],
            timestamp: t(11),
        },
        {
            ...base,
            parentUuid: u[5],
            type: 'user',
            isCompactSummary: true,
            isVisibleInTranscriptOnly: true,
            message: { role: 'user', content: 'This session is being continued from a previous conversation that ran out of context. The screenshot showed a gradient.' },
            uuid: u[6],
            timestamp: t(12),
        },
        assistant(7, 'msg_g3', [{ type: 'text', text: '## What it says\n\nThe image is a **gradient**; the tests: `3 passed`, `1 failed`.' }]),
    ].map(line);
}

/** Two projects whose folders share their name (…/alpha/app and …/beta/app): told apart in the tree. */
export const TWIN_SESSIONS = ['55555555-6666-4777-8888-999999999999', '66666666-7777-4888-8999-aaaaaaaaaaaa'];
export const TWIN_TITLE = 'Summarise the release notes and run the checks';
/** Lines of the long answer (a markdown list): the conversation view shows every one. */
export const LONG_ANSWER_ITEMS = 120;
export const BASH_OUTPUT = 'checks: 42 passed in 3.1s';
export const FAILED_EDIT_ERROR = 'String to replace not found in file.';

/**
 * The conversation fixture: a prompt, a long markdown answer, a Bash call with its output and an
 * Edit whose result is an error. `twin` 1 is a one-prompt session in the other "app" folder.
 */
export function twinSessionLines(cwd, twin) {
    const sessionId = TWIN_SESSIONS[twin];
    const base = { isSidechain: false, userType: 'external', cwd, sessionId, version: '2.1.39', gitBranch: 'main' };
    const u = Array.from({ length: 8 }, () => randomUUID());
    const t = (s) => `2026-03-03T10:00:${String(s).padStart(2, '0')}.000Z`;
    const usage = { input_tokens: 900, output_tokens: 80, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const user = { ...base, parentUuid: null, type: 'user', message: { role: 'user', content: TWIN_TITLE }, uuid: u[0], timestamp: t(0) };
    if (twin === 1) return [line({ ...user, message: { role: 'user', content: 'Look at the other app' } })];
    const assistant = (i, id, content) => ({
        ...base,
        parentUuid: u[i - 1],
        type: 'assistant',
        message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, stop_reason: 'end_turn', usage },
        uuid: u[i],
        timestamp: t(i * 2),
    });
    const result = (i, toolUseId, content, isError) => ({
        ...base,
        parentUuid: u[i - 1],
        type: 'user',
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] },
        uuid: u[i],
        timestamp: t(i * 2 + 1),
    });
    const items = Array.from({ length: LONG_ANSWER_ITEMS }, (_, i) => `- **Change ${i + 1}**: the parser keeps heredoc token ${i + 1}`).join('\n');
    return [
        user,
        assistant(1, 'msg_t1', [{ type: 'text', text: `## Release notes\n\n${items}\n\nThat is the whole list.` }]),
        assistant(2, 'msg_t2', [{ type: 'tool_use', id: 'toolu_twin_bash', name: 'Bash', input: { command: 'make check', description: 'Run the checks' } }]),
        result(3, 'toolu_twin_bash', BASH_OUTPUT, false),
        assistant(4, 'msg_t3', [{ type: 'tool_use', id: 'toolu_twin_edit', name: 'Edit', input: { file_path: `${cwd}/NOTES.md`, old_string: 'v1', new_string: 'v2' } }]),
        result(5, 'toolu_twin_edit', `<tool_use_error>${FAILED_EDIT_ERROR}</tool_use_error>`, true),
        assistant(6, 'msg_t4', [{ type: 'text', text: 'The checks pass; the notes **could not** be edited.' }]),
    ].map(line);
}

/**
 * Lay out everything under `root`: root/workspace (the folder VS Code opens) and root/projects
 * (the transcripts). Returns the paths the test needs.
 */
export function makeFixtures(root, { python, samples, messages = 20000 }) {
    const workspace = join(root, 'workspace');
    const projects = join(root, 'projects');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'app.py'), APP_PY);
    writeFileSync(join(workspace, 'src', GREET_FILE), GREET_WORKSPACE);
    writeFileSync(join(workspace, 'README.md'), '# e2e workspace\n');
    const project = join(projects, encodeCwd(workspace));
    mkdirSync(project, { recursive: true });
    const out = execFileSync(
        python,
        ['-m', 'tests.synthetic', 'session', project, '--messages', String(messages), '--seed', '1', '--cwd', workspace, '--subagents', '3', '--session-id', BIG_SESSION],
        // The generator is test tooling beside the tests (not in the wheel): run from the repository root.
        { encoding: 'utf8', cwd: REPO_ROOT },
    );
    const big = JSON.parse(out.trim().split('\n').pop());
    big.deep = deepWrite(big.path, workspace);
    big.needles = plantNeedles(big.path);
    const smallFile = join(project, `${SMALL_SESSION}.jsonl`);
    writeFileSync(smallFile, smallSessionLines(workspace).join(''));
    if (samples && existsSync(samples)) cpSync(samples, projects, { recursive: true });
    const galleryCwd = join(root, GALLERY_PROJECT);
    mkdirSync(galleryCwd, { recursive: true });
    const gallery = join(projects, encodeCwd(galleryCwd));
    mkdirSync(gallery, { recursive: true });
    writeFileSync(join(gallery, `${GALLERY_SESSION}.jsonl`), gallerySessionLines(galleryCwd).join(''));
    const twins = ['alpha', 'beta'].map((name, i) => {
        const cwd = join(root, 'twins', name, 'app');
        mkdirSync(cwd, { recursive: true });
        const dir = join(projects, encodeCwd(cwd));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${TWIN_SESSIONS[i]}.jsonl`), twinSessionLines(cwd, i).join(''));
        return cwd;
    });
    return { workspace, projects, project, smallFile, big, twins };
}

/** Words no generated text has: the search step finds them deep in the big session and in a subagent. */
export const DEEP_NEEDLE = 'zephyr quokka';
export const AGENT_NEEDLE = 'marmoset lantern';

/**
 * Put DEEP_NEEDLE in the main session's user prompt nearest 80% of the file (far past the first
 * pages) and AGENT_NEEDLE in the last assistant text of the first subagent transcript. Only
 * those texts change: every count the other steps rely on stays. Returns where they went.
 */
export function plantNeedles(bigFile) {
    const lines = readFileSync(bigFile, 'utf8').split('\n');
    const target = Math.floor(lines.length * 0.8);
    let deep;
    for (let d = 0; d < lines.length && !deep; d++) {
        for (const i of [target + d, target - d]) {
            const e = lines[i] ? JSON.parse(lines[i]) : undefined;
            if (e?.type === 'user' && !e.isSidechain && typeof e.message?.content === 'string' && !e.message.content.startsWith('<')) {
                e.message.content = `Next, make the ${DEEP_NEEDLE} handler idempotent and **retry** on a timeout.`;
                lines[i] = JSON.stringify(e);
                deep = { uuid: e.uuid, line: i + 1 };
                break;
            }
        }
    }
    writeFileSync(bigFile, lines.join('\n'));
    const agentsDir = join(dirname(bigFile), bigFile.split('/').pop().replace(/\.jsonl$/, ''), 'subagents');
    const agentFile = readdirSync(agentsDir).filter((f) => f.endsWith('.jsonl')).sort()[0];
    const agentPath = join(agentsDir, agentFile);
    const agentLines = readFileSync(agentPath, 'utf8').split('\n');
    let agent;
    for (let i = agentLines.length - 1; i >= 0 && !agent; i--) {
        const e = agentLines[i] ? JSON.parse(agentLines[i]) : undefined;
        const text = Array.isArray(e?.message?.content) ? e.message.content.find((b) => b.type === 'text') : undefined;
        if (e?.type === 'assistant' && text) {
            text.text = `The ${AGENT_NEEDLE} is configured in \`cache.py\`; nothing else reads it.`;
            agentLines[i] = JSON.stringify(e);
            agent = { uuid: e.uuid, agentId: e.agentId, line: i + 1 };
        }
    }
    writeFileSync(agentPath, agentLines.join('\n'));
    return { deep, agent };
}

export function appendLive(file, workspace, text) {
    appendFileSync(file, appendedLine(workspace, text));
}
