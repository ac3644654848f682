// First run without a server: the extension offers to create a private environment and installs
// the server from the wheel inside the .vsix (dependencies from PyPI), then lists the sessions.
// Opt-in (E2E_INSTALL=1 in ci.sh): it downloads duckdb, pyarrow and friends unless pip has them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, it } from 'node:test';
import { makeFixtures } from './fixtures.mjs';
import { EXT_DIR, runCommand, startBrowser, startCodeServer } from './harness.mjs';

const VSIX = resolve(process.env.VSIX ?? join(EXT_DIR, 'claude-code-tracer.vsix'));
const PYTHON = process.env.CCT_PYTHON; // only to generate the transcripts
let root;
let server;
let browser;
let page;
const savedPath = process.env.PATH;

before(async () => {
    assert.ok(PYTHON, 'set CCT_PYTHON (used to generate the transcripts)');
    assert.ok(existsSync(VSIX), `build the .vsix first (${VSIX})`);
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', VSIX], { encoding: 'utf8' });
    assert.match(listing, /bundled\/claude_code_tracer-.*\.whl/, 'the .vsix carries the server wheel');
    root = mkdtempSync(join(tmpdir(), 'cct-install-'));
    const fx = makeFixtures(root, { python: PYTHON, messages: 200 });
    // A bare Python first on PATH: it has no server, so the extension must offer to install one.
    execFileSync('python3', ['-m', 'venv', join(root, 'bare')]);
    process.env.PATH = `${join(root, 'bare', 'bin')}:${savedPath}`;
    server = await startCodeServer({
        root,
        vsix: VSIX,
        settings: { 'claudeCodeTracer.projectsRoot': fx.projects, 'chat.disableAIFeatures': true, 'workbench.startupEditor': 'none' },
    });
    ({ browser, page } = await startBrowser(root));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(fx.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
});

after(async () => {
    process.env.PATH = savedPath;
    await browser?.close().catch(() => {});
    await server?.stop();
    if (root && process.env.E2E_KEEP !== '1') rmSync(root, { recursive: true, force: true });
});

it('offers to install the server, installs it with progress, then lists the sessions', { timeout: 15 * 60_000 }, async () => {
    await runCommand(page, 'View: Show Claude Code Traces');
    await page.locator('.monaco-list-row', { hasText: 'server' }).first().waitFor({ timeout: 60_000 });
    const install = page.locator('.notifications-toasts .monaco-button', { hasText: 'Install' }).first();
    await install.waitFor({ timeout: 60_000 });
    await install.click();
    await page.locator('.notifications-toasts', { hasText: /private Python environment|installing the server/ }).first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row', { hasText: 'Please read app.py' }).first().waitFor({ timeout: 12 * 60_000 });
    await page.screenshot({ path: join(EXT_DIR, 'test-artifacts', 'installed.png') });
});
