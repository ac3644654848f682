// End to end in a real VS Code (code-server) driven from Debian's Chromium.
//
// Needs: CCT_PYTHON (a Python with the claude-code-tracer server installed), the built .vsix
// (VSIX, default ../../claude-code-tracer.vsix), code-server (e2e-host/, see ci.sh) and Chromium.
// Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
    AGENT_NEEDLE,
    appendLive,
    BASH_OUTPUT,
    BIG_SESSION,
    DEEP_NEEDLE,
    FAILED_EDIT_ERROR,
    GALLERY_PROJECT,
    GALLERY_TITLE,
    GREET_FILE,
    HOSTILE_PROMPT,
    LONG_ANSWER_ITEMS,
    makeFixtures,
    SMALL_SESSION,
    TWIN_TITLE,
    WRITE_TOOL_ID,
} from './fixtures.mjs';

const SMALL_TITLE = 'Please read app.py <script>';
/** A real sample (Claude Code 2.1.x) with markdown answers and Bash, Edit, Read, Grep, AskUserQuestion calls. */
const SAMPLE_TITLE = 'Work on bead spotter-dov';
/** That sample's session id and words of its first prompt (what the exported file must hold). */
const SAMPLE_SESSION = '4d5611e5-241a-462a-8d15-5122611a9569';
const SAMPLE_PROMPT = 'Run bd show spotter-dov to see the issue details and bd ready to find available subtasks';
import { EXT_DIR, runCommand, searchViewFrame, startBrowser, startCodeServer, tail, webviewFrame } from './harness.mjs';

const PYTHON = process.env.CCT_PYTHON;
const VSIX = resolve(process.env.VSIX ?? join(EXT_DIR, 'claude-code-tracer.vsix'));
const ARTIFACTS = join(EXT_DIR, 'test-artifacts');
const SAMPLES = resolve(EXT_DIR, '..', 'server', 'claude_code_tracer', 'samples', 'projects');
const MESSAGES = Number(process.env.E2E_MESSAGES ?? 20000);
/** The most rows the virtualized list may have in the DOM at once (a window, not the session). */
const MAX_DOM_ROWS = 150;

let root;
let fx;
let bigTitle = '';
/** The small session's label in the sessions tree: the title it must have wherever it is opened. */
let smallTreeTitle = '';
let server;
let browser;
let page;
const keep = process.env.E2E_KEEP === '1';

async function shot(name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name) });
}

function sessionsPane() {
    return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /sessions/i }) });
}

async function treeRow(text, timeout = 60_000) {
    const row = sessionsPane().locator('.monaco-list-row', { hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout });
    return row;
}

/** Open a workspace file through Quick Open (a relative path). */
async function openWorkspaceFile(name) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(name);
    const base = name.split('/').pop();
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: base }).first().click({ timeout: 15_000 });
    await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor({ timeout: 15_000 });
}

function editsPane() {
    return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Claude edits of this file/i }) });
}

async function openSessionFromTree(text) {
    const row = await treeRow(text);
    await row.click();
    return webviewFrame(page, 60_000, text);
}

/** The gaps between animation frames while `fn` runs, recorded in the page (ms). */
async function frameTimes(frame, fn) {
    await frame.evaluate(() => {
        const gaps = [];
        window.__cctGaps = gaps;
        window.__cctStop = false;
        let last = performance.now();
        const tick = (t) => {
            gaps.push(t - last);
            last = t;
            if (!window.__cctStop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
    });
    await fn();
    return frame.evaluate(() => {
        window.__cctStop = true;
        const g = [...window.__cctGaps].sort((x, y) => x - y);
        const at = (q) => g[Math.min(g.length - 1, Math.floor(q * g.length))] ?? 0;
        return { n: g.length, p50: at(0.5), p95: at(0.95), max: g[g.length - 1] ?? 0, over50: g.filter((x) => x > 50).length };
    });
}

/** Switch a session webview to the conversation or the detail view (the choice becomes the setting). */
async function setView(frame, view) {
    await frame.locator(`.view-switch button[data-view="${view}"]`).click();
    await frame.locator(`.view-switch button[data-view="${view}"][aria-pressed="true"]`).waitFor({ timeout: 15_000 });
}

/** Expand a row (message or tool call) unless it is open already. */
async function expandRow(row) {
    await row.waitFor({ timeout: 15_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.twisty').first().click();
}

/** Open the gallery session's rows that show its renderers: image, checklist, Bash output, markdown. */
async function expandGallery(frame) {
    await expandRow(frame.locator('.row.message.kind-user', { hasText: GALLERY_TITLE }).first());
    await expandRow(frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'TodoWrite' }) }).first());
    await expandRow(frame.locator('.row.node-tool', { hasText: 'TodoWrite' }).first());
    await expandRow(frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'Bash' }) }).first());
    await expandRow(frame.locator('.row.node-tool', { hasText: 'Bash' }).first());
    await expandRow(frame.locator('.row.message.kind-assistant', { hasText: 'What it says' }).first());
}

let failed = false;
/** The steps build on each other: after a failure the rest are skipped, not timed out one by one. */
function step(name, fn) {
    it(name, async (t) => {
        if (failed) {
            t.skip('an earlier step failed');
            return;
        }
        try {
            await fn();
        } catch (err) {
            failed = true;
            await shot(`failed-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`).catch(() => {});
            throw err;
        }
    });
}

