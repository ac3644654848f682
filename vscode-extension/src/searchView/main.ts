/** The search view's webview entry: wires the box to the host through validated messages. */
import { parseSearchHostMessage, type SearchViewToHost } from '../shared/searchIpc';
import { SearchBox } from './box';

interface Saved {
    query: string;
    everywhere: boolean;
}
interface VsCodeApi {
    postMessage(message: SearchViewToHost): void;
    getState(): unknown;
    setState(state: Saved): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const root = document.getElementById('search') as HTMLDivElement;
const box = new SearchBox(document, root, (msg) => {
    api.postMessage(msg);
    api.setState(box.saved());
});

/** The query of before the view was hidden, if the saved state is one. */
function restored(): Saved | undefined {
    const s = api.getState() as Partial<Saved> | undefined;
    return s && typeof s.query === 'string' && typeof s.everywhere === 'boolean' ? { query: s.query.slice(0, 1000), everywhere: s.everywhere } : undefined;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const msg = parseSearchHostMessage(event.data);
    if (msg) box.receive(msg, msg.type === 'init' ? restored() : undefined);
});
api.postMessage({ type: 'ready' });
box.input.focus();
