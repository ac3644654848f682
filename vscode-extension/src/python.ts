/**
 * Finding a Python that can run the server, and installing the server into a private
 * environment when none can (the microsoft/vscode-python-tools-extension-template way of
 * choosing the interpreter; duckdb and pydantic-core are native wheels, so the server cannot be
 * vendored as pure-Python libs: it gets a venv in the extension's global storage instead).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const MIN_PYTHON: readonly [number, number] = [3, 11];
/** For development: a project folder (or wheel) `pip install` takes when the .vsix carries no wheel. */
export const DEV_SOURCE_ENV = 'CLAUDE_CODE_TRACER_DEV_PATH';

export interface PythonCandidate {
    path: string;
    source: 'setting' | 'python extension' | 'private environment' | 'default';
}

export interface ProbeResult {
    path: string;
    version?: [number, number, number];
    /** The server's version when `claude_code_tracer` (and its dependencies) import. */
    server?: string;
    error?: string;
}

// Importing the LSP module checks the dependencies too (pygls, duckdb, pydantic).
const PROBE = [
    'import json, sys',
    'out = {"version": list(sys.version_info[:3]), "executable": sys.executable}',
    'try:',
    '    import claude_code_tracer, claude_code_tracer.lsp',
    '    out["server"] = getattr(claude_code_tracer, "__version__", "?")',
    'except Exception as exc:',
    '    out["error"] = f"{type(exc).__name__}: {exc}"',
    'print(json.dumps(out))',
].join('\n');

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Run a process, no shell; output lines go to the log as they come. */
export function run(
    command: string,
    args: string[],
    options: { log?: vscode.LogOutputChannel; token?: vscode.CancellationToken; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        let child;
        try {
            child = spawn(command, args, { cwd: options.cwd, env: process.env, windowsHide: true });
        } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
        }
        let stdout = '';
        let stderr = '';
        const timer = options.timeoutMs ? setTimeout(() => child.kill(), options.timeoutMs) : undefined;
        const sub = options.token?.onCancellationRequested(() => child.kill());
        child.stdout.on('data', (d: Buffer) => {
            const text = d.toString();
            stdout += text;
            if (options.log) for (const line of text.split(/\r?\n/)) if (line.trim()) options.log.info(line);
        });
        child.stderr.on('data', (d: Buffer) => {
            const text = d.toString();
            stderr += text;
            if (options.log) for (const line of text.split(/\r?\n/)) if (line.trim()) options.log.warn(line);
        });
        child.on('error', (err) => {
            if (timer) clearTimeout(timer);
            sub?.dispose();
            reject(err);
        });
        child.on('close', (code) => {
            if (timer) clearTimeout(timer);
            sub?.dispose();
            resolve({ code, stdout, stderr });
        });
    });
}

export async function probe(python: string): Promise<ProbeResult> {
    try {
        const r = await run(python, ['-c', PROBE], { timeoutMs: 30_000 });
        const line = r.stdout.trim().split(/\r?\n/).pop() ?? '';
        if (r.code !== 0 || !line.startsWith('{')) {
            return { path: python, error: lastLine(r.stderr) || `exited with code ${r.code}` };
        }
        const data = JSON.parse(line) as { version?: number[]; server?: string; error?: string; executable?: string };
        const out: ProbeResult = { path: python };
        if (Array.isArray(data.version) && data.version.length === 3) {
            out.version = [data.version[0] ?? 0, data.version[1] ?? 0, data.version[2] ?? 0];
        }
        if (data.server) out.server = data.server;
        if (data.error) out.error = data.error;
        return out;
    } catch (err) {
        return { path: python, error: err instanceof Error ? err.message : String(err) };
    }
}

export function versionOk(v: ProbeResult['version']): boolean {
    if (!v) return false;
    return v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]);
}

export function lastLine(text: string): string {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    return lines[lines.length - 1] ?? '';
}

/** `~` and `${workspaceFolder}` / `${userHome}` in the setting, as VS Code users write them. */
export function expandPath(value: string): string {
    let out = value.trim();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (folder) out = out.replace(/\$\{workspaceFolder\}/g, folder);
    out = out.replace(/\$\{userHome\}/g, os.homedir());
    if (out === '~' || out.startsWith('~/')) out = path.join(os.homedir(), out.slice(1));
    return out;
}

export function privateEnvDir(context: vscode.ExtensionContext): string {
    return path.join(context.globalStorageUri.fsPath, 'venv');
}

