// Three bundles: the extension (node, cjs, vscode external), the session webview app and the
// search view (browser, iife),
// plus the webview's static media (its CSS and the codicon font) copied into dist/media.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'info',
    legalComments: 'none',
};

function copyMedia() {
    mkdirSync('dist/media', { recursive: true });
    copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/media/codicon.css');
    copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/media/codicon.ttf');
    copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'dist/media/uplot.css');
    copyFileSync('media/webview.css', 'dist/media/webview.css');
    copyFileSync('media/search.css', 'dist/media/search.css');
}

const extension = {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    mainFields: ['module', 'main'],
};

const webview = {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/media/webview.js',
    platform: 'browser',
    format: 'iife',
    target: ['chrome120'],
};

// The search box in the Claude Code Traces view: its own small page.
const searchView = { ...webview, entryPoints: ['src/searchView/main.ts'], outfile: 'dist/media/search.js' };

if (production) rmSync('dist', { recursive: true, force: true });
copyMedia();
// The README packed in the .vsix: without the screenshots, which live in the repository only.
writeFileSync(
    'dist/README.md',
    readFileSync('README.md', 'utf8')
        .split('\n')
        .filter((line) => !/^!\[.*\]\(docs\//.test(line) && !line.startsWith('(Screenshots from'))
        .join('\n'),
);
if (watch) {
    const contexts = await Promise.all([esbuild.context(extension), esbuild.context(webview), esbuild.context(searchView)]);
    await Promise.all(contexts.map((c) => c.watch()));
} else {
    await Promise.all([esbuild.build(extension), esbuild.build(webview), esbuild.build(searchView)]);
}