describe('claude-code-tracer in code-server', { timeout: 15 * 60_000 }, () => {
    before(async () => {
        assert.ok(PYTHON, 'set CCT_PYTHON to a Python that has the claude-code-tracer server installed');
        assert.ok(existsSync(VSIX), `build the .vsix first (${VSIX})`);
        root = mkdtempSync(join(tmpdir(), 'cct-e2e-'));
        fx = makeFixtures(root, { python: PYTHON, samples: SAMPLES, messages: MESSAGES });
        server = await startCodeServer({
            root,
            vsix: VSIX,
            settings: {
                'claudeCodeTracer.pythonPath': PYTHON,
                'claudeCodeTracer.projectsRoot': fx.projects,
                'claudeCodeTracer.pageSize': 200,
                'chat.disableAIFeatures': true,
                'workbench.startupEditor': 'none',
                'workbench.tips.enabled': false,
                'workbench.welcomePage.walkthroughs.openOnInstall': false,
                'security.workspace.trust.enabled': false,
                'telemetry.telemetryLevel': 'off',
                'extensions.autoCheckUpdates': false,
                'extensions.autoUpdate': false,
                'update.mode': 'none',
                'window.restoreWindows': 'none',
                'editor.minimap.enabled': false,
                'workbench.secondarySideBar.defaultVisibility': 'hidden',
                'workbench.activityBar.location': 'default',
                // The DOM renderer: the terminal's text can be read (Resume in terminal).
                'terminal.integrated.gpuAcceleration': 'off',
            },
        });
        ({ browser, page } = await startBrowser(root));
        await page.goto(`${server.url}/?folder=${encodeURIComponent(fx.workspace)}`);
        await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    });

    after(async () => {
        if (page) await shot('last.png').catch(() => {});
        await browser?.close().catch(() => {});
        if (server) {
            if (process.exitCode) console.log(tail(server.logFile));
            await server.stop();
        }
        if (root && !keep) rmSync(root, { recursive: true, force: true });
    });

    step('starts without showing an error: the tree waits for the server, then lists', async () => {
        await runCommand(page, 'View: Show Claude Code Traces');
        // From the first moment until the sessions are listed, nothing says the server is missing.
        const seen = new Set();
        const deadline = Date.now() + 90_000;
        let shotTaken = false;
        while (!(await sessionsPane().locator('.monaco-list-row', { hasText: 'This workspace' }).count())) {
            const text = (await sessionsPane().textContent().catch(() => '')) ?? '';
            for (const bad of ['not running', 'Set up the server', 'did not start']) if (text.includes(bad)) seen.add(bad);
            if (!shotTaken && /Starting/.test(text)) {
                shotTaken = true;
                await shot('startup.png');
            }
            if (Date.now() > deadline) throw new Error('the sessions were not listed within 90 s');
            await sleep(100);
        }
        console.log(`startup: "Starting…" seen ${shotTaken}`);
        assert.deepEqual([...seen], [], 'the tree showed an error while the server started');
    });

    step('lists the workspace sessions first, then all projects (with the real samples)', async () => {
        await runCommand(page, 'View: Show Claude Code Traces');
        await treeRow('This workspace');
        // A wider side bar, so the screenshots show the descriptions: drag the sash at its right edge.
        const sidebar = await page.locator('.part.sidebar').boundingBox();
        const sashes = await page.locator('.monaco-sash.vertical').all();
        for (const sash of sashes) {
            const box = await sash.boundingBox();
            if (!sidebar || !box || Math.abs(box.x + box.width / 2 - (sidebar.x + sidebar.width)) > 6) continue;
            const y = box.y + box.height / 2;
            await page.mouse.move(box.x + box.width / 2, y);
            await page.mouse.down();
            await page.mouse.move(box.x + 200, y, { steps: 8 });
            await page.mouse.up();
            break;
        }
        // The generated session: found by its size, its (generated) title read from the tree.
        const big = await treeRow(`${Math.round(MESSAGES / 1000)}K msgs`);
        bigTitle = ((await big.locator('.label-name').textContent()) ?? '').trim();
        assert.ok(bigTitle.length > 3, `a title for the big session (${bigTitle})`);
        // The hostile title is shown as text.
        smallTreeTitle = ((await (await treeRow(SMALL_TITLE)).locator('.label-name').textContent()) ?? '').trim();
        const all = await treeRow('All projects');
        await all.click();
        await treeRow('Demo');
        // A real sample session inside its project.
        await (await treeRow('spotter-dov')).click();
        await treeRow('Work on bead spotter-dov');
        await shot('tree.png');
        // Two projects in folders both named "app" are told apart by their parents; the tooltip has the path.
        const alpha = await treeRow('alpha/app');
        const beta = await treeRow('beta/app');
        assert.equal(((await alpha.locator('.label-name').textContent()) ?? '').trim(), 'alpha/app');
        assert.equal(((await beta.locator('.label-name').textContent()) ?? '').trim(), 'beta/app');
        await alpha.click();
        await treeRow(TWIN_TITLE);
        await shot('tree-names.png');
    });

    step('opens a 20K-message session and shows its first rows', async () => {
        const t0 = Date.now();
        const frame = await openSessionFromTree(bigTitle);
        // The first parse of a 50 MB file reports progress: catch the bar (and skeleton rows) if we can.
        let sawProgress = false;
        let sawSkeleton = false;
        while (!(await frame.locator('.row.message, .row.conv').count())) {
            if (!sawProgress && (await frame.locator('.progress.active').count())) {
                sawProgress = true;
                sawSkeleton = (await frame.locator('.row.skeleton').count()) > 0;
                await shot('webview-loading.png');
            }
            if (Date.now() - t0 > 60_000) throw new Error('no rows within 60 s');
            await sleep(50);
        }
        console.log(`loading indicators seen: progress bar ${sawProgress}, skeleton rows ${sawSkeleton}`);
        const firstScreenMs = Date.now() - t0;
        console.log(`first rows after ${firstScreenMs} ms`);
        // Rows show as batches stream in; the count comes with the end of the first page.
        await frame.locator('.count', { hasText: /\d[\d,.]* messages/ }).waitFor({ timeout: 30_000 });
        const total = Number(await frame.locator('.scroller').getAttribute('data-total'));
        assert.ok(total > 5000, `expected thousands of rows with the default filter, got ${total}`);
        // The transcript's HTML in the title shows as text.
        // Generated titles carry HTML (e.g. "… → <b>wip</b>"): it shows as text.
        assert.equal(await frame.locator('.title').textContent(), bigTitle);
        assert.equal(await frame.locator('.title b').count(), 0);
        await shot('webview-20k.png');
    });

    step('reads the 20K-message session as a conversation by default: smooth, with a bounded DOM', async () => {
        const frame = await webviewFrame(page, 30_000, bigTitle);
        await frame.locator('.view-switch button[data-view="conversation"][aria-pressed="true"]').waitFor({ timeout: 15_000 });
        await frame.locator('.row.conv').first().waitFor({ timeout: 30_000 });
        const scroller = frame.locator('.scroller');
        const box = await page.locator('iframe.webview:visible').boundingBox();
        assert.ok(box, 'the webview is on screen');
        // 300 notches of a mouse wheel; the frame gaps, the page's own work (each render of the
        // list) and the rows in the DOM recorded while it scrolls.
        const wheel = async (label) => {
            await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
            await frame.evaluate(() => {
                window.__cctPerf.render.length = 0;
            });
            let maxRows = 0;
            const frames = await frameTimes(frame, async () => {
                for (let i = 0; i < 300; i++) {
                    await page.mouse.wheel(0, 120);
                    await sleep(16);
                    if (i % 20 === 0) maxRows = Math.max(maxRows, await frame.locator('.row').count());
                }
            });
            const top = await scroller.evaluate((el) => el.scrollTop);
            const render = await frame.evaluate(() => {
                const g = [...window.__cctPerf.render].sort((a, b) => a - b);
                const at = (p) => g[Math.min(g.length - 1, Math.floor(p * g.length))] ?? 0;
                return { n: g.length, p50: at(0.5), p95: at(0.95), max: g[g.length - 1] ?? 0 };
            });
            console.log(
                `${label}: 300 wheel steps to ${top}px; frames ${frames.n}, p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(0)} ms, ${frames.over50} over 50 ms; ` +
                    `renders ${render.n}, p50 ${render.p50.toFixed(1)} ms, p95 ${render.p95.toFixed(1)} ms, max ${render.max.toFixed(0)} ms; ${maxRows} rows in the DOM at most`,
            );
            return { frames, render, maxRows, top };
        };
        const conv = await wheel('conversation');
        const heights = await frame.evaluate(() => [...document.querySelectorAll('.row.conv')].map((r) => r.getBoundingClientRect().height));
        console.log(`conversation row heights ${Math.min(...heights).toFixed(0)}-${Math.max(...heights).toFixed(0)} px`);
        assert.ok(conv.top > 10_000, `the wheel scrolled the list (${conv.top}px)`);
        assert.ok(conv.maxRows <= MAX_DOM_ROWS, `the DOM held ${conv.maxRows} rows`);
        assert.ok(new Set(heights.map((h) => Math.round(h))).size > 3, 'rows have their own heights');
        // 60 fps: the median frame is one frame, and the median render a fraction of one. (The
        // tails hold the other processes of this shared 2-core machine too: the same wheel over
        // the detail view, below, is the baseline they are compared with in the log.)
        assert.ok(conv.frames.p50 < 20, `median frame ${conv.frames.p50.toFixed(1)} ms`);
        assert.ok(conv.render.p50 < 8, `median render ${conv.render.p50.toFixed(1)} ms`);
        await shot('conversation-20k.png');
        // The detail view (the tree of every line) is one click away; the next steps use it.
        await scroller.evaluate((el) => {
            el.scrollTop = 0;
        });
        await setView(frame, 'detail');
        await frame.locator('.row.message[data-index="0"]').waitFor({ timeout: 30_000 });
        const detail = await wheel('detail (baseline)');
        assert.ok(detail.maxRows <= MAX_DOM_ROWS, `the DOM held ${detail.maxRows} rows`);
        await scroller.evaluate((el) => {
            el.scrollTop = 0;
        });
        await frame.locator('.row.message[data-index="0"]').waitFor({ timeout: 30_000 });
    });

    step('scrolls to the end through later pages with only a window of rows in the DOM, and back', async () => {
        const frame = await webviewFrame(page);
        const scroller = frame.locator('.scroller');
        // The frame budget while scrolling: the gaps between animation frames, recorded in the page.
        await frame.evaluate(() => {
            const gaps = [];
            window.__cctFrames = gaps;
            let last = performance.now();
            const tick = (t) => {
                gaps.push(t - last);
                last = t;
                if (gaps.length < 200_000) requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        });
        let maxRows = 0;
        const deadline = Date.now() + 120_000;
        let done = false;
        while (!done) {
            await scroller.evaluate((el) => {
                el.scrollTop = el.scrollHeight;
            });
            await sleep(150);
            maxRows = Math.max(maxRows, await frame.locator('.row').count());
            const rows = Number(await scroller.getAttribute('data-rows'));
            const last = frame.locator(`.row[data-index="${rows - 1}"]`);
            done = (await last.count()) > 0 && (await last.getAttribute('class'))?.includes('message') === true;
            if (Date.now() > deadline) throw new Error(`did not reach the end; rows=${rows}`);
        }
        const total = Number(await scroller.getAttribute('data-total'));
        const resident = Number(await scroller.getAttribute('data-resident'));
        console.log(`end reached: ${total} messages, ${maxRows} rows in the DOM at most, ${resident} pages resident`);
        const frames = await frame.evaluate(() => {
            const g = [...window.__cctFrames].sort((x, y) => x - y);
            window.__cctFrames.length = 200_000; // stops the recorder
            const at = (q) => g[Math.min(g.length - 1, Math.floor(q * g.length))] ?? 0;
            return { n: g.length, p50: at(0.5), p95: at(0.95), max: g[g.length - 1] ?? 0, over50: g.filter((x) => x > 50).length };
        });
        console.log(`frames while scrolling: ${frames.n}, p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(0)} ms, ${frames.over50} over 50 ms`);
        assert.ok(maxRows <= MAX_DOM_ROWS, `the DOM held ${maxRows} rows`);
        assert.ok(resident <= 40, `memory is bounded: ${resident} pages resident`);
        await shot('webview-end.png');
        // Back to the top: the first pages were evicted and come back by their cursors.
        await scroller.evaluate((el) => {
            el.scrollTop = 0;
        });
        await frame.locator('.row.message[data-index="0"]').waitFor({ timeout: 30_000 });
        assert.ok((await frame.locator('.row').count()) <= MAX_DOM_ROWS);
    });

    step('keeps its scroll position when hidden and shown again', async () => {
        let frame = await webviewFrame(page, 30_000, bigTitle);
        const scroller = frame.locator('.scroller');
        await scroller.evaluate((el) => {
            el.scrollTop = Math.floor(el.scrollHeight / 2);
        });
        let top;
        for (let i = 0; i < 100; i++) {
            await sleep(100);
            top = await frame.evaluate(() => {
                const s = document.querySelector('.scroller');
                const rows = [...document.querySelectorAll('.row.message')];
                const first = rows
                    .map((r) => ({ r, y: r.getBoundingClientRect().top - s.getBoundingClientRect().top }))
                    .filter((x) => x.y >= -1)
                    .sort((a, b) => a.y - b.y)[0];
                return first ? { index: Number(first.r.dataset.index), key: first.r.dataset.key } : undefined;
            });
            if (top && !(await frame.locator('.row.skeleton').count())) break;
        }
        assert.ok(top && top.index > 1000, `scrolled into the middle (${JSON.stringify(top)})`);
        await sleep(500); // the position is saved a moment after scrolling stops
        // Hide it behind another editor, then bring it back: the webview is rebuilt from its state.
        await runCommand(page, 'File: New Untitled Text File');
        await page.locator('.tabs-container .tab', { hasText: 'Untitled' }).first().waitFor();
        await page.locator('.tabs-container .tab', { hasText: bigTitle.slice(0, 30) }).first().click();
        frame = await webviewFrame(page, 30_000, bigTitle);
        const row = frame.locator(`.row.message[data-key="${top.key}"]`);
        await row.waitFor({ timeout: 30_000 });
        const y = await row.evaluate((r) => r.getBoundingClientRect().top - document.querySelector('.scroller').getBoundingClientRect().top);
        assert.ok(Math.abs(y) < 30, `the same row is at the top again (offset ${y}px)`);
        await shot('webview-restored.png');
    });

    step('nests a subagent transcript under the Task call that started it (tool filter on the server)', async () => {
        const frame = await webviewFrame(page, 30_000, bigTitle);
        await frame.locator('select.tools option[value="Task"]').waitFor({ state: 'attached', timeout: 15_000 });
        await frame.locator('select.tools').selectOption('Task');
        await frame.locator('.count', { hasText: /^\d+ messages? match/ }).waitFor({ timeout: 15_000 });
        const call = frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'Task' }) }).first();
        await call.click();
        const tool = frame.locator('.row.node-tool', { hasText: 'Task' }).first();
        await tool.waitFor({ timeout: 15_000 });
        await tool.locator('.twisty').click();
        const agent = frame.locator('.row.node-agent').first();
        await agent.waitFor({ timeout: 15_000 });
        await agent.click();
        const sub = frame.locator('.row.message.sidechain[aria-level="4"]').first();
        await sub.waitFor({ timeout: 15_000 });
        assert.match((await agent.textContent()) ?? '', /Subagent \w+.*\d+ messages/);
        await shot('webview-subagent.png');
        await frame.locator('select.tools').selectOption('');
        await frame.locator('.count', { hasText: /^[\d,]+ messages$/ }).waitFor({ timeout: 15_000 });
    });

    step('expands a tool call to show its result, and a file link opens the file at the line', async () => {
        const frame = await openSessionFromTree(SMALL_TITLE);
        const readRow = frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'Read' }) }).first();
        await readRow.click();
        const tool = frame.locator('.row.node-tool', { hasText: 'Read' }).first();
        await tool.waitFor({ timeout: 15_000 });
        await tool.locator('.twisty').click();
        const result = frame.locator('.row.node-result pre', { hasText: 'def hello(name)' }).first();
        await result.waitFor({ timeout: 15_000 });
        await shot('webview-expanded.png');
        await tool.locator('a.file-link').click();
        await page.locator('.tabs-container .tab', { hasText: 'app.py' }).first().waitFor({ timeout: 15_000 });
        await page.locator('.statusbar', { hasText: /Ln 3, Col 1/ }).waitFor({ timeout: 15_000 });
        await shot('file-opened.png');
    });

    step('shows <script> and <img onerror> from a transcript as text and runs nothing', async () => {
        // Bring the session back (the file opened beside it).
        const frame = await openSessionFromTree(SMALL_TITLE);
        const prompt = frame.locator('.row.message.kind-user .label', { hasText: '<script>' }).first();
        await prompt.waitFor({ timeout: 15_000 });
        assert.equal(await prompt.textContent(), HOSTILE_PROMPT);
        const reply = frame.locator('.row.message.kind-assistant', { hasText: 'not bold' }).first();
        await reply.click();
        // The reply is rendered as markdown, its raw HTML as text.
        await frame.locator('.row.node-text .markdown', { hasText: 'onerror="window.__cctPwned=3"' }).waitFor({ timeout: 15_000 });
        await sleep(500);
        assert.equal(await frame.evaluate(() => typeof window.__cctPwned), 'undefined');
        assert.equal(await frame.locator('#app img, #app script, #app b').count(), 0);
        await shot('webview-hostile.png');
    });

    step('navigates with the keyboard and searches with /', async () => {
        const frame = await webviewFrame(page, 30_000, SMALL_TITLE);
        await frame.locator('.scroller').focus();
        const selected = frame.locator('.row.selected');
        await page.keyboard.press('Home');
        await frame.locator('.row.selected[data-index="0"]').waitFor({ timeout: 5_000 });
        await page.keyboard.press('ArrowDown');
        await frame.locator('.row.selected[data-index="1"]').waitFor({ timeout: 5_000 });
        assert.equal(await selected.locator('.badge.tool').textContent(), 'Read');
        if ((await selected.getAttribute('aria-expanded')) === 'true') {
            await page.keyboard.press('ArrowLeft'); // open from an earlier step: collapse it first
            await frame.locator('.row.selected[data-index="1"][aria-expanded="false"]').waitFor({ timeout: 5_000 });
        }
        await page.keyboard.press('ArrowRight'); // expands the message
        await frame.locator('.row.node-tool', { hasText: 'Read' }).first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('ArrowRight'); // open already: moves to its first child, the tool call
        await frame.locator('.row.selected.node-tool[aria-expanded="false"]').waitFor({ timeout: 5_000 });
        await page.keyboard.press('Enter'); // expands the tool call: its result shows
        await frame.locator('.row.node-result').first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('ArrowLeft'); // collapses it again
        await frame.locator('.row.node-result').first().waitFor({ state: 'detached', timeout: 15_000 });
        await page.keyboard.press('ArrowLeft'); // on a collapsed child: up to the parent message
        await frame.locator('.row.selected[data-index="1"]').waitFor({ timeout: 5_000 });
        await page.keyboard.press('/');
        assert.equal(await frame.evaluate(() => document.activeElement?.className), 'search');
        await page.keyboard.type('not bold');
        await frame.locator('.count', { hasText: /^1 message match/ }).waitFor({ timeout: 15_000 });
        assert.equal(await frame.locator('.row.message').count(), 1);
        await page.keyboard.press('Escape');
        await frame.locator('.count', { hasText: /^5 messages$/ }).waitFor({ timeout: 15_000 });
    });

    step('shows a line appended to the live session file without a reload', async () => {
        const frame = await webviewFrame(page);
        const marker = `LIVE-APPEND-${Date.now()}`;
        appendLive(fx.smallFile, fx.workspace, `${marker} is new`);
        await frame.locator('.row.message .label', { hasText: marker }).waitFor({ timeout: 30_000 });
        await shot('live-append.png');
    });

    step(`shows an Edit call's diff in VS Code's diff editor`, async () => {
        const frame = await openSessionFromTree(SMALL_TITLE);
        const editRow = frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'Edit' }) }).first();
        await editRow.click();
        const tool = frame.locator('.row.node-tool', { hasText: 'Edit' }).first();
        await tool.waitFor({ timeout: 15_000 });
        await tool.locator('button[data-action="diff"]').click();
        await page.locator('.tabs-container .tab', { hasText: /app\.py.*before/ }).first().waitFor({ timeout: 15_000 });
        await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 15_000 });
        await shot('diff.png');
    });

    step('shows a code lens on a file a session wrote; it opens the trace at that tool call', async () => {
        // One editor group, no session panel open: the lens has to open a new one.
        await runCommand(page, 'View: Close All Editors');
        await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 15_000 });
        await openWorkspaceFile(GREET_FILE);
        const editor = page.locator('.editor-instance .monaco-editor').first();
        await editor.locator('.view-line', { hasText: 'def greet' }).waitFor({ timeout: 15_000 });
        const lens = editor.locator('.codelens-decoration', { hasText: /Claude: edited in 1 session/ }).first();
        await lens.waitFor({ timeout: 60_000 });
        const lensText = ((await lens.textContent()) ?? '').trim();
        console.log(`code lens: ${lensText}`);
        assert.match(lensText, /^Claude: edited in 1 session · last .+ ago$/);
        await shot('code-lens.png');
        await lens.locator('a').first().click();
        const frame = await webviewFrame(page, 30_000, SMALL_TITLE);
        const tool = frame.locator(`.row.node-tool.selected[data-tool-id="${WRITE_TOOL_ID}"]`);
        await tool.waitFor({ timeout: 30_000 });
        assert.equal(await tool.getAttribute('aria-expanded'), 'true');
        assert.match((await tool.textContent()) ?? '', /Write/);
        // Its message is expanded above it and the input (the file's content) below it.
        await frame.locator('.row.message.kind-assistant[aria-expanded="true"]', { hasText: 'Write' }).first().waitFor({ timeout: 15_000 });
        await frame.locator('.row.node-input pre', { hasText: 'def greet(name)' }).first().waitFor({ timeout: 15_000 });
        await shot('trace-opened.png');
    });

    step('hovers the lines a session wrote with the session and an Open trace link', async () => {
        await openWorkspaceFile(GREET_FILE);
        const editor = page.locator('.editor-instance .monaco-editor').first();
        // A line the user wrote has no hover.
        await editor.locator('.view-line', { hasText: 'def farewell' }).locator('span span').first().hover();
        await sleep(1500);
        assert.equal(await page.locator('.monaco-hover:visible', { hasText: 'Open trace' }).count(), 0);
        const word = editor.locator('.view-line', { hasText: 'def greet' }).locator('span span', { hasText: 'greet' }).first();
        const h = page.locator('.monaco-hover:visible', { hasText: 'Open trace' }).first();
        let hover;
        for (let i = 0; i < 5 && !hover; i++) {
            await page.mouse.move(0, 0);
            await word.hover();
            hover = await h.waitFor({ timeout: 5_000 }).then(
                () => h,
                () => undefined,
            );
        }
        assert.ok(hover, 'a hover with an Open trace link');
        const text = (await hover.textContent()) ?? '';
        console.log(`hover: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
        assert.ok(text.includes('Please read app.py'), 'the session title');
        assert.ok(text.includes('Write'), 'the tool');
        // The transcript's <script> shows as text, not markup.
        assert.equal(await hover.locator('script, img').count(), 0);
        await shot('hover.png');
        // The link is a trusted command link: it opens the trace too.
        await hover.locator('a', { hasText: 'Open trace' }).click();
        const frame = await webviewFrame(page, 30_000, SMALL_TITLE);
        await frame.locator(`.row.node-tool.selected[data-tool-id="${WRITE_TOOL_ID}"]`).waitFor({ timeout: 30_000 });
    });

    step(`lists the file's Claude edits beside it; an item opens the diff of that edit`, async () => {
        await openWorkspaceFile(GREET_FILE);
        await runCommand(page, 'View: Show Claude Code Traces');
        const pane = editsPane();
        await pane.waitFor({ timeout: 15_000 });
        const header = pane.locator('.pane-header');
        if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
        const item = pane.locator('.monaco-list-row', { hasText: /Please read app\.py.*Write · \d+ \w+ ago/ }).first();
        await item.waitFor({ timeout: 30_000 });
        assert.equal(await pane.locator('.monaco-list-row').count(), 1, 'one write of this file');
        assert.match((await pane.locator('.pane-header').textContent()) ?? '', new RegExp(GREET_FILE.replace('.', '\\.')));
        await shot('edits-view.png');
        await item.click();
        await page.locator('.tabs-container .tab', { hasText: /greet_e2e\.py.*Write.*before/ }).first().waitFor({ timeout: 15_000 });
        await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 15_000 });
        await shot('edits-diff.png');
    });

    step('opens a write deep in the 20K-message session from a hover: the webview pages forwards to it', async () => {
        const deep = fx.big.deep;
        assert.ok(deep, 'the generated session has a Write past its first pages');
        await runCommand(page, 'View: Close All Editors');
        await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 15_000 });
        await openWorkspaceFile(deep.rel);
        const editor = page.locator('.editor-instance .monaco-editor').first();
        const token = editor.locator('.view-lines .view-line').first().locator('span span', { hasText: /\w{3}/ }).first();
        await token.waitFor({ timeout: 15_000 });
        const h = page.locator('.monaco-hover:visible', { hasText: 'Open trace' }).first();
        let hover;
        for (let i = 0; i < 5 && !hover; i++) {
            await page.mouse.move(0, 0);
            await token.hover();
            hover = await h.waitFor({ timeout: 5_000 }).then(
                () => h,
                () => undefined,
            );
        }
        assert.ok(hover, 'a hover with an Open trace link');
        assert.ok(((await hover.textContent()) ?? '').includes('(Write)'));
        const t0 = Date.now();
        await hover.locator('a', { hasText: 'Open trace' }).click();
        const frame = await webviewFrame(page, 60_000, bigTitle);
        const tool = frame.locator(`.row.node-tool.selected[data-tool-id="${deep.toolUseId}"]`);
        await tool.waitFor({ timeout: 90_000 });
        const index = Number(await tool.getAttribute('data-index'));
        console.log(`revealed transcript line ${deep.line} at row ${index} after ${Date.now() - t0} ms`);
        assert.ok(index > 200, `the tool call is past the first page (row ${index})`);
        assert.equal(await tool.getAttribute('aria-expanded'), 'true');
        await frame.locator('.row.message.kind-assistant[aria-expanded="true"]', { hasText: 'Write' }).first().waitFor({ timeout: 15_000 });
        await shot('trace-deep.png');
    });

    step('renders a real session: markdown answers and each tool by its own renderer', async () => {
        const frame = await openSessionFromTree(SAMPLE_TITLE);
        await frame.locator('.count', { hasText: /\d+ messages/ }).waitFor({ timeout: 60_000 });
        const search = frame.locator('input.search');
        const showOnly = async (tool) => {
            await frame.locator(`select.tools option[value="${tool}"]`).waitFor({ state: 'attached', timeout: 15_000 });
            await frame.locator('select.tools').selectOption(tool);
            await frame.locator('.count', { hasText: /messages? match/ }).waitFor({ timeout: 15_000 });
        };
        /** Expand the first message with this tool, then the tool call: its input and result rows show. */
        const openTool = async (tool) => {
            await showOnly(tool);
            const message = frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: tool }) }).first();
            if ((await message.getAttribute('aria-expanded')) !== 'true') await message.click();
            const row = frame.locator('.row.node-tool', { has: frame.locator('.label', { hasText: new RegExp(`^${tool}$`) }) }).first();
            await row.waitFor({ timeout: 15_000 });
            if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.twisty').click();
            await frame.locator('.row.node-result').first().waitFor({ timeout: 15_000 });
        };
        // Markdown: the summary's **bold** and list are elements, not asterisks.
        await search.fill('summary of the completed');
        await frame.locator('.count', { hasText: /^1 message match/ }).waitFor({ timeout: 15_000 });
        await frame.locator('.row.message.kind-assistant').first().click();
        const md = frame.locator('.row.node-text .markdown').first();
        await md.locator('strong', { hasText: 'spotter-dov' }).first().waitFor({ timeout: 15_000 });
        assert.ok((await md.locator('ol li, ul li').count()) >= 3, 'the list is a list');
        assert.ok(!((await md.textContent()) ?? '').includes('**'), 'no raw markdown');
        await shot('render-markdown.png');
        await search.fill('');
        await frame.locator('.count', { hasText: /^[\d,]+ messages$/ }).waitFor({ timeout: 15_000 });

        await openTool('Edit');
        assert.ok((await frame.locator('.row.node-input .diff-line.add').count()) > 0, 'an Edit is a diff');
        assert.equal(await frame.locator('.row.node-tool button[data-action="diff"]').first().isVisible(), true);
        await shot('render-edit.png');

        await openTool('Bash');
        assert.match((await frame.locator('.row.node-input pre.command').first().textContent()) ?? '', /^\$ \S/);
        await frame.locator('.row.node-result pre.terminal').first().waitFor({ timeout: 15_000 });
        await shot('render-bash.png');

        await openTool('Read');
        await frame.locator('.row.node-result .code-view .gutter').first().waitFor({ timeout: 15_000 });
        assert.ok((await frame.locator('.row.node-input a.file-link').count()) > 0, 'Read names its file as a link');

        await openTool('AskUserQuestion');
        await frame.locator('.row.node-input .question-text', { hasText: 'Pre-commit hook blocks' }).waitFor({ timeout: 15_000 });
        assert.ok((await frame.locator('.row.node-input li.option').count()) >= 2);
        await shot('render-ask.png');
        // Copy message: the host fetches the message and puts its text on the clipboard.
        const askRow = frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'AskUserQuestion' }) }).first();
        await askRow.hover();
        await askRow.locator('button[data-action="copy"]').click();
        await frame.locator('.status', { hasText: 'Message copied.' }).waitFor({ timeout: 15_000 });
        // The cost: the trunk's model (claude-opus-4-6) and its subagents' (Sonnet 4.5) are both priced.
        const cost = frame.locator('.title-row .cost');
        await cost.waitFor({ timeout: 15_000 });
        assert.match((await cost.textContent()) ?? '', /^\$\d+\.\d\d$/);
        assert.match((await cost.getAttribute('title')) ?? '', /claude-opus-4-6: \$\d+\.\d\d \(\d+ calls\)/);
        await frame.locator('select.tools').selectOption('');
        await frame.locator('.count', { hasText: /^[\d,]+ messages$/ }).waitFor({ timeout: 15_000 });
        assert.equal(await frame.evaluate(() => typeof window.__cctPwned), 'undefined');
    });

    step('charts the context per API call with the compaction marked; a click on a point opens that turn', async () => {
        const frame = await openSessionFromTree(SAMPLE_TITLE);
        await frame.locator('.count', { hasText: /^[\d,]+ messages$/ }).waitFor({ timeout: 30_000 });
        const chart = frame.locator('.context-chart');
        await chart.locator('canvas').waitFor({ timeout: 30_000 });
        const caption = chart.locator('.context-caption');
        // The sample (spotter-dov) was compacted once; tests/lsp/test_context.py counts its points.
        assert.match((await caption.textContent()) ?? '', /^Context: \d+ API calls · peak [\d.]+K tokens · 1 compaction$/);
        // uPlot's sheet (a media file) and the styles it sets through the CSSOM both apply under the CSP,
        // and the canvas holds a drawing.
        const [position, overWidth, painted] = await chart.evaluate((el) => {
            const over = el.querySelector('.u-over');
            const canvas = el.querySelector('canvas');
            const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < px.length; i += 4) if (px[i]) n++;
            return [getComputedStyle(over).position, over.getBoundingClientRect().width, n];
        });
        assert.equal(position, 'absolute');
        assert.ok(overWidth > 100, `plot area ${overWidth}px wide`);
        assert.ok(painted > 500, `${painted} painted pixels`);
        const box = await chart.locator('.u-over').boundingBox();
        assert.ok(box);
        await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
        await caption.filter({ hasText: /^Turn \d+ · / }).waitFor({ timeout: 5_000 });
        const when = await caption.getAttribute('title');
        assert.ok(when, 'the hovered point has a time');
        await shot('context-chart.png');
        await page.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2);
        const opened = frame.locator('.row.message.selected.kind-assistant[aria-expanded="true"]');
        await opened.waitFor({ timeout: 30_000 });
        assert.equal(await opened.locator('.time').getAttribute('title'), when, 'the row of the clicked response');
        assert.equal(await frame.evaluate(() => typeof window.__cctPwned), 'undefined');
    });

    step('shows an image inline and full size, thinking, a checklist, coloured output and a compaction', async () => {
        await (await treeRow(GALLERY_PROJECT)).click();
        const frame = await openSessionFromTree(GALLERY_TITLE);
        await frame.locator('.count', { hasText: /\d+ messages/ }).waitFor({ timeout: 30_000 });
        const expand = async (row) => {
            if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.twisty').first().click();
        };
        // The pasted image: inline and scaled, full size on a click, Escape closes it.
        await expand(frame.locator('.row.message.kind-user', { hasText: GALLERY_TITLE }).first());
        const thumb = frame.locator('.row.node-image img.thumb').first();
        await thumb.waitFor({ timeout: 15_000 });
        assert.equal(await thumb.evaluate((img) => img.naturalWidth), 96, 'the PNG decoded');
        await thumb.click();
        const full = frame.locator('.image-overlay img.full');
        await full.waitFor({ timeout: 5_000 });
        await shot('render-image.png');
        await page.keyboard.press('Escape');
        await full.waitFor({ state: 'detached', timeout: 5_000 });
        // Thinking kept only as its signature, and the TodoWrite checklist.
        await expand(frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'TodoWrite' }) }).first());
        await frame.locator('.row.node-thinking', { hasText: 'omitted' }).waitFor({ timeout: 15_000 });
        await expand(frame.locator('.row.node-tool', { hasText: 'TodoWrite' }).first());
        await frame.locator('.row.node-input li.todo').nth(2).waitFor({ timeout: 15_000 });
        assert.deepEqual(await frame.locator('.row.node-input li.todo').evaluateAll((els) => els.map((e) => e.className)), ['todo completed', 'todo in_progress', 'todo pending']);
        // Bash output in its colours, as text.
        await expand(frame.locator('.row.message', { has: frame.locator('.badge.tool', { hasText: 'Bash' }) }).first());
        await expand(frame.locator('.row.node-tool', { hasText: 'Bash' }).first());
        assert.equal(await frame.locator('.row.node-result .ansi-fg-green').first().textContent({ timeout: 15_000 }), '3 passed');
        assert.equal(await frame.locator('.row.node-result .ansi-fg-red').first().textContent(), '1 failed');
        // The compaction: a divider, then its summary badged.
        await frame.locator('.row.message.compaction .label', { hasText: 'Conversation compacted' }).waitFor({ timeout: 15_000 });
        await frame.locator('.row.message .badge.summary').waitFor({ timeout: 15_000 });
        await expand(frame.locator('.row.message.kind-assistant', { hasText: 'What it says' }).first());
        await frame.locator('.row.node-text .markdown h2', { hasText: 'What it says' }).waitFor({ timeout: 15_000 });
        await shot('render-gallery.png');
        assert.equal(await frame.evaluate(() => typeof window.__cctPwned), 'undefined');
    });

    step('resumes a session in a terminal opened in its folder', async () => {
        const frame = await openSessionFromTree(SMALL_TITLE);
        await frame.locator('button[data-host="resume"]').click();
        const terminal = page.locator('.terminal-wrapper .xterm-rows', { hasText: `claude --resume ${SMALL_SESSION}` }).first();
        await terminal.waitFor({ timeout: 30_000 });
        await page.locator('.terminal-tabs-entry, .single-terminal-tab, .panel .action-label', { hasText: /Claude: / }).first().waitFor({ timeout: 15_000 }).catch(() => {});
        await shot('resume-terminal.png');
        await frame.locator('button[data-host="copySessionId"]').click();
        await frame.locator('.status', { hasText: 'Session id copied.' }).waitFor({ timeout: 15_000 });
        await runCommand(page, 'View: Toggle Panel Visibility');
    });

    step('exports a real session to one HTML file from the webview header: no script, its prompt in it', async () => {
        const frame = await openSessionFromTree(SAMPLE_TITLE);
        await frame.locator('.count', { hasText: /^[\d,]+ messages$/ }).waitFor({ timeout: 30_000 });
        // Each response's cost sits on its first row, beside its tokens.
        await frame.locator('.row.message.kind-assistant .meta.cost').first().waitFor({ timeout: 30_000 });
        // its dollars, and its tokens once (not repeated on each of the response's rows)
        assert.match((await frame.locator('.row.message.kind-assistant .meta.cost').first().textContent()) ?? '', /^(\$\d+\.\d\d|<\$0\.01)( · [\d.]+[KM]? tok)?$/);
        const box = await page.locator('iframe.webview:visible').boundingBox();
        if (box) await page.mouse.move(box.x + box.width - 20, box.y + box.height - 10);
        await shot('session-cost-export.png');
        await frame.locator('button[data-host="export"]').click();
        // The host asks the format (the quick pick), then where (code-server's simple save dialog,
        // its path filled in with the workspace folder and the session's file name).
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'one self-contained file, no script' }).first().click({ timeout: 15_000 });
        const target = join(fx.workspace, `claude-session-${SAMPLE_SESSION}.html`);
        const pathBox = page.locator('.quick-input-widget input');
        await pathBox.waitFor({ state: 'visible', timeout: 15_000 });
        await page.waitForFunction(
            (name) => document.querySelector('.quick-input-widget input')?.value.endsWith(name),
            `claude-session-${SAMPLE_SESSION}.html`,
            { timeout: 15_000 },
        );
        await pathBox.press('Enter');
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `Exported the session to claude-session-${SAMPLE_SESSION}.html.` });
        await toast.waitFor({ timeout: 60_000 });
        // The notification offers to open the file and to show it in its folder.
        await toast.locator('.monaco-button', { hasText: 'Open' }).first().waitFor({ timeout: 5_000 });
        await toast.locator('.monaco-button', { hasText: 'Reveal' }).first().waitFor({ timeout: 5_000 });
        await shot('export-done.png');
        const html = readFileSync(target, 'utf8');
        assert.ok(!/<script/i.test(html), 'the exported HTML holds no script');
        assert.ok(html.includes(SAMPLE_PROMPT), 'the exported HTML holds the session\'s first prompt');
        assert.match(html, /^<!DOCTYPE html>/i);
        // Fit to share: titled by the session, markdown rendered, no hook or progress JSON.
        const h1 = /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? '';
        assert.ok(h1.startsWith(SAMPLE_TITLE), `the heading is the session's title (${h1.slice(0, 80)})`);
        assert.ok(!h1.includes(SAMPLE_SESSION), 'the heading is not the uuid');
        assert.match(html, /<li>Folder: \/home\/USER\/projects\/spotter-worktrees\/spotter-dov<\/li>/);
        assert.ok(/<strong>[^<]+<\/strong>/.test(html), 'bold text is rendered');
        assert.ok(!/\*\*[A-Za-z][^*\n]{0,80}\*\*/.test(html.replace(/<pre>[\s\S]*?<\/pre>/g, '')), 'no literal ** outside code');
        assert.ok(!html.includes('hook_progress') && !html.includes('<section class="progress'), 'no progress lines');
        const exported = join(ARTIFACTS, 'export-sample.html');
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(exported, html);
        // Look at it as a reader would: the file in a browser tab.
        const reader = await browser.newPage();
        await reader.setViewportSize({ width: 1000, height: 900 });
        await reader.goto(`file://${target}`);
        await reader.locator('h1').first().waitFor({ timeout: 15_000 });
        assert.equal(await reader.locator('h1').count(), 1, "one <h1>: the session's title");
        await reader.screenshot({ path: join(ARTIFACTS, 'export-html.png') });
        await reader.locator('.md h2, .md strong').first().scrollIntoViewIfNeeded();
        await reader.screenshot({ path: join(ARTIFACTS, 'export-html-answer.png') });
        await reader.close();
        await page.bringToFront();
        await page.keyboard.press('Escape');
    });

    step('stays legible in the dark and high-contrast themes', async () => {
        const frame0 = await openSessionFromTree(SMALL_TITLE);
        await frame0.locator('.row.message').first().waitFor();
        for (const [theme, file, bodyClass] of [
            ['Dark Modern', 'webview-dark.png', 'vscode-dark'],
            ['Dark High Contrast', 'webview-high-contrast.png', 'vscode-high-contrast'],
        ]) {
            await runCommand(page, 'Preferences: Color Theme');
            await page.locator('.quick-input-widget input').fill(theme);
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^${theme}`) }).first().click();
            const frame = await webviewFrame(page, 30_000, SMALL_TITLE);
            await frame.locator(`body.${bodyClass}`).waitFor({ timeout: 30_000 });
            await sleep(300);
            const [fg, bg] = await frame.evaluate(() => {
                const label = document.querySelector('.row.message .label');
                return [label ? getComputedStyle(label).color : '', getComputedStyle(document.body).backgroundColor];
            });
            assert.ok(fg && bg && fg !== bg, `${theme}: text ${fg} on ${bg}`);
            await shot(file);
        }
    });

    step('renders markdown and tools legibly in light, dark and high-contrast themes', async () => {
        const frame = await openSessionFromTree(GALLERY_TITLE);
        await frame.locator('.count', { hasText: /\d+ messages/ }).waitFor({ timeout: 30_000 });
        await expandGallery(frame);
        await frame.locator('.row.node-result .ansi-fg-green').first().waitFor({ timeout: 30_000 });
        for (const [theme, file, bodyClass] of [
            ['Light Modern', 'render-light.png', 'vscode-light'],
            ['Dark Modern', 'render-dark.png', 'vscode-dark'],
            ['Dark High Contrast', 'render-high-contrast.png', 'vscode-high-contrast'],
        ]) {
            await runCommand(page, 'Preferences: Color Theme');
            await page.locator('.quick-input-widget input').fill(theme);
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^${theme}`) }).first().click();
            const f = await webviewFrame(page, 30_000, GALLERY_TITLE);
            await f.locator(`body.${bodyClass}`).waitFor({ timeout: 30_000 });
            await f.locator('.row.node-result .ansi-fg-green').first().waitFor({ timeout: 30_000 });
            await f.locator('.row.node-text .markdown h2').first().waitFor({ timeout: 30_000 });
            // No tooltip over the header in the screenshot: the mouse rests on the list's empty end.
            const box = await page.locator('iframe.webview:visible').boundingBox();
            if (box) await page.mouse.move(box.x + box.width - 20, box.y + box.height - 10);
            await sleep(500);
            const [green, red, bg] = await f.evaluate(() => {
                const colour = (sel) => {
                    const e = document.querySelector(sel);
                    return e ? getComputedStyle(e).color : '';
                };
                return [colour('.ansi-fg-green'), colour('.ansi-fg-red'), getComputedStyle(document.body).backgroundColor];
            });
            assert.ok(green && red && green !== red && green !== bg, `${theme}: terminal colours ${green} / ${red} on ${bg}`);
            await shot(file);
        }
    });

    step('searches every message from the box in the side bar: highlighted hits, one opens at its message', async () => {
        await runCommand(page, 'Preferences: Color Theme');
        await page.locator('.quick-input-widget input').fill('Dark Modern');
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: /^Dark Modern/ }).first().click();
        // Let the theme picker close and any hover go before the next command.
        await page.mouse.move(5, 450);
        await page.keyboard.press('Escape');
        await sleep(500);
        await runCommand(page, 'View: Close All Editors');
        // Search has a side bar of its own: its results get the room.
        await runCommand(page, 'View: Show Claude Code Search');
        const view = await searchViewFrame(page, 30_000);
        const sidebarBox = await page.locator('.part.sidebar').boundingBox();
        // (VS Code lays a webview view's iframe over its pane, outside the side bar's DOM; the
        // editors are closed, so the one visible webview is the search view)
        const viewBox = await page.locator('iframe.webview:visible').first().boundingBox();
        assert.ok(sidebarBox && viewBox, 'the search view is in the side bar');
        console.log(`search view: ${viewBox.height.toFixed(0)} of ${sidebarBox.height.toFixed(0)} px of the side bar`);
        assert.ok(viewBox.height >= sidebarBox.height / 2, `the search view has ${viewBox.height}px of ${sidebarBox.height}px`);
        const box = view.locator('input.query');
        await box.focus();
        await page.keyboard.type('"greeting module"', { delay: 30 });
        // The first build of the index may still run: Enter asks again until the hit is indexed.
        const hit = view.locator('button.hit', { hasText: 'greeting module' }).first();
        const deadline = Date.now() + 90_000;
        while (!(await hit.isVisible().catch(() => false))) {
            if (Date.now() > deadline) throw new Error('no search hit within 90 s');
            await box.press('Enter');
            await hit.waitFor({ timeout: 5_000 }).catch(() => {});
        }
        // The phrase is highlighted with <mark>, the group is the workspace's small session.
        assert.equal((await hit.locator('mark').allTextContents()).join(' '), 'greeting module');
        assert.match((await hit.locator('.snippet').textContent()) ?? '', /greeting module\. Write /);
        // The group is titled by the session's title, as the tree titles it, and its folder.
        const group = view.locator('section.group', { has: hit });
        const groupName = (await group.locator('.group-title .name').textContent()) ?? '';
        assert.ok(groupName.startsWith(SMALL_TITLE), `the group is titled by the session (${groupName})`);
        assert.equal(groupName, smallTreeTitle, 'the search names the session as the tree does');
        assert.equal(await group.locator('.group-title .where').textContent(), 'cct-e2e-' + fx.workspace.split('cct-e2e-')[1]);
        await view.locator('.status', { hasText: /^1 matching message in 1 session( \(still indexing\))?$/ }).waitFor({ timeout: 30_000 });
        await shot('search-view.png');
        await hit.click();
        const frame = await webviewFrame(page, 60_000);
        await frame.locator('.row.message.selected', { hasText: 'And a greeting module.' }).waitFor({ timeout: 30_000 });
        // One title wherever it is opened from: the header and the tab say what the tree says.
        assert.equal(await frame.locator('.title').textContent(), groupName);
        await page.locator('.tabs-container .tab.active', { hasText: SMALL_TITLE.slice(0, 20) }).waitFor({ timeout: 15_000 });
        await shot('search-opened.png');
    });
    step('opens a hit deep in the 20K-message session at its message, the match highlighted; then one inside a subagent', async () => {
        const { deep, agent } = fx.big.needles;
        assert.ok(deep && agent, 'the needles are planted in the generated session');
        const view = await searchViewFrame(page, 30_000);
        const box = view.locator('input.query');
        const search = async (query, uuid) => {
            await box.fill(query);
            await box.press('Enter');
            const hit = view.locator(`button.hit[data-uuid="${uuid}"]`);
            await hit.waitFor({ timeout: 60_000 });
            return hit;
        };
        const hit = await search(`"${DEEP_NEEDLE}" -nothinglikethis kind:user`, deep.uuid);
        assert.deepEqual(await hit.locator('mark').allTextContents(), DEEP_NEEDLE.split(' '));
        const t0 = Date.now();
        await hit.click();
        const frame = await webviewFrame(page, 60_000, bigTitle);
        const row = frame.locator('.row.message.selected', { hasText: DEEP_NEEDLE });
        await row.waitFor({ timeout: 90_000 });
        const index = Number(await row.getAttribute('data-index'));
        console.log(`opened transcript line ${deep.line} at row ${index} after ${Date.now() - t0} ms`);
        assert.ok(index > 2_000, `the hit is far past the first pages (row ${index})`);
        // Marked in its row and in its text once expanded (markdown: the phrase sits in a <p>); nothing else.
        assert.deepEqual(await row.locator('mark.search-match').allTextContents(), [DEEP_NEEDLE]);
        const inText = frame.locator('.row.node-text .markdown p mark.search-match');
        await inText.first().waitFor({ timeout: 30_000 });
        assert.deepEqual(await inText.allTextContents(), [DEEP_NEEDLE]);
        assert.deepEqual(await frame.locator('mark.search-match', { hasText: 'nothinglikethis' }).count(), 0);
        // Scrolled to: the row's top is inside the list's viewport.
        const inView = await row.evaluate((r) => {
            const s = r.closest('.scroller').getBoundingClientRect();
            const b = r.getBoundingClientRect();
            return b.top >= s.top - 1 && b.top < s.bottom - 10;
        });
        assert.ok(inView, 'the hit row is in view');
        // Drawn with the theme's find-match colour; the chip says what is highlighted.
        const [bg, themed] = await frame.locator('mark.search-match').first().evaluate((m) => [
            getComputedStyle(m).backgroundColor,
            getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-findMatchHighlightBackground').trim(),
        ]);
        assert.ok(themed && bg && bg !== 'rgba(0, 0, 0, 0)', `mark background ${bg} (theme ${themed})`);
        assert.equal(await frame.locator('.highlight-chip .highlight-query').textContent(), `"${DEEP_NEEDLE}" -nothinglikethis kind:user`);
        // No tooltip in the screenshot: the mouse rests at the editor's bottom right.
        const editorBox = await page.locator('.part.editor').first().boundingBox();
        if (editorBox) await page.mouse.move(editorBox.x + editorBox.width - 20, editorBox.y + editorBox.height - 10);
        await shot('search-highlight.png');
        // Scrolled away the row leaves the DOM; scrolled back it is built again, marked again.
        const scroller = frame.locator('.scroller');
        const top = await scroller.evaluate((s) => s.scrollTop);
        await scroller.evaluate((s) => {
            s.scrollTop = 0;
        });
        await row.waitFor({ state: 'detached', timeout: 15_000 });
        await scroller.evaluate((s, t) => {
            s.scrollTop = t;
        }, top);
        await row.locator('mark.search-match', { hasText: DEEP_NEEDLE }).waitFor({ timeout: 15_000 });
        // Escape takes the highlight away (the text stays).
        await scroller.press('Escape');
        await frame.locator('mark.search-match').first().waitFor({ state: 'detached', timeout: 10_000 });
        assert.equal(await frame.locator('.highlight-chip').isHidden(), true);
        assert.match((await row.textContent()) ?? '', new RegExp(DEEP_NEEDLE));

        // A subagent's message: reached through the tool result that started the subagent.
        const sub = await search(AGENT_NEEDLE, agent.uuid);
        assert.match((await sub.locator('.meta').textContent()) ?? '', new RegExp(`subagent ${agent.agentId}`));
        const t1 = Date.now();
        await sub.click();
        const frame2 = await webviewFrame(page, 60_000, bigTitle);
        const subRow = frame2.locator('.row.message.sidechain.selected', { hasText: AGENT_NEEDLE });
        await subRow.waitFor({ timeout: 90_000 });
        console.log(`opened subagent ${agent.agentId} line ${agent.line} after ${Date.now() - t1} ms`);
        assert.equal(await subRow.getAttribute('aria-level'), '3'); // tool result > subagent > its message
        assert.deepEqual(await subRow.locator('mark.search-match').allTextContents(), AGENT_NEEDLE.split(' '));
        await frame2.locator('.row.node-text .markdown mark.search-match').first().waitFor({ timeout: 30_000 });
        // The walk's progress does not linger in the status line once the message is shown.
        await frame2.locator('.status', { hasText: /Looking for/ }).waitFor({ state: 'hidden', timeout: 5_000 });
        await shot('search-highlight-subagent.png');
        assert.equal(await frame2.evaluate(() => typeof window.__cctPwned), 'undefined');
    });

    step('folds hook and progress lines into the tool call they report on: a count that opens them in place', async () => {
        await runCommand(page, 'View: Show Claude Code Traces');
        const frame = await openSessionFromTree(SAMPLE_TITLE);
        await setView(frame, 'conversation');
        // spotter-dov has ~1,100 progress lines (hooks, Bash, subagent): none is a row of its own.
        const badge = frame.locator('.conv-tool .tool-line .hooks-badge').first();
        await badge.waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator('.row.kind-progress, .row.kind-attachment').count(), 0, 'no progress row');
        assert.match((await badge.textContent()) ?? '', /^\d+ (hooks?|progress|hooks and progress)$/);
        const count = Number(((await badge.textContent()) ?? '').split(' ')[0]);
        const tool = frame.locator('.conv-tool', { has: frame.locator('.hooks-badge[aria-expanded="false"]') }).first();
        const name = await tool.locator('.tool-name').first().textContent();
        await badge.click();
        const list = frame.locator('.conv-tool .conv-hook-list').first();
        await list.waitFor({ timeout: 15_000 });
        assert.equal(await list.locator('.conv-hook').count(), count, 'the list holds what the count says');
        const labels = await list.locator('.conv-hook .label').allTextContents();
        assert.ok(labels.some((l) => /^(Pre|Post)ToolUse:/.test(l) || /_progress$/.test(l)), `hook lines: ${labels.join(', ')}`);
        // In place: the call's own output stays closed, the badge says it is open.
        assert.equal(await frame.locator('.hooks-badge[aria-expanded="true"]').count(), 1);
        console.log(`hooks folded into a ${name} call: ${count} (${labels.slice(0, 4).join(', ')})`);
        await shot('conversation-hooks.png');
        await badge.click();
        await list.waitFor({ state: 'detached', timeout: 15_000 });
    });

    step('reads a session as a conversation: a long answer whole, a Bash output in one click, a failed call marked', async () => {
        await runCommand(page, 'View: Show Claude Code Traces');
        const frame = await openSessionFromTree(TWIN_TITLE);
        await setView(frame, 'conversation');
        // (the prompt also says "release notes": the answer is the text that ends the list)
        const answer = frame.locator('.row.conv .conv-text', { hasText: 'That is the whole list.' }).first();
        await answer.waitFor({ timeout: 30_000 });
        // Shown whole: every item rendered, and nothing inside the row scrolls or clips.
        assert.equal(await answer.locator('li').count(), LONG_ANSWER_ITEMS);
        const clipped = await answer.evaluate((a) => {
            let e = a;
            const out = [];
            while (e && !e.classList.contains('scroller')) {
                const cs = getComputedStyle(e);
                if (e.scrollHeight > e.clientHeight + 2 && (cs.overflowY === 'auto' || cs.overflowY === 'hidden' || cs.overflowY === 'scroll')) out.push(e.className);
                e = e.parentElement;
            }
            return out;
        });
        assert.deepEqual(clipped, [], 'the long answer is not cut by an inner scroller');
        const rowHeight = await answer.evaluate((a) => a.closest('.row').getBoundingClientRect().height);
        assert.ok(rowHeight > LONG_ANSWER_ITEMS * 15, `the answer's row is ${rowHeight}px tall`);
        await shot('conversation-long-answer.png');
        // The failed Edit is marked on its line before it is opened, and counted in the header.
        const edit = frame.locator('.conv-tool', { has: frame.locator('.tool-name', { hasText: 'Edit' }) }).first();
        await edit.locator('.badge.error', { hasText: 'failed' }).waitFor({ timeout: 30_000 });
        assert.ok(await edit.evaluate((e) => e.classList.contains('error')));
        await frame.locator('.title-row .errors', { hasText: '1 error' }).waitFor({ timeout: 30_000 });
        // A Bash call: one click on its line shows the command and its output.
        const bash = frame.locator('.conv-tool', { has: frame.locator('.tool-name', { hasText: 'Bash' }) }).first();
        await bash.scrollIntoViewIfNeeded();
        assert.equal(await bash.locator('.conv-tool-body').count(), 0);
        await bash.locator('.tool-line .tool-name').click();
        await bash.locator('.conv-tool-body', { hasText: BASH_OUTPUT }).waitFor({ timeout: 15_000 });
        assert.match((await bash.locator('.conv-tool-body').textContent()) ?? '', /\$ make check/);
        await edit.locator('.tool-line .twisty').click(); // (the line's middle is the file's link)
        await edit.locator('.conv-tool-body', { hasText: FAILED_EDIT_ERROR }).waitFor({ timeout: 15_000 });
        await shot('conversation.png');
    });

    step('fits its header in a 480 px panel: every action visible', async () => {
        const frame = await webviewFrame(page, 30_000, TWIN_TITLE);
        const before = page.viewportSize();
        await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
        const iframe = page.locator('iframe.webview:visible').first();
        let box = await iframe.boundingBox();
        // Shrink the window until the webview is 480 px wide.
        await page.setViewportSize({ width: Math.round(before.width - (box.width - 480)), height: before.height });
        await sleep(500);
        box = await iframe.boundingBox();
        console.log(`webview ${box.width.toFixed(0)} px wide`);
        const buttons = await frame.locator('.title-row button').evaluateAll((bs) =>
            bs.map((b) => {
                const r = b.getBoundingClientRect();
                return { title: b.title, left: r.left, right: r.right, w: r.width, vw: document.documentElement.clientWidth };
            }),
        );
        assert.ok(buttons.length >= 5, `the header's actions: ${buttons.length}`);
        for (const b of buttons) assert.ok(b.w > 10 && b.left >= 0 && b.right <= b.vw + 0.5, `"${b.title}" is visible (${b.left}-${b.right} of ${b.vw})`);
        const title = await frame.locator('.title-row .title').evaluate((t) => t.getBoundingClientRect().width);
        assert.ok(title > 100, `the title keeps room (${title}px)`);
        await shot('header-480.png');
        await page.setViewportSize(before);
        await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    });
});