export function venvPython(dir: string): string {
    return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

/** The Python extension's interpreter for the first workspace folder, when that extension is here. */
async function activeInterpreter(log: vscode.LogOutputChannel): Promise<string | undefined> {
    if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
    try {
        const { PythonExtension } = await import('@vscode/python-extension');
        const api = await PythonExtension.api();
        const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
        const envPath = api.environments.getActiveEnvironmentPath(resource);
        const env = await api.environments.resolveEnvironment(envPath);
        return env?.executable.uri?.fsPath;
    } catch (err) {
        log.warn(`could not ask the Python extension for its interpreter: ${err instanceof Error ? err.message : err}`);
        return undefined;
    }
}

export async function candidates(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<PythonCandidate[]> {
    const setting = vscode.workspace.getConfiguration('claudeCodeTracer').get<string>('pythonPath', '').trim();
    if (setting) return [{ path: expandPath(setting), source: 'setting' }];
    const out: PythonCandidate[] = [];
    const active = await activeInterpreter(log);
    if (active) out.push({ path: active, source: 'python extension' });
    const venv = venvPython(privateEnvDir(context));
    if (fs.existsSync(venv)) out.push({ path: venv, source: 'private environment' });
    if (process.platform === 'win32') out.push({ path: 'python', source: 'default' });
    else out.push({ path: 'python3', source: 'default' });
    return out;
}

export interface Resolution {
    /** A Python that imports the server. */
    ready?: ProbeResult & { source: PythonCandidate['source'] };
    /** Every candidate tried, for the message when none works. */
    tried: (ProbeResult & { source: PythonCandidate['source'] })[];
}

export async function resolvePython(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<Resolution> {
    const tried: Resolution['tried'] = [];
    for (const c of await candidates(context, log)) {
        const r = { ...(await probe(c.path)), source: c.source };
        tried.push(r);
        const v = r.version ? r.version.join('.') : '?';
        log.info(`python ${c.path} (${c.source}): version ${v}, server ${r.server ?? `not importable (${r.error ?? 'unknown'})`}`);
        if (r.server && versionOk(r.version)) return { ready: r, tried };
    }
    return { tried };
}

/** The server wheel shipped in the .vsix (`bundled/claude_code_tracer-*.whl`), if any. */
export function bundledWheel(context: vscode.ExtensionContext): string | undefined {
    const dir = path.join(context.extensionPath, 'bundled');
    try {
        const wheel = fs
            .readdirSync(dir)
            .filter((f) => /^claude_code_tracer-.*\.whl$/.test(f))
            .sort()
            .pop();
        return wheel ? path.join(dir, wheel) : undefined;
    } catch {
        return undefined;
    }
}

export class InstallError extends Error {}

/**
 * Create the private venv with `base` and pip-install the server into it, with a progress
 * notification. Returns the venv's python; throws an InstallError with one actionable sentence.
 */
export async function installServer(
    context: vscode.ExtensionContext,
    base: string,
    log: vscode.LogOutputChannel,
): Promise<string> {
    const source = bundledWheel(context) ?? process.env[DEV_SOURCE_ENV];
    if (!source) {
        throw new InstallError(
            `this build of the extension carries no server wheel. Install it yourself (pip install claude-code-tracer) and set claudeCodeTracer.pythonPath to that Python.`,
        );
    }
    const dir = privateEnvDir(context);
    const python = venvPython(dir);
    return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Claude Code Tracer', cancellable: true },
        async (progress, token) => {
            await fs.promises.mkdir(context.globalStorageUri.fsPath, { recursive: true });
            progress.report({ message: 'creating a private Python environment…' });
            log.info(`creating ${dir} with ${base}`);
            const venv = await run(base, ['-m', 'venv', '--clear', dir], { log, token, timeoutMs: 120_000 });
            if (token.isCancellationRequested) throw new InstallError('the installation was cancelled.');
            if (venv.code !== 0) {
                throw new InstallError(`could not create a virtual environment with ${base}: ${lastLine(venv.stderr) || `exit ${venv.code}`}.`);
            }
            progress.report({ message: 'installing the server (duckdb, pydantic, pygls)… this takes a minute' });
            log.info(`pip install ${source}`);
            const pip = await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', source], {
                log,
                token,
                timeoutMs: 15 * 60_000,
            });
            if (token.isCancellationRequested) throw new InstallError('the installation was cancelled.');
            if (pip.code !== 0) {
                throw new InstallError(`pip could not install the server: ${lastLine(pip.stderr) || `exit ${pip.code}`}.`);
            }
            progress.report({ message: 'checking the server…' });
            const check = await probe(python);
            if (!check.server) throw new InstallError(`the server was installed but does not import: ${check.error ?? 'unknown error'}.`);
            log.info(`server ${check.server} installed in ${dir}`);
            return python;
        },
    );
}
