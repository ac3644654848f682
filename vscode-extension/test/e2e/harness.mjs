// Runs a real VS Code (code-server) on 127.0.0.1 with the built .vsix installed, and Debian's
// Chromium through playwright-core (../shared/VSCODE-E2E.md). Nothing here downloads anything.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, openSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const EXT_DIR = resolve(import.meta.dirname, '..', '..');

export function codeServerBin() {
    const bin = process.env.CODE_SERVER ?? join(EXT_DIR, 'e2e-host', 'node_modules', '.bin', 'code-server');
    if (!existsSync(bin)) throw new Error(`code-server not found at ${bin}: run ci.sh (or set CODE_SERVER)`);
    return bin;
}

export function chromiumBin() {
    for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
        if (p && existsSync(p)) return p;
    }
    throw new Error('Chromium not found: apt-get install chromium (or set CHROMIUM)');
}

export function freePort() {
    return new Promise((res, rej) => {
        const srv = createServer();
        srv.unref();
        srv.on('error', rej);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => res(port));
        });
    });
}

export async function startCodeServer({ root, vsix, settings }) {
    const userData = join(root, 'user-data');
    const extensions = join(root, 'extensions');
    const config = join(root, 'code-server.yaml');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(join(userData, 'Machine'), { recursive: true });
    mkdirSync(extensions, { recursive: true });
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    // code-server's extension host is a remote one: machine-scoped settings (the Python path, the
    // transcripts folder) come from the remote "Machine" settings, not from the browser's User ones.
    writeFileSync(join(userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
    const port = await freePort();
    writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const bin = codeServerBin();
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--config', config];
    execFileSync(bin, [...common, '--install-extension', vsix, '--force'], { stdio: 'pipe', timeout: 120_000 });
    const log = openSync(join(root, 'code-server.log'), 'a');
    const child = spawn(
        bin,
        [
            ...common,
            '--auth',
            'none',
            '--bind-addr',
            `127.0.0.1:${port}`,
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-workspace-trust',
            '--disable-getting-started-override',
        ],
        { detached: true, stdio: ['ignore', log, log], env: process.env },
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            const r = await fetch(`${url}/healthz`);
            if (r.ok) break;
        } catch {
            /* not listening yet */
        }
        if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}); see ${join(root, 'code-server.log')}`);
        if (Date.now() > deadline) throw new Error('code-server did not start within 60 s');
        await sleep(250);
    }
    return {
        url,
        port,
        logFile: join(root, 'code-server.log'),
        /** Change user settings while it runs (VS Code watches the file). */
        updateSettings: (more) => {
            Object.assign(settings, more);
            writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
        },
        stop: async () => {
            if (child.exitCode !== null) return;
            try {
                process.kill(-child.pid, 'SIGTERM');
            } catch {
                return;
            }
            for (let i = 0; i < 40 && child.exitCode === null; i++) await sleep(100);
            if (child.exitCode === null) {
                try {
                    process.kill(-child.pid, 'SIGKILL');
                } catch {
                    /* gone */
                }
            }
        },
    };
}

export async function startBrowser(root) {
    const context = await chromium.launchPersistentContext(join(root, 'chromium'), {
        executablePath: chromiumBin(),
        headless: true,
        viewport: { width: 1400, height: 900 },
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return { browser: context, page };
}

/**
 * The documents inside the visible webviews (VS Code nests each in two iframes): the session
 * panels and the search view in the side bar are all `iframe.webview`.
 */
async function visibleWebviewDocs(page) {
    const docs = [];
    for (const outer of await page.locator('iframe.webview:visible').all()) {
        const handle = await outer
            .contentFrame()
            .locator('#active-frame')
            .elementHandle({ timeout: 2_000 })
            .catch(() => null);
        // The webview may reload between the two calls (a theme change): then it is skipped this time.
        const frame = handle ? await handle.contentFrame().catch(() => null) : null;
        if (frame) docs.push(frame);
    }
    return docs;
}

/**
 * The document inside the visible session webview; with `title`, only the one showing that
 * session (right after a click the previous panel may still be visible).
 */
export async function webviewFrame(page, timeout = 30_000, title = undefined) {
    const deadline = Date.now() + timeout;
    for (;;) {
        for (const frame of await visibleWebviewDocs(page)) {
            if (!(await frame.locator('#app').count().catch(() => 0))) continue;
            if (title === undefined) return frame;
            const shown = await frame.locator('.title').textContent({ timeout: 1_000 }).catch(() => null);
            if (shown?.includes(title)) return frame;
        }
        if (Date.now() > deadline) throw new Error('no visible session webview');
        await sleep(250);
    }
}

/** The document inside the search view of the Claude Code Traces side bar, once it is shown. */
export async function searchViewFrame(page, timeout = 30_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
        for (const frame of await visibleWebviewDocs(page)) {
            if (await frame.locator('#search input.query').count().catch(() => 0)) return frame;
        }
        if (Date.now() > deadline) throw new Error('no visible search view');
        await sleep(250);
    }
}

/** Run a command through the command palette, retrying while the extension host registers it. */
export async function runCommand(page, title, timeout = 30_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`);
        const option = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
        if (await option.isVisible({ timeout: 2_000 }).catch(() => false)) {
            await option.click(); // not Enter: the first row may be a fuzzier match
            return;
        }
        if (Date.now() > deadline) throw new Error(`command not found: ${title}`);
        await sleep(500);
    }
}

export function tail(file, lines = 60) {
    try {
        return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
        return '';
    }
}
