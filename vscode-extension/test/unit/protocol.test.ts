/**
 * protocol.ts must mirror server/claude_code_tracer/models.py: the Method table and, for every
 * model that crosses the wire, the same fields (camelCase). Read from the Python source beside
 * this folder; skipped when the extension is built alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS, Method, REQUEST_METHODS } from '../../src/protocol';

const MODELS = resolve(__dirname, '..', '..', '..', 'server', 'claude_code_tracer', 'models.py');
const PROTOCOL = resolve(__dirname, '..', '..', 'src', 'protocol.ts');
const haveModels = existsSync(MODELS);

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

interface PyClass {
    bases: string[];
    fields: string[];
}

function pythonClasses(src: string): Map<string, PyClass> {
    const out = new Map<string, PyClass>();
    let current: PyClass | undefined;
    for (const line of src.split('\n')) {
        const cls = /^class (\w+)\(([^)]*)\):/.exec(line);
        if (cls) {
            current = { bases: cls[2]!.split(',').map((b) => b.trim()), fields: [] };
            out.set(cls[1]!, current);
            continue;
        }
        if (/^\S/.test(line)) current = undefined;
        const field = current && /^ {4}([a-z_][a-z0-9_]*)\s*:\s*[^=]/.exec(line);
        if (current && field && !line.includes('ClassVar') && field[1] !== 'model_config') current.fields.push(field[1]!);
    }
    return out;
}

function allFields(classes: Map<string, PyClass>, name: string): string[] {
    const c = classes.get(name);
    if (!c) return [];
    return [...c.bases.flatMap((b) => allFields(classes, b)), ...c.fields];
}

function tsInterfaces(src: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const re = /export interface (\w+)(?: extends ([\w, ]+))? \{([\s\S]*?)\n\}/g;
    const raw = new Map<string, { ext: string[]; fields: string[] }>();
    for (const m of src.matchAll(re)) {
        const fields = [...m[3]!.matchAll(/^ {4}(\w+)\??:/gm)].map((f) => f[1]!);
        raw.set(m[1]!, { ext: m[2] ? m[2].split(',').map((s) => s.trim()) : [], fields });
    }
    const resolveFields = (name: string): string[] => {
        const r = raw.get(name);
        return r ? [...r.ext.flatMap(resolveFields), ...r.fields] : [];
    };
    for (const name of raw.keys()) out.set(name, resolveFields(name));
    return out;
}

describe.skipIf(!haveModels)('protocol.ts mirrors models.py', () => {
    const py = haveModels ? readFileSync(MODELS, 'utf8') : '';
    const classes = pythonClasses(py);
    const ts = tsInterfaces(readFileSync(PROTOCOL, 'utf8'));

    it('has the same method table', () => {
        const body = /class Method:\n((?: {4}.*\n)+)/.exec(py)?.[1] ?? '';
        const methods = Object.fromEntries([...body.matchAll(/^ {4}(\w+) = "([^"]+)"/gm)].map((m) => [m[1]!, m[2]!]));
        expect(methods).toEqual(Method);
        const params = /METHOD_PARAMS[^{]*\{([\s\S]*?)\n\}/.exec(py)?.[1] ?? '';
        const requestMethods = [...params.matchAll(/Method\.(\w+)/g)].map((m) => methods[m[1]!]);
        expect([...REQUEST_METHODS].sort()).toEqual(requestMethods.sort());
    });

    it('has the same kinds', () => {
        const body = /class Kind\(StrEnum\):\n[\s\S]*?\n\n((?: {4}\w+ = "\w+"\n)+)/.exec(py)?.[1] ?? '';
        expect([...body.matchAll(/= "(\w+)"/g)].map((m) => m[1])).toEqual([...KINDS]);
    });

    const wire = [
        'MessageFilter',
        'SessionRef',
        'SessionsListParams',
        'MessagesPageParams',
        'MessagesStreamParams',
        'MessageGetParams',
        'Tokens',
        'MessageSummary',
        'MessagesPage',
        'MessageDetail',
        'SessionInfo',
        'SessionsPage',
        'KindCount',
        'SessionMetrics',
        'ToolStat',
        'SessionTools',
        'SubagentInfo',
        'SessionSubagents',
        'ModelCost',
        'SessionCost',
        'ContextPoint',
        'ContextCompaction',
        'SessionContext',
        'NameCount',
        'FilterOptions',
        'FilesSessionsParams',
        'FilesHistoryParams',
        'FileTouch',
        'FileSessionInfo',
        'FileSessions',
        'FileHistory',
        'WrittenSpan',
        'SessionChange',
        'SessionsDidChange',
        'ServerOptions',
        'SearchParams',
        'TextRange',
        'SearchHit',
        'SearchGroup',
        'SearchPage',
    ];
    it.each(wire)('%s has the same fields, camelCase', (name) => {
        expect(classes.has(name), `${name} in models.py`).toBe(true);
        expect(ts.has(name), `${name} in protocol.ts`).toBe(true);
        expect([...ts.get(name)!].sort()).toEqual(allFields(classes, name).map(camel).sort());
    });
});
