// The checks `ovsx publish` makes on a .vsix before it uploads, run offline on the package built
// here: ovsx's own manifest reader and validator, and its license check (Open VSX refuses an
// extension without one). The rest of `ovsx publish` needs the registry and a token (the size
// limit, the namespace); vsce's packaging checks ran when the .vsix was made (ci.sh fails on any
// vsce WARNING). Usage: node scripts/check-openvsx.mjs claude-code-tracer.vsix
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { isLicenseOk, validateManifest } = require('ovsx');
const { readVSIXPackage } = require('ovsx/lib/zip');
// ovsx's own zip reader (its dependency, resolved from it)
const yauzl = createRequire(require.resolve('ovsx'))('yauzl-promise');

const vsix = process.argv[2];
if (!vsix) {
    console.error('usage: check-openvsx.mjs FILE.vsix');
    process.exit(2);
}

const problems = [];
const manifest = await readVSIXPackage(vsix); // what ovsx reads from the package it uploads
try {
    validateManifest(manifest);
} catch (err) {
    problems.push(err.message);
}

// isLicenseOk looks at a folder: give it the packaged manifest and the packaged license, so the
// check is on what is uploaded, not on the source tree.
const names = [];
const zip = await yauzl.open(vsix);
let license;
try {
    for await (const entry of zip) {
        names.push(entry.filename);
        if (/^extension\/license(\.(md|txt))?$/i.test(entry.filename)) {
            const chunks = [];
            for await (const c of await entry.openReadStream()) chunks.push(c);
            license = Buffer.concat(chunks);
        }
    }
} finally {
    await zip.close();
}
const dir = mkdtempSync(join(tmpdir(), 'ovsx-check-'));
try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    if (license) writeFileSync(join(dir, 'LICENSE'), license);
    if (!(await isLicenseOk(dir, manifest))) problems.push('no license: Open VSX refuses an extension without one');
} finally {
    rmSync(dir, { recursive: true, force: true });
}
if (!license) problems.push('the .vsix holds no LICENSE file');
if (!manifest.icon || !names.includes(`extension/${manifest.icon}`)) problems.push(`the icon ${manifest.icon ?? '(none)'} is not in the .vsix`);
if (!names.some((n) => /^extension\/readme\.md$/i.test(n))) problems.push('the .vsix holds no README');
if (!names.some((n) => /^extension\/changelog\.md$/i.test(n))) problems.push('the .vsix holds no CHANGELOG');

if (problems.length) {
    for (const p of problems) console.error(`ovsx check: ${p}`);
    process.exit(1);
}
console.log(`ovsx checks passed: ${manifest.publisher}.${manifest.name} ${manifest.version}, license ${manifest.license}, ${names.length} files`);
